/* tests/test_property.c — seeded random operations (GCS_SEED overrides the
 * seed, GCS_STEPS the number of steps, default 100,000; the seed is printed).
 * After every step: each live object's refcount equals the references held by
 * live objects + variables + the test's own references + the heap's own (gc.garbage,
 * gc.callbacks), and gcs_heap_check is clean. After every full collection no
 * tracked object is left that the roots can't reach. Automatic collections
 * run throughout (small thresholds). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

enum { N_HELD = 48, N_GLOBALS = 8 };

typedef struct world {
    gcs_heap *h;
    uint64_t rng;
    gcs_obj *held[N_HELD]; /* one owned reference per non-NULL slot */
    gcs_obj *cls;
    size_t frames;
} world;

static uint64_t
rnd(world *w)
{
    uint64_t x = w->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    w->rng = x;
    return x;
}

static size_t
pick(world *w, size_t n)
{
    return (size_t)(rnd(w) % n);
}

/* A held object of `kind` (or any kind for GCS_KIND__COUNT), or NULL. */
static gcs_obj *
held_of(world *w, gcs_kind kind)
{
    size_t start = pick(w, N_HELD);
    for (size_t k = 0; k < N_HELD; k++) {
        gcs_obj *o = w->held[(start + k) % N_HELD];
        if (o && (kind == GCS_KIND__COUNT || gcs_kind_of(o) == kind))
            return o;
    }
    return NULL;
}

static void
hold(world *w, gcs_obj *o)
{
    size_t i = pick(w, N_HELD);
    if (w->held[i])
        gcs_decref(w->h, w->held[i]);
    w->held[i] = o;
}

static gcs_obj *
new_atom(world *w)
{
    gcs_obj *o;
    if (rnd(w) & 1) {
        OK(gcs_int_new(w->h, (int64_t)pick(w, 600) - 100, &o));
    } else {
        char s[8];
        snprintf(s, sizeof s, "s%zu", pick(w, 20));
        OK(gcs_str_new(w->h, s, &o));
    }
    return o;
}

static void
op_new(world *w)
{
    gcs_heap *h = w->h;
    gcs_obj *o = NULL;
    switch (pick(w, 7)) {
    case 0:
        OK(gcs_list_new(h, &o));
        break;
    case 1:
        OK(gcs_dict_new(h, &o));
        break;
    case 2:
    case 3:
        OK(gcs_instance_new(h, w->cls, &o));
        break;
    case 4: {
        gcs_obj *items[3];
        size_t n = pick(w, 4);
        for (size_t i = 0; i < n; i++) {
            gcs_obj *x = held_of(w, GCS_KIND__COUNT);
            items[i] = x ? x : gcs_none(h);
        }
        OK(gcs_tuple_new(h, n, items, &o));
        break;
    }
    case 5:
        OK(gcs_wvdict_new(h, &o));
        break;
    default:
        o = new_atom(w);
        break;
    }
    hold(w, o);
}

static void
op_store(world *w)
{
    gcs_heap *h = w->h;
    gcs_obj *val = held_of(w, GCS_KIND__COUNT);
    if (!val)
        return;
    gcs_obj *l = held_of(w, GCS_KIND_LIST), *d = held_of(w, GCS_KIND_DICT);
    gcs_obj *in = held_of(w, GCS_KIND_INSTANCE);
    static const char *const names[] = {"a", "b", "c", "next"};
    switch (pick(w, 6)) {
    case 0:
        if (l)
            OK(gcs_list_append(h, l, val));
        break;
    case 1:
        if (l && gcs_list_len(h, l) > 0)
            OK(gcs_list_set(h, l, (ptrdiff_t)pick(w, gcs_list_len(h, l)), val));
        break;
    case 2:
        if (l && gcs_list_len(h, l) > 0)
            OK(gcs_list_pop(h, l, -1, NULL));
        break;
    case 3:
        if (d) {
            gcs_obj *k = rnd(w) & 1 ? new_atom(w) : NULL;
            int rc = gcs_dict_set(h, d, k ? k : val, val);
            assert_true(rc == 0 || rc == GCS_EUNHASHABLE);
            if (k)
                gcs_decref(h, k);
        }
        break;
    case 4:
        if (in)
            OK(gcs_attr_set(h, in, names[pick(w, 4)], val));
        break;
    default:
        if (in) {
            int rc = gcs_attr_del(h, in, names[pick(w, 4)]);
            assert_true(rc == 0 || rc == GCS_ENOTFOUND);
        }
        break;
    }
}

