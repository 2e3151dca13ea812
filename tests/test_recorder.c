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
 * path formats by hand (ints, list slots) against printf. The narrow entry
 * points (gcs_recorder_hooks) against gcs_recorder_hook: the same bytes, for
 * synthetic streams and for a real heap; and a user's hooks beside the
 * recorder still see every event. */
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
#include "trace/reader_int.h"
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

/* {==== Narrow entry points (gcs_recorder_hooks) ====} */

/* Hand `ev` to the recorder's narrow entry for its kind, as the runtime
 * would; 0 if it has none (stamped events never take one). */
static int
route_narrow(gcs_recorder *rec, const gcs_event *ev)
{
    const gcs_hooks *hk = gcs_recorder_hooks();
    gcs_ev_kind k = ev->kind;
    if (ev->t_ns != 0)
        return 0;
    if (k == GCS_EV_INCREF || k == GCS_EV_DECREF) {
        hk->refcnt(rec, k, ev->u.incref.obj, ev->u.incref.refcnt, ev->site);
    } else if (strcmp(gcs_ev_describe(k)->tags, "O") == 0) {
        uint64_t obj;
        memcpy(&obj, &ev->u, sizeof obj);
        hk->obj(rec, k, obj, ev->site); /* INTERNAL (code 0x20) too: its general path */
    } else if (k == GCS_EV_REF_SET) {
        const gcs_ev_ref_set *p = &ev->u.ref_set;
        hk->ref_set(rec, p->src, p->slot, p->dst, p->old, ev->site);
    } else if (k == GCS_EV_REF_DEL) {
        const gcs_ev_ref_del *p = &ev->u.ref_del;
        hk->ref_del(rec, p->src, p->slot, p->old, ev->site);
    } else if (k == GCS_EV_ALLOC) {
        const gcs_ev_alloc *p = &ev->u.alloc;
        hk->alloc(rec, p->obj, p->type, p->kind, p->size, ev->site);
    } else if (k == GCS_EV_LABEL) {
        hk->label(rec, ev->u.label.obj, ev->u.label.text, ev->site);
    } else {
        return 0;
    }
    return 1;
}

/* A seeded stream, half of it of the narrow kinds and two thirds unstamped,
 * into rec through gcs_recorder_hook, or (`narrow`) through the narrow
 * entries where the runtime would use them. Returns events routed narrow. */
static long
record_routed(const gcs_recorder_opts *o, uint64_t seed, size_t n, int narrow, uint8_t **bytes,
              size_t *len)
{
    static const gcs_ev_kind kinds[] = {
        GCS_EV_INCREF,   GCS_EV_DECREF,    GCS_EV_FREE,       GCS_EV_TRACK,    GCS_EV_UNTRACK,
        GCS_EV_FINALIZE, GCS_EV_RESURRECT, GCS_EV_GC_GARBAGE, GCS_EV_INTERNAL, GCS_EV_REF_SET,
        GCS_EV_REF_DEL,  GCS_EV_ALLOC,     GCS_EV_LABEL};
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(o, &rec), 0);
    tt_gen g;
    memset(&g, 0, sizeof g);
    g.rng.s = seed;
    long routed = 0;
    for (size_t i = 0; i < n; i++) {
        gcs_event ev;
        int kind = i % 2 ? -1 : (int)kinds[tt_below(&g.rng, sizeof kinds / sizeof kinds[0])];
        tt_gen_event(&g, kind, &ev);
        if (i % 3)
            ev.t_ns = 0;
        if (narrow && route_narrow(rec, &ev))
            routed++;
        else
            gcs_recorder_hook(rec, &ev);
    }
    assert_int_equal(gcs_recorder_finish(rec), 0);
    *bytes = tt_take(rec, len);
    assert_int_equal(gcs_recorder_close(rec), 0);
    return routed;
}

/* The narrow entries write the bytes gcs_recorder_hook writes for the same
 * events: on their fast paths and (signal flush armed: every event general)
 * on their general paths, raw and compressed, over many chunks. */
static void
test_recorder__narrow_entries_write_the_bytes_of_the_event_hook(void **state)
{
    (void)state;
    for (int z = 0; z < 2; z++) {
        for (int sig = 0; sig < 2; sig++) {
            gcs_recorder_opts o;
            tt_opts(&o, 4096, z);
            o.signals = sig;
            uint8_t *gen, *nar;
            size_t gen_len, nar_len;
            assert_int_equal(record_routed(&o, 91 + (uint64_t)z, 30000, 0, &gen, &gen_len), 0);
            long routed = record_routed(&o, 91 + (uint64_t)z, 30000, 1, &nar, &nar_len);
            assert_true(routed > 30000 / 3);
            assert_true(gen_len == nar_len);
            assert_memory_equal(gen, nar, gen_len);
            check_reads(nar, nar_len, 30000, 1);
            free(gen);
            free(nar);
        }
    }
}

