/* src/runtime/gc.c — the cycle collector, CPython 3.11's Modules/gcmodule.c
 * semantics pass for pass. For a high-level view read gc_collect_main: it
 * merges the younger generations, finds the unreachable set by trial deletion
 * (update_refs, subtract_refs, move_unreachable), untracks tuples, promotes
 * the survivors, sets aside what legacy finalizers reach, clears weakrefs and
 * runs their callbacks, runs PEP 442 finalizers, re-checks reachability
 * (resurrection), and finally clears the garbage so refcounting frees it.
 * Key invariant during a pass: an object has OF_COLLECTING iff it is in the
 * collected set and not yet proven reachable; then gc_refs counts the
 * references to it from outside the set. No memory is allocated per object. */
#include <inttypes.h>
#include <stdio.h>

#include "runtime_int.h"

typedef struct gc_pass {
    gcs_heap *h;
    int gen;
    const gcs_site *site;
    gcs_obj *young; /* the collected set (generation `gen` with younger merged in) */
    gcs_obj *old;   /* where survivors go */
} gc_pass;

/* {==================== List helpers ====================} */

static void
gc_list_merge(gcs_obj *from, gcs_obj *to)
{
    if (gcs_list_empty_(from))
        return;
    gcs_obj *tail = to->gc_prev;
    tail->gc_next = from->gc_next;
    from->gc_next->gc_prev = tail;
    to->gc_prev = from->gc_prev;
    to->gc_prev->gc_next = to;
    gcs_list_init_(from);
}

static void
gc_list_move(gcs_obj *node, gcs_obj *list)
{
    gcs_list_remove_(node);
    gcs_list_append_(node, list);
}

static size_t
gc_list_size(const gcs_obj *list)
{
    size_t n = 0;
    for (const gcs_obj *gc = list->gc_next; gc != list; gc = gc->gc_next)
        n++;
    return n;
}

/* Move `from` into `to` and tag every moved object with `to`'s generation. */
static void
gc_list_merge_tag(gcs_obj *from, gcs_obj *to)
{
    for (gcs_obj *gc = from->gc_next; gc != from; gc = gc->gc_next) {
        gc->gen = to->gen;
        gc->gc_refs = 0;
    }
    gc_list_merge(from, to);
}

/* {==================== Events ====================} */

static void
ev_phase(gc_pass *p, gcs_gc_phase phase)
{
    if (!p->h->hooked)
        return;
    gcs_event ev = {.kind = GCS_EV_GC_PHASE, .site = p->site, .t_ns = gcs_rt_now_ns(p->h)};
    ev.u.gc_phase.phase = (uint64_t)phase;
    gcs_rt_emit(p->h, &ev);
}

static void
ev_refs(gcs_heap *h, gcs_obj *list)
{
    if (!h->hooked)
        return;
    for (gcs_obj *gc = list->gc_next; gc != list; gc = gc->gc_next) {
        gcs_event ev = {.kind = GCS_EV_GC_REFS};
        ev.u.gc_refs.obj = gc->id;
        ev.u.gc_refs.refs = gc->gc_refs;
        gcs_rt_emit(h, &ev);
    }
}

static void
ev_states(gcs_heap *h, gcs_obj *list, gcs_gc_objstate st)
{
    if (!h->hooked)
        return;
    for (gcs_obj *gc = list->gc_next; gc != list; gc = gc->gc_next)
        gcs_rt_ev_state(h, gc, st);
}

/* {==================== Traversal fast path ====================} */

/* Forced inlining, so that a pass's constant `visit` becomes a direct
 * (inlined) call in traverse_inl below. */
#if defined(__GNUC__)
#define GC_INLINE static inline __attribute__((always_inline))
#else
#define GC_INLINE static inline
#endif

/* Objects sit in size-class pools in allocation order, which is usually list
 * order too: ascending addresses within a chunk of pools, in fresh pools and
 * in emptied pools alike, as slab.c reuses those lowest address first (chunks
 * themselves may come from the allocator in descending order). So the memory
 * a few KiB past an object, in the direction the walk is going, usually holds
 * objects a walk reaches soon. Hardware prefetch alone stalls on the gc_next
 * chain at every 4 KiB page; a prefetch by address does not depend on the
 * chain. It is only a hint: the address may be past any object (it is never
 * dereferenced), and a wrong guess costs one useless line fetch. */
enum { GC_AHEAD = 4096 };

GC_INLINE uintptr_t
gc_ahead(const void *from, const void *to, uintptr_t dist)
{
    uintptr_t a = (uintptr_t)to;
    return a >= (uintptr_t)from ? a + dist : a - dist;
}

/* For the list walks: 4 and 8 KiB ahead in the direction over two steps
 * (gc_prev to gc_next), which freed-and-reused blocks (+56, -168, +56, ...)
 * do not flip at every step. (One prefetch, 8 KiB ahead, measured slower.) */
