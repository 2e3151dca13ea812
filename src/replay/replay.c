/* src/replay/replay.c — the public replay API (gcscope/replay.h). Start at
 * gcs_replay_open(): one reader pass validates the trace and, through the
 * reader's on_event callback, applies every event to the model, records the
 * pass/marker/error timelines and takes keyframes (zstd-compressed model
 * snapshots). Spacing rule (want_keyframe): a keyframe when the trace bytes
 * read since the last one are at least GCS_KF_RATIO (12) times that
 * keyframe's compressed size, and never closer than 1024 events. Keyframes
 * then total about 1/12 of the trace whatever the heap size, which leaves
 * room under 10 % for the reader's chunk table (32 bytes a chunk: about 1.2 %
 * of a format-1.2 trace, whose chunks compress 25x) (issue #3: index <= 10 %
 * of the file; issue #8: bounded memory on 1 GB traces); a big
 * heap gets fewer keyframes, so its seeks apply more events. seek(pos)
 * restores the last keyframe at or before pos (unless the cursor is already
 * between it and pos) and applies the events in between. The id order of
 * objects is compacted lazily, by the queries that index it (model_ready),
 * not after every seek. The reader hands each event to on_event(); the common
 * case (not a timeline kind, no keyframe due) goes straight to the model.
 * A file open may skip all of this: open_cached() loads the same results from
 * the sidecar index `<path>.gcsidx` (index_cache.c), and save_index() writes
 * one after a build (when asked, or at close); keyframes from an index are translated to this
 * process's pointers when first restored (restore_portable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "gcscope/replay.h"
#include "index_cache.h"
#include "model.h"
#include "replay_int.h"
#include "trace/reader_int.h"

#define GCS_KF_MIN_GAP         1024u
#define GCS_KF_RATIO           12u
#define GCS_KF_BYTES_PER_EVENT 3u /* estimate when the reader does not say (never) */
#define GCS_EPH_GAP            1024u

typedef struct keyframe {
    uint64_t pos;
    uint8_t *data; /* zstd frame */
    size_t len, raw_len;
    bool portable; /* loaded from the index, not restored yet (restore_portable) */
} keyframe;

struct gcs_replay {
    gcs_reader *rd;
    gcs_model m;
    uint64_t n_events;
    uint64_t freed_window;

    keyframe *kf;
    size_t n_kf, cap_kf, kf_bytes;
    uint64_t last_kf_pos;
    size_t last_kf_size;
    uint64_t bytes_done, last_kf_bytes; /* trace bytes read (reader), at the last keyframe */
    bool stream;                        /* gcs_replay_opts.stream */
    bool plain;                         /* !stream and no user on_event: the fast path */
    uint64_t kf_no_bytes; /* want_keyframe() said no at this bytes_done (UINT64_MAX: ask) */
    gcs_reader_event_fn user_ev;
    void *user_ev_ud;
    ZSTD_CCtx *zc;
    ZSTD_DCtx *dz;
    uint8_t *scratch;
    size_t scratch_cap;
    uint8_t *kf_raw, *kf_z; /* take_keyframe's working buffers (while opening) */
    size_t kf_raw_cap, kf_z_cap;
    int build_err;
    bool compacted; /* model_ready() done since the model last changed */
    uint8_t *eph;   /* step-back snapshot (seek_back_with_snapshot), raw */
    size_t eph_len;
    uint64_t eph_pos;

    gcs_replay_pass *passes;
    size_t n_passes, cap_passes;
    gcs_replay_marker *markers;
    size_t n_markers, cap_markers;
    gcs_replay_error *errors;
    size_t n_errors, cap_errors;
    gcs_idx_xl *xl; /* opened from the index cache: its string table */
    char *idx_path; /* built: <idx_path>.gcsidx to be written (save_index) */
    int idx_mode;
    gcs_idx_ident idx_before; /* the trace's identity before the open read it */
};

static _Thread_local char open_err[512];

const char *
gcs_replay_open_errmsg(void)
{
    return open_err;
}

void
gcs_replay_opts_init(gcs_replay_opts *o)
{
    memset(o, 0, sizeof *o);
    o->freed_window = 5000;
}

/* {==== Keyframes ====} */

/* The model at m.pos, serialised and compressed into a new keyframe. The two
 * working buffers are kept across keyframes while the trace opens (a
 * keyframe's raw state can be megabytes: no allocation and page faults each
 * time) and freed when it is open (kf_buffers_free). */
static int
take_keyframe(gcs_replay *r)
{
    size_t raw_len;
    int rc = gcs_model_save_into(&r->m, &r->kf_raw, &r->kf_raw_cap, &raw_len);
    if (rc != 0)
        return rc;
    size_t bound = ZSTD_compressBound(raw_len);
    if (gcs_model_grow((void **)&r->kf_z, &r->kf_z_cap, bound, 1) ||
        gcs_model_grow((void **)&r->kf, &r->cap_kf, r->n_kf + 1, sizeof *r->kf))
        return GCS_ENOMEM;
    size_t zn = ZSTD_compressCCtx(r->zc, r->kf_z, r->kf_z_cap, r->kf_raw, raw_len, 1);
    if (ZSTD_isError(zn))
        return GCS_ENOMEM;
    keyframe *k = &r->kf[r->n_kf];
    if ((k->data = malloc(zn ? zn : 1)) == NULL)
        return GCS_ENOMEM;
    memcpy(k->data, r->kf_z, zn);
    k->pos = r->m.pos;
    k->len = zn;
    k->raw_len = raw_len;
    k->portable = false;
    r->n_kf++;
    r->kf_bytes += zn + sizeof(keyframe);
    r->last_kf_pos = r->m.pos;
    r->last_kf_size = zn;
    r->last_kf_bytes = r->bytes_done;
    return 0;
}

