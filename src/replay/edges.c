/* src/replay/edges.c — the model's strong references (issue #8: 28 bytes and
 * a u32 hash slot per edge). Each edge src -slot-> dst is one node in a pool
 * of fixed blocks (free nodes reused), linked into src's out list and dst's
 * in list: circular doubly-linked lists in the order the API iterates (out:
 * the order slots were first set, a replaced reference keeping its place; in:
 * the order references were made). A hash of node handles keyed by (src,
 * slot, dst) finds an edge in O(1), even on a list with a million items.
 * Equal keys (only in odd traces) are all flagged M_EDUP; removing one then
 * takes the first in src's out list, a rule that depends on the state only,
 * so a restored keyframe behaves exactly as the straight replay. Positional
 * access (gcs_edges_at) walks from the nearest of the list ends and a few
 * remembered cursors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "model.h"

#define E(m, e) gcs_model_edge((m), (e))
#define O(m, h) gcs_model_obj((m), (h))

static inline size_t
ehash(uint32_t src, uint32_t slot, uint32_t dst)
{
    uint64_t x = ((uint64_t)src << 32 | dst) * 0x9E3779B97F4A7C15ULL ^
                 (uint64_t)(slot & ~M_EDUP) * 0xC2B2AE3D27D4EB4FULL;
    x ^= x >> 31;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 29;
    return (size_t)x;
}

static inline size_t
ehash_node(const m_edge *n)
{
    return ehash(n->src, n->slot, n->dst);
}

/* {==== Node pool ====} */

static uint32_t
node_new(gcs_model *m)
{
    if (m->efree != M_NIL) {
        uint32_t e = m->efree;
        m->efree = E(m, e)->on;
        return e;
    }
    if (m->epool_n >= M_NIL - 1)
        return M_NIL;
    size_t b = m->epool_n >> M_BLOCK_BITS;
    if (b == m->n_eblocks) {
        m_edge **nb = realloc(m->eblocks, (b + 1) * sizeof *nb);
        if (nb == NULL)
            return M_NIL;
        m->eblocks = nb;
        if ((nb[b] = malloc(M_BLOCK * sizeof(m_edge))) == NULL)
            return M_NIL;
        m->n_eblocks = b + 1;
    }
    return m->epool_n++;
}

static void
node_free(gcs_model *m, uint32_t e)
{
    m_edge *n = E(m, e);
    n->src = n->dst = M_NIL;
    n->on = m->efree;
    m->efree = e;
}

/* {==== Lists ====} */

static void
out_link(gcs_model *m, m_obj *s, uint32_t e)
{
    m_edge *n = E(m, e);
    if (s->out == M_NIL) {
        n->on = n->op = e;
        s->out = e;
    } else {
        m_edge *head = E(m, s->out);
        uint32_t tail = head->op;
        n->on = s->out;
        n->op = tail;
        E(m, tail)->on = e;
        head->op = e;
    }
    s->n_out++;
}

static void
in_link(gcs_model *m, m_obj *d, uint32_t e)
{
    m_edge *n = E(m, e);
    if (d->in == M_NIL) {
        n->in = n->ip = e;
        d->in = e;
    } else {
        m_edge *head = E(m, d->in);
        uint32_t tail = head->ip;
        n->in = d->in;
        n->ip = tail;
        E(m, tail)->in = e;
        head->ip = e;
    }
    d->n_in++;
}

static void
out_unlink(gcs_model *m, m_obj *s, uint32_t e)
{
    m_edge *n = E(m, e);
    if (--s->n_out == 0) {
        s->out = M_NIL;
        return;
    }
    E(m, n->op)->on = n->on;
    E(m, n->on)->op = n->op;
    if (s->out == e)
        s->out = n->on;
}

static void
in_unlink(gcs_model *m, m_obj *d, uint32_t e)
{
    m_edge *n = E(m, e);
    if (--d->n_in == 0) {
        d->in = M_NIL;
        return;
    }
    E(m, n->ip)->in = n->in;
    E(m, n->in)->ip = n->ip;
    if (d->in == e)
        d->in = n->in;
}

