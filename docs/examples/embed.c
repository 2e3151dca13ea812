/* docs/examples/embed.c — the smallest useful embedding of libgcscope (shown
 * in docs/embedding.md, built and run by ctest as embedding__example).
 * It builds a Node class whose instances point at each other, drops the
 * names, lets the cycle collector find the pair, and watches a weakref
 * callback and a finalizer fire in CPython's order. Exits 0 when all the
 * observed numbers are what CPython 3.11 gives. */
#include <stdio.h>

#include "gcscope/runtime.h"

static int
node_del(gcs_heap *h, gcs_obj *self, void *ud)
{
    gcs_obj *name;
    (void)ud;
    if (gcs_attr_get(h, self, "name", &name) == 0)
        printf("__del__ %s\n", gcs_str_value(h, name));
    return 0;
}

static int
on_dead(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud, gcs_obj **result)
{
    (void)self;
    (void)nargs;
    (void)ud;
    printf("weakref callback: referent gone = %d\n", gcs_weakref_get(h, args[0]) == NULL);
    *result = NULL; /* None */
    return 0;
}

static gcs_obj *
node(gcs_heap *h, gcs_obj *cls, const char *name)
{
    gcs_obj *o, *s;
    if (gcs_instance_new(h, cls, &o) != 0 || gcs_str_new(h, name, &s) != 0)
        return NULL;
    gcs_attr_set(h, o, "name", s); /* borrowed: the instance takes its own reference */
    gcs_decref(h, s);
    return o; /* a new reference */
}

int
main(void)
{
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.checked = true;                   /* catch over-releases and use after free */
    cfg.on_error = GCS_ON_ERROR_CONTINUE; /* report and return an error code */
    gcs_heap *h;
    if (gcs_heap_new(&cfg, &h) != 0)
        return 1;
    gcs_gc_disable(h); /* collect by hand, like the classic demos */

    gcs_class_def def = {.name = "Node", .dynamic_attrs = true, .finalize = node_del};
    gcs_obj *Node, *cb, *wr;
    gcs_class_new(h, &def, &Node);
    gcs_obj *a = node(h, Node, "a"), *b = node(h, Node, "b");
    gcs_attr_set(h, a, "peer", b); /* a <-> b: a cycle */
    gcs_attr_set(h, b, "peer", a);
    gcs_global_set(h, "a", a); /* names point to objects */
    gcs_global_set(h, "b", b);
    gcs_cfunc_new(h, "on_dead", on_dead, NULL, NULL, &cb);
    gcs_weakref_new(h, a, cb, &wr);
    gcs_global_set(h, "wr", wr);
    gcs_decref(h, a); /* drop our C references: the names keep them alive */
    gcs_decref(h, b);
    gcs_decref(h, cb);
    gcs_decref(h, wr);

    gcs_marker(h, "del a, b: the cycle keeps both alive");
    gcs_global_del(h, "a");
    gcs_global_del(h, "b");
    printf("refcount of the pair: %lld each\n", (long long)gcs_refcnt(a)); /* 1: the cycle */

    size_t n = 0;
    gcs_gc_collect(h, 2, &n); /* callback first, then __del__ a, __del__ b */
    printf("collected: %zu\n", n);
    int ok = n == 2 && gcs_weakref_get(h, wr) == NULL && gcs_heap_check(h) == 0;

    gcs_decref(h, Node);
    gcs_heap_free(h);
    if (!ok)
        printf("embed: FAIL\n");
    return ok ? 0 : 1;
}
