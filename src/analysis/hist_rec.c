/* src/analysis/hist_rec.c — see hist_rec.h. Objects are kept in a dense array
 * in the order they were allocated (id order), found through an open-addressing
 * table of 32-bit indices keyed by id; a FREE frees the object's history at
 * once and leaves a hole, and the array is compacted (order kept) when holes
 * are half of it. Each object holds a growable array of 16-byte entries,
 * paired as it grows (see "Pairing as we go"), so a live object keeps about
 * as many entries as references still counted. Call sites are interned by
 * value, since a site pointer (GCS_HERE is a compound literal) is only valid
 * during the event. Store detection looks one event back: the runtime emits
 * INCREF then REF_SET for a store (both orders are accepted). A removal
 * (REF_DEL, VAR_DEL, or the old target of a REF_SET/VAR_SET) marks the removed
 * object: its next DECREF is the removal's, however many events come between
 * (a dict being freed reports every entry, then decrefs key and value of each
 * in turn).
 */
#include "analysis/hist_rec.h"

#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"

/* One history entry: event index and op packed (event << 3 | op), the count
 * after it (saturated to 32 bits: the analysis only orders and pairs), site. */
typedef struct entry {
    uint64_t ev_op;
    uint32_t site;
    int32_t refcnt;
} entry;

#define OP_BITS    3
#define E_EVENT(e) ((e)->ev_op >> OP_BITS)
#define E_OP(e)    ((uint8_t)((e)->ev_op & ((1u << OP_BITS) - 1)))

typedef struct objhist {
    uint64_t id; /* 0: a hole (freed) */
    entry *e;
    uint32_t n, cap;
    uint32_t pending_unstore; /* removals reported whose DECREF has not come yet */
    bool truncated;
} objhist;

#define NO_IDX   UINT32_MAX       /* "no object" */
#define TOMB_IDX (UINT32_MAX - 1) /* index-table tombstone */
/* events between an incref and the store it belongs to (INCREF, ALLOC, REF_SET) */
#define STORE_WINDOW 3

typedef struct rec_error {
    uint64_t event;
    int code;
    uint64_t obj;
    char *detail;
    uint32_t site;
} rec_error;

struct gcs_hist_rec {
    objhist *objs; /* allocation order; holes have id 0 */
    size_t n_objs, cap_objs, n_holes;
    uint32_t *tab;            /* index into objs, NO_IDX empty, TOMB_IDX deleted */
    size_t cap_tab, used_tab; /* used counts live + tombstones */
    gcs_site *sites;
    size_t n_sites, cap_sites;
    uint32_t *site_tab;
    size_t cap_site_tab;
    rec_error *errors;
    size_t n_errors, cap_errors;
    uint64_t n_events;
    bool oom;
    /* the previous event, for store detection */
    gcs_ev_kind prev_kind;
    uint64_t prev_obj;  /* INCREF/DECREF: obj; REF_SET/VAR_SET: stored; *_DEL: removed */
    uint64_t prev_old;  /* REF_SET/VAR_SET: replaced object */
    uint32_t prev_hist; /* INCREF/DECREF: index of the object the entry went to */
};

static uint64_t
mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static uint32_t *
new_tab(size_t cap)
{
    uint32_t *t = malloc(cap * sizeof *t);
    if (t)
        memset(t, 0xff, cap * sizeof *t); /* NO_IDX */
    return t;
}

int
gcs_hist_rec_new(gcs_hist_rec **out)
{
    gcs_hist_rec *r = calloc(1, sizeof *r);
    *out = NULL;
    if (r == NULL)
        return GCS_ENOMEM;
    r->cap_tab = 1024;
    r->tab = new_tab(r->cap_tab);
    r->cap_sites = 64;
    r->sites = calloc(r->cap_sites, sizeof *r->sites);
    r->cap_site_tab = 128;
    r->site_tab = calloc(r->cap_site_tab, sizeof *r->site_tab);
    if (!r->tab || !r->sites || !r->site_tab) {
        gcs_hist_rec_free(r);
        return GCS_ENOMEM;
    }
    r->n_sites = 1; /* 0: unknown */
    r->prev_kind = GCS_EV__COUNT;
    r->prev_hist = NO_IDX;
    *out = r;
    return 0;
}

