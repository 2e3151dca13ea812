/* src/analysis/heapgraph.h — a plain graph model of a heap at one moment, the
 * only input of the leak analysis. Two adapters fill it: from_heap.c (a live
 * heap, through the runtime's introspection API) and from_replay.c (a trace at
 * an event, through the replay model). The analysis never sees either source.
 *
 * Build protocol: gcs_hg_new(), then any number of add_node / add_edge /
 * add_root / add_hist / add_error calls (edges, roots and history refer to
 * objects by id, in any order), then gcs_hg_finish() once. After finish the
 * graph is read-only: nodes are in id order (index 0..n_nodes-1), edges
 * are in CSR form (out-edges of node i are edge_dst[edge_off[i]..edge_off[i+1]]),
 * history entries of node i are hist[hist_off[i]..hist_off[i+1]] in event order.
 *
 * Invariants after finish: every edge and root names a node in the graph
 * (references to unknown ids are dropped and counted in n_dangling); weak
 * references are never edges (the adapters leave them out); all strings are
 * interned in the graph, so equal strings have equal pointers.
 */
#ifndef GCS_ANALYSIS_HEAPGRAPH_H
#define GCS_ANALYSIS_HEAPGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcscope/trace_events.h"

#define GCS_HG_NONE UINT32_MAX /* "no node" */

/* Node flags. */
enum {
    GCS_HGF_TRACKED = 1 << 0,      /* tracked by the cycle collector */
    GCS_HGF_IN_GARBAGE = 1 << 1,   /* in gc.garbage */
    GCS_HGF_LEGACY = 1 << 2,       /* has a legacy finalizer (tp_del) */
    GCS_HGF_FROZEN = 1 << 3,       /* permanent generation (gc.freeze) */
    GCS_HGF_HEAP_OWNED = 1 << 4,   /* the runtime itself holds one reference (None,
                                    * small-int cache, gc.garbage list): a root */
    GCS_HGF_GARBAGE_LIST = 1 << 5, /* the gc.garbage list (a root not traversed, so its
                                    * items are classified as uncollectable). The
                                    * adapters leave it out: IN_GARBAGE then stands
                                    * for its reference */
    GCS_HGF_SAVEALL = 1 << 6,      /* in gc.garbage because of DEBUG_SAVEALL */
    GCS_HGF_FINALIZED = 1 << 7     /* its finalizer ran */
};

typedef struct gcs_hg_node {
    uint64_t id;
    int64_t refcnt;
    uint64_t size;    /* bytes, header included */
    const char *type; /* interned, never NULL ("?" if unknown) */
    uint32_t site;    /* index into sites; 0 = unknown */
    uint16_t kind;    /* gcs_kind */
    uint16_t flags;   /* GCS_HGF_* */
} gcs_hg_node;

/* A variable: `var` in frame `frame` holds one reference to `node`. */
typedef struct gcs_hg_root {
    uint64_t frame_id;
    const char *frame; /* interned */
    const char *var;   /* interned */
    uint32_t node;
} gcs_hg_root;

/* What a refcount-history entry did. STORE / UNSTORE are the increfs and
 * decrefs that came with storing / removing a reference in a slot or variable
 * (the adapter decides; without that knowledge everything is INCREF/DECREF). */
typedef enum gcs_hg_op {
    GCS_HGOP_NEW = 0, /* allocation: the creator's reference */
    GCS_HGOP_INCREF,
    GCS_HGOP_STORE,
    GCS_HGOP_DECREF,
    GCS_HGOP_UNSTORE
} gcs_hg_op;

/* 16 bytes (a big trace keeps a few hundred thousand to millions of them).
 * The entry's node is implied by the CSR layout (hist_off). */
typedef struct gcs_hg_hist {
    uint64_t event : 61; /* event index (order), < GCS_HG_MAX_EVENT */
    uint64_t op : 3;     /* gcs_hg_op */
    uint32_t site;       /* index into sites */
    int32_t refcnt;      /* count after it, saturated to the int32_t range
                          * (the analysis only orders and pairs entries) */
} gcs_hg_hist;

