/* src/cli/fmt_chrome.c — Chrome Trace Event JSON (opens in Perfetto UI and
 * chrome://tracing), using only the phases Perfetto documents drawing:
 *   "M" metadata (process and thread names), "X" complete events for each
 *   collector pass (tid 2 "gc") with its phases as nested X events, "C"
 *   counters for live objects per generation, "i" instant events for markers
 *   and API errors (tid 1 "mutator").
 * Events are fed in trace order; a pass is written when its GC_END arrives.
 * Timestamps are microseconds (floats); unstamped events reuse the last time. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

enum { TID_MUTATOR = 1, TID_GC = 2 };

static void
sep(gcs_fmt_chrome *c)
{
    fputs(c->n_written++ ? ",\n" : "\n", c->f);
}

static void
ts_field(FILE *f, const char *key, uint64_t ns)
{
    fprintf(f, ",\"%s\":%" PRIu64 ".%03u", key, ns / 1000, (unsigned)(ns % 1000));
}

static void
meta(gcs_fmt_chrome *c, int tid, const char *what, const char *name)
{
    sep(c);
    fprintf(c->f, "{\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"name\":\"%s\",\"args\":{\"name\":", tid,
            what);
    gcs_fmt_json_string(c->f, name);
    fputs("}}", c->f);
}

void
gcs_fmt_chrome_begin(gcs_fmt_chrome *c, FILE *f, const char *source, gcs_fmt_live_fn live_fn,
                     void *live_ud)
{
    char pname[512];
    memset(c, 0, sizeof *c);
    c->f = f;
    c->live_fn = live_fn;
    c->live_ud = live_ud;
    fputs("{\"traceEvents\":[", f);
    snprintf(pname, sizeof pname, "gcscope: %s", source ? gcs_fmt_basename(source) : "trace");
    meta(c, 0, "process_name", pname);
    meta(c, TID_MUTATOR, "thread_name", "mutator");
    meta(c, TID_GC, "thread_name", "gc");
    sep(c);
    fprintf(f,
            "{\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"name\":\"thread_sort_index\","
            "\"args\":{\"sort_index\":%d}}",
            TID_GC, TID_GC);
}

static void
counters(gcs_fmt_chrome *c, uint64_t seq)
{
    gcs_fmt_live n = {{0}}, *live = &n;
    if (c->live_fn == NULL)
        return;
    c->live_fn(c->live_ud, seq, live);
    sep(c);
    fputs("{\"ph\":\"C\",\"pid\":1,\"tid\":1,\"name\":\"live_objects\"", c->f);
    ts_field(c->f, "ts", c->last_t_ns);
    fprintf(c->f,
            ",\"args\":{\"gen0\":%" PRIu64 ",\"gen1\":%" PRIu64 ",\"gen2\":%" PRIu64
            ",\"permanent\":%" PRIu64 ",\"untracked\":%" PRIu64 "}}",
            live->gen[0], live->gen[1], live->gen[2], live->permanent, live->untracked);
    c->since_counter = 0;
}

/* Write the open phase as an X event ending at `end_ns`. */
static void
close_phase(gcs_fmt_chrome *c, uint64_t end_ns)
{
    if (!c->in_phase)
        return;
    const char *name = gcs_gc_phase_name((gcs_gc_phase)c->phase);
    sep(c);
    fputs("{\"ph\":\"X\",\"pid\":1,\"tid\":2,\"cat\":\"gc,phase\",\"name\":", c->f);
    gcs_fmt_json_string(c->f, name ? name : "phase");
    ts_field(c->f, "ts", c->phase_t0);
    ts_field(c->f, "dur", end_ns > c->phase_t0 ? end_ns - c->phase_t0 : 0);
    fputc('}', c->f);
    c->in_phase = false;
}

static void
begin_pass(gcs_fmt_chrome *c, const gcs_ev_gc_begin *b)
{
    c->in_pass = true;
    c->in_phase = false;
    c->pass_no++;
    c->pass_t0 = c->last_t_ns;
    c->pass_gen = b->gen;
    c->pass_reason = b->reason;
    c->pass_counts[0] = b->count0;
    c->pass_counts[1] = b->count1;
    c->pass_counts[2] = b->count2;
}

