/* src/cli/cmd_render.c — `gcscope render FILE -o OUT.png`: one moment of a
 * trace drawn headless with cairo (the same renderer as the viewer), or a
 * series of frames with --frames DIR --every N. No display needed.
 *
 * Moments: --at N (event N, counted from 1 as in the viewer's status line),
 * --marker N (the N-th caption, from 1), --pass N [--phase NAME] (the N-th
 * collector pass, from 1; NAME a phase such as subtract_refs). Default: the
 * last event.
 *
 * One picture opens the trace in the replay's stream mode (no keyframes) and,
 * on big traces, places only the objects of that state: memory follows the
 * heap at the chosen event, not the trace's length.
 */
#ifdef GCS_HAVE_VIZ

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "fmt.h"
#include "gcscope/errors.h"
#include "gcscope/replay.h"
#include "render/render.h"
#include "render/scene_from_replay.h"

typedef struct render_args {
    const char *file, *out, *frames_dir, *phase;
    long at, marker, pass, every;
    int width, height, theme, focus;
    bool fit_all;
    uint64_t focus_obj;
} render_args;

static void
render_usage(FILE *f)
{
    fprintf(f, "usage: gcscope render FILE -o OUT.png\n"
               "           [--at N | --marker N | --pass N [--phase NAME]]\n"
               "           [--size WxH] [--focus cycles|leaks|obj:ID] [--show-internal]\n"
               "           [--theme light|dark] [--fit content|all]\n"
               "       gcscope render FILE --frames DIR [--every N] [--size WxH] ...\n\n"
               "Draw a moment of a trace to PNG without a display (same picture as the "
               "viewer).\n"
               "  --at N         the state after event N (1 = first event; default: last)\n"
               "  --marker N     at the N-th marker (caption), from 1\n"
               "  --pass N       at the start of the N-th collector pass, from 1\n"
               "  --phase NAME   with --pass: where the pass enters phase NAME "
               "(update_refs,\n"
               "                 subtract_refs, move_unreachable, finalizers, ...)\n"
               "  --size WxH     image size in pixels (default 1280x800)\n"
               "  --focus WHAT   cycles, leaks, or obj:ID (select and inspect object ID);\n"
               "                 leaks with no moment given: the state `gcscope leaks` reports\n"
               "  --show-internal  also draw objects marked interpreter-internal\n"
               "  --theme T      light (default) or dark\n"
               "  --fit WHAT     content (default for one image: the objects alive then)\n"
               "                 or all (every place the trace uses; default for --frames)\n"
               "  --frames DIR   write DIR/frame-NNNNNN.png every N events (--every, "
               "default 1)\n");
}

/* --size WxH: two decimal numbers and nothing else (strtol, no sscanf:
 * "1280x800junk", "x800", "+1280x800" and overflow are refused). */
static bool
parse_size(const char *s, int *w, int *h)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    long a = strtol(s, &end, 10);
    if (errno != 0 || *end != 'x' || end[1] < '0' || end[1] > '9')
        return false;
    long b = strtol(end + 1, &end, 10);
    if (errno != 0 || *end != '\0' || a > 16384 || b > 16384)
        return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

static long
parse_long(const char *cmd, const char *opt, const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s ? s : "", &end, 10);
    if (s == NULL || *s == '\0' || *end != '\0' || errno != 0 || v < 0)
        gcs_cli_usage_error(cmd, "%s needs a non-negative number, not '%s'", opt, s ? s : "");
    return v;
}

static void
parse_focus(render_args *a, const char *s)
{
    if (strcmp(s, "cycles") == 0) {
        a->focus = GCS_FOCUS_CYCLES;
    } else if (strcmp(s, "leaks") == 0) {
        a->focus = GCS_FOCUS_LEAKS;
    } else if (strncmp(s, "obj:", 4) == 0) {
        a->focus = GCS_FOCUS_OBJ;
        a->focus_obj = (uint64_t)parse_long("render", "--focus obj:", s + 4);
    } else {
        gcs_cli_usage_error("render", "--focus takes cycles, leaks or obj:ID, not '%s'", s);
    }
}

static const char *
need(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        gcs_cli_usage_error("render", "%s needs a value", argv[*i]);
    return argv[++*i];
}

