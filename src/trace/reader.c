/* src/trace/reader.c — the trace reader. Start at reader_scan(): one linear
 * pass over the file validates the header, then each chunk (magic, lengths
 * within caps, CRC32C, decompression, every record) and stops at the first
 * damage, keeping every intact chunk before it (the torn-tail rule; --salvage
 * resyncs on the next chunk magic instead). Strings and sites are interned into
 * a reader-wide pool, so decoded events point at stable, deduplicated memory
 * and equal strings have equal pointers. Random access decodes one chunk
 * (found by binary search on first_event) and caches it. No read ever leaves
 * the mapped bytes: all decoding goes through gcs_rd (bounded, sticky bad).
 * Bounded memory on big files (issue #8): the file is mapped, and the pages a
 * scan or a chunk decode touched are dropped again (madvise DONTNEED), so the
 * resident set holds one chunk, not the file; strings are interned lazily, on
 * first use, and LABEL texts (unique per object in real traces) are not
 * interned at all: they live in a per-chunk buffer until the next decode.
 * Speed (issue #3): common records take dec_fast(), straight-line per-kind
 * code generated from GCS_EVENT_MAP with unchecked varint reads far from the
 * payload's end; sequential access skips the chunk search. Opt-in
 * (GCSCOPE_READER_THREAD=1, gcs_reader_opts.decode_thread), a second thread
 * decodes while the caller consumes: the open pass hands decoded chunks to
 * the callbacks through a ring of buffer sets (reader_scan_piped); forward
 * reading after open can have the next chunk decoded ahead (the prefetch
 * thread, reader_load_chunk). Callbacks always run on the caller's thread,
 * and results are the same with or without the threads. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "reader_int.h"
#include "recorder_int.h"
#include "trace_int.h"

typedef struct rd_chunk {
    uint64_t offset;      /* chunk header offset */
    uint64_t first_event; /* reader's index of its first event */
    uint32_t stored, raw;
    uint32_t n_events; /* known events in it */
    uint8_t codec;
} rd_chunk; /* 32 bytes: the index keeps one per chunk */

typedef struct arena_blk {
    struct arena_blk *next;
    size_t used, cap;
    _Alignas(16) char mem[];
} arena_blk;

/* A pooled string: its uint32 length is stored just before it in the arena,
 * so a table slot is one pointer. */
typedef struct pool_ent {
    const char *s;
} pool_ent;

static size_t
pool_len(const char *s)
{
    uint32_t n;
    memcpy(&n, s - 4, 4);
    return n;
}

typedef struct site_pent {
    gcs_site *site;
} site_pent;

/* A chunk-local string: where its bytes are in the decoded payload, and its
 * pooled (perm) and per-chunk (trans) copies once made. */
typedef struct lstr_ent {
    const uint8_t *raw;
    uint32_t len;
    const char *perm, *trans;
} lstr_ent;

struct gcs_reader {
    const uint8_t *data;
    size_t size;
    void *map; /* mmap'd region, or NULL */
    uint8_t *owned;
    char *name;
    gcs_trace_info info;
    uint32_t header_len;

    rd_chunk *chunks;
    size_t n_chunks, chunks_cap;
    uint64_t n_events;
    uint64_t writer_events; /* events the writer counted (INDEX cross-check) */
    gcs_trace_damage damage;
    char errmsg[512];

    arena_blk *arena;
    pool_ent *pool;
    size_t pool_cap, pool_n;
    site_pent *spool;
    size_t spool_cap, spool_n;

    ZSTD_DCtx *dz;
    uint8_t *raw;
    size_t raw_cap;
    lstr_ent *lstr;
    size_t lstr_cap;
    char *tbuf; /* per-chunk copies of LABEL texts (valid until the next decode) */
    size_t tbuf_n, tbuf_cap;
    uint64_t touched; /* mapped bytes read since the last drop_pages */
    const gcs_site **lsite;
    size_t lsite_cap;
    const char **ixslot; /* interned "[i]" by i < ixslot_cap (compact REF_SET/REF_DEL) */
    size_t ixslot_cap;
    bool as_v1_1; /* gcs_reader_test_as_v1_1_ when opened */

    gcs_event *evs; /* the decoder's output (the chunk being decoded) */
    size_t evs_n, evs_cap;
    size_t cached;         /* chunk whose events are in vevs, SIZE_MAX if none */
    uint64_t cached_first; /* index of vevs[0] when cached != SIZE_MAX */
    gcs_event *vevs;       /* the decoded chunk random access reads (view_take) */
    size_t vevs_n, vevs_cap;
    char *vtbuf; /* its LABEL texts */
    size_t vtbuf_cap;
    size_t last_loaded;   /* chunk reader_load_chunk loaded last (SIZE_MAX: none) */
    struct rd_pf *pf;     /* the prefetch thread, once forward reading started */
    uint64_t next;        /* streaming cursor */
    struct rd_pipe *pipe; /* while a decode thread scans (reader_scan_piped) */
};

static _Thread_local char open_err[512];

const char *
gcs_reader_open_errmsg(void)
{
    return open_err;
}

/* {==== Pools ====} */

static void *
arena_alloc(gcs_reader *r, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    arena_blk *b = r->arena;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = malloc(sizeof *b + cap);
        if (b == NULL)
            return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = r->arena;
        r->arena = b;
    }
    void *p = b->mem + b->used;
    b->used += n;
    return p;
}

static uint64_t
hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h ^ n;
}

static int
pool_grow(gcs_reader *r)
{
    size_t ncap = r->pool_cap ? r->pool_cap * 2 : 1024;
    pool_ent *np = calloc(ncap, sizeof *np);
    if (np == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < r->pool_cap; i++) {
        const char *c = r->pool[i].s;
        if (c == NULL)
            continue;
        size_t j = hash_bytes(c, pool_len(c)) & (ncap - 1);
        while (np[j].s)
            j = (j + 1) & (ncap - 1);
        np[j].s = c;
    }
    free(r->pool);
    r->pool = np;
    r->pool_cap = ncap;
    return 0;
}

/* The pooled copy of s[0..n) (n bytes, no NUL inside required). NULL: ENOMEM. */
const char *
gcs_reader_intern_(gcs_reader *r, const char *s, size_t n)
{
    if ((r->pool_n + 1) * 2 > r->pool_cap && pool_grow(r) != 0)
        return NULL;
    uint64_t h = hash_bytes(s, n);
    size_t mask = r->pool_cap - 1;
    size_t j = h & mask;
    for (; r->pool[j].s; j = (j + 1) & mask) {
        const char *c = r->pool[j].s;
        if (pool_len(c) == n && memcmp(c, s, n) == 0)
            return c;
    }
    char *c = arena_alloc(r, n + 5);
    if (c == NULL)
        return NULL;
    uint32_t n32 = (uint32_t)n;
    memcpy(c, &n32, 4);
    memcpy(c + 4, s, n);
    c[4 + n] = 0;
    r->pool[j].s = c + 4;
    r->pool_n++;
    return c + 4;
}

static uint64_t
site_hash(const char *file, const char *func, int line)
{
    uint64_t x = (uint64_t)(uintptr_t)file * 0x9E3779B97F4A7C15ULL;
    x ^= (uint64_t)(uintptr_t)func * 0xC2B2AE3D27D4EB4FULL;
    x ^= (uint64_t)(uint32_t)line * 0x165667B19E3779F9ULL;
    return x ^ (x >> 29);
}

static const gcs_site *
site_intern(gcs_reader *r, const char *file, const char *func, int line)
{
    if ((r->spool_n + 1) * 2 > r->spool_cap) {
        size_t ncap = r->spool_cap ? r->spool_cap * 2 : 256;
        site_pent *np = calloc(ncap, sizeof *np);
        if (np == NULL)
            return NULL;
        for (size_t i = 0; i < r->spool_cap; i++) {
            gcs_site *s = r->spool[i].site;
            if (s == NULL)
                continue;
            size_t j = site_hash(s->file, s->func, s->line) & (ncap - 1);
            while (np[j].site)
                j = (j + 1) & (ncap - 1);
            np[j].site = s;
        }
        free(r->spool);
        r->spool = np;
        r->spool_cap = ncap;
    }
    size_t mask = r->spool_cap - 1;
    size_t j = site_hash(file, func, line) & mask;
    for (; r->spool[j].site; j = (j + 1) & mask) {
        gcs_site *s = r->spool[j].site;
        if (s->file == file && s->func == func && s->line == line)
            return s;
    }
    gcs_site *s = arena_alloc(r, sizeof *s);
    if (s == NULL)
        return NULL;
    *s = (gcs_site){file, func, line};
    r->spool[j].site = s;
    r->spool_n++;
    return s;
}

/* {==== Chunk decoding ====} */

typedef struct dec_err {
    char why[160];
    int code;
} dec_err;

static int
dfail(dec_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->why, sizeof e->why, fmt, ap);
    va_end(ap);
    e->code = code;
    return code;
}

static int
grow_array(void **arr, size_t *cap, size_t need, size_t esz)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap *= 2;
    void *n = realloc(*arr, ncap * esz);
    if (n == NULL)
        return GCS_ENOMEM;
    *arr = n;
    *cap = ncap;
    return 0;
}

/* The raw payload of a chunk whose header is at `h` (already length- and
 * CRC-checked). */
