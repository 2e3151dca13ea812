/* traces/leak_cycle.c — leak class 2, cyclic garbage: three pairs of Node
 * instances that point at each other (each A also holds a str payload), no
 * name left and the collector disabled, so the cycles are never collected.
 * Expected report: one "cyclic garbage" record, 6 Node objects in 3 cycles,
 * allocated in make_pair() (line in leak_cycle_line), each with its str payload
 * (3 objects) as indirect; the "keep" list and the Node class are reachable.
 * Run: GCSCOPE_LEAKS=1 ./leak_cycle   (tests/test_leaks.c runs leak_cycle_run)
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

enum { LEAK_CYCLE_PAIRS = 3 };
static int leak_cycle_line; /* where make_pair() allocates the Nodes (for the tests) */

static void
make_pair(gcs_heap *h, gcs_obj *cls)
{
    gcs_obj *a, *b, *payload;
    leak_cycle_line = __LINE__ + 1;
    LEAK_MUST(gcs_instance_new(h, cls, &a));
    LEAK_MUST(gcs_instance_new(h, cls, &b));
    LEAK_MUST(gcs_str_new(h, "payload", &payload));
    LEAK_MUST(gcs_attr_set(h, a, "next", b));
    LEAK_MUST(gcs_attr_set(h, b, "next", a));
    LEAK_MUST(gcs_attr_set(h, a, "data", payload));
    gcs_decref(h, payload);
    gcs_decref(h, b);
    gcs_decref(h, a); /* now only the cycle holds them */
}

static void
leak_cycle_run(gcs_heap *h)
{
    gcs_gc_disable(h);
    gcs_class_def def = {.name = "Node", .dynamic_attrs = true};
    gcs_obj *cls, *keep;
    LEAK_MUST(gcs_class_new(h, &def, &cls));
    LEAK_MUST(gcs_global_set(h, "Node", cls));
    gcs_decref(h, cls);
    for (int i = 0; i < LEAK_CYCLE_PAIRS; i++)
        make_pair(h, cls);
    LEAK_MUST(gcs_list_new(h, &keep));
    LEAK_MUST(gcs_global_set(h, "keep", keep));
    gcs_decref(h, keep);
}

#ifndef LEAK_NO_MAIN
int
main(void)
{
    gcs_heap *h;
    LEAK_MUST(gcs_heap_new(NULL, &h));
    leak_cycle_run(h);
    gcs_heap_free(h);
    return 0;
}
#endif
