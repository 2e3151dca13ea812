/* tests/test_replay_model.c — the compact replay model (issue #8) driven
 * directly with events, no trace file: edge lists of a million-item-sized
 * list stay in order under removal, with interleaved positional walks; the
 * label arena and the record and edge pools reuse what was freed (memory stays
 * bounded under churn); values too wide for the narrow fields round-trip
 * exactly and leave no side entries behind; duplicate edges behave the same
 * after a keyframe restore; and, on a heavy-churn stream, saving, loading and
 * applying the same events afterwards gives the same bytes as going straight
 * on, with gcs_model_check holding on compacted and uncompacted states. */
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

static void
apply(gcs_model *m, gcs_event ev)
{
    assert_int_equal(gcs_model_apply(m, &ev), 0);
}

static void
check(const gcs_model *m)
{
    char why[200];
    if (gcs_model_check(m, why, sizeof why) != 0)
        fail_msg("model invariant broken at pos %" PRIu64 ": %s", m->pos, why);
}

static void
fresh(gcs_model *m, uint64_t freed_window)
{
    long th[3] = {700, 10, 10};
    gcs_model_init(m, freed_window, th, true, 0);
}

/* Save m, load it into a new model, save again: the bytes must be equal. */
static void
assert_roundtrip(const gcs_model *m)
{
    uint8_t *a, *b;
    size_t la, lb;
    assert_int_equal(gcs_model_save(m, &a, &la), 0);
    gcs_model c;
    fresh(&c, m->freed_window);
    assert_int_equal(gcs_model_load(&c, a, la), 0);
    check(&c);
    assert_int_equal(gcs_model_save(&c, &b, &lb), 0);
    assert_true(la == lb && memcmp(a, b, la) == 0);
    free(a);
    free(b);
    gcs_model_fini(&c);
}

/* The k-th out (dir 0) or in (dir 1) edge's other end, by id. */
static uint64_t
edge_other(gcs_model *m, uint64_t id, int dir, uint32_t k)
{
    uint32_t h = gcs_model_find(m, id);
    assert_true(h != M_NIL);
    uint32_t e = gcs_edges_at(m, h, dir, k);
    assert_true(e != M_NIL);
    const m_edge *x = gcs_model_edge(m, e);
    return gcs_model_obj(m, dir ? x->src : x->dst)->id;
}

static const char *const slots[] = {"[0]", "[1]", ".x", ".y", ".next", "{'k'}"};

/* A list of 200,000 items: removing every third item keeps the others in
 * order (out list) and each target's in list right; positional walks of two
 * lists interleaved stay O(1) per step (the test would take minutes if each
 * step walked from the head). */
