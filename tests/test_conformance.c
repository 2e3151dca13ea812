/* tests/test_conformance.c — the CPython 3.11 conformance scenarios
 * (/work/shared/reference/conformance/NN_*.py and their .expected output),
 * rewritten against the C API. Each test is named after its scenario number
 * and asserts the same observable results: collect() return values, the order
 * of finalizers and callbacks (recorded in a log buffer), resurrection,
 * gc.garbage, generations, counts, is_tracked, freeze.
 *
 * Not expressible here (inherently interpreter-specific), hence skipped:
 *   33_frame_cycle  — needs Python frame objects (sys._getframe) stored in a
 *                     local; gcscope frames are roots, not heap objects.
 *   35_class_cycle  — "collect: 6" counts CPython type internals (the type's
 *                     __dict__, __mro__ and __bases__ tuples and two getset
 *                     descriptors); gcscope classes have no such objects.
 * Partially expressed (noted in the test): 29 (no float/bytes/set/module
 * kinds), 49 (the 5 class-internal objects of 35 are not modelled, so the
 * expected 13 becomes 8). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

static char g_log[16384];

static void
logf_(const char *fmt, ...)
{
    size_t len = strlen(g_log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_log + len, sizeof g_log - len, fmt, ap);
    va_end(ap);
    len = strlen(g_log);
    if (len + 1 < sizeof g_log) {
        g_log[len] = '\n';
        g_log[len + 1] = '\0';
    }
}

static gcs_heap *
H(void **state)
{
    g_log[0] = '\0';
    return ((gcs_test_heap *)*state)->h;
}

static size_t
collect(gcs_heap *h, int gen)
{
    size_t n = 12345;
    OK(gcs_gc_collect(h, gen, &n));
    return n;
}

static void
start(gcs_heap *h)
{
    collect(h, 2);
    gcs_gc_disable(h);
}

static gcs_obj *
new_list(gcs_heap *h)
{
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    return l;
}

static gcs_obj *
new_class(gcs_heap *h, const char *name, gcs_finalize_fn fin, gcs_finalize_fn legacy)
{
    gcs_class_def def = {
        .name = name, .dynamic_attrs = true, .finalize = fin, .legacy_finalize = legacy};
    gcs_obj *c;
    OK(gcs_class_new(h, &def, &c));
    return c;
}

static gcs_obj *
new_inst(gcs_heap *h, gcs_obj *cls)
{
    gcs_obj *o;
    OK(gcs_instance_new(h, cls, &o));
    return o;
}

static void
set_str_attr(gcs_heap *h, gcs_obj *o, const char *attr, const char *s)
{
    gcs_obj *v;
    OK(gcs_str_new(h, s, &v));
    OK(gcs_attr_set(h, o, attr, v));
    gcs_decref(h, v);
}

static const char *
str_attr(gcs_heap *h, gcs_obj *o, const char *attr)
{
    gcs_obj *v;
    if (gcs_attr_get(h, o, attr, &v) != 0)
        return "?";
    return gcs_str_value(h, v);
}

/* Bind a new reference to a global and drop the creator's reference. */
static gcs_obj *
global_steal(gcs_heap *h, const char *name, gcs_obj *o)
{
    OK(gcs_global_set(h, name, o));
    gcs_decref(h, o);
    return o;
}

static gcs_obj *
global(gcs_heap *h, const char *name)
{
    gcs_obj *o = NULL;
    OK(gcs_var_get(h, name, &o));
    return o;
}

/* {==================== 01, 02, 04, 05, 06 ====================} */

static void
test_conformance__01_two_lists_cycle(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *a = global_steal(h, "a", new_list(h));
    gcs_obj *b = global_steal(h, "b", new_list(h));
    OK(gcs_list_append(h, a, b));
    OK(gcs_list_append(h, b, a));
    assert_true(gcs_gc_is_tracked(h, a) && gcs_gc_is_tracked(h, b));
    OK(gcs_global_del(h, "a"));
    OK(gcs_global_del(h, "b"));
    assert_int_equal(collect(h, 2), 2);
    assert_int_equal(collect(h, 2), 0);
    assert_int_equal(gcs_list_len(h, gcs_gc_garbage(h)), 0);
}

static void
test_conformance__02_self_ref_instance(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *A = global_steal(h, "A", new_class(h, "A", NULL, NULL));
    gcs_obj *a = global_steal(h, "a", new_inst(h, A));
    OK(gcs_attr_set(h, a, "me", a));
    assert_int_equal(gcs_refcnt(a), 2); /* Python prints 3: + getrefcount's argument */
    OK(gcs_global_del(h, "a"));
    assert_int_equal(collect(h, 2), 1); /* inline values: no dict object */
}

static void
test_conformance__04_getrefcount_basics(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *x = global_steal(h, "x", new_list(h));
    assert_int_equal(gcs_refcnt(x), 1);
    OK(gcs_global_set(h, "y", x));
    assert_int_equal(gcs_refcnt(x), 2);
    gcs_obj *holder = global_steal(h, "holder", new_list(h));
    OK(gcs_list_append(h, holder, x));
    OK(gcs_list_append(h, holder, x));
    assert_int_equal(gcs_refcnt(x), 4);
    OK(gcs_global_del(h, "holder"));
    OK(gcs_global_del(h, "y"));
    assert_int_equal(gcs_refcnt(x), 1);
    gcs_obj *one;
    OK(gcs_int_new(h, 1, &one));
    assert_true(gcs_refcnt(gcs_none(h)) > 1000);
    assert_true(gcs_refcnt(one) > 100000000);
    gcs_decref(h, one);
}

