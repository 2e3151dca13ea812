/* src/runtime/runtime_int.h — the runtime's private data: the object header,
 * the per-kind bodies and the heap. Every invariant is written beside the
 * struct it governs and has a matching check in gcs_heap_check (check.c).
 * Start reading with struct gcs_obj, then struct gcs_heap, then gc.c. */
#ifndef GCS_RUNTIME_INT_H
#define GCS_RUNTIME_INT_H

#include <assert.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gcscope/runtime.h"
#include "rt_glue.h"

#ifdef GCS_DEBUG
#define GCS_ASSERT(c) assert(c)
#else
#define GCS_ASSERT(c) ((void)0)
#endif
#define GCS_CHECK_EXP(c, e) (GCS_ASSERT(c), (e))

/* {==================== Object header ====================} */

/* Object flags (gcs_obj.flags). */
enum {
    OF_TRACKED = 1,     /* on a generation list (0..2 or permanent) */
    OF_FINALIZED = 2,   /* PEP 442 finalizer already ran; sticky */
    OF_COLLECTING = 4,  /* in the set being collected; gc_refs is meaningful */
    OF_UNREACHABLE = 8, /* tentatively unreachable (only inside move_unreachable) */
    OF_STATIC = 16,     /* heap singleton (None, bools, small ints, ()): never freed by refcount */
    OF_DYING = 32,      /* refcount reached 0: deallocation in progress */
    OF_DEFERRED = 64,   /* parked on the trashcan list, awaiting deallocation */
    OF_FREED = 128      /* freed; memory kept in the checked-mode quarantine */
};

/* Generation numbers in gcs_obj.gen. */
enum { GEN_PERMANENT = 3, GEN_NONE = 4 /* untracked */, N_GENS = 3 };

/* The header of every object (40 bytes; CPython's is 32 plus its 16-byte GC
 * header on GC kinds). Layout: one word of reference count (32 bits) packed
 * with kind/flags/gen/spare, the two GC links, the 64-bit id, and one word
 * shared by the allocation site and gc_refs (32 bits each).
 * Invariants (checked by gcs_heap_check):
 *  - head.refcnt_ is at offset 0 (runtime.h's inline incref/decref read it) and
 *    is > 0 for every object on a list; it is 0 only while OF_DYING/OF_DEFERRED.
 *    Counts are modulo 2^32, like CPython 3.12's: 4 billion references to one
 *    object would wrap (the singletons start at STATIC_REFCNT, far from it).
 *  - every live object is on exactly one circular doubly-linked list through
 *    gc_next/gc_prev: a generation list (OF_TRACKED set, gen 0..3 equal to the
 *    list's number) or the heap's untracked list (OF_TRACKED clear,
 *    gen == GEN_NONE). Objects being deallocated are on no list; the deferred
 *    ones are chained through gc_next on the trashcan list.
 *  - outside a collection no object has OF_COLLECTING or OF_UNREACHABLE and
 *    every gc_refs is 0 (the fused update/subtract pass relies on it); during
 *    one, gc_refs = refcount minus references from inside the collected set
 *    (after subtract_refs), i.e. the references from outside it. gc_refs is
 *    unsigned and computed modulo 2^32 (the fused pass may subtract before it
 *    adds); its final value lies in 0..refcount.
 *    Exception: survivors are retagged with their new generation lazily
 *    (untrack_tuples pass), so `gen` is exact only between collections.
 *  - id is unique and never reused in the heap's life (64-bit counter). */
struct gcs_obj {
    union {
        gcs_obj_head_ head; /* refcnt_ (what runtime.h's inline paths see) */
        struct {
            uint32_t refcnt_shadow_; /* == head.refcnt_; never used by name */
            uint8_t kind;
            uint8_t flags;
            uint8_t gen;
            uint8_t spare; /* OBJ_SLAB: the block belongs to a slab (slab.c) */
        };
    };
    gcs_obj *gc_next;
    gcs_obj *gc_prev;
    uint64_t id;
    uint32_t site;    /* interned allocation site (0: unknown) */
    uint32_t gc_refs; /* meaningful only during a collection (see above) */
};
enum { OBJ_SLAB = 1 };
_Static_assert(sizeof(struct gcs_obj) <= 40, "object header must be <= 40 bytes");
_Static_assert(offsetof(struct gcs_obj, head) == 0, "refcnt must be the first member");
_Static_assert(offsetof(struct gcs_obj, kind) == 4, "kind/flags/gen share the refcount word");

