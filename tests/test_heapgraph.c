/* tests/test_heapgraph.c — the memory layout of the heap graph (issue #8: the
 * graph is a large share of `gcscope leaks` on big traces):
 *   - history entries are 16 bytes: event and op packed, refcount saturated
 *     to 32 bits, out-of-range events and ops refused;
 *   - history arrays are sized exactly: the recorder's export reserves the
 *     entries it adds and finish gives back the room of dropped entries, in
 *     both the ordered and the sorted path, with the same CSR as before;
 *   - a graph made from a trace reserves exactly its nodes and references,
 *     and labels its references lazily, from the replay;
 *   - gcs_hg_big_alloc serves sizes that are not a multiple of a huge page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analysis/adapters.h"
#include "analysis/heapgraph.h"
#include "analysis/hist_rec.h"
#include "gcscope/errors.h"
#include "gcscope/replay.h"

static const gcs_site SITE = {"/src/prog.c", "make", 7};

static gcs_hg *
graph_with_nodes(uint64_t first, uint64_t last)
{
    gcs_hg *g = NULL;
    assert_int_equal(gcs_hg_new(&g), 0);
    for (uint64_t id = first; id <= last; id++)
        assert_int_equal(gcs_hg_add_node(g, id, "N", GCS_KIND_INSTANCE, 1, 32, &SITE, 0, NULL), 0);
    return g;
}

/* {==== Entry layout ====} */

static void
test_heapgraph__hist_entry_is_16_bytes_and_keeps_its_fields(void **state)
{
    (void)state;
    assert_int_equal(sizeof(gcs_hg_hist), 16);
    gcs_hg *g = graph_with_nodes(1, 1);
    const uint64_t big_event = GCS_HG_MAX_EVENT - 1;
    assert_int_equal(gcs_hg_add_hist(g, 1, 3, GCS_HGOP_NEW, 1, &SITE), 0);
    assert_int_equal(gcs_hg_add_hist(g, 1, 4, GCS_HGOP_STORE, (int64_t)1 << 40, &SITE), 0);
    assert_int_equal(gcs_hg_add_hist(g, 1, 5, GCS_HGOP_UNSTORE, -((int64_t)1 << 40), NULL), 0);
    assert_int_equal(gcs_hg_add_hist(g, 1, big_event, GCS_HGOP_DECREF, -3, &SITE), 0);
    assert_int_equal(gcs_hg_finish(g), 0);
    assert_int_equal(g->n_hist, 4);
    const gcs_hg_hist *h = g->hist;
    assert_int_equal(h[0].event, 3);
    assert_int_equal(h[0].op, GCS_HGOP_NEW);
    assert_int_equal(h[0].refcnt, 1);
    assert_int_equal(h[1].op, GCS_HGOP_STORE);
    assert_int_equal(h[1].refcnt, INT32_MAX); /* saturated */
    assert_int_equal(h[2].op, GCS_HGOP_UNSTORE);
    assert_int_equal(h[2].refcnt, INT32_MIN);
    assert_int_equal(h[2].site, 0);
    assert_true(h[3].event == big_event);
    assert_int_equal(h[3].op, GCS_HGOP_DECREF);
    assert_int_equal(h[3].refcnt, -3);
    assert_string_equal(g->sites[h[3].site].func, "make");
    gcs_hg_free(g);
}

static void
test_heapgraph__hist_refuses_events_and_ops_it_cannot_pack(void **state)
{
    (void)state;
    gcs_hg *g = graph_with_nodes(1, 1);
    assert_int_equal(gcs_hg_add_hist(g, 1, GCS_HG_MAX_EVENT, GCS_HGOP_NEW, 1, &SITE), GCS_EINVAL);
    assert_int_equal(gcs_hg_add_hist(g, 1, UINT64_MAX, GCS_HGOP_NEW, 1, &SITE), GCS_EINVAL);
    assert_int_equal(gcs_hg_add_hist(g, 1, 1, (gcs_hg_op)(GCS_HGOP_UNSTORE + 1), 1, &SITE),
                     GCS_EINVAL);
    assert_int_equal(g->n_hist, 0);
    assert_false(g->has_history);
    assert_int_equal(gcs_hg_finish(g), 0);
    assert_null(g->hist_off);
    gcs_hg_free(g);
}

/* {==== Exact sizes ====} */

/* Entries of ids 1..4 in node order, with entries of ids 9 and 0 (not nodes)
 * in between: dropped, and the array shrinks to what is kept. */
