/* tests/test_gc.c — the cycle collector beyond the conformance scenarios:
 * the exact event sequence of one collection (captured with a tiny hook),
 * the automatic trigger point, the 25% long-lived rule, resurrection over the
 * whole set, untrack_dicts on full collections only, per-generation stats,
 * get_referrers/get_referents, DEBUG_STATS output, weakref num_freed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

/* {==================== Event capture ====================} */

typedef struct rec_ev {
    gcs_ev_kind kind;
    uint64_t a, b, c, d;
    int64_t i;
} rec_ev;

typedef struct recorder {
    rec_ev ev[8192];
    size_t n;
} recorder;

static void
rec_hook(void *ud, const gcs_event *e)
{
    recorder *r = ud;
    if (r->n >= sizeof r->ev / sizeof r->ev[0])
        return;
    rec_ev *x = &r->ev[r->n++];
    memset(x, 0, sizeof *x);
    x->kind = e->kind;
    switch (e->kind) {
    case GCS_EV_GC_BEGIN:
        x->a = e->u.gc_begin.gen;
        x->b = e->u.gc_begin.reason;
        x->c = e->u.gc_begin.count0;
        break;
    case GCS_EV_GC_PHASE:
        x->a = e->u.gc_phase.phase;
        break;
    case GCS_EV_GC_REFS:
        x->a = e->u.gc_refs.obj;
        x->i = e->u.gc_refs.refs;
        break;
    case GCS_EV_GC_STATE:
        x->a = e->u.gc_state.obj;
        x->b = e->u.gc_state.state;
        break;
    case GCS_EV_GC_PROMOTE:
        x->a = e->u.gc_promote.from;
        x->b = e->u.gc_promote.to;
        x->c = e->u.gc_promote.n;
        break;
    case GCS_EV_GC_END:
        x->a = e->u.gc_end.gen;
        x->b = e->u.gc_end.collected;
        x->c = e->u.gc_end.uncollectable;
        x->d = e->t_ns;
        break;
    case GCS_EV_FREE:
        x->a = e->u.free.obj;
        break;
    case GCS_EV_ALLOC:
    case GCS_EV_INCREF:
    case GCS_EV_DECREF:
    case GCS_EV_LABEL:
    case GCS_EV_REF_SET:
    case GCS_EV_REF_DEL:
    case GCS_EV_TRACK:
    case GCS_EV_UNTRACK:
    case GCS_EV_FRAME_PUSH:
    case GCS_EV_FRAME_POP:
    case GCS_EV_VAR_SET:
    case GCS_EV_VAR_DEL:
    case GCS_EV_WEAKREF_NEW:
    case GCS_EV_WEAKREF_CLEAR:
    case GCS_EV_WEAKREF_CALLBACK:
    case GCS_EV_FINALIZE:
    case GCS_EV_RESURRECT:
    case GCS_EV_GC_GARBAGE:
    case GCS_EV_GC_CONFIG:
    case GCS_EV_FREEZE:
    case GCS_EV_UNFREEZE:
    case GCS_EV_MARKER:
    case GCS_EV_ERROR:
    case GCS_EV_HEAP_END:
    case GCS_EV_INTERNAL:
    case GCS_EV__COUNT:
        break;
    }
}

static gcs_heap *
H(void **state)
{
    return ((gcs_test_heap *)*state)->h;
}

static size_t
collect(gcs_heap *h, int gen)
{
    size_t n = 999;
    OK(gcs_gc_collect(h, gen, &n));
    return n;
}

static gcs_obj *
new_list(gcs_heap *h)
{
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    return l;
}

