/* src/replay/snapshot.c — keyframes: the whole replay state as bytes and back.
 * The encoding is canonical (objects in id order, then every object's out
 * list in order, each edge with its rank in its target's in list; frames,
 * weakrefs and lists in their model order; purged objects skipped), so two
 * equal states give equal bytes: the seek tests compare states with memcmp.
 * Handles, string ids and label handles are never stored (they depend on the
 * model's history); derived structures (the id index, the edge hash, the
 * young-generation lists, the purge FIFO) are rebuilt by gcs_model_load.
 * Strings and sites are stored as pointer values into the reader's pool,
 * valid for the replay's life only: keyframes are in-memory (replay.c
 * compresses them with zstd); gcs_snapshot_map_ptrs rewrites just those
 * fields, for the sidecar index. Labels are stored by content. */
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "model.h"
#include "trace/trace_int.h"

#define SNAP_MAGIC 0x31504e53u /* "SNP1" */

typedef struct wbuf {
    uint8_t *b;
    size_t n, cap;
    int oom;
} wbuf;

static inline uint8_t *
wb_room(wbuf *w, size_t k)
{
    if (w->n + k > w->cap && gcs_model_grow((void **)&w->b, &w->cap, w->n + k, 1) != 0) {
        w->oom = 1;
        return NULL;
    }
    return w->b + w->n;
}

static inline void
wb_uv(wbuf *w, uint64_t v)
{
    uint8_t *p = wb_room(w, 10);
    if (p)
        w->n += gcs_put_uv(p, v);
}

static inline void
wb_sv(wbuf *w, int64_t v)
{
    wb_uv(w, gcs_zigzag(v));
}

static void
wb_ptr(wbuf *w, const void *p)
{
    wb_uv(w, (uint64_t)(uintptr_t)p);
}

/* An owned string by content: uv 0 for NULL, else uv len + 1 and the bytes. */
static void
wb_str(wbuf *w, const char *s)
{
    if (s == NULL) {
        wb_uv(w, 0);
        return;
    }
    size_t n = strlen(s);
    wb_uv(w, (uint64_t)n + 1);
    uint8_t *p = wb_room(w, n);
    if (p) {
        memcpy(p, s, n);
        w->n += n;
    }
}

/* UINT64_MAX ("none") is frequent for event indices: store v + 1. */
static void
wb_ev(wbuf *w, uint64_t v)
{
    wb_uv(w, v + 1);
}

#define O(m, h) gcs_model_obj((m), (h))
#define E(m, e) gcs_model_edge((m), (e))

/* Objects go in id order; ids, event indices and edge targets are written as
 * deltas (from the previous object, and from the owner) to keep keyframes
 * small. */
typedef struct snap_prev {
    uint64_t id, alloc_ev;
} snap_prev;

/* A wide-capable field: the narrow value when it is one (no call), else
 * through gcs_obj_u / gcs_obj_i (wide values, "none"). */
#define NARROW_U(m, h, v, field) ((v) < M_WIDE_U32 ? (uint64_t)(v) : gcs_obj_u((m), (h), (field)))
#define NARROW_I(m, h, v, field) ((v) != M_WIDE_I32 ? (int64_t)(v) : gcs_obj_i((m), (h), (field)))

static void
save_obj(wbuf *w, const gcs_model *m, uint32_t h, snap_prev *pv)
{
    const m_obj *o = O(m, h);
    wb_uv(w, o->id - pv->id);
    pv->id = o->id;
    wb_uv(w, o->kind != M_WIDE_KIND ? o->kind : gcs_obj_u(m, h, W_KIND));
    wb_ptr(w, gcs_str_ptr(m, o->type));
    wb_str(w, gcs_label_text(m, o->label));
    wb_ptr(w, gcs_str_ptr(m, o->site));
    wb_sv(w, NARROW_I(m, h, o->refcnt, W_REFCNT));
    wb_sv(w, NARROW_I(m, h, o->gc_refs, W_GC_REFS));
    wb_uv(w, NARROW_U(m, h, o->size, W_SIZE));
    uint64_t alloc_ev = NARROW_U(m, h, o->alloc_ev, W_ALLOC_EV);
    wb_sv(w, (int64_t)(alloc_ev - pv->alloc_ev));
    pv->alloc_ev = alloc_ev;
    wb_ev(w, NARROW_U(m, h, o->free_ev, W_FREE_EV));
    wb_sv(w, o->gen);
    wb_sv(w, o->gc_state);
    wb_uv(w, o->flags & M_STATE_FLAGS);
    wb_uv(w, o->n_out);
}