static void
test_replay_model__edge_removal_in_a_big_list(void **state)
{
    (void)state;
    enum { N = 200000 };
    static char names[N][12];
    gcs_model m;
    fresh(&m, 10);
    apply(&m, EV(ALLOC, alloc, 1, "list", GCS_KIND_LIST, 56));
    apply(&m, EV(ALLOC, alloc, 2, "list", GCS_KIND_LIST, 56));
    for (uint64_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "[%u]", (unsigned)i);
        apply(&m, EV(ALLOC, alloc, 10 + i, "int", GCS_KIND_INT, 28));
        apply(&m, EV(REF_SET, ref_set, 1, names[i], 10 + i, 0));
        apply(&m, EV(REF_SET, ref_set, 2, names[i], 10 + i, 0));
    }
    for (uint64_t i = 0; i < N; i += 3)
        apply(&m, EV(REF_DEL, ref_del, 1, names[i], 10 + i));
    check(&m);
    uint32_t h1 = gcs_model_find(&m, 1);
    assert_int_equal(gcs_model_obj(&m, h1)->n_out, N - (N + 2) / 3);
    /* interleaved walks: list 1 forward, list 2 backward */
    uint32_t k = 0;
    for (uint64_t i = 0; i < N; i++) {
        if (i % 3 != 0) {
            assert_true(edge_other(&m, 1, 0, k) == 10 + i);
            k++;
        }
        assert_true(edge_other(&m, 2, 0, (uint32_t)(N - 1 - i)) == 10 + (N - 1 - i));
    }
    /* in lists: item i is held by list 2 only when list 1 let go */
    for (uint64_t i = 0; i < 30; i++) {
        uint32_t h = gcs_model_find(&m, 10 + i);
        assert_int_equal(gcs_model_obj(&m, h)->n_in, i % 3 == 0 ? 1 : 2);
        assert_true(edge_other(&m, 10 + i, 1, 0) == (i % 3 == 0 ? 2u : 1u));
    }
    /* replacing in place keeps the slot's position */
    apply(&m, EV(REF_SET, ref_set, 1, names[1], 10 + 5, 10 + 1));
    assert_true(edge_other(&m, 1, 0, 0) == 10 + 5);
    assert_true(edge_other(&m, 1, 0, 1) == 10 + 2);
    check(&m);
    assert_roundtrip(&m);
    /* dropping the whole list frees its edge nodes for reuse */
    uint32_t nodes = m.epool_n;
    apply(&m, EV(FREE, free, 1));
    for (uint64_t i = 0; i < N / 2; i++)
        apply(&m, EV(REF_SET, ref_set, 2, ".x", 10 + i, 0));
    assert_int_equal(m.epool_n, nodes);
    check(&m);
    gcs_model_fini(&m);
}

/* Churn: a million short-lived labelled temporaries, each pointing at a
 * long-lived object. Records, edge nodes and label units are reused, so the
 * pools stay at the size of what lives at once (plus the freed window). */
static void
test_replay_model__pools_and_label_arena_reuse_freed_space(void **state)
{
    (void)state;
    gcs_model m;
    fresh(&m, 200);
    apply(&m, EV(ALLOC, alloc, 1, "dict", GCS_KIND_DICT, 64));
    char text[64];
    tt_rng rng = {3};
    for (uint64_t t = 2; t < 400000; t++) {
        size_t len = (size_t)tt_below(&rng, 40);
        memset(text, 'a' + (int)(t % 26), len);
        text[len] = 0;
        apply(&m, EV(ALLOC, alloc, t, "tuple", GCS_KIND_TUPLE, 48));
        apply(&m, EV(LABEL, label, t, text));
        apply(&m, EV(REF_SET, ref_set, t, "[0]", 1, 0));
        if (t % 1000 == 0) {
            uint32_t h = gcs_model_find(&m, t);
            assert_string_equal(gcs_label_text(&m, gcs_model_obj(&m, h)->label), text);
            check(&m);
        }
        apply(&m, EV(REF_DEL, ref_del, t, "[0]", 1));
        apply(&m, EV(FREE, free, t));
    }
    check(&m);
    /* ~200 events of freed window / 5 events per temporary = ~40 lingering */
    assert_true(m.pool_n < 2 * M_BLOCK);
    assert_true(m.epool_n <= 2);
    assert_true(m.lab.cap <= 4096); /* units: 32 KiB, whatever the churn */
    assert_int_equal(gcs_model_compact(&m), 0);
    check(&m);
    assert_int_equal(m.n_holes, 0);
    assert_roundtrip(&m);
    gcs_model_fini(&m);
}

/* Values that do not fit the narrow fields go to the side table and come back
 * exactly; narrowing them again leaves no side entry behind. */
