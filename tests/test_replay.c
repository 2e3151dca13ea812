/* tests/test_replay.c — the replay model: a hand-written scenario (a cycle
 * built, its names deleted, a full collection with phases, gc_refs, states,
 * a weakref cleared and its callback run) checked state by state, forward and
 * backward; generations and promotion; the freed-object window; refcount
 * history; timelines; and the central property of seeking: for random
 * positions, seek(pos) gives exactly (byte for byte) the state of a straight
 * replay from event 0, on well-formed and on random event streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gcscope/replay.h"
#include "gcscope/runtime.h"
#include "replay/replay_int.h"
#include "test_trace_util.h"
#include "trace/reader_int.h"

/* {==== A tiny event script writer ====} */

typedef struct script {
    gcs_recorder *rec;
    uint64_t n; /* events emitted = index of the next one */
} script;

static const gcs_site here_site = {"scenario.c", "build", 12};

static uint64_t
emit(script *s, gcs_event ev)
{
    gcs_recorder_hook(s->rec, &ev);
    return s->n++;
}

#define EV(KIND, member, ...)                                                                      \
    (gcs_event)                                                                                    \
    {                                                                                              \
        .kind = GCS_EV_##KIND, .site = &here_site, .u.member = { __VA_ARGS__ }                     \
    }

static void
script_open(script *s, size_t chunk)
{
    gcs_recorder_opts o;
    tt_opts(&o, chunk, 1);
    o.thresholds[0] = 123;
    assert_int_equal(gcs_recorder_open_mem(&o, &s->rec), 0);
    s->n = 0;
}

static gcs_replay *
script_replay(script *s, uint64_t freed_window, uint8_t **bytes)
{
    assert_int_equal(gcs_recorder_finish(s->rec), 0);
    size_t len;
    *bytes = tt_take(s->rec, &len);
    gcs_recorder_close(s->rec);
    gcs_replay_opts ro;
    gcs_replay_opts_init(&ro);
    ro.freed_window = freed_window;
    gcs_replay *r;
    assert_int_equal(gcs_replay_open_mem(*bytes, len, "scenario", &ro, &r), 0);
    assert_true(gcs_replay_n_events(r) == s->n);
    return r;
}

static void
check_model(gcs_replay *r)
{
    char why[200];
    if (gcs_model_check(gcs_replay_model_(r), why, sizeof why) != 0)
        fail_msg("model invariant broken at pos %" PRIu64 ": %s", gcs_replay_pos(r), why);
}

static gcs_replay_obj
obj_at(gcs_replay *r, uint64_t id)
{
    gcs_replay_obj o;
    int rc = gcs_replay_object(r, id, &o);
    if (rc != 0)
        fail_msg("object %" PRIu64 " not found at pos %" PRIu64, id, gcs_replay_pos(r));
    return o;
}

/* Seek to "just after event i". */
static void
after(gcs_replay *r, uint64_t i)
{
    assert_int_equal(gcs_replay_seek(r, i + 1), 0);
    assert_true(gcs_replay_pos(r) == i + 1);
    check_model(r);
}

/* {==== The cycle scenario ====} */

typedef struct cyc {
    uint64_t built, deleted, refs_zero, states, wr_clear, wr_cb, freed_b, gc_end, last;
    uint64_t a_alloc, a_free;
} cyc;

enum { A = 1, B = 2, WR = 3, CB = 4 };

static void
cycle_script(script *s, cyc *c)
{
    emit(s, EV(FRAME_PUSH, frame_push, 1, "<module>"));
    emit(s, EV(ALLOC, alloc, CB, "cfunc", GCS_KIND_CFUNC, 40));
    c->a_alloc = emit(s, EV(ALLOC, alloc, A, "Node", GCS_KIND_INSTANCE, 48));
    emit(s, EV(TRACK, track, A));
    emit(s, EV(LABEL, label, A, "<Node a>"));
    emit(s, EV(VAR_SET, var_set, 1, "a", A, 0));
    emit(s, EV(INCREF, incref, A, 2));
    emit(s, EV(ALLOC, alloc, B, "Node", GCS_KIND_INSTANCE, 48));
    emit(s, EV(TRACK, track, B));
    emit(s, EV(VAR_SET, var_set, 1, "b", B, 0));
    emit(s, EV(INCREF, incref, B, 2));
    emit(s, EV(REF_SET, ref_set, A, ".next", B, 0));
    emit(s, EV(INCREF, incref, B, 3));
    emit(s, EV(REF_SET, ref_set, B, ".next", A, 0));
    emit(s, EV(INCREF, incref, A, 3));
    emit(s, EV(DECREF, decref, A, 2));
    emit(s, EV(DECREF, decref, B, 2));
    emit(s, EV(ALLOC, alloc, WR, "weakref", GCS_KIND_WEAKREF, 32));
    emit(s, EV(WEAKREF_NEW, weakref_new, WR, A, CB));
    emit(s, EV(GC_CONFIG, gc_config, 1, 700, 10, 10, 0));
    c->built = emit(s, EV(MARKER, marker, "cycle built"));
    emit(s, EV(VAR_DEL, var_del, 1, "a", A));
    emit(s, EV(DECREF, decref, A, 1));
    emit(s, EV(VAR_DEL, var_del, 1, "b", B));
    emit(s, EV(DECREF, decref, B, 1));
    c->deleted = emit(s, EV(MARKER, marker, "del a, b"));
    emit(s, EV(GC_BEGIN, gc_begin, 2, 1, 3, 0, 0));
    emit(s, EV(GC_PHASE, gc_phase, GCS_PHASE_UPDATE_REFS));
    emit(s, EV(GC_REFS, gc_refs, A, 1));
    emit(s, EV(GC_REFS, gc_refs, B, 1));
    emit(s, EV(GC_PHASE, gc_phase, GCS_PHASE_SUBTRACT_REFS));
    emit(s, EV(GC_REFS, gc_refs, A, 0));
    c->refs_zero = emit(s, EV(GC_REFS, gc_refs, B, 0));
    emit(s, EV(GC_PHASE, gc_phase, GCS_PHASE_MOVE_UNREACHABLE));
    emit(s, EV(GC_STATE, gc_state, A, GCS_GCST_UNREACHABLE));
    c->states = emit(s, EV(GC_STATE, gc_state, B, GCS_GCST_UNREACHABLE));
    emit(s, EV(GC_PHASE, gc_phase, GCS_PHASE_WEAKREFS));
    c->wr_clear = emit(s, EV(WEAKREF_CLEAR, weakref_clear, WR, A));
    emit(s, EV(GC_PHASE, gc_phase, GCS_PHASE_CLEAR));
    emit(s, EV(REF_DEL, ref_del, A, ".next", B));
    emit(s, EV(DECREF, decref, B, 0));
    emit(s, EV(REF_DEL, ref_del, B, ".next", A));
    emit(s, EV(DECREF, decref, A, 0));
    c->wr_cb = emit(s, EV(WEAKREF_CALLBACK, weakref_callback, WR, CB));
    c->freed_b = emit(s, EV(FREE, free, B));
    c->a_free = emit(s, EV(FREE, free, A));
    c->gc_end = emit(s, EV(GC_END, gc_end, 2, 2, 0, 1500));
    for (int i = 0; i < 30; i++)
        c->last = emit(s, EV(INCREF, incref, CB, 2 + i));
}

