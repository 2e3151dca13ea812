/* src/replay/snapshot.c — keyframes: the whole replay state as bytes and back.
 * The encoding is canonical (objects in id order, edges, frames, weakrefs and
 * lists in their model order, purged objects skipped), so two equal states
 * give equal bytes: the seek tests compare states with memcmp. Derived
 * structures (the id index, the young-generation lists, the purge FIFO) are
 * not stored; gcs_model_load rebuilds them. Strings and sites are stored as
 * pointer values into the reader's pool, valid for the replay's life only:
 * keyframes are in-memory (replay.c compresses them with zstd). Labels are
 * owned by their object (model.h), so they are stored by content. */
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

static uint8_t *
wb_room(wbuf *w, size_t k)
{
    if (w->n + k > w->cap) {
        size_t c = w->cap ? w->cap * 2 : 4096;
        while (c < w->n + k)
            c *= 2;
        uint8_t *nb = realloc(w->b, c);
        if (nb == NULL) {
            w->oom = 1;
            return NULL;
        }
        w->b = nb;
        w->cap = c;
    }
    return w->b + w->n;
}

static void
wb_uv(wbuf *w, uint64_t v)
{
    uint8_t *p = wb_room(w, 10);
    if (p)
        w->n += gcs_put_uv(p, v);
}

static void
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

/* Objects go in id order; ids, event indices and edge targets are written as
 * deltas (from the previous object, and from the owner) to keep keyframes
 * small. */
typedef struct snap_prev {
    uint64_t id, alloc_ev;
} snap_prev;

