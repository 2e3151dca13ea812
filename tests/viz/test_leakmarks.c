/* tests/viz/test_leakmarks.c — what the viewer marks comes from the analyses,
 * not from rules of its own:
 *  - leak outlines: a render of leak_cycle (recorded here by its program),
 *    lesson 11 and lesson 7 outlines exactly the objects `gcscope leaks`
 *    reports (its JSON: the per-class totals and every object id it names);
 *  - interpreter-internal objects (INTERNAL events) are hidden with their
 *    references by default and shown on request (a trace recorded here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "gcscope/runtime.h"
#include "render/render.h"
#include "render/scene_from_replay.h"

#define GCSCOPE GCS_BINARY_DIR "/gcscope"

static gcs_vtrace *
open_trace(const char *path)
{
    gcs_vtrace *t = NULL;
    char err[512];
    if (gcs_vtrace_open(path, gcs_render_graph_aspect(1280, 800), &t, err, sizeof err) < 0)
        fail_msg("cannot open %s: %s", path, err);
    return t;
}

/* The event `gcscope leaks` reports on by default (just before HEAP_END; the
 * heap's teardown frees everything after it), where `l` jumps to. */
static uint64_t
end_state(gcs_vtrace *t)
{
    uint64_t ev, obj;
    assert_true(gcs_vtrace_leak_at(t, gcs_vtrace_n_leaks(t) - 1, &ev, &obj));
    return ev;
}

/* Draw the scene at 1280x800 into a display list. */
static void
render_dl(gcs_scene *sc, gcs_vtrace *t, gcs_dlist *dl)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1280, 800);
    cairo_t *cr = cairo_create(s);
    gcs_view v;
    gcs_view_init(&v, 1280, 800);
    v.layout = gcs_vtrace_layout(t);
    v.fit_content = true;
    assert_int_equal(gcs_render_frame(cr, sc, &v, dl), 0);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

/* {==== What `gcscope leaks --json` reports ====} */

typedef struct leak_json {
    long not_reachable; /* objects in the classes other than reachable */
    long cycle;         /* cyclic garbage */
    uint64_t ids[256];  /* every object id the report names */
    size_t n_ids;
} leak_json;

static long
json_count(const char *js, const char *kind)
{
    char key[64];
    snprintf(key, sizeof key, "\"%s\": {\"objects\": ", kind);
    const char *p = strstr(js, key);
    if (p == NULL)
        fail_msg("no %s in the JSON report", key);
    return strtol(p + strlen(key), NULL, 10);
}

static void
json_ids(const char *js, const char *key, leak_json *out)
{
    for (const char *p = strstr(js, key); p != NULL; p = strstr(p + 1, key)) {
        char *end;
        unsigned long long id = strtoull(p + strlen(key), &end, 10);
        if (end != p + strlen(key) && out->n_ids < 256)
            out->ids[out->n_ids++] = id;
    }
}

/* Run `gcscope leaks --json [--at EV] TRACE` and read what it reports. */
static void
leaks_report(const char *trace, const char *at, leak_json *out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' leaks --json %s%s '%s'", GCSCOPE, at ? "--at " : "",
             at ? at : "", trace);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static char js[1 << 20];
    size_t n = fread(js, 1, sizeof js - 1, p);
    js[n] = '\0';
    pclose(p);
    assert_true(n > 0);
    memset(out, 0, sizeof *out);
    out->cycle = json_count(js, "cycle");
    out->not_reachable = json_count(js, "cycle") + json_count(js, "uncollectable") +
                         json_count(js, "refleak") + json_count(js, "indirect");
    json_ids(js, "\"id\": ", out);
    json_ids(js, "\"example\": ", out);
}

static bool
named(const leak_json *j, uint64_t id)
{
    for (size_t k = 0; k < j->n_ids; k++)
        if (j->ids[k] == id)
            return true;
    return false;
}

