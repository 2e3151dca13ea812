/* tests/test_obj.c — object basics: ids, reference counts, singletons, type
 * names and repr, live counters, several heaps side by side, and the trashcan:
 * a 1,000,000-deep chain is freed on a thread whose stack is far too small
 * for recursive deallocation. And the narrow event hooks (gcs_heap_set_hooks):
 * they see exactly the events the generic hook sees, in the same order, and
 * belong to the (event, ud) pair they were installed with. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/trace.h"       /* gcs_event_format */
#include "runtime/runtime_int.h" /* the slab, for a white-box check */
#include "testutil.h"
#include "trace/trace_int.h" /* gcs_ev_describe */

#define OK(x) assert_int_equal((x), 0)

static gcs_heap *
H(void **state)
{
    return ((gcs_test_heap *)*state)->h;
}

static void
test_obj__ids_are_unique_and_increasing(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *a, *b;
    OK(gcs_list_new(h, &a));
    uint64_t ida = gcs_id(a);
    gcs_decref(h, a);
    OK(gcs_list_new(h, &b)); /* may reuse a's memory outside checked mode: never its id */
    assert_true(gcs_id(b) > ida);
    assert_int_equal(gcs_id(NULL), 0);
    gcs_decref(h, b);
}

static void
test_obj__refcounts_follow_incref_decref(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    assert_int_equal(gcs_refcnt(l), 1);
    gcs_incref(h, l);
    gcs_incref(h, l);
    assert_int_equal(gcs_refcnt(l), 3);
    gcs_decref(h, l);
    assert_int_equal(gcs_refcnt(l), 2);
    OK(gcs_incref_checked_at(h, l, GCS_HERE));
    OK(gcs_decref_checked_at(h, l, GCS_HERE));
    size_t live = gcs_heap_live_objects(h);
    gcs_decref(h, l);
    gcs_decref(h, l);
    assert_int_equal(gcs_heap_live_objects(h), live - 1);
}

static void
test_obj__singletons_and_small_ints(void **state)
{
    gcs_heap *h = H(state);
    assert_ptr_equal(gcs_bool(h, true), gcs_true(h));
    assert_ptr_equal(gcs_bool(h, false), gcs_false(h));
    assert_int_equal(gcs_kind_of(gcs_none(h)), GCS_KIND_NONE);
    int64_t before = gcs_refcnt(gcs_none(h));
    assert_true(before > 1000);
    gcs_obj *a, *b, *c, *d;
    OK(gcs_int_new(h, 256, &a));
    OK(gcs_int_new(h, 256, &b));
    assert_ptr_equal(a, b);
    OK(gcs_int_new(h, 257, &c));
    OK(gcs_int_new(h, 257, &d));
    assert_ptr_not_equal(c, d);
    assert_true(gcs_equal(h, c, d));
    OK(gcs_int_new(h, -5, &a));
    gcs_decref(h, a);
    gcs_decref(h, a);
    gcs_decref(h, b);
    gcs_decref(h, c);
    gcs_decref(h, d);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    OK(gcs_list_append(h, l, gcs_none(h)));
    assert_int_equal(gcs_refcnt(gcs_none(h)), before + 1);
    gcs_decref(h, l);
    assert_int_equal(gcs_refcnt(gcs_none(h)), before);
}

static void
test_obj__type_names_and_repr(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l, *i, *s, *t, *d;
    char buf[64];
    OK(gcs_list_new(h, &l));
    OK(gcs_int_new(h, 42, &i));
    OK(gcs_str_new(h, "spam", &s));
    OK(gcs_list_append(h, l, i));
    OK(gcs_list_append(h, l, s));
    gcs_repr(h, l, buf, sizeof buf);
    assert_string_equal(buf, "[42, 'spam']");
    OK(gcs_tuple_new(h, 1, &i, &t));
    gcs_repr(h, t, buf, sizeof buf);
    assert_string_equal(buf, "(42,)");
    OK(gcs_dict_new(h, &d));
    OK(gcs_dict_set(h, d, s, i));
    gcs_repr(h, d, buf, sizeof buf);
    assert_string_equal(buf, "{'spam': 42}");
    assert_string_equal(gcs_type_name(l), "list");
    assert_string_equal(gcs_type_name(i), "int");
    assert_string_equal(gcs_type_name(gcs_none(h)), "NoneType");
    assert_string_equal(gcs_type_name(d), "dict");
    gcs_repr(h, l, buf, 5); /* truncated, NUL-terminated */
    assert_int_equal(strlen(buf), 4);
    assert_string_equal(gcs_str_value(h, s), "spam");
    assert_int_equal(gcs_str_len(h, s), 4);
    assert_null(gcs_str_value(h, i));
    assert_true(gcs_is_true(h, l));
    assert_false(gcs_is_true(h, gcs_none(h)));
    int64_t v;
    OK(gcs_int_value(h, i, &v));
    assert_int_equal(v, 42);
    assert_int_equal(gcs_int_value(h, s, &v), GCS_ETYPE);
    gcs_obj *all[] = {l, i, s, t, d};
    for (int k = 0; k < 5; k++)
        gcs_decref(h, all[k]);
}

