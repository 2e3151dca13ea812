/* src/runtime/check.c — checked mode and the whole-heap checker.
 * Checked mode keeps a hash set of live objects and a quarantine of freed ones
 * (their memory is never reused while checked), so any operation on a freed
 * object or on a pointer that is not an object of this heap is reported with
 * the object's id, type and the call site. gcs_heap_check walks everything and
 * verifies the invariants written in runtime_int.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime_int.h"

/* {==================== Pointer set ====================} */

static size_t
ptr_hash(uintptr_t p, size_t cap)
{
    uint64_t x = (uint64_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 17) & (cap - 1);
}

static int
ptrset_rehash(gcs_heap *h, gcs_ptrset *s, size_t cap)
{
    uintptr_t *slots = gcs_rt_malloc(h, cap * sizeof *slots);
    if (!slots)
        return GCS_ENOMEM;
    memset(slots, 0, cap * sizeof *slots);
    for (size_t i = 0; i < s->cap; i++) {
        uintptr_t p = s->slots[i];
        if (p > 1) {
            size_t j = ptr_hash(p, cap);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = p;
        }
    }
    gcs_rt_mfree(h, s->slots, s->cap * sizeof *slots);
    s->slots = slots;
    s->cap = cap;
    s->used = s->n;
    return 0;
}

/* Make room for `extra` more insertions without allocating. */
int
gcs_ptrset_reserve(gcs_heap *h, gcs_ptrset *s, size_t extra)
{
    if ((s->used + extra) * 4 < s->cap * 3)
        return 0;
    size_t cap = s->cap ? s->cap : 64;
    while ((s->n + extra) * 2 >= cap)
        cap *= 2;
    return ptrset_rehash(h, s, cap);
}

int
gcs_ptrset_add(gcs_heap *h, gcs_ptrset *s, const void *p)
{
    if (gcs_ptrset_reserve(h, s, 1) != 0)
        return GCS_ENOMEM;
    uintptr_t v = (uintptr_t)p;
    size_t j = ptr_hash(v, s->cap);
    size_t tomb = SIZE_MAX;
    for (; s->slots[j]; j = (j + 1) & (s->cap - 1)) {
        if (s->slots[j] == v)
            return 0;
        if (s->slots[j] == 1 && tomb == SIZE_MAX)
            tomb = j;
    }
    if (tomb != SIZE_MAX) {
        s->slots[tomb] = v;
    } else {
        s->slots[j] = v;
        s->used++;
    }
    s->n++;
    return 0;
}

bool
gcs_ptrset_has(const gcs_ptrset *s, const void *p)
{
    if (!s->cap)
        return false;
    uintptr_t v = (uintptr_t)p;
    for (size_t j = ptr_hash(v, s->cap); s->slots[j]; j = (j + 1) & (s->cap - 1))
        if (s->slots[j] == v)
            return true;
    return false;
}

void
gcs_ptrset_del(gcs_ptrset *s, const void *p)
{
    if (!s->cap)
        return;
    uintptr_t v = (uintptr_t)p;
    for (size_t j = ptr_hash(v, s->cap); s->slots[j]; j = (j + 1) & (s->cap - 1)) {
        if (s->slots[j] == v) {
            s->slots[j] = 1;
            s->n--;
            return;
        }
    }
}

void
gcs_ptrset_free(gcs_heap *h, gcs_ptrset *s)
{
    gcs_rt_mfree(h, s->slots, s->cap * sizeof *s->slots);
    memset(s, 0, sizeof *s);
}

/* Free the memory of every quarantined object. */
void
gcs_rt_quarantine_release(gcs_heap *h)
{
    gcs_ptrset *q = &h->quarantine;
    for (size_t i = 0; i < q->cap; i++) {
        uintptr_t p = q->slots[i];
        if (p > 1) {
            gcs_obj *o = (gcs_obj *)p;
            if (!h->tearing_down || o->spare != OBJ_SLAB) /* teardown frees whole chunks */
                gcs_rt_obj_mem_release(h, o, gcs_rt_obj_size(o));
        }
    }
    gcs_ptrset_free(h, q);
}

/* {==================== Id index (checked mode) ====================} */