static void
op_roots(world *w)
{
    gcs_heap *h = w->h;
    char name[8];
    snprintf(name, sizeof name, "g%zu", pick(w, N_GLOBALS));
    gcs_obj *o = held_of(w, GCS_KIND__COUNT);
    switch (pick(w, 5)) {
    case 0:
        if (o)
            OK(gcs_global_set(h, name, o));
        break;
    case 1: {
        int rc = gcs_global_del(h, name);
        assert_true(rc == 0 || rc == GCS_ENOTFOUND);
        break;
    }
    case 2:
        if (w->frames < 3) {
            OK(gcs_frame_push(h, "f", NULL));
            w->frames++;
        }
        break;
    case 3:
        if (w->frames > 0) {
            OK(gcs_frame_pop(h));
            w->frames--;
        }
        break;
    default:
        if (o)
            OK(gcs_var_set(h, name, o));
        break;
    }
}

static void
op_weak(world *w)
{
    gcs_heap *h = w->h;
    gcs_obj *in = held_of(w, GCS_KIND_INSTANCE);
    if (!in)
        return;
    gcs_obj *wd = NULL;
    for (size_t k = 0; k < N_HELD && !wd; k++)
        if (w->held[k] && !strcmp(gcs_type_name(w->held[k]), "WeakValueDictionary"))
            wd = w->held[k];
    if (wd && (rnd(w) & 1)) {
        gcs_obj *k = new_atom(w);
        OK(gcs_wvdict_set(h, wd, k, in));
        gcs_decref(h, k);
    } else {
        gcs_obj *wr;
        OK(gcs_weakref_new(h, in, NULL, &wr));
        hold(w, wr);
    }
}

static void
step(world *w)
{
    size_t r = pick(w, 100);
    if (r < 22)
        op_new(w);
    else if (r < 55)
        op_store(w);
    else if (r < 70)
        op_roots(w);
    else if (r < 76)
        op_weak(w);
    else if (r < 92) {
        size_t i = pick(w, N_HELD);
        if (w->held[i]) {
            gcs_decref(w->h, w->held[i]);
            w->held[i] = NULL;
        }
    } else if (r < 96) {
        gcs_obj *o = held_of(w, GCS_KIND__COUNT);
        if (o) {
            gcs_incref(w->h, o);
            hold(w, o);
        }
    } else {
        size_t n;
        OK(gcs_gc_collect(w->h, (int)pick(w, 3), &n));
    }
}

/* {==================== Invariant checks ====================} */

typedef struct census {
    gcs_obj **objs;
    int64_t *refs;
    size_t n, cap;
} census;

static int
cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (gcs_obj *const *)a, y = (uintptr_t) * (gcs_obj *const *)b;
    return x < y ? -1 : x > y;
}

static long
find(census *c, gcs_obj *o)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((uintptr_t)c->objs[mid] < (uintptr_t)o)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n && c->objs[lo] == o ? (long)lo : -1;
}

static int
collect_obj(gcs_heap *h, gcs_obj *o, void *ud)
{
    (void)h;
    census *c = ud;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->objs = realloc(c->objs, c->cap * sizeof *c->objs);
        c->refs = realloc(c->refs, c->cap * sizeof *c->refs);
    }
    c->objs[c->n++] = o;
    return 0;
}

static void
count_ref(census *c, gcs_obj *o)
{
    long i = find(c, o);
    assert_true(i >= 0); /* every reference points to a live object */
    c->refs[i]++;
}

static int
ref_visit(gcs_obj *child, const char *slot, void *ud)
{
    (void)slot;
    count_ref(ud, child);
    return 0;
}

static int
root_visit(uint64_t fid, const char *fname, const char *var, gcs_obj *obj, void *ud)
{
    (void)fid;
    (void)fname;
    (void)var;
    count_ref(ud, obj);
    return 0;
}

static void
take_census(world *w, census *c)
{
    c->n = 0;
    OK(gcs_heap_foreach(w->h, collect_obj, c));
    qsort(c->objs, c->n, sizeof *c->objs, cmp_ptr);
    memset(c->refs, 0, c->n * sizeof *c->refs);
    for (size_t i = 0; i < c->n; i++)
        OK(gcs_obj_foreach_ref(w->h, c->objs[i], ref_visit, c));
    OK(gcs_heap_foreach_root(w->h, root_visit, c));
    for (size_t i = 0; i < N_HELD; i++)
        if (w->held[i])
            count_ref(c, w->held[i]);
    count_ref(c, w->cls);
    count_ref(c, gcs_gc_garbage(w->h));
    count_ref(c, gcs_gc_callbacks(w->h));
}

