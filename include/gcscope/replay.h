/* gcscope/replay.h — the replay model: the state of the heap at any event of a
 * trace, forward or backward. The viewer, the CLI and the leak report read
 * traces ONLY through this API.
 *
 * TABLE OF CONTENTS
 *   1. Open, close, trace facts, damage
 *   2. Events (decode by index) and the cursor (seek, step)
 *   3. State at the cursor: objects, references, frames and variables,
 *      weakrefs, the current collector pass, gc.garbage, markers, stats
 *   4. Whole-trace timelines: collector passes, markers, refcount history
 *
 * THE CURSOR. A replay has a position `pos` in [0, n_events]: the state after
 * applying events 0..pos-1. pos 0 is the empty heap; pos n_events is the end.
 * "The state at event i" (after event i happened) is pos = i + 1. Opening
 * leaves pos at 0. gcs_replay_seek() restores the nearest keyframe at or
 * before pos and applies at most a bounded number of events (keyframes are
 * built while opening, spaced so they use a small fraction of the trace's
 * size); stepping back is seek(pos - 1).
 *
 * STRINGS AND SITES returned by any function here (type names, slot labels,
 * variable names, captions, gcs_site) are owned by the replay and valid until
 * gcs_replay_close(). Equal strings have equal pointers. Two exceptions, for
 * bounded memory on big traces (labels are often unique per object): an
 * object's label (gcs_replay_obj.label) is valid until the cursor moves, and
 * a LABEL event's text (gcs_replay_event) until the next call on the replay.
 * Copy them to keep them.
 *
 * ITERATION is by index over the state at the cursor: n_<thing>() then
 * <thing>(k) for k in [0, n). Indices are valid until the cursor moves.
 *
 * ERRORS: functions returning int return 0 or a negative GCS_E* code
 * (gcscope/errors.h); on error the out-parameter is left zeroed. GCS_ENOTFOUND
 * for an id that is not in the state, GCS_EINDEX for an index out of range.
 */
#ifndef GCSCOPE_REPLAY_H
#define GCSCOPE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcscope/errors.h"
#include "gcscope/trace.h"
#include "gcscope/trace_events.h"

