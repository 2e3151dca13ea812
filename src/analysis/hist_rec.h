/* src/analysis/hist_rec.h — the refcount-history recorder: fed the event
 * stream (live, as a heap hook, or from a trace), it keeps the ALLOC / INCREF /
 * DECREF history of every object still alive and every ERROR event, and marks
 * the increfs and decrefs that came with storing or removing a reference
 * (REF_SET / REF_DEL / VAR_SET / VAR_DEL next to them) as STORE / UNSTORE.
 * The same code serves the in-process report and `gcscope leaks`, so both
 * pair increfs the same way.
 */
#ifndef GCS_ANALYSIS_HIST_REC_H
#define GCS_ANALYSIS_HIST_REC_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis/heapgraph.h"
#include "gcscope/trace_events.h"

typedef struct gcs_hist_rec gcs_hist_rec;

/* Entries kept per object; past this its history is marked truncated and
 * not used (no culprits are named for it). */
#define GCS_HIST_MAX_PER_OBJ 4096

int gcs_hist_rec_new(gcs_hist_rec **out);
void gcs_hist_rec_free(gcs_hist_rec *r);

/* Feed the next event; its index is the number of events fed before it.
 * Can't fail: on ENOMEM the recorder marks itself incomplete and drops data. */
void gcs_hist_rec_event(gcs_hist_rec *r, const gcs_event *ev);
/* gcs_event_fn shape (ud: the recorder), for gcs_heap_set_hook. */
void gcs_hist_rec_hook(void *ud, const gcs_event *ev);

/* Events fed so far. */
uint64_t gcs_hist_rec_n_events(const gcs_hist_rec *r);
/* False once an allocation failed (history then partial). */
bool gcs_hist_rec_complete(const gcs_hist_rec *r);

/* Add the history of every live object (objects with truncated history are
 * skipped; gcs_hg_finish drops those that are not nodes of g) and every ERROR
 * event to the (unfinished) graph g. Linear in the recorder's size. GCS_ENOMEM. */
int gcs_hist_rec_export(const gcs_hist_rec *r, gcs_hg *g);

#endif
