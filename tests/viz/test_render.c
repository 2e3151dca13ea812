/* tests/viz/test_render.c — the renderer on known scenes, headless: structure
 * from the display list (badges, phases, weak edges, aggregation) and from
 * pixels (a cycle's tint is present at both members and absent elsewhere; a
 * weak edge's dashes are gone after clearing). Plus cycle detection. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "layout/layout.h"
#include "render/render.h"
#include "render/render_int.h"
#include "render/scene_demo.h"

typedef struct frame {
    gcs_scene sc;
    gcs_layout *L;
    gcs_view v;
    gcs_dlist dl;
    cairo_surface_t *s;
} frame;

static void
frame_render(frame *f, int variant, int theme)
{
    memset(f, 0, sizeof *f);
    gcs_scene_init(&f->sc);
    assert_int_equal(gcs_layout_new(&f->L), 0);
    assert_int_equal(gcs_demo_classroom(&f->sc, f->L, variant), 0);
    gcs_view_init(&f->v, 1280, 800);
    f->v.layout = f->L;
    f->v.theme = theme;
    gcs_dlist_init(&f->dl);
    f->s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1280, 800);
    cairo_t *cr = cairo_create(f->s);
    assert_int_equal(gcs_render_frame(cr, &f->sc, &f->v, &f->dl), 0);
    cairo_destroy(cr);
    cairo_surface_flush(f->s);
}

static void
frame_fini(frame *f)
{
    cairo_surface_destroy(f->s);
    gcs_dlist_fini(&f->dl);
    gcs_layout_free(f->L);
    gcs_scene_fini(&f->sc);
}

static uint32_t
pixel(cairo_surface_t *s, double x, double y)
{
    int ix = (int)lround(x), iy = (int)lround(y);
    unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    uint32_t p;
    memcpy(&p, d + iy * stride + ix * 4, 4);
    return p & 0xFFFFFF;
}

static int
channel_dist(uint32_t a, uint32_t b)
{
    int d = 0;
    for (int sh = 0; sh <= 16; sh += 8) {
        int x = abs((int)((a >> sh) & 255) - (int)((b >> sh) & 255));
        d = x > d ? x : d;
    }
    return d;
}

/* Colour in the halo band just left of a node box (outside the border). */
static uint32_t
halo_pixel(frame *f, uint64_t id)
{
    const gcs_dl_item *n = gcs_dlist_find(&f->dl, GCS_DL_NODE, id, 0);
    assert_non_null(n);
    return pixel(f->s, n->x - 2.5, n->y + n->h * 0.75);
}

static void
test_render__cycle_tint_at_both_members(void **state)
{
    (void)state;
    frame f;
    frame_render(&f, 0, GCS_THEME_LIGHT);
    /* lists #1 and #2 form a cycle; the dict #4 is in the same lane, in none */
    uint32_t i1 = gcs_scene_find(&f.sc, 1), i2 = gcs_scene_find(&f.sc, 2);
    assert_true(f.sc.objs[i1].scc >= 0);
    assert_int_equal(f.sc.objs[i1].scc, f.sc.objs[i2].scc);
    uint32_t hue = gcs_render_cycle_rgb(f.sc.objs[i1].scc_key);
    uint32_t lane = gcs_dlist_find(&f.dl, GCS_DL_LANE, GCS_LANE_GEN0, 0)->rgb;
    uint32_t p1 = halo_pixel(&f, 1), p2 = halo_pixel(&f, 2), p4 = halo_pixel(&f, 4);
    /* tinted: far from the lane colour, closer to the hue than the lane is */
    assert_true(channel_dist(p1, lane) > 25);
    assert_true(channel_dist(p2, lane) > 25);
    assert_true(channel_dist(p1, hue) < channel_dist(lane, hue));
    assert_true(channel_dist(p2, p1) <= 12);   /* the same tint at both members */
    assert_true(channel_dist(p4, lane) <= 12); /* no tint off the cycle */
    const gcs_dl_item *e = gcs_dlist_find(&f.dl, GCS_DL_EDGE, 1, 2);
    assert_non_null(e);
    assert_true(e->flags & GCS_DLF_CYCLE);
    assert_int_equal(e->rgb, hue);
    frame_fini(&f);
}

