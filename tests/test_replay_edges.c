/* tests/test_replay_edges.c — the replay model's references against a naive
 * reference model. Random streams of REF_SET (added, replaced in place,
 * removed then added), REF_DEL, FREE and ALLOC (an id freed and allocated
 * again) on few objects and fewer slots, so the same (src, slot) holds several
 * edges, the same (src, slot, dst) repeats, and the edge hash has long
 * clusters, grows and shrinks. After every event each object's out list
 * (targets and slots in order) and in list (sources in order) must equal the
 * reference's, and gcs_model_check must hold; a keyframe saved and loaded at
 * random points must go on exactly like the straight model. */
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
#include "replay/model.h"
#include "test_trace_util.h"

#define EV(KIND, member, ...)                                                                      \
    (gcs_event)                                                                                    \
    {                                                                                              \
        .kind = GCS_EV_##KIND, .u.member = { __VA_ARGS__ }                                         \
    }

/* {==== The reference: a flat array of edges with sequence numbers ====} */

enum { REF_MAX_IDS = 700, REF_MAX_EDGES = 1 << 14 };

typedef struct ref_edge {
    uint64_t src, dst;
    const char *slot;
    uint64_t oseq, iseq; /* place in src's out list / dst's in list */
} ref_edge;

typedef struct ref_model {
    ref_edge e[REF_MAX_EDGES];
    size_t n;
    uint64_t seq;
    bool alive[REF_MAX_IDS + 1];
} ref_model;

/* Index of the first (s, slot, d) edge in s's out order, or SIZE_MAX. */
static size_t
ref_find(const ref_model *r, uint64_t s, const char *slot, uint64_t d)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < r->n; i++) {
        const ref_edge *x = &r->e[i];
        if (x->src == s && x->slot == slot && x->dst == d &&
            (best == SIZE_MAX || x->oseq < r->e[best].oseq))
            best = i;
    }
    return best;
}

static void
ref_remove_at(ref_model *r, size_t i)
{
    r->e[i] = r->e[--r->n];
}

static void
ref_add(ref_model *r, uint64_t s, const char *slot, uint64_t d)
{
    assert_true(r->n < REF_MAX_EDGES);
    r->seq++;
    r->e[r->n++] = (ref_edge){s, d, slot, r->seq, r->seq};
}

static void
ref_drop_all(ref_model *r, uint64_t id)
{
    for (size_t i = r->n; i-- > 0;)
        if (r->e[i].src == id || r->e[i].dst == id)
            ref_remove_at(r, i);
}

/* The model's meaning of each event, for alive objects only (the streams
 * below never name a freed object in a reference event). */
static void
ref_apply(ref_model *r, const gcs_event *ev)
{
    size_t i;
    if (ev->kind == GCS_EV_REF_SET) {
        const gcs_ev_ref_set *a = &ev->u.ref_set;
        if (a->old && a->dst && (i = ref_find(r, a->src, a->slot, a->old)) != SIZE_MAX) {
            r->e[i].dst = a->dst; /* in place: same out position, last in dst's in list */
            r->e[i].iseq = ++r->seq;
            return;
        }
        if (a->old && (i = ref_find(r, a->src, a->slot, a->old)) != SIZE_MAX)
            ref_remove_at(r, i);
        if (a->dst && a->src)
            ref_add(r, a->src, a->slot, a->dst);
    } else if (ev->kind == GCS_EV_REF_DEL) {
        if ((i = ref_find(r, ev->u.ref_del.src, ev->u.ref_del.slot, ev->u.ref_del.old)) != SIZE_MAX)
            ref_remove_at(r, i);
    } else if (ev->kind == GCS_EV_FREE) {
        ref_drop_all(r, ev->u.free.obj);
        r->alive[ev->u.free.obj] = false;
    } else if (ev->kind == GCS_EV_ALLOC) {
        ref_drop_all(r, ev->u.alloc.obj);
        r->alive[ev->u.alloc.obj] = true;
    } else {
        fail_msg("unexpected event kind %d", (int)ev->kind);
    }
}

/* {==== Comparison ====} */

static int
by_oseq(const void *a, const void *b)
{
    const ref_edge *x = a, *y = b;
    return x->oseq < y->oseq ? -1 : x->oseq > y->oseq;
}

static int
by_iseq(const void *a, const void *b)
{
    const ref_edge *x = a, *y = b;
    return x->iseq < y->iseq ? -1 : x->iseq > y->iseq;
}

/* Object id's out (dir 0) or in (dir 1) list in the model equals the
 * reference's: same length, same other ends and slots in the same order. */