/* The scene's leak marks and the drawn outlines agree with the report. When
 * `drawn_all` every marked object must be drawn (detail level of detail). */
static void
check_marks(gcs_scene *sc, gcs_dlist *dl, const leak_json *j, bool drawn_all)
{
    long marked = 0;
    for (size_t i = 0; i < sc->n_objs; i++) {
        const gcs_sobj *o = &sc->objs[i];
        bool leak = (o->flags & GCS_SOBJ_LEAK) != 0;
        marked += leak;
        const gcs_dl_item *it = gcs_dlist_find(dl, GCS_DL_NODE, o->id, 0);
        if (drawn_all)
            assert_non_null(it);
        if (it != NULL && leak != ((it->flags & GCS_DLF_LEAK) != 0))
            fail_msg("#%llu: marked %d, outlined %d", (unsigned long long)o->id, leak, !leak);
    }
    for (size_t k = 0; k < j->n_ids; k++) {
        uint32_t i = gcs_scene_find(sc, j->ids[k]);
        if (i == GCS_SCENE_NONE || !(sc->objs[i].flags & GCS_SOBJ_LEAK))
            fail_msg("#%llu is in the leak report but not outlined", (unsigned long long)j->ids[k]);
    }
    assert_int_equal(marked, j->not_reachable);
}

static void
test_leakmarks__leak_cycle_outlines_what_leaks_reports(void **state)
{
    (void)state;
    const char *trace = "/tmp/gcs_test_leakmarks_cycle.gctrace";
    remove(trace);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "GCSCOPE_TRACE=%s '%s/traces/leak_cycle'", trace, GCS_BINARY_DIR);
    assert_int_equal(system(cmd), 0);
    leak_json j;
    leaks_report(trace, NULL, &j);
    assert_int_equal(j.not_reachable, 9); /* 6 Nodes in 3 cycles + 3 payloads */
    gcs_vtrace *t = open_trace(trace);
    gcs_scene sc;
    gcs_scene_init(&sc);
    gcs_dlist dl;
    gcs_dlist_init(&dl);
    assert_int_equal(gcs_vtrace_scene(t, end_state(t), 0, &sc), 0);
    render_dl(&sc, t, &dl);
    check_marks(&sc, &dl, &j, true);
    /* cyclic garbage is outlined in its cycle's tint, and `l` visits all 9 */
    size_t cyc = 0;
    for (size_t i = 0; i < sc.n_objs; i++)
        if (sc.objs[i].leak == GCS_SLEAK_CYCLE) {
            cyc++;
            assert_true(sc.objs[i].leak_key != 0);
            assert_non_null(gcs_dlist_find(&dl, GCS_DL_NODE, sc.objs[i].id, 0));
        }
    assert_int_equal(cyc, 6);
    assert_int_equal(gcs_vtrace_n_leaks(t), 9);
    gcs_dlist_fini(&dl);
    gcs_scene_fini(&sc);
    gcs_vtrace_close(t);
    remove(trace);
}

static void
test_leakmarks__lesson11_outlines_the_refleak_and_what_it_holds(void **state)
{
    (void)state;
    const char *trace = GCS_SOURCE_DIR "/traces/lesson11_refleak.gctrace";
    leak_json j;
    leaks_report(trace, NULL, &j);
    assert_int_equal(j.not_reachable, 2); /* the Session and its 'alice' */
    gcs_vtrace *t = open_trace(trace);
    gcs_scene sc;
    gcs_scene_init(&sc);
    gcs_dlist dl;
    gcs_dlist_init(&dl);
    assert_int_equal(gcs_vtrace_scene(t, end_state(t), 0, &sc), 0);
    render_dl(&sc, t, &dl);
    check_marks(&sc, &dl, &j, true);
    bool refleak = false;
    for (size_t i = 0; i < sc.n_objs; i++)
        refleak |= sc.objs[i].leak == GCS_SLEAK_REFLEAK && strcmp(sc.objs[i].type, "Session") == 0;
    assert_true(refleak);
    /* the first leak `l` jumps to is in the report */
    uint64_t ev, obj;
    assert_true(gcs_vtrace_leak_at(t, 0, &ev, &obj));
    assert_true(named(&j, obj) || gcs_scene_find(&sc, obj) != GCS_SCENE_NONE);
    gcs_dlist_fini(&dl);
    gcs_scene_fini(&sc);
    gcs_vtrace_close(t);
}