static void
test_render__cycle_toggle_removes_tint(void **state)
{
    (void)state;
    frame f;
    frame_render(&f, 0, GCS_THEME_LIGHT);
    uint32_t lane = gcs_dlist_find(&f.dl, GCS_DL_LANE, GCS_LANE_GEN0, 0)->rgb;
    f.v.hide_cycles = true;
    gcs_dlist_fini(&f.dl);
    cairo_t *cr = cairo_create(f.s);
    assert_int_equal(gcs_render_frame(cr, &f.sc, &f.v, &f.dl), 0);
    cairo_destroy(cr);
    cairo_surface_flush(f.s);
    assert_true(channel_dist(halo_pixel(&f, 1), lane) <= 12);
    assert_int_equal(gcs_dlist_count(&f.dl, GCS_DL_HULL), 0);
    frame_fini(&f);
}

/* Count weak-coloured pixels in a box around the middle of an edge. */
static int
weak_pixels_near(frame *f, const gcs_dl_item *e, uint32_t weak)
{
    double mx = (e->x + e->w) / 2, my = (e->y + e->h) / 2;
    int n = 0;
    for (int dy = -30; dy <= 30; dy++)
        for (int dx = -30; dx <= 30; dx++)
            n += channel_dist(pixel(f->s, mx + dx, my + dy), weak) < 40;
    return n;
}

static void
test_render__weakref_edge_snaps_then_is_gone(void **state)
{
    (void)state;
    frame before, snap, after;
    frame_render(&before, 0, GCS_THEME_LIGHT);
    frame_render(&snap, 1, GCS_THEME_LIGHT);
    frame_render(&after, 3, GCS_THEME_LIGHT);
    const gcs_dl_item *e0 = gcs_dlist_find(&before.dl, GCS_DL_EDGE, 6, 5);
    const gcs_dl_item *e1 = gcs_dlist_find(&snap.dl, GCS_DL_EDGE, 6, 5);
    assert_non_null(e0);
    assert_non_null(e1);
    assert_true(e0->flags & GCS_DLF_WEAK);
    assert_false(e0->flags & GCS_DLF_SNAP);
    assert_true(e1->flags & GCS_DLF_SNAP);
    assert_null(gcs_dlist_find(&after.dl, GCS_DL_EDGE, 6, 5));
    uint32_t weak = e0->rgb;
    int px_before = weak_pixels_near(&before, e0, weak);
    int px_after = weak_pixels_near(&after, e0, weak);
    assert_true(px_before > 20);
    assert_true(px_after < px_before / 4);
    frame_fini(&before);
    frame_fini(&snap);
    frame_fini(&after);
}

static void
test_render__badges_show_refcount_then_gc_refs_in_pass(void **state)
{
    (void)state;
    frame f, p;
    frame_render(&f, 0, GCS_THEME_LIGHT);
    frame_render(&p, 2, GCS_THEME_DARK);
    const gcs_dl_item *b = gcs_dlist_find(&f.dl, GCS_DL_BADGE, 10, 0);
    assert_non_null(b);
    assert_string_equal(b->text, "rc 3");
    assert_null(gcs_dlist_find(&f.dl, GCS_DL_PHASE, 0, 0));
    const gcs_dl_item *ph = gcs_dlist_find(&p.dl, GCS_DL_PHASE, 0, 0);
    assert_non_null(ph);
    assert_string_equal(ph->text, "subtract_refs");
    uint32_t i = gcs_scene_find(&p.sc, 3);
    char want[32];
    snprintf(want, sizeof want, "gc_refs %lld", (long long)p.sc.objs[i].gc_refs);
    assert_string_equal(gcs_dlist_find(&p.dl, GCS_DL_BADGE, 3, 0)->text, want);
    /* atoms are not in the pass: they keep their refcount badge */
    assert_string_equal(gcs_dlist_find(&p.dl, GCS_DL_BADGE, 10, 0)->text, "rc 3");
    frame_fini(&f);
    frame_fini(&p);
}