GC_INLINE void
gc_prefetch_walk(const gcs_obj *gc)
{
#if defined(__GNUC__)
    __builtin_prefetch((const void *)gc_ahead(gc->gc_prev, gc->gc_next, GC_AHEAD), 1);
    __builtin_prefetch((const void *)gc_ahead(gc->gc_prev, gc->gc_next, 2 * GC_AHEAD), 1);
#else
    (void)gc;
#endif
}

/* For a container's item array and referents: 8 KiB up. Referents are
 * usually allocated in the order the walk visits them, so they form a stream
 * of their own, and a fast one (a tree of fan-out 8 visits the children of
 * list i at list 8i). The direction from the container to the referent tells
 * nothing about that stream's (the two are often in different chunks), and
 * following it cost (b) of gc_bench 30 % of its time when chunks came in
 * descending order. */
GC_INLINE void
gc_prefetch_up(const void *p)
{
#if defined(__GNUC__)
    __builtin_prefetch((const char *)p + 2 * GC_AHEAD, 1);
#else
    (void)p;
#endif
}

/* The referents of a list or tuple are visited last first (as their
 * gcs_rt_*_traverse), the item array and the referents prefetched (see
 * gc_prefetch_up). `may_null`: a tuple (only one being torn down has NULL
 * items). */
GC_INLINE int
traverse_items_inl(gcs_obj *const *items, size_t n, bool may_null, gcs_visit_fn visit, void *arg)
{
    if (n)
        gc_prefetch_up(items);
    for (size_t i = n; i-- > 0;) {
        gcs_obj *item = items[i];
        if (may_null && !item)
            continue;
        gc_prefetch_up(item);
        if (visit(item, arg))
            return 1;
    }
    return 0;
}

/* Value then key of each live entry, in entry order (gcs_rt_dict_traverse). */
GC_INLINE int
traverse_dict_inl(gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    gcs_dict_obj *d = (gcs_dict_obj *)o;
    for (uint32_t i = 0; i < d->n_used; i++) {
        gcs_dict_entry *e = &d->entries[i];
        if (e->key && (visit(e->val, arg) || visit(e->key, arg)))
            return 1;
    }
    return 0;
}

/* gcs_rt_traverse with the common kinds inlined (tested most common first,
 * no jump table), so that a pass's constant `visit` is inlined too. */
GC_INLINE int
traverse_inl(gcs_heap *h, gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    uint8_t kind = o->kind;
    if (kind == GCS_KIND_LIST) {
        gcs_list_obj *l = (gcs_list_obj *)o;
        return traverse_items_inl(l->items, l->len, false, visit, arg);
    }
    if (kind == GCS_KIND_INSTANCE) {
        gcs_inst_obj *in = (gcs_inst_obj *)o;
        for (uint32_t i = 0; i < in->n_vals; i++)
            if (in->vals[i] && visit(in->vals[i], arg))
                return 1;
        return in->cls ? visit(in->cls, arg) : 0; /* as gcs_rt_inst_traverse */
    }
    if (kind == GCS_KIND_TUPLE) {
        gcs_tuple_obj *t = (gcs_tuple_obj *)o;
        return traverse_items_inl(t->items, t->n, true, visit, arg);
    }
    if (kind == GCS_KIND_DICT)
        return traverse_dict_inl(o, visit, arg);
    return gcs_rt_traverse(h, o, visit, arg);
}

/* {==================== Trial deletion ====================} */

/* Set gc_refs = refcount for every object and mark it COLLECTING. */
static void
update_refs(gcs_obj *containers)
{
    for (gcs_obj *gc = containers->gc_next; gc != containers; gc = gc->gc_next) {
        gc->gc_refs = gc->head.refcnt_;
        gc->flags |= OF_COLLECTING;
        /* A tracked object with refcount 0 is being freed and must have been
         * untracked first: a dealloc that forgets to untrack (double free). */
        GCS_ASSERT(gc->gc_refs != 0);
    }
}

GC_INLINE int
visit_decref(gcs_obj *op, void *arg)
{
    (void)arg;
    if (op && (op->flags & OF_COLLECTING))
        op->gc_refs--;
    return 0;
}

/* Subtract internal references: afterwards gc_refs counts references from
 * outside the set (older generations, roots, untracked containers, C code). */
static void
subtract_refs(gcs_heap *h, gcs_obj *containers)
{
    for (gcs_obj *gc = containers->gc_next; gc != containers; gc = gc->gc_next)
        traverse_inl(h, gc, visit_decref, NULL);
}

GC_INLINE int
visit_decref_gen(gcs_obj *op, void *arg)
{
    if (op && op->gen <= *(const uint8_t *)arg)
        op->gc_refs--;
    return 0;
}

