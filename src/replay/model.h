/* src/replay/model.h — the replay model's state and the functions that change
 * it (model.c: apply one event; snapshot.c: keyframes). Private to
 * src/replay/; the public view is gcscope/replay.h.
 *
 * Invariants (checked by gcs_model_check in tests):
 *   - objs[] is sorted by id, with no holes between public calls; idx maps
 *     every id in objs[] to its index.
 *   - an edge src -slot-> dst is in objs[src].out AND objs[dst].in exactly as
 *     many times; both endpoints are in objs[]; freed objects have no edges.
 *   - gen lists (young[0], young[1]) hold at least every alive tracked object
 *     of that generation (stale entries are skipped when used).
 *   - freed objects stay until pos > free_event + freed_window (purge FIFO).
 */
#ifndef GCS_REPLAY_MODEL_H
#define GCS_REPLAY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcscope/replay.h"
#include "gcscope/trace_events.h"

typedef struct m_ref {
    uint64_t other; /* dst for out-edges, src for in-edges */
    const char *slot;
} m_ref;

typedef struct m_obj {
    uint64_t id;
    const char *type;
    char *label; /* owned (malloc'd) copy of the last LABEL text: labels are often
                  * unique per object, so they are not interned (issue #8) */
    const gcs_site *alloc_site;
    int64_t refcnt, gc_refs;
    uint64_t size, alloc_ev, free_ev;
    m_ref *out, *in; /* entries with other == 0 are dead (edges.c) */
    uint32_t n_out, cap_out, n_in, cap_in, dead_out, dead_in;
    uint32_t kind;
    int8_t gen, gc_state;
    uint16_t flags; /* M_* */
    uint8_t purged;
} m_obj;

enum {
    M_ALIVE = 1,
    M_TRACKED = 2,
    M_FINALIZED = 4,
    M_RESURRECTED = 8,
    M_GARBAGE = 16,
    M_IN_PASS = 32,
    M_DIRTY = 64, /* has dead edge entries; on the dirty list (not part of the state) */
    M_HELD = 128, /* unreachable when its pass promoted: stays put; GC_END moves it
                   * to the older generation if it survived (resurrected, legacy
                   * finalizer, alive after clear), as CPython merges it into `old` */
    M_INTERNAL = 256 /* INTERNAL seen: interpreter-internal, hidden by default */
};

/* One strong reference in the edge hash (edges.c): key (src, slot, dst),
 * value the positions in objs[src].out and objs[dst].in. src 0 = empty. */
typedef struct m_edge {
    uint64_t src, dst;
    const char *slot;
    uint32_t out_i, in_i;
} m_edge;

typedef struct m_var {
    const char *name;
    uint64_t obj;
} m_var;

typedef struct m_frame {
    uint64_t id;
    const char *name;
    m_var *vars;
    size_t n_vars, cap_vars;
} m_frame;

typedef struct m_u64vec {
    uint64_t *v;
    size_t n, cap;
} m_u64vec;

/* A direct-mapped cache in front of the object index (slot = id & 255):
 * most events touch an object touched a few events before. Not part of the
 * state: emptied whenever objs[] indices change (idx rebuild, clear) and for
 * a purged id. */
#define M_FCACHE 256
typedef struct m_fcache {
    uint64_t id; /* 0: empty */
    uint32_t i;
} m_fcache;

typedef struct gcs_model {
    uint64_t pos; /* events applied */
    uint64_t freed_window;

    m_obj *objs;
    size_t n_objs, cap_objs, n_holes, n_alive;
    uint64_t *idx_keys; /* open addressing: id -> index + 1 in idx_vals */
    uint32_t *idx_vals;
    size_t idx_cap, idx_n;

    m_frame *frames;
    size_t n_frames, cap_frames;
    gcs_replay_weakref *wrs;
    size_t n_wrs, cap_wrs;

    gcs_replay_gc_now gc;
    uint64_t passes_begun;
    m_u64vec pass_objs, garbage, young[2], purge_q; /* purge_q: ids in free order */
    m_edge *eh;                                     /* edge hash (edges.c) */
    size_t eh_cap, eh_n;
    m_u64vec dirty; /* objects with dead edge entries */
    size_t purge_head;
    uint64_t purge_at; /* no purge is due before this pos (0: check); not part of the state */

    const char *last_marker;
    uint64_t last_marker_ev;
    gcs_replay_gen_stats stats[3];
    gcs_replay_gc_config cfg;
    bool cfg_seen; /* a GC_CONFIG was applied (else the trace header's config holds) */
    int oom;       /* sticky: an allocation failed while applying */
    m_fcache fc[M_FCACHE];
} gcs_model;

/* Empty state (pos 0) with the header's collector config. */
void gcs_model_init(gcs_model *m, uint64_t freed_window, const long thresholds[3], bool enabled,
                    unsigned debug);
/* Back to the empty state, keeping allocations where possible. */
void gcs_model_clear(gcs_model *m);
void gcs_model_fini(gcs_model *m);

/* Apply event number m->pos (ev) and advance pos. Returns 0 or GCS_ENOMEM
 * (the state is then incomplete; m->oom is set). Never fails on odd traces:
 * unknown objects become placeholders, impossible removals are ignored. */
int gcs_model_apply(gcs_model *m, const gcs_event *ev);
/* Remove purge holes (objs[] compaction); call before queries. */
int gcs_model_compact(gcs_model *m);

/* Edges (edges.c). Objects passed in must be alive and in objs[]. */
int gcs_edges_add(gcs_model *m, m_obj *s, m_obj *d, const char *slot);
void gcs_edges_del(gcs_model *m, uint64_t src, const char *slot, uint64_t dst);
/* Replace s -slot-> old by s -slot-> d in place; 0 if there was no such edge. */
int gcs_edges_replace(gcs_model *m, m_obj *s, const char *slot, m_obj *old, m_obj *d);
void gcs_edges_drop_all(gcs_model *m, m_obj *o);
void gcs_edges_compact_obj(gcs_model *m, m_obj *o);
void gcs_edges_compact_dirty(gcs_model *m);
void gcs_edges_clear(gcs_model *m);
int gcs_edges_rebuild(gcs_model *m);
/* 1 if every live out-edge of o has its hash entry and matching in-entry. */
int gcs_edges_check(const gcs_model *m, const m_obj *o);

/* Lookup: index of id in objs[] or -1. */
long gcs_model_find(const gcs_model *m, uint64_t id);
/* The same through the lookup cache (while applying events): the object or
 * NULL. */
m_obj *gcs_model_get_(gcs_model *m, uint64_t id);

/* Keyframes: serialise the whole state canonically (equal states give equal
 * bytes) into a new buffer; restore replaces m's state. Strings and sites are
 * stored as pointers (valid for the replay's life). */
int gcs_model_save(const gcs_model *m, uint8_t **out, size_t *len);
int gcs_model_load(gcs_model *m, const uint8_t *buf, size_t len);

/* Consistency check of the invariants above: 0 or GCS_ECORRUPT with a
 * message in why. Tests only (cost O(state)). */
int gcs_model_check(const gcs_model *m, char *why, size_t n);

#endif
