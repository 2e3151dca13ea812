/* src/runtime/tuple.c — immutable tuples. Tracked at creation (except the
 * empty-tuple singleton); any collection that finds a surviving tuple holding
 * nothing that may be tracked untracks it (CPython's _PyTuple_MaybeUntrack). */
#include "runtime_int.h"

int
gcs_tuple_new_at(gcs_heap *h, size_t n, gcs_obj *const items[], gcs_obj **out, const gcs_site *site)
{
    if (!h || !out || (n && !items))
        return GCS_EINVAL;
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        int rc = gcs_rt_validate(h, items[i], site, false);
        if (rc != 0)
            return rc;
    }
    if (n == 0) {
        gcs_rt_incref(h, h->empty_tuple, site);
        *out = h->empty_tuple;
        return 0;
    }
    bool fl = n < FL_TUPLE_SIZES && h->fl_tuple[n] > 0;
    size_t size = sizeof(gcs_tuple_obj) + n * sizeof(gcs_obj *);
    gcs_obj *o;
    int rc = gcs_rt_obj_alloc(h, GCS_KIND_TUPLE, size, true, fl, site, &o);
    if (rc != 0)
        return rc;
    if (fl)
        h->fl_tuple[n]--;
    gcs_tuple_obj *t = (gcs_tuple_obj *)o;
    t->n = n;
    gcs_rt_obj_link(h, o, "tuple", size, site);
    for (size_t i = 0; i < n; i++) {
        gcs_rt_incref(h, items[i], site);
        t->items[i] = items[i];
        if (h->hooked)
            gcs_rt_ev_ref_set_index(h, o, i, items[i], NULL, site);
    }
    gcs_rt_track(h, o);
    *out = o;
    return 0;
}

int
gcs_tuple_get(gcs_heap *h, gcs_obj *t, size_t i, gcs_obj **out)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    int rc = gcs_rt_validate_kind(h, t, GCS_KIND_TUPLE, "gcs_tuple_get", NULL);
    if (rc != 0)
        return rc;
    if (i >= AS_TUPLE(t)->n)
        return gcs_rt_error(h, GCS_EINDEX, "gcs_tuple_get: index %zu out of range (len %zu)", i,
                            AS_TUPLE(t)->n);
    *out = AS_TUPLE(t)->items[i];
    return 0;
}

size_t
gcs_tuple_len(gcs_heap *h, gcs_obj *t)
{
    if (!h || gcs_rt_validate_kind(h, t, GCS_KIND_TUPLE, "gcs_tuple_len", NULL) != 0)
        return 0;
    return AS_TUPLE(t)->n;
}

int
gcs_rt_tuple_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    gcs_tuple_obj *t = (gcs_tuple_obj *)o;
    for (size_t i = t->n; i-- > 0;) { /* last first, as CPython's tupletraverse */
        if (t->items[i]) {
            int rc = visit(t->items[i], arg);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Dealloc: release items last to first (CPython's tupledealloc). */
void
gcs_rt_tuple_release(gcs_heap *h, gcs_obj *o)
{
    gcs_tuple_obj *t = (gcs_tuple_obj *)o;
    for (size_t i = t->n; i-- > 0;) {
        gcs_obj *x = t->items[i];
        t->items[i] = NULL;
        if (x && h->hooked)
            gcs_rt_ev_ref_del_index(h, o, i, x, NULL);
        gcs_rt_xdecref(h, x, NULL);
    }
}

void
gcs_rt_tuple_maybe_untrack(gcs_heap *h, gcs_obj *o)
{
    gcs_tuple_obj *t = (gcs_tuple_obj *)o;
    for (size_t i = 0; i < t->n; i++)
        if (!t->items[i] || gcs_rt_may_be_tracked(t->items[i]))
            return;
    gcs_rt_untrack(h, o);
}
