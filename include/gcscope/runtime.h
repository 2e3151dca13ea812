/* gcscope/runtime.h — libgcscope: objects managed exactly as CPython 3.11 does.
 *
 * TABLE OF CONTENTS
 *   1. Heap: create, configure, tear down, errors, markers
 *   2. Objects and reference counts (incref/decref are inline)
 *   3. Atoms: int, str, bool, None
 *   4. Containers: tuple, list, dict
 *   5. Classes and instances; user-defined C types; callables
 *   6. Roots: frames and variables
 *   7. Weak references and the weak-value dictionary
 *   8. The cycle collector (the `gc` module)
 *   9. Checking and introspection
 *
 * CONVENTIONS
 *   - Every function returning int returns 0 or a negative GCS_E* code
 *     (gcscope/errors.h); the heap keeps a message: gcs_heap_errmsg(h).
 *     On error nothing changed (all-or-nothing) unless the comment says so.
 *   - Constructors return the new object through an out-parameter as a NEW
 *     reference (the caller owns one reference and must gcs_decref it).
 *   - Object arguments are BORROWED unless the comment says STOLEN: a
 *     container storing an argument takes its own new reference.
 *   - Getters that return objects (gcs_list_get, gcs_dict_get, ...) return
 *     BORROWED references unless they say NEW.
 *   - Every function that changes references has a macro of the same name that
 *     adds the call site (__FILE__, __LINE__, __func__); the *_at function takes
 *     it explicitly (NULL allowed). docs/runtime-api.md has the full ownership
 *     table.
 */
#ifndef GCSCOPE_RUNTIME_H
#define GCSCOPE_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcscope/errors.h"
#include "gcscope/trace_events.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GCS_VERSION_MAJOR  0
#define GCS_VERSION_MINOR  1
#define GCS_VERSION_PATCH  0
#define GCS_VERSION_STRING "0.1.0"

typedef struct gcs_heap gcs_heap;
typedef struct gcs_obj gcs_obj;

/* The call site of the expression it appears in. */
#define GCS_HERE (&(const gcs_site){__FILE__, __func__, __LINE__})

#if defined(__GNUC__)
#define GCS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define GCS_UNLIKELY(x) (x)
#endif

/* {======================== 1. Heap ========================} */

/* Receives every state change. Runs synchronously; must not call back into the
 * heap. */
typedef void (*gcs_event_fn)(void *ud, const gcs_event *ev);
/* An event hook with narrow hooks for the commonest events (gcs_heap_set_hooks). */
typedef struct gcs_hooks gcs_hooks;

/* The one allocator entry point (lua_Alloc shape): new_size 0 frees `ptr` and
 * returns NULL; otherwise behaves like realloc (ptr NULL allocates). */
typedef void *(*gcs_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);

/* What checked mode does when it detects misuse. */
typedef enum gcs_on_error {
    GCS_ON_ERROR_ABORT = 0,   /* report on stderr and abort() (default) */
    GCS_ON_ERROR_CONTINUE = 1 /* report (event + errmsg), return an error code, go on */
} gcs_on_error;

/* gc debug flags, same values as CPython's gc module. */
enum {
    GCS_DEBUG_STATS = 1,
    GCS_DEBUG_COLLECTABLE = 2,
    GCS_DEBUG_UNCOLLECTABLE = 4,
    GCS_DEBUG_SAVEALL = 32,
    GCS_DEBUG_LEAK = 38
};

typedef struct gcs_config {
    long thresholds[3];    /* default {700, 10, 10}; threshold0 == 0 disables auto GC */
    bool gc_enabled;       /* default true */
    int gc_debug;          /* GCS_DEBUG_* flags, default 0 */
    bool checked;          /* checked mode (default: on in GCS_DEBUG builds) */
    gcs_on_error on_error; /* default GCS_ON_ERROR_ABORT */
    gcs_event_fn hook;     /* event hook, may be NULL */
    void *hook_ud;
    gcs_alloc_fn alloc; /* NULL: malloc/realloc/free */
    void *alloc_ud;
    const char *trace_path; /* record a trace to this file (NULL: $GCSCOPE_TRACE if set) */
    bool trace_compress;    /* zstd per chunk (default true) */
    bool no_env;            /* ignore GCSCOPE_TRACE / GCSCOPE_LEAKS (default false) */
    const gcs_hooks *hooks; /* hook's narrow hooks (gcs_heap_set_hooks; may be NULL): if
                             * hooks->event == hook they are installed with hook_ud */
} gcs_config;

/* Fill `cfg` with the defaults above. */
void gcs_config_init(gcs_config *cfg);

