/* src/cli/cmd_view.c — `gcscope view [FILE]`: the viewer window (viz/app).
 * With no FILE it opens the built-in demo trace compiled into the binary
 * (traces/cmake/viz_demo.cmake). Without a display it exits 2 with one line
 * pointing to `gcscope render`. --script FILE replays keys, clicks and waits
 * (used by the window smoke test).
 */
#ifdef GCS_HAVE_VIZ

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli.h"
#include "commands.h"
#include "render/render.h"

#ifdef GCS_HAVE_DEMO_TRACE
extern const unsigned char gcs_demo_trace_data[];
extern const size_t gcs_demo_trace_size;
#endif

static void
view_usage(FILE *f)
{
    fprintf(f, "usage: gcscope view [FILE] [--script FILE] [--size WxH] [--theme light|dark]\n"
               "                    [--shots DIR]\n\n"
               "Open the viewer on a trace (no FILE: the built-in demo). Keys: ? or F1.\n"
               "  --script FILE  replay keys/clicks/waits from FILE, then quit\n"
               "  --size WxH     initial window size (default 1280x800)\n"
               "  --theme T      light (default) or dark\n"
               "  --shots DIR    where the s key saves screenshots (default: .)\n"
               "Without a display, use 'gcscope render FILE -o OUT.png'.\n");
}

static const char *
need(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        gcs_cli_usage_error("view", "%s needs a value", argv[*i]);
    return argv[++*i];
}

static void
parse_view_args(int argc, char **argv, gcs_app_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            view_usage(stdout);
            exit(GCS_EXIT_OK);
        } else if (strcmp(s, "--script") == 0) {
            o->script = need(argc, argv, &i);
        } else if (strcmp(s, "--shots") == 0) {
            o->shot_dir = need(argc, argv, &i);
        } else if (strcmp(s, "--size") == 0) {
            const char *v = need(argc, argv, &i);
            if (sscanf(v, "%dx%d", &o->width, &o->height) != 2 || o->width < 320 ||
                o->height < 240 || o->width > 16384 || o->height > 16384)
                gcs_cli_usage_error("view", "--size takes WxH (at least 320x240), not '%s'", v);
        } else if (strcmp(s, "--theme") == 0) {
            const char *v = need(argc, argv, &i);
            if (strcmp(v, "light") != 0 && strcmp(v, "dark") != 0)
                gcs_cli_usage_error("view", "--theme takes light or dark, not '%s'", v);
            o->theme = strcmp(v, "dark") == 0 ? GCS_THEME_DARK : GCS_THEME_LIGHT;
        } else if (s[0] == '-' && s[1] != '\0') {
            gcs_cli_usage_error("view", "unknown option '%s'", s);
        } else if (o->path == NULL) {
            o->path = s;
        } else {
            gcs_cli_usage_error("view", "one trace file at a time ('%s' is extra)", s);
        }
    }
}

int
gcs_cmd_view(int argc, char **argv)
{
    gcs_app_opts o;
    gcs_app_opts_init(&o);
    parse_view_args(argc, argv, &o);
    if (o.path == NULL) {
#ifdef GCS_HAVE_DEMO_TRACE
        o.data = gcs_demo_trace_data;
        o.size = gcs_demo_trace_size;
        o.name = "built-in demo";
#else
        gcs_cli_usage_error("view", "this build has no built-in demo; give a trace FILE");
#endif
    }
    return gcs_app_run(&o);
}

#endif /* GCS_HAVE_VIZ */
