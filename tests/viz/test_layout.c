/* tests/viz/test_layout.c — the layout: no overlapping nodes or labels at
 * classroom sizes, positions stable across steps that don't change lanes,
 * slots never shared by two live objects, promotions move between lanes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "layout/layout.h"
#include "render/render.h"
#include "render/scene_demo.h"

static bool
boxes_overlap(const gcs_dl_item *a, const gcs_dl_item *b)
{
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* 60 live objects across the lanes, each referring to the next one in its
 * lane, plus a few cycles: a busy classroom scene. */
static void
build_sixty(gcs_scene *sc, gcs_layout *L)
{
    static const int lanes[] = {GCS_LANE_GEN0, GCS_LANE_GEN0, GCS_LANE_GEN1, GCS_LANE_GEN2,
                                GCS_LANE_UNTRACKED};
    for (uint64_t id = 1; id <= 60; id++) {
        int lane = lanes[id % 5];
        char label[32];
        snprintf(label, sizeof label, "value %llu", (unsigned long long)id);
        assert_non_null(gcs_scene_add_obj(sc, id, 5, "list", label, 1, lane));
        assert_int_equal(gcs_layout_place(L, id, lane, id), 0);
    }
    for (uint64_t id = 1; id + 5 <= 60; id++)
        assert_non_null(gcs_scene_add_edge(sc, id, "[0]", id + 5, 0));
    assert_non_null(gcs_scene_add_edge(sc, 12, ".back", 7, 0));
    assert_non_null(gcs_scene_add_edge(sc, 30, ".self", 30, 0));
    sc->n_events = 100;
    sc->cur_event = 80;
    gcs_layout_finish(L, gcs_render_graph_aspect(1280, 800));
    gcs_layout_apply(L, sc);
}

static void
test_layout__sixty_objects_no_overlap_at_1280x800(void **state)
{
    (void)state;
    gcs_scene sc;
    gcs_scene_init(&sc);
    gcs_layout *L;
    assert_int_equal(gcs_layout_new(&L), 0);
    build_sixty(&sc, L);
    gcs_view v;
    gcs_view_init(&v, 1280, 800);
    v.layout = L;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1280, 800);
    cairo_t *cr = cairo_create(s);
    gcs_dlist dl;
    gcs_dlist_init(&dl);
    assert_int_equal(gcs_render_frame(cr, &sc, &v, &dl), 0);
    size_t nodes = 0, labels = 0;
    for (size_t i = 0; i < dl.n; i++) {
        const gcs_dl_item *a = &dl.items[i];
        if (a->kind == GCS_DL_NODE) {
            nodes++;
            assert_true(a->w >= 80); /* readable: type text >= 8.5 px */
        }
        labels += a->kind == GCS_DL_EDGE_LABEL;
        for (size_t j = i + 1; j < dl.n; j++) {
            const gcs_dl_item *b = &dl.items[j];
            bool both_nodes = a->kind == GCS_DL_NODE && b->kind == GCS_DL_NODE;
            bool both_labels = a->kind == GCS_DL_EDGE_LABEL && b->kind == GCS_DL_EDGE_LABEL;
            if (both_nodes || both_labels) {
                if (boxes_overlap(a, b))
                    fail_msg("overlap: %s at (%.0f,%.0f) and %s at (%.0f,%.0f)", a->text, a->x,
                             a->y, b->text, b->x, b->y);
            }
        }
    }
    assert_int_equal(nodes, 60);
    assert_true(labels >= 50); /* slot labels are drawn at this size */
    gcs_dlist_fini(&dl);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    gcs_layout_free(L);
    gcs_scene_fini(&sc);
}

static void
test_layout__stable_while_lane_unchanged(void **state)
{
    (void)state;
    gcs_layout *L;
    assert_int_equal(gcs_layout_new(&L), 0);
    /* object 1 lives through events 0..99 in gen0 while others come and go */
    assert_int_equal(gcs_layout_place(L, 1, GCS_LANE_GEN0, 0), 0);
    for (uint64_t ev = 1; ev < 90; ev++) {
        assert_int_equal(gcs_layout_place(L, 100 + ev, GCS_LANE_GEN0, ev), 0);
        if (ev > 3)
            assert_int_equal(gcs_layout_remove(L, 100 + ev - 3, ev), 0);
    }
    assert_int_equal(gcs_layout_place(L, 1, GCS_LANE_GEN1, 95), 0); /* promoted */
    gcs_layout_finish(L, 1.6);
    double x0, y0, x, y;
    int lane;
    assert_true(gcs_layout_pos(L, 1, 0, &x0, &y0, &lane));
    assert_int_equal(lane, GCS_LANE_GEN0);
    for (uint64_t ev = 0; ev < 95; ev++) {
        assert_true(gcs_layout_pos(L, 1, ev, &x, &y, &lane));
        assert_true(x == x0 && y == y0);
    }
    assert_true(gcs_layout_pos(L, 1, 95, &x, &y, &lane));
    assert_int_equal(lane, GCS_LANE_GEN1);
    assert_true(x != x0);
    /* scrubbing back gives the old place again */
    assert_true(gcs_layout_pos(L, 1, 50, &x, &y, &lane));
    assert_true(x == x0 && y == y0);
    gcs_layout_free(L);
}

