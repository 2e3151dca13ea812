/* src/runtime/obj.c — the life of an object: allocation (with the automatic
 * collection trigger), reference counting slow paths, deallocation through a
 * trashcan (deferred list past TRASH_DEPTH_LIMIT nested deallocations, so a
 * 1,000,000-deep chain frees in bounded C stack), per-kind dispatch
 * (traverse/clear/release) and event emission. Start with gcs_dealloc_ and
 * obj_dealloc, which follow CPython's subtype_dealloc order: finalizer,
 * weakref callbacks, legacy finalizer, release references. */
#include <inttypes.h>
#include <stdio.h>

#include "runtime_int.h"

#if defined(__GNUC__)
#define GCS_NOINLINE __attribute__((noinline))
#else
#define GCS_NOINLINE
#endif

/* {==================== Events ====================} */

/* Deliver an event: the user's hook first, then the recorder's. Events
 * without a site inherit the site of the API call being served (a decref that
 * frees a whole structure reports every FREE at the caller's line). Only the
 * emitters of passes, phases, markers and other rare events read the clock;
 * per-object events (refcounts, GC_REFS/GC_STATE/GC_PROMOTE/GC_GARBAGE) go
 * unstamped (t_ns 0): readers take the last stamped time, and a clock read
 * per object per pass would dominate the cost of recording a collection. */
static inline void
emit_(gcs_heap *h, gcs_event *ev)
{
    if (!ev->site)
        ev->site = h->cur_site;
    if (h->hook)
        h->hook(h->hook_ud, ev);
    if (h->trace_hook)
        h->trace_hook(h->trace_ud, ev);
}

void
gcs_rt_emit(gcs_heap *h, gcs_event *ev)
{
    emit_(h, ev);
}

/* {==== Narrow hooks ====}
 *
 * The commonest events (refcounts, one-object events, REF_SET/REF_DEL) go to
 * a slot's narrow hook when it has one (gcs_heap_set_hooks): plain arguments,
 * no gcs_event built here and no dispatch on its kind there. A slot without
 * one gets the gcs_event as before; either way each slot sees every event,
 * the user's slot first. The narrow hooks of a slot count only while it holds
 * the (event, ud) pair they came with (see narrow()). */

/* The slot's narrow hooks if they belong to its current hook `fn` (non-NULL)
 * and `ud`, else NULL. */
static inline const gcs_hooks *
narrow(const gcs_hooks *nh, void *nh_ud, gcs_event_fn fn, void *ud)
{
    return nh->event == fn && nh_ud == ud ? nh : NULL;
}

static void
set_narrow(gcs_hooks *nh, void **nh_ud, const gcs_hooks *hooks, void *ud)
{
    if (hooks) {
        *nh = *hooks;
        *nh_ud = ud;
    } else {
        memset(nh, 0, sizeof *nh);
        *nh_ud = NULL;
    }
}

int
gcs_heap_set_hooks(gcs_heap *h, const gcs_hooks *hooks, void *ud)
{
    if (!h || (hooks && !hooks->event))
        return GCS_EINVAL;
    set_narrow(&h->user_nh, &h->user_nh_ud, hooks, ud);
    return gcs_heap_set_hook(h, hooks ? hooks->event : NULL, hooks ? ud : NULL);
}

int
gcs_rt_set_trace_hooks(gcs_heap *h, const gcs_hooks *hooks, void *ud)
{
    if (!h || (hooks && !hooks->event))
        return GCS_EINVAL;
    set_narrow(&h->trace_nh, &h->trace_nh_ud, hooks, ud);
    return gcs_rt_set_trace_hook(h, hooks ? hooks->event : NULL, hooks ? ud : NULL);
}

void
gcs_rt_update_sole(gcs_heap *h)
{
    h->sole_nh = NULL;
    h->sole_ud = NULL;
    if (!h->trace_hook && h->hook) {
        h->sole_ud = h->hook_ud;
        h->sole_nh = narrow(&h->user_nh, h->user_nh_ud, h->hook, h->hook_ud);
    } else if (!h->hook && h->trace_hook) {
        h->sole_ud = h->trace_ud;
        h->sole_nh = narrow(&h->trace_nh, h->trace_nh_ud, h->trace_hook, h->trace_ud);
    }
}

/* The narrow hooks of the one hooked slot, and its ud in *ud; NULL if both
 * slots are hooked or the slot's narrow hooks are not (or no longer) its
 * (gcs_rt_update_sole keeps the answer with the heap). */
static inline const gcs_hooks *
sole_narrow(const gcs_heap *h, void **ud)
{
    *ud = h->sole_ud;
    return h->sole_nh;
}

/* Each hooked slot in turn, the user's first: its narrow hook FIELD (called
 * with the slot's ud, then the remaining arguments) if it has one, else the
 * gcs_event ev. The out-of-line general case of every narrow event. */
#define DELIVER_SLOTS(h, ev, FIELD, ...)                                                           \
    do {                                                                                           \
        const gcs_hooks *nh_;                                                                      \
        if ((h)->hook) {                                                                           \
            nh_ = narrow(&(h)->user_nh, (h)->user_nh_ud, (h)->hook, (h)->hook_ud);                 \
            if (nh_ && nh_->FIELD)                                                                 \
                nh_->FIELD((h)->hook_ud, __VA_ARGS__);                                             \
            else                                                                                   \
                (h)->hook((h)->hook_ud, &(ev));                                                    \
        }                                                                                          \
        if ((h)->trace_hook) {                                                                     \
            nh_ = narrow(&(h)->trace_nh, (h)->trace_nh_ud, (h)->trace_hook, (h)->trace_ud);        \
            if (nh_ && nh_->FIELD)                                                                 \
                nh_->FIELD((h)->trace_ud, __VA_ARGS__);                                            \
            else                                                                                   \
                (h)->trace_hook((h)->trace_ud, &(ev));                                             \
        }                                                                                          \
    } while (0)

/* DELIVER_SLOTS for an event a slot may take in two forms: its narrow hook
 * FA called as nh_->FA ARGS_A (the compact form: an int's value, a slot's
 * index), else its narrow hook FB as nh_->FB ARGS_B (the text form), else
 * the gcs_event ev. ARGS_* name the slot's ud `ud_`. */
