/* src/cli/cmd_leaks.c — `gcscope leaks FILE`: the leak report of a trace, at
 * its end (the moment the program called gcs_heap_free, i.e. just before
 * HEAP_END) or at --at EVENT. Same analysis as the in-process report
 * (src/analysis/), fed by the replay model. Exit status: 0 no leaks, 1 (or
 * --error-exitcode N) leaks or errors found, 2 usage, 3 unreadable, damaged or
 * incomplete trace: like `info`, the part that could be read is reported, then
 * one line on stderr says where the damage starts, and 3 wins over a leak
 * status (the verdict on a partial trace is partial).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/adapters.h"
#include "analysis/hist_rec.h"
#include "analysis/leak_int.h"
#include "cli.h"
#include "commands.h"
#include "fmt.h"
#include "gcscope/leaks.h"
#include "gcscope/replay.h"

typedef struct leaks_args {
    const char *path;
    uint64_t at; /* event index; UINT64_MAX: end of the program */
    bool json, gen_supp;
    int exitcode; /* status when leaks are found */
    gcs_leak_options opt;
} leaks_args;

static void
usage(FILE *f)
{
    fprintf(f, "usage: gcscope leaks FILE [options]\n\n"
               "Report leaked objects in a trace: reference leaks (with the unpaired\n"
               "incref that caused them), cyclic garbage, uncollectable objects,\n"
               "objects they keep alive, and over-releases / uses after free.\n\n"
               "options:\n"
               "  --at EVENT            the state right after event EVENT (default: when\n"
               "                        the program freed its heap, or the trace's end)\n"
               "  --json                machine-readable report (docs/leaks.md)\n"
               "  --suppressions FILE   hide records matching FILE's entries\n"
               "  --gen-suppressions    print a suppression entry per record instead\n"
               "  --show-reachable      list still-reachable objects too\n"
               "  --error-exitcode N    exit status when leaks are found (default 1)\n\n"
               "exit status: 0 no leaks, 1 (or N) leaks found, 2 usage error,\n"
               "3 unreadable, damaged or incomplete trace: the part that could be read\n"
               "is reported, then one line on stderr says where the damage starts; 3\n"
               "wins over 1 / --error-exitcode N (a partial trace gives a partial verdict).\n");
}

static uint64_t
parse_u64(const char *what, const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *s == '\0' || *end || *s == '-')
        gcs_cli_usage_error("leaks", "%s wants a number, not '%s'", what, s);
    return v;
}

static const char *
need_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        gcs_cli_usage_error("leaks", "%s needs a value", argv[*i]);
    return argv[++*i];
}

static void
parse_args(int argc, char **argv, leaks_args *a)
{
    memset(a, 0, sizeof *a);
    a->at = UINT64_MAX;
    a->exitcode = GCS_EXIT_FOUND;
    gcs_leak_options_init(&a->opt);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            usage(stdout);
            exit(GCS_EXIT_OK);
        } else if (strcmp(s, "--at") == 0) {
            a->at = parse_u64("--at", need_value(argc, argv, &i));
        } else if (strcmp(s, "--json") == 0) {
            a->json = true;
        } else if (strcmp(s, "--suppressions") == 0) {
            a->opt.suppressions = need_value(argc, argv, &i);
        } else if (strcmp(s, "--gen-suppressions") == 0) {
            a->gen_supp = true;
        } else if (strcmp(s, "--show-reachable") == 0) {
            a->opt.show_reachable = true;
        } else if (strcmp(s, "--error-exitcode") == 0) {
            uint64_t v = parse_u64("--error-exitcode", need_value(argc, argv, &i));
            if (v > 255)
                gcs_cli_usage_error("leaks", "--error-exitcode must be 0..255");
            a->exitcode = (int)v;
        } else if (s[0] == '-' && s[1] != '\0') {
            gcs_cli_usage_error("leaks", "unknown option '%s'", s);
        } else if (a->path) {
            gcs_cli_usage_error("leaks", "one trace at a time ('%s' and '%s')", a->path, s);
        } else {
            a->path = s;
        }
    }
    if (a->path == NULL)
        gcs_cli_usage_error("leaks", "which trace? (gcscope leaks FILE)");
}

