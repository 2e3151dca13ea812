/* src/replay/model.c — the replay model: what each event MEANS for the heap
 * picture. Start at gcs_model_apply(), one switch over gcs_ev_kind with no
 * default (a new event row fails the build here until it is given a meaning).
 * Objects live in objs[] sorted by id with a hash index; edges are kept twice
 * (out on the source, in on the target); freed objects linger for
 * freed_window events so the viewer can fade them out, then are purged in
 * free order. Odd traces (lost events, damaged files) never crash the model:
 * unknown objects become placeholders and impossible removals are ignored. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "model.h"

/* {==== Small vectors ====} */

static int
grow(void **p, size_t *cap, size_t need, size_t esz)
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
    if (grow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v)) {
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

/* {==== Object index ====} */

static size_t
hash_id(uint64_t id)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdULL;
    id ^= id >> 33;
    return (size_t)id;
}

static int
idx_rebuild(gcs_model *m, size_t cap)
{
    memset(m->fc, 0, sizeof m->fc); /* objs[] indices may have moved (even if this fails) */
    uint64_t *k = calloc(cap, sizeof *k);
    uint32_t *v = calloc(cap, sizeof *v);
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        m->oom = 1;
        return GCS_ENOMEM;
    }
    free(m->idx_keys);
    free(m->idx_vals);
    m->idx_keys = k;
    m->idx_vals = v;
    m->idx_cap = cap;
    m->idx_n = 0;
    for (size_t i = 0; i < m->n_objs; i++) {
        if (m->objs[i].purged)
            continue;
        size_t j = hash_id(m->objs[i].id) & (cap - 1);
        while (v[j])
            j = (j + 1) & (cap - 1);
        k[j] = m->objs[i].id;
        v[j] = (uint32_t)i + 1;
        m->idx_n++;
    }
    return 0;
}

long
gcs_model_find(const gcs_model *m, uint64_t id)
{
    if (m->idx_cap == 0 || id == 0) /* 0 is "no object" (and the purge tombstone key) */
        return -1;
    size_t mask = m->idx_cap - 1;
    for (size_t j = hash_id(id) & mask; m->idx_vals[j]; j = (j + 1) & mask)
        if (m->idx_keys[j] == id)
            return (long)m->idx_vals[j] - 1;
    return -1;
}

static inline m_obj *
find(gcs_model *m, uint64_t id)
{
    m_fcache *c = &m->fc[id & (M_FCACHE - 1)];
    if (c->id == id && id != 0)
        return &m->objs[c->i];
    long i = gcs_model_find(m, id);
    if (i < 0)
        return NULL;
    c->id = id;
    c->i = (uint32_t)i;
    return &m->objs[i];
}

m_obj *
gcs_model_get_(gcs_model *m, uint64_t id)
{
    return find(m, id);
}

static void
obj_free_edges_mem(m_obj *o)
{
    free(o->out);
    free(o->in);
    o->out = o->in = NULL;
    o->n_out = o->cap_out = o->n_in = o->cap_in = o->dead_out = o->dead_in = 0;
}

/* Insert a new object with this id (keeping objs[] sorted); NULL on ENOMEM. */
static m_obj *
obj_insert(gcs_model *m, uint64_t id)
{
    if (grow((void **)&m->objs, &m->cap_objs, m->n_objs + 1, sizeof *m->objs)) {
        m->oom = 1;
        return NULL;
    }
    /* grow() guarantees room for one more, so objs[0..n_objs) is allocated */
    assert(m->objs != NULL && m->n_objs < m->cap_objs);
    size_t at = m->n_objs;
    int shifted = 0;
    /* objs[at - 1] is live (at <= n_objs); the analyzer thinks realloc loses it */
    /* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
    if (at > 0 && m->objs[at - 1].id > id) { /* out of order (placeholders): rare */
        size_t lo = 0, hi = m->n_objs;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (m->objs[mid].id < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        at = lo;
        memmove(m->objs + at + 1, m->objs + at, (m->n_objs - at) * sizeof *m->objs);
        shifted = 1;
    }
    m->n_objs++;
    m_obj *o = &m->objs[at];
    memset(o, 0, sizeof *o);
    o->id = id;
    o->type = "?";
    o->gen = GCS_REPLAY_GEN_UNTRACKED;
    o->gc_state = -1;
    o->alloc_ev = UINT64_MAX;
    o->free_ev = UINT64_MAX;
    if (shifted || (m->idx_n + 1) * 2 > m->idx_cap) { /* idx_n counts tombstones too */
        size_t cap = 1024;
        while ((m->n_objs - m->n_holes + 1) * 4 > cap)
            cap *= 2;
        if (idx_rebuild(m, cap) != 0)
            return NULL;
        return &m->objs[at];
    }
    size_t mask = m->idx_cap - 1, j = hash_id(id) & mask;
    while (m->idx_vals[j])
        j = (j + 1) & mask;
    m->idx_keys[j] = id;
    m->idx_vals[j] = (uint32_t)at + 1;
    m->idx_n++;
    return o;
}