#define GCS_HG_MAX_EVENT ((uint64_t)1 << 61) /* history events are below this */

/* An API misuse recorded by the runtime (ERROR events). */
typedef struct gcs_hg_error {
    uint64_t event;
    int code;           /* GCS_E* */
    uint64_t obj;       /* object id (may no longer exist) */
    const char *detail; /* interned, may be NULL */
    uint32_t site;
} gcs_hg_error;

typedef struct gcs_hg gcs_hg;

struct gcs_hg {
    gcs_hg_node *nodes;
    size_t n_nodes, cap_nodes;
    /* CSR edges (valid after finish). */
    size_t *edge_off; /* n_nodes + 1 */
    uint32_t *edge_dst;
    const char **edge_slot;
    size_t n_edges;
    gcs_hg_root *roots;
    size_t n_roots, cap_roots;
    /* History (CSR by node after finish; hist_off NULL when there is none);
     * has_history: an adapter supplied it. */
    gcs_hg_hist *hist;
    size_t *hist_off;
    size_t n_hist, cap_hist;
    bool has_history;
    gcs_hg_error *errors;
    size_t n_errors, cap_errors;
    gcs_site *sites; /* sites[0] is the unknown site */
    size_t n_sites, cap_sites;
    size_t n_dangling;     /* edges/roots/history naming unknown ids, dropped */
    uint64_t at_event;     /* events applied (trace); UINT64_MAX: live heap */
    bool has_garbage_list; /* a GCS_HGF_GARBAGE_LIST node holds gc.garbage's references;
                            * else each IN_GARBAGE node has one implicit reference */
    bool finished;
    struct gcs_hg_priv *priv; /* builder state: interning, id index, pending edges */
};

/* New empty graph. GCS_ENOMEM; *out NULL on error. */
int gcs_hg_new(gcs_hg **out);
/* Free. Accepts NULL. */
void gcs_hg_free(gcs_hg *g);

/* Reserve room for n_nodes nodes and n_edges edges (a hint: avoids regrowing
 * big arrays). GCS_ENOMEM leaves the graph as it was. */
int gcs_hg_reserve(gcs_hg *g, size_t n_nodes, size_t n_edges);

/* Intern a string (NULL stays NULL). Returns NULL on ENOMEM for non-NULL s;
 * check with `s && !result`. */
const char *gcs_hg_intern(gcs_hg *g, const char *s);
/* Index of a site (interned by value); 0 for NULL or an all-empty site, and 0
 * on ENOMEM (the site is then reported as unknown). */
uint32_t gcs_hg_site(gcs_hg *g, const gcs_site *site);

/* Add an object. GCS_EINVAL for a duplicate id or after finish; GCS_ENOMEM.
 * type may be NULL ("?"). *idx (may be NULL) gets its index until finish,
 * which puts the nodes in id order. */
int gcs_hg_add_node(gcs_hg *g, uint64_t id, const char *type, unsigned kind, int64_t refcnt,
                    uint64_t size, const gcs_site *site, unsigned flags, uint32_t *idx);
/* The same with `type` already interned (gcs_hg_intern, not NULL) and `site`
 * an index from gcs_hg_site: for adapters that cache both per source string
 * (a million nodes with a few types and sites). GCS_EINVAL for a bad site. */
int gcs_hg_add_node_at(gcs_hg *g, uint64_t id, const char *type, unsigned kind, int64_t refcnt,
                       uint64_t size, uint32_t site, unsigned flags, uint32_t *idx);
/* A strong reference src -> dst in slot `slot` (may be NULL: then the edge
 * has no label until a labeller gives it one, see below). Cheapest when nodes
 * are added in ascending id order, each followed by its own references (the
 * edges then go straight into CSR order); any order works. */