void
gcs_hist_rec_free(gcs_hist_rec *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_objs; i++)
        free(r->objs[i].e);
    for (size_t i = 0; i < r->n_errors; i++)
        free(r->errors[i].detail);
    free(r->objs);
    free(r->tab);
    free(r->sites);
    free(r->site_tab);
    free(r->errors);
    free(r);
}

uint64_t
gcs_hist_rec_n_events(const gcs_hist_rec *r)
{
    return r->n_events;
}

bool
gcs_hist_rec_complete(const gcs_hist_rec *r)
{
    return !r->oom;
}

/* {==== Sites ====} */

static uint64_t
site_hash(const gcs_site *s)
{
    uint64_t h = mix((uint64_t)(uintptr_t)s->file ^ ((uint64_t)(uintptr_t)s->func << 1));
    return mix(h ^ (uint64_t)(uint32_t)s->line);
}

static int
sites_grow(gcs_hist_rec *r)
{
    size_t nc = r->cap_site_tab * 2;
    uint32_t *t = calloc(nc, sizeof *t);
    if (t == NULL)
        return GCS_ENOMEM;
    for (size_t i = 1; i < r->n_sites; i++) {
        size_t j = site_hash(&r->sites[i]) & (nc - 1);
        while (t[j])
            j = (j + 1) & (nc - 1);
        t[j] = (uint32_t)i;
    }
    free(r->site_tab);
    r->site_tab = t;
    r->cap_site_tab = nc;
    return 0;
}

/* Site strings (file, func) must outlive the recorder: __FILE__/__func__
 * literals do, and so do the replay's interned strings. */
static uint32_t
site_id(gcs_hist_rec *r, const gcs_site *s)
{
    if (s == NULL)
        return 0;
    if (r->n_sites * 2 >= r->cap_site_tab && sites_grow(r) != 0)
        return 0;
    size_t j = site_hash(s) & (r->cap_site_tab - 1);
    while (r->site_tab[j]) {
        const gcs_site *o = &r->sites[r->site_tab[j]];
        if (o->file == s->file && o->func == s->func && o->line == s->line)
            return r->site_tab[j];
        j = (j + 1) & (r->cap_site_tab - 1);
    }
    if (r->n_sites == r->cap_sites) {
        gcs_site *ns = realloc(r->sites, r->cap_sites * 2 * sizeof *ns);
        if (ns == NULL)
            return 0;
        r->sites = ns;
        r->cap_sites *= 2;
    }
    r->sites[r->n_sites] = *s;
    r->site_tab[j] = (uint32_t)r->n_sites;
    return (uint32_t)r->n_sites++;
}

/* {==== Object table ====} */

/* Index of the live object `id` in r->objs, or NO_IDX. */
static uint32_t
lookup(const gcs_hist_rec *r, uint64_t id)
{
    size_t j = mix(id) & (r->cap_tab - 1);
    for (uint32_t k; (k = r->tab[j]) != NO_IDX; j = (j + 1) & (r->cap_tab - 1))
        if (k != TOMB_IDX && r->objs[k].id == id)
            return k;
    return NO_IDX;
}

static void
tab_put(uint32_t *t, size_t cap, uint64_t id, uint32_t k)
{
    size_t j = mix(id) & (cap - 1);
    while (t[j] != NO_IDX)
        j = (j + 1) & (cap - 1);
    t[j] = k;
}

/* Drop the holes of objs (keeping allocation order) and rebuild the index
 * table for the live objects, sized so that it is at most half full. */