/* update_refs and subtract_refs in one walk (no hook: no per-pass events).
 * Correct because outside a collection every gc_refs is 0 and the collected
 * set is exactly the tracked objects of generations 0..gen: each object adds
 * its refcount and subtracts one from each referent in the set, in any order. */
static void
update_and_subtract_refs(gcs_heap *h, gcs_obj *containers, int gen)
{
    uint8_t g = (uint8_t)gen;
    for (gcs_obj *gc = containers->gc_next; gc != containers; gc = gc->gc_next) {
        gc_prefetch_walk(gc);
        GCS_ASSERT(gc->head.refcnt_ != 0);
        gc->gc_refs += gc->head.refcnt_;
        gc->flags |= OF_COLLECTING;
        traverse_inl(h, gc, visit_decref_gen, &g);
    }
}

typedef struct reach_arg {
    gcs_heap *h;
    gcs_obj *young;
    bool emit;
    size_t rescued; /* tentatively unreachable objects found reachable after all */
} reach_arg;

GC_INLINE int
visit_reachable(gcs_obj *op, void *arg)
{
    if (!op || !(op->flags & OF_COLLECTING))
        return 0; /* not in the set, or already proven reachable */
    reach_arg *ra = arg;
    if (op->flags & OF_UNREACHABLE) {
        /* Tentatively unreachable, but reachable after all: back to the tail
         * of young, where the scan will reach it again. */
        op->flags &= (uint8_t)~OF_UNREACHABLE;
        gc_list_move(op, ra->young);
        op->gc_refs = 1;
        ra->rescued++;
        if (ra->emit && ra->h->hooked)
            gcs_rt_ev_state(ra->h, op, GCS_GCST_REACHABLE);
    } else if (op->gc_refs == 0) {
        op->gc_refs = 1; /* still ahead of the scan: it will be seen as reachable */
    }
    return 0;
}

/* Survivor bookkeeping fused into move_unreachable when no hook listens
 * (untrack_tuples' work, in the same list order CPython's later pass uses). */
typedef struct survivors {
    int to;         /* new generation, or -1: not fused */
    size_t n;       /* survivors still tracked */
    size_t dicts;   /* dicts among them */
    size_t unreach; /* objects left in `unreachable` */
} survivors;

static gcs_obj *
survivor_done(gcs_heap *h, gcs_obj *gc, survivors *sv)
{
    gcs_obj *next = gc->gc_next;
    gc->gc_refs = 0;
    if (GCS_UNLIKELY(gc->kind == GCS_KIND_TUPLE)) {
        gcs_rt_tuple_maybe_untrack(h, gc);
        if (!(gc->flags & OF_TRACKED))
            return next;
    } else if (GCS_UNLIKELY(gc->kind == GCS_KIND_DICT)) {
        sv->dicts++;
    }
    gc->gen = (uint8_t)sv->to;
    sv->n++;
    return next;
}

/* Invariant: everything to the left of `gc` in young is reachable from outside
 * the set. An object with gc_refs == 0 is moved to `unreachable` only
 * tentatively: a later object may still reach it (visit_reachable). Once an
 * object is proven reachable its gc_refs is never read again. */
static void
move_unreachable(gcs_heap *h, gcs_obj *young, gcs_obj *unreachable, bool emit, survivors *sv)
{
    reach_arg ra = {h, young, emit, 0};
    size_t moved = 0;
    gcs_obj *gc = young->gc_next;
    while (gc != young) {
        gc_prefetch_walk(gc);
        if (gc->gc_refs) {
            traverse_inl(h, gc, visit_reachable, &ra);
            gc->flags &= (uint8_t)~OF_COLLECTING;
            gc = sv ? survivor_done(h, gc, sv) : gc->gc_next;
        } else {
            gcs_obj *next = gc->gc_next;
            gc_list_move(gc, unreachable);
            gc->flags |= OF_UNREACHABLE;
            moved++;
            if (emit && h->hooked)
                gcs_rt_ev_state(h, gc, GCS_GCST_TENTATIVE);
            gc = next;
        }
    }
    if (sv)
        sv->unreach = moved - ra.rescued;
}

static void
deduce_unreachable(gc_pass *p, gcs_obj *base, gcs_obj *unreachable, bool emit, survivors *sv)
{
    gcs_heap *h = p->h;
    if (sv) {
        update_and_subtract_refs(h, base, p->gen);
        move_unreachable(h, base, unreachable, false, sv);
        return;
    }
    if (emit)
        ev_phase(p, GCS_PHASE_UPDATE_REFS);
    update_refs(base);
    if (emit) {
        ev_refs(h, base);
        ev_phase(p, GCS_PHASE_SUBTRACT_REFS);
    }
    subtract_refs(h, base);
    if (emit) {
        ev_refs(h, base);
        ev_phase(p, GCS_PHASE_MOVE_UNREACHABLE);
    }
    move_unreachable(h, base, unreachable, emit, NULL);
}