static void
test_obj__alloc_site_is_recorded(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    int line = __LINE__ + 1;
    OK(gcs_list_new(h, &l));
    gcs_site s = gcs_obj_alloc_site(h, l);
    assert_non_null(s.file);
    assert_non_null(strstr(s.file, "test_obj.c"));
    assert_int_equal(s.line, line);
    assert_ptr_equal(gcs_heap_find(h, gcs_id(l)), l);
    uint64_t id = gcs_id(l);
    gcs_decref(h, l);
    assert_null(gcs_heap_find(h, id)); /* freed */
    assert_null(gcs_heap_find(h, 0));
    assert_null(gcs_heap_find(h, id + 1000000));
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE)); /* the scanning path */
    assert_ptr_equal(gcs_heap_find(h, gcs_id(gcs_none(h))), gcs_none(h));
    assert_null(gcs_heap_find(h, id));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
    assert_ptr_equal(gcs_heap_find(h, gcs_id(gcs_none(h))), gcs_none(h));
}

static void
test_obj__heaps_coexist(void **state)
{
    (void)state;
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    gcs_heap *h1, *h2;
    OK(gcs_heap_new(&cfg, &h1));
    OK(gcs_heap_new(&cfg, &h2));
    gcs_obj *a, *b;
    OK(gcs_list_new(h1, &a));
    OK(gcs_list_new(h2, &b));
    OK(gcs_list_append(h1, a, a));
    OK(gcs_list_append(h2, b, b));
    gcs_decref(h1, a);
    gcs_decref(h2, b);
    size_t n1, n2;
    OK(gcs_gc_collect(h1, 2, &n1));
    assert_int_equal(n1, 1);
    OK(gcs_gc_collect(h2, 2, &n2));
    assert_int_equal(n2, 1);
    OK(gcs_heap_check(h1));
    OK(gcs_heap_check(h2));
    gcs_heap_free(h1);
    gcs_heap_free(h2);
    gcs_heap_free(NULL);
}

static void
test_obj__memory_layout(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    size_t before = gcs_heap_live_bytes(h);
    OK(gcs_list_new(h, &l));
    /* CPython 3.11: sys.getsizeof([]) == 56, its 16-byte GC header included */
    assert_true(gcs_heap_live_bytes(h) - before <= 56);
    gcs_decref(h, l);
}

/* Unchecked mode puts objects and their small item arrays in slabs; a list
 * that grows past the slab's largest block moves its items to the allocator,
 * and every item survives each move. Objects made in unchecked mode are freed
 * correctly after checked mode is switched on (their arrays stay in slabs). */
static void
test_obj__slab_arrays_grow_and_survive_mode_switch(void **state)
{
    gcs_heap *h = H(state);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    enum { NL = 50, NI = 100 };
    gcs_obj *lists[NL], *items[NI];
    for (int i = 0; i < NI; i++)
        OK(gcs_int_new(h, 1000 + i, &items[i]));
    for (int k = 0; k < NL; k++) {
        OK(gcs_list_new(h, &lists[k]));
        for (int i = 0; i <= k * 2 && i < NI; i++) /* 8 .. 800 bytes of items */
            OK(gcs_list_append(h, lists[k], items[i]));
    }
    for (int k = 0; k < NL; k++) {
        size_t n = gcs_list_len(h, lists[k]);
        assert_int_equal(n, (size_t)(k * 2 + 1 < NI ? k * 2 + 1 : NI));
        for (size_t i = 0; i < n; i++) {
            gcs_obj *x = NULL;
            OK(gcs_list_get(h, lists[k], (ptrdiff_t)i, &x));
            assert_ptr_equal(x, items[i]);
        }
    }
    assert_int_equal(gcs_refcnt(items[0]), 1 + NL);
    OK(gcs_heap_check(h));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
    for (int k = 0; k < NL; k++)
        gcs_decref(h, lists[k]);
    assert_int_equal(gcs_refcnt(items[0]), 1);
    for (int i = 0; i < NI; i++)
        gcs_decref(h, items[i]);
}

