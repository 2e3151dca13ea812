/* tests/test_usertype.c — user-defined C types: traverse/clear drive the
 * collector, finalize/legacy/dealloc callbacks, slot stores own references,
 * non-GC types are untracked and refinalized (no FINALIZED bit), track and
 * untrack by hand, cfunc calls. */
#include <string.h>

#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

static gcs_heap *
H(void **state)
{
    return ((gcs_test_heap *)*state)->h;
}

typedef struct node {
    gcs_obj *next;
    int payload;
} node;

static int g_dealloc, g_fin;

static int
node_traverse(gcs_heap *h, gcs_obj *self, gcs_visit_fn visit, void *arg)
{
    (void)h;
    node *n = gcs_obj_data(self);
    return n->next ? visit(n->next, arg) : 0;
}

static void
node_clear(gcs_heap *h, gcs_obj *self)
{
    node *n = gcs_obj_data(self);
    gcs_slot_clear(h, self, &n->next, ".next");
}

static void
node_dealloc(gcs_heap *h, gcs_obj *self)
{
    (void)h;
    (void)self;
    g_dealloc++;
}

static int
node_fin(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)h;
    (void)self;
    (void)ud;
    g_fin++;
    return 0;
}

static gcs_type *
node_type(gcs_heap *h, unsigned flags)
{
    gcs_type_def def = {.name = "Node",
                        .data_size = sizeof(node),
                        .flags = flags,
                        .traverse = node_traverse,
                        .clear = node_clear,
                        .finalize = node_fin,
                        .dealloc = node_dealloc};
    gcs_type *t;
    OK(gcs_type_new(h, &def, &t));
    return t;
}

static void
test_usertype__cycle_of_user_objects_is_collected(void **state)
{
    gcs_heap *h = H(state);
    g_dealloc = g_fin = 0;
    gcs_type *t = node_type(h, GCS_TYPE_GC | GCS_TYPE_WEAKREFABLE);
    gcs_obj *a, *b;
    OK(gcs_obj_new(h, t, &a));
    OK(gcs_obj_new(h, t, &b));
    assert_string_equal(gcs_type_name(a), "Node");
    assert_int_equal(((node *)gcs_obj_data(a))->payload, 0); /* zeroed */
    OK(gcs_slot_set(h, a, &((node *)gcs_obj_data(a))->next, ".next", b));
    OK(gcs_slot_set(h, b, &((node *)gcs_obj_data(b))->next, ".next", a));
    assert_true(gcs_gc_is_tracked(h, a));
    gcs_decref(h, a);
    gcs_decref(h, b);
    size_t n;
    OK(gcs_gc_collect(h, 2, &n));
    assert_int_equal(n, 2);
    assert_int_equal(g_fin, 2);
    assert_int_equal(g_dealloc, 2);
}

static void
test_usertype__non_gc_type(void **state)
{
    gcs_heap *h = H(state);
    g_dealloc = g_fin = 0;
    gcs_type_def def = {
        .name = "Blob", .data_size = 16, .finalize = node_fin, .dealloc = node_dealloc};
    gcs_type *t;
    OK(gcs_type_new(h, &def, &t));
    gcs_obj *o;
    OK(gcs_obj_new(h, t, &o));
    assert_false(gcs_gc_is_tracked(h, o));
    assert_int_equal(gcs_gc_track(h, o), GCS_ETYPE);
    gcs_decref(h, o);
    assert_int_equal(g_fin, 1);
    assert_int_equal(g_dealloc, 1);
}

static void
test_usertype__track_untrack_and_slot_checks(void **state)
{
    gcs_heap *h = H(state);
    gcs_type *t = node_type(h, GCS_TYPE_GC);
    gcs_obj *a, *x;
    OK(gcs_obj_new(h, t, &a));
    OK(gcs_gc_untrack(h, a));
    assert_false(gcs_gc_is_tracked(h, a));
    OK(gcs_gc_track(h, a));
    assert_true(gcs_gc_is_tracked(h, a));
    OK(gcs_list_new(h, &x));
    gcs_obj *outside = NULL;
    assert_int_equal(gcs_slot_set(h, a, &outside, ".x", x), GCS_EINVAL);
    assert_int_equal(gcs_slot_set(h, a, NULL, ".x", x), GCS_EINVAL);
    assert_int_equal(gcs_obj_new(h, NULL, &x), GCS_EINVAL);
    gcs_type_def bad = {.name = "Bad", .flags = GCS_TYPE_GC};
    gcs_type *bt;
    assert_int_equal(gcs_type_new(h, &bad, &bt), GCS_EINVAL); /* GC needs traverse */
    assert_null(gcs_obj_data(x));
    gcs_decref(h, x);
    gcs_decref(h, a);
}

static int
add_fn(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud, gcs_obj **result)
{
    (void)self;
    (void)ud;
    int64_t s = 0, v;
    for (size_t i = 0; i < nargs; i++) {
        if (gcs_int_value(h, args[i], &v) != 0)
            return GCS_ETYPE;
        s += v;
    }
    return gcs_int_new(h, s, result);
}

static void
test_usertype__cfunc_call(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *f, *a, *b, *r, *self;
    OK(gcs_list_new(h, &self));
    OK(gcs_cfunc_new(h, "add", add_fn, NULL, self, &f));
    assert_ptr_equal(gcs_cfunc_bound(h, f), self);
    assert_int_equal(gcs_refcnt(self), 2);
    OK(gcs_int_new(h, 40, &a));
    OK(gcs_int_new(h, 2, &b));
    gcs_obj *args[] = {a, b};
    OK(gcs_call(h, f, args, 2, &r));
    int64_t v;
    OK(gcs_int_value(h, r, &v));
    assert_int_equal(v, 42);
    gcs_decref(h, r);
    gcs_obj *bad[] = {a, self};
    assert_int_equal(gcs_call(h, f, bad, 2, &r), GCS_ETYPE);
    assert_null(r);
    gcs_decref(h, a);
    gcs_decref(h, b);
    gcs_decref(h, f);
    assert_int_equal(gcs_refcnt(self), 1);
    gcs_decref(h, self);
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_usertype__cycle_of_user_objects_is_collected),
        T(test_usertype__non_gc_type),
        T(test_usertype__track_untrack_and_slot_checks),
        T(test_usertype__cfunc_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