static int
fin_log_name(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)ud;
    logf_("__del__ %s", str_attr(h, self, "name"));
    return 0;
}

static void
test_conformance__05_refcount_immediate_del(void **state)
{
    gcs_heap *h = H(state);
    gcs_gc_disable(h);
    gcs_obj *A = global_steal(h, "A", new_class(h, "A", fin_log_name, NULL));
    gcs_obj *a = global_steal(h, "a", new_inst(h, A));
    set_str_attr(h, a, "name", "a");
    logf_("before del");
    OK(gcs_global_del(h, "a"));
    logf_("after del");
    gcs_obj *b = global_steal(h, "b", new_inst(h, A));
    set_str_attr(h, b, "name", "b");
    OK(gcs_global_set(h, "b", gcs_none(h)));
    logf_("end");
    assert_string_equal(g_log, "before del\n__del__ a\nafter del\n__del__ b\nend\n");
}

static int
fin_partner(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)ud;
    gcs_obj *other;
    const char *pn = gcs_attr_get(h, self, "other", &other) == 0 ? str_attr(h, other, "name") : "?";
    logf_("__del__ %s partner is %s", str_attr(h, self, "name"), pn);
    return 0;
}

static void
test_conformance__06_del_in_cycle(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *A = global_steal(h, "A", new_class(h, "A", fin_partner, NULL));
    gcs_obj *a = global_steal(h, "a", new_inst(h, A));
    gcs_obj *b = global_steal(h, "b", new_inst(h, A));
    set_str_attr(h, a, "name", "a");
    set_str_attr(h, b, "name", "b");
    OK(gcs_attr_set(h, a, "other", b));
    OK(gcs_attr_set(h, b, "other", a));
    OK(gcs_global_del(h, "a"));
    OK(gcs_global_del(h, "b"));
    size_t n = collect(h, 2);
    logf_("collect: %zu", n);
    assert_string_equal(g_log, "__del__ a partner is b\n__del__ b partner is a\ncollect: 2\n");
    assert_int_equal(gcs_list_len(h, gcs_gc_garbage(h)), 0);
}

/* {==================== 07, 10, 11, 12, 13 ====================} */

static int g_calls;

static int
fin_lazarus(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)ud;
    g_calls++;
    return gcs_list_append(h, global(h, "saved"), self);
}

static void
test_conformance__07_resurrection_from_del(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    g_calls = 0;
    gcs_obj *saved = global_steal(h, "saved", new_list(h));
    gcs_obj *L = global_steal(h, "Lazarus", new_class(h, "Lazarus", fin_lazarus, NULL));
    gcs_obj *x = new_inst(h, L);
    OK(gcs_attr_set(h, x, "me", x));
    gcs_decref(h, x);
    assert_int_equal(collect(h, 2), 0);
    assert_int_equal(g_calls, 1);
    assert_int_equal(gcs_list_len(h, saved), 1);
    gcs_obj *s0;
    OK(gcs_list_get(h, saved, 0, &s0));
    assert_true(gcs_gc_is_finalized(h, s0));
    OK(gcs_list_clear(h, saved));
    assert_int_equal(collect(h, 2), 1);
    assert_int_equal(g_calls, 1);
}

static int
fin_wr_is_none(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)self;
    (void)ud;
    logf_("__del__; wr() is None: %s", gcs_weakref_get(h, global(h, "wr")) ? "False" : "True");
    return 0;
}

static int
cb_ref_is_none(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
               gcs_obj **result)
{
    (void)self;
    (void)ud;
    assert_int_equal(nargs, 1);
    logf_("%s; ref() is None: %s", ud ? (const char *)ud : "callback",
          gcs_weakref_get(h, args[0]) ? "False" : "True");
    *result = NULL;
    return 0;
}

static gcs_obj *
new_cfunc(gcs_heap *h, const char *name, gcs_cfunc_fn fn, const void *ud, gcs_obj *bound)
{
    gcs_obj *f;
    OK(gcs_cfunc_new(h, name, fn, (void *)(uintptr_t)ud, bound, &f));
    return f;
}

static void
test_conformance__10_weakref_cb_to_cycle_member(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *Node = global_steal(h, "Node", new_class(h, "Node", fin_wr_is_none, NULL));
    gcs_obj *n = global_steal(h, "n", new_inst(h, Node));
    OK(gcs_attr_set(h, n, "self", n));
    gcs_obj *cb = global_steal(h, "cb", new_cfunc(h, "cb", cb_ref_is_none, NULL, NULL));
    gcs_obj *wr;
    OK(gcs_weakref_new(h, n, cb, &wr));
    global_steal(h, "wr", wr);
    OK(gcs_global_del(h, "n"));
    size_t c = collect(h, 2);
    logf_("collect: %zu", c);
    assert_string_equal(g_log, "callback; ref() is None: True\n__del__; wr() is None: True\n"
                               "collect: 1\n");
}

static int
cb_log(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud, gcs_obj **result)
{
    (void)h;
    (void)self;
    (void)args;
    (void)nargs;
    logf_("%s", (const char *)ud);
    *result = NULL;
    return 0;
}

