/* src/lib/heap.c — the public gcs_heap_new()/gcs_heap_free(): the bare runtime
 * composed with what the environment asks for (GCSCOPE_TRACE: a recorder;
 * GCSCOPE_LEAKS: a leak report at teardown). This layer sits above runtime,
 * trace and analysis; they never call up into it. */
#include <stdlib.h>

#include "gcscope/runtime.h"
#include "runtime/rt_glue.h"

int
gcs_heap_new(const gcs_config *cfg, gcs_heap **out)
{
    return gcs_rt_heap_new(cfg, out);
}

void
gcs_heap_free(gcs_heap *h)
{
    gcs_rt_heap_free(h);
}
