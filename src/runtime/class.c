/* src/runtime/class.c — classes (tracked objects) and their instances.
 * Instance attributes live inline, CPython 3.11 style: the class owns the
 * shared key table (declared slots first, then names in first-set order) and
 * each instance has a plain array of values, so no dict object exists and a
 * self-referencing instance collects as exactly one object. Class attributes
 * are a small name/value table on the class. Slot labels are ".name". */
#include <stdio.h>

#include "runtime_int.h"

/* {==================== Classes ====================} */

static void
free_names(gcs_heap *h, char **names, uint32_t n, uint32_t cap)
{
    if (!names)
        return;
    for (uint32_t i = 0; i < n; i++)
        gcs_rt_strfree(h, names[i]);
    gcs_rt_mfree(h, names, cap * sizeof(char *));
}

/* Copy name and slots into `c` (not yet an object); all-or-nothing. */
static int
class_copy_def(gcs_heap *h, gcs_class_obj *c, const gcs_class_def *def)
{
    c->name = gcs_rt_strdup(h, def->name);
    if (!c->name)
        return GCS_ENOMEM;
    uint32_t n = (uint32_t)(def->slots ? def->n_slots : 0);
    c->cap_keys = n ? n : 0;
    if (n) {
        c->keys = gcs_rt_malloc(h, n * sizeof(char *));
        if (!c->keys)
            return GCS_ENOMEM;
        for (uint32_t i = 0; i < n; i++) {
            if (!def->slots[i] || !(c->keys[i] = gcs_rt_strdup(h, def->slots[i])))
                return def->slots[i] ? GCS_ENOMEM : GCS_EINVAL;
            c->n_keys++;
        }
    }
    c->n_slots = n;
    c->dynamic_attrs = def->dynamic_attrs;
    c->finalize = def->finalize;
    c->legacy_finalize = def->legacy_finalize;
    c->ud = def->ud;
    if (c->finalize || c->legacy_finalize)
        h->may_finalize = true;
    return 0;
}

int
gcs_class_new_at(gcs_heap *h, const gcs_class_def *def, gcs_obj **out, const gcs_site *site)
{
    if (!h || !out || !def || !def->name)
        return h ? gcs_rt_error(h, GCS_EINVAL, "gcs_class_new: NULL def or name") : GCS_EINVAL;
    *out = NULL;
    gcs_class_obj tmp = {0};
    int rc = class_copy_def(h, &tmp, def);
    gcs_obj *o = NULL;
    if (rc == 0)
        rc = gcs_rt_obj_alloc(h, GCS_KIND_CLASS, sizeof(gcs_class_obj), true, false, site, &o);
    if (rc != 0) {
        gcs_rt_strfree(h, tmp.name);
        free_names(h, tmp.keys, tmp.n_keys, tmp.cap_keys);
        return rc == GCS_EINVAL ? gcs_rt_error(h, rc, "gcs_class_new: NULL slot name")
                                : gcs_rt_error(h, rc, "out of memory creating class");
    }
    tmp.ob = *o;
    memcpy(o, &tmp, sizeof tmp);
    gcs_rt_obj_link(h, o, "type", sizeof(gcs_class_obj), site);
    if (h->hooked)
        gcs_rt_ev_label(h, o, def->name, site);
    gcs_rt_track(h, o);
    *out = o;
    return 0;
}

int
gcs_class_set_finalizer(gcs_heap *h, gcs_obj *cls, gcs_finalize_fn finalize,
                        gcs_finalize_fn legacy_finalize, void *ud)
{
    if (!h)
        return GCS_EINVAL;
    int rc = gcs_rt_validate_kind(h, cls, GCS_KIND_CLASS, "gcs_class_set_finalizer", NULL);
    if (rc != 0)
        return rc;
    AS_CLASS(cls)->finalize = finalize;
    AS_CLASS(cls)->legacy_finalize = legacy_finalize;
    AS_CLASS(cls)->ud = ud;
    if (finalize || legacy_finalize)
        h->may_finalize = true;
    return 0;
}

