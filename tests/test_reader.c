/* tests/test_reader.c — the reader on damaged input. A small multi-chunk
 * trace is truncated at EVERY byte offset and hit with seeded random bit
 * flips; each time the reader must not crash (run it under ASan/UBSan), must
 * recover exactly the events of the intact chunks before the damage, and must
 * report the byte offset and event index where the damage starts. Also:
 * garbage after a valid header, a file on disk (mmap path), salvage mode,
 * the missing-index (killed between chunks) case, and header failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gcscope/runtime.h"
#include "gcscope/trace.h"
#include "test_trace_util.h"
#include "trace/reader_int.h"
#include "trace/trace_int.h"

typedef struct layout {
    uint64_t off[256];       /* chunk header offsets, then the trailer offset */
    uint64_t end[256];       /* chunk end offsets */
    uint64_t ev_before[256]; /* events in EVENTS chunks before chunk k */
    size_t n;                /* chunks (INDEX included) */
    uint64_t trailer;        /* trailer offset */
    uint64_t total;
} layout;

/* Walk the chunk headers of an intact trace. */
static void
scan_layout(const uint8_t *b, size_t len, layout *L)
{
    memset(L, 0, sizeof *L);
    uint64_t off = GCS_TR_HEADER_LEN, events = 0;
    while (off + GCS_TR_CHUNK_HDR <= len && gcs_get_le32(b + off) == GCS_TR_CHUNK_MAGIC) {
        assert_true(L->n < 256);
        L->off[L->n] = off;
        L->ev_before[L->n] = events;
        uint32_t stored = gcs_get_le32(b + off + 4);
        if (b[off + 12] == GCS_TR_KIND_EVENTS)
            events += gcs_get_le32(b + off + 32);
        off += GCS_TR_CHUNK_HDR + stored;
        L->end[L->n++] = off;
    }
    L->trailer = off;
    L->total = events;
    assert_int_equal(len - off, GCS_TR_TRAILER_LEN);
}

static uint8_t *
make_trace(size_t *len, tt_owned **evs, size_t *n_evs)
{
    gcs_recorder_opts o;
    tt_opts(&o, 300, 1);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    tt_gen g;
    memset(&g, 0, sizeof g);
    g.rng.s = 31337;
    *n_evs = 700;
    *evs = calloc(*n_evs, sizeof **evs);
    for (size_t i = 0; i < *n_evs; i++) {
        gcs_event ev;
        tt_gen_event(&g, (int)(i % 3 == 0 ? GCS_EV_INCREF : -1), &ev);
        if (ev.kind == GCS_EV_MARKER || ev.kind == GCS_EV_ERROR || ev.kind == GCS_EV_LABEL)
            ev.kind = GCS_EV_DECREF; /* keep the strings short: more chunks */
        tt_own(&(*evs)[i], &ev);
        gcs_recorder_hook(rec, &ev);
    }
    assert_int_equal(gcs_recorder_finish(rec), 0);
    uint8_t *b = tt_take(rec, len);
    gcs_recorder_close(rec);
    return b;
}

static void
free_evs(tt_owned *evs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tt_unown(&evs[i]);
    free(evs);
}

/* The recovered events must be exactly the first `want` original ones. */
static void
check_prefix(gcs_reader *r, const tt_owned *evs, uint64_t want, const char *what, uint64_t at)
{
    if (gcs_reader_n_events(r) != want)
        fail_msg("%s at %" PRIu64 ": recovered %" PRIu64 " events, want %" PRIu64, what, at,
                 gcs_reader_n_events(r), want);
    gcs_event ev;
    char why[200];
    for (uint64_t i = 0; i < want; i++) {
        assert_int_equal(gcs_reader_event(r, i, &ev), 0);
        if (!tt_ev_equal(&evs[i].ev, &ev, why, sizeof why))
            fail_msg("%s at %" PRIu64 ": event #%" PRIu64 ": %s", what, at, i, why);
    }
}

/* The chunk containing byte t (L->n for the trailer). */
static size_t
chunk_of(const layout *L, uint64_t t)
{
    for (size_t k = 0; k < L->n; k++)
        if (t < L->end[k])
            return k;
    return L->n;
}

