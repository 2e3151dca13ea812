/* tests/test_obj.c — object basics: ids, reference counts, singletons, type
 * names and repr, live counters, several heaps side by side, and the trashcan:
 * a 1,000,000-deep chain is freed on a thread whose stack is far too small
 * for recursive deallocation. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_int.h" /* the slab, for a white-box check */
#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

static gcs_heap *
H(void **state)
{
    return ((gcs_test_heap *)*state)->h;
}

static void
test_obj__ids_are_unique_and_increasing(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *a, *b;
    OK(gcs_list_new(h, &a));
    uint64_t ida = gcs_id(a);
    gcs_decref(h, a);
    OK(gcs_list_new(h, &b)); /* may reuse a's memory outside checked mode: never its id */
    assert_true(gcs_id(b) > ida);
    assert_int_equal(gcs_id(NULL), 0);
    gcs_decref(h, b);
}

static void
test_obj__refcounts_follow_incref_decref(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    assert_int_equal(gcs_refcnt(l), 1);
    gcs_incref(h, l);
    gcs_incref(h, l);
    assert_int_equal(gcs_refcnt(l), 3);
    gcs_decref(h, l);
    assert_int_equal(gcs_refcnt(l), 2);
    OK(gcs_incref_checked_at(h, l, GCS_HERE));
    OK(gcs_decref_checked_at(h, l, GCS_HERE));
    size_t live = gcs_heap_live_objects(h);
    gcs_decref(h, l);
    gcs_decref(h, l);
    assert_int_equal(gcs_heap_live_objects(h), live - 1);
}

static void
test_obj__singletons_and_small_ints(void **state)
{
    gcs_heap *h = H(state);
    assert_ptr_equal(gcs_bool(h, true), gcs_true(h));
    assert_ptr_equal(gcs_bool(h, false), gcs_false(h));
    assert_int_equal(gcs_kind_of(gcs_none(h)), GCS_KIND_NONE);
    int64_t before = gcs_refcnt(gcs_none(h));
    assert_true(before > 1000);
    gcs_obj *a, *b, *c, *d;
    OK(gcs_int_new(h, 256, &a));
    OK(gcs_int_new(h, 256, &b));
    assert_ptr_equal(a, b);
    OK(gcs_int_new(h, 257, &c));
    OK(gcs_int_new(h, 257, &d));
    assert_ptr_not_equal(c, d);
    assert_true(gcs_equal(h, c, d));
    OK(gcs_int_new(h, -5, &a));
    gcs_decref(h, a);
    gcs_decref(h, a);
    gcs_decref(h, b);
    gcs_decref(h, c);
    gcs_decref(h, d);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    OK(gcs_list_append(h, l, gcs_none(h)));
    assert_int_equal(gcs_refcnt(gcs_none(h)), before + 1);
    gcs_decref(h, l);
    assert_int_equal(gcs_refcnt(gcs_none(h)), before);
}

static void
test_obj__type_names_and_repr(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l, *i, *s, *t, *d;
    char buf[64];
    OK(gcs_list_new(h, &l));
    OK(gcs_int_new(h, 42, &i));
    OK(gcs_str_new(h, "spam", &s));
    OK(gcs_list_append(h, l, i));
    OK(gcs_list_append(h, l, s));
    gcs_repr(h, l, buf, sizeof buf);
    assert_string_equal(buf, "[42, 'spam']");
    OK(gcs_tuple_new(h, 1, &i, &t));
    gcs_repr(h, t, buf, sizeof buf);
    assert_string_equal(buf, "(42,)");
    OK(gcs_dict_new(h, &d));
    OK(gcs_dict_set(h, d, s, i));
    gcs_repr(h, d, buf, sizeof buf);
    assert_string_equal(buf, "{'spam': 42}");
    assert_string_equal(gcs_type_name(l), "list");
    assert_string_equal(gcs_type_name(i), "int");
    assert_string_equal(gcs_type_name(gcs_none(h)), "NoneType");
    assert_string_equal(gcs_type_name(d), "dict");
    gcs_repr(h, l, buf, 5); /* truncated, NUL-terminated */
    assert_int_equal(strlen(buf), 4);
    assert_string_equal(gcs_str_value(h, s), "spam");
    assert_int_equal(gcs_str_len(h, s), 4);
    assert_null(gcs_str_value(h, i));
    assert_true(gcs_is_true(h, l));
    assert_false(gcs_is_true(h, gcs_none(h)));
    int64_t v;
    OK(gcs_int_value(h, i, &v));
    assert_int_equal(v, 42);
    assert_int_equal(gcs_int_value(h, s, &v), GCS_ETYPE);
    gcs_obj *all[] = {l, i, s, t, d};
    for (int k = 0; k < 5; k++)
        gcs_decref(h, all[k]);
}

