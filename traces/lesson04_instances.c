/* traces/lesson04_instances.c — Lesson 4: cycles of instances, and finalizers.
 *
 *     class Node: pass
 *     n = Node(); n.me = n; del n; gc.collect()          # returns 1
 *
 *     class Res:
 *         def __del__(self): print(self.name, "partner is", self.partner.name)
 *     a = Res("a"); b = Res("b"); a.partner = b; b.partner = a
 *     del a, b; gc.collect()                             # returns 2
 *
 * A self-reference is the smallest cycle. An instance keeps its attributes
 * inline (as CPython 3.11 does), so the pass collects one object. Since PEP 442
 * objects with __del__ in a cycle are collected too: the collector first runs
 * every finalizer, on objects that are still intact, then clears the cycle;
 * gc.garbage stays empty. Start reading at lesson04_run().
 */
#include "lesson_util.h"

/* Res.__del__: the partner is still there when the finalizer runs. */
static int
l04_res_del(gcs_heap *h, gcs_obj *self, void *ud)
{
    lesson *L = ud;
    gcs_obj *partner = NULL;
    const char *pname = "(none)";
    if (gcs_attr_get(h, self, "partner", &partner) == 0 && partner)
        pname = lesson_str_attr(h, partner, "name");
    STEPF(L,
          "__del__(%s) runs during the pass: its partner %s is still intact (nothing has been "
          "cleared yet)",
          lesson_str_attr(h, self, "name"), pname);
    return 0;
}

static void
l04_self_cycle(lesson *L)
{
    gcs_heap *h = L->h;
    BIND(h, "Node", CLASS(h, "Node", NULL, NULL));
    gcs_obj *n = NEW(h, lesson_var(h, "Node"));
    lesson_watch(L, "n", n);
    BIND(h, "n", n);
    MUST(gcs_attr_set(h, n, "me", n));
    STEP(L, "4.1 n = Node(); n.me = n: an instance that refers to itself, refcount 2 (the name n "
            "and its own attribute)");

    MUST(gcs_var_del(h, "n"));
    STEP(L, "4.2 del n: refcount 1; its own attribute keeps it alive (a self-loop is a cycle)");

    size_t got = COLLECT(h, 2);
    STEPF(L,
          "4.3 gc.collect() returned %zu: one object, since the attributes live inside the "
          "instance",
          got);
}

static void
l04_finalizer_cycle(lesson *L)
{
    gcs_heap *h = L->h;
    BIND(h, "Res", CLASS(h, "Res", l04_res_del, L));
    gcs_obj *a = NEW(h, lesson_var(h, "Res"));
    SET_STR_ATTR(h, a, "name", "a");
    lesson_watch(L, "a", a);
    BIND(h, "a", a);
    gcs_obj *b = NEW(h, lesson_var(h, "Res"));
    SET_STR_ATTR(h, b, "name", "b");
    lesson_watch(L, "b", b);
    BIND(h, "b", b);
    MUST(gcs_attr_set(h, a, "partner", b));
    MUST(gcs_attr_set(h, b, "partner", a));
    STEP(L, "4.4 a = Res('a'); b = Res('b'); a.partner = b; b.partner = a: a cycle of two "
            "instances whose class has __del__");

    MUST(gcs_var_del(h, "a"));
    MUST(gcs_var_del(h, "b"));
    STEP(L, "4.5 del a, b: both unreachable, refcount 1 each; refcounting will never call their "
            "__del__");

    STEP(L, "4.6 gc.collect(): PEP 442 order: find the unreachable set, run each finalizer once, "
            "check nobody was resurrected, then clear the cycle");
    size_t got = COLLECT(h, 2);
    STEPF(L,
          "4.7 gc.collect() returned %zu: both finalizers ran, then the cycle was cleared and "
          "both freed; gc.garbage holds %zu objects",
          got, gcs_list_len(h, gcs_gc_garbage(h)));
}

static int
lesson04_run(lesson *L)
{
    lesson_hide_gc_lists(L);
    STEP(L, "4.0 Lesson 4: cycles of instances, and finalizers");
    l04_self_cycle(L);
    l04_finalizer_cycle(L);
    return 0;
}

#ifndef LESSON_NO_MAIN
int
main(void)
{
    return lesson_main(lesson04_run);
}
#endif
