/* src/runtime/cfunc.c — callables wrapping a C function, optionally bound to
 * one object (a method's self or a closure) which they hold strongly and which
 * the collector traverses. Calls hold a reference to the callable while it runs. */
#include "runtime_int.h"

int
gcs_cfunc_new_at(gcs_heap *h, const char *name, gcs_cfunc_fn fn, void *ud, gcs_obj *bound,
                 gcs_obj **out, const gcs_site *site)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    if (!name || !fn)
        return gcs_rt_error(h, GCS_EINVAL, "gcs_cfunc_new: NULL name or function");
    int rc = bound ? gcs_rt_validate(h, bound, site, false) : 0;
    if (rc != 0)
        return rc;
    char *nm = gcs_rt_strdup(h, name);
    if (!nm)
        return gcs_rt_error(h, GCS_ENOMEM, "out of memory creating function '%s'", name);
    gcs_obj *o;
    rc = gcs_rt_obj_alloc(h, GCS_KIND_CFUNC, sizeof(gcs_cfunc_obj), true, false, site, &o);
    if (rc != 0) {
        gcs_rt_strfree(h, nm);
        return rc;
    }
    gcs_cfunc_obj *f = (gcs_cfunc_obj *)o;
    f->name = nm;
    f->fn = fn;
    f->ud = ud;
    gcs_rt_obj_link(h, o, "builtin_function_or_method", sizeof *f, site);
    if (h->hooked)
        gcs_rt_ev_label(h, o, nm, site);
    if (bound) {
        gcs_rt_incref(h, bound, site);
        f->bound = bound;
        if (h->hooked)
            gcs_rt_ev_ref_set(h, o, ".__self__", bound, NULL, site);
    }
    gcs_rt_track(h, o);
    *out = o;
    return 0;
}

gcs_obj *
gcs_cfunc_bound(gcs_heap *h, gcs_obj *f)
{
    if (!h || gcs_rt_validate_kind(h, f, GCS_KIND_CFUNC, "gcs_cfunc_bound", NULL) != 0)
        return NULL;
    return AS_CFUNC(f)->bound;
}

static int
call_checked(gcs_heap *h, gcs_obj *f, gcs_obj *const args[], size_t nargs, gcs_obj **result)
{
    gcs_cfunc_obj *cf = AS_CFUNC(f);
    gcs_obj *res = NULL;
    gcs_rt_incref(h, f, NULL); /* keep the callable alive while it runs */
    int rc = cf->fn(h, f, args, nargs, cf->ud, &res);
    gcs_rt_decref(h, f, NULL);
    if (rc < 0) {
        if (res)
            gcs_rt_decref(h, res, NULL);
        return rc;
    }
    if (!res) {
        res = h->none;
        gcs_rt_incref(h, res, NULL);
    }
    *result = res;
    return 0;
}

int
gcs_call(gcs_heap *h, gcs_obj *f, gcs_obj *const args[], size_t nargs, gcs_obj **result)
{
    if (!h || !result || (nargs && !args))
        return GCS_EINVAL;
    *result = NULL;
    int rc = gcs_rt_validate(h, f, NULL, false);
    if (rc != 0)
        return rc;
    if (f->kind != GCS_KIND_CFUNC)
        return gcs_rt_error(h, GCS_ETYPE, "'%s' object is not callable", gcs_type_name(f));
    for (size_t i = 0; i < nargs; i++)
        if ((rc = gcs_rt_validate(h, args[i], NULL, false)) != 0)
            return rc;
    return call_checked(h, f, args, nargs, result);
}

/* Call for the runtime's own purposes (weakref and gc callbacks): errors are
 * "unraisable" and ignored, as CPython does; non-callables are ignored. */
void
gcs_rt_call_noerr(gcs_heap *h, gcs_obj *f, gcs_obj *const args[], size_t nargs)
{
    if (f->kind != GCS_KIND_CFUNC)
        return;
    gcs_obj *res = NULL;
    if (call_checked(h, f, args, nargs, &res) == 0)
        gcs_rt_decref(h, res, NULL);
}

int
gcs_rt_cfunc_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    gcs_cfunc_obj *f = (gcs_cfunc_obj *)o;
    return f->bound ? visit(f->bound, arg) : 0;
}

void
gcs_rt_cfunc_clear(gcs_heap *h, gcs_obj *o, bool emit)
{
    gcs_cfunc_obj *f = AS_CFUNC(o);
    gcs_obj *b = f->bound;
    if (!b)
        return;
    f->bound = NULL;
    if (emit && h->hooked)
        gcs_rt_ev_ref_del(h, o, ".__self__", b, NULL);
    gcs_rt_decref(h, b, NULL);
}
