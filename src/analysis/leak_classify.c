/* src/analysis/leak_classify.c — gives every node of a heap graph one leak
 * class. Read gcs_la_classify() first. The computation is CPython's trial
 * deletion over the whole heap: gc_refs = refcount - strong references from
 * other objects; whatever has gc_refs > 0 is held from outside the object
 * graph (a variable, the runtime, or nobody we know of = a reference leak),
 * and everything reachable from such objects survives a full collection. What
 * no such object reaches is cyclic garbage. Each pass is a linear BFS, so the
 * whole classification is O(V + E).
 */
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "leak_int.h"

#define UNSET 0xff /* cls of a node not classified yet */

typedef struct bfs {
    uint32_t *q;
    size_t head, tail;
} bfs;

static void
push(bfs *b, uint32_t v)
{
    b->q[b->tail++] = v;
}

/* {==== Pass 1: gc_refs and unexplained references ====} */

static void
count_refs(const gcs_hg *g, gcs_leak_analysis *a)
{
    for (size_t i = 0; i < g->n_nodes; i++) {
        unsigned f = g->nodes[i].flags;
        /* the runtime's own reference; gc.garbage's, unless the list is a node */
        a->unexplained[i] = g->nodes[i].refcnt - ((f & GCS_HGF_HEAP_OWNED) ? 1 : 0) -
                            ((f & GCS_HGF_IN_GARBAGE) && !g->has_garbage_list ? 1 : 0);
    }
    for (size_t e = 0; e < g->n_edges; e++)
        a->unexplained[g->edge_dst[e]]--; /* now gc_refs (subtract_refs) */
    for (size_t r = 0; r < g->n_roots; r++)
        a->unexplained[g->roots[r].node]--; /* now what nothing we know explains */
}

/* {==== Pass 2: reachable from variables and the runtime ====} */

static void
reach_from_roots(const gcs_hg *g, gcs_leak_analysis *a, bfs *b)
{
    b->head = b->tail = 0;
    for (size_t r = 0; r < g->n_roots; r++) {
        uint32_t v = g->roots[r].node;
        if (a->cls[v] == UNSET) {
            a->cls[v] = GCS_LEAK_REACHABLE;
            a->root[v] = (uint32_t)r;
            push(b, v);
        }
    }
    for (size_t i = 0; i < g->n_nodes; i++) {
        if ((g->nodes[i].flags & GCS_HGF_HEAP_OWNED) && a->cls[i] == UNSET) {
            a->cls[i] = GCS_LEAK_REACHABLE;
            push(b, (uint32_t)i);
        }
    }
    while (b->head < b->tail) {
        uint32_t u = b->q[b->head++];
        if (g->nodes[u].flags & GCS_HGF_GARBAGE_LIST)
            continue; /* its items are uncollectable, not "reachable" */
        for (size_t e = g->edge_off[u]; e < g->edge_off[u + 1]; e++) {
            uint32_t w = g->edge_dst[e];
            if (a->cls[w] == UNSET) {
                a->cls[w] = GCS_LEAK_REACHABLE;
                a->parent[w] = u;
                push(b, w);
            }
        }
    }
}

/* {==== Owners: what each leaked object keeps alive ====} */

/* BFS from the seeds already in b (cls set, owner = their owner), claiming
 * unclassified nodes as INDIRECT. A node reached from a second owner is
 * marked shared (spread_shared() then marks what it keeps alive). */
static void
claim_from_seeds(const gcs_hg *g, gcs_leak_analysis *a, bfs *b)
{
    while (b->head < b->tail) {
        uint32_t u = b->q[b->head++];
        for (size_t e = g->edge_off[u]; e < g->edge_off[u + 1]; e++) {
            uint32_t w = g->edge_dst[e];
            if (a->cls[w] == UNSET) {
                a->cls[w] = GCS_LEAK_INDIRECT;
                a->owner[w] = a->owner[u];
                a->parent[w] = u;
                push(b, w);
            } else if (a->cls[w] == GCS_LEAK_INDIRECT && a->owner[w] != a->owner[u]) {
                a->shared[w] = 1;
            }
        }
    }
}

/* Spread "shared" down each ownership tree; each node is marked once. */
static void
spread_shared(const gcs_hg *g, gcs_leak_analysis *a, bfs *b)
{
    b->head = b->tail = 0;
    for (size_t i = 0; i < g->n_nodes; i++)
        if (a->shared[i])
            push(b, (uint32_t)i);
    while (b->head < b->tail) {
        uint32_t u = b->q[b->head++];
        for (size_t e = g->edge_off[u]; e < g->edge_off[u + 1]; e++) {
            uint32_t w = g->edge_dst[e];
            if (a->cls[w] == GCS_LEAK_INDIRECT && a->owner[w] == a->owner[u] && !a->shared[w]) {
                a->shared[w] = 1;
                push(b, w);
            }
        }
    }
}