/* {==================== Survivors ====================} */

/* untrack_tuples; on full collections also untrack_dicts (CPython runs it
 * as a separate walk right after, with the same result). Every survivor is
 * tagged with its new generation `to` and its gc_refs reset to 0. Returns the
 * number of survivors still tracked. */
static size_t
untrack_tuples(gcs_heap *h, gcs_obj *young, int to, bool dicts)
{
    size_t n = 0;
    for (gcs_obj *gc = young->gc_next, *next; gc != young; gc = next) {
        next = gc->gc_next;
        gc->gc_refs = 0;
        if (gc->kind == GCS_KIND_TUPLE) {
            gcs_rt_tuple_maybe_untrack(h, gc);
            if (!(gc->flags & OF_TRACKED))
                continue;
        }
        gc->gen = (uint8_t)to;
        n++;
    }
    if (!dicts)
        return n;
    for (gcs_obj *gc = young->gc_next, *next; gc != young; gc = next) {
        next = gc->gc_next;
        if (gc->kind == GCS_KIND_DICT) {
            gcs_rt_dict_maybe_untrack(h, gc);
            n -= !(gc->flags & OF_TRACKED);
        }
    }
    return n;
}

static int
promote_target(const gc_pass *p)
{
    return p->young == p->old ? p->gen : p->gen + 1;
}

/* untrack_dicts after a fused pass: only needed if dicts survived. */
static size_t
untrack_dicts(gcs_heap *h, gcs_obj *young)
{
    size_t n = 0;
    for (gcs_obj *gc = young->gc_next, *next; gc != young; gc = next) {
        next = gc->gc_next;
        if (gc->kind == GCS_KIND_DICT) {
            gcs_rt_dict_maybe_untrack(h, gc);
            n += !(gc->flags & OF_TRACKED);
        }
    }
    return n;
}

static void
promote(gc_pass *p, const survivors *sv)
{
    gcs_heap *h = p->h;
    int to = promote_target(p);
    ev_phase(p, GCS_PHASE_UNTRACK_TUPLES);
    size_t n;
    if (sv)
        n = sv->n - (p->young == p->old && sv->dicts ? untrack_dicts(h, p->young) : 0);
    else
        n = untrack_tuples(h, p->young, to, p->young == p->old);
    ev_phase(p, GCS_PHASE_PROMOTE);
    if (p->young != p->old) {
        if (p->gen == N_GENS - 2)
            h->long_lived_pending += n;
        gc_list_merge(p->young, p->old);
    } else {
        h->long_lived_pending = 0;
        h->long_lived_total = n;
    }
    if (h->hooked) {
        gcs_event ev = {.kind = GCS_EV_GC_PROMOTE, .site = p->site};
        ev.u.gc_promote.from = (uint64_t)p->gen;
        ev.u.gc_promote.to = (uint64_t)to;
        ev.u.gc_promote.n = n;
        gcs_rt_emit(h, &ev);
    }
}

/* {==================== Legacy finalizers ====================} */

static bool
has_legacy_finalizer(gcs_obj *op)
{
    void *ud;
    return gcs_rt_legacy_finalizer(op, &ud) != NULL;
}

/* What the later passes will find in the unreachable set, learnt during the
 * legacy-finalizer walk so that passes with nothing to do can skip their own
 * walk (the outcome is the same: no user code runs, no refcount changes). */
typedef struct unreach_info {
    size_t n;    /* objects (legacy ones excluded; exact only if !weak && !fin) */
    bool legacy; /* some object has a legacy finalizer */
    bool weak;   /* some object is a weakref or is weakly referenced */
    bool fin;    /* some object has a finalizer not yet run */
} unreach_info;

static void
note_object(unreach_info *ui, gcs_obj *gc)
{
    gcs_obj **wl;
    void *ud;
    ui->n++;
    if (gc->kind == GCS_KIND_WEAKREF || ((wl = gcs_rt_weaklist(gc)) && *wl))
        ui->weak = true;
    if (!(gc->flags & OF_FINALIZED) && gcs_rt_finalizer(gc, &ud))
        ui->fin = true;
}

/* Objects with tp_del leave `unreachable` for `finalizers`; the unreachable
 * mask is cleared on everything (unreachable becomes a normal list). */