/* The object with this id, created as an alive placeholder if unknown. */
static m_obj *
obj_get(gcs_model *m, uint64_t id)
{
    if (id == 0)
        return NULL;
    m_obj *o = find(m, id);
    if (o)
        return o;
    o = obj_insert(m, id);
    if (o) {
        o->flags = M_ALIVE;
        m->n_alive++;
    }
    return o;
}

/* LABEL: keep a copy of the text (the reader's copy lives for one chunk). */
static void
set_label(gcs_model *m, m_obj *o, const char *text)
{
    char *c = NULL;
    if (text != NULL) {
        size_t n = strlen(text);
        if ((c = malloc(n + 1)) == NULL) {
            m->oom = 1;
            return;
        }
        memcpy(c, text, n + 1);
    }
    free(o->label);
    o->label = c;
}

/* {==== Edges (stored by edges.c) ====} */

static void
edge_add(gcs_model *m, uint64_t src, const char *slot, uint64_t dst)
{
    if (obj_get(m, src) == NULL || obj_get(m, dst) == NULL)
        return;
    m_obj *s = find(m, src); /* obj_get(dst) may have moved objs[] */
    m_obj *d = find(m, dst);
    if (!(s->flags & M_ALIVE) || !(d->flags & M_ALIVE))
        return; /* a reference to or from a freed object: a broken trace; not drawn */
    gcs_edges_add(m, s, d, slot);
}

/* REF_SET with both old and new targets: replace in place when possible. */
static void
edge_set(gcs_model *m, uint64_t src, const char *slot, uint64_t dst, uint64_t old)
{
    if (old && dst && obj_get(m, dst) != NULL) {
        m_obj *s = find(m, src), *o = find(m, old), *d = find(m, dst);
        if (s && o && (s->flags & M_ALIVE) && (d->flags & M_ALIVE) &&
            gcs_edges_replace(m, s, slot, o, d))
            return;
    }
    if (old)
        gcs_edges_del(m, src, slot, old);
    if (dst && src)
        edge_add(m, src, slot, dst);
}