int gcs_hg_add_edge(gcs_hg *g, uint64_t src, uint64_t dst, const char *slot);
/* A variable holding a reference. */
int gcs_hg_add_root(gcs_hg *g, uint64_t frame_id, const char *frame, const char *var, uint64_t obj);
/* A refcount-history entry of object `obj`; entries of one object must come in
 * event order. Sets has_history. refcnt is saturated to the int32_t range;
 * GCS_EINVAL for event >= GCS_HG_MAX_EVENT or an op that is not a gcs_hg_op. */
int gcs_hg_add_hist(gcs_hg *g, uint64_t obj, uint64_t event, gcs_hg_op op, int64_t refcnt,
                    const gcs_site *site);
/* The same with `site` already an index into g->sites (from gcs_hg_site):
 * for adapters that add many entries with few distinct sites. */
int gcs_hg_add_hist_at(gcs_hg *g, uint64_t obj, uint64_t event, gcs_hg_op op, int64_t refcnt,
                       uint32_t site);
/* A recorded API misuse. */
int gcs_hg_add_error(gcs_hg *g, uint64_t event, int code, uint64_t obj, const char *detail,
                     const gcs_site *site);

/* Reserve room for n_hist history entries in total (a hint, as above: an
 * adapter that knows the exact count reserves exactly that, and the array is
 * never over-allocated). */
int gcs_hg_reserve_hist(gcs_hg *g, size_t n_hist);

/* Put the nodes in id order (allocation order, whatever order they were added
 * in: results that depend on node order then agree between adapters), resolve
 * ids, build the CSR arrays. O(V + E + H). GCS_EINVAL (a duplicate id),
 * GCS_ENOMEM (graph unusable, free it). */
int gcs_hg_finish(gcs_hg *g);

/* Node index of an id, GCS_HG_NONE if absent. O(1). */
uint32_t gcs_hg_find(const gcs_hg *g, uint64_t id);

/* {==== Lazy slot labels ====}
 * An adapter whose slot labels cost something to make (the live heap formats
 * "[12]" or ".next" per reference) may add edges without slots and set a
 * labeller instead. gcs_hg_label_node(g, v) (after finish) asks it, once per
 * node, to label v's out-edges with gcs_hg_set_slot; the leak report calls it
 * for the nodes whose paths and loops it prints, then drops the labeller
 * (the source may change or go away after that). ud is freed with free_ud
 * (may be NULL) when dropped or with the graph. Failures of the labeller are
 * returned (GCS_ENOMEM); an unlabelled edge prints as "?". */
typedef int (*gcs_hg_labeller)(gcs_hg *g, uint32_t node, void *ud);
void gcs_hg_set_labeller(gcs_hg *g, gcs_hg_labeller fn, void *ud, void (*free_ud)(void *ud));
void gcs_hg_drop_labeller(gcs_hg *g);
int gcs_hg_label_node(gcs_hg *g, uint32_t node);
/* Label edge e (index into edge_dst) after finish; the text is interned. */
int gcs_hg_set_slot(gcs_hg *g, size_t e, const char *slot);

/* Strongly connected components of the subgraph induced by the nodes with
 * in_set[i] != 0 (edges leaving the set are ignored). scc[i] gets the SCC id
 * (0..*n_scc-1) of members, GCS_HG_NONE for others. Iterative (no recursion:
 * chains can be millions deep). GCS_ENOMEM. In
 * src/analysis/scc.c; also used by `gcscope export --format dot`. */
int gcs_hg_scc(const gcs_hg *g, const uint8_t *in_set, uint32_t *scc, size_t *n_scc);

/* malloc for the big per-node / per-edge arrays of the graph and the analysis:
 * from 4 MiB up, 2 MiB-aligned and advised for transparent huge pages (page
 * faults dominate the cost of a million-object snapshot). The size is not
 * rounded up: the tail past the last whole huge page stays in small pages,
 * so an array costs no more RSS than its bytes. Free with free(). */
void *gcs_hg_big_alloc(size_t size);

#endif
