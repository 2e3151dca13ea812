/* src/trace/recorder.c — the trace writer. Start at gcs_recorder_hook(): each
 * event is encoded straight into the chunk buffer (op byte, varints, zigzag
 * deltas; docs/trace-format.md). The usual event takes "The fast path" (one
 * test, home-slot lookups of its site and strings, a leaf function per kind);
 * the rest -- an event that first uses a string or site in this chunk and so
 * needs DEF records first, stamped events, a full chunk -- the general path
 * (encode_event, hook_slow). A full chunk goes to the writer thread (flush_full_chunk_,
 * "Writing chunks"); other flushes wait for it and write here (flush_chunk_).
 * Either way one write_job() compresses (optionally), checksums and hands
 * header+payload to ONE write(). Every chunk decodes on its own: delta state
 * and intern ids reset at each chunk start (tables stamped with the chunk
 * serial). A write error prints one warning, stops recording and keeps the
 * complete chunks; a forked child stops silently (in_forked_child). All
 * allocations go through gcs_tr_malloc & co. (tio.h) so tests can fail each. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "gcscope/runtime.h"
#include "recorder_int.h"
#include "tio.h"
#include "trace_int.h"

#if defined(__GNUC__)
#define REC_LIKELY(x) __builtin_expect(!!(x), 1)
#define REC_NOINLINE  __attribute__((noinline))
#define REC_INLINE    inline __attribute__((always_inline))
#else
#define REC_LIKELY(x) (x)
#define REC_NOINLINE
#define REC_INLINE inline
#endif

/* {==== Intern tables (open addressing, stale entries = empty) ====} */

typedef struct str_ent {
    const char *ptr; /* key of the pointer map; the caller's pointer */
    uint64_t hash;   /* key of the content map */
    uint32_t gen;    /* chunk serial the entry belongs to */
    uint32_t id;     /* chunk-local string id */
    uint32_t off;    /* copy of the content in the chunk's string arena */
} str_ent;

typedef struct site_ent {
    const char *file, *func;
    int line;
    uint32_t gen, id;
} site_ent;

typedef struct intern_map {
    void *ents;
    size_t cap;     /* power of two */
    size_t n;       /* entries of the current generation */
    unsigned shift; /* 64 - log2(cap): a 64-bit hash's top bits index the map */
} intern_map;

/* Strings of at most 8 bytes ("[3]", "int", "1042", "main") packed into a u64
 * key: their own map, exact and keyed by content, so a caller that reuses one
 * buffer for many short strings (slot labels, number labels) costs one probe,
 * and a new one needs no content hash or arena copy. */
typedef struct short_ent {
    uint64_t key; /* the bytes, zero-padded (strings have no NUL inside) */
    uint32_t gen, id;
} short_ent;

/* A closed EVENTS chunk on its way to the file, and what writing it gave
 * (see "Writing chunks" for who owns it when). */
typedef struct rec_job {
    uint8_t *buf;    /* GCS_TR_CHUNK_HDR header room, then the payload */
    size_t cap, len; /* payload capacity / bytes */
    uint64_t first_seq, first_ts, last_ts;
    uint32_t n_events;
    int allow_zstd;
    int errnum;      /* result: 0 or the write's errno */
    uint64_t offset; /* result: file offset of the chunk */
    size_t written;  /* result: bytes written */
} rec_job;

struct gcs_recorder {
    gcs_tio io;
    char *path;
    gcs_recorder_opts opts;
    int err; /* sticky GCS_E* */
    char errmsg[256];
    int finished;
    int stopped;                /* err || finished */
    size_t gate;                /* the hook's one test, see set_gate() */
    pid_t pid;                  /* the process that opened it (a forked child never writes) */
    volatile sig_atomic_t busy; /* inside the hook (signal flush must wait) */
    volatile sig_atomic_t sig_pending;

    /* the open chunk: GCS_TR_CHUNK_HDR reserved bytes, then the payload */
    uint8_t *buf;
    size_t len, cap; /* payload bytes used / capacity (excluding the header) */
    uint32_t gen;    /* chunk serial (intern stamp), starts at 1 */
    uint32_t n_events, n_strings, n_sites;
    uint64_t last_obj, last_ts, first_ts, max_ts;
    uint64_t ocache[GCS_TR_OCACHE]; /* object id cache (trace_int.h) */
    uint64_t first_seq;

    char *sarena; /* copies of this chunk's strings */
    size_t sa_len, sa_cap;
    intern_map by_ptr, by_content; /* strings of more than 8 bytes */
    intern_map shorts;             /* strings of <= 8 bytes (short_ent) */
    intern_map sites;

    ZSTD_CCtx *zc;
    uint8_t *zbuf;
    size_t zcap;

    gcs_tr_chunk_ent *chunks; /* EVENTS chunks written, for INDEX */
    size_t n_chunks, chunks_cap;
    uint8_t *ibuf; /* room for the INDEX chunk, kept ready so the signal path needs no malloc */
    size_t ibuf_cap;
    gcs_recorder_stats stats;

