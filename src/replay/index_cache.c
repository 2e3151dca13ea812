/* src/replay/index_cache.c — the sidecar index cache (index_cache.h; layout
 * in docs/trace-format.md, "Sidecar index (.gcsidx)"). Start at gcs_idx_save
 * (what goes in) and gcs_idx_load (what is checked before anything is used).
 * The file is untrusted input: a header with magic, format, build fingerprint
 * and CRC32C over everything, then one varint stream read through a bounded
 * cursor (gcs_rd); the trace's identity (size, mtime, inode, device, CRCs of
 * its first 4 KiB and last 64 KiB) must match the file now, and the reader
 * re-checks every chunk header against the table (gcs_reader_open_table_).
 * Keyframes are stored portable (pointers replaced by string-table numbers,
 * see index_cache.h) and made real on first restore (gcs_idx_translate). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "gcscope/runtime.h"
#include "index_cache.h"
#include "model.h"
#include "trace/reader_int.h"
#include "trace/trace_int.h"

#define IDX_MAGIC      "GCSINDX" /* 8 bytes with the NUL */
#define IDX_HDR        32u
#define IDX_HEAD_BYTES 4096u
#define IDX_TAIL_BYTES 65536u
#define IDX_END        0x444e45u /* "END": last varint of the body */

/* What else must match for an index to be used: the library version, the id
 * of the reader's and the model's sources (a development build from other
 * sources of the same version rebuilds the index), the trace format this
 * reader reads (a reader that decodes more record kinds counts other events)
 * and the event table. */
#define IDX_STR_(x)       #x
#define IDX_STR(x)        IDX_STR_(x)
#define IDX_TRACE_VERSION IDX_STR(GCS_TRACE_VERSION_MAJOR) "." IDX_STR(GCS_TRACE_VERSION_MINOR)

#if defined(__has_include)
#if __has_include("gcs_source_id.h")
#include "gcs_source_id.h" /* generated: the sources' id (cmake/source_id.cmake) */
#endif
#endif
#ifndef GCS_SOURCE_ID
#define GCS_SOURCE_ID "unknown"
#endif

#define X(NAME, name, code, FIELDS, doc) #name ":" #code ","
static const char build_id[] = GCS_VERSION_STRING
    " sources " GCS_SOURCE_ID " trace " IDX_TRACE_VERSION " events " GCS_EVENT_MAP(X);
#undef X

/* String-table entry kinds: a string of the reader's pool, a site, or one
 * of the model's own literals ("?" for an unknown type or frame name, "" for
 * a marker without text), which must come back as this process's literal. */
enum { ENT_STR = 0, ENT_SITE = 1, ENT_LIT = 2 };
#define STRLIKE  ((1u << ENT_STR) | (1u << ENT_LIT))
#define MAX_LITS 8

/* {==== Small helpers ====} */

int
gcs_idx_mode(int opt)
{
    if (opt != 0)
        return opt > 0 ? 2 : 0;
    const char *env = getenv("GCSCOPE_INDEX_CACHE");
    return env && strcmp(env, "0") == 0 ? 0 : 1;
}

