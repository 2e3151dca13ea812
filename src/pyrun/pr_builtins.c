/* src/pyrun/pr_builtins.c — builtin functions (print, len, sorted, ...) and
 * builtin types (list, dict, int, range, type, object), the table of every
 * builtin and module function (BUILTIN_MAP), name lookup of builtins, import,
 * and interpreter set-up of the builtin objects. The gc/sys/weakref functions
 * are in pr_modules.c, the methods of builtin objects in pr_methods.c.
 *
 * Builtin function objects are cfuncs created at start-up, as CPython's exist
 * before the program runs. Keyword arguments are taken with pr_kw_get(); any
 * left over is a TypeError.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pr_builtins.h"

typedef gcs_obj *(*bi_fn)(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);

enum { M_NONE = -1, M_GC = 0, M_SYS = 1, M_WEAKREF = 2 };

/* {======================== Helpers ========================} */

gcs_obj *
pr_ret(pr_interp *I, gcs_obj *o)
{
    (void)I;
    gcs_incref(I->h, o);
    return o;
}

gcs_obj *
pr_kw_get(pr_interp *I, const char *name)
{
    for (int k = 0; k < I->bi_n_kw; k++)
        if (strcmp(pr_name(I, I->bi_kw_names[k]), name) == 0) {
            I->kw_used |= 1u << k;
            return I->bi_kw_vals[k];
        }
    return NULL;
}

bool
pr_nargs_ok(pr_interp *I, const char *fn, int n, int lo, int hi)
{
    if (n >= lo && n <= hi)
        return true;
    if (lo == hi)
        pr_raise(I, PR_E_TYPE, "%s() takes exactly %d argument%s (%d given)", fn, lo,
                 lo == 1 ? "" : "s", n);
    else if (n < lo)
        pr_raise(I, PR_E_TYPE, "%s expected at least %d argument%s, got %d", fn, lo,
                 lo == 1 ? "" : "s", n);
    else
        pr_raise(I, PR_E_TYPE, "%s expected at most %d argument%s, got %d", fn, hi,
                 hi == 1 ? "" : "s", n);
    return false;
}

bool
pr_get_int(pr_interp *I, gcs_obj *o, int64_t *v, const char *what)
{
    if (gcs_int_value(I->h, o, v) == 0)
        return true;
    pr_raise(I, PR_E_TYPE, "%s: an integer is required (got type %s)", what, pr_type_name(I, o));
    return false;
}

gcs_obj *
pr_new_list(pr_interp *I)
{
    gcs_obj *l;
    int rc = gcs_list_new(I->h, &l);
    return rc ? pr_raise_rc(I, rc, "list") : l;
}

gcs_obj *
pr_append_steal(pr_interp *I, gcs_obj *l, gcs_obj *x)
{
    if (x == NULL) {
        gcs_decref(I->h, l);
        return NULL;
    }
    int rc = gcs_list_append(I->h, l, x);
    gcs_decref(I->h, x);
    if (rc) {
        gcs_decref(I->h, l);
        return pr_raise_rc(I, rc, "list");
    }
    return l;
}

gcs_obj *
pr_tuple_of(pr_interp *I, int n, gcs_obj *const items[])
{
    gcs_obj *t;
    int rc = gcs_tuple_new(I->h, (size_t)n, items, &t);
    return rc ? pr_raise_rc(I, rc, "tuple") : t;
}

gcs_obj *
pr_tuple3_ints(pr_interp *I, long v[3])
{
    gcs_obj *it[3] = {pr_int(I, v[0]), pr_int(I, v[1]), pr_int(I, v[2])};
    gcs_obj *t = it[0] && it[1] && it[2] ? pr_tuple_of(I, 3, it) : NULL;
    for (int i = 0; i < 3; i++)
        gcs_xdecref(I->h, it[i]);
    return t;
}

/* Every item of an iterable, as a NEW list (lists are copied). */
gcs_obj *
pr_iter_list(pr_interp *I, gcs_obj *o)
{
    gcs_obj *l = pr_new_list(I);
    if (l == NULL)
        return NULL;
    gcs_kind k = gcs_kind_of(o);
    int rc = 0;
    if (k == GCS_KIND_LIST || k == GCS_KIND_TUPLE) {
        size_t n = k == GCS_KIND_LIST ? gcs_list_len(I->h, o) : gcs_tuple_len(I->h, o);
        for (size_t i = 0; i < n && rc == 0; i++) {
            gcs_obj *x = NULL;
            if (k == GCS_KIND_LIST)
                gcs_list_get(I->h, o, (ptrdiff_t)i, &x);
            else
                gcs_tuple_get(I->h, o, i, &x);
            rc = gcs_list_append(I->h, l, x);
        }
    } else if (k == GCS_KIND_DICT) {
        size_t pos = 0;
        gcs_obj *key, *v;
        while (rc == 0 && gcs_dict_next(I->h, o, &pos, &key, &v))
            rc = gcs_list_append(I->h, l, key);
    } else if (k == GCS_KIND_STR) {
        const char *s = gcs_str_value(I->h, o);
        size_t n = gcs_str_len(I->h, o);
        for (size_t p = 0; p < n && l;) {
            size_t e = p + 1;
            while (e < n && ((unsigned char)s[e] & 0xC0) == 0x80)
                e++;
            l = pr_append_steal(I, l, pr_str(I, s + p, e - p));
            p = e;
        }
        return l;
    } else if (pr_view_kind(I, o) >= 0) {
        gcs_decref(I->h, l);
        return pr_view_list(I, o);
    } else if (k == GCS_KIND_USER && strcmp(gcs_type_name(o), "range") == 0) {
        int64_t *r = gcs_obj_data(o);
        for (int64_t i = r[0]; l && (r[2] > 0 ? i < r[1] : i > r[1]); i += r[2])
            l = pr_append_steal(I, l, pr_int(I, i));
        return l;
    } else {
        gcs_decref(I->h, l);
        return pr_raise(I, PR_E_TYPE, "'%s' object is not iterable", pr_type_name(I, o));
    }
    if (rc) {
        gcs_decref(I->h, l);
        return pr_raise_rc(I, rc, "list");
    }
    return l;
}

