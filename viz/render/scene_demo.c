/* viz/render/scene_demo.c — scenes built in code (see scene_demo.h).
 *
 * The classroom scene mirrors the classic lesson: `a = []; b = []; a.append(b);
 * b.append(a); del a; del b` leaves a cycle only the collector can free. The
 * random heap feeds the benchmark and the level-of-detail tests.
 */
#include "render/scene_demo.h"

#include <stdio.h>

#include "gcscope/errors.h"

#define TRY(x)                                                                                     \
    do {                                                                                           \
        if (!(x))                                                                                  \
            return GCS_ENOMEM;                                                                     \
    } while (0)

/* kind numbers follow gcs_kind: 2 int, 3 str, 4 tuple, 5 list, 6 dict, 8 instance, 9 weakref */
static int
add(gcs_scene *sc, gcs_layout *L, uint64_t id, int kind, const char *type, const char *label,
    int64_t rc, int lane, const char *site)
{
    gcs_sobj *o = gcs_scene_add_obj(sc, id, kind, type, label, rc, lane);
    if (o == NULL)
        return GCS_ENOMEM;
    o->site = gcs_scene_str(sc, site);
    return gcs_layout_place(L, id, lane, 0);
}

static int
classroom_objects(gcs_scene *sc, gcs_layout *L)
{
    int rc = 0;
    rc |= add(sc, L, 1, 5, "list", "[b]", 2, GCS_LANE_GEN0, "lesson.c:12 main");
    rc |= add(sc, L, 2, 5, "list", "[a]", 2, GCS_LANE_GEN0, "lesson.c:13 main");
    rc |= add(sc, L, 3, 5, "list", "[l]", 2, GCS_LANE_GEN0, "lesson.c:18 main");
    rc |= add(sc, L, 4, 6, "dict", "{'k': Node}", 1, GCS_LANE_GEN0, "lesson.c:21 main");
    rc |= add(sc, L, 5, 8, "Node", "Node(7)", 2, GCS_LANE_GEN0, "lesson.c:22 make_node");
    rc |= add(sc, L, 6, 9, "weakref", "-> Node", 1, GCS_LANE_UNTRACKED, "lesson.c:25 main");
    rc |= add(sc, L, 7, 8, "Node", "Node(3)", 1, GCS_LANE_GEN1, "lesson.c:30 build");
    rc |= add(sc, L, 8, 8, "Node", "Node(4)", 1, GCS_LANE_GEN1, "lesson.c:30 build");
    rc |= add(sc, L, 9, 4, "tuple", "(1, 'x')", 1, GCS_LANE_GEN2, "lesson.c:8 setup");
    rc |= add(sc, L, 10, 3, "str", "'spam'", 3, GCS_LANE_UNTRACKED, "lesson.c:9 setup");
    rc |= add(sc, L, 11, 2, "int", "42", 2, GCS_LANE_UNTRACKED, "lesson.c:9 setup");
    rc |= add(sc, L, 12, 6, "dict", "{'name': 'spam'}", 1, GCS_LANE_GEN2, "lesson.c:10 setup");
    return rc;
}

static int
classroom_edges(gcs_scene *sc, int variant)
{
    TRY(gcs_scene_add_edge(sc, 1, "[0]", 2, 0));
    TRY(gcs_scene_add_edge(sc, 2, "[0]", 1, 0));
    TRY(gcs_scene_add_edge(sc, 3, "[0]", 3, 0));
    TRY(gcs_scene_add_edge(sc, 4, "['k']", 5, 0));
    TRY(gcs_scene_add_edge(sc, 5, ".name", 10, 0));
    TRY(gcs_scene_add_edge(sc, 7, ".next", 8, 0));
    TRY(gcs_scene_add_edge(sc, 8, ".parent", 7, 0));
    TRY(gcs_scene_add_edge(sc, 9, "[1]", 10, 0));
    TRY(gcs_scene_add_edge(sc, 12, "['name']", 10, 0));
    TRY(gcs_scene_add_edge(sc, 9, "[0]", 11, 0));
    unsigned wf = GCS_SEDGE_WEAK;
    if (variant == 1)
        wf |= GCS_SEDGE_CLEARED | GCS_SEDGE_CALLBACK;
    if (variant != 3) /* 3: the step after the weakref was cleared */
        TRY(gcs_scene_add_edge(sc, 6, "weakref", 5, wf));
    return 0;
}

static int
classroom_roots(gcs_scene *sc)
{
    int mod = gcs_scene_add_frame(sc, "<module>");
    int fn = gcs_scene_add_frame(sc, "main()");
    if (mod < 0 || fn < 0)
        return GCS_ENOMEM;
    TRY(gcs_scene_add_var(sc, (uint32_t)mod, "config", 12));
    TRY(gcs_scene_add_var(sc, (uint32_t)mod, "SPAM", 10));
    TRY(gcs_scene_add_var(sc, (uint32_t)fn, "a", 1));
    TRY(gcs_scene_add_var(sc, (uint32_t)fn, "b", 2));
    TRY(gcs_scene_add_var(sc, (uint32_t)fn, "l", 3));
    TRY(gcs_scene_add_var(sc, (uint32_t)fn, "d", 4));
    TRY(gcs_scene_add_var(sc, (uint32_t)fn, "w", 6));
    TRY(gcs_scene_add_var(sc, (uint32_t)fn, "tree", 7));
    return 0;
}