static int
chunk_payload(gcs_reader *r, const uint8_t *h, const uint8_t **raw, size_t *raw_len, dec_err *e)
{
    uint32_t stored = gcs_get_le32(h + 4), rawn = gcs_get_le32(h + 8);
    uint8_t codec = h[13];
    const uint8_t *payload = h + GCS_TR_CHUNK_HDR;
    if (codec == GCS_TR_CODEC_NONE) {
        if (stored != rawn)
            return dfail(e, GCS_ECORRUPT, "stored length %u != raw length %u", stored, rawn);
        *raw = payload;
        *raw_len = stored;
        return 0;
    }
    if (codec != GCS_TR_CODEC_ZSTD)
        return dfail(e, GCS_ECORRUPT, "unknown codec %u", codec);
    if (grow_array((void **)&r->raw, &r->raw_cap, rawn ? rawn : 1, 1) != 0)
        return dfail(e, GCS_ENOMEM, "out of memory");
    if (r->dz == NULL && (r->dz = ZSTD_createDCtx()) == NULL)
        return dfail(e, GCS_ENOMEM, "out of memory");
    size_t n = ZSTD_decompressDCtx(r->dz, r->raw, rawn, payload, stored);
    if (ZSTD_isError(n))
        return dfail(e, GCS_ECORRUPT, "zstd: %s", ZSTD_getErrorName(n));
    if (n != rawn)
        return dfail(e, GCS_ECORRUPT, "zstd gave %zu bytes, header says %u", n, rawn);
    *raw = r->raw;
    *raw_len = rawn;
    return 0;
}

typedef struct dec_state {
    size_t n_str, n_site;
    uint64_t last_obj, last_ts, max_ts; /* max_ts: the largest timestamp decoded */
    uint64_t ocache[GCS_TR_OCACHE];
    uint64_t n_records, unknown;
} dec_state;

/* Chunk-local string id (<= n_str) as a pooled string: NULL for id 0 (and on
 * ENOMEM, which the caller tells apart by id != 0). */
static const char *
lstr_perm(gcs_reader *r, uint64_t id)
{
    if (id == 0)
        return NULL;
    lstr_ent *l = &r->lstr[id];
    if (l->perm == NULL)
        l->perm = gcs_reader_intern_(r, (const char *)l->raw, l->len);
    return l->perm;
}

/* The same as a per-chunk copy (LABEL texts): not interned, so a trace with a
 * unique label per object does not grow the pool. Falls back to the pool if
 * the chunk buffer is full (it is sized so that it never is). */
static const char *
lstr_trans(gcs_reader *r, uint64_t id)
{
    if (id == 0)
        return NULL;
    lstr_ent *l = &r->lstr[id];
    if (l->trans == NULL) {
        if ((size_t)l->len + 1 > r->tbuf_cap - r->tbuf_n)
            return lstr_perm(r, id);
        char *c = r->tbuf + r->tbuf_n;
        memcpy(c, l->raw, l->len);
        c[l->len] = 0;
        r->tbuf_n += (size_t)l->len + 1;
        l->trans = c;
    }
    return l->trans;
}

static int
dec_control(gcs_reader *r, gcs_rd *in, uint64_t ext, dec_state *st, dec_err *e)
{
    if (ext == GCS_TR_X_DEF_STRING) {
        uint64_t id = gcs_get_uv(in), n = gcs_get_uv(in);
        if (in->bad || n > (uint64_t)(in->end - in->p))
            return dfail(e, GCS_ECORRUPT, "string definition truncated");
        if (id != st->n_str + 1)
            return dfail(e, GCS_ECORRUPT, "string id %" PRIu64 " out of order", id);
        if (grow_array((void **)&r->lstr, &r->lstr_cap, id + 1, sizeof *r->lstr) != 0)
            return dfail(e, GCS_ENOMEM, "out of memory");
        r->lstr[id] = (lstr_ent){in->p, (uint32_t)n, NULL, NULL}; /* interned on first use */
        in->p += n;
        st->n_str = id;
        return 0;
    }
    if (ext == GCS_TR_X_DEF_SITE) {
        uint64_t id = gcs_get_uv(in), fid = gcs_get_uv(in), nid = gcs_get_uv(in);
        int64_t line = gcs_unzigzag(gcs_get_uv(in));
        if (in->bad)
            return dfail(e, GCS_ECORRUPT, "site definition truncated");
        if (id != st->n_site + 1 || fid > st->n_str || nid > st->n_str || line < INT32_MIN ||
            line > INT32_MAX)
            return dfail(e, GCS_ECORRUPT, "bad site definition %" PRIu64, id);
        if (grow_array((void **)&r->lsite, &r->lsite_cap, id + 1, sizeof *r->lsite) != 0)
            return dfail(e, GCS_ENOMEM, "out of memory");
        const char *file = lstr_perm(r, fid), *func = lstr_perm(r, nid);
        const gcs_site *s =
            (fid && !file) || (nid && !func) ? NULL : site_intern(r, file, func, (int)line);
        if (s == NULL)
            return dfail(e, GCS_ENOMEM, "out of memory");
        r->lsite[id] = s;
        st->n_site = id;
        return 0;
    }
    return dfail(e, GCS_ECORRUPT, "unknown control record %" PRIu64 " without length", ext);
}

/* Decoding tables generated from GCS_EVENT_MAP (the one event table): on-disk
 * code -> kind + 1 (0: unknown), and field tags as small numbers (each kind's
 * fields are decoded by straight-line code generated in dec_fields, so the
 * record loop makes no calls into events.c and walks no tag string). */
enum { TG_O, TG_S, TG_U, TG_I };
static const uint8_t dec_kind_of[256] = {
#define X(NAME, name, code, FIELDS, doc) [(code)] = GCS_EV_##NAME + 1,
    GCS_EVENT_MAP(X)
#undef X
};
/* gcs_get_uv with the one-byte case inline (most ids, counts and string ids
 * of a chunk fit in 7 bits). Same bounds checks, same sticky `bad`. */
#if defined(__GNUC__)
#define GCS_RD_INLINE inline __attribute__((always_inline))
#else
#define GCS_RD_INLINE inline
#endif
static GCS_RD_INLINE uint64_t
rd_uv(gcs_rd *in)
{
    const uint8_t *p = in->p;
    assert(p != NULL); /* cursors are over a chunk's payload (never NULL, even when empty) */
    if (p >= in->end || *p >= 0x80)
        return gcs_get_uv(in); /* the end (bad), or a longer varint */
    in->p = p + 1;
    return *p;
}

/* One O field: the id cache and delta rules of docs/trace-format.md §3. */
static GCS_RD_INLINE int
dec_obj(gcs_rd *in, uint64_t v, dec_state *st, uint64_t *out)
{
    if (v > GCS_TR_OCACHE) {
        if (v == GCS_TR_O_ABS)
            v = rd_uv(in);
        else
            v = st->last_obj + (uint64_t)gcs_unzigzag(v - GCS_TR_O_DELTA);
        st->ocache[v & (GCS_TR_OCACHE - 1)] = v;
        st->last_obj = v;
    } else if (v) {
        v = st->ocache[v - 1];
        if (v == 0)
            return -1;
        st->last_obj = v;
    }
    *out = v;
    return 0;
}

/* An O field of a compact record: dec_obj without updating the state (see
 * GCS_TR_CODE_REF_SET_INDEX). */
static int
dec_obj_peek(gcs_rd *in, uint64_t v, const dec_state *st, uint64_t *out)
{
    if (v == GCS_TR_O_ABS)
        v = rd_uv(in);
    else if (v > GCS_TR_OCACHE)
        v = st->last_obj + (uint64_t)gcs_unzigzag(v - GCS_TR_O_DELTA);
    else if (v && (v = st->ocache[v - 1]) == 0)
        return -1;
    *out = v;
    return 0;
}

/* One field of each tag into payload slot k (DEC_FIELD_*: the bodies of the
 * per-kind cases below). */
static GCS_RD_INLINE int
dec_field(gcs_reader *r, gcs_rd *in, gcs_event *ev, unsigned k, int tag, dec_state *st, dec_err *e)
{
    uint64_t v = rd_uv(in);
    switch (tag) {
    case TG_O:
        if (dec_obj(in, v, st, gcs_ev_field_u64(ev, k)) != 0)
            return dfail(e, GCS_ECORRUPT, "empty object cache slot");
        return 0;
    case TG_I:
        *gcs_ev_field_u64(ev, k) = (uint64_t)gcs_unzigzag(v);
        return 0;
    case TG_S: {
        if (v > st->n_str)
            return dfail(e, GCS_ECORRUPT, "undefined string %" PRIu64, v);
        const char *s = ev->kind == GCS_EV_LABEL ? lstr_trans(r, v) : lstr_perm(r, v);
        if (v && s == NULL)
            return dfail(e, GCS_ENOMEM, "out of memory");
        *gcs_ev_field_str(ev, k) = s;
        return 0;
    }
    default:
        *gcs_ev_field_u64(ev, k) = v;
        return 0;
    }
}

/* The fields of ev (kind set), in table order: one straight-line case per
 * kind, generated from GCS_EVENT_MAP, so each field's tag is a constant. */