static void
test_replay__cycle_collected_step_by_step(void **state)
{
    (void)state;
    script s;
    cyc c;
    script_open(&s, 256);
    cycle_script(&s, &c);
    uint8_t *bytes;
    gcs_replay *r = script_replay(&s, 10, &bytes);
    assert_true(gcs_replay_pos(r) == 0);
    assert_int_equal(gcs_replay_n_objects(r), 0);
    gcs_replay_gc_config cfg;
    gcs_replay_gc_config_at(r, &cfg);
    assert_int_equal(cfg.thresholds[0], 123); /* from the header, before GC_CONFIG */

    /* the cycle is built: two names point at two objects pointing at each other */
    after(r, c.built);
    gcs_replay_gc_config_at(r, &cfg);
    assert_int_equal(cfg.thresholds[0], 700);
    gcs_replay_obj a = obj_at(r, A), b = obj_at(r, B);
    assert_string_equal(a.type, "Node");
    assert_string_equal(a.label, "<Node a>");
    assert_true(a.alive && a.tracked && a.gen == 0 && a.refcnt == 2 && b.refcnt == 2);
    assert_true(a.alloc_event == c.a_alloc && a.free_event == UINT64_MAX);
    assert_non_null(a.alloc_site);
    assert_string_equal(a.alloc_site->file, "scenario.c");
    assert_int_equal(a.n_refs_out, 1);
    assert_int_equal(a.n_refs_in, 1);
    gcs_replay_ref ref;
    assert_int_equal(gcs_replay_ref_out(r, A, 0, &ref), 0);
    assert_true(ref.src == A && ref.dst == B);
    assert_string_equal(ref.slot, ".next");
    assert_int_equal(gcs_replay_ref_in(r, A, 0, &ref), 0);
    assert_true(ref.src == B && ref.dst == A);
    assert_int_equal(gcs_replay_ref_out(r, A, 1, &ref), GCS_EINDEX);
    assert_int_equal(gcs_replay_n_frames(r), 1);
    gcs_replay_frame f;
    assert_int_equal(gcs_replay_frame_at(r, 0, &f), 0);
    assert_string_equal(f.name, "<module>");
    assert_int_equal(f.n_vars, 2);
    gcs_replay_var v;
    assert_int_equal(gcs_replay_var_at(r, 0, 1, &v), 0);
    assert_string_equal(v.name, "b");
    assert_true(v.obj == B);
    uint64_t mev;
    assert_string_equal(gcs_replay_last_marker(r, &mev), "cycle built");
    assert_true(mev == c.built);
    gcs_replay_weakref w;
    assert_int_equal(gcs_replay_weakref_find(r, WR, &w), 0);
    assert_true(w.referent == A && !w.cleared && w.cb == GCS_REPLAY_WRCB_NONE);
    assert_int_equal(gcs_replay_n_alive(r), 4);

    /* names deleted: only the cycle keeps them alive */
    after(r, c.deleted);
    assert_int_equal(gcs_replay_frame_at(r, 0, &f), 0);
    assert_int_equal(f.n_vars, 0);
    assert_true(obj_at(r, A).refcnt == 1 && obj_at(r, B).refcnt == 1);

    /* subtract_refs: both gc_refs 0, inside the pass */
    after(r, c.refs_zero);
    gcs_replay_gc_now g;
    gcs_replay_gc_current(r, &g);
    assert_true(g.active && g.gen == 2 && g.reason == 1 && g.phase == GCS_PHASE_SUBTRACT_REFS);
    assert_true(g.pass_no == 0 && g.counts[0] == 3);
    a = obj_at(r, A);
    assert_true(a.in_pass && a.gc_refs == 0 && a.gc_state == -1);
    assert_int_equal(gcs_replay_n_pass_objects(r), 2);
    uint64_t pid;
    assert_int_equal(gcs_replay_pass_object_at(r, 1, &pid), 0);
    assert_true(pid == B);

    after(r, c.states);
    assert_int_equal(obj_at(r, A).gc_state, GCS_GCST_UNREACHABLE);
    assert_int_equal(obj_at(r, B).gc_state, GCS_GCST_UNREACHABLE);

    after(r, c.wr_clear);
    assert_int_equal(gcs_replay_weakref_find(r, WR, &w), 0);
    assert_true(w.cleared && w.referent == 0 && w.old_referent == A);
    assert_true(w.cb == GCS_REPLAY_WRCB_PENDING);
    after(r, c.wr_cb);
    assert_int_equal(gcs_replay_weakref_find(r, WR, &w), 0);
    assert_true(w.cb == GCS_REPLAY_WRCB_RUN);
    assert_int_equal(obj_at(r, A).n_refs_out, 0);

    /* after the pass: freed but still shown (freed window 10) */
    after(r, c.gc_end);
    a = obj_at(r, A);
    assert_false(a.alive);
    assert_true(a.free_event == c.a_free && a.refcnt == 0);
    assert_false(a.in_pass);
    gcs_replay_gc_current(r, &g);
    assert_false(g.active);
    gcs_replay_gen_stats st[3];
    gcs_replay_gc_stats(r, st);
    assert_true(st[2].collections == 1 && st[2].collected == 2 && st[0].collections == 0);
    assert_int_equal(gcs_replay_n_alive(r), 2);

    /* past the window they are gone */
    after(r, c.a_free + 11);
    gcs_replay_obj tmp;
    assert_int_equal(gcs_replay_object(r, A, &tmp), GCS_ENOTFOUND);
    assert_int_equal(gcs_replay_object(r, B, &tmp), GCS_ENOTFOUND);
    assert_int_equal(gcs_replay_n_objects(r), 2);
    /* ... exactly past it */
    after(r, c.a_free + 9);
    assert_int_equal(gcs_replay_object(r, A, &tmp), 0);

    /* step back into the pass: alive again, edges restored */
    assert_int_equal(gcs_replay_seek(r, c.refs_zero + 1), 0);
    assert_int_equal(gcs_replay_step(r, -1), 0);
    assert_true(gcs_replay_pos(r) == c.refs_zero);
    a = obj_at(r, A);
    assert_true(a.alive && a.n_refs_out == 1 && a.gc_refs == 0);
    assert_int_equal(obj_at(r, B).gc_refs, 1);

    /* timelines */
    assert_int_equal(gcs_replay_n_passes(r), 1);
    gcs_replay_pass p;
    assert_int_equal(gcs_replay_pass_at(r, 0, &p), 0);
    assert_true(p.begin_event == c.deleted + 1 && p.end_event == c.gc_end);
    assert_true(p.gen == 2 && p.collected == 2 && p.uncollectable == 0 && p.duration_ns == 1500);
    assert_int_equal(gcs_replay_n_markers(r), 2);
    gcs_replay_marker mk;
    assert_int_equal(gcs_replay_marker_at(r, 1, &mk), 0);
    assert_string_equal(mk.text, "del a, b");
    assert_true(mk.event == c.deleted);

    /* refcount history of a */
    gcs_replay_rc_point *h;
    size_t hn;
    assert_int_equal(gcs_replay_rc_history(r, A, &h, &hn), 0);
    const int64_t want[] = {1, 2, 3, 2, 1, 0, 0};
    const gcs_ev_kind wk[] = {GCS_EV_ALLOC,  GCS_EV_INCREF, GCS_EV_INCREF, GCS_EV_DECREF,
                              GCS_EV_DECREF, GCS_EV_DECREF, GCS_EV_FREE};
    assert_int_equal(hn, 7);
    for (size_t i = 0; i < hn; i++) {
        assert_true(h[i].refcnt == want[i]);
        assert_int_equal(h[i].kind, wk[i]);
        assert_non_null(h[i].site);
    }
    assert_true(h[0].event == c.a_alloc && h[6].event == c.a_free);
    gcs_replay_history_free(h);
    /* purged from the state at the end, still found by scanning */
    assert_int_equal(gcs_replay_seek(r, gcs_replay_n_events(r)), 0);
    assert_int_equal(gcs_replay_rc_history(r, A, &h, &hn), 0);
    assert_int_equal(hn, 7);
    gcs_replay_history_free(h);
    assert_int_equal(gcs_replay_rc_history(r, 999, &h, &hn), GCS_ENOTFOUND);

    gcs_replay_close(r);
    free(bytes);
}

