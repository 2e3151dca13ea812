/* src/cli/cmd_dump.c — `gcscope dump FILE [--from N] [--to M] [--json]`: the
 * events of a trace, one per line, readable
 *   #1042 decref list#17 refcount 1→0  at demo.c:42 main
 * or as JSON Lines; `gcscope dump --list-events` prints the event table.
 * Printing is derived from GCS_EVENT_MAP (fmt_event.c). Objects are named
 * type#id from the replay model's state after each event, so the cursor
 * walks forward with the dump. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "fmt.h"
#include "gcscope/replay.h"

static const char dump_help[] =
    "usage: gcscope dump [--from N] [--to M] [--json] FILE\n"
    "       gcscope dump --list-events\n"
    "\n"
    "Print a trace's events, one per line:\n"
    "  #1042 decref list#17 refcount 1→0  at demo.c:42 main\n"
    "(event number, event, its fields, and the call site if recorded).\n"
    "\n"
    "  --from N       start at event N (0-based, inclusive; default 0)\n"
    "  --to M         stop after event M (inclusive; default: the last event)\n"
    "  --json         JSON Lines: one JSON object per event, fields by name\n"
    "  --list-events  print the event table (name, code, fields, meaning)\n"
    "  -h, --help     show this help\n"
    "\n"
    "exit status: 0 ok; 2 usage error; 3 the trace is unreadable, damaged or\n"
    "incomplete (the events before the damage are printed first).\n";

typedef struct dump_opts {
    uint64_t from, to;
    bool has_to, json, list;
    const char *path;
} dump_opts;

/* Type name of `id` in the state after the current event. */
static const char *
type_of(void *ud, uint64_t id)
{
    gcs_replay_obj o;
    return gcs_replay_object(ud, id, &o) == 0 ? o.type : NULL;
}

static void
parse_index(const char *opt, const char *s, uint64_t *out)
{
    if (!gcs_fmt_parse_index(s, out))
        gcs_fmt_usage_error("dump", "%s needs an event number, not '%s'", opt, s);
}

static void
parse_args(int argc, char **argv, dump_opts *o)
{
    static const struct option longopts[] = {
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},       {"list-events", no_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    int c;
    memset(o, 0, sizeof *o);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(dump_help, stdout);
            exit(GCS_EXIT_OK);
        } else if (c == 'f') {
            parse_index("--from", optarg, &o->from);
        } else if (c == 't') {
            parse_index("--to", optarg, &o->to);
            o->has_to = true;
        } else if (c == 'j') {
            o->json = true;
        } else if (c == 'l') {
            o->list = true;
        } else if (c == ':') {
            gcs_fmt_usage_error("dump", "%s needs a value", argv[optind - 1]);
        } else {
            gcs_fmt_usage_error("dump", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (o->list)
        return;
    if (optind >= argc)
        gcs_fmt_usage_error("dump", "no trace file given");
    if (optind + 1 < argc)
        gcs_fmt_usage_error("dump", "one trace file at a time ('%s' is extra)", argv[optind + 1]);
    if (o->has_to && o->to < o->from)
        gcs_fmt_usage_error("dump", "--to %" PRIu64 " is before --from %" PRIu64, o->to, o->from);
    o->path = argv[optind];
}

static void
dump_range(gcs_replay *r, const dump_opts *o, uint64_t last)
{
    gcs_event ev;
    gcs_progress prog;
    gcs_progress_begin(&prog, "dumping", last - o->from + 1);
    if (!o->json && gcs_replay_seek(r, o->from) != 0)
        die(GCS_EXIT_DAMAGED, "%s: out of memory replaying to event %" PRIu64, o->path, o->from);
    for (uint64_t i = o->from; i <= last; i++) {
        if (((i - o->from) & 0xffff) == 0)
            gcs_progress_update(&prog, i - o->from);
        if (gcs_replay_event(r, i, &ev) != 0)
            die(GCS_EXIT_DAMAGED, "%s: cannot decode event %" PRIu64, o->path, i);
        if (o->json) {
            gcs_fmt_event_json(stdout, i, &ev);
            continue;
        }
        gcs_replay_seek(r, i + 1); /* one event forward: the state after it */
        gcs_fmt_event_text(stdout, i, &ev, type_of, r);
    }
    gcs_progress_end(&prog);
}

int
gcs_cmd_dump(int argc, char **argv)
{
    dump_opts o;
    parse_args(argc, argv, &o);
    if (o.list) {
        gcs_fmt_list_events(stdout);
        return GCS_EXIT_OK;
    }
    gcs_replay *r = gcs_fmt_trace_open(o.path);
    uint64_t n = gcs_replay_n_events(r);
    int status = GCS_EXIT_OK;
    if (n > 0 && o.from >= n) {
        gcs_cli_error("dump: --from %" PRIu64 ": %s has %" PRIu64 " events (0..%" PRIu64 ")",
                      o.from, o.path, n, n - 1);
        status = GCS_EXIT_USAGE;
    } else if (n > 0) {
        dump_range(r, &o, o.has_to && o.to < n ? o.to : n - 1);
    }
    fflush(stdout);
    int check = gcs_fmt_trace_check(r, o.path);
    gcs_replay_close(r);
    return check != GCS_EXIT_OK ? check : status;
}
