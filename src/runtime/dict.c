/* src/runtime/dict.c — insertion-ordered dicts (CPython's compact layout: an
 * index table over an entries array, in one block). Keys: atoms and tuples by
 * value, everything else by identity; lists and dicts are unhashable.
 * Tracking follows CPython 3.11: created untracked, tracked on the first store
 * of a key or value that may be tracked (MAINTAIN_TRACKING), untracked again
 * only by a full collection (gcs_rt_dict_maybe_untrack). */
#include "runtime_int.h"

enum { IX_EMPTY = 0, IX_DUMMY = 1, IX_MIN_SIZE = 8 };

static size_t
block_size(uint32_t n_index, uint32_t cap)
{
    return n_index * sizeof(uint32_t) + cap * sizeof(gcs_dict_entry);
}

int
gcs_dict_new_at(gcs_heap *h, gcs_obj **out, const gcs_site *site)
{
    if (!h || !out)
        return GCS_EINVAL;
    *out = NULL;
    bool fl = h->fl_dict > 0;
    gcs_obj *o;
    int rc = gcs_rt_obj_alloc(h, GCS_KIND_DICT, sizeof(gcs_dict_obj), true, fl, site, &o);
    if (rc != 0)
        return rc;
    if (fl)
        h->fl_dict--;
    gcs_rt_obj_link(h, o, "dict", sizeof(gcs_dict_obj), site);
    *out = o;
    return 0;
}

static void
index_insert(gcs_dict_obj *d, uint64_t hash, uint32_t entry)
{
    uint32_t mask = d->n_index - 1;
    uint32_t j = (uint32_t)hash & mask;
    while (d->index[j] > IX_DUMMY)
        j = (j + 1) & mask;
    d->index[j] = entry + 2;
}

/* Rebuild with room for at least `need` entries, dropping deleted ones. */
static int
dict_resize(gcs_heap *h, gcs_dict_obj *d, uint32_t need)
{
    uint32_t n_index = IX_MIN_SIZE;
    while (n_index * 2 / 3 < need)
        n_index *= 2;
    uint32_t cap = n_index * 2 / 3;
    void *block = gcs_rt_malloc(h, block_size(n_index, cap));
    if (!block)
        return gcs_rt_error(h, GCS_ENOMEM, "out of memory growing dict #%llu",
                            (unsigned long long)d->ob.id);
    uint32_t *index = block;
    gcs_dict_entry *entries = (gcs_dict_entry *)(index + n_index);
    memset(index, 0, n_index * sizeof *index);
    uint32_t k = 0;
    for (uint32_t i = 0; i < d->n_used; i++)
        if (d->entries[i].key)
            entries[k++] = d->entries[i];
    gcs_rt_mfree(h, d->block, block_size(d->n_index, d->cap));
    d->block = block;
    d->index = index;
    d->entries = entries;
    d->n_index = n_index;
    d->cap = cap;
    d->n_used = k;
    for (uint32_t i = 0; i < k; i++)
        index_insert(d, entries[i].hash, i);
    return 0;
}

/* Index slot holding `key`, or -1. */
static long
dict_find(gcs_dict_obj *d, gcs_obj *key, uint64_t hash)
{
    if (!d->n_index)
        return -1;
    uint32_t mask = d->n_index - 1;
    for (uint32_t j = (uint32_t)hash & mask;; j = (j + 1) & mask) {
        uint32_t ix = d->index[j];
        if (ix == IX_EMPTY)
            return -1;
        if (ix == IX_DUMMY)
            continue;
        gcs_dict_entry *e = &d->entries[ix - 2];
        if (e->hash == hash && gcs_rt_key_equal(e->key, key))
            return (long)j;
    }
}

static int
key_hash(gcs_heap *h, gcs_obj *key, uint64_t *hash)
{
    int err = 0;
    *hash = gcs_rt_hash(h, key, &err);
    if (err)
        return gcs_rt_error(h, err, "unhashable key of type %s", gcs_type_name(key));
    return 0;
}