/* {==== Generations ====} */

static void
test_replay__promotion_freeze_and_untrack(void **state)
{
    (void)state;
    script s;
    script_open(&s, 4096);
    for (uint64_t id = 1; id <= 4; id++) {
        emit(&s, EV(ALLOC, alloc, id, "list", GCS_KIND_LIST, 56));
        emit(&s, EV(TRACK, track, id));
    }
    uint64_t untrack = emit(&s, EV(UNTRACK, untrack, 4));
    emit(&s, EV(GC_BEGIN, gc_begin, 0, 0, 4, 0, 0));
    uint64_t p01 = emit(&s, EV(GC_PROMOTE, gc_promote, 0, 1, 3));
    emit(&s, EV(GC_END, gc_end, 0, 0, 0, 10));
    emit(&s, EV(ALLOC, alloc, 5, "dict", GCS_KIND_DICT, 64));
    uint64_t t5 = emit(&s, EV(TRACK, track, 5));
    emit(&s, EV(GC_BEGIN, gc_begin, 1, 0, 1, 1, 0));
    uint64_t p12 = emit(&s, EV(GC_PROMOTE, gc_promote, 1, 2, 4));
    emit(&s, EV(GC_END, gc_end, 1, 0, 0, 10));
    uint64_t frz = emit(&s, EV(FREEZE, freeze, 4));
    uint64_t unf = emit(&s, EV(UNFREEZE, unfreeze, 4));
    uint8_t *bytes;
    gcs_replay *r = script_replay(&s, 100, &bytes);
    after(r, untrack);
    assert_true(obj_at(r, 1).gen == 0 && obj_at(r, 4).gen == GCS_REPLAY_GEN_UNTRACKED);
    assert_false(obj_at(r, 4).tracked);
    after(r, p01);
    assert_true(obj_at(r, 1).gen == 1 && obj_at(r, 3).gen == 1);
    assert_true(obj_at(r, 4).gen == GCS_REPLAY_GEN_UNTRACKED);
    after(r, t5);
    assert_true(obj_at(r, 5).gen == 0 && obj_at(r, 2).gen == 1);
    after(r, p12);
    assert_true(obj_at(r, 5).gen == 2 && obj_at(r, 2).gen == 2);
    after(r, frz);
    assert_true(obj_at(r, 1).gen == GCS_REPLAY_GEN_PERMANENT);
    gcs_replay_gc_config cfg;
    gcs_replay_gc_config_at(r, &cfg);
    assert_true(cfg.frozen == 4);
    after(r, unf);
    assert_true(obj_at(r, 1).gen == 2 && obj_at(r, 5).gen == 2);
    assert_true(obj_at(r, 4).gen == GCS_REPLAY_GEN_UNTRACKED);
    /* back before the first promotion */
    after(r, untrack);
    assert_true(obj_at(r, 3).gen == 0);
    gcs_replay_gen_stats st[3];
    gcs_replay_gc_stats(r, st);
    assert_true(st[0].collections == 0);
    gcs_replay_close(r);
    free(bytes);
}

/* Regression: GC_PROMOTE used to move every young object, so the viewer showed
 * a doomed cycle in generation 1 before it was freed. Only the survivors move;
 * an unreachable object stays put, and if it survives the pass (resurrected)
 * it reaches the older generation at GC_END, as CPython merges it into `old`. */
