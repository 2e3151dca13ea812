/* tests/test_heap.c — the heap: config defaults, both hooks (user first, then
 * the recorder's), markers, GC_CONFIG events, HEAP_END and the teardown
 * callback, foreach in allocation order, labelled references, live counters,
 * no events and no slow path when nothing asks for them. */
#include <stdio.h>
#include <string.h>

#include "runtime/rt_glue.h"
#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

static gcs_heap *
H(void **state)
{
    return ((gcs_test_heap *)*state)->h;
}

typedef struct seq {
    char text[2048];
    int count[GCS_EV__COUNT];
} seq;

static void
hook_a(void *ud, const gcs_event *e)
{
    seq *s = ud;
    s->count[e->kind]++;
    size_t n = strlen(s->text);
    if (e->kind == GCS_EV_MARKER)
        snprintf(s->text + n, sizeof s->text - n, "A:%s(%d) ", e->u.marker.text, e->t_ns > 0);
}

static void
hook_b(void *ud, const gcs_event *e)
{
    seq *s = ud;
    size_t n = strlen(s->text);
    if (e->kind == GCS_EV_MARKER)
        snprintf(s->text + n, sizeof s->text - n, "B:%s ", e->u.marker.text);
}

static void
test_heap__config_defaults(void **state)
{
    (void)state;
    gcs_config c;
    gcs_config_init(&c);
    assert_int_equal(c.thresholds[0], 700);
    assert_int_equal(c.thresholds[1], 10);
    assert_int_equal(c.thresholds[2], 10);
    assert_true(c.gc_enabled);
    assert_int_equal(c.gc_debug, 0);
#ifdef GCS_DEBUG
    assert_true(c.checked);
#endif
    assert_int_equal(c.on_error, GCS_ON_ERROR_ABORT);
    c.thresholds[0] = -1;
    gcs_heap *h = (gcs_heap *)1;
    assert_int_equal(gcs_heap_new(&c, &h), GCS_EINVAL);
    assert_null(h);
}

static void
test_heap__hooks_and_markers(void **state)
{
    gcs_heap *h = H(state);
    static seq s;
    memset(&s, 0, sizeof s);
    OK(gcs_heap_set_hook(h, hook_a, &s));
    OK(gcs_rt_set_trace_hook(h, hook_b, &s));
    OK(gcs_marker(h, "one"));
    OK(gcs_markerf(h, "two %d", 2));
    gcs_gc_disable(h);
    OK(gcs_gc_set_threshold(h, 100, 5, 5));
    OK(gcs_gc_set_debug(h, 0));
    gcs_gc_enable(h);
    OK(gcs_heap_set_hook(h, NULL, NULL));
    OK(gcs_rt_set_trace_hook(h, NULL, NULL));
    OK(gcs_marker(h, "unseen"));
    assert_string_equal(s.text, "A:one(1) B:one A:two 2(1) B:two 2 ");
    assert_int_equal(s.count[GCS_EV_GC_CONFIG], 4);
    assert_int_equal(gcs_marker(h, NULL), GCS_EINVAL);
    const gcs_config *cfg = gcs_rt_config(h);
    assert_non_null(cfg);
    assert_int_equal(cfg->thresholds[0], 700); /* the creation config */
}

static void
count_hook(void *ud, const gcs_event *e)
{
    ((seq *)ud)->count[e->kind]++;
}

static void
teardown_fn(gcs_heap *h, void *ud)
{
    *(size_t *)ud = gcs_heap_live_objects(h);
}

static void
test_heap__heap_end_and_teardown(void **state)
{
    (void)state;
    static seq s;
    memset(&s, 0, sizeof s);
    gcs_test_alloc al = {.fail_at = -1};
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    cfg.alloc = gcs_test_alloc_fn;
    cfg.alloc_ud = &al;
    cfg.hook = count_hook;
    cfg.hook_ud = &s;
    gcs_heap *h;
    OK(gcs_heap_new(&cfg, &h));
    assert_int_equal(s.count[GCS_EV_GC_CONFIG], 1);
    assert_int_equal(s.count[GCS_EV_FRAME_PUSH], 1);
    size_t seen = 0;
    OK(gcs_rt_set_teardown(h, teardown_fn, &seen));
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    OK(gcs_list_append(h, l, l)); /* a leak: freed by teardown without finalizers */
    gcs_decref(h, l);
    size_t live = gcs_heap_live_objects(h);
    gcs_heap_free(h);
    assert_int_equal(seen, live);
    assert_int_equal(s.count[GCS_EV_HEAP_END], 1);
    assert_int_equal(s.count[GCS_EV_FRAME_POP], 1);
    assert_int_equal(s.count[GCS_EV_ALLOC], s.count[GCS_EV_FREE]);
    assert_int_equal(al.live_blocks, 0);
}

typedef struct walk {
    uint64_t last;
    int n;
} walk;

