/* tests/viz/test_bigview.c — the viewer on big traces (issues #4 and #8):
 * a trace over the layout limits gets no whole-trace layout (no record per
 * object ever allocated) and its scenes are placed on demand; a trace opened
 * for one picture streams its replay. The demo trace stands in for a big one
 * by lowering the limits (gcs_vtrace_layout_limits), so every check compares
 * the big-trace path with the classroom path on the same events.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "render/render.h"
#include "render/scene_from_replay.h"

#define DEMO GCS_BINARY_DIR "/traces/demo.gctrace"

typedef enum { OPEN_NORMAL, OPEN_BIG, OPEN_STREAM, OPEN_STREAM_BIG } open_mode;

static gcs_vtrace *
open_demo(open_mode m)
{
    gcs_vtrace *t = NULL;
    char err[512];
    bool big = m == OPEN_BIG || m == OPEN_STREAM_BIG;
    gcs_vtrace_layout_limits(big ? 0 : GCS_VTRACE_LAYOUT_EVENTS_MAX,
                             big ? 0 : GCS_VTRACE_LAYOUT_LIVE_MAX);
    int rc = m == OPEN_STREAM || m == OPEN_STREAM_BIG
                 ? gcs_vtrace_open_stream(DEMO, 1.6, &t, err, sizeof err)
                 : gcs_vtrace_open(DEMO, 1.6, &t, err, sizeof err);
    gcs_vtrace_layout_limits(GCS_VTRACE_LAYOUT_EVENTS_MAX, GCS_VTRACE_LAYOUT_LIVE_MAX);
    if (rc < 0)
        fail_msg("cannot open %s: %s", DEMO, err);
    assert_int_equal(gcs_vtrace_big(t), big);
    return t;
}

/* Same objects (id, lane, refcount, leak class), edges, variables, timeline. */
static void
assert_same_state(const gcs_scene *a, const gcs_scene *b)
{
    assert_int_equal(a->cur_event, b->cur_event);
    assert_int_equal(a->n_objs, b->n_objs);
    for (size_t i = 0; i < a->n_objs; i++) {
        uint32_t j = gcs_scene_find(b, a->objs[i].id);
        assert_int_not_equal(j, GCS_SCENE_NONE);
        assert_int_equal(a->objs[i].lane, b->objs[j].lane);
        assert_int_equal(a->objs[i].refcnt, b->objs[j].refcnt);
        assert_int_equal(a->objs[i].leak, b->objs[j].leak);
    }
    assert_int_equal(a->n_edges, b->n_edges);
    assert_int_equal(a->n_vars, b->n_vars);
    assert_int_equal(a->n_timeline, b->n_timeline);
    assert_true((a->caption == NULL) == (b->caption == NULL));
}

/* The bug behind 433 MiB for `render` of a 100 MiB trace: the whole-trace
 * layout kept a record per object ever allocated. Big traces keep none. */
/* Render `sc` with view `v` (NULL: the 1280x800 window view) into `dl`,
 * which this initialises. */
static void
render_dl(gcs_scene *sc, const gcs_view *v, gcs_dlist *dl)
{
    gcs_view dflt;
    if (v == NULL) {
        gcs_view_init(&dflt, 1280, 800);
        v = &dflt;
    }
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1280, 800);
    cairo_t *cr = cairo_create(s);
    gcs_dlist_init(dl);
    assert_int_equal(gcs_render_frame(cr, sc, v, dl), 0);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

static void
test_bigview__big_trace_has_no_layout_records(void **state)
{
    (void)state;
    gcs_vtrace *small = open_demo(OPEN_NORMAL), *big = open_demo(OPEN_BIG);
    assert_true(gcs_layout_count(gcs_vtrace_layout(small)) > 10);
    assert_int_equal(gcs_layout_count(gcs_vtrace_layout(big)), 0);
    assert_int_equal(gcs_vtrace_n_leaks(big), gcs_vtrace_n_leaks(small));
    gcs_vtrace_close(small);
    gcs_vtrace_close(big);
}