static void
test_gc__event_sequence_of_one_collection(void **state)
{
    gcs_heap *h = H(state);
    collect(h, 2);
    gcs_gc_disable(h);
    gcs_obj *a = new_list(h), *b = new_list(h);
    OK(gcs_list_append(h, a, b));
    OK(gcs_list_append(h, b, a));
    uint64_t ida = gcs_id(a), idb = gcs_id(b);
    gcs_decref(h, a);
    gcs_decref(h, b);
    static recorder r;
    r.n = 0;
    OK(gcs_heap_set_hook(h, rec_hook, &r));
    assert_int_equal(collect(h, 0), 2);
    OK(gcs_heap_set_hook(h, NULL, NULL));

    size_t k = 0;
    assert_int_equal(r.ev[k].kind, GCS_EV_GC_BEGIN);
    assert_int_equal(r.ev[k].a, 0);
    assert_int_equal(r.ev[k].b, 1); /* manual */
    int next_phase = 0, refs_ab = 0, tentative = 0, unreachable = 0, frees = 0;
    bool end_seen = false;
    for (k = 1; k < r.n; k++) {
        rec_ev *e = &r.ev[k];
        if (e->kind == GCS_EV_GC_PHASE) {
            assert_int_equal(e->a, next_phase); /* phases in order, none skipped */
            next_phase++;
        } else if (e->kind == GCS_EV_GC_REFS && (e->a == ida || e->a == idb)) {
            /* after update_refs gc_refs = refcount = 1; after subtract_refs 0 */
            assert_int_equal(e->i, next_phase == 1 ? 1 : 0);
            refs_ab++;
        } else if (e->kind == GCS_EV_GC_STATE && e->b == GCS_GCST_TENTATIVE) {
            tentative++;
        } else if (e->kind == GCS_EV_GC_STATE && e->b == GCS_GCST_UNREACHABLE) {
            unreachable++;
        } else if (e->kind == GCS_EV_FREE && (e->a == ida || e->a == idb)) {
            assert_int_equal(next_phase, GCS_PHASE_CLEAR + 1); /* freed while clearing */
            frees++;
        } else if (e->kind == GCS_EV_GC_END) {
            assert_int_equal(e->a, 0);
            assert_int_equal(e->b, 2);
            assert_int_equal(e->c, 0);
            assert_true(e->d > 0);
            assert_int_equal(k, r.n - 1);
            end_seen = true;
        }
    }
    assert_int_equal(next_phase, GCS_PHASE__COUNT);
    assert_int_equal(refs_ab, 4);
    assert_int_equal(tentative, 2);
    assert_int_equal(unreachable, 2);
    assert_int_equal(frees, 2);
    assert_true(end_seen);
}

static long
count_i(gcs_heap *h, int i)
{
    long c[3];
    gcs_gc_get_count(h, c);
    return c[i];
}

/* 3.11: the collection runs inside the allocation that makes count0 > t0,
 * before the new object is tracked, and leaves count0 at 0. */
static void
test_gc__automatic_trigger_point(void **state)
{
    gcs_heap *h = H(state);
    collect(h, 2);
    OK(gcs_gc_set_threshold(h, 10, 10, 10));
    gcs_gc_enable(h);
    gcs_obj *keep = new_list(h);
    OK(gcs_global_set(h, "keep", keep));
    gcs_decref(h, keep);
    long c0 = count_i(h, 0);
    gcs_gc_stats s0[3], s1[3];
    gcs_gc_get_stats(h, s0);
    while (count_i(h, 0) < 10) {
        gcs_obj *l = new_list(h);
        OK(gcs_list_append(h, keep, l));
        gcs_decref(h, l);
    }
    gcs_gc_get_stats(h, s1);
    assert_int_equal(s1[0].collections, s0[0].collections);
    assert_true(c0 < 10);
    gcs_obj *l = new_list(h); /* count0 11 > 10: collects, then tracks l */
    gcs_gc_get_stats(h, s1);
    assert_int_equal(s1[0].collections, s0[0].collections + 1);
    assert_int_equal(count_i(h, 0), 0);
    assert_int_equal(count_i(h, 1), 1);
    assert_int_equal(gcs_gc_generation(h, l), 0); /* not part of the collection */
    assert_int_equal(gcs_gc_generation(h, keep), 1);
    gcs_decref(h, l);
}

