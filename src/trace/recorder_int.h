/* src/trace/recorder_int.h — recorder internals shared with the reader (the
 * INDEX chunk entry) and test-only hooks (raw records, a simulated full disk). */
#ifndef GCS_RECORDER_INT_H
#define GCS_RECORDER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gcscope/trace.h"

/* One EVENTS chunk, as the INDEX chunk lists it. */
typedef struct gcs_tr_chunk_ent {
    uint64_t offset;    /* file offset of the chunk header */
    uint64_t first_seq; /* index of its first event */
    uint64_t n_events;
    uint64_t first_ts, last_ts;
} gcs_tr_chunk_ent;

/* Tests: append raw record bytes to the open chunk (counted as an event if
 * is_event). The bytes must be a valid record for the reader to accept them. */
int gcs_recorder_raw_(gcs_recorder *w, const uint8_t *rec, size_t len, int is_event);
/* Tests: the memory backend fails with ENOSPC once `limit` bytes are written. */
void gcs_recorder_mem_limit_(gcs_recorder *rec, size_t limit);
/* Tests: forget the object-id delta predictor (after raw records). */
void gcs_recorder_reset_delta_(gcs_recorder *rec);

/* Tests: make the n-th recorder allocation from now on (0-based; malloc,
 * calloc, realloc, or creating the zstd context) fail; -1: none fails. Not
 * thread-safe. gcs_tr_alloc_count_() counts allocations since the call. */
void gcs_tr_fail_alloc_at_(long n);
long gcs_tr_alloc_count_(void);

/* Tests: gcs_crc32c's portable path (slicing-by-8), whatever the CPU has; and
 * whether gcs_crc32c uses the crc32 instruction (SSE4.2) on this CPU. */
uint32_t gcs_crc32c_sw_(uint32_t crc, const void *data, size_t len);
int gcs_crc32c_hw_available_(void);

#endif
