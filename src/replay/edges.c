/* src/replay/edges.c — the model's strong references. Each edge src -slot-> dst
 * is stored three times: in src's out[] array, in dst's in[] array (both in
 * the order the edges were set, which is what the API iterates), and in one
 * hash table keyed by (src, slot, dst) that records both array positions, so
 * that finding, replacing and removing an edge is O(1) even on a list with a
 * million items. Removal leaves a dead entry (other == 0) in the arrays; an
 * object's arrays are compacted when half dead and at every gcs_model_compact
 * (the public API then sees dense arrays). Invariant: every live array entry
 * has exactly one hash entry pointing at it, and vice versa. */
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "model.h"

#define ANY UINT32_MAX

static size_t
ehash(uint64_t src, const char *slot, uint64_t dst)
{
    uint64_t x = src * 0x9E3779B97F4A7C15ULL ^ dst * 0xC2B2AE3D27D4EB4FULL ^
                 (uint64_t)(uintptr_t)slot * 0x165667B19E3779F9ULL;
    x ^= x >> 31;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 29;
    return (size_t)x;
}

/* Position of the entry (src, slot, dst) whose out_i/in_i match (ANY: any),
 * or SIZE_MAX. */
static size_t
e_find(const gcs_model *m, uint64_t src, const char *slot, uint64_t dst, uint32_t out_i,
       uint32_t in_i)
{
    if (m->eh_cap == 0)
        return SIZE_MAX;
    size_t mask = m->eh_cap - 1;
    for (size_t j = ehash(src, slot, dst) & mask; m->eh[j].src; j = (j + 1) & mask) {
        const m_edge *e = &m->eh[j];
        if (e->src == src && e->dst == dst && e->slot == slot &&
            (out_i == ANY || e->out_i == out_i) && (in_i == ANY || e->in_i == in_i))
            return j;
    }
    return SIZE_MAX;
}

static void
e_put(m_edge *tab, size_t cap, m_edge e)
{
    size_t j = ehash(e.src, e.slot, e.dst) & (cap - 1);
    while (tab[j].src)
        j = (j + 1) & (cap - 1);
    tab[j] = e;
}

static int
e_insert(gcs_model *m, m_edge e)
{
    if ((m->eh_n + 1) * 2 > m->eh_cap) {
        size_t cap = m->eh_cap ? m->eh_cap * 2 : 1024;
        m_edge *nt = calloc(cap, sizeof *nt);
        if (nt == NULL) {
            m->oom = 1;
            return GCS_ENOMEM;
        }
        for (size_t i = 0; i < m->eh_cap; i++)
            if (m->eh[i].src)
                e_put(nt, cap, m->eh[i]);
        free(m->eh);
        m->eh = nt;
        m->eh_cap = cap;
    }
    e_put(m->eh, m->eh_cap, e);
    m->eh_n++;
    return 0;
}

/* Remove the entry at pos (linear probing, backward-shift deletion). */
static void
e_delete(gcs_model *m, size_t pos)
{
    size_t mask = m->eh_cap - 1, i = pos, j = pos;
    for (;;) {
        j = (j + 1) & mask;
        if (m->eh[j].src == 0)
            break;
        size_t k = ehash(m->eh[j].src, m->eh[j].slot, m->eh[j].dst) & mask;
        int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        m->eh[i] = m->eh[j];
        i = j;
    }
    memset(&m->eh[i], 0, sizeof m->eh[i]);
    m->eh_n--;
}

static int
ref_push(m_ref **arr, uint32_t *n, uint32_t *cap, uint64_t other, const char *slot)
{
    if (*n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 4;
        m_ref *na = realloc(*arr, c * sizeof *na);
        if (na == NULL)
            return GCS_ENOMEM;
        *arr = na;
        *cap = c;
    }
    (*arr)[(*n)++] = (m_ref){other, slot};
    return 0;
}

static void
mark_dirty(gcs_model *m, m_obj *o)
{
    if (o->flags & M_DIRTY)
        return;
    if (m->dirty.n == m->dirty.cap) {
        size_t c = m->dirty.cap ? m->dirty.cap * 2 : 64;
        uint64_t *nv = realloc(m->dirty.v, c * sizeof *nv);
        if (nv == NULL) {
            m->oom = 1;
            return;
        }
        m->dirty.v = nv;
        m->dirty.cap = c;
    }
    m->dirty.v[m->dirty.n++] = o->id;
    o->flags |= M_DIRTY;
}