/* Make by_id[id] addressable; GCS_ENOMEM leaves the index as it was. */
int
gcs_rt_by_id_reserve(gcs_heap *h, uint64_t id)
{
    if (id < h->by_id_cap)
        return 0;
    size_t cap = h->by_id_cap ? h->by_id_cap : 1024;
    while (cap <= id)
        cap *= 2;
    gcs_obj **t = gcs_rt_realloc(h, h->by_id, h->by_id_cap * sizeof *t, cap * sizeof *t);
    if (!t)
        return GCS_ENOMEM;
    memset(t + h->by_id_cap, 0, (cap - h->by_id_cap) * sizeof *t);
    h->by_id = t;
    h->by_id_cap = cap;
    return 0;
}

void
gcs_rt_by_id_free(gcs_heap *h)
{
    gcs_rt_mfree(h, h->by_id, h->by_id_cap * sizeof *h->by_id);
    h->by_id = NULL;
    h->by_id_cap = 0;
}

/* {==================== Misuse reports ====================} */

static void
site_str(const gcs_site *site, char *buf, size_t n)
{
    if (site && site->file)
        snprintf(buf, n, " at %s:%d (%s)", site->file, site->line, site->func ? site->func : "?");
    else
        buf[0] = '\0';
}

/* Report API misuse: message on the heap, ERROR event, and in ABORT mode (unless
 * the caller asked for an error code) one line on stderr and abort(). */
int
gcs_rt_misuse(gcs_heap *h, int code, gcs_obj *o, const gcs_site *site, bool no_abort,
              const char *what)
{
    char where[300];
    site_str(site, where, sizeof where);
    uint64_t id = 0;
    const char *type = "?";
    if (o && code != GCS_EBADOBJ) {
        id = o->id;
        type = gcs_type_name(o);
    }
    if (code == GCS_EBADOBJ)
        gcs_rt_error(h, code, "%s: %p is not an object of this heap%s", what, (void *)o, where);
    else
        gcs_rt_error(h, code, "%s: object #%" PRIu64 " (%s, refcount %" PRId64 ")%s", what, id,
                     type, o ? (int64_t)o->head.refcnt_ : 0, where);
    if (h->hooked) {
        gcs_event ev = {.kind = GCS_EV_ERROR, .site = site};
        ev.u.error.code = code;
        ev.u.error.obj = id;
        ev.u.error.detail = h->errmsg;
        gcs_rt_emit(h, &ev);
    }
    if (h->on_error == GCS_ON_ERROR_ABORT && !no_abort) {
        fprintf(stderr, "gcscope: %s: %s\n", gcs_err_name(code), h->errmsg);
        abort();
    }
    return code;
}

int
gcs_rt_validate_slow(gcs_heap *h, gcs_obj *o, const gcs_site *site, bool no_abort)
{
    if (!o)
        return gcs_rt_error(h, GCS_EINVAL, "NULL object");
    if (!h->checked)
        return 0;
    if (gcs_ptrset_has(&h->live, o))
        return 0;
    if (gcs_ptrset_has(&h->quarantine, o))
        return gcs_rt_misuse(h, GCS_EFREED, o, site, no_abort, "use of a freed object");
    return gcs_rt_misuse(h, GCS_EBADOBJ, o, site, no_abort, "bad object pointer");
}

int
gcs_rt_validate_kind_slow(gcs_heap *h, gcs_obj *o, gcs_kind kind, const char *what,
                          const gcs_site *site)
{
    int rc = gcs_rt_validate_slow(h, o, site, false);
    if (rc != 0)
        return rc;
    if (o->kind != kind)
        return gcs_rt_error(h, GCS_ETYPE, "%s: expected %s, got %s (object #%" PRIu64 ")", what,
                            kind == GCS_KIND_LIST      ? "list"
                            : kind == GCS_KIND_DICT    ? "dict"
                            : kind == GCS_KIND_TUPLE   ? "tuple"
                            : kind == GCS_KIND_CLASS   ? "class"
                            : kind == GCS_KIND_CFUNC   ? "callable"
                            : kind == GCS_KIND_WEAKREF ? "weakref"
                                                       : "another kind",
                            gcs_type_name(o), o->id);
    return 0;
}

