/* traces/lesson01_names.c — Lesson 1: names point to objects.
 *
 *     a = [1, 2, 3]
 *     b = a            # no copy: a second name for the same list
 *     b.append(4)      # a sees it too
 *     sys.getrefcount(a)
 *
 * One list, two names: the roots panel shows a and b pointing at one object
 * whose refcount badge reads 2. getrefcount(a) reports one more than you
 * expect, because its own parameter is a reference while the call runs.
 * Start reading at lesson01_run().
 */
#include "lesson_util.h"

/* sys.getrefcount(<the object named `name`>): a call whose frame binds the
 * argument to its parameter, so the count it sees includes itself. */
static int64_t
l01_getrefcount(lesson *L, const char *name)
{
    gcs_heap *h = L->h;
    gcs_obj *o = lesson_var(h, name);
    MUST(gcs_frame_push(h, "getrefcount", NULL));
    MUST(gcs_var_set(h, "object", o)); /* the parameter: one more reference */
    int64_t n = gcs_refcnt(o);
    STEPF(L,
          "1.4 getrefcount(%s) returns %lld, one more than the names: while the call runs, its "
          "parameter `object` also refers to the list",
          name, (long long)n);
    MUST(gcs_frame_pop(h));
    return n;
}

static int
lesson01_run(lesson *L)
{
    lesson_hide_gc_lists(L);
    gcs_heap *h = L->h;
    static const int64_t items[] = {1, 2, 3};

    STEP(L, "1.0 Lesson 1: names point to objects");
    gcs_obj *list = INT_LIST(h, items, 3);
    lesson_watch(L, "list", list);
    BIND(h, "a", list);
    STEP(L, "1.1 a = [1, 2, 3]: one list object; the name a is its only reference (refcount 1)");

    MUST(gcs_var_set(h, "b", lesson_var(h, "a")));
    STEP(L, "1.2 b = a: nothing is copied; b points to the same list (refcount 2)");

    gcs_obj *four = NULL;
    MUST(gcs_int_new(h, 4, &four));
    MUST(gcs_list_append(h, lesson_var(h, "b"), four));
    gcs_decref(h, four);
    STEP(L, "1.3 b.append(4): there is only one list, so a sees [1, 2, 3, 4] too");

    (void)l01_getrefcount(L, "a");
    STEP(L, "1.5 getrefcount returned: its frame and parameter are gone, refcount back to 2");

    MUST(gcs_var_del(h, "b"));
    STEP(L, "1.6 del b: deletes a name, not the object; refcount 1, a still sees the list");

    MUST(gcs_var_del(h, "a"));
    STEP(L, "1.7 del a: refcount 0, the list is freed at once (the small ints 1..4 are cached "
            "and stay)");
    return 0;
}

#ifndef LESSON_NO_MAIN
int
main(void)
{
    return lesson_main(lesson01_run);
}
#endif
