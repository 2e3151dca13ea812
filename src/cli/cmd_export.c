/* src/cli/cmd_export.c — `gcscope export FILE --format chrome|dot|jsonl
 * [--at EVENT] [-o OUT]`: a trace in formats other tools open.
 *   chrome  Chrome Trace Event JSON for Perfetto UI / chrome://tracing
 *           (fmt_chrome.c): passes as X events, live-object counters, markers.
 *   dot     Graphviz DOT of the object graph after one event (fmt_dot.c),
 *           built from the replay model's state at that event.
 *   jsonl   JSON Lines: a header line, then one event per line.
 * Start at gcs_cmd_export(). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "fmt.h"
#include "gcscope/replay.h"

static const char export_help[] =
    "usage: gcscope export FILE --format chrome|dot|jsonl [--at EVENT] [-o OUT]\n"
    "\n"
    "Export a trace for other tools:\n"
    "  chrome  Chrome Trace Event JSON; open it in https://ui.perfetto.dev or\n"
    "          chrome://tracing. Collector passes are slices (their phases\n"
    "          nested, stats in args), live objects per generation are\n"
    "          counters, markers and API errors are instant events.\n"
    "  dot     Graphviz DOT of the object graph after event EVENT (default:\n"
    "          the last event): generations as clusters, cycles as nested\n"
    "          clusters, variables as boxes, weak references dashed.\n"
    "          Render with: dot -Tsvg OUT -o graph.svg\n"
    "  jsonl   JSON Lines: a header line, then one JSON object per event.\n"
    "\n"
    "  -f, --format FMT   chrome, dot or jsonl (required)\n"
    "  --at EVENT         the event whose state the dot graph shows\n"
    "  --max-refs N       dot: draw at most N references per object (default 10;\n"
    "                     0 draws all), the rest as one \"N more\" node\n"
    "  -o, --output OUT   write to OUT instead of standard output\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit status: 0 ok; 2 usage error; 3 the trace is unreadable, damaged or\n"
    "incomplete (the part before the damage is exported first).\n";

typedef enum { FMT_NONE, FMT_CHROME, FMT_DOT, FMT_JSONL } export_fmt;

typedef struct export_opts {
    export_fmt fmt;
    bool has_at;
    uint64_t at;
    uint64_t max_refs;
    const char *out, *path;
} export_opts;

static export_fmt
parse_format(const char *s)
{
    if (strcmp(s, "chrome") == 0 || strcmp(s, "perfetto") == 0)
        return FMT_CHROME;
    if (strcmp(s, "dot") == 0 || strcmp(s, "graphviz") == 0)
        return FMT_DOT;
    if (strcmp(s, "jsonl") == 0 || strcmp(s, "json-lines") == 0)
        return FMT_JSONL;
    gcs_fmt_usage_error("export", "unknown format '%s' (chrome, dot or jsonl)", s);
}

static void
parse_args(int argc, char **argv, export_opts *o)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},   {"at", required_argument, NULL, 'a'},
        {"max-refs", required_argument, NULL, 'm'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    int c;
    memset(o, 0, sizeof *o);
    o->max_refs = 10;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hf:o:", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(export_help, stdout);
            exit(GCS_EXIT_OK);
        } else if (c == 'f') {
            o->fmt = parse_format(optarg);
        } else if (c == 'a') {
            if (!gcs_fmt_parse_index(optarg, &o->at))
                gcs_fmt_usage_error("export", "--at needs an event number, not '%s'", optarg);
            o->has_at = true;
        } else if (c == 'm') {
            if (!gcs_fmt_parse_index(optarg, &o->max_refs))
                gcs_fmt_usage_error("export", "--max-refs needs a number, not '%s'", optarg);
        } else if (c == 'o') {
            o->out = optarg;
        } else if (c == ':') {
            gcs_fmt_usage_error("export", "%s needs a value", argv[optind - 1]);
        } else {
            gcs_fmt_usage_error("export", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        gcs_fmt_usage_error("export", "no trace file given");
    if (optind + 1 < argc)
        gcs_fmt_usage_error("export", "one trace file at a time ('%s' is extra)", argv[optind + 1]);
    if (o->fmt == FMT_NONE)
        gcs_fmt_usage_error("export", "--format is required (chrome, dot or jsonl)");
    if (o->has_at && o->fmt != FMT_DOT)
        gcs_fmt_usage_error("export", "--at applies to --format dot only");
    o->path = argv[optind];
}

/* {==== chrome ====} */

