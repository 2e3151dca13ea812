/* src/runtime/weakref.c — weak references (CPython's Objects/weakrefobject.c).
 * Each weak-referenceable object heads a doubly-linked list of the weakrefs to
 * it: callback-less refs first (shared: at most one is ever created), then
 * callback refs, newest first, so callbacks run newest-first. A weakref's
 * traverse visits only its callback (and a KeyedRef's key), never the
 * referent. gcs_rt_clear_weakrefs is PyObject_ClearWeakRefs (refcount path);
 * the collector's handle_weakrefs lives in gc.c. */
#include <stdio.h>

#include "runtime_int.h"

#define WR(o) ((gcs_weakref_obj *)(o))

static void
insert_head(gcs_obj *wr, gcs_obj **list)
{
    gcs_obj *next = *list;
    WR(wr)->wr_prev = NULL;
    WR(wr)->wr_next = next;
    if (next)
        WR(next)->wr_prev = wr;
    *list = wr;
}

static void
insert_after(gcs_obj *wr, gcs_obj *prev)
{
    WR(wr)->wr_prev = prev;
    WR(wr)->wr_next = WR(prev)->wr_next;
    if (WR(prev)->wr_next)
        WR(WR(prev)->wr_next)->wr_prev = wr;
    WR(prev)->wr_next = wr;
}

/* Create a weakref object (never shared); key may be NULL. */
static int
weakref_create(gcs_heap *h, gcs_obj *referent, gcs_obj *callback, gcs_obj *key, gcs_obj **out,
               const gcs_site *site)
{
    gcs_obj *o;
    int rc = gcs_rt_obj_alloc(h, GCS_KIND_WEAKREF, sizeof(gcs_weakref_obj), true, false, site, &o);
    if (rc != 0)
        return rc;
    gcs_obj **list = gcs_rt_weaklist(referent);
    gcs_weakref_obj *w = WR(o);
    w->referent = referent;
    gcs_rt_obj_link(h, o, "weakref", sizeof *w, site);
    h->may_finalize = true; /* collections must now look for weakrefs */
    if (h->hooked) {
        gcs_event ev = {.kind = GCS_EV_WEAKREF_NEW, .site = site};
        ev.u.weakref_new.wr = o->id;
        ev.u.weakref_new.referent = referent->id;
        ev.u.weakref_new.callback = callback ? callback->id : 0;
        gcs_rt_emit(h, &ev);
    }
    if (callback) {
        gcs_rt_incref(h, callback, site);
        w->callback = callback;
    }
    if (key) {
        gcs_rt_incref(h, key, site);
        w->key = key;
        if (h->hooked)
            gcs_rt_ev_ref_set(h, o, ".key", key, NULL, site);
    }
    if (!callback && !key)
        insert_head(o, list);
    else if (*list && !WR(*list)->callback && !WR(*list)->key)
        insert_after(o, *list);
    else
        insert_head(o, list);
    gcs_rt_track(h, o);
    *out = o;
    return 0;
}

static int
check_referent(gcs_heap *h, gcs_obj *referent, gcs_obj *callback, const gcs_site *site)
{
    int rc = gcs_rt_validate(h, referent, site, false);
    if (rc == 0 && callback)
        rc = gcs_rt_validate(h, callback, site, false);
    if (rc == 0 && !gcs_rt_weaklist(referent))
        rc = gcs_rt_error(h, GCS_ETYPE, "cannot create weak reference to '%s' object",
                          gcs_type_name(referent));
    return rc;
}

int
gcs_weakref_new_at(gcs_heap *h, gcs_obj *referent, gcs_obj *callback, gcs_obj **out,
                   const gcs_site *site)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    int rc = check_referent(h, referent, callback, site);
    if (rc != 0)
        return rc;
    gcs_obj *head = *gcs_rt_weaklist(referent);
    if (!callback && head && !WR(head)->callback && !WR(head)->key) {
        gcs_rt_incref(h, head, site); /* the basic ref is shared, as in CPython */
        *out = head;
        return 0;
    }
    return weakref_create(h, referent, callback, NULL, out, site);
}

/* KeyedRef (weak-value dictionaries): always a new ref with callback and key. */
int
gcs_rt_keyedref_new(gcs_heap *h, gcs_obj *referent, gcs_obj *callback, gcs_obj *key, gcs_obj **out,
                    const gcs_site *site)
{
    int rc = check_referent(h, referent, callback, site);
    return rc ? rc : weakref_create(h, referent, callback, key, out, site);
}

gcs_obj *
gcs_weakref_get(gcs_heap *h, gcs_obj *wr)
{
    if (!h || gcs_rt_validate_kind(h, wr, GCS_KIND_WEAKREF, "gcs_weakref_get", NULL) != 0)
        return NULL;
    return WR(wr)->referent;
}