/* {==== Pass 3: uncollectable and reference leaks ====} */

/* A reference leak is a leak even while something still reaches the object:
 * it will outlive whatever holds it. Only a reference leak nothing reaches
 * gets what it keeps alive as INDIRECT. Objects the runtime itself holds are
 * never reference leaks: their counts include references it does not expose. */
static void
leak_seeds(const gcs_hg *g, gcs_leak_analysis *a, bfs *b)
{
    b->head = b->tail = 0;
    for (size_t i = 0; i < g->n_nodes; i++) {
        bool reached = a->cls[i] != UNSET;
        if (g->nodes[i].flags & GCS_HGF_HEAP_OWNED)
            continue;
        if (a->unexplained[i] > 0)
            a->cls[i] = GCS_LEAK_REFLEAK; /* wins over IN_GARBAGE: a bug, not a design */
        else if (!reached && (g->nodes[i].flags & GCS_HGF_IN_GARBAGE))
            a->cls[i] = GCS_LEAK_UNCOLLECTABLE;
        else
            continue;
        a->owner[i] = (uint32_t)i;
        if (!reached)
            push(b, (uint32_t)i);
    }
    claim_from_seeds(g, a, b);
}

/* {==== Pass 4: cyclic garbage ====} */

bool
gcs_la_scc_is_cycle(const gcs_leak_analysis *a, uint32_t s)
{
    if (s == GCS_HG_NONE || s >= a->n_scc)
        return false;
    if (a->scc_size[s] > 1)
        return true;
    const gcs_hg *g = a->g;
    uint32_t v = a->scc_leader[s];
    for (size_t e = g->edge_off[v]; e < g->edge_off[v + 1]; e++)
        if (g->edge_dst[e] == v)
            return true;
    return false;
}

static int
find_sccs(const gcs_hg *g, gcs_leak_analysis *a)
{
    uint8_t *in_set = calloc(g->n_nodes + 1, 1);
    if (in_set == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < g->n_nodes; i++)
        in_set[i] = a->cls[i] == UNSET;
    int rc = gcs_hg_scc(g, in_set, a->scc, &a->n_scc);
    free(in_set);
    if (rc != 0)
        return rc;
    a->scc_leader = malloc((a->n_scc + 1) * sizeof *a->scc_leader);
    a->scc_size = calloc(a->n_scc + 1, sizeof *a->scc_size);
    if (a->scc_leader == NULL || a->scc_size == NULL)
        return GCS_ENOMEM;
    for (size_t s = 0; s < a->n_scc; s++)
        a->scc_leader[s] = GCS_HG_NONE;
    for (size_t i = 0; i < g->n_nodes; i++) {
        uint32_t s = a->scc[i];
        if (s == GCS_HG_NONE)
            continue;
        if (a->scc_leader[s] == GCS_HG_NONE)
            a->scc_leader[s] = (uint32_t)i; /* lowest index: first allocated */
        a->scc_size[s]++;
    }
    return 0;
}

static int
cyclic_garbage(const gcs_hg *g, gcs_leak_analysis *a, bfs *b)
{
    int rc = find_sccs(g, a);
    if (rc != 0)
        return rc;
    b->head = b->tail = 0;
    for (size_t i = 0; i < g->n_nodes; i++) {
        uint32_t s = a->scc[i];
        if (a->cls[i] == UNSET && gcs_la_scc_is_cycle(a, s)) {
            a->cls[i] = GCS_LEAK_CYCLE;
            a->owner[i] = a->scc_leader[s];
            push(b, (uint32_t)i);
        }
    }
    claim_from_seeds(g, a, b);
    /* Garbage no cycle reaches (only possible with a refcount <= 0 in the
     * model): its own record, leader of a trivial SCC. */
    for (size_t i = 0; i < g->n_nodes; i++) {
        if (a->cls[i] != UNSET)
            continue;
        b->head = b->tail = 0;
        a->cls[i] = GCS_LEAK_CYCLE;
        a->owner[i] = (uint32_t)i;
        push(b, (uint32_t)i);
        claim_from_seeds(g, a, b);
    }
    return 0;
}

/* {==== Entry point ====} */

void
gcs_la_free(gcs_leak_analysis *a)
{
    free(a->cls);
    free(a->owner);
    free(a->parent);
    free(a->root);
    free(a->unexplained);
    free(a->scc);
    free(a->shared);
    free(a->scc_leader);
    free(a->scc_size);
    free(a->queue);
    memset(a, 0, sizeof *a);
}