    /* the writer thread ("Writing chunks" below) */
    int thr_state;  /* 0 not started, 1 running, -1 none (synchronous writes) */
    int quit;       /* under mu: the writer exits when idle */
    uint8_t *spare; /* the other chunk buffer; NULL while its chunk is the job */
    size_t spare_cap;
    rec_job job;
    _Atomic int job_state; /* JOB_IDLE, JOB_PENDING, JOB_DONE */
    pthread_t thr;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* Fibonacci hashing: one multiply, the high bits are the well-mixed ones. */
static inline uint32_t
hash_ptr(const void *p)
{
    return (uint32_t)(((uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL) >> 32);
}

/* Home slot of a call site in a map (func pointer and line; file is
 * compared on a hit): one multiply, the top bits. */
static inline size_t
site_home(const intern_map *m, const char *func, int line)
{
    uint64_t x = (uint64_t)(uintptr_t)func ^ ((uint64_t)(uint32_t)line << 32);
    return (size_t)((x * 0x9E3779B97F4A7C15ULL) >> m->shift);
}

/* Home slot of a short string's packed key. */
static inline size_t
short_home(const intern_map *m, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> m->shift);
}

static uint64_t
hash_str(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h ^ n;
}

static int
map_init(intern_map *m, size_t esz)
{
    m->cap = 256;
    m->shift = 64 - 8;
    m->n = 0;
    m->ents = gcs_tr_calloc(m->cap, esz);
    return m->ents ? 0 : GCS_ENOMEM;
}

/* {==== Errors ====} */

static gcs_recorder *volatile sig_rec; /* the recorder the signal flush is armed for */

/* The hook's one test (gcs_recorder_hook): an event takes the inlined fast
 * path while w->len < w->gate. gate is the chunk size while recording with
 * no signal flush armed for this recorder, else 0, so a stopped recorder, a
 * full chunk and a recorder that must mark itself busy for its signal handler
 * all go through hook_slow. Call after any change of stopped or sig_rec. */
static void
set_gate(gcs_recorder *w)
{
    w->gate = (w->stopped || sig_rec == w) ? 0 : w->opts.chunk_bytes;
}

static void
rec_fail(gcs_recorder *w, int code, int errnum)
{
    if (w->err)
        return;
    w->err = code;
    w->stopped = 1;
    set_gate(w);
    snprintf(w->errmsg, sizeof w->errmsg, "%s: %s", w->path ? w->path : "<memory>",
             errnum ? strerror(errnum) : gcs_strerror(code));
    if (!w->opts.quiet) /* the one warning line the spec asks for */
        fprintf(stderr, "gcscope: trace recording stopped: %s\n", w->errmsg);
}

static int
rec_write(gcs_recorder *w, const void *p, size_t n)
{
    if (w->err)
        return w->err;
    int e = gcs_tio_write(&w->io, p, n);
    if (e) {
        rec_fail(w, e == ENOMEM ? GCS_ENOMEM : GCS_EIO, e);
        return w->err;
    }
    w->stats.file_bytes += n;
    return 0;
}

/* {==== Chunk buffer ====} */

/* Room one encoded event needs at most (op, extended code and length,
 * timestamp, site, up to 8 fields of at most 11 bytes: well under this).
 * Invariant instead of a per-event check: an event starts with len <
 * chunk_bytes <= cap - 4096 (rec_alloc sizes both buffers so; a fuller chunk
 * is flushed first), and every DEF record written before it ensures its own
 * room plus EVENT_ROOM. */
#define EVENT_ROOM 160u

static REC_NOINLINE int
ensure(gcs_recorder *w, size_t extra)
{
    if (w->len + extra <= w->cap)
        return 0;
    size_t cap = w->cap * 2;
    while (cap < w->len + extra)
        cap *= 2;
    uint8_t *nb = gcs_tr_realloc(w->buf, GCS_TR_CHUNK_HDR + cap);
    if (nb == NULL) {
        rec_fail(w, GCS_ENOMEM, ENOMEM);
        return GCS_ENOMEM;
    }
    w->buf = nb;
    w->cap = cap;
    return 0;
}

static uint8_t *
cur(gcs_recorder *w)
{
    return w->buf + GCS_TR_CHUNK_HDR + w->len;
}

static void
put_uv(gcs_recorder *w, uint64_t v)
{
    w->len += gcs_put_uv(cur(w), v);
}

/* Fill the 40-byte chunk header at h for a payload already placed after it. */
static void
fill_chunk_header(uint8_t *h, uint32_t stored, uint32_t raw, uint8_t kind, uint8_t codec,
                  uint64_t first_seq, uint64_t first_ts, uint32_t n_records)
{
    gcs_put_le32(h, GCS_TR_CHUNK_MAGIC);
    gcs_put_le32(h + 4, stored);
    gcs_put_le32(h + 8, raw);
    h[12] = kind;
    h[13] = codec;
    gcs_put_le16(h + 14, 0);
    gcs_put_le64(h + 16, first_seq);
    gcs_put_le64(h + 24, first_ts);
    gcs_put_le32(h + 32, n_records);
    uint32_t crc = gcs_crc32c(0, h + 4, 32);
    crc = gcs_crc32c(crc, h + GCS_TR_CHUNK_HDR, stored);
    gcs_put_le32(h + 36, crc);
}

/* Write a standalone chunk (META, INDEX) from `payload`. */
static int
write_plain_chunk(gcs_recorder *w, uint8_t kind, const uint8_t *payload, size_t n,
                  uint64_t first_seq, uint32_t n_records)
{
    uint8_t *c = gcs_tr_malloc(GCS_TR_CHUNK_HDR + n);
    if (c == NULL) {
        rec_fail(w, GCS_ENOMEM, ENOMEM);
        return w->err;
    }
    memcpy(c + GCS_TR_CHUNK_HDR, payload, n);
    fill_chunk_header(c, (uint32_t)n, (uint32_t)n, kind, GCS_TR_CODEC_NONE, first_seq, 0,
                      n_records);
    int rc = rec_write(w, c, GCS_TR_CHUNK_HDR + n);
    free(c);
    return rc;
}

static void
reset_chunk(gcs_recorder *w)
{
    w->first_seq += w->n_events;
    w->len = 0;
    w->n_events = w->n_strings = w->n_sites = 0;
    w->last_obj = w->last_ts = w->first_ts = w->max_ts = 0;
    memset(w->ocache, 0, sizeof w->ocache);
    w->sa_len = 0;
    w->gen++;
    w->by_ptr.n = w->by_content.n = w->shorts.n = w->sites.n = 0;
}

/* Keep room for two more chunk entries (the writer thread's and the open
 * chunk, which the signal path may both book) and for the INDEX chunk that
 * would list them (normal context only: it may allocate). */
static int
reserve_index(gcs_recorder *w)
{
    if (w->n_chunks + 2 > w->chunks_cap) {
        size_t cap = w->chunks_cap ? w->chunks_cap * 2 : 64;
        gcs_tr_chunk_ent *nc = gcs_tr_realloc(w->chunks, cap * sizeof *nc);
        if (nc == NULL)
            return GCS_ENOMEM;
        w->chunks = nc;
        w->chunks_cap = cap;
    }
    size_t need = GCS_TR_CHUNK_HDR + 32 + (w->n_chunks + 2) * 50;
    if (need > w->ibuf_cap) {
        size_t cap = w->ibuf_cap ? w->ibuf_cap * 2 : 4096;
        while (cap < need)
            cap *= 2;
        uint8_t *nb = gcs_tr_realloc(w->ibuf, cap);
        if (nb == NULL)
            return GCS_ENOMEM;
        w->ibuf = nb;
        w->ibuf_cap = cap;
    }
    return 0;
}

static int
note_chunk(gcs_recorder *w, const rec_job *j)
{
    if (w->n_chunks == w->chunks_cap) { /* reserve_index failed earlier */
        rec_fail(w, GCS_ENOMEM, ENOMEM);
        return w->err;
    }
    gcs_tr_chunk_ent *e = &w->chunks[w->n_chunks++];
    e->offset = j->offset;
    e->first_seq = j->first_seq;
    e->n_events = j->n_events;
    e->first_ts = j->first_ts;
    e->last_ts = j->last_ts;
    return 0;
}

/* A child process made by fork() has a copy of the recorder and shares its
 * file offset: it must never write (its chunks would land in the middle of
 * the parent's). So in a child the recorder stops silently: no error, no
 * warning, the parent's trace is untouched (docs/trace-format.md §5). Checked
 * before every write and before touching the writer thread, which a child
 * does not have (getpid is async-signal-safe, and costs one system call per
 * chunk). */
static int
in_forked_child(gcs_recorder *w)
{
    if (REC_LIKELY(w->pid == getpid()))
        return 0;
    w->finished = w->stopped = 1;
    set_gate(w);
    return 1;
}

/* {==== Writing chunks: here, or on the writer thread ====}
 *
 * A full chunk (the 64 KiB case, almost every chunk) is handed to a writer
 * thread that compresses, checksums and writes it while the program goes on
 * filling the other buffer (double buffering). Every other flush -- GC_END,
 * gcs_recorder_flush, finish/close, the signal path -- first waits for the
 * writer to be idle and then writes on the calling thread, so when it returns
 * the chunk is in the file, as before: a SIGKILL after a collection returned
 * loses nothing of it. Memory outputs (tests) and a failed thread start write
 * everything synchronously; the bytes written are the same either way.
 *
 * Synchronisation: job_state (atomic) says who owns the job, the zstd context,
 * zbuf and the output stream `io`: PENDING -> the writer (it touches nothing
 * else of the recorder), IDLE/DONE -> the recording thread. Transitions happen
 * under `mu` with a broadcast on `cv` (IDLE->PENDING by the recorder, PENDING->
 * DONE by the writer; the recorder collects DONE results and sets IDLE), so the
 * mutex orders every access to the job's buffer and results. The signal path
 * cannot block on a mutex: entry points that touch the writer set `busy`, so a
 * handler that runs with busy == 0 knows the recording thread holds no lock;
 * it polls job_state (nanosleep, async-signal-safe) until the writer is done.
 * The writer thread runs with every signal blocked. */
enum { JOB_IDLE = 0, JOB_PENDING = 1, JOB_DONE = 2 };

/* Make zbuf big enough to compress `len` bytes (recording thread, writer idle;
 * on failure the chunk is just stored). */
static void
prepare_zbuf(gcs_recorder *w, size_t len)
{
    if (w->zc == NULL || len < 128)
        return;
    size_t bound = ZSTD_compressBound(len);
    if (w->zcap >= bound)
        return;
    uint8_t *nz = gcs_tr_realloc(w->zbuf, GCS_TR_CHUNK_HDR + bound);
    if (nz != NULL) {
        w->zbuf = nz;
        w->zcap = bound;
    }
}

/* The open chunk as a job (its buffer stays w->buf until handed over). */
static rec_job
job_of_open_chunk(gcs_recorder *w, int allow_zstd)
{
    rec_job j;
    memset(&j, 0, sizeof j);
    j.buf = w->buf;
    j.cap = w->cap;
    j.len = w->len;
    j.first_seq = w->first_seq;
    j.first_ts = w->first_ts;
    j.last_ts = w->max_ts;
    j.n_events = w->n_events;
    j.allow_zstd = allow_zstd;
    return j;
}

/* Compress when it pays, checksum, one write. Touches only the job, w->zc,
 * w->zbuf (sized by prepare_zbuf), w->opts and w->io: safe on the writer
 * thread while the job is PENDING. The outcome goes into the job. */
static void
write_job(gcs_recorder *w, rec_job *j)
{
    uint8_t *out = j->buf;
    size_t stored = j->len;
    uint8_t codec = GCS_TR_CODEC_NONE;
    if (j->allow_zstd && w->zc && j->len >= 128 && w->zcap >= ZSTD_compressBound(j->len)) {
        size_t z = ZSTD_compressCCtx(w->zc, w->zbuf + GCS_TR_CHUNK_HDR, w->zcap,
                                     j->buf + GCS_TR_CHUNK_HDR, j->len, w->opts.zstd_level);
        if (!ZSTD_isError(z) && z + z / 16 + 16 < j->len) { /* pays: > ~6% smaller */
            out = w->zbuf;
            stored = z;
            codec = GCS_TR_CODEC_ZSTD;
        }
    }
    fill_chunk_header(out, (uint32_t)stored, (uint32_t)j->len, GCS_TR_KIND_EVENTS, codec,
                      j->first_seq, j->first_ts, j->n_events);
    j->offset = gcs_tio_tell(&w->io);
    j->written = GCS_TR_CHUNK_HDR + stored;
    j->errnum = gcs_tio_write(&w->io, out, j->written);
}

/* Book a written job (recording thread, or the signal path: no allocation). */
static int
collect_job(gcs_recorder *w, const rec_job *j)
{
    if (j->errnum) {
        rec_fail(w, j->errnum == ENOMEM ? GCS_ENOMEM : GCS_EIO, j->errnum);
        return w->err;
    }
    if (w->err)
        return w->err;
    w->stats.file_bytes += j->written;
    if (note_chunk(w, j) != 0)
        return w->err;
    w->stats.chunks++;
    w->stats.raw_bytes += j->len;
    return 0;
}

static void *
writer_main(void *arg)
{
    gcs_recorder *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (atomic_load(&w->job_state) != JOB_PENDING && !w->quit)
            pthread_cond_wait(&w->cv, &w->mu);
        if (atomic_load(&w->job_state) != JOB_PENDING)
            break; /* quit, nothing pending */
        pthread_mutex_unlock(&w->mu);
        write_job(w, &w->job);
        pthread_mutex_lock(&w->mu);
        atomic_store(&w->job_state, JOB_DONE);
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Start the writer thread on first use: 1 if it runs. Memory outputs, a
 * failed allocation or thread start: 0, and writes stay synchronous (not an
 * error). */
static int
writer_start(gcs_recorder *w)
{
    if (w->thr_state != 0)
        return w->thr_state > 0;
    w->thr_state = -1;
    if (w->path == NULL || !w->opts.background)
        return 0;
    w->spare = gcs_tr_malloc(GCS_TR_CHUNK_HDR + w->cap);
    if (w->spare == NULL)
        return 0;
    w->spare_cap = w->cap;
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        goto no_mutex;
    if (pthread_cond_init(&w->cv, NULL) != 0)
        goto no_cond;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread inherits: no signal runs on it */
    int rc = pthread_create(&w->thr, NULL, writer_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0) {
        w->thr_state = 1;
        return 1;
    }
    pthread_cond_destroy(&w->cv);
no_cond:
    pthread_mutex_destroy(&w->mu);
no_mutex:
    free(w->spare);
    w->spare = NULL;
    return 0;
}

/* Take back a finished job: book it, its buffer becomes the spare. */
static void
writer_take_done(gcs_recorder *w)
{
    if (atomic_load(&w->job_state) != JOB_DONE)
        return;
    collect_job(w, &w->job);
    w->spare = w->job.buf;
    w->spare_cap = w->job.cap;
    atomic_store(&w->job_state, JOB_IDLE);
}

/* Wait until the writer is idle (normal context: may block). */
static void
writer_wait(gcs_recorder *w)
{
    if (w->thr_state != 1)
        return;
    pthread_mutex_lock(&w->mu);
    while (atomic_load(&w->job_state) == JOB_PENDING)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    writer_take_done(w);
}

/* The same from a signal handler: no lock, poll (see above). */
static void
writer_wait_sig(gcs_recorder *w)
{
    if (w->thr_state != 1)
        return;
    while (atomic_load(&w->job_state) == JOB_PENDING) {
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    writer_take_done(w);
}

/* Stop the writer (finish, close): wait for its job, join. In a forked child the
 * thread does not exist: just free what the job held. */
static void
writer_stop(gcs_recorder *w)
{
    if (w->thr_state != 1)
        return;
    w->thr_state = -1;
    if (w->pid != getpid()) {
        if (atomic_load(&w->job_state) != JOB_IDLE)
            free(w->job.buf);
        return;
    }
    w->thr_state = 1;
    writer_wait(w);
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thr, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    w->thr_state = -1;
}

/* Close the open chunk and write it on this thread, after any chunk the
 * writer still holds: when this returns the chunk is in the file. `allow_zstd`
 * is false in the signal handler path (no zstd, no allocation, no lock). */
static REC_NOINLINE int
flush_chunk_(gcs_recorder *w, int allow_zstd)
{
    if (in_forked_child(w))
        return w->err;
    if (allow_zstd)
        writer_wait(w);
    else
        writer_wait_sig(w);
    if (w->err || w->len == 0)
        return w->err;
    if (allow_zstd)
        prepare_zbuf(w, w->len);
    rec_job j = job_of_open_chunk(w, allow_zstd);
    write_job(w, &j);
    if (collect_job(w, &j) != 0)
        return w->err;
    reset_chunk(w);
    if (allow_zstd && reserve_index(w) != 0) /* not in the signal path */
        rec_fail(w, GCS_ENOMEM, ENOMEM);
    return w->err;
}

/* A full chunk: hand it to the writer thread and go on in the spare buffer
 * (waiting first if the writer is still busy with the previous one). Without
 * a writer thread: flush_chunk_. */
static REC_NOINLINE int
flush_full_chunk_(gcs_recorder *w)
{
    if (in_forked_child(w) || w->err || w->len == 0)
        return w->err;
    if (!writer_start(w))
        return flush_chunk_(w, 1);
    writer_wait(w);
    if (w->err)
        return w->err;
    prepare_zbuf(w, w->len);
    rec_job j = job_of_open_chunk(w, 1);
    w->buf = w->spare;
    w->cap = w->spare_cap;
    w->spare = NULL;
    pthread_mutex_lock(&w->mu);
    w->job = j;
    atomic_store(&w->job_state, JOB_PENDING);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    reset_chunk(w);
    if (reserve_index(w) != 0)
        rec_fail(w, GCS_ENOMEM, ENOMEM);
    return w->err;
}

/* A varint: the one- and two-byte cases (nearly all ids, counts and deltas)
 * first, longer ones in a loop (inline too: a call would make every caller
 * save registers on its usual path). */
static REC_INLINE uint8_t *
put_uv_long(uint8_t *p, uint64_t v)
{
    return p + gcs_put_uv(p, v);
}

static REC_INLINE uint8_t *
put_uv_fast(uint8_t *p, uint64_t v)
{
    if (REC_LIKELY(v < 0x80)) {
        *p = (uint8_t)v;
        return p + 1;
    }
    if (REC_LIKELY(v < 0x4000)) {
        p[0] = (uint8_t)(v | 0x80);
        p[1] = (uint8_t)(v >> 7);
        return p + 2;
    }
    return put_uv_long(p, v);
}

/* {==== Interning ====} */

static uint32_t def_string(gcs_recorder *w, const char *s, size_t n, uint64_t h, uint32_t *off_out);

/* Home slot of an entry when a map is rehashed into nm, one per entry kind. */
typedef size_t (*ent_home_fn)(const intern_map *nm, const void *ent);
static size_t
str_ptr_home(const intern_map *nm, const void *ent)
{
    return hash_ptr(((const str_ent *)ent)->ptr) & (nm->cap - 1);
}
static size_t
str_hash_home(const intern_map *nm, const void *ent)
{
    return ((const str_ent *)ent)->hash & (nm->cap - 1);
}
static size_t
short_ent_home(const intern_map *nm, const void *ent)
{
    return short_home(nm, ((const short_ent *)ent)->key);
}
static size_t
site_ent_home(const intern_map *nm, const void *ent)
{
    const site_ent *e = ent;
    return site_home(nm, e->func, e->line);
}

/* Rehash the current generation's entries of map m (entries of esz bytes,
 * their chunk serial a uint32_t at gen_off) into twice the room. 0, or
 * GCS_ENOMEM with recording stopped and m unchanged. */
static int
grow_map(gcs_recorder *w, intern_map *m, size_t esz, size_t gen_off, ent_home_fn home)
{
    intern_map nm = {NULL, m->cap * 2, m->n, m->shift - 1};
    unsigned char *ne = gcs_tr_calloc(nm.cap, esz);
    if (ne == NULL) {
        rec_fail(w, GCS_ENOMEM, ENOMEM);
        return GCS_ENOMEM;
    }
    nm.ents = ne;
    const unsigned char *old = m->ents;
    for (size_t k = 0; k < m->cap; k++) {
        const unsigned char *e = old + k * esz;
        uint32_t gen;
        memcpy(&gen, e + gen_off, sizeof gen);
        if (gen != w->gen)
            continue;
        size_t j = home(&nm, e);
        for (;; j = (j + 1) & (nm.cap - 1)) {
            memcpy(&gen, ne + j * esz + gen_off, sizeof gen);
            if (gen != w->gen)
                break;
        }
        memcpy(ne + j * esz, e, esz);
    }
    free(m->ents);
    *m = nm;
    return 0;
}
#define GROW_MAP(w, m, type, home) grow_map((w), (m), sizeof(type), offsetof(type, gen), (home))

/* Slot of pointer s in by_ptr: its entry (*found = 1) or the first free one. */
static size_t
probe_ptr(gcs_recorder *w, const char *s, int *found)
{
    str_ent *pe = w->by_ptr.ents;
    size_t mask = w->by_ptr.cap - 1;
    for (size_t i = hash_ptr(s) & mask;; i = (i + 1) & mask) {
        if (pe[i].gen != w->gen) {
            *found = 0;
            return i;
        }
        if (pe[i].ptr == s) {
            *found = 1;
            return i;
        }
    }
}

/* Equal C strings (inline: the strings compared here are short type names
 * and labels, where a call to strcmp costs more than the loop). */
static inline int
str_eq(const char *a, const char *b)
{
    while (*a == *b) {
        if (*a == 0)
            return 1;
        a++;
        b++;
    }
    return 0;
}

/* By content: the id of an equal string defined in this chunk, or a new
 * DEF_STRING; then point s's pointer entry (found: it exists) at it. */
static uint32_t
intern_str_long(gcs_recorder *w, const char *s, int found)
{
    size_t n = strnlen(s, GCS_TRACE_MAX_STRING);
    uint64_t h = hash_str(s, n);
    str_ent *ce = w->by_content.ents;
    size_t cmask = w->by_content.cap - 1;
    uint32_t id = 0, off = 0;
    for (size_t j = h & cmask; ce[j].gen == w->gen; j = (j + 1) & cmask) {
        if (ce[j].hash == h && strncmp(w->sarena + ce[j].off, s, n) == 0 &&
            w->sarena[ce[j].off + n] == 0) {
            id = ce[j].id;
            off = ce[j].off;
            break;
        }
    }
    if (id == 0 && (id = def_string(w, s, n, h, &off)) == 0)
        return 0;
    if (!found && (w->by_ptr.n + 1) * 2 > w->by_ptr.cap &&
        GROW_MAP(w, &w->by_ptr, str_ent, str_ptr_home))
        return 0;
    size_t i = probe_ptr(w, s, &found);
    ((str_ent *)w->by_ptr.ents)[i] = (str_ent){s, h, w->gen, id, off};
    if (!found)
        w->by_ptr.n++;
    return id;
}

/* The slow half of intern_long: a new pointer, a collision, or a caller that
 * reused its buffer for another string: look up by content, define the
 * string if new, then (re)point the pointer entry at it. */
static REC_NOINLINE uint32_t
intern_long_slow(gcs_recorder *w, const char *s)
{
    int found;
    size_t i = probe_ptr(w, s, &found);
    str_ent *pe = w->by_ptr.ents;
    if (found && str_eq(w->sarena + pe[i].off, s))
        return pe[i].id;
    return intern_str_long(w, s, found);
}

/* A string of more than 8 bytes. Fast path: the pointer's home slot holds s
 * with the same content (one multiply, one compare, a string compare). */
static inline uint32_t
intern_long(gcs_recorder *w, const char *s)
{
    const str_ent *e = (const str_ent *)w->by_ptr.ents + (hash_ptr(s) & (w->by_ptr.cap - 1));
    if (REC_LIKELY(e->gen == w->gen && e->ptr == s && str_eq(w->sarena + e->off, s)))
        return e->id;
    return intern_long_slow(w, s);
}

/* Pack s into *key and its length into *len if it has at most 8 bytes
 * (returns 1), else return 0 having read 9 bytes at most. Unrolled: a loop
 * with an early exit is not, and this runs for every string of every event. */
#define SHORT_BYTE(i)                                                                              \
    c = (unsigned char)s[i];                                                                       \
    if (c == 0) {                                                                                  \
        *len = (i);                                                                                \
        *key = k;                                                                                  \
        return 1;                                                                                  \
    }                                                                                              \
    k |= c << (8 * (i));
static REC_INLINE int
short_key(const char *s, uint64_t *key, size_t *len)
{
    uint64_t k = 0, c;
    SHORT_BYTE(0)
    SHORT_BYTE(1)
    SHORT_BYTE(2)
    SHORT_BYTE(3)
    SHORT_BYTE(4)
    SHORT_BYTE(5)
    SHORT_BYTE(6)
    SHORT_BYTE(7)
    *key = k;
    *len = 8;
    return s[8] == 0;
}
#undef SHORT_BYTE

/* The slow half of intern_short: probe past the home slot; on a miss, write
 * DEF_STRING (op 0, ext 1, uv id, uv len, the bytes) and add the entry. */
static REC_NOINLINE uint32_t
intern_short_slow(gcs_recorder *w, uint64_t key, size_t n)
{
    short_ent *se = w->shorts.ents;
    size_t mask = w->shorts.cap - 1;
    size_t i = short_home(&w->shorts, key);
    for (; se[i].gen == w->gen; i = (i + 1) & mask)
        if (se[i].key == key)
            return se[i].id;
    if ((w->shorts.n + 1) * 2 > w->shorts.cap) {
        if (GROW_MAP(w, &w->shorts, short_ent, short_ent_home) != 0)
            return 0;
        return intern_short_slow(w, key, n);
    }
    if (w->len + 32 + EVENT_ROOM > w->cap && ensure(w, 32 + EVENT_ROOM) != 0)
        return 0; /* room for the DEF, and the event after it */
    uint32_t id = ++w->n_strings;
    se[i] = (short_ent){key, w->gen, id};
    w->shorts.n++;
    uint8_t *q = cur(w);
    *q++ = 0;
    *q++ = GCS_TR_X_DEF_STRING;
    q = put_uv_fast(q, id);
    *q++ = (uint8_t)n;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(q, &key, 8); /* the key's bytes in string order; only n of them count */
#else
    gcs_put_le64(q, key);
#endif
    q += n;
    w->len = (size_t)(q - (w->buf + GCS_TR_CHUNK_HDR));
    return id;
}

/* A string of at most 8 bytes, by content: one multiply, one probe. */
static inline uint32_t
intern_short(gcs_recorder *w, uint64_t key, size_t n)
{
    const short_ent *e = (const short_ent *)w->shorts.ents + short_home(&w->shorts, key);
    if (REC_LIKELY(e->gen == w->gen && e->key == key))
        return e->id;
    return intern_short_slow(w, key, n);
}

/* Chunk-local id of string s (0 for NULL), emitting DEF_STRING on first use
 * in the chunk. Equal strings get one id whatever their pointers: strings of
 * at most 8 bytes are keyed by their bytes (intern_short), longer ones by
 * pointer, then by content (intern_long). */
static inline uint32_t
intern_str(gcs_recorder *w, const char *s)
{
    if (s == NULL)
        return 0;
    uint64_t key;
    size_t n;
    if (REC_LIKELY(short_key(s, &key, &n)))
        return intern_short(w, key, n);
    return intern_long(w, s);
}

static uint32_t
def_string(gcs_recorder *w, const char *s, size_t n, uint64_t h, uint32_t *off_out)
{
    if ((w->by_content.n + 1) * 2 > w->by_content.cap &&
        GROW_MAP(w, &w->by_content, str_ent, str_hash_home))
        return 0;
    if (w->sa_len + n + 1 > w->sa_cap) {
        size_t cap = w->sa_cap ? w->sa_cap : 4096;
        while (cap < w->sa_len + n + 1)
            cap *= 2;
        char *na = gcs_tr_realloc(w->sarena, cap);
        if (na == NULL) {
            rec_fail(w, GCS_ENOMEM, ENOMEM);
            return 0;
        }
        w->sarena = na;
        w->sa_cap = cap;
    }
    if (ensure(w, n + 32 + EVENT_ROOM) != 0) /* the DEF, and the event after it */
        return 0;
    uint32_t id = ++w->n_strings;
    uint32_t off = (uint32_t)w->sa_len;
    memcpy(w->sarena + off, s, n);
    w->sarena[off + n] = 0;
    w->sa_len += n + 1;
    str_ent *ce = w->by_content.ents;
    size_t cmask = w->by_content.cap - 1;
    size_t j = h & cmask;
    while (ce[j].gen == w->gen)
        j = (j + 1) & cmask;
    ce[j] = (str_ent){NULL, h, w->gen, id, off};
    w->by_content.n++;
    /* DEF_STRING: op 0, ext 1, uv id, uv len, bytes */
    *cur(w) = 0;
    w->len++;
    put_uv(w, GCS_TR_X_DEF_STRING);
    put_uv(w, id);
    put_uv(w, n);
    memcpy(cur(w), s, n);
    w->len += n;
    *off_out = off;
    return id;
}

/* The slow half of intern_site: probe past the home slot, define the site
 * (and its strings) on first use in this chunk. */
static REC_NOINLINE uint32_t
intern_site_slow(gcs_recorder *w, const gcs_site *site)
{
    site_ent *se = w->sites.ents;
    size_t mask = w->sites.cap - 1;
    size_t i = site_home(&w->sites, site->func, site->line);
    for (;; i = (i + 1) & mask) {
        site_ent *e = &se[i];
        if (e->gen != w->gen)
            break;
        if (e->file == site->file && e->func == site->func && e->line == site->line)
            return e->id;
    }
    if ((w->sites.n + 1) * 2 > w->sites.cap) {
        if (GROW_MAP(w, &w->sites, site_ent, site_ent_home) != 0)
            return 0;
        return intern_site_slow(w, site);
    }
    uint32_t fid = intern_str(w, site->file);
    uint32_t nid = intern_str(w, site->func);
    if (w->err || ensure(w, 64 + EVENT_ROOM) != 0)
        return 0;
    uint32_t id = ++w->n_sites;
    se[i] = (site_ent){site->file, site->func, site->line, w->gen, id};
    w->sites.n++;
    *cur(w) = 0;
    w->len++;
    put_uv(w, GCS_TR_X_DEF_SITE);
    put_uv(w, id);
    put_uv(w, fid);
    put_uv(w, nid);
    put_uv(w, gcs_zigzag(site->line));
    return id;
}

/* Chunk-local id of a call site (0 for NULL). Keyed by (file, func, line)
 * pointers: GCS_HERE's compound literal lives on the stack, its strings don't.
 * Fast path: the site's home slot (one multiply, three compares). */
static inline uint32_t
intern_site(gcs_recorder *w, const gcs_site *site)
{
    if (site == NULL)
        return 0;
    const site_ent *e =
        (const site_ent *)w->sites.ents + site_home(&w->sites, site->func, site->line);
    if (REC_LIKELY(e->gen == w->gen && e->func == site->func && e->line == site->line &&
                   e->file == site->file))
        return e->id;
    return intern_site_slow(w, site);
}

/* {==== Event encoding (generated from GCS_EVENT_MAP) ====} */

static REC_INLINE uint8_t *
enc_O(gcs_recorder *w, uint8_t *p, uint64_t id)
{
    if (id == 0) {
        *p++ = 0;
        return p;
    }
    unsigned slot = (unsigned)(id & (GCS_TR_OCACHE - 1));
    if (w->ocache[slot] == id) {
        *p++ = (uint8_t)(1 + slot);
    } else {
        uint64_t zz = gcs_zigzag((int64_t)(id - w->last_obj));
        if (zz <= UINT64_MAX - GCS_TR_O_DELTA) {
            p = put_uv_fast(p, zz + GCS_TR_O_DELTA);
        } else {
            *p++ = GCS_TR_O_ABS;
            p += gcs_put_uv(p, id);
        }
        w->ocache[slot] = id;
    }
    w->last_obj = id;
    return p;
}
/* An O field of a compact record (trace_int.h): read the id state, never
 * change it, so a reader that skips the record keeps the same state. */
static REC_INLINE uint8_t *
enc_O_peek(const gcs_recorder *w, uint8_t *p, uint64_t id)
{
    if (id == 0) {
        *p = 0;
        return p + 1;
    }
    unsigned slot = (unsigned)(id & (GCS_TR_OCACHE - 1));
    if (w->ocache[slot] == id) {
        *p = (uint8_t)(1 + slot);
        return p + 1;
    }
    uint64_t zz = gcs_zigzag((int64_t)(id - w->last_obj));
    if (zz <= UINT64_MAX - GCS_TR_O_DELTA)
        return put_uv_fast(p, zz + GCS_TR_O_DELTA);
    *p++ = GCS_TR_O_ABS;
    return p + gcs_put_uv(p, id);
}
static REC_INLINE uint8_t *
enc_U(uint8_t *p, uint64_t v)
{
    return put_uv_fast(p, v);
}
static REC_INLINE uint8_t *
enc_I(uint8_t *p, int64_t v)
{
    return put_uv_fast(p, gcs_zigzag(v));
}

/* Pass 1 per event: intern its strings (DEF records go before the event). */
#define PRE_O(x)
#define PRE_U(x)
#define PRE_I(x)
#define PRE_S(x)      sid[ns++] = intern_str(w, (x));
#define F(tag, field) PRE_##tag(p->field)
#define X(NAME, name, code, FIELDS, doc)                                                           \
    static REC_INLINE int pre_##name(gcs_recorder *w, const gcs_ev_##name *p, uint32_t *sid)       \
    {                                                                                              \
        unsigned ns = 0;                                                                           \
        (void)w;                                                                                   \
        (void)p;                                                                                   \
        (void)sid;                                                                                 \
        FIELDS return ns ? w->err : 0; /* a constant 0 for events without strings */               \
    }
GCS_EVENT_MAP(X)
#undef X
#undef F

/* Pass 2: the fields. */
#define PUT_O(x)      q = enc_O(w, q, (x));
#define PUT_U(x)      q = enc_U(q, (x));
#define PUT_I(x)      q = enc_I(q, (x));
#define PUT_S(x)      q = enc_U(q, sid[ns++]);
#define F(tag, field) PUT_##tag(p->field)
#define X(NAME, name, code, FIELDS, doc)                                                           \
    static REC_INLINE uint8_t *put_##name(gcs_recorder *w, uint8_t *q, const gcs_ev_##name *p,     \
                                          const uint32_t *sid)                                     \
    {                                                                                              \
        unsigned ns = 0;                                                                           \
        (void)w;                                                                                   \
        (void)p;                                                                                   \
        (void)sid;                                                                                 \
        (void)ns;                                                                                  \
        FIELDS return q;                                                                           \
    }
GCS_EVENT_MAP(X)
#undef X
#undef F

/* The timestamp of a stamped record (rare: collector and marker events). */
static REC_NOINLINE uint8_t *
put_ts(gcs_recorder *w, uint8_t *q, uint64_t t)
{
    q += gcs_put_uv(q, gcs_zigzag((int64_t)(t - w->last_ts)));
    w->last_ts = t;
    if (w->first_ts == 0)
        w->first_ts = t;
    if (t > w->max_ts)
        w->max_ts = t;
    return q;
}

/* Write op byte, (ext code, length,) ts and site; returns where fields go.
 * Records with a length are built in place and fixed up by end_long(). */
static REC_INLINE uint8_t *
begin_record(gcs_recorder *w, uint8_t *q, uint32_t code, const gcs_event *ev, uint32_t site_id)
{
    uint64_t t = ev->t_ns;
    if (REC_LIKELY(t == 0 && code <= GCS_TR_V1_0_LAST_CODE)) { /* the common record */
        if (site_id == 0) {
            *q = (uint8_t)code;
            return q + 1;
        }
        *q = (uint8_t)(GCS_TR_OP_SITE | code);
        return put_uv_fast(q + 1, site_id);
    }
    uint8_t op = (uint8_t)((t ? GCS_TR_OP_TS : 0) | (site_id ? GCS_TR_OP_SITE : 0));
    if (code <= GCS_TR_V1_0_LAST_CODE) {
        *q++ = (uint8_t)(op | code);
    } else {
        *q++ = (uint8_t)(op | GCS_TR_OP_LEN);
        q += gcs_put_uv(q, code);
        *q++ = 0; /* length placeholder, fixed by end_long() */
    }
    if (t)
        q = put_ts(w, q, t);
    if (site_id)
        q = put_uv_fast(q, site_id);
    return q;
}

/* Length fix-up for a long-form record starting at rec whose length byte is
 * at lenp (one placeholder byte); moves the body if the length needs more. */
static uint8_t *
end_long(uint8_t *lenp, uint8_t *end)
{
    size_t body = (size_t)(end - (lenp + 1));
    uint8_t tmp[10];
    size_t k = gcs_put_uv(tmp, body);
    if (k > 1)
        memmove(lenp + k, lenp + 1, body);
    memcpy(lenp, tmp, k);
    return lenp + k + body;
}

/* Encode one event at the end of the open chunk (after the DEF records of
 * its first-used strings and site). One jump on the kind; per kind the field
 * coding is straight-line code generated from GCS_EVENT_MAP. Returns 1 if the
 * event closes the chunk (GC_END), else 0; nothing is written on error. */
static REC_INLINE int
encode_event(gcs_recorder *w, const gcs_event *ev)
{
    uint32_t sid[GCS_EV_MAX_FIELDS];
    uint32_t site_id = intern_site(w, ev->site);
    switch (ev->kind) {
#define X(NAME, name, code, FIELDS, doc)                                                           \
    case GCS_EV_##NAME: {                                                                          \
        if (pre_##name(w, &ev->u.name, sid) != 0)                                                  \
            return 0;                                                                              \
        uint8_t *start = cur(w);                                                                   \
        uint8_t *q = begin_record(w, start, (code), ev, site_id);                                  \
        q = put_##name(w, q, &ev->u.name, sid);                                                    \
        if ((code) > GCS_TR_V1_0_LAST_CODE) {                                                      \
            uint8_t *lenp = start + 1;                                                             \
            while (*lenp & 0x80)                                                                   \
                lenp++;                                                                            \
            q = end_long(lenp + 1, q);                                                             \
        }                                                                                          \
        w->len += (size_t)(q - start);                                                             \
        w->n_events++;                                                                             \
        return GCS_EV_##NAME == GCS_EV_GC_END;                                                     \
    }
        GCS_EVENT_MAP(X)
#undef X
    case GCS_EV__COUNT:
        break;
    }
    return 0;
}

/* {==== The fast path ====}
 *
 * The usual event: no timestamp, a code of 1..31, a call site and strings
 * already defined in this chunk, in their maps' home slots. hook_fast checks
 * the site and jumps to the kind's leaf function (fast_<kind>), which looks up
 * the strings and writes the record; anything else -- a lookup that misses, a
 * stamped or long-form record, GC_END -- leaves before any state changed and
 * the general path (encode_slow) does the whole event. Either way the bytes
 * are the same (test_recorder__fast_and_general_paths_write_identical_bytes). */

/* The id of a call site in its home slot (*id = 0 for NULL): 1, else 0. */
static REC_INLINE int
site_fast(const gcs_recorder *w, const gcs_site *site, uint32_t *id)
{
    *id = 0;
    if (site == NULL)
        return 1;
    const site_ent *e =
        (const site_ent *)w->sites.ents + site_home(&w->sites, site->func, site->line);
    *id = e->id;
    return e->gen == w->gen && e->func == site->func && e->line == site->line &&
           e->file == site->file;
}

/* The id of string s in its home slot (*id = 0 for NULL): 1, else 0. */
static REC_INLINE int
str_fast(const gcs_recorder *w, const char *s, uint32_t *id)
{
    *id = 0;
    if (s == NULL)
        return 1;
    uint64_t key;
    size_t n;
    if (REC_LIKELY(short_key(s, &key, &n))) {
        const short_ent *e = (const short_ent *)w->shorts.ents + short_home(&w->shorts, key);
        *id = e->id;
        return e->gen == w->gen && e->key == key;
    }
    const str_ent *e = (const str_ent *)w->by_ptr.ents + (hash_ptr(s) & (w->by_ptr.cap - 1));
    *id = e->id;
    return e->gen == w->gen && e->ptr == s && str_eq(w->sarena + e->off, s);
}

/* The general path for one event: DEF records as needed, the record, and the
 * flush a GC_END asks for. */
static REC_NOINLINE void
encode_slow(gcs_recorder *w, const gcs_event *ev)
{
    if (encode_event(w, ev))
        flush_chunk_(w, 1); /* GC_END: a collection is never lost to a crash */
}

/* Lookups of the S fields: 1 if all are in their home slots (ids in sid). */
#define FS_O(x)
#define FS_U(x)
#define FS_I(x)
#define FS_S(x)       &&str_fast(w, (x), &sid[ns++])
#define F(tag, field) FS_##tag(p->field)
#define X(NAME, name, code, FIELDS, doc)                                                           \
    static REC_INLINE int strs_##name(const gcs_recorder *w, const gcs_ev_##name *p,               \
                                      uint32_t *sid)                                               \
    {                                                                                              \
        unsigned ns = 0;                                                                           \
        (void)w;                                                                                   \
        (void)p;                                                                                   \
        (void)sid;                                                                                 \
        (void)ns;                                                                                  \
        return 1 FIELDS;                                                                           \
    }
GCS_EVENT_MAP(X)
#undef X

/* One function per kind (hook_fast jumps to it): each is a leaf with its own
 * register allocation, so the common records save no registers. The record
 * goes in the open chunk, whose room the caller checked (w->gate). */
#define X(NAME, name, code, FIELDS, doc)                                                           \
    static REC_NOINLINE void fast_##name(gcs_recorder *w, const gcs_event *ev, uint32_t site_id)   \
    {                                                                                              \
        uint32_t sid[GCS_EV_MAX_FIELDS];                                                           \
        const gcs_ev_##name *p = &ev->u.name;                                                      \
        if (!strs_##name(w, p, sid)) {                                                             \
            encode_slow(w, ev);                                                                    \
            return;                                                                                \
        }                                                                                          \
        uint8_t *start = cur(w), *q = start + 1;                                                   \
        *start = (uint8_t)(code);                                                                  \
        if (site_id) {                                                                             \
            *start = (uint8_t)(GCS_TR_OP_SITE | (code));                                           \
            q = put_uv_fast(q, site_id);                                                           \
        }                                                                                          \
        q = put_##name(w, q, p, sid);                                                              \
        w->len += (size_t)(q - start);                                                             \
        w->n_events++;                                                                             \
    }
GCS_EVENT_MAP(X)
#undef X
#undef F
#undef FS_O
#undef FS_U
#undef FS_I
#undef FS_S

/* The fast path's common part: the site, no timestamp, then the kind's
 * function for records of codes 1..31 other than GC_END. */
static REC_INLINE void
hook_fast(gcs_recorder *w, const gcs_event *ev)
{
    uint32_t site_id;
    if (!site_fast(w, ev->site, &site_id) || ev->t_ns != 0)
        goto slow;
    switch (ev->kind) {
#define X(NAME, name, code, FIELDS, doc)                                                           \
    case GCS_EV_##NAME:                                                                            \
        if ((code) > GCS_TR_V1_0_LAST_CODE || GCS_EV_##NAME == GCS_EV_GC_END)                      \
            goto slow;                                                                             \
        fast_##name(w, ev, site_id);                                                               \
        return;
        GCS_EVENT_MAP(X)
#undef X
    case GCS_EV__COUNT:
        break;
    }
slow:
    encode_slow(w, ev);
}

/* {==== Narrow entry points (gcs_recorder_hooks) ====}
 *
 * The runtime's narrow hooks (gcs_hooks in gcscope/runtime.h) hand over the
 * commonest events as plain arguments. Each entry is the fast path above
 * without the gcs_event and the switch: the one test, the site's and
 * strings' home slots, the kind's put_ function. Anything else -- a stopped
 * recorder, a full chunk, the signal flush armed, a lookup that misses, an
 * unexpected kind -- builds the gcs_event and takes gcs_recorder_hook's own
 * general path (narrow_miss), exactly as if the runtime had called the hook:
 * same bytes, same order
 * (test_recorder__narrow_entries_write_the_bytes_of_the_event_hook). */

/* Op code of each kind, and of the kinds whose one field is an object id
 * (the obj entry's kinds; 0 for the others). */
#define X(NAME, name, code, FIELDS, doc) [GCS_EV_##NAME] = (code),
static const uint8_t ev_code[GCS_EV__COUNT] = {GCS_EVENT_MAP(X)};
#undef X
#define ONE_O_O       1
#define ONE_O_U       100
#define ONE_O_I       100
#define ONE_O_S       100
#define F(tag, field) +ONE_O_##tag
#define X(NAME, name, code, FIELDS, doc)                                                           \
    [GCS_EV_##NAME] = ((0 FIELDS) == 1 && (code) <= GCS_TR_V1_0_LAST_CODE) ? (code) : 0,
static const uint8_t one_obj_code[GCS_EV__COUNT] = {GCS_EVENT_MAP(X)};
#undef X
#undef F
#undef ONE_O_O
#undef ONE_O_U
#undef ONE_O_I
#undef ONE_O_S

/* The op byte and site of a fast record at the end of the open chunk;
 * returns where its fields go. */
static REC_INLINE uint8_t *
narrow_begin(gcs_recorder *w, uint8_t code, uint32_t site_id)
{
    uint8_t *q = cur(w);
    if (site_id == 0) {
        *q = code;
        return q + 1;
    }
    *q = (uint8_t)(GCS_TR_OP_SITE | code);
    return put_uv_fast(q + 1, site_id);
}

static REC_INLINE void
narrow_end(gcs_recorder *w, const uint8_t *q)
{
    w->len = (size_t)(q - (w->buf + GCS_TR_CHUNK_HDR));
    w->n_events++;
}

static REC_NOINLINE void hook_slow(gcs_recorder *w, const gcs_event *ev);
static void end_busy(gcs_recorder *w);

/* The general path of the entries, with the event as the generic hook gets
 * it: what gcs_recorder_hook does with it after its fast path missed (the
 * site and the event's kind are known here: no need to look them up again). */
static void
narrow_miss(gcs_recorder *w, const gcs_event *ev)
{
    if (w->len < w->gate)
        encode_slow(w, ev);
    else
        hook_slow(w, ev);
}

/* The event of each entry, on to narrow_miss. */
static REC_NOINLINE void
refcnt_general(gcs_recorder *w, gcs_ev_kind kind, uint64_t obj, int64_t refcnt,
               const gcs_site *site)
{
    gcs_event ev = {.kind = kind, .site = site};
    if (kind == GCS_EV_DECREF) {
        ev.u.decref.obj = obj;
        ev.u.decref.refcnt = refcnt;
    } else {
        ev.u.incref.obj = obj;
        ev.u.incref.refcnt = refcnt;
    }
    narrow_miss(w, &ev);
}

static REC_NOINLINE void
obj_general(gcs_recorder *w, gcs_ev_kind kind, uint64_t obj, const gcs_site *site)
{
    gcs_event ev = {.kind = kind, .site = site};
    memcpy(&ev.u, &obj, sizeof obj); /* a one-object payload is its id, at offset 0 */
    narrow_miss(w, &ev);
}

static REC_NOINLINE void
ref_set_general(gcs_recorder *w, uint64_t src, const char *slot, uint64_t dst, uint64_t old,
                const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_REF_SET, .site = site};
    ev.u.ref_set = (gcs_ev_ref_set){src, slot, dst, old};
    narrow_miss(w, &ev);
}

static REC_NOINLINE void
ref_del_general(gcs_recorder *w, uint64_t src, const char *slot, uint64_t old, const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_REF_DEL, .site = site};
    ev.u.ref_del = (gcs_ev_ref_del){src, slot, old};
    narrow_miss(w, &ev);
}

static REC_NOINLINE void
alloc_general(gcs_recorder *w, uint64_t obj, const char *type, uint64_t kind, uint64_t size,
              const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_ALLOC, .site = site};
    ev.u.alloc = (gcs_ev_alloc){obj, type, kind, size};
    narrow_miss(w, &ev);
}

