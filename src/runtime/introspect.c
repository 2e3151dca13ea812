/* src/runtime/introspect.c — read-only views of the heap for tools and tests:
 * every live object in allocation order, an object's references with their
 * slot labels, and lookup by id. */
#include <stdio.h>
#include <stdlib.h>

#include "runtime_int.h"

/* One live object and its id, so that sorting never touches the objects. */
typedef struct id_ref {
    uint64_t id;
    gcs_obj *o;
} id_ref;

enum { RADIX_BITS = 11, RADIX = 1 << RADIX_BITS };

/* LSD radix sort of a[0..n) by id, through tmp (same size), in as many 11-bit
 * passes as the largest id needs (2 below 4 million ids, 3 below 8 billion):
 * linear time. Returns the array that holds the result (a or tmp). */
static id_ref *
sort_by_id(id_ref *a, id_ref *tmp, size_t n, uint64_t max_id)
{
    static_assert(RADIX_BITS * 6 >= 64, "six passes cover any id");
    size_t count[RADIX];
    for (unsigned shift = 0; shift < 64 && (max_id >> shift) != 0; shift += RADIX_BITS) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(a[i].id >> shift) & (RADIX - 1)]++;
        size_t sum = 0;
        for (size_t d = 0; d < RADIX; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(a[i].id >> shift) & (RADIX - 1)]++] = a[i];
        id_ref *t = a;
        a = tmp;
        tmp = t;
    }
    return a;
}

/* Snapshot the live objects, sorted by id (allocation order) in linear time,
 * then visit. fn may allocate; it must not free objects (a freed one would
 * still be visited). */
int
gcs_heap_foreach(gcs_heap *h, gcs_obj_visit_fn fn, void *ud)
{
    if (!h || !fn)
        return GCS_EINVAL;
    size_t n = h->live_objects, k = 0, sz = (n ? n : 1) * sizeof(id_ref);
    id_ref *all = gcs_rt_malloc(h, sz), *tmp = all ? gcs_rt_malloc(h, sz) : NULL;
    if (!tmp) {
        gcs_rt_mfree(h, all, sz);
        return gcs_rt_error(h, GCS_ENOMEM, "out of memory in gcs_heap_foreach");
    }
    bool sorted = true;
    for (int g = 0; g < 5; g++) {
        gcs_obj *l = g < 4 ? &h->gens[g] : &h->untracked;
        for (gcs_obj *o = l->gc_next; o != l && k < n; o = o->gc_next) {
            sorted = sorted && (k == 0 || all[k - 1].id < o->id);
            all[k++] = (id_ref){o->id, o};
        }
    }
    id_ref *res = sorted ? all : sort_by_id(all, tmp, k, h->next_id);
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++)
        rc = fn(h, res[i].o, ud);
    gcs_rt_mfree(h, tmp, sz);
    gcs_rt_mfree(h, all, sz);
    return rc;
}

void
gcs_rt_obj_facts_get(const gcs_obj *o, gcs_rt_obj_facts *f)
{
    void *ud;
    f->size = gcs_rt_obj_size(o);
    f->is_static = (o->flags & OF_STATIC) != 0;
    f->tracked = (o->flags & OF_TRACKED) != 0;
    f->finalized = (o->flags & OF_FINALIZED) != 0;
    f->legacy_finalizer = gcs_rt_legacy_finalizer((gcs_obj *)o, &ud) != NULL;
}

typedef struct lab_arg {
    gcs_ref_visit_fn fn;
    void *ud;
    const char *label;
} lab_arg;

static int
visit_labelled(gcs_obj *child, void *arg)
{
    lab_arg *la = arg;
    return child ? la->fn(child, la->label, la->ud) : 0;
}

static int
refs_of_seq(gcs_obj *const *items, size_t n, gcs_ref_visit_fn fn, void *ud)
{
    char slot[32];
    for (size_t i = 0; i < n; i++) {
        if (!items[i])
            continue;
        gcs_rt_slot_index(slot, sizeof slot, i);
        int rc = fn(items[i], slot, ud);
        if (rc)
            return rc;
    }
    return 0;
}

static int
refs_of_dict(gcs_heap *h, gcs_obj *o, gcs_ref_visit_fn fn, void *ud)
{
    gcs_dict_obj *d = AS_DICT(o);
    char slot[160];
    for (uint32_t i = 0; i < d->n_used; i++) {
        gcs_dict_entry *e = &d->entries[i];
        if (!e->key)
            continue;
        gcs_rt_slot_key(h, slot, sizeof slot, e->key);
        int rc = fn(e->key, "<key>", ud);
        if (rc == 0)
            rc = fn(e->val, slot, ud);
        if (rc)
            return rc;
    }
    return 0;
}

static int
refs_of_attrs(gcs_heap *h, gcs_obj *o, gcs_ref_visit_fn fn, void *ud)
{
    size_t pos = 0;
    const char *name;
    gcs_obj *val;
    char slot[160];
    while (gcs_attr_next(h, o, &pos, &name, &val)) {
        snprintf(slot, sizeof slot, ".%s", name);
        int rc = fn(val, slot, ud);
        if (rc)
            return rc;
    }
    if (o->kind == GCS_KIND_INSTANCE)
        return fn(AS_INST(o)->cls, ".__class__", ud);
    return 0;
}

int
gcs_obj_foreach_ref(gcs_heap *h, gcs_obj *o, gcs_ref_visit_fn fn, void *ud)
{
    if (!h || !fn)
        return GCS_EINVAL;
    int rc = gcs_rt_validate(h, o, NULL, false);
    if (rc != 0)
        return rc;
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_TUPLE:
        return refs_of_seq(AS_TUPLE(o)->items, AS_TUPLE(o)->n, fn, ud);
    case GCS_KIND_LIST:
        return refs_of_seq(AS_LIST(o)->items, AS_LIST(o)->len, fn, ud);
    case GCS_KIND_DICT:
        return refs_of_dict(h, o, fn, ud);
    case GCS_KIND_CLASS:
    case GCS_KIND_INSTANCE:
        return refs_of_attrs(h, o, fn, ud);
    case GCS_KIND_CFUNC:
        return AS_CFUNC(o)->bound ? fn(AS_CFUNC(o)->bound, ".__self__", ud) : 0;
    case GCS_KIND_WEAKREF: {
        gcs_weakref_obj *w = AS_WEAKREF(o);
        rc = w->callback ? fn(w->callback, ".__callback__", ud) : 0;
        return rc == 0 && w->key ? fn(w->key, ".key", ud) : rc;
    }
    case GCS_KIND_USER: {
        lab_arg la = {fn, ud, ".slot"};
        return gcs_rt_traverse(h, o, visit_labelled, &la);
    }
    case GCS_KIND_NONE:
    case GCS_KIND_BOOL:
    case GCS_KIND_INT:
    case GCS_KIND_STR:
    case GCS_KIND__COUNT:
        break;
    }
    return 0;
}

/* Checked mode: the id index (O(1)); otherwise a scan of every list. */
gcs_obj *
gcs_heap_find(gcs_heap *h, uint64_t id)
{
    if (!h || id == 0)
        return NULL;
    if (h->checked)
        return id < h->by_id_cap ? h->by_id[id] : NULL;
    for (int g = 0; g < 5; g++) {
        gcs_obj *l = g < 4 ? &h->gens[g] : &h->untracked;
        for (gcs_obj *o = l->gc_next; o != l; o = o->gc_next)
            if (o->id == id)
                return o;
    }
    return NULL;
}
