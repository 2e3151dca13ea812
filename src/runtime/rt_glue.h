/* src/runtime/rt_glue.h — what the runtime offers the library glue (src/lib/)
 * that composes it with the trace recorder and the leak report, and the few
 * object facts the leak analysis's live-heap snapshot reads. The public
 * gcs_heap_new()/gcs_heap_free() live in src/lib/heap.c and call these. */
#ifndef GCS_RT_GLUE_H
#define GCS_RT_GLUE_H

#include <stdbool.h>
#include <stddef.h>

#include "gcscope/runtime.h"

/* Create / destroy the bare runtime (no env handling, no recorder). */
int gcs_rt_heap_new(const gcs_config *cfg, gcs_heap **out);
/* Emit HEAP_END, pop frames, free every object (no finalizers), free the heap. */
void gcs_rt_heap_free(gcs_heap *h);

/* A second event hook, reserved for the trace recorder, independent of the
 * user's hook (gcs_heap_set_hook). NULL removes it. Events go to the user hook
 * first, then to this one. */
int gcs_rt_set_trace_hook(gcs_heap *h, gcs_event_fn fn, void *ud);
/* The same with narrow hooks (as gcs_heap_set_hooks does for the user's slot;
 * defined in obj.c). NULL removes the trace hook. */
int gcs_rt_set_trace_hooks(gcs_heap *h, const gcs_hooks *hooks, void *ud);

/* A function the glue wants run at the start of gcs_rt_heap_free, before any
 * object is freed (the leak report at teardown). */
typedef void (*gcs_rt_teardown_fn)(gcs_heap *h, void *ud);
int gcs_rt_set_teardown(gcs_heap *h, gcs_rt_teardown_fn fn, void *ud);

/* The config the heap was created with (thresholds etc. for the trace header). */
const gcs_config *gcs_rt_config(const gcs_heap *h);

/* What the leak analysis's live-heap snapshot (src/analysis/from_heap.c)
 * needs to know of one object beyond the public API. */
typedef struct gcs_rt_obj_facts {
    size_t size;           /* bytes, the figure its ALLOC event carried */
    bool is_static;        /* a heap singleton (None, bools, small ints, ()) */
    bool tracked;          /* on a generation list */
    bool finalized;        /* its PEP 442 finalizer has run */
    bool legacy_finalizer; /* it has a legacy finalizer (tp_del) */
} gcs_rt_obj_facts;
/* Fill *f for live object o (no validation: o must be live). */
void gcs_rt_obj_facts_get(const gcs_obj *o, gcs_rt_obj_facts *f);

#endif