static int
dec_fields(gcs_reader *r, gcs_rd *in, gcs_event *ev, dec_state *st, dec_err *e)
{
    unsigned k = 0;
    switch (ev->kind) {
#define F(tag, field)                                                                              \
    if (dec_field(r, in, ev, k++, TG_##tag, st, e) != 0)                                           \
        return e->code;
#define X(NAME, name, code, FIELDS, doc)                                                           \
    case GCS_EV_##NAME:                                                                            \
        FIELDS break;
        GCS_EVENT_MAP(X)
#undef X
#undef F
    case GCS_EV__COUNT:
        break;
    }
    (void)k;
    return in->bad ? dfail(e, GCS_ECORRUPT, "record truncated") : 0;
}

/* A record that is not a plain event of a known code: a control record, or a
 * record skipped by its length. Returns 0, or the error. */
static int
dec_other(gcs_reader *r, gcs_rd *in, uint8_t op, uint64_t code, const uint8_t *body_end,
          dec_state *st, dec_err *e)
{
    int control = (op & GCS_TR_OP_CODE) == 0 && code < 32;
    int known = control ? (code == GCS_TR_X_DEF_STRING || code == GCS_TR_X_DEF_SITE)
                        : (code < 256 && dec_kind_of[code] != 0);
    if (!known) {
        if (!body_end)
            return dfail(e, GCS_ECORRUPT, "unknown record code 0x%" PRIx64 " without length", code);
        in->p = body_end;
        if (!control) {
            st->unknown++;
            st->n_records++;
        }
        return 0;
    }
    gcs_rd body = {in->p, body_end ? body_end : in->end, 0};
    int rc = dec_control(r, &body, code, st, e);
    in->p = body_end ? body_end : body.p;
    return rc;
}

/* {==== Fast path ====}
 * Most records are a one-byte op with a code of 1..31 and no length: far from
 * the payload's end (DEC_FAST_ROOM bytes, more than any such record can take:
 * op, ts, site and 8 fields of at most 20 bytes each), their varints are read
 * without a bounds check per byte. Anything else, and the last bytes of a
 * payload, take the general path (dec_record), which checks every byte. Both
 * apply the same rules and report the same damage. */
#define DEC_FAST_ROOM 192

/* A varint of at most 10 bytes at *pp (the caller guarantees the room);
 * a longer one sets *bad. */
static GCS_RD_INLINE uint64_t
uv_fast(const uint8_t **pp, int *bad)
{
    const uint8_t *p = *pp;
    uint64_t v = *p++;
    if (v >= 0x80) {
        v &= 0x7f;
        for (unsigned shift = 7;; shift += 7) {
            uint8_t b = *p++;
            v |= (uint64_t)(b & 0x7f) << shift;
            if (b < 0x80)
                break;
            if (shift == 63) {
                *bad = 1;
                break;
            }
        }
    }
    *pp = p;
    return v;
}

#define FAST_U(k) fld[k] = uv_fast(&p, &bad);
#define FAST_I(k) fld[k] = (uint64_t)gcs_unzigzag(uv_fast(&p, &bad));
#define FAST_O(k)                                                                                  \
    {                                                                                              \
        uint64_t v = uv_fast(&p, &bad);                                                            \
        if (v > GCS_TR_OCACHE) {                                                                   \
            v = v == GCS_TR_O_ABS ? uv_fast(&p, &bad)                                              \
                                  : last + (uint64_t)gcs_unzigzag(v - GCS_TR_O_DELTA);             \
            st->ocache[v & (GCS_TR_OCACHE - 1)] = v;                                               \
            last = v;                                                                              \
        } else if (v) {                                                                            \
            v = st->ocache[v - 1];                                                                 \
            if (v == 0)                                                                            \
                return dfail(e, GCS_ECORRUPT, "empty object cache slot");                          \
            last = v;                                                                              \
        }                                                                                          \
        fld[k] = v;                                                                                \
    }
#define FAST_S(k)                                                                                  \
    {                                                                                              \
        uint64_t v = uv_fast(&p, &bad);                                                            \
        if (v > st->n_str)                                                                         \
            return dfail(e, GCS_ECORRUPT, "undefined string %" PRIu64, v);                         \
        const char *str = kind == GCS_EV_LABEL ? lstr_trans(r, v) : lstr_perm(r, v);               \
        if (v && str == NULL)                                                                      \
            return dfail(e, GCS_ENOMEM, "out of memory");                                          \
        fld[k] = (uint64_t)(uintptr_t)str;                                                         \
    }

/* The record at in->p on the fast path: 1 decoded, 0 not taken (nothing
 * consumed: use dec_record), or a negative error. */
static int
dec_fast(gcs_reader *r, gcs_rd *in, dec_state *st, dec_err *e)
{
    const uint8_t *p = in->p;
    if (in->end - p < DEC_FAST_ROOM)
        return 0;
    uint8_t op = *p;
    unsigned code = op & GCS_TR_OP_CODE;
    if ((op & GCS_TR_OP_LEN) || code == 0 || dec_kind_of[code] == 0)
        return 0;
    if (r->evs_n == r->evs_cap)
        return 0; /* more records than the header said: the general path grows evs */
    p++;
    gcs_ev_kind kind = (gcs_ev_kind)(dec_kind_of[code] - 1);
    gcs_event *ev = &r->evs[r->evs_n];
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    int bad = 0;
    if (op & GCS_TR_OP_TS) {
        st->last_ts += (uint64_t)gcs_unzigzag(uv_fast(&p, &bad));
        ev->t_ns = st->last_ts;
        if (st->last_ts > st->max_ts)
            st->max_ts = st->last_ts;
    }
    if (op & GCS_TR_OP_SITE) {
        uint64_t sid = uv_fast(&p, &bad);
        if (sid == 0 || sid > st->n_site)
            return dfail(e, GCS_ECORRUPT, "undefined site %" PRIu64, sid);
        ev->site = r->lsite[sid];
    }
    uint64_t *fld = gcs_ev_field_u64(ev, 0), last = st->last_obj;
    switch (kind) {
#define F(tag, field) FAST_##tag(k) k++;
#define X(NAME, name, code, FIELDS, doc)                                                           \
    case GCS_EV_##NAME: {                                                                          \
        unsigned k = 0;                                                                            \
        FIELDS(void) k;                                                                            \
        break;                                                                                     \
    }
        GCS_EVENT_MAP(X)
#undef X
#undef F
    case GCS_EV__COUNT:
        break;
    }
    if (bad)
        return dfail(e, GCS_ECORRUPT, "record truncated");
    st->last_obj = last;
    in->p = p;
    r->evs_n++;
    st->n_records++;
    return 1;
}
#undef FAST_U
#undef FAST_I
#undef FAST_O
#undef FAST_S

/* The common part of a record (timestamp, site) from body into ev. */
static int
dec_common(gcs_reader *r, gcs_rd *body, uint8_t op, gcs_event *ev, dec_state *st, dec_err *e)
{
    if (op & GCS_TR_OP_TS) {
        st->last_ts += (uint64_t)gcs_unzigzag(rd_uv(body));
        ev->t_ns = st->last_ts;
        if (st->last_ts > st->max_ts)
            st->max_ts = st->last_ts;
    }
    if (op & GCS_TR_OP_SITE) {
        uint64_t sid = rd_uv(body);
        if (sid == 0 || sid > st->n_site)
            return dfail(e, GCS_ECORRUPT, "undefined site %" PRIu64, sid);
        ev->site = r->lsite[sid];
    }
    return 0;
}

bool gcs_reader_test_as_v1_1_;

/* The interned slot text "[i]" of a compact REF_SET/REF_DEL (the pool's
 * copy, so it is the pointer a DEF_STRING'd "[i]" gets). Indexes below
 * IXSLOT_MAX are remembered; NULL: ENOMEM. */
#define IXSLOT_MAX 4096u
static const char *
index_slot(gcs_reader *r, uint64_t i)
{
    if (i < r->ixslot_cap && r->ixslot[i])
        return r->ixslot[i];
    char buf[24];
    size_t k = sizeof buf;
    uint64_t v = i;
    buf[--k] = ']';
    do
        buf[--k] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    buf[--k] = '[';
    const char *s = gcs_reader_intern_(r, buf + k, sizeof buf - k);
    if (s && i < IXSLOT_MAX) {
        if (i >= r->ixslot_cap) {
            size_t old = r->ixslot_cap, cap = old ? old : 64;
            while (cap <= i)
                cap *= 2;
            const char **a = realloc(r->ixslot, cap * sizeof *a);
            if (a == NULL)
                return s; /* not remembered: still right */
            memset(a + old, 0, (cap - old) * sizeof *a);
            r->ixslot = a;
            r->ixslot_cap = cap;
        }
        r->ixslot[i] = s;
    }
    return s;
}

/* A compact record of format 1.2 (trace_int.h), body at body: LABEL_INT as
 * a LABEL whose text, the value in decimal, goes in the chunk's text buffer
 * (which has room for it: see GCS_TR_CODE_LABEL_INT); REF_SET_INDEX /
 * REF_DEL_INDEX as REF_SET / REF_DEL of the slot "[index]". */
static int
dec_xrec(gcs_reader *r, gcs_rd *body, uint8_t op, uint64_t code, gcs_event *ev, dec_state *st,
         dec_err *e)
{
    ev->kind = code == GCS_TR_CODE_LABEL_INT       ? GCS_EV_LABEL
               : code == GCS_TR_CODE_REF_SET_INDEX ? GCS_EV_REF_SET
                                                   : GCS_EV_REF_DEL;
    if (dec_common(r, body, op, ev, st, e) != 0)
        return e->code;
    uint64_t *fld = gcs_ev_field_u64(ev, 0); /* obj or src first, in every one */
    if (dec_obj_peek(body, rd_uv(body), st, &fld[0]) != 0)
        return dfail(e, GCS_ECORRUPT, "empty object cache slot");
    uint64_t u = rd_uv(body);
    if (code == GCS_TR_CODE_LABEL_INT) {
        if (body->bad)
            return dfail(e, GCS_ECORRUPT, "record truncated");
        if (r->tbuf_cap - r->tbuf_n < GCS_LABEL_INT_TEXT_MAX)
            return dfail(e, GCS_ECORRUPT, "int labels longer than the chunk allows");
        char *t = r->tbuf + r->tbuf_n;
        r->tbuf_n += gcs_label_int_text(t, gcs_unzigzag(u)) + 1;
        ev->u.label.text = t;
        return 0;
    }
    /* REF_SET: src slot dst old; REF_DEL: src slot old (fields 2.. are O) */
    unsigned n_o = code == GCS_TR_CODE_REF_SET_INDEX ? 2 : 1;
    for (unsigned k = 0; k < n_o; k++)
        if (dec_obj_peek(body, rd_uv(body), st, &fld[2 + k]) != 0)
            return dfail(e, GCS_ECORRUPT, "empty object cache slot");
    if (body->bad)
        return dfail(e, GCS_ECORRUPT, "record truncated");
    const char *slot = index_slot(r, u);
    if (slot == NULL)
        return dfail(e, GCS_ENOMEM, "out of memory");
    *gcs_ev_field_str(ev, 1) = slot;
    return 0;
}

/* One record at in->p. A known event is decoded into r->evs[r->evs_n] and
 * counted. */
static int
dec_record(gcs_reader *r, gcs_rd *in, dec_state *st, dec_err *e)
{
    uint8_t op = gcs_get_u8(in);
    uint64_t code = op & GCS_TR_OP_CODE;
    if (code == 0)
        code = rd_uv(in);
    const uint8_t *body_end = NULL;
    if (op & GCS_TR_OP_LEN) {
        uint64_t len = rd_uv(in);
        if (in->bad || len > (uint64_t)(in->end - in->p))
            return dfail(e, GCS_ECORRUPT, "record length past the chunk end");
        body_end = in->p + len;
    }
    if (in->bad)
        return dfail(e, GCS_ECORRUPT, "record truncated");
    int xrec = (code == GCS_TR_CODE_LABEL_INT || code == GCS_TR_CODE_REF_SET_INDEX ||
                code == GCS_TR_CODE_REF_DEL_INDEX) &&
               !r->as_v1_1;
    if (!xrec &&
        (((op & GCS_TR_OP_CODE) == 0 && code < 32) || code >= 256 || dec_kind_of[code] == 0))
        return dec_other(r, in, op, code, body_end, st, e);
    if (r->evs_n == r->evs_cap &&
        grow_array((void **)&r->evs, &r->evs_cap, r->evs_n + 1, sizeof *r->evs) != 0)
        return dfail(e, GCS_ENOMEM, "out of memory");
    gcs_event *ev = &r->evs[r->evs_n];
    memset(ev, 0, sizeof *ev);
    gcs_rd body = {in->p, body_end ? body_end : in->end, 0};
    if (xrec) {
        if (dec_xrec(r, &body, op, code, ev, st, e) != 0)
            return e->code;
    } else {
        ev->kind = (gcs_ev_kind)(dec_kind_of[code] - 1);
        if (dec_common(r, &body, op, ev, st, e) != 0 || dec_fields(r, &body, ev, st, e) != 0)
            return e->code;
    }
    in->p = body_end ? body_end : body.p;
    r->evs_n++;
    st->n_records++;
    return 0;
}

/* Decode the chunk whose (validated) header is at h into r->evs (the
 * decoder's output; random access reads the view, see view_take). Runs on
 * one thread at a time: the caller's, or the prefetch thread's. */
static int
decode_chunk(gcs_reader *r, const uint8_t *h, dec_err *e, dec_state *totals)
{
    const uint8_t *raw = NULL; /* set by chunk_payload unless it fails */
    size_t raw_len = 0;
    r->evs_n = 0;
    if (chunk_payload(r, h, &raw, &raw_len, e) != 0)
        return e->code;
    /* Room for every string of the chunk once: lengths + NULs <= 2 x payload. */
    if (grow_array((void **)&r->tbuf, &r->tbuf_cap, 2 * raw_len + 16, 1) != 0)
        return dfail(e, GCS_ENOMEM, "out of memory");
    /* Room for the events the header announces (each record takes >= 1 byte,
     * so never more than the payload's length): no growth per record. */
    uint32_t n_hdr = gcs_get_le32(h + 32);
    if (grow_array((void **)&r->evs, &r->evs_cap, n_hdr < raw_len ? n_hdr : raw_len,
                   sizeof *r->evs))
        return dfail(e, GCS_ENOMEM, "out of memory");
    r->tbuf_n = 0;
    dec_state st = {0};
    gcs_rd in = {raw, raw + raw_len, 0};
    while (in.p < in.end) {
        int rc = dec_fast(r, &in, &st, e);
        if (rc < 0)
            return rc;
        if (rc == 0 && dec_record(r, &in, &st, e) != 0)
            return e->code;
    }
    if (st.n_records != n_hdr)
        return dfail(e, GCS_ECORRUPT, "chunk holds %" PRIu64 " events, header says %u",
                     st.n_records, n_hdr);
    if (totals) /* the scan's counts: records skipped, largest timestamp */
        *totals = st;
    return 0;
}

/* {==== Open: header, scan ====} */

static void
set_damage(gcs_reader *r, uint64_t off, int code, const char *fmt, ...)
{
    if (r->damage.damaged)
        return;
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    r->damage.damaged = true;
    r->damage.byte_offset = off;
    r->damage.event_index = r->n_events;
    r->damage.bytes_lost = r->size - off;
    r->damage.code = code;
    snprintf(r->errmsg, sizeof r->errmsg, "%s: byte 0x%" PRIx64 " (event #%" PRIu64 "): %s",
             r->name, off, r->n_events, why);
}

static int
open_fail(gcs_reader *r, int code, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(open_err, sizeof open_err, "%s: %s", r->name ? r->name : "trace", why);
    return code;
}

static int
parse_header(gcs_reader *r)
{
    const uint8_t *h = r->data;
    if (r->size == 0)
        return open_fail(r, GCS_ETRUNC, "empty file");
    size_t m = r->size < 8 ? r->size : 8;
    if (memcmp(h, GCS_TR_MAGIC, m) != 0)
        return open_fail(r, GCS_EFORMAT, "not a gcscope trace (bad magic)");
    if (r->size < 12)
        return open_fail(r, GCS_ETRUNC, "header truncated (%zu of %u bytes)", r->size,
                         GCS_TR_HEADER_LEN);
    unsigned maj = gcs_get_le16(h + 8), min = gcs_get_le16(h + 10);
    if (maj != GCS_TRACE_VERSION_MAJOR)
        return open_fail(r, GCS_EVERSION,
                         "trace format version %u.%u is not supported (this gcscope reads %u.x)",
                         maj, min, GCS_TRACE_VERSION_MAJOR);
    if (r->size < GCS_TR_HEADER_LEN)
        return open_fail(r, GCS_ETRUNC, "header truncated (%zu of %u bytes)", r->size,
                         GCS_TR_HEADER_LEN);
    if (gcs_get_le32(h + 60) != gcs_crc32c(0, h, 60))
        return open_fail(r, GCS_ECORRUPT, "header CRC mismatch");
    if (gcs_get_le32(h + 16) != GCS_TR_ENDIAN_MARK)
        return open_fail(r, GCS_EFORMAT, "bad byte-order mark 0x%08x", gcs_get_le32(h + 16));
    uint32_t hl = gcs_get_le32(h + 12);
    if (hl < GCS_TR_HEADER_LEN || hl > 4096 || hl > r->size)
        return open_fail(r, GCS_EFORMAT, "bad header length %u", hl);
    r->header_len = hl;
    gcs_trace_info *in = &r->info;
    in->version_major = maj;
    in->version_minor = min;
    in->flags = gcs_get_le32(h + 20);
    in->writer_pid = gcs_get_le32(h + 28);
    in->start_unix_ns = gcs_get_le64(h + 32);
    for (int i = 0; i < 3; i++)
        in->thresholds[i] = (long)gcs_get_le32(h + 40 + 4 * i);
    in->gc_flags = gcs_get_le32(h + 52);
    in->recorder = "";
    in->cmdline = "";
    in->file_bytes = r->size;
    return 0;
}

static int
parse_meta(gcs_reader *r, const uint8_t *p, size_t n)
{
    gcs_rd in = {p, p + n, 0};
    while (in.p < in.end) {
        uint64_t kl = gcs_get_uv(&in);
        if (in.bad || kl > (uint64_t)(in.end - in.p))
            return GCS_ECORRUPT;
        const uint8_t *k = in.p;
        in.p += kl;
        uint64_t vl = gcs_get_uv(&in);
        if (in.bad || vl > (uint64_t)(in.end - in.p))
            return GCS_ECORRUPT;
        const char *v = gcs_reader_intern_(r, (const char *)in.p, (size_t)vl);
        if (v == NULL)
            return GCS_ENOMEM;
        if (kl == 8 && memcmp(k, "recorder", 8) == 0)
            r->info.recorder = v;
        else if (kl == 7 && memcmp(k, "cmdline", 7) == 0)
            r->info.cmdline = v;
        in.p += vl;
    }
    return 0;
}

/* Cross-check an INDEX payload against what the scan found. 1 if consistent. */
static int
index_consistent(gcs_reader *r, const uint8_t *p, size_t n)
{
    gcs_rd in = {p, p + n, 0};
    uint64_t nc = gcs_get_uv(&in);
    if (in.bad || nc != r->n_chunks)
        return 0;
    uint64_t off = 0;
    for (uint64_t i = 0; i < nc; i++) {
        off += gcs_get_uv(&in);
        (void)gcs_get_uv(&in); /* first_seq */
        (void)gcs_get_uv(&in); /* n_events */
        (void)gcs_get_uv(&in); /* first_ts */
        (void)gcs_get_uv(&in); /* last_ts */
        if (in.bad || off != r->chunks[i].offset)
            return 0;
    }
    uint64_t total = gcs_get_uv(&in);
    return !in.bad && total == r->writer_events;
}

/* Is there a valid trailer at off, pointing at the INDEX chunk at idx_off? */
static int
trailer_ok(gcs_reader *r, uint64_t off, uint64_t idx_off, uint64_t idx_len)
{
    if (r->size - off != GCS_TR_TRAILER_LEN)
        return 0;
    const uint8_t *t = r->data + off;
    return memcmp(t + 16, GCS_TR_TRAILER_MAGIC, 8) == 0 &&
           gcs_get_le32(t + 12) == gcs_crc32c(0, t, 12) && gcs_get_le64(t) == idx_off &&
           gcs_get_le32(t + 8) == idx_len;
}

static int
add_chunk(gcs_reader *r, uint64_t off, const uint8_t *h, uint32_t n_known)
{
    if (grow_array((void **)&r->chunks, &r->chunks_cap, r->n_chunks + 1, sizeof *r->chunks))
        return GCS_ENOMEM;
    r->chunks[r->n_chunks++] = (rd_chunk){.offset = off,
                                          .first_event = r->n_events,
                                          .stored = gcs_get_le32(h + 4),
                                          .raw = gcs_get_le32(h + 8),
                                          .n_events = n_known,
                                          .codec = h[13]};
    r->info.stored_bytes += gcs_get_le32(h + 4); /* for the compression ratio */
    r->info.raw_bytes += gcs_get_le32(h + 8);
    return 0;
}

/* n events to the caller's on_batch or on_event: 0, or GCS_ECALL (stop). */
static int pipe_publish(gcs_reader *r, uint64_t next);

static int
give_events(const gcs_reader_opts *o, uint64_t first, const gcs_event *evs, size_t n)
{
    if (o->on_batch)
        return n && o->on_batch(o->on_event_ud, first, evs, n) != 0 ? GCS_ECALL : 0;
    for (size_t i = 0; o->on_event && i < n; i++)
        if (o->on_event(o->on_event_ud, first + i, &evs[i]))
            return GCS_ECALL;
    return 0;
}

/* The decoded chunk's events to the caller; `next` is the offset after the
 * chunk. */
static int
deliver(gcs_reader *r, const gcs_reader_opts *o, uint64_t next)
{
    if (r->pipe)
        return pipe_publish(r, next);
    if (o && o->bytes_done)
        *o->bytes_done = next;
    return o ? give_events(o, r->n_events, r->evs, r->evs_n) : 0;
}

/* Find the next chunk magic after `from` (salvage). SIZE_MAX if none. */
static uint64_t
resync(gcs_reader *r, uint64_t from)
{
    for (uint64_t o = from; o + GCS_TR_CHUNK_HDR <= r->size; o++)
        if (gcs_get_le32(r->data + o) == GCS_TR_CHUNK_MAGIC)
            return o;
    return UINT64_MAX;
}

/* Validate one chunk at off; on success *next is the offset after it. Returns
 * 0 ok, >0 damage (already recorded), <0 fatal error. */
static int
scan_chunk(gcs_reader *r, uint64_t off, const gcs_reader_opts *o, uint64_t *next, uint64_t *idx_off,
           uint64_t *idx_len)
{
    uint64_t left = r->size - off;
    const uint8_t *h = r->data + off;
    if (left < GCS_TR_CHUNK_HDR) {
        set_damage(r, off, GCS_ETRUNC, "truncated chunk header (%" PRIu64 " bytes)", left);
        return 1;
    }
    if (gcs_get_le32(h) != GCS_TR_CHUNK_MAGIC) {
        set_damage(r, off, GCS_ECORRUPT, "bad chunk magic");
        return 1;
    }
    uint32_t stored = gcs_get_le32(h + 4), raw = gcs_get_le32(h + 8);
    if (stored > GCS_TR_MAX_CHUNK || raw > GCS_TR_MAX_CHUNK) {
        set_damage(r, off, GCS_ECORRUPT, "chunk length %u/%u over the %u cap", stored, raw,
                   GCS_TR_MAX_CHUNK);
        return 1;
    }
    if (stored > left - GCS_TR_CHUNK_HDR) {
        set_damage(r, off, GCS_ETRUNC, "truncated chunk (%u payload bytes, %" PRIu64 " left)",
                   stored, left - GCS_TR_CHUNK_HDR);
        return 1;
    }
    uint32_t crc = gcs_crc32c(gcs_crc32c(0, h + 4, 32), h + GCS_TR_CHUNK_HDR, stored);
    if (crc != gcs_get_le32(h + 36)) {
        set_damage(r, off, GCS_ECORRUPT, "chunk CRC mismatch");
        return 1;
    }
    *next = off + GCS_TR_CHUNK_HDR + stored;
    dec_err e = {{0}, 0};
    const uint8_t *p;
    size_t n;
    switch (h[12]) {
    case GCS_TR_KIND_EVENTS: {
        dec_state st;
        if (decode_chunk(r, h, &e, &st) != 0) {
            if (e.code == GCS_ENOMEM)
                return GCS_ENOMEM;
            set_damage(r, off, e.code, "%s", e.why);
            return 1;
        }
        int rc = deliver(r, o, *next);
        if (rc != 0)
            return rc;
        if (add_chunk(r, off, h, (uint32_t)r->evs_n) != 0)
            return GCS_ENOMEM;
        r->n_events += r->evs_n;
        r->writer_events += gcs_get_le32(h + 32);
        r->info.unknown_skipped += st.unknown;
        if (st.max_ts > r->info.last_t_ns)
            r->info.last_t_ns = st.max_ts;
        return 0;
    }
    case GCS_TR_KIND_META:
        if (chunk_payload(r, h, &p, &n, &e) != 0 || parse_meta(r, p, n) != 0) {
            set_damage(r, off, GCS_ECORRUPT, "bad META chunk");
            return 1;
        }
        return 0;
    case GCS_TR_KIND_INDEX:
        if (chunk_payload(r, h, &p, &n, &e) == 0 && index_consistent(r, p, n)) {
            *idx_off = off;
            *idx_len = GCS_TR_CHUNK_HDR + stored;
        }
        return 0;
    default:
        return 0; /* a chunk kind from a newer minor version: skip it */
    }
}

/* Note that `len` more bytes of a mapped file were read; every
 * GCS_RD_DROP_BYTES give all its pages back (madvise DONTNEED: they are clean
 * file pages, so they leave our resident set and a later access reads them
 * again from the page cache). The whole mapping, not the range read: the
 * kernel's fault-around maps neighbouring pages, also behind the range.
 * Keeps the RSS of a pass over a 1 GB file at a few MB. No-op for memory
 * images and read() buffers; `len` 0 drops now. */
#define GCS_RD_DROP_BYTES ((uint64_t)2 << 20)
static void
drop_pages(gcs_reader *r, uint64_t len)
{
    if (r->map == NULL)
        return;
    r->touched += len;
    if (len != 0 && r->touched < GCS_RD_DROP_BYTES)
        return;
    r->touched = 0;
    (void)madvise(r->map, r->size, MADV_DONTNEED);
}

static int
reader_scan(gcs_reader *r, const gcs_reader_opts *o)
{
    uint64_t off = r->header_len;
    uint64_t last_progress = 0;
    while (off < r->size) {
        uint64_t next = off, idx_off = UINT64_MAX, idx_len = 0;
        int rc = scan_chunk(r, off, o, &next, &idx_off, &idx_len);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            if (!(o && o->salvage))
                break;
            uint64_t again = resync(r, off + 1);
            if (again == UINT64_MAX)
                break;
            drop_pages(r, again - off);
            off = again;
            continue;
        }
        if (idx_off != UINT64_MAX) {
            if (trailer_ok(r, next, idx_off, idx_len)) {
                r->info.clean_close = !r->damage.damaged;
                off = r->size;
                break;
            }
            if (next < r->size && r->size - next < GCS_TR_TRAILER_LEN) {
                set_damage(r, next, GCS_ETRUNC, "truncated trailer");
                off = r->size;
                break;
            }
            if (next < r->size && memcmp(r->data + next + 16, GCS_TR_TRAILER_MAGIC, 8) == 0) {
                set_damage(r, next, GCS_ECORRUPT, "bad trailer");
                off = r->size;
                break;
            }
        }
        drop_pages(r, next - off);
        off = next;
        if (o && o->progress && off - last_progress >= (1u << 20)) {
            last_progress = off;
            if (o->progress(o->progress_ud, off, r->size))
                return GCS_ECALL;
        }
    }
    drop_pages(r, 0);
    if (o && o->progress && o->progress(o->progress_ud, r->size, r->size))
        return GCS_ECALL;
    r->info.n_chunks = r->n_chunks;
    r->info.file_bytes = r->size;
    return 0;
}