/* The recorder's event hook with the clock taken out (collector passes are
 * stamped and timed), so that two recordings of one program can be compared
 * byte for byte. */
static void
unclocked_hook(void *rec, const gcs_event *ev)
{
    gcs_event e = *ev;
    e.t_ns = 0;
    if (e.kind == GCS_EV_GC_END)
        e.u.gc_end.duration_ns = 0;
    gcs_recorder_hook(rec, &e);
}

/* A runtime workload (allocations, labels, list stores and deletions,
 * refcounts, collections) recorded into memory with the recorder as a plain
 * event hook (mode 0), with its narrow hooks but the compact ones (label_int,
 * ref_set_index, ref_del_index) from the config (1), or installed after the
 * heap's boot (2), or all its narrow hooks (3: int labels as values, list
 * slots as indexes). */
static uint8_t *
record_heap(int mode, size_t *len)
{
    gcs_recorder_opts o;
    tt_opts(&o, 4096, 1);
    o.start_unix_ns = 1;
    o.writer_pid = 1;
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
    gcs_hooks hk = *gcs_recorder_hooks();
    assert_true(hk.event == gcs_recorder_hook);
    hk.event = unclocked_hook;
    if (mode != 3) {
        hk.label_int = NULL;
        hk.ref_set_index = NULL;
        hk.ref_del_index = NULL;
    }
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    cfg.checked = false;
    gcs_recorder_configure(rec, &cfg);
    assert_true(cfg.hook == gcs_recorder_hook && cfg.hook_ud == rec &&
                cfg.hooks == gcs_recorder_hooks());
    cfg.hook = unclocked_hook;
    cfg.hooks = mode == 1 || mode == 3 ? &hk : NULL;
    gcs_heap *h;
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    if (mode == 2)
        assert_int_equal(gcs_heap_set_hooks(h, &hk, rec), 0);
    gcs_obj *keep;
    assert_int_equal(gcs_list_new(h, &keep), 0);
    for (int i = 0; i < 3000; i++) {
        gcs_obj *l, *v;
        assert_int_equal(gcs_list_new(h, &l), 0);
        assert_int_equal(gcs_int_new(h, 1000 + i % 500, &v), 0);
        assert_int_equal(gcs_list_append(h, l, v), 0);
        assert_int_equal(gcs_list_append(h, l, l), 0); /* a cycle for the collector */
        assert_int_equal(gcs_list_set(h, l, 0, keep), 0);
        if (i % 7 == 0)
            assert_int_equal(gcs_list_append(h, keep, v), 0);
        if (i % 11 == 0)
            assert_int_equal(gcs_list_clear(h, keep), 0);
        gcs_decref(h, v);
        gcs_decref(h, l);
    }
    gcs_decref(h, keep);
    gcs_heap_free(h);
    assert_int_equal(gcs_recorder_finish(rec), 0);
    uint8_t *b = tt_take(rec, len);
    gcs_recorder_stats st;
    gcs_recorder_get_stats(rec, &st);
    assert_true(st.events > 30000);
    assert_int_equal(gcs_recorder_close(rec), 0);
    return b;
}

/* The events of a trace in memory as `gcscope dump` lines, one string. */
static char *
dump_lines(const uint8_t *b, size_t len)
{
    gcs_reader *r;
    assert_int_equal(gcs_reader_open_mem(b, len, "t", NULL, &r), 0);
    size_t cap = 1 << 20, n = 0;
    char *out = malloc(cap), line[512];
    gcs_event ev;
    while (gcs_reader_next(r, &ev) == 1) {
        size_t k = gcs_event_format(&ev, line, sizeof line);
        while (n + k + 2 > cap)
            out = realloc(out, cap *= 2);
        memcpy(out + n, line, k);
        n += k;
        out[n++] = '\n';
    }
    out[n] = 0;
    gcs_reader_close(r);
    return out;
}

/* A heap recorded through the narrow hooks gives the trace, byte for byte,
 * of the same heap recorded through the event hook alone; with the compact
 * ones too (format 1.2's records) the same events, in fewer bytes. */