#define DELIVER_SLOTS2(h, ev, FA, ARGS_A, FB, ARGS_B)                                              \
    do {                                                                                           \
        const gcs_hooks *nh_;                                                                      \
        void *ud_;                                                                                 \
        if ((h)->hook) {                                                                           \
            nh_ = narrow(&(h)->user_nh, (h)->user_nh_ud, (h)->hook, (h)->hook_ud);                 \
            ud_ = (h)->hook_ud;                                                                    \
            if (nh_ && nh_->FA)                                                                    \
                nh_->FA ARGS_A;                                                                    \
            else if (nh_ && nh_->FB)                                                               \
                nh_->FB ARGS_B;                                                                    \
            else                                                                                   \
                (h)->hook(ud_, &(ev));                                                             \
        }                                                                                          \
        if ((h)->trace_hook) {                                                                     \
            nh_ = narrow(&(h)->trace_nh, (h)->trace_nh_ud, (h)->trace_hook, (h)->trace_ud);        \
            ud_ = (h)->trace_ud;                                                                   \
            if (nh_ && nh_->FA)                                                                    \
                nh_->FA ARGS_A;                                                                    \
            else if (nh_ && nh_->FB)                                                               \
                nh_->FB ARGS_B;                                                                    \
            else                                                                                   \
                (h)->trace_hook(ud_, &(ev));                                                       \
        }                                                                                          \
    } while (0)

/* The general case of each narrow event (out of line): each hooked slot in
 * turn gets its narrow hook if it has one, else the gcs_event. */
static GCS_NOINLINE void
refcnt_slots(gcs_heap *h, gcs_ev_kind kind, uint64_t id, int64_t refcnt, const gcs_site *site)
{
    gcs_event ev = {.kind = kind, .site = site};
    ev.u.incref.obj = id; /* gcs_ev_decref has the same layout */
    ev.u.incref.refcnt = refcnt;
    DELIVER_SLOTS(h, ev, refcnt, kind, id, refcnt, site);
}

/* INCREF/DECREF with the object's new count; the usual case is one call. */
static inline void
emit_refcnt(gcs_heap *h, gcs_ev_kind kind, gcs_obj *o, const gcs_site *site)
{
    void *ud;
    const gcs_hooks *nh = sole_narrow(h, &ud);
    if (!site)
        site = h->cur_site;
    if (nh && nh->refcnt)
        nh->refcnt(ud, kind, o->id, o->head.refcnt_, site);
    else
        refcnt_slots(h, kind, o->id, o->head.refcnt_, site);
}

void
gcs_rt_ev_refcnt(gcs_heap *h, gcs_ev_kind kind, gcs_obj *o, const gcs_site *site)
{
    emit_refcnt(h, kind, o, site);
}

/* Events whose payload is one object id: FREE, TRACK, UNTRACK, FINALIZE,
 * RESURRECT, GC_GARBAGE, INTERNAL. */
static GCS_NOINLINE void
obj_slots(gcs_heap *h, gcs_ev_kind kind, uint64_t id, const gcs_site *site)
{
    gcs_event ev = {.kind = kind, .site = site};
    switch (kind) {
    case GCS_EV_FREE:
        ev.u.free.obj = id;
        break;
    case GCS_EV_TRACK:
        ev.u.track.obj = id;
        break;
    case GCS_EV_UNTRACK:
        ev.u.untrack.obj = id;
        break;
    case GCS_EV_FINALIZE:
        ev.u.finalize.obj = id;
        break;
    case GCS_EV_RESURRECT:
        ev.u.resurrect.obj = id;
        break;
    case GCS_EV_GC_GARBAGE:
        ev.u.gc_garbage.obj = id;
        break;
    case GCS_EV_INTERNAL:
        ev.u.internal.obj = id;
        break;
    case GCS_EV_ALLOC:
    case GCS_EV_INCREF:
    case GCS_EV_DECREF:
    case GCS_EV_LABEL:
    case GCS_EV_REF_SET:
    case GCS_EV_REF_DEL:
    case GCS_EV_FRAME_PUSH:
    case GCS_EV_FRAME_POP:
    case GCS_EV_VAR_SET:
    case GCS_EV_VAR_DEL:
    case GCS_EV_WEAKREF_NEW:
    case GCS_EV_WEAKREF_CLEAR:
    case GCS_EV_WEAKREF_CALLBACK:
    case GCS_EV_GC_BEGIN:
    case GCS_EV_GC_PHASE:
    case GCS_EV_GC_REFS:
    case GCS_EV_GC_STATE:
    case GCS_EV_GC_PROMOTE:
    case GCS_EV_GC_END:
    case GCS_EV_GC_CONFIG:
    case GCS_EV_FREEZE:
    case GCS_EV_UNFREEZE:
    case GCS_EV_MARKER:
    case GCS_EV_ERROR:
    case GCS_EV_HEAP_END:
    case GCS_EV__COUNT:
        GCS_ASSERT(!"not a one-object event");
        return;
    }
    DELIVER_SLOTS(h, ev, obj, kind, id, site);
}

void
gcs_rt_ev_obj(gcs_heap *h, gcs_ev_kind kind, gcs_obj *o, const gcs_site *site)
{
    void *ud;
    const gcs_hooks *nh = sole_narrow(h, &ud);
    if (!site)
        site = h->cur_site;
    if (nh && nh->obj)
        nh->obj(ud, kind, o->id, site);
    else
        obj_slots(h, kind, o->id, site);
}

/* REF_SET (dst may be 0). */
static GCS_NOINLINE void
ref_set_slots(gcs_heap *h, uint64_t src, const char *slot, uint64_t dst, uint64_t old,
              const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_REF_SET, .site = site};
    ev.u.ref_set = (gcs_ev_ref_set){src, slot, dst, old};
    DELIVER_SLOTS(h, ev, ref_set, src, slot, dst, old, site);
}

void
gcs_rt_ev_ref_set(gcs_heap *h, gcs_obj *src, const char *slot, gcs_obj *dst, gcs_obj *old,
                  const gcs_site *site)
{
    void *ud;
    const gcs_hooks *nh = sole_narrow(h, &ud);
    uint64_t dst_id = dst ? dst->id : 0, old_id = old ? old->id : 0;
    if (!site)
        site = h->cur_site;
    if (nh && nh->ref_set)
        nh->ref_set(ud, src->id, slot, dst_id, old_id, site);
    else
        ref_set_slots(h, src->id, slot, dst_id, old_id, site);
}

/* REF_DEL. */
static GCS_NOINLINE void
ref_del_slots(gcs_heap *h, uint64_t src, const char *slot, uint64_t old, const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_REF_DEL, .site = site};
    ev.u.ref_del = (gcs_ev_ref_del){src, slot, old};
    DELIVER_SLOTS(h, ev, ref_del, src, slot, old, site);
}

void
gcs_rt_ev_ref_del(gcs_heap *h, gcs_obj *src, const char *slot, gcs_obj *old, const gcs_site *site)
{
    void *ud;
    const gcs_hooks *nh = sole_narrow(h, &ud);
    uint64_t old_id = old ? old->id : 0;
    if (!site)
        site = h->cur_site;
    if (nh && nh->ref_del)
        nh->ref_del(ud, src->id, slot, old_id, site);
    else
        ref_del_slots(h, src->id, slot, old_id, site);
}