#ifdef __cplusplus
extern "C" {
#endif

/* {================ 1. Open, close, trace facts, damage ================} */

typedef struct gcs_replay gcs_replay;

typedef struct gcs_replay_opts {
    gcs_progress_fn progress; /* may be NULL; bytes read during the open pass */
    void *progress_ud;
    uint64_t freed_window; /* a freed object stays queryable for this many events
                            * after its FREE (default 5000; the viewer fades it out) */
    bool salvage;          /* skip damaged chunks instead of stopping (gcs_reader_opts) */
    /* One-pass tools (`gcscope info`, a report at one event): the open pass
     * validates the trace and builds the timelines, but applies no event to
     * the model and takes no keyframe, so it costs no memory for the heap.
     * Seeking forward applies events from the cursor; seeking backward
     * replays from event 0. Default false. */
    bool stream;
    /* May be NULL: also called for every event of the open pass, in order
     * (as gcs_reader_opts.on_event; non-zero cancels the open with GCS_ECALL). */
    gcs_reader_event_fn on_event;
    void *on_event_ud;
    /* The sidecar index cache, `<path>.gcsidx` (docs/trace-format.md,
     * "Sidecar index"): an open that built the index has it written next
     * to the trace afterwards (gcs_replay_write_index, gcs_replay_close),
     * and a later open of the unchanged file loads it instead of replaying
     * (with on_event set, the events are still decoded and given to it).
     * 0 (default): for traces of GCS_REPLAY_INDEX_MIN_BYTES and more, unless
     * the environment has GCSCOPE_INDEX_CACHE=0; < 0: never; > 0: for traces
     * of any size, whatever the environment says. gcs_replay_open only, not
     * in stream mode; a damaged trace is never cached. */
    int index_cache;
} gcs_replay_opts;

/* Traces smaller than this are not worth an index file (they open in
 * milliseconds). */
#define GCS_REPLAY_INDEX_MIN_BYTES ((uint64_t)4 << 20)

/* Fill `opts` with the defaults. */
void gcs_replay_opts_init(gcs_replay_opts *opts);

/* Open a trace and build the index (one pass over the file: validates every
 * chunk, builds keyframes, the pass and marker timelines), or load it from
 * the sidecar index `<path>.gcsidx` when that is valid for the file as it is
 * now (see gcs_replay_opts.index_cache; same results either way). A damaged trace
 * opens: everything before the damage is available and gcs_replay_damage()
 * tells where it starts. Errors as gcs_reader_open(); *out NULL; message in
 * gcs_replay_open_errmsg(). */
int gcs_replay_open(const char *path, const gcs_replay_opts *opts, gcs_replay **out);
/* Same over memory (borrowed: must outlive the replay). */
int gcs_replay_open_mem(const void *data, size_t len, const char *name, const gcs_replay_opts *opts,
                        gcs_replay **out);
/* Message of the last failed open on this thread. */
const char *gcs_replay_open_errmsg(void);
/* The sidecar index of an open that built the index and may cache it
 * (gcs_replay_opts.index_cache) is written after the open, so the open does
 * not wait for it: by this call, or else by gcs_replay_close. Only if the
 * trace is unchanged since the open read it; once; errors ignored (a cache).
 * The CLI's commands call it right after opening (a command killed by
 * SIGPIPE in `gcscope dump big.gctrace | head` still leaves the index); the
 * viewer leaves it to the close, after its window is gone. */
void gcs_replay_write_index(gcs_replay *r);
/* Free everything (first writing a pending sidecar index, see above).
 * Accepts NULL. */
void gcs_replay_close(gcs_replay *r);

/* Header facts (version, thresholds, recorder, cmdline, clean close). */
void gcs_replay_info(const gcs_replay *r, gcs_trace_info *out);
/* Damage report and its message ("" if intact); see gcscope/trace.h. */
void gcs_replay_damage(const gcs_replay *r, gcs_trace_damage *out);
const char *gcs_replay_errmsg(const gcs_replay *r);

/* Bytes used by keyframes, the chunk table and the timelines (for `gcscope
 * info`); the decoded strings of the trace (labels, slot names) are not
 * counted. */
size_t gcs_replay_index_bytes(const gcs_replay *r);

/* {================ 2. Events and the cursor ================} */

/* Number of events in the (intact part of the) trace. */
uint64_t gcs_replay_n_events(const gcs_replay *r);

/* Decode event i (0-based) into *ev; independent of the cursor. Strings and
 * site as above. GCS_EINDEX if i >= n_events. */
int gcs_replay_event(gcs_replay *r, uint64_t i, gcs_event *ev);

/* The cursor (number of events applied). */
uint64_t gcs_replay_pos(const gcs_replay *r);

/* Move the cursor to `pos` (clamped to [0, n_events]). Forward moves apply
 * events; a backward move (or a long forward one) restores the nearest
 * keyframe first. GCS_ENOMEM leaves the cursor at 0 (empty state). */
int gcs_replay_seek(gcs_replay *r, uint64_t pos);
/* seek(pos + delta), clamped; delta may be negative. */
int gcs_replay_step(gcs_replay *r, int64_t delta);

/* {================ 3. State at the cursor ================} */

/* Generation values. */
enum {
    GCS_REPLAY_GEN_UNTRACKED = -1, /* not tracked by the collector */
    GCS_REPLAY_GEN_PERMANENT = 3   /* frozen (gc.freeze) */
};

typedef struct gcs_replay_obj {
    uint64_t id;
    unsigned kind;     /* a gcs_kind value (gcscope/runtime.h) */
    const char *type;  /* type name ("list", class name); never NULL ("?" if unknown) */
    const char *label; /* last LABEL text, NULL if none */
    int64_t refcnt;    /* last known reference count */
    int gen;           /* 0, 1, 2, GCS_REPLAY_GEN_PERMANENT, or GCS_REPLAY_GEN_UNTRACKED;
                        * a freed object keeps the generation it was in */
    bool tracked;
    bool alive;                 /* false: freed (kept for freed_window events) */
    bool finalized;             /* its finalizer ran (FINALIZE seen) */
    bool resurrected;           /* RESURRECT seen */
    bool in_garbage;            /* in gc.garbage */
    bool internal;              /* marked interpreter-internal (INTERNAL event): views
                                 * hide it unless asked to show everything */
    uint64_t size;              /* bytes */
    uint64_t alloc_event;       /* index of its ALLOC event (UINT64_MAX if never seen) */
    const gcs_site *alloc_site; /* may be NULL */
    uint64_t free_event;        /* index of its FREE event, UINT64_MAX while alive */
    /* During a collector pass (in_pass): what GC_REFS / GC_STATE last said. */
    bool in_pass;
    int64_t gc_refs;
    int gc_state;                 /* a gcs_gc_objstate, -1 if none reported */
    size_t n_refs_out, n_refs_in; /* strong references from / to this object */
} gcs_replay_obj;

/* Objects in the state: alive ones and recently freed ones, in id order. */
size_t gcs_replay_n_objects(const gcs_replay *r);
int gcs_replay_object_at(const gcs_replay *r, size_t k, gcs_replay_obj *out);
/* Lookup by id (GCS_ENOTFOUND if never allocated or freed longer ago than
 * freed_window events). */
int gcs_replay_object(const gcs_replay *r, uint64_t id, gcs_replay_obj *out);
/* Number of alive objects. */
size_t gcs_replay_n_alive(const gcs_replay *r);

/* A strong reference: `src` holds `dst` in the slot labelled `slot` (".next",
 * "[0]", "{'k'}"). */
typedef struct gcs_replay_ref {
    uint64_t src;
    const char *slot;
    uint64_t dst;
} gcs_replay_ref;
/* Outgoing references of object `id`, in the order their slots were first
 * set (a reference replaced in the same slot keeps its place, so list items
 * stay in list order). */
int gcs_replay_ref_out(const gcs_replay *r, uint64_t id, size_t k, gcs_replay_ref *out);
/* Incoming references (referrers) of object `id`, in the order they were made. */
int gcs_replay_ref_in(const gcs_replay *r, uint64_t id, size_t k, gcs_replay_ref *out);
/* (counts are gcs_replay_obj.n_refs_out / n_refs_in) */

/* Frames, outermost ("<module>") first, and their variables in binding order. */
typedef struct gcs_replay_frame {
    uint64_t id;
    const char *name;
    size_t n_vars;
} gcs_replay_frame;
typedef struct gcs_replay_var {
    uint64_t frame;
    const char *name;
    uint64_t obj;
} gcs_replay_var;
size_t gcs_replay_n_frames(const gcs_replay *r);
int gcs_replay_frame_at(const gcs_replay *r, size_t k, gcs_replay_frame *out);
int gcs_replay_var_at(const gcs_replay *r, size_t frame_k, size_t var_k, gcs_replay_var *out);

/* Weak references. */
typedef enum gcs_replay_wr_cb {
    GCS_REPLAY_WRCB_NONE = 0,    /* no callback, or referent still alive */
    GCS_REPLAY_WRCB_PENDING = 1, /* cleared, callback not run yet */
    GCS_REPLAY_WRCB_RUN = 2      /* callback ran (WEAKREF_CALLBACK seen) */
} gcs_replay_wr_cb;
typedef struct gcs_replay_weakref {
    uint64_t wr;           /* the weakref object's id */
    uint64_t referent;     /* current referent, 0 once cleared */
    uint64_t old_referent; /* referent at creation (kept after clearing) */
    uint64_t callback;     /* callback object, 0 if none */
    bool cleared;
    gcs_replay_wr_cb cb;
} gcs_replay_weakref;
/* Weakrefs whose weakref object is in the state, in creation order. */
size_t gcs_replay_n_weakrefs(const gcs_replay *r);
int gcs_replay_weakref_at(const gcs_replay *r, size_t k, gcs_replay_weakref *out);
/* Lookup by the weakref object's id (GCS_ENOTFOUND if not a weakref in the state). */
int gcs_replay_weakref_find(const gcs_replay *r, uint64_t wr, gcs_replay_weakref *out);

/* The collector pass in progress at the cursor. */
typedef struct gcs_replay_gc_now {
    bool active;          /* between GC_BEGIN and GC_END */
    unsigned gen;         /* generations 0..gen collected */
    unsigned reason;      /* 0 automatic, 1 manual */
    int phase;            /* a gcs_gc_phase, -1 before the first GC_PHASE */
    uint64_t begin_event; /* index of the GC_BEGIN */
    uint64_t pass_no;     /* 0-based index in the pass timeline */
    uint64_t counts[3];   /* generation counts at GC_BEGIN */
} gcs_replay_gc_now;
void gcs_replay_gc_current(const gcs_replay *r, gcs_replay_gc_now *out);
/* Objects reported (GC_REFS / GC_STATE) in the current pass, first report
 * first. Their gc_refs / gc_state are in gcs_replay_obj. Empty outside a pass. */
size_t gcs_replay_n_pass_objects(const gcs_replay *r);
int gcs_replay_pass_object_at(const gcs_replay *r, size_t k, uint64_t *id);

/* gc.garbage, in append order. */
size_t gcs_replay_n_garbage(const gcs_replay *r);
int gcs_replay_garbage_at(const gcs_replay *r, size_t k, uint64_t *id);

/* Last MARKER caption at or before the cursor, NULL if none; *event (may be
 * NULL) gets its index. */
const char *gcs_replay_last_marker(const gcs_replay *r, uint64_t *event);

/* Cumulative per-generation statistics (as gc.get_stats()) and the collector
 * configuration (from GC_CONFIG, else the trace header) at the cursor. */
typedef struct gcs_replay_gen_stats {
    uint64_t collections, collected, uncollectable;
} gcs_replay_gen_stats;
void gcs_replay_gc_stats(const gcs_replay *r, gcs_replay_gen_stats out[3]);
typedef struct gcs_replay_gc_config {
    bool enabled;
    long thresholds[3];
    unsigned debug;
    uint64_t frozen; /* objects in the permanent generation */
} gcs_replay_gc_config;
void gcs_replay_gc_config_at(const gcs_replay *r, gcs_replay_gc_config *out);

/* {================ 4. Whole-trace timelines ================} */

/* Collector passes, in order (computed at open, independent of the cursor). */
typedef struct gcs_replay_pass {
    uint64_t begin_event; /* GC_BEGIN index */
    uint64_t end_event;   /* GC_END index, UINT64_MAX if the trace ends first */
    unsigned gen, reason;
    uint64_t collected, uncollectable;
    uint64_t duration_ns; /* from GC_END */
    uint64_t t_begin_ns;  /* GC_BEGIN timestamp (0 if unstamped) */
} gcs_replay_pass;
size_t gcs_replay_n_passes(const gcs_replay *r);
int gcs_replay_pass_at(const gcs_replay *r, size_t k, gcs_replay_pass *out);

/* Markers, in order. */
typedef struct gcs_replay_marker {
    uint64_t event;
    const char *text;
    uint64_t t_ns;
} gcs_replay_marker;
size_t gcs_replay_n_markers(const gcs_replay *r);
int gcs_replay_marker_at(const gcs_replay *r, size_t k, gcs_replay_marker *out);

/* ERROR events (API misuse: over-release, use after free), in order. */
typedef struct gcs_replay_error {
    uint64_t event;
    int code; /* GCS_E* */
    uint64_t obj;
    const char *detail;
    const gcs_site *site;
} gcs_replay_error;
size_t gcs_replay_n_errors(const gcs_replay *r);
int gcs_replay_error_at(const gcs_replay *r, size_t k, gcs_replay_error *out);

/* Reference-count history of object `id` over the whole trace: its ALLOC,
 * every INCREF/DECREF, its FREE, in order. *out is a new array (free it with
 * gcs_replay_history_free), *n its length. GCS_ENOTFOUND if the trace never
 * allocates `id`; GCS_ENOMEM. Cost: one scan from the ALLOC to the FREE. */
typedef struct gcs_replay_rc_point {
    uint64_t event;
    int64_t refcnt;       /* count after the event (1 at ALLOC, 0 at FREE) */
    gcs_ev_kind kind;     /* GCS_EV_ALLOC, GCS_EV_INCREF, GCS_EV_DECREF or GCS_EV_FREE */
    const gcs_site *site; /* may be NULL */
} gcs_replay_rc_point;
int gcs_replay_rc_history(gcs_replay *r, uint64_t id, gcs_replay_rc_point **out, size_t *n);
void gcs_replay_history_free(gcs_replay_rc_point *points);

#ifdef __cplusplus
}
#endif
#endif