static int
classroom_timeline(gcs_scene *sc)
{
    sc->n_events = 240;
    sc->cur_event = 131;
    TRY(gcs_scene_add_tl(sc, GCS_TL_MARKER, 20, 20, 0, "build two lists"));
    TRY(gcs_scene_add_tl(sc, GCS_TL_MARKER, 60, 60, 0, "a and b refer to each other"));
    TRY(gcs_scene_add_tl(sc, GCS_TL_PASS, 80, 104, 0, NULL));
    TRY(gcs_scene_add_tl(sc, GCS_TL_MARKER, 120, 120, 0, "del a, b: only the cycle keeps them"));
    TRY(gcs_scene_add_tl(sc, GCS_TL_PASS, 140, 170, 1, NULL));
    TRY(gcs_scene_add_tl(sc, GCS_TL_PASS, 200, 236, 2, NULL));
    TRY(gcs_scene_add_tl(sc, GCS_TL_LEAK, 238, 238, 0, "leak: Node #7"));
    TRY(gcs_scene_add_rc(sc, 22, 1, "lesson.c:22 make_node"));
    TRY(gcs_scene_add_rc(sc, 23, 2, "lesson.c:23 main"));
    TRY(gcs_scene_add_rc(sc, 25, 2, "lesson.c:25 main"));
    return 0;
}

static void
classroom_variant(gcs_scene *sc, int variant)
{
    sc->title = gcs_scene_str(sc, "lesson.gctrace");
    sc->caption = gcs_scene_str(sc, "a and b refer to each other");
    sc->event_text = gcs_scene_str(sc, "incref #2 (list) \xE2\x86\x92 rc 2");
    sc->event_site = gcs_scene_str(sc, "lesson.c:15 main");
    if (variant == 1) {
        sc->caption = gcs_scene_str(sc, "the Node is gone: its weakref snaps");
        sc->firing = gcs_scene_str(sc, "callback of weakref #6 runs");
    }
    if (variant == 2) {
        sc->in_pass = true;
        sc->pass_gen = 0;
        sc->pass_phase = gcs_scene_str(sc, "subtract_refs");
        static const int64_t refs[] = {0, 1, 1, 0, 1, 1};
        for (size_t i = 0; i < sc->n_objs; i++) {
            gcs_sobj *o = &sc->objs[i];
            if (o->lane != GCS_LANE_GEN0)
                continue;
            o->flags |= GCS_SOBJ_IN_PASS;
            o->gc_refs = refs[o->id % 6];
            o->gc_state = o->gc_refs > 0 ? 0 : 1;
        }
    }
}

int
gcs_demo_classroom(gcs_scene *sc, gcs_layout *L, int variant)
{
    int rc = classroom_objects(sc, L);
    if (rc == 0)
        rc = classroom_edges(sc, variant);
    if (rc == 0)
        rc = classroom_roots(sc);
    if (rc == 0)
        rc = classroom_timeline(sc);
    if (rc != 0)
        return rc < 0 ? rc : GCS_ENOMEM;
    classroom_variant(sc, variant);
    gcs_layout_finish(L, 1.6);
    gcs_layout_apply(L, sc);
    return gcs_scene_index(sc);
}

/* {==== Random heaps ====} */

static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static bool
is_atom(int kind)
{
    return kind == 2 || kind == 3;
}

int
gcs_demo_random(gcs_scene *sc, gcs_layout *L, size_t n, uint64_t seed)
{
    static const char *const types[] = {"list", "dict", "tuple", "Node",
                                        "str",  "int",  "set",   "Frame"};
    static const int kinds[] = {5, 6, 4, 8, 3, 2, 11, 8};
    uint64_t s = seed * 2654435761u + 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        int t = (int)(rnd(&s) % 8);
        uint64_t r = rnd(&s) % 10;
        int lane = is_atom(kinds[t]) ? GCS_LANE_UNTRACKED
                   : r < 5           ? GCS_LANE_GEN0
                   : r < 7           ? GCS_LANE_GEN1
                                     : GCS_LANE_GEN2;
        char label[32];
        snprintf(label, sizeof label, "%s %zu", types[t], i);
        if (!gcs_scene_add_obj(sc, i + 1, kinds[t], types[t], label, 1 + (int64_t)(r % 3), lane))
            return GCS_ENOMEM;
        int rc = gcs_layout_place(L, i + 1, lane, 0);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i + 1 < n; i++) {       /* forward references: no cycles ... */
        uint64_t src = i + 1, k = rnd(&s) % 4; /* 0..3 references, mean 1.5 */
        for (uint64_t j = 0; j < k; j++) {
            uint64_t span = n - src;
            uint64_t d = src + 1 + (rnd(&s) % 100 < 85 ? rnd(&s) % 16 : rnd(&s) % span) % span;
            char slot[16];
            snprintf(slot, sizeof slot, "[%llu]", (unsigned long long)j);
            if (!gcs_scene_add_edge(sc, src, slot, d, 0))
                return GCS_ENOMEM;
        }
        if (rnd(&s) % 100 == 0) { /* ... except 1% two-object cycles */
            if (!gcs_scene_add_edge(sc, src, ".next", src + 1, 0) ||
                !gcs_scene_add_edge(sc, src + 1, ".prev", src, 0))
                return GCS_ENOMEM;
        }
    }
    sc->n_events = n * 4;
    sc->cur_event = n * 2;
    sc->title = gcs_scene_strf(sc, "random heap, %zu objects", n);
    gcs_layout_finish(L, 1.6);
    gcs_layout_apply(L, sc);
    return gcs_scene_index(sc);
}
