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

/* {==== Chunk table export / import (the replay's sidecar index) ====} */

/* One EVENTS chunk of the table (its first event index is the sum of the
 * n_events before it). */
typedef struct gcs_reader_chunk_rec {
    uint64_t offset;      /* file offset of the chunk header */
    uint32_t stored, raw; /* payload bytes as stored / before compression */
    uint8_t codec;
    uint32_t n_events; /* events of known kinds in it */
    uint32_t crc;      /* the chunk header's CRC32C field (identity check) */
} gcs_reader_chunk_rec;

/* What an open found besides the chunks: header facts (info.recorder and
 * info.cmdline borrowed), counts. Damage is not part of it: only intact
 * traces are exported. */
typedef struct gcs_reader_table {
    gcs_trace_info info;
    uint32_t header_len;
    uint64_t n_events, writer_events;
    size_t n_chunks;
} gcs_reader_table;

/* Export: the facts. */
void gcs_reader_table_(const gcs_reader *r, gcs_reader_table *out);
/* Export: chunk k's record (GCS_EINDEX past the end; reads
 * the chunk header in the file, dropping pages as a scan does). */
int gcs_reader_chunk_rec_(gcs_reader *r, size_t k, gcs_reader_chunk_rec *out);
/* Import: open `path` without scanning it, with the table of an earlier open.
 * The header is parsed and CRC-checked again and every chunk must match the
 * chunk header in the file (offsets increasing, inside the file; magic,
 * lengths, codec, kind, CRC field); a decoded chunk whose event count differs
 * from the table fails later with GCS_ECORRUPT. Errors as gcs_reader_open, and
 * GCS_ECORRUPT when the table does not describe the file. */
int gcs_reader_open_table_(const char *path, const gcs_reader_table *t,
                           const gcs_reader_chunk_rec *chunks, gcs_reader **out);
/* Every pooled site, in no particular order. */
void gcs_reader_sites_each_(const gcs_reader *r, void (*fn)(void *ud, const gcs_site *s), void *ud);
/* The pooled site (file, func, line); file and func must be pooled strings
 * (gcs_reader_intern_) or NULL. NULL on ENOMEM. */
const gcs_site *gcs_reader_site_intern_(gcs_reader *r, const char *file, const char *func,
                                        int line);

#endif
