/* src/replay/model.h — the replay model's state and the functions that change
 * it (model.c: apply one event; store.c: the compact object store; edges.c:
 * references; snapshot.c: keyframes). Private to src/replay/; the public view
 * is gcscope/replay.h.
 *
 * Layout (issue #8: ~100 bytes per live object instead of ~660):
 *   - objects are 64-byte records in a pool of fixed blocks, named by a u32
 *     handle that never changes while the object is in the state (no realloc
 *     of the records, no index rebuild when one is inserted out of order);
 *     `order` lists the handles in id order; `idx` is an open-addressing hash
 *     of handles (the key is the record's id);
 *   - narrow fields (u32 event indices, sizes, i32 counts, u8 kind) hold rare
 *     wide values in a side table (`wide`), marked by a sentinel;
 *   - type names, sites and slot labels are u32 ids in a string table
 *     (append-only, not part of the state); labels live in an arena with
 *     size-class free lists, named by a u32 handle;
 *   - each strong reference is one 28-byte node in an edge pool, linked into
 *     its source's out list and its target's in list (circular, doubly
 *     linked, in the order the API iterates), and found by (src, slot, dst)
 *     through a u32 hash of node handles.
 *
 * Invariants (checked by gcs_model_check in tests):
 *   - order[] is sorted by id; the non-purged entries are strictly increasing
 *     and each is found by idx; purged entries (holes) are not in idx.
 *   - every edge node is in its source's out list and its target's in list,
 *     both endpoints are alive objects in the state, list lengths equal
 *     n_out / n_in, and each node is in the edge hash exactly once; an edge
 *     carries M_EDUP exactly when another edge has the same (src, slot, dst).
 *   - a field holding its wide sentinel has exactly one wide entry, and no
 *     other wide entries exist.
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

#define M_NIL         UINT32_MAX
#define M_BLOCK_BITS  12u /* 4096 records per pool block */
#define M_BLOCK       (1u << M_BLOCK_BITS)
#define M_COMPACT_MIN 4096u /* purge holes collected before order[] is compacted */

/* Narrow-field sentinels: the value is in the wide table. */
#define M_WIDE_U32  (UINT32_MAX - 1u) /* u32 fields; values >= this are wide */
#define M_NONE_U32  UINT32_MAX        /* event fields: UINT64_MAX ("none") */
#define M_WIDE_I32  INT32_MIN
#define M_WIDE_KIND UINT8_MAX

/* Fields that may hold a wide value (wide table key: handle * 8 + field). */
enum { W_ALLOC_EV, W_FREE_EV, W_SIZE, W_REFCNT, W_GC_REFS, W_KIND, W__COUNT };

typedef struct m_obj {
    uint64_t id;                /* 0: a free pool slot */
    uint32_t alloc_ev, free_ev; /* M_NONE_U32 / M_WIDE_U32 */
    uint32_t type, site;        /* string-table ids (0: NULL) */
    uint32_t label;             /* label arena handle (0: none) */
    int32_t refcnt, gc_refs;    /* M_WIDE_I32 */
    uint32_t size;              /* M_WIDE_U32 */
    uint32_t out, in;           /* first edge node of each list, M_NIL if empty */
    uint32_t n_out, n_in;
    uint16_t flags; /* M_* */
    int8_t gen, gc_state;
    uint8_t kind;   /* M_WIDE_KIND */
    uint8_t lclass; /* the label's size class (gcs_label_free needs no strlen) */
} m_obj;

enum {
    M_ALIVE = 1,
    M_TRACKED = 2,
    M_FINALIZED = 4,
    M_RESURRECTED = 8,
    M_GARBAGE = 16,
    M_IN_PASS = 32,
    M_PURGED = 64,   /* forgotten (a hole in order[] until compaction); not state */
    M_HELD = 128,    /* unreachable when its pass promoted: stays put; GC_END moves it
                      * to the older generation if it survived (resurrected, legacy
                      * finalizer, alive after clear), as CPython merges it into `old` */
    M_INTERNAL = 256 /* INTERNAL seen: interpreter-internal, hidden by default */
};
#define M_STATE_FLAGS ((uint16_t)~M_PURGED)