static void
check_refcounts(world *w, census *c, uint64_t stepno)
{
    take_census(w, c);
    for (size_t i = 0; i < c->n; i++) {
        int64_t rc = gcs_refcnt(c->objs[i]);
        if (rc > 100000000)
            continue; /* static singletons and cached ints */
        if (rc != c->refs[i])
            fail_msg("step %" PRIu64 ": %s #%" PRIu64 " has refcount %" PRId64 " but %" PRId64
                     " references",
                     stepno, gcs_type_name(c->objs[i]), gcs_id(c->objs[i]), rc, c->refs[i]);
    }
    if (gcs_heap_check(w->h) != 0)
        fail_msg("step %" PRIu64 ": %s", stepno, gcs_heap_errmsg(w->h));
}

typedef struct marker {
    census *c;
    char *mark;
    gcs_obj **stack;
    size_t sp;
} marker;

static void
push_root(marker *m, gcs_obj *o)
{
    long x = find(m->c, o);
    assert_true(x >= 0);
    if (!m->mark[x]) {
        m->mark[x] = 1;
        m->stack[m->sp++] = o;
    }
}

static int
mark_child(gcs_obj *child, const char *slot, void *ud)
{
    (void)slot;
    push_root(ud, child);
    return 0;
}

static int
mark_var(uint64_t fid, const char *fname, const char *var, gcs_obj *obj, void *ud)
{
    (void)fid;
    (void)fname;
    (void)var;
    push_root(ud, obj);
    return 0;
}

/* After a full collection every tracked object must be reachable from the
 * roots: variables, the test's references, the heap's own lists. */
static void
check_no_garbage(world *w, census *c, uint64_t stepno)
{
    take_census(w, c);
    marker m = {c, calloc(c->n ? c->n : 1, 1), malloc((c->n + 1) * sizeof(gcs_obj *)), 0};
    for (size_t i = 0; i < N_HELD; i++)
        if (w->held[i])
            push_root(&m, w->held[i]);
    push_root(&m, w->cls);
    push_root(&m, gcs_gc_garbage(w->h));
    push_root(&m, gcs_gc_callbacks(w->h));
    OK(gcs_heap_foreach_root(w->h, mark_var, &m));
    while (m.sp)
        OK(gcs_obj_foreach_ref(w->h, m.stack[--m.sp], mark_child, &m));
    for (size_t i = 0; i < c->n; i++)
        if (!m.mark[i] && gcs_gc_is_tracked(w->h, c->objs[i]))
            fail_msg("step %" PRIu64 ": unreachable %s #%" PRIu64 " survived a full collection",
                     stepno, gcs_type_name(c->objs[i]), gcs_id(c->objs[i]));
    free(m.mark);
    free(m.stack);
}

static void
test_property__random_operations_keep_invariants(void **state)
{
    gcs_heap *h = ((gcs_test_heap *)*state)->h;
    const char *env = getenv("GCS_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL);
    const char *senv = getenv("GCS_STEPS");
    uint64_t steps = senv ? strtoull(senv, NULL, 0) : 100000;
    printf("test_property: GCS_SEED=%" PRIu64 " steps=%" PRIu64 "\n", seed, steps);
    fflush(stdout);
    world w = {.h = h, .rng = seed ? seed : 1};
    gcs_class_def def = {.name = "Obj", .dynamic_attrs = true};
    OK(gcs_class_new(h, &def, &w.cls));
    OK(gcs_gc_set_threshold(h, 60, 5, 5));
    gcs_gc_enable(h);
    census c = {0};
    for (uint64_t s = 0; s < steps; s++) {
        step(&w);
        check_refcounts(&w, &c, s);
        if (s % 500 == 499) {
            size_t n;
            OK(gcs_gc_collect(h, 2, &n));
            check_no_garbage(&w, &c, s);
        }
    }
    for (size_t i = 0; i < N_HELD; i++)
        if (w.held[i])
            gcs_decref(h, w.held[i]);
    while (w.frames--)
        OK(gcs_frame_pop(h));
    gcs_decref(h, w.cls);
    free(c.objs);
    free(c.refs);
}

static int
setup_unchecked(void **state)
{
    int rc = gcs_test_heap_setup(state);
    if (rc == 0)
        rc = gcs_heap_set_checked(((gcs_test_heap *)*state)->h, false, GCS_ON_ERROR_CONTINUE);
    return rc;
}

/* Same walk without checked mode: slab-allocated objects, collector fast paths. */
static void
test_property__random_operations_unchecked(void **state)
{
    test_property__random_operations_keep_invariants(state);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_property__random_operations_keep_invariants,
                                        gcs_test_heap_setup, gcs_test_heap_teardown),
        cmocka_unit_test_setup_teardown(test_property__random_operations_unchecked, setup_unchecked,
                                        gcs_test_heap_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
