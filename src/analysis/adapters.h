/* src/analysis/adapters.h — the two ways a heap graph is made: from a live
 * heap (from_heap.c) and from a trace at an event (from_replay.c). Both leave
 * out the objects the runtime itself owns (None, True, False, (), the cached
 * small ints -5..256, the gc.garbage and gc.callbacks lists): they are never
 * leaks, and the two sources would otherwise disagree about them (a trace may
 * start after they were made). gc.garbage's reference to each of its items is
 * implied by the node flag GCS_HGF_IN_GARBAGE.
 */
#ifndef GCS_ANALYSIS_ADAPTERS_H
#define GCS_ANALYSIS_ADAPTERS_H

#include "analysis/heapgraph.h"
#include "analysis/hist_rec.h"
#include "gcscope/runtime.h"
#include "gcscope/trace.h" /* gcs_progress_fn */

typedef struct gcs_replay gcs_replay; /* gcscope/replay.h */

/* Snapshot a live heap (read-only; no collection runs). `hist` (may be NULL)
 * supplies refcount history and errors. The graph is finished. GCS_ENOMEM,
 * GCS_EINVAL; *out NULL on error. */
int gcs_hg_from_heap(gcs_heap *h, const gcs_hist_rec *hist, gcs_hg **out);

/* The state of a trace after `pos` events (pos clamped to the trace), with
 * refcount history and errors recorded from events 0..pos-1 when
 * `with_history`. Moves the replay's cursor. The graph is finished; its
 * at_event is pos. Its slot labels are made lazily from `r` (the graph's
 * labeller, see heapgraph.h; it seeks back to pos if the cursor moved): r
 * must stay open until the graph is analysed (gcs_leak_analyze drops the
 * labeller) or freed. GCS_ENOMEM or the replay's error; *out NULL on error. */
int gcs_hg_from_replay(gcs_replay *r, uint64_t pos, bool with_history, gcs_hg **out);

/* The same with the history taken from `hist`, a recorder already fed events
 * 0..pos-1 of this trace (e.g. during a streaming open pass, so the events are
 * decoded once): the replay is then only seeked. GCS_EINVAL for hist NULL. */
int gcs_hg_from_replay_hist(gcs_replay *r, uint64_t pos, const gcs_hist_rec *hist, gcs_hg **out);

/* The same, taking ownership of `hist` (freed in every case): its history is
 * moved into the graph and the recorder freed before the replay builds the
 * model at pos, so the recorder and the model never take memory together
 * (`gcscope leaks` on a big trace). `progress` (may be NULL) is called about
 * 100 times while the model is built, with events applied and events to
 * apply (its return value is ignored). */
int gcs_hg_from_replay_take(gcs_replay *r, uint64_t pos, gcs_hist_rec *hist,
                            gcs_progress_fn progress, void *progress_ud, gcs_hg **out);

/* The rule both adapters use for small ints: an int atom whose value is in
 * the runtime's cache. `label` is the int's display label ("42"). */
bool gcs_hg_is_cached_int_label(const char *label);

#endif