static void
test_replay__promotion_leaves_the_unreachable_behind(void **state)
{
    (void)state;
    script s;
    script_open(&s, 4096);
    for (uint64_t id = 1; id <= 3; id++) {
        emit(&s, EV(ALLOC, alloc, id, "Node", GCS_KIND_INSTANCE, 48));
        emit(&s, EV(TRACK, track, id));
    }
    emit(&s, EV(GC_BEGIN, gc_begin, 0, 1, 3, 0, 0));
    emit(&s, EV(GC_PHASE, gc_phase, GCS_PHASE_MOVE_UNREACHABLE));
    emit(&s, EV(GC_STATE, gc_state, 2, GCS_GCST_UNREACHABLE));
    emit(&s, EV(GC_STATE, gc_state, 3, GCS_GCST_UNREACHABLE));
    uint64_t prom = emit(&s, EV(GC_PROMOTE, gc_promote, 0, 1, 1));
    emit(&s, EV(FINALIZE, finalize, 3));
    uint64_t res = emit(&s, EV(GC_STATE, gc_state, 3, GCS_GCST_RESURRECTED));
    emit(&s, EV(FREE, free, 2));
    uint64_t end = emit(&s, EV(GC_END, gc_end, 0, 1, 0, 10));
    uint8_t *bytes;
    gcs_replay *r = script_replay(&s, 100, &bytes);
    after(r, prom);
    assert_int_equal(obj_at(r, 1).gen, 1);
    assert_int_equal(obj_at(r, 2).gen, 0);
    assert_int_equal(obj_at(r, 3).gen, 0);
    after(r, res);
    assert_int_equal(obj_at(r, 3).gen, 0);
    after(r, end);
    assert_false(obj_at(r, 2).alive);
    assert_int_equal(obj_at(r, 3).gen, 1);
    assert_int_equal(obj_at(r, 1).gen, 1);
    /* and from a cold seek (keyframes) to the same points */
    assert_int_equal(gcs_replay_seek(r, 0), 0);
    after(r, prom);
    assert_int_equal(obj_at(r, 3).gen, 0);
    gcs_replay_close(r);
    free(bytes);
}

/* {==== Seek == replay from the start ====} */

/* State bytes of a fresh model fed events 0..pos-1 straight from the reader. */
static void
straight_state(gcs_replay *r, uint64_t pos, uint8_t **out, size_t *len)
{
    gcs_reader *rd = gcs_replay_reader_(r);
    gcs_model m;
    long th[3] = {700, 10, 10};
    gcs_model_init(&m, gcs_replay_model_(r)->freed_window, th, true, 0);
    gcs_model_clear(&m);
    gcs_event ev;
    for (uint64_t i = 0; i < pos; i++) {
        assert_int_equal(gcs_reader_event(rd, i, &ev), 0);
        assert_int_equal(gcs_model_apply(&m, &ev), 0);
    }
    assert_int_equal(gcs_model_compact(&m), 0);
    assert_int_equal(gcs_model_save(&m, out, len), 0);
    gcs_model_fini(&m);
}

static void
seek_matches_straight(gcs_replay *r, tt_rng *rng, int rounds)
{
    uint64_t n = gcs_replay_n_events(r);
    for (int k = 0; k < rounds; k++) {
        uint64_t pos = k == 0 ? n : k == 1 ? 0 : tt_below(rng, n + 1);
        assert_int_equal(gcs_replay_seek(r, pos), 0);
        check_model(r);
        uint8_t *a, *b;
        size_t la, lb;
        assert_int_equal(gcs_model_save(gcs_replay_model_(r), &a, &la), 0);
        straight_state(r, pos, &b, &lb);
        if (la != lb || memcmp(a, b, la) != 0)
            fail_msg("state after seek(%" PRIu64 ") differs from a straight replay", pos);
        free(a);
        free(b);
        /* small steps either way from there */
        int64_t d = (int64_t)tt_below(rng, 7) - 3;
        assert_int_equal(gcs_replay_step(r, d), 0);
        check_model(r);
    }
}

/* A plausible long program: objects, containers, frames, passes. */
static void
program_script(script *s, uint64_t n_target, uint64_t seed)
{
    tt_rng rng = {seed};
    uint64_t next = 1, live[256] = {0};
    int64_t rc[256] = {0};
    emit(s, EV(FRAME_PUSH, frame_push, 1, "<module>"));
    static const char *const names[] = {"a", "b", "c", "d"};
    static const char *const slots[] = {"[0]", "[1]", ".x", ".y"};
    uint64_t frame = 1, depth = 1;
    while (s->n < n_target) {
        unsigned k = (unsigned)tt_below(&rng, 256), what = (unsigned)tt_below(&rng, 20);
        if (live[k] == 0) {
            live[k] = next++;
            rc[k] = 1;
            emit(s, EV(ALLOC, alloc, live[k], what & 1 ? "Node" : "list", GCS_KIND_LIST, 40));
            if (what & 2)
                emit(s, EV(TRACK, track, live[k]));
            continue;
        }
        unsigned j = (unsigned)tt_below(&rng, 256);
        if (what < 6) {
            emit(s, EV(INCREF, incref, live[k], ++rc[k]));
        } else if (what < 9 && rc[k] > 1) {
            emit(s, EV(DECREF, decref, live[k], --rc[k]));
        } else if (what < 11 && live[j]) {
            emit(s, EV(REF_SET, ref_set, live[k], slots[what & 3], live[j], 0));
        } else if (what < 12 && live[j]) {
            emit(s, EV(REF_DEL, ref_del, live[k], slots[what & 3], live[j]));
        } else if (what < 13) {
            emit(s, EV(VAR_SET, var_set, frame, names[k & 3], live[k], 0));
        } else if (what < 14) {
            emit(s, EV(VAR_DEL, var_del, frame, names[k & 3], live[k]));
        } else if (what < 15) {
            if (depth < 5 && (k & 1)) {
                frame = ++depth;
                emit(s, EV(FRAME_PUSH, frame_push, frame, "f"));
            } else if (depth > 1) {
                emit(s, EV(FRAME_POP, frame_pop, frame));
                frame = --depth;
            }
        } else if (what < 17) {
            emit(s, EV(DECREF, decref, live[k], 0));
            emit(s, EV(FREE, free, live[k]));
            live[k] = 0;
        } else if (what < 18) {
            emit(s, EV(GC_BEGIN, gc_begin, k % 3, 0, 1, 2, 3));
            emit(s, EV(GC_REFS, gc_refs, live[k], 0));
            emit(s, EV(GC_STATE, gc_state, live[k], 1));
            emit(s, EV(GC_PROMOTE, gc_promote, k % 3, k % 3 + 1, 0));
            if (what & 1)
                emit(s, EV(GC_GARBAGE, gc_garbage, live[k]));
            emit(s, EV(GC_END, gc_end, k % 3, 1, 0, 5));
        } else if (what < 19 && live[j]) {
            emit(s, EV(WEAKREF_NEW, weakref_new, live[k], live[j], j & 1 ? live[j] : 0));
            emit(s, EV(WEAKREF_CLEAR, weakref_clear, live[k], live[j]));
        } else {
            emit(s, EV(MARKER, marker, names[k & 3]));
        }
    }
}

