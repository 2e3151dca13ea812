/* src/runtime/gcapi.c — the Python-level `gc` module on top of the collector:
 * enable/disable, thresholds, counts, stats, debug flags, gc.garbage and
 * gc.callbacks, get_objects/get_referrers/get_referents, is_tracked,
 * is_finalized, freeze/unfreeze. Semantics of CPython 3.11 (cpython-gc.md §1.7). */
#include "runtime_int.h"

void
gcs_gc_enable(gcs_heap *h)
{
    if (!h)
        return;
    h->enabled = true;
    gcs_rt_gc_emit_config(h);
}

void
gcs_gc_disable(gcs_heap *h)
{
    if (!h)
        return;
    h->enabled = false;
    gcs_rt_gc_emit_config(h);
}

bool
gcs_gc_isenabled(gcs_heap *h)
{
    return h && h->enabled;
}

int
gcs_gc_set_threshold(gcs_heap *h, long t0, long t1, long t2)
{
    if (!h)
        return GCS_EINVAL;
    if (t0 < 0 || t1 < 0 || t2 < 0)
        return gcs_rt_error(h, GCS_EINVAL, "gcs_gc_set_threshold: thresholds must be >= 0");
    h->threshold[0] = t0;
    h->threshold[1] = t1;
    h->threshold[2] = t2;
    gcs_rt_gc_emit_config(h);
    return 0;
}

void
gcs_gc_get_threshold(gcs_heap *h, long out[3])
{
    for (int i = 0; i < 3 && h && out; i++)
        out[i] = h->threshold[i];
}

void
gcs_gc_get_count(gcs_heap *h, long out[3])
{
    for (int i = 0; i < 3 && h && out; i++)
        out[i] = h->count[i];
}

void
gcs_gc_get_stats(gcs_heap *h, gcs_gc_stats out[3])
{
    for (int i = 0; i < 3 && h && out; i++)
        out[i] = h->stats[i];
}

int
gcs_gc_set_debug(gcs_heap *h, int flags)
{
    if (!h)
        return GCS_EINVAL;
    h->debug = flags;
    gcs_rt_gc_emit_config(h);
    return 0;
}

int
gcs_gc_get_debug(gcs_heap *h)
{
    return h ? h->debug : 0;
}

gcs_obj *
gcs_gc_garbage(gcs_heap *h)
{
    return h ? h->garbage : NULL;
}

gcs_obj *
gcs_gc_callbacks(gcs_heap *h)
{
    return h ? h->callbacks : NULL;
}

/* A new list holding the tracked objects of generations lo..hi (list order),
 * excluding the list itself. All-or-nothing. */
static int
objects_list(gcs_heap *h, int lo, int hi, gcs_obj **out, const gcs_site *site)
{
    size_t n = 0;
    for (int g = lo; g <= hi; g++)
        for (gcs_obj *o = h->gens[g].gc_next; o != &h->gens[g]; o = o->gc_next)
            n++;
    gcs_obj *l;
    int rc = gcs_list_new_at(h, &l, site); /* may run a collection: recount below */
    if (rc != 0)
        return rc;
    n = 0;
    for (int g = lo; g <= hi; g++)
        for (gcs_obj *o = h->gens[g].gc_next; o != &h->gens[g]; o = o->gc_next)
            n += o != l;
    if ((rc = gcs_rt_list_reserve(h, l, n)) != 0) {
        gcs_rt_decref(h, l, site);
        return rc;
    }
    for (int g = lo; g <= hi; g++)
        for (gcs_obj *o = h->gens[g].gc_next; o != &h->gens[g]; o = o->gc_next)
            if (o != l)
                gcs_rt_list_append_nofail(h, l, o, site);
    *out = l;
    return 0;
}

int
gcs_gc_get_objects_at(gcs_heap *h, int gen, gcs_obj **out, const gcs_site *site)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    if (gen >= N_GENS)
        return gcs_rt_error(h, GCS_EINVAL,
                            "generation parameter must be less than the number "
                            "of available generations (3)");
    if (gen < -1)
        return gcs_rt_error(h, GCS_EINVAL, "generation parameter cannot be negative");
    return gen == -1 ? objects_list(h, 0, N_GENS - 1, out, site)
                     : objects_list(h, gen, gen, out, site);
}

typedef struct ref_arg {
    gcs_obj *const *objs;
    size_t n;
    bool found;
} ref_arg;

static int
visit_referrer(gcs_obj *child, void *arg)
{
    ref_arg *ra = arg;
    for (size_t i = 0; i < ra->n; i++)
        if (child == ra->objs[i]) {
            ra->found = true;
            return 1;
        }
    return 0;
}