/* ALLOC. */
static GCS_NOINLINE void
alloc_slots(gcs_heap *h, uint64_t id, const char *type, uint64_t kind, uint64_t size,
            const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_ALLOC, .site = site};
    ev.u.alloc = (gcs_ev_alloc){id, type, kind, size};
    DELIVER_SLOTS(h, ev, alloc, id, type, kind, size, site);
}

static void
ev_alloc(gcs_heap *h, uint64_t id, const char *type, uint64_t kind, uint64_t size,
         const gcs_site *site)
{
    void *ud;
    const gcs_hooks *nh = sole_narrow(h, &ud);
    if (!site)
        site = h->cur_site;
    if (nh && nh->alloc)
        nh->alloc(ud, id, type, kind, size, site);
    else
        alloc_slots(h, id, type, kind, size, site);
}

/* LABEL. */
static GCS_NOINLINE void
label_slots(gcs_heap *h, uint64_t id, const char *text, const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_LABEL, .site = site};
    ev.u.label = (gcs_ev_label){id, text};
    DELIVER_SLOTS(h, ev, label, id, text, site);
}

void
gcs_rt_ev_label(gcs_heap *h, gcs_obj *o, const char *text, const gcs_site *site)
{
    void *ud;
    const gcs_hooks *nh = sole_narrow(h, &ud);
    if (!site)
        site = h->cur_site;
    if (nh && nh->label)
        nh->label(ud, o->id, text, site);
    else
        label_slots(h, o->id, text, site);
}

/* REF_SET / REF_DEL of a list or tuple slot "[index]": per hooked slot, its
 * *_index hook with the index, else the slot's text to its ref_set/ref_del
 * hook, else to its event hook. */
static GCS_NOINLINE void
ref_set_index_slots(gcs_heap *h, uint64_t src, uint64_t index, uint64_t dst, uint64_t old,
                    const gcs_site *site)
{
    char slot[32];
    gcs_rt_slot_index(slot, sizeof slot, (size_t)index);
    gcs_event ev = {.kind = GCS_EV_REF_SET, .site = site};
    ev.u.ref_set = (gcs_ev_ref_set){src, slot, dst, old};
    DELIVER_SLOTS2(h, ev, ref_set_index, (ud_, src, index, dst, old, site), ref_set,
                   (ud_, src, slot, dst, old, site));
}

void
gcs_rt_ev_ref_set_index(gcs_heap *h, gcs_obj *src, size_t index, gcs_obj *dst, gcs_obj *old,
                        const gcs_site *site)
{
    void *ud;
    const gcs_hooks *nh = sole_narrow(h, &ud);
    uint64_t dst_id = dst ? dst->id : 0, old_id = old ? old->id : 0;
    if (!site)
        site = h->cur_site;
    if (nh && nh->ref_set_index)
        nh->ref_set_index(ud, src->id, index, dst_id, old_id, site);
    else
        ref_set_index_slots(h, src->id, index, dst_id, old_id, site);
}

static GCS_NOINLINE void
ref_del_index_slots(gcs_heap *h, uint64_t src, uint64_t index, uint64_t old, const gcs_site *site)
{
    char slot[32];
    gcs_rt_slot_index(slot, sizeof slot, (size_t)index);
    gcs_event ev = {.kind = GCS_EV_REF_DEL, .site = site};
    ev.u.ref_del = (gcs_ev_ref_del){src, slot, old};
    DELIVER_SLOTS2(h, ev, ref_del_index, (ud_, src, index, old, site), ref_del,
                   (ud_, src, slot, old, site));
}

void
gcs_rt_ev_ref_del_index(gcs_heap *h, gcs_obj *src, size_t index, gcs_obj *old, const gcs_site *site)
{
    void *ud;
    const gcs_hooks *nh = sole_narrow(h, &ud);
    uint64_t old_id = old ? old->id : 0;
    if (!site)
        site = h->cur_site;
    if (nh && nh->ref_del_index)
        nh->ref_del_index(ud, src->id, index, old_id, site);
    else
        ref_del_index_slots(h, src->id, index, old_id, site);
}

/* LABEL of a new int: per hooked slot, its label_int hook with the value,
 * else the decimal text to its label hook, else to its event hook. */
static GCS_NOINLINE void
label_int_slots(gcs_heap *h, uint64_t id, int64_t value, const gcs_site *site)
{
    char text[GCS_LABEL_INT_TEXT_MAX];
    gcs_label_int_text(text, value);
    gcs_event ev = {.kind = GCS_EV_LABEL, .site = site};
    ev.u.label = (gcs_ev_label){id, text};
    DELIVER_SLOTS2(h, ev, label_int, (ud_, id, value, site), label, (ud_, id, text, site));
}

void
gcs_rt_ev_label_int(gcs_heap *h, gcs_obj *o, int64_t value, const gcs_site *site)
{
    void *ud;
    const gcs_hooks *nh = sole_narrow(h, &ud);
    if (!site)
        site = h->cur_site;
    if (nh && nh->label_int)
        nh->label_int(ud, o->id, value, site);
    else
        label_int_slots(h, o->id, value, site);
}

int
gcs_obj_set_internal(gcs_heap *h, gcs_obj *o)
{
    if (!h)
        return GCS_EINVAL;
    int rc = gcs_rt_validate(h, o, NULL, false);
    if (rc != 0)
        return rc;
    if (h->hooked)
        gcs_rt_ev_obj(h, GCS_EV_INTERNAL, o, NULL);
    return 0;
}

void
gcs_rt_ev_state(gcs_heap *h, gcs_obj *o, gcs_gc_objstate st)
{
    gcs_event ev = {.kind = GCS_EV_GC_STATE};
    ev.u.gc_state.obj = o->id;
    ev.u.gc_state.state = (uint64_t)st;
    emit_(h, &ev);
}

/* "[0]" .. "[99]", NUL-padded to 6 bytes: the usual list slot label is one
 * 6-byte copy. */
#define SLOT_TENS(t)                                                                               \
    "[" #t "0]", "[" #t "1]", "[" #t "2]", "[" #t "3]", "[" #t "4]", "[" #t "5]", "[" #t "6]",     \
        "[" #t "7]", "[" #t "8]", "[" #t "9]"
static const char small_slots[100][6] = {"[0]",        "[1]",        "[2]",        "[3]",
                                         "[4]",        "[5]",        "[6]",        "[7]",
                                         "[8]",        "[9]",        SLOT_TENS(1), SLOT_TENS(2),
                                         SLOT_TENS(3), SLOT_TENS(4), SLOT_TENS(5), SLOT_TENS(6),
                                         SLOT_TENS(7), SLOT_TENS(8), SLOT_TENS(9)};
#undef SLOT_TENS