gcs_obj *
pr_list_item(pr_interp *I, gcs_obj *l, size_t i)
{
    gcs_obj *x = NULL;
    gcs_list_get(I->h, l, (ptrdiff_t)i, &x);
    return x;
}

/* {======================== Builtin functions ========================} */

static gcs_obj *
bi_print(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    gcs_obj *sep = pr_kw_get(I, "sep"), *end = pr_kw_get(I, "end");
    pr_kw_get(I, "flush");
    if (pr_kw_get(I, "file"))
        return pr_raise(I, PR_E_TYPE, "gcscope run: print(file=...) is not supported");
    pr_buf b = {0};
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (i)
            rc = sep && gcs_kind_of(sep) == GCS_KIND_STR
                     ? pr_buf_put(&b, gcs_str_value(I->h, sep), gcs_str_len(I->h, sep))
                     : pr_buf_puts(&b, " ");
        if (rc == 0)
            rc = pr_repr_into(I, a[i], &b, true, 0);
    }
    if (rc == 0)
        rc = end && gcs_kind_of(end) == GCS_KIND_STR
                 ? pr_buf_put(&b, gcs_str_value(I->h, end), gcs_str_len(I->h, end))
                 : pr_buf_puts(&b, "\n");
    if (rc == 0 && b.n)
        fwrite(b.b, 1, b.n, I->out);
    free(b.b);
    if (rc)
        return rc == -1 ? NULL : pr_raise_rc(I, rc, "print");
    return pr_none(I);
}

static gcs_obj *
bi_len(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    int64_t len = 0;
    if (!pr_nargs_ok(I, "len", n, 1, 1) || pr_len(I, a[0], &len))
        return NULL;
    return pr_int(I, len);
}

static gcs_obj *
bi_repr(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return pr_nargs_ok(I, "repr", n, 1, 1) ? pr_repr(I, a[0], false) : NULL;
}

static gcs_obj *
bi_isinstance(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    if (!pr_nargs_ok(I, "isinstance", n, 2, 2))
        return NULL;
    int r = pr_isinstance(I, a[0], a[1]);
    return r < 0 ? NULL : pr_bool(I, r);
}

static gcs_obj *
bi_id(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return pr_nargs_ok(I, "id", n, 1, 1) ? pr_int(I, (int64_t)gcs_id(a[0])) : NULL;
}

/* Stable merge sort of keys[] with values vals[] (both borrowed arrays). */
static int
merge_sort(pr_interp *I, gcs_obj **keys, gcs_obj **vals, size_t n, bool reverse)
{
    if (n < 2)
        return 0;
    size_t m = n / 2;
    if (merge_sort(I, keys, vals, m, reverse) || merge_sort(I, keys + m, vals + m, n - m, reverse))
        return -1;
    gcs_obj **tk = malloc(n * sizeof *tk), **tv = malloc(n * sizeof *tv);
    if (tk == NULL || tv == NULL) {
        free(tk);
        free(tv);
        return pr_raise_i(I, PR_E_MEMORY, "sort");
    }
    size_t i = 0, j = m, k = 0;
    while (i < m && j < n) {
        int cmp = 0;
        if (pr_order(I, keys[j], keys[i], &cmp)) {
            free(tk);
            free(tv);
            return -1;
        }
        bool take_right = reverse ? cmp > 0 : cmp < 0;
        if (take_right) {
            tk[k] = keys[j];
            tv[k++] = vals[j++];
        } else {
            tk[k] = keys[i];
            tv[k++] = vals[i++];
        }
    }
    while (i < m) {
        tk[k] = keys[i];
        tv[k++] = vals[i++];
    }
    while (j < n) {
        tk[k] = keys[j];
        tv[k++] = vals[j++];
    }
    memcpy(keys, tk, n * sizeof *tk);
    memcpy(vals, tv, n * sizeof *tv);
    free(tk);
    free(tv);
    return 0;
}

/* Sort list l in place (key: callable or NULL). */
int
pr_sort_list(pr_interp *I, gcs_obj *l, gcs_obj *key, bool reverse)
{
    size_t n = gcs_list_len(I->h, l);
    gcs_obj **keys = calloc(n ? n : 1, sizeof *keys), **vals = calloc(n ? n : 1, sizeof *vals);
    gcs_obj *keyl = pr_new_list(I); /* holds computed keys alive */
    int rc = keys && vals && keyl ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        vals[i] = pr_list_item(I, l, i);
        gcs_incref(I->h, vals[i]);
        if (key && gcs_kind_of(key) != GCS_KIND_NONE) {
            gcs_obj *arg = vals[i];
            gcs_incref(I->h, arg);
            gcs_obj *k = pr_call(I, key, &arg, 1);
            gcs_xdecref(I->h, arg);
            if (k == NULL || gcs_list_append(I->h, keyl, k)) {
                gcs_xdecref(I->h, k);
                rc = -1;
                break;
            }
            keys[i] = k;
            gcs_decref(I->h, k);
        } else {
            keys[i] = vals[i];
        }
    }
    if (rc == 0)
        rc = merge_sort(I, keys, vals, n, reverse);
    if (rc == 0)
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = gcs_list_set(I->h, l, (ptrdiff_t)i, vals[i]) ? -1 : 0;
    for (size_t i = 0; vals && i < n; i++)
        gcs_xdecref(I->h, vals[i]);
    free(keys);
    free(vals);
    gcs_xdecref(I->h, keyl);
    if (rc && !I->exc)
        pr_raise(I, PR_E_MEMORY, "sort");
    return rc;
}