static void
test_reader__truncated_at_every_offset(void **state)
{
    (void)state;
    size_t len, n_evs;
    tt_owned *evs;
    uint8_t *full = make_trace(&len, &evs, &n_evs);
    layout L;
    scan_layout(full, len, &L);
    assert_true(L.n >= 8); /* several chunks, or the test proves little */
    assert_true(L.total == n_evs);
    for (uint64_t t = 0; t <= len; t++) {
        uint8_t *b = malloc(t ? t : 1); /* exact size: ASan sees any overread */
        memcpy(b, full, t);
        gcs_reader *r;
        int rc = gcs_reader_open_mem(b, t, "cut", NULL, &r);
        if (t < GCS_TR_HEADER_LEN) {
            assert_true(rc == GCS_ETRUNC);
            assert_null(r);
            free(b);
            continue;
        }
        assert_int_equal(rc, 0);
        gcs_trace_damage dmg;
        gcs_reader_damage(r, &dmg);
        gcs_trace_info info;
        gcs_reader_info(r, &info);
        size_t k = chunk_of(&L, t);
        int at_boundary = t == GCS_TR_HEADER_LEN || (k > 0 && t == L.end[k - 1]) || t == len;
        uint64_t want = k < L.n ? L.ev_before[k] : L.total;
        if (t == L.trailer || t == len) /* INDEX complete */
            want = L.total;
        check_prefix(r, evs, want, "truncation", t);
        if (at_boundary) {
            if (dmg.damaged)
                fail_msg("cut at boundary %" PRIu64 " reported damage: %s", t,
                         gcs_reader_errmsg(r));
            assert_true(info.clean_close == (t == len));
        } else {
            if (!dmg.damaged)
                fail_msg("cut at %" PRIu64 " not reported", t);
            uint64_t start = k < L.n ? L.off[k] : L.trailer;
            assert_true(dmg.byte_offset == start);
            assert_true(dmg.event_index == want);
            assert_true(dmg.bytes_lost == t - start);
            assert_false(info.clean_close);
            char hex[64];
            snprintf(hex, sizeof hex, "cut: byte 0x%" PRIx64 " (event #%" PRIu64 "): ", start,
                     want);
            if (strstr(gcs_reader_errmsg(r), hex) == NULL)
                fail_msg("message '%s' lacks '%s'", gcs_reader_errmsg(r), hex);
        }
        gcs_reader_close(r);
        free(b);
    }
    free(full);
    free_evs(evs, n_evs);
}

static void
test_reader__random_bit_flips_recover_intact_prefix(void **state)
{
    (void)state;
    size_t len, n_evs;
    tt_owned *evs;
    uint8_t *full = make_trace(&len, &evs, &n_evs);
    layout L;
    scan_layout(full, len, &L);
    tt_rng rng = {0xC0FFEE};
    uint8_t *b = malloc(len);
    for (int round = 0; round < 3000; round++) {
        memcpy(b, full, len);
        int flips = 1 + (int)tt_below(&rng, 3);
        uint64_t first = UINT64_MAX;
        for (int f = 0; f < flips; f++) {
            uint64_t pos = tt_below(&rng, len);
            b[pos] ^= (uint8_t)(1u << tt_below(&rng, 8));
            if (pos < first)
                first = pos;
        }
        gcs_reader *r;
        int rc = gcs_reader_open_mem(b, len, "flip", NULL, &r);
        if (first < GCS_TR_HEADER_LEN) {
            if (rc == 0) /* only possible if the flips cancelled out */
                assert_memory_equal(b, full, GCS_TR_HEADER_LEN);
            gcs_reader_close(r);
            continue;
        }
        assert_int_equal(rc, 0);
        size_t k = chunk_of(&L, first);
        uint64_t want = k < L.n ? L.ev_before[k] : L.total;
        gcs_trace_damage dmg;
        gcs_reader_damage(r, &dmg);
        if (memcmp(b, full, len) == 0) { /* flips cancelled */
            assert_false(dmg.damaged);
        } else {
            check_prefix(r, evs, want, "flip", first);
            assert_true(dmg.damaged);
            assert_true(dmg.byte_offset == (k < L.n ? L.off[k] : L.trailer));
            assert_true(dmg.event_index == want);
        }
        gcs_reader_close(r);
    }
    free(b);
    free(full);
    free_evs(evs, n_evs);
}

