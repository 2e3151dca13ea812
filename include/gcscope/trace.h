/* gcscope/trace.h — trace files: the recorder (writer) and the reader.
 *
 * A trace (.gctrace) is an append-only file: a 64-byte header, then
 * self-delimiting chunks (length + CRC32C, optionally zstd), then on a clean
 * close an INDEX chunk and a 24-byte trailer. docs/trace-format.md is the
 * byte-level specification. Events are the gcs_event values of
 * gcscope/trace_events.h; a write -> read round trip gives back the same
 * events (strings and sites compare equal by content).
 *
 * TABLE OF CONTENTS
 *   1. Recorder: open (file or memory), record events, flush, close
 *   2. Reader: open (file or memory), iterate or decode events by index,
 *      file facts (header, chunks), damage report
 *
 * Most programs never call the recorder: GCSCOPE_TRACE=path (or
 * gcs_config.trace_path) makes gcs_heap_new() attach one. The viewer, the CLI
 * and the leak report read traces through gcscope/replay.h, which builds on
 * the reader below.
 */
#ifndef GCSCOPE_TRACE_H
#define GCSCOPE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gcscope/errors.h"
#include "gcscope/trace_events.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Format version written by this library. A reader refuses another major
 * version (GCS_EVERSION) and reads any minor version of its major. */
#define GCS_TRACE_VERSION_MAJOR 1
#define GCS_TRACE_VERSION_MINOR 2

/* {======================== 1. Recorder ========================} */

typedef struct gcs_recorder gcs_recorder;

typedef struct gcs_recorder_opts {
    bool compress;          /* zstd per chunk when it pays (default true) */
    int zstd_level;         /* default 1 */
    size_t chunk_bytes;     /* raw bytes per chunk before a flush (default 65536; min 256) */
    bool signals;           /* flush on SIGINT/SIGTERM, then re-raise (default false;
                             * GCSCOPE_TRACE_SIGNALS=1 turns it on in gcs_heap_new) */
    bool quiet;             /* don't print the one warning line on a write error */
    long thresholds[3];     /* collector thresholds, written to the header */
    uint32_t gc_flags;      /* bit 0: gc enabled; bits 8..15: gc debug flags */
    const char *cmdline;    /* stored in the META chunk (may be NULL) */
    uint64_t start_unix_ns; /* header's start time; 0: now (set it for reproducible files) */
    uint32_t writer_pid;    /* header's pid; 0: getpid() */
    bool background;        /* file outputs: compress and write full chunks on a writer
                             * thread (default false: on this project's 2-vCPU machine
                             * the thread slowed the recording thread ~2x, see
                             * docs/performance.md); GCSCOPE_TRACE_BACKGROUND=1 in
                             * gcs_heap_new */
} gcs_recorder_opts;

/* Fill `opts` with the defaults above (thresholds {700, 10, 10}, gc enabled). */
void gcs_recorder_opts_init(gcs_recorder_opts *opts);

/* Create (truncate) `path` and write the header and META chunk. `opts` may be
 * NULL for defaults. On error *out is NULL and the code is GCS_EIO (open or
 * first write failed), GCS_ENOMEM or GCS_EINVAL. */
int gcs_recorder_open(const char *path, const gcs_recorder_opts *opts, gcs_recorder **out);

/* Same, but the trace is built in memory; read it with gcs_recorder_mem_data()
 * after gcs_recorder_finish(). */
int gcs_recorder_open_mem(const gcs_recorder_opts *opts, gcs_recorder **out);

/* Record one event. Has the gcs_event_fn signature, so it can be installed as
 * an event hook with `ud` = the recorder. Never allocates per event (the chunk
 * buffer grows only for very long strings). Can't fail: after a write error
 * recording has stopped and events are dropped (gcs_recorder_error() says
 * why). Strings longer than GCS_TRACE_MAX_STRING bytes are truncated. */
void gcs_recorder_hook(void *rec, const gcs_event *ev);
#define GCS_TRACE_MAX_STRING 65535

/* The recorder as a heap's hooks in one call. Its narrow hooks (gcs_hooks in
 * gcscope/runtime.h: INCREF/DECREF, one-object events, REF_SET, REF_DEL,
 * ALLOC, LABEL) write the bytes gcs_recorder_hook writes for the same events,
 * at less cost per event. gcs_recorder_configure sets cfg->hook, hook_ud and hooks, so the
 * heap gcs_heap_new makes records its whole life through them;
 * gcs_recorder_attach installs them on a heap (replacing its event hook;
 * GCS_EINVAL if rec or h is NULL). gcs_recorder_hooks: the set itself, for
 * gcs_heap_set_hooks with ud = the recorder. (GCSCOPE_TRACE needs none of
 * these: gcs_heap_new attaches its recorder so.) */
