/* bench/trace_bench.c — issue #3 performance: what recording a trace costs and
 * how fast traces read back. All figures are measured in one run, on this
 * machine, and printed as a table with the targets:
 *   1. two runtime workloads (refcount-heavy, allocation-heavy), each run with
 *      recording off, with a no-op hook and with recording on: slowdown, ns
 *      added per recorded event split into the runtime's hooked path and the
 *      recorder (wall and CPU time), bytes per event on disk;
 *   2. a trace of >= 50 M events: reader decode rate, replay rate, index build
 *      rate (gcs_replay_open), seek median / p99, index memory vs file size;
 *   3. heaptrack (if installed) on an equivalent malloc-only loop, run as a
 *      child (this program re-executed with --malloc-loop N), beside our cost
 *      per allocated object; else the reference figure, labelled as such.
 * Usage: trace_bench [--quick] [--events N] [--dir DIR]   (build: release preset)
 *        trace_bench [--dir DIR] --one refcount|alloc off|noop|on ITERS   (for callgrind)
 *        trace_bench --make-big FILE EVENTS | --read FILE decode|index|moves|cached  (perf) */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_args.h"
#include "gcscope/replay.h"
#include "gcscope/runtime.h"
#include "gcscope/trace.h"

#define USAGE "usage: trace_bench [OPTION]... (see --help)"