/* {==== Hash ====} */

static void
eh_put(uint32_t *t, size_t cap, size_t home, uint32_t e)
{
    size_t j = home & (cap - 1);
    while (t[j])
        j = (j + 1) & (cap - 1);
    t[j] = e + 1;
}

int
gcs_edges_reserve(gcs_model *m, size_t more)
{
    size_t need = m->eh_n + more, cap = m->eh_cap ? m->eh_cap : 1024;
    while (need * 2 > cap)
        cap *= 2;
    if (cap == m->eh_cap)
        return 0;
    uint32_t *t = calloc(cap, sizeof *t);
    if (t == NULL) {
        m->oom = 1;
        return GCS_ENOMEM;
    }
    for (size_t j = 0; j < m->eh_cap; j++)
        if (m->eh[j])
            eh_put(t, cap, ehash_node(E(m, m->eh[j] - 1)), m->eh[j] - 1);
    free(m->eh);
    m->eh = t;
    m->eh_cap = cap;
    return 0;
}

int
gcs_edges_hash_(gcs_model *m, uint32_t e)
{
    if ((m->eh_n + 1) * 2 > m->eh_cap && gcs_edges_reserve(m, 1) != 0)
        return GCS_ENOMEM;
    m_edge *n = E(m, e);
    n->slot &= ~M_EDUP;
    size_t mask = m->eh_cap - 1, j = ehash_node(n) & mask;
    for (; m->eh[j]; j = (j + 1) & mask) {
        m_edge *x = E(m, m->eh[j] - 1);
        if (x->src == n->src && x->dst == n->dst && ((x->slot ^ n->slot) & ~M_EDUP) == 0) {
            x->slot |= M_EDUP;
            n->slot |= M_EDUP;
        }
    }
    m->eh[j] = e + 1;
    m->eh_n++;
    return 0;
}

/* Position in eh of node e (present). */
static size_t
eh_pos(const gcs_model *m, uint32_t e)
{
    size_t mask = m->eh_cap - 1, j = ehash_node(E(m, e)) & mask;
    while (m->eh[j] != e + 1)
        j = (j + 1) & mask;
    return j;
}

static void
eh_del(gcs_model *m, uint32_t e)
{
    size_t mask = m->eh_cap - 1, i = eh_pos(m, e);
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        if (m->eh[j] == 0)
            break;
        size_t k = ehash_node(E(m, m->eh[j] - 1)) & mask;
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        m->eh[i] = m->eh[j];
        i = j;
    }
    m->eh[i] = 0;
    m->eh_n--;
}

/* The edge s -slot-> d to act on (the first in s's out list), or M_NIL. */
static uint32_t
e_find(const gcs_model *m, uint32_t s, uint32_t slot, uint32_t d)
{
    if (m->eh_cap == 0)
        return M_NIL;
    size_t mask = m->eh_cap - 1;
    for (size_t j = ehash(s, slot, d) & mask; m->eh[j]; j = (j + 1) & mask) {
        const m_edge *x = E(m, m->eh[j] - 1);
        if (x->src != s || x->dst != d || (x->slot & ~M_EDUP) != slot)
            continue;
        if (!(x->slot & M_EDUP))
            return m->eh[j] - 1;
        /* duplicates: the first in the out list */
        const m_obj *so = O(m, s);
        uint32_t e = so->out;
        for (uint32_t k = 0; k < so->n_out; k++, e = E(m, e)->on) {
            const m_edge *y = E(m, e);
            if (y->dst == d && (y->slot & ~M_EDUP) == slot)
                return e;
        }
        return M_NIL; /* unreachable while the invariants hold */
    }
    return M_NIL;
}

/* {==== Operations ====} */

