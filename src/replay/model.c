/* src/replay/model.c — the replay model: what each event MEANS for the heap
 * picture. Start at gcs_model_apply(), one switch over gcs_ev_kind with no
 * default (a new event row fails the build here until it is given a meaning).
 * Objects are compact records named by stable handles (store.c); edges are
 * nodes linked into both endpoints' lists (edges.c); freed objects linger for
 * freed_window events so the viewer can fade them out, then are purged in
 * free order. Odd traces (lost events, damaged files) never crash the model:
 * unknown objects become placeholders and impossible removals are ignored. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "model.h"

#define O(m, h) gcs_model_obj((m), (h))

/* Inlined into each applying loop (saves the call and the saved registers
 * per event: about 20 of the ~100 instructions an event costs; the refcount
 * events, most of a trace, cost about 30 in all). */
#if defined(__GNUC__)
#define M_APPLY_INLINE inline __attribute__((always_inline))
#else
#define M_APPLY_INLINE inline
#endif

/* {==== Small vectors ====} */

int
gcs_model_grow(void **p, size_t *cap, size_t need, size_t esz)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    void *n = realloc(*p, c * esz);
    if (n == NULL)
        return GCS_ENOMEM;
    *p = n;
    *cap = c;
    return 0;
}

static int
vec_push(gcs_model *m, m_u64vec *v, uint64_t x)
{
    if (v->n == v->cap && gcs_model_grow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v)) {
        m->oom = 1;
        return GCS_ENOMEM;
    }
    v->v[v->n++] = x;
    return 0;
}

static inline int
vec32_push(gcs_model *m, m_u32vec *v, uint32_t x)
{
    if (v->n == v->cap && gcs_model_grow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v)) {
        m->oom = 1;
        return GCS_ENOMEM;
    }
    v->v[v->n++] = x;
    return 0;
}

static void
vec_remove(m_u64vec *v, uint64_t x)
{
    for (size_t i = v->n; i-- > 0;) {
        if (v->v[i] == x) {
            memmove(v->v + i, v->v + i + 1, (v->n - i - 1) * sizeof *v->v);
            v->n--;
            return;
        }
    }
}

static void
vec32_remove(m_u32vec *v, size_t from, uint32_t x)
{
    for (size_t i = v->n; i-- > from;) {
        if (v->v[i] == x) {
            memmove(v->v + i, v->v + i + 1, (v->n - i - 1) * sizeof *v->v);
            v->n--;
            return;
        }
    }
}

/* {==== Objects ====} */

/* Handle of id (M_NIL if not in the state), its record in *o (NULL). */
static inline uint32_t
find(gcs_model *m, uint64_t id, m_obj **o)
{
    return gcs_model_get_(m, id, o);
}

/* A new alive placeholder for an unknown id (M_NIL on ENOMEM). */
static uint32_t
obj_placeholder(gcs_model *m, uint64_t id)
{
    uint32_t h = gcs_store_insert(m, id);
    if (h != M_NIL) {
        m_obj *o = O(m, h);
        o->flags = M_ALIVE;
        o->type = gcs_str_id(m, "?");
        if (o->type == M_NIL)
            o->type = 0;
        m->n_alive++;
    }
    return h;
}

/* The object with this id, created as an alive placeholder if unknown;
 * M_NIL for id 0 or on ENOMEM. Its record in *o (NULL with M_NIL). Records
 * never move, so *o stays valid while other objects are created. */
static inline uint32_t
obj_get(gcs_model *m, uint64_t id, m_obj **o)
{
    uint32_t h = find(m, id, o);
    if (h != M_NIL || id == 0)
        return h;
    h = obj_placeholder(m, id);
    *o = h != M_NIL ? O(m, h) : NULL;
    return h;
}

/* LABEL: keep a copy of the text (the reader's copy lives for one chunk). */
static void
set_label(gcs_model *m, m_obj *o, const char *text)
{
    uint8_t cls = 0;
    uint32_t lab = text ? gcs_label_new(m, text, strlen(text), &cls) : 0;
    if (text && lab == 0)
        return; /* ENOMEM (m->oom set) */
    gcs_label_free(m, o->label, o->lclass);
    o->label = lab;
    o->lclass = cls;
}

/* {==== Edges (stored by edges.c) ====} */

