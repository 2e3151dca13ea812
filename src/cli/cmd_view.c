/* src/cli/cmd_view.c — `gcscope view [FILE]`: the viewer window (viz/app).
 * With no FILE it opens the built-in demo trace compiled into the binary
 * (traces/cmake/viz_demo.cmake). A FILE ending in ".py" is a snippet: it is
 * run with recording on (gcscope/pyrun.h, as `gcscope run --trace`) and the
 * viewer opens on the recorded trace, one marker per top-level statement.
 * Without a display it exits 2 with one line pointing to `gcscope render`.
 * --script FILE replays keys, clicks and waits (used by the window tests).
 */
#ifdef GCS_HAVE_VIZ

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "cli.h"
#include "commands.h"
#include "gcscope/pyrun.h"
#include "render/render.h"

#ifdef GCS_HAVE_DEMO_TRACE
extern const unsigned char gcs_demo_trace_data[];
extern const size_t gcs_demo_trace_size;
#endif

static void
view_usage(FILE *f)
{
    fprintf(f, "usage: gcscope view [FILE | SNIPPET.py] [--trace OUT] [--script FILE]\n"
               "                    [--size WxH] [--theme light|dark] [--shots DIR]\n\n"
               "Open the viewer on a trace (no FILE: the built-in demo). Keys: ? or F1.\n"
               "A SNIPPET.py is first run as 'gcscope run SNIPPET.py --trace' would (its\n"
               "output on stdout); the viewer then opens on the recording, with one marker\n"
               "per top-level statement captioned with its source line (ctrl+arrows step\n"
               "line by line). A syntax or subset error exits 2 without a window; after an\n"
               "uncaught exception (traceback on stderr) the viewer shows what was recorded\n"
               "and the exit status is 1.\n"
               "  --trace OUT    (snippets) keep the recording in OUT (default: a temporary\n"
               "                 file, removed once the viewer has read it)\n"
               "  --script FILE  replay keys/clicks/waits from FILE, then quit\n"
               "  --size WxH     initial window size (default 1280x800)\n"
               "  --theme T      light (default) or dark\n"
               "  --shots DIR    where the s key saves screenshots (default: .)\n"
               "Without a display, use 'gcscope render FILE -o OUT.png' (for a snippet:\n"
               "'gcscope run SNIPPET.py --trace T.gctrace' first).\n");
}

static const char *
need(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        gcs_cli_usage_error("view", "%s needs a value", argv[*i]);
    return argv[++*i];
}

/* Strict decimal: digits only (no sign, no spaces), at most 5 of them.
 * Returns the end of the number, or NULL if there is none. */
static const char *
parse_dim(const char *s, int *out)
{
    int v = 0, n = 0;
    while (s[n] >= '0' && s[n] <= '9') {
        if (n == 5)
            return NULL;
        v = v * 10 + (s[n] - '0');
        n++;
    }
    if (n == 0)
        return NULL;
    *out = v;
    return s + n;
}

/* "WxH" with nothing before, between or after: true and *w, *h set, or false. */
static bool
parse_size(const char *s, int *w, int *h)
{
    int pw, ph;
    const char *p = parse_dim(s, &pw);
    if (p == NULL || *p != 'x')
        return false;
    p = parse_dim(p + 1, &ph);
    if (p == NULL || *p != '\0')
        return false;
    *w = pw;
    *h = ph;
    return true;
}

typedef struct view_args {
    gcs_app_opts app;
    const char *trace_out; /* --trace (snippets only) */
} view_args;

