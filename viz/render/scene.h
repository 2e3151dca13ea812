/* viz/render/scene.h — what the viewer draws at one moment of a trace.
 *
 * A gcs_scene is a self-contained snapshot built either by hand (tests,
 * benchmarks) or from the replay model (scene_from_replay.c, the only place
 * that reads the replay API). The renderer and the layout read scenes only.
 * Strings live in the scene's arena: they stay valid until gcs_scene_clear().
 *
 * Invariant after gcs_scene_index(): every edge's si/di is the index of its
 * endpoint in objs (or GCS_SCENE_NONE when the endpoint is not in the scene),
 * and obj_index() answers in O(1).
 */
#ifndef GCS_VIZ_SCENE_H
#define GCS_VIZ_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GCS_SCENE_NONE UINT32_MAX

/* The lanes, left to right. */
typedef enum gcs_lane {
    GCS_LANE_GEN0 = 0,
    GCS_LANE_GEN1,
    GCS_LANE_GEN2,
    GCS_LANE_UNTRACKED, /* atoms and untracked containers */
    GCS_LANE_FROZEN,    /* the permanent generation (gc.freeze) */
    GCS_LANE__COUNT
} gcs_lane;

/* Lane title ("generation 0"); never NULL. */
const char *gcs_lane_name(int lane);

/* Object flags: what happened to it at the current step. */
enum {
    GCS_SOBJ_NEW = 1u << 0,        /* allocated at this step: fades in */
    GCS_SOBJ_FREED = 1u << 1,      /* freed at this step: fades out */
    GCS_SOBJ_IN_PASS = 1u << 2,    /* in the collected set; gc_refs/gc_state valid */
    GCS_SOBJ_LEAK = 1u << 3,       /* not reachable per the leak analysis (leak != 0) */
    GCS_SOBJ_FINALIZING = 1u << 4, /* its finalizer is running now */
    GCS_SOBJ_GARBAGE = 1u << 5,    /* in gc.garbage */
    GCS_SOBJ_CHANGED = 1u << 6,    /* touched by the current event */
    GCS_SOBJ_MOVED = 1u << 7,      /* changed lane at this step (prev_lane valid) */
    GCS_SOBJ_ERROR = 1u << 8,      /* an API misuse named this object */
    GCS_SOBJ_SITED = 1u << 9,      /* allocated at a known call site (site may be
                                    * left NULL to save time; see the inspector) */
    GCS_SOBJ_INTERNAL = 1u << 10   /* interpreter-internal (shown only on request) */
};

/* Leak classes of gcs_sobj.leak: the leak analysis' gcs_leak_kind
 * (gcscope/leaks.h), copied so that scenes built by hand need no analysis. */
enum {
    GCS_SLEAK_NONE = 0,      /* reachable, or not analysed */
    GCS_SLEAK_CYCLE = 1,     /* cyclic garbage: a full collection would free it */
    GCS_SLEAK_UNCOLLECTABLE, /* in gc.garbage */
    GCS_SLEAK_REFLEAK,       /* references unaccounted for */
    GCS_SLEAK_INDIRECT       /* kept alive only by a leaked object (leak_key: its owner) */
};

/* Edge flags. */
enum {
    GCS_SEDGE_WEAK = 1u << 0,     /* weak reference (dashed) */
    GCS_SEDGE_CLEARED = 1u << 1,  /* weakref cleared at this step: drawn snapping */
    GCS_SEDGE_CALLBACK = 1u << 2, /* weakref callback firing now */
    GCS_SEDGE_CHANGED = 1u << 3   /* set at this step */
};

