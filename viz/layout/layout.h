/* viz/layout/layout.h — where each object sits, as a function of identity and
 * time.
 *
 * x is the lane (generation 0, 1, 2, untracked, frozen); inside a lane an
 * object owns a slot of a grid from the moment it enters the lane until it
 * leaves it (freed, promoted, untracked). Slots are handed out lowest-free
 * first and reused only after the previous owner has gone, so an object never
 * moves unless it changes lane, and scrubbing back and forth never jiggles:
 * the placement history is recorded once for the whole trace (Python Tutor's
 * precomputed layouts; Foresighted Layout) and queried per event. Big traces
 * skip it (see GCS_VTRACE_LAYOUT_EVENTS_MAX in render/scene_from_replay.h).
 *
 * The row count is chosen once, in gcs_layout_finish(), to make the lanes as
 * large as possible in a view of the given aspect.
 *
 * Usage: gcs_layout_new, then for every event in order gcs_layout_place /
 * gcs_layout_remove, then gcs_layout_finish (fixes the grid's row count from
 * the peak occupancy of every lane), then gcs_layout_apply per frame.
 */
#ifndef GCS_VIZ_LAYOUT_H
#define GCS_VIZ_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "render/scene.h"

/* World geometry (units: points at zoom 1). */
#define GCS_LAYOUT_NODE_W     156.0
#define GCS_LAYOUT_NODE_H     60.0
#define GCS_LAYOUT_CELL_W     196.0
#define GCS_LAYOUT_CELL_H     96.0
#define GCS_LAYOUT_LANE_PAD   10.0
#define GCS_LAYOUT_LANE_GAP   10.0
#define GCS_LAYOUT_HEADER_H   52.0
#define GCS_LAYOUT_EMPTY_LANE 110.0 /* width of a lane that never holds anything */

typedef struct gcs_layout gcs_layout;

typedef struct gcs_lane_geom {
    double x0, x1; /* world x extent of the lane */
    int cols;      /* grid columns (0 for an always-empty lane) */
    uint32_t peak; /* most objects the lane ever held at once */
} gcs_lane_geom;

/* New empty layout. 0 or GCS_ENOMEM (*out NULL). */
int gcs_layout_new(gcs_layout **out);
/* Free; accepts NULL. */
void gcs_layout_free(gcs_layout *L);

/* Object `id` is in `lane` from event `ev` on. `ev` must not decrease across
 * calls. A no-op if the object already sits in that lane; otherwise it leaves
 * its old slot and takes the lowest free slot of the new lane.
 * 0, GCS_EINVAL (bad lane, ev going backwards) or GCS_ENOMEM (unchanged). */
int gcs_layout_place(gcs_layout *L, uint64_t id, int lane, uint64_t ev);
/* Object `id` is gone after event `ev` (it is still drawn, fading, at `ev`).
 * Its slot is free for objects placed after `ev`. Unknown ids are ignored. */
int gcs_layout_remove(gcs_layout *L, uint64_t id, uint64_t ev);

/* Fix the grid: choose the row count so the lanes fill a view of the given
 * width/height `aspect`. Positions are undefined before the first call. */
void gcs_layout_finish(gcs_layout *L, double aspect);

/* Position (world centre) and lane of `id` at event `ev`. False if the object
 * does not exist at `ev`. */
bool gcs_layout_pos(const gcs_layout *L, uint64_t id, uint64_t ev, double *x, double *y, int *lane);
/* Fill x/y (at sc->cur_event) and px/py (at the event before, for slides) of
 * every object of the scene; objects the layout doesn't know get placed = false. */
void gcs_layout_apply(const gcs_layout *L, gcs_scene *sc);

/* Repack a scene for a still picture (`render`, or `f` fitting what is alive):
 * each lane keeps its objects in slot order but packs them from the first
 * slot into the row count that makes the lanes largest in a view of `aspect`
 * (width / height); empty lanes get the narrow width. Rewrites x, y, px, py,
 * sets sc->compacted and the lane extents in the scene. Unlike positions from
 * gcs_layout_apply(), these are not stable from one event to the next.
 * Idempotent. GCS_ENOMEM leaves the scene as it was. */
int gcs_layout_compact(gcs_scene *sc, double aspect);

/* Lane extents and the world size. */
void gcs_layout_lanes(const gcs_layout *L, gcs_lane_geom out[GCS_LANE__COUNT]);
void gcs_layout_extent(const gcs_layout *L, double *w, double *h);
/* Rows of the grid. */
int gcs_layout_rows(const gcs_layout *L);
/* Number of objects ever placed. */
uint64_t gcs_layout_count(const gcs_layout *L);

#endif
