/* src/trace/reader_int.h — reader internals the replay layer uses: bulk access
 * to a decoded chunk (replay applies events without copying them one by one)
 * and the string pool (equal strings, equal pointers). */
#ifndef GCS_READER_INT_H
#define GCS_READER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gcscope/trace.h"

/* The decoded events of the chunk holding event `index`: returns the array
 * (valid until the next reader call), *n its length and *first the index of
 * its first element. NULL if index >= n_events or on ENOMEM. */
const gcs_event *gcs_reader_chunk_events_(gcs_reader *r, uint64_t index, size_t *n,
                                          uint64_t *first);
/* Intern n bytes into the reader's pool (stable for the reader's life). */
const char *gcs_reader_intern_(gcs_reader *r, const char *s, size_t n);
/* Bytes of the reader's chunk table. */
size_t gcs_reader_index_bytes_(const gcs_reader *r);
/* Bytes of the string and site pools (the decoded strings of the trace). */
size_t gcs_reader_pool_bytes_(const gcs_reader *r);

/* Tests only: when true, readers opened afterwards skip the compact records
 * of format 1.2 by their length, as a 1.0 or 1.1 reader does. */
extern bool gcs_reader_test_as_v1_1_;

#endif
