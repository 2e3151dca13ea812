/* traces/lesson03_cycle.c — Lesson 3: the classic cycle.
 *
 *     a = []; b = []
 *     a.append(b); b.append(a)
 *     keep = []            # a reachable list, for contrast during the pass
 *     del a; del b         # both survive with refcount 1
 *     gc.collect()         # frees both
 *
 * Refcounting alone can never free a cycle: each list holds the other. The
 * collector's pass finds it by trial deletion: update_refs copies each
 * refcount into gc_refs, subtract_refs takes away the references that come
 * from inside the collected set, and move_unreachable keeps whatever still has
 * outside references (keep: its name) plus everything reachable from that.
 * Start reading at lesson03_run().
 */
#include "lesson_util.h"

static int
lesson03_run(lesson *L)
{
    lesson_hide_gc_lists(L);
    gcs_heap *h = L->h;

    STEP(L, "3.0 Lesson 3: the classic cycle");
    gcs_obj *a = NULL, *b = NULL, *keep = NULL;
    MUST(gcs_list_new(h, &a));
    lesson_watch(L, "a", a);
    BIND(h, "a", a);
    MUST(gcs_list_new(h, &b));
    lesson_watch(L, "b", b);
    BIND(h, "b", b);
    STEP(L, "3.1 a = []; b = []: two empty lists, refcount 1 each (their names)");

    MUST(gcs_list_append(h, lesson_var(h, "a"), lesson_var(h, "b")));
    MUST(gcs_list_append(h, lesson_var(h, "b"), lesson_var(h, "a")));
    STEP(L, "3.2 a.append(b); b.append(a): each list now also holds the other, refcount 2 each "
            "(the shared tint marks one cycle)");

    MUST(gcs_list_new(h, &keep));
    lesson_watch(L, "keep", keep);
    BIND(h, "keep", keep);
    STEP(L, "3.3 keep = []: an ordinary reachable list, to compare with during the pass");

    MUST(gcs_var_del(h, "a"));
    STEP(L, "3.4 del a: the name is gone, but b's list still holds that list: refcount 1");

    MUST(gcs_var_del(h, "b"));
    STEP(L, "3.5 del b: no name reaches either list, yet each list still holds the other, so "
            "both refcounts stay at 1: refcounting alone leaks them");

    STEP(L, "3.6 gc.collect(): update_refs copies refcounts into gc_refs (1, 1, 1); "
            "subtract_refs removes references from inside the set (a and b drop to 0, keep stays "
            "1: its name); move_unreachable keeps keep and sets a and b aside");
    size_t n = COLLECT(h, 2);
    STEPF(L,
          "3.7 gc.collect() returned %zu: both lists of the cycle were cleared and freed; keep "
          "survived the pass and stays in generation 2",
          n);
    return 0;
}

#ifndef LESSON_NO_MAIN
int
main(void)
{
    return lesson_main(lesson03_run);
}
#endif