static int
rebuild(gcs_hist_rec *r)
{
    size_t live = r->n_objs - r->n_holes, cap = 1024;
    while (cap < 2 * (live + 1))
        cap *= 2;
    uint32_t *t = new_tab(cap);
    if (t == NULL)
        return GCS_ENOMEM;
    size_t w = 0;
    uint32_t prev = NO_IDX;
    for (size_t i = 0; i < r->n_objs; i++) {
        if (r->objs[i].id == 0)
            continue;
        if (r->prev_hist == i)
            prev = (uint32_t)w;
        r->objs[w] = r->objs[i];
        tab_put(t, cap, r->objs[w].id, (uint32_t)w);
        w++;
    }
    r->prev_hist = prev;
    r->n_objs = w;
    r->n_holes = 0;
    free(r->tab);
    r->tab = t;
    r->cap_tab = cap;
    r->used_tab = w;
    return 0;
}

static uint32_t
insert(gcs_hist_rec *r, uint64_t id)
{
    uint32_t k = lookup(r, id);
    if (k != NO_IDX) { /* id reuse should not happen; restart */
        r->objs[k].n = 0;
        return k;
    }
    if ((r->used_tab + 1) * 10 > r->cap_tab * 7 && rebuild(r) != 0)
        return NO_IDX;
    if (r->n_objs >= TOMB_IDX - 1)
        return NO_IDX;
    if (r->n_objs == r->cap_objs) {
        size_t nc = r->cap_objs ? r->cap_objs * 2 : 256;
        objhist *no = realloc(r->objs, nc * sizeof *no);
        if (no == NULL)
            return NO_IDX;
        r->objs = no;
        r->cap_objs = nc;
    }
    k = (uint32_t)r->n_objs++;
    r->objs[k] = (objhist){.id = id};
    tab_put(r->tab, r->cap_tab, id, k);
    r->used_tab++;
    return k;
}

static void
remove_obj(gcs_hist_rec *r, uint64_t id)
{
    size_t j = mix(id) & (r->cap_tab - 1);
    uint32_t k;
    while ((k = r->tab[j]) != NO_IDX && (k == TOMB_IDX || r->objs[k].id != id))
        j = (j + 1) & (r->cap_tab - 1);
    if (k == NO_IDX)
        return;
    free(r->objs[k].e);
    r->objs[k] = (objhist){.id = 0};
    r->tab[j] = TOMB_IDX;
    r->n_holes++;
    if (r->prev_hist == k)
        r->prev_hist = NO_IDX;
    if (r->n_holes > 1024 && r->n_holes * 2 > r->n_objs)
        (void)rebuild(r); /* on ENOMEM the holes stay: still correct */
}

static objhist *
obj_at(gcs_hist_rec *r, uint32_t k)
{
    return k == NO_IDX ? NULL : &r->objs[k];
}

/* {==== Pairing as we go (bounded memory) ====}
 * A long-lived object that temporaries keep increfing and decrefing would
 * otherwise collect its whole history (hundreds of MB on a big trace). The
 * analysis pairs each decref, in event order, with an earlier unpaired
 * incref (leak_history.c, gcs_la_pairing_rule); a pair never affects the
 * result, and each decision depends only on the entries before the decref.
 * So whenever an object's array is full, the decrefs old enough that no later
 * event can retag them or the increfs before them (STORE / UNSTORE are set up
 * to STORE_WINDOW events late) are paired here by the same rule and both ends
 * dropped, before the array grows. The report is the same as with the whole
 * history; an object keeps about one entry per reference still counted. */

#define SETTLED (STORE_WINDOW + 2) /* events after which an entry's op is final */

static bool
is_inc_op(uint8_t op)
{
    return op == GCS_HGOP_NEW || op == GCS_HGOP_INCREF || op == GCS_HGOP_STORE;
}

static bool
str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool
same_func(const gcs_hist_rec *r, uint32_t a, uint32_t b)
{
    if (a == 0 || b == 0)
        return false;
    return str_eq(r->sites[a].func, r->sites[b].func) && str_eq(r->sites[a].file, r->sites[b].file);
}