/* {==== Decode thread ====}
 * When events go to a callback (the replay's index build, `leaks`, `info`),
 * opening a big trace runs on two threads: a decode thread does all of
 * reader_scan() -- CRC, decompression, records, damage, the chunk table --
 * while the calling thread gives each decoded chunk's events to on_event.
 * Four buffer sets (events and LABEL texts) rotate: the decode thread fills
 * one while the caller reads the ones published before it, and deliver()
 * hands them over (a ring, so a set is refilled long after the caller read
 * it: fewer cache lines still held by the other core). The
 * string and site pools are written only by the decode thread; what it
 * publishes points at pooled memory that never moves. Callbacks (on_event,
 * progress) run on the calling thread, in the same order and with the same
 * arguments as without the thread; the reader's other fields are read after
 * the join. Same result, bytes and damage either way (test_reader). */
#define RD_PIPE_SETS 4
typedef struct rd_set {
    gcs_event *evs;
    size_t evs_n, evs_cap;
    char *tbuf;
    size_t tbuf_cap;
    uint64_t first, next;
} rd_set;

typedef struct rd_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    gcs_reader *r;
    gcs_reader_opts wo;  /* the decode thread's options: no callbacks */
    uint64_t prod, cons; /* sets published by the decode thread, released by the caller */
    int stop;            /* the caller's callback failed: stop scanning */
    int done, rc;        /* reader_scan returned rc */
    rd_set set[RD_PIPE_SETS];
} rd_pipe;

