/* src/pyrun/pr_builtins.c — builtin functions (print, len, sorted, ...), the
 * argument helpers every builtin uses, and the table of every builtin and
 * module function (BUILTIN_MAP -> pr_builtin_table). The builtin types and
 * the dispatch/set-up are in pr_btypes.c, the gc/sys/weakref functions in
 * pr_modules.c, the methods of builtin objects in pr_methods.c.
 *
 * Keyword arguments are taken with pr_kw_get(); any left over is a TypeError
 * (pr_call_builtin).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pr_builtins.h"

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
    gcs_obj *keyl = pr_internal(I, pr_new_list(I)); /* holds computed keys alive */
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
    gcs_obj *l = pr_iter_temp(I, it);
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
    gcs_obj *l = pr_iter_temp(I, a[0]);
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
        l = pr_iter_temp(I, a[0]);
    } else {
        gcs_obj *t = pr_internal(I, pr_tuple_of(I, n, a));
        l = t ? pr_iter_temp(I, t) : NULL;
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
    gcs_obj *items = pr_iter_temp(I, a[0]), *l = items ? pr_new_list(I) : NULL;
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
        lists[i] = pr_iter_temp(I, a[i]);
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

/* {======================== The builtin table ========================} */

/* X(name, module, fn) */
#define BUILTIN_MAP(X)                                                                             \
    X(print, PR_M_NONE, bi_print)                                                                  \
    X(len, PR_M_NONE, bi_len)                                                                      \
    X(repr, PR_M_NONE, bi_repr)                                                                    \
    X(isinstance, PR_M_NONE, bi_isinstance)                                                        \
    X(id, PR_M_NONE, bi_id)                                                                        \
    X(sorted, PR_M_NONE, bi_sorted)                                                                \
    X(any, PR_M_NONE, bi_any)                                                                      \
    X(all, PR_M_NONE, bi_all)                                                                      \
    X(sum, PR_M_NONE, bi_sum)                                                                      \
    X(min, PR_M_NONE, bi_min)                                                                      \
    X(max, PR_M_NONE, bi_max)                                                                      \
    X(abs, PR_M_NONE, bi_abs)                                                                      \
    X(hasattr, PR_M_NONE, bi_hasattr)                                                              \
    X(getattr, PR_M_NONE, bi_getattr)                                                              \
    X(setattr, PR_M_NONE, bi_setattr)                                                              \
    X(callable, PR_M_NONE, bi_callable)                                                            \
    X(enumerate, PR_M_NONE, bi_enumerate)                                                          \
    X(zip, PR_M_NONE, bi_zip)                                                                      \
    X(collect, PR_M_GC, pr_gc_collect)                                                             \
    X(enable, PR_M_GC, pr_gc_enable)                                                               \
    X(disable, PR_M_GC, pr_gc_disable)                                                             \
    X(isenabled, PR_M_GC, pr_gc_isenabled)                                                         \
    X(get_count, PR_M_GC, pr_gc_get_count)                                                         \
    X(get_threshold, PR_M_GC, pr_gc_get_threshold)                                                 \
    X(set_threshold, PR_M_GC, pr_gc_set_threshold)                                                 \
    X(get_stats, PR_M_GC, pr_gc_get_stats)                                                         \
    X(set_debug, PR_M_GC, pr_gc_set_debug)                                                         \
    X(get_debug, PR_M_GC, pr_gc_get_debug)                                                         \
    X(get_objects, PR_M_GC, pr_gc_get_objects)                                                     \
    X(get_referrers, PR_M_GC, pr_gc_get_referrers)                                                 \
    X(get_referents, PR_M_GC, pr_gc_get_referents)                                                 \
    X(is_tracked, PR_M_GC, pr_gc_is_tracked)                                                       \
    X(is_finalized, PR_M_GC, pr_gc_is_finalized)                                                   \
    X(freeze, PR_M_GC, pr_gc_freeze)                                                               \
    X(unfreeze, PR_M_GC, pr_gc_unfreeze)                                                           \
    X(get_freeze_count, PR_M_GC, pr_gc_get_freeze_count)                                           \
    X(getrefcount, PR_M_SYS, pr_sys_getrefcount)                                                   \
    X(ref, PR_M_WEAKREF, pr_wr_ref)                                                                \
    X(getweakrefcount, PR_M_WEAKREF, pr_wr_getweakrefcount)                                        \
    X(WeakValueDictionary, PR_M_WEAKREF, pr_wr_wvdict)                                             \
    X(finalize, PR_M_WEAKREF, pr_wr_finalize)

enum {
#define X(name, mod, fn) BI_##name,
    BUILTIN_MAP(X)
#undef X
        BI__COUNT
};

const int pr_n_builtins = BI__COUNT;

const pr_builtin_def pr_builtin_table[BI__COUNT] = {
#define X(name, mod, fn) {#name, mod, fn},
    BUILTIN_MAP(X)
#undef X
};
