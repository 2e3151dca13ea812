/* tests/test_analysis.c — the leak analysis on heap graphs built by hand
 * (src/analysis/heapgraph.h): SCCs, each leak class with its counts, sites and
 * owners, culprit pairing, suppressions and the report writers. No runtime is
 * involved, so every expected value below is derived from the graph.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/heapgraph.h"
#include "analysis/hist_rec.h"
#include "analysis/leak_int.h"
#include "gcscope/leaks.h"

static const char *const FILE_A = "/src/prog.c";

/* A fresh temporary file name (not created); static buffer. */
static const char *
tmpname(const char *suffix)
{
    static char buf[256];
    static unsigned n;
    const char *dir = getenv("TMPDIR");
    snprintf(buf, sizeof buf, "%s/gcs_analysis_%ld_%u%s", dir ? dir : "/tmp", (long)getpid(), n++,
             suffix);
    return buf;
}

static gcs_site
site(const char *func, int line)
{
    return (gcs_site){FILE_A, func, line};
}

static gcs_hg *
new_graph(void)
{
    gcs_hg *g = NULL;
    assert_int_equal(gcs_hg_new(&g), 0);
    return g;
}

static void
node(gcs_hg *g, uint64_t id, const char *type, int64_t rc, unsigned flags, int line)
{
    gcs_site s = site("make", line);
    assert_int_equal(gcs_hg_add_node(g, id, type, GCS_KIND_INSTANCE, rc, 48, &s, flags, NULL), 0);
}

static void
edge(gcs_hg *g, uint64_t a, uint64_t b, const char *slot)
{
    assert_int_equal(gcs_hg_add_edge(g, a, b, slot), 0);
}

static gcs_leak_report *
analyze(gcs_hg *g, const gcs_leak_options *opt)
{
    assert_int_equal(gcs_hg_finish(g), 0);
    gcs_leak_report *r = NULL;
    assert_int_equal(gcs_leak_analyze(g, opt, "test graph", &r), 0);
    assert_non_null(r);
    return r;
}

static const gcs_leak_record *
find_rec(const gcs_leak_report *r, gcs_leak_kind kind, const char *type)
{
    for (size_t i = 0; i < gcs_leak_report_n_records(r); i++) {
        const gcs_leak_record *x = gcs_leak_report_record(r, i);
        if (x->kind == kind && strcmp(x->type, type) == 0)
            return x;
    }
    return NULL;
}

static int
cls_of(const gcs_leak_report *r, uint64_t id)
{
    uint32_t v = gcs_hg_find(r->g, id);
    assert_int_not_equal(v, GCS_HG_NONE);
    return r->a.cls[v];
}

static char *render(const gcs_leak_report *r, gcs_leak_format fmt);