static void
test_render__roots_point_at_their_objects(void **state)
{
    (void)state;
    frame f;
    frame_render(&f, 0, GCS_THEME_LIGHT);
    assert_int_equal(gcs_dlist_count(&f.dl, GCS_DL_VAR), f.sc.n_vars);
    const gcs_dl_item *a = NULL;
    for (size_t i = 0; i < f.dl.n; i++)
        if (f.dl.items[i].kind == GCS_DL_VAR && strcmp(f.dl.items[i].text, "a") == 0)
            a = &f.dl.items[i];
    assert_non_null(a);
    assert_int_equal(a->id, 1);
    /* the variable's dot is in the roots panel, left of every lane */
    assert_true(a->x < gcs_dlist_find(&f.dl, GCS_DL_LANE, 0, 0)->x);
    frame_fini(&f);
}

static void
test_render__timeline_has_passes_markers_leaks_and_maps_clicks(void **state)
{
    (void)state;
    frame f;
    frame_render(&f, 0, GCS_THEME_LIGHT);
    assert_int_equal(gcs_dlist_count(&f.dl, GCS_DL_TL_PASS), 3);
    assert_int_equal(gcs_dlist_count(&f.dl, GCS_DL_TL_TICK), 4);
    const gcs_dl_item *leak = gcs_dlist_find(&f.dl, GCS_DL_TL_TICK, GCS_TL_LEAK, 0);
    assert_non_null(leak);
    assert_true(leak->flags & GCS_DLF_LEAK);
    uint64_t ev = 0;
    assert_true(gcs_render_hit_timeline(&f.sc, &f.v, leak->x, 800 - 60, &ev));
    assert_true(ev >= 237 && ev <= 239);
    assert_false(gcs_render_hit_timeline(&f.sc, &f.v, leak->x, 300, &ev));
    /* clicking a node selects it */
    const gcs_dl_item *n = gcs_dlist_find(&f.dl, GCS_DL_NODE, 5, 0);
    assert_int_equal(gcs_render_hit_object(&f.sc, &f.v, n->x + n->w / 2, n->y + n->h / 2), 5);
    frame_fini(&f);
}

static void
test_render__big_heap_aggregates_but_keeps_cycles_in_full(void **state)
{
    (void)state;
    gcs_scene sc;
    gcs_scene_init(&sc);
    gcs_layout *L;
    assert_int_equal(gcs_layout_new(&L), 0);
    assert_int_equal(gcs_demo_random(&sc, L, 20000, 3), 0);
    assert_true(gcs_render_aggregated(&sc));
    gcs_view v;
    gcs_view_init(&v, 1280, 800);
    v.layout = L;
    v.selected = 777;
    gcs_dlist dl;
    gcs_dlist_init(&dl);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1280, 800);
    cairo_t *cr = cairo_create(s);
    assert_int_equal(gcs_render_frame(cr, &sc, &v, &dl), 0);
    size_t nodes = gcs_dlist_count(&dl, GCS_DL_NODE), cyc = 0, total = 0;
    assert_true(nodes > 0 && nodes <= GCS_RENDER_FULL_MAX);
    for (size_t i = 0; i < dl.n; i++) {
        if (dl.items[i].kind == GCS_DL_NODE)
            cyc += (dl.items[i].flags & GCS_DLF_CYCLE) != 0;
        if (dl.items[i].kind == GCS_DL_AGG)
            total += dl.items[i].id2;
    }
    assert_true(cyc > 0);
    assert_int_equal(total, 20000); /* every object is in exactly one group */
    assert_non_null(gcs_dlist_find(&dl, GCS_DL_NODE, 777, 0)); /* the selection, in full */
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    gcs_dlist_fini(&dl);
    gcs_layout_free(L);
    gcs_scene_fini(&sc);
}

static void
test_render__scc_ignores_weak_edges_and_finds_self_loops(void **state)
{
    (void)state;
    gcs_scene sc;
    gcs_scene_init(&sc);
    for (uint64_t id = 1; id <= 6; id++)
        assert_non_null(gcs_scene_add_obj(&sc, id, 5, "list", "", 1, 0));
    assert_non_null(gcs_scene_add_edge(&sc, 1, "a", 2, 0));
    assert_non_null(gcs_scene_add_edge(&sc, 2, "b", 3, 0));
    assert_non_null(gcs_scene_add_edge(&sc, 3, "c", 1, 0));
    assert_non_null(gcs_scene_add_edge(&sc, 4, "self", 4, 0));
    assert_non_null(gcs_scene_add_edge(&sc, 5, "w", 6, 0));
    assert_non_null(gcs_scene_add_edge(&sc, 6, "back", 5, GCS_SEDGE_WEAK));
    assert_int_equal(gcs_scene_find_cycles(&sc), 0);
    assert_int_equal(sc.n_cycles, 2);
    const gcs_sobj *o = sc.objs;
    assert_true(o[0].scc >= 0 && o[0].scc == o[1].scc && o[1].scc == o[2].scc);
    assert_int_equal(o[0].scc_key, 1);
    assert_true(o[3].scc >= 0 && o[3].scc != o[0].scc);
    assert_int_equal(o[4].scc, -1);
    assert_int_equal(o[5].scc, -1);
    gcs_scene_fini(&sc);
}