static void
parse_args(int argc, char **argv, render_args *a)
{
    memset(a, 0, sizeof *a);
    a->at = a->marker = a->pass = -1;
    a->every = 1;
    a->width = 1280;
    a->height = 800;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            render_usage(stdout);
            exit(GCS_EXIT_OK);
        } else if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) {
            a->out = need(argc, argv, &i);
        } else if (strcmp(s, "--at") == 0) {
            a->at = parse_long("render", s, need(argc, argv, &i));
        } else if (strcmp(s, "--marker") == 0) {
            a->marker = parse_long("render", s, need(argc, argv, &i));
        } else if (strcmp(s, "--pass") == 0) {
            a->pass = parse_long("render", s, need(argc, argv, &i));
        } else if (strcmp(s, "--phase") == 0) {
            a->phase = need(argc, argv, &i);
        } else if (strcmp(s, "--size") == 0) {
            const char *v = need(argc, argv, &i);
            if (!parse_size(v, &a->width, &a->height) || a->width < 200 || a->height < 150)
                gcs_cli_usage_error("render",
                                    "--size takes WxH (200x150 to 16384x16384), not "
                                    "'%s'",
                                    v);
        } else if (strcmp(s, "--focus") == 0) {
            parse_focus(a, need(argc, argv, &i));
        } else if (strcmp(s, "--theme") == 0) {
            const char *v = need(argc, argv, &i);
            if (strcmp(v, "light") != 0 && strcmp(v, "dark") != 0)
                gcs_cli_usage_error("render", "--theme takes light or dark, not '%s'", v);
            a->theme = strcmp(v, "dark") == 0 ? GCS_THEME_DARK : GCS_THEME_LIGHT;
        } else if (strcmp(s, "--fit") == 0) {
            const char *v = need(argc, argv, &i);
            if (strcmp(v, "content") != 0 && strcmp(v, "all") != 0)
                gcs_cli_usage_error("render", "--fit takes content or all, not '%s'", v);
            a->fit_all = strcmp(v, "all") == 0;
        } else if (strcmp(s, "--show-internal") == 0) { /* interpreter-internal objects */
            gcs_vtrace_default_show_internal(true);
        } else if (strcmp(s, "--frames") == 0) {
            a->frames_dir = need(argc, argv, &i);
        } else if (strcmp(s, "--every") == 0) {
            a->every = parse_long("render", s, need(argc, argv, &i));
        } else if (s[0] == '-' && s[1] != '\0') {
            gcs_cli_usage_error("render", "unknown option '%s'", s);
        } else if (a->file == NULL) {
            a->file = s;
        } else {
            gcs_cli_usage_error("render", "one trace file at a time ('%s' is extra)", s);
        }
    }
    if (a->file == NULL)
        gcs_cli_usage_error("render", "which trace? (gcscope render FILE -o OUT.png)");
    if ((a->out == NULL) == (a->frames_dir == NULL))
        gcs_cli_usage_error("render", "give either -o OUT.png or --frames DIR");
    if ((a->at >= 0) + (a->marker >= 0) + (a->pass >= 0) > 1)
        gcs_cli_usage_error("render", "--at, --marker and --pass choose the moment: use one");
    if (a->phase != NULL && a->pass < 0)
        gcs_cli_usage_error("render", "--phase goes with --pass N");
    if (a->every < 1)
        gcs_cli_usage_error("render", "--every must be at least 1");
}

/* The event index the arguments choose; dies with a usage error if absent. */
static uint64_t
choose_event(gcs_vtrace *t, const render_args *a)
{
    uint64_t n = gcs_vtrace_n_events(t), ev = n ? n - 1 : 0;
    if (a->focus == GCS_FOCUS_LEAKS && a->at < 0 && a->marker < 0 && a->pass < 0) {
        /* the moment `gcscope leaks` reports on (before teardown), not the last
         * event, after which nothing is left to show */
        uint64_t le, obj;
        for (size_t k = 0; k < gcs_vtrace_n_leaks(t); k++)
            if (gcs_vtrace_leak_at(t, k, &le, &obj) && (k == 0 || le > ev))
                ev = le;
    }
    if (a->at >= 0) {
        if (a->at < 1 || (uint64_t)a->at > n)
            gcs_cli_usage_error("render", "--at %ld: the trace has events 1..%llu", a->at,
                                (unsigned long long)n);
        ev = (uint64_t)a->at - 1;
    } else if (a->marker >= 0) {
        if (a->marker < 1 || !gcs_vtrace_marker_event(t, (size_t)a->marker - 1, &ev))
            gcs_cli_usage_error("render", "--marker %ld: the trace has %zu marker(s)", a->marker,
                                gcs_vtrace_n_markers(t));
    } else if (a->pass >= 0) {
        if (a->pass < 1 || (size_t)a->pass > gcs_vtrace_n_passes(t))
            gcs_cli_usage_error("render", "--pass %ld: the trace has %zu collector pass(es)",
                                a->pass, gcs_vtrace_n_passes(t));
        if (!gcs_vtrace_pass_event(t, (size_t)a->pass - 1, a->phase, &ev))
            gcs_cli_usage_error("render", "pass %ld never enters phase '%s'", a->pass, a->phase);
    }
    return ev;
}