/* Every object's out list: target delta, slot, rank in the target's in list. */
static int
save_edges(wbuf *w, const gcs_model *m)
{
    uint32_t *rank = malloc(((size_t)m->epool_n + 1) * sizeof *rank);
    if (rank == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < m->n_objs; i++) {
        const m_obj *o = O(m, m->order[i]);
        if (o->flags & M_PURGED)
            continue;
        uint32_t e = o->in;
        for (uint32_t k = 0; k < o->n_in; k++, e = E(m, e)->in)
            rank[e] = k;
    }
    for (size_t i = 0; i < m->n_objs; i++) {
        const m_obj *o = O(m, m->order[i]);
        if (o->flags & M_PURGED)
            continue;
        uint32_t e = o->out;
        for (uint32_t k = 0; k < o->n_out; k++, e = E(m, e)->on) {
            const m_edge *x = E(m, e);
            wb_sv(w, (int64_t)(O(m, x->dst)->id - o->id));
            wb_ptr(w, gcs_str_ptr(m, x->slot & ~M_EDUP));
            wb_uv(w, rank[e]);
        }
    }
    free(rank);
    return 0;
}

static void
save_vec(wbuf *w, const m_u64vec *v)
{
    wb_uv(w, v->n);
    for (size_t i = 0; i < v->n; i++)
        wb_uv(w, v->v[i]);
}