/* "[i]" into buf (n >= 24 holds any index; shorter buffers get "" if it
 * does not fit). Hand-rolled: it runs for every hooked list store. */
void
gcs_rt_slot_index(char *buf, size_t n, size_t i)
{
    if (i < 100 && n >= sizeof small_slots[0]) { /* the usual small index: a table */
        memcpy(buf, small_slots[i], sizeof small_slots[0]);
        return;
    }
    char tmp[24];
    size_t k = sizeof tmp;
    tmp[--k] = '\0';
    tmp[--k] = ']';
    do
        tmp[--k] = (char)('0' + i % 10);
    while ((i /= 10) != 0);
    tmp[--k] = '[';
    size_t len = sizeof tmp - k;
    if (len > n) {
        if (n)
            buf[0] = '\0';
        return;
    }
    memcpy(buf, tmp + k, len);
}

void
gcs_rt_slot_key(gcs_heap *h, char *buf, size_t n, gcs_obj *key)
{
    char r[96];
    gcs_rt_repr(h, key, r, sizeof r, 1);
    snprintf(buf, n, "[%s]", r);
}

/* {==================== Kinds ====================} */

bool
gcs_rt_is_gc(const gcs_obj *o)
{
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_TUPLE:
    case GCS_KIND_LIST:
    case GCS_KIND_DICT:
    case GCS_KIND_CLASS:
    case GCS_KIND_INSTANCE:
    case GCS_KIND_WEAKREF:
    case GCS_KIND_CFUNC:
        return true;
    case GCS_KIND_USER:
        return (((const gcs_user_obj *)o)->type->def.flags & GCS_TYPE_GC) != 0;
    case GCS_KIND_NONE:
    case GCS_KIND_BOOL:
    case GCS_KIND_INT:
    case GCS_KIND_STR:
    case GCS_KIND__COUNT:
        break;
    }
    return false;
}

/* CPython's _PyObject_GC_MAY_BE_TRACKED: a GC object, and if a tuple, tracked. */
bool
gcs_rt_may_be_tracked(const gcs_obj *o)
{
    if (!gcs_rt_is_gc(o))
        return false;
    return o->kind != GCS_KIND_TUPLE || (o->flags & OF_TRACKED);
}

gcs_obj **
gcs_rt_weaklist(gcs_obj *o)
{
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_CLASS:
        return &((gcs_class_obj *)o)->weaklist;
    case GCS_KIND_INSTANCE:
        return &((gcs_inst_obj *)o)->weaklist;
    case GCS_KIND_CFUNC:
        return &((gcs_cfunc_obj *)o)->weaklist;
    case GCS_KIND_USER:
        if (((gcs_user_obj *)o)->type->def.flags & GCS_TYPE_WEAKREFABLE)
            return &((gcs_user_obj *)o)->weaklist;
        return NULL;
    case GCS_KIND_NONE:
    case GCS_KIND_BOOL:
    case GCS_KIND_INT:
    case GCS_KIND_STR:
    case GCS_KIND_TUPLE:
    case GCS_KIND_LIST:
    case GCS_KIND_DICT:
    case GCS_KIND_WEAKREF:
    case GCS_KIND__COUNT:
        break;
    }
    return NULL;
}

gcs_finalize_fn
gcs_rt_finalizer(gcs_obj *o, void **ud)
{
    if (o->kind == GCS_KIND_INSTANCE) {
        gcs_class_obj *c = AS_CLASS(((gcs_inst_obj *)o)->cls);
        *ud = c->ud;
        return c->finalize;
    }
    if (o->kind == GCS_KIND_USER) {
        gcs_type *t = ((gcs_user_obj *)o)->type;
        *ud = t->def.ud;
        return t->def.finalize;
    }
    return NULL;
}

gcs_finalize_fn
gcs_rt_legacy_finalizer(gcs_obj *o, void **ud)
{
    if (o->kind == GCS_KIND_INSTANCE) {
        gcs_class_obj *c = AS_CLASS(((gcs_inst_obj *)o)->cls);
        *ud = c->ud;
        return c->legacy_finalize;
    }
    if (o->kind == GCS_KIND_USER) {
        gcs_type *t = ((gcs_user_obj *)o)->type;
        *ud = t->def.ud;
        return t->def.legacy_finalize;
    }
    return NULL;
}

size_t
gcs_rt_obj_size(const gcs_obj *o)
{
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_NONE:
        return sizeof(gcs_obj);
    case GCS_KIND_BOOL:
    case GCS_KIND_INT:
        return sizeof(gcs_int_obj);
    case GCS_KIND_STR:
        return sizeof(gcs_str_obj) + ((const gcs_str_obj *)o)->len + 1;
    case GCS_KIND_TUPLE:
        return sizeof(gcs_tuple_obj) + ((const gcs_tuple_obj *)o)->n * sizeof(gcs_obj *);
    case GCS_KIND_LIST:
        return sizeof(gcs_list_obj);
    case GCS_KIND_DICT:
        return sizeof(gcs_dict_obj);
    case GCS_KIND_CLASS:
        return sizeof(gcs_class_obj);
    case GCS_KIND_INSTANCE:
        return sizeof(gcs_inst_obj);
    case GCS_KIND_WEAKREF:
        return sizeof(gcs_weakref_obj);
    case GCS_KIND_CFUNC:
        return sizeof(gcs_cfunc_obj);
    case GCS_KIND_USER:
        return gcs_rt_user_size(((const gcs_user_obj *)o)->type->def.data_size);
    case GCS_KIND__COUNT:
        break;
    }
    return sizeof(gcs_obj);
}

int
gcs_rt_traverse(gcs_heap *h, gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_TUPLE:
        return gcs_rt_tuple_traverse(o, visit, arg);
    case GCS_KIND_LIST:
        return gcs_rt_list_traverse(o, visit, arg);
    case GCS_KIND_DICT:
        return gcs_rt_dict_traverse(o, visit, arg);
    case GCS_KIND_CLASS:
        return gcs_rt_class_traverse(o, visit, arg);
    case GCS_KIND_INSTANCE:
        return gcs_rt_inst_traverse(o, visit, arg);
    case GCS_KIND_WEAKREF:
        return gcs_rt_weakref_traverse(o, visit, arg);
    case GCS_KIND_CFUNC:
        return gcs_rt_cfunc_traverse(o, visit, arg);
    case GCS_KIND_USER: {
        gcs_type *t = ((gcs_user_obj *)o)->type;
        return t->def.traverse ? t->def.traverse(h, o, visit, arg) : 0;
    }
    case GCS_KIND_NONE:
    case GCS_KIND_BOOL:
    case GCS_KIND_INT:
    case GCS_KIND_STR:
    case GCS_KIND__COUNT:
        break;
    }
    return 0;
}

