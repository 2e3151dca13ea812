/* src/cli/fmt_usage.c — the one-line usage error of the trace commands
 * (info, dump, export, record): "gcscope CMD: problem (try 'gcscope CMD
 * --help')" on stderr, exit status 2. One line, so scripts and tests can
 * rely on it; cli.c's gcs_cli_usage_error adds the hint on a second line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "fmt.h"

void
gcs_fmt_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "gcscope %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try 'gcscope %s --help')\n", cmd);
    exit(GCS_EXIT_USAGE);
}