/* {==== Helpers ====} */

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void
fail(const char *what, int rc)
{
    fprintf(stderr, "trace_bench: %s failed: %s\n", what, gcs_strerror(rc));
    exit(1);
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t
xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* {==== Workloads on the runtime ====} */

typedef struct run_result {
    uint64_t ns;         /* wall time of workload + teardown (+ recorder close) */
    uint64_t cpu_ns;     /* process CPU time of the same (all threads: with the writer's) */
    uint64_t thr_ns;     /* CPU time of the calling (recording) thread alone */
    uint64_t events;     /* events recorded (0 when off) */
    uint64_t file_bytes; /* trace size (0 when off) */
} run_result;

/* Hooks that do nothing, the same set the recorder installs (an event hook
 * and its narrow hooks): what the runtime's hooked path costs without a
 * recorder (set bench_noop for runs without a path). */
static void
noop_hook(void *ud, const gcs_event *ev)
{
    (void)ud, (void)ev;
}
static void
noop_refcnt(void *ud, gcs_ev_kind kind, uint64_t obj, int64_t refcnt, const gcs_site *site)
{
    (void)ud, (void)kind, (void)obj, (void)refcnt, (void)site;
}
static void
noop_obj(void *ud, gcs_ev_kind kind, uint64_t obj, const gcs_site *site)
{
    (void)ud, (void)kind, (void)obj, (void)site;
}
static void
noop_ref_set(void *ud, uint64_t src, const char *slot, uint64_t dst, uint64_t old,
             const gcs_site *site)
{
    (void)ud, (void)src, (void)slot, (void)dst, (void)old, (void)site;
}
static void
noop_ref_del(void *ud, uint64_t src, const char *slot, uint64_t old, const gcs_site *site)
{
    (void)ud, (void)src, (void)slot, (void)old, (void)site;
}
static void
noop_alloc(void *ud, uint64_t obj, const char *type, uint64_t kind, uint64_t size,
           const gcs_site *site)
{
    (void)ud, (void)obj, (void)type, (void)kind, (void)size, (void)site;
}
static void
noop_label(void *ud, uint64_t obj, const char *text, const gcs_site *site)
{
    (void)ud, (void)obj, (void)text, (void)site;
}
static void
noop_label_int(void *ud, uint64_t obj, int64_t value, const gcs_site *site)
{
    (void)ud, (void)obj, (void)value, (void)site;
}
static void
noop_ref_set_index(void *ud, uint64_t src, uint64_t index, uint64_t dst, uint64_t old,
                   const gcs_site *site)
{
    (void)ud, (void)src, (void)index, (void)dst, (void)old, (void)site;
}
static void
noop_ref_del_index(void *ud, uint64_t src, uint64_t index, uint64_t old, const gcs_site *site)
{
    (void)ud, (void)src, (void)index, (void)old, (void)site;
}
static const gcs_hooks noop_hooks = {
    noop_hook,  noop_refcnt, noop_obj,       noop_ref_set,       noop_ref_del,
    noop_alloc, noop_label,  noop_label_int, noop_ref_set_index, noop_ref_del_index};
static bool bench_noop;
/* --no-compress / --background: the recorder's options for the workloads
 * (to see what compression and the writer thread cost or save). */
static bool bench_no_compress, bench_background;

static uint64_t
clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
static uint64_t
cpu_ns(void)
{
    return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/* A heap with checked mode off; recording to `path` if not NULL (else a
 * no-op hook if bench_noop). */
static gcs_heap *
bench_heap(const char *path, gcs_recorder **rec)
{
    gcs_config cfg;
    gcs_heap *h = NULL;
    int rc;
    gcs_config_init(&cfg);
    cfg.checked = false;
    cfg.no_env = true;
    *rec = NULL;
    if (path) {
        gcs_recorder_opts ro;
        gcs_recorder_opts_init(&ro);
        ro.cmdline = "trace_bench";
        ro.compress = !bench_no_compress;
        ro.background = bench_background;
        if ((rc = gcs_recorder_open(path, &ro, rec)) != 0)
            fail("gcs_recorder_open", rc);
        gcs_recorder_configure(*rec, &cfg); /* its event hook and narrow hooks */
    } else if (bench_noop) {
        cfg.hook = noop_hook;
        cfg.hooks = &noop_hooks;
    }
    if ((rc = gcs_heap_new(&cfg, &h)) != 0)
        fail("gcs_heap_new", rc);
    return h;
}

/* Refcount-heavy: overwrite list slots and take/drop references to a pool of
 * 256 long-lived ints (per iteration: one list_set, two incref/decref pairs). */
static void
work_refcount(gcs_heap *h, uint64_t iters)
{
    enum { POOL = 256, SLOTS = 64 };
    gcs_obj *pool[POOL], *l;
    for (int i = 0; i < POOL; i++)
        if (gcs_int_new(h, 100000 + i, &pool[i]) != 0)
            fail("gcs_int_new", -1);
    if (gcs_list_new(h, &l) != 0)
        fail("gcs_list_new", -1);
    for (int i = 0; i < SLOTS; i++)
        gcs_list_append(h, l, pool[i]);
    for (uint64_t i = 0; i < iters; i++) {
        gcs_obj *a = pool[i % POOL], *b = pool[(i * 7 + 3) % POOL];
        gcs_list_set(h, l, (ptrdiff_t)(i % SLOTS), a);
        gcs_incref(h, a);
        gcs_incref(h, b);
        gcs_decref(h, a);
        gcs_decref(h, b);
    }
    gcs_decref(h, l);
    for (int i = 0; i < POOL; i++)
        gcs_decref(h, pool[i]);
}

/* Allocation-heavy: per iteration a new list holding a new int; a ring of 64
 * young lists, so each list dies 64 iterations later (1 in 64 survives into
 * a long-lived list, trimmed now and then). The collector runs as usual. */
static void
work_alloc(gcs_heap *h, uint64_t iters)
{
    enum { RING = 64 };
    gcs_obj *ring[RING] = {0}, *old;
    if (gcs_list_new(h, &old) != 0)
        fail("gcs_list_new", -1);
    for (uint64_t i = 0; i < iters; i++) {
        gcs_obj *l, *x;
        if (gcs_list_new(h, &l) != 0 || gcs_int_new(h, (int64_t)(1000 + i), &x) != 0)
            fail("allocation", -1);
        gcs_list_append(h, l, x);
        gcs_decref(h, x);
        if ((i & 63) == 0)
            gcs_list_append(h, old, l);
        if ((i & 0xffff) == 0)
            gcs_list_clear(h, old);
        gcs_obj *prev = ring[i % RING];
        ring[i % RING] = l;
        if (prev)
            gcs_decref(h, prev);
    }
    for (int i = 0; i < RING; i++)
        if (ring[i])
            gcs_decref(h, ring[i]);
    gcs_decref(h, old);
}

typedef void (*workload_fn)(gcs_heap *h, uint64_t iters);

static run_result
run_once(workload_fn fn, uint64_t iters, const char *path)
{
    run_result res = {0, 0, 0, 0, 0};
    gcs_recorder *rec;
    uint64_t t0 = now_ns(), c0 = cpu_ns(), th0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    gcs_heap *h = bench_heap(path, &rec);
    fn(h, iters);
    gcs_heap_free(h);
    if (rec) {
        gcs_recorder_stats st;
        int rc = gcs_recorder_finish(rec);
        if (rc != 0)
            fail(gcs_recorder_errmsg(rec), rc);
        gcs_recorder_get_stats(rec, &st);
        gcs_recorder_close(rec);
        res.events = st.events;
    }
    res.ns = now_ns() - t0;
    res.cpu_ns = cpu_ns() - c0;
    res.thr_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - th0;
    if (path)
        res.file_bytes = file_size(path);
    return res;
}

/* Median of 3 runs by time (the other figures are deterministic); cpu_ns and
 * thr_ns are the smallest of the 3 (the least disturbed by other load). */
static run_result
run_median(workload_fn fn, uint64_t iters, const char *path)
{
    run_result r[3];
    uint64_t cpu = UINT64_MAX, thr = UINT64_MAX;
    for (int i = 0; i < 3; i++) {
        r[i] = run_once(fn, iters, path);
        cpu = r[i].cpu_ns < cpu ? r[i].cpu_ns : cpu;
        thr = r[i].thr_ns < thr ? r[i].thr_ns : thr;
    }
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (r[j].ns < r[i].ns) {
                run_result t = r[i];
                r[i] = r[j];
                r[j] = t;
            }
    r[1].cpu_ns = cpu;
    r[1].thr_ns = thr;
    return r[1];
}

/* {==== Report ====} */

static void
row(const char *what, double value, const char *unit, const char *target, bool ok)
{
    if (target[0] == '(') /* (info): no verdict, no trailing blanks */
        printf("  %-44s %9.2f %-4s %s\n", what, value, unit, target);
    else
        printf("  %-44s %9.2f %-4s %-6s %s\n", what, value, unit, target, ok ? "ok" : "MISSED");
}

typedef struct workload_figs {
    double slowdown, noop_slowdown, ns_per_event, bytes_per_event;
    double hook_ns, rec_ns, rec_cpu_ns; /* per event: runtime's hooked path; recorder (wall, CPU) */
    double rec_thr_ns;                  /* per event: recorder, CPU of the recording thread only */
    uint64_t events, iters, off_ns, noop_ns, on_ns, file_bytes;
} workload_figs;

static workload_figs
measure_workload(const char *name, workload_fn fn, uint64_t iters, const char *path)
{
    workload_figs w;
    fprintf(stderr, "trace_bench: %s workload, %" PRIu64 " iterations, off/on x3...\n", name,
            iters);
    run_result off = run_median(fn, iters, NULL);
    bench_noop = true;
    run_result noop = run_median(fn, iters, NULL);
    bench_noop = false;
    run_result on = run_median(fn, iters, path);
    w.iters = iters;
    w.events = on.events;
    w.off_ns = off.ns;
    w.noop_ns = noop.ns;
    w.on_ns = on.ns;
    w.file_bytes = on.file_bytes;
    w.slowdown = (double)on.ns / (double)off.ns;
    w.noop_slowdown = (double)noop.ns / (double)off.ns;
    w.ns_per_event = on.events ? ((double)on.ns - (double)off.ns) / (double)on.events : 0;
    w.bytes_per_event = on.events ? (double)on.file_bytes / (double)on.events : 0;
    double ev = on.events ? (double)on.events : 1;
    w.hook_ns = ((double)noop.ns - (double)off.ns) / ev;
    w.rec_ns = ((double)on.ns - (double)noop.ns) / ev;
    w.rec_cpu_ns = ((double)on.cpu_ns - (double)noop.cpu_ns) / ev;
    w.rec_thr_ns = ((double)on.thr_ns - (double)noop.thr_ns) / ev;
    remove(path);
    return w;
}

static void
print_workload(const char *name, const workload_figs *w)
{
    printf("%s: %" PRIu64 " iterations, %" PRIu64 " events recorded, trace %.1f MB\n", name,
           w->iters, w->events, w->file_bytes / 1e6);
    printf("  wall time: %.3f s off, %.3f s with no-op hooks, %.3f s recording\n", w->off_ns / 1e9,
           w->noop_ns / 1e9, w->on_ns / 1e9);
    row("slowdown with recording on", w->slowdown, "x", "<= 2", w->slowdown <= 2.0);
    row("  with no-op hooks instead (no recorder)", w->noop_slowdown, "x", "(info)", true);
    row("ns added per recorded event", w->ns_per_event, "ns", "<= 10", w->ns_per_event <= 10.0);
    row("  of it: runtime's hooked path (no-op hooks)", w->hook_ns, "ns", "(info)", true);
    row("  of it: the recorder (wall)", w->rec_ns, "ns", "(info)", true);
    row("  of it: the recorder, CPU of all threads", w->rec_cpu_ns, "ns", "(info)", true);
    row("  of it: the recorder, CPU of its thread", w->rec_thr_ns, "ns", "(info)", true);
    row("bytes per event on disk", w->bytes_per_event, "B", "<= 3", w->bytes_per_event <= 3.0);
}

/* {==== The big trace: reader, replay, index, seek ====} */

/* Record mixed rounds (allocation then refcount work) until >= n events. */
static uint64_t
make_big_trace(const char *path, uint64_t n, uint64_t *elapsed_ns)
{
    gcs_recorder *rec;
    gcs_recorder_stats st = {0};
    uint64_t t0 = now_ns();
    gcs_heap *h = bench_heap(path, &rec);
    while (st.events < n) {
        work_alloc(h, 200000);
        work_refcount(h, 400000);
        gcs_recorder_get_stats(rec, &st);
        fprintf(stderr, "\rtrace_bench: big trace %5.1f M events", st.events / 1e6);
    }
    fputc('\n', stderr);
    gcs_heap_free(h);
    gcs_recorder_finish(rec);
    gcs_recorder_get_stats(rec, &st);
    gcs_recorder_close(rec);
    *elapsed_ns = now_ns() - t0;
    return st.events;
}

typedef struct read_figs {
    uint64_t events, file_bytes, index_bytes, index_file_bytes;
    double decode_rate, iterate_rate, replay_rate, step_rate, index_rate, seek_med_ms, seek_p99_ms;
    double cached_open_ms; /* gcs_replay_open with the sidecar index loaded */
} read_figs;

static int
count_batch(void *ud, uint64_t first, const gcs_event *evs, size_t n)
{
    (void)first, (void)evs;
    *(uint64_t *)ud += n;
    return 0;
}

/* The reader's one validating pass (what `gcscope info` and every open
 * does): each chunk checked, decompressed and decoded, its events handed to
 * a callback. Events per second. */
static double
reader_decode_rate(const char *path, uint64_t *n_out)
{
    gcs_reader *rd;
    gcs_reader_opts o = {0};
    uint64_t n = 0, t0 = now_ns();
    o.on_batch = count_batch;
    o.on_event_ud = &n;
    int rc = gcs_reader_open(path, &o, &rd);
    if (rc != 0)
        fail(gcs_reader_open_errmsg(), rc);
    uint64_t dt = now_ns() - t0;
    gcs_reader_close(rd);
    *n_out = n;
    return n / (dt / 1e9);
}

/* Open (the validating pass, no callback), then gcs_reader_next over every
 * event: each chunk is decoded twice. */
static double
reader_iterate_rate(const char *path)
{
    gcs_reader *rd;
    gcs_event ev;
    int rc;
    uint64_t n = 0, t0 = now_ns();
    if ((rc = gcs_reader_open(path, NULL, &rd)) != 0)
        fail(gcs_reader_open_errmsg(), rc);
    while ((rc = gcs_reader_next(rd, &ev)) == 1)
        n++;
    uint64_t dt = now_ns() - t0;
    gcs_reader_close(rd);
    return n / (dt / 1e9);
}

static void
seek_times(gcs_replay *r, uint64_t n, int n_seeks, double *med_ms, double *p99_ms)
{
    uint64_t *t = malloc((size_t)n_seeks * sizeof *t);
    for (int i = 0; i < n_seeks; i++) {
        uint64_t pos = xorshift() % (n + 1);
        uint64_t t0 = now_ns();
        int rc = gcs_replay_seek(r, pos);
        t[i] = now_ns() - t0;
        if (rc != 0)
            fail("gcs_replay_seek", rc);
    }
    qsort(t, (size_t)n_seeks, sizeof *t, cmp_u64);
    *med_ms = t[n_seeks / 2] / 1e6;
    *p99_ms = t[(n_seeks * 99) / 100] / 1e6;
    free(t);
}

static double
median3(double a, double b, double c)
{
    return a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
}

/* Events per second of one gcs_replay_open: the index build (cache < 0: the
 * sidecar index is neither read nor written), or with the sidecar index
 * (cache > 0: loaded if valid, else built and written); the replay is left
 * open in *out if out is not NULL, else closed. */
static double
index_rate(const char *path, int cache, gcs_replay **out)
{
    gcs_replay *r;
    gcs_replay_opts o;
    gcs_replay_opts_init(&o);
    o.index_cache = cache;
    uint64_t t0 = now_ns();
    int rc = gcs_replay_open(path, &o, &r);
    if (rc != 0)
        fail(gcs_replay_open_errmsg(), rc);
    double rate = gcs_replay_n_events(r) / ((now_ns() - t0) / 1e9);
    if (out)
        *out = r;
    else
        gcs_replay_close(r);
    return rate;
}

/* Events per second replaying the whole trace forward in moves of 4096. */
static double
moves_rate(gcs_replay *r, uint64_t n)
{
    gcs_replay_seek(r, 0);
    uint64_t t0 = now_ns();
    for (uint64_t pos = 0; pos < n; pos += 4096)
        gcs_replay_seek(r, pos + 4096);
    return n / ((now_ns() - t0) / 1e9);
}

/* The throughput figures are each the median of three runs (this host's
 * speed changes from minute to minute). */
static read_figs
measure_reading(const char *path, int n_seeks)
{
    read_figs f = {0};
    gcs_replay *r;
    uint64_t n_read;
    f.file_bytes = file_size(path);
    fprintf(stderr, "trace_bench: reader decode (x3)...\n");
    double d1 = reader_decode_rate(path, &n_read), d2 = reader_decode_rate(path, &n_read);
    f.decode_rate = median3(d1, d2, reader_decode_rate(path, &n_read));
    f.iterate_rate = reader_iterate_rate(path);
    fprintf(stderr, "trace_bench: index build (gcs_replay_open, x3)...\n");
    double i1 = index_rate(path, -1, NULL), i2 = index_rate(path, -1, NULL);
    f.index_rate = median3(i1, i2, index_rate(path, -1, &r));
    f.events = gcs_replay_n_events(r);
    f.index_bytes = gcs_replay_index_bytes(r);
    fprintf(stderr, "trace_bench: replay forward in moves of 4096 events (x3)...\n");
    double m1 = moves_rate(r, f.events), m2 = moves_rate(r, f.events);
    f.replay_rate = median3(m1, m2, moves_rate(r, f.events));
    fprintf(stderr, "trace_bench: replay, one step at a time (first 5 M events)...\n");
    uint64_t n_steps = f.events < 5000000 ? f.events : 5000000;
    gcs_replay_seek(r, 0);
    uint64_t t0 = now_ns();
    for (uint64_t pos = 0; pos < n_steps; pos++)
        gcs_replay_step(r, 1);
    f.step_rate = n_steps / ((now_ns() - t0) / 1e9);
    fprintf(stderr, "trace_bench: %d random seeks...\n", n_seeks);
    seek_times(r, f.events, n_seeks, &f.seek_med_ms, &f.seek_p99_ms);
    gcs_replay_close(r);
    fprintf(stderr, "trace_bench: open with the sidecar index (write it, then load x3)...\n");
    char idx[1024];
    snprintf(idx, sizeof idx, "%s.gcsidx", path);
    remove(idx);
    index_rate(path, 1, NULL); /* builds and writes it */
    double c1 = index_rate(path, 1, NULL), c2 = index_rate(path, 1, NULL);
    f.cached_open_ms = f.events / median3(c1, c2, index_rate(path, 1, NULL)) * 1e3;
    f.index_file_bytes = file_size(idx);
    remove(idx);
    if (n_read != f.events)
        fprintf(stderr, "trace_bench: WARNING reader saw %" PRIu64 " events, replay %" PRIu64 "\n",
                n_read, f.events);
    return f;
}

static void
print_reading(const read_figs *f, uint64_t record_ns)
{
    printf("big trace: %" PRIu64 " events, %.1f MB (%.2f B/event), recorded in %.2f s\n", f->events,
           f->file_bytes / 1e6, (double)f->file_bytes / f->events, record_ns / 1e9);
    printf("  (decode, moves, index build: median of 3 runs; reader threads %s)\n",
           getenv("GCSCOPE_READER_THREAD") && strcmp(getenv("GCSCOPE_READER_THREAD"), "1") == 0
               ? "on (GCSCOPE_READER_THREAD=1)"
               : "off");
    row("reader decode, validating pass (M events/s)", f->decode_rate / 1e6, "M/s", ">= 50",
        f->decode_rate >= 50e6);
    row("open, then gcs_reader_next over all (M ev/s)", f->iterate_rate / 1e6, "M/s", "(info)",
        true);
    row("decode + replay, 4096-event moves (M ev/s)", f->replay_rate / 1e6, "M/s", ">= 50",
        f->replay_rate >= 50e6);
    row("decode + replay, step(+1) each (M ev/s)", f->step_rate / 1e6, "M/s", "(info)", true);
    row("index build, gcs_replay_open (M events/s)", f->index_rate / 1e6, "M/s", ">= 50",
        f->index_rate >= 50e6);
    row("seek median", f->seek_med_ms, "ms", "<= 10", f->seek_med_ms <= 10);
    row("seek p99", f->seek_p99_ms, "ms", "<= 50", f->seek_p99_ms <= 50);
    double pct = 100.0 * (double)f->index_bytes / (double)f->file_bytes;
    row("index memory (% of trace file)", pct, "%", "<= 10", pct <= 10);
    row("open again, index loaded from .gcsidx", f->cached_open_ms, "ms", "(info)", true);
    row("  its .gcsidx file (% of trace file)",
        100.0 * (double)f->index_file_bytes / (double)f->file_bytes, "%", "(info)", true);
}

/* {==== heaptrack comparison ====} */

/* The malloc-only equivalent of work_alloc: a ring of 64 young blocks of
 * 16..128 bytes (sizes vary, as in anchor-bench/alloc_bench.c, so heaptrack's
 * trace is not flattered by one repeated line). */
static int
malloc_loop(uint64_t n)
{
    enum { RING = 64 };
    void *ring[RING] = {0};
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++) {
        unsigned char *p = malloc(16 + xorshift() % 113); /* like anchor-bench/alloc_bench.c */
        if (p == NULL)
            return 1;
        p[0] = (unsigned char)i;
        free(ring[i % RING]);
        ring[i % RING] = p;
        sum += p[0];
    }
    for (int i = 0; i < RING; i++)
        free(ring[i]);
    printf("%" PRIu64 "\n", sum);
    return 0;
}

/* Wall time of `heaptrack -o OUT self --malloc-loop n`, or 0 on failure. */
static uint64_t
run_heaptrack(const char *out, uint64_t n)
{
    char count[32];
    snprintf(count, sizeof count, "%" PRIu64, n);
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        return 0;
    self[len] = '\0';
    fflush(stdout); /* the child must not inherit unwritten output */
    fflush(stderr);
    uint64_t t0 = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        execlp("heaptrack", "heaptrack", "-o", out, self, "--malloc-loop", count, (char *)NULL);
        _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 0;
    return now_ns() - t0;
}

static void
compare_heaptrack(const workload_figs *alloc, const char *dir, uint64_t n)
{
    char out[512], zst[600];
    uint64_t allocs_ours = alloc->iters * 2; /* a list and an int per iteration */
    double ours_ns = ((double)alloc->on_ns - (double)alloc->off_ns) / (double)allocs_ours;
    double ours_b = (double)alloc->file_bytes / (double)allocs_ours;
    printf("per allocated object (alloc workload: %" PRIu64 " objects, with their frees,\n"
           "references and collections):\n",
           allocs_ours);
    printf("  %-44s %9.1f ns %9.2f B\n", "gcscope recording", ours_ns, ours_b);
    snprintf(out, sizeof out, "%s/trace_bench_ht", dir);
    snprintf(zst, sizeof zst, "%s.zst", out);
    uint64_t t1 = 0, tn = 0;
    if (system("command -v heaptrack >/dev/null 2>&1") == 0) {
        fprintf(stderr, "trace_bench: heaptrack on %" PRIu64 " mallocs...\n", n);
        t1 = run_heaptrack(out, 1);
        tn = run_heaptrack(out, n);
    }
    if (t1 && tn) {
        double ht_ns = ((double)tn - (double)t1) / (double)n;
        double ht_b = (double)file_size(zst) / (double)n;
        printf("  %-44s %9.1f ns %9.2f B\n"
               "    (heaptrack measured now: (wall(N) - wall(1)) / N)\n",
               "heaptrack 1.4, malloc-only loop", ht_ns, ht_b);
        remove(zst);
    } else {
        printf("  %-44s %9.1f ns %9.2f B\n"
               "    (REFERENCE figure from /work/shared/reference/anchor-bench,\n"
               "    not measured in this run: heaptrack is not installed or failed)\n",
               "heaptrack (reference)", 290.0, 3.38);
    }
}

/* --one WORKLOAD MODE ITERS: one run of one workload (refcount | alloc) with
 * recording off, a no-op hook (noop) or recording on (on, to --dir), and no
 * timing: the driver for instruction counts under valgrind --tool=callgrind
 * (docs/performance.md, "Trace (issue #3)"). Prints the events recorded. */
static int
run_one(const char *workload, const char *mode, uint64_t iters, const char *dir)
{
    workload_fn fn = strcmp(workload, "refcount") == 0 ? work_refcount
                     : strcmp(workload, "alloc") == 0  ? work_alloc
                                                       : NULL;
    if (fn == NULL || (strcmp(mode, "off") && strcmp(mode, "noop") && strcmp(mode, "on"))) {
        bench_usage_exit(USAGE, fn == NULL ? workload : mode);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/trace_bench_one_%ld.gctrace", dir, (long)getpid());
    bench_noop = strcmp(mode, "noop") == 0;
    run_result r = run_once(fn, iters, strcmp(mode, "on") == 0 ? path : NULL);
    printf("%s %s: %" PRIu64 " iterations, %" PRIu64 " events, %" PRIu64 " bytes\n", workload, mode,
           iters, r.events, r.file_bytes);
    remove(path);
    return 0;
}

/* --read FILE decode|index|moves|cached: one timed pass of the reader, of
 * gcs_replay_open building the index, of replaying forward in moves of 4096
 * events (timed after the open), or of gcs_replay_open with the sidecar index
 * (FILE.gcsidx: loaded if valid, else built and written), over FILE (made
 * with --make-big); for perf record and callgrind. */
static int
run_read(const char *path, const char *mode)
{
    uint64_t n = 0, t0 = now_ns();
    if (strcmp(mode, "decode") == 0) {
        reader_decode_rate(path, &n);
    } else if (strcmp(mode, "index") == 0 || strcmp(mode, "moves") == 0 ||
               strcmp(mode, "cached") == 0) {
        gcs_replay *r;
        gcs_replay_opts o;
        gcs_replay_opts_init(&o);
        o.index_cache = mode[0] == 'c' ? 1 : -1; /* index, moves: build, no .gcsidx */
        int rc = gcs_replay_open(path, &o, &r);
        if (rc != 0)
            fail(gcs_replay_open_errmsg(), rc);
        n = gcs_replay_n_events(r);
        if (mode[0] == 'm') { /* time only the forward moves of 4096 events */
            t0 = now_ns();
            for (uint64_t pos = 0; pos < n; pos += 4096)
                gcs_replay_seek(r, pos + 4096);
        }
        gcs_replay_close(r);
    } else {
        bench_usage_exit(USAGE, mode);
    }
    double s = (now_ns() - t0) / 1e9;
    printf("%s: %" PRIu64 " events in %.3f s, %.2f M events/s\n", mode, n, s, n / s / 1e6);
    return 0;
}

static void
help(void)
{
    printf("usage: trace_bench [--quick] [--events N] [--dir DIR] [--no-compress] [--background]\n"
           "       trace_bench [--dir DIR] [--no-compress] [--background]\n"
           "                   --one refcount|alloc off|noop|on ITERS\n"
           "       trace_bench --make-big FILE EVENTS\n"
           "       trace_bench --read FILE decode|index|moves|cached\n"
           "       trace_bench --malloc-loop N\n"
           "The whole bench (no --one/--make-big/--read): both workloads with recording\n"
           "off, with no-op hooks and on, then a big trace (--events, default 50000000;\n"
           "--quick: smaller sizes) for the reader, index and seek figures, then\n"
           "heaptrack if installed. Files go to --dir (default /tmp) and are removed.\n"
           "--no-compress, --background: the recorder's options for the workloads\n"
           "(zstd off; compress and write on a writer thread). --one: one untimed run,\n"
           "for callgrind. --malloc-loop: the malloc-only loop heaptrack is run on.\n");
    exit(0);
}

/* A mode taking the n arguments after argv[i] and ending the command line:
 * exit 2 naming the mode if they are missing, or the first extra argument. */
static void
last_mode(int argc, char **argv, int i, int n)
{
    if (i + n >= argc)
        bench_usage_exit(USAGE, argv[i]);
    if (i + n + 1 < argc)
        bench_usage_exit(USAGE, argv[i + n + 1]);
}

/* argv[i] as a number in [lo, hi]; missing or malformed: one line naming
 * it, exit 2. */
static uint64_t
arg_number(int argc, char **argv, int i, uint64_t lo, uint64_t hi)
{
    unsigned long long v;
    if (i >= argc)
        bench_usage_exit(USAGE, argv[i - 1]);
    if (!bench_number(argv[i], lo, hi, &v))
        bench_usage_exit(USAGE, argv[i]);
    return v;
}

int
main(int argc, char **argv)
{
    uint64_t big_events = 0, rc_iters = 2000000, alloc_iters = 1000000;
    int n_seeks = 400;
    const char *dir = "/tmp";
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (bench_is_help(a))
            help();
        if (strcmp(a, "--no-compress") == 0) {
            bench_no_compress = true;
        } else if (strcmp(a, "--background") == 0) {
            bench_background = true;
        } else if (strcmp(a, "--quick") == 0 && !quick) {
            quick = true;
        } else if (strcmp(a, "--events") == 0 && big_events == 0) {
            big_events = arg_number(argc, argv, ++i, 1000, UINT64_C(1) << 40);
        } else if (strcmp(a, "--dir") == 0 && i + 1 < argc && argv[i + 1][0] != '-') {
            dir = argv[++i];
        } else if (strcmp(a, "--malloc-loop") == 0) {
            last_mode(argc, argv, i, 1);
            return malloc_loop(arg_number(argc, argv, i + 1, 1, UINT64_C(1) << 40));
        } else if (strcmp(a, "--one") == 0) {
            last_mode(argc, argv, i, 3);
            uint64_t iters = arg_number(argc, argv, i + 3, 1, UINT64_C(1) << 40);
            return run_one(argv[i + 1], argv[i + 2], iters, dir);
        } else if (strcmp(a, "--make-big") == 0) {
            last_mode(argc, argv, i, 2);
            uint64_t ns, n = arg_number(argc, argv, i + 2, 1, UINT64_C(1) << 40);
            n = make_big_trace(argv[i + 1], n, &ns);
            printf("%" PRIu64 " events in %s\n", n, argv[i + 1]);
            return 0;
        } else if (strcmp(a, "--read") == 0) {
            last_mode(argc, argv, i, 2);
            return run_read(argv[i + 1], argv[i + 2]);
        } else {
            bench_usage_exit(USAGE, a);
        }
    }
    if (quick)
        rc_iters = 200000, alloc_iters = 100000, n_seeks = 50;
    if (big_events == 0)
        big_events = quick ? 2000000 : 50000000;
#ifdef GCS_DEBUG
    fprintf(stderr, "trace_bench: WARNING built with GCS_DEBUG; use the release preset\n");
#endif
    char path[512], big[512];
    snprintf(path, sizeof path, "%s/trace_bench_%ld.gctrace", dir, (long)getpid());
    snprintf(big, sizeof big, "%s/trace_bench_big_%ld.gctrace", dir, (long)getpid());
    workload_figs wr = measure_workload("refcount-heavy", work_refcount, rc_iters, path);
    workload_figs wa = measure_workload("allocation-heavy", work_alloc, alloc_iters, path);
    bool no_compress = bench_no_compress, background = bench_background;
    bench_no_compress = bench_background = false; /* the big trace: default options */
    uint64_t record_ns;
    make_big_trace(big, big_events, &record_ns);
    read_figs rf = measure_reading(big, n_seeks);
    remove(big);

    printf("gcscope trace benchmark (issue #3); targets from the issue\n");
    printf("recorder for the workloads: zstd %s, writer thread %s\n\n",
           no_compress ? "off (--no-compress)" : "on", background ? "on (--background)" : "off");
    print_workload("refcount-heavy", &wr);
    print_workload("allocation-heavy", &wa);
    printf("\n");
    print_reading(&rf, record_ns);
    printf("\n");
    compare_heaptrack(&wa, dir, alloc_iters * 2);
    return 0;
}