/* Give back most of an array that is now mostly empty (a long-lived object
 * that many temporaries pointed at must not keep their slots: issue #8). */
static void
shrink(m_ref **arr, uint32_t n, uint32_t *cap)
{
    if (*cap <= 16 || (uint64_t)n * 4 > *cap)
        return;
    uint32_t c = n * 2 > 4 ? n * 2 : 4;
    m_ref *na = realloc(*arr, c * sizeof *na);
    if (na != NULL) {
        *arr = na;
        *cap = c;
    }
}

/* Squeeze the dead entries out of o's arrays, fixing the hash positions. */
void
gcs_edges_compact_obj(gcs_model *m, m_obj *o)
{
    uint32_t w = 0;
    for (uint32_t k = 0; k < o->n_out; k++) {
        if (o->out[k].other == 0)
            continue;
        if (w != k) {
            size_t pos = e_find(m, o->id, o->out[k].slot, o->out[k].other, k, ANY);
            if (pos != SIZE_MAX)
                m->eh[pos].out_i = w;
            o->out[w] = o->out[k];
        }
        w++;
    }
    o->n_out = w;
    o->dead_out = 0;
    w = 0;
    for (uint32_t k = 0; k < o->n_in; k++) {
        if (o->in[k].other == 0)
            continue;
        if (w != k) {
            size_t pos = e_find(m, o->in[k].other, o->in[k].slot, o->id, ANY, k);
            if (pos != SIZE_MAX)
                m->eh[pos].in_i = w;
            o->in[w] = o->in[k];
        }
        w++;
    }
    o->n_in = w;
    o->dead_in = 0;
    shrink(&o->out, o->n_out, &o->cap_out);
    shrink(&o->in, o->n_in, &o->cap_in);
}

static void
kill_out(gcs_model *m, m_obj *s, uint32_t i)
{
    s->out[i].other = 0;
    s->dead_out++;
    mark_dirty(m, s);
    if (s->dead_out > 8 && s->dead_out * 2 > s->n_out)
        gcs_edges_compact_obj(m, s);
}

static void
kill_in(gcs_model *m, m_obj *d, uint32_t i)
{
    d->in[i].other = 0;
    d->dead_in++;
    mark_dirty(m, d);
    if (d->dead_in > 8 && d->dead_in * 2 > d->n_in)
        gcs_edges_compact_obj(m, d);
}

int
gcs_edges_add(gcs_model *m, m_obj *s, m_obj *d, const char *slot)
{
    if (ref_push(&s->out, &s->n_out, &s->cap_out, d->id, slot) != 0) {
        m->oom = 1;
        return GCS_ENOMEM;
    }
    if (ref_push(&d->in, &d->n_in, &d->cap_in, s->id, slot) != 0) {
        s->n_out--;
        m->oom = 1;
        return GCS_ENOMEM;
    }
    if (e_insert(m, (m_edge){s->id, d->id, slot, s->n_out - 1, d->n_in - 1}) != 0) {
        s->n_out--;
        d->n_in--;
        return GCS_ENOMEM;
    }
    return 0;
}

void
gcs_edges_del(gcs_model *m, uint64_t src, const char *slot, uint64_t dst)
{
    size_t pos = e_find(m, src, slot, dst, ANY, ANY);
    if (pos == SIZE_MAX)
        return;
    m_edge e = m->eh[pos];
    e_delete(m, pos);
    m_obj *so = gcs_model_get_(m, src), *dob = gcs_model_get_(m, dst);
    if (so && e.out_i < so->n_out)
        kill_out(m, so, e.out_i);
    if (dob && e.in_i < dob->n_in)
        kill_in(m, dob, e.in_i);
}