static void
test_conformance__11_weakref_in_garbage_cb_not_called(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *Node = global_steal(h, "Node", new_class(h, "Node", NULL, NULL));
    gcs_obj *a = global_steal(h, "a", new_inst(h, Node));
    gcs_obj *b = global_steal(h, "b", new_inst(h, Node));
    OK(gcs_attr_set(h, a, "b", b));
    OK(gcs_attr_set(h, b, "a", a));
    gcs_obj *lam = new_cfunc(h, "<lambda>", cb_log, "callback called!", NULL);
    gcs_obj *wr;
    OK(gcs_weakref_new(h, b, lam, &wr));
    gcs_decref(h, lam);
    OK(gcs_attr_set(h, a, "wr_to_b", wr));
    gcs_decref(h, wr);
    OK(gcs_global_del(h, "a"));
    OK(gcs_global_del(h, "b"));
    assert_int_equal(collect(h, 2), 4); /* a, b, the weakref, the lambda */
    assert_string_equal(g_log, "");
}

static int
fin_wr_is_self(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)ud;
    logf_("__del__; wr() is self: %s",
          gcs_weakref_get(h, global(h, "wr")) == self ? "True" : "False");
    return 0;
}

static void
test_conformance__12_refcount_del_then_weakref_cb(void **state)
{
    gcs_heap *h = H(state);
    gcs_gc_disable(h);
    gcs_obj *Node = global_steal(h, "Node", new_class(h, "Node", fin_wr_is_self, NULL));
    gcs_obj *n = global_steal(h, "n", new_inst(h, Node));
    gcs_obj *lam = new_cfunc(h, "<lambda>", cb_ref_is_none, "callback", NULL);
    gcs_obj *wr;
    OK(gcs_weakref_new(h, n, lam, &wr));
    gcs_decref(h, lam);
    global_steal(h, "wr", wr);
    OK(gcs_global_del(h, "n"));
    logf_("end");
    assert_string_equal(g_log, "__del__; wr() is self: True\ncallback; ref() is None: True\nend\n");
}

static void
test_conformance__13_weakref_callback_order(void **state)
{
    static const char *const rc_names[3] = {"refcount-path cb 0", "refcount-path cb 1",
                                            "refcount-path cb 2"};
    static const char *const gc_names[3] = {"gc-path cb 0", "gc-path cb 1", "gc-path cb 2"};
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *A = global_steal(h, "A", new_class(h, "A", NULL, NULL));
    gcs_obj *o = global_steal(h, "o", new_inst(h, A));
    gcs_obj *refs = global_steal(h, "refs", new_list(h));
    for (int i = 0; i < 3; i++) {
        gcs_obj *lam = new_cfunc(h, "<lambda>", cb_log, rc_names[i], NULL), *wr;
        OK(gcs_weakref_new(h, o, lam, &wr));
        OK(gcs_list_append(h, refs, wr));
        gcs_decref(h, wr);
        gcs_decref(h, lam);
    }
    OK(gcs_global_del(h, "o"));
    gcs_obj *p = global_steal(h, "p", new_inst(h, A));
    OK(gcs_attr_set(h, p, "self", p));
    gcs_obj *refs2 = global_steal(h, "refs2", new_list(h));
    for (int i = 0; i < 3; i++) {
        gcs_obj *lam = new_cfunc(h, "<lambda>", cb_log, gc_names[i], NULL), *wr;
        OK(gcs_weakref_new(h, p, lam, &wr));
        OK(gcs_list_append(h, refs2, wr));
        gcs_decref(h, wr);
        gcs_decref(h, lam);
    }
    OK(gcs_global_del(h, "p"));
    size_t n = collect(h, 2);
    logf_("collect: %zu", n);
    assert_string_equal(g_log, "refcount-path cb 2\nrefcount-path cb 1\nrefcount-path cb 0\n"
                               "gc-path cb 2\ngc-path cb 1\ngc-path cb 0\ncollect: 1\n");
}

/* {==================== 15, 16, 18, 19, 20, 22, 23 ====================} */

static void
test_conformance__15_weakvaluedict_refcount_entry(void **state)
{
    gcs_heap *h = H(state);
    gcs_gc_disable(h);
    gcs_obj *Obj = global_steal(h, "Obj", new_class(h, "Obj", NULL, NULL));
    gcs_obj *cache, *k;
    OK(gcs_wvdict_new(h, &cache));
    global_steal(h, "cache", cache);
    gcs_obj *v = global_steal(h, "v", new_inst(h, Obj));
    OK(gcs_str_new(h, "k", &k));
    OK(gcs_wvdict_set(h, cache, k, v));
    gcs_decref(h, k);
    assert_int_equal(gcs_wvdict_len(h, cache), 1);
    OK(gcs_global_del(h, "v"));
    assert_int_equal(gcs_wvdict_len(h, cache), 0);
}

static void
test_conformance__16_gc_disable_leak(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *C = global_steal(h, "C", new_class(h, "C", NULL, NULL));
    long c0[3], c1[3];
    gcs_gc_get_count(h, c0);
    for (int i = 0; i < 1000; i++) {
        gcs_obj *c = new_inst(h, C);
        OK(gcs_attr_set(h, c, "me", c));
        OK(gcs_global_set(h, "c", c));
        gcs_decref(h, c);
    }
    OK(gcs_global_del(h, "c"));
    assert_false(gcs_gc_isenabled(h));
    gcs_gc_get_count(h, c1);
    assert_true(c1[0] - c0[0] >= 1000);
    assert_int_equal(collect(h, 2), 1000);
}

static long
count0(gcs_heap *h)
{
    long c[3];
    gcs_gc_get_count(h, c);
    return c[0];
}