/* One strong reference: src -slot-> dst, linked in src's out list (on/op:
 * next/previous) and dst's in list (in/ip). slot carries M_EDUP when another
 * edge has the same (src, slot, dst). A free node has src == M_NIL. */
typedef struct m_edge {
    uint32_t src, dst, slot;
    uint32_t on, op, in, ip;
} m_edge;
#define M_EDUP 0x80000000u

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

typedef struct m_u32vec {
    uint32_t *v;
    size_t n, cap;
} m_u32vec;

/* Pointer -> u32 id, append-only (ids stay valid across clear/load: not state). */
typedef struct m_strtab {
    const void **v; /* v[0] = NULL */
    uint32_t n, cap;
    uint32_t *h; /* open addressing: id (0: empty) */
    size_t hcap;
} m_strtab;

/* Labels: NUL-terminated copies in 8-byte units; handle = unit offset (0: none).
 * Freed blocks go on per-class free lists (next handle in their first word). */
#define M_LCLASSES 64
typedef struct m_labels {
    char *b;
    size_t n, cap; /* in units */
    uint32_t free[M_LCLASSES];
} m_labels;

/* A direct-mapped cache in front of the object index (slot = id & 255): most
 * events touch an object touched a few events before. It holds the record's
 * address too (records never move while their object is in the state). Not
 * part of the state: emptied on clear/load and for a purged id. An empty
 * entry is {0, NULL, M_NIL}, so looking up id 0 hits it and finds nothing. */
#define M_FCACHE 256
typedef struct m_fcache {
    uint64_t id;
    m_obj *o;
    uint32_t h;
} m_fcache;

/* Positional access to the edge lists (ref_out/ref_in by index): a few cursors
 * remember where the last walks stopped, so iterating k = 0, 1, 2... is O(1)
 * per step even when walks of several objects interleave. Not state. */
#define M_ECUR 8
typedef struct m_ecur {
    uint64_t ver;
    uint32_t h, k, e;
    int dir; /* 0 out, 1 in */
} m_ecur;

/* Pointer -> string id, direct-mapped in front of the string table (ids never
 * change, so it is never emptied but by fini). Slot: the top bits of the
 * pointer times the golden ratio (type names, slot labels and site records
 * lie close together in the reader's pool; low pointer bits collide). */
#define M_SCACHE_BITS 8
#define M_SCACHE      (1u << M_SCACHE_BITS)
typedef struct m_scache {
    const void *p;
    uint32_t id;
} m_scache;

typedef struct gcs_model {
    uint64_t pos; /* events applied */
    uint64_t freed_window;

    /* objects */
    m_obj **blocks;
    size_t n_blocks;
    uint32_t pool_n, free_h; /* slots handed out; free slot list (through .out) */
    uint64_t *pbits;         /* M_PURGED by handle (compaction reads no record) */
    uint32_t *order;         /* handles in id order (with holes: M_PURGED) */
    size_t n_objs, cap_order, n_holes, n_alive;
    uint32_t *idx; /* open addressing: handle + 1 (0: empty) */
    size_t idx_cap, idx_n;
    unsigned idx_shift;    /* 64 - log2(idx_cap): home = id * golden >> idx_shift */
    uint64_t *wkey, *wval; /* wide values: key handle * 8 + field + 1 (0: empty) */
    size_t w_cap, w_n;

    /* edges */
    m_edge **eblocks;
    size_t n_eblocks;
    uint32_t epool_n, efree; /* nodes handed out; free node list (through .on) */
    uint32_t *eh;            /* edge hash: node + 1 (0: empty), keyed by (src, slot, dst) */
    size_t eh_cap, eh_n;
    unsigned eh_shift;  /* 64 - log2(eh_cap): home = mix(key) * golden >> eh_shift */
    uint64_t edges_ver; /* bumped by every edge change (cursors) */
    m_ecur ecur[M_ECUR];
    unsigned ecur_next;

    m_strtab str;
    m_labels lab;

    m_frame *frames;
    size_t n_frames, cap_frames;
    gcs_replay_weakref *wrs;
    size_t n_wrs, cap_wrs;

    gcs_replay_gc_now gc;
    uint64_t passes_begun;
    m_u64vec pass_objs, garbage; /* ids */
    m_u32vec young[2], purge_q;  /* handles; purge_q in free order */
    size_t purge_head;
    uint64_t purge_at; /* no purge is due before this pos (0: check; UINT64_MAX: queue
                        * empty); not part of the state */

    const char *last_marker;
    uint64_t last_marker_ev;
    gcs_replay_gen_stats stats[3];
    gcs_replay_gc_config cfg;
    bool cfg_seen; /* a GC_CONFIG was applied (else the trace header's config holds) */
    int oom;       /* sticky: an allocation failed while applying */
    m_fcache fc[M_FCACHE];
    m_scache sc[M_SCACHE];
} gcs_model;

