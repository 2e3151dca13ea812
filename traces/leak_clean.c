/* traces/leak_clean.c — no leaks: lists, dicts, tuples, instances, a cycle
 * that a collection frees, a weak reference with a callback, a weak-value
 * dictionary, and variables in a pushed frame, all released properly.
 * Expected report: no leak records (only still-reachable globals), and exit
 * status 0 even under GCSCOPE_LEAKS=exitcode=23.
 * Run: GCSCOPE_LEAKS=exitcode=23 ./leak_clean
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

static int
on_gone(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud, gcs_obj **result)
{
    (void)h, (void)self, (void)args, (void)nargs, (void)ud;
    *result = NULL;
    return 0;
}

/* A weakref with a callback and a weak-value dict whose entry dies. */
static void
leak_clean_weak(gcs_heap *h, gcs_obj *cls)
{
    gcs_obj *cb, *o, *wr, *wd, *key, *t;
    LEAK_MUST(gcs_cfunc_new(h, "on_gone", on_gone, NULL, NULL, &cb));
    LEAK_MUST(gcs_instance_new(h, cls, &o));
    LEAK_MUST(gcs_weakref_new(h, o, cb, &wr));
    LEAK_MUST(gcs_wvdict_new(h, &wd));
    LEAK_MUST(gcs_str_new(h, "k", &key));
    LEAK_MUST(gcs_wvdict_set(h, wd, key, o));
    gcs_obj *items[2] = {key, o};
    LEAK_MUST(gcs_tuple_new(h, 2, items, &t));
    gcs_decref(h, t);
    gcs_decref(h, o); /* dies: the callback runs, the dict entry goes */
    gcs_decref(h, key);
    gcs_decref(h, wd);
    gcs_decref(h, wr);
    gcs_decref(h, cb);
}

static void
leak_clean_run(gcs_heap *h)
{
    gcs_class_def def = {.name = "Node", .dynamic_attrs = true};
    gcs_obj *cls, *a, *b, *l, *d, *s, *n;
    LEAK_MUST(gcs_class_new(h, &def, &cls));
    LEAK_MUST(gcs_global_set(h, "Node", cls));
    gcs_decref(h, cls);
    LEAK_MUST(gcs_frame_push(h, "work", NULL));
    LEAK_MUST(gcs_list_new(h, &l));
    LEAK_MUST(gcs_dict_new(h, &d));
    LEAK_MUST(gcs_str_new(h, "hello", &s));
    LEAK_MUST(gcs_int_new(h, 100000, &n));
    LEAK_MUST(gcs_list_append(h, l, s));
    LEAK_MUST(gcs_dict_set(h, d, s, n));
    LEAK_MUST(gcs_var_set(h, "l", l));
    LEAK_MUST(gcs_var_set(h, "d", d));
    gcs_decref(h, s);
    gcs_decref(h, n);
    gcs_decref(h, l);
    gcs_decref(h, d);
    LEAK_MUST(gcs_instance_new(h, cls, &a));
    LEAK_MUST(gcs_instance_new(h, cls, &b));
    LEAK_MUST(gcs_attr_set(h, a, "next", b));
    LEAK_MUST(gcs_attr_set(h, b, "next", a));
    gcs_decref(h, a);
    gcs_decref(h, b);
    LEAK_MUST(gcs_frame_pop(h));
    LEAK_MUST(gcs_gc_collect(h, 2, NULL)); /* frees the a <-> b cycle */
    leak_clean_weak(h, cls);
    LEAK_MUST(gcs_list_new(h, &l));
    LEAK_MUST(gcs_global_set(h, "results", l));
    gcs_decref(h, l);
}

#ifndef LEAK_NO_MAIN
int
main(void)
{
    gcs_heap *h;
    LEAK_MUST(gcs_heap_new(NULL, &h));
    leak_clean_run(h);
    gcs_heap_free(h);
    return 0;
}
#endif
