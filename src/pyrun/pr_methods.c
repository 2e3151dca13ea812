/* src/pyrun/pr_methods.c — methods of the builtin objects (list, dict, str,
 * WeakValueDictionary, weakref.finalize) and the dict views. A call
 * `obj.m(...)` on a builtin object dispatches here directly (no method
 * object); `f = obj.m` makes a cfunc bound to obj (pr_make_bmethod).
 */
#include <stdlib.h>
#include <string.h>

#include "pr_builtins.h"

/* {======================== Methods of builtin objects ========================} */

enum {
    BM_L_APPEND,
    BM_L_POP,
    BM_L_REMOVE,
    BM_L_CLEAR,
    BM_L_INSERT,
    BM_L_INDEX,
    BM_L_COUNT,
    BM_L_EXTEND,
    BM_L_COPY,
    BM_L_REVERSE,
    BM_L_SORT,
    BM_D_GET,
    BM_D_KEYS,
    BM_D_VALUES,
    BM_D_ITEMS,
    BM_D_POP,
    BM_D_SETDEFAULT,
    BM_D_CLEAR,
    BM_D_UPDATE,
    BM_D_COPY,
    BM_S_JOIN,
    BM_S_UPPER,
    BM_S_LOWER,
    BM_S_STRIP,
    BM_S_STARTSWITH,
    BM_S_ENDSWITH,
    BM_S_REPLACE,
    BM_S_SPLIT,
    BM_S_FIND,
    BM_W_GET,
    BM_F_DETACH,
    BM_F_ALIVE,
    BM__COUNT
};

static const struct {
    const char *name;
    int kind; /* gcs_kind of self, or -1 wvdict, -2 finalize */
} bmethods[BM__COUNT] = {
    [BM_L_APPEND] = {"append", GCS_KIND_LIST},
    [BM_L_POP] = {"pop", GCS_KIND_LIST},
    [BM_L_REMOVE] = {"remove", GCS_KIND_LIST},
    [BM_L_CLEAR] = {"clear", GCS_KIND_LIST},
    [BM_L_INSERT] = {"insert", GCS_KIND_LIST},
    [BM_L_INDEX] = {"index", GCS_KIND_LIST},
    [BM_L_COUNT] = {"count", GCS_KIND_LIST},
    [BM_L_EXTEND] = {"extend", GCS_KIND_LIST},
    [BM_L_COPY] = {"copy", GCS_KIND_LIST},
    [BM_L_REVERSE] = {"reverse", GCS_KIND_LIST},
    [BM_L_SORT] = {"sort", GCS_KIND_LIST},
    [BM_D_GET] = {"get", GCS_KIND_DICT},
    [BM_D_KEYS] = {"keys", GCS_KIND_DICT},
    [BM_D_VALUES] = {"values", GCS_KIND_DICT},
    [BM_D_ITEMS] = {"items", GCS_KIND_DICT},
    [BM_D_POP] = {"pop", GCS_KIND_DICT},
    [BM_D_SETDEFAULT] = {"setdefault", GCS_KIND_DICT},
    [BM_D_CLEAR] = {"clear", GCS_KIND_DICT},
    [BM_D_UPDATE] = {"update", GCS_KIND_DICT},
    [BM_D_COPY] = {"copy", GCS_KIND_DICT},
    [BM_S_JOIN] = {"join", GCS_KIND_STR},
    [BM_S_UPPER] = {"upper", GCS_KIND_STR},
    [BM_S_LOWER] = {"lower", GCS_KIND_STR},
    [BM_S_STRIP] = {"strip", GCS_KIND_STR},
    [BM_S_STARTSWITH] = {"startswith", GCS_KIND_STR},
    [BM_S_ENDSWITH] = {"endswith", GCS_KIND_STR},
    [BM_S_REPLACE] = {"replace", GCS_KIND_STR},
    [BM_S_SPLIT] = {"split", GCS_KIND_STR},
    [BM_S_FIND] = {"find", GCS_KIND_STR},
    [BM_W_GET] = {"get", -1},
    [BM_F_DETACH] = {"detach", -2},
    [BM_F_ALIVE] = {"alive", -2},
};