static void
kf_buffers_free(gcs_replay *r)
{
    free(r->kf_raw);
    free(r->kf_z);
    r->kf_raw = r->kf_z = NULL;
    r->kf_raw_cap = r->kf_z_cap = 0;
}

static int
want_keyframe(const gcs_replay *r)
{
    uint64_t gap = r->m.pos - r->last_kf_pos;
    uint64_t bytes =
        r->bytes_done ? r->bytes_done - r->last_kf_bytes : gap * GCS_KF_BYTES_PER_EVENT;
    if (gap < GCS_KF_MIN_GAP)
        return 0;
    return bytes >= (uint64_t)GCS_KF_RATIO * r->last_kf_size;
}

static int restore_portable(gcs_replay *r, size_t k);

static int
restore_keyframe(gcs_replay *r, size_t k)
{
    const keyframe *f = &r->kf[k];
    if (f->portable)
        return restore_portable(r, k);
    if (gcs_model_grow((void **)&r->scratch, &r->scratch_cap, f->raw_len + 1, 1))
        return GCS_ENOMEM;
    size_t n = ZSTD_decompressDCtx(r->dz, r->scratch, r->scratch_cap, f->data, f->len);
    if (ZSTD_isError(n) || n != f->raw_len)
        return GCS_ECORRUPT;
    return gcs_model_load(&r->m, r->scratch, n);
}

/* {==== Open pass ====} */

static void
timeline(gcs_replay *r, uint64_t i, const gcs_event *ev)
{
    if (ev->kind == GCS_EV_GC_BEGIN) {
        if (gcs_model_grow((void **)&r->passes, &r->cap_passes, r->n_passes + 1,
                           sizeof *r->passes)) {
            r->build_err = GCS_ENOMEM;
            return;
        }
        r->passes[r->n_passes++] = (gcs_replay_pass){
            i, UINT64_MAX, (unsigned)ev->u.gc_begin.gen, (unsigned)ev->u.gc_begin.reason, 0, 0,
            0, ev->t_ns};
    } else if (ev->kind == GCS_EV_GC_END) {
        if (r->n_passes && r->passes[r->n_passes - 1].end_event == UINT64_MAX) {
            gcs_replay_pass *p = &r->passes[r->n_passes - 1];
            p->end_event = i;
            p->collected = ev->u.gc_end.collected;
            p->uncollectable = ev->u.gc_end.uncollectable;
            p->duration_ns = ev->u.gc_end.duration_ns;
        }
    } else if (ev->kind == GCS_EV_MARKER) {
        if (gcs_model_grow((void **)&r->markers, &r->cap_markers, r->n_markers + 1,
                           sizeof *r->markers)) {
            r->build_err = GCS_ENOMEM;
            return;
        }
        r->markers[r->n_markers++] =
            (gcs_replay_marker){i, ev->u.marker.text ? ev->u.marker.text : "", ev->t_ns};
    } else if (ev->kind == GCS_EV_ERROR) {
        if (gcs_model_grow((void **)&r->errors, &r->cap_errors, r->n_errors + 1,
                           sizeof *r->errors)) {
            r->build_err = GCS_ENOMEM;
            return;
        }
        r->errors[r->n_errors++] = (gcs_replay_error){i, (int)ev->u.error.code, ev->u.error.obj,
                                                      ev->u.error.detail, ev->site};
    }
}

/* The kinds timeline() records (one test per event instead of a chain). */
#define TIMELINE_KINDS                                                                             \
    ((UINT64_C(1) << GCS_EV_GC_BEGIN) | (UINT64_C(1) << GCS_EV_GC_END) |                           \
     (UINT64_C(1) << GCS_EV_MARKER) | (UINT64_C(1) << GCS_EV_ERROR))

/* Every event of the open pass: the user's callback, timelines, keyframes,
 * then the model. */
static int
on_event_full(gcs_replay *r, uint64_t i, const gcs_event *ev)
{
    if (r->user_ev && r->user_ev(r->user_ev_ud, i, ev) != 0)
        return 1;
    int tl = (unsigned)ev->kind < 64 && ((UINT64_C(1) << ev->kind) & TIMELINE_KINDS) != 0;
    if (r->stream) { /* timelines only; the model is built by seeks */
        if (tl)
            timeline(r, i, ev);
        return r->build_err != 0;
    }
    if (r->m.pos - r->last_kf_pos >= GCS_KF_MIN_GAP) {
        if (want_keyframe(r)) {
            if ((r->build_err = take_keyframe(r)) != 0)
                return 1;
            r->kf_no_bytes = UINT64_MAX;
        } else if (r->bytes_done) {
            r->kf_no_bytes = r->bytes_done; /* no until the next chunk's bytes */
        }
    }
    if (tl) {
        timeline(r, i, ev);
        if (r->build_err)
            return 1;
    }
    if (gcs_model_apply(&r->m, ev) != 0) {
        r->build_err = GCS_ENOMEM;
        return 1;
    }
    return 0;
}

/* The reader's per-event callback. Most events only go to the model: no user
 * callback, not a timeline kind, and no keyframe possible yet (too close to
 * the last one, or want_keyframe already said no for this chunk's bytes). */