static void
edge_add(gcs_model *m, uint64_t src, const char *slot, uint64_t dst)
{
    m_obj *so, *dob;
    uint32_t s = obj_get(m, src, &so), d = obj_get(m, dst, &dob);
    if (s == M_NIL || d == M_NIL)
        return;
    if (!(so->flags & M_ALIVE) || !(dob->flags & M_ALIVE))
        return; /* a reference to or from a freed object: a broken trace; not drawn */
    uint32_t sl = gcs_str_id_c(m, slot);
    if (sl != M_NIL)
        gcs_edges_add(m, s, d, sl);
}

static void
edge_del(gcs_model *m, uint64_t src, const char *slot, uint64_t dst)
{
    m_obj *so, *dob;
    uint32_t s = find(m, src, &so), d = find(m, dst, &dob), sl = gcs_str_lookup_c(m, slot);
    if (s != M_NIL && d != M_NIL && sl != M_NIL)
        gcs_edges_del(m, s, sl, d);
}

/* REF_SET with both old and new targets: replace in place when possible. */
static void
edge_set(gcs_model *m, uint64_t src, const char *slot, uint64_t dst, uint64_t old)
{
    if (old && dst) {
        m_obj *dob, *so, *oo;
        uint32_t d = obj_get(m, dst, &dob), s = find(m, src, &so), o = find(m, old, &oo);
        uint32_t sl = gcs_str_lookup_c(m, slot);
        if (d != M_NIL && s != M_NIL && o != M_NIL && sl != M_NIL && (so->flags & M_ALIVE) &&
            (dob->flags & M_ALIVE) && gcs_edges_replace(m, s, sl, o, d))
            return;
    }
    if (old)
        edge_del(m, src, slot, old);
    if (dst && src)
        edge_add(m, src, slot, dst);
}

/* {==== Frames ====} */

static m_frame *
frame_get(gcs_model *m, uint64_t id, int create)
{
    for (size_t i = m->n_frames; i-- > 0;)
        if (m->frames[i].id == id)
            return &m->frames[i];
    if (!create)
        return NULL;
    if (gcs_model_grow((void **)&m->frames, &m->cap_frames, m->n_frames + 1, sizeof *m->frames)) {
        m->oom = 1;
        return NULL;
    }
    m_frame *f = &m->frames[m->n_frames++];
    memset(f, 0, sizeof *f);
    f->id = id;
    f->name = "?";
    return f;
}

static void
frame_pop(gcs_model *m, uint64_t id)
{
    for (size_t i = m->n_frames; i-- > 0;) {
        if (m->frames[i].id == id) {
            free(m->frames[i].vars);
            memmove(m->frames + i, m->frames + i + 1, (m->n_frames - i - 1) * sizeof *m->frames);
            m->n_frames--;
            return;
        }
    }
}

static void
var_set(gcs_model *m, uint64_t frame, const char *name, uint64_t obj)
{
    m_frame *f = frame_get(m, frame, 1);
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n_vars; i++) {
        if (f->vars[i].name == name) {
            f->vars[i].obj = obj;
            return;
        }
    }
    if (gcs_model_grow((void **)&f->vars, &f->cap_vars, f->n_vars + 1, sizeof *f->vars)) {
        m->oom = 1;
        return;
    }
    f->vars[f->n_vars++] = (m_var){name, obj};
}

static void
var_del(gcs_model *m, uint64_t frame, const char *name)
{
    m_frame *f = frame_get(m, frame, 0);
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n_vars; i++) {
        if (f->vars[i].name == name) {
            memmove(f->vars + i, f->vars + i + 1, (f->n_vars - i - 1) * sizeof *f->vars);
            f->n_vars--;
            return;
        }
    }
}

/* {==== Weakrefs ====} */

static gcs_replay_weakref *
wr_find(gcs_model *m, uint64_t wr)
{
    for (size_t i = m->n_wrs; i-- > 0;)
        if (m->wrs[i].wr == wr)
            return &m->wrs[i];
    return NULL;
}

static void
wr_remove(gcs_model *m, uint64_t wr)
{
    for (size_t i = m->n_wrs; i-- > 0;) {
        if (m->wrs[i].wr == wr) {
            memmove(m->wrs + i, m->wrs + i + 1, (m->n_wrs - i - 1) * sizeof *m->wrs);
            m->n_wrs--;
            return;
        }
    }
}

