/* src/pyrun/pr_modules.c — the gc, sys and weakref modules of `gcscope run`:
 * each function is a thin wrapper over the runtime API (gc.collect ->
 * gcs_gc_collect, weakref.ref -> gcs_weakref_new, ...), listed in
 * pr_builtins.c's BUILTIN_MAP. weakref.finalize objects live here too.
 */
#include <stdlib.h>
#include <string.h>

#include "pr_builtins.h"

/* {======================== gc module ========================} */

gcs_obj *
pr_gc_collect(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    gcs_obj *g = pr_kw_get(I, "generation");
    int64_t gen = 2;
    if (!pr_nargs_ok(I, "collect", n + (g != NULL), 0, 1))
        return NULL;
    if ((n || g) && !pr_get_int(I, n ? a[0] : g, &gen, "collect"))
        return NULL;
    if (gen < 0 || gen > 2)
        return pr_raise(I, PR_E_VALUE, "invalid generation");
    size_t cnt = 0;
    int rc = gcs_gc_collect(I->h, (int)gen, &cnt);
    if (I->exc)
        return NULL;
    return rc ? pr_raise_rc(I, rc, "gc.collect") : pr_int(I, (int64_t)cnt);
}

gcs_obj *
pr_gc_enable(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    (void)a;
    if (!pr_nargs_ok(I, "enable", n, 0, 0))
        return NULL;
    gcs_gc_enable(I->h);
    return pr_none(I);
}

gcs_obj *
pr_gc_disable(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    (void)a;
    if (!pr_nargs_ok(I, "disable", n, 0, 0))
        return NULL;
    gcs_gc_disable(I->h);
    return pr_none(I);
}

gcs_obj *
pr_gc_isenabled(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    (void)a;
    return pr_nargs_ok(I, "isenabled", n, 0, 0) ? pr_bool(I, gcs_gc_isenabled(I->h)) : NULL;
}

gcs_obj *
pr_gc_get_count(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    (void)a;
    long c[3];
    if (!pr_nargs_ok(I, "get_count", n, 0, 0))
        return NULL;
    gcs_gc_get_count(I->h, c);
    return pr_tuple3_ints(I, c);
}

gcs_obj *
pr_gc_get_threshold(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    (void)a;
    long t[3];
    if (!pr_nargs_ok(I, "get_threshold", n, 0, 0))
        return NULL;
    gcs_gc_get_threshold(I->h, t);
    return pr_tuple3_ints(I, t);
}

gcs_obj *
pr_gc_set_threshold(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    long t[3];
    if (!pr_nargs_ok(I, "set_threshold", n, 1, 3))
        return NULL;
    gcs_gc_get_threshold(I->h, t);
    for (int i = 0; i < n; i++) {
        int64_t v = 0;
        if (!pr_get_int(I, a[i], &v, "set_threshold"))
            return NULL;
        t[i] = (long)v;
    }
    int rc = gcs_gc_set_threshold(I->h, t[0], t[1], t[2]);
    return rc ? pr_raise_rc(I, rc, "set_threshold") : pr_none(I);
}

gcs_obj *
pr_gc_get_stats(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    (void)a;
    if (!pr_nargs_ok(I, "get_stats", n, 0, 0))
        return NULL;
    gcs_gc_stats st[3];
    gcs_gc_get_stats(I->h, st);
    gcs_obj *l = pr_new_list(I);
    for (int g = 0; l && g < 3; g++) {
        gcs_obj *d;
        int rc = gcs_dict_new(I->h, &d);
        if (rc) {
            gcs_decref(I->h, l);
            return pr_raise_rc(I, rc, "dict");
        }
        const char *keys[3] = {"collections", "collected", "uncollectable"};
        uint64_t vals[3] = {st[g].collections, st[g].collected, st[g].uncollectable};
        for (int k = 0; k < 3 && rc == 0; k++) {
            gcs_obj *v = pr_int(I, (int64_t)vals[k]);
            rc = v ? gcs_dict_set_str(I->h, d, keys[k], v) : GCS_ENOMEM;
            gcs_xdecref(I->h, v);
        }
        if (rc) {
            gcs_decref(I->h, d);
            gcs_decref(I->h, l);
            return pr_raise_rc(I, rc, "dict");
        }
        l = pr_append_steal(I, l, d);
    }
    return l;
}