/* {==================== Bodies ====================} */

typedef struct gcs_int_obj { /* int and bool */
    gcs_obj ob;
    int64_t value;
} gcs_int_obj;

typedef struct gcs_str_obj {
    gcs_obj ob;
    size_t len;
    uint64_t hash;
    char data[]; /* len bytes + NUL */
} gcs_str_obj;

/* Tuples are immutable after creation; items are never NULL except while the
 * tuple is being torn down. */
typedef struct gcs_tuple_obj {
    gcs_obj ob;
    size_t n;
    gcs_obj *items[];
} gcs_tuple_obj;

/* Lists: items[0..len) are non-NULL strong references; cap >= len. The
 * items array lives in the heap's slabs when the list does (slab.c). */
typedef struct gcs_list_obj {
    gcs_obj ob;
    gcs_obj **items;
    uint32_t len; /* at most LIST_MAX_LEN */
    uint32_t cap;
} gcs_list_obj;
enum { LIST_MAX_LEN = 0x7fffffff };
_Static_assert(sizeof(gcs_list_obj) <= 56,
               "an empty list must be <= 56 bytes (CPython 3.11: sys.getsizeof([]) == 56)");

/* Dict: a compact, insertion-ordered table (CPython's layout). One block holds
 * the index (n_index uint32 slots, power of two) then the entries array
 * (cap entries). index slot: 0 empty, 1 deleted, k+2 -> entries[k].
 * entries[0..n_used) in insertion order; deleted entries have key == NULL.
 * len = live entries. Both key and value are strong references. */
typedef struct gcs_dict_entry {
    uint64_t hash;
    gcs_obj *key;
    gcs_obj *val;
} gcs_dict_entry;

typedef struct gcs_dict_obj {
    gcs_obj ob;
    void *block;
    uint32_t *index;
    gcs_dict_entry *entries;
    uint32_t n_index;
    uint32_t cap;
    uint32_t n_used;
    uint32_t len;
} gcs_dict_obj;

/* Weak-referenceable kinds keep their weakref list head right after the header:
 * the list is doubly linked through gcs_weakref_obj.wr_prev/wr_next; all
 * callback-less refs come first, then callback refs newest-first. Every
 * weakref on the list has referent == the owner. */
typedef struct gcs_class_obj {
    gcs_obj ob;
    gcs_obj *weaklist;
    char *name;
    gcs_finalize_fn finalize;
    gcs_finalize_fn legacy_finalize;
    void *ud;
    bool dynamic_attrs;
    uint32_t n_slots;
    /* Shared instance keys (CPython 3.11 shared-key dict): instance value i is
     * attribute keys[i]. The declared slots come first. Owned strings. */
    char **keys;
    uint32_t n_keys, cap_keys;
    /* Class attributes: names owned, vals strong (NULL = deleted). */
    char **anames;
    gcs_obj **avals;
    uint32_t n_attrs, cap_attrs;
} gcs_class_obj;

/* Instances store attributes inline (3.11 inline values): vals[i] belongs to
 * cls->keys[i]; NULL = unset. No dict object exists. */
typedef struct gcs_inst_obj {
    gcs_obj ob;
    gcs_obj *weaklist;
    gcs_obj *cls; /* strong */
    gcs_obj **vals;
    uint32_t n_vals;
} gcs_inst_obj;

typedef struct gcs_cfunc_obj {
    gcs_obj ob;
    gcs_obj *weaklist;
    char *name;
    gcs_cfunc_fn fn;
    void *ud;
    gcs_obj *bound; /* strong, may be NULL */
} gcs_cfunc_obj;

/* Weakref: referent is NULL once cleared. key: the KeyedRef key of a
 * weak-value-dict entry (strong, may be NULL). The weakref's traverse visits
 * only callback and key (never the referent). */
typedef struct gcs_weakref_obj {
    gcs_obj ob;
    gcs_obj *referent;
    gcs_obj *callback;
    gcs_obj *wr_prev, *wr_next;
    gcs_obj *key;
} gcs_weakref_obj;

struct gcs_type {
    gcs_type_def def; /* def.name points at `name` below */
    struct gcs_type *next_type;
    char name[];
};