/* Undo the report's line wrapping: a newline and its indent become a space. */
static void
squash(char *text)
{
    char *w = text;
    for (const char *p = text; *p;) {
        if (*p == '\n') {
            while (*p == '\n' || *p == ' ')
                p++;
            *w++ = ' ';
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
}
static void assert_fits_80(const char *text);

/* {==== Graph model ====} */

static void
test_analysis__graph_drops_dangling_and_rejects_duplicates(void **state)
{
    (void)state;
    gcs_hg *g = new_graph();
    node(g, 1, "A", 1, 0, 1);
    edge(g, 1, 99, ".gone");
    edge(g, 1, 1, ".self");
    assert_int_equal(gcs_hg_add_root(g, 1, "<module>", "x", 77), 0);
    assert_int_equal(gcs_hg_finish(g), 0);
    assert_int_equal(g->n_nodes, 1);
    assert_int_equal(g->n_edges, 1);
    assert_int_equal(g->n_roots, 0);
    assert_int_equal(g->n_dangling, 2);
    assert_string_equal(g->edge_slot[0], ".self");
    assert_ptr_equal(gcs_hg_intern(g, "A"), g->nodes[0].type);
    assert_int_equal(gcs_hg_find(g, 1), 0);
    assert_int_equal(gcs_hg_find(g, 2), GCS_HG_NONE);
    gcs_hg_free(g);

    /* duplicate ids are found when the index is built (dense and sparse ids) */
    for (uint64_t base = 1; base <= 1000000001; base += 1000000000) {
        g = new_graph();
        node(g, base, "A", 1, 0, 1);
        node(g, 5 * base + 3, "B", 1, 0, 2);
        node(g, base, "A", 1, 0, 3);
        assert_int_equal(gcs_hg_finish(g), GCS_EINVAL);
        gcs_hg_free(g);
    }
}

/* Nodes added in any order come out in id order after finish, with edges,
 * roots and history resolved to the new indices: the live-heap adapter walks
 * the collector's lists, the trace adapter allocation order, and the report
 * (SCC leaders, examples, owners) must not depend on which. Dense ids take
 * the bucket path, ids spread over 2^40 the radix sort. */
static void
test_analysis__finish_puts_nodes_in_id_order(void **state)
{
    (void)state;
    const uint64_t scale[] = {1, 1ULL << 40};
    for (size_t k = 0; k < 2; k++) {
        uint64_t m = scale[k];
        gcs_hg *g = new_graph();
        const uint64_t order[] = {5, 2, 7, 1, 6, 3, 4}; /* a shuffle of 1..7 */
        for (size_t i = 0; i < 7; i++)
            node(g, order[i] * m, "N", order[i] == 4 ? 2 : 1, 0, (int)order[i]);
        edge(g, 1 * m, 2 * m, ".a"); /* 1 <-> 2: a cycle */
        edge(g, 2 * m, 1 * m, ".b");
        edge(g, 7 * m, 3 * m, ".c"); /* variable -> 7 -> 3 */
        edge(g, 2 * m, 5 * m, ".d"); /* 5, 6: kept alive by the cycle */
        edge(g, 5 * m, 6 * m, ".e");
        assert_int_equal(gcs_hg_add_root(g, 1, "<module>", "v", 7 * m), 0);
        gcs_site s = site("make", 40);
        assert_int_equal(gcs_hg_add_hist(g, 4 * m, 10, GCS_HGOP_NEW, 1, &s), 0);
        assert_int_equal(gcs_hg_add_hist(g, 4 * m, 11, GCS_HGOP_INCREF, 2, &s), 0);
        assert_int_equal(gcs_hg_finish(g), 0);
        for (size_t i = 0; i < 7; i++) {
            assert_int_equal(g->nodes[i].id, (i + 1) * m);
            assert_int_equal(g->nodes[i].site,
                             gcs_hg_site(g, &(gcs_site){FILE_A, "make", (int)(i + 1)}));
            assert_int_equal(gcs_hg_find(g, (i + 1) * m), i);
        }
        assert_int_equal(g->n_edges, 5);
        assert_int_equal(g->edge_off[1] - g->edge_off[0], 1); /* 1 -> 2 */
        assert_int_equal(g->edge_dst[g->edge_off[0]], 1);
        assert_int_equal(g->edge_off[2] - g->edge_off[1], 2); /* 2 -> 1, 2 -> 5 */
        assert_int_equal(g->edge_dst[g->edge_off[6]], 2);     /* 7 -> 3 */
        assert_int_equal(g->roots[0].node, 6);
        assert_int_equal(g->hist_off[4] - g->hist_off[3], 2); /* node 4 */
        assert_int_equal(g->hist[g->hist_off[3] + 1].event, 11);
        gcs_leak_report *r = NULL;
        assert_int_equal(gcs_leak_analyze(g, NULL, "shuffled", &r), 0);
        const gcs_leak_summary *sum = gcs_leak_report_summary(r);
        assert_int_equal(sum->cycles, 1);
        assert_int_equal(sum->by_kind[GCS_LEAK_CYCLE].objects, 2);
        assert_int_equal(sum->by_kind[GCS_LEAK_INDIRECT].objects, 2);
        assert_int_equal(sum->by_kind[GCS_LEAK_REFLEAK].objects, 1);
        assert_int_equal(sum->by_kind[GCS_LEAK_REACHABLE].objects, 2);
        assert_int_equal(r->a.scc_leader[r->a.scc[0]], 0); /* the first allocated */
        gcs_leak_report_free(r);
    }
}

/* The history recorder pairs settled increfs and decrefs as it goes (bounded
 * memory on big traces), and the culprit is the same as with the whole
 * history: 5,000 balanced incref/decref pairs from borrow(), and one incref
 * in leak() in the middle that is never released. */
static void
test_analysis__history_recorder_pairs_as_it_goes(void **state)
{
    (void)state;
    gcs_hist_rec *rec = NULL;
    assert_int_equal(gcs_hist_rec_new(&rec), 0);
    gcs_site s_new = site("make", 1), s_borrow = site("borrow", 2), s_leak = site("leak", 3);
    gcs_event ev = {.kind = GCS_EV_ALLOC, .site = &s_new};
    ev.u.alloc.obj = 7;
    gcs_hist_rec_event(rec, &ev);
    int64_t rc = 1;
    for (int i = 0; i < 5000; i++) {
        if (i == 2500) {
            ev = (gcs_event){.kind = GCS_EV_INCREF, .site = &s_leak};
            ev.u.incref.obj = 7;
            ev.u.incref.refcnt = ++rc;
            gcs_hist_rec_event(rec, &ev);
        }
        ev = (gcs_event){.kind = GCS_EV_INCREF, .site = &s_borrow};
        ev.u.incref.obj = 7;
        ev.u.incref.refcnt = ++rc;
        gcs_hist_rec_event(rec, &ev);
        ev = (gcs_event){.kind = GCS_EV_DECREF, .site = &s_borrow};
        ev.u.decref.obj = 7;
        ev.u.decref.refcnt = --rc;
        gcs_hist_rec_event(rec, &ev);
    }
    gcs_hg *g = new_graph();
    node(g, 7, "N", rc, 0, 1); /* refcount 2: the creator's and the leaked one */
    assert_int_equal(gcs_hist_rec_export(rec, g), 0);
    gcs_hist_rec_free(rec);
    assert_true(g->n_hist < 64); /* not 10,002 entries */
    assert_int_equal(gcs_hg_finish(g), 0);
    gcs_la_culprit c[4];
    size_t n = gcs_la_culprits(g, 0, 0, c, 4);
    assert_int_equal(n, 2); /* leak() and the creation, latest first */
    assert_string_equal(g->sites[c[0].site].func, "leak");
    assert_int_equal(c[0].count, 1);
    assert_int_equal(c[0].event, 1 + 2 * 2500);
    assert_int_equal(c[1].op, GCS_HGOP_NEW);
    gcs_hg_free(g);
}

/* {==== SCC ====} */

static void
test_analysis__scc_finds_cycles_self_loops_not_chains(void **state)
{
    (void)state;
    gcs_hg *g = new_graph();
    for (uint64_t id = 1; id <= 6; id++)
        node(g, id, "N", 1, 0, (int)id);
    edge(g, 1, 2, ".a"); /* 1 <-> 2 */
    edge(g, 2, 1, ".b");
    edge(g, 3, 3, ".me"); /* self loop */
    edge(g, 4, 5, ".n");  /* chain 4 -> 5 -> 6 */
    edge(g, 5, 6, ".n");
    edge(g, 2, 4, ".x"); /* edge out of the cycle */
    assert_int_equal(gcs_hg_finish(g), 0);
    uint8_t in_set[6] = {1, 1, 1, 1, 1, 1};
    uint32_t scc[6];
    size_t n = 0;
    assert_int_equal(gcs_hg_scc(g, in_set, scc, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(scc[0], scc[1]);
    assert_int_not_equal(scc[2], scc[0]);
    assert_int_not_equal(scc[3], scc[4]);
    assert_int_not_equal(scc[4], scc[5]);
    gcs_hg_free(g);
}

/* A ring and a chain a million long: recursion would overflow the C stack. */
static void
test_analysis__scc_million_long_ring_without_recursion(void **state)
{
    (void)state;
    const uint64_t n = 1000000;
    gcs_hg *g = new_graph();
    gcs_site s = site("ring", 1);
    for (uint64_t id = 1; id <= n; id++)
        assert_int_equal(gcs_hg_add_node(g, id, "R", 0, 1, 32, &s, 0, NULL), 0);
    for (uint64_t id = 1; id < n; id++)
        edge(g, id, id + 1, ".next");
    edge(g, n, 1, ".next");
    gcs_leak_report *r = analyze(g, NULL);
    const gcs_leak_summary *sum = gcs_leak_report_summary(r);
    assert_int_equal(sum->cycles, 1);
    assert_int_equal(sum->by_kind[GCS_LEAK_CYCLE].objects, n);
    assert_int_equal(r->a.n_scc, 1);
    /* the loop and the member list are cut at max_members */
    char *text = render(r, GCS_LEAK_FMT_TEXT);
    assert_fits_80(text);
    squash(text);
    assert_non_null(strstr(text, "cycle 1 (1000000 members): loop R#1 -[.next]-> R#2"));
    assert_non_null(strstr(text, "R#12 -> ... (999988 more) -> R#1"));
    assert_non_null(strstr(text, "... and 999988 more members"));
    free(text);
    gcs_leak_report_free(r);

    g = new_graph();
    for (uint64_t id = 1; id <= n; id++)
        assert_int_equal(gcs_hg_add_node(g, id, "C", 0, id == 1 ? 2 : 1, 32, &s, 0, NULL), 0);
    for (uint64_t id = 1; id < n; id++)
        edge(g, id, id + 1, ".next");
    r = analyze(g, NULL);
    sum = gcs_leak_report_summary(r);
    assert_int_equal(sum->by_kind[GCS_LEAK_REFLEAK].objects, 1);
    assert_int_equal(sum->by_kind[GCS_LEAK_INDIRECT].objects, n - 1);
    assert_int_equal(sum->cycles, 0);
    /* the path of an indirect object runs from its owner */
    uint32_t path[4];
    assert_int_equal(gcs_la_path(&r->a, (uint32_t)(n - 1), path, 4), n);
    assert_int_equal(path[0], 0);
    gcs_leak_report_free(r);
}

/* {==== Classes ====} */

/* x -> list#1 -> A#2 (reachable); Node#3 <-> Node#4 (cycle) holding str#5;
 * Leaky#6 (refcnt 1, no referrer) holding payload#7; NoneType#8 held by the
 * runtime. */
static gcs_hg *
mixed_graph(void)
{
    gcs_hg *g = new_graph();
    node(g, 1, "list", 1, 0, 10);
    node(g, 2, "A", 1, 0, 11);
    node(g, 3, "Node", 1, 0, 20);
    node(g, 4, "Node", 1, 0, 20);
    node(g, 5, "str", 1, 0, 21);
    node(g, 6, "Leaky", 1, 0, 30); /* 1 reference and no referrer */
    node(g, 7, "payload", 1, 0, 31);
    node(g, 8, "NoneType", 5, GCS_HGF_HEAP_OWNED, 0);
    assert_int_equal(gcs_hg_add_root(g, 1, "<module>", "x", 1), 0);
    edge(g, 1, 2, "[0]");
    edge(g, 3, 4, ".next");
    edge(g, 4, 3, ".next");
    edge(g, 3, 5, ".name");
    edge(g, 6, 7, ".data");
    edge(g, 2, 8, ".v"); /* None referenced twice: refcnt 5 is fine (runtime-held) */
    edge(g, 7, 8, ".v");
    return g;
}

static void
test_analysis__each_node_gets_its_class(void **state)
{
    (void)state;
    gcs_hg *g = mixed_graph();
    gcs_leak_report *r = analyze(g, NULL);
    assert_int_equal(cls_of(r, 1), GCS_LEAK_REACHABLE);
    assert_int_equal(cls_of(r, 2), GCS_LEAK_REACHABLE);
    assert_int_equal(cls_of(r, 8), GCS_LEAK_REACHABLE);
    assert_int_equal(cls_of(r, 3), GCS_LEAK_CYCLE);
    assert_int_equal(cls_of(r, 4), GCS_LEAK_CYCLE);
    assert_int_equal(cls_of(r, 5), GCS_LEAK_INDIRECT);
    assert_int_equal(cls_of(r, 6), GCS_LEAK_REFLEAK);
    assert_int_equal(cls_of(r, 7), GCS_LEAK_INDIRECT);
    assert_int_equal(r->a.owner[gcs_hg_find(r->g, 7)], gcs_hg_find(r->g, 6));

    const gcs_leak_summary *s = gcs_leak_report_summary(r);
    assert_true(s->leaks_found);
    assert_int_equal(s->by_kind[GCS_LEAK_REACHABLE].objects, 3);
    assert_int_equal(s->by_kind[GCS_LEAK_CYCLE].objects, 2);
    assert_int_equal(s->by_kind[GCS_LEAK_CYCLE].bytes, 96);
    assert_int_equal(s->by_kind[GCS_LEAK_REFLEAK].objects, 1);
    assert_int_equal(s->by_kind[GCS_LEAK_INDIRECT].objects, 2);
    assert_int_equal(s->cycles, 1);
    assert_int_equal(s->refs_unaccounted, 1);

    const gcs_leak_record *cyc = find_rec(r, GCS_LEAK_CYCLE, "Node");
    assert_non_null(cyc);
    assert_int_equal(cyc->objects, 2);
    assert_int_equal(cyc->cycles, 1);
    assert_int_equal(cyc->site.line, 20);
    assert_int_equal(cyc->indirect_objects, 1);
    assert_int_equal(cyc->example_id, 3);
    const gcs_leak_record *leak = find_rec(r, GCS_LEAK_REFLEAK, "Leaky");
    assert_non_null(leak);
    assert_int_equal(leak->refs_unaccounted, 1);
    assert_int_equal(leak->site.line, 30);
    assert_string_equal(leak->site.func, "make");
    const gcs_leak_record *ind = find_rec(r, GCS_LEAK_INDIRECT, "payload");
    assert_non_null(ind);
    assert_ptr_equal(gcs_leak_report_record(r, ind->owner), leak);
    /* reachable objects are summarised, not listed */
    assert_null(find_rec(r, GCS_LEAK_REACHABLE, "list"));
    gcs_leak_report_free(r);
}

static void
test_analysis__show_reachable_lists_them_with_root_path(void **state)
{
    (void)state;
    gcs_hg *g = mixed_graph();
    gcs_leak_options opt;
    gcs_leak_options_init(&opt);
    opt.show_reachable = true;
    gcs_leak_report *r = analyze(g, &opt);
    const gcs_leak_record *x = find_rec(r, GCS_LEAK_REACHABLE, "A");
    assert_non_null(x);
    assert_int_equal(x->objects, 1);
    uint32_t path[8];
    uint32_t a = gcs_hg_find(r->g, 2);
    assert_int_equal(gcs_la_path(&r->a, a, path, 8), 2);
    assert_int_equal(r->g->nodes[path[0]].id, 1);
    assert_string_equal(r->g->roots[r->a.root[path[0]]].var, "x");
    assert_string_equal(gcs_la_slot(r->g, path[0], path[1]), "[0]");
    gcs_leak_report_free(r);
}

static void
test_analysis__cycles_from_one_site_make_one_record(void **state)
{
    (void)state;
    gcs_hg *g = new_graph();
    for (uint64_t k = 0; k < 3; k++) {
        node(g, 10 * k + 1, "Node", 1, 0, 40);
        node(g, 10 * k + 2, "Node", 1, 0, 41);
        edge(g, 10 * k + 1, 10 * k + 2, ".next");
        edge(g, 10 * k + 2, 10 * k + 1, ".prev");
    }
    gcs_leak_report *r = analyze(g, NULL);
    assert_int_equal(gcs_leak_report_n_records(r), 1);
    const gcs_leak_record *x = gcs_leak_report_record(r, 0);
    assert_int_equal(x->kind, GCS_LEAK_CYCLE);
    assert_int_equal(x->cycles, 3);
    assert_int_equal(x->objects, 6);
    assert_int_equal(x->bytes, 6 * 48);
    assert_int_equal(x->site.line, 40); /* the SCC leader's site */
    uint32_t loop[4];
    assert_int_equal(gcs_la_loop(&r->a, gcs_hg_find(r->g, 1), loop, 4), 2);
    assert_int_equal(r->g->nodes[loop[1]].id, 2);
    gcs_leak_report_free(r);
}

static void
test_analysis__uncollectable_legacy_with_reason(void **state)
{
    (void)state;
    gcs_hg *g = new_graph();
    node(g, 1, "list", 1, GCS_HGF_HEAP_OWNED | GCS_HGF_GARBAGE_LIST, 0);
    node(g, 2, "Legacy", 2, GCS_HGF_IN_GARBAGE | GCS_HGF_LEGACY, 50);
    node(g, 3, "Other", 1, 0, 51);
    edge(g, 1, 2, "[0]");
    edge(g, 2, 3, ".peer");
    edge(g, 3, 2, ".peer");
    node(g, 4, "Legacy", 2, GCS_HGF_IN_GARBAGE | GCS_HGF_LEGACY, 50);
    node(g, 5, "Other", 1, 0, 51);
    edge(g, 4, 5, ".peer");
    edge(g, 5, 4, ".peer");
    edge(g, 1, 4, "[1]");
    gcs_leak_report *r = analyze(g, NULL);
    assert_int_equal(cls_of(r, 1), GCS_LEAK_REACHABLE);
    assert_int_equal(cls_of(r, 2), GCS_LEAK_UNCOLLECTABLE);
    assert_int_equal(cls_of(r, 3), GCS_LEAK_INDIRECT);
    assert_int_equal(cls_of(r, 4), GCS_LEAK_UNCOLLECTABLE);
    assert_int_equal(cls_of(r, 5), GCS_LEAK_INDIRECT);
    gcs_leak_report_free(r);

    /* the adapters' form: no gc.garbage node, IN_GARBAGE stands for its reference */
    g = new_graph();
    node(g, 2, "Legacy", 2, GCS_HGF_IN_GARBAGE | GCS_HGF_LEGACY, 50);
    node(g, 3, "Other", 1, 0, 51);
    edge(g, 2, 3, ".peer");
    edge(g, 3, 2, ".peer");
    r = analyze(g, NULL);
    assert_int_equal(cls_of(r, 2), GCS_LEAK_UNCOLLECTABLE);
    assert_int_equal(cls_of(r, 3), GCS_LEAK_INDIRECT);
    const gcs_leak_record *x = find_rec(r, GCS_LEAK_UNCOLLECTABLE, "Legacy");
    assert_non_null(x);
    assert_int_equal(x->objects, 1);
    assert_int_equal(x->indirect_objects, 1);
    assert_non_null(strstr(x->reason, "legacy finalizer"));
    assert_int_equal(gcs_leak_report_summary(r)->by_kind[GCS_LEAK_REFLEAK].objects, 0);
    assert_true(gcs_leak_report_summary(r)->leaks_found);
    gcs_leak_report_free(r);
}

static void
test_analysis__no_false_positive_when_all_reachable(void **state)
{
    (void)state;
    gcs_hg *g = new_graph();
    node(g, 1, "dict", 1, 0, 1);
    node(g, 2, "Node", 2, 0, 2); /* held by the dict and by a variable */
    node(g, 3, "Node", 1, 0, 3);
    edge(g, 1, 2, "{'a'}");
    edge(g, 2, 3, ".next");
    edge(g, 3, 2, ".prev"); /* a cycle, but reachable */
    g->nodes[1].refcnt = 3; /* dict: 1; Node#2: dict + Node#3 + var = 3 */
    assert_int_equal(gcs_hg_add_root(g, 1, "<module>", "d", 1), 0);
    assert_int_equal(gcs_hg_add_root(g, 2, "f", "n", 2), 0);
    gcs_leak_report *r = analyze(g, NULL);
    const gcs_leak_summary *s = gcs_leak_report_summary(r);
    assert_false(s->leaks_found);
    assert_int_equal(s->by_kind[GCS_LEAK_REACHABLE].objects, 3);
    assert_int_equal(gcs_leak_report_n_records(r), 0);
    gcs_leak_report_free(r);
}

static void
test_analysis__refcount_below_references_is_an_error(void **state)
{
    (void)state;
    gcs_hg *g = new_graph();
    node(g, 1, "list", 1, 0, 1);
    node(g, 2, "Node", 0, 0, 2); /* referenced once, refcnt 0: over-released */
    edge(g, 1, 2, "[0]");
    assert_int_equal(gcs_hg_add_root(g, 1, "<module>", "l", 1), 0);
    gcs_leak_report *r = analyze(g, NULL);
    const gcs_leak_record *x = find_rec(r, GCS_LEAK_ERROR, "refcount-below-references");
    assert_non_null(x);
    assert_int_equal(x->objects, 1);
    assert_int_equal(x->example_id, 2);
    assert_true(gcs_leak_report_summary(r)->leaks_found);
    gcs_leak_report_free(r);
}

static void
test_analysis__trace_errors_grouped_by_code_and_site(void **state)
{
    (void)state;
    gcs_hg *g = new_graph();
    gcs_site s1 = site("release_twice", 70), s2 = site("touch", 80);
    assert_int_equal(gcs_hg_add_error(g, 10, GCS_EOVERRELEASE, 5, "refcnt 0", &s1), 0);
    assert_int_equal(gcs_hg_add_error(g, 12, GCS_EOVERRELEASE, 6, "refcnt 0", &s1), 0);
    assert_int_equal(gcs_hg_add_error(g, 15, GCS_EFREED, 5, NULL, &s2), 0);
    gcs_leak_report *r = analyze(g, NULL);
    const gcs_leak_record *o = find_rec(r, GCS_LEAK_ERROR, "over-release");
    const gcs_leak_record *u = find_rec(r, GCS_LEAK_ERROR, "use-after-free");
    assert_non_null(o);
    assert_non_null(u);
    assert_int_equal(o->objects, 2);
    assert_int_equal(o->site.line, 70);
    assert_int_equal(u->objects, 1);
    assert_string_equal(u->site.func, "touch");
    assert_int_equal(gcs_leak_report_summary(r)->by_kind[GCS_LEAK_ERROR].objects, 3);
    gcs_leak_report_free(r);
}

/* {==== Culprits ====} */

static void
hist(gcs_hg *g, uint64_t obj, uint64_t ev, gcs_hg_op op, int64_t rc, const char *func, int line)
{
    gcs_site s = site(func, line);
    assert_int_equal(gcs_hg_add_hist(g, obj, ev, op, rc, &s), 0);
}

static void
test_analysis__culprit_is_the_unpaired_incref(void **state)
{
    (void)state;
    gcs_hg *g = new_graph();
    node(g, 1, "Leaky", 1, 0, 10);
    hist(g, 1, 100, GCS_HGOP_NEW, 1, "main", 10);
    hist(g, 1, 101, GCS_HGOP_INCREF, 2, "use", 20);
    hist(g, 1, 102, GCS_HGOP_DECREF, 1, "use", 22);
    hist(g, 1, 103, GCS_HGOP_INCREF, 2, "stash", 31); /* never released */
    hist(g, 1, 104, GCS_HGOP_DECREF, 1, "main", 12);
    gcs_leak_report *r = analyze(g, NULL);
    const gcs_leak_record *x = find_rec(r, GCS_LEAK_REFLEAK, "Leaky");
    assert_non_null(x);
    assert_int_equal(x->refs_unaccounted, 1);
    size_t i = (size_t)(x - gcs_leak_report_record(r, 0));
    assert_int_equal(r->priv[i].n_culprits, 1);
    const gcs_site *cs = &r->g->sites[r->priv[i].culprits[0].site];
    assert_string_equal(cs->func, "stash");
    assert_int_equal(cs->line, 31);
    assert_int_equal(r->priv[i].culprits[0].event, 103);
    gcs_leak_report_free(r);
}

/* A stored reference still held by a live list explains one unpaired incref;
 * the other one is the culprit. */
static void
test_analysis__culprit_skips_increfs_live_references_explain(void **state)
{
    (void)state;
    gcs_hg *g = new_graph();
    node(g, 1, "list", 1, 0, 1);
    node(g, 2, "Item", 2, 0, 2);
    edge(g, 1, 2, "[0]");
    assert_int_equal(gcs_hg_add_root(g, 1, "<module>", "l", 1), 0);
    hist(g, 2, 1, GCS_HGOP_NEW, 1, "main", 2);
    hist(g, 2, 2, GCS_HGOP_STORE, 2, "main", 3);
    hist(g, 2, 3, GCS_HGOP_INCREF, 3, "cache_put", 44);
    hist(g, 2, 4, GCS_HGOP_DECREF, 2, "main", 5);
    gcs_leak_report *r = analyze(g, NULL);
    assert_int_equal(cls_of(r, 2), GCS_LEAK_REFLEAK); /* reachable, but leaked */
    const gcs_leak_record *x = find_rec(r, GCS_LEAK_REFLEAK, "Item");
    assert_non_null(x);
    size_t i = (size_t)(x - gcs_leak_report_record(r, 0));
    assert_int_equal(r->priv[i].n_culprits, 1);
    assert_string_equal(r->g->sites[r->priv[i].culprits[0].site].func, "cache_put");
    gcs_leak_report_free(r);
}

/* {==== Suppressions and writers ====} */

static void
test_analysis__suppression_hides_matching_record(void **state)
{
    (void)state;
    const char *path = tmpname(".supp");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# known cycle\n{\n   parser-cycle\n   kind: cycle\n   type: Node\n"
          "   site: *prog.c:20\n   func: mak*\n}\n",
          f);
    fclose(f);
    gcs_hg *g = mixed_graph();
    gcs_leak_options opt;
    gcs_leak_options_init(&opt);
    opt.suppressions = path;
    gcs_leak_report *r = analyze(g, &opt);
    const gcs_leak_summary *s = gcs_leak_report_summary(r);
    assert_int_equal(s->suppressed_records, 1);
    assert_int_equal(s->by_kind[GCS_LEAK_CYCLE].objects, 0);
    assert_int_equal(s->suppressed.objects, 3); /* 2 members + 1 indirect */
    assert_int_equal(s->cycles, 0);
    assert_true(s->leaks_found); /* the reference leak is still there */
    assert_true(find_rec(r, GCS_LEAK_CYCLE, "Node")->suppressed);
    assert_false(find_rec(r, GCS_LEAK_REFLEAK, "Leaky")->suppressed);
    gcs_leak_report_free(r);
    remove(path);
}

static void
test_analysis__bad_suppressions_file_is_an_error(void **state)
{
    (void)state;
    const char *path = tmpname(".supp");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\n  name\n  colour: red\n}\n", f);
    fclose(f);
    gcs_hg *g = new_graph();
    assert_int_equal(gcs_hg_finish(g), 0);
    gcs_leak_options opt;
    gcs_leak_options_init(&opt);
    opt.suppressions = path;
    gcs_leak_report *r = (gcs_leak_report *)1;
    assert_int_equal(gcs_leak_analyze(g, &opt, "x", &r), GCS_EFORMAT);
    assert_null(r);
    assert_non_null(strstr(gcs_leak_errmsg(), ":3:"));
    remove(path);
}

static char *
render(const gcs_leak_report *r, gcs_leak_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(gcs_leak_report_write(r, f, fmt), 0);
    fclose(f);
    return buf;
}

static void
assert_fits_80(const char *text)
{
    for (const char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n > 80)
            fail_msg("line longer than 80 columns: %.*s", (int)n, line);
    }
}

static void
test_analysis__frozen_cycle_is_noted(void **state)
{
    (void)state;
    gcs_hg *g = new_graph();
    node(g, 1, "Node", 1, GCS_HGF_FROZEN | GCS_HGF_TRACKED, 5);
    node(g, 2, "Node", 1, GCS_HGF_FROZEN | GCS_HGF_TRACKED, 5);
    edge(g, 1, 2, ".a");
    edge(g, 2, 1, ".b");
    gcs_leak_report *r = analyze(g, NULL);
    char *text = render(r, GCS_LEAK_FMT_TEXT);
    assert_non_null(strstr(text, "frozen (gc.freeze)"));
    free(text);
    gcs_leak_report_free(r);
}

static void
test_analysis__text_report_fits_80_columns(void **state)
{
    (void)state;
    gcs_hg *g = mixed_graph();
    gcs_leak_report *r = analyze(g, NULL);
    char *text = render(r, GCS_LEAK_FMT_TEXT);
    assert_non_null(strstr(text, "LEAK SUMMARY"));
    assert_non_null(strstr(text, "cyclic garbage"));
    assert_non_null(strstr(text, "Node#3 -[.next]-> Node#4 -[.next]-> Node#3"));
    assert_non_null(strstr(text, "Leaky#6 -[.data]-> payload#7"));
    assert_non_null(strstr(text, "1 reference unaccounted for"));
    assert_fits_80(text);
    free(text);
    gcs_leak_report_free(r);
}

/* Balanced braces/brackets outside strings, and the documented keys. */
static void
test_analysis__json_report_is_well_formed(void **state)
{
    (void)state;
    gcs_hg *g = mixed_graph();
    gcs_leak_report *r = analyze(g, NULL);
    char *json = render(r, GCS_LEAK_FMT_JSON);
    int depth = 0;
    bool in_str = false;
    for (const char *p = json; *p; p++) {
        if (in_str) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                in_str = false;
            continue;
        }
        if (*p == '"')
            in_str = true;
        else if (*p == '{' || *p == '[')
            depth++;
        else if (*p == '}' || *p == ']')
            assert_true(--depth >= 0);
    }
    assert_int_equal(depth, 0);
    assert_false(in_str);
    assert_non_null(strstr(json, "\"format\": \"gcscope-leaks\""));
    assert_non_null(strstr(json, "\"kind\": \"cycle\""));
    assert_non_null(strstr(json, "\"kind\": \"refleak\""));
    assert_non_null(strstr(json, "\"owner\": "));
    assert_non_null(strstr(json, "\"leaks_found\": true"));
    free(json);
    gcs_leak_report_free(r);
}

