/* src/runtime/list.c — mutable lists (always tracked). Every store owns the
 * new item and releases the replaced one; REF_SET/REF_DEL events name the slot
 * "[i]", and an insert or removal re-reports every shifted slot so a replay
 * model keyed by slot stays exact. Growth follows CPython's over-allocation. */
#include "runtime_int.h"

int
gcs_list_new_at(gcs_heap *h, gcs_obj **out, const gcs_site *site)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    bool fl = h->fl_list > 0;
    gcs_obj *o;
    int rc = gcs_rt_obj_alloc(h, GCS_KIND_LIST, sizeof(gcs_list_obj), true, fl, site, &o);
    if (rc != 0)
        return rc;
    if (fl)
        h->fl_list--;
    gcs_rt_obj_link_tracked(h, o, "list", sizeof(gcs_list_obj), site);
    *out = o;
    return 0;
}

/* Make room for n items in total; GCS_ENOMEM leaves the list unchanged. */
int
gcs_rt_list_reserve(gcs_heap *h, gcs_obj *o, size_t n)
{
    gcs_list_obj *l = AS_LIST(o);
    if (n <= l->cap)
        return 0;
    if (n > LIST_MAX_LEN)
        return gcs_rt_error(h, GCS_ENOMEM, "list #%llu can't hold %zu items (at most %d)",
                            (unsigned long long)o->id, n, LIST_MAX_LEN);
    size_t cap = (n + (n >> 3) + 6) & ~(size_t)3;
    gcs_obj **items =
        gcs_rt_arr_realloc(h, o, l->items, l->cap * sizeof *items, cap * sizeof *items);
    if (!items)
        return gcs_rt_error(h, GCS_ENOMEM, "out of memory growing list #%llu to %zu items",
                            (unsigned long long)o->id, n);
    l->items = items;
    l->cap = (uint32_t)cap;
    return 0;
}

static void
ev_slot_set(gcs_heap *h, gcs_obj *l, size_t i, gcs_obj *dst, gcs_obj *old, const gcs_site *site)
{
    gcs_rt_ev_ref_set_index(h, l, i, dst, old, site);
}

/* Append when capacity is already reserved. */
int
gcs_rt_list_append_nofail(gcs_heap *h, gcs_obj *o, gcs_obj *item, const gcs_site *site)
{
    gcs_list_obj *l = AS_LIST(o);
    GCS_ASSERT(l->len < l->cap);
    gcs_rt_incref(h, item, site);
    l->items[l->len++] = item;
    if (h->hooked)
        ev_slot_set(h, o, l->len - 1, item, NULL, site);
    return 0;
}

static int
check_list_item(gcs_heap *h, gcs_obj *l, gcs_obj *item, const char *what, const gcs_site *site)
{
    int rc = gcs_rt_validate_kind(h, l, GCS_KIND_LIST, what, site);
    if (rc == 0)
        rc = gcs_rt_validate(h, item, site, false);
    return rc;
}

int
gcs_list_append_at(gcs_heap *h, gcs_obj *l, gcs_obj *item, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = check_list_item(h, l, item, "gcs_list_append", site);
    if (rc == 0)
        rc = gcs_rt_list_reserve(h, l, AS_LIST(l)->len + 1);
    if (rc != 0)
        return rc;
    return gcs_rt_list_append_nofail(h, l, item, site);
}

int
gcs_list_insert_at(gcs_heap *h, gcs_obj *l, ptrdiff_t i, gcs_obj *item, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = check_list_item(h, l, item, "gcs_list_insert", site);
    if (rc == 0)
        rc = gcs_rt_list_reserve(h, l, AS_LIST(l)->len + 1);
    if (rc != 0)
        return rc;
    gcs_list_obj *L = AS_LIST(l);
    ptrdiff_t n = (ptrdiff_t)L->len;
    if (i < 0)
        i = i + n < 0 ? 0 : i + n;
    if (i > n)
        i = n;
    memmove(&L->items[i + 1], &L->items[i], (size_t)(n - i) * sizeof(gcs_obj *));
    gcs_rt_incref(h, item, site);
    L->items[i] = item;
    L->len++;
    if (h->hooked)
        for (size_t k = (size_t)i; k < L->len; k++)
            ev_slot_set(h, l, k, L->items[k], k + 1 < L->len ? L->items[k + 1] : NULL, site);
    return 0;
}

