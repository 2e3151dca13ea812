/* tests/test_recorder.c — the recorder's fast paths against their simple
 * twins: the hardware CRC32C (SSE4.2 crc32) against the portable
 * slicing-by-8 code, and the writer thread (file outputs: full chunks are
 * compressed and written in the background) against synchronous writing
 * (memory outputs): byte-identical traces. Also what the thread must not
 * break: a chunk closed by GC_END is in the file when the hook returns, a
 * forked child with a chunk in flight never writes, a write error on the
 * writer thread warns once and stops recording. And the hook's fast path
 * (inlined, home-slot lookups only) against its general path, the exact
 * interning of short strings by content, and the labels the runtime's hook
 * path formats by hand (ints, list slots) against printf. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gcscope/runtime.h"
#include "gcscope/trace.h"
#include "test_trace_util.h"
#include "trace/recorder_int.h"
#include "trace/trace_int.h"

/* {==== CRC32C ====} */

static void
test_recorder__crc32c_hardware_and_portable_paths_agree(void **state)
{
    (void)state;
    uint8_t buf[4096 + 16];
    tt_rng r = {0x1234567887654321ULL};
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)tt_next(&r);
    assert_int_equal(gcs_crc32c_sw_(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(gcs_crc32c(0, "123456789", 9), 0xE3069283u);
    /* every alignment and every length up to 300, then long runs; chained too */
    for (size_t off = 0; off < 16; off++) {
        for (size_t len = 0; len <= 300; len++) {
            uint32_t seed = (uint32_t)(off * 1000 + len);
            assert_int_equal(gcs_crc32c(seed, buf + off, len),
                             gcs_crc32c_sw_(seed, buf + off, len));
        }
        assert_int_equal(gcs_crc32c(0, buf + off, 4096), gcs_crc32c_sw_(0, buf + off, 4096));
        uint32_t a = gcs_crc32c(gcs_crc32c(0, buf + off, 1000), buf + off + 1000, 3096);
        assert_int_equal(a, gcs_crc32c_sw_(0, buf + off, 4096));
    }
#if defined(__x86_64__)
    /* every x86-64 this project runs on has SSE4.2; if not, the test above
     * compared the portable path with itself */
    if (!gcs_crc32c_hw_available_())
        print_message("note: no SSE4.2 on this CPU, the hardware path was not tested\n");
#endif
}

/* {==== Writer thread vs synchronous writing ====} */

static char *
tmp_path(const char *what)
{
    const char *dir = getenv("TMPDIR");
    char *p = malloc(512);
    snprintf(p, 512, "%s/gcs_test_recorder_%s_%ld.gctrace", dir && *dir ? dir : "/tmp", what,
             (long)getpid());
    return p;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    assert_true(fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* The same seeded stream (every kind, strings, sites, timestamps, GC_END now
 * and then) into rec; returns the number of events. */
static size_t
feed(gcs_recorder *rec, uint64_t seed, size_t n)
{
    tt_gen g;
    memset(&g, 0, sizeof g);
    g.rng.s = seed;
    for (size_t i = 0; i < n; i++) {
        gcs_event ev;
        tt_gen_event(&g, -1, &ev);
        gcs_recorder_hook(rec, &ev);
    }
    return n;
}

static void
check_reads(const uint8_t *bytes, size_t len, size_t n_events, int clean)
{
    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(bytes, len, "t", NULL, &r), 0);
    assert_true(gcs_reader_n_events(r) == n_events);
    gcs_trace_info info;
    gcs_reader_info(r, &info);
    assert_int_equal(info.clean_close, clean);
    gcs_reader_close(r);
}

static void
test_recorder__writer_thread_output_is_byte_identical_to_synchronous(void **state)
{
    (void)state;
    char *path = tmp_path("async");
    for (int compress = 0; compress <= 1; compress++) {
        for (size_t chunk = 256; chunk <= 65536; chunk *= 16) {
            gcs_recorder_opts o;
            tt_opts(&o, chunk, compress);
            o.background = true; /* the writer thread is opt-in */
            gcs_recorder *mem, *file;
            assert_int_equal(gcs_recorder_open_mem(&o, &mem), 0);
            assert_int_equal(gcs_recorder_open(path, &o, &file), 0);
            size_t n = feed(mem, 77 + chunk, 60000);
            feed(file, 77 + chunk, 60000);
            assert_int_equal(gcs_recorder_finish(mem), 0);
            assert_int_equal(gcs_recorder_finish(file), 0);
            gcs_recorder_stats sm, sf;
            gcs_recorder_get_stats(mem, &sm);
            gcs_recorder_get_stats(file, &sf);
            assert_true(sm.chunks > 4); /* the writer thread got several full chunks */
            assert_true(sm.chunks == sf.chunks && sm.file_bytes == sf.file_bytes);
            assert_true(sm.raw_bytes == sf.raw_bytes && sm.events == sf.events);
            size_t lm, lf;
            const uint8_t *bm = gcs_recorder_mem_data(mem, &lm);
            assert_int_equal(gcs_recorder_close(file), 0);
            uint8_t *bf = slurp(path, &lf);
            assert_true(lm == lf);
            assert_memory_equal(bm, bf, lm);
            check_reads(bf, lf, n, 1);
            free(bf);
            assert_int_equal(gcs_recorder_close(mem), 0);
        }
    }
    remove(path);
    free(path);
}

/* A chunk closed by GC_END (or gcs_recorder_flush) is in the file when the
 * call returns, even with full chunks in flight on the writer thread: the
 * file read now (no INDEX, no trailer: as after a SIGKILL) has every event. */
static void
test_recorder__gc_end_chunk_is_in_the_file_when_the_hook_returns(void **state)
{
    (void)state;
    char *path = tmp_path("gcend");
    gcs_recorder_opts o;
    tt_opts(&o, 1024, 1);
    o.background = true; /* the writer thread is opt-in */
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open(path, &o, &rec), 0);
    tt_gen g;
    memset(&g, 0, sizeof g);
    g.rng.s = 5;
    size_t n = 0;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 3000; i++, n++) { /* several full chunks per round */
            gcs_event ev;
            tt_gen_event(&g, GCS_EV_INCREF, &ev);
            gcs_recorder_hook(rec, &ev);
        }
        gcs_event end;
        memset(&end, 0, sizeof end);
        end.kind = GCS_EV_GC_END;
        end.t_ns = 1000u * (unsigned)(round + 1);
        gcs_recorder_hook(rec, &end);
        n++;
        size_t len;
        uint8_t *b = slurp(path, &len);
        gcs_recorder_stats st;
        gcs_recorder_get_stats(rec, &st);
        assert_true(st.file_bytes == len);
        check_reads(b, len, n, 0);
        free(b);
    }
    for (int i = 0; i < 5000; i++) { /* a chunk or two in flight, then flush */
        gcs_event ev;
        tt_gen_event(&g, GCS_EV_DECREF, &ev);
        gcs_recorder_hook(rec, &ev);
    }
    n += 5000;
    assert_int_equal(gcs_recorder_flush(rec), 0);
    size_t len;
    uint8_t *b = slurp(path, &len);
    check_reads(b, len, n, 0);
    free(b);
    assert_int_equal(gcs_recorder_close(rec), 0);
    b = slurp(path, &len);
    check_reads(b, len, n, 1);
    free(b);
    remove(path);
    free(path);
}

