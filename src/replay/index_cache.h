/* src/replay/index_cache.h — the sidecar index cache (`<trace>.gcsidx`): what
 * gcs_replay_open builds in its pass over a trace (the reader's chunk table
 * and facts, the pass/marker/error timelines, the keyframes), saved next to
 * the trace and loaded by a later open of the unchanged file. Private to
 * src/replay/ (replay.c is the only user); the byte layout is in
 * docs/trace-format.md, "Sidecar index (.gcsidx)".
 *
 * Keyframes are model snapshots, and snapshots hold string and site POINTERS
 * into the reader's pool (snapshot.c), which mean nothing in another process.
 * The index stores them "portable": every pointer replaced by a small number,
 * the 1-based rank of its string or site in the index's string table. A
 * cached keyframe is made real again (gcs_idx_translate) the first time a
 * seek restores it. */
#ifndef GCS_REPLAY_INDEX_CACHE_H
#define GCS_REPLAY_INDEX_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcscope/replay.h"

/* The index format written and read by this build. */
#define GCS_IDX_FORMAT 1u

/* One keyframe: a zstd frame of raw_len snapshot bytes, taken at pos. */
typedef struct gcs_idx_kf {
    uint64_t pos;
    uint8_t *data;
    size_t len, raw_len;
} gcs_idx_kf;

/* What an index holds besides the reader's table. Arrays are malloc'd (each
 * keyframe's data too). On load the strings of the timelines point into the
 * new reader's pool and keyframes are portable. */
typedef struct gcs_idx_data {
    uint64_t freed_window; /* the model's (keyframes depend on it) */
    gcs_replay_pass *passes;
    size_t n_passes;
    gcs_replay_marker *markers;
    size_t n_markers;
    gcs_replay_error *errors;
    size_t n_errors;
    gcs_idx_kf *kf; /* the keyframes after the pos-0 one, in pos order */
    size_t n_kf;
    uint64_t kf_bytes; /* keyframe bytes the building open counted (index_bytes) */
} gcs_idx_data;

/* Identity of the trace file an index describes. ctime catches a rewrite
 * whose mtime was put back (touch -r); a chmod also changes it (a rebuild,
 * harmless). */
typedef struct gcs_idx_ident {
    uint64_t size, mtime_s, mtime_ns, ctime_s, ctime_ns, ino, dev;
    uint32_t head_crc, tail_crc; /* CRC32C of the first 4 KiB and of the last 64 KiB */
} gcs_idx_ident;

/* The load side's string table (portable number -> pointer in the reader). */
typedef struct gcs_idx_xl gcs_idx_xl;

/* Is the cache on for this open? opt is gcs_replay_opts.index_cache. 0 off,
 * 1 on for traces of GCS_REPLAY_INDEX_MIN_BYTES and more, 2 on for any size. */
int gcs_idx_mode(int opt);

/* The identity of the file at path now. 0, or GCS_EIO. */
int gcs_idx_ident_of(const char *path, gcs_idx_ident *out);

/* Load `<path>.gcsidx` if it is a valid index of this build for the file at
 * path as it is now (and for freed_window): opens the reader from its table
 * (*rd), fills *d (free with gcs_idx_data_free) and *xl (free with
 * gcs_idx_xl_free). Any problem (no file, foreign, damaged, stale, another
 * build, too small a trace for mode 1) returns non-zero with nothing
 * allocated: the caller then builds as if there were no cache. */
int gcs_idx_load(const char *path, int mode, uint64_t freed_window, gcs_reader **rd,
                 gcs_idx_data *d, gcs_idx_xl **xl);

/* Write `<path>.gcsidx` for the trace opened by rd, whose identity before the
 * open was `before` (nothing is written if the file changed since, is damaged,
 * or is too small for mode 1). Keyframes of d are real (this process's
 * pointers); each is converted by a pass over its bytes (no model). Writes a
 * temporary file in the same directory and renames it; 0, or a negative code
 * (the caller ignores it: a cache never fails an open). */
int gcs_idx_save(const char *path, int mode, const gcs_idx_ident *before, gcs_reader *rd,
                 const gcs_idx_data *d);

/* A loaded keyframe's snapshot with real pointers: decompresses k (portable),
 * maps its pointer fields (every number must name a table entry of the kind
 * its use needs; its pos must be k->pos) into *buf (capacity *cap, grown as
 * needed), *len bytes. 0, GCS_ENOMEM, or GCS_ECORRUPT (the caller rebuilds
 * the keyframe by replaying; a snapshot that maps but does not load is caught
 * by gcs_model_load). */
int gcs_idx_translate(gcs_idx_xl *xl, const gcs_idx_kf *k, uint8_t **buf, size_t *cap, size_t *len);

void gcs_idx_data_free(gcs_idx_data *d);
/* Test access (replay.c): was r opened from its index file? */
bool gcs_replay_cached_(const gcs_replay *r);
void gcs_idx_xl_free(gcs_idx_xl *xl);

#endif