int
gcs_rt_dict_lookup(gcs_heap *h, gcs_obj *o, gcs_obj *key, gcs_obj **val)
{
    uint64_t hash;
    int rc = key_hash(h, key, &hash);
    if (rc != 0)
        return rc;
    gcs_dict_obj *d = AS_DICT(o);
    long j = dict_find(d, key, hash);
    if (j < 0)
        return GCS_ENOTFOUND;
    *val = d->entries[d->index[j] - 2].val;
    return 0;
}

static void
ev_key(gcs_heap *h, gcs_obj *d, gcs_obj *key, gcs_obj *dst, gcs_obj *old, bool del,
       const gcs_site *site)
{
    char slot[128];
    gcs_rt_slot_key(h, slot, sizeof slot, key);
    if (del)
        gcs_rt_ev_ref_del(h, d, slot, old, site);
    else
        gcs_rt_ev_ref_set(h, d, slot, dst, old, site);
}

/* d[key] = val (both borrowed). All-or-nothing. */
int
gcs_rt_dict_set(gcs_heap *h, gcs_obj *o, gcs_obj *key, gcs_obj *val, const gcs_site *site)
{
    uint64_t hash;
    int rc = key_hash(h, key, &hash);
    if (rc != 0)
        return rc;
    gcs_dict_obj *d = AS_DICT(o);
    long j = dict_find(d, key, hash);
    if (j < 0 && d->n_used >= d->cap && (rc = dict_resize(h, d, d->len + 1)) != 0)
        return rc;
    if (!(o->flags & OF_TRACKED) && (gcs_rt_may_be_tracked(key) || gcs_rt_may_be_tracked(val)))
        gcs_rt_track(h, o);
    gcs_rt_incref(h, val, site);
    if (j >= 0) {
        gcs_dict_entry *e = &d->entries[d->index[j] - 2];
        gcs_obj *old = e->val;
        e->val = val;
        if (h->hooked)
            ev_key(h, o, e->key, val, old, false, site);
        gcs_rt_decref(h, old, site);
        return 0;
    }
    gcs_rt_incref(h, key, site);
    uint32_t k = d->n_used++;
    d->entries[k] = (gcs_dict_entry){hash, key, val};
    index_insert(d, hash, k);
    d->len++;
    if (h->hooked)
        ev_key(h, o, key, val, NULL, false, site);
    return 0;
}

int
gcs_rt_dict_del(gcs_heap *h, gcs_obj *o, gcs_obj *key, const gcs_site *site)
{
    uint64_t hash;
    int rc = key_hash(h, key, &hash);
    if (rc != 0)
        return rc;
    gcs_dict_obj *d = AS_DICT(o);
    long j = dict_find(d, key, hash);
    if (j < 0)
        return gcs_rt_error(h, GCS_ENOTFOUND, "key not found in dict #%llu",
                            (unsigned long long)o->id);
    gcs_dict_entry *e = &d->entries[d->index[j] - 2];
    gcs_obj *k = e->key, *v = e->val;
    if (h->hooked)
        ev_key(h, o, k, NULL, v, true, site);
    d->index[j] = IX_DUMMY;
    e->key = e->val = NULL;
    d->len--;
    gcs_rt_decref(h, k, site);
    gcs_rt_decref(h, v, site);
    return 0;
}

static int
check_dict(gcs_heap *h, gcs_obj *d, gcs_obj *key, const char *what, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = gcs_rt_validate_kind(h, d, GCS_KIND_DICT, what, site);
    if (rc == 0)
        rc = gcs_rt_validate(h, key, site, false);
    return rc;
}

int
gcs_dict_set_at(gcs_heap *h, gcs_obj *d, gcs_obj *key, gcs_obj *val, const gcs_site *site)
{
    int rc = check_dict(h, d, key, "gcs_dict_set", site);
    if (rc == 0)
        rc = gcs_rt_validate(h, val, site, false);
    return rc ? rc : gcs_rt_dict_set(h, d, key, val, site);
}

int
gcs_dict_get(gcs_heap *h, gcs_obj *d, gcs_obj *key, gcs_obj **out)
{
    if (!out)
        return GCS_EINVAL;
    *out = NULL;
    int rc = check_dict(h, d, key, "gcs_dict_get", NULL);
    if (rc == 0) {
        rc = gcs_rt_dict_lookup(h, d, key, out);
        if (rc == GCS_ENOTFOUND)
            gcs_rt_error(h, rc, "gcs_dict_get: key not found in dict #%llu",
                         (unsigned long long)d->id);
    }
    return rc;
}