static int
alloc_arrays(const gcs_hg *g, gcs_leak_analysis *a)
{
    size_t n = g->n_nodes + 1;
    a->g = g;
    a->cls = gcs_hg_big_alloc(n);
    a->owner = gcs_hg_big_alloc(n * sizeof *a->owner);
    a->parent = gcs_hg_big_alloc(n * sizeof *a->parent);
    a->root = gcs_hg_big_alloc(n * sizeof *a->root);
    a->unexplained = gcs_hg_big_alloc(n * sizeof *a->unexplained);
    a->scc = gcs_hg_big_alloc(n * sizeof *a->scc);
    a->shared = gcs_hg_big_alloc(n);
    a->queue = gcs_hg_big_alloc(n * sizeof *a->queue);
    if (!a->cls || !a->owner || !a->parent || !a->root || !a->unexplained || !a->scc ||
        !a->shared || !a->queue)
        return GCS_ENOMEM;
    memset(a->cls, UNSET, n);
    memset(a->shared, 0, n);
    memset(a->owner, 0xff, n * sizeof *a->owner);
    memset(a->parent, 0xff, n * sizeof *a->parent);
    memset(a->root, 0xff, n * sizeof *a->root);
    return 0;
}

/* Pass order matters: reachability first (it wins), then the direct leaks
 * that have a reason to stay alive (unexplained references, gc.garbage) and
 * what they keep alive, and last the cycles nothing outside holds. */
int
gcs_la_classify(const gcs_hg *g, gcs_leak_analysis *a)
{
    memset(a, 0, sizeof *a);
    if (!g->finished)
        return GCS_EINVAL;
    int rc = alloc_arrays(g, a);
    if (rc != 0) {
        gcs_la_free(a);
        return rc;
    }
    bfs b = {a->queue, 0, 0};
    count_refs(g, a);
    reach_from_roots(g, a, &b);
    leak_seeds(g, a, &b);
    rc = cyclic_garbage(g, a, &b);
    if (rc != 0) {
        gcs_la_free(a);
        return rc;
    }
    spread_shared(g, a, &b);
    free(a->queue); /* work space of the passes above; gcs_la_loop has its own */
    a->queue = NULL;
    return 0;
}

/* {==== Paths and loops (for the report) ====} */

size_t
gcs_la_path(const gcs_leak_analysis *a, uint32_t n, uint32_t *out, size_t max)
{
    size_t len = 0;
    for (uint32_t v = n; v != GCS_HG_NONE; v = a->parent[v])
        len++;
    size_t k = len;
    for (uint32_t v = n; v != GCS_HG_NONE; v = a->parent[v]) {
        k--;
        if (k < max)
            out[k] = v;
    }
    return len;
}

const char *
gcs_la_slot(const gcs_hg *g, uint32_t u, uint32_t v)
{
    for (size_t e = g->edge_off[u]; e < g->edge_off[u + 1]; e++)
        if (g->edge_dst[e] == v)
            return g->edge_slot[e] ? g->edge_slot[e] : "?";
    return "?";
}

/* BFS inside the SCC from the leader; the first edge back to it closes the
 * loop. The parent map is a->parent, which is GCS_HG_NONE for every member
 * of cyclic garbage (they are BFS seeds, never reached from another node),
 * and is restored. The queue holds the SCC's members at most (allocated per
 * call: 0, no loop, on ENOMEM). */
size_t
gcs_la_loop(const gcs_leak_analysis *a, uint32_t leader, uint32_t *out, size_t max)
{
    const gcs_hg *g = a->g;
    uint32_t s = a->scc[leader];
    size_t cap = s < a->n_scc ? a->scc_size[s] : g->n_nodes; /* members it can enqueue */
    uint32_t *par = a->parent, *q = malloc((cap + 1) * sizeof *q);
    size_t head = 0, tail = 0, len = 0;
    if (q == NULL)
        return 0;
    uint32_t last = GCS_HG_NONE;
    par[leader] = leader;
    q[tail++] = leader;
    while (head < tail && last == GCS_HG_NONE) {
        uint32_t u = q[head++];
        for (size_t e = g->edge_off[u]; e < g->edge_off[u + 1]; e++) {
            uint32_t w = g->edge_dst[e];
            if (w == leader) {
                last = u;
                break;
            }
            if (a->scc[w] == s && par[w] == GCS_HG_NONE) {
                par[w] = u;
                q[tail++] = w;
            }
        }
    }
    if (last != GCS_HG_NONE) {
        for (uint32_t v = last; v != leader; v = par[v])
            len++;
        len++; /* the leader */
        size_t k = len;
        for (uint32_t v = last;; v = par[v]) {
            k--;
            if (k < max)
                out[k] = v;
            if (v == leader)
                break;
        }
    }
    for (size_t i = 0; i < tail; i++)
        par[q[i]] = GCS_HG_NONE;
    free(q);
    return len;
}