static void
edges_drop_all(gcs_model *m, m_obj *o)
{
    gcs_edges_drop_all(m, o);
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
    if (grow((void **)&m->frames, &m->cap_frames, m->n_frames + 1, sizeof *m->frames)) {
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
    if (grow((void **)&f->vars, &f->cap_vars, f->n_vars + 1, sizeof *f->vars)) {
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
    if (obj_get(m, wr) == NULL)
        return;
    gcs_replay_weakref *w = wr_find(m, wr);
    if (w == NULL) {
        if (grow((void **)&m->wrs, &m->cap_wrs, m->n_wrs + 1, sizeof *m->wrs)) {
            m->oom = 1;
            return;
        }
        w = &m->wrs[m->n_wrs++];
    }
    *w = (gcs_replay_weakref){wr, referent, referent, callback, false, GCS_REPLAY_WRCB_NONE};
}

/* {==== Generations ====} */

static void
set_gen(gcs_model *m, m_obj *o, int gen)
{
    o->gen = (int8_t)gen;
    if (gen == 0 || gen == 1)
        vec_push(m, &m->young[gen], o->id);
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
 * heap. */
static void
promote(gcs_model *m, uint64_t from, uint64_t to)
{
    if (to > 2)
        to = 2;
    for (int g = 0; g <= 1 && (uint64_t)g <= from; g++) {
        m_u64vec v = m->young[g];
        m->young[g] = (m_u64vec){NULL, 0, 0};
        for (size_t i = 0; i < v.n; i++) {
            m_obj *o = find(m, v.v[i]);
            if (!o || !(o->flags & M_ALIVE) || !(o->flags & M_TRACKED) || o->gen != g)
                continue;
            if (pass_unreachable(o)) {
                o->flags |= M_HELD; /* still in generation g until GC_END */
                vec_push(m, &m->young[g], o->id);
            } else {
                set_gen(m, o, (int)to);
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
        m_obj *o = &m->objs[i];
        if (o->purged || !(o->flags & M_ALIVE) || !(o->flags & M_TRACKED))
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
    for (size_t i = 0; i < m->n_objs; i++)
        n += !m->objs[i].purged && (m->objs[i].flags & M_ALIVE) &&
             m->objs[i].gen == GCS_REPLAY_GEN_PERMANENT;
    return n;
}

/* {==== Collector pass ====} */

static m_obj *
pass_obj(gcs_model *m, uint64_t id)
{
    m_obj *o = obj_get(m, id);
    if (o && !(o->flags & M_IN_PASS)) {
        o->flags |= M_IN_PASS;
        vec_push(m, &m->pass_objs, id);
    }
    return o;
}

static void
pass_end(gcs_model *m)
{
    int older = m->gc.gen >= 2 ? 2 : (int)m->gc.gen + 1;
    for (size_t i = 0; i < m->pass_objs.n; i++) {
        m_obj *o = find(m, m->pass_objs.v[i]);
        if (o) {
            if ((o->flags & M_HELD) && (o->flags & M_ALIVE) && (o->flags & M_TRACKED))
                set_gen(m, o, older); /* survived its pass after all */
            o->flags &= (uint16_t)~(M_IN_PASS | M_HELD);
            o->gc_refs = 0;
            o->gc_state = -1;
        }
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
    m_obj *o = find(m, a->obj);
    if (o) { /* id seen before (placeholder, or a trace that reuses ids) */
        edges_drop_all(m, o);
        if (!(o->flags & M_ALIVE))
            m->n_alive++;
        if (o->flags & M_IN_PASS)
            vec_remove(&m->pass_objs, o->id);
        if (o->flags & M_GARBAGE)
            vec_remove(&m->garbage, o->id);
        if (o->free_ev != UINT64_MAX) {
            vec_remove(&m->purge_q, o->id);
            m->purge_at = 0; /* the head may have changed */
        }
    } else if ((o = obj_insert(m, a->obj)) != NULL) {
        m->n_alive++;
    } else {
        return;
    }
    o->type = a->type ? a->type : "?";
    free(o->label);
    o->label = NULL;
    o->kind = (uint32_t)a->kind;
    o->size = a->size;
    o->refcnt = 1;
    o->gen = GCS_REPLAY_GEN_UNTRACKED;
    o->flags = M_ALIVE;
    o->alloc_ev = m->pos;
    o->alloc_site = ev->site;
    o->free_ev = UINT64_MAX;
    o->gc_refs = 0;
    o->gc_state = -1;
}

static void
obj_free(gcs_model *m, uint64_t id)
{
    m_obj *o = find(m, id);
    if (o == NULL || !(o->flags & M_ALIVE))
        return;
    edges_drop_all(m, o);
    o->flags &= (uint16_t)~(M_ALIVE | M_TRACKED);
    o->refcnt = 0;
    o->free_ev = m->pos;
    m->n_alive--;
    if (o->flags & M_GARBAGE) {
        o->flags &= (uint16_t)~M_GARBAGE;
        vec_remove(&m->garbage, id);
    }
    vec_push(m, &m->purge_q, id);
}

/* Forget objects freed more than freed_window events ago. */
static void
purge(gcs_model *m)
{
    while (m->purge_head < m->purge_q.n) {
        uint64_t id = m->purge_q.v[m->purge_head];
        long i = gcs_model_find(m, id);
        if (i >= 0 && m->objs[i].free_ev != UINT64_MAX &&
            m->objs[i].free_ev + m->freed_window >= m->pos) {
            m->purge_at = m->objs[i].free_ev + m->freed_window + 1; /* the head's turn */
            break;
        }
        if (i >= 0 && (m->objs[i].flags & M_IN_PASS) && !(m->objs[i].flags & M_ALIVE)) {
            m->purge_at = 0;
            break; /* freed during the pass in progress: kept until the pass ends */
        }
        m->purge_head++;
        if (i < 0 || (m->objs[i].flags & M_ALIVE))
            continue;
        m_obj *o = &m->objs[i];
        wr_remove(m, id);
        obj_free_edges_mem(o);
        free(o->label);
        o->label = NULL;
        o->purged = 1;
        m->n_holes++;
        if (m->fc[id & (M_FCACHE - 1)].id == id)
            m->fc[id & (M_FCACHE - 1)].id = 0;
        /* unlink from the index: rebuild lazily in compact; mark key dead now */
        size_t mask = m->idx_cap - 1;
        for (size_t j = hash_id(id) & mask; m->idx_vals[j]; j = (j + 1) & mask) {
            if (m->idx_keys[j] == id && m->idx_vals[j] == (uint32_t)i + 1) {
                m->idx_keys[j] = 0; /* tombstone: key 0 never matches a real id */
                break;
            }
        }
    }
    if (m->purge_head > 1024 && m->purge_head * 2 > m->purge_q.n) {
        memmove(m->purge_q.v, m->purge_q.v + m->purge_head,
                (m->purge_q.n - m->purge_head) * sizeof *m->purge_q.v);
        m->purge_q.n -= m->purge_head;
        m->purge_head = 0;
    }
}

int
gcs_model_compact(gcs_model *m)
{
    gcs_edges_compact_dirty(m);
    if (m->n_holes == 0)
        return 0;
    size_t w = 0;
    for (size_t i = 0; i < m->n_objs; i++)
        if (!m->objs[i].purged)
            m->objs[w++] = m->objs[i];
    m->n_objs = w;
    m->n_holes = 0;
    size_t cap = 1024;
    while ((m->n_objs + 1) * 4 > cap)
        cap *= 2;
    return idx_rebuild(m, cap);
}

/* {==== Apply ====} */

int
gcs_model_apply(gcs_model *m, const gcs_event *ev)
{
    m_obj *o;
    switch (ev->kind) {
    case GCS_EV_ALLOC:
        obj_alloc(m, ev);
        break;
    case GCS_EV_FREE:
        obj_free(m, ev->u.free.obj);
        break;
    case GCS_EV_INCREF:
        if ((o = obj_get(m, ev->u.incref.obj)) != NULL)
            o->refcnt = ev->u.incref.refcnt;
        break;
    case GCS_EV_DECREF:
        if ((o = obj_get(m, ev->u.decref.obj)) != NULL)
            o->refcnt = ev->u.decref.refcnt;
        break;
    case GCS_EV_LABEL:
        if ((o = obj_get(m, ev->u.label.obj)) != NULL)
            set_label(m, o, ev->u.label.text);
        break;
    case GCS_EV_REF_SET:
        edge_set(m, ev->u.ref_set.src, ev->u.ref_set.slot, ev->u.ref_set.dst, ev->u.ref_set.old);
        break;
    case GCS_EV_REF_DEL:
        gcs_edges_del(m, ev->u.ref_del.src, ev->u.ref_del.slot, ev->u.ref_del.old);
        break;
    case GCS_EV_TRACK:
        if ((o = obj_get(m, ev->u.track.obj)) != NULL && (o->flags & M_ALIVE)) {
            o->flags |= M_TRACKED;
            set_gen(m, o, 0);
        }
        break;
    case GCS_EV_UNTRACK:
        if ((o = find(m, ev->u.untrack.obj)) != NULL) {
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
        if ((o = obj_get(m, ev->u.finalize.obj)) != NULL)
            o->flags |= M_FINALIZED;
        break;
    case GCS_EV_RESURRECT:
        if ((o = obj_get(m, ev->u.resurrect.obj)) != NULL)
            o->flags |= M_RESURRECTED;
        break;
    case GCS_EV_INTERNAL:
        if ((o = obj_get(m, ev->u.internal.obj)) != NULL)
            o->flags |= M_INTERNAL;
        break;
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
        if ((o = pass_obj(m, ev->u.gc_refs.obj)) != NULL)
            o->gc_refs = ev->u.gc_refs.refs;
        break;
    case GCS_EV_GC_STATE:
        if ((o = pass_obj(m, ev->u.gc_state.obj)) != NULL)
            o->gc_state = (int8_t)ev->u.gc_state.state;
        break;
    case GCS_EV_GC_PROMOTE:
        promote(m, ev->u.gc_promote.from, ev->u.gc_promote.to);
        break;
    case GCS_EV_GC_GARBAGE:
        if ((o = obj_get(m, ev->u.gc_garbage.obj)) != NULL && !(o->flags & M_GARBAGE)) {
            o->flags |= M_GARBAGE;
            vec_push(m, &m->garbage, o->id);
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
    m->pos++;
    if (m->purge_head < m->purge_q.n && m->pos >= m->purge_at)
        purge(m);
    if (m->n_holes > 4096 && m->n_holes * 4 > m->n_objs)
        gcs_model_compact(m); /* amortised O(1) per purge; holes stay <= 1/4 (memory) */
    return m->oom ? GCS_ENOMEM : 0;
}

/* {==== Init / clear ====} */

void
gcs_model_init(gcs_model *m, uint64_t freed_window, const long thresholds[3], bool enabled,
               unsigned debug)
{
    memset(m, 0, sizeof *m);
    m->freed_window = freed_window;
    m->gc.phase = -1;
    (void)thresholds; /* the header's config applies until a GC_CONFIG (replay.c) */
    (void)enabled;
    (void)debug;
}

void
gcs_model_clear(gcs_model *m)
{
    for (size_t i = 0; i < m->n_objs; i++) {
        obj_free_edges_mem(&m->objs[i]);
        free(m->objs[i].label);
        m->objs[i].label = NULL;
    }
    for (size_t i = 0; i < m->n_frames; i++)
        free(m->frames[i].vars);
    m->n_objs = m->n_holes = m->n_alive = 0;
    memset(m->fc, 0, sizeof m->fc);
    if (m->idx_cap) {
        memset(m->idx_vals, 0, m->idx_cap * sizeof *m->idx_vals);
        m->idx_n = 0;
    }
    m->n_frames = m->n_wrs = 0;
    gcs_edges_clear(m);
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
    free(m->objs);
    free(m->idx_keys);
    free(m->idx_vals);
    free(m->frames);
    free(m->wrs);
    free(m->pass_objs.v);
    free(m->garbage.v);
    free(m->young[0].v);
    free(m->young[1].v);
    free(m->purge_q.v);
    free(m->eh);
    free(m->dirty.v);
    memset(m, 0, sizeof *m);
}

/* {==== Check ====} */

int
gcs_model_check(const gcs_model *m, char *why, size_t n)
{
    size_t alive = 0, live_out = 0, live_in = 0;
    for (size_t i = 0; i < m->n_objs; i++) {
        const m_obj *o = &m->objs[i];
        if (o->purged)
            continue;
        if (i > 0 && !m->objs[i - 1].purged && m->objs[i - 1].id >= o->id) {
            snprintf(why, n, "objs not sorted at %zu", i);
            return GCS_ECORRUPT;
        }
        if (gcs_model_find(m, o->id) != (long)i) {
            snprintf(why, n, "index misses object %" PRIu64, o->id);
            return GCS_ECORRUPT;
        }
        alive += (o->flags & M_ALIVE) != 0;
        if (!(o->flags & M_ALIVE) && (o->n_out > o->dead_out || o->n_in > o->dead_in)) {
            snprintf(why, n, "freed object %" PRIu64 " has edges", o->id);
            return GCS_ECORRUPT;
        }
        if (!gcs_edges_check(m, o)) {
            snprintf(why, n, "edges of %" PRIu64 " disagree with the edge hash", o->id);
            return GCS_ECORRUPT;
        }
        live_out += o->n_out - o->dead_out;
        live_in += o->n_in - o->dead_in;
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
    return 0;
}
