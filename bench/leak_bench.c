/* bench/leak_bench.c — cost of the leak analysis (issue #5 goal: a heap of
 * 1,000,000 live objects with 10,000 leaked cycles and 1,000 reference leaks
 * mixed in, analysed in <= 1 s, time growing linearly). Per size:
 *   graph:  gcs_leak_analyze() on a heap graph built directly (the analysis alone)
 *   check:  gcscope_leak_check() on a real runtime heap of the same shape: the
 *           FULL in-process check (snapshot through the introspection API, then
 *           the analysis); split into snapshot (gcs_hg_from_heap) and analyse
 *   text:   writing the text report (to /dev/null)
 *   +hist:  the same check on a heap whose refcount history was recorded (what
 *           GCSCOPE_LEAKS=1 does at teardown): snapshot + history + analysis
 * at 100k, 1M and 4M objects, each size in a fresh child process (same
 * starting memory; arrays over 1 MiB always freshly mapped, the one-shot
 * case of a report at exit), with ns/object, then the linearity figure: per-object
 * CPU time at 4M over that at 1M for each phase (x1.00 = linear). CPU time
 * (process) is printed beside wall time: the machine may be shared.
 * Usage: leak_bench [max_objects] [--no-hist]   (default 4000000)
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis/adapters.h"
#include "analysis/heapgraph.h"
#include "analysis/hist_rec.h"
#include "analysis/leak_int.h"
#include "bench_args.h"
#include "gcscope/leaks.h"
#include "gcscope/runtime.h"

enum { N_CYCLES = 10000, N_REFLEAKS = 1000, FANOUT = 1000 };

static double
clock_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct stamp {
    double wall, cpu;
} stamp;

static stamp
now(void)
{
    return (stamp){clock_s(CLOCK_MONOTONIC), clock_s(CLOCK_PROCESS_CPUTIME_ID)};
}

static stamp
since(stamp t0)
{
    stamp t = now();
    return (stamp){t.wall - t0.wall, t.cpu - t0.cpu};
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

static stamp
bench_graph(size_t n)
{
    gcs_hg *g = build_graph(n);
    stamp t0 = now();
    gcs_leak_report *r;
    must(gcs_leak_analyze(g, NULL, "bench", &r), "analyze");
    stamp t = since(t0);
    check_counts(gcs_leak_report_summary(r), n);
    gcs_leak_report_free(r);
    return t;
}

/* The same shape on a live runtime heap; `hist` (may be NULL) records its
 * refcount history as the heap's event hook. */
