/* tests/test_trace.c — the trace format and the recorder: CRC32C and varints,
 * write -> read round trips of every event kind (generated from
 * GCS_EVENT_MAP), write -> read -> write byte identity, forward compatibility
 * (unknown records skipped by length), version refusal, write errors (a full
 * disk), golden files in traces/golden/, the doc/table agreement, and the
 * bytes/event budget on a refcount-heavy stream. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gcscope/runtime.h"
#include "gcscope/trace.h"
#include "test_trace_util.h"
#include "trace/recorder_int.h"
#include "trace/trace_int.h"

/* {==== Primitives ====} */

static void
test_trace__crc32c_known_vectors(void **state)
{
    (void)state;
    assert_int_equal(gcs_crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(gcs_crc32c(0, "", 0), 0);
    uint8_t zeros[32] = {0};
    assert_int_equal(gcs_crc32c(0, zeros, 32), 0x8A9136AAu); /* RFC 3720 B.4 */
    uint8_t ones[32];
    memset(ones, 0xff, sizeof ones);
    assert_int_equal(gcs_crc32c(0, ones, 32), 0x62A8AB43u);
    /* incremental == one shot, at every split and alignment */
    uint8_t buf[100];
    for (int i = 0; i < 100; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    uint32_t whole = gcs_crc32c(0, buf + 1, 99);
    for (size_t k = 0; k <= 99; k++)
        assert_int_equal(gcs_crc32c(gcs_crc32c(0, buf + 1, k), buf + 1 + k, 99 - k), whole);
}

static void
test_trace__varints_round_trip(void **state)
{
    (void)state;
    const uint64_t vals[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX - 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t b[10];
        size_t n = gcs_put_uv(b, vals[i]);
        gcs_rd r = {b, b + n, 0};
        assert_true(gcs_get_uv(&r) == vals[i]);
        assert_int_equal(r.bad, 0);
        assert_true(r.p == b + n);
        gcs_rd t = {b, b + n - 1, 0}; /* truncated */
        (void)gcs_get_uv(&t);
        assert_int_equal(t.bad, 1);
    }
    const int64_t svals[] = {0, -1, 1, -64, 64, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof svals / sizeof svals[0]; i++)
        assert_true(gcs_unzigzag(gcs_zigzag(svals[i])) == svals[i]);
    assert_true(gcs_zigzag(-1) == 1 && gcs_zigzag(1) == 2);
    uint8_t eleven[11];
    memset(eleven, 0x80, sizeof eleven);
    gcs_rd r = {eleven, eleven + 11, 0};
    (void)gcs_get_uv(&r);
    assert_int_equal(r.bad, 1);
}

/* {==== Round trips ====} */

typedef struct rt_case {
    tt_owned *evs;
    size_t n;
} rt_case;

static void
rt_free(rt_case *c)
{
    for (size_t i = 0; i < c->n; i++)
        tt_unown(&c->evs[i]);
    free(c->evs);
}

/* Record n events (kind < 0: random kinds) into memory; keep owned copies. */
static uint8_t *
rt_record(uint64_t seed, int kind, size_t n, size_t chunk, int compress, rt_case *c, size_t *len)
{
    gcs_recorder_opts o;
    tt_opts(&o, chunk, compress);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    tt_gen g;
    memset(&g, 0, sizeof g);
    g.rng.s = seed;
    c->evs = calloc(n, sizeof *c->evs);
    c->n = n;
    for (size_t i = 0; i < n; i++) {
        gcs_event ev;
        tt_gen_event(&g, kind, &ev);
        tt_own(&c->evs[i], &ev);
        gcs_recorder_hook(rec, &ev);
    }
    assert_int_equal(gcs_recorder_finish(rec), 0);
    uint8_t *bytes = tt_take(rec, len);
    gcs_recorder_stats st;
    gcs_recorder_get_stats(rec, &st);
    assert_true(st.events == n);
    assert_int_equal(gcs_recorder_close(rec), 0);
    return bytes;
}

static void
rt_check(const uint8_t *bytes, size_t len, const rt_case *c)
{
    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(bytes, len, "rt", NULL, &r), 0);
    assert_true(gcs_reader_n_events(r) == c->n);
    gcs_trace_damage dmg;
    gcs_reader_damage(r, &dmg);
    assert_false(dmg.damaged);
    gcs_trace_info info;
    gcs_reader_info(r, &info);
    assert_true(info.clean_close);
    assert_string_equal(info.cmdline, "test");
    assert_int_equal(info.writer_pid, 4242);
    if (c->n > 0) { /* sizes for `gcscope info`'s compression ratio: compressed only if it pays */
        assert_true(info.raw_bytes > 0 && info.stored_bytes > 0);
        assert_true(info.stored_bytes <= info.raw_bytes);
    }
    gcs_event ev;
    char why[200];
    for (size_t i = 0; i < c->n; i++) {
        assert_int_equal(gcs_reader_next(r, &ev), 1);
        if (!tt_ev_equal(&c->evs[i].ev, &ev, why, sizeof why))
            fail_msg("event #%zu: %s", i, why);
    }
    assert_int_equal(gcs_reader_next(r, &ev), 0);
    /* random access, backwards */
    for (size_t i = c->n; i-- > 0;) {
        assert_int_equal(gcs_reader_event(r, i, &ev), 0);
        if (!tt_ev_equal(&c->evs[i].ev, &ev, why, sizeof why))
            fail_msg("event #%zu (random access): %s", i, why);
    }
    assert_int_equal(gcs_reader_event(r, c->n, &ev), GCS_EINDEX);
    gcs_reader_close(r);
}

static void
test_trace__round_trip_every_event_kind(void **state)
{
    (void)state;
    for (int k = 0; k < GCS_EV__COUNT; k++) {
        for (int z = 0; z < 2; z++) {
            rt_case c;
            size_t len;
            uint8_t *b = rt_record(1000 + (uint64_t)k, k, 300, 512, z, &c, &len);
            rt_check(b, len, &c);
            free(b);
            rt_free(&c);
        }
    }
}

static void
test_trace__round_trip_mixed_stream(void **state)
{
    (void)state;
    const size_t chunks[] = {256, 4096, 65536};
    for (size_t i = 0; i < 3; i++) {
        for (int z = 0; z < 2; z++) {
            rt_case c;
            size_t len;
            uint8_t *b = rt_record(77 + i, -1, 20000, chunks[i], z, &c, &len);
            rt_check(b, len, &c);
            free(b);
            rt_free(&c);
        }
    }
}

static void
test_trace__format_prints_fields_and_site(void **state)
{
    (void)state;
    gcs_site s = {"main.c", "main", 40};
    gcs_event ev = {.kind = GCS_EV_INCREF, .site = &s};
    ev.u.incref.obj = 12;
    ev.u.incref.refcnt = 2;
    char buf[128];
    size_t n = gcs_event_format(&ev, buf, sizeof buf);
    assert_string_equal(buf, "incref obj=12 refcnt=2 @ main.c:40 (main)");
    assert_int_equal(n, strlen(buf));
    gcs_event m = {.kind = GCS_EV_MARKER, .t_ns = 5};
    m.u.marker.text = "say \"hi\"\n";
    gcs_event_format(&m, buf, sizeof buf);
    assert_string_equal(buf, "marker text=\"say \\\"hi\\\"\\n\" t=5ns");
    char tiny[8];
    n = gcs_event_format(&ev, tiny, sizeof tiny);
    assert_int_equal(n, strlen("incref obj=12 refcnt=2 @ main.c:40 (main)"));
    assert_string_equal(tiny, "incref ");
}

/* Re-record every event of a trace with the same options. */
static uint8_t *
rerecord(const uint8_t *bytes, size_t len, size_t chunk, int compress, size_t *out_len)
{
    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(bytes, len, "w1", NULL, &r), 0);
    gcs_recorder_opts o;
    tt_opts(&o, chunk, compress);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    gcs_event ev;
    while (gcs_reader_next(r, &ev) == 1)
        gcs_recorder_hook(rec, &ev);
    assert_int_equal(gcs_recorder_finish(rec), 0);
    uint8_t *b = tt_take(rec, out_len);
    gcs_recorder_close(rec);
    gcs_reader_close(r);
    return b;
}

