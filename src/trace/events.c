/* src/trace/events.c — tables generated from GCS_EVENT_MAP: event names, docs,
 * on-disk codes, field descriptors (tags and names, used by the reader's
 * decoder, the printer and the tests), phase names, and the one-line event
 * printer. The only place that expands the event list into data; consumers
 * index these arrays by gcs_ev_kind. */
#include <inttypes.h>
#include <stdio.h>

#include "trace_int.h"

static const char *const ev_names[GCS_EV__COUNT] = {
#define X(NAME, name, code, FIELDS, doc) [GCS_EV_##NAME] = #name,
    GCS_EVENT_MAP(X)
#undef X
};
_Static_assert(sizeof ev_names / sizeof ev_names[0] == GCS_EV__COUNT, "one name per event");

static const char *const ev_docs[GCS_EV__COUNT] = {
#define X(NAME, name, code, FIELDS, doc) [GCS_EV_##NAME] = doc,
    GCS_EVENT_MAP(X)
#undef X
};

static const char *const phase_names[GCS_PHASE__COUNT] = {
#define X(NAME, name) [GCS_PHASE_##NAME] = #name,
    GCS_GC_PHASE_MAP(X)
#undef X
};

/* Every payload field is one 8-byte slot, so field k sits at offset 8k. */
#define F(tag, field) +1
#define X(NAME, name, code, FIELDS, doc)                                                           \
    _Static_assert(sizeof(gcs_ev_##name) == 8 * (0 FIELDS), #name ": fields are 8-byte slots");    \
    _Static_assert((0 FIELDS) <= GCS_EV_MAX_FIELDS, #name ": too many fields");                    \
    _Static_assert((code) > 0 && (code) <= 0xff, #name ": code out of range");                     \
    _Static_assert((code) != GCS_TR_CODE_LABEL_INT && (code) != GCS_TR_CODE_REF_SET_INDEX &&       \
                       (code) != GCS_TR_CODE_REF_DEL_INDEX,                                        \
                   #name ": code taken by a compact record (trace_int.h)");
GCS_EVENT_MAP(X)
#undef X
#undef F
_Static_assert(sizeof(uint64_t) == sizeof(const char *), "string fields are 8-byte slots");

#define F(tag, field)                    #field,
#define X(NAME, name, code, FIELDS, doc) static const char *const fn_##name[] = {FIELDS NULL};
GCS_EVENT_MAP(X)
#undef X
#undef F

#define F(tag, field)        #tag
#define F_COUNT_(tag, field) +1
static const gcs_ev_desc ev_desc[GCS_EV__COUNT] = {
#define X(NAME, name, code, FIELDS, doc)                                                           \
    [GCS_EV_##NAME] = {(code), sizeof("" FIELDS) - 1, "" FIELDS, fn_##name},
    GCS_EVENT_MAP(X)
#undef X
};
#undef F
#undef F_COUNT_

const char *
gcs_ev_name(gcs_ev_kind kind)
{
    return (unsigned)kind < GCS_EV__COUNT ? ev_names[kind] : NULL;
}

const char *
gcs_ev_doc(gcs_ev_kind kind)
{
    return (unsigned)kind < GCS_EV__COUNT ? ev_docs[kind] : NULL;
}

const char *
gcs_gc_phase_name(gcs_gc_phase phase)
{
    return (unsigned)phase < GCS_PHASE__COUNT ? phase_names[phase] : NULL;
}

const gcs_ev_desc *
gcs_ev_describe(gcs_ev_kind kind)
{
    return (unsigned)kind < GCS_EV__COUNT ? &ev_desc[kind] : NULL;
}

/* code -> kind + 1 (0: unknown); codes are < 256 (checked above). */
static const uint8_t kind_by_code[256] = {
#define X(NAME, name, code, FIELDS, doc) [(code)] = GCS_EV_##NAME + 1,
    GCS_EVENT_MAP(X)
#undef X
};

int
gcs_ev_kind_of_code(uint32_t code)
{
    return code < 256 ? (int)kind_by_code[code] - 1 : -1;
}

/* {==== Printer ====} */

typedef struct sbuf {
    char *buf;
    size_t size, len;
} sbuf;

static void
sb_putc(sbuf *b, char c)
{
    if (b->len + 1 < b->size)
        b->buf[b->len] = c;
    b->len++;
}

static void
sb_puts(sbuf *b, const char *s)
{
    while (*s)
        sb_putc(b, *s++);
}

static void
sb_quoted(sbuf *b, const char *s)
{
    sb_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            sb_putc(b, '\\');
            sb_putc(b, (char)c);
        } else if (c == '\n') {
            sb_puts(b, "\\n");
        } else if (c < 0x20) {
            char tmp[8];
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
            sb_puts(b, tmp);
        } else {
            sb_putc(b, (char)c);
        }
    }
    sb_putc(b, '"');
}

size_t
gcs_event_format(const gcs_event *ev, char *buf, size_t size)
{
    sbuf b = {buf, size, 0};
    char tmp[48];
    const gcs_ev_desc *d = gcs_ev_describe(ev->kind);
    if (d == NULL) {
        snprintf(tmp, sizeof tmp, "unknown(%d)", (int)ev->kind);
        sb_puts(&b, tmp);
    } else {
        sb_puts(&b, gcs_ev_name(ev->kind));
        for (unsigned k = 0; k < d->n_fields; k++) {
            sb_putc(&b, ' ');
            sb_puts(&b, d->field_names[k]);
            sb_putc(&b, '=');
            if (d->tags[k] == 'S') {
                const char *s = *gcs_ev_field_cstr(ev, k);
                if (s)
                    sb_quoted(&b, s);
                else
                    sb_putc(&b, '-');
            } else if (d->tags[k] == 'I') {
                snprintf(tmp, sizeof tmp, "%" PRId64, (int64_t)*gcs_ev_field_cu64(ev, k));
                sb_puts(&b, tmp);
            } else {
                snprintf(tmp, sizeof tmp, "%" PRIu64, *gcs_ev_field_cu64(ev, k));
                sb_puts(&b, tmp);
            }
        }
    }
    if (ev->t_ns) {
        snprintf(tmp, sizeof tmp, " t=%" PRIu64 "ns", ev->t_ns);
        sb_puts(&b, tmp);
    }
    if (ev->site) {
        sb_puts(&b, " @ ");
        sb_puts(&b, ev->site->file ? ev->site->file : "?");
        snprintf(tmp, sizeof tmp, ":%d", ev->site->line);
        sb_puts(&b, tmp);
        if (ev->site->func) {
            sb_puts(&b, " (");
            sb_puts(&b, ev->site->func);
            sb_putc(&b, ')');
        }
    }
    if (size)
        b.buf[b.len < size ? b.len : size - 1] = '\0';
    return b.len;
}