static void
wr_new(gcs_model *m, uint64_t wr, uint64_t referent, uint64_t callback)
{
    m_obj *o;
    if (obj_get(m, wr, &o) == M_NIL)
        return;
    gcs_replay_weakref *w = wr_find(m, wr);
    if (w == NULL) {
        if (gcs_model_grow((void **)&m->wrs, &m->cap_wrs, m->n_wrs + 1, sizeof *m->wrs)) {
            m->oom = 1;
            return;
        }
        w = &m->wrs[m->n_wrs++];
    }
    *w = (gcs_replay_weakref){wr, referent, referent, callback, false, GCS_REPLAY_WRCB_NONE};
}

/* {==== Generations ====} */

static inline void
set_gen(gcs_model *m, uint32_t h, m_obj *o, int gen)
{
    o->gen = (int8_t)gen;
    if (gen == 0 || gen == 1)
        vec32_push(m, &m->young[gen], h);
}

/* In the current pass and not (yet) known reachable: tentatively unreachable,
 * unreachable, held by a legacy finalizer, or resurrected. */
static bool
pass_unreachable(const m_obj *o)
{
    return (o->flags & M_IN_PASS) && o->gc_state >= GCS_GCST_TENTATIVE;
}

/* GC_PROMOTE: the survivors of the collected set (alive tracked objects of
 * generations 0..from, minus what the pass found unreachable) move to `to`.
 * Uses the young lists, so the cost is the number of young objects, not the
 * heap. A stale entry (the object moved, or its slot was reused) is skipped
 * or, at worst, visits an object twice to no effect. */
static void
promote(gcs_model *m, uint64_t from, uint64_t to)
{
    if (to > 2)
        to = 2;
    for (int g = 0; g <= 1 && (uint64_t)g <= from; g++) {
        m_u32vec v = m->young[g];
        m->young[g] = (m_u32vec){NULL, 0, 0};
        for (size_t i = 0; i < v.n; i++) {
            uint32_t h = v.v[i];
            if (h >= m->pool_n)
                continue;
            m_obj *o = O(m, h);
            if (!(o->flags & M_ALIVE) || !(o->flags & M_TRACKED) || o->gen != g)
                continue;
            if (pass_unreachable(o)) {
                o->flags |= M_HELD; /* still in generation g until GC_END */
                vec32_push(m, &m->young[g], h);
            } else {
                set_gen(m, h, o, (int)to);
            }
        }
        if (m->young[g].v == NULL) {
            m->young[g] = v; /* reuse the storage */
            m->young[g].n = 0;
        } else {
            free(v.v);
        }
    }
}

static void
freeze(gcs_model *m, int on)
{
    for (size_t i = 0; i < m->n_objs; i++) {
        m_obj *o = O(m, m->order[i]);
        if ((o->flags & M_PURGED) || !(o->flags & M_ALIVE) || !(o->flags & M_TRACKED))
            continue;
        if (on && o->gen >= 0 && o->gen <= 2)
            o->gen = GCS_REPLAY_GEN_PERMANENT;
        else if (!on && o->gen == GCS_REPLAY_GEN_PERMANENT)
            o->gen = 2;
    }
    if (on) {
        m->young[0].n = m->young[1].n = 0;
    }
}

static uint64_t
count_frozen(const gcs_model *m)
{
    uint64_t n = 0;
    for (size_t i = 0; i < m->n_objs; i++) {
        const m_obj *o = O(m, m->order[i]);
        n += !(o->flags & M_PURGED) && (o->flags & M_ALIVE) && o->gen == GCS_REPLAY_GEN_PERMANENT;
    }
    return n;
}

/* {==== Collector pass ====} */

static uint32_t
pass_obj(gcs_model *m, uint64_t id)
{
    m_obj *o;
    uint32_t h = obj_get(m, id, &o);
    if (h != M_NIL && !(o->flags & M_IN_PASS)) {
        o->flags |= M_IN_PASS;
        vec_push(m, &m->pass_objs, id);
    }
    return h;
}

static void
pass_end(gcs_model *m)
{
    int older = m->gc.gen >= 2 ? 2 : (int)m->gc.gen + 1;
    for (size_t i = 0; i < m->pass_objs.n; i++) {
        m_obj *o;
        uint32_t h = find(m, m->pass_objs.v[i], &o);
        if (h == M_NIL)
            continue;
        if ((o->flags & M_HELD) && (o->flags & M_ALIVE) && (o->flags & M_TRACKED))
            set_gen(m, h, o, older); /* survived its pass after all */
        o->flags &= (uint16_t) ~(M_IN_PASS | M_HELD);
        gcs_obj_put_i32(m, h, &o->gc_refs, W_GC_REFS, 0);
        o->gc_state = -1;
    }
    m->pass_objs.n = 0;
    m->gc.active = false;
}

