/* src/cli/cmd_demo.c — `gcscope demo`: the classic two-list cycle lesson run
 * on the runtime, narrated on stdout step by step (refcounts, what the
 * collector found). With -o FILE it also records the trace for the viewer. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "gcscope/runtime.h"

static const char demo_help[] =
    "usage: gcscope demo [-o FILE]\n"
    "\n"
    "Run the classic two-list cycle on the gcscope runtime and narrate it:\n"
    "  a = []; b = []; a.append(b); b.append(a); del a; del b; gc.collect()\n"
    "Prints each object's reference count as names come and go, then what the\n"
    "cycle collector found.\n"
    "\n"
    "  -o FILE   also record the run as a trace (open it with 'gcscope view FILE')\n";

static void
step(gcs_heap *h, const char *code, const char *caption)
{
    printf("\n  >>> %s\n      # %s\n", code, caption);
    gcs_marker(h, caption);
}

static void
show(const char *name, gcs_obj *o)
{
    printf("      %s: %s#%llu, refcount %lld\n", name, gcs_type_name(o),
           (unsigned long long)gcs_id(o), (long long)gcs_refcnt(o));
}

static int
run_demo(gcs_heap *h)
{
    gcs_obj *a, *b;
    size_t collected = 0;
    size_t builtins = gcs_heap_live_objects(h); /* None, True, False, (), ... */
    if (gcs_list_new(h, &a) != 0 || gcs_list_new(h, &b) != 0)
        return -1;
    gcs_var_set(h, "a", a);
    gcs_var_set(h, "b", b);
    gcs_decref(h, a); /* the names hold them now */
    gcs_decref(h, b);
    step(h, "a = []; b = []", "two empty lists, one name each: refcount 1");
    show("a", a);
    show("b", b);
    gcs_list_append(h, a, b);
    gcs_list_append(h, b, a);
    step(h, "a.append(b); b.append(a)", "each list now also holds the other: refcount 2");
    show("a", a);
    show("b", b);
    gcs_var_del(h, "a");
    gcs_var_del(h, "b");
    step(h, "del a; del b", "no names left, but each list still holds the other");
    show("list", a);
    show("list", b);
    printf("      reference counting alone can never free them: a cycle.\n");
    step(h, "gc.collect()", "the collector finds the cycle unreachable and frees it");
    if (gcs_gc_collect(h, 2, &collected) != 0)
        return -1;
    printf("      gc.collect() returned %zu; objects left (besides built-ins): %zu\n",
           collected, gcs_heap_live_objects(h) - builtins);
    return 0;
}

int
gcs_cmd_demo(int argc, char **argv)
{
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(demo_help, stdout);
            return GCS_EXIT_OK;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else {
            gcs_cli_usage_error("demo", "unexpected argument '%s'", argv[i]);
        }
    }
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.trace_path = out;
    cfg.checked = false;
    gcs_heap *h;
    int rc = gcs_heap_new(&cfg, &h);
    if (rc != 0)
        die(1, "cannot create a heap: %s", gcs_strerror(rc));
    /* the demo never touches gc.garbage / gc.callbacks: keep them out of its pictures */
    gcs_obj_set_internal(h, gcs_gc_garbage(h));
    gcs_obj_set_internal(h, gcs_gc_callbacks(h));
    printf("gcscope demo: the classic cycle, on a CPython 3.11-faithful runtime\n");
    rc = run_demo(h);
    if (rc != 0)
        gcs_cli_error("demo failed: %s", gcs_heap_errmsg(h));
    gcs_heap_free(h);
    if (out && rc == 0)
        printf("\ntrace written to %s — watch it with: gcscope view %s\n", out, out);
    return rc == 0 ? GCS_EXIT_OK : 1;
}