static int
pread_all(int fd, uint8_t *b, size_t n, uint64_t off)
{
    while (n) {
        ssize_t k = pread(fd, b, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return GCS_EIO;
        b += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

int
gcs_idx_ident_of(const char *path, gcs_idx_ident *out)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return GCS_EIO;
    struct stat st;
    static uint8_t none[1];
    uint8_t *b = malloc(IDX_TAIL_BYTES);
    int rc = b && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? 0 : GCS_EIO;
    if (rc == 0) {
        uint64_t size = (uint64_t)st.st_size;
        size_t head = size < IDX_HEAD_BYTES ? (size_t)size : IDX_HEAD_BYTES;
        size_t tail = size < IDX_TAIL_BYTES ? (size_t)size : IDX_TAIL_BYTES;
        *out = (gcs_idx_ident){size,
                               (uint64_t)st.st_mtim.tv_sec,
                               (uint64_t)st.st_mtim.tv_nsec,
                               (uint64_t)st.st_ctim.tv_sec,
                               (uint64_t)st.st_ctim.tv_nsec,
                               (uint64_t)st.st_ino,
                               (uint64_t)st.st_dev,
                               0,
                               0};
        rc = pread_all(fd, b, head, 0);
        out->head_crc = gcs_crc32c(0, head ? b : none, head);
        if (rc == 0)
            rc = pread_all(fd, b, tail, size - tail);
        out->tail_crc = gcs_crc32c(0, tail ? b : none, tail);
    }
    free(b);
    close(fd);
    return rc;
}

/* {==== The model probe: literals and the snapshot fingerprint ====} */

/* A small model touching every part of a snapshot: a placeholder object, an
 * ALLOC without type, a typed object with a label, a reference, a weakref, a
 * frame made by a variable, a FRAME_PUSH without name, a MARKER without text,
 * a collector pass in progress. */
static int
probe_model(gcs_model *m)
{
    long th[3] = {700, 10, 10};
    gcs_model_init(m, 5000, th, true, 0);
    gcs_event ev[12];
    memset(ev, 0, sizeof ev);
    ev[0].kind = GCS_EV_INCREF, ev[0].u.incref.obj = 1, ev[0].u.incref.refcnt = 2;
    ev[1].kind = GCS_EV_ALLOC, ev[1].u.alloc.obj = 2;
    ev[2].kind = GCS_EV_VAR_SET, ev[2].u.var_set.frame = 7, ev[2].u.var_set.name = "x";
    ev[2].u.var_set.obj = 2;
    ev[3].kind = GCS_EV_FRAME_PUSH, ev[3].u.frame_push.frame = 8;
    ev[4].kind = GCS_EV_MARKER;
    ev[5].kind = GCS_EV_ALLOC, ev[5].u.alloc.obj = 3, ev[5].u.alloc.type = "T";
    ev[6].kind = GCS_EV_LABEL, ev[6].u.label.obj = 3, ev[6].u.label.text = "lbl";
    ev[7].kind = GCS_EV_REF_SET, ev[7].u.ref_set.src = 3, ev[7].u.ref_set.slot = ".a";
    ev[7].u.ref_set.dst = 2;
    ev[8].kind = GCS_EV_ALLOC, ev[8].u.alloc.obj = 4, ev[8].u.alloc.type = "W";
    ev[9].kind = GCS_EV_WEAKREF_NEW, ev[9].u.weakref_new.wr = 4;
    ev[9].u.weakref_new.referent = 3;
    ev[10].kind = GCS_EV_GC_BEGIN, ev[10].u.gc_begin.gen = 2;
    ev[11].kind = GCS_EV_GC_REFS, ev[11].u.gc_refs.obj = 3, ev[11].u.gc_refs.refs = 1;
    return gcs_model_apply_n(m, ev, 12);
}

/* The string literals the model stores instead of a trace string ("?" for
 * an unknown type or frame name, "" for a marker without text), as the probe
 * makes it use them. Distinct pointers, in probe order: the same build gives
 * the same order, so an index names a literal by its rank. */
static size_t
model_literals(const void *out[MAX_LITS])
{
    gcs_model m;
    const void *cand[8] = {0};
    size_t nc = 0, n = 0;
    if (probe_model(&m) == 0) {
        for (uint64_t id = 1; id <= 2; id++) {
            uint32_t h = gcs_model_find(&m, id);
            if (h != M_NIL)
                cand[nc++] = gcs_str_ptr(&m, gcs_model_obj(&m, h)->type);
        }
        for (size_t i = 0; i < m.n_frames && nc < 6; i++)
            cand[nc++] = m.frames[i].name;
        cand[nc++] = m.last_marker;
    }
    for (size_t i = 0; i < nc; i++) {
        size_t j = 0;
        while (j < n && out[j] != cand[i])
            j++;
        if (cand[i] && j == n && n < MAX_LITS)
            out[n++] = cand[i];
    }
    gcs_model_fini(&m);
    return n;
}

/* A fingerprint of this build's snapshot layout: the CRC32C of the probe
 * model's snapshot, saved with every pointer replaced by a small number (so
 * it is the same in every process of this build), mixed with
 * GCS_MODEL_SNAPSHOT_VERSION when model.h defines one. An index from a build
 * whose snapshots differ is not loaded (the header check). */
static uint32_t
snapshot_fingerprint(void)
{
    gcs_model m;
    uint32_t crc = 0;
    const void **fake = NULL;
    uint8_t *b = NULL;
    size_t len = 0;
    if (probe_model(&m) == 0 && (fake = malloc(((size_t)m.str.n + 1) * sizeof *fake)) != NULL) {
        for (uint32_t id = 0; id < m.str.n; id++)
            fake[id] = (const void *)(uintptr_t)id;
        for (size_t i = 0; i < m.n_frames; i++) {
            m.frames[i].name = (const char *)(uintptr_t)(i + 1);
            for (size_t k = 0; k < m.frames[i].n_vars; k++)
                m.frames[i].vars[k].name = (const char *)(uintptr_t)(k + 1);
        }
        m.last_marker = (const char *)(uintptr_t)1;
        const void **real = m.str.v;
        m.str.v = fake;
        if (gcs_model_save(&m, &b, &len) == 0)
            crc = gcs_crc32c(0, b, len);
        m.str.v = real;
    }
#ifdef GCS_MODEL_SNAPSHOT_VERSION
    crc ^= (uint32_t)(GCS_MODEL_SNAPSHOT_VERSION)*0x9E3779B1u;
#endif
    free(b);
    free(fake);
    gcs_model_fini(&m);
    return crc;
}

static char *
idx_path(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    char *p = malloc(n + k + 1);
    if (p) {
        memcpy(p, path, n);
        memcpy(p + n, suffix, k + 1);
    }
    return p;
}

/* {==== Writing: a growing buffer ====} */

typedef struct wbuf {
    uint8_t *b;
    size_t n, cap;
    int oom;
} wbuf;

static uint8_t *
wb_room(wbuf *w, size_t k)
{
    if (w->oom || gcs_model_grow((void **)&w->b, &w->cap, w->n + k, 1) != 0) {
        w->oom = 1;
        return NULL;
    }
    return w->b + w->n;
}

static void
wb_uv(wbuf *w, uint64_t v)
{
    uint8_t *p = wb_room(w, 10);
    if (p)
        w->n += gcs_put_uv(p, v);
}

static void
wb_sv(wbuf *w, int64_t v)
{
    wb_uv(w, gcs_zigzag(v));
}

static void
wb_bytes(wbuf *w, const void *s, size_t n)
{
    wb_uv(w, n);
    uint8_t *p = wb_room(w, n);
    if (p && n) {
        memcpy(p, s, n);
        w->n += n;
    }
}

/* {==== Writing: the portable string table ====}
 * Every string and site pointer met (in keyframes, timelines, reader facts)
 * gets an entry; a pointer is written as its entry's number + 1 (0: NULL). */

typedef struct ptab {
    const void **ent; /* entry k: the pointer */
    uint8_t *kind;
    size_t n, cap, kcap;
    const void **hk; /* pointer -> entry + 1 (hv), open addressing */
    uint32_t *hv;
    size_t hcap;
    const void **sites; /* the reader's sites (a set) */
    size_t scap;
    const void *lits[MAX_LITS]; /* the model's literals (model_literals) */
    size_t n_lits;
    int oom;
} ptab;

static size_t
ptr_hash(const void *p, size_t mask)
{
    uint64_t x = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL;
    return (size_t)(x ^ (x >> 31)) & mask;
}

static void
site_add(void *ud, const gcs_site *s)
{
    ptab *t = ud;
    size_t j = ptr_hash(s, t->scap - 1);
    while (t->sites[j])
        j = (j + 1) & (t->scap - 1);
    t->sites[j] = s;
}

static int
is_site(const ptab *t, const void *p)
{
    for (size_t j = ptr_hash(p, t->scap - 1); t->sites[j]; j = (j + 1) & (t->scap - 1))
        if (t->sites[j] == p)
            return 1;
    return 0;
}

static void
site_count(void *ud, const gcs_site *s)
{
    (void)s;
    (*(size_t *)ud)++;
}

static int
ptab_init(ptab *t, gcs_reader *rd)
{
    memset(t, 0, sizeof *t);
    size_t n = 0, cap = 16;
    gcs_reader_sites_each_(rd, site_count, &n);
    while (cap < 2 * n + 2)
        cap *= 2;
    if ((t->sites = calloc(cap, sizeof *t->sites)) == NULL)
        return GCS_ENOMEM;
    t->scap = cap;
    gcs_reader_sites_each_(rd, site_add, t);
    t->n_lits = model_literals(t->lits);
    return 0;
}

static int
ptab_rehash(ptab *t)
{
    size_t cap = t->hcap ? t->hcap * 2 : 1024;
    const void **hk = calloc(cap, sizeof *hk);
    uint32_t *hv = calloc(cap, sizeof *hv);
    if (hk == NULL || hv == NULL) {
        free(hk);
        free(hv);
        return GCS_ENOMEM;
    }
    for (size_t i = 0; i < t->hcap; i++) {
        if (t->hk[i] == NULL)
            continue;
        size_t j = ptr_hash(t->hk[i], cap - 1);
        while (hk[j])
            j = (j + 1) & (cap - 1);
        hk[j] = t->hk[i];
        hv[j] = t->hv[i];
    }
    free(t->hk);
    free(t->hv);
    t->hk = hk;
    t->hv = hv;
    t->hcap = cap;
    return 0;
}

/* Number (entry + 1) of pointer p, adding it (and a site's strings); 0 for
 * NULL and on ENOMEM (t->oom set). */
static uint64_t
ptab_ref(ptab *t, const void *p)
{
    if (p == NULL || t->oom)
        return 0;
    if ((t->n + 1) * 2 > t->hcap && ptab_rehash(t) != 0) {
        t->oom = 1;
        return 0;
    }
    size_t j = ptr_hash(p, t->hcap - 1);
    for (; t->hk[j]; j = (j + 1) & (t->hcap - 1))
        if (t->hk[j] == p)
            return t->hv[j];
    if (gcs_model_grow((void **)&t->ent, &t->cap, t->n + 1, sizeof *t->ent) ||
        gcs_model_grow((void **)&t->kind, &t->kcap, t->n + 1, 1)) {
        t->oom = 1;
        return 0;
    }
    int site = is_site(t, p), lit = 0;
    for (size_t i = 0; i < t->n_lits; i++)
        lit |= t->lits[i] == p;
    t->ent[t->n] = p;
    t->kind[t->n] = site ? ENT_SITE : lit ? ENT_LIT : ENT_STR;
    t->hk[j] = p;
    t->hv[j] = (uint32_t)++t->n;
    uint64_t num = t->n;
    if (site) { /* its strings get entries too (after it: the loader takes two passes) */
        const gcs_site *s = p;
        (void)ptab_ref(t, s->file);
        (void)ptab_ref(t, s->func);
    }
    return num;
}

static void
ptab_free(ptab *t)
{
    free(t->ent);
    free(t->kind);
    free(t->hk);
    free(t->hv);
    free(t->sites);
}

static void
wb_table(wbuf *w, ptab *t)
{
    wb_uv(w, t->n);
    for (size_t k = 0; k < t->n; k++) {
        wb_uv(w, t->kind[k]);
        if (t->kind[k] != ENT_SITE) {
            const char *s = t->ent[k];
            if (t->kind[k] == ENT_LIT) {
                size_t j = 0;
                while (t->lits[j] != s)
                    j++;
                wb_uv(w, j);
            }
            wb_bytes(w, s, strlen(s)); /* as the API gives it: a C string */
        } else {
            const gcs_site *s = t->ent[k];
            wb_uv(w, ptab_ref(t, s->file));
            wb_uv(w, ptab_ref(t, s->func));
            wb_sv(w, s->line);
        }
    }
}

/* {==== Writing: keyframes made portable ====}
 * A keyframe is loaded into a scratch model (its pointers are valid here),
 * then saved again with the model's string table swapped for one of portable
 * numbers, and frame, variable and marker names replaced in place (the next
 * load overwrites them). */

/* Keyframe conversion: decompress, map the pointer fields to portable numbers
 * (gcs_snapshot_map_ptrs: one pass, no model, its own cache of answers),
 * compress. */
typedef struct conv {
    ptab *t;
    ZSTD_DCtx *dz;
    ZSTD_CCtx *zc;
    uint8_t *raw, *snap, *z;
    size_t raw_cap, snap_cap, z_cap;
} conv;

static int
to_portable(void *ud, int kind, uint64_t v, uint64_t *out)
{
    (void)kind;
    conv *c = ud;
    *out = ptab_ref(c->t, (const void *)(uintptr_t)v);
    return c->t->oom ? GCS_ENOMEM : 0;
}

/* Keyframe k, portable, appended to w (pos, raw length, zstd frame). */
static int
kf_portable(conv *c, const gcs_idx_kf *k, wbuf *w)
{
    if (gcs_model_grow((void **)&c->raw, &c->raw_cap, k->raw_len + 1, 1))
        return GCS_ENOMEM;
    size_t n = ZSTD_decompressDCtx(c->dz, c->raw, c->raw_cap, k->data, k->len);
    if (ZSTD_isError(n) || n != k->raw_len)
        return GCS_ECORRUPT;
    size_t len = 0;
    uint64_t pos = 0;
    int rc = gcs_snapshot_map_ptrs(c->raw, n, to_portable, c, &c->snap, &c->snap_cap, &len, &pos);
    if (rc != 0 || gcs_model_grow((void **)&c->z, &c->z_cap, ZSTD_compressBound(len), 1))
        return rc ? rc : GCS_ENOMEM;
    size_t zn = ZSTD_compressCCtx(c->zc, c->z, c->z_cap, c->snap, len, 1);
    if (ZSTD_isError(zn))
        return GCS_ENOMEM;
    wb_uv(w, k->pos);
    wb_uv(w, len);
    wb_bytes(w, c->z, zn);
    return w->oom ? GCS_ENOMEM : 0;
}

static int
conv_init(conv *c, ptab *t)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    c->dz = ZSTD_createDCtx();
    c->zc = ZSTD_createCCtx();
    return c->dz && c->zc ? 0 : GCS_ENOMEM;
}

static void
conv_fini(conv *c)
{
    ZSTD_freeDCtx(c->dz);
    ZSTD_freeCCtx(c->zc);
    free(c->raw);
    free(c->snap);
    free(c->z);
}

/* {==== Writing: the sections ====} */

static void
wb_ident(wbuf *w, const gcs_idx_ident *id)
{
    wb_uv(w, id->size);
    wb_uv(w, id->mtime_s);
    wb_uv(w, id->mtime_ns);
    wb_uv(w, id->ctime_s);
    wb_uv(w, id->ctime_ns);
    wb_uv(w, id->ino);
    wb_uv(w, id->dev);
    wb_uv(w, id->head_crc);
    wb_uv(w, id->tail_crc);
}

static int
ident_eq(const gcs_idx_ident *a, const gcs_idx_ident *b)
{
    return a->size == b->size && a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
           a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns && a->ino == b->ino &&
           a->dev == b->dev && a->head_crc == b->head_crc && a->tail_crc == b->tail_crc;
}

/* The reader's facts and chunk table. */
static void
wb_reader(wbuf *w, ptab *t, gcs_reader *rd)
{
    gcs_reader_table tab;
    gcs_reader_table_(rd, &tab);
    const gcs_trace_info *in = &tab.info;
    wb_uv(w, tab.header_len);
    wb_uv(w, tab.n_events);
    wb_uv(w, tab.writer_events);
    wb_uv(w, in->version_major);
    wb_uv(w, in->version_minor);
    wb_uv(w, in->flags);
    wb_uv(w, in->writer_pid);
    wb_uv(w, in->start_unix_ns);
    for (int i = 0; i < 3; i++)
        wb_sv(w, in->thresholds[i]);
    wb_uv(w, in->gc_flags);
    wb_uv(w, ptab_ref(t, in->recorder));
    wb_uv(w, ptab_ref(t, in->cmdline));
    wb_uv(w, in->last_t_ns);
    wb_uv(w, in->clean_close);
    wb_uv(w, in->unknown_skipped);
    wb_uv(w, tab.n_chunks);
    uint64_t end = tab.header_len;
    for (size_t k = 0; k < tab.n_chunks; k++) {
        gcs_reader_chunk_rec c;
        (void)gcs_reader_chunk_rec_(rd, k, &c);
        wb_uv(w, c.offset - end);
        wb_uv(w, c.stored);
        wb_uv(w, c.raw);
        wb_uv(w, c.codec);
        wb_uv(w, c.n_events);
        wb_uv(w, c.crc);
        end = c.offset + GCS_TR_CHUNK_HDR + c.stored;
    }
}

static void
wb_timelines(wbuf *w, ptab *t, const gcs_idx_data *d)
{
    wb_uv(w, d->n_passes);
    for (size_t i = 0; i < d->n_passes; i++) {
        const gcs_replay_pass *p = &d->passes[i];
        wb_uv(w, p->begin_event);
        wb_uv(w, p->end_event + 1); /* UINT64_MAX (open) -> 0 */
        wb_uv(w, p->gen);
        wb_uv(w, p->reason);
        wb_uv(w, p->collected);
        wb_uv(w, p->uncollectable);
        wb_uv(w, p->duration_ns);
        wb_uv(w, p->t_begin_ns);
    }
    wb_uv(w, d->n_markers);
    for (size_t i = 0; i < d->n_markers; i++) {
        wb_uv(w, d->markers[i].event);
        wb_uv(w, ptab_ref(t, d->markers[i].text));
        wb_uv(w, d->markers[i].t_ns);
    }
    wb_uv(w, d->n_errors);
    for (size_t i = 0; i < d->n_errors; i++) {
        const gcs_replay_error *e = &d->errors[i];
        wb_uv(w, e->event);
        wb_sv(w, e->code);
        wb_uv(w, e->obj);
        wb_uv(w, ptab_ref(t, e->detail));
        wb_uv(w, ptab_ref(t, e->site));
    }
}

/* The body in three parts, in file order (written one after the other, not
 * joined: one copy of the index in memory): head (version, identity, string
 * table), rest (reader facts, chunks, timelines), keyframes. Keyframes are
 * converted first, so that the string table is complete. */
static int
build_body(const gcs_idx_ident *id, gcs_reader *rd, const gcs_idx_data *d, wbuf part[3])
{
    ptab t;
    conv c;
    int rc = ptab_init(&t, rd);
    int rc2 = conv_init(&c, &t);
    rc = rc ? rc : rc2;
    wb_uv(&part[2], d->n_kf);
    for (size_t i = 0; rc == 0 && i < d->n_kf; i++)
        rc = kf_portable(&c, &d->kf[i], &part[2]);
    wb_uv(&part[2], IDX_END);
    wb_reader(&part[1], &t, rd);
    wb_timelines(&part[1], &t, d);
    wb_bytes(&part[0], build_id, strlen(build_id));
    wb_ident(&part[0], id);
    wb_uv(&part[0], d->freed_window);
    wb_uv(&part[0], d->kf_bytes);
    wb_table(&part[0], &t);
    if (rc == 0 && (t.oom || part[0].oom || part[1].oom || part[2].oom))
        rc = GCS_ENOMEM;
    conv_fini(&c);
    ptab_free(&t);
    return rc;
}

static int
write_all(int fd, const uint8_t *b, size_t n)
{
    while (n) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return GCS_EIO;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Header + body to a temporary file next to the trace, renamed over the
 * index: a reader never sees half a file. */
static int
write_file(const char *path, const wbuf part[3])
{
    uint8_t h[IDX_HDR] = {0};
    uint32_t crc = 0;
    uint64_t n = 0;
    for (int i = 0; i < 3; i++) {
        crc = gcs_crc32c(crc, part[i].b ? part[i].b : h, part[i].n);
        n += part[i].n;
    }
    memcpy(h, IDX_MAGIC, 8);
    gcs_put_le32(h + 8, GCS_IDX_FORMAT);
    gcs_put_le32(h + 12, snapshot_fingerprint());
    gcs_put_le64(h + 16, n);
    gcs_put_le32(h + 24, crc);
    gcs_put_le32(h + 28, gcs_crc32c(0, h, 28));
    static atomic_uint seq; /* two opens of one trace in one process: two names */
    char suffix[64];
    snprintf(suffix, sizeof suffix, ".gcsidx.tmp.%ld.%u", (long)getpid(),
             atomic_fetch_add(&seq, 1u));
    char *tmp = idx_path(path, suffix), *dst = idx_path(path, ".gcsidx");
    int rc = tmp && dst ? 0 : GCS_ENOMEM;
    int fd = rc == 0 ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
    if (rc == 0 && fd < 0)
        rc = GCS_EIO; /* a read-only directory: no cache, no error */
    if (fd >= 0) {
        rc = write_all(fd, h, sizeof h);
        for (int i = 0; i < 3 && rc == 0; i++)
            rc = write_all(fd, part[i].b, part[i].n);
        if (close(fd) != 0 && rc == 0)
            rc = GCS_EIO;
        if (rc == 0 && rename(tmp, dst) != 0)
            rc = GCS_EIO;
        if (rc != 0)
            unlink(tmp);
    }
    free(tmp);
    free(dst);
    return rc;
}

int
gcs_idx_save(const char *path, int mode, const gcs_idx_ident *before, gcs_reader *rd,
             const gcs_idx_data *d)
{
    gcs_trace_damage dmg;
    gcs_trace_info info;
    gcs_reader_damage(rd, &dmg);
    gcs_reader_info(rd, &info);
    if (mode == 0 || dmg.damaged || (mode == 1 && before->size < GCS_REPLAY_INDEX_MIN_BYTES))
        return 0;
    gcs_idx_ident now;
    if (gcs_idx_ident_of(path, &now) != 0 || !ident_eq(&now, before) || info.file_bytes != now.size)
        return GCS_EIO; /* changed while we read it (still being written?) */
    wbuf part[3];
    memset(part, 0, sizeof part);
    int rc = build_body(&now, rd, d, part);
    if (rc == 0)
        rc = write_file(path, part);
    for (int i = 0; i < 3; i++)
        free(part[i].b);
    return rc;
}

/* {==== Loading ====}
 * The body is parsed completely into temporary tables before anything is
 * used; every count is bounded by the bytes left, every reference by the
 * string table, and a failure anywhere throws everything away. */

struct gcs_idx_xl {
    size_t n;
    const void **real; /* entry k: the pointer in the new reader's pool */
    uint8_t *kind;
    ZSTD_DCtx *dz;
    uint8_t *raw;
    size_t raw_cap;
};

/* A parsed string-table entry. */
typedef struct pent_in {
    uint8_t kind;
    const uint8_t *s; /* ENT_STR: bytes (not NUL-terminated) */
    size_t len;
    uint64_t file, func; /* ENT_SITE: references */
    int line;
} pent_in;

typedef struct parsed {
    gcs_rd in;
    uint64_t n_ent;
    pent_in *ent;
    gcs_reader_table tab;
    gcs_reader_chunk_rec *chunks;
    uint64_t recorder, cmdline;
    gcs_idx_data d;
} parsed;

static int
bad(gcs_rd *in)
{
    in->bad = 1;
    return GCS_ECORRUPT;
}

/* A count of items of at least `min` bytes each that must fit in the rest. */
static uint64_t
rd_count(gcs_rd *in, size_t min)
{
    uint64_t n = gcs_get_uv(in);
    if (n > (uint64_t)(in->end - in->p) / min)
        in->bad = 1;
    return in->bad ? 0 : n;
}

/* A reference: 0 (NULL) or an entry number; kind_ok is a mask of 1 << kind. */
static uint64_t
rd_ref(parsed *P, unsigned kind_ok)
{
    uint64_t v = gcs_get_uv(&P->in);
    if (v > P->n_ent || (v && !((1u << P->ent[v - 1].kind) & kind_ok)))
        P->in.bad = 1;
    return P->in.bad ? 0 : v;
}

static int
parse_table(parsed *P)
{
    gcs_rd *in = &P->in;
    P->n_ent = rd_count(in, 2);
    if (P->n_ent && (P->ent = calloc(P->n_ent, sizeof *P->ent)) == NULL)
        return GCS_ENOMEM;
    for (uint64_t k = 0; k < P->n_ent && !in->bad; k++) {
        pent_in *e = &P->ent[k];
        uint64_t kind = gcs_get_uv(in);
        if (kind == ENT_STR || kind == ENT_LIT) {
            uint64_t lit = kind == ENT_LIT ? gcs_get_uv(in) : 0;
            uint64_t n = gcs_get_uv(in);
            if (in->bad || n > (uint64_t)(in->end - in->p) || n > UINT32_MAX || lit >= MAX_LITS)
                return bad(in);
            *e = (pent_in){(uint8_t)kind, in->p, (size_t)n, lit, 0, 0};
            in->p += n;
        } else if (kind == ENT_SITE) {
            uint64_t f = gcs_get_uv(in), fn = gcs_get_uv(in);
            int64_t line = gcs_unzigzag(gcs_get_uv(in));
            if (f > P->n_ent || fn > P->n_ent || line < INT32_MIN || line > INT32_MAX)
                return bad(in);
            *e = (pent_in){ENT_SITE, NULL, 0, f, fn, (int)line};
        } else {
            return bad(in);
        }
    }
    for (uint64_t k = 0; k < P->n_ent && !in->bad; k++) { /* a site names strings */
        const pent_in *e = &P->ent[k];
        if (e->kind == ENT_SITE && ((e->file && P->ent[e->file - 1].kind == ENT_SITE) ||
                                    (e->func && P->ent[e->func - 1].kind == ENT_SITE)))
            return bad(in);
    }
    return in->bad ? GCS_ECORRUPT : 0;
}

static int
parse_reader(parsed *P)
{
    gcs_rd *in = &P->in;
    gcs_reader_table *t = &P->tab;
    gcs_trace_info *i = &t->info;
    uint64_t hl = gcs_get_uv(in);
    t->header_len = hl > 4096 ? 0 : (uint32_t)hl;
    t->n_events = gcs_get_uv(in);
    t->writer_events = gcs_get_uv(in);
    i->version_major = (unsigned)gcs_get_uv(in);
    i->version_minor = (unsigned)gcs_get_uv(in);
    i->flags = (uint32_t)gcs_get_uv(in);
    i->writer_pid = (uint32_t)gcs_get_uv(in);
    i->start_unix_ns = gcs_get_uv(in);
    for (int k = 0; k < 3; k++)
        i->thresholds[k] = (long)gcs_unzigzag(gcs_get_uv(in));
    i->gc_flags = (uint32_t)gcs_get_uv(in);
    P->recorder = rd_ref(P, STRLIKE);
    P->cmdline = rd_ref(P, STRLIKE);
    i->last_t_ns = gcs_get_uv(in);
    i->clean_close = gcs_get_uv(in) != 0;
    i->unknown_skipped = gcs_get_uv(in);
    t->n_chunks = (size_t)rd_count(in, 6);
    if (t->n_chunks && (P->chunks = calloc(t->n_chunks, sizeof *P->chunks)) == NULL)
        return GCS_ENOMEM;
    uint64_t end = t->header_len;
    for (size_t k = 0; k < t->n_chunks && !in->bad; k++) {
        gcs_reader_chunk_rec *c = &P->chunks[k];
        uint64_t gap = gcs_get_uv(in), st = gcs_get_uv(in), raw = gcs_get_uv(in);
        uint64_t codec = gcs_get_uv(in), ne = gcs_get_uv(in), crc = gcs_get_uv(in);
        if (gap > UINT64_MAX / 2 || end > UINT64_MAX / 2 || st > UINT32_MAX || raw > UINT32_MAX ||
            codec > 255 || ne > UINT32_MAX || crc > UINT32_MAX)
            return bad(in);
        *c = (gcs_reader_chunk_rec){end + gap,      (uint32_t)st, (uint32_t)raw,
                                    (uint8_t)codec, (uint32_t)ne, (uint32_t)crc};
        end = c->offset + GCS_TR_CHUNK_HDR + c->stored;
    }
    return in->bad || t->header_len == 0 ? bad(in) : 0;
}

static int
parse_timelines(parsed *P)
{
    gcs_rd *in = &P->in;
    gcs_idx_data *d = &P->d;
    d->n_passes = (size_t)rd_count(in, 8);
    if (d->n_passes && (d->passes = calloc(d->n_passes, sizeof *d->passes)) == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < d->n_passes && !in->bad; i++) {
        gcs_replay_pass *p = &d->passes[i];
        p->begin_event = gcs_get_uv(in);
        p->end_event = gcs_get_uv(in) - 1;
        p->gen = (unsigned)gcs_get_uv(in);
        p->reason = (unsigned)gcs_get_uv(in);
        p->collected = gcs_get_uv(in);
        p->uncollectable = gcs_get_uv(in);
        p->duration_ns = gcs_get_uv(in);
        p->t_begin_ns = gcs_get_uv(in);
    }
    d->n_markers = (size_t)rd_count(in, 3);
    if (d->n_markers && (d->markers = calloc(d->n_markers, sizeof *d->markers)) == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < d->n_markers && !in->bad; i++) {
        d->markers[i].event = gcs_get_uv(in);
        d->markers[i].text = (const char *)(uintptr_t)rd_ref(P, STRLIKE);
        d->markers[i].t_ns = gcs_get_uv(in);
    }
    d->n_errors = (size_t)rd_count(in, 5);
    if (d->n_errors && (d->errors = calloc(d->n_errors, sizeof *d->errors)) == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < d->n_errors && !in->bad; i++) {
        gcs_replay_error *e = &d->errors[i];
        e->event = gcs_get_uv(in);
        int64_t code = gcs_unzigzag(gcs_get_uv(in));
        e->code = code < INT32_MIN || code > INT32_MAX ? 0 : (int)code;
        e->obj = gcs_get_uv(in);
        e->detail = (const char *)(uintptr_t)rd_ref(P, STRLIKE);
        e->site = (const gcs_site *)(uintptr_t)rd_ref(P, 1u << ENT_SITE);
    }
    return in->bad ? GCS_ECORRUPT : 0;
}

/* Keyframes: positions strictly increasing, after 0, at most n_events. */
static int
parse_keyframes(parsed *P)
{
    gcs_rd *in = &P->in;
    gcs_idx_data *d = &P->d;
    uint64_t n = rd_count(in, 3);
    if (n && (d->kf = calloc(n, sizeof *d->kf)) == NULL)
        return GCS_ENOMEM;
    uint64_t last = 0;
    for (uint64_t i = 0; i < n && !in->bad; i++) {
        uint64_t pos = gcs_get_uv(in), raw = gcs_get_uv(in), len = gcs_get_uv(in);
        if (in->bad || pos <= last || pos > P->tab.n_events || raw > SIZE_MAX / 2 ||
            len > (uint64_t)(in->end - in->p))
            return bad(in);
        gcs_idx_kf *k = &d->kf[d->n_kf];
        if ((k->data = malloc(len ? len : 1)) == NULL)
            return GCS_ENOMEM;
        memcpy(k->data, in->p, len);
        k->pos = pos;
        k->len = (size_t)len;
        k->raw_len = (size_t)raw;
        d->n_kf++;
        in->p += len;
        last = pos;
    }
    return in->bad ? GCS_ECORRUPT : 0;
}

/* Everything after the header. */
static int
parse_body(parsed *P, const gcs_idx_ident *now, uint64_t freed_window)
{
    gcs_rd *in = &P->in;
    uint64_t vn = gcs_get_uv(in);
    size_t want = strlen(build_id);
    if (in->bad || vn != want || (uint64_t)(in->end - in->p) < vn ||
        memcmp(in->p, build_id, want) != 0)
        return GCS_ECORRUPT; /* another build's index */
    in->p += vn;
    gcs_idx_ident id;
    id.size = gcs_get_uv(in);
    id.mtime_s = gcs_get_uv(in);
    id.mtime_ns = gcs_get_uv(in);
    id.ctime_s = gcs_get_uv(in);
    id.ctime_ns = gcs_get_uv(in);
    id.ino = gcs_get_uv(in);
    id.dev = gcs_get_uv(in);
    id.head_crc = (uint32_t)gcs_get_uv(in);
    id.tail_crc = (uint32_t)gcs_get_uv(in);
    P->d.freed_window = gcs_get_uv(in);
    P->d.kf_bytes = gcs_get_uv(in);
    if (in->bad || !ident_eq(&id, now) || P->d.freed_window != freed_window)
        return GCS_ECORRUPT; /* stale: the trace changed, or another freed_window */
    P->tab.info.file_bytes = id.size;
    int rc = parse_table(P);
    if (rc == 0)
        rc = parse_reader(P);
    if (rc == 0)
        rc = parse_timelines(P);
    if (rc == 0)
        rc = parse_keyframes(P);
    if (rc == 0 && (gcs_get_uv(in) != IDX_END || in->bad || in->p != in->end))
        rc = GCS_ECORRUPT;
    return rc;
}

/* Map `<path>.gcsidx` and check its header and CRC: 0 and *map, *len; else
 * non-zero with nothing mapped. */
static int
map_index(const char *path, uint8_t **map, size_t *len)
{
    char *ip = idx_path(path, ".gcsidx");
    int fd = ip ? open(ip, O_RDONLY | O_CLOEXEC) : -1;
    free(ip);
    if (fd < 0)
        return GCS_EIO;
    struct stat st;
    void *m = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)IDX_HDR)
        m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return GCS_EIO;
    const uint8_t *h = m;
    size_t n = (size_t)st.st_size;
    if (memcmp(h, IDX_MAGIC, 8) != 0 || gcs_get_le32(h + 8) != GCS_IDX_FORMAT ||
        gcs_get_le32(h + 28) != gcs_crc32c(0, h, 28) ||
        gcs_get_le64(h + 16) != (uint64_t)(n - IDX_HDR) ||
        gcs_get_le32(h + 12) != snapshot_fingerprint() ||
        gcs_get_le32(h + 24) != gcs_crc32c(0, h + IDX_HDR, n - IDX_HDR)) {
        munmap(m, n);
        return GCS_ECORRUPT;
    }
    *map = m;
    *len = n;
    return 0;
}