int
gcs_edges_replace(gcs_model *m, m_obj *s, const char *slot, m_obj *old, m_obj *d)
{
    size_t pos = e_find(m, s->id, slot, old->id, ANY, ANY);
    if (pos == SIZE_MAX)
        return 0;
    m_edge e = m->eh[pos];
    if (ref_push(&d->in, &d->n_in, &d->cap_in, s->id, slot) != 0) {
        m->oom = 1;
        return 0;
    }
    e_delete(m, pos);
    s->out[e.out_i].other = d->id; /* same position: the slot keeps its place */
    kill_in(m, old, e.in_i);
    e_insert(m, (m_edge){s->id, d->id, slot, e.out_i, d->n_in - 1});
    return 1;
}

void
gcs_edges_drop_all(gcs_model *m, m_obj *o)
{
    for (uint32_t k = 0; k < o->n_out; k++) {
        m_ref r = o->out[k];
        if (r.other == 0)
            continue;
        size_t pos = e_find(m, o->id, r.slot, r.other, k, ANY);
        if (pos == SIZE_MAX)
            continue;
        m_edge e = m->eh[pos];
        e_delete(m, pos);
        o->out[k].other = 0;
        m_obj *d = gcs_model_get_(m, r.other);
        if (d && e.in_i < d->n_in)
            kill_in(m, d, e.in_i);
    }
    for (uint32_t k = 0; k < o->n_in; k++) {
        m_ref r = o->in[k];
        if (r.other == 0)
            continue;
        size_t pos = e_find(m, r.other, r.slot, o->id, ANY, k);
        if (pos == SIZE_MAX)
            continue;
        m_edge e = m->eh[pos];
        e_delete(m, pos);
        o->in[k].other = 0;
        m_obj *so = gcs_model_get_(m, r.other);
        if (so && e.out_i < so->n_out)
            kill_out(m, so, e.out_i);
    }
    o->n_out = o->n_in = o->dead_out = o->dead_in = 0;
}

void
gcs_edges_compact_dirty(gcs_model *m)
{
    for (size_t i = 0; i < m->dirty.n; i++) {
        long k = gcs_model_find(m, m->dirty.v[i]);
        if (k < 0)
            continue;
        m_obj *o = &m->objs[k];
        if (o->dead_out || o->dead_in)
            gcs_edges_compact_obj(m, o);
        o->flags &= (uint16_t)~M_DIRTY;
    }
    m->dirty.n = 0;
}

void
gcs_edges_clear(gcs_model *m)
{
    if (m->eh_cap)
        memset(m->eh, 0, m->eh_cap * sizeof *m->eh);
    m->eh_n = 0;
    m->dirty.n = 0;
}

int
gcs_edges_rebuild(gcs_model *m)
{
    gcs_edges_clear(m);
    for (size_t i = 0; i < m->n_objs; i++) {
        const m_obj *o = &m->objs[i];
        for (uint32_t k = 0; k < o->n_out; k++)
            if (e_insert(m, (m_edge){o->id, o->out[k].other, o->out[k].slot, k, ANY}) != 0)
                return GCS_ENOMEM;
    }
    for (size_t i = 0; i < m->n_objs; i++) {
        const m_obj *d = &m->objs[i];
        for (uint32_t k = 0; k < d->n_in; k++) {
            size_t pos = e_find(m, d->in[k].other, d->in[k].slot, d->id, ANY, ANY);
            /* the first entry of this key whose in position is still unset */
            size_t mask = m->eh_cap - 1;
            for (size_t j = pos; j != SIZE_MAX && m->eh[j].src; j = (j + 1) & mask) {
                m_edge *e = &m->eh[j];
                if (e->src == d->in[k].other && e->dst == d->id && e->slot == d->in[k].slot &&
                    e->in_i == ANY) {
                    e->in_i = k;
                    break;
                }
            }
        }
    }
    return 0;
}

int
gcs_edges_check(const gcs_model *m, const m_obj *o)
{
    for (uint32_t k = 0; k < o->n_out; k++) {
        if (o->out[k].other == 0)
            continue;
        size_t pos = e_find(m, o->id, o->out[k].slot, o->out[k].other, k, ANY);
        if (pos == SIZE_MAX)
            return 0;
        long d = gcs_model_find(m, o->out[k].other);
        uint32_t j = m->eh[pos].in_i;
        if (d < 0 || j >= m->objs[d].n_in || m->objs[d].in[j].other != o->id ||
            m->objs[d].in[j].slot != o->out[k].slot)
            return 0;
    }
    return 1;
}