static void
test_analysis__generated_suppressions_suppress_everything(void **state)
{
    (void)state;
    gcs_hg *g = mixed_graph();
    gcs_leak_report *r = analyze(g, NULL);
    char *supp = render(r, GCS_LEAK_FMT_SUPPRESSIONS);
    gcs_leak_report_free(r);
    const char *path = tmpname(".supp");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(supp, f);
    fclose(f);
    free(supp);
    g = mixed_graph();
    gcs_leak_options opt;
    gcs_leak_options_init(&opt);
    opt.suppressions = path;
    r = analyze(g, &opt);
    const gcs_leak_summary *s = gcs_leak_report_summary(r);
    assert_false(s->leaks_found);
    assert_int_equal(s->suppressed_records, 2);
    gcs_leak_report_free(r);
    remove(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analysis__graph_drops_dangling_and_rejects_duplicates),
        cmocka_unit_test(test_analysis__finish_puts_nodes_in_id_order),
        cmocka_unit_test(test_analysis__history_recorder_pairs_as_it_goes),
        cmocka_unit_test(test_analysis__scc_finds_cycles_self_loops_not_chains),
        cmocka_unit_test(test_analysis__scc_million_long_ring_without_recursion),
        cmocka_unit_test(test_analysis__each_node_gets_its_class),
        cmocka_unit_test(test_analysis__show_reachable_lists_them_with_root_path),
        cmocka_unit_test(test_analysis__cycles_from_one_site_make_one_record),
        cmocka_unit_test(test_analysis__uncollectable_legacy_with_reason),
        cmocka_unit_test(test_analysis__no_false_positive_when_all_reachable),
        cmocka_unit_test(test_analysis__refcount_below_references_is_an_error),
        cmocka_unit_test(test_analysis__trace_errors_grouped_by_code_and_site),
        cmocka_unit_test(test_analysis__culprit_is_the_unpaired_incref),
        cmocka_unit_test(test_analysis__culprit_skips_increfs_live_references_explain),
        cmocka_unit_test(test_analysis__suppression_hides_matching_record),
        cmocka_unit_test(test_analysis__bad_suppressions_file_is_an_error),
        cmocka_unit_test(test_analysis__text_report_fits_80_columns),
        cmocka_unit_test(test_analysis__frozen_cycle_is_noted),
        cmocka_unit_test(test_analysis__json_report_is_well_formed),
        cmocka_unit_test(test_analysis__generated_suppressions_suppress_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
