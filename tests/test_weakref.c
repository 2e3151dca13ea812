/* tests/test_weakref.c — weak references: sharing of the callback-less ref,
 * list order, clearing on death, callbacks (refcount path), kinds that can't
 * be weakly referenced, weakref count; the weak-value dictionary API. */
#include <string.h>

#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

static gcs_heap *
H(void **state)
{
    return ((gcs_test_heap *)*state)->h;
}

static gcs_obj *
inst(gcs_heap *h, gcs_obj **cls)
{
    gcs_class_def def = {.name = "W", .dynamic_attrs = true};
    gcs_obj *o;
    OK(gcs_class_new(h, &def, cls));
    OK(gcs_instance_new(h, *cls, &o));
    return o;
}

static int g_calls;

static int
cb(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud, gcs_obj **result)
{
    (void)self;
    (void)ud;
    assert_int_equal(nargs, 1);
    assert_null(gcs_weakref_get(h, args[0])); /* already dead inside the callback */
    g_calls++;
    *result = NULL;
    return 0;
}

static void
test_weakref__basic_ref_is_shared(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *C, *o = inst(h, &C), *w1, *w2, *w3, *f;
    OK(gcs_weakref_new(h, o, NULL, &w1));
    OK(gcs_weakref_new(h, o, NULL, &w2));
    assert_ptr_equal(w1, w2);
    assert_int_equal(gcs_refcnt(w1), 2);
    OK(gcs_cfunc_new(h, "cb", cb, NULL, NULL, &f));
    OK(gcs_weakref_new(h, o, f, &w3));
    assert_ptr_not_equal(w3, w1);
    assert_int_equal(gcs_weakref_count(h, o), 2);
    assert_ptr_equal(gcs_weakref_get(h, w1), o);
    assert_int_equal(gcs_refcnt(o), 1); /* weak: no strong reference */
    g_calls = 0;
    gcs_decref(h, o);
    assert_int_equal(g_calls, 1);
    assert_null(gcs_weakref_get(h, w1));
    assert_null(gcs_weakref_get(h, w3));
    gcs_decref(h, w1);
    gcs_decref(h, w2);
    gcs_decref(h, w3);
    gcs_decref(h, f);
    gcs_decref(h, C);
}

static void
test_weakref__dead_weakref_gets_no_callback(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *C, *o = inst(h, &C), *w, *f;
    OK(gcs_cfunc_new(h, "cb", cb, NULL, NULL, &f));
    OK(gcs_weakref_new(h, o, f, &w));
    gcs_decref(h, w); /* the weakref dies first */
    assert_int_equal(gcs_weakref_count(h, o), 0);
    g_calls = 0;
    gcs_decref(h, o);
    assert_int_equal(g_calls, 0);
    gcs_decref(h, f);
    gcs_decref(h, C);
}

static void
test_weakref__kinds(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l, *d, *s, *w, *C, *f;
    OK(gcs_list_new(h, &l));
    OK(gcs_dict_new(h, &d));
    OK(gcs_str_new(h, "s", &s));
    assert_int_equal(gcs_weakref_new(h, l, NULL, &w), GCS_ETYPE);
    assert_int_equal(gcs_weakref_new(h, d, NULL, &w), GCS_ETYPE);
    assert_int_equal(gcs_weakref_new(h, s, NULL, &w), GCS_ETYPE);
    gcs_class_def def = {.name = "K"};
    OK(gcs_class_new(h, &def, &C));
    OK(gcs_weakref_new(h, C, NULL, &w)); /* classes are weakref-able */
    gcs_decref(h, w);
    OK(gcs_cfunc_new(h, "f", cb, NULL, NULL, &f));
    OK(gcs_weakref_new(h, f, NULL, &w));                          /* so are callables */
    assert_int_equal(gcs_weakref_new(h, w, NULL, &l), GCS_ETYPE); /* weakrefs are not */
    gcs_decref(h, w);
    assert_null(gcs_weakref_get(h, d));
    assert_int_equal(gcs_weakref_new(h, NULL, NULL, &w), GCS_EINVAL);
    gcs_obj *all[] = {l, d, s, C, f};
    for (int i = 0; i < 5; i++)
        gcs_decref(h, all[i]);
}

static void
test_weakref__wvdict_api(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *C, *v = inst(h, &C), *wd, *k, *k2, *out, *l;
    OK(gcs_wvdict_new(h, &wd));
    OK(gcs_str_new(h, "k", &k));
    OK(gcs_str_new(h, "k2", &k2));
    OK(gcs_wvdict_set(h, wd, k, v));
    OK(gcs_wvdict_set(h, wd, k2, v));
    assert_int_equal(gcs_wvdict_len(h, wd), 2);
    OK(gcs_wvdict_get(h, wd, k, &out));
    assert_ptr_equal(out, v);
    OK(gcs_wvdict_del(h, wd, k2));
    assert_int_equal(gcs_wvdict_get(h, wd, k2, &out), GCS_ENOTFOUND);
    OK(gcs_list_new(h, &l));
    assert_int_equal(gcs_wvdict_set(h, wd, k, l), GCS_ETYPE); /* lists: not weakref-able */
    assert_int_equal(gcs_wvdict_set(h, wd, l, v), GCS_EUNHASHABLE);
    assert_int_equal(gcs_wvdict_set(h, l, k, v), GCS_ETYPE);
    gcs_decref(h, v);
    assert_int_equal(gcs_wvdict_len(h, wd), 0);
    assert_int_equal(gcs_wvdict_get(h, wd, k, &out), GCS_ENOTFOUND);
    gcs_obj *all[] = {wd, k, k2, l, C};
    for (int i = 0; i < 5; i++)
        gcs_decref(h, all[i]);
}

static void
test_weakref__wvdict_dies_before_its_values(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *C, *v = inst(h, &C), *wd, *k;
    OK(gcs_wvdict_new(h, &wd));
    OK(gcs_str_new(h, "k", &k));
    OK(gcs_wvdict_set(h, wd, k, v));
    gcs_decref(h, wd); /* entries' refs die with it; the value is unaffected */
    assert_int_equal(gcs_weakref_count(h, v), 0);
    gcs_decref(h, v);
    gcs_decref(h, k);
    gcs_decref(h, C);
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_weakref__basic_ref_is_shared),
        T(test_weakref__dead_weakref_gets_no_callback),
        T(test_weakref__kinds),
        T(test_weakref__wvdict_api),
        T(test_weakref__wvdict_dies_before_its_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
