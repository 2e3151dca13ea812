/* tests/cli/cli_victim.c — helper program for the CLI tests (tests/cli/).
 *   cli_victim synth OUT N      write a synthetic trace of N objects to OUT with
 *                               the recorder API, and print on stdout, as JSON,
 *                               the figures `gcscope info --json` must report
 *   cli_victim cycle [STATUS]   a small program on the runtime (records when
 *                               GCSCOPE_TRACE is set): builds a two-list cycle,
 *                               collects it, exits with STATUS (default 0)
 *   cli_victim hang READY K     runtime program: K collections (each GC_END
 *                               flushes a chunk), then writes K to READY and
 *                               sleeps until killed
 *   cli_victim exit N STATUS    runtime program: N lists allocated and named
 *                               (several full chunks), a leaked two-list cycle
 *                               (collector off), a marker "last words",
 *                               then exit(STATUS) with the heap never freed
 * The synthetic trace is deliberately regular so its counts are known. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gcscope/runtime.h"
#include "gcscope/trace.h"

/* {==== synth ====} */

typedef struct synth {
    gcs_recorder *rec;
    uint64_t t_ns;
    uint64_t by_kind[GCS_EV__COUNT];
    uint64_t events, allocated, freed, markers;
    uint64_t passes[3], collected[3], pause_ns[3];
} synth;

static const gcs_site demo_site = {"tests/cli/demo.c", "main", 42};

static void
emit(synth *s, gcs_event ev)
{
    s->t_ns += 1000;
    ev.t_ns = s->t_ns;
    gcs_recorder_hook(s->rec, &ev);
    s->by_kind[ev.kind]++;
    s->events++;
}

static void
alloc(synth *s, uint64_t id)
{
    static const char *const types[] = {"list", "dict", "Node"};
    gcs_event ev = {.kind = GCS_EV_ALLOC, .site = &demo_site};
    ev.u.alloc = (gcs_ev_alloc){id, types[id % 3], 5 + id % 3, 64};
    emit(s, ev);
    emit(s, (gcs_event){.kind = GCS_EV_TRACK, .u.track = {id}});
    s->allocated++;
}

static void
refcount(synth *s, gcs_ev_kind kind, uint64_t id, int64_t now)
{
    gcs_event ev = {.kind = kind, .site = &demo_site};
    if (kind == GCS_EV_INCREF)
        ev.u.incref = (gcs_ev_incref){id, now};
    else
        ev.u.decref = (gcs_ev_decref){id, now};
    emit(s, ev);
}

static void
pass(synth *s, unsigned gen, uint64_t collected)
{
    emit(s, (gcs_event){.kind = GCS_EV_GC_BEGIN, .u.gc_begin = {gen, 0, 701, 0, 0}});
    emit(s, (gcs_event){.kind = GCS_EV_GC_PHASE, .u.gc_phase = {GCS_PHASE_UPDATE_REFS}});
    emit(s, (gcs_event){.kind = GCS_EV_GC_PHASE, .u.gc_phase = {GCS_PHASE_MOVE_UNREACHABLE}});
    uint64_t dur = 2000 + 500 * gen;
    emit(s, (gcs_event){.kind = GCS_EV_GC_END, .u.gc_end = {gen, collected, 0, dur}});
    s->passes[gen]++;
    s->collected[gen] += collected;
    s->pause_ns[gen] += dur;
}

/* Object i: allocated, named, and: i % 4 == 0 freed at once; pairs (i, i+1)
 * with i % 4 == 1 form a two-object cycle; every 50 objects a pass. */
static void
synth_objects(synth *s, uint64_t n)
{
    emit(s, (gcs_event){.kind = GCS_EV_FRAME_PUSH, .u.frame_push = {1, "<module>"}});
    emit(s, (gcs_event){.kind = GCS_EV_MARKER, .u.marker = {"start"}});
    s->markers++;
    for (uint64_t i = 1; i <= n; i++) {
        alloc(s, i);
        emit(s, (gcs_event){.kind = GCS_EV_VAR_SET, .u.var_set = {1, "x", i, i > 1 ? i - 1 : 0}});
        refcount(s, GCS_EV_INCREF, i, 2);
        refcount(s, GCS_EV_DECREF, i, 1);
        if (i % 4 == 0) {
            emit(s, (gcs_event){.kind = GCS_EV_UNTRACK, .u.untrack = {i}});
            emit(s, (gcs_event){.kind = GCS_EV_VAR_DEL, .u.var_del = {1, "x", i}});
            refcount(s, GCS_EV_DECREF, i, 0);
            emit(s, (gcs_event){.kind = GCS_EV_FREE, .u.free = {i}});
            s->freed++;
        }
        if (i % 4 == 2) {
            emit(s, (gcs_event){.kind = GCS_EV_REF_SET, .u.ref_set = {i - 1, ".next", i, 0}});
            refcount(s, GCS_EV_INCREF, i, 2);
            emit(s, (gcs_event){.kind = GCS_EV_REF_SET, .u.ref_set = {i, ".next", i - 1, 0}});
            refcount(s, GCS_EV_INCREF, i - 1, 2);
        }
        if (i % 50 == 0)
            pass(s, (unsigned)((i / 50) % 3), i % 7);
        if (i % 100 == 0) {
            emit(s, (gcs_event){.kind = GCS_EV_MARKER, .u.marker = {"another hundred"}});
            s->markers++;
        }
    }
    emit(s, (gcs_event){.kind = GCS_EV_HEAP_END, .u.heap_end = {s->allocated - s->freed}});
}

