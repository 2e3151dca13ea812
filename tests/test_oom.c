/* tests/test_oom.c — out-of-memory loops (SQLite's faultsim, Lua's failnext):
 * for n = 0, 1, 2, ... fail the n-th allocation of a scripted scenario
 * (containers, stores, classes, weakrefs, frames, a weak-value dict,
 * collections), assert GCS_ENOMEM with a clean heap check and no leak, and
 * stop once the whole scenario succeeds. Single operations are also checked
 * to leave their target unchanged when they fail. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

typedef struct script {
    gcs_heap *h;
    gcs_obj *objs[64];
    size_t n;
    size_t frames;
} script;

/* Record a freshly created object for cleanup (reads *o after the call). */
static int
keep(script *s, int rc, gcs_obj **o)
{
    if (rc == 0 && *o)
        s->objs[s->n++] = *o;
    return rc;
}

static int
nop_cb(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud, gcs_obj **result)
{
    (void)h;
    (void)self;
    (void)args;
    (void)nargs;
    (void)ud;
    *result = NULL;
    return 0;
}

#define STEP(expr)                                                                                 \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ != 0)                                                                              \
            return rc_;                                                                            \
    } while (0)

static int
scenario(script *s)
{
    gcs_heap *h = s->h;
    gcs_obj *a, *b, *d, *k, *C, *x, *cb, *wr, *t, *wd, *all, *refs, *i;
    STEP(keep(s, gcs_list_new(h, &a), &a));
    STEP(keep(s, gcs_list_new(h, &b), &b));
    STEP(gcs_list_append(h, a, b));
    STEP(gcs_list_append(h, b, a));
    STEP(gcs_list_insert(h, a, 0, b));
    STEP(keep(s, gcs_dict_new(h, &d), &d));
    STEP(keep(s, gcs_str_new(h, "key", &k), &k));
    STEP(keep(s, gcs_int_new(h, 123456, &i), &i));
    STEP(gcs_dict_set(h, d, k, a));
    STEP(gcs_dict_set(h, d, i, b));
    STEP(gcs_dict_set_str(h, d, "other", i));
    gcs_class_def def = {.name = "C", .dynamic_attrs = true};
    STEP(keep(s, gcs_class_new(h, &def, &C), &C));
    STEP(gcs_attr_set(h, C, "cattr", i));
    STEP(keep(s, gcs_instance_new(h, C, &x), &x));
    STEP(gcs_attr_set(h, x, "me", x));
    STEP(gcs_attr_set(h, x, "l", a));
    STEP(keep(s, gcs_cfunc_new(h, "cb", nop_cb, NULL, x, &cb), &cb));
    STEP(keep(s, gcs_weakref_new(h, x, cb, &wr), &wr));
    gcs_obj *items[2] = {a, k};
    STEP(keep(s, gcs_tuple_new(h, 2, items, &t), &t));
    STEP(gcs_global_set(h, "a", a));
    STEP(gcs_frame_push(h, "f", NULL));
    s->frames++;
    STEP(gcs_var_set(h, "x", x));
    STEP(keep(s, gcs_wvdict_new(h, &wd), &wd));
    STEP(gcs_wvdict_set(h, wd, k, x));
    STEP(gcs_list_append(h, gcs_gc_callbacks(h), cb));
    STEP(gcs_gc_collect(h, 2, NULL));
    STEP(keep(s, gcs_gc_get_objects(h, -1, &all), &all));
    STEP(keep(s, gcs_gc_get_referrers(h, &a, 1, &refs), &refs));
    STEP(gcs_frame_pop(h));
    s->frames--;
    return 0;
}

static void
cleanup(script *s)
{
    gcs_heap *h = s->h;
    while (s->frames > 0) {
        OK(gcs_frame_pop(h));
        s->frames--;
    }
    (void)gcs_global_del(h, "a");
    OK(gcs_list_clear(h, gcs_gc_callbacks(h)));
    while (s->n > 0)
        gcs_decref(h, s->objs[--s->n]);
    OK(gcs_gc_collect(h, 2, NULL));
}

static int
dump_obj(gcs_heap *h, gcs_obj *o, void *ud)
{
    (void)ud;
    char buf[80];
    gcs_repr(h, o, buf, sizeof buf);
    fprintf(stderr, "  live: #%llu %s %s refcnt=%lld\n", (unsigned long long)gcs_id(o),
            gcs_type_name(o), buf, (long long)gcs_refcnt(o));
    return 0;
}

static int
count_nonstatic(gcs_heap *h, gcs_obj *o, void *ud)
{
    (void)h;
    if (gcs_refcnt(o) < 100000000) /* cached small ints persist, as in CPython */
        (*(size_t *)ud)++;
    return 0;
}

static size_t
live_nonstatic(gcs_heap *h)
{
    size_t n = 0;
    OK(gcs_heap_foreach(h, count_nonstatic, &n));
    return n;
}

static void
test_oom__scripted_scenario_fails_cleanly_at_every_allocation(void **state)
{
    gcs_test_heap *t = *state;
    gcs_heap *h = t->h;
    size_t live0 = live_nonstatic(h);
    long n;
    for (n = 0;; n++) {
        script s = {h, {0}, 0, 0};
        t->alloc.fail_at = t->alloc.total_allocs + n;
        int rc = scenario(&s);
        t->alloc.fail_at = -1;
        if (rc != 0) {
            if (rc != GCS_ENOMEM)
                fail_msg("n=%ld: expected GCS_ENOMEM, got %s (%s)", n, gcs_err_name(rc),
                         gcs_heap_errmsg(h));
            if (gcs_heap_check(h) != 0)
                fail_msg("n=%ld: heap check after ENOMEM: %s", n, gcs_heap_errmsg(h));
        }
        cleanup(&s);
        OK(gcs_heap_check(h));
        if (live_nonstatic(h) != live0) {
            gcs_heap_foreach(h, dump_obj, NULL);
            fail_msg("n=%ld: %zu objects live, expected %zu", n, live_nonstatic(h), live0);
        }
        if (rc == 0)
            break;
    }
    assert_true(n > 20); /* the scenario does allocate */
    printf("test_oom: scenario succeeded once %ld allocations could succeed\n", n);
}