gcs_obj *
pr_gc_set_debug(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    int64_t f = 0;
    if (!pr_nargs_ok(I, "set_debug", n, 1, 1) || !pr_get_int(I, a[0], &f, "set_debug"))
        return NULL;
    int rc = gcs_gc_set_debug(I->h, (int)f);
    return rc ? pr_raise_rc(I, rc, "set_debug") : pr_none(I);
}

gcs_obj *
pr_gc_get_debug(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    (void)a;
    return pr_nargs_ok(I, "get_debug", n, 0, 0) ? pr_int(I, gcs_gc_get_debug(I->h)) : NULL;
}

gcs_obj *
pr_gc_get_objects(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    gcs_obj *g = pr_kw_get(I, "generation");
    if (!pr_nargs_ok(I, "get_objects", n + (g != NULL), 0, 1))
        return NULL;
    gcs_obj *go = n ? a[0] : g;
    int64_t gen = -1;
    if (go && gcs_kind_of(go) != GCS_KIND_NONE && !pr_get_int(I, go, &gen, "get_objects"))
        return NULL;
    if (gen >= 3)
        return pr_raise(I, PR_E_VALUE,
                        "generation parameter must be less than the number of "
                        "available generations (3)");
    if (gen < -1)
        return pr_raise(I, PR_E_VALUE, "generation parameter cannot be negative");
    gcs_obj *l;
    int rc = gcs_gc_get_objects(I->h, (int)gen, &l);
    return rc ? pr_raise_rc(I, rc, "get_objects") : l;
}

static gcs_obj *
pr_gc_referrers(pr_interp *I, gcs_obj *const a[], int n, bool referents)
{
    gcs_obj *l;
    int rc = referents ? gcs_gc_get_referents(I->h, a, (size_t)n, &l)
                       : gcs_gc_get_referrers(I->h, a, (size_t)n, &l);
    return rc ? pr_raise_rc(I, rc, referents ? "get_referents" : "get_referrers") : l;
}

gcs_obj *
pr_gc_get_referrers(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return pr_gc_referrers(I, a, n, false);
}

gcs_obj *
pr_gc_get_referents(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return pr_gc_referrers(I, a, n, true);
}

gcs_obj *
pr_gc_is_tracked(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return pr_nargs_ok(I, "is_tracked", n, 1, 1) ? pr_bool(I, gcs_gc_is_tracked(I->h, a[0])) : NULL;
}

gcs_obj *
pr_gc_is_finalized(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return pr_nargs_ok(I, "is_finalized", n, 1, 1) ? pr_bool(I, gcs_gc_is_finalized(I->h, a[0]))
                                                   : NULL;
}

gcs_obj *
pr_gc_freeze(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    (void)a;
    if (!pr_nargs_ok(I, "freeze", n, 0, 0))
        return NULL;
    gcs_gc_freeze(I->h);
    return pr_none(I);
}

gcs_obj *
pr_gc_unfreeze(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    (void)a;
    if (!pr_nargs_ok(I, "unfreeze", n, 0, 0))
        return NULL;
    gcs_gc_unfreeze(I->h);
    return pr_none(I);
}

gcs_obj *
pr_gc_get_freeze_count(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    (void)a;
    return pr_nargs_ok(I, "get_freeze_count", n, 0, 0)
               ? pr_int(I, (int64_t)gcs_gc_get_freeze_count(I->h))
               : NULL;
}

/* {======================== sys, weakref ========================} */