static void
parse_view_args(int argc, char **argv, view_args *va)
{
    gcs_app_opts *o = &va->app;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            view_usage(stdout);
            exit(GCS_EXIT_OK);
        } else if (strcmp(s, "--script") == 0) {
            o->script = need(argc, argv, &i);
        } else if (strcmp(s, "--shots") == 0) {
            o->shot_dir = need(argc, argv, &i);
        } else if (strcmp(s, "--trace") == 0) {
            va->trace_out = need(argc, argv, &i);
        } else if (strcmp(s, "--size") == 0) {
            const char *v = need(argc, argv, &i);
            if (!parse_size(v, &o->width, &o->height) || o->width < 320 || o->height < 240 ||
                o->width > 16384 || o->height > 16384)
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

static bool
is_snippet(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n > 3 && strcmp(path + n - 3, ".py") == 0;
}

/* A fresh temporary trace file name in $TMPDIR (or /tmp), written into buf.
 * Dies with exit 1 if none can be made. */
static void
make_temp_trace(char *buf, size_t size)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
    if ((size_t)snprintf(buf, size, "%s/gcscope-view-XXXXXX.gctrace", dir) >= size)
        die(GCS_EXIT_FOUND, "view: TMPDIR '%s' is too long", dir);
    int fd = mkstemps(buf, 8);
    if (fd < 0)
        die(GCS_EXIT_FOUND, "view: cannot create a temporary trace in '%s': %s", dir,
            strerror(errno));
    close(fd);
}

/* Read the whole recording into memory (NULL, *n = 0 if missing or empty). */
static unsigned char *
slurp(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0;
    for (;;) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 1 << 16;
            unsigned char *nb = realloc(buf, ncap);
            if (nb == NULL)
                break; /* reported below */
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + *n, 1, cap - *n, f);
        *n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    if (*n == cap) /* the buffer could not grow */
        die(GCS_EXIT_FOUND, "view: out of memory reading the recording '%s'", path);
    if (*n == 0) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

/* Run the snippet with recording on, then open the viewer on the recording
 * (read into memory, so the window is titled with the snippet's name).
 * Exit status: 2 (no display, usage/syntax/subset error: no window), else
 * the viewer's status if it failed, else the snippet's own (0, or 1 after
 * an uncaught exception: the window still opens on what was recorded). */
static int
view_snippet(view_args *va)
{
    char why[256];
    if (!gcs_app_display_available(why, sizeof why)) {
        fprintf(stderr,
                "gcscope view: %s; without a window use 'gcscope run %s --trace T.gctrace' and "
                "'gcscope render T.gctrace -o OUT.png'\n",
                why, va->app.path);
        return GCS_EXIT_USAGE;
    }
    char tmp[4096];
    const char *trace = va->trace_out;
    if (trace == NULL) {
        make_temp_trace(tmp, sizeof tmp);
        trace = tmp;
    }
    gcs_pyrun_opts ro;
    gcs_pyrun_opts_init(&ro);
    ro.trace_path = trace;
    int status = gcs_pyrun_file(va->app.path, &ro);
    fflush(stdout);
    size_t n = 0;
    /* After an uncaught exception the recording is complete (up to the failing
     * statement, then the interpreter's exit); a heap that could not be set up
     * leaves none, and pyrun has said why. */
    unsigned char *data = status == 0 || status == 1 ? slurp(trace, &n) : NULL;
    if (va->trace_out == NULL)
        unlink(tmp);
    if (data == NULL)
        return status;
    gcs_app_opts o = va->app;
    o.path = NULL;
    o.data = data;
    o.size = n;
    o.name = va->app.path;
    int vrc = gcs_app_run(&o);
    free(data);
    return vrc != 0 ? vrc : status;
}

int
gcs_cmd_view(int argc, char **argv)
{
    view_args va = {0};
    gcs_app_opts_init(&va.app);
    parse_view_args(argc, argv, &va);
    if (is_snippet(va.app.path))
        return view_snippet(&va);
    if (va.trace_out != NULL)
        gcs_cli_usage_error("view", "--trace is for a SNIPPET.py (the recording to keep)");
    if (va.app.path == NULL) {
#ifdef GCS_HAVE_DEMO_TRACE
        va.app.data = gcs_demo_trace_data;
        va.app.size = gcs_demo_trace_size;
        va.app.name = "built-in demo";
#else
        gcs_cli_usage_error("view", "this build has no built-in demo; give a trace FILE");
#endif
    }
    return gcs_app_run(&va.app);
}

#endif /* GCS_HAVE_VIZ */