static void
test_replay_model__wide_values_round_trip(void **state)
{
    (void)state;
    gcs_model m;
    fresh(&m, 10);
    m.pos = (uint64_t)UINT32_MAX + 7; /* event indices past 2^32 */
    apply(&m, EV(ALLOC, alloc, 5, "big", 300, (uint64_t)1 << 40));
    apply(&m, EV(INCREF, incref, 5, (int64_t)1 << 35));
    apply(&m, EV(GC_BEGIN, gc_begin, 2, 1, 0, 0, 0));
    apply(&m, EV(GC_REFS, gc_refs, 5, -((int64_t)1 << 33)));
    uint32_t h = gcs_model_find(&m, 5);
    assert_true(gcs_obj_u(&m, h, W_KIND) == 300);
    assert_true(gcs_obj_u(&m, h, W_SIZE) == (uint64_t)1 << 40);
    assert_true(gcs_obj_u(&m, h, W_ALLOC_EV) == (uint64_t)UINT32_MAX + 7);
    assert_true(gcs_obj_i(&m, h, W_REFCNT) == (int64_t)1 << 35);
    assert_true(gcs_obj_i(&m, h, W_GC_REFS) == -((int64_t)1 << 33));
    assert_true(gcs_obj_u(&m, h, W_FREE_EV) == UINT64_MAX);
    assert_int_equal(m.w_n, 5);
    check(&m);
    assert_roundtrip(&m);
    apply(&m, EV(DECREF, decref, 5, INT32_MIN)); /* the sentinel value itself */
    assert_true(gcs_obj_i(&m, h, W_REFCNT) == INT32_MIN);
    apply(&m, EV(DECREF, decref, 5, 3));
    apply(&m, EV(GC_END, gc_end, 2, 0, 0, 1));
    assert_true(gcs_obj_i(&m, h, W_REFCNT) == 3 && gcs_obj_i(&m, h, W_GC_REFS) == 0);
    assert_int_equal(m.w_n, 3); /* kind, size, alloc_ev */
    apply(&m, EV(FREE, free, 5));
    assert_true(gcs_obj_u(&m, h, W_FREE_EV) == (uint64_t)UINT32_MAX + 7 + 7);
    assert_int_equal(m.w_n, 4);
    check(&m);
    assert_roundtrip(&m);
    for (int i = 0; i < 12; i++) /* past the freed window: purged */
        apply(&m, EV(MARKER, marker, "tick"));
    assert_true(gcs_model_find(&m, 5) == M_NIL);
    assert_int_equal(m.w_n, 0);
    check(&m);
    gcs_model_fini(&m);
}

/* Odd traces: the same (src, slot, dst) twice. A removal takes the first in
 * the source's out list, before and after a keyframe restore. */
static void
test_replay_model__duplicate_edges_remove_the_first_in_order(void **state)
{
    (void)state;
    gcs_model m, c;
    fresh(&m, 10);
    for (uint64_t id = 1; id <= 3; id++)
        apply(&m, EV(ALLOC, alloc, id, "Node", GCS_KIND_INSTANCE, 48));
    apply(&m, EV(REF_SET, ref_set, 1, ".x", 2, 0));
    apply(&m, EV(REF_SET, ref_set, 1, ".y", 3, 0));
    apply(&m, EV(REF_SET, ref_set, 1, ".x", 2, 0));
    apply(&m, EV(REF_SET, ref_set, 3, ".x", 2, 0));
    check(&m);
    uint8_t *snap;
    size_t len;
    assert_int_equal(gcs_model_save(&m, &snap, &len), 0);
    fresh(&c, 10);
    assert_int_equal(gcs_model_load(&c, snap, len), 0);
    free(snap);
    gcs_model *both[2] = {&m, &c};
    for (int i = 0; i < 2; i++) {
        gcs_model *x = both[i];
        apply(x, EV(REF_DEL, ref_del, 1, ".x", 2));
        check(x);
        assert_true(edge_other(x, 1, 0, 0) == 3 && edge_other(x, 1, 0, 1) == 2);
        /* 2's referrers: the remaining duplicate (made 2nd... now 1st), then 3 */
        assert_true(edge_other(x, 2, 1, 0) == 1 && edge_other(x, 2, 1, 1) == 3);
    }
    uint8_t *a, *b;
    size_t la, lb;
    assert_int_equal(gcs_model_save(&m, &a, &la), 0);
    assert_int_equal(gcs_model_save(&c, &b, &lb), 0);
    assert_true(la == lb && memcmp(a, b, la) == 0);
    free(a);
    free(b);
    gcs_model_fini(&m);
    gcs_model_fini(&c);
    /* the first in out order is not the first found by the hash: 1.x was
     * replaced in place (re-hashed after the later 1.x -> 3) */
    fresh(&m, 10);
    for (uint64_t id = 1; id <= 4; id++)
        apply(&m, EV(ALLOC, alloc, id, "Node", GCS_KIND_INSTANCE, 48));
    apply(&m, EV(REF_SET, ref_set, 1, ".x", 2, 0));
    apply(&m, EV(REF_SET, ref_set, 1, ".y", 4, 0));
    apply(&m, EV(REF_SET, ref_set, 1, ".x", 3, 0));
    apply(&m, EV(REF_SET, ref_set, 1, ".x", 3, 2)); /* first .x: 2 -> 3, in place */
    assert_true(edge_other(&m, 1, 0, 0) == 3 && edge_other(&m, 1, 0, 2) == 3);
    check(&m);
    apply(&m, EV(REF_DEL, ref_del, 1, ".x", 3));
    check(&m);
    assert_true(edge_other(&m, 1, 0, 0) == 4 && edge_other(&m, 1, 0, 1) == 3);
    gcs_model_fini(&m);
}