struct gcs_config;
struct gcs_heap;
struct gcs_hooks;
const struct gcs_hooks *gcs_recorder_hooks(void);
void gcs_recorder_configure(gcs_recorder *rec, struct gcs_config *cfg);
int gcs_recorder_attach(gcs_recorder *rec, struct gcs_heap *h);

/* Write the pending chunk now (also done when a chunk is full, after every
 * GC_END, and at close). Returns 0 or the sticky error (GCS_EIO). */
int gcs_recorder_flush(gcs_recorder *rec);

/* Flush, then write the INDEX chunk and the trailer: the trace is complete.
 * Later events are dropped. Returns 0 or the sticky error. Idempotent. */
int gcs_recorder_finish(gcs_recorder *rec);

/* Finish (if not done yet), close the file and free the recorder. Returns 0
 * or the first error met while recording. Accepts NULL (returns 0). */
int gcs_recorder_close(gcs_recorder *rec);

/* Memory backend: the bytes written so far (borrowed; valid until the next
 * call on `rec`). NULL with *len = 0 for a file recorder. */
const uint8_t *gcs_recorder_mem_data(const gcs_recorder *rec, size_t *len);

/* The sticky error: 0 while recording works, else GCS_EIO/GCS_ENOMEM. */
int gcs_recorder_error(const gcs_recorder *rec);
/* Message for the sticky error ("" if none), e.g. "out.gctrace: No space left on device". */
const char *gcs_recorder_errmsg(const gcs_recorder *rec);

typedef struct gcs_recorder_stats {
    uint64_t events;     /* events recorded (not counting dropped ones) */
    uint64_t dropped;    /* events dropped after an error or after finish */
    uint64_t chunks;     /* chunks written */
    uint64_t raw_bytes;  /* chunk payload bytes before compression */
    uint64_t file_bytes; /* bytes written to the file (header, chunks, index, trailer) */
} gcs_recorder_stats;
void gcs_recorder_get_stats(const gcs_recorder *rec, gcs_recorder_stats *out);

/* {======================== 2. Reader ========================} */

typedef struct gcs_reader gcs_reader;

/* Progress of a long open: done/total in bytes. Return non-zero to cancel
 * (the open then fails with GCS_ECALL). */
typedef int (*gcs_progress_fn)(void *ud, uint64_t done_bytes, uint64_t total_bytes);

/* Called for every event, in order, during the open pass (the replay model
 * builds its keyframes here). `ev` is valid during the call; its strings and
 * site for the reader's life (a LABEL's text: during the call only). Events of a chunk are
 * delivered only after the whole chunk validated. Return non-zero to cancel (GCS_ECALL). */
typedef int (*gcs_reader_event_fn)(void *ud, uint64_t index, const gcs_event *ev);
/* A run of n consecutive events, the first of index `first` (one chunk's). */
typedef int (*gcs_reader_batch_fn)(void *ud, uint64_t first, const gcs_event *evs, size_t n);

typedef struct gcs_reader_opts {
    gcs_progress_fn progress; /* may be NULL */
    void *progress_ud;
    gcs_reader_event_fn on_event; /* may be NULL */
    void *on_event_ud;
    gcs_reader_batch_fn on_batch; /* may be NULL; if set, it gets each chunk's events at
                                   * once (with on_event_ud) and on_event is not called */
    bool salvage;                 /* after a damaged chunk, resync on the next chunk magic and go on
                                   * (default false: stop at the first damage, the torn-tail rule) */
    uint64_t *bytes_done;         /* may be NULL: set to the file offset after a chunk before its
                                   * events go to on_event (the replay spaces keyframes by it) */
    int decode_thread;            /* > 0: with on_event or on_batch set, decode on a second
                                   * thread while the callbacks run on this one; < 0: never;
                                   * 0 (default): only if GCSCOPE_READER_THREAD=1 (one thread
                                   * is the faster on this project's machine: see
                                   * docs/performance.md). Same events, order, damage and
                                   * messages either way. */
} gcs_reader_opts;