/* The string table into the reader's pools (strings first, then sites). */
static gcs_idx_xl *
make_xl(parsed *P, gcs_reader *rd)
{
    gcs_idx_xl *x = calloc(1, sizeof *x);
    if (x == NULL)
        return NULL;
    x->n = (size_t)P->n_ent;
    x->real = calloc(x->n + 1, sizeof *x->real);
    x->kind = calloc(x->n + 1, 1);
    x->dz = ZSTD_createDCtx();
    int ok = x->real && x->kind && x->dz;
    const void *lits[MAX_LITS];
    size_t n_lits = model_literals(lits);
    for (size_t k = 0; ok && k < x->n; k++) {
        const pent_in *e = &P->ent[k];
        x->kind[k] = e->kind;
        const char *lit = e->kind == ENT_LIT && e->file < n_lits ? lits[e->file] : NULL;
        if (lit && strlen(lit) == e->len && memcmp(lit, e->s, e->len) == 0)
            x->real[k] = lit;         /* this process's literal */
        else if (e->kind != ENT_SITE) /* a string, or a literal this build lacks: by content */
            ok = (x->real[k] = gcs_reader_intern_(rd, (const char *)e->s, e->len)) != NULL;
    }
    for (size_t k = 0; ok && k < x->n; k++) {
        const pent_in *e = &P->ent[k];
        if (e->kind == ENT_SITE)
            ok = (x->real[k] = gcs_reader_site_intern_(rd, e->file ? x->real[e->file - 1] : NULL,
                                                       e->func ? x->real[e->func - 1] : NULL,
                                                       e->line)) != NULL;
    }
    if (!ok) {
        gcs_idx_xl_free(x);
        return NULL;
    }
    return x;
}