typedef struct gcs_sobj {
    uint64_t id;
    int kind;          /* gcs_kind */
    const char *type;  /* "list", "Node" (interned: equal types, equal pointers) */
    uint32_t type_ix;  /* index into sc->types */
    const char *label; /* short value label, may be "" */
    const char *site;  /* allocation site "demo.c:12 main", may be NULL */
    int64_t refcnt;
    int lane, prev_lane; /* gcs_lane */
    unsigned flags;      /* GCS_SOBJ_* */
    int64_t gc_refs;     /* valid with GCS_SOBJ_IN_PASS */
    int gc_state;        /* gcs_gc_objstate, -1 when not in a pass */
    int leak;            /* GCS_SLEAK_*; nonzero sets GCS_SOBJ_LEAK */
    uint64_t leak_key;   /* CYCLE: first id of its cycle (colour key); INDIRECT: owner id */
    /* Filled by gcs_scene_find_cycles(): */
    int scc;          /* cycle number, -1 when in no cycle */
    uint64_t scc_key; /* smallest id in its cycle (stable colour key) */
    /* Filled by the layout (world units): position now and before this step. */
    double x, y, px, py;
    bool placed;
} gcs_sobj;

typedef struct gcs_sedge {
    uint64_t src, dst;
    const char *slot; /* "[0]", ".parent", "['k']", "weakref" */
    unsigned flags;   /* GCS_SEDGE_* */
    uint32_t si, di;  /* indices into objs, set by gcs_scene_index() */
} gcs_sedge;

typedef struct gcs_svar {
    const char *name;
    uint64_t obj; /* 0: unbound */
    uint32_t frame;
    bool changed; /* bound at this step */
} gcs_svar;

typedef struct gcs_sframe {
    const char *name;
} gcs_sframe;

/* Timeline entries (whole trace). */
typedef enum gcs_tl_kind {
    GCS_TL_PASS = 0, /* a collector pass [ev, ev_end], gen */
    GCS_TL_MARKER,   /* a caption */
    GCS_TL_LEAK,     /* a leak report / leaked object */
    GCS_TL_ERROR     /* an API misuse */
} gcs_tl_kind;

typedef struct gcs_tl_entry {
    int kind; /* gcs_tl_kind */
    uint64_t ev, ev_end;
    int gen;
    const char *text;
} gcs_tl_entry;

/* One refcount change of the inspected object. */
typedef struct gcs_rc_hist {
    uint64_t ev;
    int64_t refcnt;
    const char *site;
} gcs_rc_hist;

typedef struct gcs_scene_arena gcs_scene_arena;

/* Strong references counted by the lane and type of both ends. */
typedef struct gcs_sum_ref {
    uint32_t la, ta, lb, tb; /* lanes and type indices (sc->types) */
    uint64_t n;
} gcs_sum_ref;

/* A big state summarised (scenes of big traces, drawn aggregated): every
 * object of the state is counted here, by lane and type, and every strong
 * reference by the groups of its ends; objs then holds only the objects
 * worth drawing in full (the variables' objects, the inspected object and
 * its neighbours, leaks and misuse, members of self-loops and 2-cycles), so
 * building a scene costs no memory per object of the heap. */
typedef struct gcs_scene_sum {
    bool on;
    uint64_t n_objs; /* objects in the state */
    uint64_t lane_n[GCS_LANE__COUNT];
    uint64_t *count; /* [type * GCS_LANE__COUNT + lane] */
    size_t cap_count;
    gcs_sum_ref *refs; /* open addressing; n == 0 marks a free entry */
    size_t n_refs, cap_refs;
} gcs_scene_sum;

typedef struct gcs_scene {
    gcs_sobj *objs;
    size_t n_objs, cap_objs;
    gcs_sedge *edges;
    size_t n_edges, cap_edges;
    gcs_sframe *frames;
    size_t n_frames, cap_frames;
    gcs_svar *vars; /* grouped by frame, in frame order */
    size_t n_vars, cap_vars;
    gcs_tl_entry *timeline;
    size_t n_timeline, cap_timeline;
    gcs_rc_hist *rc_hist; /* history of the inspected object */
    size_t n_rc_hist, cap_rc_hist;

    const char *title;      /* file name shown in the header / window title */
    uint64_t n_events;      /* events in the trace */
    uint64_t cur_event;     /* index of the current event (0-based) */
    const char *event_text; /* "incref #12 (list) -> 3" */
    const char *event_site; /* "demo.c:42 main" */
    const char *caption;    /* latest marker at or before cur_event, may be NULL */
    bool marker_now;        /* the current event is that marker */
    /* The collector pass in progress, if any. */
    bool in_pass;
    int pass_gen;
    const char *pass_phase; /* "subtract_refs" */
    const char *firing;     /* "finalizer of #7 (Node)", "callback of weakref #9" */

    const char **types; /* distinct type names, first-seen order */
    size_t n_types, cap_types;
    int n_cycles; /* set by gcs_scene_find_cycles() */
    /* Set by gcs_layout_compact() (stills): positions repacked, lanes here. */
    bool compacted;
    double lane_x0[GCS_LANE__COUNT], lane_x1[GCS_LANE__COUNT];
    double world_w, world_h;
    bool indexed;      /* gcs_scene_index() done and nothing added since */
    gcs_scene_sum sum; /* a summarised big state (sum.on), see gcs_scene_sum */

    /* private */
    uint32_t *type_hash; /* open addressing, type name -> types index + 1 */
    size_t type_hash_cap;
    uint32_t *hash; /* open addressing, id -> index + 1 */
    size_t hash_cap;
    gcs_scene_arena *arena;
} gcs_scene;