gcs_obj *
pr_sys_getrefcount(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return pr_nargs_ok(I, "getrefcount", n, 1, 1) ? pr_int(I, gcs_refcnt(a[0])) : NULL;
}

gcs_obj *
pr_wr_ref(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    if (!pr_nargs_ok(I, "ref", n, 1, 2))
        return NULL;
    gcs_obj *cb = n > 1 && gcs_kind_of(a[1]) != GCS_KIND_NONE ? a[1] : NULL;
    gcs_obj *wr;
    int rc = gcs_weakref_new(I->h, a[0], cb, &wr);
    if (rc == GCS_ETYPE)
        return pr_raise(I, PR_E_TYPE, "cannot create weak reference to '%s' object",
                        pr_type_name(I, a[0]));
    return rc ? pr_raise_rc(I, rc, "weakref") : wr;
}

gcs_obj *
pr_wr_getweakrefcount(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    return pr_nargs_ok(I, "getweakrefcount", n, 1, 1)
               ? pr_int(I, (int64_t)gcs_weakref_count(I->h, a[0]))
               : NULL;
}

gcs_obj *
pr_wr_wvdict(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    (void)a;
    if (!pr_nargs_ok(I, "WeakValueDictionary", n, 0, 0))
        return NULL;
    gcs_obj *d;
    int rc = gcs_wvdict_new(I->h, &d);
    if (rc)
        return pr_raise_rc(I, rc, "WeakValueDictionary");
    I->wvdict_info = (pr_fninfo){.I = I, .kind = PR_F_WVDICT};
    if (pr_idmap_put(I, gcs_id(d), &I->wvdict_info)) {
        gcs_decref(I->h, d);
        return pr_raise(I, PR_E_MEMORY, "WeakValueDictionary");
    }
    return d;
}

/* weakref.finalize: data = {func, args, weakref}; alive while registered. */
enum { FIN_FUNC, FIN_ARGS, FIN_WR };

int
pr_fin_traverse(gcs_heap *h, gcs_obj *self, gcs_visit_fn visit, void *arg)
{
    (void)h;
    gcs_obj **s = gcs_obj_data(self);
    for (int i = 0; i < 3; i++)
        if (s[i] && visit(s[i], arg))
            return 1;
    return 0;
}

void
pr_fin_clear(gcs_heap *h, gcs_obj *self)
{
    gcs_obj **s = gcs_obj_data(self);
    static const char *const labels[3] = {".func", ".args", ".weakref"};
    for (int i = 0; i < 3; i++)
        if (s[i])
            gcs_slot_clear(h, self, &s[i], labels[i]);
}

gcs_obj *
pr_wr_finalize(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n)
{
    (void)self;
    if (n < 2)
        return pr_raise(I, PR_E_TYPE, "finalize expected at least 2 arguments, got %d", n);
    gcs_obj *fin = NULL, *cb = NULL, *wr = NULL,
            *args = pr_internal(I, pr_tuple_of(I, n - 2, a + 2));
    if (args == NULL)
        return NULL;
    int rc = gcs_obj_new(I->h, I->t_finalize, &fin);
    gcs_obj **s = rc ? NULL : gcs_obj_data(fin);
    if (rc == 0)
        rc = gcs_slot_set(I->h, fin, &s[FIN_FUNC], ".func", a[1]);
    if (rc == 0)
        rc = gcs_slot_set(I->h, fin, &s[FIN_ARGS], ".args", args);
    I->fincb_info = (pr_fninfo){.I = I, .kind = PR_F_FINCB};
    if (rc == 0)
        rc = gcs_cfunc_new(I->h, "finalize", pr_cfunc_trampoline, &I->fincb_info, fin, &cb);
    if (rc == 0)
        rc = pr_idmap_put(I, gcs_id(pr_internal(I, cb)), &I->fincb_info);
    if (rc == 0) {
        rc = gcs_weakref_new(I->h, a[0], cb, &wr);
        if (rc == GCS_ETYPE) {
            gcs_decref(I->h, cb);
            gcs_decref(I->h, args);
            gcs_decref(I->h, fin);
            return pr_raise(I, PR_E_TYPE, "cannot create weak reference to '%s' object",
                            pr_type_name(I, a[0]));
        }
    }
    if (rc == 0)
        rc = gcs_slot_set(I->h, fin, &s[FIN_WR], ".weakref", wr);
    if (rc == 0)
        rc = gcs_list_append(I->h, I->fin_registry, fin);
    gcs_xdecref(I->h, wr);
    gcs_xdecref(I->h, cb);
    gcs_decref(I->h, args);
    if (rc) {
        gcs_xdecref(I->h, fin);
        return pr_raise_rc(I, rc, "finalize");
    }
    return fin;
}