static void
test_recorder__heap_recorded_through_narrow_hooks_is_byte_identical(void **state)
{
    (void)state;
    size_t len[4];
    uint8_t *b[4];
    for (int m = 0; m < 4; m++)
        b[m] = record_heap(m, &len[m]);
    for (int m = 1; m < 3; m++) {
        assert_true(len[m] == len[0]);
        assert_memory_equal(b[m], b[0], len[0]);
    }
    char *d0 = dump_lines(b[0], len[0]), *d3 = dump_lines(b[3], len[3]);
    assert_string_equal(d3, d0);
    assert_true(len[3] < len[0]);
    free(d0);
    free(d3);
    for (int m = 0; m < 4; m++)
        free(b[m]);
    /* gcs_recorder_attach installs the same set */
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open_mem(NULL, &rec), 0);
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    gcs_heap *h;
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    assert_int_equal(gcs_recorder_attach(rec, h), 0);
    gcs_obj *l;
    assert_int_equal(gcs_list_new(h, &l), 0);
    gcs_decref(h, l);
    gcs_heap_free(h);
    gcs_recorder_stats st;
    gcs_recorder_get_stats(rec, &st);
    assert_true(st.events >= 2); /* ALLOC, DECREF, FREE, HEAP_END, ... */
    assert_int_equal(gcs_recorder_attach(NULL, NULL), GCS_EINVAL);
    assert_int_equal(gcs_recorder_attach(rec, NULL), GCS_EINVAL);
    assert_int_equal(gcs_recorder_close(rec), 0);
}

/* Whether ev is one a compact record of format 1.2 carries in record_heap's
 * workload (lists and ints only): an int's label, a list slot's store or
 * delete. */
static bool
from_compact_record(const gcs_event *ev)
{
    const char *t = ev->kind == GCS_EV_LABEL     ? ev->u.label.text
                    : ev->kind == GCS_EV_REF_SET ? ev->u.ref_set.slot
                    : ev->kind == GCS_EV_REF_DEL ? ev->u.ref_del.slot
                                                 : NULL;
    if (t == NULL)
        return false;
    if (ev->kind != GCS_EV_LABEL && *t++ != '[')
        return false;
    if (*t == '-')
        t++;
    size_t n = strspn(t, "0123456789");
    return n > 0 && strcmp(t + n, ev->kind == GCS_EV_LABEL ? "" : "]") == 0;
}

/* A 1.1 reader skips the compact records of a 1.2 trace by their length:
 * it must read every other event exactly as a 1.2 reader does, with no
 * damage (the compact records' ids do not touch the id cache and delta
 * state the other records are decoded with). */
static void
test_recorder__a_1_1_reader_reads_the_rest_of_a_1_2_trace(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = record_heap(3, &len);
    gcs_reader *full, *old;
    assert_int_equal(gcs_reader_open_mem(b, len, "full", NULL, &full), 0);
    gcs_reader_test_as_v1_1_ = true;
    int rc = gcs_reader_open_mem(b, len, "old", NULL, &old);
    gcs_reader_test_as_v1_1_ = false;
    assert_int_equal(rc, 0);
    gcs_trace_damage d;
    gcs_reader_damage(old, &d);
    assert_false(d.damaged);
    gcs_trace_info info;
    gcs_reader_info(old, &info);
    gcs_event a, c;
    char la[512], lc[512];
    uint64_t skipped = 0, n_old = 0;
    while (gcs_reader_next(full, &a) == 1) {
        if (from_compact_record(&a)) {
            skipped++;
            continue;
        }
        assert_int_equal(gcs_reader_next(old, &c), 1);
        gcs_event_format(&a, la, sizeof la);
        gcs_event_format(&c, lc, sizeof lc);
        assert_string_equal(lc, la);
        n_old++;
    }
    assert_int_equal(gcs_reader_next(old, &c), 0);
    assert_true(skipped > 5000 && n_old > 20000);
    assert_true(info.unknown_skipped == skipped);
    gcs_reader_close(full);
    gcs_reader_close(old);
    free(b);
}

/* What the user's own hooks (an event hook and a narrow refcnt hook) saw
 * beside the recorder, as `gcscope dump` lines. */
typedef struct seen {
    char (*lines)[200];
    size_t n, cap;
    long narrow;
} seen;

static void
seen_event(void *ud, const gcs_event *ev)
{
    seen *s = ud;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->lines = realloc(s->lines, s->cap * sizeof *s->lines);
        assert_non_null(s->lines);
    }
    gcs_event_format(ev, s->lines[s->n++], sizeof s->lines[0]);
}

static void
seen_refcnt(void *ud, gcs_ev_kind kind, uint64_t obj, int64_t refcnt, const gcs_site *site)
{
    gcs_event ev = {.kind = kind, .site = site};
    ev.u.incref = (gcs_ev_incref){obj, refcnt};
    ((seen *)ud)->narrow++;
    seen_event(ud, &ev);
}

/* GCSCOPE_TRACE's wiring (cfg->trace_path) with the user's own hooks set
 * too: both slots hooked, each with narrow hooks. The user's hooks see every
 * event the trace holds, in the trace's order. */