static REC_NOINLINE void
label_general(gcs_recorder *w, uint64_t obj, const char *text, const gcs_site *site)
{
    gcs_event ev = {.kind = GCS_EV_LABEL, .site = site};
    ev.u.label = (gcs_ev_label){obj, text};
    narrow_miss(w, &ev);
}

/* gcs_refcnt_fn: INCREF, DECREF. */
static void
narrow_refcnt(void *ud, gcs_ev_kind kind, uint64_t obj, int64_t refcnt, const gcs_site *site)
{
    gcs_recorder *w = ud;
    uint32_t site_id;
    if (REC_LIKELY(w->len < w->gate && site_fast(w, site, &site_id))) {
        if (kind == GCS_EV_INCREF) {
            const gcs_ev_incref p = {obj, refcnt};
            narrow_end(w,
                       put_incref(w, narrow_begin(w, ev_code[GCS_EV_INCREF], site_id), &p, NULL));
            return;
        }
        if (kind == GCS_EV_DECREF) {
            const gcs_ev_decref p = {obj, refcnt};
            narrow_end(w,
                       put_decref(w, narrow_begin(w, ev_code[GCS_EV_DECREF], site_id), &p, NULL));
            return;
        }
    }
    refcnt_general(w, kind, obj, refcnt, site);
}