int
gcs_rt_class_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    gcs_class_obj *c = (gcs_class_obj *)o;
    for (uint32_t i = 0; i < c->n_attrs; i++) {
        if (c->avals[i]) {
            int rc = visit(c->avals[i], arg);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static void
ev_attr(gcs_heap *h, gcs_obj *o, const char *name, gcs_obj *dst, gcs_obj *old, const gcs_site *site)
{
    char slot[128];
    snprintf(slot, sizeof slot, ".%s", name);
    if (dst)
        gcs_rt_ev_ref_set(h, o, slot, dst, old, site);
    else
        gcs_rt_ev_ref_del(h, o, slot, old, site);
}

/* tp_clear of a class: drop attribute values (names stay until dealloc). */
void
gcs_rt_class_clear(gcs_heap *h, gcs_obj *o, bool emit)
{
    gcs_class_obj *c = AS_CLASS(o);
    for (uint32_t i = 0; i < c->n_attrs; i++) {
        gcs_obj *v = c->avals[i];
        if (!v)
            continue;
        c->avals[i] = NULL;
        if (emit && h->hooked)
            ev_attr(h, o, c->anames[i], NULL, v, NULL);
        gcs_rt_decref(h, v, NULL);
    }
}

void
gcs_rt_class_free_body(gcs_heap *h, gcs_obj *o)
{
    gcs_class_obj *c = AS_CLASS(o);
    free_names(h, c->anames, c->n_attrs, c->cap_attrs);
    gcs_rt_mfree(h, c->avals, c->cap_attrs * sizeof(gcs_obj *));
    free_names(h, c->keys, c->n_keys, c->cap_keys);
    gcs_rt_strfree(h, c->name);
    c->anames = NULL;
    c->avals = NULL;
    c->keys = NULL;
    c->name = NULL;
    c->n_attrs = c->cap_attrs = c->n_keys = c->cap_keys = 0;
}

static long
find_name(char *const *names, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (long)i;
    return -1;
}

/* Append `name` to a names array (and grow `vals` alongside if given);
 * all-or-nothing. */
static int
names_add(gcs_heap *h, char ***names, gcs_obj ***vals, uint32_t *n, uint32_t *cap, const char *name)
{
    char *copy = gcs_rt_strdup(h, name);
    if (!copy)
        return GCS_ENOMEM;
    if (*n == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 4;
        char **nn = gcs_rt_malloc(h, ncap * sizeof(char *));
        gcs_obj **nv = vals && nn ? gcs_rt_malloc(h, ncap * sizeof(gcs_obj *)) : NULL;
        if (!nn || (vals && !nv)) {
            gcs_rt_mfree(h, nn, ncap * sizeof(char *));
            gcs_rt_strfree(h, copy);
            return GCS_ENOMEM;
        }
        if (*n)
            memcpy(nn, *names, *n * sizeof(char *));
        gcs_rt_mfree(h, *names, *cap * sizeof(char *));
        *names = nn;
        if (vals) {
            memset(nv, 0, ncap * sizeof(gcs_obj *));
            if (*n)
                memcpy(nv, *vals, *n * sizeof(gcs_obj *));
            gcs_rt_mfree(h, *vals, *cap * sizeof(gcs_obj *));
            *vals = nv;
        }
        *cap = ncap;
    }
    (*names)[(*n)++] = copy;
    return 0;
}

/* {==================== Instances ====================} */

int
gcs_instance_new_at(gcs_heap *h, gcs_obj *cls, gcs_obj **out, const gcs_site *site)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    int rc = gcs_rt_validate_kind(h, cls, GCS_KIND_CLASS, "gcs_instance_new", site);
    if (rc != 0)
        return rc;
    gcs_obj *o;
    rc = gcs_rt_obj_alloc(h, GCS_KIND_INSTANCE, sizeof(gcs_inst_obj), true, false, site, &o);
    if (rc != 0)
        return rc;
    gcs_rt_incref(h, cls, site);
    ((gcs_inst_obj *)o)->cls = cls;
    if (GCS_UNLIKELY(h->hooked)) { /* ALLOC, the class reference, then TRACK */
        gcs_rt_obj_link(h, o, AS_CLASS(cls)->name, sizeof(gcs_inst_obj), site);
        gcs_rt_ev_ref_set(h, o, ".__class__", cls, NULL, site);
        gcs_rt_track(h, o);
    } else {
        gcs_rt_obj_link_tracked(h, o, AS_CLASS(cls)->name, sizeof(gcs_inst_obj), site);
    }
    *out = o;
    return 0;
}

gcs_obj *
gcs_class_of(gcs_heap *h, gcs_obj *o)
{
    if (!h || gcs_rt_validate(h, o, NULL, false) != 0 || o->kind != GCS_KIND_INSTANCE)
        return NULL;
    return AS_INST(o)->cls;
}

int
gcs_rt_inst_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    gcs_inst_obj *in = (gcs_inst_obj *)o;
    for (uint32_t i = 0; i < in->n_vals; i++) {
        if (in->vals[i]) {
            int rc = visit(in->vals[i], arg);
            if (rc)
                return rc;
        }
    }
    return in->cls ? visit(in->cls, arg) : 0; /* heap types are visited (subtype_traverse) */
}

