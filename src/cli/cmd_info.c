/* src/cli/cmd_info.c — `gcscope info [--json] FILE`: one screen about a trace:
 * the file (format, chunks, compression, damage), events by kind, objects
 * allocated / freed / alive at the end, collector passes by generation with
 * what they collected, total pause. The figures come from the one pass that
 * opens the trace (stream mode: no replay model, no keyframes, so a 1 GB
 * trace is summarised in a few MB; gcs_fmt_stats in fmt_stats.c); a damaged
 * trace is summarised up to the damage, then reported in one line with exit
 * status 3. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "fmt.h"
#include "gcscope/replay.h"

static const char info_help[] =
    "usage: gcscope info [--json] FILE\n"
    "\n"
    "Summarise a trace: file size, format version, chunks, compression, damage;\n"
    "events by kind; objects allocated, freed and alive at the end; collector\n"
    "passes by generation with collected / uncollectable counts and pause time.\n"
    "\n"
    "  --json       print the same figures as one JSON object\n"
    "  -h, --help   show this help\n"
    "\n"
    "exit status: 0 ok; 2 usage error; 3 the trace is unreadable, damaged or\n"
    "incomplete (the figures for the part that could be read are printed\n"
    "first, then one line on stderr says where the damage starts).\n";

/* Open pass callback: every event of the intact part, in order. */
static int
collect(void *ud, uint64_t index, const gcs_event *ev)
{
    (void)index;
    gcs_fmt_stats_add(ud, ev);
    return 0;
}

int
gcs_cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    bool json = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(info_help, stdout);
            return GCS_EXIT_OK;
        } else if (c == 'j') {
            json = true;
        } else {
            gcs_fmt_usage_error("info", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        gcs_fmt_usage_error("info", "no trace file given");
    if (optind + 1 < argc)
        gcs_fmt_usage_error("info", "one trace file at a time ('%s' is extra)", argv[optind + 1]);
    const char *path = argv[optind];
    gcs_fmt_stats st;
    gcs_fmt_fileinfo fi;
    gcs_replay_opts ro;
    gcs_fmt_stats_init(&st);
    gcs_replay_opts_init(&ro);
    ro.stream = true; /* one pass, no model: bounded memory on any trace */
    ro.on_event = collect;
    ro.on_event_ud = &st;
    gcs_replay *r = gcs_fmt_trace_open_opts(path, &ro);
    gcs_fmt_trace_fileinfo(r, path, &fi);
    fi.index_bytes = 0; /* stream mode builds no index: nothing to report */
    if (json)
        gcs_fmt_info_json(stdout, &fi, &st);
    else
        gcs_fmt_info_report(stdout, &fi, &st);
    int status = gcs_fmt_trace_check(r, path);
    gcs_replay_close(r);
    return status;
}