static int
validate_all(gcs_heap *h, gcs_obj *const objs[], size_t n, const gcs_site *site)
{
    if (n && !objs)
        return gcs_rt_error(h, GCS_EINVAL, "NULL object array");
    for (size_t i = 0; i < n; i++) {
        int rc = gcs_rt_validate(h, objs[i], site, false);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Two passes (count, then fill) so the result can be reserved up front. */
static size_t
referrers_scan(gcs_heap *h, gcs_obj *const objs[], size_t n, gcs_obj *result)
{
    size_t count = 0;
    for (int g = 0; g < N_GENS; g++) {
        for (gcs_obj *o = h->gens[g].gc_next; o != &h->gens[g]; o = o->gc_next) {
            GCS_ASSERT(o != NULL); /* circular list: no NULL links */
            if (o == result)
                continue;
            ref_arg ra = {objs, n, false};
            gcs_rt_traverse(h, o, visit_referrer, &ra);
            if (ra.found) {
                count++;
                if (result)
                    gcs_rt_list_append_nofail(h, result, o, NULL);
            }
        }
    }
    return count;
}

int
gcs_gc_get_referrers_at(gcs_heap *h, gcs_obj *const objs[], size_t n, gcs_obj **out,
                        const gcs_site *site)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    int rc = validate_all(h, objs, n, site);
    gcs_obj *l = NULL;
    if (rc == 0)
        rc = gcs_list_new_at(h, &l, site);
    if (rc == 0 && (rc = gcs_rt_list_reserve(h, l, referrers_scan(h, objs, n, NULL))) != 0)
        gcs_rt_decref(h, l, site);
    if (rc != 0)
        return rc;
    referrers_scan(h, objs, n, l);
    *out = l;
    return 0;
}

typedef struct referents_arg {
    gcs_heap *h;
    gcs_obj *result;
    size_t count;
} referents_arg;

static int
visit_referent(gcs_obj *child, void *arg)
{
    referents_arg *ra = arg;
    if (!child)
        return 0;
    ra->count++;
    if (ra->result)
        gcs_rt_list_append_nofail(ra->h, ra->result, child, NULL);
    return 0;
}

int
gcs_gc_get_referents_at(gcs_heap *h, gcs_obj *const objs[], size_t n, gcs_obj **out,
                        const gcs_site *site)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    int rc = validate_all(h, objs, n, site);
    gcs_obj *l = NULL;
    if (rc == 0)
        rc = gcs_list_new_at(h, &l, site);
    if (rc != 0)
        return rc;
    referents_arg ra = {h, NULL, 0};
    for (size_t i = 0; i < n; i++)
        if (gcs_rt_is_gc(objs[i]))
            gcs_rt_traverse(h, objs[i], visit_referent, &ra);
    if ((rc = gcs_rt_list_reserve(h, l, ra.count)) != 0) {
        gcs_rt_decref(h, l, site);
        return rc;
    }
    ra.result = l;
    for (size_t i = 0; i < n; i++)
        if (gcs_rt_is_gc(objs[i]))
            gcs_rt_traverse(h, objs[i], visit_referent, &ra);
    *out = l;
    return 0;
}

bool
gcs_gc_is_tracked(gcs_heap *h, gcs_obj *o)
{
    if (!h || gcs_rt_validate(h, o, NULL, false) != 0)
        return false;
    return gcs_rt_is_gc(o) && (o->flags & OF_TRACKED);
}

bool
gcs_gc_is_finalized(gcs_heap *h, gcs_obj *o)
{
    if (!h || gcs_rt_validate(h, o, NULL, false) != 0)
        return false;
    return gcs_rt_is_gc(o) && (o->flags & OF_FINALIZED);
}

static void
ev_freeze(gcs_heap *h, bool freeze, size_t n)
{
    if (!h->hooked)
        return;
    gcs_event ev = {.kind = freeze ? GCS_EV_FREEZE : GCS_EV_UNFREEZE, .t_ns = gcs_rt_now_ns(h)};
    if (freeze)
        ev.u.freeze.n = n;
    else
        ev.u.unfreeze.n = n;
    gcs_rt_emit(h, &ev);
}

static size_t
merge_tag(gcs_obj *from, gcs_obj *to)
{
    size_t n = 0;
    for (gcs_obj *o = from->gc_next; o != from; o = o->gc_next, n++)
        o->gen = to->gen;
    if (n) {
        gcs_obj *tail = to->gc_prev;
        tail->gc_next = from->gc_next;
        from->gc_next->gc_prev = tail;
        to->gc_prev = from->gc_prev;
        to->gc_prev->gc_next = to;
        gcs_list_init_(from);
    }
    return n;
}

/* gc.freeze(): everything tracked goes to the permanent generation and every
 * count is reset (CPython 3.11's gc_freeze_impl). */
void
gcs_gc_freeze(gcs_heap *h)
{
    if (!h)
        return;
    size_t n = 0;
    for (int g = 0; g < N_GENS; g++) {
        n += merge_tag(&h->gens[g], &h->gens[GEN_PERMANENT]);
        h->count[g] = 0;
    }
    ev_freeze(h, true, n);
}

void
gcs_gc_unfreeze(gcs_heap *h)
{
    if (!h)
        return;
    size_t n = merge_tag(&h->gens[GEN_PERMANENT], &h->gens[N_GENS - 1]);
    ev_freeze(h, false, n);
}

size_t
gcs_gc_get_freeze_count(gcs_heap *h)
{
    size_t n = 0;
    if (!h)
        return 0;
    for (gcs_obj *o = h->gens[GEN_PERMANENT].gc_next; o != &h->gens[GEN_PERMANENT]; o = o->gc_next)
        n++;
    return n;
}

int
gcs_gc_generation(gcs_heap *h, gcs_obj *o)
{
    if (!h || gcs_rt_validate(h, o, NULL, false) != 0)
        return -1;
    return (o->flags & OF_TRACKED) ? (int)o->gen : -1;
}
