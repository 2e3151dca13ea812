/* src/replay/edges.c — the model's strong references (issue #8: 28 bytes and
 * a u32 hash slot per edge). Each edge src -slot-> dst is one node in a pool
 * of fixed blocks (free nodes reused), linked into src's out list and dst's
 * in list: circular doubly-linked lists in the order the API iterates (out:
 * the order slots were first set, a replaced reference keeping its place; in:
 * the order references were made). A hash of node handles keyed by (src,
 * slot, dst) finds an edge in O(1), even on a list with a million items (dst
 * is part of the key so that an object holding many references under one
 * slot label, as an odd trace may, does not make one long probe run). Edges
 * with equal keys (only in odd traces) are exactly those flagged M_EDUP;
 * removing one takes the first in src's out list, a rule that depends on the
 * state only, so a restored keyframe behaves exactly as the straight replay.
 * A lookup hands its hash position on, so a removal or a replacement (REF_SET
 * with an old target, the commonest edge event) does not probe again.
 * Positional access (gcs_edges_at) walks from the nearest of the list ends
 * and a few remembered cursors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "model.h"

#define E(m, e) gcs_model_edge((m), (e))
#define O(m, h) gcs_model_obj((m), (h))

/* The list and hash steps, inlined into the few operations that use them (a
 * call's saved registers cost as much as the step itself). */
#if defined(__GNUC__)
#define EH_INLINE inline __attribute__((always_inline))
#else
#define EH_INLINE inline
#endif

/* Home slot of key (src, slot, dst) in a table of 2^(64 - shift) entries:
 * the three mixed by two multiplies and a shift, then Fibonacci hashing (the
 * top bits of a multiply), which spreads consecutive handles and string ids. */
static inline size_t
ehash(uint32_t src, uint32_t slot, uint32_t dst, unsigned shift)
{
    uint64_t x = (((uint64_t)src << 32) | dst) * 0xC2B2AE3D27D4EB4FULL +
                 (uint64_t)(slot & ~M_EDUP) * 0x165667B19E3779F9ULL;
    x ^= x >> 29;
    return (size_t)(x * 0x9E3779B97F4A7C15ULL >> shift);
}

static inline size_t
ehash_node(const m_edge *n, unsigned shift)
{
    return ehash(n->src, n->slot, n->dst, shift);
}

/* Same key (src, slot, dst). */
static inline bool
same_key(const m_edge *x, uint32_t src, uint32_t slot, uint32_t dst)
{
    return x->src == src && x->dst == dst && ((x->slot ^ slot) & ~M_EDUP) == 0;
}

/* {==== Node pool ====} */

/* A new node from the pool's end (a new block when needed); M_NIL on ENOMEM. */
static uint32_t
node_grow(gcs_model *m)
{
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

/* A free node (reused first), or a new one; M_NIL on ENOMEM. */
static EH_INLINE uint32_t
node_new(gcs_model *m)
{
    if (m->efree != M_NIL) {
        uint32_t e = m->efree;
        m->efree = E(m, e)->on;
        return e;
    }
    return node_grow(m);
}

static EH_INLINE void
node_free(gcs_model *m, uint32_t e)
{
    m_edge *n = E(m, e);
    n->src = n->dst = M_NIL;
    n->on = m->efree;
    m->efree = e;
}

/* {==== Lists ====} */

static EH_INLINE void
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

static EH_INLINE void
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

static EH_INLINE void
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

static EH_INLINE void
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
{ /* home < cap */
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
    unsigned shift = 64 - gcs_log2_pow2(cap);
    for (size_t j = 0; j < m->eh_cap; j++)
        if (m->eh[j])
            eh_put(t, cap, ehash_node(E(m, m->eh[j] - 1), shift), m->eh[j] - 1);
    free(m->eh);
    m->eh = t;
    m->eh_cap = cap;
    m->eh_shift = shift;
    return 0;
}

/* Put node e (not in the hash, room reserved) in the hash, flagging
 * duplicates. */
static EH_INLINE void
eh_insert(gcs_model *m, uint32_t e)
{
    m_edge *n = E(m, e);
    n->slot &= ~M_EDUP;
    size_t mask = m->eh_cap - 1, j = ehash_node(n, m->eh_shift);
    for (; m->eh[j]; j = (j + 1) & mask) {
        m_edge *x = E(m, m->eh[j] - 1);
        if (same_key(x, n->src, n->slot, n->dst)) {
            x->slot |= M_EDUP;
            n->slot |= M_EDUP;
        }
    }
    m->eh[j] = e + 1;
    m->eh_n++;
}

int
gcs_edges_hash_(gcs_model *m, uint32_t e)
{
    if ((m->eh_n + 1) * 2 > m->eh_cap && gcs_edges_reserve(m, 1) != 0)
        return GCS_ENOMEM;
    eh_insert(m, e);
    return 0;
}

/* After removing a flagged edge of key (src, slot, dst): if exactly one edge
 * of that key is left, it is no longer a duplicate. */
static void
eh_unflag_last(gcs_model *m, uint32_t src, uint32_t slot, uint32_t dst)
{
    size_t mask = m->eh_cap - 1;
    m_edge *last = NULL;
    for (size_t j = ehash(src, slot, dst, m->eh_shift); m->eh[j]; j = (j + 1) & mask) {
        m_edge *x = E(m, m->eh[j] - 1);
        if (!same_key(x, src, slot, dst))
            continue;
        if (last != NULL)
            return; /* two or more left: they stay flagged */
        last = x;
    }
    if (last != NULL)
        last->slot &= ~M_EDUP;
}

/* Take node e (present, at position i) out of the hash: backward-shift
 * deletion, then the duplicate flags of its key. */
static EH_INLINE void
eh_del_at(gcs_model *m, uint32_t e, size_t i)
{
    size_t mask = m->eh_cap - 1;
    unsigned shift = m->eh_shift;
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        if (m->eh[j] == 0)
            break;
        size_t k = ehash_node(E(m, m->eh[j] - 1), shift);
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        m->eh[i] = m->eh[j];
        i = j;
    }
    m->eh[i] = 0;
    m->eh_n--;
    const m_edge *n = E(m, e);
    if (n->slot & M_EDUP)
        eh_unflag_last(m, n->src, n->slot, n->dst);
}