static int
usr_noop_traverse(gcs_heap *h, gcs_obj *o, gcs_visit_fn visit, void *arg)
{
    (void)h, (void)o, (void)visit, (void)arg;
    return 0;
}

/* User data stays 16-aligned in the slabs (classes are 8 bytes apart). */
static void
test_obj__user_data_is_16_aligned_in_slabs(void **state)
{
    gcs_heap *h = H(state);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    for (size_t ds = 1; ds <= 40; ds += 3) {
        gcs_type_def def = {
            .name = "blob", .data_size = ds, .flags = GCS_TYPE_GC, .traverse = usr_noop_traverse};
        gcs_type *t;
        OK(gcs_type_new(h, &def, &t));
        gcs_obj *o[5];
        for (int i = 0; i < 5; i++) {
            OK(gcs_obj_new(h, t, &o[i]));
            assert_int_equal((uintptr_t)gcs_obj_data(o[i]) % 16, 0);
            memset(gcs_obj_data(o[i]), 0xab, ds);
        }
        for (int i = 0; i < 5; i++)
            gcs_decref(h, o[i]);
    }
    OK(gcs_heap_check(h));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
}

/* Backward steps in the addresses of l[0..n). */
static size_t
descents(gcs_obj *const *l, size_t n)
{
    size_t d = 0;
    for (size_t i = 1; i < n; i++)
        d += (uintptr_t)l[i] < (uintptr_t)l[i - 1];
    return d;
}

/* Slab pools that empty are reused lowest address first: after a big free,
 * lists allocated one after another sit in ascending address order (as in
 * fresh memory), whatever order their pools emptied in. The collector's walks
 * prefetch by address and rely on it. LIFO reuse of the emptied pools gives
 * one backward step per pool (about 270 here). */
static void
test_obj__slab_reuses_empty_pools_lowest_first(void **state)
{
    gcs_heap *h = H(state);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    enum { N = 20000 }; /* 56-byte lists: about 270 pools, in several chunks */
    gcs_obj **l = malloc(N * sizeof *l);
    assert_non_null(l);
    for (int i = 0; i < N; i++)
        OK(gcs_list_new(h, &l[i]));
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) /* round 0, 2: first allocated, first freed */
            gcs_decref(h, l[round == 1 ? N - 1 - i : i]);
        for (int i = 0; i < N; i++)
            OK(gcs_list_new(h, &l[i]));
        /* At most one step back: from a pool that was never empty (objects of
         * the fixture) to the lowest empty one. */
        assert_in_range(descents(l, N), 0, 1);
    }
    for (int i = 0; i < N; i++)
        gcs_decref(h, l[i]);
    free(l);
    OK(gcs_heap_check(h));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
}

/* gcs_heap_check covers the slab's invariants: a count of empty pools that
 * does not match the pools is reported (white box: the test corrupts the
 * count, then puts it back). */
static void
test_obj__heap_check_covers_the_slab(void **state)
{
    gcs_heap *h = H(state);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    enum { N = 1000 }; /* about 14 pools: most of them empty once freed */
    gcs_obj *l[N];
    for (int i = 0; i < N; i++)
        OK(gcs_list_new(h, &l[i]));
    for (int i = 0; i < N; i++)
        gcs_decref(h, l[i]);
    assert_true(h->slab.n_empty > 0);
    OK(gcs_heap_check(h));
    h->slab.n_empty++;
    assert_int_equal(gcs_heap_check(h), GCS_ECORRUPT);
    assert_non_null(strstr(gcs_heap_errmsg(h), "slab: n_empty"));
    h->slab.n_empty--;
    OK(gcs_heap_check(h));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
}

/* {==================== Trashcan ====================} */

typedef struct chain_job {
    gcs_heap *h;
    long depth;
    size_t freed;
} chain_job;

static void *
free_chain(void *arg)
{
    chain_job *j = arg;
    size_t before = gcs_heap_live_objects(j->h);
    gcs_global_del(j->h, "x"); /* frees the whole chain by refcounting */
    j->freed = before - gcs_heap_live_objects(j->h);
    return NULL;
}