/* gcs_obj_event_fn: the kinds whose one field is an object id. */
static void
narrow_obj(void *ud, gcs_ev_kind kind, uint64_t obj, const gcs_site *site)
{
    gcs_recorder *w = ud;
    uint32_t site_id;
    uint8_t code = (unsigned)kind < GCS_EV__COUNT ? one_obj_code[kind] : 0;
    if (REC_LIKELY(w->len < w->gate && code != 0 && site_fast(w, site, &site_id))) {
        narrow_end(w, enc_O(w, narrow_begin(w, code, site_id), obj));
        return;
    }
    obj_general(w, kind, obj, site);
}

/* gcs_ref_set_fn. */
static void
narrow_ref_set(void *ud, uint64_t src, const char *slot, uint64_t dst, uint64_t old,
               const gcs_site *site)
{
    gcs_recorder *w = ud;
    uint32_t site_id, sid[1];
    if (REC_LIKELY(w->len < w->gate && site_fast(w, site, &site_id) && str_fast(w, slot, sid))) {
        const gcs_ev_ref_set p = {src, slot, dst, old};
        narrow_end(w, put_ref_set(w, narrow_begin(w, ev_code[GCS_EV_REF_SET], site_id), &p, sid));
        return;
    }
    ref_set_general(w, src, slot, dst, old, site);
}