static void
test_obj__alloc_site_is_recorded(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    int line = __LINE__ + 1;
    OK(gcs_list_new(h, &l));
    gcs_site s = gcs_obj_alloc_site(h, l);
    assert_non_null(s.file);
    assert_non_null(strstr(s.file, "test_obj.c"));
    assert_int_equal(s.line, line);
    assert_ptr_equal(gcs_heap_find(h, gcs_id(l)), l);
    uint64_t id = gcs_id(l);
    gcs_decref(h, l);
    assert_null(gcs_heap_find(h, id)); /* freed */
    assert_null(gcs_heap_find(h, 0));
    assert_null(gcs_heap_find(h, id + 1000000));
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE)); /* the scanning path */
    assert_ptr_equal(gcs_heap_find(h, gcs_id(gcs_none(h))), gcs_none(h));
    assert_null(gcs_heap_find(h, id));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
    assert_ptr_equal(gcs_heap_find(h, gcs_id(gcs_none(h))), gcs_none(h));
}

static void
test_obj__heaps_coexist(void **state)
{
    (void)state;
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    gcs_heap *h1, *h2;
    OK(gcs_heap_new(&cfg, &h1));
    OK(gcs_heap_new(&cfg, &h2));
    gcs_obj *a, *b;
    OK(gcs_list_new(h1, &a));
    OK(gcs_list_new(h2, &b));
    OK(gcs_list_append(h1, a, a));
    OK(gcs_list_append(h2, b, b));
    gcs_decref(h1, a);
    gcs_decref(h2, b);
    size_t n1, n2;
    OK(gcs_gc_collect(h1, 2, &n1));
    assert_int_equal(n1, 1);
    OK(gcs_gc_collect(h2, 2, &n2));
    assert_int_equal(n2, 1);
    OK(gcs_heap_check(h1));
    OK(gcs_heap_check(h2));
    gcs_heap_free(h1);
    gcs_heap_free(h2);
    gcs_heap_free(NULL);
}

static void
test_obj__memory_layout(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    size_t before = gcs_heap_live_bytes(h);
    OK(gcs_list_new(h, &l));
    /* CPython 3.11: sys.getsizeof([]) == 56, its 16-byte GC header included */
    assert_true(gcs_heap_live_bytes(h) - before <= 56);
    gcs_decref(h, l);
}

/* Unchecked mode puts objects and their small item arrays in slabs; a list
 * that grows past the slab's largest block moves its items to the allocator,
 * and every item survives each move. Objects made in unchecked mode are freed
 * correctly after checked mode is switched on (their arrays stay in slabs). */
