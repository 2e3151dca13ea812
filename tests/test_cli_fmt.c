/* tests/test_cli_fmt.c — the CLI formatters (src/cli/fmt_*.c) on constructed
 * events and graphs: table-derived field lists, the readable and JSON event
 * lines, string quoting, the `info` statistics, the Chrome Trace Event writer
 * and the DOT writer (checked with `dot` when it is installed). No trace file
 * is involved; the scripts in tests/cli/ cover the commands end to end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "cli/fmt.h"

/* {==== Helpers ====} */

typedef struct membuf {
    char *data;
    size_t len;
    FILE *f;
} membuf;

static void
mb_open(membuf *m)
{
    m->data = NULL;
    m->len = 0;
    m->f = open_memstream(&m->data, &m->len);
    assert_non_null(m->f);
}

static char *
mb_close(membuf *m)
{
    fclose(m->f);
    return m->data;
}

static const char *
type_is_list(void *ud, uint64_t id)
{
    (void)ud;
    return id == 17 || id == 18 ? "list" : NULL;
}

static size_t
count_substr(const char *s, const char *sub)
{
    size_t n = 0;
    for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub))
        n++;
    return n;
}

/* {==== Event table ====} */

static void
count_field(void *ud, const char *name, char tag, const void *value)
{
    (void)name;
    (void)value;
    assert_non_null(strchr("OUIS", tag));
    (*(int *)ud)++;
}

static void
test_cli_fmt__fields_follow_event_table(void **state)
{
    (void)state;
    char buf[256];
    for (int k = 0; k < GCS_EV__COUNT; k++) {
        gcs_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = (gcs_ev_kind)k;
        int n = 0;
        gcs_fmt_fields(&ev, count_field, &n);
        assert_int_equal(n, gcs_fmt_nfields((gcs_ev_kind)k));
        assert_int_equal(gcs_fmt_kind_by_name(gcs_ev_name((gcs_ev_kind)k)), k);
        gcs_fmt_field_list((gcs_ev_kind)k, buf, sizeof buf);
        assert_int_equal((int)count_substr(buf, ":"), n);
    }
    assert_string_equal(gcs_fmt_field_list(GCS_EV_ALLOC, buf, sizeof buf),
                        "obj:O type:S kind:U size:U");
    assert_int_equal(gcs_fmt_code(GCS_EV_ALLOC), 0x01);
    assert_int_equal(gcs_fmt_code(GCS_EV_HEAP_END), 0x1f);
    assert_int_equal(gcs_fmt_kind_by_name("no_such_event"), -1);
    assert_int_equal(gcs_fmt_code(GCS_EV__COUNT), -1);
}

static void
test_cli_fmt__list_events_has_every_row(void **state)
{
    (void)state;
    membuf m;
    mb_open(&m);
    gcs_fmt_list_events(m.f);
    char *out = mb_close(&m);
    for (int k = 0; k < GCS_EV__COUNT; k++) {
        char row[64];
        snprintf(row, sizeof row, "\n%-17s 0x%02x", gcs_ev_name((gcs_ev_kind)k),
                 gcs_fmt_code((gcs_ev_kind)k));
        assert_non_null(strstr(out, row));
    }
    /* Docs are wrapped: join the continuation lines before looking for them. */
    char *joined = strdup(out);
    for (char *p = strstr(joined, "\n    "); p; p = strstr(joined, "\n    "))
        memmove(p, p + 4, strlen(p + 4) + 1), *p = ' ';
    for (int k = 0; k < GCS_EV__COUNT; k++)
        assert_non_null(strstr(joined, gcs_ev_doc((gcs_ev_kind)k)));
    free(joined);
    for (char *line = out; *line;) { /* readable at 80 columns */
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(nl - line <= 80);
        line = nl + 1;
    }
    free(out);
}

/* {==== Text and JSON lines ====} */

static void
test_cli_fmt__text_line_of_decref(void **state)
{
    (void)state;
    static const gcs_site site = {"/home/u/src/demo.c", "main", 42};
    gcs_event ev = {.kind = GCS_EV_DECREF, .site = &site};
    ev.u.decref.obj = 17;
    ev.u.decref.refcnt = 0;
    membuf m;
    mb_open(&m);
    gcs_fmt_event_text(m.f, 1042, &ev, type_is_list, NULL);
    char *out = mb_close(&m);
    assert_string_equal(out, "#1042 decref list#17 refcount 1→0  at demo.c:42 main\n");
    free(out);
}