/* A heavy-churn random stream: ids reused and out of order (placeholders),
 * labels, edges made, replaced and dropped, passes, frees. At random points the
 * state is saved and loaded into a second model; both then take the same
 * events and must end with the same bytes (the keyframe restore is exact,
 * whatever handles, string ids and pool slots each model ended up with). */
static gcs_event
churn_event(tt_rng *g, uint64_t *next)
{
    static char text[4][32];
    uint64_t r = tt_below(g, 100), id = 1 + tt_below(g, 400), other = 1 + tt_below(g, 400);
    const char *slot = slots[tt_below(g, 6)];
    if (r < 12) {
        uint64_t fresh_id = tt_below(g, 4) == 0 ? id : (*next)++;
        return EV(ALLOC, alloc, fresh_id, r & 1 ? "list" : "Node", GCS_KIND_LIST, 40 + r);
    }
    if (r < 20)
        return EV(FREE, free, id);
    if (r < 38)
        return EV(REF_SET, ref_set, id, slot, other, tt_below(g, 2) ? 1 + tt_below(g, 400) : 0);
    if (r < 50)
        return EV(REF_DEL, ref_del, id, slot, other);
    if (r < 60)
        return EV(INCREF, incref, id, (int64_t)tt_below(g, 5));
    if (r < 66) {
        char *t = text[tt_below(g, 4)];
        snprintf(t, sizeof text[0], "obj %" PRIu64 "%.*s", id, (int)tt_below(g, 12), "..........");
        return EV(LABEL, label, id, t);
    }
    if (r < 72)
        return EV(TRACK, track, id);
    if (r < 75)
        return EV(GC_BEGIN, gc_begin, tt_below(g, 3), 0, 1, 2, 3);
    if (r < 80)
        return EV(GC_REFS, gc_refs, id, (int64_t)tt_below(g, 3));
    if (r < 84)
        return EV(GC_STATE, gc_state, id, tt_below(g, 3));
    if (r < 86)
        return EV(GC_PROMOTE, gc_promote, 0, 1, 0);
    if (r < 88)
        return EV(GC_END, gc_end, tt_below(g, 3), 1, 0, 5);
    if (r < 90)
        return EV(GC_GARBAGE, gc_garbage, id);
    if (r < 92)
        return EV(WEAKREF_NEW, weakref_new, id, other, 0);
    if (r < 94)
        return EV(INCREF, incref, id, (int64_t)1 << 40);
    return EV(DECREF, decref, id, 0);
}