static void
test_obj__slab_arrays_grow_and_survive_mode_switch(void **state)
{
    gcs_heap *h = H(state);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    enum { NL = 50, NI = 100 };
    gcs_obj *lists[NL], *items[NI];
    for (int i = 0; i < NI; i++)
        OK(gcs_int_new(h, 1000 + i, &items[i]));
    for (int k = 0; k < NL; k++) {
        OK(gcs_list_new(h, &lists[k]));
        for (int i = 0; i <= k * 2 && i < NI; i++) /* 8 .. 800 bytes of items */
            OK(gcs_list_append(h, lists[k], items[i]));
    }
    for (int k = 0; k < NL; k++) {
        size_t n = gcs_list_len(h, lists[k]);
        assert_int_equal(n, (size_t)(k * 2 + 1 < NI ? k * 2 + 1 : NI));
        for (size_t i = 0; i < n; i++) {
            gcs_obj *x = NULL;
            OK(gcs_list_get(h, lists[k], (ptrdiff_t)i, &x));
            assert_ptr_equal(x, items[i]);
        }
    }
    assert_int_equal(gcs_refcnt(items[0]), 1 + NL);
    OK(gcs_heap_check(h));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
    for (int k = 0; k < NL; k++)
        gcs_decref(h, lists[k]);
    assert_int_equal(gcs_refcnt(items[0]), 1);
    for (int i = 0; i < NI; i++)
        gcs_decref(h, items[i]);
}

static int
usr_noop_traverse(gcs_heap *h, gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    (void)h, (void)o, (void)visit, (void)arg;
    return 0;
}

/* User data stays 16-aligned in the slabs (classes are 8 bytes apart). */
static void
test_obj__user_data_is_16_aligned_in_slabs(void **state)
{
    gcs_heap *h = H(state);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    for (size_t ds = 1; ds <= 40; ds += 3) {
        gcs_type_def def = {.name = "blob", .data_size = ds, .flags = GCS_TYPE_GC,
                            .traverse = usr_noop_traverse};
        gcs_type *t;
        OK(gcs_type_new(h, &def, &t));
        gcs_obj *o[5];
        for (int i = 0; i < 5; i++) {
            OK(gcs_obj_new(h, t, &o[i]));
            assert_int_equal((uintptr_t)gcs_obj_data(o[i]) % 16, 0);
            memset(gcs_obj_data(o[i]), 0xab, ds);
        }
        for (int i = 0; i < 5; i++)
            gcs_decref(h, o[i]);
    }
    OK(gcs_heap_check(h));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
}

/* Backward steps in the addresses of l[0..n). */
static size_t
descents(gcs_obj *const *l, size_t n)
{
    size_t d = 0;
    for (size_t i = 1; i < n; i++)
        d += (uintptr_t)l[i] < (uintptr_t)l[i - 1];
    return d;
}

/* Slab pools that empty are reused lowest address first: after a big free,
 * lists allocated one after another sit in ascending address order (as in
 * fresh memory), whatever order their pools emptied in. The collector's walks
 * prefetch by address and rely on it. LIFO reuse of the emptied pools gives
 * one backward step per pool (about 270 here). */
static void
test_obj__slab_reuses_empty_pools_lowest_first(void **state)
{
    gcs_heap *h = H(state);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    enum { N = 20000 }; /* 56-byte lists: about 270 pools, in several chunks */
    gcs_obj **l = malloc(N * sizeof *l);
    assert_non_null(l);
    for (int i = 0; i < N; i++)
        OK(gcs_list_new(h, &l[i]));
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) /* round 0, 2: first allocated, first freed */
            gcs_decref(h, l[round == 1 ? N - 1 - i : i]);
        for (int i = 0; i < N; i++)
            OK(gcs_list_new(h, &l[i]));
        /* At most one step back: from a pool that was never empty (objects of
         * the fixture) to the lowest empty one. */
        assert_in_range(descents(l, N), 0, 1);
    }
    for (int i = 0; i < N; i++)
        gcs_decref(h, l[i]);
    free(l);
    OK(gcs_heap_check(h));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
}

/* gcs_heap_check covers the slab's invariants: a count of empty pools that
 * does not match the pools is reported (white box: the test corrupts the
 * count, then puts it back). */
