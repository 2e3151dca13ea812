/* traces/lesson05_resurrection.c — Lesson 5: resurrection.
 *
 *     saved = []
 *     class Lazarus:
 *         def __init__(self): self.me = self
 *         def __del__(self): saved.append(self)     # brings itself back
 *     x = Lazarus(); del x
 *     gc.collect()        # 0: x survived the pass
 *     saved.clear()
 *     gc.collect()        # 1: __del__ does not run a second time
 *
 * A finalizer may store `self` somewhere reachable. The collector checks for
 * that after running finalizers (it recomputes reachability over the
 * unreachable set) and clears nothing that came back. The object is marked
 * finalized, so when it becomes garbage again it is simply collected.
 * Start reading at lesson05_run().
 */
#include "lesson_util.h"

/* Lazarus.__del__: saved.append(self). */
static int
l05_lazarus_del(gcs_heap *h, gcs_obj *self, void *ud)
{
    lesson *L = ud;
    gcs_obj *saved = NULL;
    int rc = gcs_var_get(h, "saved", &saved);
    if (rc < 0)
        return rc;
    rc = gcs_list_append(h, saved, self);
    if (rc < 0)
        return rc;
    STEP(L, "__del__ runs and appends self to the global list saved: x is reachable again");
    return 0;
}

static int
lesson05_run(lesson *L)
{
    lesson_hide_gc_lists(L);
    gcs_heap *h = L->h;

    STEP(L, "5.0 Lesson 5: resurrection");
    gcs_obj *saved = NULL;
    MUST(gcs_list_new(h, &saved));
    lesson_watch(L, "saved", saved);
    BIND(h, "saved", saved);
    BIND(h, "Lazarus", CLASS(h, "Lazarus", l05_lazarus_del, L));
    gcs_obj *x = NEW(h, lesson_var(h, "Lazarus"));
    lesson_watch(L, "x", x);
    BIND(h, "x", x);
    MUST(gcs_attr_set(h, x, "me", x));
    STEP(L, "5.1 saved = []; x = Lazarus() (x.me = x): refcount 2, the name and itself");

    MUST(gcs_var_del(h, "x"));
    STEP(L, "5.2 del x: only its own attribute holds it: cyclic garbage");

    STEP(L, "5.3 gc.collect(): x is unreachable, so its __del__ runs");
    size_t got = COLLECT(h, 2);
    STEPF(L,
          "5.4 gc.collect() returned %zu: after the finalizers the pass saw that x was reachable "
          "again (from saved) and cleared nothing; x is alive and marked finalized",
          got);

    MUST(gcs_list_clear(h, lesson_var(h, "saved")));
    STEP(L, "5.5 saved.clear(): x is cyclic garbage once more");

    got = COLLECT(h, 2);
    STEPF(L,
          "5.6 gc.collect() returned %zu: x is freed, and its __del__ did not run again "
          "(a finalizer runs at most once per object)",
          got);
    return 0;
}

#ifndef LESSON_NO_MAIN
int
main(void)
{
    return lesson_main(lesson05_run);
}
#endif
