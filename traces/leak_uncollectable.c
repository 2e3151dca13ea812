/* traces/leak_uncollectable.c — leak class 3, uncollectable: two instances
 * of a class with a legacy finalizer (tp_del) form a cycle; gc.collect()
 * cannot free it and puts both in gc.garbage, as CPython 3.11 does. One of
 * them holds a str, kept alive only by the garbage (indirect).
 * Expected report: "uncollectable" Legacy x2 allocated in make_legacy_pair()
 * (line in leak_uncollectable_line), reason: legacy finalizer; indirect: 1 str.
 * Run: GCSCOPE_LEAKS=1 ./leak_uncollectable
 */
#include <stdio.h>
#include <stdlib.h>

#include "gcscope/runtime.h"

#define LEAK_MUST(x)                                                                               \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_ != 0) {                                                                            \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, gcs_strerror(rc_));         \
            exit(2);                                                                               \
        }                                                                                          \
    } while (0)

static int leak_uncollectable_line;

static int
legacy_del(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)h;
    (void)self;
    (void)ud;
    return 0;
}

static void
make_legacy_pair(gcs_heap *h, gcs_obj *cls)
{
    gcs_obj *pair[2], *note;
    for (int i = 0; i < 2; i++) {
        leak_uncollectable_line = __LINE__ + 1;
        LEAK_MUST(gcs_instance_new(h, cls, &pair[i]));
    }
    gcs_obj *a = pair[0], *b = pair[1];
    LEAK_MUST(gcs_str_new(h, "held by garbage", &note));
    LEAK_MUST(gcs_attr_set(h, a, "peer", b));
    LEAK_MUST(gcs_attr_set(h, b, "peer", a));
    LEAK_MUST(gcs_attr_set(h, a, "note", note));
    gcs_decref(h, note);
    gcs_decref(h, a);
    gcs_decref(h, b);
}

static void
leak_uncollectable_run(gcs_heap *h)
{
    gcs_class_def def = {.name = "Legacy", .dynamic_attrs = true, .legacy_finalize = legacy_del};
    gcs_obj *cls;
    LEAK_MUST(gcs_class_new(h, &def, &cls));
    LEAK_MUST(gcs_global_set(h, "Legacy", cls));
    gcs_decref(h, cls);
    make_legacy_pair(h, cls);
    size_t n = 0;
    LEAK_MUST(gcs_gc_collect(h, 2, &n)); /* finds the cycle, cannot free it */
}

#ifndef LEAK_NO_MAIN
int
main(void)
{
    gcs_heap *h;
    LEAK_MUST(gcs_heap_new(NULL, &h));
    leak_uncollectable_run(h);
    gcs_heap_free(h);
    return 0;
}
#endif