static void
test_cli_fmt__text_line_of_ref_set_names_later_objects(void **state)
{
    (void)state;
    gcs_event ev = {.kind = GCS_EV_REF_SET};
    ev.u.ref_set.src = 17;
    ev.u.ref_set.slot = "[0]";
    ev.u.ref_set.dst = 18;
    ev.u.ref_set.old = 0;
    membuf m;
    mb_open(&m);
    gcs_fmt_event_text(m.f, 3, &ev, type_is_list, NULL);
    gcs_fmt_event_text(m.f, 4, &ev, NULL, NULL);
    char *out = mb_close(&m);
    assert_string_equal(out, "#3 ref_set list#17 slot '[0]' dst list#18 old none\n"
                             "#4 ref_set obj#17 slot '[0]' dst obj#18 old none\n");
    free(out);
}

static void
test_cli_fmt__text_line_of_alloc_shows_type_once(void **state)
{
    (void)state;
    gcs_event ev = {.kind = GCS_EV_ALLOC};
    ev.u.alloc = (gcs_ev_alloc){17, "list", 5, 72};
    membuf m;
    mb_open(&m);
    gcs_fmt_event_text(m.f, 2, &ev, type_is_list, NULL);
    ev.u.alloc.type = "dict"; /* disagrees with the model: both are shown */
    gcs_fmt_event_text(m.f, 3, &ev, type_is_list, NULL);
    char *out = mb_close(&m);
    assert_string_equal(out, "#2 alloc list#17 kind 5 size 72\n"
                             "#3 alloc list#17 type 'dict' kind 5 size 72\n");
    free(out);
}

static void
test_cli_fmt__text_line_names_gc_phase(void **state)
{
    (void)state;
    gcs_event ev = {.kind = GCS_EV_GC_PHASE};
    ev.u.gc_phase.phase = GCS_PHASE_MOVE_UNREACHABLE;
    membuf m;
    mb_open(&m);
    gcs_fmt_event_text(m.f, 9, &ev, NULL, NULL);
    char *out = mb_close(&m);
    assert_string_equal(out, "#9 gc_phase phase move_unreachable\n");
    free(out);
}

static void
test_cli_fmt__json_line_has_every_field(void **state)
{
    (void)state;
    static const gcs_site site = {"demo.c", "main", 7};
    gcs_event ev = {.kind = GCS_EV_ALLOC, .site = &site, .t_ns = 1500};
    ev.u.alloc.obj = 5;
    ev.u.alloc.type = "li\"st";
    ev.u.alloc.kind = 5;
    ev.u.alloc.size = 64;
    gcs_event ev2 = {.kind = GCS_EV_VAR_DEL};
    ev2.u.var_del.frame = 1;
    ev2.u.var_del.name = NULL;
    ev2.u.var_del.old = 0;
    membuf m;
    mb_open(&m);
    gcs_fmt_event_json(m.f, 0, &ev);
    gcs_fmt_event_json(m.f, 1, &ev2);
    char *out = mb_close(&m);
    assert_string_equal(out, "{\"seq\":0,\"ev\":\"alloc\",\"t_ns\":1500,\"obj\":5,"
                             "\"type\":\"li\\\"st\",\"kind\":5,\"size\":64,"
                             "\"site\":{\"file\":\"demo.c\",\"line\":7,\"func\":\"main\"}}\n"
                             "{\"seq\":1,\"ev\":\"var_del\",\"t_ns\":0,\"frame\":1,"
                             "\"name\":null,\"old\":null,\"site\":null}\n");
    free(out);
}

static void
test_cli_fmt__json_string_escapes_controls_and_bad_utf8(void **state)
{
    (void)state;
    membuf m;
    mb_open(&m);
    gcs_fmt_json_string(m.f, "a\n\t\\\"é\xff\xc3");
    char *out = mb_close(&m);
    assert_string_equal(out, "\"a\\n\\u0009\\\\\\\"é\\ufffd\\ufffd\"");
    free(out);
}

static void
test_cli_fmt__numbers_are_readable(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(gcs_fmt_count(0, buf, sizeof buf), "0");
    assert_string_equal(gcs_fmt_count(999, buf, sizeof buf), "999");
    assert_string_equal(gcs_fmt_count(1234567, buf, sizeof buf), "1,234,567");
    assert_string_equal(gcs_fmt_duration(840, buf, sizeof buf), "840 ns");
    assert_string_equal(gcs_fmt_duration(1520000, buf, sizeof buf), "1.52 ms");
    assert_string_equal(gcs_fmt_bytes(65536, buf, sizeof buf), "64.0 KiB");
    assert_string_equal(gcs_fmt_basename("a/b/c.c"), "c.c");
    assert_string_equal(gcs_fmt_basename("c.c"), "c.c");
}

