/* tests/test_leak_snapshot.c — the cheap paths of the leak analysis give the
 * same graph and the same report as the plain ones:
 *   - the live-heap snapshot adds references without slot labels and labels
 *     them lazily for the report: every label equals gcs_obj_foreach_ref's,
 *     and the in-process report's paths name them;
 *   - the graph builder's direct mode (nodes in id order, each followed by its
 *     references) builds the same CSR as the pending-list mode;
 *   - the history recorder exports only the entries still unpaired (memory of
 *     `gcscope leaks` on big traces), and from_replay_take frees it.
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
#include "analysis/leak_int.h"
#include "gcscope/leaks.h"
#include "gcscope/runtime.h"

/* {==== A small heap with every kind of labelled reference ====} */

static gcs_heap *
small_heap(void)
{
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.gc_enabled = false;
    cfg.no_env = true;
    gcs_heap *h;
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    gcs_class_def def = {.name = "Node", .dynamic_attrs = true};
    gcs_obj *cls, *lst, *a, *b, *d, *key, *tup, *s;
    assert_int_equal(gcs_class_new(h, &def, &cls), 0);
    assert_int_equal(gcs_global_set(h, "Node", cls), 0);
    assert_int_equal(gcs_list_new(h, &lst), 0);
    assert_int_equal(gcs_global_set(h, "keep", lst), 0);
    assert_int_equal(gcs_instance_new(h, cls, &a), 0);
    assert_int_equal(gcs_list_append(h, lst, gcs_none(h)), 0); /* [0]: left out (runtime's) */
    assert_int_equal(gcs_list_append(h, lst, a), 0);           /* [1] */
    assert_int_equal(gcs_dict_new(h, &d), 0);
    assert_int_equal(gcs_attr_set(h, a, "table", d), 0);
    assert_int_equal(gcs_str_new(h, "k", &key), 0);
    assert_int_equal(gcs_str_new(h, "v", &s), 0);
    assert_int_equal(gcs_dict_set(h, d, key, s), 0);
    gcs_obj *items[2] = {s, a};
    assert_int_equal(gcs_tuple_new(h, 2, items, &tup), 0);
    assert_int_equal(gcs_attr_set(h, a, "pair", tup), 0);
    /* a leaked cycle with a tuple in it */
    assert_int_equal(gcs_instance_new(h, cls, &b), 0);
    gcs_obj *loop_items[1] = {b};
    gcs_obj *t2;
    assert_int_equal(gcs_tuple_new(h, 1, loop_items, &t2), 0);
    assert_int_equal(gcs_attr_set(h, b, "next", t2), 0);
    gcs_obj *payload;
    assert_int_equal(gcs_str_new(h, "payload", &payload), 0);
    assert_int_equal(gcs_attr_set(h, b, "data", payload), 0); /* indirectly lost */
    gcs_decref(h, payload);
    gcs_decref(h, t2);
    gcs_decref(h, b);
    gcs_decref(h, tup);
    gcs_decref(h, key);
    gcs_decref(h, s);
    gcs_decref(h, d);
    gcs_decref(h, a);
    gcs_decref(h, lst);
    gcs_decref(h, cls);
    return h;
}

typedef struct ref_list {
    uint64_t id[64];
    char slot[64][64];
    size_t n;
} ref_list;

static int
collect_ref(gcs_obj *child, const char *slot, void *ud)
{
    ref_list *l = ud;
    if (l->n < 64) {
        l->id[l->n] = gcs_id(child);
        snprintf(l->slot[l->n], sizeof l->slot[l->n], "%s", slot ? slot : "");
        l->n++;
    }
    return 0;
}

/* Every edge's lazy label is the runtime's own label of that reference, in
 * the runtime's order, for every node (references to objects the graph leaves
 * out, like None, are skipped in both). */
