/* bench/leak_bench.c — cost of the leak analysis (issue #5 goal: a heap of
 * 1,000,000 live objects with 10,000 leaked cycles and 1,000 reference leaks
 * mixed in, analysed in <= 1 s). Two measurements per size:
 *   graph: gcs_leak_analyze() on a heap graph built directly (the analysis alone)
 *   live:  gcscope_leak_check() on a real runtime heap of the same shape
 *          (snapshot through the introspection API + analysis)
 * at 100k, 1M and 4M objects, with ns/object to show the growth is linear.
 * Usage: leak_bench [max_objects]   (default 4000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analysis/adapters.h"
#include "analysis/heapgraph.h"
#include "analysis/leak_int.h"
#include "gcscope/leaks.h"
#include "gcscope/runtime.h"

enum { N_CYCLES = 10000, N_REFLEAKS = 1000, FANOUT = 1000 };

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
must(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "leak_bench: %s: %s\n", what, gcs_strerror(rc));
        exit(1);
    }
}

/* {==== Shape ====}
 * A global list holds FANOUT lists ("buckets"); live objects are Nodes spread
 * over the buckets, each Node pointing to the next Node of its bucket. Mixed
 * in: N_CYCLES unreachable Node pairs and N_REFLEAKS unreachable Nodes with
 * one reference too many. */

static void
check_counts(const gcs_leak_summary *s, size_t n)
{
    if (s->cycles != N_CYCLES || s->by_kind[GCS_LEAK_REFLEAK].objects != N_REFLEAKS ||
        (n && s->live_objects != n)) {
        fprintf(stderr, "leak_bench: wrong result: %llu cycles, %llu refleaks, %llu objects\n",
                (unsigned long long)s->cycles,
                (unsigned long long)s->by_kind[GCS_LEAK_REFLEAK].objects,
                (unsigned long long)s->live_objects);
        exit(1);
    }
}

static gcs_hg *
build_graph(size_t n)
{
    gcs_hg *g;
    must(gcs_hg_new(&g), "graph");
    gcs_site site = {"bench.c", "build", 1};
    uint64_t id = 1;
    must(gcs_hg_add_node(g, id, "list", GCS_KIND_LIST, 1, 72, &site, 0, NULL), "node");
    must(gcs_hg_add_root(g, 1, "<module>", "root", id), "root");
    for (uint64_t b = 0; b < FANOUT; b++) {
        must(gcs_hg_add_node(g, id + 1 + b, "list", GCS_KIND_LIST, 1, 72, &site, 0, NULL), "n");
        must(gcs_hg_add_edge(g, 1, id + 1 + b, "[i]"), "edge");
    }
    id += FANOUT + 1;
    size_t leaked = 2 * N_CYCLES + N_REFLEAKS;
    size_t live = n - (FANOUT + 1) - leaked;
    site.line = 2;
    for (size_t k = 0; k < live; k++, id++) {
        uint64_t bucket = 2 + k % FANOUT;
        bool first = k < FANOUT;
        must(gcs_hg_add_node(g, id, "Node", GCS_KIND_INSTANCE, 1, 80, &site, 1, NULL), "node");
        must(gcs_hg_add_edge(g, first ? bucket : id - FANOUT, id, first ? "[0]" : ".next"), "e");
    }
    site.line = 3;
    for (size_t c = 0; c < N_CYCLES; c++, id += 2) {
        must(gcs_hg_add_node(g, id, "Node", GCS_KIND_INSTANCE, 1, 80, &site, 1, NULL), "node");
        must(gcs_hg_add_node(g, id + 1, "Node", GCS_KIND_INSTANCE, 1, 80, &site, 1, NULL), "n");
        must(gcs_hg_add_edge(g, id, id + 1, ".next"), "edge");
        must(gcs_hg_add_edge(g, id + 1, id, ".next"), "edge");
    }
    site.line = 4;
    for (size_t r = 0; r < N_REFLEAKS; r++, id++)
        must(gcs_hg_add_node(g, id, "Node", GCS_KIND_INSTANCE, 1, 80, &site, 1, NULL), "node");
    must(gcs_hg_finish(g), "finish");
    return g;
}