/* gcs_ref_del_fn. */
static void
narrow_ref_del(void *ud, uint64_t src, const char *slot, uint64_t old, const gcs_site *site)
{
    gcs_recorder *w = ud;
    uint32_t site_id, sid[1];
    if (REC_LIKELY(w->len < w->gate && site_fast(w, site, &site_id) && str_fast(w, slot, sid))) {
        const gcs_ev_ref_del p = {src, slot, old};
        narrow_end(w, put_ref_del(w, narrow_begin(w, ev_code[GCS_EV_REF_DEL], site_id), &p, sid));
        return;
    }
    ref_del_general(w, src, slot, old, site);
}

/* gcs_alloc_event_fn. */
static void
narrow_alloc(void *ud, uint64_t obj, const char *type, uint64_t kind, uint64_t size,
             const gcs_site *site)
{
    gcs_recorder *w = ud;
    uint32_t site_id, sid[1];
    if (REC_LIKELY(w->len < w->gate && site_fast(w, site, &site_id) && str_fast(w, type, sid))) {
        const gcs_ev_alloc p = {obj, type, kind, size};
        narrow_end(w, put_alloc(w, narrow_begin(w, ev_code[GCS_EV_ALLOC], site_id), &p, sid));
        return;
    }
    alloc_general(w, obj, type, kind, size, site);
}

