/* tests/fuzz/fuzz_replay_events.c — replay-model harness. The input bytes are
 * turned into a sequence of well-formed but semantically arbitrary events
 * (byte 0: kind; then one byte per field: O ids from a small range so events
 * collide, small U/I values, strings from a short pool), recorded into an
 * in-memory trace, and opened through the public replay API. So the model
 * meets what a buggy or hostile recorder could write: a decref of an unknown
 * object, a free twice, references from freed objects, frames popped that
 * were never pushed, passes that never end. Then the cursor seeks forwards,
 * backwards and to keyframes, and every state query is made. */
#include <stdint.h>
#include <string.h>

#include "gcscope/replay.h"
#include "gcscope/trace.h"
#include "trace/trace_int.h"

#include "fuzz_harness.h"

#define MAX_FUZZ_EVENTS 4096u

static const char *const strpool[8] = {NULL, "", "list", "Node", ".next", "[0]", "x", "<module>"};
static const gcs_site fuzz_site = {"fuzz.c", "fuzz", 7};

/* Build one event from the bytes at *p; returns false when input runs out. */
static bool
next_event(const uint8_t **p, const uint8_t *end, gcs_event *ev)
{
    if (*p >= end)
        return false;
    memset(ev, 0, sizeof *ev);
    uint8_t k = *(*p)++;
    ev->kind = (gcs_ev_kind)(k % GCS_EV__COUNT);
    ev->site = (k & 0x80) ? &fuzz_site : NULL;
    const gcs_ev_desc *d = gcs_ev_describe(ev->kind);
    for (unsigned f = 0; d != NULL && f < d->n_fields; f++) {
        uint8_t b = *p < end ? *(*p)++ : 0;
        switch (d->tags[f]) {
        case 'O':
            *gcs_ev_field_u64(ev, f) = b % 24u; /* 0 = none */
            break;
        case 'I':
            *gcs_ev_field_u64(ev, f) = (uint64_t)(int64_t)(int8_t)b;
            break;
        case 'S':
            *gcs_ev_field_str(ev, f) = strpool[b & 7];
            break;
        default: /* 'U': keep small but allow huge values now and then */
            *gcs_ev_field_u64(ev, f) = b == 0xff ? UINT64_MAX : (uint64_t)(b % 16u);
            break;
        }
    }
    return true;
}

static void
query_state(gcs_replay *r)
{
    gcs_replay_obj o;
    gcs_replay_ref ref;
    size_t n = gcs_replay_n_objects(r);
    for (size_t k = 0; k < n; k++) {
        if (gcs_replay_object_at(r, k, &o) != 0)
            continue;
        for (size_t j = 0; j < o.n_refs_out; j++)
            (void)gcs_replay_ref_out(r, o.id, j, &ref);
        for (size_t j = 0; j < o.n_refs_in; j++)
            (void)gcs_replay_ref_in(r, o.id, j, &ref);
    }
    for (uint64_t id = 0; id < 24; id++)
        (void)gcs_replay_object(r, id, &o);
    (void)gcs_replay_n_alive(r);
    gcs_replay_frame fr;
    gcs_replay_var var;
    for (size_t k = 0; k < gcs_replay_n_frames(r); k++)
        if (gcs_replay_frame_at(r, k, &fr) == 0)
            for (size_t j = 0; j < fr.n_vars; j++)
                (void)gcs_replay_var_at(r, k, j, &var);
    gcs_replay_weakref wr;
    for (size_t k = 0; k < gcs_replay_n_weakrefs(r); k++)
        (void)gcs_replay_weakref_at(r, k, &wr);
}

static void
exercise(gcs_replay *r)
{
    uint64_t n = gcs_replay_n_events(r);
    (void)gcs_replay_seek(r, n);
    query_state(r);
    (void)gcs_replay_seek(r, n / 2);
    query_state(r);
    (void)gcs_replay_step(r, -1);
    (void)gcs_replay_step(r, 3);
    query_state(r);
    gcs_replay_pass ps;
    gcs_replay_marker mk;
    gcs_replay_error er;
    for (size_t k = 0; k < gcs_replay_n_passes(r); k++)
        (void)gcs_replay_pass_at(r, k, &ps);
    for (size_t k = 0; k < gcs_replay_n_markers(r); k++)
        (void)gcs_replay_marker_at(r, k, &mk);
    for (size_t k = 0; k < gcs_replay_n_errors(r); k++)
        (void)gcs_replay_error_at(r, k, &er);
    for (uint64_t id = 1; id < 6; id++) {
        gcs_replay_rc_point *pts = NULL;
        size_t np = 0;
        if (gcs_replay_rc_history(r, id, &pts, &np) == 0)
            gcs_replay_history_free(pts);
    }
    (void)gcs_replay_seek(r, 0);
    query_state(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gcs_recorder_opts ro;
    gcs_recorder_opts_init(&ro);
    ro.compress = (size & 1) != 0;
    ro.chunk_bytes = 256; /* many chunks, so keyframes and chunk edges are hit */
    ro.start_unix_ns = 1;
    ro.writer_pid = 1;
    ro.quiet = true;
    gcs_recorder *rec = NULL;
    if (gcs_recorder_open_mem(&ro, &rec) != 0)
        return 0;
    const uint8_t *p = data, *end = data + size;
    gcs_event ev;
    for (unsigned i = 0; i < MAX_FUZZ_EVENTS && next_event(&p, end, &ev); i++)
        gcs_recorder_hook(rec, &ev);
    size_t len = 0;
    const uint8_t *img = NULL;
    if (gcs_recorder_finish(rec) == 0)
        img = gcs_recorder_mem_data(rec, &len);
    gcs_replay_opts opts;
    gcs_replay_opts_init(&opts);
    opts.freed_window = 8;
    gcs_replay *r = NULL;
    if (img != NULL && gcs_replay_open_mem(img, len, "fuzz", &opts, &r) == 0) {
        exercise(r);
        gcs_replay_close(r);
    }
    gcs_recorder_close(rec);
    return 0;
}