static int
on_event(void *ud, uint64_t i, const gcs_event *ev)
{
    gcs_replay *r = ud;
    if ((unsigned)ev->kind < 64 && ((UINT64_C(1) << ev->kind) & TIMELINE_KINDS) == 0) {
        if (r->plain &&
            (r->m.pos - r->last_kf_pos < GCS_KF_MIN_GAP || r->bytes_done == r->kf_no_bytes)) {
            if (gcs_model_apply(&r->m, ev) == 0)
                return 0;
            r->build_err = GCS_ENOMEM;
            return 1;
        }
        if (r->stream && r->user_ev == NULL)
            return 0; /* stream mode: nothing to do for it */
    }
    return on_event_full(r, i, ev);
}

/* The reader's batch callback (one chunk's events while opening): runs of
 * events that on_event would send straight to the model are applied in one
 * call; every other event goes through on_event. */
static int
on_batch(void *ud, uint64_t first, const gcs_event *evs, size_t n)
{
    gcs_replay *r = ud;
    size_t i = 0;
    while (i < n) {
        if (r->plain) {
            uint64_t gap = r->m.pos - r->last_kf_pos;
            size_t lim = n - i;
            if (r->bytes_done != r->kf_no_bytes) /* a keyframe is possible from MIN_GAP on */
                lim = gap >= GCS_KF_MIN_GAP        ? 0
                      : GCS_KF_MIN_GAP - gap < lim ? GCS_KF_MIN_GAP - gap
                                                   : lim;
            size_t k = lim ? gcs_model_apply_until(&r->m, evs + i, lim, TIMELINE_KINDS) : 0;
            if (k == SIZE_MAX) {
                r->build_err = GCS_ENOMEM;
                return 1;
            }
            i += k;
            if (k == lim && lim)
                continue; /* look again: a keyframe may be due now */
            if (i == n)
                break;
        }
        if (on_event(r, first + i, evs + i) != 0)
            return 1;
        i++;
    }
    return 0;
}

/* {==== Index cache (index_cache.c) ====} */

/* Take what `<path>.gcsidx` holds, if valid for this trace: the reader (from
 * the chunk table, no scan), the timelines and the keyframes (portable until
 * restored). 0, or non-zero with r unchanged (then build as usual). */
static int
open_cached(gcs_replay *r, const char *path, int mode)
{
    gcs_idx_data d;
    gcs_reader *rd;
    gcs_idx_xl *xl;
    if (gcs_idx_load(path, mode, r->freed_window, &rd, &d, &xl) != 0)
        return -1;
    if (gcs_model_grow((void **)&r->kf, &r->cap_kf, r->n_kf + d.n_kf, sizeof *r->kf)) {
        gcs_idx_data_free(&d);
        gcs_idx_xl_free(xl);
        gcs_reader_close(rd);
        return -1;
    }
    for (size_t i = 0; i < d.n_kf; i++) {
        const gcs_idx_kf *k = &d.kf[i];
        r->kf[r->n_kf++] = (keyframe){k->pos, k->data, k->len, k->raw_len, true};
        d.kf[i].data = NULL;
    }
    r->kf_bytes = (size_t)d.kf_bytes;
    r->passes = d.passes, r->n_passes = r->cap_passes = d.n_passes;
    r->markers = d.markers, r->n_markers = r->cap_markers = d.n_markers;
    r->errors = d.errors, r->n_errors = r->cap_errors = d.n_errors;
    d.passes = NULL, d.markers = NULL, d.errors = NULL, d.n_kf = 0;
    gcs_idx_data_free(&d);
    r->rd = rd;
    r->xl = xl;
    return 0;
}

/* After a cached open: every event to the user's on_event (as the open pass
 * would have), with progress by the share of events given. 0, GCS_ECALL
 * (cancelled), or the reader's error. */
static int
give_cached_events(gcs_replay *r, const gcs_reader_opts *ro)
{
    uint64_t n = gcs_reader_n_events(r->rd), last = 0;
    gcs_trace_info info;
    gcs_reader_info(r->rd, &info);
    for (uint64_t i = 0; i < n && r->user_ev;) {
        size_t cn;
        uint64_t first;
        const gcs_event *evs = gcs_reader_chunk_events_(r->rd, i, &cn, &first);
        if (evs == NULL || first != i)
            return evs == NULL ? GCS_ENOMEM : GCS_ECORRUPT;
        for (size_t j = 0; j < cn; j++, i++)
            if (r->user_ev(r->user_ev_ud, i, &evs[j]) != 0)
                return GCS_ECALL;
        uint64_t done = (uint64_t)((double)info.file_bytes * (double)i / (double)n);
        if (ro->progress && done - last >= (1u << 20)) {
            last = done;
            if (ro->progress(ro->progress_ud, done, info.file_bytes))
                return GCS_ECALL;
        }
    }
    if (ro->progress && ro->progress(ro->progress_ud, info.file_bytes, info.file_bytes))
        return GCS_ECALL;
    return 0;
}

/* Write the index an open built, once (errors ignored: a cache never
 * fails). At close or when asked (gcs_replay_write_index), not in the open:
 * the viewer's first frame does not wait for it. */