static int
record_gen(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
           gcs_obj **result)
{
    (void)self;
    (void)nargs;
    *result = NULL;
    if (strcmp(gcs_str_value(h, args[0]), "start") != 0)
        return 0;
    gcs_obj *k, *v;
    int64_t g = -1;
    OK(gcs_str_new(h, "generation", &k));
    OK(gcs_dict_get(h, args[1], k, &v));
    OK(gcs_int_value(h, v, &g));
    gcs_decref(h, k);
    ((int *)ud)[g]++;
    return 0;
}

/* Generation 2 is due (count2 > threshold2) but skipped while
 * long_lived_pending < long_lived_total / 4. */
static void
test_gc__long_lived_rule(void **state)
{
    gcs_heap *h = H(state);
    gcs_gc_disable(h);
    gcs_obj *keep = new_list(h);
    OK(gcs_global_set(h, "keep", keep));
    gcs_decref(h, keep);
    for (int i = 0; i < 400; i++) {
        gcs_obj *l = new_list(h);
        OK(gcs_list_append(h, keep, l));
        gcs_decref(h, l);
    }
    collect(h, 2); /* long_lived_total ~ 400 */
    int gens[3] = {0, 0, 0};
    gcs_obj *cb;
    OK(gcs_cfunc_new(h, "cb", record_gen, gens, NULL, &cb));
    OK(gcs_list_append(h, gcs_gc_callbacks(h), cb));
    gcs_decref(h, cb);
    OK(gcs_gc_set_threshold(h, 5, 1, 0));
    gcs_gc_enable(h);
    gcs_class_def def = {.name = "C", .dynamic_attrs = true};
    gcs_obj *C;
    OK(gcs_class_new(h, &def, &C));
    for (int i = 0; i < 200; i++) { /* cyclic garbage only: nothing becomes long-lived */
        gcs_obj *c;
        OK(gcs_instance_new(h, C, &c));
        OK(gcs_attr_set(h, c, "me", c));
        gcs_decref(h, c);
    }
    assert_true(gens[1] > 0);
    assert_int_equal(gens[2], 0);
    assert_true(count_i(h, 2) > 0); /* due, but skipped */
    for (int i = 0; i < 400; i++) { /* survivors: pending grows past total/4 */
        gcs_obj *c;
        OK(gcs_instance_new(h, C, &c));
        OK(gcs_list_append(h, keep, c));
        gcs_decref(h, c);
    }
    assert_true(gens[2] > 0);
    OK(gcs_list_clear(h, gcs_gc_callbacks(h)));
    gcs_decref(h, C);
}

static int
fin_resurrect(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)ud;
    return gcs_global_set(h, "saved", self);
}

/* Resurrection is judged over the whole set: what the resurrected object
 * reaches survives too, and nothing is counted. */
static void
test_gc__resurrection_keeps_what_it_reaches(void **state)
{
    gcs_heap *h = H(state);
    collect(h, 2);
    gcs_class_def d1 = {.name = "L", .dynamic_attrs = true, .finalize = fin_resurrect};
    gcs_class_def d2 = {.name = "P", .dynamic_attrs = true};
    gcs_obj *L, *P, *a, *b;
    OK(gcs_class_new(h, &d1, &L));
    OK(gcs_class_new(h, &d2, &P));
    OK(gcs_instance_new(h, L, &a));
    OK(gcs_instance_new(h, P, &b));
    OK(gcs_attr_set(h, a, "b", b));
    OK(gcs_attr_set(h, b, "a", a));
    gcs_decref(h, a);
    gcs_decref(h, b);
    assert_int_equal(collect(h, 2), 0);
    gcs_obj *s;
    OK(gcs_var_get(h, "saved", &s));
    assert_ptr_equal(s, a);
    gcs_obj *bb;
    OK(gcs_attr_get(h, a, "b", &bb));
    assert_ptr_equal(bb, b);
    assert_int_equal(gcs_list_len(h, gcs_gc_garbage(h)), 0);
    OK(gcs_global_del(h, "saved"));
    assert_int_equal(collect(h, 2), 2); /* finalizer ran once: now both go */
    gcs_decref(h, L);
    gcs_decref(h, P);
}