/* Every object of every on-demand scene is placed, inside its lane, and no
 * two share a cell; the state is the one the precomputed path shows. */
static void
test_bigview__on_demand_placement_every_event(void **state)
{
    (void)state;
    gcs_vtrace *small = open_demo(OPEN_NORMAL), *big = open_demo(OPEN_BIG);
    gcs_scene a, b;
    gcs_scene_init(&a);
    gcs_scene_init(&b);
    uint64_t n = gcs_vtrace_n_events(big), placed = 0;
    for (uint64_t ev = 0; ev < n; ev++) {
        assert_int_equal(gcs_vtrace_scene(small, ev, 0, &a), 0);
        assert_int_equal(gcs_vtrace_scene(big, ev, 0, &b), 0);
        assert_same_state(&a, &b);
        assert_true(b.compacted);
        for (size_t i = 0; i < b.n_objs; i++) {
            const gcs_sobj *o = &b.objs[i];
            assert_true(o->placed);
            assert_true(o->x > b.lane_x0[o->lane] && o->x < b.lane_x1[o->lane]);
            assert_true(o->y > 0 && o->y < b.world_h);
            for (size_t j = 0; j < i; j++)
                assert_false(o->x == b.objs[j].x && o->y == b.objs[j].y);
            placed++;
        }
    }
    assert_true(placed > 100);
    gcs_scene_fini(&a);
    gcs_scene_fini(&b);
    gcs_vtrace_close(small);
    gcs_vtrace_close(big);
}

/* Stream mode (one picture): the same scenes as the indexed replay, forwards
 * and backwards, and the end state's leak analysis without moving backwards. */
static void
test_bigview__stream_scenes_match_indexed(void **state)
{
    (void)state;
    gcs_vtrace *ref = open_demo(OPEN_NORMAL);
    gcs_scene a, b;
    gcs_scene_init(&a);
    gcs_scene_init(&b);
    uint64_t n = gcs_vtrace_n_events(ref);
    uint64_t evs[] = {n - 1, n / 3, n / 2, 0, n - 2, 1};
    for (int m = 0; m < 2; m++) {
        gcs_vtrace *st = open_demo(m ? OPEN_STREAM_BIG : OPEN_STREAM);
        for (size_t k = 0; k < sizeof evs / sizeof evs[0]; k++) {
            assert_int_equal(gcs_vtrace_scene(ref, evs[k], 0, &a), 0);
            assert_int_equal(gcs_vtrace_scene(st, evs[k], 0, &b), 0);
            assert_same_state(&a, &b);
        }
        assert_int_equal(gcs_vtrace_n_leaks(st), gcs_vtrace_n_leaks(ref));
        gcs_vtrace_close(st);
    }
    gcs_scene_fini(&a);
    gcs_scene_fini(&b);
    gcs_vtrace_close(ref);
}

/* The window (fit to the world, not the content) draws an on-demand scene
 * inside the graph area: its world is the scene's, not the empty layout's. */
static void
test_bigview__window_fits_on_demand_scene(void **state)
{
    (void)state;
    gcs_vtrace *big = open_demo(OPEN_BIG);
    gcs_scene sc;
    gcs_scene_init(&sc);
    uint64_t ev = 0;
    size_t most = 0;
    for (uint64_t e = 0; e < gcs_vtrace_n_events(big); e++) { /* the fullest state */
        assert_int_equal(gcs_vtrace_scene(big, e, 0, &sc), 0);
        if (sc.n_objs > most) {
            most = sc.n_objs;
            ev = e;
        }
    }
    assert_int_equal(gcs_vtrace_scene(big, ev, 0, &sc), 0);
    gcs_view v;
    gcs_view_init(&v, 1280, 800);
    v.layout = gcs_vtrace_layout(big);
    gcs_regions r;
    gcs_render_regions(&v, &sc, &r);
    gcs_dlist dl;
    render_dl(&sc, &v, &dl);
    size_t nodes = 0;
    for (size_t k = 0; k < dl.n; k++) {
        const gcs_dl_item *it = &dl.items[k];
        if (it->kind != GCS_DL_NODE)
            continue;
        nodes++;
        assert_true(it->x >= r.graph.x - 1 && it->x + it->w <= r.graph.x + r.graph.w + 1);
        assert_true(it->y >= r.graph.y - 1 && it->y + it->h <= r.graph.y + r.graph.h + 1);
        assert_true(it->w >= 40); /* drawn at a readable size, not a speck */
    }
    assert_int_equal(nodes, most);
    gcs_dlist_fini(&dl);
    gcs_scene_fini(&sc);
    gcs_vtrace_close(big);
}