static void
test_trace__write_read_write_is_byte_identical(void **state)
{
    (void)state;
    for (int z = 0; z < 2; z++) {
        rt_case c;
        size_t len1, len2;
        uint8_t *b1 = rt_record(5, -1, 15000, 2048, z, &c, &len1);
        uint8_t *b2 = rerecord(b1, len1, 2048, z, &len2);
        assert_int_equal(len1, len2);
        assert_memory_equal(b1, b2, len1);
        free(b1);
        free(b2);
        rt_free(&c);
    }
}

/* {==== Forward compatibility, versions ====} */

static void
record_incref(gcs_recorder *rec, uint64_t obj, int64_t rc)
{
    gcs_event ev = {.kind = GCS_EV_INCREF};
    ev.u.incref.obj = obj;
    ev.u.incref.refcnt = rc;
    gcs_recorder_hook(rec, &ev);
}

static void
test_trace__unknown_event_code_skipped_by_length(void **state)
{
    (void)state;
    gcs_recorder_opts o;
    tt_opts(&o, 4096, 0);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    record_incref(rec, 7, 2);
    const uint8_t future[] = {GCS_TR_OP_LEN, 0x3e, 3, 0xaa, 0xbb, 0xcc};
    gcs_recorder_raw_(rec, future, sizeof future, 1);
    const uint8_t ctl[] = {GCS_TR_OP_LEN, 0x1d, 2, 0x01, 0x02};
    gcs_recorder_raw_(rec, ctl, sizeof ctl, 0);
    const uint8_t longer[] = {GCS_TR_OP_LEN | 0x04, 4, 0x00, 0x06, 0x7f, 0x7f};
    gcs_recorder_raw_(rec, longer, sizeof longer, 1);
    record_incref(rec, 8, 3);
    assert_int_equal(gcs_recorder_finish(rec), 0);
    size_t len;
    uint8_t *b = tt_take(rec, &len);
    gcs_recorder_close(rec);

    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(b, len, "fwd", NULL, &r), 0);
    gcs_trace_damage dmg;
    gcs_reader_damage(r, &dmg);
    assert_false(dmg.damaged);
    assert_true(gcs_reader_n_events(r) == 3);
    gcs_trace_info info;
    gcs_reader_info(r, &info);
    assert_true(info.unknown_skipped == 1);
    gcs_event ev;
    assert_int_equal(gcs_reader_event(r, 0, &ev), 0);
    assert_true(ev.kind == GCS_EV_INCREF && ev.u.incref.obj == 7 && ev.u.incref.refcnt == 2);
    assert_int_equal(gcs_reader_event(r, 1, &ev), 0);
    assert_true(ev.kind == GCS_EV_DECREF && ev.u.decref.obj == 0 && ev.u.decref.refcnt == 3);
    assert_int_equal(gcs_reader_event(r, 2, &ev), 0);
    assert_true(ev.kind == GCS_EV_INCREF && ev.u.incref.obj == 8 && ev.u.incref.refcnt == 3);
    gcs_reader_close(r);
    free(b);
}