/* subtype_clear: drop the inline values in key order; the class stays. */
void
gcs_rt_inst_clear(gcs_heap *h, gcs_obj *o, bool emit)
{
    gcs_inst_obj *in = AS_INST(o);
    gcs_class_obj *c = (gcs_class_obj *)in->cls;
    for (uint32_t i = 0; i < in->n_vals; i++) {
        gcs_obj *v = in->vals[i];
        if (!v)
            continue;
        in->vals[i] = NULL;
        if (emit && h->hooked)
            ev_attr(h, o, c->keys[i], NULL, v, NULL);
        gcs_rt_decref(h, v, NULL);
    }
}

void
gcs_rt_inst_free_body(gcs_heap *h, gcs_obj *o)
{
    gcs_inst_obj *in = AS_INST(o);
    gcs_rt_arr_free(h, o, in->vals, in->n_vals * sizeof(gcs_obj *));
    in->vals = NULL;
    in->n_vals = 0;
}

/* Index of attribute `name` for instances of `c`, adding the key if allowed. */
static int
inst_key(gcs_heap *h, gcs_class_obj *c, const char *name, bool add, long *ix)
{
    *ix = find_name(c->keys, c->n_keys, name);
    if (*ix >= 0)
        return 0;
    if (!add)
        return GCS_ENOTFOUND;
    if (!c->dynamic_attrs && c->n_slots)
        return gcs_rt_error(h, GCS_ENOTFOUND, "'%s' object has no attribute '%s' (not in slots)",
                            c->name, name);
    if (!c->dynamic_attrs && !c->n_slots)
        return gcs_rt_error(h, GCS_ENOTFOUND, "'%s' object has no attribute '%s'", c->name, name);
    int rc = names_add(h, &c->keys, NULL, &c->n_keys, &c->cap_keys, name);
    if (rc != 0)
        return gcs_rt_error(h, rc, "out of memory adding attribute '%s'", name);
    *ix = (long)c->n_keys - 1;
    return 0;
}

static int
inst_set(gcs_heap *h, gcs_obj *o, const char *name, gcs_obj *val, const gcs_site *site)
{
    gcs_inst_obj *in = AS_INST(o);
    gcs_class_obj *c = AS_CLASS(in->cls);
    long ix;
    int rc = inst_key(h, c, name, true, &ix);
    if (rc != 0)
        return rc;
    if ((uint32_t)ix >= in->n_vals) {
        uint32_t n = c->n_keys > (uint32_t)ix ? c->n_keys : (uint32_t)ix + 1;
        gcs_obj **v = gcs_rt_arr_realloc(h, o, in->vals, in->n_vals * sizeof *v, n * sizeof *v);
        if (!v)
            return gcs_rt_error(h, GCS_ENOMEM, "out of memory setting attribute '%s'", name);
        memset(v + in->n_vals, 0, (n - in->n_vals) * sizeof *v);
        in->vals = v;
        in->n_vals = n;
    }
    gcs_obj *old = in->vals[ix];
    gcs_rt_incref(h, val, site);
    in->vals[ix] = val;
    if (h->hooked)
        ev_attr(h, o, c->keys[ix], val, old, site);
    gcs_rt_xdecref(h, old, site);
    return 0;
}

static int
class_attr_set(gcs_heap *h, gcs_obj *o, const char *name, gcs_obj *val, const gcs_site *site)
{
    gcs_class_obj *c = AS_CLASS(o);
    long ix = find_name(c->anames, c->n_attrs, name);
    if (ix < 0) {
        int rc = names_add(h, &c->anames, &c->avals, &c->n_attrs, &c->cap_attrs, name);
        if (rc != 0)
            return gcs_rt_error(h, rc, "out of memory adding class attribute '%s'", name);
        ix = (long)c->n_attrs - 1;
        c->avals[ix] = NULL;
    }
    gcs_obj *old = c->avals[ix];
    gcs_rt_incref(h, val, site);
    c->avals[ix] = val;
    if (h->hooked)
        ev_attr(h, o, name, val, old, site);
    gcs_rt_xdecref(h, old, site);
    return 0;
}