int
gcs_model_save(const gcs_model *m, uint8_t **out, size_t *len)
{
    size_t cap = 0;
    *out = NULL;
    int rc = gcs_model_save_into(m, out, &cap, len);
    if (rc != 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

int
gcs_model_save_into(const gcs_model *m, uint8_t **buf, size_t *cap, size_t *len)
{
    wbuf w = {*buf, 0, *cap, 0};
    wb_uv(&w, SNAP_MAGIC);
    wb_uv(&w, m->pos);
    wb_uv(&w, m->passes_begun);
    wb_uv(&w, m->n_objs - m->n_holes);
    snap_prev pv = {0, 0};
    for (size_t i = 0; i < m->n_objs; i++)
        if (!(O(m, m->order[i])->flags & M_PURGED))
            save_obj(&w, m, m->order[i], &pv);
    if (save_edges(&w, m) != 0)
        w.oom = 1;
    wb_uv(&w, m->n_frames);
    for (size_t i = 0; i < m->n_frames; i++) {
        const m_frame *f = &m->frames[i];
        wb_uv(&w, f->id);
        wb_ptr(&w, f->name);
        wb_uv(&w, f->n_vars);
        for (size_t k = 0; k < f->n_vars; k++) {
            wb_ptr(&w, f->vars[k].name);
            wb_uv(&w, f->vars[k].obj);
        }
    }
    wb_uv(&w, m->n_wrs);
    for (size_t i = 0; i < m->n_wrs; i++) {
        const gcs_replay_weakref *r = &m->wrs[i];
        wb_uv(&w, r->wr);
        wb_uv(&w, r->referent);
        wb_uv(&w, r->old_referent);
        wb_uv(&w, r->callback);
        wb_uv(&w, r->cleared);
        wb_uv(&w, (uint64_t)r->cb);
    }
    const gcs_replay_gc_now *g = &m->gc;
    wb_uv(&w, g->active);
    wb_uv(&w, g->gen);
    wb_uv(&w, g->reason);
    wb_sv(&w, g->phase);
    wb_uv(&w, g->begin_event);
    wb_uv(&w, g->pass_no);
    for (int i = 0; i < 3; i++)
        wb_uv(&w, g->counts[i]);
    save_vec(&w, &m->pass_objs);
    save_vec(&w, &m->garbage);
    wb_ptr(&w, m->last_marker);
    wb_uv(&w, m->last_marker_ev);
    for (int i = 0; i < 3; i++) {
        wb_uv(&w, m->stats[i].collections);
        wb_uv(&w, m->stats[i].collected);
        wb_uv(&w, m->stats[i].uncollectable);
    }
    wb_uv(&w, m->cfg_seen);
    wb_uv(&w, m->cfg.enabled);
    for (int i = 0; i < 3; i++)
        wb_sv(&w, m->cfg.thresholds[i]);
    wb_uv(&w, m->cfg.debug);
    wb_uv(&w, m->cfg.frozen);
    *buf = w.b;
    *cap = w.cap;
    *len = w.n;
    return w.oom ? GCS_ENOMEM : 0;
}

/* {==== Pointer map: a snapshot's pointer fields rewritten, nothing else ====}
 * The sidecar index (index_cache.c) stores keyframes with portable numbers in
 * place of this process's pointers, and translates them back on load. This
 * walk follows the layout gcs_model_save_into writes (and gcs_model_load
 * reads) without building a model: a pass over the bytes. */

/* fn's answers are kept in a small direct-mapped cache per kind (key v + 1,
 * 0 empty): a snapshot names the same few types, sites and slot strings over
 * and over, so fn sees each value about once per walk. */
#define PM_CACHE 64
typedef struct pmap {
    gcs_rd r;
    wbuf w;
    gcs_snap_map_fn fn;
    void *ud;
    int rc;
    struct {
        uint64_t key, out;
    } cache[4][PM_CACHE];
} pmap;

static uint64_t
pm_uv(pmap *p)
{
    uint64_t v = gcs_get_uv(&p->r);
    wb_uv(&p->w, v);
    return v;
}

/* The end of the n numbers from q, a byte at a time; NULL if the input ends
 * inside them or one is longer than 10 bytes. */
static const uint8_t *
pm_skip_slow(const uint8_t *q, const uint8_t *end, int n)
{
    for (int i = 0; i < n; i++) {
        unsigned k = 0;
        while (q < end && (*q & 0x80) && k < 9) {
            q++;
            k++;
        }
        if (q >= end || (*q & 0x80))
            return NULL;
        q++;
    }
    return q;
}

/* Same, eight bytes at a time: each byte without its high bit ends a number.
 * (Less strict than the byte loop about over-long numbers that straddle two
 * words: the copy is byte for byte, and gcs_model_load refuses them.) */
static const uint8_t *
pm_skip(const uint8_t *q, const uint8_t *end, int n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (n > 0 && end - q >= 8) {
        uint64_t w;
        memcpy(&w, q, 8);
        uint64_t ends = ~w & 0x8080808080808080ULL;
        if (ends == 0)
            break; /* eight continuation bytes: let the byte loop judge */
        for (; ends != 0 && n > 1; n--)
            ends &= ends - 1; /* one number ends here */
        if (ends != 0)
            return q + __builtin_ctzll(ends) / 8 + 1;
        q += 8;
    }
#endif
    return pm_skip_slow(q, end, n);
}

/* n numbers copied as they are: one copy of their bytes (r.bad if the input
 * ends inside them). */
static void
pm_uvs(pmap *p, int n)
{
    const uint8_t *s = p->r.p, *q = pm_skip(s, p->r.end, n);
    if (q == NULL) {
        p->r.bad = 1;
        return;
    }
    size_t len = (size_t)(q - s);
    uint8_t *d = wb_room(&p->w, len);
    if (d != NULL) {
        memcpy(d, s, len);
        p->w.n += len;
    }
    p->r.p = q;
}

static void
pm_ptr(pmap *p, int kind)
{
    uint64_t v = gcs_get_uv(&p->r), out = 0;
    size_t j = (size_t)(((v + 1) * 0x9E3779B97F4A7C15ULL) >> 58);
    if (p->cache[kind][j].key == v + 1) {
        out = p->cache[kind][j].out;
    } else if (p->rc == 0 && !p->r.bad) {
        p->rc = p->fn(p->ud, kind, v, &out);
        if (p->rc == 0) {
            p->cache[kind][j].key = v + 1;
            p->cache[kind][j].out = out;
        }
    }
    wb_uv(&p->w, out);
}

/* A count (copied): GCS_ECORRUPT-worthy (r.bad) if more than the bytes left. */
static uint64_t
pm_count(pmap *p)
{
    uint64_t n = pm_uv(p);
    if (n > (uint64_t)(p->r.end - p->r.p))
        p->r.bad = 1;
    return p->r.bad ? 0 : n;
}

static void
pm_str(pmap *p)
{
    uint64_t n = pm_uv(p);
    if (p->r.bad || n == 0)
        return;
    n--;
    uint8_t *d = n <= (uint64_t)(p->r.end - p->r.p) ? wb_room(&p->w, (size_t)n) : NULL;
    if (d == NULL) {
        p->r.bad |= !p->w.oom;
        return;
    }
    memcpy(d, p->r.p, (size_t)n);
    p->w.n += (size_t)n;
    p->r.p += n;
}

/* Objects (id, kind, TYPE, label, SITE, 8 numbers, n_out), then their edges
 * (target delta, SLOT, rank); the sum of n_out in *edges. */
static void
pm_objects(pmap *p, uint64_t *edges)
{
    uint64_t n = pm_count(p), total = 0;
    for (uint64_t i = 0; i < n && p->rc == 0 && !p->r.bad && !p->w.oom; i++) {
        pm_uvs(p, 2);
        pm_ptr(p, GCS_SNAP_TYPE);
        pm_str(p);
        pm_ptr(p, GCS_SNAP_SITE);
        pm_uvs(p, 8);
        total += pm_count(p);
    }
    *edges = total;
}

static void
pm_frames(pmap *p)
{
    uint64_t nf = pm_count(p);
    for (uint64_t i = 0; i < nf && p->rc == 0 && !p->r.bad && !p->w.oom; i++) {
        (void)pm_uv(p);
        pm_ptr(p, GCS_SNAP_NAME);
        uint64_t nv = pm_count(p);
        for (uint64_t k = 0; k < nv && p->rc == 0 && !p->r.bad; k++) {
            pm_ptr(p, GCS_SNAP_NAME);
            (void)pm_uv(p);
        }
    }
}

int
gcs_snapshot_map_ptrs(const uint8_t *in, size_t len, gcs_snap_map_fn fn, void *ud, uint8_t **buf,
                      size_t *cap, size_t *out_len, uint64_t *pos)
{
    pmap p = {.r = {in, in + len, 0}, .w = {*buf, 0, *cap, 0}, .fn = fn, .ud = ud, .rc = 0};
    if (pm_uv(&p) != SNAP_MAGIC)
        p.r.bad = 1;
    *pos = pm_uv(&p);
    (void)pm_uv(&p); /* passes begun */
    uint64_t edges = 0;
    pm_objects(&p, &edges);
    for (uint64_t i = 0; i < edges && p.rc == 0 && !p.r.bad && !p.w.oom; i++) {
        (void)pm_uv(&p);
        pm_ptr(&p, GCS_SNAP_SLOT);
        (void)pm_uv(&p);
    }
    pm_frames(&p);
    uint64_t nw = pm_count(&p); /* weakrefs: six numbers each */
    for (uint64_t i = 0; i < nw && !p.r.bad && !p.w.oom; i++)
        pm_uvs(&p, 6);
    pm_uvs(&p, 9);                /* the collection in progress */
    for (int v = 0; v < 2; v++) { /* pass_objs, garbage */
        uint64_t n = pm_count(&p);
        for (uint64_t i = 0; i < n && !p.r.bad && !p.w.oom; i++)
            (void)pm_uv(&p);
    }
    pm_ptr(&p, GCS_SNAP_NAME); /* last marker */
    pm_uvs(&p, 1 + 9 + 2 + 3 + 2);
    *buf = p.w.b;
    *cap = p.w.cap;
    *out_len = p.w.n;
    if (p.w.oom)
        return GCS_ENOMEM;
    if (p.rc != 0)
        return p.rc;
    return p.r.bad || p.r.p != p.r.end ? GCS_ECORRUPT : 0;
}

/* {==== Load ====} */

static uint64_t
rv(gcs_rd *r)
{
    return gcs_get_uv(r);
}

static int64_t
rs(gcs_rd *r)
{
    return gcs_unzigzag(gcs_get_uv(r));
}

static const void *
rp(gcs_rd *r)
{
    return (const void *)(uintptr_t)gcs_get_uv(r);
}

static uint64_t
rev(gcs_rd *r)
{
    return gcs_get_uv(r) - 1;
}

/* wb_str's inverse, into the label arena: 0 for none; r->bad on a short
 * buffer, *oom on ENOMEM; the label's size class in *cls. */
static uint32_t
rlabel(gcs_model *m, gcs_rd *r, int *oom, uint8_t *cls)
{
    *cls = 0;
    uint64_t n = gcs_get_uv(r);
    if (r->bad || n == 0)
        return 0;
    n--;
    if (n > (uint64_t)(r->end - r->p)) {
        r->bad = 1;
        return 0;
    }
    uint32_t lab = gcs_label_new(m, (const char *)r->p, (size_t)n, cls);
    if (lab == 0)
        *oom = 1;
    r->p += n;
    return lab;
}

/* One object; its out-list length is left in n_out for load_edges. */
static int
load_obj(gcs_model *m, gcs_rd *r, snap_prev *pv)
{
    uint64_t id = pv->id + rv(r);
    if (r->bad || id <= pv->id)
        return GCS_ECORRUPT;
    pv->id = id;
    uint32_t h = gcs_store_insert(m, id);
    if (h == M_NIL)
        return GCS_ENOMEM;
    gcs_obj_set_u(m, h, W_KIND, rv(r));
    uint32_t type = gcs_str_id(m, rp(r));
    int oom = 0;
    uint8_t cls;
    uint32_t lab = rlabel(m, r, &oom, &cls);
    uint32_t site = gcs_str_id(m, rp(r));
    if (oom || type == M_NIL || site == M_NIL)
        return GCS_ENOMEM;
    m_obj *o = O(m, h);
    o->type = type;
    o->label = lab;
    o->lclass = cls;
    o->site = site;
    gcs_obj_set_i(m, h, W_REFCNT, rs(r));
    gcs_obj_set_i(m, h, W_GC_REFS, rs(r));
    gcs_obj_set_u(m, h, W_SIZE, rv(r));
    uint64_t alloc_ev = pv->alloc_ev + (uint64_t)rs(r);
    gcs_obj_set_u(m, h, W_ALLOC_EV, alloc_ev);
    pv->alloc_ev = alloc_ev;
    gcs_obj_set_u(m, h, W_FREE_EV, rev(r));
    o->gen = (int8_t)rs(r);
    o->gc_state = (int8_t)rs(r);
    o->flags = (uint16_t)(rv(r) & M_STATE_FLAGS);
    uint64_t n_out = rv(r);
    if (r->bad || n_out > (uint64_t)(r->end - r->p) || (n_out && !(o->flags & M_ALIVE)))
        return GCS_ECORRUPT;
    o->n_out = (uint32_t)n_out;
    return m->oom ? GCS_ENOMEM : 0;
}

typedef struct load_tmp {
    uint32_t *edge, *rank, *off, *at;
    size_t n;
} load_tmp;

static void
tmp_free(load_tmp *t)
{
    free(t->edge);
    free(t->rank);
    free(t->off);
    free(t->at);
}

/* Out lists (objects' n_out say how many), then the in lists by rank. */
static int
load_edges(gcs_model *m, gcs_rd *r, load_tmp *t)
{
    size_t total = 0;
    for (size_t i = 0; i < m->n_objs; i++)
        total += O(m, m->order[i])->n_out;
    t->edge = malloc((total + 1) * sizeof *t->edge);
    t->rank = malloc((total + 1) * sizeof *t->rank);
    t->at = malloc((total + 1) * sizeof *t->at);
    t->off = malloc(((size_t)m->pool_n + 1) * sizeof *t->off);
    if (!t->edge || !t->rank || !t->at || !t->off || gcs_edges_reserve(m, total) != 0)
        return GCS_ENOMEM;
    for (size_t i = 0; i < m->n_objs; i++) {
        uint32_t h = m->order[i];
        m_obj *o = O(m, h);
        uint32_t k = o->n_out;
        o->n_out = 0;
        for (uint32_t j = 0; j < k; j++) {
            uint64_t dst = o->id + (uint64_t)rs(r);
            const void *slot = rp(r);
            uint64_t rank = rv(r);
            uint32_t d = gcs_model_find(m, dst), sl = gcs_str_id(m, slot);
            if (r->bad || d == M_NIL || !(O(m, d)->flags & M_ALIVE) || rank >= total)
                return GCS_ECORRUPT;
            if (sl == M_NIL)
                return GCS_ENOMEM;
            uint32_t e = gcs_edges_node_(m, h, d, sl);
            if (e == M_NIL || gcs_edges_hash_(m, e) != 0)
                return GCS_ENOMEM;
            O(m, d)->n_in++;
            t->edge[t->n] = e;
            t->rank[t->n++] = (uint32_t)rank;
        }
    }
    size_t run = 0;
    for (size_t i = 0; i < m->n_objs; i++) {
        m_obj *o = O(m, m->order[i]);
        t->off[m->order[i]] = (uint32_t)run;
        run += o->n_in;
    }
    memset(t->at, 0xff, (total + 1) * sizeof *t->at); /* M_NIL */
    for (size_t i = 0; i < t->n; i++) {
        uint32_t d = E(m, t->edge[i])->dst;
        if (t->rank[i] >= O(m, d)->n_in || t->at[t->off[d] + t->rank[i]] != M_NIL)
            return GCS_ECORRUPT;
        t->at[t->off[d] + t->rank[i]] = t->edge[i];
    }
    for (size_t i = 0; i < m->n_objs; i++) {
        uint32_t d = m->order[i];
        uint32_t n = O(m, d)->n_in, base = t->off[d];
        O(m, d)->n_in = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t e = t->at[base + k];
            if (e == M_NIL) /* cannot happen: n_in places, each filled once */
                return GCS_ECORRUPT;
            gcs_edges_in_link_(m, d, e);
        }
    }
    return 0;
}

static int
load_vec(gcs_rd *r, m_u64vec *v)
{
    uint64_t n = rv(r);
    if (r->bad || n > (uint64_t)(r->end - r->p))
        return GCS_ECORRUPT;
    v->n = 0;
    if (n > v->cap) {
        uint64_t *nv = realloc(v->v, n * sizeof *nv);
        if (nv == NULL)
            return GCS_ENOMEM;
        v->v = nv;
        v->cap = n;
    }
    for (uint64_t i = 0; i < n; i++)
        v->v[v->n++] = rv(r);
    return r->bad ? GCS_ECORRUPT : 0;
}

typedef struct freed_ent {
    uint64_t free_ev, id;
    uint32_t h;
} freed_ent;

static int
by_free_ev(const void *a, const void *b)
{
    const freed_ent *x = a, *y = b;
    if (x->free_ev != y->free_ev)
        return x->free_ev < y->free_ev ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Put the purge FIFO (handles of freed objects) in free order. */
static int
sort_purge_q(gcs_model *m)
{
    size_t n = m->purge_q.n;
    if (n < 2)
        return 0;
    freed_ent *t = malloc(n * sizeof *t);
    if (t == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint32_t h = m->purge_q.v[i];
        t[i] = (freed_ent){gcs_obj_u(m, h, W_FREE_EV), O(m, h)->id, h};
    }
    qsort(t, n, sizeof *t, by_free_ev);
    for (size_t i = 0; i < n; i++)
        m->purge_q.v[i] = t[i].h;
    free(t);
    return 0;
}

static int
push32(m_u32vec *v, uint32_t x)
{
    if (gcs_model_grow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v) != 0)
        return GCS_ENOMEM;
    v->v[v->n++] = x;
    return 0;
}

/* Rebuild n_alive, the young lists and the purge FIFO from the objects. */
static int
rebuild_derived(gcs_model *m)
{
    m->n_alive = 0;
    m->young[0].n = m->young[1].n = m->purge_q.n = 0;
    m->purge_head = 0;
    for (size_t i = 0; i < m->n_objs; i++) {
        uint32_t h = m->order[i];
        const m_obj *o = O(m, h);
        m_u32vec *dst = NULL;
        if (o->flags & M_ALIVE) {
            m->n_alive++;
            if ((o->flags & M_TRACKED) && (o->gen == 0 || o->gen == 1))
                dst = &m->young[o->gen];
        } else {
            dst = &m->purge_q;
        }
        if (dst && push32(dst, h) != 0)
            return GCS_ENOMEM;
    }
    return sort_purge_q(m);
}

static int
load_frames(gcs_model *m, gcs_rd *r, size_t len)
{
    uint64_t nf = rv(r);
    if (r->bad || nf > len)
        return GCS_ECORRUPT;
    if (nf > m->cap_frames) {
        m_frame *nfr = realloc(m->frames, nf * sizeof *nfr);
        if (nfr == NULL)
            return GCS_ENOMEM;
        m->frames = nfr;
        m->cap_frames = nf;
    }
    for (uint64_t i = 0; i < nf; i++) {
        m_frame *f = &m->frames[i];
        memset(f, 0, sizeof *f);
        m->n_frames = i + 1;
        f->id = rv(r);
        f->name = rp(r);
        uint64_t nv = rv(r);
        if (r->bad || nv > len)
            return GCS_ECORRUPT;
        if (nv && (f->vars = malloc(nv * sizeof *f->vars)) == NULL)
            return GCS_ENOMEM;
        f->n_vars = f->cap_vars = nv;
        for (uint64_t k = 0; k < nv; k++) {
            f->vars[k].name = rp(r);
            f->vars[k].obj = rv(r);
        }
    }
    return 0;
}

static int
load_weakrefs(gcs_model *m, gcs_rd *r, size_t len)
{
    uint64_t nw = rv(r);
    if (r->bad || nw > len)
        return GCS_ECORRUPT;
    if (nw > m->cap_wrs) {
        gcs_replay_weakref *nwr = realloc(m->wrs, nw * sizeof *nwr);
        if (nwr == NULL)
            return GCS_ENOMEM;
        m->wrs = nwr;
        m->cap_wrs = nw;
    }
    for (uint64_t i = 0; i < nw; i++) {
        gcs_replay_weakref *w = &m->wrs[i];
        w->wr = rv(r);
        w->referent = rv(r);
        w->old_referent = rv(r);
        w->callback = rv(r);
        w->cleared = rv(r) != 0;
        w->cb = (gcs_replay_wr_cb)rv(r);
    }
    m->n_wrs = nw;
    return 0;
}

static int
load_rest(gcs_model *m, gcs_rd *r)
{
    gcs_replay_gc_now *g = &m->gc;
    g->active = rv(r) != 0;
    g->gen = (unsigned)rv(r);
    g->reason = (unsigned)rv(r);
    g->phase = (int)rs(r);
    g->begin_event = rv(r);
    g->pass_no = rv(r);
    for (int i = 0; i < 3; i++)
        g->counts[i] = rv(r);
    int rc = load_vec(r, &m->pass_objs);
    if (rc == 0)
        rc = load_vec(r, &m->garbage);
    if (rc != 0)
        return rc;
    m->last_marker = rp(r);
    m->last_marker_ev = rv(r);
    for (int i = 0; i < 3; i++) {
        m->stats[i].collections = rv(r);
        m->stats[i].collected = rv(r);
        m->stats[i].uncollectable = rv(r);
    }
    m->cfg_seen = rv(r) != 0;
    m->cfg.enabled = rv(r) != 0;
    for (int i = 0; i < 3; i++)
        m->cfg.thresholds[i] = (long)rs(r);
    m->cfg.debug = (unsigned)rv(r);
    m->cfg.frozen = rv(r);
    return r->bad ? GCS_ECORRUPT : 0;
}

int
gcs_model_load(gcs_model *m, const uint8_t *buf, size_t len)
{
    gcs_model_clear(m);
    gcs_rd r = {buf, buf + len, 0};
    if (rv(&r) != SNAP_MAGIC)
        return GCS_ECORRUPT;
    m->pos = rv(&r);
    m->passes_begun = rv(&r);
    uint64_t n = rv(&r);
    if (r.bad || n > len)
        return GCS_ECORRUPT;
    snap_prev pv = {0, 0};
    int rc = 0;
    for (uint64_t i = 0; i < n && rc == 0; i++)
        rc = load_obj(m, &r, &pv);
    load_tmp t = {0};
    if (rc == 0)
        rc = load_edges(m, &r, &t);
    tmp_free(&t);
    if (rc == 0)
        rc = load_frames(m, &r, len);
    if (rc == 0)
        rc = load_weakrefs(m, &r, len);
    if (rc == 0)
        rc = load_rest(m, &r);
    if (rc == 0)
        rc = rebuild_derived(m);
    if (rc != 0)
        gcs_model_clear(m); /* never a half-built state */
    return rc;
}