static void
save_index(gcs_replay *r)
{
    char *path = r->idx_path;
    r->idx_path = NULL;
    if (path == NULL || r->n_kf == 0) {
        free(path);
        return;
    }
    gcs_idx_kf *ks = malloc(r->n_kf * sizeof *ks);
    if (ks == NULL) {
        free(path);
        return;
    }
    for (size_t i = 1; i < r->n_kf; i++)
        ks[i - 1] = (gcs_idx_kf){r->kf[i].pos, r->kf[i].data, r->kf[i].len, r->kf[i].raw_len};
    gcs_idx_data d = {r->freed_window, r->passes,   r->n_passes, r->markers,  r->n_markers,
                      r->errors,       r->n_errors, ks,          r->n_kf - 1, r->kf_bytes};
    (void)gcs_idx_save(path, r->idx_mode, &r->idx_before, r->rd, &d);
    free(ks);
    free(path);
}

static int
replay_open(gcs_replay *r, const char *path, const void *data, size_t len, const char *name,
            const gcs_replay_opts *opts, gcs_replay **out)
{
    gcs_reader_opts ro = {0};
    if (opts) {
        ro.progress = opts->progress;
        ro.progress_ud = opts->progress_ud;
        ro.salvage = opts->salvage;
        r->stream = opts->stream;
        r->user_ev = opts->on_event;
        r->user_ev_ud = opts->on_event_ud;
    }
    r->plain = !r->stream && r->user_ev == NULL;
    r->kf_no_bytes = UINT64_MAX;
    ro.bytes_done = &r->bytes_done;
    ro.on_batch = on_batch;
    ro.on_event_ud = r;
    long th[3] = {700, 10, 10};
    gcs_model_init(&r->m, r->freed_window, th, true, 0);
    r->zc = ZSTD_createCCtx();
    r->dz = ZSTD_createDCtx();
    int rc = (r->zc && r->dz) ? take_keyframe(r) : GCS_ENOMEM; /* pos 0, empty */
    int mode = rc == 0 && path && !r->stream ? gcs_idx_mode(opts ? opts->index_cache : 0) : 0;
    int cached = mode && open_cached(r, path, mode) == 0;
    int ident_ok = mode && !cached && gcs_idx_ident_of(path, &r->idx_before) == 0;
    if (cached)
        rc = give_cached_events(r, &ro);
    else if (rc == 0)
        rc = path ? gcs_reader_open(path, &ro, &r->rd)
                  : gcs_reader_open_mem(data, len, name, &ro, &r->rd);
    if (rc == GCS_ECALL && r->build_err)
        rc = r->build_err;
    kf_buffers_free(r);
    if (rc != 0) {
        if (rc == GCS_ENOMEM)
            snprintf(open_err, sizeof open_err, "%s: out of memory",
                     path ? path : (name ? name : "trace"));
        else if (cached)
            snprintf(open_err, sizeof open_err, "%s: %s", path,
                     rc == GCS_ECALL ? "cancelled" : gcs_strerror(rc));
        else
            snprintf(open_err, sizeof open_err, "%s", gcs_reader_open_errmsg());
        gcs_replay_close(r);
        return rc;
    }
    r->n_events = gcs_reader_n_events(r->rd);
    rc = gcs_replay_seek(r, 0);
    if (rc != 0) {
        snprintf(open_err, sizeof open_err, "out of memory");
        gcs_replay_close(r);
        return rc;
    }
    if (ident_ok) { /* written later (save_index); no memory: no index */
        r->idx_path = strdup(path);
        r->idx_mode = mode;
    }
    *out = r;
    return 0;
}

static gcs_replay *
replay_new(const gcs_replay_opts *opts)
{
    gcs_replay *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    gcs_replay_opts d;
    gcs_replay_opts_init(&d);
    r->freed_window = opts ? opts->freed_window : d.freed_window;
    return r;
}

int
gcs_replay_open(const char *path, const gcs_replay_opts *opts, gcs_replay **out)
{
    if (out == NULL)
        return GCS_EINVAL;
    *out = NULL;
    if (path == NULL)
        return GCS_EINVAL;
    gcs_replay *r = replay_new(opts);
    if (r == NULL)
        return GCS_ENOMEM;
    return replay_open(r, path, NULL, 0, NULL, opts, out);
}

int
gcs_replay_open_mem(const void *data, size_t len, const char *name, const gcs_replay_opts *opts,
                    gcs_replay **out)
{
    if (out == NULL)
        return GCS_EINVAL;
    *out = NULL;
    gcs_replay *r = replay_new(opts);
    if (r == NULL)
        return GCS_ENOMEM;
    return replay_open(r, NULL, data, len, name, opts, out);
}

void
gcs_replay_write_index(gcs_replay *r)
{
    if (r != NULL)
        save_index(r);
}

void
gcs_replay_close(gcs_replay *r)
{
    if (r == NULL)
        return;
    save_index(r); /* before the reader goes: it holds the strings */
    gcs_reader_close(r->rd);
    gcs_model_fini(&r->m);
    for (size_t i = 0; i < r->n_kf; i++)
        free(r->kf[i].data);
    free(r->kf);
    ZSTD_freeCCtx(r->zc);
    ZSTD_freeDCtx(r->dz);
    free(r->scratch);
    free(r->eph);
    free(r->passes);
    free(r->markers);
    free(r->errors);
    gcs_idx_xl_free(r->xl);
    free(r);
}

void
gcs_replay_info(const gcs_replay *r, gcs_trace_info *out)
{
    gcs_reader_info(r ? r->rd : NULL, out);
}

