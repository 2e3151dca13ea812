/* gcscope/pyrun.h — run a Python-subset snippet on the gcscope runtime
 * (`gcscope run`). Every object the snippet creates is a libgcscope object, so
 * refcounts, collections, finalizers and weakref callbacks follow the runtime
 * (CPython 3.11 semantics) and can be recorded as a trace. docs/run.md lists
 * the supported subset.
 *
 * Output: the snippet's print() goes to opts->out; syntax errors (one line,
 * "file:line:col: message") and tracebacks go to opts->err. These are the
 * program's own streams, as with a Python interpreter.
 */
#ifndef GCSCOPE_PYRUN_H
#define GCSCOPE_PYRUN_H

#include <stdbool.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gcs_pyrun_opts {
    const char *trace_path; /* record a trace here (gcs_config.trace_path), or NULL */
    FILE *out;              /* print() output; NULL: stdout */
    FILE *err;              /* errors and tracebacks; NULL: stderr */
    bool markers;           /* one MARKER event per top-level statement (default on) */
} gcs_pyrun_opts;

/* Defaults: no trace, stdout/stderr, markers on. */
void gcs_pyrun_opts_init(gcs_pyrun_opts *opts);

/* Run the snippet in file `path`. Returns the process exit status:
 * 0 ran to the end; 1 uncaught exception (traceback printed) or a runtime
 * failure; 2 the file could not be read, or a syntax error / a construct
 * outside the subset (one line "path:line:col: message"). */
int gcs_pyrun_file(const char *path, const gcs_pyrun_opts *opts);

/* Same, for source text; `name` is used in messages. */
int gcs_pyrun_string(const char *src, const char *name, const gcs_pyrun_opts *opts);

/* Parse only (no runtime): 0, or 2 with the one-line error written to `err`
 * (may be NULL). Used by tests and `gcscope run --check`. */
int gcs_pyrun_check(const char *src, const char *name, FILE *err);

#ifdef __cplusplus
}
#endif
#endif