/* Lesson 7 at marker 7.2: 3000 lists of cyclic garbage with the collector off
 * (aggregated level of detail: the scene's marks are compared in full, the
 * objects drawn one by one must be outlined iff marked). Mid-run, only cyclic
 * garbage is marked (C code's references would look like reference leaks). */
static void
test_leakmarks__lesson07_piled_up_cycles_match_leaks_at(void **state)
{
    (void)state;
    const char *trace = GCS_SOURCE_DIR "/traces/lesson07_gc_disabled.gctrace";
    gcs_vtrace *t = open_trace(trace);
    gcs_scene sc;
    gcs_scene_init(&sc);
    uint64_t ev = 0;
    bool found = false;
    for (size_t k = 0; k < gcs_vtrace_n_markers(t) && !found; k++) {
        assert_true(gcs_vtrace_marker_event(t, k, &ev));
        assert_int_equal(gcs_vtrace_scene(t, ev, 0, &sc), 0);
        found = sc.caption != NULL && strncmp(sc.caption, "7.2", 3) == 0;
    }
    assert_true(found);
    char at[32];
    snprintf(at, sizeof at, "%llu", (unsigned long long)ev);
    leak_json j;
    leaks_report(trace, at, &j);
    assert_true(j.not_reachable >= 3000);
    gcs_dlist dl;
    gcs_dlist_init(&dl);
    render_dl(&sc, t, &dl);
    /* mid-run only cyclic garbage is marked: count it, and every drawn node
     * is outlined iff marked */
    long cyc = 0;
    for (size_t i = 0; i < sc.n_objs; i++) {
        const gcs_sobj *o = &sc.objs[i];
        cyc += o->leak == GCS_SLEAK_CYCLE;
        const gcs_dl_item *it = gcs_dlist_find(&dl, GCS_DL_NODE, o->id, 0);
        if (it != NULL)
            assert_int_equal((it->flags & GCS_DLF_LEAK) != 0, (o->flags & GCS_SOBJ_LEAK) != 0);
    }
    assert_int_equal(cyc, j.cycle);
    for (size_t k = 0; k < j.n_ids; k++) { /* the cycles the report details are marked */
        uint32_t i = gcs_scene_find(&sc, j.ids[k]);
        assert_int_not_equal(i, GCS_SCENE_NONE);
    }
    gcs_dlist_fini(&dl);
    gcs_scene_fini(&sc);
    gcs_vtrace_close(t);
}

/* {==== Interpreter-internal objects ====} */

/* A trace: `a` = [d, s] where d (a dict holding `s`) is marked internal. */
static void
record_internal(const char *path, uint64_t *d_id, uint64_t *a_id)
{
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.trace_path = path;
    cfg.no_env = true;
    gcs_heap *h;
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    gcs_obj *a, *d, *s, *k;
    assert_int_equal(gcs_list_new(h, &a), 0);
    assert_int_equal(gcs_dict_new(h, &d), 0);
    assert_int_equal(gcs_obj_set_internal(h, d), 0);
    assert_int_equal(gcs_list_new(h, &s), 0);
    assert_int_equal(gcs_str_new(h, "k", &k), 0);
    assert_int_equal(gcs_dict_set(h, d, k, s), 0);
    assert_int_equal(gcs_list_append(h, a, d), 0);
    assert_int_equal(gcs_list_append(h, a, s), 0);
    assert_int_equal(gcs_var_set(h, "a", a), 0);
    assert_int_equal(gcs_marker(h, "built"), 0);
    *d_id = gcs_id(d);
    *a_id = gcs_id(a);
    gcs_decref(h, k);
    gcs_decref(h, s);
    gcs_decref(h, d);
    gcs_decref(h, a);
    gcs_heap_free(h);
}