static const void *
xl_ptr(const gcs_idx_xl *x, uintptr_t v)
{
    return v ? x->real[v - 1] : NULL;
}

/* Timeline references (numbers parked in the pointer fields) to pointers. */
static void
resolve_timelines(gcs_idx_data *d, const gcs_idx_xl *x)
{
    for (size_t i = 0; i < d->n_markers; i++) {
        const char *s = xl_ptr(x, (uintptr_t)d->markers[i].text);
        d->markers[i].text = s ? s : "";
    }
    for (size_t i = 0; i < d->n_errors; i++) {
        d->errors[i].detail = xl_ptr(x, (uintptr_t)d->errors[i].detail);
        d->errors[i].site = xl_ptr(x, (uintptr_t)d->errors[i].site);
    }
}

/* A NUL-terminated copy of string entry `ref` ("" for 0); NULL on ENOMEM. */
static char *
ent_cstr(const parsed *P, uint64_t ref)
{
    size_t n = ref ? P->ent[ref - 1].len : 0;
    char *c = malloc(n + 1);
    if (c) {
        if (n)
            memcpy(c, P->ent[ref - 1].s, n);
        c[n] = 0;
    }
    return c;
}

int
gcs_idx_load(const char *path, int mode, uint64_t freed_window, gcs_reader **rd, gcs_idx_data *d,
             gcs_idx_xl **xl)
{
    *rd = NULL;
    *xl = NULL;
    memset(d, 0, sizeof *d);
    gcs_idx_ident now;
    if (mode == 0 || gcs_idx_ident_of(path, &now) != 0 ||
        (mode == 1 && now.size < GCS_REPLAY_INDEX_MIN_BYTES))
        return GCS_ENOTFOUND;
    uint8_t *map;
    size_t len;
    int rc = map_index(path, &map, &len);
    if (rc != 0)
        return rc;
    parsed P;
    memset(&P, 0, sizeof P);
    P.in = (gcs_rd){map + IDX_HDR, map + len, 0};
    rc = parse_body(&P, &now, freed_window);
    char *rec = NULL, *cmd = NULL;
    if (rc == 0) {
        rec = ent_cstr(&P, P.recorder);
        cmd = ent_cstr(&P, P.cmdline);
        rc = rec && cmd ? 0 : GCS_ENOMEM;
    }
    if (rc == 0) {
        P.tab.info.recorder = rec;
        P.tab.info.cmdline = cmd;
        rc = gcs_reader_open_table_(path, &P.tab, P.chunks, rd);
    }
    free(rec);
    free(cmd);
    if (rc == 0 && (*xl = make_xl(&P, *rd)) == NULL)
        rc = GCS_ENOMEM;
    if (rc == 0) {
        resolve_timelines(&P.d, *xl);
        *d = P.d;
        memset(&P.d, 0, sizeof P.d);
    }
    munmap(map, len);
    free(P.ent);
    free(P.chunks);
    gcs_idx_data_free(&P.d);
    if (rc != 0) {
        gcs_reader_close(*rd);
        *rd = NULL;
        gcs_idx_xl_free(*xl);
        *xl = NULL;
    }
    return rc;
}