/* Scenario 28: dicts are untracked only by full collections. */
static void
test_gc__untrack_dicts_only_on_full_collection(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *d, *k, *l = new_list(h);
    OK(gcs_dict_new(h, &d));
    OK(gcs_str_new(h, "a", &k));
    OK(gcs_dict_set(h, d, k, l));
    assert_true(gcs_gc_is_tracked(h, d));
    OK(gcs_dict_set(h, d, k, k)); /* now holds only atoms */
    collect(h, 0);
    assert_true(gcs_gc_is_tracked(h, d));
    collect(h, 1);
    assert_true(gcs_gc_is_tracked(h, d));
    collect(h, 2);
    assert_false(gcs_gc_is_tracked(h, d));
    gcs_decref(h, k);
    gcs_decref(h, d);
    gcs_decref(h, l);
}

static void
test_gc__stats_only_for_collected_generation(void **state)
{
    gcs_heap *h = H(state);
    gcs_gc_stats a[3], b[3];
    gcs_gc_get_stats(h, a);
    gcs_obj *x = new_list(h);
    OK(gcs_list_append(h, x, x));
    gcs_decref(h, x);
    assert_int_equal(collect(h, 1), 1);
    gcs_gc_get_stats(h, b);
    assert_int_equal(b[0].collections, a[0].collections);
    assert_int_equal(b[1].collections, a[1].collections + 1);
    assert_int_equal(b[1].collected, a[1].collected + 1);
    assert_int_equal(b[2].collections, a[2].collections);
}

/* CPython 3.11: gc.get_referents([a, b, c]) == [c, b, a] (list_traverse and
 * tupletraverse visit the last item first); a dict gives value, then key. */
static void
test_gc__referents_order_matches_cpython(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *a = new_list(h), *b = new_list(h), *c = new_list(h), *out, *x;
    gcs_obj *l = new_list(h), *t, *d, *k;
    OK(gcs_list_append(h, l, a));
    OK(gcs_list_append(h, l, b));
    OK(gcs_list_append(h, l, c));
    gcs_obj *items[3] = {a, b, c};
    OK(gcs_tuple_new(h, 3, items, &t));
    gcs_obj *seqs[2] = {l, t};
    for (int s = 0; s < 2; s++) {
        OK(gcs_gc_get_referents(h, &seqs[s], 1, &out));
        assert_int_equal(gcs_list_len(h, out), 3);
        for (int i = 0; i < 3; i++) {
            OK(gcs_list_get(h, out, i, &x));
            assert_ptr_equal(x, items[2 - i]);
        }
        gcs_decref(h, out);
    }
    OK(gcs_dict_new(h, &d));
    gcs_obj *one;
    OK(gcs_int_new(h, 12345, &one));
    OK(gcs_tuple_new(h, 1, &one, &k)); /* a hashable GC key: (12345,) */
    gcs_decref(h, one);
    OK(gcs_dict_set(h, d, k, b));
    OK(gcs_gc_get_referents(h, &d, 1, &out));
    assert_int_equal(gcs_list_len(h, out), 2);
    OK(gcs_list_get(h, out, 0, &x));
    assert_ptr_equal(x, b);
    OK(gcs_list_get(h, out, 1, &x));
    assert_ptr_equal(x, k);
    gcs_decref(h, out);
    gcs_obj *all[] = {a, b, c, l, t, d, k};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        gcs_decref(h, all[i]);
}

/* No hook, no checked mode, no finalizer or weakref ever made: the collector
 * skips the legacy-finalizer walk and counts the unreachable set while
 * finding it. The counts must be those of the full path, and no object may
 * keep a collection mask afterwards (gcs_heap_check), SAVEALL survivors
 * included. Then a weakref switches the full path on for good. */