/* Drop every reference `o` holds, each reported (REF_DEL) before its decref
 * when hooked, so that consumers (the leak report's incref/decref pairing,
 * the viewer) see why each contained object lost a reference. One function
 * for both callers, which differ per kind only where CPython's do:
 *  - the collector's tp_clear (dying false) breaks cycles; tuples have no
 *    tp_clear and are left intact;
 *  - deallocation (dying true) also releases a tuple's items; a dying
 *    weakref or cfunc drops its references silently (its FREE says it all).
 * Side arrays and the instance's class are left to obj_release. */
static void
obj_drop_refs(gcs_heap *h, gcs_obj *o, bool dying)
{
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_TUPLE:
        if (dying)
            gcs_rt_tuple_release(h, o);
        break;
    case GCS_KIND_LIST:
        gcs_rt_list_release(h, o);
        break;
    case GCS_KIND_DICT:
        gcs_rt_dict_release(h, o, true);
        break;
    case GCS_KIND_CLASS:
        gcs_rt_class_clear(h, o, true);
        break;
    case GCS_KIND_INSTANCE:
        gcs_rt_inst_clear(h, o, true);
        break;
    case GCS_KIND_WEAKREF:
        gcs_rt_weakref_clear(h, o, !dying);
        break;
    case GCS_KIND_CFUNC:
        gcs_rt_cfunc_clear(h, o, !dying);
        break;
    case GCS_KIND_USER: {
        gcs_type *t = ((gcs_user_obj *)o)->type;
        if (t->def.clear)
            t->def.clear(h, o);
        break;
    }
    case GCS_KIND_NONE:
    case GCS_KIND_BOOL:
    case GCS_KIND_INT:
    case GCS_KIND_STR:
    case GCS_KIND__COUNT:
        break;
    }
}

/* tp_clear: drop the references `o` holds, breaking cycles (delete_garbage). */
void
gcs_rt_clear(gcs_heap *h, gcs_obj *o)
{
    obj_drop_refs(h, o, false);
}

static void obj_free_body(gcs_heap *h, gcs_obj *o);

/* Release every reference of a dying object and free its side arrays; an
 * instance's class goes last, as in subtype_dealloc. */
static void
obj_release(gcs_heap *h, gcs_obj *o)
{
    obj_drop_refs(h, o, true);
    obj_free_body(h, o);
    if (o->kind == GCS_KIND_INSTANCE) {
        gcs_obj *cls = ((gcs_inst_obj *)o)->cls;
        ((gcs_inst_obj *)o)->cls = NULL;
        gcs_rt_decref(h, cls, NULL);
    }
}

/* Free side arrays without touching reference counts (teardown, and the
 * end of obj_release, when the arrays are already empty). */
static void
obj_free_body(gcs_heap *h, gcs_obj *o)
{
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_LIST: {
        gcs_list_obj *l = (gcs_list_obj *)o;
        gcs_rt_arr_free(h, o, l->items, l->cap * sizeof(gcs_obj *));
        l->items = NULL;
        l->len = l->cap = 0;
        break;
    }
    case GCS_KIND_DICT: {
        gcs_dict_obj *d = (gcs_dict_obj *)o;
        gcs_rt_mfree(h, d->block, d->n_index * sizeof(uint32_t) + d->cap * sizeof(gcs_dict_entry));
        d->block = NULL;
        break;
    }
    case GCS_KIND_CLASS:
        gcs_rt_class_free_body(h, o);
        break;
    case GCS_KIND_INSTANCE:
        gcs_rt_inst_free_body(h, o);
        break;
    case GCS_KIND_CFUNC:
        gcs_rt_strfree(h, ((gcs_cfunc_obj *)o)->name);
        ((gcs_cfunc_obj *)o)->name = NULL;
        break;
    case GCS_KIND_USER: {
        gcs_type *t = ((gcs_user_obj *)o)->type;
        if (t->def.dealloc)
            t->def.dealloc(h, o);
        break;
    }
    case GCS_KIND_TUPLE:
    case GCS_KIND_WEAKREF:
    case GCS_KIND_NONE:
    case GCS_KIND_BOOL:
    case GCS_KIND_INT:
    case GCS_KIND_STR:
    case GCS_KIND__COUNT:
        break;
    }
}

/* {==================== Allocation ====================} */

static bool
gc_should_trigger(const gcs_heap *h)
{
    return h->count[0] > h->threshold[0] && h->enabled && h->threshold[0] != 0 && !h->collecting;
}

/* Allocate `size` zeroed bytes for a new object. For GC kinds, count[0] is
 * incremented (unless the object notionally comes from a free list) and an
 * automatic collection may run, before the object is linked anywhere
 * (CPython's _PyObject_GC_Link). Checked mode then reserves the object's
 * entries in the live set and the id index, so that linking can't fail. On
 * failure returns GCS_ENOMEM; nothing changed (a collection may have run). */
int
gcs_rt_obj_alloc(gcs_heap *h, gcs_kind kind, size_t size, bool is_gc, bool from_freelist,
                 const gcs_site *site, gcs_obj **out)
{
    *out = NULL;
    bool slab = !h->checked && gcs_rt_slab_fits(size);
    gcs_obj *o = slab ? gcs_rt_slab_alloc(h, size) : gcs_rt_malloc(h, size);
    if (!o)
        return gcs_rt_error(h, GCS_ENOMEM, "out of memory allocating %zu bytes", size);
    memset(o, 0, size);
    o->kind = (uint8_t)kind;
    o->spare = slab ? OBJ_SLAB : 0;
    bool counted = is_gc && !from_freelist;
    if (counted) {
        h->count[0]++;
        if (gc_should_trigger(h))
            gcs_rt_gc_maybe_collect(h, site);
    }
    if (h->checked &&
        (gcs_ptrset_reserve(h, &h->live, 1) != 0 || gcs_rt_by_id_reserve(h, h->next_id) != 0)) {
        if (counted && h->count[0] > 0)
            h->count[0]--;
        gcs_rt_obj_mem_release(h, o, size);
        return gcs_rt_error(h, GCS_ENOMEM, "out of memory registering a new object");
    }
    *out = o;
    return 0;
}

/* Give a freshly allocated object its id and refcount 1, put it on the
 * untracked list and report ALLOC. Can't fail. */
void
gcs_rt_obj_link(gcs_heap *h, gcs_obj *o, const char *type_name, size_t size, const gcs_site *site)
{
    o->head.refcnt_ = 1;
    o->id = h->next_id++;
    o->gen = GEN_NONE;
    o->site = gcs_rt_site_intern(h, site);
    gcs_list_append_(o, &h->untracked);
    h->live_objects++;
    h->live_bytes += size;
    if (h->checked) {
        gcs_ptrset_add(h, &h->live, o); /* both reserved in gcs_rt_obj_alloc */
        h->by_id[o->id] = o;
    }
    if (h->hooked)
        ev_alloc(h, o->id, type_name, o->kind, size, site);
}