static void
run_on_small_stack(chain_job *j)
{
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1024 * 1024); /* recursion would need >100 MB */
    OK(pthread_create(&t, &attr, free_chain, j));
    OK(pthread_join(t, NULL));
    pthread_attr_destroy(&attr);
}

static void
test_obj__million_deep_chain_frees_in_constant_stack(void **state)
{
    gcs_heap *h = H(state);
    gcs_gc_disable(h);
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE)); /* speed: no quarantine */
    OK(gcs_global_set(h, "x", gcs_none(h)));
    for (long i = 0; i < 1000000; i++) {
        gcs_obj *l, *x;
        OK(gcs_var_get(h, "x", &x));
        OK(gcs_list_new(h, &l));
        OK(gcs_list_append(h, l, x));
        OK(gcs_global_set(h, "x", l));
        gcs_decref(h, l);
    }
    chain_job j = {h, 1000000, 0};
    run_on_small_stack(&j);
    assert_int_equal(j.freed, 1000000);
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
}

static void
test_obj__deep_instance_chain_frees_in_constant_stack(void **state)
{
    gcs_heap *h = H(state);
    gcs_gc_disable(h);
    gcs_class_def def = {.name = "Node", .dynamic_attrs = true};
    gcs_obj *N;
    OK(gcs_class_new(h, &def, &N));
    OK(gcs_global_set(h, "x", gcs_none(h)));
    for (long i = 0; i < 200000; i++) {
        gcs_obj *n, *x;
        OK(gcs_var_get(h, "x", &x));
        OK(gcs_instance_new(h, N, &n));
        OK(gcs_attr_set(h, n, "next", x));
        OK(gcs_global_set(h, "x", n));
        gcs_decref(h, n);
    }
    chain_job j = {h, 200000, 0};
    run_on_small_stack(&j);
    assert_int_equal(j.freed, 200000);
    gcs_decref(h, N);
}

/* {==== Narrow hooks ====} */

/* Every event a hook saw, as `gcscope dump` prints it (site included), and
 * how many came through each entry. */
enum { LOG_MAX = 4096, LOG_LINE = 160 };
typedef struct ev_log {
    char (*lines)[LOG_LINE];
    size_t n;
    long generic, refcnt, obj, ref_set, ref_del, alloc, label;
} ev_log;

static ev_log *
log_new(void)
{
    ev_log *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->lines = calloc(LOG_MAX, LOG_LINE);
    assert_non_null(l->lines);
    return l;
}

static void
log_free(ev_log *l)
{
    free(l->lines);
    free(l);
}

static long
log_narrow(const ev_log *l)
{
    return l->refcnt + l->obj + l->ref_set + l->ref_del + l->alloc + l->label;
}

static void
log_line(ev_log *l, const gcs_event *ev)
{
    assert_true(l->n < LOG_MAX);
    gcs_event e = *ev;
    e.t_ns = e.t_ns != 0; /* stamped or not; clocks differ between runs */
    if (e.kind == GCS_EV_GC_END)
        e.u.gc_end.duration_ns = 0;
    gcs_event_format(&e, l->lines[l->n++], LOG_LINE);
}

static void
log_event(void *ud, const gcs_event *ev)
{
    ((ev_log *)ud)->generic++;
    log_line(ud, ev);
}

static void
log_refcnt(void *ud, gcs_ev_kind kind, uint64_t obj, int64_t refcnt, const gcs_site *site)
{
    assert_true(kind == GCS_EV_INCREF || kind == GCS_EV_DECREF);
    gcs_event ev = {.kind = kind, .site = site};
    ev.u.incref = (gcs_ev_incref){obj, refcnt};
    ((ev_log *)ud)->refcnt++;
    log_line(ud, &ev);
}

static void
log_obj(void *ud, gcs_ev_kind kind, uint64_t obj, const gcs_site *site)
{
    gcs_event ev = {.kind = kind, .site = site};
    assert_string_equal(gcs_ev_describe(kind)->tags, "O");
    memcpy(&ev.u, &obj, sizeof obj);
    ((ev_log *)ud)->obj++;
    log_line(ud, &ev);
}

static void
log_ref_set(void *ud, uint64_t src, const char *slot, uint64_t dst, uint64_t old,
            const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_REF_SET, .site = site};
    ev.u.ref_set = (gcs_ev_ref_set){src, slot, dst, old};
    ((ev_log *)ud)->ref_set++;
    log_line(ud, &ev);
}