static void
setup_view(gcs_view *v, gcs_vtrace *t, const render_args *a)
{
    gcs_view_init(v, a->width, a->height);
    v->layout = gcs_vtrace_layout(t);
    v->theme = a->theme;
    v->focus = a->focus;
    /* a still fits what is alive; frames keep one scale so a movie doesn't pump */
    v->fit_content = !a->fit_all && a->frames_dir == NULL;
    if (a->focus == GCS_FOCUS_OBJ)
        v->selected = a->focus_obj;
}

/* One PNG; returns the exit status. */
static int
render_one(gcs_vtrace *t, gcs_scene *sc, const gcs_view *v, uint64_t ev, const char *path)
{
    int rc = gcs_vtrace_scene(t, ev, v->selected, sc);
    char err[512];
    if (rc == 0)
        rc = gcs_render_png(sc, v, path, err, sizeof err);
    else
        snprintf(err, sizeof err, "event %llu: %s", (unsigned long long)ev + 1, gcs_strerror(rc));
    if (rc < 0) {
        gcs_cli_error("render: %s", err);
        return GCS_EXIT_FOUND;
    }
    return GCS_EXIT_OK;
}

static int
render_frames(gcs_vtrace *t, gcs_scene *sc, const gcs_view *v, const render_args *a)
{
    if (mkdir(a->frames_dir, 0777) < 0 && errno != EEXIST)
        die(GCS_EXIT_FOUND, "render: cannot create %s: %s", a->frames_dir, strerror(errno));
    uint64_t n = gcs_vtrace_n_events(t), count = 0;
    gcs_progress p;
    gcs_progress_begin(&p, "rendering", n);
    for (uint64_t ev = 0; ev < n; ev += (uint64_t)a->every) {
        char path[4096];
        snprintf(path, sizeof path, "%s/frame-%06llu.png", a->frames_dir,
                 (unsigned long long)ev + 1);
        if (render_one(t, sc, v, ev, path) != GCS_EXIT_OK)
            return GCS_EXIT_FOUND;
        count++;
        gcs_progress_update(&p, ev);
    }
    gcs_progress_end(&p);
    printf("wrote %llu frame(s) to %s\n", (unsigned long long)count, a->frames_dir);
    return GCS_EXIT_OK;
}

/* After rendering what could be read: a damaged or incomplete trace gets the
 * one-line damage message and exit 3, as every trace command (issue #8). The
 * viewer's trace does not expose its replay, so this is a second, stream-mode
 * pass (no model: validation only). */
static int
check_damage(const char *path)
{
    gcs_replay_opts ro;
    gcs_replay_opts_init(&ro);
    ro.stream = true;
    gcs_replay *r = gcs_fmt_trace_open_opts(path, &ro); /* exits 3 itself if unreadable */
    int st = gcs_fmt_trace_check(r, path);
    gcs_replay_close(r);
    return st;
}

int
gcs_cmd_render(int argc, char **argv)
{
    render_args a;
    parse_args(argc, argv, &a);
    gcs_vtrace *t = NULL;
    char err[512];
    /* one picture needs one state: the replay streams (bounded memory on big
     * traces, issue #8); a frame sequence seeks often and keeps keyframes */
    double aspect = gcs_render_graph_aspect(a.width, a.height);
    int rc = a.frames_dir != NULL ? gcs_vtrace_open(a.file, aspect, &t, err, sizeof err)
                                  : gcs_vtrace_open_stream(a.file, aspect, &t, err, sizeof err);
    if (rc < 0) {
        gcs_cli_error("render: %s", err);
        return rc == GCS_ENOMEM ? GCS_EXIT_FOUND : GCS_EXIT_DAMAGED;
    }
    gcs_scene sc;
    gcs_scene_init(&sc);
    gcs_view v;
    setup_view(&v, t, &a);
    int status;
    if (a.frames_dir != NULL) {
        status = render_frames(t, &sc, &v, &a);
    } else {
        uint64_t ev = choose_event(t, &a);
        status = render_one(t, &sc, &v, ev, a.out);
        if (status == GCS_EXIT_OK && gcs_vtrace_n_events(t) == 0) /* damaged before event 1 */
            printf("wrote %s (%dx%d, no events)\n", a.out, a.width, a.height);
        else if (status == GCS_EXIT_OK)
            printf("wrote %s (%dx%d, event %llu of %llu)\n", a.out, a.width, a.height,
                   (unsigned long long)ev + 1, (unsigned long long)gcs_vtrace_n_events(t));
    }
    gcs_scene_fini(&sc);
    gcs_vtrace_close(t);
    gcs_render_shutdown();
    int damage = check_damage(a.file);
    return status != GCS_EXIT_OK ? status : damage;
}

#endif /* GCS_HAVE_VIZ */