static void
test_reader__garbage_after_header_never_crashes(void **state)
{
    (void)state;
    size_t len, n_evs;
    tt_owned *evs;
    uint8_t *full = make_trace(&len, &evs, &n_evs);
    tt_rng rng = {77};
    for (int round = 0; round < 500; round++) {
        size_t n = GCS_TR_HEADER_LEN + (size_t)tt_below(&rng, 3000);
        uint8_t *b = malloc(n);
        memcpy(b, full, GCS_TR_HEADER_LEN);
        for (size_t i = GCS_TR_HEADER_LEN; i < n; i++)
            b[i] = (uint8_t)tt_next(&rng);
        if (round % 2 && n > GCS_TR_HEADER_LEN + 4) /* a plausible chunk magic */
            gcs_put_le32(b + GCS_TR_HEADER_LEN, GCS_TR_CHUNK_MAGIC);
        for (int salvage = 0; salvage < 2; salvage++) {
            gcs_reader_opts o = {.salvage = salvage != 0};
            gcs_reader *r;
            assert_int_equal(gcs_reader_open_mem(b, n, "junk", &o, &r), 0);
            gcs_trace_damage dmg;
            gcs_reader_damage(r, &dmg);
            assert_true(dmg.damaged);
            assert_true(dmg.byte_offset == GCS_TR_HEADER_LEN);
            assert_true(gcs_reader_n_events(r) == 0 || salvage);
            gcs_reader_close(r);
        }
        free(b);
    }
    free(full);
    free_evs(evs, n_evs);
}

static void
test_reader__salvage_skips_a_bad_middle_chunk(void **state)
{
    (void)state;
    size_t len, n_evs;
    tt_owned *evs;
    uint8_t *b = make_trace(&len, &evs, &n_evs);
    layout L;
    scan_layout(b, len, &L);
    size_t k = 3;
    b[L.off[k] + GCS_TR_CHUNK_HDR + 2] ^= 0x40; /* payload of chunk 3 */
    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(b, len, "mid", NULL, &r), 0);
    assert_true(gcs_reader_n_events(r) == L.ev_before[k]);
    gcs_reader_close(r);
    gcs_reader_opts o = {.salvage = true};
    assert_int_equal(gcs_reader_open_mem(b, len, "mid", &o, &r), 0);
    uint64_t lost = L.ev_before[k + 1] - L.ev_before[k];
    assert_true(gcs_reader_n_events(r) == n_evs - lost);
    gcs_trace_damage dmg;
    gcs_reader_damage(r, &dmg);
    assert_true(dmg.damaged && dmg.byte_offset == L.off[k]);
    /* events after the gap are the originals after the lost chunk */
    gcs_event ev;
    char why[200];
    assert_int_equal(gcs_reader_event(r, L.ev_before[k], &ev), 0);
    if (!tt_ev_equal(&evs[L.ev_before[k + 1]].ev, &ev, why, sizeof why))
        fail_msg("first event after the gap: %s", why);
    gcs_trace_info info;
    gcs_reader_info(r, &info);
    assert_false(info.clean_close);
    gcs_reader_close(r);
    free(b);
    free_evs(evs, n_evs);
}

static void
test_reader__file_backend_and_missing_index(void **state)
{
    (void)state;
    size_t len, n_evs;
    tt_owned *evs;
    uint8_t *b = make_trace(&len, &evs, &n_evs);
    layout L;
    scan_layout(b, len, &L);
    char path[256];
    snprintf(path, sizeof path, "/tmp/gcs_test_reader_%ld.gctrace", (long)getpid());
    /* a recorder killed between chunks: no INDEX, no trailer */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(b, 1, L.off[L.n - 1], f);
    fclose(f);
    gcs_reader *r;
    assert_int_equal(gcs_reader_open(path, NULL, &r), 0);
    gcs_trace_damage dmg;
    gcs_reader_damage(r, &dmg);
    gcs_trace_info info;
    gcs_reader_info(r, &info);
    assert_false(dmg.damaged);
    assert_false(info.clean_close);
    assert_string_equal(gcs_reader_errmsg(r), "");
    check_prefix(r, evs, n_evs, "no index", 0);
    assert_string_equal(info.recorder, "gcscope " GCS_VERSION_STRING);
    gcs_reader_close(r);
    unlink(path);
    assert_int_equal(gcs_reader_open(path, NULL, &r), GCS_EIO);
    assert_non_null(strstr(gcs_reader_open_errmsg(), path));
    free(b);
    free_evs(evs, n_evs);
}

/* on_batch gets each chunk's events at once, in order, with the indices
 * on_event would get; the events are the recorded ones; on a truncated file
 * only the intact chunks' events are delivered; a non-zero return cancels. */