static void
move_legacy_finalizers(gcs_heap *h, gcs_obj *unreachable, gcs_obj *finalizers, unreach_info *ui)
{
    for (gcs_obj *gc = unreachable->gc_next, *next; gc != unreachable; gc = next) {
        next = gc->gc_next;
        gc->flags &= (uint8_t)~OF_UNREACHABLE;
        if (gc->kind == GCS_KIND_LIST || gc->kind == GCS_KIND_DICT || gc->kind == GCS_KIND_TUPLE) {
            ui->n++; /* no finalizers, no weakrefs: the common case */
            continue;
        }
        if (has_legacy_finalizer(gc)) {
            gc->flags &= (uint8_t)~OF_COLLECTING;
            gc_list_move(gc, finalizers);
            ui->legacy = true;
            if (h->hooked)
                gcs_rt_ev_state(h, gc, GCS_GCST_LEGACY);
        } else {
            note_object(ui, gc);
        }
    }
}

typedef struct move_arg {
    gcs_heap *h;
    gcs_obj *to;
} move_arg;

static int
visit_move(gcs_obj *op, void *arg)
{
    move_arg *ma = arg;
    if (op && (op->flags & OF_COLLECTING)) {
        op->flags &= (uint8_t)~OF_COLLECTING;
        gc_list_move(op, ma->to);
        if (ma->h->hooked)
            gcs_rt_ev_state(ma->h, op, GCS_GCST_LEGACY);
    }
    return 0;
}

/* Everything reachable from a legacy finalizer is uncollectable too. */
static void
move_legacy_finalizer_reachable(gcs_heap *h, gcs_obj *finalizers)
{
    move_arg ma = {h, finalizers};
    for (gcs_obj *gc = finalizers->gc_next; gc != finalizers; gc = gc->gc_next)
        gcs_rt_traverse(h, gc, visit_move, &ma);
}

/* {==================== Weakrefs ====================} */

/* Clear every weakref to trash before any callback runs, lest a callback
 * resurrect an unreachable object through a still-active weakref. Callbacks
 * run only for weakrefs that are not trash themselves. Returns the number of
 * such weakrefs that died through their own callback (counted as collected). */
static size_t
handle_weakrefs(gcs_heap *h, gcs_obj *unreachable, gcs_obj *old, bool *ran)
{
    gcs_obj wrcb_to_call;
    gcs_list_init_(&wrcb_to_call);
    for (gcs_obj *gc = unreachable->gc_next; gc != unreachable; gc = gc->gc_next) {
        if (gc->kind == GCS_KIND_WEAKREF)
            gcs_rt_weakref_clear_ref(h, gc); /* its callback can never run */
        gcs_obj **wrlist = gcs_rt_weaklist(gc);
        if (!wrlist)
            continue;
        while (*wrlist) {
            gcs_obj *wr = *wrlist;
            gcs_rt_weakref_clear_ref(h, wr);
            if (!((gcs_weakref_obj *)wr)->callback)
                continue;
            if (wr->flags & OF_COLLECTING)
                continue; /* wr is also trash: no callback */
            gcs_rt_incref(h, wr, NULL);
            gc_list_move(wr, &wrcb_to_call);
        }
    }
    size_t num_freed = 0;
    while (!gcs_list_empty_(&wrcb_to_call)) {
        gcs_obj *wr = wrcb_to_call.gc_next;
        gcs_obj *cb = ((gcs_weakref_obj *)wr)->callback;
        if (cb) {
            if (h->hooked) {
                gcs_event ev = {.kind = GCS_EV_WEAKREF_CALLBACK};
                ev.u.weakref_callback.wr = wr->id;
                ev.u.weakref_callback.callback = cb->id;
                gcs_rt_emit(h, &ev);
            }
            gcs_rt_call_noerr(h, cb, &wr, 1);
            *ran = true;
        }
        bool last = wr->head.refcnt_ == 1;
        if (!last) {
            gc_list_move(wr, old);
            wr->gen = old->gen;
            wr->gc_refs = 0;
        }
        gcs_rt_decref(h, wr, NULL); /* if last, dealloc unlinks it from wrcb_to_call */
        if (last)
            num_freed++;
    }
    return num_freed;
}

/* {==================== Finalizers, resurrection, clearing ====================} */

/* PEP 442: run each finalizer at most once in the object's life, in list
 * order. Objects may be freed by refcount meanwhile; they then vanish. */
static bool
finalize_garbage(gcs_heap *h, gcs_obj *collectable)
{
    bool ran = false;
    gcs_obj seen;
    gcs_list_init_(&seen);
    while (!gcs_list_empty_(collectable)) {
        gcs_obj *gc = collectable->gc_next;
        gc_list_move(gc, &seen);
        void *ud;
        gcs_finalize_fn fin = gcs_rt_finalizer(gc, &ud);
        if (fin && !(gc->flags & OF_FINALIZED)) {
            gcs_rt_incref(h, gc, NULL);
            (void)gcs_rt_call_finalizer(h, gc, fin, ud);
            gcs_rt_decref(h, gc, NULL);
            ran = true;
        }
    }
    gc_list_merge(&seen, collectable);
    return ran;
}