static void
test_conformance__18_count0_alloc_minus_dealloc(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *C = global_steal(h, "C", new_class(h, "C", NULL, NULL));
    gcs_obj *objs = global_steal(h, "objs", new_list(h));
    gcs_obj *ls = global_steal(h, "ls", new_list(h));
    for (int i = 0; i < 10; i++) {
        OK(gcs_list_append(h, objs, gcs_none(h)));
        OK(gcs_list_append(h, ls, gcs_none(h)));
    }
    long c0 = count0(h);
    for (int i = 0; i < 10; i++) {
        gcs_obj *c = new_inst(h, C);
        OK(gcs_list_set(h, objs, i, c));
        gcs_decref(h, c);
    }
    long c1 = count0(h);
    for (int i = 0; i < 10; i++)
        OK(gcs_list_set(h, objs, i, gcs_none(h)));
    long c2 = count0(h);
    assert_int_equal(c1 - c0, 10);
    assert_int_equal(c2 - c1, -10);
    (void)ls;
}

/* The free-list part of 18 on its own, measuring c3 exactly where Python does. */
static void
test_conformance__18_lists_free_reuse(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *ls = global_steal(h, "ls", new_list(h));
    for (int i = 0; i < 10; i++)
        OK(gcs_list_append(h, ls, gcs_none(h)));
    for (int i = 0; i < 10; i++) {
        gcs_obj *l = new_list(h);
        OK(gcs_list_set(h, ls, i, l));
        gcs_decref(h, l);
    }
    for (int i = 0; i < 10; i++)
        OK(gcs_list_set(h, ls, i, gcs_none(h)));
    long c3 = count0(h);
    for (int i = 0; i < 10; i++) {
        gcs_obj *l = new_list(h);
        OK(gcs_list_set(h, ls, i, l));
        gcs_decref(h, l);
    }
    long c4 = count0(h);
    assert_int_equal(c4 - c3, 0);
}

static int
where(gcs_heap *h, gcs_obj *o)
{
    int found = -1;
    for (int g = 0; g < 3; g++) {
        gcs_obj *l;
        OK(gcs_gc_get_objects(h, g, &l));
        for (size_t i = 0; i < gcs_list_len(h, l); i++) {
            gcs_obj *x;
            OK(gcs_list_get(h, l, (ptrdiff_t)i, &x));
            if (x == o) {
                assert_int_equal(found, -1); /* in exactly one generation */
                found = g;
            }
        }
        gcs_decref(h, l);
    }
    assert_int_equal(found, gcs_gc_generation(h, o));
    return found;
}

static void
test_conformance__19_promotion_through_generations(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *l = global_steal(h, "l", new_list(h));
    OK(gcs_list_append(h, l, l));
    assert_int_equal(where(h, l), 0);
    collect(h, 0);
    assert_int_equal(where(h, l), 1);
    collect(h, 1);
    assert_int_equal(where(h, l), 2);
    collect(h, 2);
    assert_int_equal(where(h, l), 2);
    collect(h, 0);
    assert_int_equal(where(h, l), 2);
}

static void
counts12(gcs_heap *h, long c1, long c2)
{
    long c[3];
    gcs_gc_get_count(h, c);
    assert_int_equal(c[1], c1);
    assert_int_equal(c[2], c2);
}

static void
test_conformance__20_counts_after_generation_collects(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    global_steal(h, "x", new_list(h));
    collect(h, 0);
    counts12(h, 1, 0);
    collect(h, 0);
    counts12(h, 2, 0);
    collect(h, 1);
    counts12(h, 0, 1);
    collect(h, 2);
    counts12(h, 0, 0);
}

static long
info_get(gcs_heap *h, gcs_obj *info, const char *key)
{
    gcs_obj *k, *v;
    int64_t x = -1;
    OK(gcs_str_new(h, key, &k));
    if (gcs_dict_get(h, info, k, &v) == 0)
        OK(gcs_int_value(h, v, &x));
    gcs_decref(h, k);
    return (long)x;
}

static int
gc_cb_log(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
          gcs_obj **result)
{
    (void)self;
    (void)ud;
    assert_int_equal(nargs, 2);
    logf_("%s [('collected', %ld), ('generation', %ld), ('uncollectable', %ld)]",
          gcs_str_value(h, args[0]), info_get(h, args[1], "collected"),
          info_get(h, args[1], "generation"), info_get(h, args[1], "uncollectable"));
    *result = NULL;
    return 0;
}

static void
test_conformance__22_gc_callbacks_info(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *cb = new_cfunc(h, "cb", gc_cb_log, NULL, NULL);
    OK(gcs_list_append(h, gcs_gc_callbacks(h), cb));
    gcs_decref(h, cb);
    gcs_obj *a = new_list(h), *b = new_list(h);
    OK(gcs_list_append(h, a, b));
    OK(gcs_list_append(h, b, a));
    gcs_decref(h, a);
    gcs_decref(h, b);
    size_t n = collect(h, 1);
    OK(gcs_list_pop(h, gcs_gc_callbacks(h), 0, NULL));
    logf_("returned: %zu", n);
    assert_string_equal(g_log, "start [('collected', 0), ('generation', 1), ('uncollectable', 0)]\n"
                               "stop [('collected', 2), ('generation', 1), ('uncollectable', 0)]\n"
                               "returned: 2\n");
}