static void
save_obj(wbuf *w, const m_obj *o, snap_prev *pv)
{
    wb_uv(w, o->id - pv->id);
    pv->id = o->id;
    wb_uv(w, o->kind);
    wb_ptr(w, o->type);
    wb_str(w, o->label);
    wb_ptr(w, o->alloc_site);
    wb_sv(w, o->refcnt);
    wb_sv(w, o->gc_refs);
    wb_uv(w, o->size);
    wb_sv(w, (int64_t)(o->alloc_ev - pv->alloc_ev));
    pv->alloc_ev = o->alloc_ev;
    wb_ev(w, o->free_ev);
    wb_sv(w, o->gen);
    wb_sv(w, o->gc_state);
    wb_uv(w, o->flags & (uint16_t)~M_DIRTY);
    wb_uv(w, o->n_out - o->dead_out); /* live entries only: dead ones are not state */
    for (uint32_t k = 0; k < o->n_out; k++) {
        if (o->out[k].other) {
            wb_sv(w, (int64_t)(o->out[k].other - o->id));
            wb_ptr(w, o->out[k].slot);
        }
    }
    wb_uv(w, o->n_in - o->dead_in);
    for (uint32_t k = 0; k < o->n_in; k++) {
        if (o->in[k].other) {
            wb_sv(w, (int64_t)(o->in[k].other - o->id));
            wb_ptr(w, o->in[k].slot);
        }
    }
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
    wbuf w = {0};
    wb_uv(&w, SNAP_MAGIC);
    wb_uv(&w, m->pos);
    wb_uv(&w, m->passes_begun);
    wb_uv(&w, m->n_objs - m->n_holes);
    snap_prev pv = {0, 0};
    for (size_t i = 0; i < m->n_objs; i++)
        if (!m->objs[i].purged)
            save_obj(&w, &m->objs[i], &pv);
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
    if (w.oom) {
        free(w.b);
        return GCS_ENOMEM;
    }
    *out = w.b;
    *len = w.n;
    return 0;
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

/* wb_str's inverse: a new copy (NULL for none); *bad on a short buffer or ENOMEM. */
static char *
rstr(gcs_rd *r, int *oom)
{
    uint64_t n = gcs_get_uv(r);
    if (r->bad || n == 0)
        return NULL;
    n--;
    if (n > (uint64_t)(r->end - r->p)) {
        r->bad = 1;
        return NULL;
    }
    char *c = malloc((size_t)n + 1);
    if (c == NULL) {
        *oom = 1;
        return NULL;
    }
    memcpy(c, r->p, (size_t)n);
    c[n] = 0;
    r->p += n;
    return c;
}

static int
load_refs(gcs_rd *r, m_ref **arr, uint32_t *n, uint32_t *cap, uint64_t owner)
{
    uint64_t k = rv(r);
    if (r->bad || k > (uint64_t)(r->end - r->p))
        return GCS_ECORRUPT;
    if (k) {
        *arr = malloc(k * sizeof **arr);
        if (*arr == NULL)
            return GCS_ENOMEM;
    }
    *n = *cap = (uint32_t)k;
    for (uint64_t i = 0; i < k; i++) {
        (*arr)[i].other = owner + (uint64_t)rs(r);
        (*arr)[i].slot = rp(r);
    }
    return r->bad ? GCS_ECORRUPT : 0;
}

static int
load_obj(gcs_rd *r, m_obj *o, snap_prev *pv)
{
    memset(o, 0, sizeof *o);
    o->id = pv->id + rv(r);
    pv->id = o->id;
    o->kind = (uint32_t)rv(r);
    o->type = rp(r);
    int oom = 0;
    o->label = rstr(r, &oom);
    if (oom)
        return GCS_ENOMEM;
    o->alloc_site = rp(r);
    o->refcnt = rs(r);
    o->gc_refs = rs(r);
    o->size = rv(r);
    o->alloc_ev = pv->alloc_ev + (uint64_t)rs(r);
    pv->alloc_ev = o->alloc_ev;
    o->free_ev = rev(r);
    o->gen = (int8_t)rs(r);
    o->gc_state = (int8_t)rs(r);
    o->flags = (uint16_t)rv(r);
    int rc = load_refs(r, &o->out, &o->n_out, &o->cap_out, o->id);
    if (rc == 0)
        rc = load_refs(r, &o->in, &o->n_in, &o->cap_in, o->id);
    return rc;
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
} freed_ent;

static int
by_free_ev(const void *a, const void *b)
{
    const freed_ent *x = a, *y = b;
    return x->free_ev < y->free_ev ? -1 : x->free_ev > y->free_ev;
}

/* Put the purge FIFO (ids of freed objects) in free order. */
static int
sort_purge_q(gcs_model *m)
{
    size_t n = m->purge_q.n;
    if (n < 2)
        return 0;
    freed_ent *t = malloc(n * sizeof *t);
    if (t == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        t[i] = (freed_ent){m->objs[gcs_model_find(m, m->purge_q.v[i])].free_ev, m->purge_q.v[i]};
    qsort(t, n, sizeof *t, by_free_ev);
    for (size_t i = 0; i < n; i++)
        m->purge_q.v[i] = t[i].id;
    free(t);
    return 0;
}

/* Rebuild the index, young lists and purge FIFO from objs[]. */
static int
rebuild_derived(gcs_model *m)
{
    size_t cap = 1024;
    while ((m->n_objs + 1) * 2 > cap)
        cap *= 2;
    uint64_t *k = calloc(cap, sizeof *k);
    uint32_t *v = calloc(cap, sizeof *v);
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return GCS_ENOMEM;
    }
    free(m->idx_keys);
    free(m->idx_vals);
    m->idx_keys = k;
    m->idx_vals = v;
    m->idx_cap = cap;
    m->idx_n = m->n_objs;
    m->n_alive = 0;
    m->young[0].n = m->young[1].n = m->purge_q.n = 0;
    m->purge_head = 0;
    for (size_t i = 0; i < m->n_objs; i++) {
        m_obj *o = &m->objs[i];
        uint64_t x = o->id;
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdULL;
        x ^= x >> 33;
        size_t j = (size_t)x & (cap - 1);
        while (v[j])
            j = (j + 1) & (cap - 1);
        k[j] = o->id;
        v[j] = (uint32_t)i + 1;
        m_u64vec *dst = NULL;
        if (o->flags & M_ALIVE) {
            m->n_alive++;
            if ((o->flags & M_TRACKED) && (o->gen == 0 || o->gen == 1))
                dst = &m->young[o->gen];
        } else {
            dst = &m->purge_q;
        }
        if (dst) {
            if (dst->n == dst->cap) {
                size_t c = dst->cap ? dst->cap * 2 : 64;
                uint64_t *nv = realloc(dst->v, c * sizeof *nv);
                if (nv == NULL)
                    return GCS_ENOMEM;
                dst->v = nv;
                dst->cap = c;
            }
            dst->v[dst->n++] = o->id;
        }
    }
    return sort_purge_q(m);
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
    if (n > m->cap_objs) {
        m_obj *no = realloc(m->objs, n * sizeof *no);
        if (no == NULL)
            return GCS_ENOMEM;
        m->objs = no;
        m->cap_objs = n;
    }
    snap_prev pv = {0, 0};
    for (uint64_t i = 0; i < n; i++) {
        int rc = load_obj(&r, &m->objs[i], &pv);
        m->n_objs = i + 1;
        if (rc != 0)
            return rc;
    }
    uint64_t nf = rv(&r);
    if (r.bad || nf > len)
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
        f->id = rv(&r);
        f->name = rp(&r);
        uint64_t nv = rv(&r);
        if (r.bad || nv > len)
            return GCS_ECORRUPT;
        if (nv && (f->vars = malloc(nv * sizeof *f->vars)) == NULL)
            return GCS_ENOMEM;
        f->n_vars = f->cap_vars = nv;
        for (uint64_t k = 0; k < nv; k++) {
            f->vars[k].name = rp(&r);
            f->vars[k].obj = rv(&r);
        }
    }
    uint64_t nw = rv(&r);
    if (r.bad || nw > len)
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
        w->wr = rv(&r);
        w->referent = rv(&r);
        w->old_referent = rv(&r);
        w->callback = rv(&r);
        w->cleared = rv(&r) != 0;
        w->cb = (gcs_replay_wr_cb)rv(&r);
    }
    m->n_wrs = nw;
    gcs_replay_gc_now *g = &m->gc;
    g->active = rv(&r) != 0;
    g->gen = (unsigned)rv(&r);
    g->reason = (unsigned)rv(&r);
    g->phase = (int)rs(&r);
    g->begin_event = rv(&r);
    g->pass_no = rv(&r);
    for (int i = 0; i < 3; i++)
        g->counts[i] = rv(&r);
    int rc = load_vec(&r, &m->pass_objs);
    if (rc == 0)
        rc = load_vec(&r, &m->garbage);
    if (rc != 0)
        return rc;
    m->last_marker = rp(&r);
    m->last_marker_ev = rv(&r);
    for (int i = 0; i < 3; i++) {
        m->stats[i].collections = rv(&r);
        m->stats[i].collected = rv(&r);
        m->stats[i].uncollectable = rv(&r);
    }
    m->cfg_seen = rv(&r) != 0;
    m->cfg.enabled = rv(&r) != 0;
    for (int i = 0; i < 3; i++)
        m->cfg.thresholds[i] = (long)rs(&r);
    m->cfg.debug = (unsigned)rv(&r);
    m->cfg.frozen = rv(&r);
    if (r.bad)
        return GCS_ECORRUPT;
    int rc2 = rebuild_derived(m);
    return rc2 ? rc2 : gcs_edges_rebuild(m);
}
