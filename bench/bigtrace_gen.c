/* bench/bigtrace_gen.c — make a big, realistic .gctrace for issue #8's
 * big-trace measurements (`gcscope info|leaks|render` peak RSS and time).
 * Events are synthesized and written straight through the recorder (no
 * runtime), so a 1 GB file takes a minute, not an hour. The heap it describes:
 * a module frame holding `n_live` objects chained in lists of 1000 (each with
 * a REF_SET edge to its predecessor, so the leak analysis walks a real graph),
 * churn of short-lived temporaries (alloc, track, incref/decref, ref to a live
 * object, free), a collector pass every 50,000 events, and some two-object
 * cycles never collected (the leak report has something to say).
 * Usage: bigtrace_gen OUT.gctrace [SIZE_MB (1024)] [N_LIVE (SIZE_MB*1000, >= 1)]
 * Prints the events, live objects and file bytes written. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_args.h"
#include "gcscope/trace.h"

typedef struct gen {
    gcs_recorder *rec;
    uint64_t next_id, n_events, t_ns;
    uint64_t rng;     /* xorshift64: ids, sizes, labels and timings vary, as in real programs */
    uint64_t *live;   /* ids of the long-lived objects built so far */
    uint64_t n_cycle; /* partner objects of the two-object cycles (also alive at the end) */
} gen;

static uint64_t
rnd(gen *g)
{
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return g->rng;
}

static void
emit(gen *g, gcs_event *ev)
{
    ev->t_ns = (g->t_ns += 20 + rnd(g) % 400);
    gcs_recorder_hook(g->rec, ev);
    g->n_events++;
}

static uint64_t
alloc_obj(gen *g, const char *type, uint64_t size)
{
    static const gcs_site site = {"bigtrace_gen.c", "alloc_obj", 42};
    gcs_event ev = {.kind = GCS_EV_ALLOC, .site = &site};
    uint64_t id = ++g->next_id;
    ev.u.alloc = (gcs_ev_alloc){.obj = id, .type = type, .kind = 3, .size = size};
    emit(g, &ev);
    ev = (gcs_event){.kind = GCS_EV_TRACK};
    ev.u.track.obj = id;
    emit(g, &ev);
    return id;
}

static void
ref_set(gen *g, uint64_t src, const char *slot, uint64_t dst)
{
    gcs_event ev = {.kind = GCS_EV_REF_SET};
    ev.u.ref_set = (gcs_ev_ref_set){.src = src, .slot = slot, .dst = dst, .old = 0};
    emit(g, &ev);
    ev = (gcs_event){.kind = GCS_EV_INCREF};
    ev.u.incref = (gcs_ev_incref){.obj = dst, .refcnt = 2};
    emit(g, &ev);
}

/* A short-lived temporary: alloc, label, point at `live`, drop, free. */
static void
churn(gen *g, uint64_t live)
{
    uint64_t t = alloc_obj(g, "tuple", 40 + 8 * (rnd(g) % 16));
    char text[24];
    snprintf(text, sizeof text, "(%" PRIu64 ", ...)", rnd(g) % 100000000u);
    gcs_event lab = {.kind = GCS_EV_LABEL};
    lab.u.label = (gcs_ev_label){.obj = t, .text = text};
    emit(g, &lab);
    ref_set(g, t, "[0]", live);
    gcs_event ev = {.kind = GCS_EV_REF_DEL};
    ev.u.ref_del = (gcs_ev_ref_del){.src = t, .slot = "[0]", .old = live};
    emit(g, &ev);
    ev = (gcs_event){.kind = GCS_EV_DECREF};
    ev.u.decref = (gcs_ev_decref){.obj = live, .refcnt = 1};
    emit(g, &ev);
    ev = (gcs_event){.kind = GCS_EV_DECREF};
    ev.u.decref = (gcs_ev_decref){.obj = t, .refcnt = 0};
    emit(g, &ev);
    ev = (gcs_event){.kind = GCS_EV_UNTRACK};
    ev.u.untrack.obj = t;
    emit(g, &ev);
    ev = (gcs_event){.kind = GCS_EV_FREE};
    ev.u.free.obj = t;
    emit(g, &ev);
}

static void
gc_pass(gen *g, uint64_t n_live)
{
    gcs_event ev = {.kind = GCS_EV_GC_BEGIN};
    ev.u.gc_begin = (gcs_ev_gc_begin){.gen = 0, .reason = 0, .count0 = 701};
    emit(g, &ev);
    for (unsigned ph = 0; ph < GCS_PHASE__COUNT; ph++) {
        ev = (gcs_event){.kind = GCS_EV_GC_PHASE};
        ev.u.gc_phase.phase = ph;
        emit(g, &ev);
    }
    ev = (gcs_event){.kind = GCS_EV_GC_PROMOTE};
    ev.u.gc_promote = (gcs_ev_gc_promote){.from = 0, .to = 1, .n = n_live};
    emit(g, &ev);
    ev = (gcs_event){.kind = GCS_EV_GC_END};
    ev.u.gc_end = (gcs_ev_gc_end){.gen = 0, .duration_ns = 1000};
    emit(g, &ev);
}

