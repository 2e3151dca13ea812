/* bench/gc_bench.c — the collector benchmark (issue #2 §6): the same heap shapes
 * built in libgcscope and in CPython 3.11, in the same run, reported as ratios
 * ours/CPython of median times. Each N runs on each side in its own child
 * process (ours: a fork()ed child; CPython: `python3 bench/gc_bench.py --n N`),
 * so peak RSS (ru_maxrss from wait4) never mixes. Both children print the same
 * "key value..." lines (see gc_bench.py), which the parent checks and tabulates:
 * wall-clock medians (the table), then the same repetitions in thread
 * CPU time, which the load of a shared machine disturbs much less.
 * Start reading at main(), then run_n(); the workloads are the bench_* functions.
 * Our side runs with checked mode off and no hook; use the release preset. */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_args.h"
#include "gcscope/errors.h"
#include "gcscope/runtime.h"

#ifndef GCS_BENCH_PY
#define GCS_BENCH_PY "bench/gc_bench.py"
#endif
#ifndef GCS_BENCH_BUILD_TYPE
#define GCS_BENCH_BUILD_TYPE "unknown"
#endif

enum { MAX_NS = 8, MAX_KV = 64, MAX_REPS = 1000, FANOUT = 8, LIST_SAMPLE = 10000 };
#define TARGET_RATIO 0.5

typedef struct bench_opts {
    size_t ns[MAX_NS]; /* problem sizes, each run in fresh children */
    size_t n_ns;
    int reps;
    bool no_python; /* smoke mode: our side only */
    bool check;     /* gcs_heap_check after every workload */
    char only;      /* 'a', 'b' or 'c': run one workload on our side (profiling); 0 all */
    const char *python;
    const char *script;
} bench_opts;

/* {======================== Result lines ========================} */

/* A child's output: "key v1 v2 ..." lines, split in place. */
typedef struct kv_set {
    char *buf;
    size_t n;
    const char *key[MAX_KV];
    const char *val[MAX_KV];
} kv_set;

typedef struct side_result {
    bool ran; /* the child exited 0 */
    kv_set kv;
    long maxrss_kib; /* ru_maxrss of the child (wait4) */
    char why[200];   /* why it did not run */
} side_result;

/* Median, min and max of one sample line, in ms. */
typedef struct ms_stats {
    bool ok;
    double med, min, max;
} ms_stats;

static void
kv_parse(kv_set *kv, char *buf)
{
    kv->buf = buf;
    kv->n = 0;
    for (char *line = strtok(buf, "\n"); line && kv->n < MAX_KV; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *sp = strchr(line, ' ');
        if (sp)
            *sp = '\0';
        kv->key[kv->n] = line;
        kv->val[kv->n] = sp ? sp + 1 : "";
        kv->n++;
    }
}

/* The value text of `key`, or NULL if the child did not print it. */
static const char *
kv_get(const kv_set *kv, const char *key)
{
    for (size_t i = 0; i < kv->n; i++)
        if (strcmp(kv->key[i], key) == 0)
            return kv->val[i];
    return NULL;
}

/* Parse up to `max` unsigned integers of `key` into out[]; returns how many. */
static size_t
kv_u64s(const kv_set *kv, const char *key, uint64_t *out, size_t max)
{
    const char *s = kv_get(kv, key);
    size_t n = 0;
    while (s && n < max) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s || errno)
            break;
        out[n++] = v;
        s = end;
    }
    return n;
}