static void
test_layout__live_objects_never_share_a_slot(void **state)
{
    (void)state;
    gcs_layout *L;
    assert_int_equal(gcs_layout_new(&L), 0);
    uint64_t seed = 12345, next_id = 1;
    uint64_t live[64];
    size_t n_live = 0;
    for (uint64_t ev = 0; ev < 400; ev++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        if (n_live < 64 && (n_live == 0 || (seed >> 33) % 3 != 0)) {
            live[n_live++] = next_id;
            assert_int_equal(gcs_layout_place(L, next_id++, (int)((seed >> 40) % 3), ev), 0);
        } else {
            size_t k = (size_t)((seed >> 20) % n_live);
            assert_int_equal(gcs_layout_remove(L, live[k], ev), 0);
            live[k] = live[--n_live];
        }
    }
    gcs_layout_finish(L, 1.6);
    for (uint64_t ev = 0; ev < 400; ev += 7) {
        double xs[512], ys[512];
        size_t n = 0;
        for (uint64_t id = 1; id < next_id && n < 512; id++) {
            int lane;
            if (gcs_layout_pos(L, id, ev, &xs[n], &ys[n], &lane))
                n++;
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                assert_false(fabs(xs[i] - xs[j]) < GCS_LAYOUT_NODE_W &&
                             fabs(ys[i] - ys[j]) < GCS_LAYOUT_NODE_H);
    }
    gcs_layout_free(L);
}

static void
test_layout__freed_slot_reused_only_after_free(void **state)
{
    (void)state;
    gcs_layout *L;
    assert_int_equal(gcs_layout_new(&L), 0);
    assert_int_equal(gcs_layout_place(L, 1, GCS_LANE_GEN0, 0), 0);
    assert_int_equal(gcs_layout_remove(L, 1, 5), 0);
    assert_int_equal(gcs_layout_place(L, 2, GCS_LANE_GEN0, 5), 0); /* same event: new slot */
    assert_int_equal(gcs_layout_place(L, 3, GCS_LANE_GEN0, 6), 0); /* later: reuses slot 0 */
    gcs_layout_finish(L, 1.6);
    double x1, y1, x2, y2, x3, y3;
    assert_true(gcs_layout_pos(L, 1, 5, &x1, &y1, NULL));
    assert_true(gcs_layout_pos(L, 2, 5, &x2, &y2, NULL));
    assert_true(gcs_layout_pos(L, 3, 6, &x3, &y3, NULL));
    assert_false(x1 == x2 && y1 == y2);
    assert_true(x1 == x3 && y1 == y3);
    assert_false(gcs_layout_pos(L, 1, 6, &x1, &y1, NULL)); /* gone */
    gcs_layout_free(L);
}

static void
test_layout__rejects_bad_lane_and_time_going_back(void **state)
{
    (void)state;
    gcs_layout *L;
    assert_int_equal(gcs_layout_new(&L), 0);
    assert_int_equal(gcs_layout_place(L, 1, GCS_LANE__COUNT, 0), GCS_EINVAL);
    assert_int_equal(gcs_layout_place(L, 1, -1, 0), GCS_EINVAL);
    assert_int_equal(gcs_layout_place(L, 1, GCS_LANE_GEN0, 10), 0);
    assert_int_equal(gcs_layout_place(L, 2, GCS_LANE_GEN0, 9), GCS_EINVAL);
    assert_int_equal(gcs_layout_count(L), 1);
    gcs_layout_free(L);
}

static void
test_layout__lanes_are_ordered_and_disjoint(void **state)
{
    (void)state;
    gcs_scene sc;
    gcs_scene_init(&sc);
    gcs_layout *L;
    assert_int_equal(gcs_layout_new(&L), 0);
    assert_int_equal(gcs_demo_classroom(&sc, L, 0), 0);
    gcs_lane_geom g[GCS_LANE__COUNT];
    gcs_layout_lanes(L, g);
    for (int l = 1; l < GCS_LANE__COUNT; l++)
        assert_true(g[l].x0 >= g[l - 1].x1);
    for (size_t i = 0; i < sc.n_objs; i++) {
        const gcs_sobj *o = &sc.objs[i];
        assert_true(o->placed);
        assert_true(o->x - GCS_LAYOUT_NODE_W / 2 >= g[o->lane].x0);
        assert_true(o->x + GCS_LAYOUT_NODE_W / 2 <= g[o->lane].x1);
    }
    gcs_layout_free(L);
    gcs_scene_fini(&sc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout__sixty_objects_no_overlap_at_1280x800),
        cmocka_unit_test(test_layout__stable_while_lane_unchanged),
        cmocka_unit_test(test_layout__live_objects_never_share_a_slot),
        cmocka_unit_test(test_layout__freed_slot_reused_only_after_free),
        cmocka_unit_test(test_layout__rejects_bad_lane_and_time_going_back),
        cmocka_unit_test(test_layout__lanes_are_ordered_and_disjoint),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    gcs_render_shutdown();
    return failed;
}