static void
test_render__deep_chain_cycle_needs_no_recursion(void **state)
{
    (void)state;
    gcs_scene sc;
    gcs_scene_init(&sc);
    const uint64_t n = 200000;
    for (uint64_t id = 1; id <= n; id++) {
        assert_non_null(gcs_scene_add_obj(&sc, id, 5, "Node", "", 1, 0));
        assert_non_null(gcs_scene_add_edge(&sc, id, ".next", id % n + 1, 0));
    }
    assert_int_equal(gcs_scene_find_cycles(&sc), 0);
    assert_int_equal(sc.n_cycles, 1);
    assert_int_equal(sc.objs[n - 1].scc, 0);
    gcs_scene_fini(&sc);
}

static void
test_render__png_written_and_bad_path_reported(void **state)
{
    (void)state;
    frame f;
    frame_render(&f, 0, GCS_THEME_DARK);
    char err[256];
    const char *path = gcs_test_tmpname(".png");
    assert_int_equal(gcs_render_png(&f.sc, &f.v, path, err, sizeof err), 0);
    cairo_surface_t *png = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(png), 1280);
    assert_int_equal(cairo_image_surface_get_height(png), 800);
    cairo_surface_destroy(png);
    remove(path);
    assert_int_equal(gcs_render_png(&f.sc, &f.v, "/nonexistent/dir/x.png", err, sizeof err),
                     GCS_EIO);
    assert_non_null(strstr(err, "/nonexistent/dir/x.png"));
    frame_fini(&f);
}

/* A lane title too wide for its lane is drawn smaller so it fits whole
 * ("untracked" in a narrow lane at 1280x800 used to read "untrack..."). */
static void
test_render__title_size_fits_narrow_box(void **state)
{
    (void)state;
    cairo_t *cr = gcs_measure_cr();
    assert_non_null(cr);
    double full = gcs_text_width(cr, "untracked", 28, true);
    assert_true(full > 100);
    double max_w = full * 0.8;
    double fs = gcs_text_fit_size(cr, "untracked", 28, true, max_w, 10);
    assert_true(fs < 28 && fs >= 10);
    assert_true(gcs_text_width(cr, "untracked", fs, true) <= max_w);
    assert_true(fs > 28 * 0.7); /* not shrunk more than it needs */
    /* fits already: unchanged; never below the floor */
    assert_true(gcs_text_fit_size(cr, "untracked", 28, true, full + 1, 10) == 28);
    assert_true(gcs_text_fit_size(cr, "untracked", 28, true, 5, 10) == 10);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render__title_size_fits_narrow_box),
        cmocka_unit_test(test_render__cycle_tint_at_both_members),
        cmocka_unit_test(test_render__cycle_toggle_removes_tint),
        cmocka_unit_test(test_render__weakref_edge_snaps_then_is_gone),
        cmocka_unit_test(test_render__badges_show_refcount_then_gc_refs_in_pass),
        cmocka_unit_test(test_render__roots_point_at_their_objects),
        cmocka_unit_test(test_render__timeline_has_passes_markers_leaks_and_maps_clicks),
        cmocka_unit_test(test_render__big_heap_aggregates_but_keeps_cycles_in_full),
        cmocka_unit_test(test_render__scc_ignores_weak_edges_and_finds_self_loops),
        cmocka_unit_test(test_render__deep_chain_cycle_needs_no_recursion),
        cmocka_unit_test(test_render__png_written_and_bad_path_reported),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    gcs_render_shutdown();
    return failed;
}