int
pr_bmethod_find(pr_interp *I, gcs_obj *self, int name)
{
    int kind = gcs_kind_of(self);
    if (kind == GCS_KIND_USER) {
        pr_fninfo *fi = pr_info(I, self);
        if (fi && fi->kind == PR_F_WVDICT)
            kind = -1;
        else if (strcmp(gcs_type_name(self), "finalize") == 0)
            kind = -2;
    }
    const char *nm = pr_name(I, name);
    for (int i = 0; i < BM__COUNT; i++)
        if (bmethods[i].kind == kind && strcmp(bmethods[i].name, nm) == 0)
            return i;
    return -1;
}

gcs_obj *
pr_make_bmethod(pr_interp *I, int idx, gcs_obj *self)
{
    if (idx == BM_F_ALIVE)
        return pr_bool(I, pr_fin_index(I, self) >= 0);
    gcs_obj *m;
    int rc = gcs_cfunc_new(I->h, bmethods[idx].name, pr_cfunc_trampoline, &I->bmethod_info[idx],
                           self, &m);
    if (rc)
        return pr_raise_rc(I, rc, "method");
    if (pr_idmap_put(I, gcs_id(m), &I->bmethod_info[idx])) {
        gcs_decref(I->h, m);
        return pr_raise(I, PR_E_MEMORY, "method");
    }
    return m;
}

static gcs_obj *dict_view(pr_interp *I, gcs_obj *d, int which);

static const char *const view_names[3] = {"dict_keys", "dict_values", "dict_items"};

/* Which view type (0 keys, 1 values, 2 items) `o` is, or -1. */
int
pr_view_kind(pr_interp *I, gcs_obj *o)
{
    (void)I;
    if (gcs_kind_of(o) != GCS_KIND_USER)
        return -1;
    const char *tn = gcs_type_name(o);
    for (int i = 0; i < 3; i++)
        if (strcmp(tn, view_names[i]) == 0)
            return i;
    return -1;
}

/* The items of a dict view as a NEW list. */
gcs_obj *
pr_view_list(pr_interp *I, gcs_obj *view)
{
    gcs_obj **slot = gcs_obj_data(view);
    return dict_view(I, *slot, pr_view_kind(I, view));
}

static gcs_obj *
new_view(pr_interp *I, gcs_obj *d, int which)
{
    gcs_obj *v;
    int rc = gcs_obj_new(I->h, I->t_view[which], &v);
    if (rc)
        return pr_raise_rc(I, rc, view_names[which]);
    gcs_obj **slot = gcs_obj_data(v);
    rc = gcs_slot_set(I->h, v, slot, ".mapping", d);
    if (rc) {
        gcs_decref(I->h, v);
        return pr_raise_rc(I, rc, view_names[which]);
    }
    return v;
}

static gcs_obj *
dict_view(pr_interp *I, gcs_obj *d, int which)
{
    gcs_obj *l = pr_new_list(I);
    size_t pos = 0;
    gcs_obj *k, *v;
    while (l && gcs_dict_next(I->h, d, &pos, &k, &v)) {
        if (which == 0)
            l = pr_append_steal(I, l, pr_ret(I, k));
        else if (which == 1)
            l = pr_append_steal(I, l, pr_ret(I, v));
        else {
            gcs_obj *pair[2] = {k, v};
            l = pr_append_steal(I, l, pr_tuple_of(I, 2, pair));
        }
    }
    return l;
}