static gcs_obj *
bi_sorted(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    gcs_obj *key = pr_kw_get(I, "key"), *rev = pr_kw_get(I, "reverse");
    if (!pr_nargs_ok(I, "sorted", n, 1, 1))
        return NULL;
    gcs_obj *l = pr_iter_list(I, a[0]);
    if (l == NULL)
        return NULL;
    int err = 0;
    bool r = rev ? pr_truthy(I, rev, &err) : false;
    if (err || pr_sort_list(I, l, key, r)) {
        gcs_decref(I->h, l);
        return NULL;
    }
    return l;
}

static gcs_obj *
any_all(pr_interp *I, gcs_obj *it, bool want_all)
{
    gcs_obj *l = pr_iter_list(I, it);
    if (l == NULL)
        return NULL;
    bool result = want_all;
    for (size_t i = 0; i < gcs_list_len(I->h, l); i++) {
        int err;
        bool t = pr_truthy(I, pr_list_item(I, l, i), &err);
        if (err) {
            gcs_decref(I->h, l);
            return NULL;
        }
        if (t != want_all) {
            result = !want_all;
            break;
        }
    }
    gcs_decref(I->h, l);
    return pr_bool(I, result);
}

static gcs_obj *
bi_any(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return pr_nargs_ok(I, "any", n, 1, 1) ? any_all(I, a[0], false) : NULL;
}

static gcs_obj *
bi_all(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return pr_nargs_ok(I, "all", n, 1, 1) ? any_all(I, a[0], true) : NULL;
}

static gcs_obj *
bi_sum(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    if (!pr_nargs_ok(I, "sum", n, 1, 2))
        return NULL;
    gcs_obj *l = pr_iter_list(I, a[0]);
    if (l == NULL)
        return NULL;
    gcs_obj *acc = n > 1 ? pr_ret(I, a[1]) : pr_int(I, 0);
    for (size_t i = 0; acc && i < gcs_list_len(I->h, l); i++) {
        gcs_obj *nx = pr_binop(I, PR_OP_ADD, acc, pr_list_item(I, l, i));
        gcs_decref(I->h, acc);
        acc = nx;
    }
    gcs_decref(I->h, l);
    return acc;
}

static gcs_obj *
min_max(pr_interp *I, gcs_obj *const a[], int n, bool is_max)
{
    const char *fn = is_max ? "max" : "min";
    if (n == 0)
        return pr_raise(I, PR_E_TYPE, "%s expected at least 1 argument, got 0", fn);
    gcs_obj *l;
    if (n == 1) {
        l = pr_iter_list(I, a[0]);
    } else {
        gcs_obj *t = pr_tuple_of(I, n, a);
        l = t ? pr_iter_list(I, t) : NULL;
        gcs_xdecref(I->h, t);
    }
    if (l == NULL)
        return NULL;
    size_t len = gcs_list_len(I->h, l);
    if (len == 0) {
        gcs_decref(I->h, l);
        return pr_raise(I, PR_E_VALUE, "%s() arg is an empty sequence", fn);
    }
    gcs_obj *best = pr_list_item(I, l, 0);
    for (size_t i = 1; i < len; i++) {
        int cmp = 0;
        if (pr_order(I, pr_list_item(I, l, i), best, &cmp)) {
            gcs_decref(I->h, l);
            return NULL;
        }
        if (is_max ? cmp > 0 : cmp < 0)
            best = pr_list_item(I, l, i);
    }
    gcs_incref(I->h, best);
    gcs_decref(I->h, l);
    return best;
}

static gcs_obj *
bi_min(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return min_max(I, a, n, false);
}

static gcs_obj *
bi_max(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return min_max(I, a, n, true);
}

static gcs_obj *
bi_abs(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    int64_t v = 0;
    if (!pr_nargs_ok(I, "abs", n, 1, 1) || !pr_get_int(I, a[0], &v, "abs"))
        return NULL;
    return pr_int(I, v < 0 ? -v : v);
}

static gcs_obj *
bi_hasattr(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    if (!pr_nargs_ok(I, "hasattr", n, 2, 2))
        return NULL;
    if (gcs_kind_of(a[1]) != GCS_KIND_STR)
        return pr_raise(I, PR_E_TYPE, "attribute name must be string");
    int nm = pr_names_intern(&I->prog->names, gcs_str_value(I->h, a[1]), gcs_str_len(I->h, a[1]));
    if (nm < 0)
        return pr_raise(I, PR_E_MEMORY, "name");
    pr_grow_names(I);
    gcs_obj *v = pr_getattr(I, a[0], nm);
    if (v) {
        gcs_decref(I->h, v);
        return pr_bool(I, true);
    }
    pr_clear_exc(I);
    return pr_bool(I, false);
}