typedef struct batch_seen {
    const tt_owned *evs;
    uint64_t next;    /* index the next batch must start at */
    size_t calls;     /* batches seen */
    size_t cancel_at; /* return 1 on this call (0: never) */
    uint64_t digest;  /* of the kinds and timestamps seen, in order */
} batch_seen;

static int
count_batch(void *ud, uint64_t first, const gcs_event *ev, size_t n)
{
    batch_seen *b = ud;
    char why[200];
    assert_int_equal(first, b->next);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        if (b->evs && !tt_ev_equal(&b->evs[first + i].ev, &ev[i], why, sizeof why))
            fail_msg("batch event #%" PRIu64 ": %s", first + i, why);
        b->digest = (b->digest ^ (uint64_t)ev[i].kind ^ ev[i].t_ns << 8) * 0x100000001b3ull;
    }
    b->next += n;
    return ++b->calls == b->cancel_at;
}

static void
test_reader__batches_deliver_every_event_in_order(void **state)
{
    (void)state;
    size_t len, n_evs;
    tt_owned *evs;
    uint8_t *b = make_trace(&len, &evs, &n_evs);
    layout L;
    scan_layout(b, len, &L);
    batch_seen seen = {evs, 0, 0, 0, 0};
    gcs_reader_opts o = {0};
    o.on_batch = count_batch;
    o.on_event_ud = &seen;
    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(b, len, "batch", &o, &r), 0);
    assert_int_equal(seen.next, n_evs);
    assert_true(seen.calls >= 3); /* one per EVENTS chunk: the trace has several */
    gcs_reader_close(r);
    /* cut inside the third chunk: exactly the first two chunks' events */
    seen = (batch_seen){evs, 0, 0, 0, 0};
    assert_int_equal(gcs_reader_open_mem(b, L.off[2] + 50, "batch", &o, &r), 0);
    assert_int_equal(seen.next, L.ev_before[2]);
    assert_int_equal(gcs_reader_n_events(r), L.ev_before[2]);
    gcs_reader_close(r);
    /* cancel on the second batch */
    seen = (batch_seen){evs, 0, 0, 2, 0};
    assert_int_equal(gcs_reader_open_mem(b, len, "batch", &o, &r), GCS_ECALL);
    assert_null(r);
    assert_int_equal(seen.calls, 2);
    free(b);
    free_evs(evs, n_evs);
}

/* One open with a given decode_thread setting: what a caller can observe. */
typedef struct open_seen {
    int rc;
    batch_seen b;
    uint64_t n_events;
    gcs_trace_damage dmg;
    gcs_trace_info info;
    char msg[512];
} open_seen;

static void
open_with(const uint8_t *b, size_t len, bool salvage, int thread, size_t cancel_at,
          const tt_owned *evs, open_seen *out)
{
    memset(out, 0, sizeof *out);
    out->b = (batch_seen){salvage ? NULL : evs, 0, 0, cancel_at, 0}; /* salvage renumbers */
    gcs_reader_opts o = {0};
    o.on_batch = count_batch;
    o.on_event_ud = &out->b;
    o.salvage = salvage;
    o.decode_thread = thread;
    gcs_reader *r;
    out->rc = gcs_reader_open_mem(b, len, "both", &o, &r);
    if (out->rc != 0) {
        snprintf(out->msg, sizeof out->msg, "%s", gcs_reader_open_errmsg());
        return;
    }
    out->n_events = gcs_reader_n_events(r);
    gcs_reader_damage(r, &out->dmg);
    gcs_reader_info(r, &out->info);
    snprintf(out->msg, sizeof out->msg, "%s", gcs_reader_errmsg(r));
    gcs_reader_close(r);
}

/* The decode thread (decode_thread > 0) and the one-thread scan must be
 * indistinguishable: same result, events delivered (checked against the
 * recorded ones by count_batch), damage, info and message. */