/* Create a heap. `cfg` may be NULL for defaults. The heap starts with one frame,
 * "<module>", holding the global variables. On error *out is NULL. Honours
 * GCSCOPE_TRACE=path (record a trace) and GCSCOPE_LEAKS=1|exitcode=N (leak
 * report at teardown) unless cfg->no_env. */
int gcs_heap_new(const gcs_config *cfg, gcs_heap **out);

/* Tear down: emits HEAP_END, runs the leak report if requested, pops every
 * frame, then frees every object still alive without running finalizers.
 * Accepts NULL. Can't fail. */
void gcs_heap_free(gcs_heap *h);

/* Message describing the last error on this heap ("" if none); valid until the
 * next call on the heap. */
const char *gcs_heap_errmsg(const gcs_heap *h);
/* Code of the last error on this heap (0 if none). */
int gcs_heap_errcode(const gcs_heap *h);

/* Replace the event hook (NULL removes it). */
int gcs_heap_set_hook(gcs_heap *h, gcs_event_fn hook, void *ud);

/* Narrow hooks: the commonest events as plain arguments, so that neither side
 * builds or dispatches on a gcs_event. `site` is never NULL when the API call
 * had one (events without a site inherit the API call's, as in gcs_event),
 * and these events are never stamped (t_ns 0). */
typedef void (*gcs_refcnt_fn)(void *ud, gcs_ev_kind kind, uint64_t obj, int64_t refcnt,
                              const gcs_site *site); /* INCREF, DECREF: refcnt is the new count */
typedef void (*gcs_obj_event_fn)(void *ud, gcs_ev_kind kind, uint64_t obj,
                                 const gcs_site *site); /* events whose one field is `obj` */
typedef void (*gcs_ref_set_fn)(void *ud, uint64_t src, const char *slot, uint64_t dst, uint64_t old,
                               const gcs_site *site); /* REF_SET */
typedef void (*gcs_ref_del_fn)(void *ud, uint64_t src, const char *slot, uint64_t old,
                               const gcs_site *site); /* REF_DEL */
typedef void (*gcs_alloc_event_fn)(void *ud, uint64_t obj, const char *type, uint64_t kind,
                                   uint64_t size, const gcs_site *site); /* ALLOC */
typedef void (*gcs_label_fn)(void *ud, uint64_t obj, const char *text,
                             const gcs_site *site); /* LABEL */
typedef void (*gcs_label_int_fn)(void *ud, uint64_t obj, int64_t value,
                                 const gcs_site *site); /* LABEL of a new int, as its value */
typedef void (*gcs_ref_set_index_fn)(void *ud, uint64_t src, uint64_t index, uint64_t dst,
                                     uint64_t old, const gcs_site *site); /* REF_SET, "[index]" */
typedef void (*gcs_ref_del_index_fn)(void *ud, uint64_t src, uint64_t index, uint64_t old,
                                     const gcs_site *site); /* REF_DEL, "[index]" */
struct gcs_hooks {
    gcs_event_fn event;         /* every event the narrow hooks below don't take; required */
    gcs_refcnt_fn refcnt;       /* INCREF, DECREF; NULL: they go to `event` */
    gcs_obj_event_fn obj;       /* FREE, TRACK, UNTRACK, FINALIZE, RESURRECT, GC_GARBAGE,
                                 * INTERNAL; NULL: they go to `event` */
    gcs_ref_set_fn ref_set;     /* REF_SET; NULL: it goes to `event` */
    gcs_ref_del_fn ref_del;     /* REF_DEL; NULL: it goes to `event` */
    gcs_alloc_event_fn alloc;   /* ALLOC; NULL: it goes to `event` */
    gcs_label_fn label;         /* LABEL; NULL: it goes to `event` */
    gcs_label_int_fn label_int; /* the LABEL of a new int as its value (the label's text is
                                 * its decimal form, "%" PRId64); NULL: the runtime writes
                                 * the text and it goes to `label` (else `event`) */
    gcs_ref_set_index_fn ref_set_index; /* REF_SET of a list or tuple slot, as its index (the
                                         * slot's text is "[index]"); NULL: as text to
                                         * `ref_set` (else `event`) */
    gcs_ref_del_index_fn ref_del_index; /* REF_DEL of such a slot, the same way */
};

/* Install hooks->event as the event hook (exactly gcs_heap_set_hook(h,
 * hooks->event, ud)) together with its narrow hooks; the runtime then calls a
 * narrow hook instead of `event` for the events it takes, in the same order.
 * The narrow hooks belong to that (event, ud) pair: a later gcs_heap_set_hook
 * with another pair stops them. `hooks` is copied; NULL removes every hook.
 * GCS_EINVAL: h NULL, or hooks->event NULL. */