static size_t
edges_touching(const gcs_dlist *dl, uint64_t id)
{
    size_t n = 0;
    for (size_t k = 0; k < dl->n; k++)
        n += dl->items[k].kind == GCS_DL_EDGE && (dl->items[k].id == id || dl->items[k].id2 == id);
    return n;
}

static void
test_leakmarks__internal_objects_hidden_with_edges_unless_shown(void **state)
{
    (void)state;
    const char *trace = "/tmp/gcs_test_leakmarks_internal.gctrace";
    uint64_t d_id, a_id;
    record_internal(trace, &d_id, &a_id);
    gcs_vtrace *t = open_trace(trace);
    assert_false(gcs_vtrace_show_internal(t));
    uint64_t ev;
    assert_true(gcs_vtrace_marker_event(t, 0, &ev));
    gcs_scene sc;
    gcs_scene_init(&sc);
    gcs_dlist dl;
    gcs_dlist_init(&dl);
    assert_int_equal(gcs_vtrace_scene(t, ev, 0, &sc), 0);
    render_dl(&sc, t, &dl);
    assert_int_equal(gcs_scene_find(&sc, d_id), GCS_SCENE_NONE);
    assert_null(gcs_dlist_find(&dl, GCS_DL_NODE, d_id, 0));
    assert_int_equal(edges_touching(&dl, d_id), 0);
    assert_non_null(gcs_dlist_find(&dl, GCS_DL_NODE, a_id, 0));
    assert_int_equal(edges_touching(&dl, a_id), 1); /* a[1] -> s only */
    /* the layout gave it no slot: no lane holds a place for a hidden object */
    double x, y;
    int lane;
    assert_false(gcs_layout_pos(gcs_vtrace_layout(t), d_id, ev, &x, &y, &lane));

    assert_int_equal(gcs_vtrace_set_show_internal(t, true), 0);
    gcs_dlist_fini(&dl);
    gcs_dlist_init(&dl);
    assert_int_equal(gcs_vtrace_scene(t, ev, 0, &sc), 0);
    render_dl(&sc, t, &dl);
    uint32_t i = gcs_scene_find(&sc, d_id);
    assert_int_not_equal(i, GCS_SCENE_NONE);
    assert_true(sc.objs[i].flags & GCS_SOBJ_INTERNAL);
    assert_non_null(gcs_dlist_find(&dl, GCS_DL_NODE, d_id, 0));
    assert_int_equal(edges_touching(&dl, d_id), 2); /* a[0] -> d, d['k'] -> s */
    assert_int_equal(edges_touching(&dl, a_id), 2);

    /* the process-wide default (`gcscope render --show-internal`) */
    gcs_vtrace_close(t);
    gcs_vtrace_default_show_internal(true);
    t = open_trace(trace);
    gcs_vtrace_default_show_internal(false);
    assert_true(gcs_vtrace_show_internal(t));
    assert_int_equal(gcs_vtrace_scene(t, ev, 0, &sc), 0);
    assert_int_not_equal(gcs_scene_find(&sc, d_id), GCS_SCENE_NONE);
    gcs_dlist_fini(&dl);
    gcs_scene_fini(&sc);
    gcs_vtrace_close(t);
    remove(trace);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leakmarks__leak_cycle_outlines_what_leaks_reports),
        cmocka_unit_test(test_leakmarks__lesson11_outlines_the_refleak_and_what_it_holds),
        cmocka_unit_test(test_leakmarks__lesson07_piled_up_cycles_match_leaks_at),
        cmocka_unit_test(test_leakmarks__internal_objects_hidden_with_edges_unless_shown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    gcs_render_shutdown();
    return rc;
}
