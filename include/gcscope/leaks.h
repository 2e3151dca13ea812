/* gcscope/leaks.h — the leak report, in process.
 *
 *   gcs_leak_report *rep;
 *   if (gcscope_leak_check(heap, NULL, &rep) == 0) {
 *       gcs_leak_report_write(rep, stderr, GCS_LEAK_FMT_TEXT);
 *       if (gcs_leak_report_summary(rep)->leaks_found) ...;
 *       gcs_leak_report_free(rep);
 *   }
 *
 * The same analysis runs offline on a trace (`gcscope leaks FILE`) and at heap
 * teardown under GCSCOPE_LEAKS=1 (or exitcode=N). docs/leaks.md describes the
 * classes, the report and the JSON schema.
 *
 * Classes (every live object gets exactly one):
 *   REACHABLE      reachable from a variable (or held by the runtime itself)
 *   CYCLE          cyclic garbage: a full collection would free it, none ran
 *   UNCOLLECTABLE  in gc.garbage (legacy finalizer, DEBUG_SAVEALL)
 *   REFLEAK        refcount higher than the references from live objects and
 *                  variables explain ("N references unaccounted for")
 *   INDIRECT       kept alive only by a CYCLE, UNCOLLECTABLE or REFLEAK object
 * plus ERROR records for over-releases and uses after free seen in a trace.
 */
#ifndef GCSCOPE_LEAKS_H
#define GCSCOPE_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gcscope/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gcs_leak_kind {
    GCS_LEAK_REACHABLE = 0,
    GCS_LEAK_CYCLE,
    GCS_LEAK_UNCOLLECTABLE,
    GCS_LEAK_REFLEAK,
    GCS_LEAK_INDIRECT,
    GCS_LEAK_ERROR,
    GCS_LEAK__COUNT
} gcs_leak_kind;

/* "reachable", "cycle", "uncollectable", "refleak", "indirect", "error";
 * NULL if out of range. */
const char *gcs_leak_kind_name(gcs_leak_kind kind);

typedef struct gcs_leak_options {
    bool show_reachable;      /* list reachable objects too (default: summary only) */
    const char *suppressions; /* path of a suppressions file, or NULL */
    size_t max_examples;      /* objects / cycles detailed per record (default 3) */
    size_t max_members;       /* members listed per cycle or path (default 12) */
} gcs_leak_options;

/* Fill `opt` with the defaults. */
void gcs_leak_options_init(gcs_leak_options *opt);

typedef struct gcs_leak_count {
    uint64_t objects;
    uint64_t bytes;
} gcs_leak_count;

typedef struct gcs_leak_summary {
    gcs_leak_count by_kind[GCS_LEAK__COUNT]; /* ERROR: objects = error count, bytes 0 */
    gcs_leak_count suppressed;               /* objects/bytes in suppressed records */
    uint64_t suppressed_records;
    uint64_t cycles;           /* SCCs of cyclic garbage (not suppressed) */
    uint64_t refs_unaccounted; /* sum over REFLEAK objects (not suppressed) */
    uint64_t live_objects, live_bytes;
    uint64_t at_event; /* trace: the state after this many events
                        * (UINT64_MAX: a live heap) */
    bool history;      /* refcount history was available for culprits */
    bool leaks_found;  /* any unsuppressed CYCLE/UNCOLLECTABLE/REFLEAK/ERROR */
} gcs_leak_summary;

/* One loss record: the objects of one class allocated at one site with one
 * type (an ERROR record: the errors of one code at one call site). */
