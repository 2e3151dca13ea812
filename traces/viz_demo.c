/* traces/viz_demo.c — records the viewer's built-in demo trace (what
 * `gcscope view` shows with no file): the classic two-list cycle, a weakref
 * that snaps with its callback, names in two frames, captions, and a
 * collection that frees the cycle.
 *
 *     def main():
 *         a = []; b = []; a.append(b); b.append(a)
 *         config = {'name': 'spam'}
 *         node = Node(); node.name = config['name']
 *         w = weakref.ref(node, on_dead); del node
 *         del a, b; gc.collect(0)
 *
 * Usage: viz_demo OUT.gctrace   (the build runs it; see traces/cmake/viz_demo.cmake)
 */
#include <stdio.h>
#include <stdlib.h>

#include "gcscope/runtime.h"
#include "gcscope/trace.h"

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ < 0) {                                                                             \
            fprintf(stderr, "viz_demo: %s: %s (%s)\n", #expr, gcs_strerror(rc_),                   \
                    gcs_heap_errmsg(h));                                                           \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static int
on_dead(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud, gcs_obj **result)
{
    (void)self;
    (void)args;
    (void)nargs;
    (void)ud;
    *result = NULL;
    return gcs_marker(h, "on_dead(w) runs: the node is gone, w() now returns None");
}

/* name = new object, dropping the C reference (a Python assignment). */
static void
bind(gcs_heap *h, const char *name, gcs_obj *o)
{
    CHECK(gcs_var_set(h, name, o));
    gcs_decref(h, o);
}

static gcs_obj *
var(gcs_heap *h, const char *name)
{
    gcs_obj *o = NULL;
    CHECK(gcs_var_get(h, name, &o));
    return o;
}

static void
lists_and_cycle(gcs_heap *h)
{
    gcs_obj *o;
    CHECK(gcs_list_new(h, &o));
    bind(h, "a", o);
    CHECK(gcs_list_new(h, &o));
    bind(h, "b", o);
    CHECK(gcs_marker(h, "a = []; b = []: two lists, one name each (refcount 1)"));
    CHECK(gcs_list_append(h, var(h, "a"), var(h, "b")));
    CHECK(gcs_list_append(h, var(h, "b"), var(h, "a")));
    CHECK(gcs_marker(h, "a.append(b); b.append(a): a reference cycle (press c)"));
}

static void
node_and_weakref(gcs_heap *h)
{
    gcs_obj *o, *s, *cls, *cb, *w;
    CHECK(gcs_dict_new(h, &o));
    bind(h, "config", o);
    CHECK(gcs_str_new(h, "spam", &s));
    CHECK(gcs_dict_set_str(h, var(h, "config"), "name", s));
    static const gcs_class_def node_def = {.name = "Node", .dynamic_attrs = true};
    CHECK(gcs_class_new(h, &node_def, &cls));
    bind(h, "Node", cls);
    CHECK(gcs_instance_new(h, var(h, "Node"), &o));
    bind(h, "node", o);
    CHECK(gcs_attr_set(h, var(h, "node"), "name", s));
    gcs_decref(h, s);
    CHECK(gcs_cfunc_new(h, "on_dead", on_dead, NULL, NULL, &cb));
    bind(h, "on_dead", cb);
    CHECK(gcs_weakref_new(h, var(h, "node"), var(h, "on_dead"), &w));
    bind(h, "w", w);
    CHECK(gcs_marker(h, "w = weakref.ref(node, on_dead): a weak link (dashed) keeps nothing "
                        "alive"));
    CHECK(gcs_var_del(h, "node"));
    CHECK(gcs_marker(h, "del node: refcount 0 frees it at once; its weakref snapped"));
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: viz_demo OUT.gctrace\n");
        return 2;
    }
    gcs_recorder_opts ro;
    gcs_recorder_opts_init(&ro);
    ro.start_unix_ns = 1; /* reproducible bytes */
    ro.writer_pid = 1;
    ro.cmdline = "viz_demo";
    gcs_recorder *rec = NULL;
    int rc = gcs_recorder_open(argv[1], &ro, &rec);
    if (rc < 0) {
        fprintf(stderr, "viz_demo: %s: %s\n", argv[1], gcs_strerror(rc));
        return 1;
    }
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    cfg.hook = gcs_recorder_hook;
    cfg.hook_ud = rec;
    gcs_heap *h = NULL;
    CHECK(gcs_heap_new(&cfg, &h));
    CHECK(gcs_marker(h, "The viewer's demo: names point to objects"));
    CHECK(gcs_frame_push(h, "main", NULL));
    lists_and_cycle(h);
    node_and_weakref(h);
    CHECK(gcs_var_del(h, "a"));
    CHECK(gcs_var_del(h, "b"));
    CHECK(gcs_marker(h, "del a, b: no name reaches the lists, yet each holds the other"));
    size_t n = 0;
    CHECK(gcs_gc_collect(h, 0, &n));
    CHECK(gcs_marker(h, "gc.collect(): trial deletion found the cycle and freed both lists"));
    CHECK(gcs_frame_pop(h));
    CHECK(gcs_marker(h, "main() returned: its names are gone"));
    gcs_heap_free(h);
    rc = gcs_recorder_close(rec);
    if (rc < 0) {
        fprintf(stderr, "viz_demo: %s: %s\n", argv[1], gcs_strerror(rc));
        return 1;
    }
    return 0;
}
