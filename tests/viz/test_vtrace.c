/* tests/viz/test_vtrace.c — scenes built from a real trace: the demo trace
 * recorded at build time by traces/viz_demo.c (the two-list cycle, a weakref
 * with a callback, a collection). Checks that the viewer's model follows the
 * runtime: the cycle is one SCC while it lives, the collector pass shows
 * gc_refs, the weakref snaps, promotions change lanes, positions are stable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "render/render.h"
#include "render/scene_from_replay.h"

#define DEMO GCS_BINARY_DIR "/traces/demo.gctrace"

static gcs_vtrace *
open_demo(void)
{
    gcs_vtrace *t = NULL;
    char err[512];
    int rc = gcs_vtrace_open(DEMO, 1.6, &t, err, sizeof err);
    if (rc < 0)
        fail_msg("cannot open %s: %s", DEMO, err);
    return t;
}

/* The event of the first marker whose caption contains `text`. */
static uint64_t
marker_with(gcs_vtrace *t, gcs_scene *sc, const char *text)
{
    for (size_t k = 0; k < gcs_vtrace_n_markers(t); k++) {
        uint64_t ev;
        assert_true(gcs_vtrace_marker_event(t, k, &ev));
        assert_int_equal(gcs_vtrace_scene(t, ev, 0, sc), 0);
        if (sc->caption && strstr(sc->caption, text))
            return ev;
    }
    fail_msg("no marker with '%s'", text);
    return 0;
}

static const gcs_sobj *
var_obj(const gcs_scene *sc, const char *name)
{
    for (size_t k = 0; k < sc->n_vars; k++)
        if (strcmp(sc->vars[k].name, name) == 0) {
            uint32_t i = gcs_scene_find(sc, sc->vars[k].obj);
            return i == GCS_SCENE_NONE ? NULL : &sc->objs[i];
        }
    return NULL;
}

static void
test_vtrace__cycle_is_one_scc_until_collected(void **state)
{
    (void)state;
    gcs_vtrace *t = open_demo();
    gcs_scene sc;
    gcs_scene_init(&sc);
    marker_with(t, &sc, "a reference cycle");
    assert_true(sc.marker_now);
    assert_int_equal(gcs_scene_find_cycles(&sc), 0);
    const gcs_sobj *a = var_obj(&sc, "a"), *b = var_obj(&sc, "b");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a->type, "list");
    assert_int_equal(a->refcnt, 2);
    assert_true(a->scc >= 0 && a->scc == b->scc);
    uint64_t aid = a->id, bid = b->id;
    marker_with(t, &sc, "trial deletion found the cycle");
    assert_int_equal(gcs_scene_find(&sc, aid), GCS_SCENE_NONE);
    assert_int_equal(gcs_scene_find(&sc, bid), GCS_SCENE_NONE);
    gcs_scene_fini(&sc);
    gcs_vtrace_close(t);
}

static void
test_vtrace__pass_phase_shows_gc_refs_of_the_cycle(void **state)
{
    (void)state;
    gcs_vtrace *t = open_demo();
    gcs_scene sc;
    gcs_scene_init(&sc);
    assert_true(gcs_vtrace_n_passes(t) >= 1);
    uint64_t ev;
    assert_true(gcs_vtrace_pass_event(t, 0, "subtract_refs", &ev));
    assert_int_equal(gcs_vtrace_scene(t, ev, 0, &sc), 0);
    assert_true(sc.in_pass);
    assert_string_equal(sc.pass_phase, "subtract_refs");
    assert_int_equal(gcs_scene_find_cycles(&sc), 0);
    size_t cycle_members = 0;
    for (size_t i = 0; i < sc.n_objs; i++)
        if (sc.objs[i].scc >= 0) {
            cycle_members++;
            assert_true(sc.objs[i].flags & GCS_SOBJ_IN_PASS);
            assert_int_equal(sc.objs[i].gc_refs, 0); /* only internal references */
        }
    assert_int_equal(cycle_members, 2);
    assert_false(gcs_vtrace_pass_event(t, 0, "no_such_phase", &ev));
    gcs_scene_fini(&sc);
    gcs_vtrace_close(t);
}

static void
test_vtrace__weakref_dashed_then_snaps_then_gone(void **state)
{
    (void)state;
    gcs_vtrace *t = open_demo();
    gcs_scene sc;
    gcs_scene_init(&sc);
    uint64_t ev = marker_with(t, &sc, "a weak link");
    size_t weak = 0;
    for (size_t k = 0; k < sc.n_edges; k++)
        weak += (sc.edges[k].flags & GCS_SEDGE_WEAK) && !(sc.edges[k].flags & GCS_SEDGE_CLEARED);
    assert_int_equal(weak, 1);
    /* walk forward to the event that clears it */
    bool snapped = false;
    for (uint64_t e = ev; e < gcs_vtrace_n_events(t) && !snapped; e++) {
        assert_int_equal(gcs_vtrace_scene(t, e, 0, &sc), 0);
        for (size_t k = 0; k < sc.n_edges; k++)
            snapped |= (sc.edges[k].flags & GCS_SEDGE_CLEARED) != 0;
    }
    assert_true(snapped);
    marker_with(t, &sc, "its weakref snapped");
    for (size_t k = 0; k < sc.n_edges; k++)
        assert_false(sc.edges[k].flags & GCS_SEDGE_WEAK);
    gcs_scene_fini(&sc);
    gcs_vtrace_close(t);
}