/* Build one live object: chained to the previous one in its list of 1000;
 * the head of each list is bound to a module variable; every 10,000th object
 * also gets a partner in an uncollected two-object cycle. */
static void
grow(gen *g, uint64_t i, uint64_t *prev)
{
    uint64_t o = alloc_obj(g, (i % 3) ? "Node" : "dict", 64 + i % 200);
    if (i % 1000 == 0) {
        char name[32];
        snprintf(name, sizeof name, "list%" PRIu64, i / 1000);
        gcs_event ev = {.kind = GCS_EV_VAR_SET};
        ev.u.var_set = (gcs_ev_var_set){.frame = 1, .name = name, .obj = o, .old = 0};
        emit(g, &ev);
    } else {
        ref_set(g, *prev, ".next", o);
    }
    if (i % 10000 == 5) {
        uint64_t c = alloc_obj(g, "Cycle", 72);
        ref_set(g, o, ".peer", c);
        ref_set(g, c, ".peer", o);
        g->n_cycle++;
    }
    *prev = o;
    g->live[i] = o;
}

int
main(int argc, char **argv)
{
    static const char usage[] = "usage: bigtrace_gen OUT.gctrace [SIZE_MB] [N_LIVE]";
    for (int i = 1; i < argc; i++)
        if (bench_is_help(argv[i]))
            bench_usage_exit(usage, NULL);
    if (argc < 2 || argc > 4 || argv[1][0] == '-') /* no options: a flag is not a path */
        bench_usage_exit(usage, argc < 2 ? "(none)" : argc > 4 ? argv[4] : argv[1]);
    unsigned long long size_mb = 1024, n_live;
    if (argc > 2 && !bench_number(argv[2], 1, 1u << 20, &size_mb))
        bench_usage_exit(usage, argv[2]);
    n_live = size_mb * 1000;
    if (argc > 3 && !bench_number(argv[3], 1, 1ull << 32, &n_live))
        bench_usage_exit(usage, argv[3]);
    gen g = {.rng = 0x9E3779B97F4A7C15u};
    g.live = malloc(n_live * sizeof *g.live);
    if (g.live == NULL) {
        fprintf(stderr, "bigtrace_gen: out of memory\n");
        return 1;
    }
    gcs_recorder_opts o;
    gcs_recorder_opts_init(&o);
    o.cmdline = "bigtrace_gen";
    if (gcs_recorder_open(argv[1], &o, &g.rec) != 0) {
        fprintf(stderr, "bigtrace_gen: cannot create %s\n", argv[1]);
        return 1;
    }
    gcs_event ev = {.kind = GCS_EV_FRAME_PUSH};
    ev.u.frame_push = (gcs_ev_frame_push){.frame = 1, .name = "<module>"};
    emit(&g, &ev);
    uint64_t target = size_mb << 20, built = 0, prev = 0, last_gc = 0;
    gcs_recorder_stats st = {0};
    /* Interleave growth and churn so the live set grows across the whole file. */
    for (uint64_t step = 0;; step++) {
        if (built < n_live)
            grow(&g, built++, &prev);
        churn(&g, g.live[rnd(&g) % built]); /* a random long-lived object */
        if (g.n_events - last_gc >= 50000) {
            gc_pass(&g, built);
            last_gc = g.n_events;
        }
        if ((step & 1023) == 0) {
            gcs_recorder_get_stats(g.rec, &st);
            if (st.file_bytes >= target && built >= n_live)
                break;
            if (gcs_recorder_error(g.rec) != 0)
                break;
        }
    }
    ev = (gcs_event){.kind = GCS_EV_HEAP_END};
    /* one cycle partner per i % 10000 == 5 (not built / 10000: issue #8, the
     * 1 GiB trace said 1,024,102 where 1,024,103 objects were alive) */
    ev.u.heap_end.live = built + g.n_cycle;
    emit(&g, &ev);
    free(g.live);
    int rc = gcs_recorder_close(g.rec);
    if (rc != 0) {
        fprintf(stderr, "bigtrace_gen: %s: write failed (%d)\n", argv[1], rc);
        return 1;
    }
    printf("%s: %" PRIu64 " events, %" PRIu64 " live objects at the end, ~%" PRIu64 " MB\n",
           argv[1], g.n_events, built + g.n_cycle, st.file_bytes >> 20);
    return 0;
}