/* Re-run reachability over the unreachable set: whatever a finalizer made
 * reachable again (and all it reaches) goes to `old`, uncounted. */
static void
handle_resurrected_objects(gc_pass *p, gcs_obj *unreachable, gcs_obj *still_unreachable)
{
    gcs_heap *h = p->h;
    for (gcs_obj *gc = unreachable->gc_next; gc != unreachable; gc = gc->gc_next)
        gc->flags &= (uint8_t)~OF_COLLECTING;
    deduce_unreachable(p, unreachable, still_unreachable, false, NULL);
    for (gcs_obj *gc = still_unreachable->gc_next; gc != still_unreachable; gc = gc->gc_next)
        gc->flags &= (uint8_t)~OF_UNREACHABLE;
    ev_states(h, unreachable, GCS_GCST_RESURRECTED);
    if (h->hooked)
        for (gcs_obj *gc = unreachable->gc_next; gc != unreachable; gc = gc->gc_next)
            gcs_rt_ev_obj(h, GCS_EV_RESURRECT, gc, NULL);
    gc_list_merge_tag(unreachable, p->old);
}

static void
garbage_append(gcs_heap *h, gcs_obj *op)
{
    gcs_obj *g = h->garbage;
    if (gcs_rt_list_reserve(h, g, AS_LIST(g)->len + 1) != 0)
        return; /* out of memory: the object simply stays in `old` */
    gcs_rt_list_append_nofail(h, g, op, NULL);
    if (h->hooked)
        gcs_rt_ev_obj(h, GCS_EV_GC_GARBAGE, op, NULL);
}

/* Break the cycles: tp_clear each object (or, with DEBUG_SAVEALL, save it in
 * gc.garbage). Whatever survives its clear moves to `old`. */
static void
delete_garbage(gcs_heap *h, gcs_obj *collectable, gcs_obj *old)
{
    while (!gcs_list_empty_(collectable)) {
        gcs_obj *gc = collectable->gc_next;
        if (h->debug & GCS_DEBUG_SAVEALL) {
            garbage_append(h, gc);
        } else {
            gcs_rt_incref(h, gc, NULL);
            gcs_rt_clear(h, gc);
            gcs_rt_decref(h, gc, NULL);
        }
        if (collectable->gc_next == gc) { /* still alive: it may die later */
            gc->flags &= (uint8_t) ~(OF_COLLECTING | OF_UNREACHABLE);
            gc_list_move(gc, old);
            gc->gen = old->gen;
            gc->gc_refs = 0;
            if (h->hooked) /* tells a replay model it moved to `old` instead of dying */
                gcs_rt_ev_state(h, gc, GCS_GCST_REACHABLE);
        }
    }
}

static void
handle_legacy_finalizers(gcs_heap *h, gcs_obj *finalizers, gcs_obj *old)
{
    for (gcs_obj *gc = finalizers->gc_next; gc != finalizers; gc = gc->gc_next)
        if ((h->debug & GCS_DEBUG_SAVEALL) || has_legacy_finalizer(gc))
            garbage_append(h, gc);
    gc_list_merge_tag(finalizers, old);
}

/* {==================== The collection ====================} */

static void
debug_cycle(const char *msg, gcs_obj *op)
{
    fprintf(stderr, "gc: %s <%s %p>\n", msg, gcs_type_name(op), (void *)op);
}

static void
debug_stats_begin(gcs_heap *h, int gen)
{
    fprintf(stderr, "gc: collecting generation %d...\n", gen);
    fprintf(stderr, "gc: objects in each generation: %zu %zu %zu\n", gc_list_size(&h->gens[0]),
            gc_list_size(&h->gens[1]), gc_list_size(&h->gens[2]));
    fprintf(stderr, "gc: objects in permanent generation: %zu\n", gc_list_size(&h->gens[3]));
}

static void
ev_begin(gc_pass *p, int reason)
{
    gcs_heap *h = p->h;
    if (!h->hooked)
        return;
    gcs_event ev = {.kind = GCS_EV_GC_BEGIN, .site = p->site, .t_ns = gcs_rt_now_ns(h)};
    ev.u.gc_begin.gen = (uint64_t)p->gen;
    ev.u.gc_begin.reason = (uint64_t)reason;
    ev.u.gc_begin.count0 = (uint64_t)h->count[0];
    ev.u.gc_begin.count1 = (uint64_t)h->count[1];
    ev.u.gc_begin.count2 = (uint64_t)h->count[2];
    gcs_rt_emit(h, &ev);
}

