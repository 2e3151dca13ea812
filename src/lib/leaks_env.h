/* src/lib/leaks_env.h — GCSCOPE_LEAKS: the leak report at heap teardown (and
 * at exit for heaps never freed), with an exit status when leaks are found.
 *
 *   GCSCOPE_LEAKS=1                  report on stderr at gcs_heap_free()
 *   GCSCOPE_LEAKS=exitcode=23        ... and exit(23) at process exit if any
 *                                    report found leaks (valgrind's --error-exitcode)
 *   more options, comma-separated:   json, show-reachable, suppressions=FILE,
 *                                    log=FILE (append the report there)
 *   GCSCOPE_LEAKS=0 or empty         off
 */
#ifndef GCS_LIB_LEAKS_ENV_H
#define GCS_LIB_LEAKS_ENV_H

#include "gcscope/runtime.h"

/* Arm the report on a new heap if GCSCOPE_LEAKS asks for it and cfg (may be
 * NULL) does not say no_env. Installs the refcount-history recorder as the
 * heap's event hook when the config sets none (a hook set later with
 * gcs_heap_set_hook replaces it; the report then names no culprits), and the
 * teardown report. Returns 0, GCS_ENOMEM or GCS_EINVAL (bad GCSCOPE_LEAKS
 * value; the heap is left unarmed and a message printed on stderr). */
int gcs_leaks_env_arm(gcs_heap *h, const gcs_config *cfg);

/* The same in two steps, so that the recorder sees the heap's boot events (its
 * "<module>" frame, singletons, GC_CONFIG) and numbers events exactly as a
 * trace of the same run does (in-process and offline reports then name the
 * same event numbers). gcs_leaks_env_prepare(c) runs before the runtime is
 * created: if GCSCOPE_LEAKS asks for a report (and c says neither no_env nor
 * has a hook of its own), it makes the recorder c's hook and returns the
 * pending state (NULL otherwise; a bad value prints a message). Then
 * gcs_leaks_env_attach(h, pending) arms heap h with it; with h NULL (creating
 * the heap failed) it frees the pending state. Returns 0 or GCS_ENOMEM. */
void *gcs_leaks_env_prepare(gcs_config *c);
int gcs_leaks_env_attach(gcs_heap *h, void *pending);

/* Finish the trace of every heap still alive that records (GCSCOPE_TRACE):
 * last chunk, INDEX, trailer. Defined in heap.c; the exit report calls it
 * before _exit(), which skips the atexit handler that would otherwise do it. */
void gcs_lib_finish_recorders(void);

#endif