uint32_t
gcs_edges_node_(gcs_model *m, uint32_t s, uint32_t d, uint32_t slot)
{
    uint32_t e = node_new(m);
    if (e == M_NIL) {
        m->oom = 1;
        return M_NIL;
    }
    m_edge *n = E(m, e);
    n->src = s;
    n->dst = d;
    n->slot = slot;
    out_link(m, O(m, s), e);
    m->edges_ver++;
    return e;
}

void
gcs_edges_in_link_(gcs_model *m, uint32_t d, uint32_t e)
{
    in_link(m, O(m, d), e);
}

int
gcs_edges_add(gcs_model *m, uint32_t s, uint32_t d, uint32_t slot)
{
    if ((m->eh_n + 1) * 2 > m->eh_cap && gcs_edges_reserve(m, 1) != 0)
        return GCS_ENOMEM;
    uint32_t e = gcs_edges_node_(m, s, d, slot);
    if (e == M_NIL)
        return GCS_ENOMEM;
    in_link(m, O(m, d), e);
    return gcs_edges_hash_(m, e); /* room reserved above: cannot fail */
}

static void
edge_remove(gcs_model *m, uint32_t e)
{
    m_edge *n = E(m, e);
    eh_del(m, e);
    out_unlink(m, O(m, n->src), e);
    in_unlink(m, O(m, n->dst), e);
    node_free(m, e);
    m->edges_ver++;
}

void
gcs_edges_del(gcs_model *m, uint32_t s, uint32_t slot, uint32_t d)
{
    uint32_t e = e_find(m, s, slot, d);
    if (e != M_NIL)
        edge_remove(m, e);
}

int
gcs_edges_replace(gcs_model *m, uint32_t s, uint32_t slot, uint32_t old, uint32_t d)
{
    uint32_t e = e_find(m, s, slot, old);
    if (e == M_NIL)
        return 0;
    eh_del(m, e);
    in_unlink(m, O(m, old), e);
    m_edge *n = E(m, e);
    n->dst = d; /* same out position: the slot keeps its place */
    in_link(m, O(m, d), e);
    m->edges_ver++;
    (void)gcs_edges_hash_(m, e); /* eh_n did not grow: no allocation */
    return 1;
}

void
gcs_edges_drop_all(gcs_model *m, uint32_t h)
{
    m_obj *o = O(m, h);
    while (o->out != M_NIL)
        edge_remove(m, o->out);
    while (o->in != M_NIL)
        edge_remove(m, o->in);
}

/* {==== Positional access ====} */

static uint32_t
step(const gcs_model *m, uint32_t e, int dir, int fwd)
{
    const m_edge *n = E(m, e);
    return dir ? (fwd ? n->in : n->ip) : (fwd ? n->on : n->op);
}

uint32_t
gcs_edges_at(gcs_model *m, uint32_t h, int dir, uint32_t k)
{
    const m_obj *o = O(m, h);
    uint32_t n = dir ? o->n_in : o->n_out, head = dir ? o->in : o->out;
    if (k >= n)
        return M_NIL;
    /* start: the head (k steps forward), the tail (n - 1 - k back), or a cursor */
    uint32_t e = head, at = 0, dist = k;
    if (n - 1 - k < dist) {
        e = step(m, head, dir, 0);
        at = n - 1;
        dist = n - 1 - k;
    }
    m_ecur *best = NULL;
    for (unsigned i = 0; i < M_ECUR; i++) {
        m_ecur *c = &m->ecur[i];
        if (c->ver != m->edges_ver || c->h != h || c->dir != dir)
            continue;
        uint32_t d = c->k > k ? c->k - k : k - c->k;
        if (d <= dist) {
            dist = d;
            e = c->e;
            at = c->k;
            best = c;
        }
    }
    while (at < k) {
        e = step(m, e, dir, 1);
        at++;
    }
    while (at > k) {
        e = step(m, e, dir, 0);
        at--;
    }
    if (best == NULL) {
        best = &m->ecur[m->ecur_next++ % M_ECUR];
        best->ver = m->edges_ver;
        best->h = h;
        best->dir = dir;
    }
    best->k = k;
    best->e = e;
    return e;
}