static void
check_both(const uint8_t *b, size_t len, bool salvage, size_t cancel_at, const tt_owned *evs,
           const char *what, uint64_t at)
{
    open_seen one, two;
    open_with(b, len, salvage, -1, cancel_at, evs, &one);
    open_with(b, len, salvage, 1, cancel_at, evs, &two);
    if (one.rc != two.rc || one.b.next != two.b.next || one.b.calls != two.b.calls ||
        one.b.digest != two.b.digest || one.n_events != two.n_events ||
        strcmp(one.msg, two.msg) != 0)
        fail_msg("%s at %" PRIu64 ": one thread rc %d, %" PRIu64 " events in %zu batches, '%s'; "
                 "two threads rc %d, %" PRIu64 " in %zu, '%s'",
                 what, at, one.rc, one.b.next, one.b.calls, one.msg, two.rc, two.b.next,
                 two.b.calls, two.msg);
    if (one.rc != 0)
        return;
    assert_int_equal(one.dmg.damaged, two.dmg.damaged);
    assert_int_equal(one.dmg.byte_offset, two.dmg.byte_offset);
    assert_int_equal(one.dmg.event_index, two.dmg.event_index);
    assert_int_equal(one.dmg.code, two.dmg.code);
    assert_int_equal(one.info.n_chunks, two.info.n_chunks);
    assert_int_equal(one.info.last_t_ns, two.info.last_t_ns);
    assert_int_equal(one.info.clean_close, two.info.clean_close);
    assert_int_equal(one.info.raw_bytes, two.info.raw_bytes);
    assert_int_equal(one.info.stored_bytes, two.info.stored_bytes);
}

static void
test_reader__decode_thread_matches_one_thread(void **state)
{
    (void)state;
    size_t len, n_evs;
    tt_owned *evs;
    uint8_t *full = make_trace(&len, &evs, &n_evs);
    for (uint64_t t = GCS_TR_HEADER_LEN; t <= len; t++) {
        uint8_t *b = malloc(t); /* exact size: ASan sees any overread */
        memcpy(b, full, t);
        check_both(b, t, false, 0, evs, "truncation", t);
        free(b);
    }
    tt_rng rng = {0xBEEF};
    uint8_t *b = malloc(len);
    for (int round = 0; round < 400; round++) {
        memcpy(b, full, len);
        uint64_t pos = GCS_TR_HEADER_LEN + tt_below(&rng, len - GCS_TR_HEADER_LEN);
        b[pos] ^= (uint8_t)(1u << tt_below(&rng, 8));
        check_both(b, len, round % 2 == 1, 0, evs, "flip", pos);
    }
    for (size_t cancel = 1; cancel <= 4; cancel++) /* a callback stops the open */
        check_both(full, len, false, cancel, evs, "cancel", cancel);
    free(b);
    free(full);
    free_evs(evs, n_evs);
}

/* Issue #8: real traces give most objects their own label, and a reader that
 * interned every string kept them all (a 1 GB trace went past 3 GB). LABEL
 * texts now live in a per-chunk buffer: the pool stays small, and every label
 * still reads back with its content (by index, forwards and backwards). */
static void
test_reader__unique_labels_do_not_grow_the_pool(void **state)
{
    (void)state;
    gcs_recorder_opts o;
    tt_opts(&o, 4096, 0);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    enum { N = 20000 };
    for (uint64_t i = 0; i < N; i++) {
        char text[48];
        snprintf(text, sizeof text, "<tuple %" PRIu64 " (%" PRIu64 ", ...)>", i, i * 7919);
        gcs_event ev = {.kind = GCS_EV_LABEL};
        ev.u.label.obj = i + 1;
        ev.u.label.text = text;
        gcs_recorder_hook(rec, &ev);
        ev = (gcs_event){.kind = GCS_EV_ALLOC};
        ev.u.alloc = (gcs_ev_alloc){.obj = i + 1, .type = i & 1 ? "tuple" : "list", .size = 8};
        gcs_recorder_hook(rec, &ev);
    }
    assert_int_equal(gcs_recorder_finish(rec), 0);
    size_t len;
    uint8_t *b = tt_take(rec, &len);
    gcs_recorder_close(rec);
    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(b, len, "labels", NULL, &r), 0);
    assert_true(gcs_reader_n_events(r) == 2 * N);
    size_t pool = gcs_reader_pool_bytes_(r);
    printf("# %d unique labels (%zu trace bytes): string pool %zu bytes\n", N, len, pool);
    assert_true(pool < 128 * 1024); /* interning them all takes > 600 KB */
    for (uint64_t k = 0; k < 2 * N; k += 997) {
        uint64_t i = (2 * N - 2) - (k & ~(uint64_t)1); /* backwards, LABEL events only */
        gcs_event ev;
        assert_int_equal(gcs_reader_event(r, i, &ev), 0);
        assert_int_equal(ev.kind, GCS_EV_LABEL);
        char want[48];
        snprintf(want, sizeof want, "<tuple %" PRIu64 " (%" PRIu64 ", ...)>", i / 2,
                 (i / 2) * 7919);
        assert_string_equal(ev.u.label.text, want);
        assert_int_equal(gcs_reader_event(r, i + 1, &ev), 0);
        assert_string_equal(ev.u.alloc.type, (i / 2) & 1 ? "tuple" : "list");
    }
    gcs_reader_close(r);
    free(b);
}

