/* src/analysis/hist_rec.c — see hist_rec.h. Objects are kept in an
 * open-addressing table keyed by id (tombstones on FREE); each holds a growable
 * array of 24-byte entries. Call sites are interned by value, since a site
 * pointer (GCS_HERE is a compound literal) is only valid during the event.
 * Store detection looks one event back: the runtime emits INCREF then REF_SET
 * for a store (both orders are accepted). A removal (REF_DEL, VAR_DEL, or the
 * old target of a REF_SET/VAR_SET) marks the removed object: its next DECREF
 * is the removal's, however many events come between (a dict being freed
 * reports every entry, then decrefs key and value of each in turn).
 */
#include "analysis/hist_rec.h"

#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"

typedef struct entry {
    uint64_t event;
    int64_t refcnt;
    uint32_t site;
    uint8_t op;
} entry;

typedef struct objhist {
    uint64_t id; /* 0: empty slot; TOMB: deleted */
    entry *e;
    uint32_t n, cap;
    uint32_t pending_unstore; /* removals reported whose DECREF has not come yet */
    bool truncated;
} objhist;

#define TOMB UINT64_MAX
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
    objhist *tab;
    size_t cap, used; /* used counts live + tombstones */
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
    objhist *prev_hist; /* INCREF/DECREF: where the entry went */
};

static uint64_t
mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

int
gcs_hist_rec_new(gcs_hist_rec **out)
{
    gcs_hist_rec *r = calloc(1, sizeof *r);
    *out = NULL;
    if (r == NULL)
        return GCS_ENOMEM;
    r->cap = 1024;
    r->tab = calloc(r->cap, sizeof *r->tab);
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
    *out = r;
    return 0;
}

void
gcs_hist_rec_free(gcs_hist_rec *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->cap; i++)
        if (r->tab && r->tab[i].id != 0 && r->tab[i].id != TOMB)
            free(r->tab[i].e);
    for (size_t i = 0; i < r->n_errors; i++)
        free(r->errors[i].detail);
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

static objhist *
lookup(const gcs_hist_rec *r, uint64_t id)
{
    size_t j = mix(id) & (r->cap - 1);
    while (r->tab[j].id != 0) {
        if (r->tab[j].id == id)
            return &r->tab[j];
        j = (j + 1) & (r->cap - 1);
    }
    return NULL;
}

static int
tab_grow(gcs_hist_rec *r)
{
    size_t live = 0;
    for (size_t i = 0; i < r->cap; i++)
        live += r->tab[i].id != 0 && r->tab[i].id != TOMB;
    size_t nc = r->cap;
    while (live * 4 >= nc)
        nc *= 2;
    objhist *t = calloc(nc, sizeof *t);
    if (t == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < r->cap; i++) {
        if (r->tab[i].id == 0 || r->tab[i].id == TOMB)
            continue;
        size_t j = mix(r->tab[i].id) & (nc - 1);
        while (t[j].id != 0)
            j = (j + 1) & (nc - 1);
        t[j] = r->tab[i];
    }
    free(r->tab);
    r->tab = t;
    r->cap = nc;
    r->used = live;
    r->prev_hist = NULL; /* pointers into the old table are gone */
    return 0;
}

static objhist *
insert(gcs_hist_rec *r, uint64_t id)
{
    if ((r->used + 1) * 2 > r->cap && tab_grow(r) != 0)
        return NULL;
    size_t j = mix(id) & (r->cap - 1);
    while (r->tab[j].id != 0 && r->tab[j].id != id)
        j = (j + 1) & (r->cap - 1);
    if (r->tab[j].id == id) { /* id reuse should not happen; restart */
        r->tab[j].n = 0;
        return &r->tab[j];
    }
    r->tab[j] = (objhist){.id = id};
    r->used++;
    return &r->tab[j];
}

static void
remove_obj(gcs_hist_rec *r, uint64_t id)
{
    objhist *o = lookup(r, id);
    if (o == NULL)
        return;
    free(o->e);
    *o = (objhist){.id = TOMB};
    if (r->prev_hist == o)
        r->prev_hist = NULL;
}

/* {==== Pairing as we go (bounded memory) ====}
 * A long-lived object that temporaries keep increfing and decrefing would
 * otherwise collect its whole history (hundreds of MB on a big trace). The
 * analysis pairs each decref, in event order, with an earlier unpaired
 * incref (leak_history.c, gcs_la_pairing_rule); a pair never affects the
 * result, and each decision depends only on the entries before the decref.
 * So when an object's array is full, the decrefs old enough that no later
 * event can retag them or the increfs before them (STORE / UNSTORE are set up
 * to STORE_WINDOW events late) are paired here by the same rule and both ends
 * dropped. The report is the same as with the whole history. */

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
        if (gone[j] || !is_inc_op(e[j].op))
            continue;
        bool store = e[j].op == GCS_HGOP_STORE;
        if ((want == 1 && !store) || (want >= 2 && store))
            continue;
        if (want == 3 && !same_func(r, e[j].site, e[k].site))
            continue;
        return (long)j;
    }
    return -1;
}