static gcs_obj *
bi_getattr(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    if (!pr_nargs_ok(I, "getattr", n, 2, 3))
        return NULL;
    if (gcs_kind_of(a[1]) != GCS_KIND_STR)
        return pr_raise(I, PR_E_TYPE, "attribute name must be string");
    int nm = pr_names_intern(&I->prog->names, gcs_str_value(I->h, a[1]), gcs_str_len(I->h, a[1]));
    if (nm < 0)
        return pr_raise(I, PR_E_MEMORY, "name");
    pr_grow_names(I);
    gcs_obj *v = pr_getattr(I, a[0], nm);
    if (v == NULL && n == 3) {
        pr_clear_exc(I);
        return pr_ret(I, a[2]);
    }
    return v;
}

static gcs_obj *
bi_setattr(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    if (!pr_nargs_ok(I, "setattr", n, 3, 3))
        return NULL;
    if (gcs_kind_of(a[1]) != GCS_KIND_STR)
        return pr_raise(I, PR_E_TYPE, "attribute name must be string");
    int nm = pr_names_intern(&I->prog->names, gcs_str_value(I->h, a[1]), gcs_str_len(I->h, a[1]));
    if (nm < 0)
        return pr_raise(I, PR_E_MEMORY, "name");
    pr_grow_names(I);
    return pr_setattr(I, a[0], nm, a[2]) ? NULL : pr_none(I);
}

static gcs_obj *
bi_callable(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    if (!pr_nargs_ok(I, "callable", n, 1, 1))
        return NULL;
    gcs_kind k = gcs_kind_of(a[0]);
    pr_fninfo *fi = pr_info(I, a[0]);
    bool c = k == GCS_KIND_CFUNC || k == GCS_KIND_CLASS || k == GCS_KIND_WEAKREF ||
             (fi && (fi->kind == PR_F_TYPE));
    return pr_bool(I, c);
}

static gcs_obj *
bi_enumerate(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    if (!pr_nargs_ok(I, "enumerate", n, 1, 2))
        return NULL;
    int64_t start = 0;
    if (n == 2 && !pr_get_int(I, a[1], &start, "enumerate"))
        return NULL;
    gcs_obj *items = pr_iter_list(I, a[0]), *l = items ? pr_new_list(I) : NULL;
    for (size_t i = 0; l && i < gcs_list_len(I->h, items); i++) {
        gcs_obj *pair[2] = {pr_int(I, start + (int64_t)i), pr_list_item(I, items, i)};
        if (pair[0] == NULL) {
            gcs_decref(I->h, l);
            l = NULL;
            break;
        }
        gcs_obj *t = pr_tuple_of(I, 2, pair);
        gcs_decref(I->h, pair[0]);
        l = pr_append_steal(I, l, t);
    }
    gcs_xdecref(I->h, items);
    return l;
}

static gcs_obj *
bi_zip(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    if (n > 8)
        return pr_raise(I, PR_E_TYPE, "gcscope run: zip() of more than 8 iterables");
    gcs_obj *lists[8] = {0};
    size_t len = SIZE_MAX;
    for (int i = 0; i < n; i++) {
        lists[i] = pr_iter_list(I, a[i]);
        if (lists[i] == NULL) {
            for (int k = 0; k < i; k++)
                gcs_decref(I->h, lists[k]);
            return NULL;
        }
        if (gcs_list_len(I->h, lists[i]) < len)
            len = gcs_list_len(I->h, lists[i]);
    }
    gcs_obj *l = pr_new_list(I);
    for (size_t j = 0; l && n > 0 && j < len; j++) {
        gcs_obj *items[8];
        for (int i = 0; i < n; i++)
            items[i] = pr_list_item(I, lists[i], j);
        l = pr_append_steal(I, l, pr_tuple_of(I, n, items));
    }
    for (int i = 0; i < n; i++)
        gcs_decref(I->h, lists[i]);
    return l;
}

/* {======================== Builtin types (called) ========================} */

static gcs_obj *
ty_list(pr_interp *I, gcs_obj *const a[], int n)
{
    if (!pr_nargs_ok(I, "list", n, 0, 1))
        return NULL;
    return n == 0 ? pr_new_list(I) : pr_iter_list(I, a[0]);
}

static gcs_obj *
ty_tuple(pr_interp *I, gcs_obj *const a[], int n)
{
    if (!pr_nargs_ok(I, "tuple", n, 0, 1))
        return NULL;
    if (n == 0)
        return pr_tuple_of(I, 0, NULL);
    if (gcs_kind_of(a[0]) == GCS_KIND_TUPLE)
        return pr_ret(I, a[0]);
    gcs_obj *l = pr_iter_list(I, a[0]);
    if (l == NULL)
        return NULL;
    gcs_obj *t = pr_list_to_tuple(I, l);
    gcs_decref(I->h, l);
    return t;
}