ptrdiff_t
pr_fin_index(pr_interp *I, gcs_obj *fin)
{
    for (size_t i = 0; i < gcs_list_len(I->h, I->fin_registry); i++)
        if (pr_list_item(I, I->fin_registry, i) == fin)
            return (ptrdiff_t)i;
    return -1;
}

/* Run a finalize object's function once (weakref callback, f(), or exit). */
gcs_obj *
pr_finalize_fire(pr_interp *I, gcs_obj *fin)
{
    ptrdiff_t i = pr_fin_index(I, fin);
    if (i < 0)
        return pr_none(I);
    gcs_incref(I->h, fin);
    gcs_list_del(I->h, I->fin_registry, i);
    gcs_obj **s = gcs_obj_data(fin);
    gcs_obj *func = s[FIN_FUNC], *args = s[FIN_ARGS];
    gcs_incref(I->h, func);
    gcs_incref(I->h, args);
    pr_fin_clear(I->h, fin);
    gcs_obj *a[16];
    int n = (int)gcs_tuple_len(I->h, args);
    if (n > 16)
        n = 16;
    for (int k = 0; k < n; k++) {
        gcs_tuple_get(I->h, args, (size_t)k, &a[k]);
        gcs_incref(I->h, a[k]);
    }
    gcs_obj *r = pr_call(I, func, a, n);
    for (int k = 0; k < n; k++)
        gcs_xdecref(I->h, a[k]);
    gcs_decref(I->h, args);
    gcs_decref(I->h, func);
    gcs_decref(I->h, fin);
    return r;
}

gcs_obj *
pr_finalize_detach(pr_interp *I, gcs_obj *fin)
{
    ptrdiff_t i = pr_fin_index(I, fin);
    gcs_obj **s = gcs_obj_data(fin);
    gcs_obj *obj = i >= 0 && s[FIN_WR] ? gcs_weakref_get(I->h, s[FIN_WR]) : NULL;
    if (obj == NULL || gcs_kind_of(obj) == GCS_KIND_NONE)
        return pr_none(I);
    gcs_obj *kwargs = pr_ty_dict(I, NULL, 0);
    gcs_obj *items[4] = {obj, s[FIN_FUNC], s[FIN_ARGS], kwargs};
    gcs_obj *t = kwargs ? pr_tuple_of(I, 4, items) : NULL;
    gcs_xdecref(I->h, kwargs);
    if (t == NULL)
        return NULL;
    gcs_list_del(I->h, I->fin_registry, i);
    pr_fin_clear(I->h, fin);
    return t;
}

void
pr_run_atexit(pr_interp *I)
{
    while (!I->exc_fatal && gcs_list_len(I->h, I->fin_registry) > 0) {
        size_t last = gcs_list_len(I->h, I->fin_registry) - 1;
        gcs_obj *r = pr_finalize_fire(I, pr_list_item(I, I->fin_registry, last));
        if (r)
            gcs_decref(I->h, r);
        else
            pr_unraisable(I, "<finalize object>");
    }
}
