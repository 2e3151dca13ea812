/* viz/render/scene_from_replay.c — the only viz file that reads the replay
 * API: opens a trace, walks it once to precompute the layout (every lane
 * change of every object, in event order), then builds a gcs_scene for any
 * event on demand.
 *
 * The load walk steps the replay cursor one event at a time, so lanes come
 * from the replay model itself (generation after each event), never from a
 * second interpretation of the events. Leaks come from the leak analysis
 * (gcscope/leaks.h), the same one `gcscope leaks` prints, and misuse from the
 * replay's error timeline. Interpreter-internal objects (INTERNAL events) are
 * left out, with their references, unless show_internal is on. Start at
 * load_walk().
 *
 * Big traces (see GCS_VTRACE_LAYOUT_EVENTS_MAX) skip the walk: the open pass
 * only counts the peak of live objects (on_event), and each scene places its
 * objects on demand (lanes packed in id order, gcs_layout_compact), so
 * opening costs the replay's own pass and memory stays O(live heap); their
 * aggregated states are summaries (scene_summary(): counts plus the objects
 * drawn in full), so a seek costs no scene entry per object either.
 */
#include "render/scene_from_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/leaks.h"
#include "gcscope/replay.h"
#include "gcscope/runtime.h"
#include "render/render.h"

typedef struct leak {
    uint64_t ev, obj;
    bool error; /* an ERROR event (misuse), else a leaked object at the end */
} leak;

typedef struct young_list {
    uint64_t *ids;
    size_t n, cap;
} young_list;

struct gcs_vtrace {
    gcs_replay *r;
    bool big;            /* no precomputed layout: positions placed per scene */
    bool stream;         /* the replay seeks backwards by replaying from event 0 */
    bool leaks_done;     /* find_leaks() ran (lazily in stream mode) */
    bool final_known;    /* final_ev set (final_state()) */
    uint64_t live_now;   /* open pass: ALLOC - FREE so far */
    uint64_t peak_live;  /* open pass: most objects alive at once */
    young_list young[2]; /* load walk only: ids in lanes gen0 / gen1 */
    gcs_layout *L;
    char name[256];
    double aspect;      /* of the view the layout was fitted to */
    bool show_internal; /* draw interpreter-internal objects too */
    leak *leaks;        /* leaked objects at the end, then misuse, by event */
    size_t n_leaks, cap_leaks;
    uint64_t final_ev;          /* the end state `gcscope leaks` reports on */
    uint64_t final_pos;         /* its replay position (final_ev + 1, or 0) */
    gcs_leak_report *final_rep; /* its analysis (NULL if it failed) */
    gcs_leak_report *cur_rep;   /* analysis of the state after cur_ev */
    uint64_t cur_ev;
    gcs_replay_rc_point *hist; /* refcount history of hist_id */
    size_t n_hist;
    uint64_t hist_id;
};

static int
lane_of_gen(int gen)
{
    switch (gen) {
    case 0:
        return GCS_LANE_GEN0;
    case 1:
        return GCS_LANE_GEN1;
    case 2:
        return GCS_LANE_GEN2;
    case GCS_REPLAY_GEN_PERMANENT:
        return GCS_LANE_FROZEN;
    default:
        return GCS_LANE_UNTRACKED;
    }
}

static bool
add_leak(gcs_vtrace *t, uint64_t ev, uint64_t obj, bool error)
{
    if (t->n_leaks == t->cap_leaks) {
        size_t cap = t->cap_leaks ? t->cap_leaks * 2 : 32;
        leak *p = realloc(t->leaks, cap * sizeof *p);
        if (p == NULL)
            return false;
        t->leaks = p;
        t->cap_leaks = cap;
    }
    t->leaks[t->n_leaks++] = (leak){ev, obj, error};
    return true;
}

/* {==== The load walk ====} */

/* The singletons None, True, False and () (immortal: a huge refcount, or
 * their kind) would only crowd the untracked lane; the viewer leaves them
 * out, and references to them with them. */
static bool
is_immortal(const gcs_replay_obj *o)
{
    return o->refcnt >= 100000000 || o->kind == GCS_KIND_NONE || o->kind == GCS_KIND_BOOL ||
           (o->kind == GCS_KIND_TUPLE && o->label != NULL && strcmp(o->label, "()") == 0);
}

/* Left out of the picture: the singletons, and interpreter-internal objects
 * unless asked for. */
static bool
hidden(const gcs_vtrace *t, const gcs_replay_obj *o)
{
    return is_immortal(o) || (o->internal && !t->show_internal);
}

/* Ids placed in the young lanes (generations 0 and 1) since their last
 * collection: the only objects a promotion can move. Kept so a promotion
 * costs O(young objects), not O(heap). May hold duplicates and dead ids. */
static bool
young_add(gcs_vtrace *t, int lane, uint64_t id)
{
    young_list *y = &t->young[lane];
    if (y->n == y->cap) {
        size_t cap = y->cap ? y->cap * 2 : 256;
        uint64_t *p = realloc(y->ids, cap * sizeof *p);
        if (p == NULL)
            return false;
        y->ids = p;
        y->cap = cap;
    }
    y->ids[y->n++] = id;
    return true;
}

/* Place `id` in the lane of generation `gen` from event i. */
static int
place(gcs_vtrace *t, uint64_t id, int gen, uint64_t i)
{
    int lane = lane_of_gen(gen);
    int rc = gcs_layout_place(t->L, id, lane, i);
    if (rc == 0 && lane <= GCS_LANE_GEN1 && !young_add(t, lane, id))
        rc = GCS_ENOMEM;
    return rc;
}

/* Place object `id` in the lane the replay says it is in after event i. */
static int
place_one(gcs_vtrace *t, uint64_t id, uint64_t i)
{
    gcs_replay_obj o;
    if (gcs_replay_object(t->r, id, &o) < 0 || !o.alive || hidden(t, &o))
        return 0;
    return place(t, id, o.gen, i);
}