/* {==== info statistics ====} */

static gcs_event
mk(gcs_ev_kind kind)
{
    gcs_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    return ev;
}

static void
test_cli_fmt__stats_count_objects_and_passes(void **state)
{
    (void)state;
    gcs_fmt_stats st;
    gcs_fmt_stats_init(&st);
    for (int i = 0; i < 5; i++)
        gcs_fmt_stats_add(&st, &(gcs_event){.kind = GCS_EV_ALLOC, .t_ns = 100 + (uint64_t)i});
    gcs_fmt_stats_add(&st, &(gcs_event){.kind = GCS_EV_FREE});
    gcs_event end = mk(GCS_EV_GC_END);
    end.u.gc_end.gen = 0;
    end.u.gc_end.collected = 2;
    end.u.gc_end.duration_ns = 300;
    end.t_ns = 900;
    gcs_fmt_stats_add(&st, &end);
    end.u.gc_end.gen = 2;
    end.u.gc_end.uncollectable = 1;
    end.u.gc_end.duration_ns = 700;
    gcs_fmt_stats_add(&st, &end);
    gcs_event he = mk(GCS_EV_HEAP_END);
    he.u.heap_end.live = 4;
    gcs_fmt_stats_add(&st, &he);
    assert_int_equal(st.events, 9);
    assert_int_equal(st.by_kind[GCS_EV_ALLOC], 5);
    assert_int_equal(st.by_kind[GCS_EV_GC_END], 2);
    assert_int_equal(gcs_fmt_stats_alive(&st), 4);
    assert_int_equal(st.passes[0], 1);
    assert_int_equal(st.passes[2], 1);
    assert_int_equal(st.collected[0], 2);
    assert_int_equal(st.uncollectable[2], 1);
    assert_int_equal(st.pause_ns[0] + st.pause_ns[2], 1000);
    assert_int_equal(st.max_pause_ns, 700);
    assert_int_equal(st.first_t_ns, 100); /* unstamped (0) events are ignored */
    assert_int_equal(st.last_t_ns, 900);
    assert_true(st.heap_end_seen);
    assert_int_equal(st.heap_end_live, 4);

    gcs_fmt_fileinfo fi = {.path = "/x/run.gctrace",
                           .file_bytes = 2048,
                           .ver_major = 1,
                           .chunks = 3,
                           .event_chunks = 2,
                           .raw_bytes = 4000,
                           .stored_bytes = 1000,
                           .clean_end = true};
    membuf m;
    mb_open(&m);
    gcs_fmt_info_report(m.f, &fi, &st);
    char *out = mb_close(&m);
    assert_non_null(strstr(out, "run.gctrace: 2.0 KiB, format 1.0, complete\n"));
    assert_non_null(strstr(out, "5 allocated, 1 freed, 4 alive at end"));
    assert_non_null(strstr(out, "(4.00x)"));
    assert_non_null(strstr(out, "damage       none found"));
    assert_non_null(strstr(out, "total pause 1.0 µs"));
    for (char *line = out; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(nl - line <= 80);
        line = nl + 1;
    }
    free(out);
}

/* {==== Chrome Trace Event JSON ====} */

static void
fake_live(void *ud, uint64_t seq, gcs_fmt_live *out)
{
    (*(int *)ud)++;
    *out = (gcs_fmt_live){.gen = {3, 1, seq}, .untracked = 2};
}