/* gcs_label_fn. */
static void
narrow_label(void *ud, uint64_t obj, const char *text, const gcs_site *site)
{
    gcs_recorder *w = ud;
    uint32_t site_id, sid[1];
    if (REC_LIKELY(w->len < w->gate && site_fast(w, site, &site_id) && str_fast(w, text, sid))) {
        const gcs_ev_label p = {obj, text};
        narrow_end(w, put_label(w, narrow_begin(w, ev_code[GCS_EV_LABEL], site_id), &p, sid));
        return;
    }
    label_general(w, obj, text, site);
}

/* A compact record of format 1.2 (trace_int.h) at q: LABEL_INT (o1 obj, u
 * the value's zigzag), REF_SET_INDEX (o1 src, u index, o2 dst, o3 old),
 * REF_DEL_INDEX (o1 src, u index, o2 old); returns its end. Long form, never
 * stamped, its ids leave the id state alone (enc_O_peek); its body is at most
 * 5 + 11 + 10 + 11 + 11 bytes, so the length is one byte. */
static REC_INLINE uint8_t *
put_xrec(gcs_recorder *w, uint8_t *q, uint8_t code, uint32_t site_id, uint64_t o1, uint64_t u,
         uint64_t o2, uint64_t o3)
{
    q[0] = (uint8_t)(GCS_TR_OP_LEN | (site_id ? GCS_TR_OP_SITE : 0));
    q[1] = code;
    uint8_t *lenp = q + 2, *b = q + 3;
    if (site_id)
        b = put_uv_fast(b, site_id);
    b = enc_O_peek(w, b, o1);
    b = put_uv_fast(b, u);
    if (code != GCS_TR_CODE_LABEL_INT)
        b = enc_O_peek(w, b, o2);
    if (code == GCS_TR_CODE_REF_SET_INDEX)
        b = enc_O_peek(w, b, o3);
    *lenp = (uint8_t)(b - (lenp + 1));
    return b;
}