/* {==== Lifetime ====} */

static void
obj_alloc(gcs_model *m, const gcs_event *ev)
{
    const gcs_ev_alloc *a = &ev->u.alloc;
    if (a->obj == 0)
        return;
    uint32_t type = gcs_str_id_c(m, a->type ? a->type : "?");
    uint32_t site = gcs_str_id_c(m, ev->site);
    if (type == M_NIL || site == M_NIL)
        return;
    bool made = false;
    const m_fcache *c = &m->fc[a->obj & (M_FCACHE - 1)];
    uint32_t h = c->id == a->obj ? c->h : gcs_store_get_or_insert(m, a->obj, &made);
    if (h == M_NIL)
        return; /* ENOMEM */
    m_obj *o = O(m, h);
    if (made) {
        m->n_alive++;
    } else { /* id seen before (placeholder, or a trace that reuses ids) */
        gcs_edges_drop_all(m, h);
        if (!(o->flags & M_ALIVE))
            m->n_alive++;
        if (o->flags & M_IN_PASS)
            vec_remove(&m->pass_objs, o->id);
        if (o->flags & M_GARBAGE)
            vec_remove(&m->garbage, o->id);
        if (o->free_ev != M_NONE_U32) {
            vec32_remove(&m->purge_q, m->purge_head, h);
            m->purge_at = 0; /* the head may have changed */
        }
        gcs_label_free(m, o->label, o->lclass);
        o->label = 0;
        o->lclass = 0;
    }
    o->type = type;
    o->site = site;
    o->gen = GCS_REPLAY_GEN_UNTRACKED;
    o->flags = M_ALIVE;
    o->gc_state = -1;
    if (a->kind < M_WIDE_KIND && o->kind != M_WIDE_KIND)
        o->kind = (uint8_t)a->kind;
    else
        gcs_obj_set_u(m, h, W_KIND, a->kind);
    gcs_obj_put_u32(m, h, &o->size, W_SIZE, a->size);
    gcs_obj_put_i32(m, h, &o->refcnt, W_REFCNT, 1);
    gcs_obj_put_u32(m, h, &o->alloc_ev, W_ALLOC_EV, m->pos);
    if (o->free_ev != M_WIDE_U32)
        o->free_ev = M_NONE_U32;
    else
        gcs_obj_set_u(m, h, W_FREE_EV, UINT64_MAX);
    gcs_obj_put_i32(m, h, &o->gc_refs, W_GC_REFS, 0);
}

static void
obj_free(gcs_model *m, uint64_t id)
{
    m_obj *o;
    uint32_t h = find(m, id, &o);
    if (h == M_NIL || !(o->flags & M_ALIVE))
        return;
    if (o->n_out | o->n_in)
        gcs_edges_drop_all(m, h);
    o->flags &= (uint16_t) ~(M_ALIVE | M_TRACKED);
    gcs_obj_put_i32(m, h, &o->refcnt, W_REFCNT, 0);
    gcs_obj_put_u32(m, h, &o->free_ev, W_FREE_EV, m->pos);
    m->n_alive--;
    if (o->flags & M_GARBAGE) {
        o->flags &= (uint16_t)~M_GARBAGE;
        vec_remove(&m->garbage, id);
    }
    if (m->purge_head == m->purge_q.n)
        m->purge_at = 0; /* the queue was empty: purge() sets its next turn */
    vec32_push(m, &m->purge_q, h);
}

/* Forget objects freed more than freed_window events ago. */
static void
purge(gcs_model *m)
{
    while (m->purge_head < m->purge_q.n) {
        uint32_t h = m->purge_q.v[m->purge_head];
        m_obj *o = O(m, h);
        uint64_t fe = o->free_ev < M_WIDE_U32 ? o->free_ev : gcs_obj_u(m, h, W_FREE_EV);
        if (fe != UINT64_MAX && fe + m->freed_window >= m->pos) {
            m->purge_at = fe + m->freed_window + 1; /* the head's turn */
            break;
        }
        if ((o->flags & M_IN_PASS) && !(o->flags & M_ALIVE)) {
            m->purge_at = 0;
            break; /* freed during the pass in progress: kept until the pass ends */
        }
        m->purge_head++;
        if (o->flags & (M_ALIVE | M_PURGED))
            continue;
        if (m->n_wrs)
            wr_remove(m, o->id);
        gcs_store_purge(m, h);
    }
    if (m->purge_head == m->purge_q.n)
        m->purge_at = UINT64_MAX; /* nothing queued: obj_free sets it again */
    if (m->purge_head > 1024 && m->purge_head * 2 > m->purge_q.n) {
        memmove(m->purge_q.v, m->purge_q.v + m->purge_head,
                (m->purge_q.n - m->purge_head) * sizeof *m->purge_q.v);
        m->purge_q.n -= m->purge_head;
        m->purge_head = 0;
    }
    /* Holes only appear here. Amortised O(1) per purge: at most 1/16 of the
     * objects are holes (memory), and at least M_COMPACT_MIN are collected
     * before a pass over order[] (a small state would otherwise be rescanned
     * every 1/16 of its size). */
    if (m->n_holes > M_COMPACT_MIN && m->n_holes * 16 > m->n_objs)
        gcs_model_compact(m);
}