/* Decode thread: publish the chunk just decoded (r's buffers) as set
 * prod % N, then take the buffers of the next set once the caller has
 * released it. */
static int
pipe_publish(gcs_reader *r, uint64_t next)
{
    rd_pipe *p = r->pipe;
    pthread_mutex_lock(&p->mu);
    rd_set *s = &p->set[p->prod % RD_PIPE_SETS];
    *s = (rd_set){r->evs, r->evs_n, r->evs_cap, r->tbuf, r->tbuf_cap, r->n_events, next};
    p->prod++;
    pthread_cond_broadcast(&p->cv);
    while (p->prod - p->cons >= RD_PIPE_SETS && !p->stop)
        pthread_cond_wait(&p->cv, &p->mu);
    int stop = p->stop;
    rd_set *f = &p->set[p->prod % RD_PIPE_SETS];
    if (stop) { /* the caller is gone: decode into fresh buffers (none follow) */
        r->evs = NULL, r->evs_cap = 0, r->tbuf = NULL, r->tbuf_cap = 0;
    } else {
        r->evs = f->evs, r->evs_cap = f->evs_cap, r->tbuf = f->tbuf, r->tbuf_cap = f->tbuf_cap;
        f->evs = NULL, f->tbuf = NULL, f->evs_cap = f->tbuf_cap = 0;
    }
    pthread_mutex_unlock(&p->mu);
    return stop ? GCS_ECALL : 0;
}