/* After a promotion from generations 0..from: re-place their objects. */
static int
place_young(gcs_vtrace *t, unsigned from, uint64_t i)
{
    for (unsigned l = 0; l <= from && l <= GCS_LANE_GEN1; l++) {
        young_list old = t->young[l];
        memset(&t->young[l], 0, sizeof t->young[l]);
        int rc = 0;
        for (size_t k = 0; k < old.n && rc == 0; k++) {
            gcs_replay_obj o;
            if (gcs_replay_object(t->r, old.ids[k], &o) < 0 || !o.alive || hidden(t, &o))
                continue;
            int lane_now;
            double x, y;
            if (gcs_layout_pos(t->L, o.id, i, &x, &y, &lane_now) &&
                lane_now == lane_of_gen(o.gen) && lane_now != (int)l)
                continue; /* already moved (a duplicate entry) */
            rc = place(t, o.id, o.gen, i);
        }
        free(old.ids);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Re-place every alive object (freeze / unfreeze: rare). */
static int
place_all(gcs_vtrace *t, uint64_t i)
{
    size_t n = gcs_replay_n_objects(t->r);
    for (size_t k = 0; k < n; k++) {
        gcs_replay_obj o;
        if (gcs_replay_object_at(t->r, k, &o) < 0 || !o.alive || hidden(t, &o))
            continue;
        int rc = place(t, o.id, o.gen, i);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The replay state after event i (the walk moves the cursor only when it
 * needs the model: each seek compacts the model, O(heap)). */
static bool
seek_to(gcs_vtrace *t, uint64_t i)
{
    return gcs_replay_seek(t->r, i + 1) == 0;
}

static bool
alloc_is_atom(const gcs_ev_alloc *a)
{
    return a->kind == GCS_KIND_INT || a->kind == GCS_KIND_STR || a->kind == GCS_KIND_NONE ||
           a->kind == GCS_KIND_BOOL;
}

/* None, True, False and the empty tuple: left out (see is_immortal). */
static bool
alloc_is_singleton(const gcs_ev_alloc *a)
{
    return a->kind == GCS_KIND_NONE || a->kind == GCS_KIND_BOOL;
}

/* Generation a new object starts in: 0 if the very next event tracks it
 * (what the runtime does for containers: no slide from lane to lane), else
 * untracked until its TRACK event (then it slides, tagged "tracked"). */
static int
alloc_gen(gcs_vtrace *t, uint64_t i, const gcs_ev_alloc *a)
{
    gcs_event next;
    if (alloc_is_atom(a) || gcs_replay_event(t->r, i + 1, &next) < 0)
        return -1;
    return next.kind == GCS_EV_TRACK && next.u.track.obj == a->obj ? 0 : -1;
}

/* True if object `id`, allocated by event i, is marked internal by one of the
 * next few events (the runtime marks right after allocating and tracking):
 * hidden objects then never take a slot. */
static bool
marked_internal_soon(gcs_vtrace *t, uint64_t i, uint64_t id)
{
    if (t->show_internal)
        return false;
    for (uint64_t k = i + 1; k <= i + 3; k++) {
        gcs_event e;
        if (gcs_replay_event(t->r, k, &e) < 0)
            return false;
        if (e.kind == GCS_EV_INTERNAL && e.u.internal.obj == id)
            return true;
    }
    return false;
}

/* Track / untrack of an object the layout has placed (skips left-out ones). */
static int
place_known(gcs_vtrace *t, uint64_t id, int gen, uint64_t i)
{
    double x, y;
    int lane;
    if (!gcs_layout_pos(t->L, id, i, &x, &y, &lane))
        return 0;
    return place(t, id, gen, i);
}

/* What event i does to the layout. */
static int
layout_event(gcs_vtrace *t, uint64_t i, const gcs_event *e)
{
    switch (e->kind) {
    case GCS_EV_ALLOC:
        if (alloc_is_singleton(&e->u.alloc) || marked_internal_soon(t, i, e->u.alloc.obj))
            return 0;
        return place(t, e->u.alloc.obj, alloc_gen(t, i, &e->u.alloc), i);
    case GCS_EV_LABEL: /* the empty-tuple singleton shows itself by its label */
        if (e->u.label.text != NULL && strcmp(e->u.label.text, "()") == 0)
            return gcs_layout_remove(t->L, e->u.label.obj, i);
        return 0;
    case GCS_EV_FREE:
        return gcs_layout_remove(t->L, e->u.free.obj, i);
    case GCS_EV_TRACK:
        return place_known(t, e->u.track.obj, 0, i);
    case GCS_EV_UNTRACK:
        return place_known(t, e->u.untrack.obj, -1, i);
    case GCS_EV_RESURRECT:
        return seek_to(t, i) ? place_one(t, e->u.resurrect.obj, i) : GCS_ENOMEM;
    case GCS_EV_GC_PROMOTE:
        return seek_to(t, i) ? place_young(t, (unsigned)e->u.gc_promote.from, i) : GCS_ENOMEM;
    case GCS_EV_FREEZE:
    case GCS_EV_UNFREEZE:
        return seek_to(t, i) ? place_all(t, i) : GCS_ENOMEM;
    case GCS_EV_INTERNAL:
        return t->show_internal ? 0 : gcs_layout_remove(t->L, e->u.internal.obj, i);
    case GCS_EV_HEAP_END:
    case GCS_EV_ERROR:
    case GCS_EV_INCREF:
    case GCS_EV_DECREF:
    case GCS_EV_REF_SET:
    case GCS_EV_REF_DEL:
    case GCS_EV_FRAME_PUSH:
    case GCS_EV_FRAME_POP:
    case GCS_EV_VAR_SET:
    case GCS_EV_VAR_DEL:
    case GCS_EV_WEAKREF_NEW:
    case GCS_EV_WEAKREF_CLEAR:
    case GCS_EV_WEAKREF_CALLBACK:
    case GCS_EV_FINALIZE:
    case GCS_EV_GC_END:
    case GCS_EV_GC_BEGIN:
    case GCS_EV_GC_PHASE:
    case GCS_EV_GC_REFS:
    case GCS_EV_GC_STATE:
    case GCS_EV_GC_GARBAGE:
    case GCS_EV_GC_CONFIG:
    case GCS_EV_MARKER:
    case GCS_EV__COUNT:
        return 0;
    }
    return 0;
}

/* Walk the whole trace once and build the layout (again, after a change of
 * show_internal). */
static int
load_walk(gcs_vtrace *t)
{
    gcs_layout_free(t->L);
    t->L = NULL;
    int rc = gcs_layout_new(&t->L);
    uint64_t n = t->big ? 0 : gcs_replay_n_events(t->r);
    for (uint64_t i = 0; rc == 0 && i < n; i++) {
        gcs_event e;
        rc = gcs_replay_event(t->r, i, &e);
        if (rc == 0)
            rc = layout_event(t, i, &e);
    }
    for (int l = 0; l < 2; l++) {
        free(t->young[l].ids);
        memset(&t->young[l], 0, sizeof t->young[l]);
    }
    if (rc == 0)
        gcs_layout_finish(t->L, t->aspect);
    return rc;
}

/* The moment `gcscope leaks` reports on by default: the state just before
 * HEAP_END (what the in-process report sees at gcs_heap_free), else the end. */
static uint64_t
final_pos(gcs_vtrace *t)
{
    uint64_t n = gcs_replay_n_events(t->r);
    for (uint64_t i = n; i-- > 0;) {
        gcs_event e;
        if (gcs_replay_event(t->r, i, &e) != 0)
            break;
        if (e.kind == GCS_EV_HEAP_END)
            return i;
    }
    return n;
}

/* final_ev, found once (decodes from the end; the cursor does not move). */
static uint64_t
final_state(gcs_vtrace *t)
{
    if (!t->final_known) {
        t->final_pos = final_pos(t);
        t->final_ev = t->final_pos ? t->final_pos - 1 : 0;
        t->final_known = true;
    }
    return t->final_ev;
}

/* The leak list: misuse (ERROR events) in event order, and the objects the
 * leak analysis finds not reachable at the end state, at that state's event.
 * Runs once. An analysis that fails for want of memory fails the open (or,
 * when run lazily, shows no leaks); otherwise the trace simply shows none. */
static int
find_leaks(gcs_vtrace *t)
{
    if (t->leaks_done)
        return 0;
    t->leaks_done = true;
    (void)final_state(t);
    uint64_t pos = t->final_pos;
    int rc = gcs_leak_check_replay(t->r, pos, false, NULL, t->name, &t->final_rep);
    if (rc == GCS_ENOMEM)
        return rc;
    size_t ne = gcs_replay_n_errors(t->r), k = 0;
    for (; k < ne; k++) {
        gcs_replay_error e;
        if (gcs_replay_error_at(t->r, k, &e) < 0 || e.event > t->final_ev)
            break;
        if (e.obj != 0 && !add_leak(t, e.event, e.obj, true))
            return GCS_ENOMEM;
    }
    size_t no = t->final_rep ? gcs_leak_report_n_objects(t->final_rep) : 0;
    for (size_t j = 0; j < no; j++) {
        gcs_leak_object o;
        if (gcs_leak_report_object_at(t->final_rep, j, &o) == 0 && o.kind != GCS_LEAK_REACHABLE &&
            !add_leak(t, t->final_ev, o.id, false))
            return GCS_ENOMEM;
    }
    for (; k < ne; k++) {
        gcs_replay_error e;
        if (gcs_replay_error_at(t->r, k, &e) == 0 && e.obj != 0 &&
            !add_leak(t, e.event, e.obj, true))
            return GCS_ENOMEM;
    }
    return 0;
}

static bool show_internal_default; /* gcs_vtrace_default_show_internal() */
static uint64_t limit_events = GCS_VTRACE_LAYOUT_EVENTS_MAX; /* gcs_vtrace_layout_limits() */
static uint64_t limit_live = GCS_VTRACE_LAYOUT_LIVE_MAX;

void
gcs_vtrace_layout_limits(uint64_t max_events, uint64_t max_live)
{
    limit_events = max_events;
    limit_live = max_live;
}

/* The open pass's per-event hook: the peak of live objects, which decides
 * between the precomputed layout and placement on demand. */
static int
count_live(void *ud, uint64_t index, const gcs_event *ev)
{
    gcs_vtrace *t = ud;
    (void)index;
    if (ev->kind == GCS_EV_ALLOC && ++t->live_now > t->peak_live)
        t->peak_live = t->live_now;
    else if (ev->kind == GCS_EV_FREE && t->live_now > 0)
        t->live_now--;
    return 0;
}

/* A new handle (its replay still to open) for a trace called `name`. */
static gcs_vtrace *
vtrace_new(const char *name, double aspect, gcs_replay_opts *ro, bool stream)
{
    gcs_vtrace *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->aspect = aspect;
    t->cur_ev = UINT64_MAX;
    t->show_internal = show_internal_default;
    const char *slash = strrchr(name, '/');
    snprintf(t->name, sizeof t->name, "%s", slash ? slash + 1 : name);
    gcs_replay_opts_init(ro);
    ro->stream = stream;
    ro->on_event = count_live;
    ro->on_event_ud = t;
    return t;
}

/* Finish opening: `rc_open` is how opening t->r went. Small traces get the
 * precomputed layout; big ones an empty one (placement per scene). Leaks are
 * found now, or on first use in stream mode (where seeking back costs a
 * replay from event 0, so nothing moves the cursor before the first scene). */
static int
vtrace_open(gcs_vtrace *t, const char *name, bool stream, gcs_vtrace **out, char *errbuf,
            size_t errsize, int rc_open)
{
    *out = NULL;
    if (rc_open < 0) {
        snprintf(errbuf, errsize, "%s", gcs_replay_open_errmsg());
        free(t);
        return rc_open;
    }
    t->stream = stream;
    t->big = gcs_replay_n_events(t->r) > limit_events || t->peak_live > limit_live;
    int rc = load_walk(t);
    if (rc == 0 && !stream)
        rc = find_leaks(t);
    if (rc < 0) {
        snprintf(errbuf, errsize, "%s: %s", name, gcs_strerror(rc));
        gcs_vtrace_close(t);
        return rc;
    }
    *out = t;
    return 0;
}

static int
open_path(const char *path, double aspect, bool stream, gcs_vtrace **out, char *errbuf,
          size_t errsize)
{
    gcs_replay_opts ro;
    gcs_vtrace *t = vtrace_new(path, aspect, &ro, stream);
    *out = NULL;
    if (t == NULL)
        return GCS_ENOMEM;
    int rc = gcs_replay_open(path, &ro, &t->r);
    return vtrace_open(t, path, stream, out, errbuf, errsize, rc);
}

int
gcs_vtrace_open(const char *path, double aspect, gcs_vtrace **out, char *errbuf, size_t errsize)
{
    return open_path(path, aspect, false, out, errbuf, errsize);
}

int
gcs_vtrace_open_stream(const char *path, double aspect, gcs_vtrace **out, char *errbuf,
                       size_t errsize)
{
    return open_path(path, aspect, true, out, errbuf, errsize);
}

int
gcs_vtrace_open_mem(const void *data, size_t len, const char *name, double aspect, gcs_vtrace **out,
                    char *errbuf, size_t errsize)
{
    gcs_replay_opts ro;
    gcs_vtrace *t = vtrace_new(name, aspect, &ro, false);
    *out = NULL;
    if (t == NULL)
        return GCS_ENOMEM;
    int rc = gcs_replay_open_mem(data, len, name, &ro, &t->r);
    return vtrace_open(t, name, false, out, errbuf, errsize, rc);
}

bool
gcs_vtrace_big(const gcs_vtrace *t)
{
    return t->big;
}

void
gcs_vtrace_default_show_internal(bool on)
{
    show_internal_default = on;
}

bool
gcs_vtrace_show_internal(const gcs_vtrace *t)
{
    return t->show_internal;
}

int
gcs_vtrace_set_show_internal(gcs_vtrace *t, bool on)
{
    if (t->show_internal == on)
        return 0;
    t->show_internal = on;
    return load_walk(t);
}

void
gcs_vtrace_close(gcs_vtrace *t)
{
    if (t == NULL)
        return;
    gcs_replay_close(t->r);
    gcs_layout_free(t->L);
    free(t->young[0].ids);
    free(t->young[1].ids);
    gcs_replay_history_free(t->hist);
    gcs_leak_report_free(t->final_rep);
    gcs_leak_report_free(t->cur_rep);
    free(t->leaks);
    free(t);
}

uint64_t
gcs_vtrace_n_events(const gcs_vtrace *t)
{
    return gcs_replay_n_events(t->r);
}

const gcs_layout *
gcs_vtrace_layout(const gcs_vtrace *t)
{
    return t->L;
}

const char *
gcs_vtrace_name(const gcs_vtrace *t)
{
    return t->name;
}

/* {==== Scenes ====} */

static const char *
site_str(gcs_scene *sc, const gcs_site *s)
{
    if (s == NULL || s->file == NULL)
        return NULL;
    const char *f = strrchr(s->file, '/');
    return gcs_scene_strf(sc, "%s:%d %s", f ? f + 1 : s->file, s->line, s->func ? s->func : "");
}

/* {==== Value labels ====} */

#define VALUE_LABEL_ITEMS 8  /* containers with more items get no value label */
#define VALUE_LABEL_CHARS 28 /* longer labels end in "..." */

/* Append `s` to buf (cap bytes, NUL-terminated); false once it no longer fits. */
static bool
vl_put(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > cap)
        return false;
    memcpy(buf + *len, s, n + 1);
    *len += n;
    return true;
}

/* The value label of atom `id` (its LABEL text: `1`, `'spam'`), or NULL when
 * `id` is not an atom with a label. */
static const char *
atom_text(const gcs_vtrace *t, uint64_t id)
{
    gcs_replay_obj a;
    if (gcs_replay_object(t->r, id, &a) != 0 || a.label == NULL)
        return NULL;
    bool atom = a.kind == GCS_KIND_INT || a.kind == GCS_KIND_STR || a.kind == GCS_KIND_NONE ||
                a.kind == GCS_KIND_BOOL;
    return atom ? a.label : NULL;
}

/* A Python-like value label for a small list, tuple or dict whose items are
 * all atoms — `[1, 2, 3]`, `(1,)`, `{'k': 1}` — built from its references'
 * slots and the atoms' labels. The singletons and small ints are left out of
 * the picture (is_immortal), so without this the list of lesson 1 would show
 * no contents at all. Writes "" when the object has other items (their arrows
 * show them), more than VALUE_LABEL_ITEMS, or is not such a container. */
static void
value_label(const gcs_vtrace *t, const gcs_replay_obj *o, char *buf, size_t cap)
{
    buf[0] = '\0';
    bool list = o->kind == GCS_KIND_LIST, tuple = o->kind == GCS_KIND_TUPLE;
    bool dict = o->kind == GCS_KIND_DICT;
    if ((!list && !tuple && !dict) || o->n_refs_out > VALUE_LABEL_ITEMS || cap < 8)
        return;
    char tmp[VALUE_LABEL_ITEMS * 40 + 8];
    size_t len = 0;
    (void)vl_put(tmp, sizeof tmp, &len, list ? "[" : tuple ? "(" : "{");
    for (size_t k = 0; k < o->n_refs_out; k++) {
        gcs_replay_ref ref;
        const char *item;
        if (gcs_replay_ref_out(t->r, o->id, k, &ref) != 0 ||
            (item = atom_text(t, ref.dst)) == NULL)
            return;
        char part[40];
        if (dict) { /* slot "['k']": the key is between the brackets */
            size_t sl = ref.slot ? strlen(ref.slot) : 0;
            if (sl < 3 || ref.slot[0] != '[' || ref.slot[sl - 1] != ']')
                return;
            snprintf(part, sizeof part, "%s%.*s: %s", k ? ", " : "", (int)(sl - 2), ref.slot + 1,
                     item);
        } else {
            snprintf(part, sizeof part, "%s%s", k ? ", " : "", item);
        }
        if (!vl_put(tmp, sizeof tmp, &len, part))
            return;
    }
    (void)vl_put(tmp, sizeof tmp, &len, tuple && o->n_refs_out == 1 ? ",)" : tuple ? ")" : list ? "]" : "}");
    if (len > VALUE_LABEL_CHARS && VALUE_LABEL_CHARS + 1 < sizeof tmp)
        memcpy(tmp + VALUE_LABEL_CHARS - 3, "...", 4);
    snprintf(buf, cap, "%s", tmp);
}

/* Add replay object o to the scene as it is at event ev. NULL on ENOMEM. */
static gcs_sobj *
add_sobj(gcs_vtrace *t, gcs_scene *sc, const gcs_replay_obj *o, uint64_t ev, uint64_t inspect)
{
    char vl[VALUE_LABEL_CHARS + 1] = "";
    if (o->label == NULL)
        value_label(t, o, vl, sizeof vl);
    gcs_sobj *s = gcs_scene_add_obj(sc, o->id, (int)o->kind, o->type, o->label ? o->label : vl,
                                    o->refcnt, lane_of_gen(o->gen));
    if (s == NULL)
        return NULL;
    if (o->alloc_site != NULL) /* formatted only for the inspector: 100k snprintfs add up */
        s->flags |= GCS_SOBJ_SITED;
    if (o->id == inspect || inspect == UINT64_MAX)
        s->site = site_str(sc, o->alloc_site);
    s->flags |= o->alive ? 0 : GCS_SOBJ_FREED;
    s->flags |= o->alloc_event == ev ? GCS_SOBJ_NEW : 0;
    s->flags |= o->in_garbage ? GCS_SOBJ_GARBAGE : 0;
    s->flags |= o->internal ? GCS_SOBJ_INTERNAL : 0;
    if (o->in_pass) {
        s->flags |= GCS_SOBJ_IN_PASS;
        s->gc_refs = o->gc_refs;
        s->gc_state = o->gc_state;
    }
    int lane_now, lane_before;
    double x, y;
    if (!t->big && ev > 0 && gcs_layout_pos(t->L, o->id, ev, &x, &y, &lane_now) &&
        gcs_layout_pos(t->L, o->id, ev - 1, &x, &y, &lane_before) && lane_now != lane_before) {
        s->flags |= GCS_SOBJ_MOVED;
        s->prev_lane = lane_before;
    }
    return s;
}

/* Objects of the state: alive ones, and those freed by this very event. */
static int
scene_objects(gcs_vtrace *t, uint64_t ev, uint64_t inspect, gcs_scene *sc)
{
    size_t n = gcs_replay_n_objects(t->r);
    if (gcs_scene_reserve_objs(sc, n) < 0)
        return GCS_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        gcs_replay_obj o;
        if (gcs_replay_object_at(t->r, k, &o) < 0 || (!o.alive && o.free_event != ev) ||
            hidden(t, &o))
            continue;
        if (add_sobj(t, sc, &o, ev, inspect) == NULL)
            return GCS_ENOMEM;
    }
    return 0;
}

/* The leak analysis of the state after event ev: the end state's (computed
 * at open) from there on; before it, computed for this event (cached) while
 * the heap is small enough to do so at every step; NULL otherwise. */
static const gcs_leak_report *
leak_report_at(gcs_vtrace *t, uint64_t ev)
{
    if (ev >= final_state(t)) {
        (void)find_leaks(t);
        return t->final_rep;
    }
    if (t->cur_rep != NULL && t->cur_ev == ev)
        return t->cur_rep;
    gcs_leak_report_free(t->cur_rep);
    t->cur_rep = NULL;
    t->cur_ev = UINT64_MAX;
    if (gcs_replay_n_alive(t->r) > GCS_VTRACE_LEAK_LIVE_MAX ||
        gcs_leak_check_replay(t->r, ev + 1, false, NULL, t->name, &t->cur_rep) != 0)
        return NULL;
    t->cur_ev = ev;
    return t->cur_rep;
}

/* Refcount of object id in the scene (1 if not in it). */
static int64_t
scene_refcnt(const gcs_scene *sc, uint64_t id)
{
    for (size_t k = 0; k < sc->n_objs; k++)
        if (sc->objs[k].id == id)
            return sc->objs[k].refcnt;
    return 1;
}

/* No strong reference and no variable points at `id` in the scene (in a
 * summarised scene, whose edges are only those of the objects in full: no
 * strong reference from a shown object in the replay state). */
static bool
unreferenced(gcs_vtrace *t, const gcs_scene *sc, uint64_t id)
{
    for (size_t k = 0; k < sc->n_vars; k++)
        if (sc->vars[k].obj == id)
            return false;
    if (sc->sum.on) {
        gcs_replay_obj o, src;
        gcs_replay_ref ref;
        for (size_t k = 0; gcs_replay_object(t->r, id, &o) == 0 && k < o.n_refs_in; k++)
            if (gcs_replay_ref_in(t->r, id, k, &ref) == 0 &&
                gcs_replay_object(t->r, ref.src, &src) == 0 && src.alive && !hidden(t, &src))
                return false;
        return true;
    }
    for (size_t k = 0; k < sc->n_edges; k++)
        if (sc->edges[k].dst == id && !(sc->edges[k].flags & GCS_SEDGE_WEAK))
            return false;
    return true;
}

static bool
owned_by_kind(const gcs_leak_report *rep, uint64_t owner, gcs_leak_kind kind)
{
    gcs_leak_object o;
    return gcs_leak_report_object(rep, owner, &o) == 0 && o.kind == kind;
}

/* Mark each object with the class the leak analysis gave it. Before the end
 * state only cyclic garbage (and what it alone keeps alive) and reference
 * leaks that nothing at all refers to are marked: in the middle of a run the
 * references C code holds in its locals look to the analysis like reference
 * leaks. Not marked either:
 * anything during a collector pass (the pass colours say what the collector
 * decides, and a running __del__ holds a reference of its own), and objects
 * being deallocated (refcount 0: a finalizer runs inside their decref) with
 * what only they keep alive. */
static void
scene_leaks(gcs_vtrace *t, uint64_t ev, gcs_scene *sc)
{
    const gcs_leak_report *rep = sc->in_pass ? NULL : leak_report_at(t, ev);
    if (rep == NULL)
        return;
    for (size_t k = 0; k < sc->n_objs; k++) {
        gcs_sobj *s = &sc->objs[k];
        gcs_leak_object lo;
        if ((s->flags & GCS_SOBJ_FREED) || s->refcnt <= 0 ||
            gcs_leak_report_object(rep, s->id, &lo) != 0 || lo.kind == GCS_LEAK_REACHABLE ||
            lo.kind == GCS_LEAK_ERROR ||
            (lo.kind == GCS_LEAK_INDIRECT && scene_refcnt(sc, lo.owner) <= 0))
            continue;
        if (rep != t->final_rep && lo.kind != GCS_LEAK_CYCLE &&
            !(lo.kind == GCS_LEAK_INDIRECT && owned_by_kind(rep, lo.owner, GCS_LEAK_CYCLE)) &&
            !(lo.kind == GCS_LEAK_REFLEAK && unreferenced(t, sc, s->id)) &&
            !(lo.kind == GCS_LEAK_INDIRECT && owned_by_kind(rep, lo.owner, GCS_LEAK_REFLEAK) &&
              unreferenced(t, sc, lo.owner)))
            continue; /* mid-run, C code's own references look like leaks */
        s->leak = (int)lo.kind;
        s->leak_key = lo.kind == GCS_LEAK_INDIRECT ? lo.owner : lo.cycle;
        s->flags |= GCS_SOBJ_LEAK;
    }
}

/* {==== Summaries of big states ====} */

/* Sorted ids the aggregated view draws in full whatever they are: the
 * variables' objects, the inspected object and its neighbours, the object
 * the current ERROR names. */
typedef struct id_set {
    uint64_t *ids;
    size_t n;
} id_set;

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int
summary_wanted(gcs_vtrace *t, uint64_t inspect, const gcs_event *cur, id_set *w)
{
    size_t nf = gcs_replay_n_frames(t->r), cap = 2;
    gcs_replay_obj io;
    bool has_insp = inspect != 0 && gcs_replay_object(t->r, inspect, &io) == 0;
    for (size_t f = 0; f < nf; f++) {
        gcs_replay_frame fr;
        if (gcs_replay_frame_at(t->r, f, &fr) == 0)
            cap += fr.n_vars;
    }
    cap += has_insp ? io.n_refs_out + io.n_refs_in : 0;
    w->n = 0;
    w->ids = malloc(cap * sizeof *w->ids);
    if (w->ids == NULL)
        return GCS_ENOMEM;
    for (size_t f = 0; f < nf; f++) {
        gcs_replay_frame fr;
        gcs_replay_var v;
        for (size_t k = 0; gcs_replay_frame_at(t->r, f, &fr) == 0 && k < fr.n_vars; k++)
            if (gcs_replay_var_at(t->r, f, k, &v) == 0 && v.obj != 0 && w->n < cap)
                w->ids[w->n++] = v.obj;
    }
    if (has_insp) {
        w->ids[w->n++] = inspect;
        gcs_replay_ref ref;
        for (size_t k = 0; k < io.n_refs_out && w->n < cap; k++)
            if (gcs_replay_ref_out(t->r, inspect, k, &ref) == 0)
                w->ids[w->n++] = ref.dst;
        for (size_t k = 0; k < io.n_refs_in && w->n < cap; k++)
            if (gcs_replay_ref_in(t->r, inspect, k, &ref) == 0)
                w->ids[w->n++] = ref.src;
    }
    if (cur->kind == GCS_EV_ERROR && cur->u.error.obj != 0 && w->n < cap)
        w->ids[w->n++] = cur->u.error.obj;
    qsort(w->ids, w->n, sizeof *w->ids, cmp_u64);
    return 0;
}

static bool
id_in(const id_set *w, uint64_t id)
{
    return bsearch(&id, w->ids, w->n, sizeof *w->ids, cmp_u64) != NULL;
}

/* Counting state of one summary walk. */
typedef struct sum_walk {
    const char *last_type; /* replay type names are interned: equal, same pointer */
    uint32_t last_ix;
    size_t n_cyc, n_leak; /* objects in full for each reason, each capped */
    const gcs_leak_report *rep;
} sum_walk;

static uint32_t
sum_type(gcs_scene *sc, sum_walk *w, const char *type)
{
    if (type != w->last_type) {
        w->last_ix = gcs_scene_type_ix(sc, type);
        w->last_type = type;
    }
    return w->last_ix;
}

/* True if `dst`'s strong references (the first 64) include `id`. */
static bool
refers_back(gcs_vtrace *t, const gcs_replay_obj *dst, uint64_t id)
{
    gcs_replay_ref ref;
    for (size_t k = 0; k < dst->n_refs_out && k < 64; k++)
        if (gcs_replay_ref_out(t->r, dst->id, k, &ref) == 0 && ref.dst == id)
            return true;
    return false;
}

/* Count o's strong references by group; *cyc: o is in a self-loop or a
 * 2-cycle (longer cycles would need an SCC search over the whole heap). */
static int
sum_refs(gcs_vtrace *t, gcs_scene *sc, sum_walk *w, const gcs_replay_obj *o, uint32_t ta, bool *cyc)
{
    *cyc = false;
    for (size_t j = 0; j < o->n_refs_out; j++) {
        gcs_replay_ref ref;
        gcs_replay_obj d;
        if (gcs_replay_ref_out(t->r, o->id, j, &ref) < 0 ||
            gcs_replay_object(t->r, ref.dst, &d) < 0 || !d.alive || hidden(t, &d))
            continue;
        uint32_t tb = sum_type(sc, w, d.type);
        if (tb == UINT32_MAX ||
            gcs_scene_sum_ref(sc, lane_of_gen(o->gen), ta, lane_of_gen(d.gen), tb) < 0)
            return GCS_ENOMEM;
        if (!*cyc && w->n_cyc < GCS_RENDER_FULL_MAX)
            *cyc = d.id == o->id || refers_back(t, &d, o->id);
    }
    return 0;
}

/* A leak the view outlines (see scene_leaks), at most FULL_MAX of them. */
static bool
sum_leak(sum_walk *w, const gcs_replay_obj *o)
{
    gcs_leak_object lo;
    return w->rep != NULL && w->n_leak < GCS_RENDER_FULL_MAX && o->refcnt > 0 &&
           gcs_leak_report_object(w->rep, o->id, &lo) == 0 && lo.kind != GCS_LEAK_REACHABLE &&
           lo.kind != GCS_LEAK_ERROR;
}

/* The state after event ev, summarised (a big trace's aggregated view):
 * every object counted, only the ones drawn in full added. */
static int
scene_summary(gcs_vtrace *t, uint64_t ev, uint64_t inspect, const gcs_event *cur, gcs_scene *sc)
{
    id_set want;
    int rc = summary_wanted(t, inspect, cur, &want);
    gcs_replay_gc_now now;
    gcs_replay_gc_current(t->r, &now);
    sum_walk w = {NULL, 0, 0, 0, now.active ? NULL : leak_report_at(t, ev)};
    size_t n = gcs_replay_n_objects(t->r);
    sc->sum.on = true;
    for (size_t k = 0; rc == 0 && k < n; k++) {
        gcs_replay_obj o;
        if (gcs_replay_object_at(t->r, k, &o) < 0 || !o.alive || hidden(t, &o))
            continue;
        uint32_t ta = sum_type(sc, &w, o.type);
        bool cyc = false;
        rc = ta == UINT32_MAX ? GCS_ENOMEM : gcs_scene_sum_obj(sc, lane_of_gen(o.gen), ta);
        if (rc == 0)
            rc = sum_refs(t, sc, &w, &o, ta, &cyc);
        bool leaked = rc == 0 && sum_leak(&w, &o);
        w.n_cyc += cyc;
        w.n_leak += leaked;
        if (rc == 0 && (cyc || leaked || id_in(&want, o.id)) &&
            add_sobj(t, sc, &o, ev, inspect) == NULL)
            rc = GCS_ENOMEM;
    }
    free(want.ids);
    return rc;
}

static int
scene_edges(gcs_vtrace *t, gcs_scene *sc)
{
    for (size_t k = 0; k < sc->n_objs; k++) {
        gcs_replay_obj o;
        if (gcs_replay_object(t->r, sc->objs[k].id, &o) < 0)
            continue;
        for (size_t j = 0; j < o.n_refs_out; j++) {
            gcs_replay_ref ref;
            if (gcs_replay_ref_out(t->r, o.id, j, &ref) == 0 &&
                !gcs_scene_add_edge(sc, ref.src, ref.slot, ref.dst, 0))
                return GCS_ENOMEM;
        }
    }
    return 0;
}

/* Weak references: dashed while set; snapping at the event that clears them. */
static int
scene_weakrefs(gcs_vtrace *t, const gcs_event *cur, gcs_scene *sc)
{
    size_t n = gcs_replay_n_weakrefs(t->r);
    for (size_t k = 0; k < n; k++) {
        gcs_replay_weakref w;
        if (gcs_replay_weakref_at(t->r, k, &w) < 0)
            continue;
        unsigned f = GCS_SEDGE_WEAK;
        uint64_t dst = w.referent;
        if (w.cleared) {
            bool now = cur->kind == GCS_EV_WEAKREF_CLEAR && cur->u.weakref_clear.wr == w.wr;
            bool cb = cur->kind == GCS_EV_WEAKREF_CALLBACK && cur->u.weakref_callback.wr == w.wr;
            if (!now && !cb)
                continue;
            f |= GCS_SEDGE_CLEARED | (cb ? GCS_SEDGE_CALLBACK : 0);
            dst = w.old_referent;
        }
        if (!gcs_scene_add_edge(sc, w.wr, "weakref", dst, f))
            return GCS_ENOMEM;
    }
    return 0;
}

static int
scene_roots(gcs_vtrace *t, const gcs_event *cur, gcs_scene *sc)
{
    size_t nf = gcs_replay_n_frames(t->r);
    for (size_t f = 0; f < nf; f++) {
        gcs_replay_frame fr;
        if (gcs_replay_frame_at(t->r, f, &fr) < 0)
            continue;
        int fi = gcs_scene_add_frame(sc, fr.name);
        if (fi < 0)
            return GCS_ENOMEM;
        for (size_t v = 0; v < fr.n_vars; v++) {
            gcs_replay_var var;
            if (gcs_replay_var_at(t->r, f, v, &var) < 0)
                continue;
            gcs_svar *s = gcs_scene_add_var(sc, (uint32_t)fi, var.name, var.obj);
            if (s == NULL)
                return GCS_ENOMEM;
            s->changed = cur->kind == GCS_EV_VAR_SET && cur->u.var_set.frame == fr.id &&
                         strcmp(cur->u.var_set.name, var.name) == 0;
        }
    }
    return 0;
}

static int
scene_timeline(gcs_vtrace *t, gcs_scene *sc)
{
    size_t np = gcs_replay_n_passes(t->r), nm = gcs_replay_n_markers(t->r);
    uint64_t last = sc->n_events ? sc->n_events - 1 : 0;
    for (size_t k = 0; k < np; k++) {
        gcs_replay_pass p;
        if (gcs_replay_pass_at(t->r, k, &p) == 0 &&
            !gcs_scene_add_tl(sc, GCS_TL_PASS, p.begin_event,
                              p.end_event == UINT64_MAX ? last : p.end_event, (int)p.gen, NULL))
            return GCS_ENOMEM;
    }
    for (size_t k = 0; k < nm; k++) {
        gcs_replay_marker m;
        if (gcs_replay_marker_at(t->r, k, &m) == 0 &&
            !gcs_scene_add_tl(sc, GCS_TL_MARKER, m.event, m.event, 0, m.text))
            return GCS_ENOMEM;
    }
    uint64_t prev_ev = UINT64_MAX;
    for (size_t k = 0; k < t->n_leaks; k++) {
        if (t->leaks[k].ev == prev_ev)
            continue; /* one tick per event */
        prev_ev = t->leaks[k].ev;
        int kind = t->leaks[k].error ? GCS_TL_ERROR : GCS_TL_LEAK;
        if (!gcs_scene_add_tl(sc, kind, prev_ev, prev_ev, 0, NULL))
            return GCS_ENOMEM;
    }
    return 0;
}

static const char *
type_of(const gcs_scene *sc, uint64_t id)
{
    uint32_t i = gcs_scene_find(sc, id);
    return i == GCS_SCENE_NONE ? "object" : sc->objs[i].type;
}

#define ID(x) ((unsigned long long)(x))

/* A short classroom description of event e ("incref list #7 -> rc 2"). */
static void
describe(const gcs_scene *sc, const gcs_event *e, char *buf, size_t n)
{
    const char *gc_states[] = {"reachable", "tentatively unreachable", "unreachable",
                               "uncollectable (legacy finalizer)", "resurrected"};
    switch (e->kind) {
    case GCS_EV_ALLOC:
        snprintf(buf, n, "new %s #%llu", e->u.alloc.type, ID(e->u.alloc.obj));
        return;
    case GCS_EV_FREE:
        snprintf(buf, n, "%s #%llu freed", type_of(sc, e->u.free.obj), ID(e->u.free.obj));
        return;
    case GCS_EV_INCREF:
    case GCS_EV_DECREF: {
        const gcs_ev_incref *r =
            e->kind == GCS_EV_INCREF ? &e->u.incref : (const gcs_ev_incref *)&e->u.decref;
        snprintf(buf, n, "%s %s #%llu \xE2\x86\x92 rc %lld",
                 e->kind == GCS_EV_INCREF ? "incref" : "decref", type_of(sc, r->obj), ID(r->obj),
                 (long long)r->refcnt);
        return;
    }
    case GCS_EV_REF_SET:
        snprintf(buf, n, "%s #%llu %s \xE2\x86\x92 #%llu", type_of(sc, e->u.ref_set.src),
                 ID(e->u.ref_set.src), e->u.ref_set.slot ? e->u.ref_set.slot : "",
                 ID(e->u.ref_set.dst));
        return;
    case GCS_EV_REF_DEL:
        snprintf(buf, n, "%s #%llu %s removed", type_of(sc, e->u.ref_del.src), ID(e->u.ref_del.src),
                 e->u.ref_del.slot ? e->u.ref_del.slot : "");
        return;
    case GCS_EV_VAR_SET:
        snprintf(buf, n, "%s = %s #%llu", e->u.var_set.name, type_of(sc, e->u.var_set.obj),
                 ID(e->u.var_set.obj));
        return;
    case GCS_EV_VAR_DEL:
        snprintf(buf, n, "del %s", e->u.var_del.name);
        return;
    case GCS_EV_GC_BEGIN:
        snprintf(buf, n, "collector pass starts: generations 0..%llu", ID(e->u.gc_begin.gen));
        return;
    case GCS_EV_GC_PHASE:
        snprintf(buf, n, "phase %s", gcs_gc_phase_name((gcs_gc_phase)e->u.gc_phase.phase));
        return;
    case GCS_EV_GC_REFS:
        snprintf(buf, n, "%s #%llu: gc_refs = %lld", type_of(sc, e->u.gc_refs.obj),
                 ID(e->u.gc_refs.obj), (long long)e->u.gc_refs.refs);
        return;
    case GCS_EV_GC_STATE:
        snprintf(buf, n, "%s #%llu is %s", type_of(sc, e->u.gc_state.obj), ID(e->u.gc_state.obj),
                 e->u.gc_state.state < 5 ? gc_states[e->u.gc_state.state] : "?");
        return;
    case GCS_EV_GC_PROMOTE:
        snprintf(buf, n, "%llu survivor(s) promoted to generation %llu", ID(e->u.gc_promote.n),
                 ID(e->u.gc_promote.to));
        return;
    case GCS_EV_GC_END:
        snprintf(buf, n, "pass done: %llu collected, %llu uncollectable", ID(e->u.gc_end.collected),
                 ID(e->u.gc_end.uncollectable));
        return;
    case GCS_EV_MARKER:
        snprintf(buf, n, "marker");
        return;
    case GCS_EV_LABEL:
    case GCS_EV_TRACK:
    case GCS_EV_UNTRACK:
    case GCS_EV_FRAME_PUSH:
    case GCS_EV_FRAME_POP:
    case GCS_EV_WEAKREF_NEW:
    case GCS_EV_WEAKREF_CLEAR:
    case GCS_EV_WEAKREF_CALLBACK:
    case GCS_EV_FINALIZE:
    case GCS_EV_RESURRECT:
    case GCS_EV_GC_GARBAGE:
    case GCS_EV_GC_CONFIG:
    case GCS_EV_FREEZE:
    case GCS_EV_UNFREEZE:
    case GCS_EV_ERROR:
    case GCS_EV_HEAP_END:
    case GCS_EV_INTERNAL:
    case GCS_EV__COUNT:
        break;
    }
    gcs_event_format(e, buf, n);
    char *cut = strstr(buf, " @ "); /* the site goes on its own */
    if (cut != NULL)
        *cut = '\0';
    if ((cut = strstr(buf, " t=")) != NULL)
        *cut = '\0';
}

/* Mark what the current event touched, and describe it. */
static void
scene_current(gcs_vtrace *t, const gcs_event *e, gcs_scene *sc)
{
    char buf[256];
    describe(sc, e, buf, sizeof buf);
    sc->event_text = gcs_scene_str(sc, buf);
    sc->event_site = site_str(sc, e->site);
    uint64_t touched[2] = {0, 0};
    switch (e->kind) {
    case GCS_EV_INCREF:
        touched[0] = e->u.incref.obj;
        break;
    case GCS_EV_DECREF:
        touched[0] = e->u.decref.obj;
        break;
    case GCS_EV_LABEL:
        touched[0] = e->u.label.obj;
        break;
    case GCS_EV_REF_SET:
        touched[0] = e->u.ref_set.src;
        touched[1] = e->u.ref_set.dst;
        break;
    case GCS_EV_REF_DEL:
        touched[0] = e->u.ref_del.src;
        break;
    case GCS_EV_FINALIZE:
        touched[0] = e->u.finalize.obj;
        sc->firing = gcs_scene_strf(sc, "__del__ of #%llu runs (once, PEP 442)",
                                    (unsigned long long)e->u.finalize.obj);
        break;
    case GCS_EV_WEAKREF_CALLBACK:
        touched[0] = e->u.weakref_callback.wr;
        sc->firing = gcs_scene_strf(sc, "the callback of weakref #%llu runs",
                                    (unsigned long long)e->u.weakref_callback.wr);
        break;
    case GCS_EV_ALLOC:
    case GCS_EV_FREE:
    case GCS_EV_TRACK:
    case GCS_EV_UNTRACK:
    case GCS_EV_FRAME_PUSH:
    case GCS_EV_FRAME_POP:
    case GCS_EV_VAR_SET:
    case GCS_EV_VAR_DEL:
    case GCS_EV_WEAKREF_NEW:
    case GCS_EV_WEAKREF_CLEAR:
    case GCS_EV_RESURRECT:
    case GCS_EV_GC_BEGIN:
    case GCS_EV_GC_PHASE:
    case GCS_EV_GC_REFS:
    case GCS_EV_GC_STATE:
    case GCS_EV_GC_PROMOTE:
    case GCS_EV_GC_GARBAGE:
    case GCS_EV_GC_END:
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
    for (size_t k = 0; k < sc->n_objs; k++) {
        gcs_sobj *o = &sc->objs[k];
        if (o->id == touched[0] || o->id == touched[1])
            o->flags |= GCS_SOBJ_CHANGED;
        if (e->kind == GCS_EV_FINALIZE && o->id == e->u.finalize.obj)
            o->flags |= GCS_SOBJ_FINALIZING;
        if (e->kind == GCS_EV_ERROR && o->id == e->u.error.obj)
            o->flags |= GCS_SOBJ_ERROR;
    }
    if (e->kind == GCS_EV_REF_SET)
        for (size_t k = 0; k < sc->n_edges; k++) {
            gcs_sedge *ed = &sc->edges[k];
            if (ed->src == e->u.ref_set.src && ed->dst == e->u.ref_set.dst &&
                strcmp(ed->slot, e->u.ref_set.slot ? e->u.ref_set.slot : "") == 0)
                ed->flags |= GCS_SEDGE_CHANGED;
        }
    (void)t;
}

static void
scene_pass(gcs_vtrace *t, gcs_scene *sc)
{
    gcs_replay_gc_now now;
    gcs_replay_gc_current(t->r, &now);
    if (!now.active)
        return;
    sc->in_pass = true;
    sc->pass_gen = (int)now.gen;
    sc->pass_phase = now.phase >= 0 ? gcs_gc_phase_name((gcs_gc_phase)now.phase) : "starting";
}

static int
scene_history(gcs_vtrace *t, uint64_t id, gcs_scene *sc)
{
    if (id == 0)
        return 0;
    if (id != t->hist_id) {
        gcs_replay_history_free(t->hist);
        t->hist = NULL;
        t->n_hist = 0;
        t->hist_id = id;
        if (gcs_replay_rc_history(t->r, id, &t->hist, &t->n_hist) < 0) {
            t->hist = NULL;
            t->n_hist = 0;
        }
    }
    for (size_t k = 0; k < t->n_hist && t->hist[k].event <= sc->cur_event; k++)
        if (!gcs_scene_add_rc(sc, t->hist[k].event, t->hist[k].refcnt,
                              site_str(sc, t->hist[k].site)))
            return GCS_ENOMEM;
    return 0;
}

/* Positions: from the precomputed layout; for big traces, on demand (each
 * lane packed in id order for a view of the trace's aspect) unless the scene
 * is drawn aggregated, which places its objects itself. */
static int
place_scene(gcs_vtrace *t, gcs_scene *sc)
{
    if (!t->big) {
        gcs_layout_apply(t->L, sc);
        return 0;
    }
    for (size_t k = 0; k < sc->n_objs; k++) {
        gcs_sobj *o = &sc->objs[k];
        o->placed = true;
        o->x = o->y = o->px = o->py = 0;
    }
    sc->compacted = false;
    return sc->sum.on || sc->n_objs > GCS_RENDER_DETAIL_MAX ? 0 : gcs_layout_compact(sc, t->aspect);
}

int
gcs_vtrace_scene(gcs_vtrace *t, uint64_t ev, uint64_t inspect, gcs_scene *sc)
{
    uint64_t n = gcs_replay_n_events(t->r);
    gcs_scene_clear(sc);
    sc->n_events = n;
    sc->title = gcs_scene_str(sc, t->name);
    if (n == 0)
        return gcs_scene_index(sc);
    if (ev >= n)
        ev = n - 1;
    sc->cur_event = ev;
    gcs_event cur;
    int rc = 0;
    if (t->stream && ev >= final_state(t)) /* only forward seeks: analyse the end first */
        rc = find_leaks(t);
    if (rc == 0)
        rc = gcs_replay_seek(t->r, ev + 1);
    if (rc == 0)
        rc = gcs_replay_event(t->r, ev, &cur);
    if (rc == 0 && t->big && gcs_replay_n_alive(t->r) > GCS_RENDER_DETAIL_MAX)
        rc = scene_summary(t, ev, inspect, &cur, sc);
    else if (rc == 0)
        rc = scene_objects(t, ev, inspect, sc);
    if (rc == 0)
        rc = scene_edges(t, sc);
    if (rc == 0)
        rc = scene_weakrefs(t, &cur, sc);
    if (rc == 0)
        rc = scene_roots(t, &cur, sc);
    if (rc == 0)
        rc = scene_history(t, inspect, sc);
    if (rc < 0)
        return rc;
    uint64_t mev = 0;
    const char *cap = gcs_replay_last_marker(t->r, &mev);
    sc->caption = gcs_scene_str(sc, cap);
    sc->marker_now = cap != NULL && mev == ev;
    scene_pass(t, sc);
    scene_leaks(t, ev, sc);
    rc = scene_timeline(t, sc); /* last: may move the cursor to the end state */
    if (rc == 0)
        rc = gcs_scene_index(sc);
    if (rc < 0)
        return rc;
    scene_current(t, &cur, sc);
    rc = place_scene(t, sc);
    return rc < 0 ? rc : gcs_scene_index(sc);
}

/* {==== Navigation ====} */

size_t
gcs_vtrace_n_passes(const gcs_vtrace *t)
{
    return gcs_replay_n_passes(t->r);
}

size_t
gcs_vtrace_n_markers(const gcs_vtrace *t)
{
    return gcs_replay_n_markers(t->r);
}

bool
gcs_vtrace_pass_event(gcs_vtrace *t, size_t k, const char *phase, uint64_t *ev)
{
    gcs_replay_pass p;
    if (gcs_replay_pass_at(t->r, k, &p) < 0)
        return false;
    *ev = p.begin_event;
    if (phase == NULL)
        return true;
    uint64_t end = p.end_event == UINT64_MAX ? gcs_replay_n_events(t->r) - 1 : p.end_event;
    for (uint64_t i = p.begin_event; i <= end; i++) {
        gcs_event e;
        if (gcs_replay_event(t->r, i, &e) == 0 && e.kind == GCS_EV_GC_PHASE &&
            strcmp(gcs_gc_phase_name((gcs_gc_phase)e.u.gc_phase.phase), phase) == 0) {
            /* show the phase done: its last event before the next phase */
            for (*ev = i; *ev + 1 <= end; ++*ev) {
                gcs_event nx;
                if (gcs_replay_event(t->r, *ev + 1, &nx) < 0 || nx.kind == GCS_EV_GC_PHASE ||
                    nx.kind == GCS_EV_GC_END)
                    break;
            }
            return true;
        }
    }
    return false;
}

bool
gcs_vtrace_marker_event(const gcs_vtrace *t, size_t k, uint64_t *ev)
{
    gcs_replay_marker m;
    if (gcs_replay_marker_at(t->r, k, &m) < 0)
        return false;
    *ev = m.event;
    return true;
}

bool
gcs_vtrace_next_pass(const gcs_vtrace *t, uint64_t ev, int dir, uint64_t *out)
{
    size_t n = gcs_replay_n_passes(t->r);
    bool found = false;
    for (size_t k = 0; k < n; k++) {
        gcs_replay_pass p;
        if (gcs_replay_pass_at(t->r, k, &p) < 0)
            continue;
        if (dir > 0 && p.begin_event > ev) {
            *out = p.begin_event;
            return true;
        }
        if (dir < 0 && p.begin_event < ev) {
            *out = p.begin_event;
            found = true;
        }
    }
    return found;
}

bool
gcs_vtrace_next_marker(const gcs_vtrace *t, uint64_t ev, int dir, uint64_t *out)
{
    size_t n = gcs_replay_n_markers(t->r);
    bool found = false;
    for (size_t k = 0; k < n; k++) {
        uint64_t m;
        if (!gcs_vtrace_marker_event(t, k, &m))
            continue;
        if (dir > 0 && m > ev) {
            *out = m;
            return true;
        }
        if (dir < 0 && m < ev) {
            *out = m;
            found = true;
        }
    }
    return found;
}

size_t
gcs_vtrace_n_leaks(gcs_vtrace *t)
{
    (void)find_leaks(t);
    return t->n_leaks;
}

bool
gcs_vtrace_leak_at(gcs_vtrace *t, size_t k, uint64_t *ev, uint64_t *obj)
{
    (void)find_leaks(t);
    if (k >= t->n_leaks)
        return false;
    *ev = t->leaks[k].ev;
    *obj = t->leaks[k].obj;
    return true;
}
