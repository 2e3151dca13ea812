/* tests/test_trace_util.h — helpers for the trace, reader and replay tests:
 * a seeded PRNG, a random event generator driven by GCS_EVENT_MAP (so a new
 * event row is covered automatically), deep copies of events and content
 * comparison. Header-only (static functions). */
#ifndef GCS_TEST_TRACE_UTIL_H
#define GCS_TEST_TRACE_UTIL_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/trace.h"
#include "trace/trace_int.h"

typedef struct tt_rng {
    uint64_t s;
} tt_rng;

static inline uint64_t
tt_next(tt_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

static inline uint64_t
tt_below(tt_rng *r, uint64_t n)
{
    return n ? tt_next(r) % n : 0;
}

static const gcs_site tt_sites[] = {
    {"main.c", "main", 10},
    {"main.c", "main", 11},
    {"lib/list.c", "gcs_list_append_at", 240},
    {"a/very/long/path/to/some/deeply/nested/module.c", "helper_with_a_long_name", 99999},
    {"neg.c", NULL, -5},
    {NULL, "nofile", 0},
};

static const char *const tt_words[] = {"list",
                                       "dict",
                                       "Node",
                                       ".next",
                                       "[0]",
                                       "[1]",
                                       "x",
                                       "self",
                                       "'spam'",
                                       "",
                                       "caption with \"quotes\"\n"};

/* Generator state: mutable buffers are reused with new content to exercise the
 * recorder's pointer-then-content interning. */
typedef struct tt_gen {
    tt_rng rng;
    uint64_t last_id, t;
    char bufs[4][2100];
} tt_gen;

static inline const char *
tt_gen_str(tt_gen *g)
{
    uint64_t c = tt_below(&g->rng, 20);
    if (c == 0)
        return NULL;
    if (c < 12)
        return tt_words[tt_below(&g->rng, sizeof tt_words / sizeof tt_words[0])];
    char *b = g->bufs[tt_below(&g->rng, 4)];
    size_t n = c == 19 ? 1000 + tt_below(&g->rng, 1000) : tt_below(&g->rng, 12);
    for (size_t i = 0; i < n; i++)
        b[i] = (char)('a' + tt_below(&g->rng, 26));
    b[n] = 0;
    return b;
}

static inline uint64_t
tt_gen_obj(tt_gen *g)
{
    uint64_t c = tt_below(&g->rng, 10);
    if (c == 0)
        return 0;
    if (c < 7)
        return g->last_id = (g->last_id > 20 ? g->last_id - 10 : 1) + tt_below(&g->rng, 21);
    if (c == 7)
        return UINT64_MAX - tt_below(&g->rng, 3);
    if (c == 8) /* deltas of about 2^63 from anywhere */
        return (1ULL << 63) + tt_below(&g->rng, 3) - 1;
    return 1 + tt_below(&g->rng, 1u << 20);
}

/* Fill ev with a random event of `kind` (or a random kind if kind < 0). */
static inline void
tt_gen_event(tt_gen *g, int kind, gcs_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind >= 0 ? (gcs_ev_kind)kind : (gcs_ev_kind)tt_below(&g->rng, GCS_EV__COUNT);
    const gcs_ev_desc *d = gcs_ev_describe(ev->kind);
    for (unsigned k = 0; k < d->n_fields; k++) {
        uint64_t c = tt_below(&g->rng, 8);
        switch (d->tags[k]) {
        case 'O':
            *gcs_ev_field_u64(ev, k) = tt_gen_obj(g);
            break;
        case 'U':
            *gcs_ev_field_u64(ev, k) = c == 0   ? UINT64_MAX
                                       : c == 1 ? tt_next(&g->rng)
                                                : tt_below(&g->rng, 300);
            break;
        case 'I': {
            int64_t v = c == 0   ? INT64_MIN
                        : c == 1 ? INT64_MAX
                                 : (int64_t)tt_below(&g->rng, 600) - 300;
            *gcs_ev_field_u64(ev, k) = (uint64_t)v;
            break;
        }
        case 'S':
            *gcs_ev_field_str(ev, k) = tt_gen_str(g);
            break;
        default:
            break;
        }
    }
    if (tt_below(&g->rng, 3) == 0)
        ev->site = &tt_sites[tt_below(&g->rng, sizeof tt_sites / sizeof tt_sites[0])];
    if (tt_below(&g->rng, 4) == 0) {
        g->t += 1 + tt_below(&g->rng, 1000000);
        ev->t_ns = g->t;
    }
}

/* A deep copy of an event (strings and site owned). */
typedef struct tt_owned {
    gcs_event ev;
    gcs_site site;
    char *s[GCS_EV_MAX_FIELDS];
    char *file, *func;
} tt_owned;

static inline char *
tt_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static inline void
tt_own(tt_owned *o, const gcs_event *ev)
{
    memset(o, 0, sizeof *o);
    o->ev = *ev;
    const gcs_ev_desc *d = gcs_ev_describe(ev->kind);
    for (unsigned k = 0; k < d->n_fields; k++) {
        if (d->tags[k] == 'S') {
            o->s[k] = tt_dup(*gcs_ev_field_cstr(ev, k));
            *gcs_ev_field_str(&o->ev, k) = o->s[k];
        }
    }
    if (ev->site) {
        o->file = tt_dup(ev->site->file);
        o->func = tt_dup(ev->site->func);
        o->site = (gcs_site){o->file, o->func, ev->site->line};
        o->ev.site = &o->site;
    }
}

static inline void
tt_unown(tt_owned *o)
{
    for (unsigned k = 0; k < GCS_EV_MAX_FIELDS; k++)
        free(o->s[k]);
    free(o->file);
    free(o->func);
}

static inline int
tt_streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Content equality; on mismatch writes a reason into why. Strings longer than
 * GCS_TRACE_MAX_STRING compare on their first GCS_TRACE_MAX_STRING bytes. */
static inline int
tt_ev_equal(const gcs_event *a, const gcs_event *b, char *why, size_t n)
{
    if (a->kind != b->kind) {
        snprintf(why, n, "kind %d != %d", (int)a->kind, (int)b->kind);
        return 0;
    }
    if (a->t_ns != b->t_ns) {
        snprintf(why, n, "t_ns %" PRIu64 " != %" PRIu64, a->t_ns, b->t_ns);
        return 0;
    }
    if ((a->site == NULL) != (b->site == NULL) ||
        (a->site && (!tt_streq(a->site->file, b->site->file) ||
                     !tt_streq(a->site->func, b->site->func) || a->site->line != b->site->line))) {
        snprintf(why, n, "site differs");
        return 0;
    }
    const gcs_ev_desc *d = gcs_ev_describe(a->kind);
    for (unsigned k = 0; k < d->n_fields; k++) {
        if (d->tags[k] == 'S') {
            if (!tt_streq(*gcs_ev_field_cstr(a, k), *gcs_ev_field_cstr(b, k))) {
                snprintf(why, n, "%s.%s differs", gcs_ev_name(a->kind), d->field_names[k]);
                return 0;
            }
        } else if (*gcs_ev_field_cu64(a, k) != *gcs_ev_field_cu64(b, k)) {
            snprintf(why, n, "%s.%s %" PRIu64 " != %" PRIu64, gcs_ev_name(a->kind),
                     d->field_names[k], *gcs_ev_field_cu64(a, k), *gcs_ev_field_cu64(b, k));
            return 0;
        }
    }
    return 1;
}

/* Deterministic recorder options for tests (fixed time and pid). */
static inline void
tt_opts(gcs_recorder_opts *o, size_t chunk_bytes, int compress)
{
    gcs_recorder_opts_init(o);
    o->chunk_bytes = chunk_bytes;
    o->compress = compress != 0;
    o->start_unix_ns = 1764000000000000000ULL;
    o->writer_pid = 4242;
    o->cmdline = "test";
    o->quiet = true;
}

/* Copy of a memory recorder's bytes (caller frees). */
static inline uint8_t *
tt_take(gcs_recorder *rec, size_t *len)
{
    const uint8_t *d = gcs_recorder_mem_data(rec, len);
    uint8_t *c = malloc(*len ? *len : 1);
    if (c && *len)
        memcpy(c, d, *len);
    return c;
}

#endif