static void
test_replay__seek_equals_replay_from_start(void **state)
{
    (void)state;
    script s;
    script_open(&s, 2048);
    program_script(&s, 60000, 7);
    uint8_t *bytes;
    gcs_replay *r = script_replay(&s, 300, &bytes);
    assert_true(gcs_replay_n_keyframes_(r) > 3); /* the test exercises keyframes */
    tt_rng rng = {42};
    seek_matches_straight(r, &rng, 60);
    /* stepping back one event at a time (the viewer's step back) */
    assert_int_equal(gcs_replay_seek(r, 45000), 0);
    for (int k = 1; k <= 3000; k++) {
        assert_int_equal(gcs_replay_step(r, -1), 0);
        assert_true(gcs_replay_pos(r) == 45000u - (unsigned)k);
        if (k % 700 == 0) {
            uint8_t *a, *b;
            size_t la, lb;
            assert_int_equal(gcs_model_save(gcs_replay_model_(r), &a, &la), 0);
            straight_state(r, gcs_replay_pos(r), &b, &lb);
            assert_true(la == lb && memcmp(a, b, la) == 0);
            free(a);
            free(b);
        }
    }
    gcs_replay_close(r);
    free(bytes);
}

/* Random events of every kind, ids colliding, impossible orders: the model
 * must neither crash nor break its invariants, and seek must still match. */
static void
test_replay__random_streams_never_break_the_model(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        script s;
        script_open(&s, 1024);
        tt_gen g;
        memset(&g, 0, sizeof g);
        g.rng.s = seed;
        for (int i = 0; i < 8000; i++) {
            gcs_event ev;
            tt_gen_event(&g, -1, &ev);
            /* keep ids in a small range so events hit the same objects */
            const gcs_ev_desc *d = gcs_ev_describe(ev.kind);
            for (unsigned k = 0; k < d->n_fields; k++)
                if (d->tags[k] == 'O' && *gcs_ev_field_u64(&ev, k))
                    *gcs_ev_field_u64(&ev, k) = 1 + *gcs_ev_field_u64(&ev, k) % 50;
            emit(&s, ev);
        }
        uint8_t *bytes;
        gcs_replay *r = script_replay(&s, 100, &bytes);
        tt_rng rng = {seed};
        seek_matches_straight(r, &rng, 25);
        gcs_replay_close(r);
        free(bytes);
    }
}

static void
test_replay__damaged_trace_replays_its_intact_part(void **state)
{
    (void)state;
    script s;
    cyc c;
    script_open(&s, 256);
    cycle_script(&s, &c);
    assert_int_equal(gcs_recorder_finish(s.rec), 0);
    size_t len;
    uint8_t *bytes = tt_take(s.rec, &len);
    gcs_recorder_close(s.rec);
    bytes[len - 100] ^= 0x10; /* inside the last chunks */
    gcs_replay *r;
    assert_int_equal(gcs_replay_open_mem(bytes, len, "hurt.gctrace", NULL, &r), 0);
    gcs_trace_damage dmg;
    gcs_replay_damage(r, &dmg);
    assert_true(dmg.damaged);
    assert_true(dmg.event_index == gcs_replay_n_events(r));
    assert_true(gcs_replay_n_events(r) < s.n);
    assert_non_null(strstr(gcs_replay_errmsg(r), "hurt.gctrace: byte 0x"));
    assert_int_equal(gcs_replay_seek(r, gcs_replay_n_events(r)), 0);
    check_model(r);
    gcs_replay_close(r);
    /* not a trace: refused with a message */
    assert_int_equal(gcs_replay_open_mem("nope", 4, "x.txt", NULL, &r), GCS_EFORMAT);
    assert_null(r);
    assert_non_null(strstr(gcs_replay_open_errmsg(), "x.txt"));
    free(bytes);
}

static int
count_progress(void *ud, uint64_t done, uint64_t total)
{
    uint64_t *calls = ud;
    calls[0]++;
    calls[1] = done;
    calls[2] = total;
    return 0;
}

/* Every temporary gets its own label (as in big real traces); a long-lived
 * object's label changes now and then. */
static void
labelled_script(script *s, uint64_t n_target)
{
    emit(s, EV(FRAME_PUSH, frame_push, 1, "<module>"));
    const uint64_t keep = 1;
    emit(s, EV(ALLOC, alloc, keep, "dict", GCS_KIND_DICT, 64));
    emit(s, EV(VAR_SET, var_set, 1, "d", keep, 0));
    char text[48];
    for (uint64_t t = 2; s->n < n_target; t++) {
        snprintf(text, sizeof text, "(%" PRIu64 ", ...)", t * 7919);
        emit(s, EV(ALLOC, alloc, t, "tuple", GCS_KIND_TUPLE, 48));
        emit(s, EV(LABEL, label, t, text));
        emit(s, EV(REF_SET, ref_set, t, "[0]", keep, 0));
        emit(s, EV(INCREF, incref, keep, 2));
        if (t % 50 == 0)
            emit(s, EV(LABEL, label, keep, text));
        emit(s, EV(REF_DEL, ref_del, t, "[0]", keep));
        emit(s, EV(DECREF, decref, keep, 1));
        emit(s, EV(DECREF, decref, t, 0));
        emit(s, EV(FREE, free, t));
    }
}

/* Issue #8: stream mode (one-pass tools) builds no keyframes and no model
 * while opening, yet any seek, forward or backward, gives exactly the state of
 * the indexed replay; labels (owned by the model, stored by content in
 * keyframes) come back right in both; the reader does not keep them. */