/* gcs_rt_obj_link then gcs_rt_track, in one list insertion when no hook
 * listens (the end state is the same: the object at the tail of generation
 * 0); with a hook, exactly those two calls and their ALLOC and TRACK events. */
void
gcs_rt_obj_link_tracked(gcs_heap *h, gcs_obj *o, const char *type_name, size_t size,
                        const gcs_site *site)
{
    if (GCS_UNLIKELY(h->hooked || h->checked)) {
        gcs_rt_obj_link(h, o, type_name, size, site);
        gcs_rt_track(h, o);
        return;
    }
    o->head.refcnt_ = 1;
    o->id = h->next_id++;
    o->site = gcs_rt_site_intern(h, site);
    o->flags |= OF_TRACKED;
    o->gen = 0;
    gcs_list_append_(o, &h->gens[0]);
    h->live_objects++;
    h->live_bytes += size;
}

/* Track: append to the tail of generation 0 (PyObject_GC_Track). */
void
gcs_rt_track(gcs_heap *h, gcs_obj *o)
{
    if (o->flags & OF_TRACKED)
        return;
    if (o->gc_next)
        gcs_list_remove_(o);
    o->flags |= OF_TRACKED;
    o->gen = 0;
    gcs_list_append_(o, &h->gens[0]);
    if (h->hooked)
        gcs_rt_ev_obj(h, GCS_EV_TRACK, o, NULL);
}

/* Untrack: move to the untracked list; only FINALIZED survives (as CPython). */
void
gcs_rt_untrack(gcs_heap *h, gcs_obj *o)
{
    if (!(o->flags & OF_TRACKED))
        return;
    gcs_list_remove_(o);
    o->flags &= (uint8_t) ~(OF_TRACKED | OF_COLLECTING | OF_UNREACHABLE);
    o->gen = GEN_NONE;
    o->gc_refs = 0;
    gcs_list_append_(o, &h->untracked);
    if (h->hooked)
        gcs_rt_ev_obj(h, GCS_EV_UNTRACK, o, NULL);
}

/* {==================== Deallocation ====================} */

/* Free-list bookkeeping (count[0] semantics only, scenario 18): a freed list,
 * dict or small tuple goes to its type's free list while there is room and
 * then does not decrement count[0]. */
static bool
freelist_put(gcs_heap *h, gcs_obj *o)
{
    if (o->kind == GCS_KIND_LIST && h->fl_list < FL_LIST_MAX) {
        h->fl_list++;
        return true;
    }
    if (o->kind == GCS_KIND_DICT && h->fl_dict < FL_DICT_MAX) {
        h->fl_dict++;
        return true;
    }
    if (o->kind == GCS_KIND_TUPLE) {
        size_t n = ((gcs_tuple_obj *)o)->n;
        if (n > 0 && n < FL_TUPLE_SIZES && h->fl_tuple[n] < FL_TUPLE_MAX) {
            h->fl_tuple[n]++;
            return true;
        }
    }
    return false;
}

void
gcs_rt_freelists_clear(gcs_heap *h)
{
    h->fl_list = 0;
    h->fl_dict = 0;
    memset(h->fl_tuple, 0, sizeof h->fl_tuple);
}

/* Return the object's memory: to the quarantine in checked mode (so it is
 * never reused and later use is detected), else to the allocator. */
static void
obj_free_mem(gcs_heap *h, gcs_obj *o, size_t size)
{
    if (h->checked) {
        gcs_ptrset_del(&h->live, o);
        if (o->id < h->by_id_cap)
            h->by_id[o->id] = NULL;
        if (!h->tearing_down && gcs_ptrset_add(h, &h->quarantine, o) == 0) {
            o->flags |= OF_FREED;
            o->head.refcnt_ = 0;
            return;
        }
    }
    gcs_rt_obj_mem_release(h, o, size);
}

/* Give an object's block back to its slab or to the allocator. */
void
gcs_rt_obj_mem_release(gcs_heap *h, gcs_obj *o, size_t size)
{
    if (o->spare == OBJ_SLAB)
        gcs_rt_slab_free(h, o, size);
    else
        gcs_rt_mfree(h, o, size);
}

/* `gc`: gcs_rt_is_gc(o), which the caller already knows. */
static void
obj_free(gcs_heap *h, gcs_obj *o, bool gc)
{
    if (h->hooked)
        gcs_rt_ev_obj(h, GCS_EV_FREE, o, NULL);
    if (gc && !freelist_put(h, o) && h->count[0] > 0)
        h->count[0]--;
    size_t size = gcs_rt_obj_size(o);
    h->live_objects--;
    h->live_bytes -= size;
    obj_free_mem(h, o, size);
}

/* Run a finalizer on `o` (FINALIZE event, FINALIZED bit for GC objects first). */
int
gcs_rt_call_finalizer(gcs_heap *h, gcs_obj *o, gcs_finalize_fn fn, void *ud)
{
    if (gcs_rt_is_gc(o))
        o->flags |= OF_FINALIZED;
    if (h->hooked)
        gcs_rt_ev_obj(h, GCS_EV_FINALIZE, o, NULL);
    return fn(h, o, ud); /* errors are "unraisable": ignored, as CPython does */
}

/* Put a dying object back on a list (tracked kinds: gen 0 tail, as CPython's
 * re-track before a finalizer) with refcount 1 while `fn` runs. Returns true if
 * the finalizer resurrected it (it then stays where it is). */
static bool
dealloc_run_finalizer(gcs_heap *h, gcs_obj *o, gcs_finalize_fn fn, void *ud, bool legacy,
                      bool was_tracked)
{
    if (was_tracked) {
        o->flags &= (uint8_t)~OF_TRACKED;
        gcs_rt_track(h, o);
    } else {
        gcs_list_append_(o, &h->untracked);
    }
    o->head.refcnt_ = 1;
    if (legacy) {
        if (h->hooked)
            gcs_rt_ev_obj(h, GCS_EV_FINALIZE, o, NULL);
        (void)fn(h, o, ud);
    } else {
        (void)gcs_rt_call_finalizer(h, o, fn, ud);
    }
    if (--o->head.refcnt_ > 0) {
        o->flags &= (uint8_t)~OF_DYING;
        if (h->hooked)
            gcs_rt_ev_obj(h, GCS_EV_RESURRECT, o, NULL);
        return true;
    }
    o->head.refcnt_ = 0;
    gcs_list_remove_(o);
    if (was_tracked && h->hooked)
        gcs_rt_ev_obj(h, GCS_EV_UNTRACK, o, NULL);
    return false;
}

/* CPython's subtype_dealloc order: finalizer (may resurrect), clear weakrefs
 * and run their callbacks, legacy finalizer (may resurrect), clear weakrefs
 * made meanwhile without callbacks, release references, free. */