/* Live objects per generation in the state after event `seq`. */
static void
live_counts(void *ud, uint64_t seq, gcs_fmt_live *out)
{
    gcs_replay *r = ud;
    gcs_replay_obj o;
    memset(out, 0, sizeof *out);
    gcs_replay_seek(r, seq + 1);
    size_t n = gcs_replay_n_objects(r);
    for (size_t k = 0; k < n; k++) {
        if (gcs_replay_object_at(r, k, &o) != 0 || !o.alive)
            continue;
        if (o.gen >= 0 && o.gen < GCS_FMT_NGEN)
            out->gen[o.gen]++;
        else if (o.gen == GCS_REPLAY_GEN_PERMANENT)
            out->permanent++;
        else
            out->untracked++;
    }
}

static void
export_chrome(gcs_replay *r, const export_opts *o, FILE *f)
{
    uint64_t n = gcs_replay_n_events(r);
    gcs_fmt_chrome c;
    gcs_event ev;
    gcs_progress prog;
    gcs_fmt_chrome_begin(&c, f, o->path, live_counts, r);
    /* Each counter costs a pass over the live objects: about 500 periodic
     * samples, and at most about 1000 more at passes and markers. */
    c.counter_every = n / 500 > 1000 ? n / 500 : 1000;
    c.counter_min_gap = n / 1000;
    gcs_progress_begin(&prog, "exporting", n);
    for (uint64_t i = 0; i < n && gcs_replay_event(r, i, &ev) == 0; i++) {
        gcs_fmt_chrome_event(&c, i, &ev);
        if ((i & 0xffff) == 0)
            gcs_progress_update(&prog, i);
    }
    gcs_progress_end(&prog);
    gcs_fmt_chrome_end(&c, o->path, n);
}

/* {==== jsonl ====} */

static void
export_jsonl(gcs_replay *r, const export_opts *o, FILE *f)
{
    uint64_t n = gcs_replay_n_events(r);
    gcs_trace_info info;
    gcs_event ev;
    gcs_replay_info(r, &info);
    fputs("{\"format\":\"gctrace-jsonl\",\"version\":1,\"source\":", f);
    gcs_fmt_json_string(f, o->path);
    fprintf(f, ",\"trace_version\":\"%u.%u\",\"events\":%" PRIu64 ",\"clock\":\"ns\"}\n",
            info.version_major, info.version_minor, n);
    for (uint64_t i = 0; i < n && gcs_replay_event(r, i, &ev) == 0; i++)
        gcs_fmt_event_json(f, i, &ev);
}

/* {==== dot ====} */

typedef struct graph_buf {
    gcs_fmt_node *nodes;
    gcs_fmt_edge *edges;
    gcs_fmt_var *vars;
    size_t n_nodes, n_edges, n_vars, cap_edges, cap_vars;
} graph_buf;

static void
add_edge(graph_buf *b, gcs_fmt_edge e)
{
    if (b->n_edges == b->cap_edges) {
        b->cap_edges = b->cap_edges ? 2 * b->cap_edges : 64;
        b->edges = xrealloc(b->edges, b->cap_edges * sizeof *b->edges);
    }
    b->edges[b->n_edges++] = e;
}