static void
test_trace__unknown_code_without_length_is_damage(void **state)
{
    (void)state;
    gcs_recorder_opts o;
    tt_opts(&o, 4096, 0);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    record_incref(rec, 7, 2);
    assert_int_equal(gcs_recorder_flush(rec), 0);
    size_t first_chunk_end;
    (void)gcs_recorder_mem_data(rec, &first_chunk_end);
    record_incref(rec, 9, 2);
    const uint8_t bad[] = {0x00, 0x3f, 0x01};
    gcs_recorder_raw_(rec, bad, sizeof bad, 1);
    assert_int_equal(gcs_recorder_finish(rec), 0);
    size_t len;
    uint8_t *b = tt_take(rec, &len);
    gcs_recorder_close(rec);
    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(b, len, "bad.gctrace", NULL, &r), 0);
    gcs_trace_damage dmg;
    gcs_reader_damage(r, &dmg);
    assert_true(dmg.damaged);
    assert_true(dmg.byte_offset == first_chunk_end);
    assert_true(dmg.event_index == 1);
    assert_true(gcs_reader_n_events(r) == 1);
    char want[160];
    snprintf(want, sizeof want, "bad.gctrace: byte 0x%zx (event #1): unknown record code 0x3f",
             first_chunk_end);
    assert_non_null(strstr(gcs_reader_errmsg(r), want));
    gcs_reader_close(r);
    free(b);
}

static uint8_t *
small_trace(size_t *len)
{
    gcs_recorder_opts o;
    tt_opts(&o, 4096, 0);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    record_incref(rec, 1, 1);
    gcs_recorder_finish(rec);
    uint8_t *b = tt_take(rec, len);
    gcs_recorder_close(rec);
    return b;
}

static void
test_trace__unknown_major_version_refused(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = small_trace(&len);
    gcs_put_le16(b + 8, 2);
    gcs_put_le32(b + 60, gcs_crc32c(0, b, 60));
    gcs_reader *r = (gcs_reader *)1;
    assert_int_equal(gcs_reader_open_mem(b, len, "new.gctrace", NULL, &r), GCS_EVERSION);
    assert_null(r);
    assert_non_null(strstr(gcs_reader_open_errmsg(), "new.gctrace"));
    char want[64];
    snprintf(want, sizeof want, "version 2.%u is not supported", GCS_TRACE_VERSION_MINOR);
    assert_non_null(strstr(gcs_reader_open_errmsg(), want));
    /* a newer MINOR version reads fine */
    gcs_put_le16(b + 8, 1);
    gcs_put_le16(b + 10, 7);
    gcs_put_le32(b + 60, gcs_crc32c(0, b, 60));
    assert_int_equal(gcs_reader_open_mem(b, len, "minor", NULL, &r), 0);
    gcs_trace_info info;
    gcs_reader_info(r, &info);
    assert_int_equal(info.version_minor, 7);
    assert_true(gcs_reader_n_events(r) == 1);
    gcs_reader_close(r);
    /* not a trace at all */
    assert_int_equal(gcs_reader_open_mem("hello world", 11, "txt", NULL, &r), GCS_EFORMAT);
    assert_int_equal(gcs_reader_open_mem("", 0, "empty", NULL, &r), GCS_ETRUNC);
    free(b);
}

/* {==== Write errors ====} */

/* Run fn with stderr redirected to a temp file; returns what it printed. */
static char *
capture_stderr(void (*fn)(void *), void *arg)
{
    char path[] = "/tmp/gcs_test_stderr_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t n = lseek(fd, 0, SEEK_END);
    char *out = calloc(1, (size_t)n + 1);
    pread(fd, out, (size_t)n, 0);
    close(fd);
    unlink(path);
    return out;
}

static int
count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void
devfull_run(void *arg)
{
    int *rc_out = arg;
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open("/dev/full", NULL, &rec), 0);
    assert_int_equal(gcs_recorder_error(rec), GCS_EIO);
    for (int i = 0; i < 100000; i++)
        record_incref(rec, (uint64_t)i + 1, 1);
    gcs_recorder_stats st;
    gcs_recorder_get_stats(rec, &st);
    assert_true(st.dropped == 100000);
    assert_non_null(strstr(gcs_recorder_errmsg(rec), "/dev/full"));
    *rc_out = gcs_recorder_close(rec);
}

static void
test_trace__write_to_dev_full_warns_once_and_stops(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    int rc = 0;
    char *err = capture_stderr(devfull_run, &rc);
    assert_int_equal(rc, GCS_EIO);
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, "gcscope: trace recording stopped: /dev/full: "));
    assert_non_null(strstr(err, strerror(ENOSPC)));
    free(err);
}

typedef struct limit_arg {
    uint8_t *bytes;
    size_t len;
} limit_arg;

static void
limit_run(void *arg)
{
    limit_arg *a = arg;
    gcs_recorder_opts o;
    tt_opts(&o, 512, 1);
    o.quiet = false;
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    gcs_recorder_mem_limit_(rec, 6000);
    tt_gen g;
    memset(&g, 0, sizeof g);
    g.rng.s = 99;
    for (int i = 0; i < 20000; i++) {
        gcs_event ev;
        tt_gen_event(&g, -1, &ev);
        gcs_recorder_hook(rec, &ev);
    }
    assert_int_equal(gcs_recorder_error(rec), GCS_EIO);
    a->bytes = tt_take(rec, &a->len);
    assert_true(a->len == 6000);
    assert_int_equal(gcs_recorder_close(rec), GCS_EIO);
}

