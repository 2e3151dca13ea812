/* src/runtime/atoms.c — None, True, False, ints (cached -5..256 as CPython) and
 * strs, plus hashing and key equality for dicts. Atoms are never tracked and
 * don't count towards count[0]. The singletons and cached ints start at a huge
 * refcount (CPython 3.11's static objects) that is still counted. */
#include <inttypes.h>
#include <stdio.h>

#include "runtime_int.h"

static gcs_obj *
static_new(gcs_heap *h, gcs_kind kind, size_t size, const char *type)
{
    gcs_obj *o;
    if (gcs_rt_obj_alloc(h, kind, size, kind == GCS_KIND_TUPLE, false, NULL, &o) != 0)
        return NULL;
    gcs_rt_obj_link(h, o, type, size, NULL);
    o->flags |= OF_STATIC;
    o->head.refcnt_ = STATIC_REFCNT;
    return o;
}

/* Create None, True, False and (); a NULL field afterwards means out of memory. */
void
gcs_rt_atoms_init_static(gcs_heap *h)
{
    h->none = static_new(h, GCS_KIND_NONE, sizeof(gcs_obj), "NoneType");
    h->false_ = static_new(h, GCS_KIND_BOOL, sizeof(gcs_int_obj), "bool");
    h->true_ = static_new(h, GCS_KIND_BOOL, sizeof(gcs_int_obj), "bool");
    h->empty_tuple = static_new(h, GCS_KIND_TUPLE, sizeof(gcs_tuple_obj), "tuple");
    if (h->true_)
        ((gcs_int_obj *)h->true_)->value = 1;
    if (h->hooked) {
        if (h->none)
            gcs_rt_ev_label(h, h->none, "None", NULL);
        if (h->false_)
            gcs_rt_ev_label(h, h->false_, "False", NULL);
        if (h->true_)
            gcs_rt_ev_label(h, h->true_, "True", NULL);
        if (h->empty_tuple)
            gcs_rt_ev_label(h, h->empty_tuple, "()", NULL);
    }
}

gcs_obj *
gcs_none(gcs_heap *h)
{
    return h ? h->none : NULL;
}

gcs_obj *
gcs_true(gcs_heap *h)
{
    return h ? h->true_ : NULL;
}

gcs_obj *
gcs_false(gcs_heap *h)
{
    return h ? h->false_ : NULL;
}

gcs_obj *
gcs_bool(gcs_heap *h, bool v)
{
    return v ? gcs_true(h) : gcs_false(h);
}

/* The LABEL event of a new str (hooked heaps only): its repr. */
static void
label_atom(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    char buf[128];
    gcs_rt_repr(h, o, buf, sizeof buf, 0);
    gcs_rt_ev_label(h, o, buf, site);
}

int
gcs_int_new_at(gcs_heap *h, int64_t v, gcs_obj **out, const gcs_site *site)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    bool small = v >= SMALLINT_MIN && v <= SMALLINT_MAX;
    gcs_obj **slot = small ? &h->small_ints[v - SMALLINT_MIN] : NULL;
    if (slot && *slot) {
        gcs_rt_incref(h, *slot, site);
        *out = *slot;
        return 0;
    }
    gcs_obj *o;
    int rc = gcs_rt_obj_alloc(h, GCS_KIND_INT, sizeof(gcs_int_obj), false, false, site, &o);
    if (rc != 0)
        return rc;
    ((gcs_int_obj *)o)->value = v;
    gcs_rt_obj_link(h, o, "int", sizeof(gcs_int_obj), site);
    if (h->hooked)
        gcs_rt_ev_label_int(h, o, v, site);
    if (slot) {
        o->flags |= OF_STATIC;
        o->head.refcnt_ = STATIC_REFCNT + 1;
        *slot = o;
    }
    *out = o;
    return 0;
}

static uint64_t
str_hash_bytes(const char *s, size_t n)
{
    uint64_t x = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        x ^= (unsigned char)s[i];
        x *= 0x100000001b3ull;
    }
    return x;
}

int
gcs_str_newn_at(gcs_heap *h, const char *s, size_t n, gcs_obj **out, const gcs_site *site)
{
    if (!h || !out || (!s && n))
        return GCS_EINVAL;
    *out = NULL;
    size_t size = sizeof(gcs_str_obj) + n + 1;
    gcs_obj *o;
    int rc = gcs_rt_obj_alloc(h, GCS_KIND_STR, size, false, false, site, &o);
    if (rc != 0)
        return rc;
    gcs_str_obj *so = (gcs_str_obj *)o;
    so->len = n;
    if (n)
        memcpy(so->data, s, n);
    so->data[n] = '\0';
    so->hash = str_hash_bytes(so->data, n);
    gcs_rt_obj_link(h, o, "str", size, site);
    if (h->hooked)
        label_atom(h, o, site);
    *out = o;
    return 0;
}

int
gcs_str_new_at(gcs_heap *h, const char *s, gcs_obj **out, const gcs_site *site)
{
    if (!s)
        return h ? gcs_rt_error(h, GCS_EINVAL, "gcs_str_new: NULL string") : GCS_EINVAL;
    return gcs_str_newn_at(h, s, strlen(s), out, site);
}

int
gcs_rt_str_intern_new(gcs_heap *h, const char *s, gcs_obj **out, const gcs_site *site)
{
    return gcs_str_new_at(h, s, out, site);
}