int gcs_heap_set_hooks(gcs_heap *h, const gcs_hooks *hooks, void *ud);

/* Switch checked mode at run time. */
int gcs_heap_set_checked(gcs_heap *h, bool on, gcs_on_error on_error);

/* Emit a MARKER event with a caption ("del a — the cycle keeps both alive"). */
int gcs_marker_at(gcs_heap *h, const char *text, const gcs_site *site);
#define gcs_marker(h, text) gcs_marker_at((h), (text), GCS_HERE)
/* printf-style marker. */
int gcs_markerf(gcs_heap *h, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Number of objects alive, and bytes they use (headers included). */
size_t gcs_heap_live_objects(const gcs_heap *h);
size_t gcs_heap_live_bytes(const gcs_heap *h);

/* {================ 2. Objects and reference counts ================} */

typedef enum gcs_kind {
    GCS_KIND_NONE = 0,
    GCS_KIND_BOOL,
    GCS_KIND_INT,
    GCS_KIND_STR,
    GCS_KIND_TUPLE,
    GCS_KIND_LIST,
    GCS_KIND_DICT,
    GCS_KIND_CLASS,
    GCS_KIND_INSTANCE,
    GCS_KIND_WEAKREF,
    GCS_KIND_CFUNC,
    GCS_KIND_USER, /* object of a user-defined C type */
    GCS_KIND__COUNT
} gcs_kind;

/* The part of every object and every heap that the inline fast paths read.
 * Private: do not touch the fields. The reference count is 32 bits wide (as in
 * CPython 3.12 on 64-bit builds); the runtime packs the object's kind, flags
 * and generation into the other half of the word. */
typedef struct gcs_obj_head_ {
    uint32_t refcnt_;
    uint32_t bits_; /* runtime-private (kind, flags, generation) */
} gcs_obj_head_;
typedef struct gcs_heap_head_ {
    uint32_t slow_; /* nonzero when a hook is set or checked mode is on */
} gcs_heap_head_;

void gcs_incref_slow_(gcs_heap *h, gcs_obj *o, const gcs_site *site);
int gcs_decref_slow_(gcs_heap *h, gcs_obj *o, const gcs_site *site);
void gcs_dealloc_(gcs_heap *h, gcs_obj *o);

/* Take a strong reference. Cost without hook or checked mode: one increment and
 * one predictable branch. */
static inline void
gcs_incref_at(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    if (GCS_UNLIKELY(((gcs_heap_head_ *)h)->slow_))
        gcs_incref_slow_(h, o, site);
    else
        ((gcs_obj_head_ *)o)->refcnt_++;
}

/* Release a strong reference; at zero the object is deallocated at once
 * (finalizer, weakref callbacks, then its references are released — without
 * recursion, so a 1,000,000-long chain frees in constant C stack).
 * In checked mode an over-release or a freed object is reported (see
 * gcs_on_error) and nothing is changed. */
static inline void
gcs_decref_at(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    if (GCS_UNLIKELY(((gcs_heap_head_ *)h)->slow_))
        (void)gcs_decref_slow_(h, o, site);
    else if (--((gcs_obj_head_ *)o)->refcnt_ == 0)
        gcs_dealloc_(h, o);
}
#define gcs_incref(h, o) gcs_incref_at((h), (o), GCS_HERE)
#define gcs_decref(h, o) gcs_decref_at((h), (o), GCS_HERE)
/* decref that accepts NULL. */
#define gcs_xdecref(h, o)                                                                          \
    do {                                                                                           \
        gcs_obj *gcs_x_ = (o);                                                                     \
        if (gcs_x_)                                                                                \
            gcs_decref_at((h), gcs_x_, GCS_HERE);                                                  \
    } while (0)

/* Checked variants: return GCS_EFREED / GCS_EBADOBJ / GCS_EOVERRELEASE instead of
 * aborting even when on_error is ABORT (used by bindings and tests). */
int gcs_incref_checked_at(gcs_heap *h, gcs_obj *o, const gcs_site *site);
int gcs_decref_checked_at(gcs_heap *h, gcs_obj *o, const gcs_site *site);

/* The reference count (what sys.getrefcount reports, minus its argument). */
static inline int64_t
gcs_refcnt(const gcs_obj *o)
{
    return ((const gcs_obj_head_ *)o)->refcnt_;
}
/* Unique id, never reused within a heap's life (also the id in traces). */
uint64_t gcs_id(const gcs_obj *o);
gcs_kind gcs_kind_of(const gcs_obj *o);
/* Type name: "int", "list", the class name, the user type's name. */
const char *gcs_type_name(const gcs_obj *o);
/* Short display label written into buf ("[1, 2]", "'spam'", "<Node>"). */
size_t gcs_repr(gcs_heap *h, gcs_obj *o, char *buf, size_t buf_size);
/* Mark `o` as an embedder's internal object (an interpreter's globals dict, a
 * function's code): nothing changes in the heap, but an INTERNAL event tells
 * views to hide it unless the user asks to see everything. Returns 0, or
 * GCS_EINVAL (NULL), GCS_EFREED / GCS_EBADOBJ (checked mode). */
int gcs_obj_set_internal(gcs_heap *h, gcs_obj *o);

/* {======================== 3. Atoms ========================} */

/* None, True and False are per-heap singletons; these return BORROWED refs. */
gcs_obj *gcs_none(gcs_heap *h);
gcs_obj *gcs_true(gcs_heap *h);
gcs_obj *gcs_false(gcs_heap *h);
gcs_obj *gcs_bool(gcs_heap *h, bool v);

/* Ints -5..256 are cached as in CPython (same object each time). */
int gcs_int_new_at(gcs_heap *h, int64_t v, gcs_obj **out, const gcs_site *site);
#define gcs_int_new(h, v, out) gcs_int_new_at((h), (v), (out), GCS_HERE)
/* Copies `s`. */
int gcs_str_new_at(gcs_heap *h, const char *s, gcs_obj **out, const gcs_site *site);
#define gcs_str_new(h, s, out) gcs_str_new_at((h), (s), (out), GCS_HERE)
int gcs_str_newn_at(gcs_heap *h, const char *s, size_t n, gcs_obj **out, const gcs_site *site);

int gcs_int_value(gcs_heap *h, gcs_obj *o, int64_t *out); /* GCS_ETYPE if not int/bool */
const char *gcs_str_value(gcs_heap *h, gcs_obj *o);       /* NULL if not str */
size_t gcs_str_len(gcs_heap *h, gcs_obj *o);              /* bytes */
bool gcs_is_true(gcs_heap *h, gcs_obj *o);                /* Python truthiness */
/* Value equality for atoms (int/bool/str/None); identity for other objects. */
bool gcs_equal(gcs_heap *h, gcs_obj *a, gcs_obj *b);

/* {======================== 4. Containers ========================} */

/* Tuple of n items (borrowed; the tuple takes its own references). n == 0 gives
 * the empty-tuple singleton (untracked). Tracked at creation, untracked by a
 * later collection if it holds only atoms (CPython's untrack_tuples). */
int gcs_tuple_new_at(gcs_heap *h, size_t n, gcs_obj *const items[], gcs_obj **out,
                     const gcs_site *site);
#define gcs_tuple_new(h, n, items, out) gcs_tuple_new_at((h), (n), (items), (out), GCS_HERE)
int gcs_tuple_get(gcs_heap *h, gcs_obj *t, size_t i, gcs_obj **out); /* BORROWED */
size_t gcs_tuple_len(gcs_heap *h, gcs_obj *t);

int gcs_list_new_at(gcs_heap *h, gcs_obj **out, const gcs_site *site);
#define gcs_list_new(h, out) gcs_list_new_at((h), (out), GCS_HERE)
int gcs_list_append_at(gcs_heap *h, gcs_obj *l, gcs_obj *item, const gcs_site *site);
#define gcs_list_append(h, l, item) gcs_list_append_at((h), (l), (item), GCS_HERE)
/* Insert before index i (Python semantics: i clamped to [0, len], negatives from the end). */
int gcs_list_insert_at(gcs_heap *h, gcs_obj *l, ptrdiff_t i, gcs_obj *item, const gcs_site *site);
#define gcs_list_insert(h, l, i, item) gcs_list_insert_at((h), (l), (i), (item), GCS_HERE)
/* l[i] = item; negative i counts from the end; releases the replaced item. */
int gcs_list_set_at(gcs_heap *h, gcs_obj *l, ptrdiff_t i, gcs_obj *item, const gcs_site *site);
#define gcs_list_set(h, l, i, item) gcs_list_set_at((h), (l), (i), (item), GCS_HERE)
int gcs_list_get(gcs_heap *h, gcs_obj *l, ptrdiff_t i, gcs_obj **out); /* BORROWED */
/* Remove l[i]; *out gets it as a NEW reference, or pass out == NULL to release it. */
int gcs_list_pop_at(gcs_heap *h, gcs_obj *l, ptrdiff_t i, gcs_obj **out, const gcs_site *site);
#define gcs_list_pop(h, l, i, out) gcs_list_pop_at((h), (l), (i), (out), GCS_HERE)
#define gcs_list_del(h, l, i)      gcs_list_pop_at((h), (l), (i), NULL, GCS_HERE)
int gcs_list_clear_at(gcs_heap *h, gcs_obj *l, const gcs_site *site);
#define gcs_list_clear(h, l) gcs_list_clear_at((h), (l), GCS_HERE)
size_t gcs_list_len(gcs_heap *h, gcs_obj *l);

/* Dicts keep insertion order. Keys: atoms hash and compare by value, tuples by
 * their items, every other object by identity. Created untracked; tracked when
 * a key or value that may be tracked is stored; untracked again only by a full
 * collection (CPython's MAINTAIN_TRACKING / untrack_dicts). */
int gcs_dict_new_at(gcs_heap *h, gcs_obj **out, const gcs_site *site);
#define gcs_dict_new(h, out) gcs_dict_new_at((h), (out), GCS_HERE)
int gcs_dict_set_at(gcs_heap *h, gcs_obj *d, gcs_obj *key, gcs_obj *val, const gcs_site *site);
#define gcs_dict_set(h, d, k, v) gcs_dict_set_at((h), (d), (k), (v), GCS_HERE)
int gcs_dict_get(gcs_heap *h, gcs_obj *d, gcs_obj *key,
                 gcs_obj **out); /* BORROWED; GCS_ENOTFOUND */
int gcs_dict_del_at(gcs_heap *h, gcs_obj *d, gcs_obj *key, const gcs_site *site);
#define gcs_dict_del(h, d, k) gcs_dict_del_at((h), (d), (k), GCS_HERE)
size_t gcs_dict_len(gcs_heap *h, gcs_obj *d);
/* Iterate: start with *pos = 0; returns true and BORROWED key/value while items remain. */
bool gcs_dict_next(gcs_heap *h, gcs_obj *d, size_t *pos, gcs_obj **key, gcs_obj **val);
/* Convenience: string keys. */
int gcs_dict_set_str_at(gcs_heap *h, gcs_obj *d, const char *key, gcs_obj *val,
                        const gcs_site *site);
#define gcs_dict_set_str(h, d, k, v) gcs_dict_set_str_at((h), (d), (k), (v), GCS_HERE)

/* {============ 5. Classes, instances, user C types, callables ============} */

/* PEP 442 finalizer (__del__): runs at most once per object, may resurrect it
 * by storing `self` somewhere. A non-zero return is reported as an unraisable
 * error and ignored, as CPython does. */
typedef int (*gcs_finalize_fn)(gcs_heap *h, gcs_obj *self, void *ud);

typedef struct gcs_class_def {
    const char *name;
    const char *const *slots; /* declared attribute names (may be NULL) */
    size_t n_slots;
    bool dynamic_attrs;              /* allow attributes not in slots (default in Python) */
    gcs_finalize_fn finalize;        /* __del__ (PEP 442), or NULL */
    gcs_finalize_fn legacy_finalize; /* tp_del: makes cycles uncollectable, or NULL */
    void *ud;                        /* passed to the finalizers */
} gcs_class_def;

/* A class is itself a (tracked) object of kind CLASS. `def` is copied. */
int gcs_class_new_at(gcs_heap *h, const gcs_class_def *def, gcs_obj **out, const gcs_site *site);
#define gcs_class_new(h, def, out) gcs_class_new_at((h), (def), (out), GCS_HERE)
/* New instance (tracked); it holds a reference to its class. */
int gcs_instance_new_at(gcs_heap *h, gcs_obj *cls, gcs_obj **out, const gcs_site *site);
#define gcs_instance_new(h, cls, out) gcs_instance_new_at((h), (cls), (out), GCS_HERE)
/* Attributes of instances and classes (class attributes). */
int gcs_attr_set_at(gcs_heap *h, gcs_obj *o, const char *name, gcs_obj *val, const gcs_site *site);
#define gcs_attr_set(h, o, name, val) gcs_attr_set_at((h), (o), (name), (val), GCS_HERE)
int gcs_attr_get(gcs_heap *h, gcs_obj *o, const char *name,
                 gcs_obj **out); /* BORROWED; ENOTFOUND */
int gcs_attr_del_at(gcs_heap *h, gcs_obj *o, const char *name, const gcs_site *site);
#define gcs_attr_del(h, o, name) gcs_attr_del_at((h), (o), (name), GCS_HERE)
/* Iterate an object's attributes: start with *pos = 0. */
bool gcs_attr_next(gcs_heap *h, gcs_obj *o, size_t *pos, const char **name, gcs_obj **val);
/* The class of an instance (BORROWED), NULL for other kinds. */
gcs_obj *gcs_class_of(gcs_heap *h, gcs_obj *o);
/* Let a class's finalizer be set after creation (interpreters define __del__ late). */
int gcs_class_set_finalizer(gcs_heap *h, gcs_obj *cls, gcs_finalize_fn finalize,
                            gcs_finalize_fn legacy_finalize, void *ud);

/* Visitor used by traverse callbacks; return non-zero to stop. */
typedef int (*gcs_visit_fn)(gcs_obj *child, void *arg);

typedef struct gcs_type_def {
    const char *name;
    size_t data_size; /* bytes of user data after the header (gcs_obj_data) */
    unsigned flags;   /* GCS_TYPE_* */
    /* Visit every strong reference the object holds (stored with gcs_slot_set). */
    int (*traverse)(gcs_heap *h, gcs_obj *self, gcs_visit_fn visit, void *arg);
    /* Drop the references the object holds (breaks cycles); use gcs_slot_clear. */
    void (*clear)(gcs_heap *h, gcs_obj *self);
    gcs_finalize_fn finalize;        /* PEP 442 finalizer or NULL */
    gcs_finalize_fn legacy_finalize; /* tp_del or NULL */
    /* Release non-object resources; called after clear(), just before freeing. */
    void (*dealloc)(gcs_heap *h, gcs_obj *self);
    void *ud;
} gcs_type_def;

enum {
    GCS_TYPE_GC = 1,         /* a container: tracked by the cycle collector */
    GCS_TYPE_WEAKREFABLE = 2 /* weak references to it may be made */
};

typedef struct gcs_type gcs_type;
/* Register a C type; `def` is copied. Types live as long as the heap. */
int gcs_type_new(gcs_heap *h, const gcs_type_def *def, gcs_type **out);
/* New object of a user type; data zeroed; tracked if GCS_TYPE_GC. */
int gcs_obj_new_at(gcs_heap *h, gcs_type *type, gcs_obj **out, const gcs_site *site);
#define gcs_obj_new(h, type, out) gcs_obj_new_at((h), (type), (out), GCS_HERE)
void *gcs_obj_data(gcs_obj *o);
/* Store `val` (borrowed, may be NULL) into the reference field *slot of `owner`,
 * releasing the old one, and report it under `label` (".next"). */
int gcs_slot_set_at(gcs_heap *h, gcs_obj *owner, gcs_obj **slot, const char *label, gcs_obj *val,
                    const gcs_site *site);
#define gcs_slot_set(h, owner, slot, label, val)                                                   \
    gcs_slot_set_at((h), (owner), (slot), (label), (val), GCS_HERE)
#define gcs_slot_clear(h, owner, slot, label)                                                      \
    gcs_slot_set_at((h), (owner), (slot), (label), NULL, GCS_HERE)
/* Track / untrack a user GC object (CPython's PyObject_GC_Track / UnTrack). */
int gcs_gc_track(gcs_heap *h, gcs_obj *o);
int gcs_gc_untrack(gcs_heap *h, gcs_obj *o);

/* Callables. fn returns 0 and a NEW reference in *result (NULL means None), or
 * a negative code (an error the caller reports). */
typedef int (*gcs_cfunc_fn)(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs,
                            void *ud, gcs_obj **result);
/* A tracked callable object wrapping a C function. `bound` (borrowed, may be
 * NULL) is an object the function holds a strong reference to (a bound method's
 * self, a closure): traversed by the collector. */
int gcs_cfunc_new_at(gcs_heap *h, const char *name, gcs_cfunc_fn fn, void *ud, gcs_obj *bound,
                     gcs_obj **out, const gcs_site *site);
#define gcs_cfunc_new(h, name, fn, ud, bound, out)                                                 \
    gcs_cfunc_new_at((h), (name), (fn), (ud), (bound), (out), GCS_HERE)
gcs_obj *gcs_cfunc_bound(gcs_heap *h, gcs_obj *f); /* BORROWED */
/* Call a callable (cfunc) with borrowed args; *result NEW (may be None). */
int gcs_call(gcs_heap *h, gcs_obj *f, gcs_obj *const args[], size_t nargs, gcs_obj **result);

/* {==================== 6. Roots: frames and variables ====================} */

/* Push a frame (a function call's scope). *frame_id (may be NULL) gets its id. */
int gcs_frame_push_at(gcs_heap *h, const char *name, uint64_t *frame_id, const gcs_site *site);
#define gcs_frame_push(h, name, id) gcs_frame_push_at((h), (name), (id), GCS_HERE)
/* Pop the top frame, deleting its variables (in reverse binding order). The
 * "<module>" frame can't be popped (GCS_ESTATE). */
int gcs_frame_pop_at(gcs_heap *h, const gcs_site *site);
#define gcs_frame_pop(h) gcs_frame_pop_at((h), GCS_HERE)
size_t gcs_frame_depth(gcs_heap *h);
/* Bind a variable in the top frame: it takes a new reference to `obj`. */
int gcs_var_set_at(gcs_heap *h, const char *name, gcs_obj *obj, const gcs_site *site);
#define gcs_var_set(h, name, obj) gcs_var_set_at((h), (name), (obj), GCS_HERE)
/* Global variable (the "<module>" frame). */
int gcs_global_set_at(gcs_heap *h, const char *name, gcs_obj *obj, const gcs_site *site);
#define gcs_global_set(h, name, obj) gcs_global_set_at((h), (name), (obj), GCS_HERE)
/* Look up in the top frame, then globals. BORROWED. */
int gcs_var_get(gcs_heap *h, const char *name, gcs_obj **out);
/* Delete from the top frame (GCS_ENOTFOUND if unbound there). */
int gcs_var_del_at(gcs_heap *h, const char *name, const gcs_site *site);
#define gcs_var_del(h, name) gcs_var_del_at((h), (name), GCS_HERE)
int gcs_global_del_at(gcs_heap *h, const char *name, const gcs_site *site);
#define gcs_global_del(h, name) gcs_global_del_at((h), (name), GCS_HERE)

/* {============== 7. Weak references, weak-value dictionary ==============} */

/* New weak reference to `referent` (must be weakref-able: instances, classes,
 * cfuncs, user types with GCS_TYPE_WEAKREFABLE; else GCS_ETYPE). `callback`
 * (may be NULL) is a callable called with the weakref when the referent dies,
 * following CPython's rules (not called if the weakref itself is garbage in the
 * same collection). A weakref without callback to the same referent is shared,
 * as in CPython. */
int gcs_weakref_new_at(gcs_heap *h, gcs_obj *referent, gcs_obj *callback, gcs_obj **out,
                       const gcs_site *site);
#define gcs_weakref_new(h, ref, cb, out) gcs_weakref_new_at((h), (ref), (cb), (out), GCS_HERE)
/* The referent (BORROWED) or NULL once cleared. */
gcs_obj *gcs_weakref_get(gcs_heap *h, gcs_obj *wr);
/* Number of live weakrefs to `o` (weakref.getweakrefcount). */
size_t gcs_weakref_count(gcs_heap *h, gcs_obj *o);

/* weakref.WeakValueDictionary: entries vanish when their value dies. Built on
 * weakrefs with callbacks (one per entry, like CPython's KeyedRef). */
int gcs_wvdict_new_at(gcs_heap *h, gcs_obj **out, const gcs_site *site);
#define gcs_wvdict_new(h, out) gcs_wvdict_new_at((h), (out), GCS_HERE)
int gcs_wvdict_set_at(gcs_heap *h, gcs_obj *wd, gcs_obj *key, gcs_obj *val, const gcs_site *site);
#define gcs_wvdict_set(h, wd, k, v) gcs_wvdict_set_at((h), (wd), (k), (v), GCS_HERE)
int gcs_wvdict_get(gcs_heap *h, gcs_obj *wd, gcs_obj *key, gcs_obj **out); /* BORROWED; ENOTFOUND */
int gcs_wvdict_del_at(gcs_heap *h, gcs_obj *wd, gcs_obj *key, const gcs_site *site);
#define gcs_wvdict_del(h, wd, k) gcs_wvdict_del_at((h), (wd), (k), GCS_HERE)
size_t gcs_wvdict_len(gcs_heap *h, gcs_obj *wd);

/* {==================== 8. The cycle collector ====================} */

typedef struct gcs_gc_stats {
    uint64_t collections;
    uint64_t collected;
    uint64_t uncollectable;
} gcs_gc_stats;

/* gc.collect(generation): collect generations 0..gen (0 <= gen <= 2, else
 * GCS_EINVAL). *n_out (may be NULL) = collected + uncollectable, as CPython
 * returns. Runs even when automatic collection is disabled; returns 0 with
 * *n_out = 0 if a collection is already running. */
int gcs_gc_collect_at(gcs_heap *h, int gen, size_t *n_out, const gcs_site *site);
#define gcs_gc_collect(h, gen, n) gcs_gc_collect_at((h), (gen), (n), GCS_HERE)
void gcs_gc_enable(gcs_heap *h);
void gcs_gc_disable(gcs_heap *h);
bool gcs_gc_isenabled(gcs_heap *h);
/* set_threshold: negative values are GCS_EINVAL. */
int gcs_gc_set_threshold(gcs_heap *h, long t0, long t1, long t2);
void gcs_gc_get_threshold(gcs_heap *h, long out[3]);
void gcs_gc_get_count(gcs_heap *h, long out[3]);
void gcs_gc_get_stats(gcs_heap *h, gcs_gc_stats out[3]);
int gcs_gc_set_debug(gcs_heap *h, int flags);
int gcs_gc_get_debug(gcs_heap *h);
/* gc.garbage: a list object owned by the heap (BORROWED). */
gcs_obj *gcs_gc_garbage(gcs_heap *h);
/* gc.callbacks: a list object owned by the heap (BORROWED). Each callable in it
 * is called as cb(phase, info) with phase "start"/"stop" and info a dict
 * {"generation", "collected", "uncollectable"}, only when the list is
 * non-empty, exactly as CPython does. */
gcs_obj *gcs_gc_callbacks(gcs_heap *h);
/* gc.get_objects(gen): gen -1 for all; 0..2; else GCS_EINVAL. NEW list. */
int gcs_gc_get_objects_at(gcs_heap *h, int gen, gcs_obj **out, const gcs_site *site);
#define gcs_gc_get_objects(h, gen, out) gcs_gc_get_objects_at((h), (gen), (out), GCS_HERE)
/* gc.get_referrers(*objs) / get_referents(*objs): NEW list. */
int gcs_gc_get_referrers_at(gcs_heap *h, gcs_obj *const objs[], size_t n, gcs_obj **out,
                            const gcs_site *site);
#define gcs_gc_get_referrers(h, objs, n, out)                                                      \
    gcs_gc_get_referrers_at((h), (objs), (n), (out), GCS_HERE)
int gcs_gc_get_referents_at(gcs_heap *h, gcs_obj *const objs[], size_t n, gcs_obj **out,
                            const gcs_site *site);
#define gcs_gc_get_referents(h, objs, n, out)                                                      \
    gcs_gc_get_referents_at((h), (objs), (n), (out), GCS_HERE)
bool gcs_gc_is_tracked(gcs_heap *h, gcs_obj *o);
bool gcs_gc_is_finalized(gcs_heap *h, gcs_obj *o);
void gcs_gc_freeze(gcs_heap *h);
void gcs_gc_unfreeze(gcs_heap *h);
size_t gcs_gc_get_freeze_count(gcs_heap *h);
/* Generation of a tracked object: 0..2, 3 = permanent (frozen), -1 untracked. */
int gcs_gc_generation(gcs_heap *h, gcs_obj *o);

/* {==================== 9. Checking and introspection ====================} */

/* Walk the whole heap and check its invariants (list links, generation bits,
 * refcounts >= 0, no freed object reachable, weakrefs point to live objects or
 * are cleared). 0 if sound, GCS_ECORRUPT with a message otherwise. */
int gcs_heap_check(const gcs_heap *h);

/* Visit every live object (allocation order). Stop when fn returns non-zero. */
typedef int (*gcs_obj_visit_fn)(gcs_heap *h, gcs_obj *o, void *ud);
int gcs_heap_foreach(gcs_heap *h, gcs_obj_visit_fn fn, void *ud);
/* Visit the strong references an object holds: fn(child, slot label, ud). */
typedef int (*gcs_ref_visit_fn)(gcs_obj *child, const char *slot, void *ud);
int gcs_obj_foreach_ref(gcs_heap *h, gcs_obj *o, gcs_ref_visit_fn fn, void *ud);
/* Visit the roots: every frame's variables, innermost frame last. */
typedef int (*gcs_root_visit_fn)(uint64_t frame_id, const char *frame_name, const char *var,
                                 gcs_obj *obj, void *ud);
int gcs_heap_foreach_root(gcs_heap *h, gcs_root_visit_fn fn, void *ud);
/* Where an object was allocated (file/func/line), or NULL fields if unknown. */
gcs_site gcs_obj_alloc_site(gcs_heap *h, gcs_obj *o);
/* The live object with this id, or NULL (O(1) in checked mode, else a scan). */
gcs_obj *gcs_heap_find(gcs_heap *h, uint64_t id);

#ifdef __cplusplus
}
#endif
#endif