static void
test_gc__fast_path_without_finalizers_counts_exactly(void **state)
{
    gcs_heap *h = H(state);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    gcs_obj *keep = new_list(h), *d, *t, *w = NULL, *cls = NULL, *inst = NULL;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 40; i++) {
            gcs_obj *a = new_list(h), *b = new_list(h);
            OK(gcs_list_append(h, a, b));
            OK(gcs_list_append(h, b, a));
            if (i % 4 == 0) /* a live referrer rescues a tentatively unreachable pair */
                OK(gcs_list_append(h, keep, b));
            OK(gcs_dict_new(h, &d)); /* dict <-> tuple cycle hanging off a */
            gcs_obj *td[1] = {d};
            OK(gcs_tuple_new(h, 1, td, &t));
            OK(gcs_dict_set_str(h, d, "t", t));
            OK(gcs_list_append(h, a, t));
            gcs_decref(h, t);
            gcs_decref(h, d);
            gcs_decref(h, a);
            gcs_decref(h, b);
        }
        if (round == 1)
            OK(gcs_gc_set_debug(h, GCS_DEBUG_SAVEALL));
        if (round == 2) { /* lists can't be weakly referenced: an instance */
            gcs_class_def def = {.name = "K"};
            OK(gcs_class_new(h, &def, &cls));
            OK(gcs_instance_new(h, cls, &inst));
            OK(gcs_weakref_new(h, inst, NULL, &w));
        }
        /* 30 unrescued pairs x 4 objects (a, b, dict, tuple) */
        assert_int_equal(collect(h, 2), 120);
        OK(gcs_heap_check(h));
        if (round == 1) {
            assert_int_equal(gcs_list_len(h, gcs_gc_garbage(h)), 120);
            OK(gcs_gc_set_debug(h, 0));
            OK(gcs_list_clear(h, gcs_gc_garbage(h)));
            assert_int_equal(collect(h, 2), 120);
        }
    }
    gcs_decref(h, w);
    gcs_decref(h, inst);
    gcs_decref(h, cls);
    gcs_decref(h, keep);
    assert_int_equal(collect(h, 2), 3 * 10 * 4);
    OK(gcs_heap_check(h));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
}

/* Ids of generation `gen`'s objects, in list order, into ids[] (at most max). */
static size_t
gen_ids(gcs_heap *h, int gen, uint64_t *ids, size_t max)
{
    gcs_obj *all, *o;
    OK(gcs_gc_get_objects(h, gen, &all));
    size_t n = (size_t)gcs_list_len(h, all);
    for (size_t i = 0; i < n && i < max; i++) {
        OK(gcs_list_get(h, all, (ptrdiff_t)i, &o));
        ids[i] = gcs_id(o);
    }
    gcs_decref(h, all);
    return n;
}

/* Lists and instances are linked straight onto generation 0 when no hook
 * listens and checked mode is off; the heap must end up exactly as through
 * the hooked path (untracked list, then track): same generation-0 order,
 * same counts and bytes, every object tracked, a clean heap check. */