static void
test_cli_fmt__chrome_pass_is_one_complete_event(void **state)
{
    (void)state;
    membuf m;
    mb_open(&m);
    gcs_fmt_chrome c;
    int asked = 0;
    gcs_fmt_chrome_begin(&c, m.f, "t.gctrace", fake_live, &asked);
    gcs_event b = mk(GCS_EV_GC_BEGIN);
    b.t_ns = 1000;
    gcs_fmt_chrome_event(&c, 0, &b);
    gcs_event ph = mk(GCS_EV_GC_PHASE);
    ph.u.gc_phase.phase = GCS_PHASE_UPDATE_REFS;
    ph.t_ns = 1200;
    gcs_fmt_chrome_event(&c, 1, &ph);
    gcs_event e = mk(GCS_EV_GC_END);
    e.u.gc_end.collected = 2;
    e.u.gc_end.duration_ns = 2500;
    e.t_ns = 3500;
    gcs_fmt_chrome_event(&c, 2, &e);
    gcs_event mkr = mk(GCS_EV_MARKER);
    mkr.u.marker.text = "after \"del\"";
    gcs_fmt_chrome_event(&c, 3, &mkr);
    gcs_fmt_chrome_event(&c, 4, &b); /* unfinished at the end */
    gcs_fmt_chrome_end(&c, "t.gctrace", 5);
    char *out = mb_close(&m);
    assert_non_null(strstr(out, "{\"traceEvents\":["));
    assert_non_null(strstr(out, "\"name\":\"gc gen0 #1\",\"ts\":1.000,\"dur\":2.500,"
                                "\"args\":{\"generation\":0"));
    assert_non_null(strstr(out, "\"collected\":2"));
    assert_non_null(strstr(out, "\"name\":\"update_refs\",\"ts\":1.200,\"dur\":2.300"));
    assert_non_null(strstr(out, "\"ph\":\"i\""));
    assert_non_null(strstr(out, "after \\\"del\\\""));
    assert_int_equal(count_substr(out, "\"ph\":\"C\""), 2);
    assert_int_equal(asked, 2); /* counts are asked for only where a counter goes */
    assert_non_null(strstr(out, "\"gen0\":3,\"gen1\":1,\"gen2\":3,"));
    assert_non_null(strstr(out, "\"unfinished\":true"));
    assert_int_equal(count_substr(out, "\"ph\":\"M\""), 4);
    assert_int_equal(count_substr(out, "{"), count_substr(out, "}"));
    assert_null(strstr(out, "\"ph\":\"B\""));
    free(out);
}

static void
test_cli_fmt__chrome_counters_respect_min_gap(void **state)
{
    (void)state;
    membuf m;
    mb_open(&m);
    gcs_fmt_chrome c;
    int asked = 0;
    gcs_fmt_chrome_begin(&c, m.f, "t.gctrace", fake_live, &asked);
    c.counter_min_gap = 10;
    c.counter_every = 25;
    gcs_event mkr = mk(GCS_EV_MARKER), inc = mk(GCS_EV_INCREF);
    for (uint64_t i = 0; i < 30; i++) /* markers at 0, 1, ..., 29 */
        gcs_fmt_chrome_event(&c, i, i % 2 ? &inc : &mkr);
    gcs_fmt_chrome_end(&c, "t.gctrace", 30);
    char *out = mb_close(&m);
    /* a marker every 2 events, but a counter only once 10 events have passed:
     * after the markers at events 10 and 20 */
    assert_int_equal(asked, 2);
    assert_int_equal(count_substr(out, "\"ph\":\"C\""), 2);
    assert_non_null(strstr(out, "\"gen2\":10,"));
    assert_non_null(strstr(out, "\"gen2\":20,"));
    assert_int_equal(count_substr(out, "\"ph\":\"i\""), 15);
    free(out);
}

/* {==== DOT ====} */

static void
test_cli_fmt__find_cycles(void **state)
{
    (void)state;
    /* 1 <-> 2 (cycle), 3 -> 3 (self-loop), 4 -> 1 (not on a cycle), 5 weak -> 4 -> ... */
    gcs_fmt_node nodes[] = {{.id = 1}, {.id = 2}, {.id = 3}, {.id = 4}, {.id = 5}};
    gcs_fmt_edge edges[] = {{1, 2, NULL, false}, {2, 1, NULL, false}, {3, 3, NULL, false},
                            {4, 1, NULL, false}, {5, 4, NULL, true},  {4, 5, NULL, false},
                            {2, 99, NULL, false}};
    gcs_fmt_graph g = {.nodes = nodes, .n_nodes = 5, .edges = edges, .n_edges = 7};
    int scc[5];
    int n = gcs_fmt_find_cycles(&g, scc);
    assert_int_equal(n, 2);
    assert_true(scc[0] > 0 && scc[0] == scc[1]);
    assert_true(scc[2] > 0 && scc[2] != scc[0]);
    assert_int_equal(scc[3], 0); /* the weak edge 5 -> 4 does not close a cycle */
    assert_int_equal(scc[4], 0);
}