static void
test_vtrace__positions_stable_unless_lane_changes(void **state)
{
    (void)state;
    gcs_vtrace *t = open_demo();
    const gcs_layout *L = gcs_vtrace_layout(t);
    gcs_scene sc;
    gcs_scene_init(&sc);
    uint64_t n = gcs_vtrace_n_events(t), moves = 0, checks = 0;
    for (uint64_t ev = 1; ev < n; ev++) {
        assert_int_equal(gcs_vtrace_scene(t, ev, 0, &sc), 0);
        for (size_t i = 0; i < sc.n_objs; i++) {
            const gcs_sobj *o = &sc.objs[i];
            double x0, y0, x1, y1;
            int l0, l1;
            if (!gcs_layout_pos(L, o->id, ev - 1, &x0, &y0, &l0) ||
                !gcs_layout_pos(L, o->id, ev, &x1, &y1, &l1))
                continue;
            checks++;
            if (l0 == l1) {
                assert_true(x0 == x1 && y0 == y1);
            } else {
                moves++;
                assert_true(o->flags & GCS_SOBJ_MOVED);
            }
            assert_int_equal(l1, o->lane); /* the layout agrees with the replay */
        }
    }
    assert_true(checks > 100);
    assert_true(moves >= 1); /* the collection promotes survivors */
    gcs_scene_fini(&sc);
    gcs_vtrace_close(t);
}

static void
test_vtrace__render_every_event_headless(void **state)
{
    (void)state;
    gcs_vtrace *t = open_demo();
    gcs_scene sc;
    gcs_scene_init(&sc);
    gcs_view v;
    gcs_view_init(&v, 960, 600);
    v.layout = gcs_vtrace_layout(t);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 960, 600);
    for (uint64_t ev = 0; ev < gcs_vtrace_n_events(t); ev++) {
        assert_int_equal(gcs_vtrace_scene(t, ev, 0, &sc), 0);
        v.theme = (int)(ev & 1);
        cairo_t *cr = cairo_create(s);
        assert_int_equal(gcs_render_frame(cr, &sc, &v, NULL), 0);
        cairo_destroy(cr);
    }
    cairo_surface_destroy(s);
    gcs_scene_fini(&sc);
    gcs_vtrace_close(t);
}

static void
test_vtrace__bad_file_reports_name(void **state)
{
    (void)state;
    gcs_vtrace *t = (gcs_vtrace *)1;
    char err[512];
    const char *path = gcs_test_tmpname(".gctrace");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a trace at all", f);
    fclose(f);
    assert_true(gcs_vtrace_open(path, 1.6, &t, err, sizeof err) < 0);
    assert_null(t);
    assert_true(strlen(err) > 0);
    remove(path);
}

/* The label of the object variable `name` names at the marker whose caption
 * contains `text`, in a committed lesson trace. */
static const char *
lesson_label(const char *lesson, const char *text, const char *name, gcs_scene *sc,
             gcs_vtrace **t)
{
    char err[512], path[512];
    snprintf(path, sizeof path, "%s/traces/%s.gctrace", GCS_SOURCE_DIR, lesson);
    if (*t == NULL && gcs_vtrace_open(path, 1.6, t, err, sizeof err) < 0)
        fail_msg("cannot open %s: %s", path, err);
    marker_with(*t, sc, text);
    const gcs_sobj *o = var_obj(sc, name);
    assert_non_null(o);
    return o->label;
}

/* Small ints are immortal and left out of the picture, so a list of them
 * shows its value as its label ("[1, 2, 3]"), updated as it changes; an empty
 * list reads "[]", and a list holding another container gets no value label
 * (its arrow shows the item). */
static void
test_vtrace__list_of_atoms_shows_its_value(void **state)
{
    (void)state;
    gcs_scene sc;
    gcs_scene_init(&sc);
    gcs_vtrace *t = NULL;
    assert_string_equal(lesson_label("lesson01_names", "1.1 ", "a", &sc, &t), "[1, 2, 3]");
    assert_string_equal(lesson_label("lesson01_names", "1.3 ", "b", &sc, &t), "[1, 2, 3, 4]");
    gcs_vtrace_close(t);
    t = NULL;
    assert_string_equal(lesson_label("lesson03_cycle", "3.1 ", "a", &sc, &t), "[]");
    assert_string_equal(lesson_label("lesson03_cycle", "3.2 ", "a", &sc, &t), "");
    gcs_vtrace_close(t);
    gcs_scene_fini(&sc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vtrace__cycle_is_one_scc_until_collected),
        cmocka_unit_test(test_vtrace__pass_phase_shows_gc_refs_of_the_cycle),
        cmocka_unit_test(test_vtrace__weakref_dashed_then_snaps_then_gone),
        cmocka_unit_test(test_vtrace__positions_stable_unless_lane_changes),
        cmocka_unit_test(test_vtrace__render_every_event_headless),
        cmocka_unit_test(test_vtrace__bad_file_reports_name),
        cmocka_unit_test(test_vtrace__list_of_atoms_shows_its_value),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    gcs_render_shutdown();
    return failed;
}