static void
test_conformance__23_debug_saveall(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    OK(gcs_gc_set_debug(h, GCS_DEBUG_SAVEALL));
    gcs_obj *a = new_list(h), *b, *ka;
    OK(gcs_dict_new(h, &b));
    OK(gcs_list_append(h, a, b));
    OK(gcs_str_new(h, "a", &ka));
    OK(gcs_dict_set(h, b, ka, a));
    gcs_decref(h, ka);
    gcs_decref(h, a);
    gcs_decref(h, b);
    size_t n = collect(h, 2);
    OK(gcs_gc_set_debug(h, 0));
    assert_int_equal(n, 2);
    gcs_obj *g = gcs_gc_garbage(h), *g0, *g1;
    assert_int_equal(gcs_list_len(h, g), 2);
    OK(gcs_list_get(h, g, 0, &g0));
    OK(gcs_list_get(h, g, 1, &g1));
    const char *t0 = gcs_type_name(g0), *t1 = gcs_type_name(g1);
    assert_true((!strcmp(t0, "dict") && !strcmp(t1, "list")) ||
                (!strcmp(t0, "list") && !strcmp(t1, "dict")));
    gcs_obj *lst = !strcmp(t0, "list") ? g0 : g1;
    assert_int_equal(gcs_list_len(h, lst), 1); /* still intact */
    OK(gcs_list_clear(h, g));
    assert_int_equal(collect(h, 2), 2);
}

/* {==================== 25, 27, 29, 30, 31 ====================} */

static int
legacy_log(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)h;
    (void)self;
    (void)ud;
    logf_("tp_del called");
    return 0;
}

static int
gc_cb_info(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
           gcs_obj **result)
{
    (void)self;
    (void)ud;
    (void)nargs;
    logf_("('%s', %ld, %ld)", gcs_str_value(h, args[0]), info_get(h, args[1], "collected"),
          info_get(h, args[1], "uncollectable"));
    *result = NULL;
    return 0;
}

static void
test_conformance__25_legacy_tp_del_uncollectable(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *Legacy = global_steal(h, "Legacy", new_class(h, "Legacy", NULL, legacy_log));
    gcs_obj *x = new_inst(h, Legacy), *wr;
    OK(gcs_attr_set(h, x, "me", x));
    OK(gcs_weakref_new(h, x, NULL, &wr));
    global_steal(h, "wr", wr);
    gcs_decref(h, x);
    gcs_obj *cb = new_cfunc(h, "<lambda>", gc_cb_info, NULL, NULL);
    OK(gcs_list_append(h, gcs_gc_callbacks(h), cb));
    gcs_decref(h, cb);
    size_t n = collect(h, 2);
    assert_int_equal(n, 1);
    assert_string_equal(g_log, "('start', 0, 0)\n('stop', 0, 1)\n");
    gcs_obj *g = gcs_gc_garbage(h), *g0;
    assert_int_equal(gcs_list_len(h, g), 1);
    OK(gcs_list_get(h, g, 0, &g0));
    assert_string_equal(gcs_type_name(g0), "Legacy");
    assert_ptr_equal(gcs_weakref_get(h, wr), x);
    g_log[0] = '\0';
    OK(gcs_list_clear(h, gcs_gc_callbacks(h)));
    OK(gcs_attr_set(h, g0, "me", gcs_none(h)));
    OK(gcs_list_clear(h, g));
    assert_null(gcs_weakref_get(h, wr));
    assert_string_equal(g_log, "tp_del called\n");
}

static gcs_obj *
tuple_of(gcs_heap *h, size_t n, gcs_obj *const items[])
{
    gcs_obj *t;
    OK(gcs_tuple_new(h, n, items, &t));
    return t;
}

static void
test_conformance__27_tuple_untracking(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *i1, *i2, *i3, *x, *lst = new_list(h);
    OK(gcs_int_new(h, 1, &i1));
    OK(gcs_int_new(h, 2, &i2));
    OK(gcs_int_new(h, 3, &i3));
    OK(gcs_str_new(h, "x", &x));
    /* (2, 3) is a compile-time constant in Python, hence untracked: make it so
     * with a collection before the scenario starts. */
    gcs_obj *inner = global_steal(h, "inner", tuple_of(h, 2, (gcs_obj *[]){i2, i3}));
    collect(h, 0);
    assert_false(gcs_gc_is_tracked(h, inner));
    gcs_obj *t1 = global_steal(h, "t1", tuple_of(h, 3, (gcs_obj *[]){i1, i2, x}));
    gcs_obj *t2 = global_steal(h, "t2", tuple_of(h, 2, (gcs_obj *[]){i1, lst}));
    gcs_obj *t3 = global_steal(h, "t3", tuple_of(h, 2, (gcs_obj *[]){i1, inner}));
    assert_true(gcs_gc_is_tracked(h, t1) && gcs_gc_is_tracked(h, t2) && gcs_gc_is_tracked(h, t3));
    collect(h, 0);
    assert_false(gcs_gc_is_tracked(h, t1));
    assert_true(gcs_gc_is_tracked(h, t2));
    assert_false(gcs_gc_is_tracked(h, t3));
    gcs_obj *empty = tuple_of(h, 0, NULL);
    assert_false(gcs_gc_is_tracked(h, empty));
    gcs_decref(h, empty);
    gcs_decref(h, i1);
    gcs_decref(h, i2);
    gcs_decref(h, i3);
    gcs_decref(h, x);
    gcs_decref(h, lst);
}