/* {==== Apply ====} */

static M_APPLY_INLINE void
set_refcnt(gcs_model *m, uint64_t id, int64_t rc)
{
    m_obj *o;
    uint32_t h = obj_get(m, id, &o);
    if (h == M_NIL)
        return;
    gcs_obj_put_i32(m, h, &o->refcnt, W_REFCNT, rc);
}

static void
set_flag(gcs_model *m, uint64_t id, uint16_t flag)
{
    m_obj *o;
    if (obj_get(m, id, &o) != M_NIL)
        o->flags |= flag;
}

static void
apply_gc(gcs_model *m, const gcs_event *ev)
{
    uint32_t h;
    m_obj *o;
    switch (ev->kind) {
    case GCS_EV_GC_BEGIN:
        if (m->gc.active)
            pass_end(m);
        m->gc = (gcs_replay_gc_now){
            true,
            (unsigned)ev->u.gc_begin.gen,
            (unsigned)ev->u.gc_begin.reason,
            -1,
            m->pos,
            m->passes_begun++,
            {ev->u.gc_begin.count0, ev->u.gc_begin.count1, ev->u.gc_begin.count2}};
        break;
    case GCS_EV_GC_PHASE:
        m->gc.phase = (int)ev->u.gc_phase.phase;
        break;
    case GCS_EV_GC_REFS:
        if ((h = pass_obj(m, ev->u.gc_refs.obj)) != M_NIL)
            gcs_obj_set_i(m, h, W_GC_REFS, ev->u.gc_refs.refs);
        break;
    case GCS_EV_GC_STATE:
        if ((h = pass_obj(m, ev->u.gc_state.obj)) != M_NIL)
            O(m, h)->gc_state = (int8_t)ev->u.gc_state.state;
        break;
    case GCS_EV_GC_PROMOTE:
        promote(m, ev->u.gc_promote.from, ev->u.gc_promote.to);
        break;
    case GCS_EV_GC_GARBAGE:
        if ((h = obj_get(m, ev->u.gc_garbage.obj, &o)) != M_NIL && !(o->flags & M_GARBAGE)) {
            o->flags |= M_GARBAGE;
            vec_push(m, &m->garbage, ev->u.gc_garbage.obj);
        }
        break;
    case GCS_EV_GC_END: {
        unsigned g = ev->u.gc_end.gen <= 2 ? (unsigned)ev->u.gc_end.gen : 2;
        m->stats[g].collections++;
        m->stats[g].collected += ev->u.gc_end.collected;
        m->stats[g].uncollectable += ev->u.gc_end.uncollectable;
        pass_end(m);
        break;
    }
    case GCS_EV_GC_CONFIG:
        m->cfg_seen = true;
        m->cfg.enabled = ev->u.gc_config.enabled != 0;
        m->cfg.thresholds[0] = (long)ev->u.gc_config.threshold0;
        m->cfg.thresholds[1] = (long)ev->u.gc_config.threshold1;
        m->cfg.thresholds[2] = (long)ev->u.gc_config.threshold2;
        m->cfg.debug = (unsigned)ev->u.gc_config.debug;
        break;
    case GCS_EV_FREEZE:
        freeze(m, 1);
        m->cfg.frozen = count_frozen(m);
        break;
    case GCS_EV_UNFREEZE:
        freeze(m, 0);
        m->cfg.frozen = 0;
        break;
    case GCS_EV_ALLOC:
    case GCS_EV_FREE:
    case GCS_EV_INCREF:
    case GCS_EV_DECREF:
    case GCS_EV_LABEL:
    case GCS_EV_REF_SET:
    case GCS_EV_REF_DEL:
    case GCS_EV_TRACK:
    case GCS_EV_UNTRACK:
    case GCS_EV_FRAME_PUSH:
    case GCS_EV_FRAME_POP:
    case GCS_EV_VAR_SET:
    case GCS_EV_VAR_DEL:
    case GCS_EV_WEAKREF_NEW:
    case GCS_EV_WEAKREF_CLEAR:
    case GCS_EV_WEAKREF_CALLBACK:
    case GCS_EV_FINALIZE:
    case GCS_EV_RESURRECT:
    case GCS_EV_INTERNAL:
    case GCS_EV_MARKER:
    case GCS_EV_ERROR:
    case GCS_EV_HEAP_END:
    case GCS_EV__COUNT:
        break; /* not collector events (gcs_model_apply) */
    }
}