static int
list_index(gcs_heap *h, gcs_obj *l, ptrdiff_t *i, const char *what)
{
    ptrdiff_t n = (ptrdiff_t)AS_LIST(l)->len;
    ptrdiff_t k = *i < 0 ? *i + n : *i;
    if (k < 0 || k >= n)
        return gcs_rt_error(h, GCS_EINDEX, "%s: index %td out of range (len %td)", what, *i, n);
    *i = k;
    return 0;
}

int
gcs_list_set_at(gcs_heap *h, gcs_obj *l, ptrdiff_t i, gcs_obj *item, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = check_list_item(h, l, item, "gcs_list_set", site);
    if (rc == 0)
        rc = list_index(h, l, &i, "gcs_list_set");
    if (rc != 0)
        return rc;
    gcs_list_obj *L = AS_LIST(l);
    gcs_obj *old = L->items[i];
    gcs_rt_incref(h, item, site);
    L->items[i] = item;
    if (h->hooked)
        ev_slot_set(h, l, (size_t)i, item, old, site);
    gcs_rt_decref(h, old, site);
    return 0;
}

int
gcs_list_get(gcs_heap *h, gcs_obj *l, ptrdiff_t i, gcs_obj **out)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    int rc = gcs_rt_validate_kind(h, l, GCS_KIND_LIST, "gcs_list_get", NULL);
    if (rc == 0)
        rc = list_index(h, l, &i, "gcs_list_get");
    if (rc != 0)
        return rc;
    *out = AS_LIST(l)->items[i];
    return 0;
}

int
gcs_list_pop_at(gcs_heap *h, gcs_obj *l, ptrdiff_t i, gcs_obj **out, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    if (out)
        *out = NULL;
    int rc = gcs_rt_validate_kind(h, l, GCS_KIND_LIST, "gcs_list_pop", site);
    if (rc == 0)
        rc = list_index(h, l, &i, "gcs_list_pop");
    if (rc != 0)
        return rc;
    gcs_list_obj *L = AS_LIST(l);
    gcs_obj *x = L->items[i];
    memmove(&L->items[i], &L->items[i + 1], (L->len - (size_t)i - 1) * sizeof(gcs_obj *));
    L->len--;
    if (h->hooked) {
        for (size_t k = (size_t)i; k < L->len; k++)
            ev_slot_set(h, l, k, L->items[k], k == (size_t)i ? x : L->items[k - 1], site);
        gcs_rt_ev_ref_del_index(h, l, L->len, L->len > (size_t)i ? L->items[L->len - 1] : x, site);
    }
    if (out)
        *out = x; /* the list's reference passes to the caller */
    else
        gcs_rt_decref(h, x, site);
    return 0;
}

/* Drop every item, last to first, after detaching the array (CPython's
 * _list_clear: the list is already empty when the first release runs). */
static void
list_clear(gcs_heap *h, gcs_obj *l, bool emit, const gcs_site *site)
{
    gcs_list_obj *L = AS_LIST(l);
    gcs_obj **items = L->items;
    size_t n = L->len, cap = L->cap;
    L->items = NULL;
    L->len = L->cap = 0;
    if (emit && h->hooked) {
        for (size_t k = n; k-- > 0;)
            gcs_rt_ev_ref_del_index(h, l, k, items[k], site);
    }
    for (size_t k = n; k-- > 0;)
        gcs_rt_decref(h, items[k], site);
    gcs_rt_arr_free(h, l, items, cap * sizeof *items);
}

int
gcs_list_clear_at(gcs_heap *h, gcs_obj *l, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = gcs_rt_validate_kind(h, l, GCS_KIND_LIST, "gcs_list_clear", site);
    if (rc != 0)
        return rc;
    list_clear(h, l, true, site);
    return 0;
}

void
gcs_rt_list_release(gcs_heap *h, gcs_obj *l)
{
    list_clear(h, l, true, NULL);
}

size_t
gcs_list_len(gcs_heap *h, gcs_obj *l)
{
    if (!h || gcs_rt_validate_kind(h, l, GCS_KIND_LIST, "gcs_list_len", NULL) != 0)
        return 0;
    return AS_LIST(l)->len;
}

/* Last item first, as CPython's list_traverse (gc.get_referents order, and
 * the order move_unreachable meets the items in). */
int
gcs_rt_list_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    gcs_list_obj *l = (gcs_list_obj *)o;
    for (size_t i = l->len; i-- > 0;) {
        int rc = visit(l->items[i], arg);
        if (rc)
            return rc;
    }
    return 0;
}
