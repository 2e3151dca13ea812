/* traces/leak_refleak.c — leak class 4, reference leaks: cache_keep() takes a
 * reference "for the cache" and never stores or releases it. Two Session
 * objects become unreachable with one unaccounted reference each (each holds
 * a list, kept alive only by it: indirect), and the Config bound to a global
 * stays reachable but has one reference too many.
 * Expected report: "reference leak" Session x2 (2 refs unaccounted, indirect:
 * 2 lists), Config x1 (reachable); the culprit named for both is the incref in
 * cache_keep() (line in leak_refleak_culprit_line).
 * Run: GCSCOPE_LEAKS=1 ./leak_refleak   (tests/test_leaks.c runs leak_refleak_run)
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

static int leak_refleak_culprit_line; /* the incref that is never paired */
static int leak_refleak_session_line; /* where Sessions are allocated */

/* The bug: a borrowed reference is "kept" but never stored nor released. */
static void
cache_keep(gcs_heap *h, gcs_obj *o)
{
    leak_refleak_culprit_line = __LINE__ + 1;
    gcs_incref(h, o);
}

static void
make_session(gcs_heap *h, gcs_obj *cls)
{
    gcs_obj *s, *buf;
    leak_refleak_session_line = __LINE__ + 1;
    LEAK_MUST(gcs_instance_new(h, cls, &s));
    LEAK_MUST(gcs_list_new(h, &buf));
    LEAK_MUST(gcs_attr_set(h, s, "buf", buf));
    gcs_decref(h, buf);
    cache_keep(h, s);
    gcs_decref(h, s); /* releases the creation reference; cache_keep's stays */
}

static void
leak_refleak_run(gcs_heap *h)
{
    gcs_class_def sdef = {.name = "Session", .dynamic_attrs = true};
    gcs_class_def cdef = {.name = "Config", .dynamic_attrs = true};
    gcs_obj *scls, *ccls, *cfg;
    LEAK_MUST(gcs_class_new(h, &sdef, &scls));
    LEAK_MUST(gcs_global_set(h, "Session", scls));
    gcs_decref(h, scls);
    LEAK_MUST(gcs_class_new(h, &cdef, &ccls));
    LEAK_MUST(gcs_global_set(h, "Config", ccls));
    gcs_decref(h, ccls);
    for (int i = 0; i < 2; i++)
        make_session(h, scls);
    LEAK_MUST(gcs_instance_new(h, ccls, &cfg));
    LEAK_MUST(gcs_global_set(h, "config", cfg));
    cache_keep(h, cfg);
    gcs_decref(h, cfg);
}

#ifndef LEAK_NO_MAIN
int
main(void)
{
    gcs_heap *h;
    LEAK_MUST(gcs_heap_new(NULL, &h));
    leak_refleak_run(h);
    gcs_heap_free(h);
    return 0;
}
#endif