/* log2 of cap, a power of two (the hash tables' shift is 64 minus it). */
static inline unsigned
gcs_log2_pow2(size_t cap)
{
    unsigned b = 0;
    while (((size_t)1 << b) < cap)
        b++;
    return b;
}

static inline m_obj *
gcs_model_obj(const gcs_model *m, uint32_t h)
{
    return &m->blocks[h >> M_BLOCK_BITS][h & (M_BLOCK - 1)];
}

static inline m_edge *
gcs_model_edge(const gcs_model *m, uint32_t e)
{
    return &m->eblocks[e >> M_BLOCK_BITS][e & (M_BLOCK - 1)];
}

/* Empty state (pos 0) with the header's collector config. */
void gcs_model_init(gcs_model *m, uint64_t freed_window, const long thresholds[3], bool enabled,
                    unsigned debug);
/* Back to the empty state, keeping allocations where possible. */
void gcs_model_clear(gcs_model *m);
void gcs_model_fini(gcs_model *m);
/* Make room for `need` elements of `esz` bytes in *p (capacity *cap, doubled
 * until it fits; *p and *cap untouched on failure). 0 or GCS_ENOMEM. Every
 * growing array of src/replay/ goes through it. */
int gcs_model_grow(void **p, size_t *cap, size_t need, size_t esz);

/* Apply event number m->pos (ev) and advance pos. Returns 0 or GCS_ENOMEM
 * (the state is then incomplete; m->oom is set). Never fails on odd traces:
 * unknown objects become placeholders, impossible removals are ignored. */
int gcs_model_apply(gcs_model *m, const gcs_event *ev);
/* Apply n events (ev[0] is event m->pos): gcs_model_apply in a loop. */
int gcs_model_apply_n(gcs_model *m, const gcs_event *ev, size_t n);
/* Apply ev[0..n) up to, not including, the first event whose kind has its
 * bit set in stop_kinds (bit 1 << kind): how many were applied, SIZE_MAX if
 * out of memory (m->oom; the events of the run were still applied, to an
 * incomplete state). */
size_t gcs_model_apply_until(gcs_model *m, const gcs_event *ev, size_t n, uint64_t stop_kinds);
/* Remove purge holes from order[] (freeing their slots); call before queries
 * that index order[]. 0 (cannot fail). */
int gcs_model_compact(gcs_model *m);

/* {==== The object store (store.c) ====} */

/* Handle of the object with this id in the state, or M_NIL. */
uint32_t gcs_model_find(const gcs_model *m, uint64_t id);
/* Remember that id is at handle h (while applying events). */
static inline void
gcs_model_cache_(gcs_model *m, uint64_t id, uint32_t h)
{
    m_fcache *c = &m->fc[id & (M_FCACHE - 1)];
    c->id = id;
    c->o = gcs_model_obj(m, h);
    c->h = h;
}
/* Empty the lookup cache. */
void gcs_model_cache_reset(gcs_model *m);
/* gcs_model_find through the lookup cache (while applying events); *o gets
 * the record (NULL with M_NIL). */
static inline uint32_t
gcs_model_get_(gcs_model *m, uint64_t id, m_obj **o)
{
    m_fcache *c = &m->fc[id & (M_FCACHE - 1)];
    if (c->id == id) {
        *o = c->o;
        return c->h;
    }
    uint32_t h = gcs_model_find(m, id);
    *o = NULL;
    if (h != M_NIL) {
        gcs_model_cache_(m, id, h);
        *o = c->o;
    }
    return h;
}
/* A new object record with this id (fields defaulted, not alive), inserted in
 * order[] and the index; M_NIL on ENOMEM (m->oom set). The id must not be in
 * the state. */