typedef struct gcs_user_obj {
    gcs_obj ob;
    gcs_obj *weaklist;
    gcs_type *type;
    uint64_t pad_;
    alignas(16) unsigned char data[];
} gcs_user_obj;

/* A user object's block: its data rounded up to 16 bytes, so that every
 * block of its slab class stays 16-aligned (slab classes are 8 bytes apart). */
static inline size_t
gcs_rt_user_size(size_t data_size)
{
    return sizeof(gcs_user_obj) + ((data_size + 15) & ~(size_t)15);
}
_Static_assert(sizeof(gcs_user_obj) % 16 == 0, "user data must stay 16-aligned");

#define AS_INT(o)                                                                                  \
    GCS_CHECK_EXP((o)->kind == GCS_KIND_INT || (o)->kind == GCS_KIND_BOOL, (gcs_int_obj *)(o))
#define AS_STR(o)     GCS_CHECK_EXP((o)->kind == GCS_KIND_STR, (gcs_str_obj *)(o))
#define AS_TUPLE(o)   GCS_CHECK_EXP((o)->kind == GCS_KIND_TUPLE, (gcs_tuple_obj *)(o))
#define AS_LIST(o)    GCS_CHECK_EXP((o)->kind == GCS_KIND_LIST, (gcs_list_obj *)(o))
#define AS_DICT(o)    GCS_CHECK_EXP((o)->kind == GCS_KIND_DICT, (gcs_dict_obj *)(o))
#define AS_CLASS(o)   GCS_CHECK_EXP((o)->kind == GCS_KIND_CLASS, (gcs_class_obj *)(o))
#define AS_INST(o)    GCS_CHECK_EXP((o)->kind == GCS_KIND_INSTANCE, (gcs_inst_obj *)(o))
#define AS_CFUNC(o)   GCS_CHECK_EXP((o)->kind == GCS_KIND_CFUNC, (gcs_cfunc_obj *)(o))
#define AS_WEAKREF(o) GCS_CHECK_EXP((o)->kind == GCS_KIND_WEAKREF, (gcs_weakref_obj *)(o))
#define AS_USER(o)    GCS_CHECK_EXP((o)->kind == GCS_KIND_USER, (gcs_user_obj *)(o))

/* {==================== Heap ====================} */

/* Open-addressing pointer set (checked mode: live objects, quarantine). */
typedef struct gcs_ptrset {
    uintptr_t *slots; /* 0 empty, 1 deleted */
    size_t cap;       /* power of two or 0 */
    size_t n;         /* live entries */
    size_t used;      /* live + deleted */
} gcs_ptrset;

/* Slabs for object blocks up to SLAB_MAX_BLOCK bytes (slab.c): 4 KiB pools
 * of one size class each, carved from larger chunks; a pool that empties
 * can serve any class next (pymalloc's pools), lowest address first. */
enum { SLAB_MAX_BLOCK = 256, SLAB_GRAIN = 8, SLAB_CLASSES = 32 };
typedef struct gcs_pool gcs_pool;
typedef struct gcs_slab_chunk gcs_slab_chunk;
typedef struct gcs_slab {
    gcs_pool *avail[SLAB_CLASSES]; /* pools of each class with a free block */
    char *fresh, *fresh_end;       /* pools of the newest chunk not used yet */
    gcs_slab_chunk *chunks;        /* every chunk, in ascending address order */
    gcs_slab_chunk *last_chunk;    /* the highest one */
    gcs_slab_chunk *newest;        /* the one `fresh` points into */
    gcs_slab_chunk *first_empty;   /* no chunk below it has an empty pool */
    size_t n_empty;                /* empty pools (bits set in the chunks' masks) */
} gcs_slab;

typedef struct gcs_var {
    char *name;
    gcs_obj *obj; /* strong */
} gcs_var;

/* A frame: variables in binding order; all hold strong references. */
typedef struct gcs_frame {
    uint64_t id;
    char *name;
    gcs_var *vars;
    size_t n_vars, cap_vars;
} gcs_frame;

typedef struct gcs_site_tab {
    gcs_site *sites; /* sites[0] is the unknown site */
    size_t n, cap;
    uint32_t *index; /* hash -> site number + 1 */
    size_t n_index;
    uint32_t last; /* the site most recently interned (0: none) */
} gcs_site_tab;