static void
obj_dealloc(gcs_heap *h, gcs_obj *o)
{
    bool was_tracked = (o->flags & OF_TRACKED) != 0;
    if (!(o->flags & OF_DEFERRED))
        gcs_list_remove_(o);
    o->flags |= OF_DYING;
    o->flags &= (uint8_t) ~(OF_DEFERRED | OF_COLLECTING | OF_UNREACHABLE);
    void *ud = NULL;
    gcs_finalize_fn fin = gcs_rt_finalizer(o, &ud);
    bool gc = gcs_rt_is_gc(o);
    if (fin && !(gc && (o->flags & OF_FINALIZED)) && !h->tearing_down) {
        if (dealloc_run_finalizer(h, o, fin, ud, false, was_tracked))
            return;
    }
    gcs_obj **wl = gcs_rt_weaklist(o);
    if (wl && *wl) /* (with no weakref, clearing them does nothing) */
        gcs_rt_clear_weakrefs(h, o);
    gcs_finalize_fn legacy = gcs_rt_legacy_finalizer(o, &ud);
    if (legacy && !h->tearing_down) {
        if (dealloc_run_finalizer(h, o, legacy, ud, true, was_tracked))
            return;
    }
    if ((fin || legacy) && gcs_rt_weaklist(o))
        gcs_rt_clear_weakrefs_nocb(h, o);
    o->flags &= (uint8_t) ~(OF_TRACKED);
    o->gen = GEN_NONE;
    obj_release(h, o);
    obj_free(h, o, gc);
}

static void
trash_push(gcs_heap *h, gcs_obj *o)
{
    gcs_list_remove_(o);
    o->flags |= OF_DEFERRED;
    o->gc_next = h->trash;
    h->trash = o;
}

/* Refcount reached zero. Nested deallocations beyond TRASH_DEPTH_LIMIT are
 * parked on the trashcan list and run when the outermost one returns
 * (CPython's Py_TRASHCAN_BEGIN/END), so the C stack stays bounded. */
void
gcs_dealloc_(gcs_heap *h, gcs_obj *o)
{
    if (o->flags & (OF_DYING | OF_DEFERRED))
        return; /* a finalizer released its temporary reference twice */
    if (o->flags & OF_STATIC) {
        o->head.refcnt_ = STATIC_REFCNT; /* singletons are never freed */
        gcs_rt_misuse(h, GCS_EOVERRELEASE, o, NULL, true, "released a heap singleton to zero");
        return;
    }
    if (h->dealloc_depth >= TRASH_DEPTH_LIMIT) {
        trash_push(h, o);
        return;
    }
    h->dealloc_depth++;
    if (h->dealloc_depth > h->max_dealloc_depth)
        h->max_dealloc_depth = h->dealloc_depth;
    obj_dealloc(h, o);
    h->dealloc_depth--;
    if (h->dealloc_depth == 0) {
        while (h->trash) {
            gcs_obj *t = h->trash;
            GCS_ASSERT(t->flags & OF_DEFERRED); /* set by trash_push: t is off every list */
            h->trash = t->gc_next;
            t->gc_next = t->gc_prev = NULL;
            h->dealloc_depth = 1;
            obj_dealloc(h, t);
            h->dealloc_depth = 0;
        }
    }
}

/* Deallocate on behalf of an API call at `site` (events inherit it). */
void
gcs_rt_dealloc_at(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    const gcs_site *saved = h->cur_site;
    if (site && h->hooked)
        h->cur_site = site;
    gcs_dealloc_(h, o);
    h->cur_site = saved;
}

/* Teardown: free every object still alive without finalizers or refcounting. */
void
gcs_rt_free_all(gcs_heap *h)
{
    for (int g = 0; g < 5; g++) {
        gcs_obj *l = g < 4 ? &h->gens[g] : &h->untracked;
        while (!gcs_list_empty_(l)) {
            gcs_obj *o = l->gc_next;
            GCS_ASSERT(o->gc_prev == l); /* so removing o advances l->gc_next */
            gcs_list_remove_(o);
            if (h->hooked)
                gcs_rt_ev_obj(h, GCS_EV_FREE, o, NULL);
            size_t size = gcs_rt_obj_size(o); /* before the body goes */
            h->live_objects--;
            h->live_bytes -= size;
            if (o->kind == GCS_KIND_WEAKREF) {
                gcs_weakref_obj *w = (gcs_weakref_obj *)o;
                w->referent = NULL; /* referents are going too: no unlinking */
            }
            if (o->kind == GCS_KIND_USER) {
                gcs_type *t = ((gcs_user_obj *)o)->type;
                if (t->def.dealloc)
                    t->def.dealloc(h, o);
            } else {
                obj_free_body(h, o);
            }
            if (h->checked)
                gcs_ptrset_del(&h->live, o);
            if (o->spare != OBJ_SLAB) /* slab chunks go all at once */
                gcs_rt_mfree(h, o, size);
        }
    }
}

/* {==================== Public refcount entry points ====================} */

/* Checked mode's incref: validate first (out of line, so that the hooked
 * path below makes no call but its one tail call and saves no registers). */
static GCS_NOINLINE void
incref_validated(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    if (gcs_rt_validate(h, o, site, false) != 0)
        return;
    o->head.refcnt_++;
    if (h->hooked)
        emit_refcnt(h, GCS_EV_INCREF, o, site);
}

void
gcs_incref_slow_(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    if (h->checked) {
        incref_validated(h, o, site);
        return;
    }
    o->head.refcnt_++;
    if (h->hooked)
        emit_refcnt(h, GCS_EV_INCREF, o, site);
}

static int
decref_checked(gcs_heap *h, gcs_obj *o, const gcs_site *site, bool no_abort)
{
    if (h->checked) {
        int rc = gcs_rt_validate(h, o, site, no_abort);
        if (rc != 0)
            return rc;
    }
    if (o->head.refcnt_ == 0)
        return gcs_rt_misuse(h, GCS_EOVERRELEASE, o, site, no_abort,
                             "reference released more often than taken");
    int64_t r = --o->head.refcnt_;
    if (h->hooked)
        emit_refcnt(h, GCS_EV_DECREF, o, site);
    if (r == 0)
        gcs_rt_dealloc_at(h, o, site);
    return 0;
}

/* The usual hooked decref (not checked, the object survives) makes one
 * call and saves no registers; the rest is decref_checked. */
int
gcs_decref_slow_(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    if (h->checked || o->head.refcnt_ <= 1)
        return decref_checked(h, o, site, false);
    o->head.refcnt_--;
    if (h->hooked)
        emit_refcnt(h, GCS_EV_DECREF, o, site);
    return 0;
}