/* {==== Translation (load side) ====} */

/* Kind of a model string id's portable number v (checked), or -1. */
static int
xl_kind(const gcs_idx_xl *x, uintptr_t v)
{
    return v == 0 ? -2 : v > x->n ? -1 : x->kind[v - 1];
}

/* A portable number v in a pointer field of kind `kind` to this process's
 * pointer, if v names a table entry of the kind that use needs: types, slots
 * and names strings, sites sites or none (so a forged index cannot make a
 * query read a site as a string). */
static int
to_real(void *ud, int kind, uint64_t v, uint64_t *out)
{
    const gcs_idx_xl *x = ud;
    int k = xl_kind(x, (uintptr_t)v);
    int ok = kind == GCS_SNAP_SITE ? k == -2 || k == ENT_SITE : k != -1 && k != ENT_SITE;
    if (!ok)
        return GCS_ECORRUPT;
    *out = (uint64_t)(uintptr_t)xl_ptr(x, (uintptr_t)v);
    return 0;
}

int
gcs_idx_translate(gcs_idx_xl *x, const gcs_idx_kf *k, uint8_t **buf, size_t *cap, size_t *len)
{
    if (k->raw_len > ((size_t)1 << 40) ||
        gcs_model_grow((void **)&x->raw, &x->raw_cap, k->raw_len + 1, 1))
        return GCS_ENOMEM;
    size_t n = ZSTD_decompressDCtx(x->dz, x->raw, x->raw_cap, k->data, k->len);
    if (ZSTD_isError(n) || n != k->raw_len)
        return GCS_ECORRUPT;
    uint64_t pos = 0;
    int rc = gcs_snapshot_map_ptrs(x->raw, n, to_real, x, buf, cap, len, &pos);
    if (rc == 0 && pos != k->pos)
        rc = GCS_ECORRUPT;
    return rc == GCS_ENOMEM ? rc : rc != 0 ? GCS_ECORRUPT : 0;
}

void
gcs_idx_data_free(gcs_idx_data *d)
{
    if (d == NULL)
        return;
    free(d->passes);
    free(d->markers);
    free(d->errors);
    for (size_t i = 0; i < d->n_kf; i++)
        free(d->kf[i].data);
    free(d->kf);
    memset(d, 0, sizeof *d);
}

void
gcs_idx_xl_free(gcs_idx_xl *x)
{
    if (x == NULL)
        return;
    free(x->real);
    free(x->kind);
    ZSTD_freeDCtx(x->dz);
    free(x->raw);
    free(x);
}