static void
test_obj__heap_check_covers_the_slab(void **state)
{
    gcs_heap *h = H(state);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    enum { N = 1000 }; /* about 14 pools: most of them empty once freed */
    gcs_obj *l[N];
    for (int i = 0; i < N; i++)
        OK(gcs_list_new(h, &l[i]));
    for (int i = 0; i < N; i++)
        gcs_decref(h, l[i]);
    assert_true(h->slab.n_empty > 0);
    OK(gcs_heap_check(h));
    h->slab.n_empty++;
    assert_int_equal(gcs_heap_check(h), GCS_ECORRUPT);
    assert_non_null(strstr(gcs_heap_errmsg(h), "slab: n_empty"));
    h->slab.n_empty--;
    OK(gcs_heap_check(h));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
}

/* {==================== Trashcan ====================} */

typedef struct chain_job {
    gcs_heap *h;
    long depth;
    size_t freed;
} chain_job;

static void *
free_chain(void *arg)
{
    chain_job *j = arg;
    size_t before = gcs_heap_live_objects(j->h);
    gcs_global_del(j->h, "x"); /* frees the whole chain by refcounting */
    j->freed = before - gcs_heap_live_objects(j->h);
    return NULL;
}

static void
run_on_small_stack(chain_job *j)
{
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1024 * 1024); /* recursion would need >100 MB */
    OK(pthread_create(&t, &attr, free_chain, j));
    OK(pthread_join(t, NULL));
    pthread_attr_destroy(&attr);
}

static void
test_obj__million_deep_chain_frees_in_constant_stack(void **state)
{
    gcs_heap *h = H(state);
    gcs_gc_disable(h);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE)); /* speed: no quarantine */
    OK(gcs_global_set(h, "x", gcs_none(h)));
    for (long i = 0; i < 1000000; i++) {
        gcs_obj *l, *x;
        OK(gcs_var_get(h, "x", &x));
        OK(gcs_list_new(h, &l));
        OK(gcs_list_append(h, l, x));
        OK(gcs_global_set(h, "x", l));
        gcs_decref(h, l);
    }
    chain_job j = {h, 1000000, 0};
    run_on_small_stack(&j);
    assert_int_equal(j.freed, 1000000);
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
}

static void
test_obj__deep_instance_chain_frees_in_constant_stack(void **state)
{
    gcs_heap *h = H(state);
    gcs_gc_disable(h);
    gcs_class_def def = {.name = "Node", .dynamic_attrs = true};
    gcs_obj *N;
    OK(gcs_class_new(h, &def, &N));
    OK(gcs_global_set(h, "x", gcs_none(h)));
    for (long i = 0; i < 200000; i++) {
        gcs_obj *n, *x;
        OK(gcs_var_get(h, "x", &x));
        OK(gcs_instance_new(h, N, &n));
        OK(gcs_attr_set(h, n, "next", x));
        OK(gcs_global_set(h, "x", n));
        gcs_decref(h, n);
    }
    chain_job j = {h, 200000, 0};
    run_on_small_stack(&j);
    assert_int_equal(j.freed, 200000);
    gcs_decref(h, N);
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_obj__ids_are_unique_and_increasing),
        T(test_obj__refcounts_follow_incref_decref),
        T(test_obj__singletons_and_small_ints),
        T(test_obj__type_names_and_repr),
        T(test_obj__alloc_site_is_recorded),
        T(test_obj__heaps_coexist),
        T(test_obj__memory_layout),
        T(test_obj__slab_arrays_grow_and_survive_mode_switch),
        T(test_obj__user_data_is_16_aligned_in_slabs),
        T(test_obj__slab_reuses_empty_pools_lowest_first),
        T(test_obj__heap_check_covers_the_slab),
        T(test_obj__million_deep_chain_frees_in_constant_stack),
        T(test_obj__deep_instance_chain_frees_in_constant_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
