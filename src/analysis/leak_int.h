/* src/analysis/leak_int.h — internals of the leak analysis shared by its files:
 *   leak_classify.c  one class per node (reachability, gc_refs, SCCs, owners)
 *   scc.c            iterative Tarjan over a node subset (gcs_hg_scc, heapgraph.h)
 *   leak_history.c   incref/decref pairing -> culprits of a reference leak
 *   leak_report.c    loss records, suppressions, the public report API
 *   leak_text.c      human report; leak_json.c JSON and suppression entries
 * Start reading at gcs_la_classify() in leak_classify.c.
 */
#ifndef GCS_ANALYSIS_LEAK_INT_H
#define GCS_ANALYSIS_LEAK_INT_H

#include <stdio.h>

#include "analysis/heapgraph.h"
#include "gcscope/leaks.h"

/* Per-node results of the classification. Arrays have g->n_nodes entries. */
typedef struct gcs_leak_analysis {
    const gcs_hg *g;
    uint8_t *cls;         /* gcs_leak_kind (never ERROR) */
    uint32_t *owner;      /* INDIRECT: the direct (seed) node keeping it alive;
                           * direct leak classes: itself; REACHABLE: GCS_HG_NONE */
    uint32_t *parent;     /* BFS tree: the node it was first reached from
                           * (GCS_HG_NONE for seeds) */
    uint32_t *root;       /* REACHABLE seeds: index in g->roots, or GCS_HG_NONE
                           * (runtime-held); others GCS_HG_NONE */
    int64_t *unexplained; /* refcnt - strong refs from objects - variables - runtime;
                           * > 0: references unaccounted for; < 0: over-released */
    uint32_t *scc;        /* SCC id among cyclic garbage, GCS_HG_NONE elsewhere */
    uint8_t *shared;      /* INDIRECT also reachable from another leaked object */
    uint32_t *scc_leader; /* per SCC id: lowest-index member */
    uint32_t *scc_size;   /* per SCC id */
    size_t n_scc;
    uint32_t *queue; /* n_nodes entries of work space during gcs_la_classify
                      * (freed when it returns: NULL after) */
} gcs_leak_analysis;

/* Classify every node of a finished graph. Pure: reads g only. O(V + E).
 * GCS_ENOMEM leaves *a zeroed (free it anyway). */
int gcs_la_classify(const gcs_hg *g, gcs_leak_analysis *a);
void gcs_la_free(gcs_leak_analysis *a);

/* True if SCC `s` is a cycle (more than one member or a self-reference). */
bool gcs_la_scc_is_cycle(const gcs_leak_analysis *a, uint32_t s);

/* {==== Culprits: pairing incref/decref history ====} */

typedef struct gcs_la_culprit {
    uint32_t site;  /* index into g->sites */
    uint64_t event; /* event index of the (last) unpaired incref there */
    uint64_t count; /* unpaired increfs at that site (aggregated: over objects) */
    uint8_t op;     /* gcs_hg_op of the incref */
} gcs_la_culprit;

/* How increfs and decrefs are paired (printed with every culprit list). */
extern const char gcs_la_pairing_rule[];

/* The increfs of node `n` left unpaired and not explained by live references:
 * up to `max` culprits, latest first, into out[]; returns how many. `explained`
 * is the number of current references that live objects and variables hold.
 * 0 when the node has no history. */
size_t gcs_la_culprits(const gcs_hg *g, uint32_t n, int64_t explained, gcs_la_culprit *out,
                       size_t max);

/* {==== Report ====} */

typedef struct gcs_leak_supp gcs_leak_supp;

/* Parse a suppressions file. GCS_EIO / GCS_EFORMAT with msg (size msg_size). */
int gcs_leak_supp_load(const char *path, gcs_leak_supp **out, char *msg, size_t msg_size);
/* Parse suppressions from memory (name used in messages). */
int gcs_leak_supp_parse(const char *text, const char *name, gcs_leak_supp **out, char *msg,
                        size_t msg_size);
void gcs_leak_supp_free(gcs_leak_supp *s);
/* True if a suppression matches (kind, type, site). */
bool gcs_leak_supp_match(const gcs_leak_supp *s, gcs_leak_kind kind, const char *type,
                         const gcs_site *site);

/* Per-record private detail. */
typedef struct gcs_leak_rec_priv {
    uint32_t site;        /* index into g->sites */
    uint32_t examples[8]; /* example direct nodes (CYCLE: SCC leaders; ERROR: error idx) */
    size_t n_examples;
    int code;                   /* ERROR: GCS_E* */
    gcs_la_culprit culprits[8]; /* REFLEAK: aggregated over the record's objects */
    size_t n_culprits;
    bool shared;    /* INDIRECT: some objects also held by other leaks */
    uint64_t below; /* objects whose refcount is below their references */
} gcs_leak_rec_priv;

struct gcs_leak_report {
    gcs_hg *g; /* owned */
    gcs_leak_analysis a;
    gcs_leak_options opt;
    gcs_leak_summary sum;
    gcs_leak_record *recs;
    gcs_leak_rec_priv *priv;
    size_t n_recs;
    const char *source; /* what was analysed ("live heap", trace path) */
};

/* Build a report from a finished graph, taking ownership of g (freed on error
 * too). `source` is copied into the graph. On error *out NULL and the message
 * in gcs_leak_errmsg(). */
int gcs_leak_analyze(gcs_hg *g, const gcs_leak_options *opt, const char *source,
                     gcs_leak_report **out);

/* Set the thread's error message (printf-style); returns code. */
int gcs_leak_set_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writers. */
int gcs_leak_write_text(const gcs_leak_report *r, FILE *f);
int gcs_leak_write_json(const gcs_leak_report *r, FILE *f);
int gcs_leak_write_supp(const gcs_leak_report *r, FILE *f);

/* Text helpers shared by the writers. */
const char *gcs_la_reason(const gcs_hg *g, uint32_t n);
/* Path to node n: from its root variable (REACHABLE) or its owner (INDIRECT),
 * through the BFS parents. Writes up to max nodes (seed first) into out, returns
 * the full length. */
size_t gcs_la_path(const gcs_leak_analysis *a, uint32_t n, uint32_t *out, size_t max);
/* Slot label of the first edge u -> v, "?" if none. */
const char *gcs_la_slot(const gcs_hg *g, uint32_t u, uint32_t v);
/* A loop through SCC member `leader`: writes up to max nodes, returns its
 * length (0 if none found). */
size_t gcs_la_loop(const gcs_leak_analysis *a, uint32_t leader, uint32_t *out, size_t max);

#endif