static int
check_attr_target(gcs_heap *h, gcs_obj *o, const char *name, const char *what, const gcs_site *site)
{
    if (!name)
        return gcs_rt_error(h, GCS_EINVAL, "%s: NULL attribute name", what);
    int rc = gcs_rt_validate(h, o, site, false);
    if (rc != 0)
        return rc;
    if (o->kind != GCS_KIND_INSTANCE && o->kind != GCS_KIND_CLASS)
        return gcs_rt_error(h, GCS_ETYPE, "%s: %s objects have no attributes", what,
                            gcs_type_name(o));
    return 0;
}

int
gcs_attr_set_at(gcs_heap *h, gcs_obj *o, const char *name, gcs_obj *val, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = check_attr_target(h, o, name, "gcs_attr_set", site);
    if (rc == 0)
        rc = gcs_rt_validate(h, val, site, false);
    if (rc != 0)
        return rc;
    if (o->kind == GCS_KIND_INSTANCE)
        return inst_set(h, o, name, val, site);
    return class_attr_set(h, o, name, val, site);
}

static gcs_obj **
attr_slot(gcs_obj *o, const char *name, const char **stored_name)
{
    if (o->kind == GCS_KIND_INSTANCE) {
        gcs_inst_obj *in = AS_INST(o);
        gcs_class_obj *c = AS_CLASS(in->cls);
        long ix = find_name(c->keys, c->n_keys, name);
        if (ix >= 0 && (uint32_t)ix < in->n_vals && in->vals[ix]) {
            *stored_name = c->keys[ix];
            return &in->vals[ix];
        }
        return NULL;
    }
    gcs_class_obj *c = AS_CLASS(o);
    long ix = find_name(c->anames, c->n_attrs, name);
    if (ix >= 0 && c->avals[ix]) {
        *stored_name = c->anames[ix];
        return &c->avals[ix];
    }
    return NULL;
}

int
gcs_attr_get(gcs_heap *h, gcs_obj *o, const char *name, gcs_obj **out)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    int rc = check_attr_target(h, o, name, "gcs_attr_get", NULL);
    if (rc != 0)
        return rc;
    const char *nm;
    gcs_obj **slot = attr_slot(o, name, &nm);
    if (!slot && o->kind == GCS_KIND_INSTANCE) /* fall back to the class, as Python does */
        slot = attr_slot(AS_INST(o)->cls, name, &nm);
    if (!slot)
        return gcs_rt_error(h, GCS_ENOTFOUND, "'%s' object has no attribute '%s'", gcs_type_name(o),
                            name);
    *out = *slot;
    return 0;
}

int
gcs_attr_del_at(gcs_heap *h, gcs_obj *o, const char *name, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = check_attr_target(h, o, name, "gcs_attr_del", site);
    if (rc != 0)
        return rc;
    const char *nm;
    gcs_obj **slot = attr_slot(o, name, &nm);
    if (!slot)
        return gcs_rt_error(h, GCS_ENOTFOUND, "'%s' object has no attribute '%s'", gcs_type_name(o),
                            name);
    gcs_obj *old = *slot;
    *slot = NULL;
    if (h->hooked)
        ev_attr(h, o, nm, NULL, old, site);
    gcs_rt_decref(h, old, site);
    return 0;
}

bool
gcs_attr_next(gcs_heap *h, gcs_obj *o, size_t *pos, const char **name, gcs_obj **val)
{
    if (!h || !pos || gcs_rt_validate(h, o, NULL, false) != 0)
        return false;
    if (o->kind == GCS_KIND_INSTANCE) {
        gcs_inst_obj *in = AS_INST(o);
        gcs_class_obj *c = AS_CLASS(in->cls);
        for (; *pos < in->n_vals; (*pos)++) {
            if (in->vals[*pos]) {
                if (name)
                    *name = c->keys[*pos];
                if (val)
                    *val = in->vals[*pos];
                (*pos)++;
                return true;
            }
        }
    } else if (o->kind == GCS_KIND_CLASS) {
        gcs_class_obj *c = AS_CLASS(o);
        for (; *pos < c->n_attrs; (*pos)++) {
            if (c->avals[*pos]) {
                if (name)
                    *name = c->anames[*pos];
                if (val)
                    *val = c->avals[*pos];
                (*pos)++;
                return true;
            }
        }
    }
    return false;
}
