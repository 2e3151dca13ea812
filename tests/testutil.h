/* tests/testutil.h — shared test helpers: a counting allocator that can fail
 * the n-th allocation (OOM loops), heap fixtures, temp paths. */
#ifndef GCS_TESTUTIL_H
#define GCS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gcscope/runtime.h"

typedef struct gcs_test_alloc {
    long live_blocks;     /* blocks currently allocated */
    long total_allocs;    /* allocations (and growing reallocs) so far */
    long fail_at;         /* fail the allocation with this index (0-based), -1 never */
    size_t live_bytes;
} gcs_test_alloc;

/* gcs_alloc_fn over malloc that counts and can fail (ud: gcs_test_alloc *). */
void *gcs_test_alloc_fn(void *ud, void *ptr, size_t old_size, size_t new_size);

/* A heap on a counting allocator, checked mode on, on_error CONTINUE, no env. */
typedef struct gcs_test_heap {
    gcs_test_alloc alloc;
    gcs_heap *h;
} gcs_test_heap;

/* cmocka setup/teardown: *state becomes a gcs_test_heap. Teardown asserts a
 * clean gcs_heap_check before freeing and zero live blocks after. */
int gcs_test_heap_setup(void **state);
int gcs_test_heap_teardown(void **state);

/* Path of a fresh temporary file name (not created) under $TMPDIR; static buffer. */
const char *gcs_test_tmpname(const char *suffix);

#endif