static void
test_trace__write_error_keeps_complete_chunks(void **state)
{
    (void)state;
    limit_arg a = {0};
    char *err = capture_stderr(limit_run, &a);
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, "gcscope: trace recording stopped: <memory>: "));
    free(err);
    /* walk the chunk headers: every complete chunk must be recovered */
    uint64_t off = GCS_TR_HEADER_LEN, complete_events = 0, torn_at = 0;
    while (off + GCS_TR_CHUNK_HDR <= a.len) {
        uint32_t stored = gcs_get_le32(a.bytes + off + 4);
        if (off + GCS_TR_CHUNK_HDR + stored > a.len)
            break;
        if (a.bytes[off + 12] == GCS_TR_KIND_EVENTS)
            complete_events += gcs_get_le32(a.bytes + off + 32);
        off += GCS_TR_CHUNK_HDR + stored;
    }
    torn_at = off;
    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(a.bytes, a.len, "torn", NULL, &r), 0);
    assert_true(complete_events > 0);
    assert_true(gcs_reader_n_events(r) == complete_events);
    gcs_trace_damage dmg;
    gcs_reader_damage(r, &dmg);
    if (torn_at < a.len) {
        assert_true(dmg.damaged);
        assert_true(dmg.byte_offset == torn_at);
    }
    gcs_reader_close(r);
    free(a.bytes);
}

/* {==== Doc / table agreement ====} */

/* docs/trace-format.md lists every event as a table row
 * "| 0x01 | alloc | obj:O type:S kind:U size:U | ... |". */
static void
test_trace__doc_lists_every_event_row(void **state)
{
    (void)state;
    FILE *f = fopen(GCS_SOURCE_DIR "/docs/trace-format.md", "r");
    assert_non_null(f);
    char line[1024];
    int seen[GCS_EV__COUNT] = {0};
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned code;
        char name[64], fields[256];
        if (sscanf(line, "| 0x%x | %63[a-z_0-9] | %255[^|]|", &code, name, fields) != 3)
            continue;
        rows++;
        int k = gcs_ev_kind_of_code(code);
        if (k < 0)
            fail_msg("doc lists code 0x%02x (%s), the table has no such event", code, name);
        if (strcmp(gcs_ev_name((gcs_ev_kind)k), name) != 0)
            fail_msg("doc: code 0x%02x is '%s', table says '%s'", code, name,
                     gcs_ev_name((gcs_ev_kind)k));
        const gcs_ev_desc *d = gcs_ev_describe((gcs_ev_kind)k);
        char want[256] = "";
        for (unsigned i = 0; i < d->n_fields; i++) {
            char one[64];
            snprintf(one, sizeof one, "%s%s:%c", i ? " " : "", d->field_names[i], d->tags[i]);
            strcat(want, one);
        }
        size_t n = strlen(fields);
        while (n && fields[n - 1] == ' ')
            fields[--n] = 0;
        if (strcmp(fields, n ? want : "") != 0 && !(d->n_fields == 0 && strcmp(fields, "-") == 0))
            fail_msg("doc: fields of %s are '%s', table says '%s'", name, fields, want);
        seen[k]++;
    }
    fclose(f);
    for (int k = 0; k < GCS_EV__COUNT; k++)
        if (seen[k] != 1)
            fail_msg("doc lists event %s %d times (want 1)", gcs_ev_name((gcs_ev_kind)k), seen[k]);
    assert_int_equal(rows, GCS_EV__COUNT);
}

/* {==== Golden files ====} */

/* Int labels as values (v1.2's LABEL_INT record): the extremes, both
 * signs, one-byte and long varints. */
static const int64_t golden_ints[] = {0,    1,          -1,        63,        -64,           64,
                                      1000, -123456789, INT64_MAX, INT64_MIN, INT64_MAX - 1, 4096};

static const uint64_t golden_slots[] = {0, 3, 5000, UINT64_MAX};

/* The golden trace's events: a deterministic stream of every kind, with an
 * int label through the recorder's label_int hook and a list slot store and
 * delete through ref_set_index / ref_del_index every 50 events. */
static void
golden_events(gcs_recorder *rec)
{
    static const gcs_site site = {"golden.c", "labels", 7};
    const gcs_hooks *hk = gcs_recorder_hooks();
    tt_gen g;
    memset(&g, 0, sizeof g);
    g.rng.s = 2026;
    for (int i = 0; i < 600; i++) {
        gcs_event ev;
        tt_gen_event(&g, i < 2 * GCS_EV__COUNT ? i % GCS_EV__COUNT : -1, &ev);
        gcs_recorder_hook(rec, &ev);
        if (i % 50 == 49)
            hk->label_int(rec, 1000 + (uint64_t)i, golden_ints[(i / 50) % 12],
                          i % 100 == 99 ? NULL : &site);
        if (i % 50 == 24) /* list slots as indexes: small, past the reader's cache, huge */
            hk->ref_set_index(rec, 900, golden_slots[(i / 50) % 4], 1000 + (uint64_t)i,
                              i % 100 == 24 ? 0 : 901, &site);
        if (i % 50 == 25)
            hk->ref_del_index(rec, 900, golden_slots[(i / 50) % 4], 1000 + (uint64_t)i - 1,
                              i % 100 == 25 ? NULL : &site);
    }
}