static int
walk_fn(gcs_heap *h, gcs_obj *o, void *ud)
{
    (void)h;
    walk *w = ud;
    assert_true(gcs_id(o) > w->last); /* allocation order */
    w->last = gcs_id(o);
    w->n++;
    return 0;
}

static int
ref_fn(gcs_obj *child, const char *slot, void *ud)
{
    char *buf = ud;
    size_t n = strlen(buf);
    snprintf(buf + n, 256 - n, "%s:%s ", slot, gcs_type_name(child));
    return 0;
}

/* Objects spread over every list out of id order (old ones promoted to gen 2,
 * newer ones in gen 0, some untracked, ids past 2^11 so the radix sort needs
 * more than one pass): foreach still visits each once, in id order. */
static void
test_heap__foreach_sorts_across_generations(void **state)
{
    gcs_heap *h = H(state);
    enum { N = 3000 };
    static gcs_obj *objs[N];
    for (int i = 0; i < N; i++) {
        if (i % 3 == 0)
            OK(gcs_int_new(h, 100000 + i, &objs[i])); /* untracked */
        else
            OK(gcs_list_new(h, &objs[i]));
        if (i == N / 3)
            OK(gcs_gc_collect(h, 2, NULL)); /* the first third to gen 2 */
        if (i == 2 * N / 3)
            OK(gcs_gc_collect(h, 0, NULL)); /* the second to gen 1 */
    }
    walk w = {0, 0};
    OK(gcs_heap_foreach(h, walk_fn, &w));
    assert_int_equal((size_t)w.n, gcs_heap_live_objects(h));
    assert_true(w.last >= gcs_id(objs[N - 1]));
    for (int i = 0; i < N; i++)
        gcs_decref(h, objs[i]);
}

static void
test_heap__foreach_and_foreach_ref(void **state)
{
    gcs_heap *h = H(state);
    walk w = {0, 0};
    OK(gcs_heap_foreach(h, walk_fn, &w));
    assert_int_equal((size_t)w.n, gcs_heap_live_objects(h));
    gcs_obj *l, *d, *k, *i;
    OK(gcs_list_new(h, &l));
    OK(gcs_dict_new(h, &d));
    OK(gcs_str_new(h, "k", &k));
    OK(gcs_int_new(h, 5, &i));
    OK(gcs_list_append(h, l, d));
    OK(gcs_list_append(h, l, i));
    OK(gcs_dict_set(h, d, k, l));
    char buf[256] = "";
    OK(gcs_obj_foreach_ref(h, l, ref_fn, buf));
    assert_string_equal(buf, "[0]:dict [1]:int ");
    buf[0] = '\0';
    OK(gcs_obj_foreach_ref(h, d, ref_fn, buf));
    assert_string_equal(buf, "<key>:str ['k']:list ");
    OK(gcs_dict_del(h, d, k));
    gcs_obj *all[] = {l, d, k, i};
    for (int x = 0; x < 4; x++)
        gcs_decref(h, all[x]);
}

static void
test_heap__fast_path_without_hooks(void **state)
{
    gcs_heap *h = H(state);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    assert_int_equal(((gcs_heap_head_ *)h)->slow_, 0);
    OK(gcs_heap_set_hook(h, count_hook, &(seq){0}));
    assert_int_not_equal(((gcs_heap_head_ *)h)->slow_, 0);
    OK(gcs_heap_set_hook(h, NULL, NULL));
    assert_int_equal(((gcs_heap_head_ *)h)->slow_, 0);
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
    assert_int_not_equal(((gcs_heap_head_ *)h)->slow_, 0);
}

typedef struct sites {
    int free_lines[8];
    int n;
} sites;

static void
site_hook(void *ud, const gcs_event *e)
{
    sites *s = ud;
    if (e->kind == GCS_EV_FREE && s->n < 8)
        s->free_lines[s->n++] = e->site ? e->site->line : -1;
}

/* Events of a cascade inherit the call site of the API call that caused it. */
static void
test_heap__freed_objects_report_the_releasing_call(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l, *m;
    OK(gcs_list_new(h, &l));
    OK(gcs_list_new(h, &m));
    OK(gcs_list_append(h, l, m));
    gcs_decref(h, m);
    sites s = {{0}, 0};
    OK(gcs_heap_set_hook(h, site_hook, &s));
    int line = __LINE__ + 1;
    gcs_decref(h, l);
    OK(gcs_heap_set_hook(h, NULL, NULL));
    assert_int_equal(s.n, 2);
    assert_int_equal(s.free_lines[0], line);
    assert_int_equal(s.free_lines[1], line);
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap__config_defaults),
        T(test_heap__hooks_and_markers),
        cmocka_unit_test(test_heap__heap_end_and_teardown),
        T(test_heap__foreach_and_foreach_ref),
        T(test_heap__foreach_sorts_across_generations),
        T(test_heap__fast_path_without_hooks),
        T(test_heap__freed_objects_report_the_releasing_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