static void
test_leak_snapshot__lazy_labels_equal_runtime_labels(void **state)
{
    (void)state;
    gcs_heap *h = small_heap();
    gcs_hg *g;
    assert_int_equal(gcs_hg_from_heap(h, NULL, &g), 0);
    size_t checked = 0;
    for (uint32_t u = 0; u < g->n_nodes; u++) {
        assert_int_equal(gcs_hg_label_node(g, u), 0);
        gcs_obj *o = gcs_heap_find(h, g->nodes[u].id);
        assert_non_null(o);
        ref_list refs = {.n = 0};
        assert_int_equal(gcs_obj_foreach_ref(h, o, collect_ref, &refs), 0);
        size_t e = g->edge_off[u];
        for (size_t k = 0; k < refs.n; k++) {
            if (gcs_hg_find(g, refs.id[k]) == GCS_HG_NONE)
                continue;
            assert_true(e < g->edge_off[u + 1]);
            assert_int_equal(g->nodes[g->edge_dst[e]].id, refs.id[k]);
            assert_non_null(g->edge_slot[e]);
            assert_string_equal(g->edge_slot[e], refs.slot[k]);
            e++;
            checked++;
        }
        assert_int_equal(e, g->edge_off[u + 1]);
    }
    assert_true(checked >= 8); /* list, instances, dict key+value, tuples */
    gcs_hg_free(g);
    gcs_heap_free(h);
}

/* The in-process report prints the labels on its paths (they are made after
 * the analysis, before gcscope_leak_check returns). Regression: labelling
 * walked a loop from every example in an SCC, which reset the BFS parent of
 * an indirectly lost object (a one-member SCC), so its "path from its owner"
 * lost the owner and the .data step. */