gcs_obj *
pr_ty_dict(pr_interp *I, gcs_obj *const a[], int n)
{
    if (!pr_nargs_ok(I, "dict", n, 0, 1))
        return NULL;
    gcs_obj *d;
    int rc = gcs_dict_new(I->h, &d);
    if (rc)
        return pr_raise_rc(I, rc, "dict");
    if (n == 1 && gcs_kind_of(a[0]) == GCS_KIND_DICT) {
        size_t pos = 0;
        gcs_obj *k, *v;
        while (rc == 0 && gcs_dict_next(I->h, a[0], &pos, &k, &v))
            rc = gcs_dict_set(I->h, d, k, v);
    } else if (n == 1) {
        gcs_obj *l = pr_iter_list(I, a[0]);
        if (l == NULL) {
            gcs_decref(I->h, d);
            return NULL;
        }
        for (size_t i = 0; rc == 0 && i < gcs_list_len(I->h, l); i++) {
            gcs_obj *pair = pr_list_item(I, l, i), *k = NULL, *v = NULL;
            gcs_kind pk = gcs_kind_of(pair);
            size_t pl = pk == GCS_KIND_TUPLE  ? gcs_tuple_len(I->h, pair)
                        : pk == GCS_KIND_LIST ? gcs_list_len(I->h, pair)
                                              : 0;
            if (pl != 2) {
                gcs_decref(I->h, l);
                gcs_decref(I->h, d);
                return pr_raise(I, PR_E_VALUE,
                                "dictionary update sequence element #%zu has wrong length", i);
            }
            if (pk == GCS_KIND_TUPLE) {
                gcs_tuple_get(I->h, pair, 0, &k);
                gcs_tuple_get(I->h, pair, 1, &v);
            } else {
                gcs_list_get(I->h, pair, 0, &k);
                gcs_list_get(I->h, pair, 1, &v);
            }
            rc = gcs_dict_set(I->h, d, k, v);
        }
        gcs_decref(I->h, l);
    }
    for (int k = 0; rc == 0 && k < I->bi_n_kw; k++) {
        I->kw_used |= 1u << k;
        rc = gcs_dict_set(I->h, d, pr_name_str(I, I->bi_kw_names[k]), I->bi_kw_vals[k]);
    }
    if (rc) {
        gcs_decref(I->h, d);
        return rc == GCS_EUNHASHABLE ? pr_raise(I, PR_E_TYPE, "unhashable type")
                                     : pr_raise_rc(I, rc, "dict");
    }
    return d;
}

static gcs_obj *
ty_int(pr_interp *I, gcs_obj *const a[], int n)
{
    if (!pr_nargs_ok(I, "int", n, 0, 1))
        return NULL;
    if (n == 0)
        return pr_int(I, 0);
    int64_t v = 0;
    if (gcs_int_value(I->h, a[0], &v) == 0)
        return pr_int(I, v);
    if (gcs_kind_of(a[0]) == GCS_KIND_STR) {
        const char *s = gcs_str_value(I->h, a[0]);
        char *end;
        long long x = strtoll(s, &end, 10);
        while (*end == ' ' || *end == '\n')
            end++;
        if (*s && *end == '\0')
            return pr_int(I, x);
        return pr_raise(I, PR_E_VALUE, "invalid literal for int() with base 10: '%s'", s);
    }
    return pr_raise(I, PR_E_TYPE, "int() argument must be a string or a number, not '%s'",
                    pr_type_name(I, a[0]));
}

static gcs_obj *
ty_range(pr_interp *I, gcs_obj *const a[], int n)
{
    int64_t v[3] = {0, 0, 1};
    if (!pr_nargs_ok(I, "range", n, 1, 3))
        return NULL;
    for (int i = 0; i < n; i++)
        if (!pr_get_int(I, a[i], &v[i], "range"))
            return NULL;
    if (n == 1) {
        v[1] = v[0];
        v[0] = 0;
    }
    if (v[2] == 0)
        return pr_raise(I, PR_E_VALUE, "range() arg 3 must not be zero");
    gcs_obj *r;
    int rc = gcs_obj_new(I->h, I->t_range, &r);
    if (rc)
        return pr_raise_rc(I, rc, "range");
    memcpy(gcs_obj_data(r), v, sizeof v);
    return r;
}

gcs_obj *
pr_type_of(pr_interp *I, gcs_obj *o)
{
    if (gcs_kind_of(o) == GCS_KIND_INSTANCE)
        return pr_ret(I, gcs_class_of(I->h, o));
    int ty = PR_TY_OBJECT;
    switch ((int)gcs_kind_of(o)) {
    case GCS_KIND_NONE:
        ty = PR_TY_NONE;
        break;
    case GCS_KIND_BOOL:
        ty = PR_TY_BOOL;
        break;
    case GCS_KIND_INT:
        ty = PR_TY_INT;
        break;
    case GCS_KIND_STR:
        ty = PR_TY_STR;
        break;
    case GCS_KIND_TUPLE:
        ty = PR_TY_TUPLE;
        break;
    case GCS_KIND_LIST:
        ty = PR_TY_LIST;
        break;
    case GCS_KIND_DICT:
        ty = PR_TY_DICT;
        break;
    case GCS_KIND_CLASS:
        ty = PR_TY_TYPE;
        break;
    case GCS_KIND_WEAKREF:
        ty = PR_TY_WEAKREF;
        break;
    case GCS_KIND_CFUNC:
    case GCS_KIND_USER: {
        pr_fninfo *fi = pr_info(I, o);
        const char *tn = pr_type_name(I, o);
        for (int t = 0; t < PR_TY__COUNT; t++)
            if (strcmp(pr_tyname(t), tn) == 0)
                ty = t;
        if (fi && fi->kind == PR_F_TYPE)
            ty = PR_TY_TYPE;
        break;
    }
    default:
        break;
    }
    return pr_ret(I, I->type_objs[ty]);
}

