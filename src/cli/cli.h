/* src/cli/cli.h — helpers shared by the command files (never-fail allocation,
 * one-line errors, progress bar). Only the cli and viz layers may die(). */
#ifndef GCS_CLI_H
#define GCS_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit statuses shared by every command. */
enum { GCS_EXIT_OK = 0, GCS_EXIT_FOUND = 1, GCS_EXIT_USAGE = 2, GCS_EXIT_DAMAGED = 3 };

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Print "gcscope: <message>" on stderr (one line). */
void gcs_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* gcs_cli_error, then exit(status). */
_Noreturn void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error, one line: "gcscope CMD: message (try 'gcscope CMD --help')",
 * then exit 2. */
_Noreturn void gcs_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same line without exiting (for wrappers). */
void gcs_cli_usage_vprint(const char *cmd, const char *fmt, va_list ap);

/* Progress bar on stderr, shown only when stderr is a terminal and the work has
 * taken more than about a second. */
typedef struct gcs_progress {
    const char *label;
    uint64_t total;
    uint64_t start_ns;
    uint64_t last_draw_ns;
    bool shown;
    bool tty;
} gcs_progress;
void gcs_progress_begin(gcs_progress *p, const char *label, uint64_t total);
void gcs_progress_update(gcs_progress *p, uint64_t done);
void gcs_progress_end(gcs_progress *p);
uint64_t gcs_now_ns(void);

#endif