/* A heap like lesson 7's: n lists in generation 0 in 2-cycles (cyclic
 * garbage), nothing else. */
static void
lists_in_cycles(gcs_scene *sc, uint64_t n)
{
    gcs_scene_init(sc);
    sc->n_events = 100;
    sc->cur_event = 50;
    for (uint64_t id = 1; id <= n; id++) {
        gcs_sobj *o = gcs_scene_add_obj(sc, id, 0, "list", "", 1, GCS_LANE_GEN0);
        assert_non_null(o);
        o->placed = true;
        assert_non_null(gcs_scene_add_edge(sc, id, "[0]", id % 2 ? id + 1 : id - 1, 0));
    }
    assert_int_equal(gcs_scene_find_cycles(sc), 0);
}

/* Lesson 7 on a projector (issue #6): a still of the aggregated view was
 * drawn at 0.4 scale (type rows 14 px high, text 6 px) because it reserved
 * five full lanes and every row. Now it fits what it shows. */
static void
test_bigview__aggregated_still_drawn_large(void **state)
{
    (void)state;
    gcs_scene sc;
    lists_in_cycles(&sc, 3000);
    assert_true(gcs_render_aggregated(&sc));
    gcs_view v;
    gcs_view_init(&v, 1280, 800);
    v.fit_content = true;
    gcs_xform xf;
    gcs_render_xform(&v, &sc, &xf);
    assert_true(xf.scale >= 0.85);
    gcs_dlist dl;
    render_dl(&sc, &v, &dl);
    const gcs_dl_item *bar = gcs_dlist_find(&dl, GCS_DL_AGG, GCS_LANE_GEN0, 3000);
    assert_non_null(bar);
    assert_string_equal(bar->text, "list");
    assert_true(bar->h >= 34); /* a type row at least 34 px high */
    size_t nodes = gcs_dlist_count(&dl, GCS_DL_NODE);
    assert_true(nodes >= 4 && nodes % 2 == 0); /* whole 2-cycles, drawn in full */
    for (size_t k = 0; k < dl.n; k++)
        if (dl.items[k].kind == GCS_DL_NODE)
            assert_true(dl.items[k].w >= 0.85 * GCS_LAYOUT_NODE_W);
    /* the window keeps one world for every state: no rescale while scrubbing */
    v.fit_content = false;
    gcs_xform a, b;
    gcs_render_xform(&v, &sc, &a);
    for (size_t i = 0; i < sc.n_objs; i++)
        sc.objs[i].lane = GCS_LANE_GEN2;
    gcs_render_xform(&v, &sc, &b);
    assert_true(a.scale == b.scale && a.ox == b.ox && a.oy == b.oy);
    gcs_dlist_fini(&dl);
    gcs_scene_fini(&sc);
}

/* A long trace has tens of thousands of collector passes: the timeline drew
 * (and listed) a rectangle per pass on every frame. Passes closer than a
 * pixel now merge into one bar per run. */