static gcs_heap *
build_heap(size_t n, gcs_hist_rec *hist)
{
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.gc_enabled = false;
    cfg.checked = false;
    cfg.no_env = true;
    cfg.hook = hist ? gcs_hist_rec_hook : NULL;
    cfg.hook_ud = hist;
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

typedef struct live_times {
    stamp check, snap, analyse, text, hist;
} live_times;

static void
write_null(const gcs_leak_report *r)
{
    FILE *f = fopen("/dev/null", "w");
    if (f == NULL) {
        perror("leak_bench: /dev/null");
        exit(1);
    }
    must(gcs_leak_report_write(r, f, GCS_LEAK_FMT_TEXT), "write");
    fclose(f);
}

static void
bench_live(size_t n, live_times *lt)
{
    gcs_heap *h = build_heap(n, NULL);
    stamp t0 = now();
    gcs_leak_report *r;
    must(gcscope_leak_check(h, NULL, &r), "leak check");
    lt->check = since(t0);
    check_counts(gcs_leak_report_summary(r), n);
    t0 = now();
    write_null(r);
    lt->text = since(t0);
    gcs_leak_report_free(r);
    /* the check again in two steps, to see where the time goes */
    t0 = now();
    gcs_hg *g;
    must(gcs_hg_from_heap(h, NULL, &g), "snapshot");
    lt->snap = since(t0);
    t0 = now();
    must(gcs_leak_analyze(g, NULL, "bench", &r), "analyze");
    lt->analyse = since(t0);
    gcs_leak_report_free(r);
    gcs_heap_free(h);
}

/* Snapshot with history + analysis + text report, as GCSCOPE_LEAKS=1 does. */
static stamp
bench_hist(size_t n)
{
    gcs_hist_rec *hist;
    must(gcs_hist_rec_new(&hist), "recorder");
    gcs_heap *h = build_heap(n, hist);
    gcs_heap_set_hook(h, NULL, NULL);
    stamp t0 = now();
    gcs_hg *g;
    gcs_leak_report *r;
    must(gcs_hg_from_heap(h, hist, &g), "snapshot");
    must(gcs_leak_analyze(g, NULL, "bench", &r), "analyze");
    write_null(r);
    stamp t = since(t0);
    check_counts(gcs_leak_report_summary(r), n);
    if (!gcs_leak_report_summary(r)->history) {
        fprintf(stderr, "leak_bench: no history in the report\n");
        exit(1);
    }
    gcs_leak_report_free(r);
    gcs_heap_free(h);
    gcs_hist_rec_free(hist);
    return t;
}

static double
ns_per(double s, size_t n)
{
    return s * 1e9 / (double)n;
}

/* Everything measured at one size. */
typedef struct size_result {
    size_t n;
    stamp graph, hist;
    live_times lt;
} size_result;

/* Measure one size in a child process: every size then starts from the same
 * fresh memory (otherwise a small size reuses pages an earlier phase faulted
 * in, a big one pays for fresh pages, and the per-object figures are not
 * comparable). */
static bool
measure(size_t n, bool hist, size_result *out)
{
    int fd[2];
    if (pipe(fd) != 0)
        return false;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        close(fd[0]);
        /* a fixed threshold: big arrays are always fresh mappings, at every
         * size and in every phase (glibc's default threshold grows after the
         * first free up to 32 MiB, so a 1M heap's arrays would come back warm
         * from the heap and a 4M heap's never: not comparable) */
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
        size_result r = {.n = n};
        r.graph = bench_graph(n);
        bench_live(n, &r.lt);
        r.hist = hist ? bench_hist(n) : (stamp){0, 0};
        ssize_t w = write(fd[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], out, sizeof *out);
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return got == (ssize_t)sizeof *out && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void
print_row(const size_result *r)
{
    size_t n = r->n;
    const live_times *lt = &r->lt;
    printf("%9zu | %6.3f %6.0f | %6.3f %6.3f %7.3f %6.0f | %6.3f %6.0f | %6.3f %6.0f\n", n,
           r->graph.wall, ns_per(r->graph.wall, n), lt->snap.wall, lt->analyse.wall, lt->check.wall,
           ns_per(lt->check.wall, n), lt->text.wall, ns_per(lt->text.wall, n), r->hist.wall,
           ns_per(r->hist.wall, n));
    printf("%9s | (%5.3f) %6.0f | (%5.3f) (%5.3f) (%5.3f) %6.0f | (%5.3f)       | (%5.3f) %6.0f\n",
           "cpu", r->graph.cpu, ns_per(r->graph.cpu, n), lt->snap.cpu, lt->analyse.cpu,
           lt->check.cpu, ns_per(lt->check.cpu, n), lt->text.cpu, r->hist.cpu,
           ns_per(r->hist.cpu, n));
    fflush(stdout);
}

/* Per-object CPU time at `big` over that at `small` (1.00 = linear). */
static void
print_ratio(const char *what, double small_s, size_t small_n, double big_s, size_t big_n)
{
    if (small_s <= 0 || big_s <= 0)
        return;
    printf("  %-8s %5.0f -> %5.0f ns/obj: x%.2f\n", what, ns_per(small_s, small_n),
           ns_per(big_s, big_n), ns_per(big_s, big_n) / ns_per(small_s, small_n));
}

int
main(int argc, char **argv)
{
    static const char usage[] = "usage: leak_bench [MAX_OBJECTS] [--no-hist]";
    size_t max = 4000000;
    bool hist = true, have_max = false;
    for (int i = 1; i < argc; i++) {
        unsigned long long v;
        if (bench_is_help(argv[i]))
            bench_usage_exit(usage, NULL);
        else if (strcmp(argv[i], "--no-hist") == 0 && hist)
            hist = false;
        else if (!have_max && bench_number(argv[i], 1, (unsigned long long)1 << 32, &v))
            max = (size_t)v, have_max = true;
        else
            bench_usage_exit(usage, argv[i]);
    }
    const size_t sizes[] = {100000, 1000000, 4000000};
    enum { N_SIZES = sizeof sizes / sizeof sizes[0] };
    size_result res[N_SIZES];
    size_t done = 0;
    printf("leak_bench: %d leaked cycles + %d reference leaks mixed into N live objects\n",
           N_CYCLES, N_REFLEAKS);
    printf("each size in a fresh process; times in s, wall (cpu below), ns/obj = time / N\n");
    printf("%9s | %6s %6s | %6s %6s %7s %6s | %6s %6s | %6s %6s\n", "objects", "graph", "ns/obj",
           "snap", "analys", "check", "ns/obj", "text", "ns/obj", "+hist", "ns/obj");
    for (size_t i = 0; i < N_SIZES && sizes[i] <= max; i++) {
        if (!measure(sizes[i], hist, &res[i])) {
            fprintf(stderr, "leak_bench: the run at %zu objects failed\n", sizes[i]);
            return 1;
        }
        print_row(&res[i]);
        done++;
    }
    /* linearity: per-object CPU time of each size against 1M (or the first) */
    if (done >= 2) {
        size_t a = done >= 3 ? 1 : 0, b = done - 1;
        printf("linearity, CPU time per object at %zu vs %zu objects (x1.00 = linear):\n", res[b].n,
               res[a].n);
        print_ratio("check", res[a].lt.check.cpu, res[a].n, res[b].lt.check.cpu, res[b].n);
        print_ratio("snap", res[a].lt.snap.cpu, res[a].n, res[b].lt.snap.cpu, res[b].n);
        print_ratio("analyse", res[a].lt.analyse.cpu, res[a].n, res[b].lt.analyse.cpu, res[b].n);
        print_ratio("graph", res[a].graph.cpu, res[a].n, res[b].graph.cpu, res[b].n);
        if (hist)
            print_ratio("+hist", res[a].hist.cpu, res[a].n, res[b].hist.cpu, res[b].n);
    }
    printf("goal: check <= 1 s at 1,000,000 objects; ns/obj flat from 100k to 4M\n");
    return 0;
}
