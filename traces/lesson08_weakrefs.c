/* traces/lesson08_weakrefs.c — Lesson 8: weak references.
 *
 *     class Node: pass
 *     root = Node(); root.children = [c1, c2, c3]; ci.parent = root      # strong
 *     del root            # nothing is freed: parent links make cycles
 *     gc.collect()
 *     root = Node(); ...  ci.parent = weakref.ref(root)                 # weak
 *     leaf = root.children[0]; del root   # freed by refcounting alone
 *     w = weakref.ref(obj, on_dead); del obj    # the callback fires
 *     a.b = b; b.a = a; a.wr = weakref.ref(b, cb); del a, b; gc.collect()
 *                         # 4 collected, cb never called
 *
 * A weak reference lets you reach an object without keeping it alive, so a
 * tree whose children point at their parent weakly has no cycles and is freed
 * by refcounting the moment its root goes. A weakref callback runs when the
 * referent dies, unless the weakref itself is part of the same garbage.
 * Start reading at lesson08_run().
 */
#include "lesson_util.h"

#define L08_CHILDREN 3

/* A weakref callback: cb(wr). Says what it sees. */
static int
l08_on_dead(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
            gcs_obj **result)
{
    (void)self;
    lesson *L = ud;
    gcs_obj *wr = nargs > 0 ? args[0] : NULL;
    STEPF(L, "callback on_dead(w) runs: w() is %s now, its referent is gone",
          wr && gcs_weakref_get(h, wr) ? "still set" : "None");
    *result = NULL;
    return 0;
}

/* root = Node() with L08_CHILDREN children whose .parent is root (strong) or a
 * weakref to root. Binds `root`; returns nothing. */
static void
l08_tree(lesson *L, bool weak)
{
    gcs_heap *h = L->h;
    gcs_obj *root = NEW(h, lesson_var(h, "Node"));
    lesson_watch(L, "root", root);
    BIND(h, "root", root);
    gcs_obj *children = NULL;
    MUST(gcs_list_new(h, &children));
    MUST(gcs_attr_set(h, root, "children", children));
    gcs_decref(h, children);
    static const char *const names[L08_CHILDREN] = {"child0", "child1", "child2"};
    for (int i = 0; i < L08_CHILDREN; i++) {
        gcs_obj *c = NEW(h, lesson_var(h, "Node"));
        lesson_watch(L, names[i], c);
        if (weak) {
            gcs_obj *wr = NULL;
            MUST(gcs_weakref_new(h, root, NULL, &wr));
            MUST(gcs_attr_set(h, c, "parent", wr));
            gcs_decref(h, wr);
        } else {
            MUST(gcs_attr_set(h, c, "parent", root));
        }
        MUST(gcs_list_append(h, children, c));
        gcs_decref(h, c);
    }
}

static void
l08_strong_tree(lesson *L)
{
    gcs_heap *h = L->h;
    l08_tree(L, false);
    STEP(L, "8.1 root = Node() with three children, each child.parent = root: every parent link "
            "closes a cycle (all tinted alike)");
    MUST(gcs_var_del(h, "root"));
    STEP(L, "8.2 del root: nothing is freed; root, its children list and the children keep each "
            "other alive");
    size_t n = COLLECT(h, 2);
    STEPF(L, "8.3 gc.collect() returned %zu: only the collector could free the tree", n);
}

static void
l08_weak_tree(lesson *L)
{
    gcs_heap *h = L->h;
    l08_tree(L, true);
    STEP(L, "8.4 the same tree, but child.parent = weakref.ref(root): weak links (dashed) do not "
            "count, so there are no cycles");
    gcs_obj *children = NULL, *leaf = NULL;
    MUST(gcs_attr_get(h, lesson_var(h, "root"), "children", &children));
    MUST(gcs_list_get(h, children, 0, &leaf));
    MUST(gcs_var_set(h, "leaf", leaf));
    STEP(L, "8.5 leaf = root.children[0]: a name for one child");
    MUST(gcs_var_del(h, "root"));
    STEP(L, "8.6 del root: root's refcount reached 0, so it was freed at once, its children list "
            "and the other two children with it; the weakrefs to root were cleared; no collector "
            "pass ran");
    gcs_obj *parent_ref = NULL;
    MUST(gcs_attr_get(h, lesson_var(h, "leaf"), "parent", &parent_ref));
    STEPF(L, "8.7 leaf survives (its name holds it), and leaf.parent() is %s",
          gcs_weakref_get(h, parent_ref) ? "still root" : "None");
    MUST(gcs_var_del(h, "leaf"));
}

static void
l08_callback(lesson *L)
{
    gcs_heap *h = L->h;
    gcs_obj *obj = NEW(h, lesson_var(h, "Node"));
    lesson_watch(L, "obj", obj);
    BIND(h, "obj", obj);
    gcs_obj *cb = NULL, *w = NULL;
    MUST(gcs_cfunc_new(h, "on_dead", l08_on_dead, L, NULL, &cb));
    BIND(h, "on_dead", cb);
    MUST(gcs_weakref_new(h, lesson_var(h, "obj"), lesson_var(h, "on_dead"), &w));
    lesson_watch(L, "w", w);
    BIND(h, "w", w);
    STEP(L, "8.8 obj = Node(); w = weakref.ref(obj, on_dead): a weakref with a callback");
    MUST(gcs_var_del(h, "obj"));
    STEP(L, "8.9 del obj: obj died by refcount; its weakref was cleared and on_dead(w) ran");
    MUST(gcs_var_del(h, "w"));
    MUST(gcs_var_del(h, "on_dead"));
}

static void
l08_weakref_in_garbage(lesson *L)
{
    gcs_heap *h = L->h;
    gcs_obj *a = NEW(h, lesson_var(h, "Node"));
    lesson_watch(L, "a", a);
    BIND(h, "a", a);
    gcs_obj *b = NEW(h, lesson_var(h, "Node"));
    lesson_watch(L, "b", b);
    BIND(h, "b", b);
    MUST(gcs_attr_set(h, a, "b", b));
    MUST(gcs_attr_set(h, b, "a", a));
    gcs_obj *cb = NULL, *wr = NULL;
    MUST(gcs_cfunc_new(h, "callback", l08_on_dead, L, NULL, &cb));
    MUST(gcs_weakref_new(h, b, cb, &wr));
    gcs_decref(h, cb); /* only the weakref holds the callback, like a lambda */
    lesson_watch(L, "wr_to_b", wr);
    MUST(gcs_attr_set(h, a, "wr_to_b", wr));
    gcs_decref(h, wr);
    STEP(L, "8.10 a.b = b; b.a = a; a.wr_to_b = weakref.ref(b, callback): the weakref and its "
            "callback live inside the cycle");
    MUST(gcs_var_del(h, "a"));
    MUST(gcs_var_del(h, "b"));
    size_t n = COLLECT(h, 2);
    STEPF(L,
          "8.11 del a, b; gc.collect() returned %zu (a, b, the weakref and its callback): the "
          "weakref was cleared but its callback did not run, because the weakref was garbage too",
          n);
}

static int
lesson08_run(lesson *L)
{
    lesson_hide_gc_lists(L);
    gcs_heap *h = L->h;
    STEP(L, "8.0 Lesson 8: weak references");
    BIND(h, "Node", CLASS(h, "Node", NULL, NULL));
    l08_strong_tree(L);
    l08_weak_tree(L);
    l08_callback(L);
    l08_weakref_in_garbage(L);
    return 0;
}

#ifndef LESSON_NO_MAIN
int
main(void)
{
    return lesson_main(lesson08_run);
}
#endif