static void
test_replay__stream_mode_matches_indexed_mode(void **state)
{
    (void)state;
    script s;
    script_open(&s, 2048);
    labelled_script(&s, 60000);
    assert_int_equal(gcs_recorder_finish(s.rec), 0);
    size_t len;
    uint8_t *bytes = tt_take(s.rec, &len);
    gcs_recorder_close(s.rec);
    gcs_replay_opts ro;
    gcs_replay_opts_init(&ro);
    ro.freed_window = 100;
    gcs_replay *full, *st;
    assert_int_equal(gcs_replay_open_mem(bytes, len, "full", &ro, &full), 0);
    ro.stream = true;
    assert_int_equal(gcs_replay_open_mem(bytes, len, "stream", &ro, &st), 0);
    assert_true(gcs_replay_n_keyframes_(full) > 3);
    assert_true(gcs_replay_n_keyframes_(st) == 1); /* the empty state only */
    assert_true(gcs_replay_n_events(st) == s.n);
    size_t pool = gcs_reader_pool_bytes_(gcs_replay_reader_(full));
    assert_true(pool < 128 * 1024); /* ~6,600 unique labels are not interned */
    tt_rng rng = {5};
    for (int k = 0; k < 40; k++) {
        uint64_t pos = k == 0 ? s.n : tt_below(&rng, s.n + 1);
        assert_int_equal(gcs_replay_seek(full, pos), 0);
        assert_int_equal(gcs_replay_seek(st, pos), 0);
        check_model(st);
        /* stream == a straight replay (same reader: save bytes compare) */
        uint8_t *a, *b;
        size_t la, lb;
        assert_int_equal(gcs_model_save(gcs_replay_model_(st), &a, &la), 0);
        straight_state(st, pos, &b, &lb);
        if (la != lb || memcmp(a, b, la) != 0)
            fail_msg("stream state at %" PRIu64 " differs from a straight replay", pos);
        free(a);
        free(b);
        /* stream == indexed, by content (two readers: strings are not shared) */
        assert_true(gcs_replay_n_objects(full) == gcs_replay_n_objects(st));
        for (size_t i = 0; i < gcs_replay_n_objects(st); i++) {
            gcs_replay_obj x, y;
            assert_int_equal(gcs_replay_object_at(full, i, &x), 0);
            assert_int_equal(gcs_replay_object_at(st, i, &y), 0);
            assert_true(x.id == y.id && x.refcnt == y.refcnt && x.alive == y.alive &&
                        x.free_event == y.free_event && x.n_refs_in == y.n_refs_in);
            assert_string_equal(x.type, y.type);
            assert_true((x.label == NULL) == (y.label == NULL));
            if (x.label)
                assert_string_equal(x.label, y.label);
        }
        /* the label of the temporary alive at pos, if any, by content */
        for (size_t i = 0; i < gcs_replay_n_objects(st); i++) {
            gcs_replay_obj o;
            assert_int_equal(gcs_replay_object_at(st, i, &o), 0);
            if (o.id == 1 || !o.alive || o.label == NULL)
                continue;
            char want[48];
            snprintf(want, sizeof want, "(%" PRIu64 ", ...)", o.id * 7919);
            assert_string_equal(o.label, want);
        }
    }
    gcs_replay_close(full);
    gcs_replay_close(st);
    free(bytes);
}

/* Issue #8's compact model under churn: thousands of labelled temporaries,
 * each pointing at a long-lived object and freed (record slots, edge nodes
 * and label units reused, holes compacted): seek(pos) still equals a straight
 * replay, byte for byte, forward and backward. */
static void
test_replay__seek_equals_replay_on_heavy_churn(void **state)
{
    (void)state;
    script s;
    script_open(&s, 2048);
    labelled_script(&s, 120000);
    uint8_t *bytes;
    gcs_replay *r = script_replay(&s, 50, &bytes);
    assert_true(gcs_replay_n_keyframes_(r) > 3);
    tt_rng rng = {9};
    seek_matches_straight(r, &rng, 40);
    gcs_replay_close(r);
    free(bytes);
}

static void
test_replay__open_reports_progress_and_index_is_small(void **state)
{
    (void)state;
    script s;
    script_open(&s, 65536);
    program_script(&s, 300000, 11);
    assert_int_equal(gcs_recorder_finish(s.rec), 0);
    size_t len;
    uint8_t *bytes = tt_take(s.rec, &len);
    gcs_recorder_close(s.rec);
    uint64_t calls[3] = {0};
    gcs_replay_opts ro;
    gcs_replay_opts_init(&ro);
    ro.progress = count_progress;
    ro.progress_ud = calls;
    gcs_replay *r;
    assert_int_equal(gcs_replay_open_mem(bytes, len, "big", &ro, &r), 0);
    assert_true(calls[0] >= 1 && calls[1] == len && calls[2] == len);
    size_t idx = gcs_replay_index_bytes(r);
    printf("# %" PRIu64 " events, trace %zu bytes, index %zu bytes (%.0f%%), %zu keyframes\n",
           gcs_replay_n_events(r), len, idx, 100.0 * (double)idx / (double)len,
           gcs_replay_n_keyframes_(r));
    assert_true(idx < len); /* a fraction of the trace */
    gcs_replay_close(r);
    free(bytes);
}

static int
cancel_progress(void *ud, uint64_t done, uint64_t total)
{
    (void)ud;
    (void)done;
    (void)total;
    return 1;
}