void
gcs_replay_damage(const gcs_replay *r, gcs_trace_damage *out)
{
    gcs_reader_damage(r ? r->rd : NULL, out);
}

const char *
gcs_replay_errmsg(const gcs_replay *r)
{
    return gcs_reader_errmsg(r ? r->rd : NULL);
}

size_t
gcs_replay_index_bytes(const gcs_replay *r)
{
    return r->kf_bytes + gcs_reader_index_bytes_(r->rd) + r->n_passes * sizeof *r->passes +
           r->n_markers * sizeof *r->markers + r->n_errors * sizeof *r->errors;
}

/* {==== Events and the cursor ====} */

uint64_t
gcs_replay_n_events(const gcs_replay *r)
{
    return r ? r->n_events : 0;
}

int
gcs_replay_event(gcs_replay *r, uint64_t i, gcs_event *ev)
{
    if (r == NULL || ev == NULL)
        return GCS_EINVAL;
    return gcs_reader_event(r->rd, i, ev);
}

uint64_t
gcs_replay_pos(const gcs_replay *r)
{
    return r ? r->m.pos : 0;
}

/* Apply events m.pos .. target-1. */
static int
apply_to(gcs_replay *r, uint64_t target)
{
    while (r->m.pos < target) {
        size_t n;
        uint64_t first;
        const gcs_event *evs = gcs_reader_chunk_events_(r->rd, r->m.pos, &n, &first);
        if (evs == NULL)
            return GCS_ENOMEM;
        size_t j = (size_t)(r->m.pos - first), k = n - j;
        if (k > target - r->m.pos)
            k = (size_t)(target - r->m.pos);
        if (gcs_model_apply_n(&r->m, evs + j, k) != 0)
            return GCS_ENOMEM;
    }
    r->compacted = false; /* queries that index the id order compact it first */
    return 0;
}

/* Keyframe k's state (in r->m) becomes its new, real content (compressed);
 * on ENOMEM it stays portable (restored the slow way again next time). */
static void
kf_make_real(gcs_replay *r, size_t k, const uint8_t *raw, size_t raw_len)
{
    size_t bound = ZSTD_compressBound(raw_len);
    uint8_t *z = malloc(bound ? bound : 1);
    size_t zn = z ? ZSTD_compressCCtx(r->zc, z, bound, raw, raw_len, 1) : 0;
    if (z == NULL || ZSTD_isError(zn)) {
        free(z);
        return;
    }
    uint8_t *fit = realloc(z, zn ? zn : 1);
    if (fit != NULL)
        z = fit; /* else z is still the (bigger) block */
    keyframe *f = &r->kf[k];
    free(f->data);
    f->data = z;
    f->len = zn;
    f->raw_len = raw_len;
    f->portable = false;
}

/* A keyframe loaded from the index: translated to this process's pointers
 * (gcs_idx_translate) and restored, then kept real. One that does not
 * translate (a forged or inconsistent index) is rebuilt by replaying from the
 * keyframe before it (keyframe 0 is always real): slower, same state. */
static int
restore_portable(gcs_replay *r, size_t k)
{
    const keyframe *f = &r->kf[k];
    gcs_idx_kf ik = {f->pos, f->data, f->len, f->raw_len};
    size_t len = 0;
    int rc = gcs_idx_translate(r->xl, &ik, &r->scratch, &r->scratch_cap, &len);
    if (rc == 0)
        rc = gcs_model_load(&r->m, r->scratch, len);
    if (rc == GCS_ENOMEM)
        return rc;
    if (rc != 0) {
        rc = restore_keyframe(r, k - 1);
        if (rc == 0)
            rc = apply_to(r, f->pos);
        if (rc == 0)
            rc = gcs_model_save_into(&r->m, &r->scratch, &r->scratch_cap, &len);
        if (rc != 0)
            return rc;
    }
    kf_make_real(r, k, r->scratch, len);
    return 0;
}

/* Remove purge holes from the id order before a query that indexes it
 * (object_at). Done lazily (not at every seek): a
 * replay that moves without such queries (playback, step by step) does not
 * pay O(objects) per move. The state is the same either way, so the const
 * queries may do it (the replay is never const-allocated). 0 or GCS_ENOMEM. */
static int
model_ready(const gcs_replay *cr)
{
    if (cr->compacted)
        return 0;
    gcs_replay *r = (gcs_replay *)cr; /* logically const: same state, other layout */
    int rc = gcs_model_compact(&r->m);
    r->compacted = rc == 0;
    return rc;
}

/* Stepping back: a backward seek that has to replay more than GCS_EPH_GAP
 * events also leaves an uncompressed snapshot GCS_EPH_GAP events before its
 * target, so the next steps back restore from there (one snapshot, replaced
 * each time; it is a cache, the state it gives is the same). */
static int
seek_back_with_snapshot(gcs_replay *r, uint64_t pos)
{
    int rc = apply_to(r, pos - GCS_EPH_GAP);
    if (rc != 0)
        return rc;
    uint8_t *snap;
    size_t len;
    if (gcs_model_save(&r->m, &snap, &len) == 0) {
        free(r->eph);
        r->eph = snap;
        r->eph_len = len;
        r->eph_pos = r->m.pos;
    }
    return apply_to(r, pos);
}