/* CPython 3.11 free-list capacities (modelled only for count[0] semantics). */
enum { FL_LIST_MAX = 80, FL_DICT_MAX = 80, FL_TUPLE_SIZES = 20, FL_TUPLE_MAX = 2000 };
enum { SMALLINT_MIN = -5, SMALLINT_MAX = 256, STATIC_REFCNT = 999999999 };
enum { TRASH_DEPTH_LIMIT = 50 };

/* The heap.
 * Invariants:
 *  - head is the FIRST member; head.slow_ != 0 iff a hook is set or checked mode is on.
 *  - gens[0..2] are the generation lists, gens[3] the permanent (frozen) one,
 *    untracked holds every live untracked object; all are circular with the
 *    sentinel as head. live_objects counts objects on those lists plus objects
 *    being deallocated.
 *  - count[0] = GC-object allocations minus frees since the last collection
 *    (floored at 0, free-list reuse not counted); count[g+1] = collections of
 *    generation g since the last collection of g+1.
 *  - collecting is set for the whole of a collection (callbacks included).
 *  - checked mode: `live` holds exactly the live objects, `quarantine` the
 *    freed ones whose memory is kept so that it is never reused. */
struct gcs_heap {
    gcs_heap_head_ head;
    gcs_alloc_fn alloc;
    void *alloc_ud;
    gcs_config cfg;
    gcs_event_fn hook;
    void *hook_ud;
    gcs_event_fn trace_hook;
    void *trace_ud;
    /* Narrow hooks of each slot (gcs_heap_set_hooks, gcs_rt_set_trace_hooks):
     * used only while the slot still holds the (event, ud) pair they were
     * installed with, so gcs_heap_set_hook needs not know of them. */
    gcs_hooks user_nh, trace_nh;
    void *user_nh_ud, *trace_nh_ud;
    const gcs_hooks *sole_nh; /* the narrow hooks of the one hooked slot (NULL: none, or both
                               * slots hooked); set by gcs_rt_update_slow */
    void *sole_ud;
    bool hooked;
    bool checked;
    bool heapcheck_env;
    bool tearing_down;
    gcs_on_error on_error;
    uint64_t next_id;
    uint64_t next_frame_id;
    uint64_t t0_ns;

    gcs_obj gens[4];
    gcs_obj untracked;
    long threshold[3];
    long count[3];
    gcs_gc_stats stats[3];
    bool enabled;
    bool collecting;
    int debug;
    size_t long_lived_total;
    size_t long_lived_pending;
    gcs_obj *garbage;
    gcs_obj *callbacks;

    gcs_obj *none, *true_, *false_, *empty_tuple;
    gcs_obj *small_ints[SMALLINT_MAX - SMALLINT_MIN + 1];
    unsigned fl_list, fl_dict, fl_tuple[FL_TUPLE_SIZES];

    const gcs_site *cur_site; /* site of the API call being served (events), or NULL */
    int dealloc_depth;
    int max_dealloc_depth;
    gcs_obj *trash; /* deferred deallocations, chained through gc_next */
    /* Sticky: set once a finalizer or legacy finalizer is declared or a weakref
     * is made. While clear, a collection needs no legacy-finalizer, weakref or
     * finalizer walk over the unreachable set (gc.c). */
    bool may_finalize;

    gcs_frame *frames;
    size_t n_frames, cap_frames;

    gcs_site_tab sites;
    gcs_slab slab;
    gcs_ptrset live, quarantine;
    gcs_obj **by_id; /* checked mode: by_id[id] = live object or NULL (gcs_heap_find) */
    size_t by_id_cap;
    size_t live_objects;
    size_t live_bytes;

    gcs_type *types;
    gcs_type *wvdict_type;

    gcs_rt_teardown_fn teardown;
    void *teardown_ud;

    int errcode;
    char errmsg[512];
};

/* {==================== Cross-file internals ====================} */