static void
log_ref_del(void *ud, uint64_t src, const char *slot, uint64_t old, const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_REF_DEL, .site = site};
    ev.u.ref_del = (gcs_ev_ref_del){src, slot, old};
    ((ev_log *)ud)->ref_del++;
    log_line(ud, &ev);
}

static void
log_alloc(void *ud, uint64_t obj, const char *type, uint64_t kind, uint64_t size,
          const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_ALLOC, .site = site};
    ev.u.alloc = (gcs_ev_alloc){obj, type, kind, size};
    ((ev_log *)ud)->alloc++;
    log_line(ud, &ev);
}

static void
log_label(void *ud, uint64_t obj, const char *text, const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_LABEL, .site = site};
    ev.u.label = (gcs_ev_label){obj, text};
    ((ev_log *)ud)->label++;
    log_line(ud, &ev);
}

static const gcs_hooks log_hooks = {log_event,   log_refcnt, log_obj,  log_ref_set,
                                    log_ref_del, log_alloc,  log_label};

/* Every narrow kind and some others: allocations with labels, list stores
 * and deletions, reference counts, a cycle the collector frees. */
static void
exercise(gcs_heap *h)
{
    gcs_obj *l, *a, *b, *x;
    OK(gcs_list_new(h, &l));
    OK(gcs_int_new(h, 100000, &a));
    OK(gcs_str_new(h, "spam", &b));
    OK(gcs_list_append(h, l, a));
    OK(gcs_list_append(h, l, b));
    OK(gcs_list_set(h, l, 0, b));
    gcs_incref(h, a);
    gcs_decref(h, a);
    OK(gcs_list_append(h, l, l)); /* a cycle */
    OK(gcs_list_del(h, l, 1));
    OK(gcs_list_pop(h, l, 0, &x));
    gcs_decref(h, x);
    OK(gcs_obj_set_internal(h, l));
    gcs_decref(h, a);
    gcs_decref(h, b);
    gcs_decref(h, l);
    size_t n = 0;
    OK(gcs_gc_collect(h, 2, &n));
    assert_true(n >= 1);
}

/* A heap (checked or not) with no hook at creation. */
static gcs_heap *
plain_heap(bool checked)
{
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    cfg.checked = checked;
    gcs_heap *h;
    OK(gcs_heap_new(&cfg, &h));
    return h;
}

static void
assert_same_log(const ev_log *a, const ev_log *b)
{
    assert_true(a->n == b->n);
    for (size_t i = 0; i < a->n; i++)
        assert_string_equal(a->lines[i], b->lines[i]);
}

/* The same program seen by the generic hook alone and through every narrow
 * hook: the same events in the same order, checked mode or not. */
static void
test_obj__narrow_hooks_see_what_the_event_hook_sees(void **state)
{
    (void)state;
    for (int checked = 0; checked < 2; checked++) {
        ev_log *gen = log_new(), *nar = log_new();
        gcs_heap *h1 = plain_heap(checked), *h2 = plain_heap(checked);
        OK(gcs_heap_set_hook(h1, log_event, gen));
        OK(gcs_heap_set_hooks(h2, &log_hooks, nar));
        exercise(h1);
        exercise(h2);
        gcs_heap_free(h1);
        gcs_heap_free(h2);
        assert_same_log(gen, nar);
        assert_true(gen->n > 40);
        assert_int_equal(log_narrow(gen), 0);
        /* each narrow entry took its events, the rest went to the event hook */
        assert_true(nar->refcnt > 0 && nar->obj > 0 && nar->ref_set > 0 && nar->ref_del > 0 &&
                    nar->alloc > 0 && nar->label > 0 && nar->generic > 0);
        assert_true((size_t)(log_narrow(nar) + nar->generic) == nar->n);
        log_free(gen);
        log_free(nar);
    }
}

/* Narrow hooks belong to the (event, ud) pair installed with them: another
 * ud for the same function, or another function, gets every event through
 * the event hook; NULL removes all; a NULL event hook is refused. */