static void
test_bigview__timeline_merges_dense_passes(void **state)
{
    (void)state;
    gcs_scene sc;
    lists_in_cycles(&sc, 10);
    sc.n_events = 10000000;
    for (uint64_t k = 0; k < 20000; k++) /* a gen-0 pass every 500 events */
        assert_non_null(gcs_scene_add_tl(&sc, GCS_TL_PASS, k * 500, k * 500 + 20, 0, NULL));
    assert_non_null(gcs_scene_add_tl(&sc, GCS_TL_PASS, 5000000, 5000100, 2, NULL));
    gcs_view v;
    gcs_view_init(&v, 1280, 800);
    gcs_dlist dl;
    render_dl(&sc, &v, &dl);
    size_t bars = gcs_dlist_count(&dl, GCS_DL_TL_PASS);
    assert_true(bars >= 2 && bars <= 10);
    const gcs_dl_item *g0 = gcs_dlist_find(&dl, GCS_DL_TL_PASS, 0, 0);
    const gcs_dl_item *g2 = gcs_dlist_find(&dl, GCS_DL_TL_PASS, 2, 0);
    assert_non_null(g0);
    assert_non_null(g2);
    assert_true(g0->w > 1000); /* the gen-0 run spans the whole axis */
    assert_true(g2->w < 10);
    gcs_dlist_fini(&dl);
    gcs_scene_fini(&sc);
}

#define LESSON7 GCS_SOURCE_DIR "/traces/lesson07_gc_disabled.gctrace"

/* The item of db of x's kind, id and id2 (gcs_dlist_find ignores id2 of
 * non-edges: a bar's id2 is its count). */
static const gcs_dl_item *
find_exact(const gcs_dlist *db, const gcs_dl_item *x)
{
    for (size_t k = 0; k < db->n; k++)
        if (db->items[k].kind == x->kind && db->items[k].id == x->id && db->items[k].id2 == x->id2)
            return &db->items[k];
    return NULL;
}

/* A big trace's aggregated state is built from counts plus the objects drawn
 * in full (seek cost and memory no longer per object of the heap): the same
 * bars, counts and objects in full as the scene listing every object. */
static void
test_bigview__summary_scene_matches_full_scene(void **state)
{
    (void)state;
    gcs_vtrace *full = NULL, *big = NULL;
    char err[512];
    assert_int_equal(gcs_vtrace_open(LESSON7, 1.6, &full, err, sizeof err), 0);
    gcs_vtrace_layout_limits(0, 0);
    assert_int_equal(gcs_vtrace_open(LESSON7, 1.6, &big, err, sizeof err), 0);
    gcs_vtrace_layout_limits(GCS_VTRACE_LAYOUT_EVENTS_MAX, GCS_VTRACE_LAYOUT_LIVE_MAX);
    uint64_t ev;
    assert_true(gcs_vtrace_marker_event(full, 2, &ev)); /* 7.2: 3000 dead lists */
    gcs_scene a, b;
    gcs_scene_init(&a);
    gcs_scene_init(&b);
    assert_int_equal(gcs_vtrace_scene(full, ev, 0, &a), 0);
    assert_int_equal(gcs_vtrace_scene(big, ev, 0, &b), 0);
    assert_false(a.sum.on);
    assert_true(b.sum.on);
    /* rebuilt in the same scene, as every seek in the window does: the type
     * counts start from zero again (they used to add up: "other types"
     * showed a wrapped-around negative count) */
    assert_int_equal(gcs_vtrace_scene(big, ev, 0, &b), 0);
    assert_int_equal(gcs_vtrace_scene(big, ev, 0, &b), 0);
    for (int l = 0; l < GCS_LANE__COUNT; l++) {
        uint64_t by_type = 0;
        for (size_t t = 0; (t + 1) * GCS_LANE__COUNT <= b.sum.cap_count; t++)
            by_type += b.sum.count[t * GCS_LANE__COUNT + (size_t)l];
        assert_int_equal(by_type, b.sum.lane_n[l]);
    }
    assert_true(a.n_objs > 3000);
    assert_int_equal(b.sum.n_objs, a.n_objs);
    assert_true(b.n_objs <= 2 * GCS_RENDER_FULL_MAX + 16);
    gcs_dlist da, db;
    render_dl(&a, NULL, &da);
    render_dl(&b, NULL, &db);
    size_t bars = 0;
    for (size_t k = 0; k < da.n; k++) {
        const gcs_dl_item *x = &da.items[k];
        if (x->kind != GCS_DL_AGG && x->kind != GCS_DL_NODE)
            continue;
        const gcs_dl_item *y = find_exact(&db, x);
        assert_non_null(y); /* the same bar (lane, count) / the same object in full */
        assert_string_equal(x->text, y->text);
        assert_true(x->x == y->x && x->y == y->y);
        bars += x->kind == GCS_DL_AGG;
    }
    assert_true(bars >= 1);
    assert_int_equal(gcs_dlist_count(&da, GCS_DL_NODE), gcs_dlist_count(&db, GCS_DL_NODE));
    assert_int_equal(gcs_dlist_count(&da, GCS_DL_AGG), gcs_dlist_count(&db, GCS_DL_AGG));
    assert_true(gcs_dlist_count(&db, GCS_DL_NODE) >= 4); /* the 2-cycles, in full */
    gcs_dlist_fini(&da);
    gcs_dlist_fini(&db);
    gcs_scene_fini(&a);
    gcs_scene_fini(&b);
    gcs_vtrace_close(full);
    gcs_vtrace_close(big);
}