int
gcs_replay_seek(gcs_replay *r, uint64_t pos)
{
    if (r == NULL)
        return GCS_EINVAL;
    if (pos > r->n_events)
        pos = r->n_events;
    r->compacted = false;
    size_t lo = 0, hi = r->n_kf;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (r->kf[mid].pos <= pos)
            lo = mid;
        else
            hi = mid;
    }
    int rc = 0, backward = pos < r->m.pos;
    if (!(r->m.pos <= pos && r->m.pos >= r->kf[lo].pos) || r->m.oom) {
        if (r->eph && r->eph_pos <= pos && r->eph_pos > r->kf[lo].pos)
            rc = gcs_model_load(&r->m, r->eph, r->eph_len);
        else
            rc = restore_keyframe(r, lo);
    }
    if (rc == 0 && backward && !r->stream && pos - r->m.pos > 2 * GCS_EPH_GAP)
        rc = seek_back_with_snapshot(r, pos);
    else if (rc == 0)
        rc = apply_to(r, pos);
    if (rc != 0) { /* leave a consistent (empty) state */
        gcs_model_clear(&r->m);
        restore_keyframe(r, 0);
    }
    return rc;
}

int
gcs_replay_step(gcs_replay *r, int64_t delta)
{
    if (r == NULL)
        return GCS_EINVAL;
    uint64_t p = r->m.pos;
    if (delta < 0) {
        uint64_t back = (uint64_t)0 - (uint64_t)delta; /* no overflow at INT64_MIN */
        p = back > p ? 0 : p - back;
    } else
        p = (uint64_t)delta > r->n_events - p ? r->n_events : p + (uint64_t)delta;
    return gcs_replay_seek(r, p);
}

/* {==== State queries ====} */

static void
fill_obj(const gcs_model *m, uint32_t h, gcs_replay_obj *out)
{
    const m_obj *o = gcs_model_obj(m, h);
    const char *type = gcs_str_ptr(m, o->type);
    *out = (gcs_replay_obj){
        .id = o->id,
        .kind = (unsigned)gcs_obj_u(m, h, W_KIND),
        .type = type ? type : "?",
        .label = gcs_label_text(m, o->label),
        .refcnt = gcs_obj_i(m, h, W_REFCNT),
        .gen = o->gen,
        .tracked = (o->flags & M_TRACKED) != 0,
        .alive = (o->flags & M_ALIVE) != 0,
        .finalized = (o->flags & M_FINALIZED) != 0,
        .internal = (o->flags & M_INTERNAL) != 0,
        .resurrected = (o->flags & M_RESURRECTED) != 0,
        .in_garbage = (o->flags & M_GARBAGE) != 0,
        .size = gcs_obj_u(m, h, W_SIZE),
        .alloc_event = gcs_obj_u(m, h, W_ALLOC_EV),
        .alloc_site = gcs_str_ptr(m, o->site),
        .free_event = gcs_obj_u(m, h, W_FREE_EV),
        .in_pass = (o->flags & M_IN_PASS) != 0,
        .gc_refs = gcs_obj_i(m, h, W_GC_REFS),
        .gc_state = o->gc_state,
        .n_refs_out = o->n_out,
        .n_refs_in = o->n_in,
    };
}

size_t
gcs_replay_n_objects(const gcs_replay *r)
{
    return r ? r->m.n_objs - r->m.n_holes : 0;
}

size_t
gcs_replay_n_alive(const gcs_replay *r)
{
    return r ? r->m.n_alive : 0;
}

int
gcs_replay_object_at(const gcs_replay *r, size_t k, gcs_replay_obj *out)
{
    if (r == NULL || out == NULL)
        return GCS_EINVAL;
    memset(out, 0, sizeof *out);
    if (model_ready(r) != 0)
        return GCS_ENOMEM;
    if (k >= r->m.n_objs || r->m.n_holes)
        return GCS_EINDEX;
    fill_obj(&r->m, r->m.order[k], out);
    return 0;
}

int
gcs_replay_object(const gcs_replay *r, uint64_t id, gcs_replay_obj *out)
{
    if (r == NULL || out == NULL)
        return GCS_EINVAL;
    memset(out, 0, sizeof *out);
    uint32_t h = gcs_model_find(&r->m, id);
    if (h == M_NIL)
        return GCS_ENOTFOUND;
    fill_obj(&r->m, h, out);
    return 0;
}

/* The k-th reference of object id, out (dir 0) or in (dir 1). */
static int
ref_at(const gcs_replay *r, uint64_t id, int dir, size_t k, gcs_replay_ref *out)
{
    if (r == NULL || out == NULL)
        return GCS_EINVAL;
    memset(out, 0, sizeof *out);
    uint32_t h = gcs_model_find(&r->m, id);
    if (h == M_NIL)
        return GCS_ENOTFOUND;
    if (k >= UINT32_MAX)
        return GCS_EINDEX;
    /* the cursors are a cache: the state does not change (never const-allocated) */
    gcs_model *m = (gcs_model *)&r->m;
    uint32_t e = gcs_edges_at(m, h, dir, (uint32_t)k);
    if (e == M_NIL)
        return GCS_EINDEX;
    const m_edge *x = gcs_model_edge(m, e);
    *out = (gcs_replay_ref){gcs_model_obj(m, x->src)->id, gcs_str_ptr(m, x->slot & ~M_EDUP),
                            gcs_model_obj(m, x->dst)->id};
    return 0;
}

int
gcs_replay_ref_out(const gcs_replay *r, uint64_t id, size_t k, gcs_replay_ref *out)
{
    return ref_at(r, id, 0, k, out);
}

int
gcs_replay_ref_in(const gcs_replay *r, uint64_t id, size_t k, gcs_replay_ref *out)
{
    return ref_at(r, id, 1, k, out);
}

