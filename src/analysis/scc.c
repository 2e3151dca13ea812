/* src/analysis/scc.c — strongly connected components (Tarjan, 1972) without
 * recursion. The DFS keeps its own call stack of (node, next edge) pairs, so
 * a reference chain a million objects long needs no C stack. Invariant: a node
 * is on the Tarjan stack from its discovery until its SCC's root pops it, and
 * low[v] is the smallest index reachable from v through nodes still on it.
 * The work arrays are sized by the set, not the graph: the leak analysis asks
 * for the SCCs of the (usually few) unreachable objects of a big heap.
 */
#include <stdlib.h>

#include "analysis/heapgraph.h"
#include "gcscope/errors.h"

typedef struct frame {
    uint32_t v; /* local number */
    size_t e;   /* next out-edge of v to look at */
} frame;

typedef struct tarjan {
    const gcs_hg *g;
    const uint32_t *node;  /* local number -> node */
    const uint32_t *local; /* node -> local number, GCS_HG_NONE outside the set */
    uint32_t *comp;        /* local number -> SCC id */
    uint32_t *index, *low; /* by local number */
    uint8_t *on_stack;
    uint32_t *stack;
    size_t sp;
    frame *calls;
    size_t cp;
    uint32_t next_index;
    size_t n_scc;
} tarjan;

static void
discover(tarjan *t, uint32_t v)
{
    t->index[v] = t->low[v] = t->next_index++;
    t->stack[t->sp++] = v;
    t->on_stack[v] = 1;
    t->calls[t->cp++] = (frame){v, t->g->edge_off[t->node[v]]};
}

/* v is finished: if it is an SCC root, pop its component. */
static void
finish(tarjan *t, uint32_t v)
{
    if (t->low[v] != t->index[v])
        return;
    uint32_t w;
    do {
        w = t->stack[--t->sp];
        t->on_stack[w] = 0;
        t->comp[w] = (uint32_t)t->n_scc;
    } while (w != v);
    t->n_scc++;
}

static void
run_from(tarjan *t, uint32_t start)
{
    discover(t, start);
    while (t->cp > 0) {
        frame *f = &t->calls[t->cp - 1];
        uint32_t v = f->v;
        if (f->e < t->g->edge_off[t->node[v] + 1]) {
            uint32_t w = t->local[t->g->edge_dst[f->e++]];
            if (w == GCS_HG_NONE)
                continue; /* leaves the set */
            if (t->index[w] == GCS_HG_NONE)
                discover(t, w); /* "recurse" */
            else if (t->on_stack[w] && t->index[w] < t->low[v])
                t->low[v] = t->index[w];
            continue;
        }
        t->cp--; /* "return" from v */
        finish(t, v);
        if (t->cp > 0) {
            uint32_t u = t->calls[t->cp - 1].v;
            if (t->low[v] < t->low[u])
                t->low[u] = t->low[v];
        }
    }
}

/* scc[] serves as the node -> local number map while the DFS runs. */
int
gcs_hg_scc(const gcs_hg *g, const uint8_t *in_set, uint32_t *scc, size_t *n_scc)
{
    size_t n = g->n_nodes, k = 0;
    for (size_t i = 0; i < n; i++)
        k += in_set[i] != 0;
    tarjan t = {.g = g, .local = scc};
    uint32_t *node = gcs_hg_big_alloc((k + 1) * sizeof *node);
    t.node = node;
    t.comp = gcs_hg_big_alloc((k + 1) * sizeof *t.comp);
    t.index = gcs_hg_big_alloc((k + 1) * sizeof *t.index);
    t.low = gcs_hg_big_alloc((k + 1) * sizeof *t.low);
    t.on_stack = calloc(k + 1, 1);
    t.stack = gcs_hg_big_alloc((k + 1) * sizeof *t.stack);
    t.calls = gcs_hg_big_alloc((k + 1) * sizeof *t.calls);
    int rc = 0;
    if (!node || !t.comp || !t.index || !t.low || !t.on_stack || !t.stack || !t.calls) {
        rc = GCS_ENOMEM;
        goto out;
    }
    k = 0;
    for (size_t i = 0; i < n; i++) {
        scc[i] = in_set[i] ? (uint32_t)k : GCS_HG_NONE;
        if (in_set[i]) {
            node[k] = (uint32_t)i;
            t.index[k++] = GCS_HG_NONE;
        }
    }
    for (uint32_t v = 0; v < k; v++)
        if (t.index[v] == GCS_HG_NONE)
            run_from(&t, v);
    for (uint32_t v = 0; v < k; v++)
        scc[node[v]] = t.comp[v];
    *n_scc = t.n_scc;
out:
    free(node);
    free(t.comp);
    free(t.index);
    free(t.low);
    free(t.on_stack);
    free(t.stack);
    free(t.calls);
    return rc;
}