static double
cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU ms of the cheapest of 3 frames. */
static double
frame_cpu(gcs_scene *sc, const gcs_view *v)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1280, 800);
    double best = 1e9;
    for (int k = 0; k < 3; k++) {
        cairo_t *cr = cairo_create(s);
        double a = cpu_ms();
        assert_int_equal(gcs_render_frame(cr, sc, v, NULL), 0);
        best = fmin(best, cpu_ms() - a);
        cairo_destroy(cr);
    }
    cairo_surface_destroy(s);
    return best;
}

/* The roots panel's arrow to an object drawn in full checked every object of
 * the scene at 31 points of its curve: 16 variables over a 200,000-object
 * heap were 100 M checks per frame. Now only the nodes near the curve are
 * checked, so variables cost about the same on any heap. Compared within one
 * run (the same frame with the variables unbound), so load does not matter. */
static void
test_bigview__roots_arrows_cost_independent_of_heap(void **state)
{
    (void)state;
    gcs_scene sc;
    lists_in_cycles(&sc, 200000);
    int f = gcs_scene_add_frame(&sc, "<module>");
    assert_true(f >= 0);
    for (int k = 0; k < 16; k++) {
        char name[16];
        snprintf(name, sizeof name, "v%d", k);
        assert_non_null(gcs_scene_add_var(&sc, (uint32_t)f, name, 0));
    }
    gcs_view v;
    gcs_view_init(&v, 1280, 800);
    double unbound = frame_cpu(&sc, &v);
    for (size_t k = 0; k < sc.n_vars; k++)
        sc.vars[k].obj = 1001 + 2 * k; /* drawn in full: arrows from the panel */
    double bound = frame_cpu(&sc, &v);
    print_message("frame %.1f ms cpu unbound, %.1f ms bound\n", unbound, bound);
    assert_true(bound < 2 * unbound + 5);
    gcs_scene_fini(&sc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bigview__big_trace_has_no_layout_records),
        cmocka_unit_test(test_bigview__on_demand_placement_every_event),
        cmocka_unit_test(test_bigview__stream_scenes_match_indexed),
        cmocka_unit_test(test_bigview__window_fits_on_demand_scene),
        cmocka_unit_test(test_bigview__aggregated_still_drawn_large),
        cmocka_unit_test(test_bigview__timeline_merges_dense_passes),
        cmocka_unit_test(test_bigview__roots_arrows_cost_independent_of_heap),
        cmocka_unit_test(test_bigview__summary_scene_matches_full_scene),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    gcs_render_shutdown();
    return failed;
}