static void
test_oom__heap_new_fails_cleanly(void **state)
{
    (void)state;
    for (long n = 0;; n++) {
        gcs_test_alloc al = {.fail_at = n};
        gcs_config cfg;
        gcs_config_init(&cfg);
        cfg.no_env = true;
        cfg.checked = true;
        cfg.alloc = gcs_test_alloc_fn;
        cfg.alloc_ud = &al;
        gcs_heap *h = (gcs_heap *)&al;
        int rc = gcs_heap_new(&cfg, &h);
        if (rc == 0) {
            gcs_heap_free(h);
            assert_int_equal(al.live_blocks, 0);
            break;
        }
        assert_int_equal(rc, GCS_ENOMEM);
        assert_null(h);
        assert_int_equal(al.live_blocks, 0);
    }
}

/* A failed operation leaves its target as it was. */
static void
test_oom__failed_operations_change_nothing(void **state)
{
    gcs_test_heap *t = *state;
    gcs_heap *h = t->h;
    gcs_obj *l, *d, *x, *C, *in;
    OK(gcs_list_new(h, &l));
    OK(gcs_dict_new(h, &d));
    OK(gcs_int_new(h, 99999, &x));
    gcs_class_def def = {.name = "C", .dynamic_attrs = true};
    OK(gcs_class_new(h, &def, &C));
    OK(gcs_instance_new(h, C, &in));
    for (int i = 0; i < 3; i++)
        OK(gcs_list_append(h, l, x));
    int64_t rc0 = gcs_refcnt(x);
    t->alloc.fail_at = t->alloc.total_allocs;
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++) /* grows until an allocation is needed */
        if ((rc = gcs_list_append(h, l, x)) == 0)
            rc0++;
    assert_int_equal(rc, GCS_ENOMEM);
    assert_int_equal(gcs_refcnt(x), rc0);
    size_t len = gcs_list_len(h, l);
    t->alloc.fail_at = t->alloc.total_allocs;
    assert_int_equal(gcs_dict_set(h, d, x, x), GCS_ENOMEM);
    assert_int_equal(gcs_dict_len(h, d), 0);
    assert_false(gcs_gc_is_tracked(h, d));
    t->alloc.fail_at = t->alloc.total_allocs;
    assert_int_equal(gcs_attr_set(h, in, "a", x), GCS_ENOMEM);
    gcs_obj *out;
    assert_int_equal(gcs_attr_get(h, in, "a", &out), GCS_ENOTFOUND);
    t->alloc.fail_at = t->alloc.total_allocs;
    assert_int_equal(gcs_var_set(h, "v", x), GCS_ENOMEM);
    assert_int_equal(gcs_var_get(h, "v", &out), GCS_ENOTFOUND);
    t->alloc.fail_at = t->alloc.total_allocs;
    assert_int_equal(gcs_weakref_new(h, in, NULL, &out), GCS_ENOMEM);
    assert_int_equal(gcs_weakref_count(h, in), 0);
    t->alloc.fail_at = -1;
    assert_int_equal(gcs_refcnt(x), rc0);
    assert_int_equal(gcs_list_len(h, l), len);
    OK(gcs_heap_check(h));
    gcs_decref(h, in);
    gcs_decref(h, C);
    gcs_decref(h, d);
    gcs_decref(h, l);
    gcs_decref(h, x);
}

/* Outside checked mode objects come from slab chunks: a failing chunk
 * allocation is reported like any other, and the scripted scenario still
 * fails cleanly at every allocation. */
static void
test_oom__unchecked_slab_paths(void **state)
{
    gcs_test_heap *t = *state;
    gcs_heap *h = t->h;
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    gcs_obj *keep;
    OK(gcs_list_new(h, &keep));
    t->alloc.fail_at = t->alloc.total_allocs;
    int rc = 0;
    long made = 0;
    for (long i = 0; i < 100000 && rc == 0; i++) {
        gcs_obj *l;
        rc = gcs_list_new(h, &l);
        if (rc == 0) {
            made++;
            rc = gcs_list_append(h, keep, l);
            gcs_decref(h, l);
        }
    }
    t->alloc.fail_at = -1;
    assert_int_equal(rc, GCS_ENOMEM);
    OK(gcs_heap_check(h));
    gcs_decref(h, keep);
    size_t live0 = live_nonstatic(h);
    for (long n = 0;; n++) {
        script s = {h, {0}, 0, 0};
        t->alloc.fail_at = t->alloc.total_allocs + n;
        rc = scenario(&s);
        t->alloc.fail_at = -1;
        assert_true(rc == 0 || rc == GCS_ENOMEM);
        cleanup(&s);
        OK(gcs_heap_check(h));
        assert_int_equal(live_nonstatic(h), live0);
        if (rc == 0)
            break;
    }
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_oom__scripted_scenario_fails_cleanly_at_every_allocation),
        cmocka_unit_test(test_oom__heap_new_fails_cleanly),
        T(test_oom__failed_operations_change_nothing),
        T(test_oom__unchecked_slab_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