int
gcs_incref_checked_at(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = gcs_rt_validate(h, o, site, true);
    if (rc != 0)
        return rc;
    if (o->head.refcnt_ == 0)
        return gcs_rt_misuse(h, GCS_EFREED, o, site, true, "incref of a dying object");
    o->head.refcnt_++;
    if (h->hooked)
        emit_refcnt(h, GCS_EV_INCREF, o, site);
    return 0;
}

int
gcs_decref_checked_at(gcs_heap *h, gcs_obj *o, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    if (!o)
        return gcs_rt_error(h, GCS_EINVAL, "decref of NULL");
    return decref_checked(h, o, site, true);
}

uint64_t
gcs_id(const gcs_obj *o)
{
    return o ? o->id : 0;
}

gcs_kind
gcs_kind_of(const gcs_obj *o)
{
    return o ? (gcs_kind)o->kind : GCS_KIND__COUNT;
}

const char *
gcs_type_name(const gcs_obj *o)
{
    if (!o)
        return "NULL";
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_NONE:
        return "NoneType";
    case GCS_KIND_BOOL:
        return "bool";
    case GCS_KIND_INT:
        return "int";
    case GCS_KIND_STR:
        return "str";
    case GCS_KIND_TUPLE:
        return "tuple";
    case GCS_KIND_LIST:
        return "list";
    case GCS_KIND_DICT:
        return "dict";
    case GCS_KIND_CLASS:
        return "type";
    case GCS_KIND_INSTANCE: {
        const gcs_class_obj *c = (const gcs_class_obj *)((const gcs_inst_obj *)o)->cls;
        return c && c->name ? c->name : "object";
    }
    case GCS_KIND_WEAKREF:
        return "weakref";
    case GCS_KIND_CFUNC:
        return "builtin_function_or_method";
    case GCS_KIND_USER:
        return ((const gcs_user_obj *)o)->type->name;
    case GCS_KIND__COUNT:
        break;
    }
    return "?";
}

/* {==================== repr ====================} */

typedef struct rbuf {
    char *p;
    size_t n, len;
} rbuf;

static void
rb_put(rbuf *b, const char *s)
{
    size_t k = strlen(s);
    if (b->n == 0)
        return;
    size_t room = b->n - 1 - b->len; /* b->len < b->n always: one byte for the NUL */
    if (k > room)
        k = room;
    memcpy(b->p + b->len, s, k);
    b->len += k;
    b->p[b->len] = '\0';
}

static void
repr_items(gcs_heap *h, rbuf *b, gcs_obj *const *items, size_t n, int depth)
{
    char tmp[128];
    for (size_t i = 0; i < n && b->len + 1 < b->n; i++) {
        if (i)
            rb_put(b, ", ");
        gcs_rt_repr(h, items[i], tmp, sizeof tmp, depth + 1);
        rb_put(b, tmp);
    }
}

static void
repr_container(gcs_heap *h, rbuf *b, gcs_obj *o, int depth)
{
    char tmp[128];
    if (o->kind == GCS_KIND_TUPLE) {
        gcs_tuple_obj *t = (gcs_tuple_obj *)o;
        rb_put(b, "(");
        repr_items(h, b, t->items, t->n, depth);
        rb_put(b, t->n == 1 ? ",)" : ")");
    } else if (o->kind == GCS_KIND_LIST) {
        gcs_list_obj *l = (gcs_list_obj *)o;
        rb_put(b, "[");
        repr_items(h, b, l->items, l->len, depth);
        rb_put(b, "]");
    } else {
        gcs_dict_obj *d = (gcs_dict_obj *)o;
        rb_put(b, "{");
        bool first = true;
        for (uint32_t i = 0; i < d->n_used && b->len + 1 < b->n; i++) {
            if (!d->entries[i].key)
                continue;
            if (!first)
                rb_put(b, ", ");
            first = false;
            gcs_rt_repr(h, d->entries[i].key, tmp, sizeof tmp, depth + 1);
            rb_put(b, tmp);
            rb_put(b, ": ");
            gcs_rt_repr(h, d->entries[i].val, tmp, sizeof tmp, depth + 1);
            rb_put(b, tmp);
        }
        rb_put(b, "}");
    }
}

size_t
gcs_rt_repr(gcs_heap *h, gcs_obj *o, char *buf, size_t n, int depth)
{
    rbuf b = {buf, n, 0};
    char tmp[160];
    if (n)
        buf[0] = '\0';
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_NONE:
        rb_put(&b, "None");
        break;
    case GCS_KIND_BOOL:
        rb_put(&b, ((gcs_int_obj *)o)->value ? "True" : "False");
        break;
    case GCS_KIND_INT:
        snprintf(tmp, sizeof tmp, "%" PRId64, ((gcs_int_obj *)o)->value);
        rb_put(&b, tmp);
        break;
    case GCS_KIND_STR:
        snprintf(tmp, sizeof tmp, "'%.60s%s'", ((gcs_str_obj *)o)->data,
                 ((gcs_str_obj *)o)->len > 60 ? "..." : "");
        rb_put(&b, tmp);
        break;
    case GCS_KIND_TUPLE:
    case GCS_KIND_LIST:
    case GCS_KIND_DICT:
        if (depth > 2)
            rb_put(&b, o->kind == GCS_KIND_LIST   ? "[...]"
                       : o->kind == GCS_KIND_DICT ? "{...}"
                                                  : "(...)");
        else
            repr_container(h, &b, o, depth);
        break;
    case GCS_KIND_CLASS:
        snprintf(tmp, sizeof tmp, "<class '%.80s'>", ((gcs_class_obj *)o)->name);
        rb_put(&b, tmp);
        break;
    case GCS_KIND_CFUNC:
        snprintf(tmp, sizeof tmp, "<function %.80s>", ((gcs_cfunc_obj *)o)->name);
        rb_put(&b, tmp);
        break;
    case GCS_KIND_WEAKREF: {
        gcs_obj *r = ((gcs_weakref_obj *)o)->referent;
        snprintf(tmp, sizeof tmp, "<weakref to %.80s>", r ? gcs_type_name(r) : "nothing (dead)");
        rb_put(&b, tmp);
        break;
    }
    case GCS_KIND_INSTANCE:
    case GCS_KIND_USER:
    case GCS_KIND__COUNT:
        snprintf(tmp, sizeof tmp, "<%.80s>", gcs_type_name(o));
        rb_put(&b, tmp);
        break;
    }
    return b.len;
}

size_t
gcs_repr(gcs_heap *h, gcs_obj *o, char *buf, size_t buf_size)
{
    if (!h || !buf || buf_size == 0)
        return 0;
    buf[0] = '\0';
    if (gcs_rt_validate(h, o, NULL, true) != 0)
        return 0;
    return gcs_rt_repr(h, o, buf, buf_size, 0);
}