/* Initialise an empty scene. */
void gcs_scene_init(gcs_scene *sc);
/* Free everything the scene owns. Accepts a zeroed scene. */
void gcs_scene_fini(gcs_scene *sc);
/* Empty the scene but keep its storage for reuse. */
void gcs_scene_clear(gcs_scene *sc);

/* Copy `s` into the scene's arena (NULL stays NULL). Returns NULL on ENOMEM. */
const char *gcs_scene_str(gcs_scene *sc, const char *s);
/* printf into the arena. */
const char *gcs_scene_strf(gcs_scene *sc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Add an object (strings are copied). Returns the new object, or NULL on
 * ENOMEM (scene unchanged). */
gcs_sobj *gcs_scene_add_obj(gcs_scene *sc, uint64_t id, int kind, const char *type,
                            const char *label, int64_t refcnt, int lane);
/* Index of type name `type` in sc->types (interned on first use), or
 * UINT32_MAX on ENOMEM. */
uint32_t gcs_scene_type_ix(gcs_scene *sc, const char *type);
/* Summary counts (turn sc->sum.on on first): one object of type index `t` in
 * `lane`; one strong reference from (la, ta) to (lb, tb). 0 or GCS_ENOMEM. */
int gcs_scene_sum_obj(gcs_scene *sc, int lane, uint32_t t);
int gcs_scene_sum_ref(gcs_scene *sc, int la, uint32_t ta, int lb, uint32_t tb);
/* Make room for n objects in all (a big state: no doubling slack, no
 * copy while growing). 0 or GCS_ENOMEM (scene unchanged). */
int gcs_scene_reserve_objs(gcs_scene *sc, size_t n);
/* Add a reference src.slot -> dst. Returns NULL on ENOMEM. */
gcs_sedge *gcs_scene_add_edge(gcs_scene *sc, uint64_t src, const char *slot, uint64_t dst,
                              unsigned flags);
/* Add a frame; returns its index, or -1 on ENOMEM. */
int gcs_scene_add_frame(gcs_scene *sc, const char *name);
/* Add a variable to frame `frame` (add variables in frame order). */
gcs_svar *gcs_scene_add_var(gcs_scene *sc, uint32_t frame, const char *name, uint64_t obj);
/* Add a timeline entry. */
gcs_tl_entry *gcs_scene_add_tl(gcs_scene *sc, int kind, uint64_t ev, uint64_t ev_end, int gen,
                               const char *text);
/* Add a refcount-history row for the inspected object. */
gcs_rc_hist *gcs_scene_add_rc(gcs_scene *sc, uint64_t ev, int64_t refcnt, const char *site);

/* Build the id index and resolve edge endpoints. 0 or GCS_ENOMEM. */
int gcs_scene_index(gcs_scene *sc);
/* Index of object `id`, or GCS_SCENE_NONE. Requires gcs_scene_index(). */
uint32_t gcs_scene_find(const gcs_scene *sc, uint64_t id);
/* Strongly connected components over strong edges (Tarjan, iterative): sets
 * scc/scc_key of every object that is in an SCC of size > 1 or has a
 * self-loop. Indexes the scene if needed. 0 or GCS_ENOMEM. */
int gcs_scene_find_cycles(gcs_scene *sc);

#endif