static M_APPLY_INLINE int
apply1(gcs_model *m, const gcs_event *ev)
{
    uint32_t h;
    m_obj *o;
    switch (ev->kind) {
    case GCS_EV_ALLOC:
        obj_alloc(m, ev);
        break;
    case GCS_EV_FREE:
        obj_free(m, ev->u.free.obj);
        break;
    case GCS_EV_INCREF:
        set_refcnt(m, ev->u.incref.obj, ev->u.incref.refcnt);
        break;
    case GCS_EV_DECREF:
        set_refcnt(m, ev->u.decref.obj, ev->u.decref.refcnt);
        break;
    case GCS_EV_LABEL:
        if (obj_get(m, ev->u.label.obj, &o) != M_NIL)
            set_label(m, o, ev->u.label.text);
        break;
    case GCS_EV_REF_SET:
        edge_set(m, ev->u.ref_set.src, ev->u.ref_set.slot, ev->u.ref_set.dst, ev->u.ref_set.old);
        break;
    case GCS_EV_REF_DEL:
        edge_del(m, ev->u.ref_del.src, ev->u.ref_del.slot, ev->u.ref_del.old);
        break;
    case GCS_EV_TRACK:
        if ((h = obj_get(m, ev->u.track.obj, &o)) != M_NIL && (o->flags & M_ALIVE)) {
            o->flags |= M_TRACKED;
            set_gen(m, h, o, 0);
        }
        break;
    case GCS_EV_UNTRACK:
        if (find(m, ev->u.untrack.obj, &o) != M_NIL) {
            o->flags &= (uint16_t)~M_TRACKED;
            o->gen = GCS_REPLAY_GEN_UNTRACKED;
        }
        break;
    case GCS_EV_FRAME_PUSH: {
        m_frame *f = frame_get(m, ev->u.frame_push.frame, 1);
        if (f)
            f->name = ev->u.frame_push.name ? ev->u.frame_push.name : "?";
        break;
    }
    case GCS_EV_FRAME_POP:
        frame_pop(m, ev->u.frame_pop.frame);
        break;
    case GCS_EV_VAR_SET:
        var_set(m, ev->u.var_set.frame, ev->u.var_set.name, ev->u.var_set.obj);
        break;
    case GCS_EV_VAR_DEL:
        var_del(m, ev->u.var_del.frame, ev->u.var_del.name);
        break;
    case GCS_EV_WEAKREF_NEW:
        wr_new(m, ev->u.weakref_new.wr, ev->u.weakref_new.referent, ev->u.weakref_new.callback);
        break;
    case GCS_EV_WEAKREF_CLEAR: {
        gcs_replay_weakref *w = wr_find(m, ev->u.weakref_clear.wr);
        if (w) {
            w->cleared = true;
            w->referent = 0;
            w->cb = w->callback ? GCS_REPLAY_WRCB_PENDING : GCS_REPLAY_WRCB_NONE;
        }
        break;
    }
    case GCS_EV_WEAKREF_CALLBACK: {
        gcs_replay_weakref *w = wr_find(m, ev->u.weakref_callback.wr);
        if (w)
            w->cb = GCS_REPLAY_WRCB_RUN;
        break;
    }
    case GCS_EV_FINALIZE:
        set_flag(m, ev->u.finalize.obj, M_FINALIZED);
        break;
    case GCS_EV_RESURRECT:
        set_flag(m, ev->u.resurrect.obj, M_RESURRECTED);
        break;
    case GCS_EV_INTERNAL:
        set_flag(m, ev->u.internal.obj, M_INTERNAL);
        break;
    case GCS_EV_GC_BEGIN:
    case GCS_EV_GC_PHASE:
    case GCS_EV_GC_REFS:
    case GCS_EV_GC_STATE:
    case GCS_EV_GC_PROMOTE:
    case GCS_EV_GC_GARBAGE:
    case GCS_EV_GC_END:
    case GCS_EV_GC_CONFIG:
    case GCS_EV_FREEZE:
    case GCS_EV_UNFREEZE:
        apply_gc(m, ev);
        break;
    case GCS_EV_MARKER:
        m->last_marker = ev->u.marker.text ? ev->u.marker.text : "";
        m->last_marker_ev = m->pos;
        break;
    case GCS_EV_ERROR:
    case GCS_EV_HEAP_END:
        break; /* timeline only (replay.c) */
    case GCS_EV__COUNT:
        break;
    }
    if (++m->pos >= m->purge_at) /* UINT64_MAX while nothing is queued */
        purge(m);
    return m->oom ? GCS_ENOMEM : 0;
}