typedef struct gcs_leak_record {
    gcs_leak_kind kind;
    const char *type; /* type name; for ERROR the error name ("over-release") */
    gcs_site site;    /* allocation site (ERROR: call site); NULL fields if unknown */
    uint64_t objects; /* objects (ERROR: occurrences) */
    uint64_t bytes;
    uint64_t indirect_objects, indirect_bytes; /* kept alive only by these */
    uint64_t cycles;                           /* CYCLE: number of SCCs */
    uint64_t refs_unaccounted;                 /* REFLEAK: sum of unexplained references */
    gcs_site culprit;    /* REFLEAK: call site of the latest unpaired incref (the
                          * likely culprit); NULL fields without history */
    const char *reason;  /* UNCOLLECTABLE: why; others NULL */
    size_t owner;        /* INDIRECT: index of the owning record; else SIZE_MAX */
    uint64_t example_id; /* first object (CYCLE: first SCC's leader) */
    bool suppressed;
} gcs_leak_record;

typedef struct gcs_leak_report gcs_leak_report;

/* Analyse a live heap now (reads only; the heap is not changed, no collection
 * runs). `opt` may be NULL for defaults. Refcount history (the culprit of a
 * reference leak) is available only if GCSCOPE_LEAKS armed its recorder;
 * otherwise the report says so. On error *out is NULL: GCS_ENOMEM, GCS_EINVAL,
 * GCS_EIO (unreadable suppressions file, with the message in
 * gcs_leak_errmsg()). */
int gcscope_leak_check(gcs_heap *h, const gcs_leak_options *opt, gcs_leak_report **out);

/* Message of the last failed gcscope_leak_check / analysis on this thread. */
const char *gcs_leak_errmsg(void);

const gcs_leak_summary *gcs_leak_report_summary(const gcs_leak_report *r);
/* Records, in report order (most bytes first; INDIRECT after their owner;
 * suppressed ones included, with `suppressed` set). Records and their strings
 * are owned by the report and valid until gcs_leak_report_free(). */
size_t gcs_leak_report_n_records(const gcs_leak_report *r);
const gcs_leak_record *gcs_leak_report_record(const gcs_leak_report *r, size_t i);

typedef enum gcs_leak_format {
    GCS_LEAK_FMT_TEXT = 0,    /* human report, 80 columns */
    GCS_LEAK_FMT_JSON,        /* docs/leaks.md schema */
    GCS_LEAK_FMT_SUPPRESSIONS /* one suppression entry per unsuppressed record */
} gcs_leak_format;

/* Write the report to `f`. GCS_EIO if writing failed. */
int gcs_leak_report_write(const gcs_leak_report *r, FILE *f, gcs_leak_format fmt);

/* Free. Accepts NULL. */
void gcs_leak_report_free(gcs_leak_report *r);

/* {==== Per object (views that mark objects: the viewer, `render`) ====} */

typedef struct gcs_replay gcs_replay; /* gcscope/replay.h */

/* The analysis `gcscope leaks --at` runs: the state of a trace after `pos`
 * events (clamped; moves the replay's cursor), with refcount history for
 * culprits when `with_history`. `source` names it in the report (may be NULL).
 * On error *out is NULL and the message in gcs_leak_errmsg(). */
int gcs_leak_check_replay(gcs_replay *r, uint64_t pos, bool with_history, const gcs_leak_options *opt,
                          const char *source, gcs_leak_report **out);

/* The class the analysis gave one object. */
typedef struct gcs_leak_object {
    uint64_t id;
    gcs_leak_kind kind; /* never GCS_LEAK_ERROR */
    uint64_t cycle;     /* in a cycle of cyclic garbage (or uncollectable): id of its
                         * first member (the same for every member); else 0 */
    uint64_t owner;     /* INDIRECT: id of the leaked object keeping it alive; else 0 */
} gcs_leak_object;

/* Objects the report analysed (alive, not owned by the runtime), in id order.
 * Suppressions do not change an object's class. */
size_t gcs_leak_report_n_objects(const gcs_leak_report *r);
/* k-th object (GCS_EINDEX), or by id (GCS_ENOTFOUND: not analysed). */
int gcs_leak_report_object_at(const gcs_leak_report *r, size_t k, gcs_leak_object *out);
int gcs_leak_report_object(const gcs_leak_report *r, uint64_t id, gcs_leak_object *out);

#ifdef __cplusplus
}
#endif
#endif
