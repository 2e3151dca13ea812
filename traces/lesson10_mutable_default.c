/* traces/lesson10_mutable_default.c — Lesson 10: the mutable default argument.
 *
 *     def append_to(item, target=[]):     # [] is evaluated ONCE, at def time
 *         target.append(item)
 *         return target
 *     r1 = append_to(1); r2 = append_to(2)    # r1 is r2 == [1, 2]
 *     r3 = append_to(3, [])                   # [3]
 *     def append_to_fixed(item, target=None):
 *         if target is None: target = []
 *         ...
 *
 * In runtime terms a function object holds its defaults tuple, and that tuple
 * holds the one list made when `def` ran. Every call that relies on the
 * default binds its parameter to that same list, so it lives as long as the
 * function and collects every item ever appended. The fix makes a new list
 * inside each call. Start reading at lesson10_run().
 */
#include "lesson_util.h"

/* The body of append_to / append_to_fixed. The function object's bound object
 * is its defaults tuple: (target,) for append_to, (None,) for the fixed one. */
static int
l10_append_to(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
              gcs_obj **result)
{
    lesson *L = ud;
    if (nargs < 1 || nargs > 2)
        return GCS_EINVAL;
    gcs_obj *target = NULL;
    const char *which = "the list the caller passed";
    if (nargs == 2) {
        target = args[1];
    } else {
        MUST(gcs_tuple_get(h, gcs_cfunc_bound(h, self), 0, &target));
        which = "the default list";
    }
    MUST(gcs_frame_push(h, "append_to", NULL));
    MUST(gcs_var_set(h, "item", args[0]));
    MUST(gcs_var_set(h, "target", target));
    if (target == gcs_none(h)) {
        gcs_obj *fresh = NULL;
        MUST(gcs_list_new(h, &fresh));
        BIND(h, "target", fresh); /* target = [] */
        target = fresh;
        which = "a fresh list made by this call";
    }
    MUST(gcs_list_append(h, target, args[0]));
    int64_t v = 0;
    (void)gcs_int_value(h, args[0], &v);
    STEPF(L, "inside the call with item = %lld: target is %s, now %zu items, refcount %lld",
          (long long)v, which, gcs_list_len(h, target), (long long)gcs_refcnt(target));
    gcs_incref(h, target); /* return target: a new reference for the caller */
    MUST(gcs_frame_pop(h));
    *result = target;
    return 0;
}

/* name = fn(item) or fn(item, extra); binds the result. */
static gcs_obj *
l10_call(lesson *L, const char *fn, int64_t item, gcs_obj *extra, const char *name)
{
    gcs_heap *h = L->h;
    gcs_obj *args[2] = {NULL, extra}, *res = NULL;
    MUST(gcs_int_new(h, item, &args[0]));
    MUST(gcs_call(h, lesson_var(h, fn), args, extra ? 2 : 1, &res));
    gcs_decref(h, args[0]);
    BIND(h, name, res);
    return res;
}

/* def name(item, target=<default>): a function object holding (default,). */
static void
l10_def(lesson *L, const char *name, gcs_obj *default_value)
{
    gcs_heap *h = L->h;
    gcs_obj *defaults = NULL, *fn = NULL;
    MUST(gcs_tuple_new(h, 1, &default_value, &defaults));
    MUST(gcs_cfunc_new(h, name, l10_append_to, L, defaults, &fn));
    gcs_decref(h, defaults);
    lesson_watch(L, name, fn);
    BIND(h, name, fn);
}

static int
lesson10_run(lesson *L)
{
    lesson_hide_gc_lists(L);
    gcs_heap *h = L->h;

    STEP(L, "10.0 Lesson 10: the mutable default argument");
    gcs_obj *shared = NULL;
    MUST(gcs_list_new(h, &shared));
    lesson_watch(L, "default_list", shared);
    l10_def(L, "append_to", shared);
    gcs_decref(h, shared);
    STEP(L, "10.1 def append_to(item, target=[]): the function object holds its defaults tuple, "
            "which holds ONE list, made once, when def ran");

    lesson_watch(L, "r1", l10_call(L, "append_to", 1, NULL, "r1"));
    STEP(L, "10.2 r1 = append_to(1): the call bound target to the default list and returned it: "
            "r1 is [1]");
    lesson_watch(L, "r2", l10_call(L, "append_to", 2, NULL, "r2"));
    STEP(L, "10.3 r2 = append_to(2): the same list again, now [1, 2]; r1 and r2 are one object, "
            "held by the defaults tuple, r1 and r2 (refcount 3)");

    gcs_obj *mine = NULL;
    MUST(gcs_list_new(h, &mine));
    lesson_watch(L, "r3", l10_call(L, "append_to", 3, mine, "r3"));
    gcs_decref(h, mine);
    STEP(L, "10.4 r3 = append_to(3, []): a list passed explicitly is used instead: r3 is [3]");

    l10_def(L, "append_to_fixed", gcs_none(h));
    STEP(L, "10.5 def append_to_fixed(item, target=None): if target is None: target = []");
    lesson_watch(L, "f1", l10_call(L, "append_to_fixed", 1, NULL, "f1"));
    lesson_watch(L, "f2", l10_call(L, "append_to_fixed", 2, NULL, "f2"));
    STEP(L, "10.6 f1 = append_to_fixed(1); f2 = append_to_fixed(2): a new list per call, "
            "[1] and [2]");
    return 0;
}

#ifndef LESSON_NO_MAIN
int
main(void)
{
    return lesson_main(lesson10_run);
}
#endif