static gcs_obj *
list_methods(pr_interp *I, int idx, gcs_obj *l, gcs_obj *const a[], int n)
{
    int rc = 0;
    int64_t i = 0;
    switch (idx) {
    case BM_L_APPEND:
        if (!pr_nargs_ok(I, "append", n, 1, 1))
            return NULL;
        rc = gcs_list_append(I->h, l, a[0]);
        break;
    case BM_L_POP: {
        if (!pr_nargs_ok(I, "pop", n, 0, 1) || (n && !pr_get_int(I, a[0], &i, "pop")))
            return NULL;
        if (gcs_list_len(I->h, l) == 0)
            return pr_raise(I, PR_E_INDEX, "pop from empty list");
        gcs_obj *out;
        rc = gcs_list_pop(I->h, l, n ? (ptrdiff_t)i : -1, &out);
        if (rc == GCS_EINDEX)
            return pr_raise(I, PR_E_INDEX, "pop index out of range");
        return rc ? pr_raise_rc(I, rc, "pop") : out;
    }
    case BM_L_REMOVE:
    case BM_L_INDEX:
    case BM_L_COUNT: {
        if (!pr_nargs_ok(I, bmethods[idx].name, n, 1, 1))
            return NULL;
        int64_t count = 0;
        for (size_t k = 0; k < gcs_list_len(I->h, l); k++) {
            int e = pr_eq(I, pr_list_item(I, l, k), a[0]);
            if (e < 0)
                return NULL;
            if (!e)
                continue;
            if (idx == BM_L_REMOVE) {
                rc = gcs_list_del(I->h, l, (ptrdiff_t)k);
                return rc ? pr_raise_rc(I, rc, "remove") : pr_none(I);
            }
            if (idx == BM_L_INDEX)
                return pr_int(I, (int64_t)k);
            count++;
        }
        if (idx == BM_L_COUNT)
            return pr_int(I, count);
        return pr_raise(I, PR_E_VALUE,
                        idx == BM_L_REMOVE ? "list.remove(x): x not in list"
                                           : "list.index(x): x not in list");
    }
    case BM_L_CLEAR:
        if (!pr_nargs_ok(I, "clear", n, 0, 0))
            return NULL;
        rc = gcs_list_clear(I->h, l);
        break;
    case BM_L_INSERT:
        if (!pr_nargs_ok(I, "insert", n, 2, 2) || !pr_get_int(I, a[0], &i, "insert"))
            return NULL;
        rc = gcs_list_insert(I->h, l, (ptrdiff_t)i, a[1]);
        break;
    case BM_L_EXTEND: {
        if (!pr_nargs_ok(I, "extend", n, 1, 1))
            return NULL;
        gcs_obj *items = pr_iter_temp(I, a[0]);
        if (items == NULL)
            return NULL;
        for (size_t k = 0; rc == 0 && k < gcs_list_len(I->h, items); k++)
            rc = gcs_list_append(I->h, l, pr_list_item(I, items, k));
        gcs_decref(I->h, items);
        break;
    }
    case BM_L_COPY:
        return pr_nargs_ok(I, "copy", n, 0, 0) ? pr_iter_list(I, l) : NULL;
    case BM_L_REVERSE: {
        if (!pr_nargs_ok(I, "reverse", n, 0, 0))
            return NULL;
        gcs_obj *items = pr_iter_temp(I, l);
        size_t len = items ? gcs_list_len(I->h, items) : 0;
        for (size_t k = 0; items && rc == 0 && k < len; k++)
            rc = gcs_list_set(I->h, l, (ptrdiff_t)k, pr_list_item(I, items, len - 1 - k));
        gcs_xdecref(I->h, items);
        if (items == NULL)
            return NULL;
        break;
    }
    case BM_L_SORT: {
        gcs_obj *key = pr_kw_get(I, "key"), *rev = pr_kw_get(I, "reverse");
        int err = 0;
        if (!pr_nargs_ok(I, "sort", n, 0, 0))
            return NULL;
        bool r = rev ? pr_truthy(I, rev, &err) : false;
        if (err || pr_sort_list(I, l, key, r))
            return NULL;
        break;
    }
    default:
        return pr_raise(I, PR_E_ATTRIBUTE, "list method");
    }
    return rc ? pr_raise_rc(I, rc, bmethods[idx].name) : pr_none(I);
}

