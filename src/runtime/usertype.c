/* src/runtime/usertype.c — user-defined C types: the embedding program
 * registers a gcs_type_def (traverse/clear/finalize/dealloc), allocates
 * objects of it and stores references with gcs_slot_set, which owns the new
 * reference, releases the old one and reports the slot under its label. */
#include "runtime_int.h"

int
gcs_type_new(gcs_heap *h, const gcs_type_def *def, gcs_type **out)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    if (!def || !def->name)
        return gcs_rt_error(h, GCS_EINVAL, "gcs_type_new: NULL def or name");
    if ((def->flags & GCS_TYPE_GC) && !def->traverse)
        return gcs_rt_error(h, GCS_EINVAL, "gcs_type_new: GC type '%s' needs traverse", def->name);
    size_t n = strlen(def->name) + 1;
    gcs_type *t = gcs_rt_malloc(h, sizeof *t + n);
    if (!t)
        return gcs_rt_error(h, GCS_ENOMEM, "out of memory registering type '%s'", def->name);
    memcpy(t->name, def->name, n);
    t->def = *def;
    t->def.name = t->name;
    if (def->finalize || def->legacy_finalize)
        h->may_finalize = true;
    t->next_type = h->types;
    h->types = t;
    *out = t;
    return 0;
}

int
gcs_obj_new_at(gcs_heap *h, gcs_type *type, gcs_obj **out, const gcs_site *site)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    if (!type)
        return gcs_rt_error(h, GCS_EINVAL, "gcs_obj_new: NULL type");
    bool gc = (type->def.flags & GCS_TYPE_GC) != 0;
    size_t size = gcs_rt_user_size(type->def.data_size);
    gcs_obj *o;
    int rc = gcs_rt_obj_alloc(h, GCS_KIND_USER, size, gc, false, site, &o);
    if (rc != 0)
        return rc;
    ((gcs_user_obj *)o)->type = type;
    gcs_rt_obj_link(h, o, type->name, size, site);
    if (gc)
        gcs_rt_track(h, o);
    *out = o;
    return 0;
}

void *
gcs_obj_data(gcs_obj *o)
{
    if (!o || o->kind != GCS_KIND_USER)
        return NULL;
    return ((gcs_user_obj *)o)->data;
}

int
gcs_slot_set_at(gcs_heap *h, gcs_obj *owner, gcs_obj **slot, const char *label, gcs_obj *val,
                const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = gcs_rt_validate(h, owner, site, false);
    if (rc != 0)
        return rc;
    if (!slot)
        return gcs_rt_error(h, GCS_EINVAL, "gcs_slot_set: NULL slot");
    if (val && (rc = gcs_rt_validate(h, val, site, false)) != 0)
        return rc;
    if (owner->kind == GCS_KIND_USER) {
        unsigned char *lo = ((gcs_user_obj *)owner)->data;
        unsigned char *hi = lo + ((gcs_user_obj *)owner)->type->def.data_size;
        if ((unsigned char *)slot < lo || (unsigned char *)(slot + 1) > hi)
            return gcs_rt_error(h, GCS_EINVAL, "gcs_slot_set: slot is outside object #%llu's data",
                                (unsigned long long)owner->id);
    }
    gcs_obj *old = *slot;
    if (val)
        gcs_rt_incref(h, val, site);
    *slot = val;
    if (h->hooked) {
        const char *lb = label ? label : ".slot";
        if (val)
            gcs_rt_ev_ref_set(h, owner, lb, val, old, site);
        else if (old)
            gcs_rt_ev_ref_del(h, owner, lb, old, site);
    }
    gcs_rt_xdecref(h, old, site);
    return 0;
}

static int
check_user_gc(gcs_heap *h, gcs_obj *o, const char *what)
{
    if (!h)
        return GCS_EINVAL;
    int rc = gcs_rt_validate(h, o, NULL, false);
    if (rc != 0)
        return rc;
    if (o->kind != GCS_KIND_USER || !gcs_rt_is_gc(o))
        return gcs_rt_error(h, GCS_ETYPE, "%s: object #%llu (%s) is not of a user GC type", what,
                            (unsigned long long)o->id, gcs_type_name(o));
    return 0;
}

int
gcs_gc_track(gcs_heap *h, gcs_obj *o)
{
    int rc = check_user_gc(h, o, "gcs_gc_track");
    if (rc == 0)
        gcs_rt_track(h, o);
    return rc;
}

int
gcs_gc_untrack(gcs_heap *h, gcs_obj *o)
{
    int rc = check_user_gc(h, o, "gcs_gc_untrack");
    if (rc == 0 && h->collecting && (o->flags & OF_COLLECTING))
        return gcs_rt_error(h, GCS_ESTATE, "gcs_gc_untrack: object is being collected");
    if (rc == 0)
        gcs_rt_untrack(h, o);
    return rc;
}
