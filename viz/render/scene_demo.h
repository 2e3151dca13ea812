/* viz/render/scene_demo.h — scenes built in code: a classroom scene (the
 * two-list cycle, a weakref, frames) and random heaps of any size. Used by the
 * tests, bench/render_bench.c and `gcscope render --synthetic`. */
#ifndef GCS_VIZ_SCENE_DEMO_H
#define GCS_VIZ_SCENE_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "layout/layout.h"
#include "render/scene.h"

/* The classroom scene: lists a and b referring to each other, a self-loop, a
 * dict with a Node, a weakref to the Node, atoms, and objects in generations
 * 1 and 2. `variant` 0: settled; 1: the weakref was just cleared and its
 * callback fires; 2: a collector pass (subtract_refs) is in progress; 3: the
 * step after the weakref was cleared (no weak edge any more).
 * Places objects in `L` (a fresh layout) and applies it. 0 or GCS_ENOMEM. */
int gcs_demo_classroom(gcs_scene *sc, gcs_layout *L, int variant);

/* A random heap of n live objects (deterministic for a seed): ~1.5 references
 * per object, mostly local, 1% two-object cycles. Places objects in `L` and
 * applies it. 0 or GCS_ENOMEM. */
int gcs_demo_random(gcs_scene *sc, gcs_layout *L, size_t n, uint64_t seed);

#endif