static void
compare_list(const gcs_model *m, const ref_model *r, uint64_t id, int dir, uint64_t step)
{
    static ref_edge want[REF_MAX_EDGES];
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        if ((dir ? r->e[i].dst : r->e[i].src) == id)
            want[n++] = r->e[i];
    qsort(want, n, sizeof *want, dir ? by_iseq : by_oseq);
    uint32_t h = gcs_model_find(m, id);
    if (h == M_NIL) {
        if (n != 0)
            fail_msg("step %" PRIu64 ": object %" PRIu64 " missing, %zu edges expected", step, id,
                     n);
        return;
    }
    const m_obj *o = gcs_model_obj(m, h);
    uint32_t got = dir ? o->n_in : o->n_out, e = dir ? o->in : o->out;
    if (got != n)
        fail_msg("step %" PRIu64 ": object %" PRIu64 " has %u %s-edges, expected %zu", step, id,
                 got, dir ? "in" : "out", n);
    for (size_t k = 0; k < n; k++) {
        const m_edge *x = gcs_model_edge(m, e);
        uint64_t other = gcs_model_obj(m, dir ? x->src : x->dst)->id;
        const char *slot = gcs_str_ptr(m, x->slot & ~M_EDUP);
        if (other != (dir ? want[k].src : want[k].dst) || slot != want[k].slot)
            fail_msg("step %" PRIu64 ": object %" PRIu64 " %s-edge %zu is %" PRIu64
                     " %s, expected %" PRIu64 " %s",
                     step, id, dir ? "in" : "out", k, other, slot, dir ? want[k].src : want[k].dst,
                     want[k].slot);
        e = dir ? x->in : x->on;
    }
}

static void
compare(const gcs_model *m, const ref_model *r, uint64_t n_ids, uint64_t step)
{
    char why[200];
    if (gcs_model_check(m, why, sizeof why) != 0)
        fail_msg("step %" PRIu64 ": model invariant broken: %s", step, why);
    size_t total = 0;
    for (uint64_t id = 1; id <= n_ids; id++) {
        compare_list(m, r, id, 0, step);
        compare_list(m, r, id, 1, step);
        uint32_t h = gcs_model_find(m, id);
        if (h != M_NIL)
            total += gcs_model_obj(m, h)->n_out;
    }
    assert_int_equal(total, r->n);
    assert_int_equal(m->eh_n, r->n);
}

/* {==== Streams ====} */

static const char *const few_slots[] = {"[0]", "[1]", ".x"};

static uint64_t
pick_alive(tt_rng *g, const ref_model *r, uint64_t n_ids)
{
    for (;;) {
        uint64_t id = 1 + tt_below(g, n_ids);
        if (r->alive[id])
            return id;
    }
}

/* One event; `grow` favours adding edges (the hash grows), else removing. */
static gcs_event
stream_event(tt_rng *g, const ref_model *r, uint64_t n_ids, unsigned n_slots, bool grow)
{
    uint64_t k = tt_below(g, 100);
    const char *slot = few_slots[tt_below(g, n_slots)];
    uint64_t s = pick_alive(g, r, n_ids), d = pick_alive(g, r, n_ids);
    if (k < 2) {
        uint64_t id = 1 + tt_below(g, n_ids);
        if (r->alive[id])
            return tt_below(g, 2) ? EV(FREE, free, id)
                                  : EV(ALLOC, alloc, id, "Node", GCS_KIND_INSTANCE, 48);
        return EV(ALLOC, alloc, id, "Node", GCS_KIND_INSTANCE, 48);
    }
    /* an existing edge as the old target (a replace or a removal that hits) */
    uint64_t old = 0;
    if (r->n && tt_below(g, 4) != 0) {
        const ref_edge *x = &r->e[tt_below(g, r->n)];
        s = x->src;
        slot = x->slot;
        old = x->dst;
    } else if (tt_below(g, 2)) {
        old = pick_alive(g, r, n_ids); /* most likely a miss */
    }
    unsigned add = grow ? 45 : 20, replace = grow ? 75 : 60;
    if (k < add)
        return EV(REF_SET, ref_set, s, slot, d, 0);
    if (k < replace)
        return EV(REF_SET, ref_set, s, slot, d, old ? old : d);
    if (k < 80 && old)
        return EV(REF_SET, ref_set, s, slot, 0, old);
    return EV(REF_DEL, ref_del, s, slot, old ? old : d);
}

