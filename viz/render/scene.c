/* viz/render/scene.c — the scene model: growable arrays, a string arena, an
 * id -> index hash and cycle (SCC) detection.
 *
 * Start with gcs_scene_add_obj(); gcs_scene_index() must run before lookups
 * (the renderer calls it). Cycles are found with an iterative Tarjan over
 * strong edges only, so deep chains never recurse on the C stack.
 */
#include "render/scene.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"

/* {==== Arena ====} */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char data[];
} arena_chunk;

struct gcs_scene_arena {
    arena_chunk *head;  /* chunk being filled */
    arena_chunk *spare; /* emptied chunks kept for reuse */
};

static char *
arena_alloc(gcs_scene *sc, size_t n)
{
    if (sc->arena == NULL) {
        sc->arena = calloc(1, sizeof *sc->arena);
        if (sc->arena == NULL)
            return NULL;
    }
    gcs_scene_arena *a = sc->arena;
    if (a->head == NULL || a->head->cap - a->head->used < n) {
        arena_chunk *c = NULL;
        if (a->spare != NULL && a->spare->cap >= n) {
            c = a->spare;
            a->spare = c->next;
        } else {
            size_t cap = n > 65536 ? n : 65536;
            c = malloc(sizeof *c + cap);
            if (c == NULL)
                return NULL;
            c->cap = cap;
        }
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    char *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

static void
arena_free_list(arena_chunk *c)
{
    while (c != NULL) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
}

const char *
gcs_scene_str(gcs_scene *sc, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(sc, n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

const char *
gcs_scene_strf(gcs_scene *sc, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return gcs_scene_str(sc, buf);
}

/* {==== Lifetime ====} */

const char *
gcs_lane_name(int lane)
{
    static const char *const names[GCS_LANE__COUNT] = {"generation 0", "generation 1",
                                                       "generation 2", "untracked", "frozen"};
    return lane >= 0 && lane < GCS_LANE__COUNT ? names[lane] : "?";
}

void
gcs_scene_init(gcs_scene *sc)
{
    memset(sc, 0, sizeof *sc);
}

void
gcs_scene_fini(gcs_scene *sc)
{
    free(sc->objs);
    free(sc->edges);
    free(sc->frames);
    free(sc->vars);
    free(sc->timeline);
    free(sc->rc_hist);
    free(sc->hash);
    free(sc->types);
    free(sc->type_hash);
    free(sc->sum.count);
    free(sc->sum.refs);
    if (sc->arena != NULL) {
        arena_free_list(sc->arena->head);
        arena_free_list(sc->arena->spare);
        free(sc->arena);
    }
    memset(sc, 0, sizeof *sc);
}

void
gcs_scene_clear(gcs_scene *sc)
{
    gcs_scene saved = *sc;
    memset(sc, 0, sizeof *sc);
    sc->objs = saved.objs;
    sc->cap_objs = saved.cap_objs;
    sc->edges = saved.edges;
    sc->cap_edges = saved.cap_edges;
    sc->frames = saved.frames;
    sc->cap_frames = saved.cap_frames;
    sc->vars = saved.vars;
    sc->cap_vars = saved.cap_vars;
    sc->timeline = saved.timeline;
    sc->cap_timeline = saved.cap_timeline;
    sc->rc_hist = saved.rc_hist;
    sc->cap_rc_hist = saved.cap_rc_hist;
    sc->hash = saved.hash;
    sc->hash_cap = saved.hash_cap;
    sc->types = saved.types;
    sc->cap_types = saved.cap_types;
    sc->type_hash = saved.type_hash;
    sc->type_hash_cap = saved.type_hash_cap;
    sc->sum.count = saved.sum.count;
    sc->sum.cap_count = saved.sum.cap_count;
    if (sc->sum.count != NULL) /* a rebuilt summary counts from zero */
        memset(sc->sum.count, 0, sc->sum.cap_count * sizeof *sc->sum.count);
    sc->sum.refs = saved.sum.refs;
    sc->sum.cap_refs = saved.sum.cap_refs;
    if (sc->sum.refs != NULL)
        memset(sc->sum.refs, 0, sc->sum.cap_refs * sizeof *sc->sum.refs);
    if (sc->type_hash != NULL)
        memset(sc->type_hash, 0, sc->type_hash_cap * sizeof *sc->type_hash);
    sc->arena = saved.arena;
    if (sc->arena != NULL) {
        gcs_scene_arena *a = sc->arena;
        while (a->head != NULL) {
            arena_chunk *c = a->head;
            a->head = c->next;
            c->next = a->spare;
            a->spare = c;
        }
    }
}

/* Grow *arr (of elements of size `sz`) to hold at least n+1 elements. */
static bool
grow(void **arr, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, ncap * sz);
    if (p == NULL)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

#define GROW(sc, f) grow((void **)&(sc)->f, &(sc)->cap_##f, (sc)->n_##f, sizeof *(sc)->f)

int
gcs_scene_reserve_objs(gcs_scene *sc, size_t n)
{
    if (n <= sc->cap_objs)
        return 0;
    void *p = realloc(sc->objs, n * sizeof *sc->objs);
    if (p == NULL)
        return GCS_ENOMEM;
    sc->objs = p;
    sc->cap_objs = n;
    return 0;
}

/* {==== Builders ====} */

static size_t
hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static bool
type_rehash(gcs_scene *sc)
{
    size_t cap = sc->type_hash_cap ? sc->type_hash_cap * 2 : 64;
    uint32_t *h = calloc(cap, sizeof *h);
    if (h == NULL)
        return false;
    for (size_t i = 0; i < sc->n_types; i++) {
        size_t k = hash_str(sc->types[i]) & (cap - 1);
        while (h[k] != 0)
            k = (k + 1) & (cap - 1);
        h[k] = (uint32_t)(i + 1);
    }
    free(sc->type_hash);
    sc->type_hash = h;
    sc->type_hash_cap = cap;
    return true;
}

/* Interned copy of type name `t`; its index in *ix. NULL on ENOMEM. */
static const char *
intern_type(gcs_scene *sc, const char *t, uint32_t *ix)
{
    if ((sc->n_types + 1) * 2 > sc->type_hash_cap && !type_rehash(sc))
        return NULL;
    size_t mask = sc->type_hash_cap - 1, k = hash_str(t) & mask;
    for (; sc->type_hash[k] != 0; k = (k + 1) & mask) {
        uint32_t i = sc->type_hash[k] - 1;
        if (strcmp(sc->types[i], t) == 0) {
            *ix = i;
            return sc->types[i];
        }
    }
    if (!GROW(sc, types))
        return NULL;
    const char *copy = gcs_scene_str(sc, t);
    if (copy == NULL)
        return NULL;
    sc->types[sc->n_types] = copy;
    *ix = (uint32_t)sc->n_types;
    sc->type_hash[k] = (uint32_t)++sc->n_types;
    return copy;
}

uint32_t
gcs_scene_type_ix(gcs_scene *sc, const char *type)
{
    uint32_t ix;
    return intern_type(sc, type ? type : "object", &ix) ? ix : UINT32_MAX;
}

/* {==== Summaries of big states ====} */

int
gcs_scene_sum_obj(gcs_scene *sc, int lane, uint32_t t)
{
    gcs_scene_sum *s = &sc->sum;
    size_t need = ((size_t)t + 1) * GCS_LANE__COUNT;
    if (!s->on) {
        s->on = true;
        if (s->count != NULL)
            memset(s->count, 0, s->cap_count * sizeof *s->count);
    }
    if (need > s->cap_count) {
        size_t cap = need * 2;
        uint64_t *p = realloc(s->count, cap * sizeof *p);
        if (p == NULL)
            return GCS_ENOMEM;
        memset(p + s->cap_count, 0, (cap - s->cap_count) * sizeof *p);
        s->count = p;
        s->cap_count = cap;
    }
    s->count[(size_t)t * GCS_LANE__COUNT + (size_t)lane]++;
    s->lane_n[lane]++;
    s->n_objs++;
    return 0;
}

static size_t
sum_ref_slot(const gcs_sum_ref *refs, size_t cap, const gcs_sum_ref *key)
{
    uint64_t h = ((uint64_t)key->la * 31 + key->ta) * 0x9E3779B97F4A7C15ull;
    h ^= ((uint64_t)key->lb * 31 + key->tb) * 0xff51afd7ed558ccdull;
    size_t mask = cap - 1, k = (size_t)(h ^ (h >> 29)) & mask;
    while (refs[k].n != 0 && (refs[k].la != key->la || refs[k].ta != key->ta ||
                              refs[k].lb != key->lb || refs[k].tb != key->tb))
        k = (k + 1) & mask;
    return k;
}

static bool
sum_refs_grow(gcs_scene_sum *s)
{
    size_t cap = s->cap_refs ? s->cap_refs * 2 : 64;
    gcs_sum_ref *p = calloc(cap, sizeof *p);
    if (p == NULL)
        return false;
    for (size_t i = 0; i < s->cap_refs; i++)
        if (s->refs[i].n != 0)
            p[sum_ref_slot(p, cap, &s->refs[i])] = s->refs[i];
    free(s->refs);
    s->refs = p;
    s->cap_refs = cap;
    return true;
}

int
gcs_scene_sum_ref(gcs_scene *sc, int la, uint32_t ta, int lb, uint32_t tb)
{
    gcs_scene_sum *s = &sc->sum;
    if ((s->n_refs + 1) * 2 > s->cap_refs && !sum_refs_grow(s))
        return GCS_ENOMEM;
    gcs_sum_ref key = {(uint32_t)la, ta, (uint32_t)lb, tb, 0};
    size_t k = sum_ref_slot(s->refs, s->cap_refs, &key);
    if (s->refs[k].n == 0) {
        s->refs[k] = key;
        s->n_refs++;
    }
    s->refs[k].n++;
    return 0;
}

gcs_sobj *
gcs_scene_add_obj(gcs_scene *sc, uint64_t id, int kind, const char *type, const char *label,
                  int64_t refcnt, int lane)
{
    if (!GROW(sc, objs))
        return NULL;
    gcs_sobj *o = &sc->objs[sc->n_objs];
    memset(o, 0, sizeof *o);
    o->id = id;
    o->kind = kind;
    o->type = intern_type(sc, type ? type : "object", &o->type_ix);
    o->label = gcs_scene_str(sc, label ? label : "");
    if (o->type == NULL || o->label == NULL)
        return NULL;
    o->refcnt = refcnt;
    o->lane = o->prev_lane = lane;
    o->gc_state = -1;
    o->scc = -1;
    sc->n_objs++;
    sc->indexed = false;
    return o;
}

gcs_sedge *
gcs_scene_add_edge(gcs_scene *sc, uint64_t src, const char *slot, uint64_t dst, unsigned flags)
{
    if (!GROW(sc, edges))
        return NULL;
    gcs_sedge *e = &sc->edges[sc->n_edges];
    memset(e, 0, sizeof *e);
    e->src = src;
    e->dst = dst;
    e->slot = gcs_scene_str(sc, slot ? slot : "");
    if (e->slot == NULL)
        return NULL;
    e->flags = flags;
    e->si = e->di = GCS_SCENE_NONE;
    sc->n_edges++;
    sc->indexed = false;
    return e;
}

int
gcs_scene_add_frame(gcs_scene *sc, const char *name)
{
    if (!GROW(sc, frames))
        return -1;
    gcs_sframe *f = &sc->frames[sc->n_frames];
    f->name = gcs_scene_str(sc, name ? name : "?");
    if (f->name == NULL)
        return -1;
    return (int)sc->n_frames++;
}

gcs_svar *
gcs_scene_add_var(gcs_scene *sc, uint32_t frame, const char *name, uint64_t obj)
{
    if (!GROW(sc, vars))
        return NULL;
    gcs_svar *v = &sc->vars[sc->n_vars];
    memset(v, 0, sizeof *v);
    v->name = gcs_scene_str(sc, name ? name : "?");
    if (v->name == NULL)
        return NULL;
    v->obj = obj;
    v->frame = frame;
    sc->n_vars++;
    return v;
}

gcs_tl_entry *
gcs_scene_add_tl(gcs_scene *sc, int kind, uint64_t ev, uint64_t ev_end, int gen, const char *text)
{
    if (!GROW(sc, timeline))
        return NULL;
    gcs_tl_entry *t = &sc->timeline[sc->n_timeline];
    t->kind = kind;
    t->ev = ev;
    t->ev_end = ev_end < ev ? ev : ev_end;
    t->gen = gen;
    t->text = gcs_scene_str(sc, text);
    sc->n_timeline++;
    return t;
}

gcs_rc_hist *
gcs_scene_add_rc(gcs_scene *sc, uint64_t ev, int64_t refcnt, const char *site)
{
    if (!GROW(sc, rc_hist))
        return NULL;
    gcs_rc_hist *r = &sc->rc_hist[sc->n_rc_hist];
    r->ev = ev;
    r->refcnt = refcnt;
    r->site = gcs_scene_str(sc, site);
    sc->n_rc_hist++;
    return r;
}

/* {==== Index ====} */

static size_t
hash_id(uint64_t id)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdULL;
    id ^= id >> 33;
    return (size_t)id;
}

int
gcs_scene_index(gcs_scene *sc)
{
    size_t need = 16;
    while (need < sc->n_objs * 2 + 2)
        need *= 2;
    if (need > sc->hash_cap) {
        uint32_t *h = realloc(sc->hash, need * sizeof *h);
        if (h == NULL)
            return GCS_ENOMEM;
        sc->hash = h;
        sc->hash_cap = need;
    }
    memset(sc->hash, 0, sc->hash_cap * sizeof *sc->hash);
    size_t mask = sc->hash_cap - 1;
    for (size_t i = 0; i < sc->n_objs; i++) {
        size_t k = hash_id(sc->objs[i].id) & mask;
        while (sc->hash[k] != 0)
            k = (k + 1) & mask;
        sc->hash[k] = (uint32_t)(i + 1);
    }
    sc->indexed = true;
    for (size_t i = 0; i < sc->n_edges; i++) {
        sc->edges[i].si = gcs_scene_find(sc, sc->edges[i].src);
        sc->edges[i].di = gcs_scene_find(sc, sc->edges[i].dst);
    }
    return 0;
}

uint32_t
gcs_scene_find(const gcs_scene *sc, uint64_t id)
{
    if (sc->hash_cap == 0)
        return GCS_SCENE_NONE;
    size_t mask = sc->hash_cap - 1;
    for (size_t k = hash_id(id) & mask; sc->hash[k] != 0; k = (k + 1) & mask) {
        uint32_t i = sc->hash[k] - 1;
        if (i < sc->n_objs && sc->objs[i].id == id)
            return i;
    }
    return GCS_SCENE_NONE;
}

/* {==== Cycles: iterative Tarjan over a CSR of strong edges ====} */

typedef struct tarjan {
    uint32_t *off, *adj;    /* CSR */
    uint32_t *idx, *low;    /* discovery index + 1 (0 = unvisited), lowlink */
    uint32_t *stack, *call; /* SCC stack; DFS stack of nodes */
    uint32_t *next;         /* per node: next edge to look at */
    bool *on;
    uint32_t nstack, ncall, counter;
} tarjan;

static bool
is_strong(const gcs_sedge *e)
{
    return !(e->flags & GCS_SEDGE_WEAK) && e->si != GCS_SCENE_NONE && e->di != GCS_SCENE_NONE &&
           !(e->flags & GCS_SEDGE_CLEARED);
}

static int
tarjan_build(tarjan *t, const gcs_scene *sc)
{
    size_t n = sc->n_objs;
    t->off = calloc(n + 1, sizeof *t->off);
    t->adj = malloc((sc->n_edges + 1) * sizeof *t->adj);
    t->idx = calloc(n + 1, sizeof *t->idx);
    t->low = calloc(n + 1, sizeof *t->low);
    t->stack = malloc((n + 1) * sizeof *t->stack);
    t->call = malloc((n + 1) * sizeof *t->call);
    t->next = calloc(n + 1, sizeof *t->next);
    t->on = calloc(n + 1, sizeof *t->on);
    if (!t->off || !t->adj || !t->idx || !t->low || !t->stack || !t->call || !t->next || !t->on)
        return GCS_ENOMEM;
    for (size_t i = 0; i < sc->n_edges; i++)
        if (is_strong(&sc->edges[i]))
            t->off[sc->edges[i].si + 1]++;
    for (size_t i = 0; i < n; i++)
        t->off[i + 1] += t->off[i];
    uint32_t *fill = t->next; /* reuse as a cursor, reset below */
    for (size_t i = 0; i < sc->n_edges; i++) {
        const gcs_sedge *e = &sc->edges[i];
        if (is_strong(e))
            t->adj[t->off[e->si] + fill[e->si]++] = e->di;
    }
    memset(t->next, 0, (n + 1) * sizeof *t->next);
    return 0;
}

static void
tarjan_free(tarjan *t)
{
    free(t->off);
    free(t->adj);
    free(t->idx);
    free(t->low);
    free(t->stack);
    free(t->call);
    free(t->next);
    free(t->on);
}

static void
tarjan_visit(tarjan *t, uint32_t v)
{
    t->idx[v] = t->low[v] = ++t->counter;
    t->stack[t->nstack++] = v;
    t->on[v] = true;
    t->call[t->ncall++] = v;
}

/* Pop one finished SCC rooted at v and label it if it is a cycle. */
static void
tarjan_pop(tarjan *t, gcs_scene *sc, uint32_t v)
{
    size_t start = t->nstack;
    do {
        start--;
    } while (t->stack[start] != v);
    size_t size = t->nstack - start;
    bool cyc = size > 1;
    if (!cyc)
        for (uint32_t k = t->off[v]; k < t->off[v + 1]; k++)
            cyc |= t->adj[k] == v;
    uint64_t key = UINT64_MAX;
    for (size_t k = start; k < t->nstack; k++) {
        uint32_t w = t->stack[k];
        t->on[w] = false;
        if (sc->objs[w].id < key)
            key = sc->objs[w].id;
    }
    if (cyc) {
        for (size_t k = start; k < t->nstack; k++) {
            sc->objs[t->stack[k]].scc = sc->n_cycles;
            sc->objs[t->stack[k]].scc_key = key;
        }
        sc->n_cycles++;
    }
    t->nstack = (uint32_t)start;
}

static void
tarjan_run(tarjan *t, gcs_scene *sc, uint32_t root)
{
    tarjan_visit(t, root);
    while (t->ncall > 0) {
        uint32_t v = t->call[t->ncall - 1];
        if (t->off[v] + t->next[v] < t->off[v + 1]) {
            uint32_t w = t->adj[t->off[v] + t->next[v]++];
            if (t->idx[w] == 0)
                tarjan_visit(t, w);
            else if (t->on[w] && t->idx[w] < t->low[v])
                t->low[v] = t->idx[w];
            continue;
        }
        t->ncall--;
        if (t->ncall > 0) {
            uint32_t u = t->call[t->ncall - 1];
            if (t->low[v] < t->low[u])
                t->low[u] = t->low[v];
        }
        if (t->low[v] == t->idx[v])
            tarjan_pop(t, sc, v);
    }
}

int
gcs_scene_find_cycles(gcs_scene *sc)
{
    if (!sc->indexed) {
        int rc = gcs_scene_index(sc);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < sc->n_objs; i++) {
        sc->objs[i].scc = -1;
        sc->objs[i].scc_key = 0;
    }
    sc->n_cycles = 0;
    tarjan t;
    memset(&t, 0, sizeof t);
    int rc = tarjan_build(&t, sc);
    if (rc == 0)
        for (uint32_t v = 0; v < sc->n_objs; v++)
            if (t.idx[v] == 0)
                tarjan_run(&t, sc, v);
    tarjan_free(&t);
    return rc;
}