static void
print_u64s(const char *name, const uint64_t *v)
{
    printf(",\"%s\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", name, v[0], v[1], v[2]);
}

static int
run_synth(const char *out, uint64_t n)
{
    synth s;
    memset(&s, 0, sizeof s);
    gcs_recorder_opts opts;
    gcs_recorder_opts_init(&opts);
    opts.cmdline = "cli_victim synth";
    opts.chunk_bytes = 4096; /* several chunks even for small traces */
    if (gcs_recorder_open(out, &opts, &s.rec) != 0) {
        fprintf(stderr, "cli_victim: cannot record to %s\n", out);
        return 1;
    }
    synth_objects(&s, n);
    if (gcs_recorder_close(s.rec) != 0)
        return 1;
    printf("{\"events\":%" PRIu64 ",\"allocated\":%" PRIu64 ",\"freed\":%" PRIu64
           ",\"alive\":%" PRIu64 ",\"markers\":%" PRIu64,
           s.events, s.allocated, s.freed, s.allocated - s.freed, s.markers);
    print_u64s("passes", s.passes);
    print_u64s("collected", s.collected);
    print_u64s("pause_ns", s.pause_ns);
    printf(",\"by_kind\":{");
    for (int k = 0, first = 1; k < GCS_EV__COUNT; k++)
        if (s.by_kind[k]) {
            printf("%s\"%s\":%" PRIu64, first ? "" : ",", gcs_ev_name((gcs_ev_kind)k),
                   s.by_kind[k]);
            first = 0;
        }
    printf("}}\n");
    return 0;
}

/* {==== runtime programs ====} */

static gcs_heap *
new_heap(void)
{
    gcs_heap *h = NULL;
    if (gcs_heap_new(NULL, &h) != 0) {
        fprintf(stderr, "cli_victim: gcs_heap_new failed\n");
        exit(1);
    }
    return h;
}

static void
make_cycle(gcs_heap *h)
{
    gcs_obj *a, *b;
    if (gcs_list_new(h, &a) != 0 || gcs_list_new(h, &b) != 0)
        exit(1);
    gcs_var_set(h, "a", a);
    gcs_var_set(h, "b", b);
    gcs_list_append(h, a, b);
    gcs_list_append(h, b, a);
    gcs_decref(h, a);
    gcs_decref(h, b);
    gcs_marker(h, "a and b form a cycle");
    gcs_var_del(h, "a");
    gcs_var_del(h, "b");
    size_t n = 0;
    gcs_gc_collect(h, 2, &n);
    gcs_marker(h, "collected");
}

static int
run_cycle(int status)
{
    gcs_heap *h = new_heap();
    make_cycle(h);
    gcs_heap_free(h);
    return status;
}

static int
run_hang(const char *ready, int k)
{
    gcs_heap *h = new_heap();
    for (int i = 0; i < k; i++)
        make_cycle(h); /* each collection's GC_END flushes a chunk */
    FILE *f = fopen(ready, "w");
    if (f == NULL)
        return 1;
    fprintf(f, "%d\n", k);
    fclose(f);
    for (;;)
        pause();
}

static int
run_exit(long n, int status)
{
    gcs_heap *h = new_heap();
    gcs_gc_disable(h); /* no pass, so no flush at GC_END: only full chunks go out */
    gcs_obj *keep = NULL;
    if (gcs_list_new(h, &keep) != 0 || gcs_var_set(h, "keep", keep) != 0)
        return 1;
    for (long i = 0; i < n; i++) {
        gcs_obj *l = NULL;
        if (gcs_list_new(h, &l) != 0 || gcs_list_append(h, keep, l) != 0)
            return 1;
        gcs_decref(h, l);
    }
    gcs_decref(h, keep);
    gcs_obj *a = NULL, *b = NULL; /* cyclic garbage the disabled collector never frees */
    if (gcs_list_new(h, &a) != 0 || gcs_list_new(h, &b) != 0 || gcs_list_append(h, a, b) != 0 ||
        gcs_list_append(h, b, a) != 0)
        return 1;
    gcs_decref(h, a);
    gcs_decref(h, b);
    gcs_marker(h, "last words");
    exit(status); /* no gcs_heap_free: the recorder must flush at exit */
}

int
main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "synth") == 0)
        return run_synth(argv[2], strtoull(argv[3], NULL, 10));
    if (argc >= 2 && strcmp(argv[1], "cycle") == 0)
        return run_cycle(argc >= 3 ? atoi(argv[2]) : 0);
    if (argc >= 4 && strcmp(argv[1], "hang") == 0)
        return run_hang(argv[2], atoi(argv[3]));
    if (argc >= 4 && strcmp(argv[1], "exit") == 0)
        return run_exit(atol(argv[2]), atoi(argv[3]));
    fprintf(stderr,
            "usage: cli_victim synth OUT N | cycle [STATUS] | hang READY K | exit N STATUS\n");
    return 2;
}