static gcs_obj *
key_error(pr_interp *I, gcs_obj *key)
{
    gcs_obj *e = pr_new_exc(I, PR_E_KEY, NULL), *args;
    if (e && gcs_tuple_new(I->h, 1, &key, &args) == 0) {
        gcs_attr_set(I->h, e, "args", args);
        gcs_decref(I->h, args);
    }
    if (e)
        pr_raise_obj(I, e);
    return NULL;
}

static gcs_obj *
dict_methods(pr_interp *I, int idx, gcs_obj *d, gcs_obj *const a[], int n)
{
    gcs_obj *v = NULL;
    int rc = 0;
    switch (idx) {
    case BM_D_GET:
        if (!pr_nargs_ok(I, "get", n, 1, 2))
            return NULL;
        rc = gcs_dict_get(I->h, d, a[0], &v);
        if (rc == GCS_EUNHASHABLE)
            return pr_raise(I, PR_E_TYPE, "unhashable type: '%s'", pr_type_name(I, a[0]));
        return rc == 0 ? pr_ret(I, v) : n > 1 ? pr_ret(I, a[1]) : pr_none(I);
    case BM_D_KEYS:
    case BM_D_VALUES:
    case BM_D_ITEMS:
        if (!pr_nargs_ok(I, bmethods[idx].name, n, 0, 0))
            return NULL;
        return new_view(I, d, idx - BM_D_KEYS);
    case BM_D_POP:
        if (!pr_nargs_ok(I, "pop", n, 1, 2))
            return NULL;
        if (gcs_dict_get(I->h, d, a[0], &v) != 0)
            return n > 1 ? pr_ret(I, a[1]) : key_error(I, a[0]);
        gcs_incref(I->h, v);
        rc = gcs_dict_del(I->h, d, a[0]);
        if (rc) {
            gcs_decref(I->h, v);
            return pr_raise_rc(I, rc, "pop");
        }
        return v;
    case BM_D_SETDEFAULT:
        if (!pr_nargs_ok(I, "setdefault", n, 1, 2))
            return NULL;
        if (gcs_dict_get(I->h, d, a[0], &v) == 0)
            return pr_ret(I, v);
        v = n > 1 ? a[1] : gcs_none(I->h);
        rc = gcs_dict_set(I->h, d, a[0], v);
        return rc ? pr_raise_rc(I, rc, "setdefault") : pr_ret(I, v);
    case BM_D_CLEAR: {
        if (!pr_nargs_ok(I, "clear", n, 0, 0))
            return NULL;
        gcs_obj *keys = dict_view(I, d, 0);
        for (size_t k = 0; keys && rc == 0 && k < gcs_list_len(I->h, keys); k++)
            rc = gcs_dict_del(I->h, d, pr_list_item(I, keys, k));
        gcs_xdecref(I->h, keys);
        return keys == NULL ? NULL : rc ? pr_raise_rc(I, rc, "clear") : pr_none(I);
    }
    case BM_D_UPDATE: {
        if (!pr_nargs_ok(I, "update", n, 0, 1))
            return NULL;
        gcs_obj *src = n ? pr_call_builtin(I, -1 - PR_TY_DICT, NULL, a, 1) : NULL;
        if (n && src == NULL)
            return NULL;
        size_t pos = 0;
        gcs_obj *k;
        while (src && rc == 0 && gcs_dict_next(I->h, src, &pos, &k, &v))
            rc = gcs_dict_set(I->h, d, k, v);
        gcs_xdecref(I->h, src);
        return rc ? pr_raise_rc(I, rc, "update") : pr_none(I);
    }
    case BM_D_COPY:
        return pr_nargs_ok(I, "copy", n, 0, 0) ? pr_ty_dict(I, &d, 1) : NULL;
    default:
        return pr_raise(I, PR_E_ATTRIBUTE, "dict method");
    }
}