static gcs_obj *
call_type(pr_interp *I, int ty, gcs_obj *const a[], int n)
{
    switch (ty) {
    case PR_TY_LIST:
        return ty_list(I, a, n);
    case PR_TY_TUPLE:
        return ty_tuple(I, a, n);
    case PR_TY_DICT:
        return pr_ty_dict(I, a, n);
    case PR_TY_INT:
        return ty_int(I, a, n);
    case PR_TY_RANGE:
        return ty_range(I, a, n);
    case PR_TY_STR:
        if (!pr_nargs_ok(I, "str", n, 0, 1))
            return NULL;
        return n == 0 ? pr_str(I, "", 0) : pr_repr(I, a[0], true);
    case PR_TY_BOOL: {
        if (!pr_nargs_ok(I, "bool", n, 0, 1))
            return NULL;
        int err = 0;
        bool t = n ? pr_truthy(I, a[0], &err) : false;
        return err ? NULL : pr_bool(I, t);
    }
    case PR_TY_TYPE:
        if (!pr_nargs_ok(I, "type", n, 1, 1))
            return NULL;
        return pr_type_of(I, a[0]);
    case PR_TY_OBJECT: {
        if (!pr_nargs_ok(I, "object", n, 0, 0))
            return NULL;
        gcs_obj *o;
        int rc = gcs_obj_new(I->h, I->t_object, &o);
        return rc ? pr_raise_rc(I, rc, "object") : o;
    }
    default:
        return pr_raise(I, PR_E_TYPE, "cannot create '%s' instances", pr_tyname(ty));
    }
}

/* {======================== The builtin table ========================} */

/* X(name, module, fn) */
#define BUILTIN_MAP(X)                                                                             \
    X(print, M_NONE, bi_print)                                                                     \
    X(len, M_NONE, bi_len)                                                                         \
    X(repr, M_NONE, bi_repr)                                                                       \
    X(isinstance, M_NONE, bi_isinstance)                                                           \
    X(id, M_NONE, bi_id)                                                                           \
    X(sorted, M_NONE, bi_sorted)                                                                   \
    X(any, M_NONE, bi_any)                                                                         \
    X(all, M_NONE, bi_all)                                                                         \
    X(sum, M_NONE, bi_sum)                                                                         \
    X(min, M_NONE, bi_min)                                                                         \
    X(max, M_NONE, bi_max)                                                                         \
    X(abs, M_NONE, bi_abs)                                                                         \
    X(hasattr, M_NONE, bi_hasattr)                                                                 \
    X(getattr, M_NONE, bi_getattr)                                                                 \
    X(setattr, M_NONE, bi_setattr)                                                                 \
    X(callable, M_NONE, bi_callable)                                                               \
    X(enumerate, M_NONE, bi_enumerate)                                                             \
    X(zip, M_NONE, bi_zip)                                                                         \
    X(collect, M_GC, pr_gc_collect)                                                                \
    X(enable, M_GC, pr_gc_enable)                                                                  \
    X(disable, M_GC, pr_gc_disable)                                                                \
    X(isenabled, M_GC, pr_gc_isenabled)                                                            \
    X(get_count, M_GC, pr_gc_get_count)                                                            \
    X(get_threshold, M_GC, pr_gc_get_threshold)                                                    \
    X(set_threshold, M_GC, pr_gc_set_threshold)                                                    \
    X(get_stats, M_GC, pr_gc_get_stats)                                                            \
    X(set_debug, M_GC, pr_gc_set_debug)                                                            \
    X(get_debug, M_GC, pr_gc_get_debug)                                                            \
    X(get_objects, M_GC, pr_gc_get_objects)                                                        \
    X(get_referrers, M_GC, pr_gc_get_referrers)                                                    \
    X(get_referents, M_GC, pr_gc_get_referents)                                                    \
    X(is_tracked, M_GC, pr_gc_is_tracked)                                                          \
    X(is_finalized, M_GC, pr_gc_is_finalized)                                                      \
    X(freeze, M_GC, pr_gc_freeze)                                                                  \
    X(unfreeze, M_GC, pr_gc_unfreeze)                                                              \
    X(get_freeze_count, M_GC, pr_gc_get_freeze_count)                                              \
    X(getrefcount, M_SYS, pr_sys_getrefcount)                                                      \
    X(ref, M_WEAKREF, pr_wr_ref)                                                                   \
    X(getweakrefcount, M_WEAKREF, pr_wr_getweakrefcount)                                           \
    X(WeakValueDictionary, M_WEAKREF, pr_wr_wvdict)                                                \
    X(finalize, M_WEAKREF, pr_wr_finalize)

enum {
#define X(name, mod, fn) BI_##name,
    BUILTIN_MAP(X)
#undef X
        BI__COUNT
};

static const struct {
    const char *name;
    int module;
    bi_fn fn;
} builtins[BI__COUNT] = {
#define X(name, mod, fn) {#name, mod, fn},
    BUILTIN_MAP(X)
#undef X
};

static const char *const type_names[PR_TY__COUNT] = {
    [PR_TY_OBJECT] = "object",
    [PR_TY_INT] = "int",
    [PR_TY_STR] = "str",
    [PR_TY_BOOL] = "bool",
    [PR_TY_NONE] = "NoneType",
    [PR_TY_LIST] = "list",
    [PR_TY_TUPLE] = "tuple",
    [PR_TY_DICT] = "dict",
    [PR_TY_RANGE] = "range",
    [PR_TY_FUNCTION] = "function",
    [PR_TY_METHOD] = "method",
    [PR_TY_BUILTIN] = "builtin_function_or_method",
    [PR_TY_WEAKREF] = "ReferenceType",
    [PR_TY_TYPE] = "type",
    [PR_TY_MODULE] = "module",
    [PR_TY_WVDICT] = "WeakValueDictionary",
    [PR_TY_FINALIZE] = "finalize",
    [PR_TY_GETSET] = "getset_descriptor",
    [PR_TY_CELL] = "cell",
};