static void
ev_end(gc_pass *p, size_t m, size_t n, uint64_t t_start)
{
    gcs_heap *h = p->h;
    if (!h->hooked)
        return;
    uint64_t now = gcs_rt_now_ns(h);
    gcs_event ev = {.kind = GCS_EV_GC_END, .site = p->site, .t_ns = now};
    ev.u.gc_end.gen = (uint64_t)p->gen;
    ev.u.gc_end.collected = m;
    ev.u.gc_end.uncollectable = n;
    ev.u.gc_end.duration_ns = now - t_start;
    gcs_rt_emit(h, &ev);
}

/* Counters and the merge of younger generations (steps 2-3 of
 * gc_collect_main). */
static void
gc_prepare(gc_pass *p)
{
    gcs_heap *h = p->h;
    int gen = p->gen;
    if (gen + 1 < N_GENS)
        h->count[gen + 1] += 1;
    for (int i = 0; i <= gen; i++)
        h->count[i] = 0;
    for (int i = 0; i < gen; i++)
        gc_list_merge(&h->gens[i], &h->gens[gen]);
    p->young = &h->gens[gen];
    p->old = gen < N_GENS - 1 ? &h->gens[gen + 1] : p->young;
}

/* This is the main function: read it to understand a collection. Sets *m_out
 * (collected) and *n_out (uncollectable). */
static void
gc_collect_main(gc_pass *p, int reason, size_t *m_out, size_t *n_out)
{
    gcs_heap *h = p->h;
    uint64_t t_start = gcs_rt_now_ns(h);
    size_t m = 0, n = 0;
    if (h->debug & GCS_DEBUG_STATS)
        debug_stats_begin(h, p->gen);
    ev_begin(p, reason);
    gc_prepare(p);

    /* list heads only; zeroed so their unused header fields (kind, ...) are defined */
    gcs_obj unreachable = {0}, finalizers = {0}, final_unreachable = {0};
    gcs_list_init_(&unreachable);
    gcs_list_init_(&finalizers);
    gcs_list_init_(&final_unreachable);
    survivors sv = {promote_target(p), 0, 0, 0};
    bool fuse = !h->hooked; /* no per-pass events wanted: fused passes */
    deduce_unreachable(p, p->young, &unreachable, true, fuse ? &sv : NULL);
    ev_states(h, &unreachable, GCS_GCST_UNREACHABLE);
    promote(p, fuse ? &sv : NULL);

    ev_phase(p, GCS_PHASE_LEGACY_FINALIZERS);
    unreach_info ui = {0};
    if (fuse && !h->may_finalize)
        ui.n = sv.unreach; /* no finalizer or weakref exists: nothing to find; the
                            * unreachable masks are cleared as objects die */
    else
        move_legacy_finalizers(h, &unreachable, &finalizers, &ui);
    if (ui.legacy) {
        move_legacy_finalizer_reachable(h, &finalizers);
        ui = (unreach_info){.legacy = true, .weak = true, .fin = true}; /* recount below */
    }
    if (h->debug & GCS_DEBUG_COLLECTABLE)
        for (gcs_obj *gc = unreachable.gc_next; gc != &unreachable; gc = gc->gc_next)
            debug_cycle("collectable", gc);

    bool user_code_ran = false;
    ev_phase(p, GCS_PHASE_WEAKREFS);
    if (ui.weak)
        m += handle_weakrefs(h, &unreachable, p->old, &user_code_ran);
    ev_phase(p, GCS_PHASE_FINALIZERS);
    if (ui.fin && finalize_garbage(h, &unreachable))
        user_code_ran = true;
    ev_phase(p, GCS_PHASE_RESURRECTION);
    if (user_code_ran || ui.legacy) {
        handle_resurrected_objects(p, &unreachable, &final_unreachable);
        ui.n = gc_list_size(&final_unreachable);
    } else {
        gc_list_merge(&unreachable, &final_unreachable); /* nobody ran: nothing resurrected */
    }

    ev_phase(p, GCS_PHASE_CLEAR);
    m += ui.n;
    delete_garbage(h, &final_unreachable, p->old);

    for (gcs_obj *gc = finalizers.gc_next; gc != &finalizers; gc = gc->gc_next) {
        n++;
        if (h->debug & GCS_DEBUG_UNCOLLECTABLE)
            debug_cycle("uncollectable", gc);
    }
    if (h->debug & GCS_DEBUG_STATS)
        fprintf(stderr, "gc: done, %zu unreachable, %zu uncollectable, %.4fs elapsed\n", n + m, n,
                (double)(gcs_rt_now_ns(h) - t_start) / 1e9);
    handle_legacy_finalizers(h, &finalizers, p->old);
    if (p->gen == N_GENS - 1)
        gcs_rt_freelists_clear(h);
    h->stats[p->gen].collections++;
    h->stats[p->gen].collected += m;
    h->stats[p->gen].uncollectable += n;
    ev_phase(p, GCS_PHASE_DONE);
    ev_end(p, m, n, t_start);
    gcs_rt_debug_heapcheck(h, "a collection");
    *m_out = m;
    *n_out = n;
}