static void *
pipe_main(void *arg)
{
    rd_pipe *p = arg;
    int rc = reader_scan(p->r, &p->wo);
    pthread_mutex_lock(&p->mu);
    p->done = 1;
    p->rc = rc;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Caller: the events of each published set to the callbacks, then release
 * it. Returns 0, or GCS_ECALL when a callback asked to stop. */
static int
pipe_consume(rd_pipe *p, const gcs_reader_opts *o, uint64_t size)
{
    uint64_t last_progress = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->cons == p->prod && !p->done)
            pthread_cond_wait(&p->cv, &p->mu);
        int have = p->cons != p->prod;
        rd_set *s = &p->set[p->cons % RD_PIPE_SETS];
        pthread_mutex_unlock(&p->mu);
        if (!have)
            return 0;
        if (o->bytes_done)
            *o->bytes_done = s->next;
        int stop = give_events(o, s->first, s->evs, s->evs_n) != 0;
        if (!stop && o->progress && s->next - last_progress >= (1u << 20)) {
            last_progress = s->next;
            stop = o->progress(o->progress_ud, s->next, size) != 0;
        }
        pthread_mutex_lock(&p->mu);
        p->cons++;
        p->stop = stop;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (stop)
            return GCS_ECALL;
    }
}

/* GCSCOPE_READER_THREAD: 0 or 1, or -1 when unset (or anything else). */
static int
env_threads(void)
{
    const char *env = getenv("GCSCOPE_READER_THREAD");
    if (env && (strcmp(env, "0") == 0 || strcmp(env, "1") == 0))
        return env[0] == '1';
    return -1;
}

/* The decode thread scans for a callback when asked: opts->decode_thread >
 * 0, or GCSCOPE_READER_THREAD=1 (tests run the replay suite both ways).
 * Until session 5 it was on by default for files of 1 MiB and more; with the
 * cheaper replay model and format 1.2, one thread became the faster: the 50
 * M-event bench trace's index build at 59-60 M events/s against 39-44 with
 * the thread, `gcscope info` 0.67 s against 1.43 s (docs/performance.md). */
static int
want_pipe(const gcs_reader *r, const gcs_reader_opts *o)
{
    if (o == NULL || (o->on_event == NULL && o->on_batch == NULL) || o->decode_thread < 0)
        return 0;
    if (o->decode_thread > 0)
        return 1;
    (void)r; /* opt-in since session 6: see the comment above */
    return env_threads() == 1;
}

/* reader_scan on a decode thread, callbacks here. Falls back to one thread if
 * the thread can't be made. */