/* The first value of `key`, or `dflt`. */
static uint64_t
kv_u64(const kv_set *kv, const char *key, uint64_t dflt)
{
    uint64_t v;
    return kv_u64s(kv, key, &v, 1) == 1 ? v : dflt;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Median (mean of the middle two for an even count, like statistics.median). */
static ms_stats
stats_of(const side_result *r, const char *key)
{
    uint64_t t[MAX_REPS];
    ms_stats s = {0};
    size_t n = r->ran ? kv_u64s(&r->kv, key, t, MAX_REPS) : 0;
    if (n == 0)
        return s;
    qsort(t, n, sizeof t[0], cmp_u64);
    s.ok = true;
    s.min = t[0] / 1e6;
    s.max = t[n - 1] / 1e6;
    s.med = (n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2.0) / 1e6;
    return s;
}

/* {======================== Child processes ========================} */

typedef void (*child_fn)(int out_fd, const void *arg); /* must not return */

static char *
read_all(int fd)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while (buf && (got = read(fd, buf + len, cap - len - 1)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        len += (size_t)got;
        if (cap - len < 2) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Run fn in a fork()ed child with its stdout on a pipe; collect the output and
 * the child's rusage. res->ran is true only if the child exited with status 0. */
static void
run_child(child_fn fn, const void *arg, side_result *res)
{
    int fds[2];
    memset(res, 0, sizeof *res);
    fflush(NULL);
    if (pipe(fds) != 0) {
        snprintf(res->why, sizeof res->why, "pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(res->why, sizeof res->why, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        fn(fds[1], arg);
        _exit(127);
    }
    close(fds[1]);
    char *out = read_all(fds[0]);
    close(fds[0]);
    int status = 0;
    struct rusage ru = {0};
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    res->maxrss_kib = ru.ru_maxrss;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && out) {
        kv_parse(&res->kv, out);
        res->ran = true;
        return;
    }
    free(out);
    if (WIFSIGNALED(status))
        snprintf(res->why, sizeof res->why, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(res->why, sizeof res->why, "exit status %d", WEXITSTATUS(status));
}

/* {======================== Our side (runs in the child) ========================} */

typedef struct ours_ctx {
    gcs_heap *h;
    FILE *out;
    size_t n;
    int reps;
    bool check;
    gcs_obj *cls;        /* class Small: __slots__ = ('a',) */
    size_t base_objects; /* live objects between workloads */
} ours_ctx;

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of this thread: what a shared machine's load disturbs least
 * (CPython's side reads time.thread_time_ns, the same clock). */
static uint64_t
cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A runtime call failed: say which and where, and end the child. */
static void
must(gcs_heap *h, int rc, const char *what)
{
    if (rc >= 0)
        return;
    fprintf(stderr, "gc_bench (ours): %s failed: %s (%s)\n", what, gcs_strerror(rc),
            h ? gcs_heap_errmsg(h) : "no heap");
    _exit(2);
}

static void
emit_u64s(FILE *out, const char *key, const uint64_t *v, size_t n)
{
    fputs(key, out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, " %" PRIu64, v[i]);
    fputc('\n', out);
}

/* After each workload: nothing of it may stay alive, and (with --check) the
 * heap must pass gcs_heap_check. Prints "<name>.leftover k". */
static void
end_workload(ours_ctx *c, const char *name)
{
    size_t ignored;
    must(c->h, gcs_gc_collect(c->h, 2, &ignored), "gc_collect");
    size_t live = gcs_heap_live_objects(c->h);
    fprintf(c->out, "%s.leftover %zu\n", name,
            live > c->base_objects ? live - c->base_objects : c->base_objects - live);
    if (c->check)
        must(c->h, gcs_heap_check(c->h), "heap_check");
}

/* `pairs` pairs of lists a <-> b, each dropped at once (only the cycle keeps them). */
static void
make_pairs(gcs_heap *h, size_t pairs)
{
    for (size_t i = 0; i < pairs; i++) {
        gcs_obj *a, *b;
        must(h, gcs_list_new(h, &a), "list_new");
        must(h, gcs_list_new(h, &b), "list_new");
        must(h, gcs_list_append(h, b, a), "list_append");
        must(h, gcs_list_append(h, a, b), "list_append");
        gcs_decref(h, a);
        gcs_decref(h, b);
    }
}

/* (a) N/2 dropped pairs, then time one full collection. */
static void
bench_cycles(ours_ctx *c)
{
    uint64_t t[MAX_REPS], cpu[MAX_REPS], got[MAX_REPS];
    for (int r = 0; r < c->reps; r++) {
        size_t n_col = 0;
        must(c->h, gcs_gc_collect(c->h, 2, NULL), "gc_collect");
        gcs_gc_disable(c->h);
        make_pairs(c->h, c->n / 2);
        uint64_t t0 = now_ns(), c0 = cpu_ns();
        must(c->h, gcs_gc_collect(c->h, 2, &n_col), "gc_collect");
        cpu[r] = cpu_ns() - c0;
        t[r] = now_ns() - t0;
        got[r] = n_col;
    }
    gcs_gc_enable(c->h);
    emit_u64s(c->out, "cycles.ns", t, (size_t)c->reps);
    emit_u64s(c->out, "cycles.cpu", cpu, (size_t)c->reps);
    emit_u64s(c->out, "cycles.collected", got, (size_t)c->reps);
    end_workload(c, "cycles");
}

/* n lists in a tree of fan-out 8 under `root` (a NEW reference); *count_out
 * gets the number of lists. Each child is owned by its parent only. */
static gcs_obj *
build_tree(gcs_heap *h, size_t n, size_t *count_out)
{
    gcs_obj **nodes = malloc(n * sizeof *nodes);
    if (!nodes)
        must(h, GCS_ENOMEM, "malloc nodes");
    must(h, gcs_list_new(h, &nodes[0]), "list_new");
    size_t count = 1, i = 0;
    while (count < n) {
        gcs_obj *parent = nodes[i++];
        for (int k = 0; k < FANOUT && count < n; k++) {
            gcs_obj *child;
            must(h, gcs_list_new(h, &child), "list_new");
            must(h, gcs_list_append(h, parent, child), "list_append");
            gcs_decref(h, child);
            nodes[count++] = child;
        }
    }
    gcs_obj *root = nodes[0];
    free(nodes);
    *count_out = count;
    return root;
}

static size_t
tracked_objects(gcs_heap *h)
{
    gcs_obj *all;
    must(h, gcs_gc_get_objects(h, -1, &all), "gc_get_objects");
    size_t n = gcs_list_len(h, all);
    gcs_decref(h, all);
    return n;
}

/* (b) a full collection over a live tree of N lists; frees nothing. */
static void
bench_live(ours_ctx *c)
{
    uint64_t t[MAX_REPS], cpu[MAX_REPS], freed[MAX_REPS];
    size_t count;
    must(c->h, gcs_gc_collect(c->h, 2, NULL), "gc_collect");
    gcs_gc_disable(c->h);
    gcs_obj *root = build_tree(c->h, c->n, &count);
    must(c->h, gcs_gc_collect(c->h, 2, NULL), "gc_collect"); /* settle into gen 2 */
    size_t tracked = tracked_objects(c->h);
    for (int r = 0; r < c->reps; r++) {
        size_t n_col = 0;
        uint64_t t0 = now_ns(), c0 = cpu_ns();
        must(c->h, gcs_gc_collect(c->h, 2, &n_col), "gc_collect");
        cpu[r] = cpu_ns() - c0;
        t[r] = now_ns() - t0;
        freed[r] = n_col;
    }
    gcs_gc_enable(c->h);
    gcs_decref(c->h, root);
    emit_u64s(c->out, "live.ns", t, (size_t)c->reps);
    emit_u64s(c->out, "live.cpu", cpu, (size_t)c->reps);
    emit_u64s(c->out, "live.freed", freed, (size_t)c->reps);
    fprintf(c->out, "live.tree_nodes %zu\nlive.tracked %zu\n", count, tracked);
    end_workload(c, "live");
}

/* [Small() for _ in range(n)]; del */
static void
alloc_once(ours_ctx *c)
{
    gcs_obj *objs, *o;
    must(c->h, gcs_list_new(c->h, &objs), "list_new");
    for (size_t i = 0; i < c->n; i++) {
        must(c->h, gcs_instance_new(c->h, c->cls, &o), "instance_new");
        must(c->h, gcs_list_append(c->h, objs, o), "list_append");
        gcs_decref(c->h, o);
    }
    gcs_decref(c->h, objs);
}

static int
cmp_gens(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    for (int g = 0; g < 3; g++)
        if (x[g] != y[g])
            return x[g] < y[g] ? -1 : 1;
    return 0;
}

/* (c) create and destroy N small tracked instances, automatic GC on or off.
 * "<key>.gens" is the median (sorted) of the per-rep collection counts. */
static void
bench_alloc(ours_ctx *c, bool enabled, const char *key)
{
    uint64_t t[MAX_REPS], cpu[MAX_REPS], gens[MAX_REPS][3];
    char name[64];
    for (int r = 0; r < c->reps; r++) {
        gcs_gc_stats s0[3], s1[3];
        must(c->h, gcs_gc_collect(c->h, 2, NULL), "gc_collect");
        if (enabled)
            gcs_gc_enable(c->h);
        else
            gcs_gc_disable(c->h);
        gcs_gc_get_stats(c->h, s0);
        uint64_t t0 = now_ns(), c0 = cpu_ns();
        alloc_once(c);
        cpu[r] = cpu_ns() - c0;
        t[r] = now_ns() - t0;
        gcs_gc_get_stats(c->h, s1);
        for (int g = 0; g < 3; g++)
            gens[r][g] = s1[g].collections - s0[g].collections;
    }
    gcs_gc_enable(c->h);
    qsort(gens, (size_t)c->reps, sizeof gens[0], cmp_gens);
    snprintf(name, sizeof name, "%s.ns", key);
    emit_u64s(c->out, name, t, (size_t)c->reps);
    snprintf(name, sizeof name, "%s.cpu", key);
    emit_u64s(c->out, name, cpu, (size_t)c->reps);
    snprintf(name, sizeof name, "%s.gens", key);
    emit_u64s(c->out, name, gens[c->reps / 2], 3);
    end_workload(c, key);
}

/* {==== Bytes per empty list ====} */

typedef struct count_alloc {
    size_t requested; /* bytes asked for, net */
    size_t usable;    /* malloc chunks held, net: usable size + glibc's 8-byte size word */
} count_alloc;

static size_t
chunk_size(void *p)
{
    return malloc_usable_size(p) + sizeof(size_t);
}

static void *
count_alloc_fn(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    count_alloc *ca = ud;
    if (ptr) {
        ca->requested -= old_size;
        ca->usable -= chunk_size(ptr);
    }
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (!p) { /* realloc failed: the old block is still held */
        if (ptr) {
            ca->requested += old_size;
            ca->usable += chunk_size(ptr);
        }
        return NULL;
    }
    ca->requested += new_size;
    ca->usable += chunk_size(p);
    return p;
}

/* list.bytes: gcs_heap_live_bytes delta; list.traced: bytes requested from the
 * allocator; list.block: the malloc chunks that hold it (glibc). Each
 * per empty list, averaged over LIST_SAMPLE lists on a heap of its own. */
static void
measure_list_bytes(FILE *out)
{
    static gcs_obj *keep[LIST_SAMPLE];
    count_alloc ca = {0};
    gcs_config cfg;
    gcs_heap *h = NULL;
    gcs_config_init(&cfg);
    cfg.checked = false;
    cfg.no_env = true;
    cfg.alloc = count_alloc_fn;
    cfg.alloc_ud = &ca;
    must(NULL, gcs_heap_new(&cfg, &h), "heap_new");
    gcs_gc_disable(h);
    size_t live0 = gcs_heap_live_bytes(h), req0 = ca.requested, use0 = ca.usable;
    for (size_t i = 0; i < LIST_SAMPLE; i++)
        must(h, gcs_list_new(h, &keep[i]), "list_new");
    fprintf(out, "list.bytes %.0f\nlist.traced %.0f\nlist.block %.0f\n",
            (double)(gcs_heap_live_bytes(h) - live0) / LIST_SAMPLE,
            (double)(ca.requested - req0) / LIST_SAMPLE, (double)(ca.usable - use0) / LIST_SAMPLE);
    for (size_t i = 0; i < LIST_SAMPLE; i++)
        gcs_decref(h, keep[i]);
    gcs_heap_free(h);
}

static gcs_obj *
make_small_class(gcs_heap *h)
{
    static const char *const slots[] = {"a"};
    gcs_class_def def = {.name = "Small", .slots = slots, .n_slots = 1, .dynamic_attrs = false};
    gcs_obj *cls;
    must(h, gcs_class_new(h, &def, &cls), "class_new");
    return cls;
}

/* The child: every workload for one N on one heap, results on out_fd. */
static void
ours_child(int out_fd, const void *arg)
{
    const bench_opts *o = arg;
    ours_ctx c = {.out = fdopen(out_fd, "w"), .n = o->ns[0], .reps = o->reps, .check = o->check};
    gcs_config cfg;
    if (!c.out)
        _exit(2);
    gcs_config_init(&cfg);
    cfg.checked = false; /* release figures: no checked mode, no hook, no trace */
    cfg.hook = NULL;
    cfg.no_env = true;
    must(NULL, gcs_heap_new(&cfg, &c.h), "heap_new");
    must(c.h, gcs_gc_set_threshold(c.h, 700, 10, 10), "gc_set_threshold");
    c.cls = make_small_class(c.h);
    c.base_objects = gcs_heap_live_objects(c.h);
    fprintf(c.out, "version %s\n", GCS_VERSION_STRING);
    if (!o->only || o->only == 'a')
        bench_cycles(&c);
    if (!o->only || o->only == 'b')
        bench_live(&c);
    if (!o->only || o->only == 'c') {
        bench_alloc(&c, true, "alloc_on");
        bench_alloc(&c, false, "alloc_off");
    }
    if (!o->only)
        measure_list_bytes(c.out);
    gcs_decref(c.h, c.cls);
    gcs_heap_free(c.h);
    fclose(c.out);
    _exit(0);
}

/* {======================== CPython side ========================} */

typedef struct py_args {
    const bench_opts *o;
    size_t n;
} py_args;

static void
python_child(int out_fd, const void *arg)
{
    const py_args *a = arg;
    char n_s[32], reps_s[32];
    snprintf(n_s, sizeof n_s, "%zu", a->n);
    snprintf(reps_s, sizeof reps_s, "%d", a->o->reps);
    if (dup2(out_fd, STDOUT_FILENO) < 0)
        _exit(126);
    close(out_fd);
    char *argv[] = {(char *)a->o->python,
                    (char *)a->o->script,
                    (char *)"--n",
                    n_s,
                    (char *)"--reps",
                    reps_s,
                    NULL};
    execvp(a->o->python, argv);
    fprintf(stderr, "gc_bench: cannot run %s: %s\n", a->o->python, strerror(errno));
    _exit(127);
}

/* {======================== Checks and report ========================} */

typedef struct n_result {
    size_t n;
    side_result ours, py;
} n_result;

/* Our side must leave nothing alive after a workload ("<key>.leftover 0"). */
static int
check_leftover(const side_result *r, const char *key, const char *who, bool ours)
{
    uint64_t left = kv_u64(&r->kv, key, UINT64_MAX);
    if (!ours || left == 0)
        return 0;
    fprintf(stderr, "%s: %s is %" PRId64 " objects, expected 0\n", who, key, (int64_t)left);
    return 1;
}

/* (a): every repetition collected exactly the 2 * (N / 2) lists of the pairs. */
static int
check_cycles(const side_result *r, size_t n, const char *who, bool ours)
{
    uint64_t v[MAX_REPS];
    size_t k = kv_u64s(&r->kv, "cycles.collected", v, MAX_REPS);
    if (k == 0)
        v[k++] = 0; /* missing counts as wrong */
    for (size_t i = 0; i < k; i++)
        if (v[i] != 2 * (n / 2)) {
            fprintf(stderr, "%s: (a) collected %" PRIu64 ", expected %zu\n", who, v[i],
                    2 * (n / 2));
            return 1;
        }
    return check_leftover(r, "cycles.leftover", who, ours);
}

/* (b): the tree has N lists and no collection freed anything. */
static int
check_live(const side_result *r, size_t n, const char *who, bool ours)
{
    uint64_t v[MAX_REPS];
    size_t k = kv_u64s(&r->kv, "live.freed", v, MAX_REPS);
    for (size_t i = 0; i < k; i++)
        if (v[i] != 0) {
            fprintf(stderr, "%s: (b) freed %" PRIu64 ", expected 0\n", who, v[i]);
            return 1;
        }
    if (k == 0 || kv_u64(&r->kv, "live.tree_nodes", 0) != n) {
        fprintf(stderr, "%s: (b) tree has %" PRIu64 " lists (%zu reps), expected %zu\n", who,
                kv_u64(&r->kv, "live.tree_nodes", 0), k, n);
        return 1;
    }
    return check_leftover(r, "live.leftover", who, ours);
}

/* (c): automatic collections happen with GC on (N >= 2 * threshold0) and
 * never with GC off. */
static int
check_alloc(const side_result *r, size_t n, const char *who, bool ours)
{
    uint64_t g[3];
    int bad = 0;
    if (kv_u64s(&r->kv, "alloc_on.gens", g, 3) != 3 || (n >= 1400 && g[0] == 0)) {
        fprintf(stderr, "%s: (c) no automatic collection with GC on\n", who);
        bad++;
    }
    if (kv_u64s(&r->kv, "alloc_off.gens", g, 3) != 3 || g[0] + g[1] + g[2] != 0) {
        fprintf(stderr, "%s: (c) automatic collections with GC off\n", who);
        bad++;
    }
    bad += check_leftover(r, "alloc_on.leftover", who, ours);
    return bad + check_leftover(r, "alloc_off.leftover", who, ours);
}

/* Correctness of one side's counts for the workloads that ran (all, or
 * `only`); prints each problem, returns how many. */
static int
check_counts(const side_result *r, size_t n, const char *who, bool ours, char only)
{
    int bad = 0;
    if (!only || only == 'a')
        bad += check_cycles(r, n, who, ours);
    if (!only || only == 'b')
        bad += check_live(r, n, who, ours);
    if (!only || only == 'c')
        bad += check_alloc(r, n, who, ours);
    return bad;
}

static const char *
fmt_n(size_t n, char *buf, size_t size)
{
    char raw[32];
    int len = snprintf(raw, sizeof raw, "%zu", n), j = 0;
    for (int i = 0; i < len && (size_t)j + 2 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[j++] = ',';
        buf[j++] = raw[i];
    }
    buf[j] = '\0';
    return buf;
}

static const char *
fmt_ms(double ms, char *buf, size_t size)
{
    snprintf(buf, size, ms < 100 ? "%.2f" : ms < 1000 ? "%.1f" : "%.0f", ms);
    return buf;
}

static void
print_row(const char *label, size_t n, ms_stats ours, ms_stats py)
{
    char nb[32], lo[24], hi[24], range[64];
    snprintf(range, sizeof range, "(%s..%s)", fmt_ms(ours.min, lo, sizeof lo),
             fmt_ms(ours.max, hi, sizeof hi));
    printf("%-13s %9s ", label, fmt_n(n, nb, sizeof nb));
    if (ours.ok)
        printf("%8.2f %-16s ", ours.med, range);
    else
        printf("%8s %-16s ", "failed", "");
    if (!py.ok || !ours.ok) {
        printf("%8s %6s %6s %4s\n", py.ok ? "" : "-", "-", "<=0.50", "-");
        return;
    }
    double ratio = ours.med / py.med;
    printf("%8.2f %6.2f %6s %4s\n", py.med, ratio, "<=0.50",
           ratio <= TARGET_RATIO ? "PASS" : "MISS");
}

/* label, wall-time key, CPU-time key */
static const char *const row_keys[][3] = {{"a) cycles", "cycles.ns", "cycles.cpu"},
                                          {"b) live tree", "live.ns", "live.cpu"},
                                          {"c) alloc on", "alloc_on.ns", "alloc_on.cpu"},
                                          {"c) alloc off", "alloc_off.ns", "alloc_off.cpu"}};

/* The table of the issue: wall-clock medians (col 1), or with col 2 the same
 * repetitions' thread CPU times, which a loaded machine disturbs less. */
static void
print_table(const n_result *res, size_t n_res, int col)
{
    printf("%-13s %9s %8s %-16s %8s %6s %6s %4s\n", "workload", "N", "ours ms", "(min..max)",
           "CPython", "ratio", "target", "");
    printf("%.78s\n", "-----------------------------------------------------------------------"
                      "---------------------");
    for (size_t i = 0; i < n_res; i++)
        for (size_t k = 0; k < sizeof row_keys / sizeof row_keys[0]; k++) {
            ms_stats ours = stats_of(&res[i].ours, row_keys[k][col]);
            if (res[i].ours.ran && !ours.ok)
                continue; /* not run (--only) */
            print_row(row_keys[k][0], res[i].n, ours, stats_of(&res[i].py, row_keys[k][col]));
        }
}

static void
print_gens(const side_result *r, const char *who)
{
    uint64_t g[3] = {0};
    if (r->ran && kv_u64s(&r->kv, "alloc_on.gens", g, 3) == 3)
        printf("  %s %" PRIu64 "/%" PRIu64 "/%" PRIu64, who, g[0], g[1], g[2]);
}

static void
print_overhead(const side_result *r, const char *who)
{
    ms_stats on = stats_of(r, "alloc_on.ns"), off = stats_of(r, "alloc_off.ns");
    if (on.ok && off.ok)
        printf("  %s %+.0f%%", who, (on.med / off.med - 1) * 100);
}

/* CPython's min..max per workload (the table shows only its median). */
static void
print_py_ranges(const side_result *r)
{
    char lo[24], hi[24];
    for (size_t k = 0; r->ran && k < sizeof row_keys / sizeof row_keys[0]; k++) {
        ms_stats s = stats_of(r, row_keys[k][1]);
        printf("%s%s %s..%s",
               k % 2 ? ", "
               : k   ? "\n    "
                     : "\n  CPython min..max ms: ",
               row_keys[k][0], fmt_ms(s.min, lo, sizeof lo), fmt_ms(s.max, hi, sizeof hi));
    }
}

/* The per-N lines under the table: overhead, collections, counts, peak RSS. */
static void
print_details(const n_result *r)
{
    char nb[32];
    printf("N=%s:\n  c) GC overhead (on/off - 1):", fmt_n(r->n, nb, sizeof nb));
    print_overhead(&r->ours, "ours");
    print_overhead(&r->py, "CPython");
    printf("\n  c) auto collections gen0/1/2:");
    print_gens(&r->ours, "ours");
    print_gens(&r->py, "CPython");
    printf("\n  a) collected: ours %s",
           fmt_n(kv_u64(&r->ours.kv, "cycles.collected", 0), nb, sizeof nb));
    if (r->py.ran)
        printf(", CPython %s", fmt_n(kv_u64(&r->py.kv, "cycles.collected", 0), nb, sizeof nb));
    printf("\n  b) tracked objects: ours %s",
           fmt_n(kv_u64(&r->ours.kv, "live.tracked", 0), nb, sizeof nb));
    if (r->py.ran)
        printf(", CPython %s", fmt_n(kv_u64(&r->py.kv, "live.tracked", 0), nb, sizeof nb));
    print_py_ranges(&r->py);
    printf("\n  peak RSS: ours %.1f MiB", r->ours.maxrss_kib / 1024.0);
    if (r->py.ran)
        printf(", CPython %.1f MiB", r->py.maxrss_kib / 1024.0);
    printf("\n");
}

static void
print_list_bytes(const n_result *r)
{
    const kv_set *o = &r->ours.kv, *p = &r->py.kv;
    printf("bytes per empty list, incl. GC header:\n  ours %" PRIu64 " (heap accounting), %" PRIu64
           " asked of the allocator, %" PRIu64 " in malloc chunks",
           kv_u64(o, "list.bytes", 0), kv_u64(o, "list.traced", 0), kv_u64(o, "list.block", 0));
    if (r->py.ran)
        printf("\n  CPython %" PRIu64 " (sys.getsizeof; tracemalloc %" PRIu64 "), %" PRIu64
               " as a pymalloc block",
               kv_u64(p, "list.bytes", 0), kv_u64(p, "list.traced", 0), kv_u64(p, "list.block", 0));
    printf("\n");
}

/* {======================== Driver ========================} */

static void
load_average(char *buf, size_t size)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double a = 0, b = 0, c = 0;
    if (!f || fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
        snprintf(buf, size, "unknown");
    else
        snprintf(buf, size, "%.2f %.2f %.2f", a, b, c);
    if (f)
        fclose(f);
}

static void
cpu_model(char *buf, size_t size)
{
    char line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");
    snprintf(buf, size, "unknown cpu");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
            snprintf(buf, size, "%s", strchr(line, ':') + 2);
            buf[strcspn(buf, "\n")] = '\0';
            break;
        }
    if (f)
        fclose(f);
}

static void
print_header(const bench_opts *o, const char *load0)
{
    char cpu[128];
    cpu_model(cpu, sizeof cpu);
    printf("gc_bench: collector, ours (libgcscope %s, %s build%s, checked off,\n"
           "  no hook) vs CPython (%s %s), same run\n",
           GCS_VERSION_STRING, GCS_BENCH_BUILD_TYPE,
#ifdef GCS_DEBUG
           " + GCS_DEBUG: figures not meaningful",
#else
           "",
#endif
           o->no_python ? "skipped:" : o->python, o->no_python ? "--no-python" : o->script);
    printf("machine: %s, %ld cpus; load average %s\n", cpu, sysconf(_SC_NPROCESSORS_ONLN), load0);
    printf("%d reps per workload, median (min..max) ms; ratio = ours/CPython medians\n\n", o->reps);
}

/* Run both sides for one N; returns the number of failed checks on our side
 * (a CPython problem is only a warning). */
static int
run_n(const bench_opts *o, size_t n, n_result *r)
{
    bench_opts one = *o;
    py_args pa = {o, n};
    char nb[32];
    one.ns[0] = n;
    r->n = n;
    fprintf(stderr, "gc_bench: N=%s ours...\n", fmt_n(n, nb, sizeof nb));
    run_child(ours_child, &one, &r->ours);
    if (!r->ours.ran)
        fprintf(stderr, "gc_bench: our side failed for N=%zu: %s\n", n, r->ours.why);
    if (!o->no_python) {
        fprintf(stderr, "gc_bench: N=%s CPython...\n", nb);
        run_child(python_child, &pa, &r->py);
        if (!r->py.ran)
            fprintf(stderr, "gc_bench: CPython side failed for N=%zu: %s\n", n, r->py.why);
        else if (check_counts(&r->py, n, "CPython", false, 0))
            fprintf(stderr, "gc_bench: warning: CPython counts differ (see above)\n");
    }
    return r->ours.ran ? check_counts(&r->ours, n, "ours", true, o->only) : 1;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: gc_bench [--quick] [--n N]... [--reps R] [--no-python] [--check]\n"
               "                [--only a|b|c] [--python PATH] [--script PATH/gc_bench.py]\n"
               "  default: N = 100000 and 1000000, 5 reps; --quick: N = 100000, 3 reps\n"
               "  --no-python: our side only (smoke test); --check: gcs_heap_check after\n"
               "  each workload; --only a|b|c: only that workload on our side (to profile).\n"
               "  Exit: 0 ok, 1 wrong counts on our side, 2 a side failed.\n");
}

static size_t
parse_size(const char *s)
{
    char *end;
    double v = s ? strtod(s, &end) : 0;
    return (s && *end == '\0' && v >= 2 && v <= 1e9) ? (size_t)v : 0;
}

/* Fills *o from argv; returns 0, or -1 after printing why. */
static int
parse_args(int argc, char **argv, bench_opts *o)
{
    bool quick = false, n_given = false;
    unsigned long long reps;
    *o = (bench_opts){.reps = 0, .python = "python3", .script = GCS_BENCH_PY};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0)
            quick = true;
        else if (strcmp(a, "--no-python") == 0)
            o->no_python = true;
        else if (strcmp(a, "--check") == 0)
            o->check = true;
        else if (strcmp(a, "--only") == 0 && next && strchr("abc", next[0]) && next[0] && !next[1])
            o->only = argv[++i][0];
        else if (strcmp(a, "--n") == 0 && parse_size(next) && o->n_ns < MAX_NS) {
            if (!n_given)
                o->n_ns = 0;
            n_given = true;
            o->ns[o->n_ns++] = parse_size(argv[++i]);
        } else if (strcmp(a, "--reps") == 0 && next && bench_number(next, 1, MAX_REPS, &reps))
            o->reps = (int)reps, i++;
        else if (strcmp(a, "--python") == 0 && next)
            o->python = argv[++i];
        else if (strcmp(a, "--script") == 0 && next)
            o->script = argv[++i];
        else /* name the value of a flag that takes one, if it is there */
            bench_usage_exit(
                "usage: gc_bench [OPTION]... (see --help)",
                next && (!strcmp(a, "--only") || !strcmp(a, "--n") || !strcmp(a, "--reps")) ? next
                                                                                            : a);
    }
    if (!n_given) {
        o->ns[0] = 100000;
        o->ns[1] = 1000000;
        o->n_ns = quick ? 1 : 2;
    }
    if (o->reps == 0)
        o->reps = quick ? 3 : 5;
    if (!o->no_python && access(o->script, R_OK) != 0) {
        fprintf(stderr, "gc_bench: cannot read %s (use --script PATH)\n", o->script);
        return -1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    bench_opts o;
    n_result res[MAX_NS];
    char load0[64], load1[64];
    int bad = 0, failed = 0;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (parse_args(argc, argv, &o) != 0)
        return 2;
    load_average(load0, sizeof load0);
    print_header(&o, load0);
    for (size_t i = 0; i < o.n_ns; i++) {
        bad += run_n(&o, o.ns[i], &res[i]);
        failed += !res[i].ours.ran || (!o.no_python && !res[i].py.ran);
    }
    print_table(res, o.n_ns, 1);
    printf("\nthe same repetitions in thread CPU time (less disturbed by the load):\n");
    print_table(res, o.n_ns, 2);
    printf("\n");
    for (size_t i = 0; i < o.n_ns; i++)
        print_details(&res[i]);
    if (kv_get(&res[0].ours.kv, "list.bytes"))
        print_list_bytes(&res[0]);
    load_average(load1, sizeof load1);
    printf("load average at the end: %s\n%s", load1,
           o.reps < 5 ? "fewer than 5 reps: a smoke run, not a measurement\n" : "");
    for (size_t i = 0; i < o.n_ns; i++) {
        free(res[i].ours.kv.buf);
        free(res[i].py.kv.buf);
    }
    if (bad)
        fprintf(stderr, "gc_bench: %d wrong count(s) on our side\n", bad);
    return failed ? 2 : bad ? 1 : 0;
}
