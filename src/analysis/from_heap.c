/* src/analysis/from_heap.c — heap graph of a live heap, through the runtime's
 * introspection API (runtime.h section 9): every live object, its strong
 * references, the variables of every frame. Reads only. Object sizes come from
 * the runtime's own size function (the same figure its ALLOC events carry), so
 * the in-process and the offline report count the same bytes.
 * Cost is linear and small per object: references are added without slot
 * labels (lists, tuples and instances are read through their public getters,
 * which format nothing), types and sites are interned through pointer-keyed
 * caches, and the labels are made later, by gcs_obj_foreach_ref itself, only
 * for the objects whose paths the report prints (the graph's labeller).
 */
#include <stdlib.h>
#include <string.h>

#include "analysis/adapters.h"
#include "gcscope/errors.h"
#include "runtime/rt_glue.h" /* gcs_rt_obj_facts_get */

/* The labeller's state: the object of every node (node order). */
typedef struct labels {
    gcs_heap *h;
    gcs_obj **objs;
    size_t n, cap;
} labels;

enum { CACHE = 64 }; /* entries of the pointer-keyed type and site caches */

typedef struct snap {
    gcs_heap *h;
    gcs_hg *g;
    uint64_t *garbage; /* ids in gc.garbage, sorted */
    size_t n_garbage, cap_garbage;
    bool saveall;
    int rc;
    gcs_obj *garbage_list, *callbacks_list;
    labels *lab;
    uint64_t last_id; /* the walk is in id order; else objs are re-sorted */
    bool ascending;
    uint64_t src; /* id of the object whose references are being added */
    /* type name pointer -> interned; site (file, func, line) -> site index */
    const char *type_key[CACHE], *type_val[CACHE];
    gcs_site site_key[CACHE];
    uint32_t site_val[CACHE];
} snap;

bool
gcs_hg_is_cached_int_label(const char *label)
{
    if (label == NULL || *label == '\0')
        return false;
    char *end = NULL;
    long v = strtol(label, &end, 10);
    return *end == '\0' && v >= -5 && v <= 256;
}

/* Objects the runtime owns (see adapters.h). */
static bool
runtime_owned(const snap *s, gcs_heap *h, gcs_obj *o, const gcs_rt_obj_facts *f)
{
    if (f->is_static)
        return true;
    if (o == s->garbage_list || o == s->callbacks_list)
        return true;
    gcs_kind k = gcs_kind_of(o);
    return k == GCS_KIND_NONE || k == GCS_KIND_BOOL ||
           (k == GCS_KIND_TUPLE && gcs_tuple_len(h, o) == 0);
}