static void
test_conformance__29_is_tracked_table(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *one, *s, *ka, *d0, *d1, *d2, *l = new_list(h);
    OK(gcs_int_new(h, 1, &one));
    OK(gcs_str_new(h, "a", &s));
    OK(gcs_str_new(h, "a", &ka));
    OK(gcs_dict_new(h, &d0));
    OK(gcs_dict_new(h, &d1));
    OK(gcs_dict_set(h, d1, ka, one));
    OK(gcs_dict_new(h, &d2));
    gcs_obj *l2 = new_list(h);
    OK(gcs_dict_set(h, d2, ka, l2));
    gcs_decref(h, l2);
    gcs_obj *User = new_class(h, "User", NULL, NULL);
    gcs_class_def sdef = {.name = "Slots"}; /* __slots__ = () */
    gcs_obj *Slots, *fn = new_cfunc(h, "<lambda>", cb_log, "", NULL);
    OK(gcs_class_new(h, &sdef, &Slots));
    gcs_obj *u = new_inst(h, User), *sl = new_inst(h, Slots);
    assert_false(gcs_gc_is_tracked(h, gcs_none(h)));
    assert_false(gcs_gc_is_tracked(h, one));
    assert_false(gcs_gc_is_tracked(h, s));
    assert_true(gcs_gc_is_tracked(h, l));
    assert_false(gcs_gc_is_tracked(h, d0));
    assert_false(gcs_gc_is_tracked(h, d1));
    assert_true(gcs_gc_is_tracked(h, d2));
    assert_true(gcs_gc_is_tracked(h, u));
    assert_true(gcs_gc_is_tracked(h, sl));
    assert_true(gcs_gc_is_tracked(h, User));
    assert_true(gcs_gc_is_tracked(h, fn));
    gcs_obj *all[] = {one, s, ka, d0, d1, d2, l, User, Slots, fn, u, sl};
    for (size_t i = sizeof all / sizeof all[0]; i-- > 0;)
        gcs_decref(h, all[i]);
}

static int
fin_lazarus_global(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)ud;
    return gcs_global_set(h, "x", self);
}

static void
test_conformance__30_is_finalized(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    OK(gcs_global_set(h, "x", gcs_none(h)));
    gcs_obj *L = global_steal(h, "Lazarus", new_class(h, "Lazarus", fin_lazarus_global, NULL));
    gcs_obj *laz = global_steal(h, "laz", new_inst(h, L));
    assert_false(gcs_gc_is_finalized(h, laz));
    OK(gcs_global_del(h, "laz"));
    gcs_obj *x = global(h, "x");
    assert_ptr_equal(x, laz);
    assert_true(gcs_gc_is_finalized(h, x));
    gcs_obj *three;
    OK(gcs_int_new(h, 3, &three));
    assert_false(gcs_gc_is_finalized(h, three));
    gcs_decref(h, three);
}

static void
test_conformance__31_freeze(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *a = new_list(h), *l1, *l2;
    OK(gcs_list_append(h, a, a));
    gcs_decref(h, a);
    gcs_gc_freeze(h);
    assert_true(gcs_gc_get_freeze_count(h) > 0);
    long cnt[3];
    gcs_gc_get_count(h, cnt);
    assert_true(cnt[0] == 0 && cnt[1] == 0 && cnt[2] == 0); /* freeze zeroes every count */
    OK(gcs_gc_get_objects(h, 1, &l1));
    OK(gcs_gc_get_objects(h, 2, &l2));
    assert_int_equal(gcs_list_len(h, l1), 0);
    assert_int_equal(gcs_list_len(h, l2), 0);
    gcs_decref(h, l1);
    gcs_decref(h, l2);
    assert_int_equal(collect(h, 2), 0);
    gcs_gc_unfreeze(h);
    assert_int_equal(gcs_gc_get_freeze_count(h), 0);
    assert_int_equal(collect(h, 2), 1);
}

/* {==================== 36, 39, 44, 45, 46, 49 ====================} */

static void
test_conformance__36_refcount_chain_del_order(void **state)
{
    gcs_heap *h = H(state);
    gcs_gc_disable(h);
    gcs_obj *N = global_steal(h, "N", new_class(h, "N", fin_log_name, NULL));
    gcs_obj *c = new_inst(h, N), *b = new_inst(h, N), *a = new_inst(h, N);
    set_str_attr(h, c, "name", "c");
    OK(gcs_attr_set(h, c, "nxt", gcs_none(h)));
    set_str_attr(h, b, "name", "b");
    OK(gcs_attr_set(h, b, "nxt", c));
    set_str_attr(h, a, "name", "a");
    OK(gcs_attr_set(h, a, "nxt", b));
    gcs_decref(h, c);
    gcs_decref(h, b);
    global_steal(h, "head", a);
    OK(gcs_global_del(h, "head"));
    logf_("end");
    assert_string_equal(g_log, "__del__ a\n__del__ b\n__del__ c\nend\n");
}

static int
gc_cb_count(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
            gcs_obj **result)
{
    (void)h;
    (void)self;
    (void)args;
    (void)nargs;
    (*(int *)ud)++;
    *result = NULL;
    return 0;
}