/* The decoder's fast path reads varints without a per-byte bounds check far
 * from a payload's end (reader.c, DEC_FAST_ROOM). Damage that passes the CRC
 * (a buggy writer) must still never read outside the payload and must be
 * reported at its chunk: one uncompressed 64 KiB-chunk trace, a run of 12
 * 0xFF bytes (an over-long varint) written at ~1500 payload offsets of its
 * biggest EVENTS chunk with the CRC recomputed. Each time the reader either
 * reads the chunk (the bytes were inside a string) or reports damage at that
 * chunk with the events before it intact. Run under ASan for the bounds. */
static void
test_reader__fast_path_damage_behind_a_valid_crc(void **state)
{
    (void)state;
    gcs_recorder_opts o;
    tt_opts(&o, 65536, 0);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    tt_gen g;
    memset(&g, 0, sizeof g);
    g.rng.s = 4711;
    for (int i = 0; i < 6000; i++) {
        gcs_event ev;
        tt_gen_event(&g, -1, &ev);
        if (ev.kind == GCS_EV_GC_END)
            ev.kind = GCS_EV_DECREF; /* no flush: full 64 KiB chunks */
        gcs_recorder_hook(rec, &ev);
    }
    assert_int_equal(gcs_recorder_finish(rec), 0);
    size_t len;
    uint8_t *b = tt_take(rec, &len);
    gcs_recorder_close(rec);
    layout L;
    scan_layout(b, len, &L);
    size_t k = L.n; /* the biggest EVENTS chunk */
    for (size_t i = 0; i < L.n; i++)
        if (b[L.off[i] + 12] == GCS_TR_KIND_EVENTS &&
            (k == L.n || L.end[i] - L.off[i] > L.end[k] - L.off[k]))
            k = i;
    assert_true(k < L.n);
    uint64_t h = L.off[k], pay = h + GCS_TR_CHUNK_HDR, plen = L.end[k] - pay;
    assert_true(plen > 4 * 192); /* mostly on the fast path */
    uint8_t *c = malloc(len);
    size_t damaged = 0, tries = 0;
    uint64_t step = plen / 1500 > 5 ? plen / 1500 : 5;
    for (uint64_t at = 0; at < plen; at += step, tries++) {
        memcpy(c, b, len);
        for (uint64_t j = at; j < at + 12 && j < plen; j++)
            c[pay + j] = 0xFF;
        gcs_put_le32(c + h + 36, gcs_crc32c(gcs_crc32c(0, c + h + 4, 32), c + pay, plen));
        gcs_reader *r;
        assert_int_equal(gcs_reader_open_mem(c, len, "fast", NULL, &r), 0);
        gcs_trace_damage d;
        gcs_reader_damage(r, &d);
        if (d.damaged) {
            damaged++;
            if (d.byte_offset != h || d.event_index != L.ev_before[k])
                fail_msg("0xFF run at payload byte %" PRIu64 ": damage at 0x%" PRIx64
                         " event %" PRIu64 ", want 0x%" PRIx64 " event %" PRIu64,
                         at, d.byte_offset, d.event_index, h, L.ev_before[k]);
        }
        gcs_event ev;
        for (uint64_t i = 0; i < gcs_reader_n_events(r); i++)
            assert_int_equal(gcs_reader_event(r, i, &ev), 0);
        gcs_reader_close(r);
    }
    printf("# %zu of %zu runs of 0xFF damaged the chunk (the others fell in strings)\n", damaged,
           tries);
    assert_true(damaged > tries / 10); /* many runs hit record structure, not string bytes */
    free(c);
    free(b);
}

/* {==== Compact records (format 1.2): int labels as values, list slots as
 * indexes ====} */

/* Record i of a compact-record trace: a LABEL_INT (i % 3 == 0), a
 * REF_SET_INDEX (1) or a REF_DEL_INDEX (2); in the densest trace every
 * record is the int label with the longest text on one object. */
