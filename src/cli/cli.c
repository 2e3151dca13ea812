/* src/cli/cli.c — never-fail wrappers, one-line errors and the progress bar
 * used by every command file. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        die(1, "out of memory (%zu bytes)", n);
    return p;
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        die(1, "out of memory (%zu x %zu bytes)", n, size);
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        die(1, "out of memory (%zu bytes)", n);
    return q;
}

char *
xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

static void
verror(const char *prefix, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "%s: ", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void
gcs_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror("gcscope", fmt, ap);
    va_end(ap);
}

void
die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror("gcscope", fmt, ap);
    va_end(ap);
    exit(status);
}

void
gcs_cli_usage_vprint(const char *cmd, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "gcscope %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (try 'gcscope %s --help')\n", cmd);
}

void
gcs_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gcs_cli_usage_vprint(cmd, fmt, ap);
    va_end(ap);
    exit(GCS_EXIT_USAGE);
}

uint64_t
gcs_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
gcs_progress_begin(gcs_progress *p, const char *label, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->label = label;
    p->total = total;
    p->start_ns = gcs_now_ns();
    p->tty = isatty(STDERR_FILENO);
}

void
gcs_progress_update(gcs_progress *p, uint64_t done)
{
    if (!p->tty)
        return;
    uint64_t now = gcs_now_ns();
    if (now - p->start_ns < 1000000000u || now - p->last_draw_ns < 100000000u)
        return;
    p->last_draw_ns = now;
    p->shown = true;
    int pct = p->total ? (int)(done * 100 / p->total) : 0;
    if (pct > 100)
        pct = 100;
    int bars = pct * 30 / 100;
    fprintf(stderr, "\r%-12s [%.*s%*s] %3d%%", p->label, bars,
            "==============================", 30 - bars, "", pct);
    fflush(stderr);
}

void
gcs_progress_end(gcs_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r%*s\r", 60, "");
    p->shown = false;
}
