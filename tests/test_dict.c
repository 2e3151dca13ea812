/* tests/test_dict.c — dicts: insertion order kept across deletes and growth,
 * keys by value (atoms, tuples) or identity, unhashable keys, tracking rules,
 * "['key']" slot labels. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

static gcs_heap *
H(void **state)
{
    return ((gcs_test_heap *)*state)->h;
}

static gcs_obj *
num(gcs_heap *h, int64_t v)
{
    gcs_obj *o;
    OK(gcs_int_new(h, v, &o));
    return o;
}

static void
test_dict__insertion_order_and_growth(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *d;
    OK(gcs_dict_new(h, &d));
    for (int i = 0; i < 1000; i++) {
        gcs_obj *k = num(h, i * 7919 % 1000), *v = num(h, i);
        OK(gcs_dict_set(h, d, k, v));
        gcs_decref(h, k);
        gcs_decref(h, v);
    }
    assert_int_equal(gcs_dict_len(h, d), 1000);
    for (int i = 0; i < 1000; i += 2) {
        gcs_obj *k = num(h, i * 7919 % 1000);
        OK(gcs_dict_del(h, d, k));
        assert_int_equal(gcs_dict_del(h, d, k), GCS_ENOTFOUND);
        gcs_decref(h, k);
    }
    assert_int_equal(gcs_dict_len(h, d), 500);
    size_t pos = 0, n = 0;
    gcs_obj *k, *v;
    int64_t prev = -1;
    while (gcs_dict_next(h, d, &pos, &k, &v)) {
        int64_t iv;
        OK(gcs_int_value(h, v, &iv));
        assert_true(iv > prev); /* insertion order */
        assert_int_equal(iv % 2, 1);
        prev = iv;
        n++;
    }
    assert_int_equal(n, 500);
    gcs_obj *k3 = num(h, 3 * 7919 % 1000), *got;
    OK(gcs_dict_get(h, d, k3, &got));
    int64_t gv;
    OK(gcs_int_value(h, got, &gv));
    assert_int_equal(gv, 3);
    gcs_decref(h, k3);
    gcs_decref(h, d);
}

static void
test_dict__keys_by_value_and_identity(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *d, *s1, *s2, *one, *t1, *t2, *out, *l;
    OK(gcs_dict_new(h, &d));
    OK(gcs_str_new(h, "key", &s1));
    OK(gcs_str_new(h, "key", &s2));
    one = num(h, 1);
    OK(gcs_dict_set(h, d, s1, one));
    OK(gcs_dict_get(h, d, s2, &out)); /* equal strings find each other */
    assert_ptr_equal(out, one);
    OK(gcs_dict_set(h, d, gcs_true(h), s1)); /* True == 1 */
    OK(gcs_dict_get(h, d, one, &out));
    assert_ptr_equal(out, s1);
    gcs_obj *it1[] = {one, s1}, *it2[] = {one, s2};
    OK(gcs_tuple_new(h, 2, it1, &t1));
    OK(gcs_tuple_new(h, 2, it2, &t2));
    OK(gcs_dict_set(h, d, t1, one));
    OK(gcs_dict_get(h, d, t2, &out)); /* tuples by items */
    OK(gcs_list_new(h, &l));
    assert_int_equal(gcs_dict_set(h, d, l, one), GCS_EUNHASHABLE);
    gcs_obj *tl;
    OK(gcs_tuple_new(h, 1, &l, &tl));
    assert_int_equal(gcs_dict_set(h, d, tl, one), GCS_EUNHASHABLE);
    gcs_class_def def = {.name = "K"};
    gcs_obj *K, *i1, *i2;
    OK(gcs_class_new(h, &def, &K));
    OK(gcs_instance_new(h, K, &i1));
    OK(gcs_instance_new(h, K, &i2));
    OK(gcs_dict_set(h, d, i1, one));
    assert_int_equal(gcs_dict_get(h, d, i2, &out), GCS_ENOTFOUND); /* identity */
    OK(gcs_dict_set_str(h, d, "x", one));
    gcs_obj *all[] = {d, s1, s2, one, t1, t2, l, tl, i1, i2, K};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        gcs_decref(h, all[i]);
}

static void
test_dict__tracking_rules(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *d, *k, *e, *t;
    OK(gcs_dict_new(h, &d));
    OK(gcs_str_new(h, "a", &k));
    assert_false(gcs_gc_is_tracked(h, d));
    OK(gcs_dict_set(h, d, k, k));
    assert_false(gcs_gc_is_tracked(h, d));
    OK(gcs_tuple_new(h, 1, &k, &t)); /* a tracked tuple may be tracked */
    OK(gcs_dict_set(h, d, t, k));
    assert_true(gcs_gc_is_tracked(h, d));
    OK(gcs_dict_new(h, &e));
    gcs_obj *d2;
    OK(gcs_dict_new(h, &d2));
    OK(gcs_dict_set(h, d2, k, e)); /* an empty dict value counts as may-be-tracked */
    assert_true(gcs_gc_is_tracked(h, d2));
    OK(gcs_dict_del(h, d2, k));
    assert_true(gcs_gc_is_tracked(h, d2)); /* never untracked on deletion */
    gcs_obj *all[] = {d, k, e, t, d2};
    for (size_t i = 0; i < 5; i++)
        gcs_decref(h, all[i]);
}

typedef struct lab {
    char text[512];
} lab;

static void
lab_hook(void *ud, const gcs_event *e)
{
    lab *r = ud;
    size_t n = strlen(r->text);
    if (e->kind == GCS_EV_REF_SET)
        snprintf(r->text + n, sizeof r->text - n, "%s|", e->u.ref_set.slot);
    else if (e->kind == GCS_EV_REF_DEL)
        snprintf(r->text + n, sizeof r->text - n, "-%s|", e->u.ref_del.slot);
}

static void
test_dict__slot_labels(void **state)
{
    gcs_heap *h = H(state);
    static lab r;
    r.text[0] = '\0';
    gcs_obj *d, *k, *n5 = num(h, 5);
    OK(gcs_dict_new(h, &d));
    OK(gcs_str_new(h, "key", &k));
    OK(gcs_heap_set_hook(h, lab_hook, &r));
    OK(gcs_dict_set(h, d, k, n5));
    OK(gcs_dict_set(h, d, n5, k));
    OK(gcs_dict_del(h, d, k));
    OK(gcs_heap_set_hook(h, NULL, NULL));
    assert_string_equal(r.text, "['key']|[5]|-['key']|");
    gcs_decref(h, d);
    gcs_decref(h, k);
    gcs_decref(h, n5);
}

static void
test_dict__errors(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l, *out;
    OK(gcs_list_new(h, &l));
    assert_int_equal(gcs_dict_set(h, l, l, l), GCS_ETYPE);
    assert_int_equal(gcs_dict_get(h, l, l, &out), GCS_ETYPE);
    assert_int_equal(gcs_dict_del(h, l, l), GCS_ETYPE);
    assert_int_equal(gcs_dict_get(h, NULL, l, &out), GCS_EINVAL);
    assert_int_equal(gcs_dict_set_str(h, l, NULL, l), GCS_EINVAL);
    assert_false(gcs_dict_next(h, l, &(size_t){0}, NULL, NULL));
    gcs_decref(h, l);
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_dict__insertion_order_and_growth),
        T(test_dict__keys_by_value_and_identity),
        T(test_dict__tracking_rules),
        T(test_dict__slot_labels),
        T(test_dict__errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