/* Position in eh of node e (present). */
static size_t
eh_pos(const gcs_model *m, uint32_t e)
{
    size_t mask = m->eh_cap - 1, j = ehash_node(E(m, e), m->eh_shift);
    while (m->eh[j] != e + 1)
        j = (j + 1) & mask;
    return j;
}

/* Of several edges s -slot-> d (a duplicated key), the first in s's out
 * list; M_NIL if none. */
static uint32_t
e_first_in_order(const gcs_model *m, uint32_t s, uint32_t slot, uint32_t d)
{
    const m_obj *so = O(m, s);
    uint32_t e = so->out;
    for (uint32_t k = 0; k < so->n_out; k++, e = E(m, e)->on) {
        const m_edge *y = E(m, e);
        if (y->dst == d && (y->slot & ~M_EDUP) == slot)
            return e;
    }
    return M_NIL; /* unreachable while the invariants hold */
}

/* The edge s -slot-> d to act on (the first in s's out list), or M_NIL; its
 * hash position in *at (SIZE_MAX for a duplicate, found by its list). */
static inline uint32_t
e_find(const gcs_model *m, uint32_t s, uint32_t slot, uint32_t d, size_t *at)
{
    *at = SIZE_MAX;
    if (m->eh_cap == 0)
        return M_NIL;
    size_t mask = m->eh_cap - 1;
    for (size_t j = ehash(s, slot, d, m->eh_shift); m->eh[j]; j = (j + 1) & mask) {
        const m_edge *x = E(m, m->eh[j] - 1);
        if (!same_key(x, s, slot, d))
            continue;
        if (x->slot & M_EDUP) /* duplicates: the first in the out list */
            return e_first_in_order(m, s, slot, d);
        *at = j;
        return m->eh[j] - 1;
    }
    return M_NIL;
}

/* {==== Operations ====} */

/* A new node s -slot-> d appended to s's out list (not in d's in list nor
 * the hash); M_NIL and m->oom on ENOMEM. */
static EH_INLINE uint32_t
node_make(gcs_model *m, uint32_t s, uint32_t d, uint32_t slot)
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

uint32_t
gcs_edges_node_(gcs_model *m, uint32_t s, uint32_t d, uint32_t slot)
{
    return node_make(m, s, d, slot);
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
    uint32_t e = node_make(m, s, d, slot);
    if (e == M_NIL)
        return GCS_ENOMEM;
    in_link(m, O(m, d), e);
    eh_insert(m, e); /* room reserved above */
    return 0;
}

/* Unlink and free node e; at: its hash position if known, else SIZE_MAX. */
static void
edge_remove_at(gcs_model *m, uint32_t e, size_t at)
{
    m_edge *n = E(m, e);
    eh_del_at(m, e, at != SIZE_MAX ? at : eh_pos(m, e));
    out_unlink(m, O(m, n->src), e);
    in_unlink(m, O(m, n->dst), e);
    node_free(m, e);
    m->edges_ver++;
}

void
gcs_edges_del(gcs_model *m, uint32_t s, uint32_t slot, uint32_t d)
{
    size_t at;
    uint32_t e = e_find(m, s, slot, d, &at);
    if (e != M_NIL)
        edge_remove_at(m, e, at);
}

int
gcs_edges_replace(gcs_model *m, uint32_t s, uint32_t slot, uint32_t old, uint32_t d)
{
    size_t at;
    uint32_t e = e_find(m, s, slot, old, &at);
    if (e == M_NIL)
        return 0;
    eh_del_at(m, e, at != SIZE_MAX ? at : eh_pos(m, e));
    in_unlink(m, O(m, old), e);
    E(m, e)->dst = d; /* same out position: the slot keeps its place */
    in_link(m, O(m, d), e);
    m->edges_ver++;
    eh_insert(m, e); /* eh_n did not grow: room is there */
    return 1;
}

void
gcs_edges_drop_all(gcs_model *m, uint32_t h)
{
    m_obj *o = O(m, h);
    while (o->out != M_NIL)
        edge_remove_at(m, o->out, SIZE_MAX);
    while (o->in != M_NIL)
        edge_remove_at(m, o->in, SIZE_MAX);
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
    for (size_t j = ehash_node(E(m, e), m->eh_shift); m->eh[j]; j = (j + 1) & mask)
        if (m->eh[j] == e + 1)
            return 1;
    return 0;
}

/* 1 if another node with e's key (src, slot, dst) exists in the hash. */
static int
has_twin(const gcs_model *m, uint32_t e)
{
    const m_edge *n = E(m, e);
    size_t mask = m->eh_cap - 1;
    for (size_t j = ehash_node(n, m->eh_shift); m->eh[j]; j = (j + 1) & mask) {
        const m_edge *x = E(m, m->eh[j] - 1);
        if (m->eh[j] != e + 1 && same_key(x, n->src, n->slot, n->dst))
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
            if (dir == 0 && has_twin(m, e) != ((x->slot & M_EDUP) != 0)) {
                snprintf(why, wn, "edge of %llu: duplicate flag %s", (unsigned long long)o->id,
                         x->slot & M_EDUP ? "on a unique edge" : "missing");
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