/* {==== One pass over the trace ====}
 * The trace is opened in stream mode: the open pass validates it and hands us
 * every event once, in order; nothing per event is kept. The refcount-history
 * recorder is fed during that pass (it keeps only the history of objects
 * still alive), up to the moment analysed: --at EVENT, or the program's
 * gcs_heap_free (HEAP_END: what the in-process report at teardown sees; the
 * final frees after it are not the program's). Then one forward seek builds
 * the heap model at that moment; the history is moved into the graph and the
 * recorder freed before that seek. Memory: the live heap plus its history. */

typedef struct scan {
    gcs_hist_rec *hist;
    uint64_t limit;    /* events to feed: --at + 1, or UINT64_MAX */
    uint64_t heap_end; /* index of the first HEAP_END; UINT64_MAX: none yet */
} scan;

static int
on_open_event(void *ud, uint64_t index, const gcs_event *ev)
{
    scan *s = ud;
    if (ev->kind == GCS_EV_HEAP_END && s->heap_end == UINT64_MAX)
        s->heap_end = index;
    if (index < s->limit && s->heap_end == UINT64_MAX)
        gcs_hist_rec_event(s->hist, ev);
    return 0;
}

/* The model is built by a second pass over the events up to the moment
 * analysed: a bar on a terminal (gcs_progress), as the open pass has. */
static int
on_build_progress(void *ud, uint64_t done, uint64_t total)
{
    gcs_progress *p = ud;
    p->total = total;
    gcs_progress_update(p, done);
    return 0;
}

int
gcs_cmd_leaks(int argc, char **argv)
{
    leaks_args a;
    parse_args(argc, argv, &a);
    scan sc = {NULL, a.at == UINT64_MAX ? UINT64_MAX : a.at + 1, UINT64_MAX};
    if (gcs_hist_rec_new(&sc.hist) != 0)
        die(1, "out of memory");
    gcs_replay_opts ro;
    gcs_replay_opts_init(&ro);
    ro.stream = true;
    ro.on_event = on_open_event;
    ro.on_event_ud = &sc;
    gcs_replay *r = gcs_fmt_trace_open_opts(a.path, &ro); /* exits 3 if unreadable */
    uint64_t n = gcs_replay_n_events(r);
    if (a.at != UINT64_MAX && a.at >= n)
        die(GCS_EXIT_USAGE,
            "%s: --at %" PRIu64 ": the trace has %" PRIu64 " events (0..%" PRIu64 ")", a.path, a.at,
            n, n ? n - 1 : 0);
    uint64_t pos = a.at != UINT64_MAX ? a.at + 1 : sc.heap_end != UINT64_MAX ? sc.heap_end : n;
    gcs_hg *g;
    gcs_progress prog;
    gcs_progress_begin(&prog, "replaying", pos);
    int rc =
        gcs_hg_from_replay_take(r, pos, sc.hist, on_build_progress, &prog, &g); /* frees sc.hist */
    gcs_progress_end(&prog);
    if (rc != 0) {
        gcs_replay_close(r);
        die(GCS_EXIT_DAMAGED, "%s: building the heap at event %" PRIu64 ": %s", a.path, pos,
            gcs_strerror(rc));
    }
    gcs_leak_report *rep;
    rc = gcs_leak_analyze(g, &a.opt, a.path, &rep);
    if (rc != 0) {
        gcs_replay_close(r);
        die(rc == GCS_ENOMEM ? 1 : GCS_EXIT_USAGE, "%s", gcs_leak_errmsg());
    }
    gcs_leak_format fmt = a.gen_supp ? GCS_LEAK_FMT_SUPPRESSIONS
                          : a.json   ? GCS_LEAK_FMT_JSON
                                     : GCS_LEAK_FMT_TEXT;
    rc = gcs_leak_report_write(rep, stdout, fmt);
    bool found = gcs_leak_report_summary(rep)->leaks_found;
    gcs_leak_report_free(rep);
    if (rc != 0 || fflush(stdout) != 0) {
        gcs_replay_close(r);
        die(1, "writing the report: %s", gcs_strerror(GCS_EIO));
    }
    /* the report first, then the one-line damage error (as `info` does) */
    int status = gcs_fmt_trace_check(r, a.path);
    gcs_replay_close(r);
    if (status != GCS_EXIT_OK)
        return status;
    return found ? a.exitcode : GCS_EXIT_OK;
}