int
gcs_dict_del_at(gcs_heap *h, gcs_obj *d, gcs_obj *key, const gcs_site *site)
{
    int rc = check_dict(h, d, key, "gcs_dict_del", site);
    return rc ? rc : gcs_rt_dict_del(h, d, key, site);
}

size_t
gcs_dict_len(gcs_heap *h, gcs_obj *d)
{
    if (!h || gcs_rt_validate_kind(h, d, GCS_KIND_DICT, "gcs_dict_len", NULL) != 0)
        return 0;
    return AS_DICT(d)->len;
}

bool
gcs_dict_next(gcs_heap *h, gcs_obj *o, size_t *pos, gcs_obj **key, gcs_obj **val)
{
    if (!h || !pos || gcs_rt_validate_kind(h, o, GCS_KIND_DICT, "gcs_dict_next", NULL) != 0)
        return false;
    gcs_dict_obj *d = AS_DICT(o);
    while (*pos < d->n_used) {
        gcs_dict_entry *e = &d->entries[(*pos)++];
        if (e->key) {
            if (key)
                *key = e->key;
            if (val)
                *val = e->val;
            return true;
        }
    }
    return false;
}

int
gcs_dict_set_str_at(gcs_heap *h, gcs_obj *d, const char *key, gcs_obj *val, const gcs_site *site)
{
    if (!h || !key)
        return GCS_EINVAL;
    int rc = gcs_rt_validate_kind(h, d, GCS_KIND_DICT, "gcs_dict_set_str", site);
    if (rc == 0)
        rc = gcs_rt_validate(h, val, site, false);
    gcs_obj *k;
    if (rc == 0)
        rc = gcs_str_new_at(h, key, &k, site);
    if (rc != 0)
        return rc;
    rc = gcs_rt_dict_set(h, d, k, val, site);
    gcs_rt_decref(h, k, site);
    return rc;
}

int
gcs_rt_dict_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    gcs_dict_obj *d = (gcs_dict_obj *)o;
    for (uint32_t i = 0; i < d->n_used; i++) {
        gcs_dict_entry *e = &d->entries[i];
        if (!e->key)
            continue;
        int rc = visit(e->val, arg); /* value, then key: CPython 3.11's dict_traverse */
        if (rc == 0)
            rc = visit(e->key, arg);
        if (rc)
            return rc;
    }
    return 0;
}

/* Empty the dict (tp_clear, dealloc): detach the table first, then release
 * each entry's key and value in order (CPython's free_keys_object). */
void
gcs_rt_dict_release(gcs_heap *h, gcs_obj *o, bool emit)
{
    gcs_dict_obj *d = AS_DICT(o);
    void *block = d->block;
    gcs_dict_entry *entries = d->entries;
    uint32_t n = d->n_used, n_index = d->n_index, cap = d->cap;
    d->block = NULL;
    d->index = NULL;
    d->entries = NULL;
    d->n_index = d->cap = d->n_used = d->len = 0;
    if (emit && h->hooked)
        for (uint32_t i = 0; i < n; i++)
            if (entries[i].key)
                ev_key(h, o, entries[i].key, NULL, entries[i].val, true, NULL);
    for (uint32_t i = 0; i < n; i++) {
        if (entries[i].key) {
            gcs_rt_decref(h, entries[i].key, NULL);
            gcs_rt_decref(h, entries[i].val, NULL);
        }
    }
    gcs_rt_mfree(h, block, block_size(n_index, cap));
}

/* untrack_dicts (full collections only): untrack if nothing in it may be tracked. */
void
gcs_rt_dict_maybe_untrack(gcs_heap *h, gcs_obj *o)
{
    gcs_dict_obj *d = AS_DICT(o);
    if (!(o->flags & OF_TRACKED))
        return;
    for (uint32_t i = 0; i < d->n_used; i++) {
        gcs_dict_entry *e = &d->entries[i];
        if (e->key && (gcs_rt_may_be_tracked(e->key) || gcs_rt_may_be_tracked(e->val)))
            return;
    }
    gcs_rt_untrack(h, o);
}