static void
compact(gcs_hist_rec *r, objhist *o)
{
    uint8_t gone[GCS_HIST_MAX_PER_OBJ];
    memset(gone, 0, o->n);
    for (size_t k = 0; k < o->n && o->e[k].event + SETTLED <= r->n_events; k++) {
        if (is_inc_op(o->e[k].op))
            continue;
        long j = o->e[k].op == GCS_HGOP_UNSTORE ? latest_unpaired(r, o->e, gone, k, 1) : -1;
        if (j < 0)
            j = latest_unpaired(r, o->e, gone, k, 3);
        if (j < 0)
            j = latest_unpaired(r, o->e, gone, k, 2);
        if (j < 0)
            j = latest_unpaired(r, o->e, gone, k, 0);
        gone[k] = 1;
        if (j >= 0)
            gone[j] = 1;
    }
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
    if (o->n == o->cap && o->n >= 8)
        compact(r, o);
    if (o->n == GCS_HIST_MAX_PER_OBJ) {
        o->truncated = true;
        return;
    }
    if (o->n == o->cap) {
        uint32_t nc = o->cap ? o->cap * 2 : 4;
        entry *ne = realloc(o->e, nc * sizeof *ne);
        if (ne == NULL) {
            r->oom = true;
            o->truncated = true;
            return;
        }
        o->e = ne;
        o->cap = nc;
    }
    o->e[o->n++] = (entry){r->n_events, refcnt, site_id(r, ev->site), (uint8_t)op};
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

/* The previous event was an INCREF/DECREF of obj that this store/removal
 * explains: retag it. True if it did. */
static bool
retag_prev(gcs_hist_rec *r, gcs_ev_kind want, uint64_t obj, gcs_hg_op op)
{
    if (r->prev_kind == want && r->prev_obj == obj && obj != 0 && r->prev_hist &&
        r->prev_hist->n > 0 && r->prev_hist->e[r->prev_hist->n - 1].event + 1 == r->n_events) {
        r->prev_hist->e[r->prev_hist->n - 1].op = (uint8_t)op;
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
    objhist *o = lookup(r, obj);
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
    objhist *o = done || stored == 0 ? NULL : lookup(r, stored);
    if (o && o->n > 0 && o->e[o->n - 1].op == GCS_HGOP_INCREF &&
        o->e[o->n - 1].event + STORE_WINDOW >= r->n_events) {
        o->e[o->n - 1].op = GCS_HGOP_STORE;
        done = true;
    }
    r->prev_obj = done ? 0 : stored;
    r->prev_old = old;
    note_removal(r, old);
}

static void
on_refcnt(gcs_hist_rec *r, const gcs_event *ev, uint64_t obj, int64_t refcnt, bool inc)
{
    objhist *o = lookup(r, obj);
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
    r->prev_hist = o;
}

void
gcs_hist_rec_event(gcs_hist_rec *r, const gcs_event *ev)
{
    switch (ev->kind) {
    case GCS_EV_ALLOC:
        append(r, insert(r, ev->u.alloc.obj), ev, GCS_HGOP_NEW, 1);
        if (lookup(r, ev->u.alloc.obj) == NULL)
            r->oom = true;
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

/* The table is walked in slot order, not looked up per node: a million
 * random lookups into a table of this size cost seconds on a VM (each is a
 * TLB miss), a sequential walk a few milliseconds. Entries of objects the
 * graph leaves out are dropped by gcs_hg_finish. Each recorder site is
 * interned into the graph once. */
int
gcs_hist_rec_export(const gcs_hist_rec *r, gcs_hg *g)
{
    uint32_t *site_map = malloc(r->n_sites * sizeof *site_map);
    if (site_map == NULL)
        return GCS_ENOMEM;
    site_map[0] = 0;
    for (size_t i = 1; i < r->n_sites; i++)
        site_map[i] = gcs_hg_site(g, &r->sites[i]); /* 0 (unknown) on ENOMEM */
    int rc = 0;
    enum { AHEAD = 8 }; /* slots ahead whose history arrays are prefetched */
    for (size_t i = 0; i < r->cap && rc == 0; i++) {
        if (i + AHEAD < r->cap && r->tab[i + AHEAD].n > 0)
            __builtin_prefetch(r->tab[i + AHEAD].e);
        const objhist *o = &r->tab[i];
        if (o->id == 0 || o->id == TOMB || o->truncated)
            continue;
        for (uint32_t k = 0; k < o->n && rc == 0; k++) {
            const entry *e = &o->e[k];
            rc = gcs_hg_add_hist_at(g, o->id, e->event, (gcs_hg_op)e->op, e->refcnt,
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