/* Open a trace file and validate it: header, every chunk's CRC, every record.
 * `opts` may be NULL. Damage after the header is NOT an error: the reader
 * keeps every intact chunk before it and reports it (gcs_reader_damage).
 * Errors (*out NULL): GCS_EIO (can't open/read), GCS_EFORMAT (not a trace),
 * GCS_ETRUNC (header cut short), GCS_ECORRUPT (header CRC), GCS_EVERSION
 * (unknown major version; the message names both versions), GCS_ENOMEM,
 * GCS_ECALL (cancelled). The message is in gcs_reader_open_errmsg(). */
int gcs_reader_open(const char *path, const gcs_reader_opts *opts, gcs_reader **out);

/* Same over `len` bytes at `data` (borrowed: must outlive the reader).
 * `name` (may be NULL) is used in messages instead of a path. */
int gcs_reader_open_mem(const void *data, size_t len, const char *name, const gcs_reader_opts *opts,
                        gcs_reader **out);

/* Message of the last failed gcs_reader_open* on this thread (static storage). */
const char *gcs_reader_open_errmsg(void);

/* Free the reader. Accepts NULL. */
void gcs_reader_close(gcs_reader *r);

/* Number of events in the intact part of the trace. */
uint64_t gcs_reader_n_events(const gcs_reader *r);

/* Decode event `index` (0-based) into *ev. Strings and the site point into
 * the reader (valid until gcs_reader_close), EXCEPT the text of a LABEL event
 * (ev->u.label.text), which is valid until the next call on the reader
 * (labels are often unique per object, so they are not kept: bounded memory
 * on big traces). The same holds for events given to on_event while opening.
 * Consecutive indices are cheap (the decoded chunk is cached). GCS_EINDEX if
 * index >= n_events, GCS_ENOMEM. */
int gcs_reader_event(gcs_reader *r, uint64_t index, gcs_event *ev);

/* Streaming: events from `index` onwards. gcs_reader_next returns 1 and an
 * event, 0 at the end, or a negative code. */
int gcs_reader_rewind(gcs_reader *r, uint64_t index);
int gcs_reader_next(gcs_reader *r, gcs_event *ev);

/* File facts from the header and META chunk. Strings are borrowed. */
typedef struct gcs_trace_info {
    unsigned version_major, version_minor;
    uint32_t flags;
    uint32_t writer_pid;
    uint64_t start_unix_ns; /* wall clock when recording started */
    long thresholds[3];
    uint32_t gc_flags;    /* as gcs_recorder_opts.gc_flags */
    const char *recorder; /* "gcscope 0.1.0" ("" if absent) */
    const char *cmdline;  /* "" if absent */
    uint64_t file_bytes;
    uint64_t n_chunks;        /* intact EVENTS chunks */
    uint64_t last_t_ns;       /* largest timestamp seen */
    bool clean_close;         /* INDEX + trailer present and consistent */
    uint64_t unknown_skipped; /* records of unknown kinds skipped by length */
    /* Payload bytes of the intact EVENTS chunks before compression and as
     * stored, for the compression ratio `gcscope info` shows; 0 = not counted
     * by this reader. (Added for issue #3's CLI; GCS_TRACE_INFO_HAS_SIZES.) */
    uint64_t raw_bytes, stored_bytes;
} gcs_trace_info;
#define GCS_TRACE_INFO_HAS_SIZES 1
void gcs_reader_info(const gcs_reader *r, gcs_trace_info *out);

/* Damage found while opening. `damaged` is false for an intact file (a file
 * that lacks only its INDEX/trailer, e.g. a killed recorder that stopped
 * between chunks, is intact but not clean_close). */
typedef struct gcs_trace_damage {
    bool damaged;
    uint64_t byte_offset; /* where the first bad chunk (or garbage) starts */
    uint64_t event_index; /* events before it (= first event lost) */
    uint64_t bytes_lost;  /* bytes from byte_offset to the end of the file */
    int code;             /* GCS_ECORRUPT, GCS_ETRUNC, GCS_EFORMAT */
} gcs_trace_damage;
void gcs_reader_damage(const gcs_reader *r, gcs_trace_damage *out);

/* The damage message ("run.gctrace: byte 0x5f20 (event #1234): chunk CRC
 * mismatch"), or "" if the file is intact. Valid for the reader's life. */
const char *gcs_reader_errmsg(const gcs_reader *r);

/* Format one event as a line of text (no newline), as `gcscope dump` prints
 * it: "incref obj=12 refcnt=2 @ main.c:40 (main)". Returns the length it
 * wanted (snprintf semantics). */
size_t gcs_event_format(const gcs_event *ev, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