static int64_t
xr_value(uint64_t i, int densest)
{
    if (densest)
        return INT64_MIN; /* the longest text, 21 bytes with its NUL */
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull;
    return (int64_t)(x >> (i % 64)) * (i & 1 ? -1 : 1);
}

static uint64_t
xr_index(uint64_t i)
{
    return i % 7 == 0 ? (i * 0x9E3779B97F4A7C15ull) >> (i % 64) : i % 37; /* big, or cached */
}

static uint8_t *
make_compact_trace(size_t n, int densest, int zstd, size_t *len)
{
    static const gcs_site sites[2] = {{"a.c", "f", 1}, {"b.c", "g", 2}};
    gcs_recorder_opts o;
    tt_opts(&o, 4096, zstd);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    const gcs_hooks *hk = gcs_recorder_hooks();
    for (uint64_t i = 0; i < n; i++) {
        const gcs_site *s = densest || i % 4 == 0 ? NULL : &sites[i % 2];
        if (densest || i % 3 == 0)
            hk->label_int(rec, densest ? 9 : 1 + i % 5, xr_value(i, densest), s);
        else if (i % 3 == 1)
            hk->ref_set_index(rec, 1 + i % 5, xr_index(i), 100 + i, i % 2 ? 0 : 99 + i, s);
        else
            hk->ref_del_index(rec, 1 + i % 5, xr_index(i), 99 + i, s);
    }
    assert_int_equal(gcs_recorder_finish(rec), 0);
    uint8_t *b = tt_take(rec, len);
    gcs_recorder_close(rec);
    return b;
}

/* Every compact record reads back as the event it encodes: a LABEL whose
 * text is what printf writes, a REF_SET / REF_DEL whose slot is "[index]",
 * on its objects and site; the densest chunks (the longest text from the
 * shortest record, over and over) fit the reader's per-chunk text buffer. */
static void
test_reader__compact_records_read_back_as_their_events(void **state)
{
    (void)state;
    for (int densest = 0; densest < 2; densest++) {
        for (int z = 0; z < 2; z++) {
            size_t len, n = 20000;
            uint8_t *b = make_compact_trace(n, densest, z, &len);
            gcs_reader *r;
            assert_int_equal(gcs_reader_open_mem(b, len, "compact", NULL, &r), 0);
            gcs_trace_damage d;
            gcs_reader_damage(r, &d);
            assert_false(d.damaged);
            assert_true(gcs_reader_n_events(r) == n);
            gcs_event ev;
            char want[32];
            uint64_t i = 0;
            while (gcs_reader_next(r, &ev) == 1) {
                if (densest || i % 3 == 0) {
                    snprintf(want, sizeof want, "%" PRId64, xr_value(i, densest));
                    assert_int_equal(ev.kind, GCS_EV_LABEL);
                    assert_true(ev.u.label.obj == (densest ? 9 : 1 + i % 5));
                    assert_string_equal(ev.u.label.text, want);
                } else {
                    snprintf(want, sizeof want, "[%" PRIu64 "]", xr_index(i));
                    if (i % 3 == 1) {
                        assert_int_equal(ev.kind, GCS_EV_REF_SET);
                        assert_true(ev.u.ref_set.src == 1 + i % 5);
                        assert_string_equal(ev.u.ref_set.slot, want);
                        assert_true(ev.u.ref_set.dst == 100 + i);
                        assert_true(ev.u.ref_set.old == (i % 2 ? 0 : 99 + i));
                    } else {
                        assert_int_equal(ev.kind, GCS_EV_REF_DEL);
                        assert_true(ev.u.ref_del.src == 1 + i % 5);
                        assert_string_equal(ev.u.ref_del.slot, want);
                        assert_true(ev.u.ref_del.old == 99 + i);
                    }
                }
                if (densest || i % 4 == 0)
                    assert_null(ev.site);
                else
                    assert_int_equal(ev.site->line, 1 + (int)(i % 2));
                i++;
            }
            assert_true(i == n);
            gcs_reader_close(r);
            free(b);
        }
    }
}

/* A list slot written as text ("[3]" through the event hook) and as an index
 * (3 through ref_set_index) is one pooled string: the replay model keys
 * edges by the slot's pointer. */
