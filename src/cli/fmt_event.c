/* src/cli/fmt_event.c — one trace event as text or JSON, and the event table,
 * all derived from GCS_EVENT_MAP (trace_events.h): a field visitor is generated
 * per kind from the F(tag, field) rows, and the printers only know the four
 * field tags. A new event therefore prints without touching this file.
 * Start reading at gcs_fmt_fields(). Presentation hints are keyed by field
 * name (refcnt, phase), never by a hand-written list of events. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

/* {==== Field visitors generated from the table ====} */

/* The F rows expand inside each function body; `p` is the typed payload. */
#define F(tag, field) fn(ud, #field, (#tag)[0], &p->field);
#define X(NAME, name, code, FIELDS, doc)                                                           \
    static void visit_##name(const gcs_ev_##name *p, gcs_fmt_field_fn fn, void *ud)                \
    {                                                                                              \
        (void)p;                                                                                   \
        (void)fn;                                                                                  \
        (void)ud;                                                                                  \
        FIELDS                                                                                     \
    }
GCS_EVENT_MAP(X)
#undef X
#undef F

void
gcs_fmt_fields(const gcs_event *ev, gcs_fmt_field_fn fn, void *ud)
{
    switch (ev->kind) {
#define X(NAME, name, code, FIELDS, doc)                                                           \
    case GCS_EV_##NAME:                                                                            \
        visit_##name(&ev->u.name, fn, ud);                                                         \
        break;
        GCS_EVENT_MAP(X)
#undef X
    case GCS_EV__COUNT:
        break;
    }
}

static const int ev_codes[GCS_EV__COUNT] = {
#define X(NAME, name, code, FIELDS, doc) [GCS_EV_##NAME] = code,
    GCS_EVENT_MAP(X)
#undef X
};

#define F(tag, field) +1
static const int ev_nfields[GCS_EV__COUNT] = {
#define X(NAME, name, code, FIELDS, doc) [GCS_EV_##NAME] = 0 FIELDS,
    GCS_EVENT_MAP(X)
#undef X
};
#undef F

#define F(tag, field) #field ":" #tag " "
static const char *const ev_fieldlists[GCS_EV__COUNT] = {
#define X(NAME, name, code, FIELDS, doc) [GCS_EV_##NAME] = "" FIELDS,
    GCS_EVENT_MAP(X)
#undef X
};
#undef F

int
gcs_fmt_nfields(gcs_ev_kind kind)
{
    return (unsigned)kind < GCS_EV__COUNT ? ev_nfields[kind] : -1;
}

int
gcs_fmt_code(gcs_ev_kind kind)
{
    return (unsigned)kind < GCS_EV__COUNT ? ev_codes[kind] : -1;
}

char *
gcs_fmt_field_list(gcs_ev_kind kind, char *buf, size_t buf_size)
{
    const char *s = (unsigned)kind < GCS_EV__COUNT ? ev_fieldlists[kind] : "";
    snprintf(buf, buf_size, "%s", s);
    size_t n = strlen(buf);
    if (n > 0 && buf[n - 1] == ' ')
        buf[n - 1] = '\0'; /* the rows leave one trailing space */
    return buf;
}

int
gcs_fmt_kind_by_name(const char *name)
{
    for (int k = 0; k < GCS_EV__COUNT; k++)
        if (strcmp(gcs_ev_name((gcs_ev_kind)k), name) == 0)
            return k;
    return -1;
}

/* {==== Strings ====} */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static int
utf8_len(const unsigned char *s)
{
    int n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (s[0] >= 0xf5 || n == 0)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

void
gcs_fmt_json_string(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p++);
        else if (*p == '\n')
            fputs("\\n", f), p++;
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p++);
        else if (*p < 0x80)
            fputc(*p++, f);
        else {
            int n = utf8_len(p);
            if (n == 0) {
                fputs("\\ufffd", f);
                p++;
            } else {
                fwrite(p, 1, (size_t)n, f);
                p += n;
            }
        }
    }
    fputc('"', f);
}

void
gcs_fmt_dot_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if ((unsigned char)*p < 0x20)
            fputc(' ', f);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

const char *
gcs_fmt_basename(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path;
}

char *
gcs_fmt_count(uint64_t n, char *buf, size_t buf_size)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%" PRIu64, n);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < buf_size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

char *
gcs_fmt_duration(uint64_t ns, char *buf, size_t buf_size)
{
    if (ns < 1000)
        snprintf(buf, buf_size, "%" PRIu64 " ns", ns);
    else if (ns < 1000000)
        snprintf(buf, buf_size, "%.1f µs", ns / 1e3);
    else if (ns < 1000000000)
        snprintf(buf, buf_size, "%.2f ms", ns / 1e6);
    else
        snprintf(buf, buf_size, "%.2f s", ns / 1e9);
    return buf;
}

char *
gcs_fmt_bytes(uint64_t n, char *buf, size_t buf_size)
{
    if (n < 1024)
        snprintf(buf, buf_size, "%" PRIu64 " B", n);
    else if (n < 1024 * 1024)
        snprintf(buf, buf_size, "%.1f KiB", n / 1024.0);
    else if (n < 1024ull * 1024 * 1024)
        snprintf(buf, buf_size, "%.1f MiB", n / (1024.0 * 1024));
    else
        snprintf(buf, buf_size, "%.2f GiB", n / (1024.0 * 1024 * 1024));
    return buf;
}

/* {==== Readable text ====} */

typedef struct text_ctx {
    FILE *f;
    const gcs_event *ev;
    gcs_fmt_type_fn type_of;
    void *ud;
    int n_obj;              /* object fields printed so far */
    const char *first_type; /* type shown for the first object, or NULL */
} text_ctx;

