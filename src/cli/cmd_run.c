/* src/cli/cmd_run.c — `gcscope run SNIPPET.py [--trace OUT.gctrace]`: run a
 * Python-subset snippet on the gcscope runtime (gcscope/pyrun.h does the
 * work; docs/run.md lists the subset). Exit status: the snippet's (0 ok,
 * 1 uncaught exception), 2 for usage, syntax or unsupported-construct errors. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "gcscope/pyrun.h"

static void
run_help(FILE *f)
{
    fprintf(f, "usage: gcscope run [options] SNIPPET.py\n\n"
               "Run a Python snippet on the gcscope runtime: every object it creates is a\n"
               "gcscope object, so reference counts, gc.collect() results, finalizers and\n"
               "weakref callbacks follow CPython 3.11. Output goes to stdout as python3\n"
               "would print it.\n\n"
               "options:\n"
               "  --trace FILE   record a trace (one marker per top-level statement,\n"
               "                 captioned with its source line)\n"
               "  --no-markers   do not emit the per-statement markers\n"
               "  --check        only parse; report the first unsupported construct\n"
               "  -h, --help     show this help\n\n"
               "The subset (statements, expressions, gc/sys/weakref functions) and what is\n"
               "not supported are listed in docs/run.md. Unsupported input gives one line\n"
               "'FILE:LINE:COL: message' and exit status 2; an uncaught exception prints a\n"
               "traceback and exits with 1.\n");
}

int
gcs_cmd_run(int argc, char **argv)
{
    gcs_pyrun_opts opts;
    gcs_pyrun_opts_init(&opts);
    const char *path = NULL;
    bool check = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            run_help(stdout);
            return GCS_EXIT_OK;
        } else if (strcmp(a, "--trace") == 0) {
            if (i + 1 >= argc)
                gcs_cli_usage_error("run", "--trace needs a file name");
            opts.trace_path = argv[++i];
        } else if (strncmp(a, "--trace=", 8) == 0) {
            opts.trace_path = a + 8;
        } else if (strcmp(a, "--no-markers") == 0) {
            opts.markers = false;
        } else if (strcmp(a, "--check") == 0) {
            check = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            gcs_cli_usage_error("run", "unknown option '%s'", a);
        } else if (path == NULL) {
            path = a;
        } else {
            gcs_cli_usage_error("run", "only one snippet file, got '%s' and '%s'", path, a);
        }
    }
    if (path == NULL)
        gcs_cli_usage_error("run", "missing SNIPPET.py");
    if (check) {
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            gcs_cli_error("run: cannot open '%s'", path);
            return GCS_EXIT_USAGE;
        }
        static char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        return gcs_pyrun_check(buf, path, stderr);
    }
    return gcs_pyrun_file(path, &opts);
}