/* leak_history.c's latest_unpaired over e[0..k) (want: 0 any, 1 store, 2
 * non-store, 3 non-store in the function of e[k]). */
static long
latest_unpaired(const gcs_hist_rec *r, const entry *e, const uint8_t *gone, size_t k, int want)
{
    for (size_t j = k; j-- > 0;) {
        uint8_t op = E_OP(&e[j]);
        if (gone[j] || !is_inc_op(op))
            continue;
        bool store = op == GCS_HGOP_STORE;
        if ((want == 1 && !store) || (want >= 2 && store))
            continue;
        if (want == 3 && !same_func(r, e[j].site, e[k].site))
            continue;
        return (long)j;
    }
    return -1;
}

/* Mark in gone[0..o->n) the settled decrefs and the increfs they pair with.
 * True if any. */
static bool
pair_settled(const gcs_hist_rec *r, const objhist *o, uint8_t *gone)
{
    memset(gone, 0, o->n);
    bool any = false;
    for (size_t k = 0; k < o->n && E_EVENT(&o->e[k]) + SETTLED <= r->n_events; k++) {
        uint8_t op = E_OP(&o->e[k]);
        if (is_inc_op(op))
            continue;
        long j = op == GCS_HGOP_UNSTORE ? latest_unpaired(r, o->e, gone, k, 1) : -1;
        if (j < 0)
            j = latest_unpaired(r, o->e, gone, k, 3);
        if (j < 0)
            j = latest_unpaired(r, o->e, gone, k, 2);
        if (j < 0)
            j = latest_unpaired(r, o->e, gone, k, 0);
        gone[k] = 1;
        if (j >= 0)
            gone[j] = 1;
        any = true;
    }
    return any;
}

static void
compact(gcs_hist_rec *r, objhist *o)
{
    uint8_t gone[GCS_HIST_MAX_PER_OBJ];
    if (!pair_settled(r, o, gone))
        return;
    uint32_t w = 0;
    for (uint32_t k = 0; k < o->n; k++)
        if (!gone[k])
            o->e[w++] = o->e[k];
    o->n = w;
}

static void
append(gcs_hist_rec *r, objhist *o, const gcs_event *ev, gcs_hg_op op, int64_t refcnt)
{
    if (o == NULL || o->truncated)
        return;
    if (o->n == o->cap && o->n > 0)
        compact(r, o);
    if (o->n == GCS_HIST_MAX_PER_OBJ) {
        o->truncated = true;
        return;
    }
    if (o->n == o->cap) {
        uint32_t nc = o->cap ? o->cap * 2 : 2;
        entry *ne = realloc(o->e, nc * sizeof *ne);
        if (ne == NULL) {
            r->oom = true;
            o->truncated = true;
            return;
        }
        o->e = ne;
        o->cap = nc;
    }
    int32_t rc32 = refcnt > INT32_MAX   ? INT32_MAX
                   : refcnt < INT32_MIN ? INT32_MIN
                                        : (int32_t)refcnt;
    o->e[o->n++] = (entry){r->n_events << OP_BITS | (uint64_t)op, site_id(r, ev->site), rc32};
}

/* {==== Events ====} */

/* A copy of an ERROR's detail text (NULL for none or out of memory); the
 * record owns it. */
static char *
dup_detail(const char *d)
{
    if (d == NULL)
        return NULL;
    size_t n = strlen(d) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, d, n);
    return copy;
}

static void
add_error(gcs_hist_rec *r, const gcs_event *ev)
{
    if (r->n_errors == r->cap_errors) {
        size_t nc = r->cap_errors ? r->cap_errors * 2 : 16;
        rec_error *ne = realloc(r->errors, nc * sizeof *ne);
        if (ne == NULL) {
            r->oom = true;
            return;
        }
        r->errors = ne;
        r->cap_errors = nc;
    }
    r->errors[r->n_errors++] = (rec_error){r->n_events, (int)ev->u.error.code, ev->u.error.obj,
                                           dup_detail(ev->u.error.detail), site_id(r, ev->site)};
}