static char *
dump_text(gcs_reader *r)
{
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    gcs_event ev;
    char line[8192];
    gcs_reader_rewind(r, 0);
    while (gcs_reader_next(r, &ev) == 1) {
        size_t n = gcs_event_format(&ev, line, sizeof line);
        if (n >= sizeof line)
            n = sizeof line - 1;
        while (len + n + 2 > cap)
            out = realloc(out, cap *= 2);
        memcpy(out + len, line, n);
        len += n;
        out[len++] = '\n';
    }
    out[len] = 0;
    return out;
}

static uint8_t *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    b[*len] = 0;
    fclose(f);
    return b;
}

static void
write_file(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* traces/golden/<name>: the file opens, was cleanly closed, is version
 * 1.<minor>, and its dump equals the .txt saved beside it. */
static void
assert_golden_reads(const char *tpath, const char *dpath, unsigned minor)
{
    size_t tlen;
    char *want = (char *)read_file(dpath, &tlen);
    assert_non_null(want);
    gcs_reader *r;
    assert_int_equal(gcs_reader_open(tpath, NULL, &r), 0);
    gcs_trace_info info;
    gcs_reader_info(r, &info);
    assert_true(info.clean_close);
    assert_int_equal(info.version_major, 1);
    assert_int_equal(info.version_minor, minor);
    char *got = dump_text(r);
    assert_string_equal(got, want);
    free(got);
    free(want);
    gcs_reader_close(r);
}

/* traces/golden/v<1>_<minor>_{raw,zstd}.<ext> */
static void
golden_path(char *buf, size_t n, unsigned minor, int zstd, const char *ext)
{
    snprintf(buf, n, "%s/traces/golden/v1_%u_%s.%s", GCS_SOURCE_DIR, minor, zstd ? "zstd" : "raw",
             ext);
}

/* Files written by older minor versions (traces/golden/v1_0_*, v1_1_*) must
 * keep reading exactly as they did: their dump is compared with the .txt
 * saved when they were written. */
static void
test_trace__golden_older_minor_files_still_read(void **state)
{
    (void)state;
    for (unsigned minor = 0; minor < GCS_TRACE_VERSION_MINOR; minor++)
        for (int z = 0; z < 2; z++) {
            char tpath[512], dpath[512];
            golden_path(tpath, sizeof tpath, minor, z, "gctrace");
            golden_path(dpath, sizeof dpath, minor, z, "txt");
            assert_golden_reads(tpath, dpath, minor);
        }
}

/* traces/golden/v1_2_{zstd,raw}.gctrace + .txt (the dump), written by this
 * version (1.2) from every event kind and int labels. GCS_GOLDEN_REGEN=1
 * rewrites them (only after a deliberate, documented format change). */
static void
test_trace__golden_files_read_and_rewrite_identically(void **state)
{
    (void)state;
    for (int z = 0; z < 2; z++) {
        char tpath[512], dpath[512];
        golden_path(tpath, sizeof tpath, GCS_TRACE_VERSION_MINOR, z, "gctrace");
        golden_path(dpath, sizeof dpath, GCS_TRACE_VERSION_MINOR, z, "txt");
        gcs_recorder_opts o;
        tt_opts(&o, 2048, z);
        gcs_recorder *rec;
        assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
        golden_events(rec);
        gcs_recorder_finish(rec);
        size_t nlen;
        uint8_t *now = tt_take(rec, &nlen);
        gcs_recorder_close(rec);
        if (getenv("GCS_GOLDEN_REGEN")) {
            gcs_reader *r;
            assert_int_equal(gcs_reader_open_mem(now, nlen, "regen", NULL, &r), 0);
            char *txt = dump_text(r);
            write_file(tpath, now, nlen);
            write_file(dpath, txt, strlen(txt));
            free(txt);
            gcs_reader_close(r);
        }
        assert_golden_reads(tpath, dpath, GCS_TRACE_VERSION_MINOR); /* reads the same */
        size_t glen;
        uint8_t *gold = read_file(tpath, &glen);
        assert_non_null(gold);
        assert_int_equal(nlen, glen); /* and the writer still writes it byte for byte */
        assert_memory_equal(now, gold, glen);
        free(gold);
        free(now);
    }
}

/* A trace the runtime recorded (a two-list cycle collected) must keep reading
 * the same: traces/golden/cycle_runtime_v1_0.{gctrace,txt}. */
static void
test_trace__golden_runtime_trace_still_reads(void **state)
{
    (void)state;
    assert_golden_reads(GCS_SOURCE_DIR "/traces/golden/cycle_runtime_v1_0.gctrace",
                        GCS_SOURCE_DIR "/traces/golden/cycle_runtime_v1_0.txt", 0);
}

/* {==== Size and speed ====} */

/* A refcount-heavy stream shaped like a real loop over containers (what the
 * runtime emits for `for i in range(n): node = Node(); node.value = i;
 * items.append(node)`, plus iteration borrows and deletions): ALLOC/TRACK,
 * REF_SET + INCREF when storing, INCREF/DECREF pairs when iterating, and
 * REF_DEL, DECREF to 0, FREE when an item goes; call sites on every event,
 * a GC pass every ~6000 events. */
typedef struct rh_state {
    gcs_event_fn sink;
    void *sink_ud;
    size_t n;
    uint64_t next_id, t;
    tt_rng rng;
} rh_state;

static const gcs_site rh_sites[] = {
    {"prog.c", "build", 20}, {"prog.c", "build", 21}, {"prog.c", "build", 22},
    {"prog.c", "walk", 40},  {"prog.c", "walk", 41},  {"prog.c", "drop", 60},
    {"prog.c", "drop", 61},  {"lib.c", "helper", 7},  {"lib.c", "helper", 9}};

static void
rh_emit(rh_state *st, gcs_ev_kind kind, int site, uint64_t a, uint64_t b, const char *s, uint64_t c)
{
    gcs_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.site = &rh_sites[site];
    if (kind == GCS_EV_ALLOC)
        ev.u.alloc = (gcs_ev_alloc){a, s, b, c};
    else if (kind == GCS_EV_INCREF || kind == GCS_EV_DECREF)
        ev.u.incref = (gcs_ev_incref){a, (int64_t)b};
    else if (kind == GCS_EV_REF_SET)
        ev.u.ref_set = (gcs_ev_ref_set){a, s, b, c};
    else if (kind == GCS_EV_REF_DEL)
        ev.u.ref_del = (gcs_ev_ref_del){a, s, b};
    else
        ev.u.free.obj = a; /* FREE, TRACK: one object field */
    st->sink(st->sink_ud, &ev);
    st->n++;
}

static size_t
refcount_heavy(gcs_event_fn sink, void *ud, size_t n_events)
{
    enum { CAP = 512 };
    rh_state st = {sink, ud, 0, 10, 1, {12345}};
    static const char *const slots[] = {"[0]", "[1]", "[2]", "[3]", "[4]", "[5]", "[6]", "[7]"};
    uint64_t items[CAP], values[CAP];
    int64_t item_rc[CAP];
    size_t n_items = 0;
    uint64_t list = st.next_id++;
    rh_emit(&st, GCS_EV_ALLOC, 0, list, 5, "list", 64);
    while (st.n < n_events) {
        uint64_t r = tt_below(&st.rng, 10);
        if (r < 4 && n_items < CAP) { /* build */
            uint64_t node = st.next_id++, val = st.next_id++;
            rh_emit(&st, GCS_EV_ALLOC, 0, node, 8, "Node", 48);
            rh_emit(&st, GCS_EV_TRACK, 0, node, 0, NULL, 0);
            rh_emit(&st, GCS_EV_ALLOC, 1, val, 2, "int", 32);
            rh_emit(&st, GCS_EV_REF_SET, 1, node, val, ".value", 0);
            rh_emit(&st, GCS_EV_INCREF, 1, val, 2, NULL, 0);
            rh_emit(&st, GCS_EV_DECREF, 1, val, 1, NULL, 0);
            rh_emit(&st, GCS_EV_REF_SET, 2, list, node, slots[n_items & 7], 0);
            rh_emit(&st, GCS_EV_INCREF, 2, node, 2, NULL, 0);
            rh_emit(&st, GCS_EV_DECREF, 2, node, 1, NULL, 0);
            items[n_items] = node;
            values[n_items] = val;
            item_rc[n_items++] = 1;
        } else if (r < 8 && n_items) { /* walk a stretch, borrowing each item */
            size_t from = (size_t)tt_below(&st.rng, n_items);
            size_t len = 1 + (size_t)tt_below(&st.rng, 8);
            for (size_t i = from; i < n_items && i < from + len; i++) {
                rh_emit(&st, GCS_EV_INCREF, 3, items[i], (uint64_t)++item_rc[i], NULL, 0);
                rh_emit(&st, GCS_EV_INCREF, 7, values[i], 2, NULL, 0);
                rh_emit(&st, GCS_EV_DECREF, 8, values[i], 1, NULL, 0);
                rh_emit(&st, GCS_EV_DECREF, 4, items[i], (uint64_t)--item_rc[i], NULL, 0);
            }
        } else if (n_items) { /* drop one */
            size_t i = (size_t)tt_below(&st.rng, n_items);
            rh_emit(&st, GCS_EV_REF_DEL, 5, list, items[i], slots[i & 7], 0);
            rh_emit(&st, GCS_EV_DECREF, 5, items[i], 0, NULL, 0);
            rh_emit(&st, GCS_EV_REF_DEL, 6, items[i], values[i], ".value", 0);
            rh_emit(&st, GCS_EV_DECREF, 6, values[i], 0, NULL, 0);
            rh_emit(&st, GCS_EV_FREE, 6, values[i], 0, NULL, 0);
            rh_emit(&st, GCS_EV_FREE, 6, items[i], 0, NULL, 0);
            items[i] = items[n_items - 1];
            values[i] = values[n_items - 1];
            item_rc[i] = item_rc[--n_items];
        }
        if (st.n / 6000 != (st.n + 40) / 6000) {
            gcs_event g = {.kind = GCS_EV_GC_BEGIN, .t_ns = st.t += 1000};
            sink(ud, &g);
            gcs_event e = {.kind = GCS_EV_GC_END, .t_ns = st.t += 50000};
            e.u.gc_end.duration_ns = 50000;
            sink(ud, &e);
            st.n += 2;
        }
    }
    return st.n;
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct capture {
    gcs_event *ev;
    size_t n, cap;
} capture;

/* A hook that keeps the events (their strings are literals: stable). */
static void
capture_hook(void *ud, const gcs_event *ev)
{
    capture *c = ud;
    if (c->n < c->cap)
        c->ev[c->n++] = *ev;
}

/* Bytes per event on 2 M events (asserted <= 3), and the recorder's own cost
 * per event on 400 k pre-built events (best of 3; printed, not asserted: it
 * depends on the machine and its load). Reproduce with
 *   ctest --test-dir <build> -R '^test_trace$' -V | grep '^#' */
static void
test_trace__refcount_heavy_stream_under_3_bytes_per_event(void **state)
{
    (void)state;
    gcs_recorder_opts o;
    tt_opts(&o, 65536, 1);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    size_t n = refcount_heavy(gcs_recorder_hook, rec, 2000000);
    gcs_recorder_finish(rec);
    gcs_recorder_stats st;
    gcs_recorder_get_stats(rec, &st);
    gcs_recorder_close(rec);
    double bpe = (double)st.file_bytes / (double)n;
    double raw = (double)st.raw_bytes / (double)n;

    capture c = {calloc(400000, sizeof(gcs_event)), 0, 400000};
    assert_non_null(c.ev);
    refcount_heavy(capture_hook, &c, c.cap - 10);
    double best[2] = {1e9, 1e9};
    for (int z = 0; z < 2; z++) {
        for (int rep = 0; rep < 3; rep++) {
            tt_opts(&o, 65536, z);
            assert_int_equal(gcs_recorder_open("/dev/null", &o, &rec), 0);
            double t0 = now_s();
            for (size_t i = 0; i < c.n; i++)
                gcs_recorder_hook(rec, &c.ev[i]);
            gcs_recorder_finish(rec);
            double t = now_s() - t0;
            gcs_recorder_close(rec);
            if (t < best[z])
                best[z] = t;
        }
    }
    printf("# refcount-heavy: %zu events, %.2f B/event zstd (%.2f raw); recorder %.1f ns/event "
           "uncompressed, %.1f ns/event with zstd (%zu pre-built events, to /dev/null)\n",
           n, bpe, raw, best[0] * 1e9 / (double)c.n, best[1] * 1e9 / (double)c.n, c.n);
    free(c.ev);
    assert_true(bpe <= 3.0);
}

/* {==== Crashes and signals ====} */

static void
gen_events(gcs_recorder *rec, uint64_t seed, long n)
{
    tt_gen g;
    memset(&g, 0, sizeof g);
    g.rng.s = seed;
    for (long i = 0; n < 0 || i < n; i++) {
        gcs_event ev;
        tt_gen_event(&g, -1, &ev);
        gcs_recorder_hook(rec, &ev);
    }
}

/* The first n events of gen_events(seed) must be what r holds. */
static void
check_gen_prefix(gcs_reader *r, uint64_t seed)
{
    tt_gen g;
    memset(&g, 0, sizeof g);
    g.rng.s = seed;
    char why[200];
    for (uint64_t i = 0; i < gcs_reader_n_events(r); i++) {
        gcs_event want, got;
        tt_gen_event(&g, -1, &want);
        assert_int_equal(gcs_reader_event(r, i, &got), 0);
        if (!tt_ev_equal(&want, &got, why, sizeof why))
            fail_msg("event #%" PRIu64 ": %s", i, why);
    }
}

/* {==== Allocation failure ====} */

/* One recording with the n-th recorder allocation failing. Returns 1 if the
 * failure was injected (n < allocations made), 0 if the run made fewer. */
static int
record_failing_at(long n, const char *path, size_t chunk, long n_events, int *open_failed,
                  int *mid_failed)
{
    gcs_recorder_opts o;
    tt_opts(&o, chunk, 1);
    gcs_recorder *rec = (gcs_recorder *)&o; /* must be reset to NULL on failure */
    gcs_tr_fail_alloc_at_(n);
    int rc = path ? gcs_recorder_open(path, &o, &rec) : gcs_recorder_open_mem(&o, &rec);
    if (rc != 0) {
        gcs_tr_fail_alloc_at_(-1);
        assert_int_equal(rc, GCS_ENOMEM);
        assert_null(rec);
        ++*open_failed;
        return 1;
    }
    gen_events(rec, 77, n_events);
    gcs_recorder_finish(rec);
    long used = gcs_tr_alloc_count_();
    gcs_tr_fail_alloc_at_(-1);
    int err = gcs_recorder_error(rec);
    if (err != 0) {
        assert_int_equal(err, GCS_ENOMEM);
        ++*mid_failed;
    }
    gcs_reader *r = NULL;
    size_t len = 0;
    uint8_t *copy = NULL;
    if (path) {
        rc = gcs_reader_open(path, NULL, &r);
    } else {
        copy = tt_take(rec, &len);
        rc = gcs_reader_open_mem(copy, len, "mem", NULL, &r);
    }
    if (rc == 0) { /* whatever was written is an intact prefix */
        gcs_trace_damage d;
        gcs_reader_damage(r, &d);
        assert_false(d.damaged);
        check_gen_prefix(r, 77);
        if (err == 0)
            assert_int_equal(gcs_reader_n_events(r), (uint64_t)n_events);
        gcs_reader_close(r);
    } else {
        assert_int_not_equal(err, 0); /* only a failed recording may leave no readable file */
    }
    free(copy);
    assert_int_equal(gcs_recorder_close(rec), err);
    return used > n;
}

/* Every allocation of the recorder made to fail in turn (its state, chunk
 * buffer, string and site tables and arena, zstd context and buffer, INDEX
 * reserve, the path copy, the memory backend): open fails with GCS_ENOMEM
 * and no recorder, or recording stops with GCS_ENOMEM (no crash) and what
 * was written reads back as an intact prefix of the events. Under ASan
 * (detect_leaks=1) nothing may leak. */
static void
test_trace__allocation_failure_anywhere_in_the_recorder_is_clean(void **state)
{
    (void)state;
    static const struct {
        size_t chunk;
        long events;
        int file;
    } cfgs[] = {{65536, 3000, 0}, {256, 4000, 0}, {4096, 1500, 1}};
    char path[128];
    snprintf(path, sizeof path, "/tmp/gcs_trace_oom_%ld.gctrace", (long)getpid());
    for (size_t c = 0; c < sizeof cfgs / sizeof cfgs[0]; c++) {
        int open_failed = 0, mid_failed = 0;
        long n = 0;
        while (record_failing_at(n, cfgs[c].file ? path : NULL, cfgs[c].chunk, cfgs[c].events,
                                 &open_failed, &mid_failed))
            n++;
        printf("# alloc failure, chunk %zu%s: %ld allocation sites tried (%d failed the open, %d "
               "stopped recording)\n",
               cfgs[c].chunk, cfgs[c].file ? ", file" : "", n, open_failed, mid_failed);
        assert_true(open_failed > 0);
        assert_true(mid_failed > 0); /* the rest: zstd's buffer, where chunks are stored instead */
    }
    unlink(path);
}

static void
test_trace__sigkill_leaves_only_a_torn_tail(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "/tmp/gcs_test_kill_%ld.gctrace", (long)getpid());
    for (int round = 0; round < 3; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            gcs_recorder_opts o;
            tt_opts(&o, 4096 << round, 1);
            gcs_recorder *rec;
            if (gcs_recorder_open(path, &o, &rec) != 0)
                _exit(3);
            gen_events(rec, 500 + (uint64_t)round, -1); /* until killed */
            _exit(4);
        }
        /* Kill only once at least one events chunk is on disk: the file has
         * grown three times (header, META, events). A fixed sleep was too
         * short under sanitizers, where recording is ~15x slower. */
        struct stat sb;
        off_t last = 0;
        int growths = 0; /* writes seen; the first may be header/META only */
        for (int waited = 0; waited < 20000 && growths < 3; waited++) { /* up to ~20 s */
            if (stat(path, &sb) == 0 && sb.st_size > last) {
                last = sb.st_size;
                growths++;
            }
            usleep(1000);
        }
        usleep(10000 * (useconds_t)round); /* then kill at a different point each round */
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        gcs_reader *r;
        assert_int_equal(gcs_reader_open(path, NULL, &r), 0);
        gcs_trace_damage dmg;
        gcs_reader_damage(r, &dmg);
        gcs_trace_info info;
        gcs_reader_info(r, &info);
        assert_false(info.clean_close);
        assert_true(gcs_reader_n_events(r) > 0);
        if (dmg.damaged) /* only the last chunk can be torn */
            assert_true(dmg.code == GCS_ETRUNC && dmg.bytes_lost < (40u + (4096u << round) * 2));
        check_gen_prefix(r, 500 + (uint64_t)round);
        gcs_reader_close(r);
        unlink(path);
    }
}