size_t
gcs_weakref_count(gcs_heap *h, gcs_obj *o)
{
    if (!h || gcs_rt_validate(h, o, NULL, false) != 0)
        return 0;
    gcs_obj **list = gcs_rt_weaklist(o);
    size_t n = 0;
    for (gcs_obj *w = list ? *list : NULL; w; w = WR(w)->wr_next)
        n++;
    return n;
}

int
gcs_rt_weakref_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    gcs_weakref_obj *w = WR(o);
    int rc = w->callback ? visit(w->callback, arg) : 0;
    if (rc == 0 && w->key)
        rc = visit(w->key, arg);
    return rc;
}

/* _PyWeakref_ClearRef: unhook from the referent; the callback is kept. */
void
gcs_rt_weakref_clear_ref(gcs_heap *h, gcs_obj *o)
{
    gcs_weakref_obj *w = WR(o);
    if (!w->referent)
        return;
    gcs_obj **list = gcs_rt_weaklist(w->referent);
    if (*list == o)
        *list = w->wr_next;
    if (w->wr_prev)
        WR(w->wr_prev)->wr_next = w->wr_next;
    if (w->wr_next)
        WR(w->wr_next)->wr_prev = w->wr_prev;
    if (h->hooked) {
        gcs_event ev = {.kind = GCS_EV_WEAKREF_CLEAR};
        ev.u.weakref_clear.wr = o->id;
        ev.u.weakref_clear.referent = w->referent->id;
        gcs_rt_emit(h, &ev);
    }
    w->referent = NULL;
    w->wr_prev = w->wr_next = NULL;
}

/* clear_weakref (and, for tp_clear/dealloc, the KeyedRef's key). */
void
gcs_rt_weakref_clear(gcs_heap *h, gcs_obj *o, bool emit)
{
    gcs_weakref_obj *w = WR(o);
    gcs_rt_weakref_clear_ref(h, o);
    gcs_obj *cb = w->callback, *key = w->key;
    w->callback = NULL;
    w->key = NULL;
    if (key && emit && h->hooked)
        gcs_rt_ev_ref_del(h, o, ".key", key, NULL);
    gcs_rt_xdecref(h, key, NULL);
    gcs_rt_xdecref(h, cb, NULL);
}

static void
handle_callback(gcs_heap *h, gcs_obj *wr, gcs_obj *cb)
{
    if (h->hooked) {
        gcs_event ev = {.kind = GCS_EV_WEAKREF_CALLBACK};
        ev.u.weakref_callback.wr = wr->id;
        ev.u.weakref_callback.callback = cb->id;
        gcs_rt_emit(h, &ev);
    }
    gcs_rt_call_noerr(h, cb, &wr, 1);
}

/* Detach a cleared weakref without dropping its callback: returns it. */
static gcs_obj *
take_callback(gcs_heap *h, gcs_obj *w)
{
    gcs_obj *cb = WR(w)->callback;
    WR(w)->callback = NULL;
    gcs_rt_weakref_clear_ref(h, w);
    return cb;
}

/* PyObject_ClearWeakRefs: clear every weakref to the dying `o`, then call the
 * callbacks of those still alive, in list order (newest callback ref first).
 * The pending (weakref, callback) pairs are chained through the cleared
 * weakrefs themselves (wr_next / wr_prev), so nothing is allocated. */
void
gcs_rt_clear_weakrefs(gcs_heap *h, gcs_obj *o)
{
    gcs_obj **list = gcs_rt_weaklist(o);
    if (*list && !WR(*list)->callback)
        gcs_rt_weakref_clear(h, *list, true); /* the callback-less basic ref */
    gcs_obj *chain = NULL, *tail = NULL;
    while (*list) {
        gcs_obj *w = *list;
        gcs_obj *cb = take_callback(h, w);
        if (w->head.refcnt_ > 0) {
            gcs_rt_incref(h, w, NULL);
            WR(w)->wr_prev = cb; /* stash: a cleared weakref's links are unused */
            if (tail)
                WR(tail)->wr_next = w;
            else
                chain = w;
            tail = w;
        } else {
            gcs_rt_xdecref(h, cb, NULL);
        }
    }
    while (chain) {
        gcs_obj *w = chain, *cb = WR(w)->wr_prev;
        chain = WR(w)->wr_next;
        WR(w)->wr_next = WR(w)->wr_prev = NULL;
        if (cb) {
            handle_callback(h, w, cb);
            gcs_rt_decref(h, cb, NULL);
        }
        gcs_rt_decref(h, w, NULL);
    }
}

/* Weakrefs created during a finalizer: cleared without their callbacks. */
void
gcs_rt_clear_weakrefs_nocb(gcs_heap *h, gcs_obj *o)
{
    gcs_obj **list = gcs_rt_weaklist(o);
    while (*list)
        gcs_rt_weakref_clear_ref(h, *list);
}