int
gcs_model_apply(gcs_model *m, const gcs_event *ev)
{
    return apply1(m, ev);
}

/* m->oom is sticky, so it is tested once per run rather than per event (on
 * ENOMEM the rest of the run is applied to a state already incomplete). */
size_t
gcs_model_apply_until(gcs_model *m, const gcs_event *ev, size_t n, uint64_t stop_kinds)
{
    for (size_t i = 0; i < n; i++) {
        unsigned k = (unsigned)ev[i].kind; /* kinds past bit 63 stop any non-empty mask */
        if (k < 64 ? (stop_kinds >> k) & 1 : stop_kinds != 0)
            return m->oom ? SIZE_MAX : i;
        (void)apply1(m, &ev[i]);
    }
    return m->oom ? SIZE_MAX : n;
}

int
gcs_model_apply_n(gcs_model *m, const gcs_event *ev, size_t n)
{
    return gcs_model_apply_until(m, ev, n, 0) == n ? 0 : GCS_ENOMEM;
}

/* {==== Init / clear ====} */

void
gcs_model_init(gcs_model *m, uint64_t freed_window, const long thresholds[3], bool enabled,
               unsigned debug)
{
    memset(m, 0, sizeof *m);
    m->freed_window = freed_window;
    m->gc.phase = -1;
    m->free_h = m->efree = M_NIL;
    gcs_model_cache_reset(m);
    (void)thresholds; /* the header's config applies until a GC_CONFIG (replay.c) */
    (void)enabled;
    (void)debug;
}

void
gcs_model_clear(gcs_model *m)
{
    for (size_t i = 0; i < m->n_frames; i++)
        free(m->frames[i].vars);
    gcs_store_clear(m);
    gcs_edges_clear(m);
    m->n_frames = m->n_wrs = 0;
    m->pass_objs.n = m->garbage.n = m->young[0].n = m->young[1].n = m->purge_q.n = 0;
    m->purge_head = 0;
    m->purge_at = 0;
    m->pos = 0;
    m->passes_begun = 0;
    memset(&m->gc, 0, sizeof m->gc);
    m->gc.phase = -1;
    m->last_marker = NULL;
    m->last_marker_ev = 0;
    memset(m->stats, 0, sizeof m->stats);
    m->cfg_seen = false;
    memset(&m->cfg, 0, sizeof m->cfg);
    m->oom = 0;
}

void
gcs_model_fini(gcs_model *m)
{
    gcs_model_clear(m);
    gcs_store_fini(m);
    gcs_edges_fini(m);
    free(m->frames);
    free(m->wrs);
    free(m->pass_objs.v);
    free(m->garbage.v);
    free(m->young[0].v);
    free(m->young[1].v);
    free(m->purge_q.v);
    memset(m, 0, sizeof *m);
}

size_t
gcs_model_bytes(const gcs_model *m)
{
    size_t b = m->n_blocks * (M_BLOCK * sizeof(m_obj) + M_BLOCK / 8) + m->cap_order * 4 +
               m->idx_cap * 4 + m->w_cap * 16 + m->n_eblocks * M_BLOCK * sizeof(m_edge) +
               m->eh_cap * 4 + (size_t)m->str.cap * sizeof(void *) + m->str.hcap * 4 +
               m->lab.cap * 8;
    b += m->cap_frames * sizeof(m_frame) + m->cap_wrs * sizeof(gcs_replay_weakref);
    for (size_t i = 0; i < m->n_frames; i++)
        b += m->frames[i].cap_vars * sizeof(m_var);
    b += (m->pass_objs.cap + m->garbage.cap) * 8 +
         (m->young[0].cap + m->young[1].cap + m->purge_q.cap) * 4;
    return b;
}