/* With `signals`, SIGTERM writes the pending chunk, the INDEX and the trailer
 * (a complete trace) before the process dies of the signal; without, those
 * events are lost (they were never written). */
static void
test_trace__sigterm_flushes_pending_chunk_when_asked(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "/tmp/gcs_test_term_%ld.gctrace", (long)getpid());
    for (int with = 0; with < 2; with++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            gcs_recorder_opts o;
            tt_opts(&o, 65536, 1);
            o.signals = with != 0;
            gcs_recorder *rec;
            if (gcs_recorder_open(path, &o, &rec) != 0)
                _exit(3);
            for (uint64_t i = 1; i <= 1000; i++) /* well under one chunk */
                record_incref(rec, i, 2);
            raise(SIGTERM);
            _exit(4);
        }
        int st;
        waitpid(pid, &st, 0);
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
        gcs_reader *r;
        assert_int_equal(gcs_reader_open(path, NULL, &r), 0);
        gcs_trace_damage dmg;
        gcs_reader_damage(r, &dmg);
        assert_false(dmg.damaged);
        gcs_trace_info info;
        gcs_reader_info(r, &info);
        assert_true(info.clean_close == (with != 0)); /* INDEX + trailer written too */
        assert_true(gcs_reader_n_events(r) == (with ? 1000u : 0u));
        gcs_event ev;
        for (uint64_t i = 0; i < gcs_reader_n_events(r); i++) {
            assert_int_equal(gcs_reader_event(r, i, &ev), 0);
            assert_true(ev.kind == GCS_EV_INCREF && ev.u.incref.obj == i + 1);
        }
        gcs_reader_close(r);
        unlink(path);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace__crc32c_known_vectors),
        cmocka_unit_test(test_trace__varints_round_trip),
        cmocka_unit_test(test_trace__round_trip_every_event_kind),
        cmocka_unit_test(test_trace__round_trip_mixed_stream),
        cmocka_unit_test(test_trace__format_prints_fields_and_site),
        cmocka_unit_test(test_trace__write_read_write_is_byte_identical),
        cmocka_unit_test(test_trace__unknown_event_code_skipped_by_length),
        cmocka_unit_test(test_trace__unknown_code_without_length_is_damage),
        cmocka_unit_test(test_trace__unknown_major_version_refused),
        cmocka_unit_test(test_trace__write_to_dev_full_warns_once_and_stops),
        cmocka_unit_test(test_trace__write_error_keeps_complete_chunks),
        cmocka_unit_test(test_trace__doc_lists_every_event_row),
        cmocka_unit_test(test_trace__golden_older_minor_files_still_read),
        cmocka_unit_test(test_trace__golden_files_read_and_rewrite_identically),
        cmocka_unit_test(test_trace__golden_runtime_trace_still_reads),
        cmocka_unit_test(test_trace__refcount_heavy_stream_under_3_bytes_per_event),
        cmocka_unit_test(test_trace__allocation_failure_anywhere_in_the_recorder_is_clean),
        cmocka_unit_test(test_trace__sigkill_leaves_only_a_torn_tail),
        cmocka_unit_test(test_trace__sigterm_flushes_pending_chunk_when_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
