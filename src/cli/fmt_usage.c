/* src/cli/fmt_usage.c — the one-line usage error of the trace commands
 * (info, dump, export, record): "gcscope CMD: problem (try 'gcscope CMD
 * --help')" on stderr, exit status 2: cli.c's gcs_cli_usage_error under the
 * name the trace commands use. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "fmt.h"

void
gcs_fmt_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gcs_cli_usage_vprint(cmd, fmt, ap);
    va_end(ap);
    exit(GCS_EXIT_USAGE);
}