static void
run_stream(uint64_t seed, uint64_t n_ids, unsigned n_slots, uint64_t n_events, uint64_t window)
{
    static ref_model r;
    memset(&r, 0, sizeof r);
    gcs_model m, c;
    long th[3] = {700, 10, 10};
    gcs_model_init(&m, window, th, true, 0);
    for (uint64_t id = 1; id <= n_ids; id++) {
        gcs_event ev = EV(ALLOC, alloc, id, "Node", GCS_KIND_INSTANCE, 48);
        assert_int_equal(gcs_model_apply(&m, &ev), 0);
        ref_apply(&r, &ev);
    }
    tt_rng g = {seed};
    bool restored = false;
    for (uint64_t i = 0; i < n_events; i++) {
        bool grow = (i / 3000) % 2 == 0;
        gcs_event ev = stream_event(&g, &r, n_ids, n_slots, grow);
        assert_int_equal(gcs_model_apply(&m, &ev), 0);
        if (restored)
            assert_int_equal(gcs_model_apply(&c, &ev), 0);
        ref_apply(&r, &ev);
        if (n_ids <= 64 || i % 97 == 0) {
            compare(&m, &r, n_ids, i);
            if (restored)
                compare(&c, &r, n_ids, i);
        }
        if (!restored && tt_below(&g, 4000) == 0) { /* a keyframe, then both go on */
            uint8_t *snap;
            size_t len;
            assert_int_equal(gcs_model_save(&m, &snap, &len), 0);
            gcs_model_init(&c, window, th, true, 0);
            assert_int_equal(gcs_model_load(&c, snap, len), 0);
            free(snap);
            compare(&c, &r, n_ids, i);
            restored = true;
        }
    }
    compare(&m, &r, n_ids, n_events);
    if (restored) {
        uint8_t *a, *b;
        size_t la, lb;
        assert_int_equal(gcs_model_save(&m, &a, &la), 0);
        assert_int_equal(gcs_model_save(&c, &b, &lb), 0);
        assert_true(la == lb && memcmp(a, b, la) == 0);
        free(a);
        free(b);
        gcs_model_fini(&c);
    }
    gcs_model_fini(&m);
}

/* 24 objects, 3 slots: every (src, slot) holds several edges at once, many
 * (src, slot, dst) repeat; ~1,000 edges, so the hash grows past 1,024. */
static void
test_replay_edges__dense_duplicates_match_the_reference(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++)
        run_stream(seed * 7919, 24, 3, 14000, 5);
}

/* 600 objects, 2 slots: mostly one edge per (src, slot), long probe clusters
 * of distinct keys, removals from the middle of clusters. */
static void
test_replay_edges__sparse_keys_match_the_reference(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 2; seed++)
        run_stream(seed * 104729, 600, 2, 30000, 3);
}

/* Add, remove and re-add on the same slot: a twin (same src, slot and dst)
 * is removed first-in-order; once only one edge of a key is left it is no
 * longer flagged as a duplicate (gcs_model_check holds the flags exact). */
static void
test_replay_edges__remove_and_readd_same_slot(void **state)
{
    (void)state;
    static ref_model r;
    memset(&r, 0, sizeof r);
    gcs_model m;
    long th[3] = {700, 10, 10};
    gcs_model_init(&m, 4, th, true, 0);
    gcs_event evs[] = {
        EV(ALLOC, alloc, 1, "list", GCS_KIND_LIST, 56),
        EV(ALLOC, alloc, 2, "int", GCS_KIND_INT, 28),
        EV(ALLOC, alloc, 3, "int", GCS_KIND_INT, 28),
        EV(REF_SET, ref_set, 1, "[0]", 2, 0),
        EV(REF_SET, ref_set, 1, "[0]", 3, 0), /* (1, [0]) holds 2 and 3 */
        EV(REF_SET, ref_set, 1, "[0]", 2, 0), /* and 2 twice */
        EV(REF_DEL, ref_del, 1, "[0]", 2),    /* the first 2 */
        EV(REF_SET, ref_set, 1, "[0]", 3, 2), /* the second 2 -> 3: two 3s */
        EV(REF_DEL, ref_del, 1, "[0]", 3),
        EV(REF_DEL, ref_del, 1, "[0]", 3), /* (1, [0]) empty */
        EV(REF_DEL, ref_del, 1, "[0]", 3), /* a miss */
        EV(REF_SET, ref_set, 1, "[0]", 2, 0),
        EV(REF_SET, ref_set, 1, "[0]", 3, 2),
        EV(REF_SET, ref_set, 1, "[1]", 3, 0),
        EV(FREE, free, 3), /* drops (1,[0],3) and (1,[1],3) */
        EV(REF_SET, ref_set, 1, "[0]", 2, 0),
        EV(REF_SET, ref_set, 1, "[0]", 2, 0),
        EV(REF_DEL, ref_del, 1, "[0]", 2),
    };
    for (size_t i = 0; i < sizeof evs / sizeof *evs; i++) {
        assert_int_equal(gcs_model_apply(&m, &evs[i]), 0);
        ref_apply(&r, &evs[i]);
        compare(&m, &r, 3, i);
    }
    uint32_t h = gcs_model_find(&m, 1);
    assert_int_equal(gcs_model_obj(&m, h)->n_out, 1);
    /* one edge left of (1, [0], 2): not flagged as a duplicate any more */
    const m_edge *x = gcs_model_edge(&m, gcs_model_obj(&m, h)->out);
    assert_true((x->slot & M_EDUP) == 0);
    gcs_model_fini(&m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_edges__dense_duplicates_match_the_reference),
        cmocka_unit_test(test_replay_edges__sparse_keys_match_the_reference),
        cmocka_unit_test(test_replay_edges__remove_and_readd_same_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