static int
reader_scan_piped(gcs_reader *r, const gcs_reader_opts *o)
{
    rd_pipe *p = calloc(1, sizeof *p);
    if (p == NULL)
        return reader_scan(r, o);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->r = r;
    p->wo.salvage = o->salvage;
    r->pipe = p;
    pthread_t thr;
    int rc;
    if (pthread_create(&thr, NULL, pipe_main, p) != 0) {
        r->pipe = NULL;
        rc = reader_scan(r, o);
    } else {
        int crc = pipe_consume(p, o, r->size);
        pthread_join(thr, NULL);
        rc = crc != 0 ? crc : p->rc;
        r->pipe = NULL;
        r->evs_n = 0;
        if (rc == 0 && o->progress && o->progress(o->progress_ud, r->size, r->size))
            rc = GCS_ECALL;
    }
    for (int i = 0; i < RD_PIPE_SETS; i++) {
        free(p->set[i].evs);
        free(p->set[i].tbuf);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return rc;
}

static int
reader_new(const char *name, gcs_reader **out)
{
    gcs_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return GCS_ENOMEM;
    r->name = strdup(name ? name : "<memory>");
    if (r->name == NULL) {
        free(r);
        return GCS_ENOMEM;
    }
    r->cached = SIZE_MAX;
    r->last_loaded = SIZE_MAX;
    r->as_v1_1 = gcs_reader_test_as_v1_1_;
    *out = r;
    return 0;
}

static int
reader_finish_open(gcs_reader *r, const gcs_reader_opts *o, gcs_reader **out)
{
    open_err[0] = 0;
    int rc = parse_header(r);
    if (rc == 0) {
        rc = want_pipe(r, o) ? reader_scan_piped(r, o) : reader_scan(r, o);
        if (rc == GCS_ENOMEM)
            open_fail(r, rc, "out of memory");
        else if (rc == GCS_ECALL)
            open_fail(r, rc, "cancelled");
    }
    if (rc != 0) {
        gcs_reader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

int
gcs_reader_open_mem(const void *data, size_t len, const char *name, const gcs_reader_opts *opts,
                    gcs_reader **out)
{
    if (out == NULL)
        return GCS_EINVAL;
    *out = NULL;
    if (data == NULL && len != 0)
        return GCS_EINVAL;
    gcs_reader *r;
    if (reader_new(name, &r) != 0)
        return GCS_ENOMEM;
    r->data = data ? data : (const uint8_t *)"";
    r->size = len;
    return reader_finish_open(r, opts, out);
}

static int
read_all(int fd, uint8_t **buf, size_t *len)
{
    size_t cap = 65536, n = 0;
    uint8_t *b = malloc(cap);
    if (b == NULL)
        return GCS_ENOMEM;
    for (;;) {
        if (n == cap) {
            uint8_t *nb = realloc(b, cap * 2);
            if (nb == NULL) {
                free(b);
                return GCS_ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        ssize_t k = read(fd, b + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            free(b);
            return GCS_EIO;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* Map (or, for a pipe or where mmap fails, read) the file at `path` into r:
 * 0, or GCS_EIO / GCS_ENOMEM with the open error message set. */
static int
reader_map_path(gcs_reader *r, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return open_fail(r, GCS_EIO, "%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            r->map = m;
            r->data = m;
            r->size = (size_t)st.st_size;
        }
    }
    int rc = 0;
    if (r->map == NULL) {
        rc = read_all(fd, &r->owned, &r->size);
        if (rc != 0)
            open_fail(r, rc, "%s", rc == GCS_EIO ? strerror(errno) : "out of memory");
        r->data = r->owned;
    }
    close(fd);
    return rc;
}

int
gcs_reader_open(const char *path, const gcs_reader_opts *opts, gcs_reader **out)
{
    if (out == NULL)
        return GCS_EINVAL;
    *out = NULL;
    if (path == NULL)
        return GCS_EINVAL;
    gcs_reader *r;
    if (reader_new(path, &r) != 0)
        return GCS_ENOMEM;
    int rc = reader_map_path(r, path);
    if (rc != 0) {
        gcs_reader_close(r);
        return rc;
    }
    return reader_finish_open(r, opts, out);
}

static void pf_stop(gcs_reader *r);

void
gcs_reader_close(gcs_reader *r)
{
    if (r == NULL)
        return;
    pf_stop(r); /* first: the thread may be decoding into the pools */
    if (r->map)
        munmap(r->map, r->size);
    free(r->owned);
    while (r->arena) {
        arena_blk *n = r->arena->next;
        free(r->arena);
        r->arena = n;
    }
    free(r->pool);
    free(r->spool);
    ZSTD_freeDCtx(r->dz);
    free(r->raw);
    free(r->lstr);
    free(r->tbuf);
    free(r->lsite);
    free(r->ixslot);
    free(r->evs);
    free(r->vevs);
    free(r->vtbuf);
    free(r->chunks);
    free(r->name);
    free(r);
}

/* {==== Access ====} */

uint64_t
gcs_reader_n_events(const gcs_reader *r)
{
    return r ? r->n_events : 0;
}

/* Chunk holding event i (i < n_events). */
static size_t
find_chunk(const gcs_reader *r, uint64_t i)
{
    size_t lo = 0, hi = r->n_chunks;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->chunks[mid].first_event <= i)
            lo = mid;
        else
            hi = mid;
    }
    while (lo + 1 < r->n_chunks && r->chunks[lo].n_events == 0)
        lo++;
    return lo;
}

/* {==== Prefetch ====}
 * Reading forward chunk after chunk (the replay applying events, `dump`,
 * playback) decodes each chunk once, in order. When chunk k is loaded right
 * after chunk k-1, a prefetch thread decodes chunk k+1 while the caller works
 * on k; loading k+1 then only swaps buffers. One decoder runs at a time: the
 * caller waits for the thread before decoding itself, and the thread decodes
 * into r->evs/r->tbuf while the caller reads the view (vevs/vtbuf). The
 * string pools only grow, so pointers the caller holds stay valid.
 * Opt-in (GCSCOPE_READER_THREAD=1): on this project's 2-vCPU machine it did
 * not pay -- replaying forward in moves of 4096 events ran at 40-47 M
 * events/s with it against 53-56 without (docs/performance.md): per event
 * the caller does too little for the handover and the cache lines crossing
 * cores to be repaid. The open pass's decode thread (above) does pay. */
enum { PF_IDLE, PF_BUSY, PF_READY, PF_QUIT };
typedef struct rd_pf {
    pthread_t thr;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state;
    size_t k; /* chunk asked for (BUSY) or decoded (READY) */
    int rc;   /* decode result when READY */
} rd_pf;

static int
load_error(const dec_err *e)
{
    return e->code == GCS_ENOMEM ? GCS_ENOMEM : GCS_ECORRUPT; /* validated at open */
}

static void *
pf_main(void *arg)
{
    gcs_reader *r = arg;
    rd_pf *pf = r->pf;
    pthread_mutex_lock(&pf->mu);
    for (;;) {
        while (pf->state != PF_BUSY && pf->state != PF_QUIT)
            pthread_cond_wait(&pf->cv, &pf->mu);
        if (pf->state == PF_QUIT)
            break;
        size_t k = pf->k;
        pthread_mutex_unlock(&pf->mu);
        dec_err e = {{0}, 0};
        int rc = decode_chunk(r, r->data + r->chunks[k].offset, &e, NULL);
        pthread_mutex_lock(&pf->mu);
        pf->rc = rc != 0 ? load_error(&e) : 0;
        pf->state = PF_READY;
        pthread_cond_broadcast(&pf->cv);
    }
    pthread_mutex_unlock(&pf->mu);
    return NULL;
}

/* Wait until the thread is not decoding (then its fields are ours to read). */
static void
pf_settle(rd_pf *pf)
{
    pthread_mutex_lock(&pf->mu);
    while (pf->state == PF_BUSY)
        pthread_cond_wait(&pf->cv, &pf->mu);
    pthread_mutex_unlock(&pf->mu);
}

/* Ask for chunk k (the thread is settled). Starts the thread on first use;
 * without it (too small a file, or no thread), nothing happens. */
static void
pf_kick(gcs_reader *r, size_t k)
{
    if (r->pf == NULL) {
        if (env_threads() != 1 /* opt-in: see the section comment */ ||
            (r->pf = calloc(1, sizeof *r->pf)) == NULL)
            return;
        pthread_mutex_init(&r->pf->mu, NULL);
        pthread_cond_init(&r->pf->cv, NULL);
        if (pthread_create(&r->pf->thr, NULL, pf_main, r) != 0) {
            pthread_cond_destroy(&r->pf->cv);
            pthread_mutex_destroy(&r->pf->mu);
            free(r->pf);
            r->pf = NULL;
            return;
        }
    }
    pthread_mutex_lock(&r->pf->mu);
    r->pf->k = k;
    r->pf->state = PF_BUSY;
    pthread_cond_broadcast(&r->pf->cv);
    pthread_mutex_unlock(&r->pf->mu);
}

static void
pf_stop(gcs_reader *r)
{
    rd_pf *pf = r->pf;
    if (pf == NULL)
        return;
    pf_settle(pf);
    pthread_mutex_lock(&pf->mu);
    pf->state = PF_QUIT;
    pthread_cond_broadcast(&pf->cv);
    pthread_mutex_unlock(&pf->mu);
    pthread_join(pf->thr, NULL);
    pthread_cond_destroy(&pf->cv);
    pthread_mutex_destroy(&pf->mu);
    free(pf);
    r->pf = NULL;
}

/* The decoder's output becomes the view (chunk k); the old view's buffers
 * become the decoder's. */
static void
view_take(gcs_reader *r, size_t k)
{
    gcs_event *e = r->vevs;
    size_t ec = r->vevs_cap, tc = r->vtbuf_cap;
    char *t = r->vtbuf;
    r->vevs = r->evs, r->vevs_cap = r->evs_cap, r->vevs_n = r->evs_n;
    r->vtbuf = r->tbuf, r->vtbuf_cap = r->tbuf_cap;
    r->evs = e, r->evs_cap = ec, r->evs_n = 0;
    r->tbuf = t, r->tbuf_cap = tc, r->tbuf_n = 0;
    r->cached = k;
    r->cached_first = r->chunks[k].first_event;
}

/* Make chunk k the one in the view: from the prefetch thread if it decoded
 * it, else decoded here. Loading k right after k-1 asks the thread for k+1. */
static int
reader_load_chunk(gcs_reader *r, size_t k)
{
    if (r->cached == k)
        return 0;
    int rc = -1;
    if (r->pf) {
        pf_settle(r->pf);
        if (r->pf->state == PF_READY && r->pf->k == k)
            rc = r->pf->rc;
        r->pf->state = PF_IDLE;
    }
    if (rc < 0) {
        dec_err e = {{0}, 0};
        rc = decode_chunk(r, r->data + r->chunks[k].offset, &e, NULL) != 0 ? load_error(&e) : 0;
    }
    drop_pages(r, GCS_TR_CHUNK_HDR + (uint64_t)r->chunks[k].stored);
    if (rc == 0 && r->evs_n != r->chunks[k].n_events)
        rc = GCS_ECORRUPT; /* a chunk table imported from an index that lies (table_install) */
    if (rc != 0)
        return rc;
    view_take(r, k);
    if (k == r->last_loaded + 1 && k + 1 < r->n_chunks)
        pf_kick(r, k + 1);
    r->last_loaded = k;
    return 0;
}

int
gcs_reader_event(gcs_reader *r, uint64_t index, gcs_event *ev)
{
    if (r == NULL || ev == NULL)
        return GCS_EINVAL;
    if (r->cached != SIZE_MAX && index - r->cached_first < r->vevs_n) { /* the decoded chunk */
        *ev = r->vevs[index - r->cached_first];
        return 0;
    }
    memset(ev, 0, sizeof *ev);
    if (index >= r->n_events)
        return GCS_EINDEX;
    size_t k = find_chunk(r, index);
    int rc = reader_load_chunk(r, k);
    if (rc != 0)
        return rc;
    uint64_t j = index - r->chunks[k].first_event;
    if (j >= r->vevs_n)
        return GCS_ECORRUPT;
    *ev = r->vevs[j];
    return 0;
}

int
gcs_reader_rewind(gcs_reader *r, uint64_t index)
{
    if (r == NULL)
        return GCS_EINVAL;
    r->next = index > r->n_events ? r->n_events : index;
    return 0;
}

int
gcs_reader_next(gcs_reader *r, gcs_event *ev)
{
    if (r == NULL || ev == NULL)
        return GCS_EINVAL;
    if (r->next >= r->n_events)
        return 0;
    uint64_t j = r->next - r->cached_first;
    if (r->cached != SIZE_MAX && j < r->vevs_n) { /* in the decoded chunk */
        *ev = r->vevs[j];
        r->next++;
        return 1;
    }
    int rc = gcs_reader_event(r, r->next, ev);
    if (rc != 0)
        return rc;
    r->next++;
    return 1;
}

const gcs_event *
gcs_reader_chunk_events_(gcs_reader *r, uint64_t index, size_t *n, uint64_t *first)
{
    if (index >= r->n_events)
        return NULL;
    if (r->cached == SIZE_MAX || index - r->cached_first >= r->vevs_n) {
        size_t k = find_chunk(r, index);
        if (reader_load_chunk(r, k) != 0)
            return NULL;
    }
    *n = r->vevs_n;
    *first = r->cached_first;
    return r->vevs;
}

void
gcs_reader_info(const gcs_reader *r, gcs_trace_info *out)
{
    if (r)
        *out = r->info;
    else
        memset(out, 0, sizeof *out);
}

void
gcs_reader_damage(const gcs_reader *r, gcs_trace_damage *out)
{
    if (r)
        *out = r->damage;
    else
        memset(out, 0, sizeof *out);
}

const char *
gcs_reader_errmsg(const gcs_reader *r)
{
    return r ? r->errmsg : "";
}

size_t
gcs_reader_index_bytes_(const gcs_reader *r)
{
    return r->n_chunks * sizeof(rd_chunk);
}

size_t
gcs_reader_pool_bytes_(const gcs_reader *r)
{
    size_t n = r->pool_cap * sizeof(pool_ent) + r->spool_cap * sizeof(site_pent);
    for (const arena_blk *b = r->arena; b; b = b->next)
        n += sizeof *b + b->cap;
    return n;
}

/* {==== Chunk table export / import (the replay's sidecar index) ====}
 * The replay's index cache (src/replay/index_cache.c) saves what the open
 * pass found -- the chunk table and the file facts -- and a later open of the
 * unchanged file installs it instead of scanning. Import trusts nothing: the
 * header is parsed (and CRC-checked) again, and every chunk of the table must
 * lie inside the file, after the previous one, with a chunk header whose
 * magic, lengths, codec, kind, event count and CRC field match the table. */

void
gcs_reader_table_(const gcs_reader *r, gcs_reader_table *out)
{
    memset(out, 0, sizeof *out);
    out->info = r->info;
    out->header_len = r->header_len;
    out->n_events = r->n_events;
    out->writer_events = r->writer_events;
    out->n_chunks = r->n_chunks;
}

int
gcs_reader_chunk_rec_(gcs_reader *r, size_t k, gcs_reader_chunk_rec *out)
{
    if (k >= r->n_chunks)
        return GCS_EINDEX;
    const rd_chunk *c = &r->chunks[k];
    uint32_t crc = gcs_get_le32(r->data + c->offset + 36);
    *out = (gcs_reader_chunk_rec){c->offset, c->stored, c->raw, c->codec, c->n_events, crc};
    drop_pages(r, GCS_TR_CHUNK_HDR + (uint64_t)c->stored); /* reading every header: as a scan */
    return 0;
}

/* Does table chunk c match the chunk header in the file, after `prev_end`? */
static int
table_chunk_ok(const gcs_reader *r, const gcs_reader_chunk_rec *c, uint64_t prev_end)
{
    if (c->offset < prev_end || c->offset > r->size || r->size - c->offset < GCS_TR_CHUNK_HDR)
        return 0;
    if (c->stored > GCS_TR_MAX_CHUNK || c->raw > GCS_TR_MAX_CHUNK ||
        c->stored > r->size - c->offset - GCS_TR_CHUNK_HDR)
        return 0;
    if (c->codec != GCS_TR_CODEC_NONE && c->codec != GCS_TR_CODEC_ZSTD)
        return 0;
    if (c->codec == GCS_TR_CODEC_NONE && c->stored != c->raw)
        return 0;
    const uint8_t *h = r->data + c->offset;
    return gcs_get_le32(h) == GCS_TR_CHUNK_MAGIC && gcs_get_le32(h + 4) == c->stored &&
           gcs_get_le32(h + 8) == c->raw && h[12] == GCS_TR_KIND_EVENTS && h[13] == c->codec &&
           gcs_get_le32(h + 36) == c->crc && c->n_events <= gcs_get_le32(h + 32);
}

/* Install table t into r (its header parsed): 0, GCS_ECORRUPT if t does not
 * describe this file, GCS_ENOMEM. */
static int
table_install(gcs_reader *r, const gcs_reader_table *t, const gcs_reader_chunk_rec *ch)
{
    const gcs_trace_info *a = &r->info, *b = &t->info;
    if (t->info.file_bytes != r->size || t->header_len != r->header_len ||
        a->version_major != b->version_major || a->version_minor != b->version_minor ||
        a->flags != b->flags || a->writer_pid != b->writer_pid ||
        a->start_unix_ns != b->start_unix_ns || a->gc_flags != b->gc_flags ||
        memcmp(a->thresholds, b->thresholds, sizeof a->thresholds) != 0 ||
        t->n_chunks > r->size / GCS_TR_CHUNK_HDR)
        return GCS_ECORRUPT;
    if (t->n_chunks &&
        grow_array((void **)&r->chunks, &r->chunks_cap, t->n_chunks, sizeof *r->chunks) != 0)
        return GCS_ENOMEM;
    uint64_t end = r->header_len, first = 0, writer = 0, raw = 0, stored = 0;
    for (size_t k = 0; k < t->n_chunks; k++) {
        const gcs_reader_chunk_rec *c = &ch[k];
        if (!table_chunk_ok(r, c, end))
            return GCS_ECORRUPT;
        r->chunks[k] = (rd_chunk){.offset = c->offset,
                                  .first_event = first,
                                  .stored = c->stored,
                                  .raw = c->raw,
                                  .n_events = c->n_events,
                                  .codec = c->codec};
        first += c->n_events;
        writer += gcs_get_le32(r->data + c->offset + 32);
        drop_pages(r, GCS_TR_CHUNK_HDR + (uint64_t)c->stored); /* as a scan: bounded RSS */
        raw += c->raw;
        stored += c->stored;
        end = c->offset + GCS_TR_CHUNK_HDR + c->stored;
    }
    if (first != t->n_events || writer != t->writer_events)
        return GCS_ECORRUPT;
    if (t->info.clean_close) { /* the trailer is where the table says the file ends */
        const uint8_t *tr = r->data + r->size - GCS_TR_TRAILER_LEN;
        if (r->size < (uint64_t)r->header_len + GCS_TR_TRAILER_LEN ||
            memcmp(tr + 16, GCS_TR_TRAILER_MAGIC, 8) != 0 ||
            gcs_get_le32(tr + 12) != gcs_crc32c(0, tr, 12))
            return GCS_ECORRUPT;
    }
    const char *rs = b->recorder ? b->recorder : "", *cs = b->cmdline ? b->cmdline : "";
    const char *rec = gcs_reader_intern_(r, rs, strlen(rs));
    const char *cmd = gcs_reader_intern_(r, cs, strlen(cs));
    if (rec == NULL || cmd == NULL)
        return GCS_ENOMEM;
    r->n_chunks = t->n_chunks;
    r->n_events = first;
    r->writer_events = writer;
    r->info.recorder = rec;
    r->info.cmdline = cmd;
    r->info.n_chunks = t->n_chunks;
    r->info.last_t_ns = b->last_t_ns;
    r->info.clean_close = b->clean_close;
    r->info.unknown_skipped = b->unknown_skipped;
    r->info.raw_bytes = raw;
    r->info.stored_bytes = stored;
    r->info.file_bytes = r->size;
    return 0;
}

int
gcs_reader_open_table_(const char *path, const gcs_reader_table *t,
                       const gcs_reader_chunk_rec *chunks, gcs_reader **out)
{
    if (out == NULL || path == NULL || t == NULL || (chunks == NULL && t->n_chunks))
        return GCS_EINVAL;
    *out = NULL;
    gcs_reader *r;
    if (reader_new(path, &r) != 0)
        return GCS_ENOMEM;
    open_err[0] = 0;
    int rc = reader_map_path(r, path);
    if (rc == 0)
        rc = parse_header(r);
    if (rc == 0)
        rc = table_install(r, t, chunks);
    if (rc != 0) {
        gcs_reader_close(r);
        return rc;
    }
    drop_pages(r, 0);
    *out = r;
    return 0;
}

void
gcs_reader_sites_each_(const gcs_reader *r, void (*fn)(void *ud, const gcs_site *s), void *ud)
{
    for (size_t i = 0; i < r->spool_cap; i++)
        if (r->spool[i].site)
            fn(ud, r->spool[i].site);
}

const gcs_site *
gcs_reader_site_intern_(gcs_reader *r, const char *file, const char *func, int line)
{
    return site_intern(r, file, func, line);
}