/* Builtin types reachable by name. */
static const int named_types[] = {PR_TY_OBJECT, PR_TY_INT,  PR_TY_STR,   PR_TY_BOOL, PR_TY_LIST,
                                  PR_TY_TUPLE,  PR_TY_DICT, PR_TY_RANGE, PR_TY_TYPE};

const char *
pr_tyname(int idx)
{
    return idx >= 0 && idx < PR_TY__COUNT ? type_names[idx] : "?";
}

/* {======================== Dispatch, modules ========================} */

gcs_obj *
pr_call_builtin(pr_interp *I, int idx, gcs_obj *self, gcs_obj *const a[], int n)
{
    pr_kw_save sv;
    int n_kw = pr_kw_enter(I, &sv);
    const char *name;
    gcs_obj *r;
    if (idx < 0) {
        name = pr_tyname(-1 - idx);
        r = call_type(I, -1 - idx, a, n);
    } else {
        name = builtins[idx].name;
        r = builtins[idx].fn(I, self, a, n);
    }
    if (r && n_kw && I->kw_used != (1u << n_kw) - 1) {
        gcs_decref(I->h, r);
        for (int k = 0; k < n_kw; k++)
            if (!(I->kw_used & (1u << k))) {
                r = pr_raise(I, PR_E_TYPE, "%s() got an unexpected keyword argument '%s'", name,
                             pr_name(I, I->bi_kw_names[k]));
                break;
            }
    }
    pr_kw_leave(I, &sv);
    return r;
}

static int
builtin_index(const char *name, int module)
{
    for (int i = 0; i < BI__COUNT; i++)
        if (builtins[i].module == module && strcmp(builtins[i].name, name) == 0)
            return i;
    return -1;
}

gcs_obj *
pr_builtin_lookup(pr_interp *I, int name)
{
    const char *nm = pr_name(I, name);
    int i = builtin_index(nm, M_NONE);
    if (i >= 0)
        return pr_ret(I, I->builtin_objs[i]);
    for (size_t t = 0; t < sizeof named_types / sizeof named_types[0]; t++)
        if (strcmp(type_names[named_types[t]], nm) == 0)
            return pr_ret(I, I->type_objs[named_types[t]]);
    for (int e = 0; e < PR_E__COUNT; e++)
        if (strcmp(pr_exc_name(e), nm) == 0)
            return pr_ret(I, I->exc_classes[e].cls);
    return NULL;
}

static const char *const module_names[3] = {"gc", "sys", "weakref"};

gcs_obj *
pr_import(pr_interp *I, int name)
{
    for (int m = 0; m < 3; m++)
        if (strcmp(module_names[m], pr_name(I, name)) == 0)
            return pr_ret(I, I->modules[m]);
    return pr_raise(I, PR_E_NOTIMPL, "No module named '%s' in gcscope run", pr_name(I, name));
}

static const struct {
    const char *name;
    int value;
} gc_consts[] = {{"DEBUG_STATS", GCS_DEBUG_STATS},
                 {"DEBUG_COLLECTABLE", GCS_DEBUG_COLLECTABLE},
                 {"DEBUG_UNCOLLECTABLE", GCS_DEBUG_UNCOLLECTABLE},
                 {"DEBUG_SAVEALL", GCS_DEBUG_SAVEALL},
                 {"DEBUG_LEAK", GCS_DEBUG_LEAK}};

gcs_obj *
pr_module_getattr(pr_interp *I, gcs_obj *mod, int midx, int name)
{
    const char *nm = pr_name(I, name);
    int i = builtin_index(nm, midx);
    if (i >= 0)
        return pr_ret(I, I->builtin_objs[i]);
    if (strcmp(nm, "__name__") == 0)
        return pr_str(I, module_names[midx], strlen(module_names[midx]));
    if (midx == M_GC) {
        if (strcmp(nm, "garbage") == 0)
            return pr_ret(I, gcs_gc_garbage(I->h));
        if (strcmp(nm, "callbacks") == 0)
            return pr_ret(I, gcs_gc_callbacks(I->h));
        for (size_t k = 0; k < sizeof gc_consts / sizeof gc_consts[0]; k++)
            if (strcmp(gc_consts[k].name, nm) == 0)
                return pr_int(I, gc_consts[k].value);
    }
    if (midx == M_WEAKREF && strcmp(nm, "ReferenceType") == 0)
        return pr_ret(I, I->type_objs[PR_TY_WEAKREF]);
    return pr_raise(I, PR_E_ATTRIBUTE, "module '%s' has no attribute '%s'%s", module_names[midx],
                    nm, gcs_kind_of(mod) == GCS_KIND_USER ? " (in gcscope run)" : "");
}

int
pr_module_setattr(pr_interp *I, gcs_obj *mod, int midx, int name, gcs_obj *v)
{
    (void)mod;
    (void)v;
    return pr_raise_i(I, PR_E_ATTRIBUTE, "gcscope run: cannot set %s.%s", module_names[midx],
                      pr_name(I, name));
}

/* {======================== Set-up ========================} */

static int
getset_traverse(gcs_heap *h, gcs_obj *self, gcs_visit_fn visit, void *arg)
{
    (void)h;
    gcs_obj **s = gcs_obj_data(self);
    return *s ? visit(*s, arg) : 0;
}

static void
getset_clear(gcs_heap *h, gcs_obj *self)
{
    gcs_obj **s = gcs_obj_data(self);
    if (*s)
        gcs_slot_clear(h, self, s, ".__objclass__");
}

static int
noop_traverse(gcs_heap *h, gcs_obj *self, gcs_visit_fn visit, void *arg)
{
    (void)h;
    (void)self;
    (void)visit;
    (void)arg;
    return 0;
}

