/* src/runtime/wvdict.c — weakref.WeakValueDictionary, built as CPython builds
 * it: a user-type object holding a dict `data` of key -> KeyedRef (a weakref
 * carrying its key) and a `remove` callable bound to a weakref to the
 * dictionary itself (so entries don't keep the dictionary alive). When a value
 * dies, its KeyedRef's callback deletes the entry. */
#include "runtime_int.h"

typedef struct wvd_data {
    gcs_obj *data;   /* dict: key -> KeyedRef */
    gcs_obj *remove; /* cfunc bound to a weakref to the wvdict */
} wvd_data;

static int
wvd_traverse(gcs_heap *h, gcs_obj *self, gcs_visit_fn visit, void *arg)
{
    (void)h;
    wvd_data *d = gcs_obj_data(self);
    int rc = d->data ? visit(d->data, arg) : 0;
    if (rc == 0 && d->remove)
        rc = visit(d->remove, arg);
    return rc;
}

static void
wvd_clear(gcs_heap *h, gcs_obj *self)
{
    wvd_data *d = gcs_obj_data(self);
    gcs_slot_clear(h, self, &d->data, ".data");
    gcs_slot_clear(h, self, &d->remove, ".remove");
}

int
gcs_rt_wvdict_init(gcs_heap *h)
{
    gcs_type_def def = {.name = "WeakValueDictionary",
                        .data_size = sizeof(wvd_data),
                        .flags = GCS_TYPE_GC | GCS_TYPE_WEAKREFABLE,
                        .traverse = wvd_traverse,
                        .clear = wvd_clear};
    return gcs_type_new(h, &def, &h->wvdict_type);
}

/* The `remove` callback: args[0] is the dead KeyedRef. */
static int
wvd_remove(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
           gcs_obj **result)
{
    (void)ud;
    *result = NULL;
    gcs_obj *selfref = gcs_cfunc_bound(h, self);
    gcs_obj *wd = selfref ? gcs_weakref_get(h, selfref) : NULL;
    if (!wd || nargs != 1 || args[0]->kind != GCS_KIND_WEAKREF)
        return 0;
    gcs_weakref_obj *kr = (gcs_weakref_obj *)args[0];
    wvd_data *d = gcs_obj_data(wd);
    gcs_obj *cur;
    if (!kr->key || !d->data || gcs_rt_dict_lookup(h, d->data, kr->key, &cur) != 0)
        return 0;
    if (cur->kind == GCS_KIND_WEAKREF && ((gcs_weakref_obj *)cur)->referent == NULL)
        gcs_rt_dict_del(h, d->data, kr->key, NULL); /* _remove_dead_weakref */
    return 0;
}

static int
wvd_fill(gcs_heap *h, gcs_obj *wd, const gcs_site *site)
{
    wvd_data *d = gcs_obj_data(wd);
    gcs_obj *data = NULL, *selfref = NULL, *remove = NULL;
    int rc = gcs_dict_new_at(h, &data, site);
    if (rc == 0)
        rc = gcs_slot_set_at(h, wd, &d->data, ".data", data, site);
    if (rc == 0)
        rc = gcs_weakref_new_at(h, wd, NULL, &selfref, site);
    if (rc == 0)
        rc = gcs_cfunc_new_at(h, "remove", wvd_remove, NULL, selfref, &remove, site);
    if (rc == 0)
        rc = gcs_slot_set_at(h, wd, &d->remove, ".remove", remove, site);
    gcs_rt_xdecref(h, data, site);
    gcs_rt_xdecref(h, selfref, site);
    gcs_rt_xdecref(h, remove, site);
    return rc;
}

