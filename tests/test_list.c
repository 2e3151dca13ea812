/* tests/test_list.c — lists: append/insert/set/get/pop/clear with Python index
 * semantics, ownership of stored items, REF_SET/REF_DEL slot labels (shifted
 * slots re-reported), error paths. */
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

static int64_t
at(gcs_heap *h, gcs_obj *l, ptrdiff_t i)
{
    gcs_obj *o;
    int64_t v;
    OK(gcs_list_get(h, l, i, &o));
    OK(gcs_int_value(h, o, &v));
    return v;
}

typedef struct slots_rec {
    char text[4096];
} slots_rec;

static void
slot_hook(void *ud, const gcs_event *e)
{
    slots_rec *r = ud;
    size_t n = strlen(r->text);
    if (e->kind == GCS_EV_REF_SET)
        snprintf(r->text + n, sizeof r->text - n, "set%s ", e->u.ref_set.slot);
    else if (e->kind == GCS_EV_REF_DEL)
        snprintf(r->text + n, sizeof r->text - n, "del%s ", e->u.ref_del.slot);
}

static void
test_list__append_insert_set_pop(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    for (int i = 0; i < 5; i++) {
        gcs_obj *x = num(h, 1000 + i);
        OK(gcs_list_append(h, l, x));
        assert_int_equal(gcs_refcnt(x), 2);
        gcs_decref(h, x);
    }
    assert_int_equal(gcs_list_len(h, l), 5);
    assert_int_equal(at(h, l, -1), 1004);
    gcs_obj *y = num(h, 7);
    OK(gcs_list_insert(h, l, 0, y));
    OK(gcs_list_insert(h, l, -1, y));   /* before the last */
    OK(gcs_list_insert(h, l, 100, y));  /* clamped to the end */
    OK(gcs_list_insert(h, l, -100, y)); /* clamped to the start */
    assert_int_equal(gcs_list_len(h, l), 9);
    assert_int_equal(at(h, l, 0), 7);
    assert_int_equal(at(h, l, 1), 7);
    assert_int_equal(at(h, l, 7), 1004);
    assert_int_equal(at(h, l, 8), 7);
    assert_int_equal(at(h, l, 6), 7);
    gcs_obj *z = num(h, 5000);
    OK(gcs_list_set(h, l, 2, z));
    assert_int_equal(at(h, l, 2), 5000);
    assert_int_equal(gcs_refcnt(z), 2);
    gcs_obj *p;
    OK(gcs_list_pop(h, l, 2, &p));
    assert_ptr_equal(p, z);
    assert_int_equal(gcs_refcnt(z), 2); /* the list's reference passed to us */
    gcs_decref(h, p);
    gcs_decref(h, z);
    OK(gcs_list_del(h, l, -1));
    assert_int_equal(gcs_list_len(h, l), 7);
    assert_int_equal(gcs_list_pop(h, l, 7, NULL), GCS_EINDEX);
    assert_int_equal(gcs_list_pop(h, l, -8, NULL), GCS_EINDEX);
    OK(gcs_list_clear(h, l));
    assert_int_equal(gcs_list_len(h, l), 0);
    assert_int_equal(gcs_list_get(h, l, 0, &p), GCS_EINDEX);
    gcs_decref(h, y);
    gcs_decref(h, l);
}

static void
test_list__slot_labels_in_events(void **state)
{
    gcs_heap *h = H(state);
    static slots_rec r;
    r.text[0] = '\0';
    gcs_obj *l, *a = num(h, 1), *b = num(h, 2);
    OK(gcs_list_new(h, &l));
    OK(gcs_heap_set_hook(h, slot_hook, &r));
    OK(gcs_list_append(h, l, a));
    OK(gcs_list_append(h, l, a));
    OK(gcs_list_insert(h, l, 0, b));
    OK(gcs_list_set(h, l, 1, b));
    OK(gcs_list_pop(h, l, 0, NULL));
    OK(gcs_list_clear(h, l));
    OK(gcs_heap_set_hook(h, NULL, NULL));
    assert_string_equal(r.text, "set[0] set[1] set[0] set[1] set[2] set[1] set[0] set[1] del[2] "
                                "del[1] del[0] ");
    gcs_decref(h, a);
    gcs_decref(h, b);
    gcs_decref(h, l);
}

static void
test_list__wrong_kind_and_null(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *d, *out;
    OK(gcs_dict_new(h, &d));
    assert_int_equal(gcs_list_append(h, d, d), GCS_ETYPE);
    assert_int_equal(gcs_list_insert(h, d, 0, d), GCS_ETYPE);
    assert_int_equal(gcs_list_set(h, d, 0, d), GCS_ETYPE);
    assert_int_equal(gcs_list_get(h, d, 0, &out), GCS_ETYPE);
    assert_int_equal(gcs_list_pop(h, d, 0, NULL), GCS_ETYPE);
    assert_int_equal(gcs_list_clear(h, d), GCS_ETYPE);
    assert_int_equal(gcs_list_len(h, d), 0);
    assert_int_equal(gcs_list_new(h, NULL), GCS_EINVAL);
    assert_int_equal(gcs_list_get(h, NULL, 0, &out), GCS_EINVAL);
    gcs_decref(h, d);
}

/* The same checks with checked mode off: the inline fast path of argument
 * validation must still send NULL and a wrong kind to the full check. */
static void
test_list__wrong_kind_and_null_unchecked(void **state)
{
    gcs_heap *h = H(state);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    gcs_obj *d, *l, *out;
    OK(gcs_dict_new(h, &d));
    OK(gcs_list_new(h, &l));
    assert_int_equal(gcs_list_append(h, d, l), GCS_ETYPE);
    assert_int_equal(gcs_heap_errcode(h), GCS_ETYPE);
    assert_non_null(strstr(gcs_heap_errmsg(h), "expected list, got dict"));
    assert_int_equal(gcs_list_append(h, l, NULL), GCS_EINVAL);
    assert_int_equal(gcs_list_append(h, NULL, l), GCS_EINVAL);
    assert_int_equal(gcs_list_get(h, d, 0, &out), GCS_ETYPE);
    assert_int_equal(gcs_list_len(h, l), 0);
    assert_int_equal(gcs_refcnt(l), 1);
    gcs_decref(h, l);
    gcs_decref(h, d);
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
}

static void
test_list__list_containing_itself(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    OK(gcs_list_append(h, l, l));
    assert_int_equal(gcs_refcnt(l), 2);
    char buf[32];
    gcs_repr(h, l, buf, sizeof buf);
    assert_non_null(strstr(buf, "[[["));
    gcs_decref(h, l);
    size_t n;
    OK(gcs_gc_collect(h, 2, &n));
    assert_int_equal(n, 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_list__append_insert_set_pop),  T(test_list__slot_labels_in_events),
        T(test_list__wrong_kind_and_null),    T(test_list__wrong_kind_and_null_unchecked),
        T(test_list__list_containing_itself),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