/* The error contract of the API: bad arguments, ranges, unknown ids, cancel. */
static void
test_replay__api_errors_are_codes_not_crashes(void **state)
{
    (void)state;
    script s;
    cyc c;
    script_open(&s, 4096);
    cycle_script(&s, &c);
    uint8_t *bytes;
    gcs_replay *r = script_replay(&s, 10, &bytes);
    gcs_replay_obj o;
    gcs_replay_ref ref;
    gcs_replay_frame f;
    gcs_replay_var v;
    gcs_replay_weakref w;
    gcs_replay_pass p;
    gcs_replay_marker mk;
    gcs_replay_error er;
    gcs_event ev;
    uint64_t id;
    assert_int_equal(gcs_replay_object(NULL, 1, &o), GCS_EINVAL);
    assert_int_equal(gcs_replay_object(r, 1, NULL), GCS_EINVAL);
    assert_int_equal(gcs_replay_object(r, 1, &o), GCS_ENOTFOUND); /* pos 0: empty */
    assert_int_equal(gcs_replay_object_at(r, 0, &o), GCS_EINDEX);
    assert_int_equal(gcs_replay_ref_out(r, 1, 0, &ref), GCS_ENOTFOUND);
    assert_int_equal(gcs_replay_frame_at(r, 0, &f), GCS_EINDEX);
    assert_int_equal(gcs_replay_var_at(r, 0, 0, &v), GCS_EINDEX);
    assert_int_equal(gcs_replay_weakref_at(r, 0, &w), GCS_EINDEX);
    assert_int_equal(gcs_replay_weakref_find(r, WR, &w), GCS_ENOTFOUND);
    assert_int_equal(gcs_replay_pass_object_at(r, 0, &id), GCS_EINDEX);
    assert_int_equal(gcs_replay_garbage_at(r, 0, &id), GCS_EINDEX);
    assert_int_equal(gcs_replay_pass_at(r, 5, &p), GCS_EINDEX);
    assert_int_equal(gcs_replay_marker_at(r, 5, &mk), GCS_EINDEX);
    assert_int_equal(gcs_replay_error_at(r, 0, &er), GCS_EINDEX);
    assert_int_equal(gcs_replay_event(r, gcs_replay_n_events(r), &ev), GCS_EINDEX);
    assert_null(gcs_replay_last_marker(r, NULL));
    /* seeks clamp */
    assert_int_equal(gcs_replay_seek(r, UINT64_MAX), 0);
    assert_true(gcs_replay_pos(r) == gcs_replay_n_events(r));
    assert_int_equal(gcs_replay_step(r, INT64_MIN), 0);
    assert_true(gcs_replay_pos(r) == 0);
    assert_int_equal(gcs_replay_step(r, INT64_MAX), 0);
    assert_true(gcs_replay_pos(r) == gcs_replay_n_events(r));
    gcs_replay_close(r);
    gcs_replay_close(NULL);
    /* a cancelled open */
    gcs_replay_opts ro;
    gcs_replay_opts_init(&ro);
    ro.progress = cancel_progress;
    size_t len;
    gcs_reader *rd;
    assert_int_equal(gcs_reader_open_mem(bytes, 0, "x", NULL, &rd), GCS_ETRUNC);
    gcs_recorder *rec;
    gcs_recorder_opts opts;
    tt_opts(&opts, 4096, 0);
    assert_int_equal(gcs_recorder_open_mem(&opts, &rec), 0);
    gcs_recorder_finish(rec);
    const uint8_t *d = gcs_recorder_mem_data(rec, &len);
    assert_int_equal(gcs_replay_open_mem(d, len, "cancel.gctrace", &ro, &r), GCS_ECALL);
    assert_null(r);
    assert_non_null(strstr(gcs_replay_open_errmsg(), "cancelled"));
    gcs_recorder_close(rec);
    assert_int_equal(gcs_replay_open(NULL, NULL, &r), GCS_EINVAL);
    assert_int_equal(gcs_recorder_open(NULL, NULL, &rec), GCS_EINVAL);
    assert_int_equal(gcs_recorder_open("/nonexistent-dir/x.gctrace", NULL, &rec), GCS_EIO);
    assert_null(rec);
    assert_int_equal(gcs_recorder_close(NULL), 0);
    free(bytes);
}

/* {==== The snapshot pointer map (the sidecar index's conversions) ====} */

/* Pointers seen, numbered from 1 (0 stays NULL): the "portable" numbers;
 * and the values each kind of field was asked to map (a set per kind). */
typedef struct pnum {
    const void *p[512];
    size_t n;
    uint64_t seen[4][512];
    size_t n_seen[4];
    int fail_at; /* > 0: the fail_at-th call returns GCS_EIO */
    int calls;
    int inverse; /* map numbers back to pointers */
} pnum;

static void
set_add(uint64_t *set, size_t *n, uint64_t v)
{
    for (size_t i = 0; i < *n; i++)
        if (set[i] == v)
            return;
    assert_true(*n < 512);
    set[(*n)++] = v;
}

static bool
set_has(const uint64_t *set, size_t n, uint64_t v)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == v)
            return true;
    return false;
}

/* The set of kind k equals the values of want[0..n) (repeats allowed). */
static void
assert_set(const pnum *t, int k, const uint64_t *want, size_t n)
{
    uint64_t set[512];
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        set_add(set, &m, want[i]);
    if (m != t->n_seen[k])
        fail_msg("kind %d: %zu values mapped, %zu expected", k, t->n_seen[k], m);
    for (size_t i = 0; i < m; i++)
        if (!set_has(t->seen[k], t->n_seen[k], set[i]))
            fail_msg("kind %d: expected value %zu of %zu never mapped", k, i, m);
}

static uint64_t
pnum_of(pnum *t, const void *p)
{
    if (p == NULL)
        return 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->p[i] == p)
            return i + 1;
    assert_true(t->n < 512);
    t->p[t->n++] = p;
    return t->n;
}

static int
pnum_map(void *ud, int kind, uint64_t v, uint64_t *out)
{
    pnum *t = ud;
    assert_true(kind >= GCS_SNAP_TYPE && kind <= GCS_SNAP_NAME);
    set_add(t->seen[kind], &t->n_seen[kind], v);
    if (++t->calls == t->fail_at)
        return GCS_EIO;
    if (t->inverse) {
        assert_true(v <= t->n);
        *out = v ? (uint64_t)(uintptr_t)t->p[v - 1] : 0;
    } else {
        *out = pnum_of(t, (const void *)(uintptr_t)v);
    }
    return 0;
}

/* m saved with every pointer replaced by its number (the old conversion:
 * swap the string table and the names, save). */
static void
save_numbered(gcs_model *m, pnum *t, uint8_t **out, size_t *len)
{
    const void **fake = calloc((size_t)m->str.n + 1, sizeof *fake);
    assert_non_null(fake);
    for (uint32_t id = 0; id < m->str.n; id++)
        fake[id] = (const void *)(uintptr_t)pnum_of(t, m->str.v[id]);
    const char **names = calloc(1024, sizeof *names);
    assert_non_null(names);
    size_t k = 0;
    for (size_t i = 0; i < m->n_frames; i++) {
        m_frame *f = &m->frames[i];
        names[k++] = f->name;
        f->name = (const char *)(uintptr_t)pnum_of(t, f->name);
        for (size_t j = 0; j < f->n_vars; j++) {
            names[k++] = f->vars[j].name;
            f->vars[j].name = (const char *)(uintptr_t)pnum_of(t, f->vars[j].name);
        }
        assert_true(k < 1000);
    }
    const char *marker = m->last_marker;
    m->last_marker = (const char *)(uintptr_t)pnum_of(t, marker);
    const void **real = m->str.v;
    m->str.v = fake;
    assert_int_equal(gcs_model_save(m, out, len), 0);
    m->str.v = real;
    m->last_marker = marker;
    k = 0;
    for (size_t i = 0; i < m->n_frames; i++) {
        m->frames[i].name = names[k++];
        for (size_t j = 0; j < m->frames[i].n_vars; j++)
            m->frames[i].vars[j].name = names[k++];
    }
    free(names);
    free(fake);
}