static void
test_conformance__39_threshold_zero_disables(void **state)
{
    gcs_heap *h = H(state);
    collect(h, 2);
    gcs_gc_enable(h);
    OK(gcs_gc_set_threshold(h, 0, 10, 10));
    int events = 0;
    gcs_obj *cb = new_cfunc(h, "<lambda>", gc_cb_count, &events, NULL);
    OK(gcs_list_append(h, gcs_gc_callbacks(h), cb));
    gcs_decref(h, cb);
    gcs_obj *C = global_steal(h, "C", new_class(h, "C", NULL, NULL));
    global_steal(h, "junk", new_list(h));
    for (int i = 0; i < 5000; i++) {
        gcs_obj *c = new_inst(h, C);
        OK(gcs_attr_set(h, c, "me", c));
        OK(gcs_global_set(h, "c", c));
        gcs_decref(h, c);
    }
    OK(gcs_list_clear(h, gcs_gc_callbacks(h)));
    long t[3];
    gcs_gc_get_threshold(h, t);
    assert_true(gcs_gc_isenabled(h));
    assert_int_equal(t[0], 0);
    assert_int_equal(t[1], 10);
    assert_int_equal(events, 0);
    assert_true(count0(h) >= 5000);
    OK(gcs_gc_set_threshold(h, 700, 10, 10));
    assert_int_equal(collect(h, 2), 4999);
}

static void
test_conformance__44_trashcan_deep_nesting(void **state)
{
    gcs_heap *h = H(state);
    gcs_gc_disable(h);
    OK(gcs_global_set(h, "x", gcs_none(h)));
    for (int i = 0; i < 300000; i++) {
        gcs_obj *l = new_list(h);
        OK(gcs_list_append(h, l, global(h, "x")));
        OK(gcs_global_set(h, "x", l));
        gcs_decref(h, l);
    }
    size_t before = gcs_heap_live_objects(h);
    OK(gcs_global_del(h, "x"));
    assert_int_equal(before - gcs_heap_live_objects(h), 300000);
    assert_int_equal(collect(h, 2), 0);
}

static void
test_conformance__45_cross_generation_cycle(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *N = global_steal(h, "N", new_class(h, "N", NULL, NULL));
    gcs_obj *old = global_steal(h, "old", new_inst(h, N));
    collect(h, 2);
    assert_int_equal(gcs_gc_generation(h, old), 2);
    gcs_obj *young = global_steal(h, "young", new_inst(h, N));
    OK(gcs_attr_set(h, old, "peer", young));
    OK(gcs_attr_set(h, young, "peer", old));
    OK(gcs_global_del(h, "old"));
    OK(gcs_global_del(h, "young"));
    assert_int_equal(collect(h, 0), 0);
    assert_int_equal(collect(h, 1), 0);
    assert_int_equal(collect(h, 2), 2);
}

static void
test_conformance__46_api_edge_cases(void **state)
{
    gcs_heap *h = H(state);
    size_t n;
    gcs_obj *l;
    assert_int_equal(gcs_gc_collect(h, 3, &n), GCS_EINVAL);
    assert_string_equal(gcs_heap_errmsg(h), "invalid generation");
    assert_int_equal(gcs_gc_collect(h, -1, &n), GCS_EINVAL);
    assert_string_equal(gcs_heap_errmsg(h), "invalid generation");
    assert_int_equal(gcs_gc_get_objects(h, 3, &l), GCS_EINVAL);
    assert_string_equal(gcs_heap_errmsg(h), "generation parameter must be less than the number "
                                            "of available generations (3)");
    OK(gcs_gc_get_objects(h, -1, &l));
    assert_int_equal(gcs_kind_of(l), GCS_KIND_LIST);
    gcs_decref(h, l);
    assert_int_equal(gcs_gc_get_objects(h, -2, &l), GCS_EINVAL);
    assert_string_equal(gcs_heap_errmsg(h), "generation parameter cannot be negative");
    assert_int_equal(GCS_DEBUG_STATS, 1);
    assert_int_equal(GCS_DEBUG_COLLECTABLE, 2);
    assert_int_equal(GCS_DEBUG_UNCOLLECTABLE, 4);
    assert_int_equal(GCS_DEBUG_SAVEALL, 32);
    assert_int_equal(GCS_DEBUG_LEAK, 38);
    long t[3];
    gcs_gc_get_threshold(h, t);
    assert_true(t[0] == 700 && t[1] == 10 && t[2] == 10);
    OK(gcs_gc_set_threshold(h, 5, t[1], t[2]));
    gcs_gc_get_threshold(h, t);
    assert_true(t[0] == 5 && t[1] == 10 && t[2] == 10);
}

static int
method_cb(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
          gcs_obj **result)
{
    (void)self;
    (void)args;
    (void)nargs;
    (void)ud;
    *result = NULL;
    return gcs_list_append(h, global(h, "alist"), global(h, "cb_called"));
}

static int
safe_cb(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud, gcs_obj **result)
{
    (void)self;
    (void)args;
    (void)nargs;
    (void)ud;
    *result = NULL;
    return gcs_list_append(h, global(h, "alist"), global(h, "safe_called"));
}