/* {==================== Callbacks and entry points ====================} */

static int
build_info(gcs_heap *h, int gen, size_t collected, size_t uncollectable, gcs_obj **out)
{
    static const char *const keys[3] = {"generation", "collected", "uncollectable"};
    int64_t vals[3] = {gen, (int64_t)collected, (int64_t)uncollectable};
    gcs_obj *info;
    int rc = gcs_dict_new_at(h, &info, NULL);
    for (int i = 0; rc == 0 && i < 3; i++) {
        gcs_obj *v;
        rc = gcs_int_new_at(h, vals[i], &v, NULL);
        if (rc == 0) {
            rc = gcs_dict_set_str_at(h, info, keys[i], v, NULL);
            gcs_rt_decref(h, v, NULL);
        }
        if (rc != 0)
            gcs_rt_decref(h, info, NULL);
    }
    *out = rc == 0 ? info : NULL;
    return rc;
}

/* gc.callbacks: cb(phase, info) for each callable, only if the list is non-empty. */
static void
invoke_gc_callback(gcs_heap *h, const char *phase, int gen, size_t collected, size_t uncollectable)
{
    if (AS_LIST(h->callbacks)->len == 0)
        return;
    gcs_obj *info, *ph;
    if (build_info(h, gen, collected, uncollectable, &info) != 0)
        return; /* unraisable MemoryError: no callbacks this time */
    if (gcs_str_new_at(h, phase, &ph, NULL) != 0) {
        gcs_rt_decref(h, info, NULL);
        return;
    }
    for (size_t i = 0; i < AS_LIST(h->callbacks)->len; i++) {
        gcs_obj *cb = AS_LIST(h->callbacks)->items[i];
        gcs_obj *args[2] = {ph, info};
        gcs_rt_incref(h, cb, NULL);
        gcs_rt_call_noerr(h, cb, args, 2);
        gcs_rt_decref(h, cb, NULL);
    }
    gcs_rt_decref(h, ph, NULL);
    gcs_rt_decref(h, info, NULL);
}

static size_t
gc_collect_with_callback(gcs_heap *h, int gen, int reason, const gcs_site *site)
{
    gc_pass p = {.h = h, .gen = gen, .site = site};
    size_t m = 0, n = 0;
    const gcs_site *saved = h->cur_site;
    if (site)
        h->cur_site = site; /* events of the pass (frees, finalizers) report the collect call */
    invoke_gc_callback(h, "start", gen, 0, 0);
    gc_collect_main(&p, reason, &m, &n);
    invoke_gc_callback(h, "stop", gen, m, n);
    h->cur_site = saved;
    return m + n;
}

/* Pick the oldest generation over its threshold; a full collection also needs
 * long_lived_pending >= long_lived_total / 4 (bpo-4074). */
static void
gc_collect_generations(gcs_heap *h, const gcs_site *site)
{
    for (int i = N_GENS - 1; i >= 0; i--) {
        if (h->count[i] > h->threshold[i]) {
            if (i == N_GENS - 1 && h->long_lived_pending < h->long_lived_total / 4)
                continue;
            (void)gc_collect_with_callback(h, i, 0, site);
            break;
        }
    }
}

/* Automatic collection, from inside the allocation at `site` (collecting is
 * set around it). */
void
gcs_rt_gc_maybe_collect(gcs_heap *h, const gcs_site *site)
{
    h->collecting = true;
    gc_collect_generations(h, site);
    h->collecting = false;
}

int
gcs_gc_collect_at(gcs_heap *h, int gen, size_t *n_out, const gcs_site *site)
{
    if (n_out)
        *n_out = 0;
    if (!h)
        return GCS_EINVAL;
    if (gen < 0 || gen >= N_GENS)
        return gcs_rt_error(h, GCS_EINVAL, "invalid generation");
    if (h->collecting)
        return 0;
    h->collecting = true;
    size_t n = gc_collect_with_callback(h, gen, 1, site);
    h->collecting = false;
    if (n_out)
        *n_out = n;
    return 0;
}

void
gcs_rt_gc_emit_config(gcs_heap *h)
{
    if (!h->hooked)
        return;
    gcs_event ev = {.kind = GCS_EV_GC_CONFIG, .t_ns = gcs_rt_now_ns(h)};
    ev.u.gc_config.enabled = h->enabled;
    ev.u.gc_config.threshold0 = (uint64_t)h->threshold[0];
    ev.u.gc_config.threshold1 = (uint64_t)h->threshold[1];
    ev.u.gc_config.threshold2 = (uint64_t)h->threshold[2];
    ev.u.gc_config.debug = (uint64_t)h->debug;
    gcs_rt_emit(h, &ev);
}