static void
test_leak_snapshot__report_paths_carry_labels(void **state)
{
    (void)state;
    gcs_heap *h = small_heap();
    gcs_leak_options opt;
    gcs_leak_options_init(&opt);
    opt.show_reachable = true;
    gcs_leak_report *r;
    assert_int_equal(gcscope_leak_check(h, &opt, &r), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(gcs_leak_report_write(r, f, GCS_LEAK_FMT_TEXT), 0);
    fclose(f);
    gcs_leak_report_free(r);
    gcs_heap_free(h); /* the labels must not need the heap any more */
    assert_non_null(strstr(text, "-[.next]->"));
    assert_non_null(strstr(text, "-[[0]]->"));
    assert_non_null(strstr(text, "-[.data]->")); /* the indirect path from its owner */
    assert_null(strstr(text, "-[?]->"));
    free(text);
}

/* {==== Graph builder: direct and pending modes agree ====} */

static gcs_hg *
chain_graph(bool shuffled)
{
    gcs_hg *g;
    assert_int_equal(gcs_hg_new(&g), 0);
    gcs_site site = {"t.c", "f", 1};
    static const char *slots[] = {".a", NULL, "[3]"};
    enum { N = 50 };
    if (!shuffled) {
        for (uint64_t id = 1; id <= N; id++) {
            assert_int_equal(gcs_hg_add_node(g, id, "T", 0, 1, 8, &site, 0, NULL), 0);
            for (uint64_t k = 1; k <= id % 3 + 1; k++)
                assert_int_equal(gcs_hg_add_edge(g, id, (id * 7 + k) % (N + 5), slots[k % 3]), 0);
        }
    } else { /* nodes backwards, edges after all nodes */
        for (uint64_t id = N; id >= 1; id--)
            assert_int_equal(gcs_hg_add_node(g, id, "T", 0, 1, 8, &site, 0, NULL), 0);
        for (uint64_t id = 1; id <= N; id++)
            for (uint64_t k = 1; k <= id % 3 + 1; k++)
                assert_int_equal(gcs_hg_add_edge(g, id, (id * 7 + k) % (N + 5), slots[k % 3]), 0);
    }
    assert_int_equal(gcs_hg_finish(g), 0);
    return g;
}

static void
test_leak_snapshot__direct_and_pending_builds_agree(void **state)
{
    (void)state;
    gcs_hg *a = chain_graph(false), *b = chain_graph(true);
    assert_int_equal(a->n_nodes, b->n_nodes);
    assert_int_equal(a->n_edges, b->n_edges);
    assert_int_equal(a->n_dangling, b->n_dangling);
    assert_true(a->n_dangling > 0); /* ids 0 and 51..54 are not nodes */
    for (size_t i = 0; i <= a->n_nodes; i++)
        assert_int_equal(a->edge_off[i], b->edge_off[i]);
    for (size_t e = 0; e < a->n_edges; e++) {
        assert_int_equal(a->edge_dst[e], b->edge_dst[e]);
        assert_true((a->edge_slot[e] == NULL) == (b->edge_slot[e] == NULL));
        if (a->edge_slot[e])
            assert_string_equal(a->edge_slot[e], b->edge_slot[e]);
    }
    gcs_hg_free(a);
    gcs_hg_free(b);
}

/* {==== History recorder ====} */

static void
feed(gcs_hist_rec *rec, gcs_ev_kind kind, uint64_t obj, int64_t refcnt, const gcs_site *site)
{
    gcs_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.site = site;
    if (kind == GCS_EV_ALLOC) {
        ev.u.alloc.obj = obj;
    } else if (kind == GCS_EV_INCREF) {
        ev.u.incref.obj = obj;
        ev.u.incref.refcnt = refcnt;
    } else if (kind == GCS_EV_DECREF) {
        ev.u.decref.obj = obj;
        ev.u.decref.refcnt = refcnt;
    }
    gcs_hist_rec_event(rec, &ev);
}

/* An object increfed and decrefed in balanced brackets many times keeps (and
 * exports) only its unpaired entries, however many brackets came; the culprit
 * is still the unpaired incref. (The export used to carry every entry since
 * the last compaction: up to 8 per object, 400k entries for 100k objects on
 * the 100 MiB big trace.) */
static void
test_leak_snapshot__hist_exports_only_unpaired_entries(void **state)
{
    (void)state;
    static const gcs_site alloc_site = {"t.c", "make", 1}, use = {"t.c", "use", 2},
                          leak = {"t.c", "leak", 3};
    gcs_hist_rec *rec;
    assert_int_equal(gcs_hist_rec_new(&rec), 0);
    feed(rec, GCS_EV_ALLOC, 7, 1, &alloc_site);
    feed(rec, GCS_EV_INCREF, 7, 2, &leak); /* never released */
    for (int i = 0; i < 3; i++) {
        feed(rec, GCS_EV_INCREF, 7, 3, &use);
        feed(rec, GCS_EV_DECREF, 7, 2, &use);
    }
    for (int i = 0; i < 10; i++) /* let the last pair settle */
        feed(rec, GCS_EV_MARKER, 0, 0, NULL);
    gcs_hg *g;
    assert_int_equal(gcs_hg_new(&g), 0);
    assert_int_equal(gcs_hg_add_node(g, 7, "T", 0, 2, 8, &alloc_site, 0, NULL), 0);
    assert_int_equal(gcs_hist_rec_export(rec, g), 0);
    gcs_hist_rec_free(rec);
    assert_int_equal(gcs_hg_finish(g), 0);
    assert_int_equal(g->n_hist, 2); /* the ALLOC and the leaking incref */
    gcs_la_culprit c[4];
    assert_int_equal(gcs_la_culprits(g, 0, 0, c, 4), 2);
    assert_int_equal(g->sites[c[0].site].line, 3); /* latest first: the leak */
    gcs_hg_free(g);
}

/* from_replay_take frees the recorder on every path (ASan checks the leak),
 * including the error of a NULL replay. */
static void
test_leak_snapshot__take_frees_the_recorder_on_error(void **state)
{
    (void)state;
    gcs_hist_rec *rec;
    assert_int_equal(gcs_hist_rec_new(&rec), 0);
    gcs_hg *g = (gcs_hg *)(uintptr_t)1;
    assert_int_equal(gcs_hg_from_replay_take(NULL, 0, rec, NULL, NULL, &g), GCS_EINVAL);
    assert_null(g);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leak_snapshot__lazy_labels_equal_runtime_labels),
        cmocka_unit_test(test_leak_snapshot__report_paths_carry_labels),
        cmocka_unit_test(test_leak_snapshot__direct_and_pending_builds_agree),
        cmocka_unit_test(test_leak_snapshot__hist_exports_only_unpaired_entries),
        cmocka_unit_test(test_leak_snapshot__take_frees_the_recorder_on_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