/* {==== Check ====} */

static int
check_wide(const gcs_model *m, size_t n_wide, char *why, size_t n)
{
    if (n_wide != m->w_n) {
        snprintf(why, n, "%zu wide fields, %zu wide entries", n_wide, m->w_n);
        return GCS_ECORRUPT;
    }
    return 0;
}

static size_t
count_wide(const m_obj *o)
{
    return (o->alloc_ev == M_WIDE_U32) + (o->free_ev == M_WIDE_U32) + (o->size == M_WIDE_U32) +
           (o->refcnt == M_WIDE_I32) + (o->gc_refs == M_WIDE_I32) + (o->kind == M_WIDE_KIND);
}

static int
check_obj(const gcs_model *m, size_t i, char *why, size_t n)
{
    uint32_t h = m->order[i];
    const m_obj *o = O(m, h);
    if (gcs_model_find(m, o->id) != h) {
        snprintf(why, n, "index misses object %" PRIu64, o->id);
        return GCS_ECORRUPT;
    }
    if (o->label && (o->label >= m->lab.n || memchr(m->lab.b + (size_t)o->label * 8, 0,
                                                    (m->lab.n - o->label) * 8) == NULL)) {
        snprintf(why, n, "object %" PRIu64 ": label outside the arena", o->id);
        return GCS_ECORRUPT;
    }
    if (o->lclass != (o->label ? gcs_label_class_of(strlen(gcs_label_text(m, o->label))) : 0)) {
        snprintf(why, n, "object %" PRIu64 ": label size class %u is wrong", o->id, o->lclass);
        return GCS_ECORRUPT;
    }
    if (o->type >= m->str.n || o->site >= m->str.n) {
        snprintf(why, n, "object %" PRIu64 ": bad string id", o->id);
        return GCS_ECORRUPT;
    }
    if (!(o->flags & M_ALIVE) && (o->n_out || o->n_in)) {
        snprintf(why, n, "freed object %" PRIu64 " has edges", o->id);
        return GCS_ECORRUPT;
    }
    return gcs_edges_check(m, h, why, n);
}

int
gcs_model_check(const gcs_model *m, char *why, size_t n)
{
    size_t alive = 0, live_out = 0, live_in = 0, n_wide = 0, holes = 0;
    uint64_t prev = 0, prev_live = 0; /* holes may repeat a live id next to it */
    for (size_t i = 0; i < m->n_objs; i++) {
        const m_obj *o = O(m, m->order[i]);
        if (m->order[i] >= m->pool_n || o->id == 0) {
            snprintf(why, n, "order[%zu] names a free slot", i);
            return GCS_ECORRUPT;
        }
        if (o->id < prev || (o->id == prev_live && !(o->flags & M_PURGED))) {
            snprintf(why, n, "objects not sorted at %zu", i);
            return GCS_ECORRUPT;
        }
        prev = o->id;
        if (!(o->flags & M_PURGED))
            prev_live = o->id;
        if (o->flags & M_PURGED) {
            holes++;
            if (gcs_model_find(m, o->id) == m->order[i]) {
                snprintf(why, n, "purged object %" PRIu64 " still indexed", o->id);
                return GCS_ECORRUPT;
            }
            continue;
        }
        int rc = check_obj(m, i, why, n);
        if (rc != 0)
            return rc;
        alive += (o->flags & M_ALIVE) != 0;
        live_out += o->n_out;
        live_in += o->n_in;
        n_wide += count_wide(o);
    }
    if (holes != m->n_holes || m->idx_n != m->n_objs - m->n_holes) {
        snprintf(why, n, "%zu holes (counted %zu), %zu indexed of %zu", m->n_holes, holes, m->idx_n,
                 m->n_objs);
        return GCS_ECORRUPT;
    }
    if (live_out != m->eh_n || live_in != m->eh_n) {
        snprintf(why, n, "%zu out-edges, %zu in-edges, %zu in the hash", live_out, live_in,
                 m->eh_n);
        return GCS_ECORRUPT;
    }
    if (alive != m->n_alive) {
        snprintf(why, n, "n_alive %zu, counted %zu", m->n_alive, alive);
        return GCS_ECORRUPT;
    }
    return check_wide(m, n_wide, why, n);
}