static void
test_conformance__49_weakref_callbacks_on_callback(void **state)
{
    gcs_heap *h = H(state);
    start(h);
    gcs_obj *s1, *s2, *wr;
    OK(gcs_str_new(h, "cb called", &s1));
    OK(gcs_str_new(h, "safe_callback called", &s2));
    global_steal(h, "cb_called", s1);
    global_steal(h, "safe_called", s2);
    gcs_obj *alist = global_steal(h, "alist", new_list(h));
    gcs_obj *C = global_steal(h, "C", new_class(h, "C", NULL, NULL));
    gcs_obj *fn = new_cfunc(h, "cb", method_cb, NULL, NULL); /* the function in C's dict */
    OK(gcs_attr_set(h, C, "cb", fn));
    gcs_decref(h, fn);
    gcs_obj *c = global_steal(h, "c", new_inst(h, C));
    gcs_obj *d = global_steal(h, "d", new_inst(h, C));
    OK(gcs_attr_set(h, c, "other", d));
    OK(gcs_attr_set(h, d, "other", c));
    gcs_obj *callback = global_steal(h, "callback", new_cfunc(h, "cb", method_cb, NULL, c));
    OK(gcs_weakref_new(h, d, callback, &wr));
    OK(gcs_attr_set(h, c, "wr", wr));
    gcs_decref(h, wr);
    gcs_obj *dcb = new_cfunc(h, "cb", method_cb, NULL, d);
    OK(gcs_weakref_new(h, callback, dcb, &wr));
    gcs_decref(h, dcb);
    OK(gcs_attr_set(h, d, "wr", wr));
    gcs_decref(h, wr);
    gcs_obj *lam = new_cfunc(h, "<lambda>", safe_cb, NULL, NULL);
    OK(gcs_weakref_new(h, callback, lam, &wr));
    gcs_decref(h, lam);
    gcs_obj *external_wr = global_steal(h, "external_wr", wr);
    OK(gcs_global_del(h, "callback"));
    OK(gcs_global_del(h, "c"));
    OK(gcs_global_del(h, "d"));
    OK(gcs_global_del(h, "C"));
    /* CPython: 13 = these 8 + the 5 class internals of scenario 35 */
    assert_int_equal(collect(h, 2), 8);
    assert_int_equal(gcs_list_len(h, alist), 1);
    gcs_obj *first;
    OK(gcs_list_get(h, alist, 0, &first));
    assert_string_equal(gcs_str_value(h, first), "safe_callback called");
    assert_null(gcs_weakref_get(h, external_wr));
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

/* The same scenarios outside checked mode: objects then come from the slabs
 * and the collector takes its fast paths. */
static int
setup_unchecked(void **state)
{
    int rc = gcs_test_heap_setup(state);
    if (rc == 0)
        rc = gcs_heap_set_checked(((gcs_test_heap *)*state)->h, false, GCS_ON_ERROR_CONTINUE);
    return rc;
}
#define U(name) cmocka_unit_test_setup_teardown(name, setup_unchecked, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_conformance__01_two_lists_cycle),
        T(test_conformance__02_self_ref_instance),
        T(test_conformance__04_getrefcount_basics),
        T(test_conformance__05_refcount_immediate_del),
        T(test_conformance__06_del_in_cycle),
        T(test_conformance__07_resurrection_from_del),
        T(test_conformance__10_weakref_cb_to_cycle_member),
        T(test_conformance__11_weakref_in_garbage_cb_not_called),
        T(test_conformance__12_refcount_del_then_weakref_cb),
        T(test_conformance__13_weakref_callback_order),
        T(test_conformance__15_weakvaluedict_refcount_entry),
        T(test_conformance__16_gc_disable_leak),
        T(test_conformance__18_count0_alloc_minus_dealloc),
        T(test_conformance__18_lists_free_reuse),
        T(test_conformance__19_promotion_through_generations),
        T(test_conformance__20_counts_after_generation_collects),
        T(test_conformance__22_gc_callbacks_info),
        T(test_conformance__23_debug_saveall),
        T(test_conformance__25_legacy_tp_del_uncollectable),
        T(test_conformance__27_tuple_untracking),
        T(test_conformance__29_is_tracked_table),
        T(test_conformance__30_is_finalized),
        T(test_conformance__31_freeze),
        T(test_conformance__36_refcount_chain_del_order),
        T(test_conformance__39_threshold_zero_disables),
        T(test_conformance__44_trashcan_deep_nesting),
        T(test_conformance__45_cross_generation_cycle),
        T(test_conformance__46_api_edge_cases),
        T(test_conformance__49_weakref_callbacks_on_callback),
        U(test_conformance__01_two_lists_cycle),
        U(test_conformance__02_self_ref_instance),
        U(test_conformance__04_getrefcount_basics),
        U(test_conformance__05_refcount_immediate_del),
        U(test_conformance__06_del_in_cycle),
        U(test_conformance__07_resurrection_from_del),
        U(test_conformance__10_weakref_cb_to_cycle_member),
        U(test_conformance__11_weakref_in_garbage_cb_not_called),
        U(test_conformance__12_refcount_del_then_weakref_cb),
        U(test_conformance__13_weakref_callback_order),
        U(test_conformance__15_weakvaluedict_refcount_entry),
        U(test_conformance__16_gc_disable_leak),
        U(test_conformance__18_count0_alloc_minus_dealloc),
        U(test_conformance__18_lists_free_reuse),
        U(test_conformance__19_promotion_through_generations),
        U(test_conformance__20_counts_after_generation_collects),
        U(test_conformance__22_gc_callbacks_info),
        U(test_conformance__23_debug_saveall),
        U(test_conformance__25_legacy_tp_del_uncollectable),
        U(test_conformance__27_tuple_untracking),
        U(test_conformance__29_is_tracked_table),
        U(test_conformance__30_is_finalized),
        U(test_conformance__31_freeze),
        U(test_conformance__36_refcount_chain_del_order),
        U(test_conformance__39_threshold_zero_disables),
        U(test_conformance__44_trashcan_deep_nesting),
        U(test_conformance__45_cross_generation_cycle),
        U(test_conformance__46_api_edge_cases),
        U(test_conformance__49_weakref_callbacks_on_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
