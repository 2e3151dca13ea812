/* tests/test_class.c — classes and instances: inline attributes (no dict
 * object), slots, class attributes with instance fallback, finalizers that run
 * once, resurrection on the refcount path, legacy finalizers, class_of. */
#include <string.h>

#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

static gcs_heap *
H(void **state)
{
    return ((gcs_test_heap *)*state)->h;
}

static void
test_class__attributes_are_inline(void **state)
{
    gcs_heap *h = H(state);
    gcs_class_def def = {.name = "P", .dynamic_attrs = true};
    gcs_obj *P, *p, *x, *y, *out;
    OK(gcs_class_new(h, &def, &P));
    OK(gcs_instance_new(h, P, &p));
    assert_ptr_equal(gcs_class_of(h, p), P);
    assert_null(gcs_class_of(h, P));
    assert_string_equal(gcs_type_name(p), "P");
    assert_string_equal(gcs_type_name(P), "type");
    OK(gcs_int_new(h, 1000, &x));
    OK(gcs_int_new(h, 2000, &y));
    size_t live = gcs_heap_live_objects(h);
    OK(gcs_attr_set(h, p, "x", x));
    OK(gcs_attr_set(h, p, "y", y));
    assert_int_equal(gcs_heap_live_objects(h), live); /* no dict object appeared */
    OK(gcs_attr_set(h, p, "x", y));
    assert_int_equal(gcs_refcnt(x), 1);
    assert_int_equal(gcs_refcnt(y), 3);
    OK(gcs_attr_get(h, p, "x", &out));
    assert_ptr_equal(out, y);
    size_t pos = 0;
    const char *name;
    int n = 0;
    while (gcs_attr_next(h, p, &pos, &name, &out))
        n++;
    assert_int_equal(n, 2);
    OK(gcs_attr_del(h, p, "x"));
    assert_int_equal(gcs_attr_get(h, p, "x", &out), GCS_ENOTFOUND);
    assert_int_equal(gcs_attr_del(h, p, "x"), GCS_ENOTFOUND);
    /* class attribute, seen through the instance */
    OK(gcs_attr_set(h, P, "x", x));
    OK(gcs_attr_get(h, p, "x", &out));
    assert_ptr_equal(out, x);
    gcs_obj *refs;
    OK(gcs_gc_get_referents(h, &p, 1, &refs));
    assert_int_equal(gcs_list_len(h, refs), 2); /* y and the class */
    gcs_decref(h, refs);
    gcs_decref(h, p);
    gcs_decref(h, P);
    gcs_decref(h, x);
    gcs_decref(h, y);
}

static void
test_class__slots_only(void **state)
{
    gcs_heap *h = H(state);
    const char *slots[] = {"a", "b"};
    gcs_class_def def = {.name = "S", .slots = slots, .n_slots = 2};
    gcs_obj *S, *s;
    OK(gcs_class_new(h, &def, &S));
    OK(gcs_instance_new(h, S, &s));
    OK(gcs_attr_set(h, s, "b", gcs_none(h)));
    assert_int_equal(gcs_attr_set(h, s, "c", gcs_none(h)), GCS_ENOTFOUND);
    assert_true(gcs_gc_is_tracked(h, s));
    gcs_decref(h, s);
    gcs_decref(h, S);
}

static int g_fin;

static int
fin_count(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)h;
    (void)self;
    (void)ud;
    g_fin++;
    return 0;
}

static int
fin_resurrect_once(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)ud;
    g_fin++;
    return g_fin == 1 ? gcs_global_set(h, "back", self) : 0;
}

static void
test_class__finalizer_runs_once_even_after_resurrection(void **state)
{
    gcs_heap *h = H(state);
    g_fin = 0;
    gcs_class_def def = {.name = "R", .finalize = fin_resurrect_once};
    gcs_obj *R, *r;
    OK(gcs_class_new(h, &def, &R));
    OK(gcs_instance_new(h, R, &r));
    gcs_decref(h, r); /* refcount path: finalizer resurrects */
    assert_int_equal(g_fin, 1);
    gcs_obj *b;
    OK(gcs_var_get(h, "back", &b));
    assert_ptr_equal(b, r);
    assert_int_equal(gcs_refcnt(r), 1);
    assert_true(gcs_gc_is_finalized(h, r));
    assert_int_equal(gcs_gc_generation(h, r), 0); /* re-tracked at gen 0's tail */
    size_t live = gcs_heap_live_objects(h);
    OK(gcs_global_del(h, "back")); /* dies for good, without a second __del__ */
    assert_int_equal(g_fin, 1);
    assert_int_equal(gcs_heap_live_objects(h), live - 1);
    gcs_decref(h, R);
}

static void
test_class__set_finalizer_late_and_legacy(void **state)
{
    gcs_heap *h = H(state);
    g_fin = 0;
    gcs_class_def def = {.name = "L"};
    gcs_obj *L, *a;
    OK(gcs_class_new(h, &def, &L));
    OK(gcs_class_set_finalizer(h, L, NULL, fin_count, NULL));
    OK(gcs_instance_new(h, L, &a));
    gcs_decref(h, a);
    assert_int_equal(g_fin, 1); /* tp_del on the refcount path */
    OK(gcs_class_set_finalizer(h, L, fin_count, NULL, NULL));
    OK(gcs_instance_new(h, L, &a));
    gcs_decref(h, a);
    assert_int_equal(g_fin, 2);
    assert_int_equal(gcs_class_set_finalizer(h, a == NULL ? L : gcs_none(h), NULL, NULL, NULL),
                     GCS_ETYPE);
    gcs_decref(h, L);
}

static void
test_class__errors(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *out;
    assert_int_equal(gcs_class_new(h, NULL, &out), GCS_EINVAL);
    gcs_class_def noname = {.name = NULL};
    assert_int_equal(gcs_class_new(h, &noname, &out), GCS_EINVAL);
    gcs_class_def def = {.name = "E"};
    gcs_obj *E, *e;
    OK(gcs_class_new(h, &def, &E));
    OK(gcs_instance_new(h, E, &e));
    assert_int_equal(gcs_attr_set(h, e, "x", gcs_none(h)), GCS_ENOTFOUND); /* no dynamic attrs */
    assert_int_equal(gcs_attr_set(h, e, NULL, gcs_none(h)), GCS_EINVAL);
    assert_int_equal(gcs_attr_get(h, gcs_none(h), "x", &out), GCS_ETYPE);
    assert_int_equal(gcs_instance_new(h, e, &out), GCS_ETYPE);
    gcs_decref(h, e);
    gcs_decref(h, E);
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_class__attributes_are_inline),
        T(test_class__slots_only),
        T(test_class__finalizer_runs_once_even_after_resurrection),
        T(test_class__set_finalizer_late_and_legacy),
        T(test_class__errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