static void
test_obj__narrow_hooks_stop_when_the_event_hook_is_replaced(void **state)
{
    (void)state;
    ev_log *l1 = log_new(), *l2 = log_new();
    gcs_heap *h = plain_heap(false);
    OK(gcs_heap_set_hooks(h, &log_hooks, l1));
    exercise(h);
    size_t n1 = l1->n;
    assert_true(log_narrow(l1) > 0);
    OK(gcs_heap_set_hook(h, log_event, l2)); /* same function, another ud */
    exercise(h);
    assert_true(l1->n == n1);
    assert_int_equal(log_narrow(l2), 0);
    assert_true(l2->generic > 40 && (size_t)l2->generic == l2->n);
    OK(gcs_heap_set_hooks(h, NULL, NULL));
    exercise(h);
    assert_true(l1->n == n1 && (size_t)l2->generic == l2->n);
    gcs_hooks bad = log_hooks;
    bad.event = NULL;
    assert_int_equal(gcs_heap_set_hooks(h, &bad, l1), GCS_EINVAL);
    assert_int_equal(gcs_heap_set_hooks(NULL, &log_hooks, l1), GCS_EINVAL);
    gcs_heap_free(h);
    assert_true(l1->n == n1);
    log_free(l1);
    log_free(l2);
}

/* gcs_config.hooks: installed by gcs_heap_new with hook_ud when hooks->event
 * is the config's hook (the boot events come through the event hook), else
 * ignored. */
static void
test_obj__config_hooks_are_installed_with_their_event_hook(void **state)
{
    (void)state;
    for (int match = 0; match < 2; match++) {
        ev_log *l = log_new();
        gcs_hooks hk = log_hooks;
        if (!match)
            hk.event = NULL; /* not the config's hook: narrow hooks ignored */
        gcs_config cfg;
        gcs_config_init(&cfg);
        cfg.no_env = true;
        cfg.hook = log_event;
        cfg.hook_ud = l;
        cfg.hooks = &hk;
        gcs_heap *h;
        OK(gcs_heap_new(&cfg, &h));
        assert_true(l->generic > 0); /* the boot events */
        exercise(h);
        gcs_heap_free(h);
        if (match)
            assert_true(l->refcnt > 0 && l->alloc > 0 && l->ref_set > 0);
        else
            assert_int_equal(log_narrow(l), 0);
        log_free(l);
    }
}

/* Every event of a cascade (the list's DECREF, its REF_DEL of the item, the
 * item's DECREF and FREE, the list's FREE) carries the site of the API call
 * that caused it, through the event hook and through the narrow hooks. */
static void
test_obj__cascade_events_carry_the_callers_site_through_every_hook(void **state)
{
    (void)state;
    for (int nar = 0; nar < 2; nar++) {
        ev_log *l = log_new();
        gcs_heap *h = plain_heap(false);
        gcs_obj *list, *item;
        OK(gcs_list_new(h, &list));
        OK(gcs_list_new(h, &item));
        OK(gcs_list_append(h, list, item));
        gcs_decref(h, item);
        if (nar)
            OK(gcs_heap_set_hooks(h, &log_hooks, l));
        else
            OK(gcs_heap_set_hook(h, log_event, l));
        int line = __LINE__ + 1;
        gcs_decref(h, list);
        OK(gcs_heap_set_hook(h, NULL, NULL));
        gcs_heap_free(h);
        char at[64];
        snprintf(at, sizeof at, "test_obj.c:%d (", line);
        assert_true(l->n >= 5);
        for (size_t i = 0; i < l->n; i++)
            if (strstr(l->lines[i], at) == NULL)
                fail_msg("event %zu has another site: %s", i, l->lines[i]);
        assert_true(nar ? l->refcnt >= 2 && l->obj >= 2 && l->ref_del >= 1
                        : l->generic == (long)l->n);
        log_free(l);
    }
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_obj__ids_are_unique_and_increasing),
        T(test_obj__refcounts_follow_incref_decref),
        T(test_obj__singletons_and_small_ints),
        T(test_obj__type_names_and_repr),
        T(test_obj__alloc_site_is_recorded),
        T(test_obj__heaps_coexist),
        T(test_obj__memory_layout),
        T(test_obj__slab_arrays_grow_and_survive_mode_switch),
        T(test_obj__user_data_is_16_aligned_in_slabs),
        T(test_obj__slab_reuses_empty_pools_lowest_first),
        T(test_obj__heap_check_covers_the_slab),
        T(test_obj__million_deep_chain_frees_in_constant_stack),
        T(test_obj__deep_instance_chain_frees_in_constant_stack),
        cmocka_unit_test(test_obj__narrow_hooks_see_what_the_event_hook_sees),
        cmocka_unit_test(test_obj__narrow_hooks_stop_when_the_event_hook_is_replaced),
        cmocka_unit_test(test_obj__config_hooks_are_installed_with_their_event_hook),
        cmocka_unit_test(test_obj__cascade_events_carry_the_callers_site_through_every_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
