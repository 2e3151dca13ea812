/* traces/lesson02_refcount_zero.c — Lesson 2: when the refcount reaches zero.
 *
 *     class Resource:
 *         def __init__(self, name): self.name = name
 *         def __del__(self): print("closing", self.name)
 *     r = Resource("data.csv"); del r          # __del__ runs inside `del r`
 *     outer = Resource("outer"); outer.inner = Resource("inner")
 *     del outer                                # outer, then inner: a cascade
 *
 * No collector is involved: the moment the last reference goes, the finalizer
 * runs and the memory is returned, in the middle of the statement that dropped
 * it. Start reading at lesson02_run().
 */
#include "lesson_util.h"

/* Resource.__del__: says which object is being finalized. */
static int
l02_resource_del(gcs_heap *h, gcs_obj *self, void *ud)
{
    lesson *L = ud;
    STEPF(L, "__del__(%s) runs: its refcount just reached 0, so it dies right now",
          lesson_str_attr(h, self, "name"));
    return 0;
}

static int
lesson02_run(lesson *L)
{
    lesson_hide_gc_lists(L);
    gcs_heap *h = L->h;

    STEP(L, "2.0 Lesson 2: when the refcount reaches zero");
    BIND(h, "Resource", CLASS(h, "Resource", l02_resource_del, L));

    gcs_obj *r = NEW(h, lesson_var(h, "Resource"));
    SET_STR_ATTR(h, r, "name", "data.csv");
    lesson_watch(L, "r", r);
    BIND(h, "r", r);
    STEP(L, "2.1 r = Resource('data.csv'): refcount 1, the name r");

    MUST(gcs_var_del(h, "r"));
    STEPF(L,
          "2.2 del r: __del__ already ran and the memory is already free (live objects back to "
          "%zu); no collector pass was needed",
          gcs_heap_live_objects(h));

    gcs_obj *outer = NEW(h, lesson_var(h, "Resource"));
    SET_STR_ATTR(h, outer, "name", "outer");
    lesson_watch(L, "outer", outer);
    BIND(h, "outer", outer);
    gcs_obj *inner = NEW(h, lesson_var(h, "Resource"));
    SET_STR_ATTR(h, inner, "name", "inner");
    lesson_watch(L, "inner", inner);
    MUST(gcs_attr_set(h, outer, "inner", inner));
    gcs_decref(h, inner);
    STEP(L, "2.3 outer.inner = Resource('inner'): inner's only reference is outer's attribute");

    MUST(gcs_var_del(h, "outer"));
    STEP(L, "2.4 del outer: outer died first; releasing its attributes dropped inner to 0, so "
            "inner died next: a cascade, still without the collector");
    return 0;
}

#ifndef LESSON_NO_MAIN
int
main(void)
{
    return lesson_main(lesson02_run);
}
#endif
