/* viz/render/scene_from_replay.h — a trace opened for viewing: the replay
 * model plus the layout precomputed for the whole trace, and scenes built
 * from it at any event. scene_from_replay.c is the only viz file that reads
 * the replay API (gcscope/replay.h).
 *
 * Event numbering: `ev` is a 0-based event index; the scene at `ev` shows the
 * state AFTER event ev happened (replay position ev + 1). The status line and
 * the CLI (`--at N`) count from 1: N = ev + 1.
 */
#ifndef GCS_VIZ_SCENE_FROM_REPLAY_H
#define GCS_VIZ_SCENE_FROM_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout/layout.h"
#include "render/scene.h"

typedef struct gcs_vtrace gcs_vtrace;

/* Open a trace file (or memory: data/len borrowed, must outlive the handle)
 * and precompute the layout (small traces, below), with lanes fitted to a
 * view of `aspect`.
 * 0 or a GCS_E* code with a message in errbuf; *out NULL on error. */
int gcs_vtrace_open(const char *path, double aspect, gcs_vtrace **out, char *errbuf,
                    size_t errsize);
int gcs_vtrace_open_mem(const void *data, size_t len, const char *name, double aspect,
                        gcs_vtrace **out, char *errbuf, size_t errsize);
/* For one picture (`gcscope render -o`): the replay in stream mode (no
 * keyframes: memory for the heap at the cursor only). Seeking backwards
 * replays from event 0, so use it for one scene or scenes in event order. */
int gcs_vtrace_open_stream(const char *path, double aspect, gcs_vtrace **out, char *errbuf,
                           size_t errsize);

/* Big traces get no precomputed layout: more events than this, or more
 * objects alive at once (counted during the replay's open pass). Their
 * scenes are placed on demand: each lane packed in id order, so positions
 * are stable only while no object before them in the lane comes or goes.
 * Classroom traces stay far below both limits. */
#define GCS_VTRACE_LAYOUT_EVENTS_MAX 1000000
#define GCS_VTRACE_LAYOUT_LIVE_MAX   20000
/* True if `t` is big in that sense. */
bool gcs_vtrace_big(const gcs_vtrace *t);
/* The two limits for traces opened from now on (tests; the defaults are the
 * two constants above). */
void gcs_vtrace_layout_limits(uint64_t max_events, uint64_t max_live);
/* Free; accepts NULL. */
void gcs_vtrace_close(gcs_vtrace *t);

/* Interpreter-internal objects (INTERNAL events) are left out of scenes and
 * of the layout, with their references, unless shown. The default for traces
 * opened from now on (false; `gcscope render --show-internal` sets it), and
 * the setting of one trace: changing it recomputes the layout (one walk over
 * the trace). 0 or GCS_ENOMEM. */
void gcs_vtrace_default_show_internal(bool on);
bool gcs_vtrace_show_internal(const gcs_vtrace *t);
int gcs_vtrace_set_show_internal(gcs_vtrace *t, bool on);

/* Leak outlines come from the leak analysis (gcscope/leaks.h) of the state
 * shown: at and after the end state `gcscope leaks` reports on, always
 * (found at open, or on first use after gcs_vtrace_open_stream);
 * before it, while at most this many objects are alive (it runs per step). */
#define GCS_VTRACE_LEAK_LIVE_MAX 20000

uint64_t gcs_vtrace_n_events(const gcs_vtrace *t);
const gcs_layout *gcs_vtrace_layout(const gcs_vtrace *t);
/* Short name of the trace (file name without directories). */
const char *gcs_vtrace_name(const gcs_vtrace *t);

/* Build the scene at event `ev` (clamped) into `sc` (cleared first), with
 * positions applied. `inspect` (0: none) gets its refcount history. */
int gcs_vtrace_scene(gcs_vtrace *t, uint64_t ev, uint64_t inspect, gcs_scene *sc);

/* {==== Navigation (all return false when there is nothing there) ====} */

/* Begin event of pass k (0-based), and the event where it enters `phase`
 * (a gcs_gc_phase name; NULL: the GC_BEGIN itself). */
bool gcs_vtrace_pass_event(gcs_vtrace *t, size_t k, const char *phase, uint64_t *ev);
size_t gcs_vtrace_n_passes(const gcs_vtrace *t);
/* Event of marker k (0-based). */
bool gcs_vtrace_marker_event(const gcs_vtrace *t, size_t k, uint64_t *ev);
size_t gcs_vtrace_n_markers(const gcs_vtrace *t);
/* The next (dir > 0) or previous (dir < 0) pass begin / marker / leak-or-error
 * event strictly after / before `ev`. */
bool gcs_vtrace_next_pass(const gcs_vtrace *t, uint64_t ev, int dir, uint64_t *out);
bool gcs_vtrace_next_marker(const gcs_vtrace *t, uint64_t ev, int dir, uint64_t *out);
/* Leaks and misuse, in event order: the objects the leak analysis finds not
 * reachable in the end state `gcscope leaks` reports on (the event before
 * HEAP_END, else the last), and the objects named by ERROR events. */
size_t gcs_vtrace_n_leaks(gcs_vtrace *t);
bool gcs_vtrace_leak_at(gcs_vtrace *t, size_t k, uint64_t *ev, uint64_t *obj);

#endif