uint32_t gcs_store_insert(gcs_model *m, uint64_t id);
/* The handle of id (id != 0): found, or inserted as by gcs_store_insert
 * (*made true) with one probe of the index. M_NIL on ENOMEM (m->oom set). */
uint32_t gcs_store_get_or_insert(gcs_model *m, uint64_t id, bool *made);
/* Forget a freed object (edges already gone): out of the index, label freed,
 * a hole in order[] until gcs_model_compact. */
void gcs_store_purge(gcs_model *m, uint32_t h);
/* Empty every store structure (keeps allocations). */
void gcs_store_clear(gcs_model *m);
void gcs_store_fini(gcs_model *m);

/* Wide-capable fields. */
uint64_t gcs_obj_u(const gcs_model *m, uint32_t h, int field);
int64_t gcs_obj_i(const gcs_model *m, uint32_t h, int field);
void gcs_obj_set_u(gcs_model *m, uint32_t h, int field, uint64_t v);
void gcs_obj_set_i(gcs_model *m, uint32_t h, int field, int64_t v);
/* Drop every wide value of object h (its fields keep their sentinels). */
void gcs_obj_wide_drop(gcs_model *m, uint32_t h);
/* Fast paths: store into a narrow field when the value fits and the field is
 * not wide now; else through gcs_obj_set_u / gcs_obj_set_i. */
static inline void
gcs_obj_put_u32(gcs_model *m, uint32_t h, uint32_t *p, int field, uint64_t v)
{
    if (v < M_WIDE_U32 && *p != M_WIDE_U32)
        *p = (uint32_t)v;
    else
        gcs_obj_set_u(m, h, field, v);
}
static inline void
gcs_obj_put_i32(gcs_model *m, uint32_t h, int32_t *p, int field, int64_t v)
{
    /* INT32_MIN < v <= INT32_MAX, in one unsigned compare */
    if ((uint64_t)v - (uint64_t)INT32_MIN - 1 < (uint64_t)UINT32_MAX && *p != M_WIDE_I32)
        *p = (int32_t)v;
    else
        gcs_obj_set_i(m, h, field, v);
}

/* String table: id of p (interning it; 0 for NULL; M_NIL on ENOMEM), id of p
 * if known (M_NIL if not), and the pointer of an id. */
