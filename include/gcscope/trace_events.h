/* gcscope/trace_events.h — the ONLY list of runtime events.
 *
 * The runtime emits every state change as a gcs_event through the heap's event
 * hook; the trace writer encodes it, the reader decodes it, `gcscope dump`
 * prints it, the replay model applies it. All of them derive from
 * GCS_EVENT_MAP. Adding an event is a one-row change here, plus its *meaning*
 * in the replay model (whose switch has no default:, so -Wswitch-enum catches a
 * missing case) and a line in docs/trace-format.md (checked by a test).
 *
 * Rows: X(NAME, name, code, FIELDS, doc). `code` is the on-disk op code and is
 * never reused once released. FIELDS is a run of F(tag, field) where tag is
 *   O  an object id (uint64_t; 0 means "none"), delta-encoded on disk
 *   U  an unsigned integer (uint64_t), varint on disk
 *   I  a signed integer (int64_t), zigzag varint on disk
 *   S  a string (const char *, NUL-terminated, may be NULL), interned on disk
 * Every event also carries a call site (may be NULL) and a timestamp (t_ns,
 * 0 when the emitter did not stamp it) in its common part.
 */
#ifndef GCSCOPE_TRACE_EVENTS_H
#define GCSCOPE_TRACE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* clang-format off */
#define GCS_EVENT_MAP(X)                                                                          \
    X(ALLOC,          alloc,          0x01, F(O, obj) F(S, type) F(U, kind) F(U, size),           \
      "object allocated (kind: gcs_kind; size: bytes including header)")                          \
    X(FREE,           free,           0x02, F(O, obj),                                            \
      "object freed; its id is never reused")                                                     \
    X(INCREF,         incref,         0x03, F(O, obj) F(I, refcnt),                               \
      "strong reference taken; refcnt is the new count")                                          \
    X(DECREF,         decref,         0x04, F(O, obj) F(I, refcnt),                               \
      "strong reference released; refcnt is the new count")                                       \
    X(LABEL,          label,          0x05, F(O, obj) F(S, text),                                 \
      "short value label of an object ('spam', 42, Node) for display")                            \
    X(REF_SET,        ref_set,        0x06, F(O, src) F(S, slot) F(O, dst) F(O, old),             \
      "reference stored in slot of src (old: previous target or 0)")                              \
    X(REF_DEL,        ref_del,        0x07, F(O, src) F(S, slot) F(O, old),                       \
      "reference removed from slot of src")                                                       \
    X(TRACK,          track,          0x08, F(O, obj),                                            \
      "object tracked by the collector (enters generation 0)")                                    \
    X(UNTRACK,        untrack,        0x09, F(O, obj),                                            \
      "object untracked by the collector")                                                        \
    X(FRAME_PUSH,     frame_push,     0x0a, F(U, frame) F(S, name),                               \
      "frame pushed (frame: frame id, name: function or scope)")                                  \
    X(FRAME_POP,      frame_pop,      0x0b, F(U, frame),                                          \
      "frame popped; its variables were deleted first")                                           \
    X(VAR_SET,        var_set,        0x0c, F(U, frame) F(S, name) F(O, obj) F(O, old),           \
      "variable bound to an object (old: previous object or 0)")                                  \
    X(VAR_DEL,        var_del,        0x0d, F(U, frame) F(S, name) F(O, old),                     \
      "variable deleted")                                                                         \
    X(WEAKREF_NEW,    weakref_new,    0x0e, F(O, wr) F(O, referent) F(O, callback),               \
      "weak reference created (callback 0: none)")                                                \
    X(WEAKREF_CLEAR,  weakref_clear,  0x0f, F(O, wr) F(O, referent),                              \
      "weak reference cleared: it now returns nothing")                                           \
    X(WEAKREF_CALLBACK, weakref_callback, 0x10, F(O, wr) F(O, callback),                          \
      "weak reference callback about to run")                                                     \
    X(FINALIZE,       finalize,       0x11, F(O, obj),                                            \
      "finalizer (__del__, PEP 442) about to run; runs once per object")                          \
    X(RESURRECT,      resurrect,      0x12, F(O, obj),                                            \
      "object survived its finalizer (resurrected)")                                              \
    X(GC_BEGIN,       gc_begin,       0x13,                                                       \
      F(U, gen) F(U, reason) F(U, count0) F(U, count1) F(U, count2),                              \
      "collector pass started on generations 0..gen (reason: 0 automatic, 1 manual)")            \
    X(GC_PHASE,       gc_phase,       0x14, F(U, phase),                                          \
      "collector pass entered a phase (gcs_gc_phase)")                                            \
    X(GC_REFS,        gc_refs,        0x15, F(O, obj) F(I, refs),                                 \
      "gc_refs of an object in the collected set, after the current phase")                       \
    X(GC_STATE,       gc_state,       0x16, F(O, obj) F(U, state),                                \
      "object's reachability in the pass (gcs_gc_objstate)")                                     \
    X(GC_PROMOTE,     gc_promote,     0x17, F(U, from) F(U, to) F(U, n),                          \
      "the n survivors of the collected set moved to generation `to`")                            \
    X(GC_GARBAGE,     gc_garbage,     0x18, F(O, obj),                                            \
      "object appended to gc.garbage (uncollectable or DEBUG_SAVEALL)")                           \
    X(GC_END,         gc_end,         0x19,                                                       \
      F(U, gen) F(U, collected) F(U, uncollectable) F(U, duration_ns),                            \
      "collector pass finished")                                                                  \
    X(GC_CONFIG,      gc_config,      0x1a,                                                       \
      F(U, enabled) F(U, threshold0) F(U, threshold1) F(U, threshold2) F(U, debug),               \
      "collector configuration changed (or initial configuration)")                               \
    X(FREEZE,         freeze,         0x1b, F(U, n),                                              \
      "all tracked objects moved to the permanent generation")                                    \
    X(UNFREEZE,       unfreeze,       0x1c, F(U, n),                                              \
      "permanent generation moved back to generation 2")                                          \
    X(MARKER,         marker,         0x1d, F(S, text),                                           \
      "caption emitted by the program")                                                           \
    X(ERROR,          error,          0x1e, F(I, code) F(O, obj) F(S, detail),                    \
      "API misuse detected (code: GCS_E*; over-release, use after free, bad pointer)")            \
    X(HEAP_END,       heap_end,       0x1f, F(U, live),                                           \
      "heap teardown begins (live: objects still alive)")                                         \
    X(INTERNAL,       internal,       0x20, F(O, obj),                                            \
      "object marked interpreter-internal by its embedder (views hide it by default)")