static void
test_recorder__user_hooks_beside_the_recorder_see_every_traced_event(void **state)
{
    (void)state;
    char *path = tmp_path("userhooks");
    seen s = {0};
    static const gcs_hooks user = {.event = seen_event, .refcnt = seen_refcnt};
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    cfg.trace_path = path;
    cfg.hook = seen_event;
    cfg.hook_ud = &s;
    cfg.hooks = &user;
    gcs_heap *h;
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    gcs_obj *l, *v;
    for (int i = 0; i < 500; i++) {
        assert_int_equal(gcs_list_new(h, &l), 0);
        assert_int_equal(gcs_int_new(h, 5000 + i, &v), 0);
        assert_int_equal(gcs_list_append(h, l, v), 0);
        assert_int_equal(gcs_list_append(h, l, l), 0);
        gcs_incref(h, v);
        gcs_decref(h, v);
        gcs_decref(h, v);
        gcs_decref(h, l);
    }
    assert_int_equal(gcs_gc_collect(h, 2, NULL), 0);
    gcs_heap_free(h);
    assert_true(s.narrow > 1000);
    gcs_reader *r;
    assert_int_equal(gcs_reader_open(path, NULL, &r), 0);
    assert_true(gcs_reader_n_events(r) == s.n);
    char line[200];
    for (uint64_t i = 0; i < s.n; i++) {
        gcs_event ev;
        assert_int_equal(gcs_reader_event(r, i, &ev), 0);
        gcs_event_format(&ev, line, sizeof line);
        assert_string_equal(line, s.lines[i]);
    }
    gcs_reader_close(r);
    remove(path);
    free(path);
    free(s.lines);
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

/* The compact records (int labels through label_int, list slots through
 * ref_set_index / ref_del_index), recorded with every event on the general
 * path (signal flush armed) and on the fast path: the same bytes, raw and
 * compressed, over many chunks and sites first seen mid-chunk. */
static void
test_recorder__compact_records_fast_and_general_paths_write_identical_bytes(void **state)
{
    (void)state;
    static const gcs_site sites[3] = {{"a.c", "f", 1}, {"a.c", "f", 2}, {"b.c", "g", 3}};
    const gcs_hooks *hk = gcs_recorder_hooks();
    for (int z = 0; z < 2; z++) {
        uint8_t *b[2];
        size_t len[2];
        for (int sig = 0; sig < 2; sig++) {
            gcs_recorder_opts o;
            tt_opts(&o, 1024, z);
            o.signals = sig;
            gcs_recorder *rec;
            assert_int_equal(gcs_recorder_open_mem(&o, &rec), 0);
            for (uint64_t i = 0; i < 20000; i++) {
                const gcs_site *s = i % 4 == 3 ? NULL : &sites[(i / 7) % 3];
                hk->label_int(rec, 1 + i % 300, (int64_t)(i * i) - 5000, s);
                if (i % 10 == 0)
                    hk->refcnt(rec, GCS_EV_INCREF, 1 + i % 300, 2, s);
                if (i % 10 == 1)
                    hk->ref_set_index(rec, 7, i * 31, 1 + i % 300, i % 3 ? 0 : 8, s);
                if (i % 10 == 2)
                    hk->ref_del_index(rec, 7, i % 9, 1 + i % 300, s);
            }
            assert_int_equal(gcs_recorder_finish(rec), 0);
            gcs_recorder_stats st;
            gcs_recorder_get_stats(rec, &st);
            assert_true(st.events == 26000 && st.chunks > 20);
            b[sig] = tt_take(rec, &len[sig]);
            assert_int_equal(gcs_recorder_close(rec), 0);
        }
        assert_true(len[0] == len[1]);
        assert_memory_equal(b[0], b[1], len[0]);
        free(b[0]);
        free(b[1]);
    }
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
        cmocka_unit_test(test_recorder__narrow_entries_write_the_bytes_of_the_event_hook),
        cmocka_unit_test(test_recorder__heap_recorded_through_narrow_hooks_is_byte_identical),
        cmocka_unit_test(test_recorder__user_hooks_beside_the_recorder_see_every_traced_event),
        cmocka_unit_test(test_recorder__a_1_1_reader_reads_the_rest_of_a_1_2_trace),
        cmocka_unit_test(
            test_recorder__equal_strings_are_defined_once_per_chunk_whatever_their_buffer),
        cmocka_unit_test(test_recorder__many_short_strings_from_one_buffer_read_back),
        cmocka_unit_test(test_recorder__int_and_slot_labels_are_what_printf_writes),
        cmocka_unit_test(
            test_recorder__compact_records_fast_and_general_paths_write_identical_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