size_t
gcs_replay_n_frames(const gcs_replay *r)
{
    return r ? r->m.n_frames : 0;
}

int
gcs_replay_frame_at(const gcs_replay *r, size_t k, gcs_replay_frame *out)
{
    if (r == NULL || out == NULL)
        return GCS_EINVAL;
    memset(out, 0, sizeof *out);
    if (k >= r->m.n_frames)
        return GCS_EINDEX;
    const m_frame *f = &r->m.frames[k];
    *out = (gcs_replay_frame){f->id, f->name ? f->name : "?", f->n_vars};
    return 0;
}

int
gcs_replay_var_at(const gcs_replay *r, size_t frame_k, size_t var_k, gcs_replay_var *out)
{
    if (r == NULL || out == NULL)
        return GCS_EINVAL;
    memset(out, 0, sizeof *out);
    if (frame_k >= r->m.n_frames || var_k >= r->m.frames[frame_k].n_vars)
        return GCS_EINDEX;
    const m_frame *f = &r->m.frames[frame_k];
    *out = (gcs_replay_var){f->id, f->vars[var_k].name, f->vars[var_k].obj};
    return 0;
}

size_t
gcs_replay_n_weakrefs(const gcs_replay *r)
{
    return r ? r->m.n_wrs : 0;
}

int
gcs_replay_weakref_at(const gcs_replay *r, size_t k, gcs_replay_weakref *out)
{
    if (r == NULL || out == NULL)
        return GCS_EINVAL;
    memset(out, 0, sizeof *out);
    if (k >= r->m.n_wrs)
        return GCS_EINDEX;
    *out = r->m.wrs[k];
    return 0;
}

int
gcs_replay_weakref_find(const gcs_replay *r, uint64_t wr, gcs_replay_weakref *out)
{
    if (r == NULL || out == NULL)
        return GCS_EINVAL;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < r->m.n_wrs; i++) {
        if (r->m.wrs[i].wr == wr) {
            *out = r->m.wrs[i];
            return 0;
        }
    }
    return GCS_ENOTFOUND;
}

void
gcs_replay_gc_current(const gcs_replay *r, gcs_replay_gc_now *out)
{
    if (r == NULL) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = r->m.gc;
    if (!out->active)
        *out = (gcs_replay_gc_now){.phase = -1, .pass_no = r->m.passes_begun};
}

size_t
gcs_replay_n_pass_objects(const gcs_replay *r)
{
    return r ? r->m.pass_objs.n : 0;
}

int
gcs_replay_pass_object_at(const gcs_replay *r, size_t k, uint64_t *id)
{
    if (r == NULL || id == NULL)
        return GCS_EINVAL;
    *id = 0;
    if (k >= r->m.pass_objs.n)
        return GCS_EINDEX;
    *id = r->m.pass_objs.v[k];
    return 0;
}

size_t
gcs_replay_n_garbage(const gcs_replay *r)
{
    return r ? r->m.garbage.n : 0;
}

int
gcs_replay_garbage_at(const gcs_replay *r, size_t k, uint64_t *id)
{
    if (r == NULL || id == NULL)
        return GCS_EINVAL;
    *id = 0;
    if (k >= r->m.garbage.n)
        return GCS_EINDEX;
    *id = r->m.garbage.v[k];
    return 0;
}

const char *
gcs_replay_last_marker(const gcs_replay *r, uint64_t *event)
{
    if (event)
        *event = r && r->m.last_marker ? r->m.last_marker_ev : 0;
    return r ? r->m.last_marker : NULL;
}

void
gcs_replay_gc_stats(const gcs_replay *r, gcs_replay_gen_stats out[3])
{
    for (int i = 0; i < 3; i++)
        out[i] = r ? r->m.stats[i] : (gcs_replay_gen_stats){0, 0, 0};
}

void
gcs_replay_gc_config_at(const gcs_replay *r, gcs_replay_gc_config *out)
{
    memset(out, 0, sizeof *out);
    if (r == NULL)
        return;
    *out = r->m.cfg;
    if (!r->m.cfg_seen) { /* before any GC_CONFIG: the trace header's config */
        gcs_trace_info info;
        gcs_reader_info(r->rd, &info);
        out->enabled = (info.gc_flags & 1) != 0;
        out->debug = (info.gc_flags >> 8) & 0xff;
        for (int i = 0; i < 3; i++)
            out->thresholds[i] = info.thresholds[i];
    }
}

/* {==== Timelines ====} */

size_t
gcs_replay_n_passes(const gcs_replay *r)
{
    return r ? r->n_passes : 0;
}

int
gcs_replay_pass_at(const gcs_replay *r, size_t k, gcs_replay_pass *out)
{
    if (r == NULL || out == NULL)
        return GCS_EINVAL;
    memset(out, 0, sizeof *out);
    if (k >= r->n_passes)
        return GCS_EINDEX;
    *out = r->passes[k];
    return 0;
}

size_t
gcs_replay_n_markers(const gcs_replay *r)
{
    return r ? r->n_markers : 0;
}

int
gcs_replay_marker_at(const gcs_replay *r, size_t k, gcs_replay_marker *out)
{
    if (r == NULL || out == NULL)
        return GCS_EINVAL;
    memset(out, 0, sizeof *out);
    if (k >= r->n_markers)
        return GCS_EINDEX;
    *out = r->markers[k];
    return 0;
}