/* {==================== gcs_heap_check ====================} */

typedef struct chk {
    gcs_heap *h;
    gcs_ptrset all;
    bool have_all;
    gcs_obj *owner;
    int rc;
} chk;

static int
chk_fail(chk *c, const char *fmt, uint64_t a, uint64_t b)
{
    if (c->rc == 0) {
        char msg[300];
        snprintf(msg, sizeof msg, fmt, a, b);
        gcs_rt_error(c->h, GCS_ECORRUPT, "heap check: %s", msg);
        c->rc = GCS_ECORRUPT;
    }
    return GCS_ECORRUPT;
}

static int
chk_visit(gcs_obj *child, void *arg)
{
    chk *c = arg;
    if (child && c->have_all && !gcs_ptrset_has(&c->all, child))
        return chk_fail(c, "object #%" PRIu64 " references a freed or foreign object (%" PRIu64 ")",
                        c->owner->id, 0);
    return 0;
}

static void
chk_weaklist(chk *c, gcs_obj *o)
{
    gcs_obj **wl = gcs_rt_weaklist(o);
    if (!wl)
        return;
    gcs_obj *prev = NULL;
    for (gcs_obj *w = *wl; w; w = ((gcs_weakref_obj *)w)->wr_next) {
        if (c->have_all && !gcs_ptrset_has(&c->all, w)) {
            chk_fail(c, "weakref list of #%" PRIu64 " holds a dead weakref%" PRIu64, o->id, 0);
            return;
        }
        gcs_weakref_obj *wr = (gcs_weakref_obj *)w;
        if (w->kind != GCS_KIND_WEAKREF || wr->referent != o || wr->wr_prev != prev) {
            chk_fail(c, "weakref #%" PRIu64 " on the list of #%" PRIu64 " is inconsistent", w->id,
                     o->id);
            return;
        }
        prev = w;
    }
}

static void
chk_object(chk *c, gcs_obj *o, int g)
{
    gcs_heap *h = c->h;
    if (o->gc_next->gc_prev != o)
        chk_fail(c, "broken list link after #%" PRIu64 " (list %" PRIu64 ")", o->id, (uint64_t)g);
    if (o->head.refcnt_ == 0)
        chk_fail(c, "object #%" PRIu64 " on a list has refcount %" PRIu64, o->id,
                 (uint64_t)o->head.refcnt_);
    if (o->kind >= GCS_KIND__COUNT || (o->flags & (OF_FREED | OF_DEFERRED)))
        chk_fail(c, "object #%" PRIu64 " has a bad kind or flags (%" PRIu64 ")", o->id, o->flags);
    bool tracked = (o->flags & OF_TRACKED) != 0;
    if (tracked != (g < 4))
        chk_fail(c, "object #%" PRIu64 " tracked bit disagrees with its list %" PRIu64, o->id,
                 (uint64_t)g);
    if (tracked && !gcs_rt_is_gc(o))
        chk_fail(c, "non-GC object #%" PRIu64 " is tracked%" PRIu64, o->id, 0);
    if (!h->collecting) {
        if (o->gen != (g < 4 ? g : GEN_NONE))
            chk_fail(c, "object #%" PRIu64 " says generation %" PRIu64 " but is on another list",
                     o->id, o->gen);
        if (o->flags & (OF_COLLECTING | OF_UNREACHABLE))
            chk_fail(c, "object #%" PRIu64 " has collector flags outside a collection%" PRIu64,
                     o->id, 0);
        if (o->gc_refs != 0)
            chk_fail(c, "object #%" PRIu64 " has gc_refs %" PRIu64 " outside a collection", o->id,
                     (uint64_t)o->gc_refs);
    }
    if (h->checked && (o->id >= h->by_id_cap || h->by_id[o->id] != o))
        chk_fail(c, "object #%" PRIu64 " missing from the id index%" PRIu64, o->id, 0);
    c->owner = o;
    gcs_rt_traverse(h, o, chk_visit, c);
    if (o->kind == GCS_KIND_WEAKREF) {
        gcs_weakref_obj *w = (gcs_weakref_obj *)o;
        if (w->referent && c->have_all && !gcs_ptrset_has(&c->all, w->referent))
            chk_fail(c, "weakref #%" PRIu64 " points to a freed object%" PRIu64, o->id, 0);
    }
    chk_weaklist(c, o);
}