int
gcs_wvdict_new_at(gcs_heap *h, gcs_obj **out, const gcs_site *site)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    gcs_obj *wd;
    int rc = gcs_obj_new_at(h, h->wvdict_type, &wd, site);
    if (rc != 0)
        return rc;
    rc = wvd_fill(h, wd, site);
    if (rc != 0) {
        int code = h->errcode;
        char msg[sizeof h->errmsg];
        memcpy(msg, h->errmsg, sizeof msg);
        gcs_rt_decref(h, wd, site);
        h->errcode = code;
        memcpy(h->errmsg, msg, sizeof msg);
        return rc;
    }
    *out = wd;
    return 0;
}

static int
check_wvd(gcs_heap *h, gcs_obj *wd, gcs_obj *key, const char *what, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = gcs_rt_validate(h, wd, site, false);
    if (rc != 0)
        return rc;
    if (wd->kind != GCS_KIND_USER || ((gcs_user_obj *)wd)->type != h->wvdict_type)
        return gcs_rt_error(h, GCS_ETYPE, "%s: expected WeakValueDictionary, got %s", what,
                            gcs_type_name(wd));
    if (key && (rc = gcs_rt_validate(h, key, site, false)) != 0)
        return rc;
    if (!((wvd_data *)gcs_obj_data(wd))->data)
        return gcs_rt_error(h, GCS_ESTATE, "%s: the dictionary was cleared", what);
    return 0;
}

int
gcs_wvdict_set_at(gcs_heap *h, gcs_obj *wd, gcs_obj *key, gcs_obj *val, const gcs_site *site)
{
    int rc = check_wvd(h, wd, key, "gcs_wvdict_set", site);
    if (rc != 0)
        return rc;
    if (!key)
        return gcs_rt_error(h, GCS_EINVAL, "gcs_wvdict_set: NULL key");
    wvd_data *d = gcs_obj_data(wd);
    int err = 0;
    (void)gcs_rt_hash(h, key, &err);
    if (err)
        return gcs_rt_error(h, err, "unhashable key of type %s", gcs_type_name(key));
    gcs_obj *kr;
    rc = gcs_rt_keyedref_new(h, val, d->remove, key, &kr, site);
    if (rc != 0)
        return rc;
    rc = gcs_rt_dict_set(h, d->data, key, kr, site);
    gcs_rt_decref(h, kr, site);
    return rc;
}

int
gcs_wvdict_get(gcs_heap *h, gcs_obj *wd, gcs_obj *key, gcs_obj **out)
{
    if (!out)
        return GCS_EINVAL;
    *out = NULL;
    int rc = check_wvd(h, wd, key, "gcs_wvdict_get", NULL);
    if (rc != 0)
        return rc;
    if (!key)
        return gcs_rt_error(h, GCS_EINVAL, "gcs_wvdict_get: NULL key");
    gcs_obj *kr;
    rc = gcs_rt_dict_lookup(h, ((wvd_data *)gcs_obj_data(wd))->data, key, &kr);
    if (rc == 0 && !((gcs_weakref_obj *)kr)->referent)
        rc = GCS_ENOTFOUND;
    if (rc == GCS_ENOTFOUND)
        return gcs_rt_error(h, rc, "gcs_wvdict_get: key not found");
    if (rc == 0)
        *out = ((gcs_weakref_obj *)kr)->referent;
    return rc;
}

int
gcs_wvdict_del_at(gcs_heap *h, gcs_obj *wd, gcs_obj *key, const gcs_site *site)
{
    int rc = check_wvd(h, wd, key, "gcs_wvdict_del", site);
    if (rc != 0)
        return rc;
    if (!key)
        return gcs_rt_error(h, GCS_EINVAL, "gcs_wvdict_del: NULL key");
    return gcs_rt_dict_del(h, ((wvd_data *)gcs_obj_data(wd))->data, key, site);
}

size_t
gcs_wvdict_len(gcs_heap *h, gcs_obj *wd)
{
    if (check_wvd(h, wd, NULL, "gcs_wvdict_len", NULL) != 0)
        return 0;
    return AS_DICT(((wvd_data *)gcs_obj_data(wd))->data)->len;
}