size_t
gcs_replay_n_errors(const gcs_replay *r)
{
    return r ? r->n_errors : 0;
}

int
gcs_replay_error_at(const gcs_replay *r, size_t k, gcs_replay_error *out)
{
    if (r == NULL || out == NULL)
        return GCS_EINVAL;
    memset(out, 0, sizeof *out);
    if (k >= r->n_errors)
        return GCS_EINDEX;
    *out = r->errors[k];
    return 0;
}

/* {==== Refcount history ====} */

typedef struct hist {
    gcs_replay_rc_point *v;
    size_t n, cap;
} hist;

static int
hist_push(hist *h, uint64_t i, int64_t rc, gcs_ev_kind kind, const gcs_site *site)
{
    if (gcs_model_grow((void **)&h->v, &h->cap, h->n + 1, sizeof *h->v))
        return GCS_ENOMEM;
    h->v[h->n++] = (gcs_replay_rc_point){i, rc, kind, site};
    return 0;
}

/* One event's contribution; returns 1 when the object's FREE was seen. */
static int
hist_event(hist *h, uint64_t id, uint64_t i, const gcs_event *ev, int *seen_alloc, int *rc)
{
    switch (ev->kind) {
    case GCS_EV_ALLOC:
        if (ev->u.alloc.obj == id) {
            h->n = 0; /* a re-allocation restarts the history */
            *seen_alloc = 1;
            *rc = hist_push(h, i, 1, GCS_EV_ALLOC, ev->site);
        }
        return 0;
    case GCS_EV_INCREF:
        if (ev->u.incref.obj == id && *seen_alloc)
            *rc = hist_push(h, i, ev->u.incref.refcnt, GCS_EV_INCREF, ev->site);
        return 0;
    case GCS_EV_DECREF:
        if (ev->u.decref.obj == id && *seen_alloc)
            *rc = hist_push(h, i, ev->u.decref.refcnt, GCS_EV_DECREF, ev->site);
        return 0;
    case GCS_EV_FREE:
        if (ev->u.free.obj == id && *seen_alloc) {
            *rc = hist_push(h, i, 0, GCS_EV_FREE, ev->site);
            return 1;
        }
        return 0;
    case GCS_EV_LABEL:
    case GCS_EV_REF_SET:
    case GCS_EV_REF_DEL:
    case GCS_EV_TRACK:
    case GCS_EV_UNTRACK:
    case GCS_EV_FRAME_PUSH:
    case GCS_EV_FRAME_POP:
    case GCS_EV_VAR_SET:
    case GCS_EV_VAR_DEL:
    case GCS_EV_WEAKREF_NEW:
    case GCS_EV_WEAKREF_CLEAR:
    case GCS_EV_WEAKREF_CALLBACK:
    case GCS_EV_FINALIZE:
    case GCS_EV_RESURRECT:
    case GCS_EV_GC_BEGIN:
    case GCS_EV_GC_PHASE:
    case GCS_EV_GC_REFS:
    case GCS_EV_GC_STATE:
    case GCS_EV_GC_PROMOTE:
    case GCS_EV_GC_GARBAGE:
    case GCS_EV_GC_END:
    case GCS_EV_GC_CONFIG:
    case GCS_EV_FREEZE:
    case GCS_EV_UNFREEZE:
    case GCS_EV_MARKER:
    case GCS_EV_ERROR:
    case GCS_EV_HEAP_END:
    case GCS_EV_INTERNAL:
    case GCS_EV__COUNT:
        return 0;
    }
    return 0;
}

int
gcs_replay_rc_history(gcs_replay *r, uint64_t id, gcs_replay_rc_point **out, size_t *n)
{
    if (r == NULL || out == NULL || n == NULL)
        return GCS_EINVAL;
    *out = NULL;
    *n = 0;
    uint64_t start = 0;
    uint32_t k = gcs_model_find(&r->m, id);
    if (k != M_NIL && gcs_obj_u(&r->m, k, W_ALLOC_EV) != UINT64_MAX)
        start = gcs_obj_u(&r->m, k, W_ALLOC_EV);
    hist h = {0};
    int seen = 0, rc = 0, done = 0;
    for (uint64_t i = start; i < r->n_events && !done && rc == 0;) {
        size_t cn;
        uint64_t first;
        const gcs_event *evs = gcs_reader_chunk_events_(r->rd, i, &cn, &first);
        if (evs == NULL) {
            rc = GCS_ENOMEM;
            break;
        }
        for (size_t j = (size_t)(i - first); j < cn && !done && rc == 0; j++, i++)
            done = hist_event(&h, id, i, &evs[j], &seen, &rc);
    }
    if (rc == 0 && !seen)
        rc = GCS_ENOTFOUND;
    if (rc != 0) {
        free(h.v);
        return rc;
    }
    *out = h.v;
    *n = h.n;
    return 0;
}

void
gcs_replay_history_free(gcs_replay_rc_point *points)
{
    free(points);
}

/* {==== Test access (replay_int.h) ====} */

const gcs_model *
gcs_replay_model_(const gcs_replay *r)
{
    (void)model_ready(r);
    return &r->m;
}

gcs_reader *
gcs_replay_reader_(gcs_replay *r)
{
    return r->rd;
}

size_t
gcs_replay_n_keyframes_(const gcs_replay *r)
{
    return r->n_kf;
}

bool
gcs_replay_cached_(const gcs_replay *r)
{
    return r->xl != NULL;
}