int
gcs_int_value(gcs_heap *h, gcs_obj *o, int64_t *out)
{
    if (!h || !out)
        return GCS_EINVAL;
    int rc = gcs_rt_validate(h, o, NULL, false);
    if (rc != 0)
        return rc;
    if (o->kind != GCS_KIND_INT && o->kind != GCS_KIND_BOOL)
        return gcs_rt_error(h, GCS_ETYPE, "gcs_int_value: expected int, got %s", gcs_type_name(o));
    *out = ((gcs_int_obj *)o)->value;
    return 0;
}

const char *
gcs_str_value(gcs_heap *h, gcs_obj *o)
{
    if (!h || gcs_rt_validate(h, o, NULL, false) != 0 || o->kind != GCS_KIND_STR)
        return NULL;
    return ((gcs_str_obj *)o)->data;
}

size_t
gcs_str_len(gcs_heap *h, gcs_obj *o)
{
    if (!h || gcs_rt_validate(h, o, NULL, false) != 0 || o->kind != GCS_KIND_STR)
        return 0;
    return ((gcs_str_obj *)o)->len;
}

bool
gcs_is_true(gcs_heap *h, gcs_obj *o)
{
    if (!h || gcs_rt_validate(h, o, NULL, false) != 0)
        return false;
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_NONE:
        return false;
    case GCS_KIND_BOOL:
    case GCS_KIND_INT:
        return ((gcs_int_obj *)o)->value != 0;
    case GCS_KIND_STR:
        return ((gcs_str_obj *)o)->len != 0;
    case GCS_KIND_TUPLE:
        return ((gcs_tuple_obj *)o)->n != 0;
    case GCS_KIND_LIST:
        return ((gcs_list_obj *)o)->len != 0;
    case GCS_KIND_DICT:
        return ((gcs_dict_obj *)o)->len != 0;
    case GCS_KIND_CLASS:
    case GCS_KIND_INSTANCE:
    case GCS_KIND_WEAKREF:
    case GCS_KIND_CFUNC:
    case GCS_KIND_USER:
    case GCS_KIND__COUNT:
        break;
    }
    return true;
}

static bool
is_atom(const gcs_obj *o)
{
    return o->kind == GCS_KIND_NONE || o->kind == GCS_KIND_BOOL || o->kind == GCS_KIND_INT ||
           o->kind == GCS_KIND_STR;
}

static bool
atom_equal(const gcs_obj *a, const gcs_obj *b)
{
    bool na = a->kind == GCS_KIND_INT || a->kind == GCS_KIND_BOOL;
    bool nb = b->kind == GCS_KIND_INT || b->kind == GCS_KIND_BOOL;
    if (na && nb)
        return ((const gcs_int_obj *)a)->value == ((const gcs_int_obj *)b)->value;
    if (a->kind == GCS_KIND_STR && b->kind == GCS_KIND_STR) {
        const gcs_str_obj *x = (const gcs_str_obj *)a, *y = (const gcs_str_obj *)b;
        return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
    }
    return a == b;
}

bool
gcs_equal(gcs_heap *h, gcs_obj *a, gcs_obj *b)
{
    if (!h || gcs_rt_validate(h, a, NULL, false) != 0 || gcs_rt_validate(h, b, NULL, false) != 0)
        return false;
    if (a == b)
        return true;
    if (is_atom(a) && is_atom(b))
        return atom_equal(a, b);
    return false;
}

/* Dict key equality: atoms by value, tuples item by item, others by identity. */
bool
gcs_rt_key_equal(gcs_obj *a, gcs_obj *b)
{
    if (a == b)
        return true;
    if (is_atom(a) && is_atom(b))
        return atom_equal(a, b);
    if (a->kind == GCS_KIND_TUPLE && b->kind == GCS_KIND_TUPLE) {
        gcs_tuple_obj *x = (gcs_tuple_obj *)a, *y = (gcs_tuple_obj *)b;
        if (x->n != y->n)
            return false;
        for (size_t i = 0; i < x->n; i++)
            if (!gcs_rt_key_equal(x->items[i], y->items[i]))
                return false;
        return true;
    }
    return false;
}

static uint64_t
mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

/* Hash for dict keys. Lists, dicts and tuples holding them are unhashable
 * (*err = GCS_EUNHASHABLE), as in Python. */
uint64_t
gcs_rt_hash(gcs_heap *h, gcs_obj *o, int *err)
{
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_NONE:
        return 0x5bd1e995u;
    case GCS_KIND_BOOL:
    case GCS_KIND_INT:
        return mix64((uint64_t)((gcs_int_obj *)o)->value);
    case GCS_KIND_STR:
        return ((gcs_str_obj *)o)->hash;
    case GCS_KIND_TUPLE: {
        gcs_tuple_obj *t = (gcs_tuple_obj *)o;
        uint64_t x = 0x27d4eb2f165667c5ull;
        for (size_t i = 0; i < t->n; i++)
            x = (x ^ gcs_rt_hash(h, t->items[i], err)) * 0x100000001b3ull;
        return x;
    }
    case GCS_KIND_LIST:
    case GCS_KIND_DICT:
        *err = GCS_EUNHASHABLE;
        return 0;
    case GCS_KIND_USER:
        if (((gcs_user_obj *)o)->type == h->wvdict_type) {
            *err = GCS_EUNHASHABLE;
            return 0;
        }
        return mix64((uint64_t)(uintptr_t)o);
    case GCS_KIND_CLASS:
    case GCS_KIND_INSTANCE:
    case GCS_KIND_WEAKREF:
    case GCS_KIND_CFUNC:
    case GCS_KIND__COUNT:
        break;
    }
    return mix64((uint64_t)(uintptr_t)o);
}