static int
collect_garbage_id(gcs_obj *child, const char *slot, void *ud)
{
    (void)slot;
    snap *s = ud;
    if (s->n_garbage == s->cap_garbage) {
        size_t nc = s->cap_garbage ? s->cap_garbage * 2 : 16;
        uint64_t *n = realloc(s->garbage, nc * sizeof *n);
        if (n == NULL)
            return s->rc = GCS_ENOMEM;
        s->garbage = n;
        s->cap_garbage = nc;
    }
    s->garbage[s->n_garbage++] = gcs_id(child);
    return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static bool
in_garbage(const snap *s, uint64_t id)
{
    return s->n_garbage && bsearch(&id, s->garbage, s->n_garbage, sizeof id, cmp_u64) != NULL;
}

static unsigned
node_flags(const snap *s, gcs_obj *o, const gcs_rt_obj_facts *facts)
{
    unsigned f = 0;
    if (facts->tracked)
        f |= GCS_HGF_TRACKED;
    if (facts->finalized)
        f |= GCS_HGF_FINALIZED;
    if (facts->tracked && gcs_gc_generation(s->h, o) == 3)
        f |= GCS_HGF_FROZEN;
    if (in_garbage(s, gcs_id(o)))
        f |= GCS_HGF_IN_GARBAGE | (s->saveall ? GCS_HGF_SAVEALL : 0);
    if (facts->legacy_finalizer)
        f |= GCS_HGF_LEGACY;
    return f;
}

static int
add_edge(gcs_obj *child, const char *slot, void *ud)
{
    (void)slot; /* labelled later, for the report's paths only */
    snap *s = ud;
    int rc = gcs_hg_add_edge(s->g, s->src, gcs_id(child), NULL);
    return rc ? (s->rc = rc) : 0;
}

/* The references of o, in gcs_obj_foreach_ref's order, without labels: the
 * common kinds through their getters, the others through foreach_ref. */
static int
add_refs(snap *s, gcs_heap *h, gcs_obj *o, gcs_kind k)
{
    int rc = 0;
    if (k == GCS_KIND_LIST || k == GCS_KIND_TUPLE) {
        size_t n = k == GCS_KIND_LIST ? gcs_list_len(h, o) : gcs_tuple_len(h, o);
        for (size_t i = 0; i < n && rc == 0; i++) {
            gcs_obj *item = NULL;
            rc = k == GCS_KIND_LIST ? gcs_list_get(h, o, (ptrdiff_t)i, &item)
                                    : gcs_tuple_get(h, o, i, &item);
            if (rc == 0 && item)
                rc = gcs_hg_add_edge(s->g, s->src, gcs_id(item), NULL);
        }
        return rc;
    }
    if (k == GCS_KIND_INSTANCE) {
        size_t pos = 0;
        gcs_obj *val;
        while (rc == 0 && gcs_attr_next(h, o, &pos, NULL, &val))
            rc = gcs_hg_add_edge(s->g, s->src, gcs_id(val), NULL);
        gcs_obj *cls = gcs_class_of(h, o);
        return rc == 0 && cls ? gcs_hg_add_edge(s->g, s->src, gcs_id(cls), NULL) : rc;
    }
    rc = gcs_obj_foreach_ref(h, o, add_edge, s);
    return rc ? rc : s->rc;
}

static const char *
type_of(snap *s, const char *name)
{
    size_t j = ((uintptr_t)name >> 3) % CACHE;
    if (s->type_key[j] != name || name == NULL) {
        const char *t = gcs_hg_intern(s->g, name ? name : "?");
        if (t == NULL)
            return NULL;
        s->type_key[j] = name;
        s->type_val[j] = t;
    }
    return s->type_val[j];
}

/* Site strings of a live heap are the runtime's (literals, or its interned
 * copies): equal pointers are equal sites. */
static uint32_t
site_of(snap *s, const gcs_site *site)
{
    size_t j = (((uintptr_t)site->file >> 3) + ((uintptr_t)site->func >> 3) * 7 +
                (uint32_t)site->line * 31) %
               CACHE;
    gcs_site *k = &s->site_key[j];
    if (k->file != site->file || k->func != site->func || k->line != site->line ||
        (site->file == NULL && site->func == NULL)) {
        *k = *site;
        s->site_val[j] = gcs_hg_site(s->g, site);
    }
    return s->site_val[j];
}

static int
remember(snap *s, gcs_obj *o)
{
    labels *l = s->lab;
    if (l->n == l->cap) { /* sized once (gcs_hg_from_heap); grows only if the heap did */
        size_t nc = l->cap ? l->cap * 2 : 1024;
        gcs_obj **no = gcs_hg_big_alloc(nc * sizeof *no);
        if (no == NULL)
            return GCS_ENOMEM;
        if (l->n)
            memcpy(no, l->objs, l->n * sizeof *no);
        free(l->objs);
        l->objs = no;
        l->cap = nc;
    }
    l->objs[l->n++] = o;
    uint64_t id = gcs_id(o);
    s->ascending = s->ascending && (l->n == 1 || id > s->last_id);
    s->last_id = id;
    return 0;
}

static int
add_object(gcs_heap *h, gcs_obj *o, void *ud)
{
    snap *s = ud;
    gcs_rt_obj_facts facts;
    gcs_rt_obj_facts_get(o, &facts);
    if (runtime_owned(s, h, o, &facts))
        return 0;
    gcs_kind k = gcs_kind_of(o);
    if (k == GCS_KIND_INT) {
        int64_t v = 0;
        if (gcs_int_value(h, o, &v) == 0 && v >= -5 && v <= 256)
            return 0; /* the small-int cache */
    }
    gcs_site site = gcs_obj_alloc_site(h, o);
    const char *type = type_of(s, gcs_type_name(o));
    s->src = gcs_id(o);
    int rc = type ? 0 : GCS_ENOMEM;
    if (rc == 0)
        rc = gcs_hg_add_node_at(s->g, s->src, type, k, gcs_refcnt(o), facts.size, site_of(s, &site),
                                node_flags(s, o, &facts), NULL);
    if (rc == 0)
        rc = remember(s, o);
    if (rc == 0)
        rc = add_refs(s, h, o, k);
    return rc ? (s->rc = rc) : 0;
}

/* {==== Labels for the report ====} */

typedef struct label_walk {
    gcs_hg *g;
    size_t e, end; /* next edge of the node, one past its last */
    int rc;
} label_walk;

/* The references come in the order the snapshot added them; those to
 * objects left out of the graph were dropped there and are skipped here. */
static int
label_ref(gcs_obj *child, const char *slot, void *ud)
{
    label_walk *w = ud;
    uint32_t v = gcs_hg_find(w->g, gcs_id(child));
    if (v == GCS_HG_NONE || w->e >= w->end)
        return 0;
    if (w->g->edge_dst[w->e] != v)
        return 1; /* the heap changed since the snapshot: leave the rest "?" */
    w->rc = gcs_hg_set_slot(w->g, w->e++, slot);
    return w->rc;
}

static int
label_node(gcs_hg *g, uint32_t node, void *ud)
{
    labels *l = ud;
    if (node >= l->n)
        return 0;
    label_walk w = {g, g->edge_off[node], g->edge_off[node + 1], 0};
    (void)gcs_obj_foreach_ref(l->h, l->objs[node], label_ref, &w);
    return w.rc;
}

static void
labels_free(void *ud)
{
    labels *l = ud;
    if (l) {
        free(l->objs);
        free(l);
    }
}

typedef struct id_obj {
    uint64_t id;
    gcs_obj *o;
} id_obj;

static int
cmp_id_obj(const void *a, const void *b)
{
    uint64_t x = ((const id_obj *)a)->id, y = ((const id_obj *)b)->id;
    return (x > y) - (x < y);
}

/* Put l->objs in node (id) order if the walk was not: the runtime documents
 * allocation order, so this is a fallback. */
static int
objs_in_node_order(labels *l)
{
    id_obj *t = malloc((l->n ? l->n : 1) * sizeof *t);
    if (t == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < l->n; i++)
        t[i] = (id_obj){gcs_id(l->objs[i]), l->objs[i]};
    qsort(t, l->n, sizeof *t, cmp_id_obj);
    for (size_t i = 0; i < l->n; i++)
        l->objs[i] = t[i].o;
    free(t);
    return 0;
}

static int
add_root(uint64_t frame_id, const char *frame_name, const char *var, gcs_obj *obj, void *ud)
{
    snap *s = ud;
    int rc = gcs_hg_add_root(s->g, frame_id, frame_name, var, gcs_id(obj));
    return rc ? (s->rc = rc) : 0;
}

int
gcs_hg_from_heap(gcs_heap *h, const gcs_hist_rec *hist, gcs_hg **out)
{
    *out = NULL;
    if (h == NULL)
        return GCS_EINVAL;
    snap s = {.h = h,
              .saveall = (gcs_gc_get_debug(h) & GCS_DEBUG_SAVEALL) != 0,
              .garbage_list = gcs_gc_garbage(h),
              .callbacks_list = gcs_gc_callbacks(h),
              .ascending = true};
    s.lab = calloc(1, sizeof *s.lab);
    if (s.lab == NULL)
        return GCS_ENOMEM;
    s.lab->h = h;
    int rc = gcs_hg_new(&s.g);
    if (rc != 0) {
        labels_free(s.lab);
        return rc;
    }
    size_t n = gcs_heap_live_objects(h);
    (void)gcs_hg_reserve(s.g, n + 16, 2 * n + 16); /* a hint; failure is harmless */
    if ((s.lab->objs = gcs_hg_big_alloc((n + 16) * sizeof *s.lab->objs)) != NULL)
        s.lab->cap = n + 16;
    gcs_obj *garbage = gcs_gc_garbage(h);
    if (garbage)
        rc = gcs_obj_foreach_ref(h, garbage, collect_garbage_id, &s);
    if (rc == 0 && s.rc == 0 && s.n_garbage > 0)
        qsort(s.garbage, s.n_garbage, sizeof *s.garbage, cmp_u64);
    if (rc == 0 && s.rc == 0)
        rc = gcs_heap_foreach(h, add_object, &s);
    if (rc == 0 && s.rc == 0)
        rc = gcs_heap_foreach_root(h, add_root, &s);
    if (rc == 0 && s.rc == 0 && hist)
        rc = gcs_hist_rec_export(hist, s.g);
    if (rc == 0 && s.rc == 0)
        rc = gcs_hg_finish(s.g);
    if (rc == 0)
        rc = s.rc;
    if (rc == 0 && !s.ascending)
        rc = objs_in_node_order(s.lab);
    free(s.garbage);
    if (rc != 0) {
        labels_free(s.lab);
        gcs_hg_free(s.g);
        return rc;
    }
    gcs_hg_set_labeller(s.g, label_node, s.lab, labels_free);
    *out = s.g;
    return 0;
}