static void
test_gc__unhooked_allocation_links_like_hooked(void **state)
{
    gcs_heap *h = H(state);
    recorder *r = calloc(1, sizeof *r);
    assert_non_null(r);
    gcs_class_def def = {.name = "K"};
    gcs_obj *cls, *objs[2][3];
    size_t live[2], bytes[2];
    uint64_t ids[2][16];
    OK(gcs_class_new(h, &def, &cls));
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    gcs_gc_disable(h);
    for (int hooked = 0; hooked < 2; hooked++) {
        OK(gcs_heap_set_hook(h, hooked ? rec_hook : NULL, r));
        collect(h, 2); /* generation 0 now empty */
        size_t live0 = gcs_heap_live_objects(h), bytes0 = gcs_heap_live_bytes(h);
        OK(gcs_list_new(h, &objs[hooked][0]));
        OK(gcs_instance_new(h, cls, &objs[hooked][1]));
        OK(gcs_list_new(h, &objs[hooked][2]));
        live[hooked] = gcs_heap_live_objects(h) - live0;
        bytes[hooked] = gcs_heap_live_bytes(h) - bytes0;
        assert_int_equal(gen_ids(h, 0, ids[hooked], 16), 3);
        for (int i = 0; i < 3; i++) {
            assert_true(gcs_gc_is_tracked(h, objs[hooked][i]));
            assert_int_equal(ids[hooked][i], gcs_id(objs[hooked][i]));
            assert_int_equal(gcs_refcnt(objs[hooked][i]), 1);
        }
        OK(gcs_heap_check(h));
    }
    OK(gcs_heap_set_hook(h, NULL, NULL));
    assert_int_equal(live[0], 3);
    assert_int_equal(live[1], live[0]);
    assert_int_equal(bytes[1], bytes[0]);
    assert_true(r->n > 0); /* the hooked round did report */
    for (int hooked = 0; hooked < 2; hooked++)
        for (int i = 0; i < 3; i++)
            gcs_decref(h, objs[hooked][i]);
    gcs_decref(h, cls);
    gcs_gc_enable(h);
    OK(gcs_heap_check(h));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
    free(r);
}

/* The collector's inlined dict traversal (value then key of live entries;
 * deleted entries skipped) gives the same results as the hooked, unfused
 * passes, which call gcs_rt_dict_traverse: a dict <-> list cycle through a
 * value is garbage, one hanging off a live dict is not, a deleted entry no
 * longer counts as a reference. */
static void
test_gc__dict_referents_fused_and_unfused(void **state)
{
    gcs_heap *h = H(state);
    recorder *r = calloc(1, sizeof *r);
    assert_non_null(r);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    for (int hooked = 0; hooked < 2; hooked++) {
        OK(gcs_heap_set_hook(h, hooked ? rec_hook : NULL, r));
        collect(h, 2);
        gcs_obj *keep, *d, *l, *d2, *l2;
        OK(gcs_dict_new(h, &keep));
        OK(gcs_dict_new(h, &d)); /* garbage: d["a"] = l, l = [d] */
        l = new_list(h);
        OK(gcs_dict_set_str(h, d, "a", l));
        OK(gcs_list_append(h, l, d));
        OK(gcs_dict_new(h, &d2)); /* the same cycle, kept alive by keep["x"] */
        l2 = new_list(h);
        OK(gcs_dict_set_str(h, d2, "gone", l2)); /* deleted below: skipped */
        gcs_obj *gone;
        OK(gcs_str_new(h, "gone", &gone));
        OK(gcs_dict_del(h, d2, gone));
        gcs_decref(h, gone);
        OK(gcs_dict_set_str(h, d2, "b", l2));
        OK(gcs_list_append(h, l2, d2));
        OK(gcs_dict_set_str(h, keep, "x", l2));
        gcs_decref(h, d);
        gcs_decref(h, l);
        gcs_decref(h, d2);
        gcs_decref(h, l2);
        assert_int_equal(collect(h, 2), 2);
        assert_int_equal(gcs_refcnt(l2), 2); /* keep["x"] and d2["b"] */
        gcs_decref(h, keep);
        assert_int_equal(collect(h, 2), 2);
        OK(gcs_heap_check(h));
    }
    OK(gcs_heap_set_hook(h, NULL, NULL));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
    free(r);
}

static void
test_gc__referrers_and_referents(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *a = new_list(h), *b = new_list(h), *c = new_list(h), *out;
    OK(gcs_list_append(h, a, c));
    OK(gcs_list_append(h, b, c));
    OK(gcs_gc_get_referrers(h, &c, 1, &out));
    assert_int_equal(gcs_list_len(h, out), 2);
    gcs_decref(h, out);
    OK(gcs_gc_get_referents(h, &a, 1, &out));
    assert_int_equal(gcs_list_len(h, out), 1);
    gcs_obj *x;
    OK(gcs_list_get(h, out, 0, &x));
    assert_ptr_equal(x, c);
    gcs_decref(h, out);
    assert_int_equal(gcs_gc_get_referrers(h, NULL, 1, &out), GCS_EINVAL);
    gcs_decref(h, a);
    gcs_decref(h, b);
    gcs_decref(h, c);
}