/* The pass as one X event, its stats in args. `e` NULL: the trace ended. */
static void
end_pass(gcs_fmt_chrome *c, uint64_t seq, const gcs_ev_gc_end *e)
{
    uint64_t end = c->last_t_ns;
    if (e && c->pass_t0 + e->duration_ns > end)
        end = c->pass_t0 + e->duration_ns;
    close_phase(c, end);
    sep(c);
    fprintf(c->f,
            "{\"ph\":\"X\",\"pid\":1,\"tid\":2,\"cat\":\"gc\",\"name\":\"gc gen%" PRIu64
            " #%" PRIu64 "\"",
            c->pass_gen, c->pass_no);
    ts_field(c->f, "ts", c->pass_t0);
    ts_field(c->f, "dur", end - c->pass_t0);
    fprintf(c->f,
            ",\"args\":{\"generation\":%" PRIu64 ",\"reason\":\"%s\",\"count0\":%" PRIu64
            ",\"count1\":%" PRIu64 ",\"count2\":%" PRIu64,
            c->pass_gen, c->pass_reason ? "manual" : "automatic", c->pass_counts[0],
            c->pass_counts[1], c->pass_counts[2]);
    if (e)
        fprintf(c->f,
                ",\"collected\":%" PRIu64 ",\"uncollectable\":%" PRIu64 ",\"duration_ns\":%" PRIu64
                ",\"end_event\":%" PRIu64 "}}",
                e->collected, e->uncollectable, e->duration_ns, seq);
    else
        fputs(",\"unfinished\":true}}", c->f);
    c->in_pass = false;
}

static void
instant(gcs_fmt_chrome *c, uint64_t seq, const char *prefix, const char *text)
{
    char name[256];
    snprintf(name, sizeof name, "%s%s", prefix, text ? text : "");
    sep(c);
    fputs("{\"ph\":\"i\",\"pid\":1,\"tid\":1,\"s\":\"g\",\"cat\":\"marker\",\"name\":", c->f);
    gcs_fmt_json_string(c->f, name);
    ts_field(c->f, "ts", c->last_t_ns);
    fprintf(c->f, ",\"args\":{\"event\":%" PRIu64 "}}", seq);
}

void
gcs_fmt_chrome_event(gcs_fmt_chrome *c, uint64_t seq, const gcs_event *ev)
{
    bool want_counters = false;
    if (ev->t_ns > c->last_t_ns)
        c->last_t_ns = ev->t_ns;
    if (ev->kind == GCS_EV_GC_BEGIN) {
        if (c->in_pass)
            end_pass(c, seq, NULL); /* nested begin: close the stray pass */
        begin_pass(c, &ev->u.gc_begin);
    } else if (ev->kind == GCS_EV_GC_PHASE && c->in_pass) {
        close_phase(c, c->last_t_ns);
        c->in_phase = true;
        c->phase = ev->u.gc_phase.phase;
        c->phase_t0 = c->last_t_ns;
    } else if (ev->kind == GCS_EV_GC_END && c->in_pass) {
        end_pass(c, seq, &ev->u.gc_end);
        want_counters = true;
    } else if (ev->kind == GCS_EV_MARKER) {
        instant(c, seq, "", ev->u.marker.text);
        want_counters = true;
    } else if (ev->kind == GCS_EV_ERROR) {
        instant(c, seq, "error: ", ev->u.error.detail);
    }
    c->since_counter++;
    if (want_counters && c->since_counter < c->counter_min_gap)
        want_counters = false;
    if (want_counters || (c->counter_every && c->since_counter >= c->counter_every))
        counters(c, seq);
}

void
gcs_fmt_chrome_end(gcs_fmt_chrome *c, const char *source, uint64_t n_events)
{
    if (c->in_pass)
        end_pass(c, n_events, NULL);
    fputs("\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"source\":", c->f);
    gcs_fmt_json_string(c->f, source);
    fprintf(c->f, ",\"events\":%" PRIu64 ",\"generator\":\"gcscope export\"}}\n", n_events);
}