static double
bench_graph(size_t n)
{
    gcs_hg *g = build_graph(n);
    double t0 = now_s();
    gcs_leak_report *r;
    must(gcs_leak_analyze(g, NULL, "bench", &r), "analyze");
    double t = now_s() - t0;
    check_counts(gcs_leak_report_summary(r), n);
    gcs_leak_report_free(r);
    return t;
}

/* The same shape on a live runtime heap. */
static gcs_heap *
build_heap(size_t n)
{
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.gc_enabled = false;
    cfg.checked = false;
    cfg.no_env = true;
    gcs_heap *h;
    must(gcs_heap_new(&cfg, &h), "heap");
    gcs_class_def def = {.name = "Node", .dynamic_attrs = true};
    gcs_obj *cls, *root, *bucket[FANOUT], *prev[FANOUT];
    must(gcs_class_new(h, &def, &cls), "class");
    must(gcs_global_set(h, "Node", cls), "global");
    must(gcs_list_new(h, &root), "list");
    must(gcs_global_set(h, "root", root), "global");
    for (size_t b = 0; b < FANOUT; b++) {
        must(gcs_list_new(h, &bucket[b]), "list");
        must(gcs_list_append(h, root, bucket[b]), "append");
        prev[b] = NULL;
    }
    size_t leaked = 2 * N_CYCLES + N_REFLEAKS;
    size_t live = n - (FANOUT + 2) - leaked; /* the class, the root list */
    for (size_t k = 0; k < live; k++) {
        size_t b = k % FANOUT;
        gcs_obj *o;
        must(gcs_instance_new(h, cls, &o), "instance");
        if (prev[b])
            must(gcs_attr_set(h, prev[b], "next", o), "attr");
        else
            must(gcs_list_append(h, bucket[b], o), "append");
        gcs_decref(h, o);
        prev[b] = o;
    }
    for (size_t c = 0; c < N_CYCLES; c++) {
        gcs_obj *a, *b;
        must(gcs_instance_new(h, cls, &a), "instance");
        must(gcs_instance_new(h, cls, &b), "instance");
        must(gcs_attr_set(h, a, "next", b), "attr");
        must(gcs_attr_set(h, b, "next", a), "attr");
        gcs_decref(h, a);
        gcs_decref(h, b);
    }
    for (size_t r = 0; r < N_REFLEAKS; r++) {
        gcs_obj *o;
        must(gcs_instance_new(h, cls, &o), "instance"); /* never released */
    }
    for (size_t b = 0; b < FANOUT; b++)
        gcs_decref(h, bucket[b]);
    gcs_decref(h, root);
    gcs_decref(h, cls);
    return h;
}

static double
bench_live(size_t n, double *snap_s)
{
    gcs_heap *h = build_heap(n);
    double t0 = now_s();
    gcs_leak_report *r;
    must(gcscope_leak_check(h, NULL, &r), "leak check");
    double t = now_s() - t0;
    check_counts(gcs_leak_report_summary(r), n);
    gcs_leak_report_free(r);
    /* the same in two steps, to see where the time goes */
    t0 = now_s();
    gcs_hg *g;
    must(gcs_hg_from_heap(h, NULL, &g), "snapshot");
    *snap_s = now_s() - t0;
    must(gcs_leak_analyze(g, NULL, "bench", &r), "analyze");
    gcs_leak_report_free(r);
    gcs_heap_free(h);
    return t;
}

int
main(int argc, char **argv)
{
    size_t max = argc > 1 ? strtoull(argv[1], NULL, 10) : 4000000;
    const size_t sizes[] = {100000, 1000000, 4000000};
    printf("leak_bench: %d leaked cycles + %d reference leaks mixed into N live objects\n",
           N_CYCLES, N_REFLEAKS);
    printf("%10s %10s %8s %10s %8s %10s\n", "objects", "graph s", "ns/obj", "live s", "ns/obj",
           "snapshot s");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && sizes[i] <= max; i++) {
        size_t n = sizes[i];
        double snap = 0, tg = bench_graph(n), tl = bench_live(n, &snap);
        printf("%10zu %10.3f %8.1f %10.3f %8.1f %10.3f\n", n, tg, tg * 1e9 / (double)n, tl,
               tl * 1e9 / (double)n, snap);
        fflush(stdout);
    }
    return 0;
}