/* heap.c */
void *gcs_rt_malloc(gcs_heap *h, size_t n);
void *gcs_rt_realloc(gcs_heap *h, void *p, size_t old_n, size_t new_n);
void gcs_rt_mfree(gcs_heap *h, void *p, size_t n);
char *gcs_rt_strdup(gcs_heap *h, const char *s);
void gcs_rt_strfree(gcs_heap *h, char *s);
uint32_t gcs_rt_site_intern_slow(gcs_heap *h, const gcs_site *site);
uint64_t gcs_rt_now_ns(const gcs_heap *h);
void gcs_rt_update_slow(gcs_heap *h);
int gcs_rt_error(gcs_heap *h, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void gcs_rt_clear_error(gcs_heap *h);

/* slab.c */
bool gcs_rt_slab_fits(size_t size);
void *gcs_rt_slab_alloc(gcs_heap *h, size_t size);
void gcs_rt_slab_free(gcs_heap *h, void *p, size_t size);
void gcs_rt_slab_release(gcs_heap *h);
/* NULL when the slab invariants hold, else a description of the first broken one. */
const char *gcs_rt_slab_check(const gcs_heap *h);
/* An object's side arrays (list items, instance values): in the slabs when
 * the object is, else from the heap's allocator. */
void *gcs_rt_arr_realloc(gcs_heap *h, const gcs_obj *owner, void *p, size_t old_n, size_t new_n);
void gcs_rt_arr_free(gcs_heap *h, const gcs_obj *owner, void *p, size_t n);

/* Number of `site` in the heap's site table, adding it if new; 0 for NULL
 * or when memory runs out. Inline: the last site interned, which is what a
 * loop allocating at one call site asks for every time. */
static inline uint32_t
gcs_rt_site_intern(gcs_heap *h, const gcs_site *site)
{
    const gcs_site_tab *t = &h->sites;
    if (site && t->last) {
        const gcs_site *l = &t->sites[t->last];
        if (l->file == site->file && l->func == site->func && l->line == site->line)
            return t->last;
    }
    return gcs_rt_site_intern_slow(h, site);
}

/* events (obj.c) */
void gcs_rt_emit(gcs_heap *h, gcs_event *ev);
void gcs_rt_ev_obj(gcs_heap *h, gcs_ev_kind kind, gcs_obj *o, const gcs_site *site);
void gcs_rt_ev_refcnt(gcs_heap *h, gcs_ev_kind kind, gcs_obj *o, const gcs_site *site);
void gcs_rt_ev_ref_set(gcs_heap *h, gcs_obj *src, const char *slot, gcs_obj *dst, gcs_obj *old,
                       const gcs_site *site);
void gcs_rt_ev_ref_del(gcs_heap *h, gcs_obj *src, const char *slot, gcs_obj *old,
                       const gcs_site *site);
void gcs_rt_ev_label(gcs_heap *h, gcs_obj *o, const char *text, const gcs_site *site);
/* REF_SET / REF_DEL of the slot "[index]" of a list or tuple: the index to
 * a ref_set_index / ref_del_index narrow hook, else the slot's text as
 * gcs_rt_ev_ref_set / gcs_rt_ev_ref_del send it. */
void gcs_rt_ev_ref_set_index(gcs_heap *h, gcs_obj *src, size_t index, gcs_obj *dst, gcs_obj *old,
                             const gcs_site *site);
void gcs_rt_ev_ref_del_index(gcs_heap *h, gcs_obj *src, size_t index, gcs_obj *old,
                             const gcs_site *site);
/* Recompute h->sole_nh / sole_ud after a hook or narrow hooks changed
 * (gcs_rt_update_slow calls it). */
void gcs_rt_update_sole(gcs_heap *h);
/* The LABEL of a new int: its value to a label_int narrow hook, else its
 * decimal text as gcs_rt_ev_label sends it. */
void gcs_rt_ev_label_int(gcs_heap *h, gcs_obj *o, int64_t value, const gcs_site *site);
void gcs_rt_ev_state(gcs_heap *h, gcs_obj *o, gcs_gc_objstate st);
/* Slot labels for REF_* events. */
void gcs_rt_slot_index(char *buf, size_t n, size_t i);
void gcs_rt_slot_key(gcs_heap *h, char *buf, size_t n, gcs_obj *key);

/* objects (obj.c) */
int gcs_rt_obj_alloc(gcs_heap *h, gcs_kind kind, size_t size, bool is_gc, bool from_freelist,
                     const gcs_site *site, gcs_obj **out);
void gcs_rt_obj_link(gcs_heap *h, gcs_obj *o, const char *type_name, size_t size,
                     const gcs_site *site);
void gcs_rt_obj_link_tracked(gcs_heap *h, gcs_obj *o, const char *type_name, size_t size,
                             const gcs_site *site);
size_t gcs_rt_obj_size(const gcs_obj *o);
bool gcs_rt_is_gc(const gcs_obj *o);
bool gcs_rt_may_be_tracked(const gcs_obj *o);
gcs_obj **gcs_rt_weaklist(gcs_obj *o);
gcs_finalize_fn gcs_rt_finalizer(gcs_obj *o, void **ud);
gcs_finalize_fn gcs_rt_legacy_finalizer(gcs_obj *o, void **ud);
int gcs_rt_traverse(gcs_heap *h, gcs_obj *o, gcs_visit_fn visit, void *arg);
void gcs_rt_clear(gcs_heap *h, gcs_obj *o);
void gcs_rt_track(gcs_heap *h, gcs_obj *o);
void gcs_rt_untrack(gcs_heap *h, gcs_obj *o);
void gcs_rt_free_all(gcs_heap *h);
void gcs_rt_dealloc_at(gcs_heap *h, gcs_obj *o, const gcs_site *site);
void gcs_rt_obj_mem_release(gcs_heap *h, gcs_obj *o, size_t size);
int gcs_rt_call_finalizer(gcs_heap *h, gcs_obj *o, gcs_finalize_fn fn, void *ud);

/* Internal reference counting: no validation, events when hooked. */
static inline void
gcs_rt_incref(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    o->head.refcnt_++;
    if (GCS_UNLIKELY(h->hooked))
        gcs_rt_ev_refcnt(h, GCS_EV_INCREF, o, site);
}
static inline void
gcs_rt_decref(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    GCS_ASSERT(o->head.refcnt_ > 0); /* internal over-release: a runtime bug */
    int64_t r = --o->head.refcnt_;
    if (GCS_UNLIKELY(h->hooked))
        gcs_rt_ev_refcnt(h, GCS_EV_DECREF, o, site);
    if (r == 0) {
        if (GCS_UNLIKELY(h->hooked))
            gcs_rt_dealloc_at(h, o, site);
        else
            gcs_dealloc_(h, o);
    }
}
static inline void
gcs_rt_xdecref(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    if (o)
        gcs_rt_decref(h, o, site);
}

/* Circular list helpers (gc.c uses them; heap.c and obj.c too). */
static inline void
gcs_list_init_(gcs_obj *l)
{
    l->gc_next = l->gc_prev = l;
}
static inline void
gcs_list_append_(gcs_obj *node, gcs_obj *list)
{
    gcs_obj *last = list->gc_prev;
    node->gc_prev = last;
    node->gc_next = list;
    last->gc_next = node;
    list->gc_prev = node;
}
static inline void
gcs_list_remove_(gcs_obj *node)
{
    node->gc_prev->gc_next = node->gc_next;
    node->gc_next->gc_prev = node->gc_prev;
    node->gc_next = node->gc_prev = NULL;
}
static inline bool
gcs_list_empty_(const gcs_obj *l)
{
    return l->gc_next == l;
}

/* checked mode (check.c) */
int gcs_ptrset_add(gcs_heap *h, gcs_ptrset *s, const void *p);
int gcs_ptrset_reserve(gcs_heap *h, gcs_ptrset *s, size_t extra);
bool gcs_ptrset_has(const gcs_ptrset *s, const void *p);
void gcs_ptrset_del(gcs_ptrset *s, const void *p);
void gcs_ptrset_free(gcs_heap *h, gcs_ptrset *s);
/* Validate an object argument of a public entry point: NULL -> EINVAL;
 * checked mode: freed -> EFREED, unknown pointer -> EBADOBJ (reported, abort in
 * ABORT mode unless `no_abort`). The inline wrappers below answer the common
 * case (checked mode off, right kind) without a call; everything else goes
 * to the _slow functions, which give the same results for every input. */
int gcs_rt_validate_slow(gcs_heap *h, gcs_obj *o, const gcs_site *site, bool no_abort);
int gcs_rt_validate_kind_slow(gcs_heap *h, gcs_obj *o, gcs_kind kind, const char *what,
                              const gcs_site *site);
static inline int
gcs_rt_validate(gcs_heap *h, gcs_obj *o, const gcs_site *site, bool no_abort)
{
    if (o && !h->checked)
        return 0;
    return gcs_rt_validate_slow(h, o, site, no_abort);
}
/* ... and of kind `kind` (GCS_ETYPE naming `what` otherwise). */
static inline int
gcs_rt_validate_kind(gcs_heap *h, gcs_obj *o, gcs_kind kind, const char *what, const gcs_site *site)
{
    if (o && !h->checked && o->kind == kind)
        return 0;
    return gcs_rt_validate_kind_slow(h, o, kind, what, site);
}
int gcs_rt_misuse(gcs_heap *h, int code, gcs_obj *o, const gcs_site *site, bool no_abort,
                  const char *what);
void gcs_rt_quarantine_release(gcs_heap *h);
int gcs_rt_by_id_reserve(gcs_heap *h, uint64_t id);
void gcs_rt_by_id_free(gcs_heap *h);
void gcs_rt_debug_heapcheck(gcs_heap *h, const char *when);

/* atoms.c */
uint64_t gcs_rt_hash(gcs_heap *h, gcs_obj *o, int *err);
bool gcs_rt_key_equal(gcs_obj *a, gcs_obj *b);
int gcs_rt_str_intern_new(gcs_heap *h, const char *s, gcs_obj **out, const gcs_site *site);
void gcs_rt_atoms_init_static(gcs_heap *h);

/* containers */
int gcs_rt_list_reserve(gcs_heap *h, gcs_obj *l, size_t n);
int gcs_rt_list_append_nofail(gcs_heap *h, gcs_obj *l, gcs_obj *item, const gcs_site *site);
void gcs_rt_list_release(gcs_heap *h, gcs_obj *l);
int gcs_rt_list_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg);
void gcs_rt_tuple_release(gcs_heap *h, gcs_obj *o);
int gcs_rt_tuple_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg);
void gcs_rt_tuple_maybe_untrack(gcs_heap *h, gcs_obj *t);
int gcs_rt_dict_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg);
void gcs_rt_dict_release(gcs_heap *h, gcs_obj *o, bool emit);
void gcs_rt_dict_maybe_untrack(gcs_heap *h, gcs_obj *d);
int gcs_rt_dict_lookup(gcs_heap *h, gcs_obj *d, gcs_obj *key, gcs_obj **val);
int gcs_rt_dict_set(gcs_heap *h, gcs_obj *d, gcs_obj *key, gcs_obj *val, const gcs_site *site);
int gcs_rt_dict_del(gcs_heap *h, gcs_obj *d, gcs_obj *key, const gcs_site *site);
int gcs_rt_class_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg);
void gcs_rt_class_clear(gcs_heap *h, gcs_obj *o, bool emit);
void gcs_rt_class_free_body(gcs_heap *h, gcs_obj *o);
int gcs_rt_inst_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg);
void gcs_rt_inst_clear(gcs_heap *h, gcs_obj *o, bool emit);
void gcs_rt_inst_free_body(gcs_heap *h, gcs_obj *o);
int gcs_rt_cfunc_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg);
void gcs_rt_cfunc_clear(gcs_heap *h, gcs_obj *o, bool emit);
int gcs_rt_weakref_traverse(gcs_obj *o, gcs_visit_fn visit, void *arg);
void gcs_rt_weakref_clear_ref(gcs_heap *h, gcs_obj *wr);
void gcs_rt_weakref_clear(gcs_heap *h, gcs_obj *wr, bool emit);
void gcs_rt_clear_weakrefs(gcs_heap *h, gcs_obj *o);
void gcs_rt_clear_weakrefs_nocb(gcs_heap *h, gcs_obj *o);
void gcs_rt_call_noerr(gcs_heap *h, gcs_obj *f, gcs_obj *const args[], size_t nargs);
int gcs_rt_wvdict_init(gcs_heap *h);
int gcs_rt_keyedref_new(gcs_heap *h, gcs_obj *referent, gcs_obj *callback, gcs_obj *key,
                        gcs_obj **out, const gcs_site *site);

/* frames.c */
int gcs_rt_frames_init(gcs_heap *h);
void gcs_rt_frames_free(gcs_heap *h);

/* gc.c */
void gcs_rt_gc_maybe_collect(gcs_heap *h, const gcs_site *site);
void gcs_rt_gc_emit_config(gcs_heap *h);
void gcs_rt_freelists_clear(gcs_heap *h);

/* repr (obj.c) */
size_t gcs_rt_repr(gcs_heap *h, gcs_obj *o, char *buf, size_t n, int depth);

#endif