static void
test_cli_fmt__find_cycles_deep_chain_without_recursion(void **state)
{
    (void)state;
    enum { N = 200000 };
    gcs_fmt_node *nodes = calloc(N, sizeof *nodes);
    gcs_fmt_edge *edges = calloc(N, sizeof *edges);
    int *scc = calloc(N, sizeof *scc);
    for (size_t i = 0; i < N; i++) {
        nodes[i].id = i + 1;
        edges[i] = (gcs_fmt_edge){i + 1, (i + 1) % N + 1, NULL, false};
    }
    gcs_fmt_graph g = {.nodes = nodes, .n_nodes = N, .edges = edges, .n_edges = N - 1};
    assert_int_equal(gcs_fmt_find_cycles(&g, scc), 0);
    g.n_edges = N; /* close the ring */
    assert_int_equal(gcs_fmt_find_cycles(&g, scc), 1);
    assert_int_equal(scc[0], 1);
    assert_int_equal(scc[N - 1], 1);
    free(nodes), free(edges), free(scc);
}

static void
test_cli_fmt__dot_has_generation_and_cycle_clusters(void **state)
{
    (void)state;
    gcs_fmt_node nodes[] = {
        {.id = 1, .type = "list", .refcnt = 2, .gen = 0},
        {.id = 2, .type = "list", .refcnt = 1, .gen = 0, .label = "[\"x\"]"},
        {.id = 3, .type = "Node", .refcnt = 1, .gen = 2, .finalizer = true},
        {.id = 4, .type = "weakref", .refcnt = 1, .gen = -1},
        {.id = 5, .type = "int", .refcnt = 9, .gen = -1, .label = "42"},
    };
    gcs_fmt_edge edges[] = {{1, 2, "[0]", false}, {2, 1, "[0]", false}, {4, 3, NULL, true},
                            {3, 5, ".a", false},  {3, 5, ".b", false},  {3, 5, ".c", false}};
    gcs_fmt_var vars[] = {{1, "<module>", "a", 1}, {1, "<module>", "w", 4}, {2, "f", "n", 3}};
    gcs_fmt_graph g = {nodes, 5, edges, 6, vars, 3, 41, "demo.gctrace"};
    const char *path = gcs_test_tmpname(".dot");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    gcs_fmt_dot(f, &g, 2);
    fclose(f);
    f = fopen(path, "r");
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "digraph ObjectGraph {"));
    assert_non_null(strstr(buf, "subgraph cluster_gen0 {"));
    assert_non_null(strstr(buf, "subgraph cluster_gen2 {"));
    assert_non_null(strstr(buf, "subgraph cluster_untracked {"));
    assert_null(strstr(buf, "cluster_gen1"));
    assert_non_null(strstr(buf, "subgraph cluster_cycle1 {"));
    assert_non_null(strstr(buf, "style=dashed, arrowhead=odot"));
    assert_non_null(strstr(buf, "\"v0\" [label=\"a\", shape=box"));
    assert_non_null(strstr(buf, "subgraph cluster_frame2 {"));
    assert_non_null(strstr(buf, "\"1 more references\""));
    assert_non_null(strstr(buf, "[\\\"x\\\"]"));
    assert_non_null(strstr(buf, "after event #41: 5 objects, 1 cycle\""));
    /* The cycle cluster sits inside cluster_gen0, before cluster_gen2 starts. */
    assert_true(strstr(buf, "cluster_cycle1") < strstr(buf, "cluster_gen2"));
    assert_true(strstr(buf, "cluster_gen0") < strstr(buf, "cluster_cycle1"));
    if (system("command -v dot >/dev/null 2>&1") == 0) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "dot -Tsvg '%s' >/dev/null", path);
        assert_int_equal(system(cmd), 0);
    }
    remove(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_fmt__fields_follow_event_table),
        cmocka_unit_test(test_cli_fmt__list_events_has_every_row),
        cmocka_unit_test(test_cli_fmt__text_line_of_decref),
        cmocka_unit_test(test_cli_fmt__text_line_of_ref_set_names_later_objects),
        cmocka_unit_test(test_cli_fmt__text_line_of_alloc_shows_type_once),
        cmocka_unit_test(test_cli_fmt__text_line_names_gc_phase),
        cmocka_unit_test(test_cli_fmt__json_line_has_every_field),
        cmocka_unit_test(test_cli_fmt__json_string_escapes_controls_and_bad_utf8),
        cmocka_unit_test(test_cli_fmt__numbers_are_readable),
        cmocka_unit_test(test_cli_fmt__stats_count_objects_and_passes),
        cmocka_unit_test(test_cli_fmt__chrome_pass_is_one_complete_event),
        cmocka_unit_test(test_cli_fmt__chrome_counters_respect_min_gap),
        cmocka_unit_test(test_cli_fmt__find_cycles),
        cmocka_unit_test(test_cli_fmt__find_cycles_deep_chain_without_recursion),
        cmocka_unit_test(test_cli_fmt__dot_has_generation_and_cycle_clusters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