/* clang-format on */

/* Event kinds. */
typedef enum gcs_ev_kind {
#define X(NAME, name, code, FIELDS, doc) GCS_EV_##NAME,
    GCS_EVENT_MAP(X)
#undef X
        GCS_EV__COUNT
} gcs_ev_kind;

/* C types of the field tags. */
typedef uint64_t gcs_evf_O;
typedef uint64_t gcs_evf_U;
typedef int64_t gcs_evf_I;
typedef const char *gcs_evf_S;

/* Payload structs: gcs_ev_alloc, gcs_ev_free, ... */
#define F(tag, field) gcs_evf_##tag field;
#define X(NAME, name, code, FIELDS, doc)                                                           \
    typedef struct gcs_ev_##name {                                                                 \
        FIELDS                                                                                     \
    } gcs_ev_##name;
GCS_EVENT_MAP(X)
#undef X
#undef F

/* A call site: where in the embedding program a reference changed hands.
 * file and func must outlive the heap (string literals from __FILE__ and
 * __func__ do). */
typedef struct gcs_site {
    const char *file;
    const char *func;
    int line;
} gcs_site;

/* One event as the hook receives it. Strings point into memory that is valid
 * only during the hook call. */
typedef struct gcs_event {
    gcs_ev_kind kind;
    const gcs_site *site; /* may be NULL */
    uint64_t t_ns;        /* monotonic ns since heap creation, 0 if unstamped */
    union {
#define X(NAME, name, code, FIELDS, doc) gcs_ev_##name name;
        GCS_EVENT_MAP(X)
#undef X
    } u;
} gcs_event;

/* The text of an int's LABEL (what a gcs_hooks.label_int hook's value
 * stands for): v in decimal, as "%" PRId64 writes it, NUL-terminated, into
 * buf (GCS_LABEL_INT_TEXT_MAX bytes); returns its length. A loop instead of
 * snprintf, which costs about 450 instructions: as much as recording the
 * rest of the allocation. */
#define GCS_LABEL_INT_TEXT_MAX 21
static inline size_t
gcs_label_int_text(char *buf, int64_t v)
{
    char tmp[GCS_LABEL_INT_TEXT_MAX];
    size_t k = sizeof tmp, n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        tmp[--k] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        tmp[--k] = '-';
    while (k < sizeof tmp)
        buf[n++] = tmp[k++];
    buf[n] = '\0';
    return n;
}

/* Collector phases, as GC_PHASE reports them (order of a pass). */
/* clang-format off */
#define GCS_GC_PHASE_MAP(X)                              \
    X(UPDATE_REFS,       update_refs)                    \
    X(SUBTRACT_REFS,     subtract_refs)                  \
    X(MOVE_UNREACHABLE,  move_unreachable)               \
    X(UNTRACK_TUPLES,    untrack_tuples)                 \
    X(PROMOTE,           promote)                        \
    X(LEGACY_FINALIZERS, legacy_finalizers)              \
    X(WEAKREFS,          weakrefs)                       \
    X(FINALIZERS,        finalizers)                     \
    X(RESURRECTION,      resurrection)                   \
    X(CLEAR,             clear)                          \
    X(DONE,              done)
/* clang-format on */
typedef enum gcs_gc_phase {
#define X(NAME, name) GCS_PHASE_##NAME,
    GCS_GC_PHASE_MAP(X)
#undef X
        GCS_PHASE__COUNT
} gcs_gc_phase;

/* Reachability of an object inside a pass, as GC_STATE reports it. */
typedef enum gcs_gc_objstate {
    GCS_GCST_REACHABLE = 0,   /* proven reachable from outside the collected set */
    GCS_GCST_TENTATIVE = 1,   /* gc_refs reached 0: tentatively unreachable */
    GCS_GCST_UNREACHABLE = 2, /* final: unreachable, will be finalized/cleared */
    GCS_GCST_LEGACY = 3,      /* unreachable but held by a legacy finalizer: uncollectable */
    GCS_GCST_RESURRECTED = 4  /* unreachable but resurrected by a finalizer */
} gcs_gc_objstate;

/* Name of an event kind ("alloc"), NULL if out of range. */
const char *gcs_ev_name(gcs_ev_kind kind);
/* One-line description of an event kind from the table. */
const char *gcs_ev_doc(gcs_ev_kind kind);
/* Name of a collector phase ("update_refs"), NULL if out of range. */
const char *gcs_gc_phase_name(gcs_gc_phase phase);

#ifdef __cplusplus
}
#endif
#endif