/* fork() while the writer thread holds a chunk: the child (which has no
 * writer thread) records, flushes and closes without writing or blocking;
 * the parent's trace is complete and has exactly the parent's events. */
static void
test_recorder__forked_child_with_a_chunk_in_flight_never_writes(void **state)
{
    (void)state;
    char *path = tmp_path("fork");
    gcs_recorder_opts o;
    tt_opts(&o, 512, 1);
    o.background = true; /* the writer thread is opt-in */
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open(path, &o, &rec), 0);
    size_t n = feed(rec, 11, 20000);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        feed(rec, 12, 20000); /* full chunks: flush_full_chunk_ in a child */
        gcs_event end;
        memset(&end, 0, sizeof end);
        end.kind = GCS_EV_GC_END;
        gcs_recorder_hook(rec, &end);
        gcs_recorder_flush(rec);
        int rc = gcs_recorder_close(rec);
        _exit(rc == 0 ? 0 : 3);
    }
    int status;
    assert_true(waitpid(pid, &status, 0) == pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    n += feed(rec, 13, 20000);
    assert_int_equal(gcs_recorder_close(rec), 0);
    size_t len;
    uint8_t *b = slurp(path, &len);
    check_reads(b, len, n, 1);
    free(b);
    remove(path);
    free(path);
}

/* A write error met on the writer thread (a pipe whose reader went away:
 * EPIPE, no SIGPIPE): taken back by the recording thread at the next chunk,
 * recording stops, the program goes on, close reports GCS_EIO. */