static void
test_heapgraph__ordered_history_drops_unknown_ids_and_shrinks(void **state)
{
    (void)state;
    gcs_hg *g = graph_with_nodes(1, 4);
    const uint64_t obj[] = {1, 1, 9, 2, 0, 4, 4, 4};
    const size_t n = sizeof obj / sizeof *obj;
    assert_int_equal(gcs_hg_reserve_hist(g, n), 0);
    assert_int_equal(g->cap_hist, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(gcs_hg_add_hist(g, obj[i], 10 + i, GCS_HGOP_INCREF, 2, &SITE), 0);
    assert_int_equal(g->cap_hist, n); /* exact: never regrown */
    assert_int_equal(gcs_hg_finish(g), 0);
    assert_int_equal(g->n_hist, 6);
    assert_true(g->cap_hist <= g->n_hist + 1);
    const size_t want_off[] = {0, 2, 3, 3, 6};
    for (size_t i = 0; i <= 4; i++)
        assert_int_equal(g->hist_off[i], want_off[i]);
    const uint64_t want_ev[] = {10, 11, 13, 15, 16, 17};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(g->hist[i].event, want_ev[i]);
    gcs_hg_free(g);
}

/* Entries out of node order: the stable counting sort keeps each node's
 * entries in the order added and drops the unknown ids. */
static void
test_heapgraph__unordered_history_is_sorted_stably(void **state)
{
    (void)state;
    gcs_hg *g = graph_with_nodes(1, 3);
    const uint64_t obj[] = {3, 1, 3, 7, 2, 1, 3};
    const size_t n = sizeof obj / sizeof *obj;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(gcs_hg_add_hist(g, obj[i], 100 + i, GCS_HGOP_INCREF, 1, &SITE), 0);
    assert_int_equal(gcs_hg_finish(g), 0);
    assert_int_equal(g->n_hist, 6);
    assert_int_equal(g->cap_hist, g->n_hist + 1);
    const size_t want_off[] = {0, 2, 3, 6};
    for (size_t i = 0; i <= 3; i++)
        assert_int_equal(g->hist_off[i], want_off[i]);
    const uint64_t want_ev[] = {101, 105, 104, 100, 102, 106};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(g->hist[i].event, want_ev[i]);
    gcs_hg_free(g);
}

/* One ALLOC / INCREF / DECREF / FREE event of `obj` (kind picks which). */
static void
feed(gcs_hist_rec *rec, gcs_ev_kind kind, uint64_t obj, int64_t refcnt)
{
    gcs_event ev = {.kind = kind, .site = &SITE};
    if (kind == GCS_EV_ALLOC) {
        ev.u.alloc.obj = obj;
    } else if (kind == GCS_EV_INCREF) {
        ev.u.incref.obj = obj;
        ev.u.incref.refcnt = refcnt;
    } else if (kind == GCS_EV_DECREF) {
        ev.u.decref.obj = obj;
        ev.u.decref.refcnt = refcnt;
    } else {
        assert_int_equal(kind, GCS_EV_FREE);
        ev.u.free.obj = obj;
    }
    gcs_hist_rec_event(rec, &ev);
}

/* The export reserves exactly the entries it adds (the settled pairs left
 * out): 50 objects with increfs left open in varying numbers, balanced
 * pairs, and freed objects, whose history is not exported. */
static void
test_heapgraph__recorder_export_reserves_exactly(void **state)
{
    (void)state;
    gcs_hist_rec *rec = NULL;
    assert_int_equal(gcs_hist_rec_new(&rec), 0);
    for (uint64_t id = 1; id <= 50; id++)
        feed(rec, GCS_EV_ALLOC, id, 1);
    for (int round = 0; round < 40; round++)
        for (uint64_t id = 1; id <= 50; id++) {
            feed(rec, GCS_EV_INCREF, id, 2);
            if ((id + (uint64_t)round) % 3 != 0)
                feed(rec, GCS_EV_DECREF, id, 1);
        }
    for (uint64_t id = 41; id <= 50; id++)
        feed(rec, GCS_EV_FREE, id, 0);
    gcs_hg *g = graph_with_nodes(1, 40);
    assert_int_equal(gcs_hist_rec_export(rec, g), 0);
    gcs_hist_rec_free(rec);
    assert_true(g->n_hist > 40);
    assert_int_equal(g->cap_hist, g->n_hist); /* not a guess: the exact count */
    size_t n_hist = g->n_hist;
    assert_int_equal(gcs_hg_finish(g), 0);
    assert_int_equal(g->n_hist, n_hist); /* every entry names a node */
    assert_int_equal(g->hist_off[40], n_hist);
    gcs_hg_free(g);
}

/* A trace's graph reserves its nodes and references exactly (no regrowth,
 * no slack): the nodes array holds n_nodes, the edge targets n_edges. */
static void
test_heapgraph__graph_from_trace_reserves_exactly(void **state)
{
    (void)state;
    const char *const names[] = {"lesson03_cycle", "lesson11_refleak", "lesson04_instances"};
    for (size_t t = 0; t < sizeof names / sizeof *names; t++) {
        char path[512];
        snprintf(path, sizeof path, "%s/traces/%s.gctrace", GCS_SOURCE_DIR, names[t]);
        gcs_replay *r = NULL;
        if (gcs_replay_open(path, NULL, &r) != 0)
            fail_msg("replay_open %s: %s", path, gcs_replay_open_errmsg());
        gcs_hg *g = NULL;
        uint64_t n = gcs_replay_n_events(r);
        assert_int_equal(gcs_hg_from_replay(r, n / 2, true, &g), 0);
        assert_true(g->n_nodes > 0);
        assert_int_equal(g->cap_nodes, g->n_nodes);
        assert_int_equal(g->edge_off[g->n_nodes], g->n_edges);
        if (g->has_history && g->n_hist > 0)
            assert_true(g->cap_hist <= g->n_hist + 1);
        gcs_hg_free(g);
        gcs_replay_close(r);
    }
}

/* A trace's references are added without slot labels and labelled lazily
 * from the replay: each label equals the replay's slot, also after the
 * replay's cursor moved (the labeller seeks back to the graph's event). */
static void
test_heapgraph__trace_slots_are_labelled_lazily_from_the_replay(void **state)
{
    (void)state;
    const char *const names[] = {"lesson06_generations", "lesson03_cycle", "lesson04_instances"};
    size_t labelled = 0;
    for (size_t t = 0; t < sizeof names / sizeof *names; t++) {
        char path[512];
        snprintf(path, sizeof path, "%s/traces/%s.gctrace", GCS_SOURCE_DIR, names[t]);
        gcs_replay *r = NULL;
        if (gcs_replay_open(path, NULL, &r) != 0)
            fail_msg("replay_open %s: %s", path, gcs_replay_open_errmsg());
        uint64_t pos = gcs_replay_n_events(r) * 2 / 3;
        gcs_hg *g = NULL;
        assert_int_equal(gcs_hg_from_replay(r, pos, false, &g), 0);
        for (size_t e = 0; e < g->n_edges; e++)
            assert_null(g->edge_slot[e]);           /* nothing labelled yet */
        assert_int_equal(gcs_replay_seek(r, 0), 0); /* the cursor moves away */
        for (uint32_t v = 0; v < g->n_nodes; v++)
            assert_int_equal(gcs_hg_label_node(g, v), 0);
        assert_int_equal(gcs_replay_pos(r), pos); /* sought back */
        for (uint32_t v = 0; v < g->n_nodes; v++) {
            gcs_replay_obj o;
            assert_int_equal(gcs_replay_object(r, g->nodes[v].id, &o), 0);
            size_t e = g->edge_off[v];
            for (size_t k = 0; k < o.n_refs_out; k++) {
                gcs_replay_ref ref;
                assert_int_equal(gcs_replay_ref_out(r, o.id, k, &ref), 0);
                if (gcs_hg_find(g, ref.dst) == GCS_HG_NONE)
                    continue; /* not a node: no edge */
                assert_true(e < g->edge_off[v + 1]);
                assert_int_equal(g->edge_dst[e], gcs_hg_find(g, ref.dst));
                if (ref.slot == NULL) {
                    assert_null(g->edge_slot[e]);
                } else {
                    assert_non_null(g->edge_slot[e]);
                    assert_string_equal(g->edge_slot[e], ref.slot);
                    labelled++;
                }
                e++;
            }
            assert_int_equal(e, g->edge_off[v + 1]); /* every edge matched */
        }
        gcs_hg_free(g);
        gcs_replay_close(r);
    }
    assert_true(labelled > 0);
}

/* {==== Big allocations ====} */

static void
test_heapgraph__big_alloc_serves_sizes_off_huge_pages(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 4096, (4u << 20) - 1, (4u << 20) + 1, (5u << 20) + 12345};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        unsigned char *p = gcs_hg_big_alloc(sizes[i]);
        assert_non_null(p);
        if (sizes[i] >= (4u << 20))
            assert_int_equal((uintptr_t)p % (2u << 20), 0);
        memset(p, 0xa5, sizes[i]); /* every byte is ours (ASan checks the bounds) */
        assert_int_equal(p[sizes[i] - 1], 0xa5);
        free(p);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heapgraph__hist_entry_is_16_bytes_and_keeps_its_fields),
        cmocka_unit_test(test_heapgraph__hist_refuses_events_and_ops_it_cannot_pack),
        cmocka_unit_test(test_heapgraph__ordered_history_drops_unknown_ids_and_shrinks),
        cmocka_unit_test(test_heapgraph__unordered_history_is_sorted_stably),
        cmocka_unit_test(test_heapgraph__recorder_export_reserves_exactly),
        cmocka_unit_test(test_heapgraph__graph_from_trace_reserves_exactly),
        cmocka_unit_test(test_heapgraph__trace_slots_are_labelled_lazily_from_the_replay),
        cmocka_unit_test(test_heapgraph__big_alloc_serves_sizes_off_huge_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
