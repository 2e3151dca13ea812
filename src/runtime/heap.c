/* src/runtime/heap.c — the heap: creation and teardown, the allocator entry
 * point, error messages, hooks, markers and the interned call-site table.
 * Invariant: every byte the runtime owns comes from h->alloc and is returned
 * to it by gcs_rt_heap_free (tests assert zero live blocks afterwards).
 * Start with gcs_rt_heap_new. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "runtime_int.h"

/* {==================== Allocation ====================} */

static void *
default_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

void *
gcs_rt_malloc(gcs_heap *h, size_t n)
{
    return h->alloc(h->alloc_ud, NULL, 0, n);
}

void *
gcs_rt_realloc(gcs_heap *h, void *p, size_t old_n, size_t new_n)
{
    return h->alloc(h->alloc_ud, p, old_n, new_n);
}

void
gcs_rt_mfree(gcs_heap *h, void *p, size_t n)
{
    if (p)
        h->alloc(h->alloc_ud, p, n, 0);
}

char *
gcs_rt_strdup(gcs_heap *h, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = gcs_rt_malloc(h, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void
gcs_rt_strfree(gcs_heap *h, char *s)
{
    if (s)
        gcs_rt_mfree(h, s, strlen(s) + 1);
}

/* {==================== Errors ====================} */

int
gcs_rt_error(gcs_heap *h, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->errmsg, sizeof h->errmsg, fmt, ap);
    va_end(ap);
    h->errcode = code;
    return code;
}

void
gcs_rt_clear_error(gcs_heap *h)
{
    h->errcode = 0;
    h->errmsg[0] = '\0';
}

const char *
gcs_heap_errmsg(const gcs_heap *h)
{
    return h ? h->errmsg : "no heap";
}

int
gcs_heap_errcode(const gcs_heap *h)
{
    return h ? h->errcode : GCS_EINVAL;
}

/* {==================== Clock, sites ====================} */

static uint64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
gcs_rt_now_ns(const gcs_heap *h)
{
    uint64_t t = mono_ns() - h->t0_ns;
    return t ? t : 1;
}

static uint64_t
site_hash(const gcs_site *s)
{
    uint64_t x = (uintptr_t)s->file * 0x9E3779B97F4A7C15ull;
    x ^= (uintptr_t)s->func * 0xC2B2AE3D27D4EB4Full;
    x ^= (uint64_t)(unsigned)s->line * 0x165667B19E3779F9ull;
    return x ^ (x >> 29);
}

static bool
site_same(const gcs_site *a, const gcs_site *b)
{
    return a->file == b->file && a->func == b->func && a->line == b->line;
}

static int
site_grow_index(gcs_heap *h)
{
    gcs_site_tab *t = &h->sites;
    size_t n_index = t->n_index ? t->n_index * 2 : 64;
    uint32_t *ix = gcs_rt_malloc(h, n_index * sizeof *ix);
    if (!ix)
        return GCS_ENOMEM;
    memset(ix, 0, n_index * sizeof *ix);
    for (size_t i = 1; i < t->n; i++) {
        size_t j = site_hash(&t->sites[i]) & (n_index - 1);
        while (ix[j])
            j = (j + 1) & (n_index - 1);
        ix[j] = (uint32_t)i + 1;
    }
    gcs_rt_mfree(h, t->index, t->n_index * sizeof *ix);
    t->index = ix;
    t->n_index = n_index;
    return 0;
}

/* Number of `site` in the table, adding it if new; 0 for NULL or when memory
 * runs out (the site is then simply unknown). */
uint32_t
gcs_rt_site_intern_slow(gcs_heap *h, const gcs_site *site)
{
    gcs_site_tab *t = &h->sites;
    if (!site || !t->index)
        return 0;
    if (t->last && site_same(&t->sites[t->last], site))
        return t->last; /* loops allocate at one site: skip the hash */
    size_t j = site_hash(site) & (t->n_index - 1);
    for (; t->index[j]; j = (j + 1) & (t->n_index - 1))
        if (site_same(&t->sites[t->index[j] - 1], site))
            return t->last = t->index[j] - 1;
    if (t->n == t->cap) {
        size_t cap = t->cap * 2;
        gcs_site *s = gcs_rt_realloc(h, t->sites, t->cap * sizeof *s, cap * sizeof *s);
        if (!s)
            return 0;
        t->sites = s;
        t->cap = cap;
    }
    if ((t->n + 1) * 2 > t->n_index) {
        if (site_grow_index(h) != 0)
            return 0;
        j = site_hash(site) & (t->n_index - 1);
        while (t->index[j])
            j = (j + 1) & (t->n_index - 1);
    }
    t->sites[t->n] = *site;
    t->index[j] = (uint32_t)t->n + 1;
    t->last = (uint32_t)t->n;
    return (uint32_t)t->n++;
}

static int
sites_init(gcs_heap *h)
{
    gcs_site_tab *t = &h->sites;
    t->cap = 16;
    t->sites = gcs_rt_malloc(h, t->cap * sizeof *t->sites);
    if (!t->sites)
        return GCS_ENOMEM;
    t->sites[0] = (gcs_site){NULL, NULL, 0};
    t->n = 1;
    return site_grow_index(h);
}

static void
sites_free(gcs_heap *h)
{
    gcs_rt_mfree(h, h->sites.sites, h->sites.cap * sizeof(gcs_site));
    gcs_rt_mfree(h, h->sites.index, h->sites.n_index * sizeof(uint32_t));
}

gcs_site
gcs_obj_alloc_site(gcs_heap *h, gcs_obj *o)
{
    gcs_site none = {NULL, NULL, 0};
    if (!h || gcs_rt_validate(h, o, NULL, false) != 0)
        return none;
    return o->site < h->sites.n ? h->sites.sites[o->site] : none;
}

/* {==================== Config, creation ====================} */

void
gcs_config_init(gcs_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->thresholds[0] = 700;
    cfg->thresholds[1] = 10;
    cfg->thresholds[2] = 10;
    cfg->gc_enabled = true;
#ifdef GCS_DEBUG
    cfg->checked = true;
#endif
    cfg->on_error = GCS_ON_ERROR_ABORT;
    cfg->trace_compress = true;
}

void
gcs_rt_update_slow(gcs_heap *h)
{
    h->hooked = h->hook != NULL || h->trace_hook != NULL;
    h->head.slow_ = (h->hooked || h->checked) ? 1u : 0u;
    gcs_rt_update_sole(h);
}

static int
heap_init_lists(gcs_heap *h)
{
    for (int g = 0; g < 4; g++) {
        gcs_list_init_(&h->gens[g]);
        h->gens[g].gen = (uint8_t)g;
        h->gens[g].flags = OF_TRACKED;
    }
    gcs_list_init_(&h->untracked);
    h->untracked.gen = GEN_NONE;
    return 0;
}

/* The objects every heap starts with: None, True, False, (), gc.garbage,
 * gc.callbacks, the weak-value-dict type and the "<module>" frame. */
static int
heap_init_objects(gcs_heap *h)
{
    int rc = gcs_rt_frames_init(h);
    if (rc == 0)
        rc = gcs_rt_wvdict_init(h);
    if (rc != 0)
        return rc;
    gcs_rt_atoms_init_static(h);
    if (!h->none || !h->true_ || !h->false_ || !h->empty_tuple)
        return GCS_ENOMEM;
    if ((rc = gcs_list_new_at(h, &h->garbage, NULL)) != 0)
        return rc;
    if ((rc = gcs_list_new_at(h, &h->callbacks, NULL)) != 0)
        return rc;
    /* name them for the viewer and the leak report: they are the gc module's lists */
    gcs_rt_ev_label(h, h->garbage, "gc.garbage", NULL);
    gcs_rt_ev_label(h, h->callbacks, "gc.callbacks", NULL);
    h->count[0] = 0; /* the heap's own objects don't count as program allocations */
    return 0;
}

int
gcs_rt_heap_new(const gcs_config *cfg_in, gcs_heap **out)
{
    if (!out)
        return GCS_EINVAL;
    *out = NULL;
    gcs_config cfg;
    if (cfg_in)
        cfg = *cfg_in;
    else
        gcs_config_init(&cfg);
    if (cfg.thresholds[0] < 0 || cfg.thresholds[1] < 0 || cfg.thresholds[2] < 0)
        return GCS_EINVAL;
    gcs_alloc_fn alloc = cfg.alloc ? cfg.alloc : default_alloc;
    gcs_heap *h = alloc(cfg.alloc_ud, NULL, 0, sizeof *h);
    if (!h)
        return GCS_ENOMEM;
    memset(h, 0, sizeof *h);
    h->alloc = alloc;
    h->alloc_ud = cfg.alloc_ud;
    h->cfg = cfg;
    h->cfg.trace_path = NULL; /* not ours to keep; the glue reads it from its own copy */
    h->hook = cfg.hook;
    h->hook_ud = cfg.hook_ud;
    h->checked = cfg.checked;
    h->on_error = cfg.on_error;
    h->next_id = 1;
    h->next_frame_id = 1;
    h->t0_ns = mono_ns();
    for (int i = 0; i < 3; i++)
        h->threshold[i] = cfg.thresholds[i];
    h->enabled = cfg.gc_enabled;
    h->debug = cfg.gc_debug;
    h->heapcheck_env = getenv("GCS_DEBUG_HEAPCHECK") != NULL;
    heap_init_lists(h);
    gcs_rt_update_slow(h);
    int rc = sites_init(h);
    if (rc == 0) {
        gcs_rt_gc_emit_config(h);
        rc = heap_init_objects(h);
    }
    if (rc != 0) {
        gcs_rt_heap_free(h);
        return rc;
    }
    *out = h;
    return 0;
}

/* {==================== Teardown ====================} */

static void
types_free(gcs_heap *h)
{
    gcs_type *t = h->types;
    while (t) {
        gcs_type *next = t->next_type;
        gcs_rt_mfree(h, t, sizeof *t + strlen(t->name) + 1);
        t = next;
    }
    h->types = NULL;
}

void
gcs_rt_heap_free(gcs_heap *h)
{
    if (!h)
        return;
    if (h->teardown)
        h->teardown(h, h->teardown_ud);
    if (h->hooked) {
        gcs_event ev = {.kind = GCS_EV_HEAP_END};
        ev.u.heap_end.live = h->live_objects;
        gcs_rt_emit(h, &ev);
    }
    h->collecting = true; /* no automatic collection during teardown */
    gcs_rt_frames_free(h);
    h->tearing_down = true;
    gcs_rt_free_all(h);
    gcs_rt_quarantine_release(h);
    gcs_ptrset_free(h, &h->live);
    gcs_ptrset_free(h, &h->quarantine);
    gcs_rt_by_id_free(h);
    gcs_rt_slab_release(h);
    types_free(h);
    sites_free(h);
    h->alloc(h->alloc_ud, h, sizeof *h, 0);
}

/* {==================== Hooks, markers, counters ====================} */

int
gcs_heap_set_hook(gcs_heap *h, gcs_event_fn hook, void *ud)
{
    if (!h)
        return GCS_EINVAL;
    h->hook = hook;
    h->hook_ud = ud;
    gcs_rt_update_slow(h);
    return 0;
}

int
gcs_rt_set_trace_hook(gcs_heap *h, gcs_event_fn fn, void *ud)
{
    if (!h)
        return GCS_EINVAL;
    h->trace_hook = fn;
    h->trace_ud = ud;
    gcs_rt_update_slow(h);
    return 0;
}

int
gcs_rt_set_teardown(gcs_heap *h, gcs_rt_teardown_fn fn, void *ud)
{
    if (!h)
        return GCS_EINVAL;
    h->teardown = fn;
    h->teardown_ud = ud;
    return 0;
}

const gcs_config *
gcs_rt_config(const gcs_heap *h)
{
    return h ? &h->cfg : NULL;
}

int
gcs_heap_set_checked(gcs_heap *h, bool on, gcs_on_error on_error)
{
    if (!h || (on_error != GCS_ON_ERROR_ABORT && on_error != GCS_ON_ERROR_CONTINUE))
        return GCS_EINVAL;
    if (on && !h->checked) {
        /* Register every live object; all-or-nothing. */
        gcs_ptrset fresh = {0};
        if (gcs_ptrset_reserve(h, &fresh, h->live_objects + 16) != 0 ||
            gcs_rt_by_id_reserve(h, h->next_id) != 0) {
            gcs_ptrset_free(h, &fresh);
            gcs_rt_by_id_free(h);
            return gcs_rt_error(h, GCS_ENOMEM, "out of memory enabling checked mode");
        }
        for (int g = 0; g < 5; g++) {
            gcs_obj *l = g < 4 ? &h->gens[g] : &h->untracked;
            for (gcs_obj *o = l->gc_next; o != l; o = o->gc_next) {
                gcs_ptrset_add(h, &fresh, o);
                h->by_id[o->id] = o;
            }
        }
        gcs_ptrset_free(h, &h->live);
        h->live = fresh;
    } else if (!on && h->checked) {
        gcs_ptrset_free(h, &h->live);
        gcs_rt_by_id_free(h);
        gcs_rt_quarantine_release(h);
    }
    h->checked = on;
    h->on_error = on_error;
    gcs_rt_update_slow(h);
    return 0;
}

int
gcs_marker_at(gcs_heap *h, const char *text, const gcs_site *site)
{
    if (!h || !text)
        return GCS_EINVAL;
    if (h->hooked) {
        gcs_event ev = {.kind = GCS_EV_MARKER, .site = site, .t_ns = gcs_rt_now_ns(h)};
        ev.u.marker.text = text;
        gcs_rt_emit(h, &ev);
    }
    return 0;
}

int
gcs_markerf(gcs_heap *h, const char *fmt, ...)
{
    if (!h || !fmt)
        return GCS_EINVAL;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return gcs_marker_at(h, buf, NULL);
}

size_t
gcs_heap_live_objects(const gcs_heap *h)
{
    return h ? h->live_objects : 0;
}

size_t
gcs_heap_live_bytes(const gcs_heap *h)
{
    return h ? h->live_bytes : 0;
}