static size_t
chk_lists(chk *c)
{
    size_t n = 0;
    gcs_heap *h = c->h;
    for (int g = 0; g < 5 && c->rc == 0; g++) {
        gcs_obj *l = g < 4 ? &h->gens[g] : &h->untracked;
        if (l->gc_next->gc_prev != l)
            chk_fail(c, "broken head of list %" PRIu64 "%" PRIu64, (uint64_t)g, 0);
        for (gcs_obj *o = l->gc_next; o != l && c->rc == 0; o = o->gc_next) {
            chk_object(c, o, g);
            n++;
        }
    }
    return n;
}

static void
chk_collect_all(chk *c)
{
    gcs_heap *h = c->h;
    if (gcs_ptrset_reserve(h, &c->all, h->live_objects + 8) != 0)
        return;
    c->have_all = true;
    for (int g = 0; g < 5; g++) {
        gcs_obj *l = g < 4 ? &h->gens[g] : &h->untracked;
        size_t guard = 0;
        for (gcs_obj *o = l->gc_next; o != l && guard <= h->live_objects; o = o->gc_next, guard++)
            gcs_ptrset_add(h, &c->all, o);
    }
}

static void
chk_roots(chk *c)
{
    gcs_heap *h = c->h;
    for (size_t f = 0; f < h->n_frames; f++)
        for (size_t v = 0; v < h->frames[f].n_vars; v++) {
            gcs_obj *o = h->frames[f].vars[v].obj;
            if (c->have_all && !gcs_ptrset_has(&c->all, o))
                chk_fail(c, "variable %" PRIu64 " of frame %" PRIu64 " points to a dead object",
                         (uint64_t)v, h->frames[f].id);
        }
}

int
gcs_heap_check(const gcs_heap *hc)
{
    if (!hc)
        return GCS_EINVAL;
    gcs_heap *h = (gcs_heap *)hc; /* only the error message and scratch memory change */
    chk c = {.h = h};
    chk_collect_all(&c);
    size_t n = chk_lists(&c);
    if (c.rc == 0 && h->dealloc_depth == 0 && !h->collecting && n != h->live_objects)
        chk_fail(&c, "%" PRIu64 " objects on lists but %" PRIu64 " counted live", n,
                 h->live_objects);
    if (c.rc == 0 && h->checked && h->dealloc_depth == 0 && h->live.n != h->live_objects)
        chk_fail(&c, "checked-mode live set holds %" PRIu64 " objects, %" PRIu64 " counted",
                 h->live.n, h->live_objects);
    if (c.rc == 0 && h->count[0] < 0)
        chk_fail(&c, "count0 is negative (%" PRIu64 ")%" PRIu64, (uint64_t)h->count[0], 0);
    if (c.rc == 0)
        chk_roots(&c);
    const char *slab = c.rc == 0 ? gcs_rt_slab_check(h) : NULL;
    if (slab) {
        gcs_rt_error(h, GCS_ECORRUPT, "heap check: slab: %s", slab);
        c.rc = GCS_ECORRUPT;
    }
    gcs_ptrset_free(h, &c.all);
    return c.rc;
}

/* GCS_DEBUG_HEAPCHECK: check after every collector pass. A corrupt heap can't
 * be recovered, so a failure is reported (ERROR event, one line on stderr) and
 * aborts whatever the on_error mode: this is an opt-in debugging aid. */
void
gcs_rt_debug_heapcheck(gcs_heap *h, const char *when)
{
    if (!h->heapcheck_env)
        return;
    if (gcs_heap_check(h) != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s (after %s)", h->errmsg, when);
        gcs_rt_misuse(h, GCS_ECORRUPT, NULL, NULL, true, msg);
        fprintf(stderr, "gcscope: GCS_DEBUG_HEAPCHECK: %s\n", msg);
        abort();
    }
}