static void
test_replay_model__restore_then_replay_equals_straight_replay(void **state)
{
    (void)state;
    tt_rng pick = {77};
    for (int round = 0; round < 6; round++) {
        gcs_model a, b;
        fresh(&a, 30 + (uint64_t)round * 40);
        tt_rng g = {1000 + (uint64_t)round};
        uint64_t next = 1000, cut = 2000 + tt_below(&pick, 30000), end = cut + 20000;
        for (uint64_t i = 0; i < cut; i++) {
            gcs_event ev = churn_event(&g, &next);
            assert_int_equal(gcs_model_apply(&a, &ev), 0);
            if (i % 4999 == 0)
                check(&a); /* uncompacted: holes allowed */
        }
        if (round & 1)
            assert_int_equal(gcs_model_compact(&a), 0);
        check(&a);
        uint8_t *snap;
        size_t len;
        assert_int_equal(gcs_model_save(&a, &snap, &len), 0);
        fresh(&b, a.freed_window);
        assert_int_equal(gcs_model_load(&b, snap, len), 0);
        free(snap);
        check(&b);
        for (uint64_t i = cut; i < end; i++) {
            gcs_event ev = churn_event(&g, &next);
            assert_int_equal(gcs_model_apply(&a, &ev), 0);
            assert_int_equal(gcs_model_apply(&b, &ev), 0);
        }
        check(&a);
        check(&b);
        uint8_t *x, *y;
        size_t lx, ly;
        assert_int_equal(gcs_model_save(&a, &x, &lx), 0);
        assert_int_equal(gcs_model_save(&b, &y, &ly), 0);
        if (lx != ly || memcmp(x, y, lx) != 0)
            fail_msg("round %d: restored model differs from the straight one after %" PRIu64
                     " more events",
                     round, end - cut);
        free(x);
        free(y);
        gcs_model_fini(&a);
        gcs_model_fini(&b);
    }
}

/* Regression: an id freed, purged (a hole in the id order until the next
 * compaction) and allocated again sits next to its hole; gcs_model_check used
 * to call that order unsorted. */
static void
test_replay_model__id_reused_after_purge(void **state)
{
    (void)state;
    gcs_model m;
    fresh(&m, 2);
    apply(&m, EV(ALLOC, alloc, 1, "Node", GCS_KIND_INSTANCE, 48));
    apply(&m, EV(ALLOC, alloc, 5, "Node", GCS_KIND_INSTANCE, 48));
    apply(&m, EV(FREE, free, 5));
    for (int i = 0; i < 4; i++)
        apply(&m, EV(MARKER, marker, "tick"));
    assert_true(gcs_model_find(&m, 5) == M_NIL);
    assert_int_equal(m.n_holes, 1);
    apply(&m, EV(ALLOC, alloc, 5, "list", GCS_KIND_LIST, 56)); /* after its hole */
    check(&m);
    apply(&m, EV(ALLOC, alloc, 3, "dict", GCS_KIND_DICT, 64)); /* before it */
    apply(&m, EV(REF_SET, ref_set, 3, ".x", 5, 0));
    check(&m);
    assert_roundtrip(&m);
    assert_int_equal(gcs_model_compact(&m), 0);
    check(&m);
    assert_int_equal(m.n_objs, 3);
    const uint64_t want[] = {1, 3, 5};
    for (size_t i = 0; i < 3; i++)
        assert_true(gcs_model_obj(&m, m.order[i])->id == want[i]);
    assert_true(edge_other(&m, 5, 1, 0) == 3);
    gcs_model_fini(&m);
}

/* The lookup cache keeps record addresses and handles (one entry per id &
 * 255): ids freed, purged, compacted away and allocated again (in reused
 * slots) must be found exactly, never through a stale entry; purge holes stay
 * bounded (at most max(M_COMPACT_MIN, 1/16 of the objects) between passes). */