/* The start of every slow path (hook_slow, xrec_general): a stopped
 * recorder drops the event (0); else `busy` is set (end_busy clears it and
 * runs a signal flush that came meanwhile) and a full chunk is flushed
 * first; 1: write the event. */
static int
slow_enter(gcs_recorder *w)
{
    if (GCS_UNLIKELY(w->stopped)) {
        w->stats.dropped++;
        return 0;
    }
    w->busy = 1;
    if (GCS_UNLIKELY(w->len >= w->opts.chunk_bytes)) {
        flush_full_chunk_(w);
        if (w->stopped) { /* write error, or a forked child: the chunk is still full */
            w->stats.dropped++;
            end_busy(w);
            return 0;
        }
    }
    return 1;
}

/* The general path of a compact record: a site to define, a full chunk, a
 * stopped recorder or an armed signal flush (hook_slow's rules). */
static REC_NOINLINE void
xrec_general(gcs_recorder *w, uint8_t code, const gcs_site *site, uint64_t o1, uint64_t u,
             uint64_t o2, uint64_t o3)
{
    int busy = !(w->len < w->gate);
    if (busy && !slow_enter(w))
        return;
    uint32_t site_id = intern_site(w, site);
    if (w->err == 0)
        narrow_end(w, put_xrec(w, cur(w), code, site_id, o1, u, o2, o3));
    if (busy)
        end_busy(w);
}

/* gcs_label_int_fn. */
static void
narrow_label_int(void *ud, uint64_t obj, int64_t value, const gcs_site *site)
{
    gcs_recorder *w = ud;
    uint32_t site_id;
    if (REC_LIKELY(w->len < w->gate && site_fast(w, site, &site_id))) {
        narrow_end(
            w, put_xrec(w, cur(w), GCS_TR_CODE_LABEL_INT, site_id, obj, gcs_zigzag(value), 0, 0));
        return;
    }
    xrec_general(w, GCS_TR_CODE_LABEL_INT, site, obj, gcs_zigzag(value), 0, 0);
}

/* gcs_ref_set_index_fn. */
static void
narrow_ref_set_index(void *ud, uint64_t src, uint64_t index, uint64_t dst, uint64_t old,
                     const gcs_site *site)
{
    gcs_recorder *w = ud;
    uint32_t site_id;
    if (REC_LIKELY(w->len < w->gate && site_fast(w, site, &site_id))) {
        narrow_end(w,
                   put_xrec(w, cur(w), GCS_TR_CODE_REF_SET_INDEX, site_id, src, index, dst, old));
        return;
    }
    xrec_general(w, GCS_TR_CODE_REF_SET_INDEX, site, src, index, dst, old);
}

/* gcs_ref_del_index_fn. */
static void
narrow_ref_del_index(void *ud, uint64_t src, uint64_t index, uint64_t old, const gcs_site *site)
{
    gcs_recorder *w = ud;
    uint32_t site_id;
    if (REC_LIKELY(w->len < w->gate && site_fast(w, site, &site_id))) {
        narrow_end(w, put_xrec(w, cur(w), GCS_TR_CODE_REF_DEL_INDEX, site_id, src, index, old, 0));
        return;
    }
    xrec_general(w, GCS_TR_CODE_REF_DEL_INDEX, site, src, index, old, 0);
}

static const gcs_hooks recorder_hooks = {
    .event = gcs_recorder_hook,
    .refcnt = narrow_refcnt,
    .obj = narrow_obj,
    .ref_set = narrow_ref_set,
    .ref_del = narrow_ref_del,
    .alloc = narrow_alloc,
    .label = narrow_label,
    .label_int = narrow_label_int,
    .ref_set_index = narrow_ref_set_index,
    .ref_del_index = narrow_ref_del_index,
};

/* {==== Signals (optional) ====} */

static int write_index_and_trailer(gcs_recorder *w);

static struct sigaction sig_old_int, sig_old_term;

static void
sig_restore(void)
{
    sigaction(SIGINT, &sig_old_int, NULL);
    sigaction(SIGTERM, &sig_old_term, NULL);
}

/* Best effort: write the pending chunk uncompressed (write() is
 * async-signal-safe; zstd may not be), then the INDEX chunk and trailer from
 * the buffer reserve_index keeps ready (no malloc), then die of the signal as
 * before. Entry points that touch the buffers set `busy`; a signal arriving
 * then is handled when they finish. */
static void
sig_flush_and_raise(gcs_recorder *w, int sig)
{
    flush_chunk_(w, 0);
    if (!w->err && !w->finished && !in_forked_child(w)) /* a complete trace: INDEX + trailer */
        write_index_and_trailer(w);
    w->finished = w->stopped = 1;
    set_gate(w);
    sig_rec = NULL;
    sig_restore();
    raise(sig);
}

static void
on_signal(int sig)
{
    gcs_recorder *w = sig_rec;
    if (w == NULL) {
        sig_restore();
        raise(sig);
        return;
    }
    if (w->busy) { /* inside the hook: the hook finishes the event, then flushes */
        w->sig_pending = sig;
        return;
    }
    sig_flush_and_raise(w, sig);
}

static void
sig_install(gcs_recorder *w)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sig_rec = w;
    sigaction(SIGINT, &sa, &sig_old_int);
    sigaction(SIGTERM, &sa, &sig_old_term);
}

/* {==== Public API ====} */

/* Everything the fast path of gcs_recorder_hook leaves out: a stopped
 * recorder, a full chunk, and recording with the signal flush armed (the
 * event is encoded inside `busy`, a signal that came meanwhile is handled
 * after it). */
static REC_NOINLINE void
hook_slow(gcs_recorder *w, const gcs_event *ev)
{
    if (!slow_enter(w))
        return;
    if (GCS_UNLIKELY(encode_event(w, ev)))
        flush_chunk_(w, 1); /* GC_END: a collection is never lost to a crash */
    end_busy(w);
}

/* The runtime's hook: one test (set_gate), then the fast path, inlined here,
 * or hook_slow. */
void
gcs_recorder_hook(void *ud, const gcs_event *ev)
{
    gcs_recorder *w = ud;
    if (REC_LIKELY(w->len < w->gate))
        hook_fast(w, ev);
    else
        hook_slow(w, ev);
}

const gcs_hooks *
gcs_recorder_hooks(void)
{
    return &recorder_hooks;
}

void
gcs_recorder_configure(gcs_recorder *rec, gcs_config *cfg)
{
    cfg->hook = gcs_recorder_hook;
    cfg->hook_ud = rec;
    cfg->hooks = &recorder_hooks;
}

int
gcs_recorder_attach(gcs_recorder *rec, gcs_heap *h)
{
    if (rec == NULL)
        return GCS_EINVAL;
    return gcs_heap_set_hooks(h, &recorder_hooks, rec);
}

void
gcs_recorder_opts_init(gcs_recorder_opts *o)
{
    memset(o, 0, sizeof *o);
    o->compress = true;
    o->zstd_level = 1;
    o->chunk_bytes = 65536;
    o->thresholds[0] = 700;
    o->thresholds[1] = 10;
    o->thresholds[2] = 10;
    o->gc_flags = 1;
}

static void
put_meta_kv(uint8_t *buf, size_t *len, const char *k, const char *v)
{
    size_t kl = strlen(k), vl = strlen(v);
    *len += gcs_put_uv(buf + *len, kl);
    memcpy(buf + *len, k, kl);
    *len += kl;
    *len += gcs_put_uv(buf + *len, vl);
    memcpy(buf + *len, v, vl);
    *len += vl;
}

/* The event schema, so tools can name events a reader doesn't know:
 * "alloc=1:OSUU free=2:O ...". */
static size_t
schema_string(char *out, size_t size)
{
    size_t n = 0;
    for (int k = 0; k < GCS_EV__COUNT; k++) {
        const gcs_ev_desc *d = gcs_ev_describe((gcs_ev_kind)k);
        int m = snprintf(out + n, size - n, "%s%s=%u:%s", k ? " " : "", gcs_ev_name((gcs_ev_kind)k),
                         (unsigned)d->code, d->tags);
        if (m < 0 || (size_t)m >= size - n)
            break;
        n += (size_t)m;
    }
    return n;
}

static int
write_header_and_meta(gcs_recorder *w)
{
    uint8_t h[GCS_TR_HEADER_LEN];
    memset(h, 0, sizeof h);
    memcpy(h, GCS_TR_MAGIC, 8);
    gcs_put_le16(h + 8, GCS_TRACE_VERSION_MAJOR);
    gcs_put_le16(h + 10, GCS_TRACE_VERSION_MINOR);
    gcs_put_le32(h + 12, GCS_TR_HEADER_LEN);
    gcs_put_le32(h + 16, GCS_TR_ENDIAN_MARK);
    gcs_put_le32(h + 20, w->opts.compress ? 1u : 0u);
    gcs_put_le32(h + 24, 1000000000u);
    gcs_put_le32(h + 28, w->opts.writer_pid ? w->opts.writer_pid : (uint32_t)getpid());
    uint64_t start = w->opts.start_unix_ns;
    if (start == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        start = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    }
    gcs_put_le64(h + 32, start);
    for (int i = 0; i < 3; i++)
        gcs_put_le32(h + 40 + 4 * i, (uint32_t)w->opts.thresholds[i]);
    gcs_put_le32(h + 52, w->opts.gc_flags);
    gcs_put_le32(h + 60, gcs_crc32c(0, h, 60));
    if (rec_write(w, h, sizeof h) != 0)
        return w->err;

    char schema[4096];
    size_t sl = schema_string(schema, sizeof schema);
    schema[sl] = 0;
    const char *cmd = w->opts.cmdline ? w->opts.cmdline : "";
    size_t cl = strnlen(cmd, GCS_TRACE_MAX_STRING);
    uint8_t *m = gcs_tr_malloc(64 + sl + cl + 64);
    if (m == NULL) {
        rec_fail(w, GCS_ENOMEM, ENOMEM);
        return w->err;
    }
    size_t ml = 0;
    put_meta_kv(m, &ml, "recorder", "gcscope " GCS_VERSION_STRING);
    ml += gcs_put_uv(m + ml, 7);
    memcpy(m + ml, "cmdline", 7);
    ml += 7;
    ml += gcs_put_uv(m + ml, cl);
    memcpy(m + ml, cmd, cl);
    ml += cl;
    put_meta_kv(m, &ml, "events", schema);
    int rc = write_plain_chunk(w, GCS_TR_KIND_META, m, ml, 0, 3);
    free(m);
    return rc;
}