static gcs_obj *
str_methods(pr_interp *I, int idx, gcs_obj *s, gcs_obj *const a[], int n)
{
    const char *p = gcs_str_value(I->h, s);
    size_t len = gcs_str_len(I->h, s);
    switch (idx) {
    case BM_S_JOIN: {
        if (!pr_nargs_ok(I, "join", n, 1, 1))
            return NULL;
        gcs_obj *items = pr_iter_temp(I, a[0]);
        if (items == NULL)
            return NULL;
        pr_buf b = {0};
        int rc = 0;
        for (size_t k = 0; rc == 0 && k < gcs_list_len(I->h, items); k++) {
            gcs_obj *x = pr_list_item(I, items, k);
            if (gcs_kind_of(x) != GCS_KIND_STR) {
                free(b.b);
                gcs_decref(I->h, items);
                return pr_raise(I, PR_E_TYPE, "sequence item %zu: expected str instance, %s found",
                                k, pr_type_name(I, x));
            }
            if (k)
                rc = pr_buf_put(&b, p, len);
            if (rc == 0)
                rc = pr_buf_put(&b, gcs_str_value(I->h, x), gcs_str_len(I->h, x));
        }
        gcs_decref(I->h, items);
        gcs_obj *r = rc ? pr_raise_rc(I, rc, "join") : pr_str(I, b.b ? b.b : "", b.n);
        free(b.b);
        return r;
    }
    case BM_S_UPPER:
    case BM_S_LOWER: {
        char *buf = malloc(len + 1);
        if (buf == NULL)
            return pr_raise(I, PR_E_MEMORY, "str");
        for (size_t k = 0; k < len; k++) {
            char c = p[k];
            buf[k] = idx == BM_S_UPPER ? (c >= 'a' && c <= 'z' ? (char)(c - 32) : c)
                                       : (c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
        }
        gcs_obj *r = pr_str(I, buf, len);
        free(buf);
        return r;
    }
    case BM_S_STRIP: {
        size_t b = 0, e = len;
        while (b < e && (p[b] == ' ' || p[b] == '\n' || p[b] == '\t'))
            b++;
        while (e > b && (p[e - 1] == ' ' || p[e - 1] == '\n' || p[e - 1] == '\t'))
            e--;
        return pr_str(I, p + b, e - b);
    }
    case BM_S_STARTSWITH:
    case BM_S_ENDSWITH:
    case BM_S_FIND: {
        if (!pr_nargs_ok(I, bmethods[idx].name, n, 1, 1) || gcs_kind_of(a[0]) != GCS_KIND_STR)
            return I->exc ? NULL : pr_raise(I, PR_E_TYPE, "must be str");
        size_t m = gcs_str_len(I->h, a[0]);
        const char *q = gcs_str_value(I->h, a[0]);
        if (idx == BM_S_STARTSWITH)
            return pr_bool(I, m <= len && memcmp(p, q, m) == 0);
        if (idx == BM_S_ENDSWITH)
            return pr_bool(I, m <= len && memcmp(p + len - m, q, m) == 0);
        for (size_t k = 0; k + m <= len; k++)
            if (memcmp(p + k, q, m) == 0)
                return pr_int(I, (int64_t)k);
        return pr_int(I, -1);
    }
    case BM_S_REPLACE: {
        if (!pr_nargs_ok(I, "replace", n, 2, 2) || gcs_kind_of(a[0]) != GCS_KIND_STR ||
            gcs_kind_of(a[1]) != GCS_KIND_STR)
            return I->exc ? NULL : pr_raise(I, PR_E_TYPE, "replace() arguments must be str");
        size_t m = gcs_str_len(I->h, a[0]);
        pr_buf b = {0};
        int rc = 0;
        for (size_t k = 0; rc == 0 && k < len;) {
            if (m && k + m <= len && memcmp(p + k, gcs_str_value(I->h, a[0]), m) == 0) {
                rc = pr_buf_put(&b, gcs_str_value(I->h, a[1]), gcs_str_len(I->h, a[1]));
                k += m;
            } else {
                rc = pr_buf_put(&b, p + k++, 1);
            }
        }
        gcs_obj *r = rc ? pr_raise_rc(I, rc, "replace") : pr_str(I, b.b ? b.b : "", b.n);
        free(b.b);
        return r;
    }
    case BM_S_SPLIT: {
        if (!pr_nargs_ok(I, "split", n, 0, 1))
            return NULL;
        gcs_obj *l = pr_new_list(I);
        if (n == 0 || gcs_kind_of(a[0]) == GCS_KIND_NONE) {
            for (size_t k = 0; l && k < len;) {
                while (k < len && (p[k] == ' ' || p[k] == '\n' || p[k] == '\t'))
                    k++;
                size_t e = k;
                while (e < len && p[e] != ' ' && p[e] != '\n' && p[e] != '\t')
                    e++;
                if (e > k)
                    l = pr_append_steal(I, l, pr_str(I, p + k, e - k));
                k = e;
            }
            return l;
        }
        size_t m = gcs_str_len(I->h, a[0]);
        if (m == 0) {
            gcs_xdecref(I->h, l);
            return pr_raise(I, PR_E_VALUE, "empty separator");
        }
        size_t start = 0;
        for (size_t k = 0; l && k + m <= len;) {
            if (memcmp(p + k, gcs_str_value(I->h, a[0]), m) == 0) {
                l = pr_append_steal(I, l, pr_str(I, p + start, k - start));
                k += m;
                start = k;
            } else {
                k++;
            }
        }
        return l ? pr_append_steal(I, l, pr_str(I, p + start, len - start)) : NULL;
    }
    default:
        return pr_raise(I, PR_E_ATTRIBUTE, "str method");
    }
}

/* Move the pending keywords to the builtin slots (saving the outer call's). */
int
pr_kw_enter(pr_interp *I, pr_kw_save *sv)
{
    *sv = (pr_kw_save){I->kw_used, I->bi_n_kw, I->bi_kw_names, I->bi_kw_vals};
    I->kw_used = 0;
    I->bi_n_kw = I->n_kw;
    I->bi_kw_names = I->kw_names;
    I->bi_kw_vals = I->kw_vals;
    I->n_kw = 0;
    return I->bi_n_kw;
}

void
pr_kw_leave(pr_interp *I, pr_kw_save *sv)
{
    I->kw_used = sv->used;
    I->bi_n_kw = sv->n;
    I->bi_kw_names = sv->names;
    I->bi_kw_vals = sv->vals;
}

gcs_obj *
pr_call_bmethod(pr_interp *I, int idx, gcs_obj *self, gcs_obj *const a[], int n)
{
    pr_kw_save sv;
    int n_kw = pr_kw_enter(I, &sv);
    gcs_obj *r;
    int kind = bmethods[idx].kind;
    if (kind == GCS_KIND_LIST)
        r = list_methods(I, idx, self, a, n);
    else if (kind == GCS_KIND_DICT)
        r = dict_methods(I, idx, self, a, n);
    else if (kind == GCS_KIND_STR)
        r = str_methods(I, idx, self, a, n);
    else if (idx == BM_W_GET) {
        gcs_obj *v = NULL;
        if (!pr_nargs_ok(I, "get", n, 1, 2))
            r = NULL;
        else if (gcs_wvdict_get(I->h, self, a[0], &v) == 0)
            r = pr_ret(I, v);
        else
            r = n > 1 ? pr_ret(I, a[1]) : pr_none(I);
    } else if (idx == BM_F_DETACH) {
        r = pr_nargs_ok(I, "detach", n, 0, 0) ? pr_finalize_detach(I, self) : NULL;
    } else {
        r = pr_raise(I, PR_E_TYPE, "not callable");
    }
    if (r && n_kw && I->kw_used != (1u << n_kw) - 1) {
        gcs_decref(I->h, r);
        r = pr_raise(I, PR_E_TYPE, "%s() got an unexpected keyword argument", bmethods[idx].name);
    }
    pr_kw_leave(I, &sv);
    return r;
}

/* Number of builtin methods (size of the per-method info array). */
int
pr_bmethod_count(void)
{
    return BM__COUNT;
}