static void
test_recorder__write_error_on_the_writer_thread_stops_recording(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", p[1]);
    gcs_recorder_opts o;
    tt_opts(&o, 512, 1);
    o.background = true; /* the writer thread is opt-in */
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open(path, &o, &rec), 0); /* header + META fit the pipe */
    close(p[1]);
    close(p[0]); /* the reader goes away */
    assert_int_equal(gcs_recorder_error(rec), 0);
    feed(rec, 3, 20000);
    assert_int_equal(gcs_recorder_error(rec), GCS_EIO);
    gcs_recorder_stats st;
    gcs_recorder_get_stats(rec, &st);
    assert_true(st.dropped > 0 && st.dropped < 20000);
    assert_true(st.chunks == 0);
    assert_int_equal(gcs_recorder_close(rec), GCS_EIO);
}

/* {==== The hook's fast path ====} */

/* A memory recorder's bytes after `feed` (seed, n) with the given options. */
static uint8_t *
record_fed(const gcs_recorder_opts *o, uint64_t seed, size_t n, size_t *len)
{
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(o, &rec), 0);
    feed(rec, seed, n);
    assert_int_equal(gcs_recorder_finish(rec), 0);
    uint8_t *b = tt_take(rec, len);
    assert_int_equal(gcs_recorder_close(rec), 0);
    return b;
}

/* With the signal flush armed every event takes the general path (it must
 * mark itself busy); without, most take the inlined fast path. Both must
 * write the same bytes, raw and compressed, over many chunks. */
static void
test_recorder__fast_and_general_paths_write_identical_bytes(void **state)
{
    (void)state;
    for (int z = 0; z < 2; z++) {
        gcs_recorder_opts o;
        tt_opts(&o, 4096, z);
        size_t fast_len, gen_len;
        uint8_t *fast = record_fed(&o, 77 + (uint64_t)z, 30000, &fast_len);
        o.signals = true; /* SIGINT/SIGTERM handlers until the recorder closes */
        uint8_t *gen = record_fed(&o, 77 + (uint64_t)z, 30000, &gen_len);
        assert_true(fast_len == gen_len);
        assert_memory_equal(fast, gen, fast_len);
        check_reads(fast, fast_len, 30000, 1);
        free(fast);
        free(gen);
    }
}

/* `n` LABEL events on object 7 whose text is texts[i % n_texts]; each text is
 * first copied into its own heap buffer when `copies`, so the recorder sees
 * a new pointer every time. */
static uint8_t *
record_labels(const char *const *texts, size_t n_texts, size_t n, int copies, size_t *len)
{
    gcs_recorder_opts o;
    tt_opts(&o, 65536, 0);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    for (size_t i = 0; i < n; i++) {
        const char *t = texts[i % n_texts];
        char *c = copies ? strdup(t) : NULL;
        gcs_event ev = {.kind = GCS_EV_LABEL};
        ev.u.label.obj = 7;
        ev.u.label.text = copies ? c : t;
        gcs_recorder_hook(rec, &ev);
        free(c);
    }
    assert_int_equal(gcs_recorder_finish(rec), 0);
    uint8_t *b = tt_take(rec, len);
    gcs_recorder_close(rec);
    return b;
}

/* Equal strings get one DEF_STRING per chunk whatever their pointers: short
 * (<= 8 bytes, keyed by content), exactly 8, and longer ones, and "". The
 * trace of fresh copies is byte for byte the trace of the literals. */
static void
test_recorder__equal_strings_are_defined_once_per_chunk_whatever_their_buffer(void **state)
{
    (void)state;
    static const char *const texts[] = {"abc",       "",    "12345678",
                                        "123456789", "[3]", "a longer label text"};
    size_t n_texts = sizeof texts / sizeof texts[0];
    size_t lit_len, copy_len, one_len;
    uint8_t *lit = record_labels(texts, n_texts, 3000, 0, &lit_len);
    uint8_t *copy = record_labels(texts, n_texts, 3000, 1, &copy_len);
    assert_true(lit_len == copy_len);
    assert_memory_equal(lit, copy, lit_len);
    /* and each text is defined once: 3000 events cost what 6 distinct ones
     * plus 2994 references to them cost (3 bytes each: op, O, S; the INDEX
     * chunk's event count takes a byte more) */
    uint8_t *one = record_labels(texts, n_texts, n_texts, 1, &one_len);
    assert_true(copy_len >= one_len + (3000 - n_texts) * 3);
    assert_true(copy_len <= one_len + (3000 - n_texts) * 3 + 4);
    free(lit);
    free(copy);
    free(one);
}

/* 60 000 distinct short strings (and every 7th a repeat) from one reused
 * buffer: the short-string map grows, chunks fill and restart their ids;
 * every label reads back as written. */
