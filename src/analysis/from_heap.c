/* src/analysis/from_heap.c — heap graph of a live heap, through the runtime's
 * introspection API (runtime.h section 9): every live object, its strong
 * references, the variables of every frame. Reads only. Object sizes come from
 * the runtime's own size function (the same figure its ALLOC events carry), so
 * the in-process and the offline report count the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis/adapters.h"
#include "gcscope/errors.h"
#include "runtime/rt_glue.h" /* gcs_rt_obj_facts_get */

typedef struct snap {
    gcs_heap *h;
    gcs_hg *g;
    uint64_t *garbage; /* ids in gc.garbage, sorted */
    size_t n_garbage, cap_garbage;
    bool saveall;
    int rc;
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
runtime_owned(gcs_heap *h, gcs_obj *o, const gcs_rt_obj_facts *f)
{
    if (f->is_static)
        return true;
    if (o == gcs_gc_garbage(h) || o == gcs_gc_callbacks(h))
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
    snap *s = ud;
    int rc = gcs_hg_add_edge(s->g, s->g->nodes[s->g->n_nodes - 1].id, gcs_id(child), slot);
    return rc ? (s->rc = rc) : 0;
}

static int
add_object(gcs_heap *h, gcs_obj *o, void *ud)
{
    snap *s = ud;
    gcs_rt_obj_facts facts;
    gcs_rt_obj_facts_get(o, &facts);
    if (runtime_owned(h, o, &facts))
        return 0;
    if (gcs_kind_of(o) == GCS_KIND_INT) {
        int64_t v = 0;
        if (gcs_int_value(h, o, &v) == 0 && v >= -5 && v <= 256)
            return 0; /* the small-int cache */
    }
    gcs_site site = gcs_obj_alloc_site(h, o);
    int rc = gcs_hg_add_node(s->g, gcs_id(o), gcs_type_name(o), gcs_kind_of(o), gcs_refcnt(o),
                             facts.size, &site, node_flags(s, o, &facts), NULL);
    if (rc == 0)
        rc = gcs_obj_foreach_ref(h, o, add_edge, s);
    return rc ? (s->rc = rc) : 0;
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
    snap s = {.h = h, .saveall = (gcs_gc_get_debug(h) & GCS_DEBUG_SAVEALL) != 0};
    int rc = gcs_hg_new(&s.g);
    if (rc != 0)
        return rc;
    size_t n = gcs_heap_live_objects(h);
    (void)gcs_hg_reserve(s.g, n + 16, 2 * n + 16); /* a hint; failure is harmless */
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
    free(s.garbage);
    if (rc != 0) {
        gcs_hg_free(s.g);
        return rc;
    }
    *out = s.g;
    return 0;
}