static void
iter_clear(gcs_heap *h, gcs_obj *self)
{
    gcs_obj **s = gcs_obj_data(self);
    if (*s)
        gcs_slot_clear(h, self, s, ".it_seq");
}

static int
make_types(pr_interp *I)
{
    const gcs_type_def defs[] = {
        {.name = "type", .data_size = sizeof(int)},
        {.name = "module",
         .data_size = sizeof(int),
         .flags = GCS_TYPE_GC | GCS_TYPE_WEAKREFABLE,
         .traverse = noop_traverse},
        {.name = "getset_descriptor",
         .data_size = sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC,
         .traverse = getset_traverse,
         .clear = getset_clear},
        {.name = "finalize",
         .data_size = 3 * sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC | GCS_TYPE_WEAKREFABLE,
         .traverse = pr_fin_traverse,
         .clear = pr_fin_clear},
        {.name = "range", .data_size = 3 * sizeof(int64_t)},
        {.name = "iterator",
         .data_size = sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC,
         .traverse = getset_traverse,
         .clear = iter_clear},
        {.name = "object", .data_size = 0},
        {.name = "dict_keys",
         .data_size = sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC,
         .traverse = getset_traverse,
         .clear = iter_clear},
        {.name = "dict_values",
         .data_size = sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC,
         .traverse = getset_traverse,
         .clear = iter_clear},
        {.name = "dict_items",
         .data_size = sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC,
         .traverse = getset_traverse,
         .clear = iter_clear},
    };
    gcs_type **outs[] = {&I->t_type, &I->t_module, &I->t_getset,  &I->t_finalize, &I->t_range,
                         &I->t_iter, &I->t_object, &I->t_view[0], &I->t_view[1],  &I->t_view[2]};
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        int rc = gcs_type_new(I->h, &defs[i], outs[i]);
        if (rc)
            return rc;
    }
    return 0;
}

int
pr_builtins_init(pr_interp *I)
{
    int rc = make_types(I);
    I->builtin_info = calloc(BI__COUNT, sizeof *I->builtin_info);
    I->bmethod_info = calloc(pr_bmethod_count(), sizeof *I->bmethod_info);
    I->type_info = calloc(PR_TY__COUNT, sizeof *I->type_info);
    I->builtin_objs = calloc(BI__COUNT, sizeof *I->builtin_objs);
    I->type_objs = calloc(PR_TY__COUNT, sizeof *I->type_objs);
    if (rc == 0 && (!I->builtin_info || !I->bmethod_info || !I->type_info || !I->builtin_objs ||
                    !I->type_objs))
        rc = GCS_ENOMEM;
    for (int t = 0; rc == 0 && t < PR_TY__COUNT; t++) {
        I->type_info[t] = (pr_fninfo){.I = I, .kind = PR_F_TYPE, .idx = t};
        rc = gcs_obj_new(I->h, I->t_type, &I->type_objs[t]);
        if (rc == 0)
            rc = pr_idmap_put(I, gcs_id(I->type_objs[t]), &I->type_info[t]);
    }
    if (rc == 0)
        I->object_cls = I->type_objs[PR_TY_OBJECT];
    for (int m = 0; rc == 0 && m < 3; m++) {
        static pr_fninfo dummy;
        (void)dummy;
        pr_fninfo *fi = calloc(1, sizeof *fi);
        if (fi == NULL) {
            rc = GCS_ENOMEM;
            break;
        }
        *fi = (pr_fninfo){.I = I, .kind = PR_F_MODULE, .idx = m};
        I->module_infos[m] = fi;
        rc = gcs_obj_new(I->h, I->t_module, &I->modules[m]);
        if (rc == 0)
            rc = pr_idmap_put(I, gcs_id(I->modules[m]), fi);
    }
    for (int i = 0; rc == 0 && i < BI__COUNT; i++) {
        I->builtin_info[i] = (pr_fninfo){.I = I, .kind = PR_F_BUILTIN, .idx = i};
        rc = gcs_cfunc_new(I->h, builtins[i].name, pr_cfunc_trampoline, &I->builtin_info[i], NULL,
                           &I->builtin_objs[i]);
        if (rc == 0)
            rc = pr_idmap_put(I, gcs_id(I->builtin_objs[i]), &I->builtin_info[i]);
    }
    for (int i = 0; rc == 0 && i < pr_bmethod_count(); i++)
        I->bmethod_info[i] = (pr_fninfo){.I = I, .kind = PR_F_BMETHOD, .idx = i};
    if (rc == 0)
        rc = gcs_list_new(I->h, &I->fin_registry);
    if (rc == 0)
        rc = gcs_str_new(I->h, "__main__", &I->main_str);
    return rc;
}

void
pr_builtins_fini(pr_interp *I)
{
    for (int i = 0; I->builtin_objs && i < BI__COUNT; i++)
        gcs_xdecref(I->h, I->builtin_objs[i]);
    for (int t = 0; I->type_objs && t < PR_TY__COUNT; t++)
        gcs_xdecref(I->h, I->type_objs[t]);
    for (int m = 0; m < 3; m++) {
        gcs_xdecref(I->h, I->modules[m]);
        free(I->module_infos[m]);
    }
    gcs_xdecref(I->h, I->fin_registry);
    gcs_xdecref(I->h, I->main_str);
    free(I->builtin_objs);
    free(I->type_objs);
    free(I->builtin_info);
    free(I->bmethod_info);
    free(I->type_info);
}