static void
test_gc__debug_stats_lines_on_stderr(void **state)
{
    gcs_heap *h = H(state);
    const char *path = gcs_test_tmpname(".err");
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(path, "w+");
    assert_non_null(f);
    dup2(fileno(f), 2);
    OK(gcs_gc_set_debug(h, GCS_DEBUG_STATS | GCS_DEBUG_COLLECTABLE));
    gcs_obj *x = new_list(h);
    OK(gcs_list_append(h, x, x));
    gcs_decref(h, x);
    collect(h, 2);
    OK(gcs_gc_set_debug(h, 0));
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char buf[2048] = {0};
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    unlink(path);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "gc: collecting generation 2...\n"));
    assert_non_null(strstr(buf, "gc: objects in each generation: "));
    assert_non_null(strstr(buf, "gc: objects in permanent generation: 0\n"));
    assert_non_null(strstr(buf, "gc: collectable <list 0x"));
    assert_non_null(strstr(buf, "gc: done, 1 unreachable, 0 uncollectable, "));
}

/* A reachable KeyedRef that dies in its own callback counts as collected
 * (handle_weakrefs' num_freed): one cyclic value gives 2 (scenarios 14, 32). */
static void
test_gc__wvdict_cyclic_value_counts_keyedref(void **state)
{
    gcs_heap *h = H(state);
    collect(h, 2);
    gcs_gc_disable(h);
    gcs_class_def def = {.name = "V", .dynamic_attrs = true};
    gcs_obj *V, *v, *wd, *k;
    OK(gcs_class_new(h, &def, &V));
    OK(gcs_instance_new(h, V, &v));
    OK(gcs_attr_set(h, v, "me", v));
    OK(gcs_wvdict_new(h, &wd));
    OK(gcs_str_new(h, "k", &k));
    OK(gcs_wvdict_set(h, wd, k, v));
    gcs_decref(h, v);
    assert_int_equal(gcs_wvdict_len(h, wd), 1);
    assert_int_equal(collect(h, 2), 2);
    assert_int_equal(gcs_wvdict_len(h, wd), 0);
    gcs_decref(h, k);
    gcs_decref(h, wd);
    gcs_decref(h, V);
}

static int
cb_collect(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
           gcs_obj **result)
{
    (void)self;
    (void)args;
    (void)nargs;
    size_t n = 77;
    OK(gcs_gc_collect(h, 2, &n));
    *(size_t *)ud = n;
    *result = NULL;
    return 0;
}

static void
test_gc__collect_inside_collection_is_noop(void **state)
{
    gcs_heap *h = H(state);
    size_t inner = 99;
    gcs_obj *cb;
    OK(gcs_cfunc_new(h, "cb", cb_collect, &inner, NULL, &cb));
    OK(gcs_list_append(h, gcs_gc_callbacks(h), cb));
    gcs_decref(h, cb);
    collect(h, 0);
    assert_int_equal(inner, 0);
    OK(gcs_list_clear(h, gcs_gc_callbacks(h)));
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_gc__event_sequence_of_one_collection),
        T(test_gc__automatic_trigger_point),
        T(test_gc__long_lived_rule),
        T(test_gc__resurrection_keeps_what_it_reaches),
        T(test_gc__untrack_dicts_only_on_full_collection),
        T(test_gc__stats_only_for_collected_generation),
        T(test_gc__referrers_and_referents),
        T(test_gc__referents_order_matches_cpython),
        T(test_gc__fast_path_without_finalizers_counts_exactly),
        T(test_gc__debug_stats_lines_on_stderr),
        T(test_gc__wvdict_cyclic_value_counts_keyedref),
        T(test_gc__collect_inside_collection_is_noop),
        T(test_gc__unhooked_allocation_links_like_hooked),
        T(test_gc__dict_referents_fused_and_unfused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