static void
set_op(entry *e, gcs_hg_op op)
{
    e->ev_op = (e->ev_op & ~(uint64_t)((1u << OP_BITS) - 1)) | (uint64_t)op;
}

/* The previous event was an INCREF/DECREF of obj that this store/removal
 * explains: retag it. True if it did. */
static bool
retag_prev(gcs_hist_rec *r, gcs_ev_kind want, uint64_t obj, gcs_hg_op op)
{
    objhist *o = obj_at(r, r->prev_hist);
    if (r->prev_kind == want && r->prev_obj == obj && obj != 0 && o && o->n > 0 &&
        E_EVENT(&o->e[o->n - 1]) + 1 == r->n_events) {
        set_op(&o->e[o->n - 1], op);
        return true;
    }
    return false;
}

/* A reference to `obj` was removed: if its DECREF came just before, retag it;
 * else the next DECREF of `obj` is the removal's. */
static void
note_removal(gcs_hist_rec *r, uint64_t obj)
{
    if (obj == 0 || retag_prev(r, GCS_EV_DECREF, obj, GCS_HGOP_UNSTORE))
        return;
    objhist *o = obj_at(r, lookup(r, obj));
    if (o)
        o->pending_unstore++;
}

/* A store: if its incref came first, retag it; else the next INCREF of the
 * stored object is the store's (prev_obj stays set for on_refcnt). */
static void
on_store(gcs_hist_rec *r, uint64_t stored, uint64_t old)
{
    bool done = retag_prev(r, GCS_EV_INCREF, stored, GCS_HGOP_STORE);
    /* an instance increfs its class, then is allocated, then stores it */
    objhist *o = done || stored == 0 ? NULL : obj_at(r, lookup(r, stored));
    if (o && o->n > 0 && E_OP(&o->e[o->n - 1]) == GCS_HGOP_INCREF &&
        E_EVENT(&o->e[o->n - 1]) + STORE_WINDOW >= r->n_events) {
        set_op(&o->e[o->n - 1], GCS_HGOP_STORE);
        done = true;
    }
    r->prev_obj = done ? 0 : stored;
    r->prev_old = old;
    note_removal(r, old);
}

static void
on_refcnt(gcs_hist_rec *r, const gcs_event *ev, uint64_t obj, int64_t refcnt, bool inc)
{
    uint32_t k = lookup(r, obj);
    objhist *o = obj_at(r, k);
    gcs_hg_op op = inc ? GCS_HGOP_INCREF : GCS_HGOP_DECREF;
    /* removal / store announced just before */
    if (inc && (r->prev_kind == GCS_EV_REF_SET || r->prev_kind == GCS_EV_VAR_SET) &&
        r->prev_obj == obj)
        op = GCS_HGOP_STORE;
    if (!inc && o && o->pending_unstore > 0) {
        o->pending_unstore--;
        op = GCS_HGOP_UNSTORE;
    }
    append(r, o, ev, op, refcnt);
    r->prev_obj = obj;
    r->prev_hist = k;
}

static void
on_alloc(gcs_hist_rec *r, const gcs_event *ev)
{
    uint32_t k = insert(r, ev->u.alloc.obj);
    if (k == NO_IDX)
        r->oom = true;
    append(r, obj_at(r, k), ev, GCS_HGOP_NEW, 1);
}