uint32_t gcs_str_id(gcs_model *m, const void *p);
uint32_t gcs_str_lookup(const gcs_model *m, const void *p);
static inline const void *
gcs_str_ptr(const gcs_model *m, uint32_t id)
{
    return m->str.v[id];
}
/* gcs_str_id / gcs_str_lookup through the cache. */
static inline m_scache *
gcs_str_slot_(gcs_model *m, const void *p)
{
    return &m->sc[((uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL) >> (64 - M_SCACHE_BITS)];
}
static inline uint32_t
gcs_str_id_c(gcs_model *m, const void *p)
{
    m_scache *c = gcs_str_slot_(m, p);
    if (c->p == p && p != NULL)
        return c->id;
    uint32_t id = gcs_str_id(m, p);
    if (id != M_NIL && p != NULL) {
        c->p = p;
        c->id = id;
    }
    return id;
}
static inline uint32_t
gcs_str_lookup_c(gcs_model *m, const void *p)
{
    m_scache *c = gcs_str_slot_(m, p);
    if (c->p == p && p != NULL)
        return c->id;
    uint32_t id = gcs_str_lookup(m, p);
    if (id != M_NIL && p != NULL) {
        c->p = p;
        c->id = id;
    }
    return id;
}

/* Labels: a copy of text (0 for NULL; 0 and m->oom on ENOMEM; its size class
 * in *cls), free (cls: what gcs_label_new gave), text. */
uint32_t gcs_label_new(gcs_model *m, const char *text, size_t len, uint8_t *cls);
void gcs_label_free(gcs_model *m, uint32_t lab, uint8_t cls);
/* The size class gcs_label_new gives a text of len bytes (for the check). */
uint8_t gcs_label_class_of(size_t len);
static inline const char *
gcs_label_text(const gcs_model *m, uint32_t lab)
{
    return lab ? m->lab.b + (size_t)lab * 8 : NULL;
}

/* {==== Edges (edges.c). Objects passed in must be alive and in the state. ====} */

int gcs_edges_add(gcs_model *m, uint32_t s, uint32_t d, uint32_t slot);
/* Remove one edge s -slot-> d (the first such in s's out list); no-op if none. */
void gcs_edges_del(gcs_model *m, uint32_t s, uint32_t slot, uint32_t d);
/* Replace s -slot-> old by s -slot-> d in place; 0 if there was no such edge. */
int gcs_edges_replace(gcs_model *m, uint32_t s, uint32_t slot, uint32_t old, uint32_t d);
void gcs_edges_drop_all(gcs_model *m, uint32_t h);
/* A new edge node appended to s's out list and d's in list, not hashed
 * (snapshot load); M_NIL on ENOMEM. */
uint32_t gcs_edges_node_(gcs_model *m, uint32_t s, uint32_t d, uint32_t slot);
/* Append node e to d's in list (snapshot load). */
void gcs_edges_in_link_(gcs_model *m, uint32_t d, uint32_t e);
/* Put node e in the edge hash (flagging duplicates). 0 or GCS_ENOMEM. */
int gcs_edges_hash_(gcs_model *m, uint32_t e);
/* The k-th node of object h's out (dir 0) or in (dir 1) list, M_NIL if none. */
uint32_t gcs_edges_at(gcs_model *m, uint32_t h, int dir, uint32_t k);
void gcs_edges_clear(gcs_model *m);
void gcs_edges_fini(gcs_model *m);
/* 0, or a message in why: lists, counts and the hash of object h agree. */
int gcs_edges_check(const gcs_model *m, uint32_t h, char *why, size_t n);
/* Size the edge hash for n more edges (snapshot load). */
int gcs_edges_reserve(gcs_model *m, size_t n);

/* Keyframes: serialise the whole state canonically (equal states give equal
 * bytes) into a new buffer; restore replaces m's state. Strings and sites are
 * stored as pointers (valid for the replay's life). */
int gcs_model_save(const gcs_model *m, uint8_t **out, size_t *len);
/* Same into *buf (capacity *cap, grown as needed, kept by the caller even on
 * GCS_ENOMEM): no allocation when the buffer is big enough. */
int gcs_model_save_into(const gcs_model *m, uint8_t **buf, size_t *cap, size_t *len);
int gcs_model_load(gcs_model *m, const uint8_t *buf, size_t len);

/* The pointer fields of a snapshot: an object's type and allocation site, an
 * edge's slot, a frame's, a variable's and the last marker's name. */
enum { GCS_SNAP_TYPE, GCS_SNAP_SITE, GCS_SNAP_SLOT, GCS_SNAP_NAME };
/* Value v of a pointer field of kind `kind` to *out: 0, or a negative code
 * that stops the walk. */
typedef int (*gcs_snap_map_fn)(void *ud, int kind, uint64_t v, uint64_t *out);
/* Snapshot in[0..len) copied into *buf (capacity *cap, grown as needed, kept
 * by the caller) with every pointer field passed through fn, everything else
 * unchanged; *pos gets its event position. One pass over the bytes, no model
 * (the sidecar index's conversions). 0, fn's code, GCS_ENOMEM, or
 * GCS_ECORRUPT if in is not laid out as gcs_model_save_into writes. */
int gcs_snapshot_map_ptrs(const uint8_t *in, size_t len, gcs_snap_map_fn fn, void *ud,
                          uint8_t **buf, size_t *cap, size_t *out_len, uint64_t *pos);

/* Consistency check of the invariants above: 0 or GCS_ECORRUPT with a
 * message in why. Tests only (cost O(state)). */
int gcs_model_check(const gcs_model *m, char *why, size_t n);

/* Bytes allocated by the model (records, lists, hashes, arena; for tests and
 * benches). */
size_t gcs_model_bytes(const gcs_model *m);

#endif