static int
rec_alloc(const gcs_recorder_opts *opts, gcs_recorder **out)
{
    gcs_recorder *w = gcs_tr_calloc(1, sizeof *w);
    if (w == NULL)
        return GCS_ENOMEM;
    if (opts)
        w->opts = *opts;
    else
        gcs_recorder_opts_init(&w->opts);
    if (w->opts.chunk_bytes < 256)
        w->opts.chunk_bytes = 256;
    if (w->opts.chunk_bytes > GCS_TR_MAX_CHUNK / 2)
        w->opts.chunk_bytes = GCS_TR_MAX_CHUNK / 2;
    if (w->opts.zstd_level == 0)
        w->opts.zstd_level = 1;
    w->opts.cmdline = NULL; /* copied into META at open; don't keep the pointer */
    w->cap = w->opts.chunk_bytes + 4096;
    w->buf = gcs_tr_malloc(GCS_TR_CHUNK_HDR + w->cap);
    w->gen = 1;
    w->pid = getpid();
    int rc = w->buf ? 0 : GCS_ENOMEM;
    if (rc == 0)
        rc = map_init(&w->by_ptr, sizeof(str_ent));
    if (rc == 0)
        rc = map_init(&w->by_content, sizeof(str_ent));
    if (rc == 0)
        rc = map_init(&w->shorts, sizeof(short_ent));
    if (rc == 0)
        rc = map_init(&w->sites, sizeof(site_ent));
    if (rc == 0 && w->opts.compress &&
        (w->zc = gcs_tr_alloc_ok() ? ZSTD_createCCtx() : NULL) == NULL)
        rc = GCS_ENOMEM;
    if (rc == 0)
        rc = reserve_index(w);
    if (rc != 0) {
        gcs_tio_open_mem(&w->io);
        w->finished = w->stopped = 1;
        set_gate(w);
        gcs_recorder_close(w);
        return rc;
    }
    *out = w;
    return 0;
}

static int
rec_start(gcs_recorder *w, const gcs_recorder_opts *opts, gcs_recorder **out)
{
    gcs_recorder_opts o = opts ? *opts : w->opts;
    w->opts.cmdline = o.cmdline;
    write_header_and_meta(w); /* a failure here is the sticky error, not a failed open */
    w->opts.cmdline = NULL;
    if (w->err == GCS_ENOMEM) {
        w->finished = w->stopped = 1;
        set_gate(w);
        gcs_recorder_close(w);
        return GCS_ENOMEM;
    }
    if (w->opts.signals && sig_rec == NULL)
        sig_install(w);
    set_gate(w);
    *out = w;
    return 0;
}

int
gcs_recorder_open(const char *path, const gcs_recorder_opts *opts, gcs_recorder **out)
{
    if (out == NULL)
        return GCS_EINVAL;
    *out = NULL;
    if (path == NULL)
        return GCS_EINVAL;
    gcs_recorder *w;
    int rc = rec_alloc(opts, &w);
    if (rc != 0)
        return rc;
    w->path = gcs_tr_strdup(path);
    if (w->path == NULL) {
        gcs_tio_open_mem(&w->io);
        w->finished = w->stopped = 1;
        set_gate(w);
        gcs_recorder_close(w);
        return GCS_ENOMEM;
    }
    int e = gcs_tio_open_file(&w->io, path);
    if (e != 0) {
        w->finished = w->stopped = 1;
        set_gate(w);
        gcs_recorder_close(w);
        return GCS_EIO;
    }
    return rec_start(w, opts, out);
}

int
gcs_recorder_open_mem(const gcs_recorder_opts *opts, gcs_recorder **out)
{
    if (out == NULL)
        return GCS_EINVAL;
    *out = NULL;
    gcs_recorder *w;
    int rc = rec_alloc(opts, &w);
    if (rc != 0)
        return rc;
    gcs_tio_open_mem(&w->io);
    return rec_start(w, opts, out);
}

static void
end_busy(gcs_recorder *w)
{
    w->busy = 0;
    if (GCS_UNLIKELY(w->sig_pending))
        sig_flush_and_raise(w, (int)w->sig_pending);
}

int
gcs_recorder_flush(gcs_recorder *w)
{
    if (w == NULL)
        return GCS_EINVAL;
    if (w->finished)
        return w->err;
    w->busy = 1;
    int rc = flush_chunk_(w, 1);
    end_busy(w);
    return rc;
}

/* The INDEX chunk (one write, from ibuf: no allocation, so the signal path
 * can use it) and the trailer. */
static int
write_index_and_trailer(gcs_recorder *w)
{
    if (w->ibuf == NULL || GCS_TR_CHUNK_HDR + 32 + w->n_chunks * 50 > w->ibuf_cap) {
        rec_fail(w, GCS_ENOMEM, ENOMEM);
        return w->err;
    }
    uint8_t *p = w->ibuf + GCS_TR_CHUNK_HDR;
    size_t n = gcs_put_uv(p, w->n_chunks);
    uint64_t prev = 0, last_ts = 0;
    for (size_t i = 0; i < w->n_chunks; i++) {
        const gcs_tr_chunk_ent *c = &w->chunks[i];
        n += gcs_put_uv(p + n, c->offset - prev);
        n += gcs_put_uv(p + n, c->first_seq);
        n += gcs_put_uv(p + n, c->n_events);
        n += gcs_put_uv(p + n, c->first_ts);
        n += gcs_put_uv(p + n, c->last_ts);
        prev = c->offset;
        if (c->last_ts > last_ts)
            last_ts = c->last_ts;
    }
    n += gcs_put_uv(p + n, w->first_seq);
    n += gcs_put_uv(p + n, last_ts);
    uint64_t off = gcs_tio_tell(&w->io);
    fill_chunk_header(w->ibuf, (uint32_t)n, (uint32_t)n, GCS_TR_KIND_INDEX, GCS_TR_CODEC_NONE,
                      w->first_seq, 0, (uint32_t)w->n_chunks);
    int rc = rec_write(w, w->ibuf, GCS_TR_CHUNK_HDR + n);
    if (rc != 0)
        return rc;
    uint8_t t[GCS_TR_TRAILER_LEN];
    gcs_put_le64(t, off);
    gcs_put_le32(t + 8, (uint32_t)(GCS_TR_CHUNK_HDR + n));
    gcs_put_le32(t + 12, gcs_crc32c(0, t, 12));
    memcpy(t + 16, GCS_TR_TRAILER_MAGIC, 8);
    return rec_write(w, t, sizeof t);
}

int
gcs_recorder_finish(gcs_recorder *w)
{
    if (w == NULL)
        return GCS_EINVAL;
    if (w->finished)
        return w->err;
    w->busy = 1;
    flush_chunk_(w, 1);
    if (!w->err && !in_forked_child(w))
        write_index_and_trailer(w);
    writer_stop(w); /* a finished recorder has no thread */
    w->finished = w->stopped = 1;
    set_gate(w);
    end_busy(w);
    return w->err;
}

int
gcs_recorder_close(gcs_recorder *w)
{
    if (w == NULL)
        return 0;
    if (sig_rec == w) {
        sig_rec = NULL;
        sig_restore();
    }
    gcs_recorder_finish(w);
    writer_stop(w);
    int rc = w->err;
    gcs_tio_close(&w->io);
    ZSTD_freeCCtx(w->zc);
    free(w->zbuf);
    free(w->buf);
    free(w->spare);
    free(w->sarena);
    free(w->by_ptr.ents);
    free(w->by_content.ents);
    free(w->shorts.ents);
    free(w->sites.ents);
    free(w->chunks);
    free(w->ibuf);
    free(w->path);
    free(w);
    return rc;
}

const uint8_t *
gcs_recorder_mem_data(const gcs_recorder *w, size_t *len)
{
    if (w == NULL || w->io.write_ == NULL || w->path != NULL) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = w->io.u.mem.len;
    return w->io.u.mem.buf;
}

int
gcs_recorder_error(const gcs_recorder *w)
{
    return w ? w->err : GCS_EINVAL;
}

const char *
gcs_recorder_errmsg(const gcs_recorder *w)
{
    return w ? w->errmsg : "";
}

void
gcs_recorder_get_stats(const gcs_recorder *w, gcs_recorder_stats *out)
{
    if (w) {
        *out = w->stats;
        out->events = w->first_seq + w->n_events;
    } else
        memset(out, 0, sizeof *out);
}

/* {==== Test hooks (recorder_int.h) ====} */

int
gcs_recorder_raw_(gcs_recorder *w, const uint8_t *rec, size_t len, int is_event)
{
    if (w->err || w->finished)
        return GCS_ESTATE;
    if (ensure(w, len) != 0)
        return w->err;
    memcpy(cur(w), rec, len);
    w->len += len;
    if (is_event)
        w->n_events++;
    return 0;
}

void
gcs_recorder_mem_limit_(gcs_recorder *w, size_t limit)
{
    w->io.u.mem.limit = limit;
}

void
gcs_recorder_reset_delta_(gcs_recorder *w)
{
    w->last_obj = 0;
    memset(w->ocache, 0, sizeof w->ocache);
}