static void
add_objects(gcs_replay *r, graph_buf *b)
{
    size_t n = gcs_replay_n_objects(r);
    gcs_replay_obj o;
    gcs_replay_ref ref;
    b->nodes = xcalloc(n + 1, sizeof *b->nodes);
    for (size_t k = 0; k < n; k++) {
        if (gcs_replay_object_at(r, k, &o) != 0 || !o.alive)
            continue;
        b->nodes[b->n_nodes++] =
            (gcs_fmt_node){o.id, o.type, o.label, o.refcnt, o.gen, 0, o.finalized};
        for (size_t j = 0; j < o.n_refs_out; j++)
            if (gcs_replay_ref_out(r, o.id, j, &ref) == 0)
                add_edge(b, (gcs_fmt_edge){ref.src, ref.dst, ref.slot, false});
    }
    gcs_replay_weakref w;
    size_t nw = gcs_replay_n_weakrefs(r);
    for (size_t k = 0; k < nw; k++)
        if (gcs_replay_weakref_at(r, k, &w) == 0 && !w.cleared && w.referent)
            add_edge(b, (gcs_fmt_edge){w.wr, w.referent, NULL, true});
}

static void
add_vars(gcs_replay *r, graph_buf *b)
{
    size_t nf = gcs_replay_n_frames(r);
    gcs_replay_frame fr;
    gcs_replay_var v;
    for (size_t fk = 0; fk < nf; fk++) {
        if (gcs_replay_frame_at(r, fk, &fr) != 0)
            continue;
        for (size_t vk = 0; vk < fr.n_vars; vk++) {
            if (gcs_replay_var_at(r, fk, vk, &v) != 0)
                continue;
            if (b->n_vars == b->cap_vars) {
                b->cap_vars = b->cap_vars ? 2 * b->cap_vars : 16;
                b->vars = xrealloc(b->vars, b->cap_vars * sizeof *b->vars);
            }
            b->vars[b->n_vars++] = (gcs_fmt_var){fr.id, fr.name, v.name, v.obj};
        }
    }
}

static void
export_dot(gcs_replay *r, const export_opts *o, FILE *f)
{
    uint64_t n = gcs_replay_n_events(r);
    uint64_t at = o->has_at ? o->at : (n ? n - 1 : 0);
    if (n == 0) {
        int st = gcs_fmt_trace_check(r, o->path); /* damaged before any event: exit 3 */
        if (st != GCS_EXIT_OK)
            exit(st);
        die(GCS_EXIT_USAGE, "export: %s has no events", o->path);
    }
    if (at >= n)
        gcs_fmt_usage_error("export",
                            "--at %" PRIu64 ": %s has %" PRIu64 " events (0..%" PRIu64 ")", at,
                            o->path, n, n - 1);
    if (gcs_replay_seek(r, at + 1) != 0)
        die(GCS_EXIT_DAMAGED, "%s: out of memory replaying to event %" PRIu64, o->path, at);
    graph_buf b = {0};
    add_objects(r, &b);
    add_vars(r, &b);
    gcs_fmt_graph g = {b.nodes, b.n_nodes, b.edges, b.n_edges, b.vars, b.n_vars, at, o->path};
    gcs_fmt_dot(f, &g, (size_t)o->max_refs);
    free(b.nodes);
    free(b.edges);
    free(b.vars);
}

int
gcs_cmd_export(int argc, char **argv)
{
    export_opts o;
    parse_args(argc, argv, &o);
    gcs_replay *r = gcs_fmt_trace_open(o.path);
    FILE *f = stdout;
    if (o.out && (f = fopen(o.out, "w")) == NULL)
        die(GCS_EXIT_USAGE, "export: cannot write %s: %s", o.out, strerror(errno));
    if (o.fmt == FMT_CHROME)
        export_chrome(r, &o, f);
    else if (o.fmt == FMT_DOT)
        export_dot(r, &o, f);
    else
        export_jsonl(r, &o, f);
    if (fflush(f) != 0 || (f != stdout && fclose(f) != 0))
        die(GCS_EXIT_USAGE, "export: error writing %s: %s", o.out ? o.out : "standard output",
            strerror(errno));
    int status = gcs_fmt_trace_check(r, o.path);
    gcs_replay_close(r);
    return status;
}