static void
text_obj(text_ctx *t, uint64_t id)
{
    const char *type = t->type_of && id ? t->type_of(t->ud, id) : NULL;
    if (t->n_obj == 1)
        t->first_type = type;
    if (id == 0)
        fputs("none", t->f);
    else
        fprintf(t->f, "%s#%" PRIu64, type ? type : "obj", id);
}

/* refcnt is the new count; INCREF and DECREF moved it by one. */
static void
text_refcnt(text_ctx *t, int64_t now)
{
    int delta = t->ev->kind == GCS_EV_INCREF ? 1 : t->ev->kind == GCS_EV_DECREF ? -1 : 0;
    if (delta)
        fprintf(t->f, " refcount %" PRId64 "→%" PRId64, now - delta, now);
    else
        fprintf(t->f, " refcount %" PRId64, now);
}

static void
text_field(void *ud, const char *name, char tag, const void *value)
{
    text_ctx *t = ud;
    switch (tag) {
    case 'O':
        fputc(' ', t->f);
        if (t->n_obj++ > 0)
            fprintf(t->f, "%s ", name);
        text_obj(t, *(const gcs_evf_O *)value);
        break;
    case 'U':
        if (strcmp(name, "phase") == 0 && gcs_gc_phase_name(*(const gcs_evf_U *)value))
            fprintf(t->f, " phase %s", gcs_gc_phase_name(*(const gcs_evf_U *)value));
        else
            fprintf(t->f, " %s %" PRIu64, name, *(const gcs_evf_U *)value);
        break;
    case 'I':
        if (strcmp(name, "refcnt") == 0)
            text_refcnt(t, *(const gcs_evf_I *)value);
        else
            fprintf(t->f, " %s %" PRId64, name, *(const gcs_evf_I *)value);
        break;
    case 'S': {
        const char *s = *(const gcs_evf_S *)value;
        if (strcmp(name, "type") == 0 && s && t->first_type && strcmp(s, t->first_type) == 0)
            break; /* already shown as type#id */
        if (s)
            fprintf(t->f, " %s '%s'", name, s);
        else
            fprintf(t->f, " %s none", name);
        break;
    }
    default:
        break;
    }
}

void
gcs_fmt_event_text(FILE *f, uint64_t seq, const gcs_event *ev, gcs_fmt_type_fn type_of, void *ud)
{
    const char *name = gcs_ev_name(ev->kind);
    text_ctx t = {f, ev, type_of, ud, 0, NULL};
    fprintf(f, "#%" PRIu64 " %s", seq, name ? name : "?");
    gcs_fmt_fields(ev, text_field, &t);
    if (ev->site && (ev->site->file || ev->site->func)) {
        fprintf(f, "  at %s:%d", ev->site->file ? gcs_fmt_basename(ev->site->file) : "?",
                ev->site->line);
        if (ev->site->func)
            fprintf(f, " %s", ev->site->func);
    }
    fputc('\n', f);
}

/* {==== JSON ====} */

static void
json_field(void *ud, const char *name, char tag, const void *value)
{
    FILE *f = ud;
    fprintf(f, ",\"%s\":", name);
    switch (tag) {
    case 'O':
        if (*(const gcs_evf_O *)value)
            fprintf(f, "%" PRIu64, *(const gcs_evf_O *)value);
        else
            fputs("null", f);
        break;
    case 'U':
        fprintf(f, "%" PRIu64, *(const gcs_evf_U *)value);
        break;
    case 'I':
        fprintf(f, "%" PRId64, *(const gcs_evf_I *)value);
        break;
    case 'S':
        gcs_fmt_json_string(f, *(const gcs_evf_S *)value);
        break;
    default:
        fputs("null", f);
        break;
    }
}

void
gcs_fmt_event_json(FILE *f, uint64_t seq, const gcs_event *ev)
{
    fprintf(f, "{\"seq\":%" PRIu64 ",\"ev\":", seq);
    gcs_fmt_json_string(f, gcs_ev_name(ev->kind));
    fprintf(f, ",\"t_ns\":%" PRIu64, ev->t_ns);
    gcs_fmt_fields(ev, json_field, f);
    fputs(",\"site\":", f);
    if (ev->site && (ev->site->file || ev->site->func)) {
        fputs("{\"file\":", f);
        gcs_fmt_json_string(f, ev->site->file);
        fprintf(f, ",\"line\":%d,\"func\":", ev->site->line);
        gcs_fmt_json_string(f, ev->site->func);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    fputs("}\n", f);
}

/* {==== The event table ====} */

/* Print `text` indented by `indent`, broken at spaces to fit `width`. */
static void
wrap(FILE *f, const char *text, int indent, int width)
{
    const char *p = text;
    while (*p) {
        int room = width - indent;
        int len = (int)strlen(p);
        int cut = len;
        if (len > room) {
            cut = room;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = room;
        }
        fprintf(f, "%*s%.*s\n", indent, "", cut, p);
        p += cut;
        while (*p == ' ')
            p++;
    }
}

void
gcs_fmt_list_events(FILE *f)
{
    char fields[256];
    fprintf(f, "%-17s %-5s %s\n", "EVENT", "CODE",
            "FIELDS (O object, U unsigned, I signed, "
            "S string)");
    for (int k = 0; k < GCS_EV__COUNT; k++) {
        fprintf(f, "%-17s 0x%02x  %s\n", gcs_ev_name((gcs_ev_kind)k), gcs_fmt_code((gcs_ev_kind)k),
                gcs_fmt_field_list((gcs_ev_kind)k, fields, sizeof fields));
        wrap(f, gcs_ev_doc((gcs_ev_kind)k), 4, 80);
    }
}