/* gcs_snapshot_map_ptrs visits exactly the pointer fields, each with its
 * kind: mapping a real snapshot gives the bytes of saving with numbers in
 * place of pointers, mapping back gives the real bytes; short or foreign
 * input is GCS_ECORRUPT (never a read past the end), the callback's error
 * stops the walk. */
static void
test_replay__snapshot_pointer_map(void **state)
{
    (void)state;
    script s;
    script_open(&s, 1024);
    program_script(&s, 20000, 11);
    uint8_t *bytes;
    gcs_replay *r = script_replay(&s, 300, &bytes);
    static const uint64_t at[] = {0, 1, 777, 5000, 12345, 20000};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        assert_int_equal(gcs_replay_seek(r, at[i]), 0);
        uint8_t *real, *want, *got = NULL, *back = NULL;
        size_t lr, lw, lg = 0, lb = 0, cg = 0, cb = 0;
        uint64_t pos = 99;
        pnum t;
        memset(&t, 0, sizeof t);
        assert_int_equal(gcs_model_save(gcs_replay_model_(r), &real, &lr), 0);
        gcs_model copy, *m = &copy; /* the replay's model is const: a copy to number */
        long th[3] = {700, 10, 10};
        gcs_model_init(m, 300, th, true, 0);
        assert_int_equal(gcs_model_load(m, real, lr), 0);
        save_numbered(m, &t, &want, &lw);
        assert_int_equal(gcs_snapshot_map_ptrs(real, lr, pnum_map, &t, &got, &cg, &lg, &pos), 0);
        assert_true(pos == at[i]);
        assert_true(lg == lw && memcmp(got, want, lw) == 0);
        /* each kind of field maps exactly the values of that kind */
        uint64_t *wk[4];
        size_t nw[4] = {0};
        for (int k = 0; k < 4; k++) {
            wk[k] = malloc((m->n_objs + m->epool_n + 1024) * sizeof *wk[k]);
            assert_non_null(wk[k]);
        }
        uint64_t objs = 0;
        for (size_t k = 0; k < m->n_objs; k++) {
            const m_obj *o = gcs_model_obj(m, m->order[k]);
            if (o->flags & M_PURGED)
                continue;
            objs++;
            wk[GCS_SNAP_TYPE][nw[GCS_SNAP_TYPE]++] = (uintptr_t)gcs_str_ptr(m, o->type);
            wk[GCS_SNAP_SITE][nw[GCS_SNAP_SITE]++] = (uintptr_t)gcs_str_ptr(m, o->site);
            uint32_t e = o->out;
            for (uint32_t x = 0; x < o->n_out; x++, e = gcs_model_edge(m, e)->on)
                wk[GCS_SNAP_SLOT][nw[GCS_SNAP_SLOT]++] =
                    (uintptr_t)gcs_str_ptr(m, gcs_model_edge(m, e)->slot & ~M_EDUP);
        }
        wk[GCS_SNAP_NAME][nw[GCS_SNAP_NAME]++] = (uintptr_t)m->last_marker;
        for (size_t k = 0; k < m->n_frames; k++) {
            wk[GCS_SNAP_NAME][nw[GCS_SNAP_NAME]++] = (uintptr_t)m->frames[k].name;
            for (size_t x = 0; x < m->frames[k].n_vars; x++)
                wk[GCS_SNAP_NAME][nw[GCS_SNAP_NAME]++] = (uintptr_t)m->frames[k].vars[x].name;
        }
        for (int k = 0; k < 4; k++) {
            assert_set(&t, k, wk[k], nw[k]);
            free(wk[k]);
        }
        if (at[i] >= 5000)
            assert_true(nw[GCS_SNAP_SLOT] > 0 && m->n_frames > 0 && objs > 0);
        t.inverse = 1;
        assert_int_equal(gcs_snapshot_map_ptrs(got, lg, pnum_map, &t, &back, &cb, &lb, &pos), 0);
        assert_true(lb == lr && memcmp(back, real, lr) == 0);
        /* every short copy is refused; so is a snapshot with bytes after it */
        uint8_t *cut = malloc(lr + 1);
        assert_non_null(cut);
        for (size_t n = 0; n < lr; n += n < 64 ? 1 : 1 + n / 16) {
            memcpy(cut, real, n); /* its own block: ASan sees a read past n */
            uint8_t *tight = malloc(n ? n : 1);
            assert_non_null(tight);
            memcpy(tight, real, n);
            t.inverse = 0;
            assert_int_equal(gcs_snapshot_map_ptrs(tight, n, pnum_map, &t, &got, &cg, &lg, &pos),
                             GCS_ECORRUPT);
            free(tight);
        }
        memcpy(cut, real, lr);
        cut[lr] = 0;
        assert_int_equal(gcs_snapshot_map_ptrs(cut, lr + 1, pnum_map, &t, &got, &cg, &lg, &pos),
                         GCS_ECORRUPT);
        cut[0] ^= 1; /* not a snapshot */
        assert_int_equal(gcs_snapshot_map_ptrs(cut, lr, pnum_map, &t, &got, &cg, &lg, &pos),
                         GCS_ECORRUPT);
        free(cut);
        if (objs > 0) { /* the callback's error comes back */
            t.calls = 0;
            t.fail_at = 2;
            assert_int_equal(gcs_snapshot_map_ptrs(real, lr, pnum_map, &t, &got, &cg, &lg, &pos),
                             GCS_EIO);
            t.fail_at = 0;
        }
        gcs_model_fini(m);
        free(real);
        free(want);
        free(got);
        free(back);
    }
    gcs_replay_close(r);
    free(bytes);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay__cycle_collected_step_by_step),
        cmocka_unit_test(test_replay__promotion_freeze_and_untrack),
        cmocka_unit_test(test_replay__promotion_leaves_the_unreachable_behind),
        cmocka_unit_test(test_replay__seek_equals_replay_from_start),
        cmocka_unit_test(test_replay__random_streams_never_break_the_model),
        cmocka_unit_test(test_replay__damaged_trace_replays_its_intact_part),
        cmocka_unit_test(test_replay__open_reports_progress_and_index_is_small),
        cmocka_unit_test(test_replay__stream_mode_matches_indexed_mode),
        cmocka_unit_test(test_replay__seek_equals_replay_on_heavy_churn),
        cmocka_unit_test(test_replay__api_errors_are_codes_not_crashes),
        cmocka_unit_test(test_replay__snapshot_pointer_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