void
gcs_hist_rec_event(gcs_hist_rec *r, const gcs_event *ev)
{
    switch (ev->kind) {
    case GCS_EV_ALLOC:
        on_alloc(r, ev);
        break;
    case GCS_EV_FREE:
        remove_obj(r, ev->u.free.obj);
        break;
    case GCS_EV_INCREF:
        on_refcnt(r, ev, ev->u.incref.obj, ev->u.incref.refcnt, true);
        break;
    case GCS_EV_DECREF:
        on_refcnt(r, ev, ev->u.decref.obj, ev->u.decref.refcnt, false);
        break;
    case GCS_EV_REF_SET:
        on_store(r, ev->u.ref_set.dst, ev->u.ref_set.old);
        break;
    case GCS_EV_VAR_SET:
        on_store(r, ev->u.var_set.obj, ev->u.var_set.old);
        break;
    case GCS_EV_REF_DEL:
        note_removal(r, ev->u.ref_del.old);
        r->prev_obj = ev->u.ref_del.old;
        r->prev_old = ev->u.ref_del.old;
        break;
    case GCS_EV_VAR_DEL:
        note_removal(r, ev->u.var_del.old);
        r->prev_obj = ev->u.var_del.old;
        r->prev_old = ev->u.var_del.old;
        break;
    case GCS_EV_ERROR:
        add_error(r, ev);
        break;
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
    case GCS_EV_HEAP_END:
    case GCS_EV_INTERNAL:
    case GCS_EV__COUNT:
        break;
    }
    r->prev_kind = ev->kind;
    r->n_events++;
}

void
gcs_hist_rec_hook(void *ud, const gcs_event *ev)
{
    gcs_hist_rec_event(ud, ev);
}

/* {==== Export ====} */

/* Entries the export adds: the live objects' entries but for the settled
 * pairs (a first pass, so the graph's array is reserved at its exact size).
 * `gone` is scratch of GCS_HIST_MAX_PER_OBJ bytes. */
static size_t
exported_entries(const gcs_hist_rec *r, uint8_t *gone)
{
    size_t total = 0;
    for (size_t i = 0; i < r->n_objs; i++) {
        const objhist *o = &r->objs[i];
        if (o->id == 0 || o->truncated)
            continue;
        total += o->n;
        if (pair_settled(r, o, gone))
            for (uint32_t k = 0; k < o->n; k++)
                total -= gone[k];
    }
    return total;
}

/* The objects are walked in allocation order, which is id order: the graph
 * then receives every node's entries grouped and in node order and needs no
 * sort (gcs_hg_finish). Settled pairs still in an array are left out, as
 * compact() would drop them. Entries of objects the graph leaves out are dropped
 * by gcs_hg_finish. Each recorder site is interned into the graph once. */
int
gcs_hist_rec_export(const gcs_hist_rec *r, gcs_hg *g)
{
    uint32_t *site_map = malloc(r->n_sites * sizeof *site_map);
    if (site_map == NULL)
        return GCS_ENOMEM;
    site_map[0] = 0;
    for (size_t i = 1; i < r->n_sites; i++)
        site_map[i] = gcs_hg_site(g, &r->sites[i]); /* 0 (unknown) on ENOMEM */
    uint8_t gone[GCS_HIST_MAX_PER_OBJ];
    int rc = gcs_hg_reserve_hist(g, g->n_hist + exported_entries(r, gone));
    enum { AHEAD = 8 }; /* objects ahead whose history arrays are prefetched */
    for (size_t i = 0; i < r->n_objs && rc == 0; i++) {
        if (i + AHEAD < r->n_objs && r->objs[i + AHEAD].n > 0)
            __builtin_prefetch(r->objs[i + AHEAD].e);
        const objhist *o = &r->objs[i];
        if (o->id == 0 || o->truncated)
            continue;
        (void)pair_settled(r, o, gone); /* as compact(): the same report, fewer entries */
        for (uint32_t k = 0; k < o->n && rc == 0; k++) {
            const entry *e = &o->e[k];
            if (gone[k])
                continue;
            rc = gcs_hg_add_hist_at(g, o->id, E_EVENT(e), (gcs_hg_op)E_OP(e), e->refcnt,
                                    site_map[e->site]);
        }
    }
    free(site_map);
    for (size_t i = 0; i < r->n_errors && rc == 0; i++) {
        const rec_error *e = &r->errors[i];
        rc = gcs_hg_add_error(g, e->event, e->code, e->obj, e->detail,
                              e->site ? &r->sites[e->site] : NULL);
    }
    if (rc == 0)
        g->has_history = true;
    return rc;
}