static void
test_recorder__many_short_strings_from_one_buffer_read_back(void **state)
{
    (void)state;
    gcs_recorder_opts o;
    tt_opts(&o, 65536, 1);
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    char buf[32];
    const size_t n = 60000;
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "%zu", i % 7 == 0 ? i % 100 : i * 7919);
        gcs_event ev = {.kind = GCS_EV_LABEL};
        ev.u.label.obj = i + 1;
        ev.u.label.text = buf;
        gcs_recorder_hook(rec, &ev);
    }
    assert_int_equal(gcs_recorder_finish(rec), 0);
    size_t len;
    uint8_t *b = tt_take(rec, &len);
    gcs_recorder_stats st;
    gcs_recorder_get_stats(rec, &st);
    assert_true(st.chunks > 1);
    gcs_recorder_close(rec);
    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(b, len, "t", NULL, &r), 0);
    gcs_event ev;
    size_t i = 0;
    while (gcs_reader_next(r, &ev) == 1) {
        snprintf(buf, sizeof buf, "%zu", i % 7 == 0 ? i % 100 : i * 7919);
        assert_int_equal(ev.kind, GCS_EV_LABEL);
        assert_true(ev.u.label.obj == i + 1);
        assert_string_equal(ev.u.label.text, buf);
        i++;
    }
    assert_true(i == n);
    gcs_reader_close(r);
    free(b);
}

/* {==== Labels the runtime's hook path formats by hand ====} */

typedef struct label_sink {
    char label[64]; /* text of the last LABEL */
    char slot[64];  /* slot of the last REF_SET */
} label_sink;

static void
label_hook(void *ud, const gcs_event *ev)
{
    label_sink *s = ud;
    if (ev->kind == GCS_EV_LABEL)
        snprintf(s->label, sizeof s->label, "%s", ev->u.label.text);
    else if (ev->kind == GCS_EV_REF_SET)
        snprintf(s->slot, sizeof s->slot, "%s", ev->u.ref_set.slot);
}

/* A new int's LABEL is its value as printf's %" PRId64 " writes it (and as
 * gcs_repr does); a list store's slot label is "[i]", small or large i. */
static void
test_recorder__int_and_slot_labels_are_what_printf_writes(void **state)
{
    (void)state;
    label_sink sink;
    memset(&sink, 0, sizeof sink);
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    cfg.hook = label_hook;
    cfg.hook_ud = &sink;
    gcs_heap *h;
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    static const int64_t values[] = {257,        1000,      -6,        -1000, 99999,
                                     1234567890, INT64_MAX, INT64_MIN, -10,   1000000000000};
    char want[64], repr[64];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        gcs_obj *o;
        sink.label[0] = 0;
        assert_int_equal(gcs_int_new(h, values[i], &o), 0);
        snprintf(want, sizeof want, "%" PRId64, values[i]);
        assert_string_equal(sink.label, want);
        gcs_repr(h, o, repr, sizeof repr);
        assert_string_equal(repr, want);
        gcs_decref(h, o);
    }
    gcs_obj *l, *x;
    assert_int_equal(gcs_list_new(h, &l), 0);
    assert_int_equal(gcs_int_new(h, 5000, &x), 0);
    for (int i = 0; i < 150; i++)
        assert_int_equal(gcs_list_append(h, l, x), 0);
    static const int idx[] = {0, 9, 10, 42, 99, 100, 149};
    for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++) {
        sink.slot[0] = 0;
        assert_int_equal(gcs_list_set(h, l, idx[i], x), 0);
        snprintf(want, sizeof want, "[%d]", idx[i]);
        assert_string_equal(sink.slot, want);
    }
    gcs_decref(h, x);
    gcs_decref(h, l);
    gcs_heap_free(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorder__crc32c_hardware_and_portable_paths_agree),
        cmocka_unit_test(test_recorder__writer_thread_output_is_byte_identical_to_synchronous),
        cmocka_unit_test(test_recorder__gc_end_chunk_is_in_the_file_when_the_hook_returns),
        cmocka_unit_test(test_recorder__forked_child_with_a_chunk_in_flight_never_writes),
        cmocka_unit_test(test_recorder__write_error_on_the_writer_thread_stops_recording),
        cmocka_unit_test(test_recorder__fast_and_general_paths_write_identical_bytes),
        cmocka_unit_test(
            test_recorder__equal_strings_are_defined_once_per_chunk_whatever_their_buffer),
        cmocka_unit_test(test_recorder__many_short_strings_from_one_buffer_read_back),
        cmocka_unit_test(test_recorder__int_and_slot_labels_are_what_printf_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