static void
test_replay_model__lookup_cache_survives_purge_and_slot_reuse(void **state)
{
    (void)state;
    enum { IDS = 64, ROUNDS = 300 };
    gcs_model m;
    fresh(&m, 3);
    tt_rng g = {99};
    int64_t want[IDS];
    for (int round = 0; round < ROUNDS; round++) {
        for (uint64_t k = 0; k < IDS; k++) { /* one cache entry each */
            uint64_t id = 1 + k + 256 * (k % 3);
            want[k] = 2 + (int64_t)tt_below(&g, 1000);
            apply(&m, EV(ALLOC, alloc, id, "Node", GCS_KIND_INSTANCE, 48));
            apply(&m, EV(INCREF, incref, id, want[k]));
            if (k > 0)
                apply(&m, EV(REF_SET, ref_set, id, ".prev", k + 256 * ((k - 1) % 3), 0));
        }
        for (uint64_t k = 0; k < IDS; k++) {
            uint64_t id = 1 + k + 256 * (k % 3);
            uint32_t h = gcs_model_find(&m, id);
            assert_true(h != M_NIL);
            assert_true(gcs_obj_i(&m, h, W_REFCNT) == want[k]);
            assert_int_equal(gcs_model_obj(&m, h)->n_out, k > 0);
        }
        if (round % 50 == 0)
            check(&m);
        for (uint64_t k = 0; k < IDS; k++) /* freed, then purged 3 events later */
            apply(&m, EV(FREE, free, 1 + k + 256 * (k % 3)));
        for (int i = 0; i < 4; i++)
            apply(&m, EV(MARKER, marker, "tick"));
        assert_true(m.n_holes <= M_COMPACT_MIN || m.n_holes * 16 <= m.n_objs);
        assert_true(gcs_model_find(&m, 1) == M_NIL);
    }
    assert_true(m.pool_n < 2 * M_COMPACT_MIN); /* slots reused after compactions */
    check(&m);
    assert_roundtrip(&m);
    gcs_model_fini(&m);
}

/* A damaged keyframe is refused and leaves an empty, consistent model. */
static void
test_replay_model__bad_snapshot_is_refused(void **state)
{
    (void)state;
    gcs_model m;
    fresh(&m, 10);
    for (uint64_t id = 1; id <= 50; id++) {
        apply(&m, EV(ALLOC, alloc, id, "Node", GCS_KIND_INSTANCE, 48));
        if (id > 1)
            apply(&m, EV(REF_SET, ref_set, id - 1, ".next", id, 0));
    }
    uint8_t *snap;
    size_t len;
    assert_int_equal(gcs_model_save(&m, &snap, &len), 0);
    gcs_model c;
    fresh(&c, 10);
    for (size_t cut = 0; cut < len; cut += 7) {
        int rc = gcs_model_load(&c, snap, cut);
        assert_true(rc == GCS_ECORRUPT);
        check(&c);
        assert_int_equal(c.n_objs, 0);
    }
    assert_int_equal(gcs_model_load(&c, snap, len), 0);
    check(&c);
    free(snap);
    gcs_model_fini(&c);
    gcs_model_fini(&m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_model__edge_removal_in_a_big_list),
        cmocka_unit_test(test_replay_model__pools_and_label_arena_reuse_freed_space),
        cmocka_unit_test(test_replay_model__wide_values_round_trip),
        cmocka_unit_test(test_replay_model__duplicate_edges_remove_the_first_in_order),
        cmocka_unit_test(test_replay_model__restore_then_replay_equals_straight_replay),
        cmocka_unit_test(test_replay_model__id_reused_after_purge),
        cmocka_unit_test(test_replay_model__bad_snapshot_is_refused),
        cmocka_unit_test(test_replay_model__lookup_cache_survives_purge_and_slot_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