static void
test_reader__index_and_text_slots_are_one_string(void **state)
{
    (void)state;
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(NULL, &rec), 0);
    for (uint64_t ix = 0; ix < 6000; ix += 999) {
        char text[32];
        snprintf(text, sizeof text, "[%" PRIu64 "]", ix);
        gcs_event ev = {.kind = GCS_EV_REF_SET};
        ev.u.ref_set = (gcs_ev_ref_set){1, text, 2, 0};
        gcs_recorder_hook(rec, &ev);
        gcs_recorder_hooks()->ref_set_index(rec, 1, ix, 3, 2, NULL);
        gcs_recorder_hooks()->ref_del_index(rec, 1, ix, 3, NULL);
    }
    assert_int_equal(gcs_recorder_finish(rec), 0);
    size_t len;
    uint8_t *b = tt_take(rec, &len);
    gcs_recorder_close(rec);
    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(b, len, "slots", NULL, &r), 0);
    assert_true(gcs_reader_n_events(r) == 3 * 7);
    for (uint64_t k = 0; k < 7; k++) {
        gcs_event a, c, d;
        assert_int_equal(gcs_reader_event(r, 3 * k, &a), 0);
        assert_int_equal(gcs_reader_event(r, 3 * k + 1, &c), 0);
        assert_int_equal(gcs_reader_event(r, 3 * k + 2, &d), 0);
        assert_true(a.u.ref_set.slot == c.u.ref_set.slot);
        assert_true(c.u.ref_set.slot == d.u.ref_del.slot);
    }
    gcs_reader_close(r);
    free(b);
}

/* Compact records damaged behind a valid CRC (a byte of a chunk's payload
 * changed, every third byte in turn): the reader never reads out of bounds, and either reads the
 * chunk or reports damage at it with the events before it intact. */
static void
test_reader__compact_record_damage_behind_a_valid_crc(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = make_compact_trace(3000, 0, 0, &len);
    layout L;
    scan_layout(b, len, &L);
    assert_true(L.n > 2);
    size_t k = 1; /* an EVENTS chunk in the middle */
    assert_int_equal(b[L.off[k] + 12], GCS_TR_KIND_EVENTS);
    uint64_t h = L.off[k], pay = h + GCS_TR_CHUNK_HDR, plen = L.end[k] - pay;
    uint8_t *c = malloc(len);
    tt_rng rng = {99};
    size_t damaged = 0;
    for (uint64_t at = 0; at < plen; at += 3) { /* every third byte: records are 5-12 bytes */
        memcpy(c, b, len);
        c[pay + at] = (uint8_t)(c[pay + at] ^ (1 + tt_below(&rng, 255)));
        gcs_put_le32(c + h + 36, gcs_crc32c(gcs_crc32c(0, c + h + 4, 32), c + pay, plen));
        gcs_reader *r;
        assert_int_equal(gcs_reader_open_mem(c, len, "compact", NULL, &r), 0);
        gcs_trace_damage d;
        gcs_reader_damage(r, &d);
        if (d.damaged) {
            damaged++;
            assert_true(d.byte_offset == h);
            assert_true(d.event_index == L.ev_before[k]);
        }
        gcs_event ev;
        for (uint64_t i = 0; i < gcs_reader_n_events(r); i++)
            assert_int_equal(gcs_reader_event(r, i, &ev), 0);
        gcs_reader_close(r);
    }
    printf("# %zu of %" PRIu64 " changed bytes damaged the chunk\n", damaged, (plen + 2) / 3);
    assert_true(damaged > plen / 30);
    free(c);
    free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader__truncated_at_every_offset),
        cmocka_unit_test(test_reader__random_bit_flips_recover_intact_prefix),
        cmocka_unit_test(test_reader__compact_records_read_back_as_their_events),
        cmocka_unit_test(test_reader__index_and_text_slots_are_one_string),
        cmocka_unit_test(test_reader__compact_record_damage_behind_a_valid_crc),
        cmocka_unit_test(test_reader__garbage_after_header_never_crashes),
        cmocka_unit_test(test_reader__salvage_skips_a_bad_middle_chunk),
        cmocka_unit_test(test_reader__file_backend_and_missing_index),
        cmocka_unit_test(test_reader__batches_deliver_every_event_in_order),
        cmocka_unit_test(test_reader__decode_thread_matches_one_thread),
        cmocka_unit_test(test_reader__unique_labels_do_not_grow_the_pool),
        cmocka_unit_test(test_reader__fast_path_damage_behind_a_valid_crc),
    };
    if (getenv("GCS_TEST_FILTER")) /* e.g. the tsan preset runs only the thread test */
        cmocka_set_test_filter(getenv("GCS_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