/* {==== Clear / check ====} */

void
gcs_edges_clear(gcs_model *m)
{
    if (m->eh_cap)
        memset(m->eh, 0, m->eh_cap * sizeof *m->eh);
    m->eh_n = 0;
    m->epool_n = 0;
    m->efree = M_NIL;
    m->edges_ver++;
}

void
gcs_edges_fini(gcs_model *m)
{
    for (size_t b = 0; b < m->n_eblocks; b++)
        free(m->eblocks[b]);
    free(m->eblocks);
    free(m->eh);
}

/* 1 if node e is in the hash. */
static int
hashed(const gcs_model *m, uint32_t e)
{
    if (m->eh_cap == 0)
        return 0;
    size_t mask = m->eh_cap - 1;
    for (size_t j = ehash_node(E(m, e)) & mask; m->eh[j]; j = (j + 1) & mask)
        if (m->eh[j] == e + 1)
            return 1;
    return 0;
}

/* 1 if another node with e's key exists in the hash. */
static int
has_twin(const gcs_model *m, uint32_t e)
{
    const m_edge *n = E(m, e);
    size_t mask = m->eh_cap - 1;
    for (size_t j = ehash_node(n) & mask; m->eh[j]; j = (j + 1) & mask) {
        const m_edge *x = E(m, m->eh[j] - 1);
        if (m->eh[j] != e + 1 && x->src == n->src && x->dst == n->dst &&
            ((x->slot ^ n->slot) & ~M_EDUP) == 0)
            return 1;
    }
    return 0;
}

int
gcs_edges_check(const gcs_model *m, uint32_t h, char *why, size_t wn)
{
    const m_obj *o = O(m, h);
    for (int dir = 0; dir < 2; dir++) {
        uint32_t n = dir ? o->n_in : o->n_out, e = dir ? o->in : o->out;
        if ((n == 0) != (e == M_NIL)) {
            snprintf(why, wn, "object %llu: %s list head and count disagree",
                     (unsigned long long)o->id, dir ? "in" : "out");
            return GCS_ECORRUPT;
        }
        for (uint32_t k = 0; k < n; k++) {
            const m_edge *x = E(m, e);
            uint32_t other = dir ? x->src : x->dst;
            if ((dir ? x->dst : x->src) != h || other >= m->pool_n ||
                step(m, step(m, e, dir, 1), dir, 0) != e) {
                snprintf(why, wn, "object %llu: %s list broken at %u", (unsigned long long)o->id,
                         dir ? "in" : "out", k);
                return GCS_ECORRUPT;
            }
            const m_obj *ot = O(m, other);
            if (!(ot->flags & M_ALIVE) || (ot->flags & M_PURGED) || !(o->flags & M_ALIVE)) {
                snprintf(why, wn, "edge %llu -> %llu touches a freed object",
                         (unsigned long long)O(m, x->src)->id,
                         (unsigned long long)O(m, x->dst)->id);
                return GCS_ECORRUPT;
            }
            if (!hashed(m, e)) {
                snprintf(why, wn, "edge of %llu missing from the edge hash",
                         (unsigned long long)o->id);
                return GCS_ECORRUPT;
            }
            if (dir == 0 && has_twin(m, e) && !(x->slot & M_EDUP)) {
                snprintf(why, wn, "duplicate edge of %llu not flagged", (unsigned long long)o->id);
                return GCS_ECORRUPT;
            }
            e = step(m, e, dir, 1);
        }
        if (e != (dir ? o->in : o->out)) {
            snprintf(why, wn, "object %llu: %s list longer than its count",
                     (unsigned long long)o->id, dir ? "in" : "out");
            return GCS_ECORRUPT;
        }
    }
    return 0;
}
