/* tests/test_index_cache.c — the replay's sidecar index (<trace>.gcsidx,
 * src/replay/index_cache.c): an open from the index answers every query
 * exactly as an open that replays the trace (golden traces, the lesson
 * traces, random event streams of every kind, a longer generated program),
 * byte for byte against a straight replay after seeks; the index is ignored
 * and rewritten when the trace changes (append, same-size rewrite, touch), for
 * another freed_window, and never made for damaged traces, stream mode,
 * memory opens or small traces by default; a truncated, bit-flipped, foreign
 * or forged (CRC recomputed) index never crashes and never changes a result
 * it could check; an unwritable index path never fails an open. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gcscope/replay.h"
#include "replay/index_cache.h"
#include "replay/replay_int.h"
#include "test_trace_util.h"
#include "testutil.h"
#include "trace/reader_int.h"

/* {==== Files ====} */

static char tmpdir[512];

static const char *
in_tmp(const char *name)
{
    static char p[4][700];
    static int k;
    k = (k + 1) & 3;
    int n = snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    assert_true(n > 0 && (size_t)n < sizeof p[k]);
    return p[k];
}

static uint8_t *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_true(fread(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void
spit(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_true(fwrite(b, 1, n, f) == n);
    assert_int_equal(fclose(f), 0);
}

static int
exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static const char *
idx_of(const char *trace)
{
    static char p[800];
    snprintf(p, sizeof p, "%s.gcsidx", trace);
    return p;
}

static int
setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s", gcs_test_tmpname(".idxdir"));
    return mkdir(tmpdir, 0755);
}

static int
teardown_dir(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] != '.')
                remove(in_tmp(e->d_name));
        closedir(d);
    }
    return rmdir(tmpdir);
}

/* {==== Opening ====} */

static gcs_replay *
open_with(const char *path, int cache, uint64_t freed_window)
{
    gcs_replay_opts o;
    gcs_replay_opts_init(&o);
    o.index_cache = cache;
    if (freed_window)
        o.freed_window = freed_window;
    gcs_replay *r = NULL;
    int rc = gcs_replay_open(path, &o, &r);
    if (rc != 0)
        fail_msg("%s: %s", path, gcs_replay_open_errmsg());
    return r;
}

/* {==== Comparing two replays (different readers: by content) ====}
 * Field by field: the structs have padding. */

#define FEQ(x, y, f) assert_true((x).f == (y).f)

static void
site_eq(const gcs_site *a, const gcs_site *b)
{
    assert_true((a == NULL) == (b == NULL));
    if (a == NULL)
        return;
    assert_true(tt_streq(a->file, b->file) && tt_streq(a->func, b->func) && a->line == b->line);
}

static void
str_eq(const char *a, const char *b)
{
    if (!tt_streq(a, b))
        fail_msg("\"%s\" != \"%s\"", a ? a : "(null)", b ? b : "(null)");
}

static void
facts_eq(gcs_replay *a, gcs_replay *b)
{
    gcs_trace_info x, y;
    gcs_replay_info(a, &x);
    gcs_replay_info(b, &y);
    str_eq(x.recorder, y.recorder);
    str_eq(x.cmdline, y.cmdline);
    FEQ(x, y, version_major);
    FEQ(x, y, version_minor);
    FEQ(x, y, flags);
    FEQ(x, y, writer_pid);
    FEQ(x, y, start_unix_ns);
    assert_memory_equal(x.thresholds, y.thresholds, sizeof x.thresholds);
    FEQ(x, y, gc_flags);
    FEQ(x, y, file_bytes);
    FEQ(x, y, n_chunks);
    FEQ(x, y, last_t_ns);
    FEQ(x, y, clean_close);
    FEQ(x, y, unknown_skipped);
    FEQ(x, y, raw_bytes);
    FEQ(x, y, stored_bytes);
    gcs_trace_damage d, e;
    gcs_replay_damage(a, &d);
    gcs_replay_damage(b, &e);
    FEQ(d, e, damaged);
    FEQ(d, e, byte_offset);
    FEQ(d, e, event_index);
    FEQ(d, e, bytes_lost);
    FEQ(d, e, code);
    str_eq(gcs_replay_errmsg(a), gcs_replay_errmsg(b));
    assert_true(gcs_replay_n_events(a) == gcs_replay_n_events(b));
    /* keyframes hold this process's pointers: their compressed size (and so
     * their spacing) varies from open to open, cached or not; the cached
     * replay reports the figures of the open that built its index */
    size_t ia = gcs_replay_index_bytes(a), ib = gcs_replay_index_bytes(b);
    if (ia > 2 * ib + 1024 || ib > 2 * ia + 1024)
        fail_msg("index bytes %zu (cached) vs %zu", ia, ib);
    assert_true(gcs_replay_n_keyframes_(a) > 0 && gcs_replay_n_keyframes_(b) > 0);
}

static void
timelines_eq(gcs_replay *a, gcs_replay *b)
{
    assert_true(gcs_replay_n_passes(a) == gcs_replay_n_passes(b));
    for (size_t k = 0; k < gcs_replay_n_passes(a); k++) {
        gcs_replay_pass x, y;
        assert_int_equal(gcs_replay_pass_at(a, k, &x), 0);
        assert_int_equal(gcs_replay_pass_at(b, k, &y), 0);
        FEQ(x, y, begin_event);
        FEQ(x, y, end_event);
        FEQ(x, y, gen);
        FEQ(x, y, reason);
        FEQ(x, y, collected);
        FEQ(x, y, uncollectable);
        FEQ(x, y, duration_ns);
        FEQ(x, y, t_begin_ns);
    }
    assert_true(gcs_replay_n_markers(a) == gcs_replay_n_markers(b));
    for (size_t k = 0; k < gcs_replay_n_markers(a); k++) {
        gcs_replay_marker x, y;
        assert_int_equal(gcs_replay_marker_at(a, k, &x), 0);
        assert_int_equal(gcs_replay_marker_at(b, k, &y), 0);
        assert_true(x.event == y.event && x.t_ns == y.t_ns);
        str_eq(x.text, y.text);
    }
    assert_true(gcs_replay_n_errors(a) == gcs_replay_n_errors(b));
    for (size_t k = 0; k < gcs_replay_n_errors(a); k++) {
        gcs_replay_error x, y;
        assert_int_equal(gcs_replay_error_at(a, k, &x), 0);
        assert_int_equal(gcs_replay_error_at(b, k, &y), 0);
        assert_true(x.event == y.event && x.code == y.code && x.obj == y.obj);
        str_eq(x.detail, y.detail);
        site_eq(x.site, y.site);
    }
}

static void
obj_eq(gcs_replay *a, gcs_replay *b, const gcs_replay_obj *x, const gcs_replay_obj *y)
{
    str_eq(x->type, y->type);
    str_eq(x->label, y->label);
    site_eq(x->alloc_site, y->alloc_site);
    FEQ(*x, *y, id);
    FEQ(*x, *y, kind);
    FEQ(*x, *y, refcnt);
    FEQ(*x, *y, gen);
    FEQ(*x, *y, tracked);
    FEQ(*x, *y, alive);
    FEQ(*x, *y, finalized);
    FEQ(*x, *y, resurrected);
    FEQ(*x, *y, in_garbage);
    FEQ(*x, *y, internal);
    FEQ(*x, *y, size);
    FEQ(*x, *y, alloc_event);
    FEQ(*x, *y, free_event);
    FEQ(*x, *y, in_pass);
    FEQ(*x, *y, gc_refs);
    FEQ(*x, *y, gc_state);
    FEQ(*x, *y, n_refs_out);
    FEQ(*x, *y, n_refs_in);
    for (size_t k = 0; k < x->n_refs_out + x->n_refs_in; k++) {
        gcs_replay_ref p, q;
        int out = k < x->n_refs_out;
        size_t j = out ? k : k - x->n_refs_out;
        assert_int_equal(
            out ? gcs_replay_ref_out(a, x->id, j, &p) : gcs_replay_ref_in(a, x->id, j, &p), 0);
        assert_int_equal(
            out ? gcs_replay_ref_out(b, x->id, j, &q) : gcs_replay_ref_in(b, x->id, j, &q), 0);
        assert_true(p.src == q.src && p.dst == q.dst);
        str_eq(p.slot, q.slot);
    }
}

/* Every state query at the cursor. */
static void
state_eq(gcs_replay *a, gcs_replay *b)
{
    assert_true(gcs_replay_pos(a) == gcs_replay_pos(b));
    assert_true(gcs_replay_n_objects(a) == gcs_replay_n_objects(b));
    assert_true(gcs_replay_n_alive(a) == gcs_replay_n_alive(b));
    for (size_t k = 0; k < gcs_replay_n_objects(a); k++) {
        gcs_replay_obj x, y, z;
        assert_int_equal(gcs_replay_object_at(a, k, &x), 0);
        assert_int_equal(gcs_replay_object_at(b, k, &y), 0);
        obj_eq(a, b, &x, &y);
        assert_int_equal(gcs_replay_object(b, x.id, &z), 0);
        assert_true(z.id == x.id);
    }
    assert_true(gcs_replay_n_frames(a) == gcs_replay_n_frames(b));
    for (size_t k = 0; k < gcs_replay_n_frames(a); k++) {
        gcs_replay_frame x, y;
        assert_int_equal(gcs_replay_frame_at(a, k, &x), 0);
        assert_int_equal(gcs_replay_frame_at(b, k, &y), 0);
        assert_true(x.id == y.id && x.n_vars == y.n_vars);
        str_eq(x.name, y.name);
        for (size_t v = 0; v < x.n_vars; v++) {
            gcs_replay_var p, q;
            assert_int_equal(gcs_replay_var_at(a, k, v, &p), 0);
            assert_int_equal(gcs_replay_var_at(b, k, v, &q), 0);
            assert_true(p.frame == q.frame && p.obj == q.obj);
            str_eq(p.name, q.name);
        }
    }
    assert_true(gcs_replay_n_weakrefs(a) == gcs_replay_n_weakrefs(b));
    for (size_t k = 0; k < gcs_replay_n_weakrefs(a); k++) {
        gcs_replay_weakref x, y;
        assert_int_equal(gcs_replay_weakref_at(a, k, &x), 0);
        assert_int_equal(gcs_replay_weakref_at(b, k, &y), 0);
        FEQ(x, y, wr);
        FEQ(x, y, referent);
        FEQ(x, y, old_referent);
        FEQ(x, y, callback);
        FEQ(x, y, cleared);
        FEQ(x, y, cb);
    }
    gcs_replay_gc_now g, h;
    gcs_replay_gc_current(a, &g);
    gcs_replay_gc_current(b, &h);
    FEQ(g, h, active);
    FEQ(g, h, gen);
    FEQ(g, h, reason);
    FEQ(g, h, phase);
    FEQ(g, h, begin_event);
    FEQ(g, h, pass_no);
    assert_memory_equal(g.counts, h.counts, sizeof g.counts);
    assert_true(gcs_replay_n_pass_objects(a) == gcs_replay_n_pass_objects(b));
    for (size_t k = 0; k < gcs_replay_n_pass_objects(a); k++) {
        uint64_t x, y;
        assert_int_equal(gcs_replay_pass_object_at(a, k, &x), 0);
        assert_int_equal(gcs_replay_pass_object_at(b, k, &y), 0);
        assert_true(x == y);
    }
    assert_true(gcs_replay_n_garbage(a) == gcs_replay_n_garbage(b));
    for (size_t k = 0; k < gcs_replay_n_garbage(a); k++) {
        uint64_t x, y;
        assert_int_equal(gcs_replay_garbage_at(a, k, &x), 0);
        assert_int_equal(gcs_replay_garbage_at(b, k, &y), 0);
        assert_true(x == y);
    }
    uint64_t ea = 0, eb = 0;
    str_eq(gcs_replay_last_marker(a, &ea), gcs_replay_last_marker(b, &eb));
    assert_true(ea == eb);
    gcs_replay_gen_stats s[3], t[3];
    gcs_replay_gc_stats(a, s);
    gcs_replay_gc_stats(b, t);
    assert_memory_equal(s, t, sizeof s);
    gcs_replay_gc_config c, d;
    gcs_replay_gc_config_at(a, &c);
    gcs_replay_gc_config_at(b, &d);
    FEQ(c, d, enabled);
    assert_memory_equal(c.thresholds, d.thresholds, sizeof c.thresholds);
    FEQ(c, d, debug);
    FEQ(c, d, frozen);
}

/* The state of r at its cursor equals (byte for byte) a straight replay of
 * its own reader from event 0: a cached keyframe restored exactly. */
static void
state_is_straight(gcs_replay *r)
{
    uint64_t pos = gcs_replay_pos(r);
    gcs_reader *rd = gcs_replay_reader_(r);
    gcs_model m;
    long th[3] = {700, 10, 10};
    gcs_model_init(&m, gcs_replay_model_(r)->freed_window, th, true, 0);
    gcs_event ev;
    for (uint64_t i = 0; i < pos; i++) {
        assert_int_equal(gcs_reader_event(rd, i, &ev), 0);
        assert_int_equal(gcs_model_apply(&m, &ev), 0);
    }
    assert_int_equal(gcs_model_compact(&m), 0);
    uint8_t *a, *b;
    size_t la, lb;
    assert_int_equal(gcs_model_save(&m, &b, &lb), 0);
    assert_int_equal(gcs_model_save(gcs_replay_model_(r), &a, &la), 0);
    if (la != lb || memcmp(a, b, la) != 0) {
        size_t d = 0;
        while (d < la && d < lb && a[d] == b[d])
            d++;
        for (size_t q = d > 16 ? d - 16 : 0; q < d + 16 && q < la; q++)
            fprintf(stderr, "%02x/%02x ", a[q], b[q]);
        fprintf(stderr, "\n");
        fail_msg("state at %" PRIu64 " differs from a straight replay (%zu/%zu bytes, at %zu;"
                 " %s replay)",
                 pos, la, lb, d, gcs_replay_cached_(r) ? "cached" : "built");
    }
    free(a);
    free(b);
    gcs_model_fini(&m);
}

/* Cached a against built b: facts, timelines, events, and the state after
 * `rounds` seeks (first to each keyframe's position, then random, with
 * steps back), `straight` of them also checked against a straight replay. */
static void
replays_eq(gcs_replay *a, gcs_replay *b, uint64_t seed, int rounds, int straight)
{
    facts_eq(a, b);
    timelines_eq(a, b);
    uint64_t n = gcs_replay_n_events(a);
    tt_rng rng = {seed};
    for (int k = 0; k < 200 && n; k++) {
        uint64_t i = k < 20 ? (uint64_t)k % n : tt_below(&rng, n);
        gcs_event x, y;
        assert_int_equal(gcs_replay_event(a, i, &x), 0);
        tt_owned ox;
        tt_own(&ox, &x);
        assert_int_equal(gcs_replay_event(b, i, &y), 0);
        char why[200];
        if (!tt_ev_equal(&ox.ev, &y, why, sizeof why))
            fail_msg("event %" PRIu64 ": %s", i, why);
        tt_unown(&ox);
    }
    for (int k = 0; k < rounds; k++) {
        uint64_t pos = k == 0 ? n : tt_below(&rng, n + 1);
        assert_int_equal(gcs_replay_seek(a, pos), 0);
        assert_int_equal(gcs_replay_seek(b, pos), 0);
        state_eq(a, b);
        if (k < straight) {
            state_is_straight(b);
            state_is_straight(a);
        }
        int64_t d = (int64_t)tt_below(&rng, 7) - 3;
        assert_int_equal(gcs_replay_step(a, d), 0);
        assert_int_equal(gcs_replay_step(b, d), 0);
        state_eq(a, b);
    }
}

/* Open `path` three ways: build + write the index, load it, never cache;
 * the loaded one must equal the uncached one. */
static void
check_trace(const char *path, uint64_t freed_window, uint64_t seed, int rounds, int straight)
{
    remove(idx_of(path));
    gcs_replay *w = open_with(path, 1, freed_window);
    assert_false(gcs_replay_cached_(w));
    gcs_trace_damage dmg;
    gcs_replay_damage(w, &dmg);
    gcs_replay_close(w);
    if (dmg.damaged) { /* damaged traces are never cached */
        assert_false(exists(idx_of(path)));
        return;
    }
    assert_true(exists(idx_of(path)));
    gcs_replay *a = open_with(path, 1, freed_window), *b = open_with(path, -1, freed_window);
    assert_true(gcs_replay_cached_(a));
    assert_false(gcs_replay_cached_(b));
    replays_eq(a, b, seed, rounds, straight);
    /* each keyframe restored (portable -> real), in a fresh cached replay */
    gcs_replay_close(a);
    a = open_with(path, 1, freed_window);
    assert_true(gcs_replay_cached_(a));
    uint64_t n = gcs_replay_n_events(a);
    for (uint64_t pos = n;; pos = pos > 997 ? pos - 997 : 0) {
        assert_int_equal(gcs_replay_seek(a, pos), 0);
        assert_int_equal(gcs_replay_seek(b, pos), 0);
        state_eq(a, b);
        if (pos == 0)
            break;
    }
    gcs_replay_close(a);
    gcs_replay_close(b);
}

/* {==== Making traces ====} */

/* A trace of `n` random events of every kind (colliding ids, every string and
 * site shape of test_trace_util.h) and, every `prog` events, a stretch of a
 * plausible program (objects, references, frames, passes, markers). */
static void
make_trace(const char *path, uint64_t n, uint64_t seed, size_t chunk, int finish)
{
    gcs_recorder_opts o;
    tt_opts(&o, chunk, 1);
    o.cmdline = "test_index_cache --make";
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open(path, &o, &rec), 0);
    tt_gen g;
    memset(&g, 0, sizeof g);
    g.rng.s = seed;
    static const char *const slots[] = {"[0]", "[1]", ".x", ".y"};
    static const char *const names[] = {"a", "b", "c", "d"};
    static const gcs_site site = {"prog.c", "run", 7};
    uint64_t live[64] = {0}, next = 100000;
    for (uint64_t i = 0; i < n; i++) {
        gcs_event ev;
        unsigned w = (unsigned)tt_below(&g.rng, 16), k = (unsigned)tt_below(&g.rng, 64);
        memset(&ev, 0, sizeof ev);
        ev.site = &site;
        if (w < 3) {
            tt_gen_event(&g, -1, &ev);
        } else if (live[k] == 0 || w == 3) {
            ev.kind = GCS_EV_ALLOC;
            ev.u.alloc.obj = live[k] = next++;
            ev.u.alloc.type = w & 1 ? "Node" : "list";
            ev.u.alloc.kind = GCS_KIND_LIST;
            ev.u.alloc.size = 40;
        } else if (w < 7) {
            ev.kind = GCS_EV_REF_SET;
            ev.u.ref_set.src = live[k];
            ev.u.ref_set.slot = slots[w & 3];
            ev.u.ref_set.dst = live[(k + 1) & 63] ? live[(k + 1) & 63] : live[k];
        } else if (w < 9) {
            ev.kind = GCS_EV_VAR_SET;
            ev.u.var_set.frame = 1;
            ev.u.var_set.name = names[k & 3];
            ev.u.var_set.obj = live[k];
        } else if (w < 10) {
            ev.kind = GCS_EV_MARKER;
            ev.u.marker.text = names[k & 3];
        } else if (w < 12) {
            ev.kind = GCS_EV_INCREF;
            ev.u.incref.obj = live[k];
            ev.u.incref.refcnt = 2;
        } else if (w < 13) {
            ev.kind = GCS_EV_FREE;
            ev.u.free.obj = live[k];
            live[k] = 0;
        } else {
            ev.kind = GCS_EV_LABEL;
            ev.u.label.obj = live[k];
            ev.u.label.text = names[w & 3];
        }
        gcs_recorder_hook(rec, &ev);
    }
    if (finish)
        assert_int_equal(gcs_recorder_finish(rec), 0);
    else
        assert_int_equal(gcs_recorder_flush(rec), 0);
    assert_int_equal(gcs_recorder_close(rec), 0);
}

static void
copy_file(const char *from, const char *to)
{
    size_t n;
    uint8_t *b = slurp(from, &n);
    assert_non_null(b);
    spit(to, b, n);
    free(b);
}

/* {==== Tests ====} */

/* Every golden and lesson trace of the source tree, copied (the tree is
 * never written): cached == uncached. */
static void
test_index_cache__cached_open_equals_built_open_on_committed_traces(void **state)
{
    (void)state;
    static const char *const dirs[] = {GCS_SOURCE_DIR "/traces/golden", GCS_SOURCE_DIR "/traces"};
    int seen = 0;
    for (size_t d = 0; d < 2; d++) {
        DIR *dir = opendir(dirs[d]);
        assert_non_null(dir);
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            size_t n = strlen(e->d_name);
            if (n < 9 || strcmp(e->d_name + n - 8, ".gctrace") != 0)
                continue;
            char from[800];
            snprintf(from, sizeof from, "%s/%s", dirs[d], e->d_name);
            const char *to = in_tmp(e->d_name);
            copy_file(from, to);
            check_trace(to, 0, (uint64_t)seen + 1, 12, 4);
            check_trace(to, 3, (uint64_t)seen + 2, 6, 2); /* many freed-object purges */
            remove(idx_of(to));
            remove(to);
            seen++;
        }
        closedir(dir);
    }
    assert_true(seen >= 10);
}

/* A longer trace with every event kind: many keyframes, every one restored
 * from the index; events given to on_event on a cached open as on a built one. */
static int
hash_event(void *ud, uint64_t i, const gcs_event *ev)
{
    uint64_t *h = ud;
    char buf[512];
    gcs_event_format(ev, buf, sizeof buf);
    h[0] = (h[0] ^ gcs_crc32c(0, buf, strlen(buf)) ^ i) * 0x100000001b3ULL;
    h[1]++;
    return 0;
}

static void
test_index_cache__cached_open_equals_built_open_on_a_generated_trace(void **state)
{
    (void)state;
    const char *path = in_tmp("gen.gctrace");
    make_trace(path, 150000, 77, 4096, 1);
    check_trace(path, 200, 5, 40, 8);
    uint64_t h1[2] = {0, 0}, h2[2] = {0, 0};
    gcs_replay_opts o;
    gcs_replay_opts_init(&o);
    o.freed_window = 200;
    o.index_cache = 1;
    o.on_event = hash_event;
    o.on_event_ud = h1;
    gcs_replay *a, *b;
    assert_int_equal(gcs_replay_open(path, &o, &a), 0);
    assert_true(gcs_replay_cached_(a));
    o.on_event_ud = h2;
    o.index_cache = -1;
    assert_int_equal(gcs_replay_open(path, &o, &b), 0);
    assert_true(h1[1] == gcs_replay_n_events(b) && h1[0] == h2[0] && h1[1] == h2[1]);
    assert_true(gcs_replay_n_keyframes_(a) > 5);
    gcs_replay_close(a);
    gcs_replay_close(b);
}

static void
set_mtime(const char *path, time_t s)
{
    struct timespec ts[2] = {{s, 0}, {s, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* The next open of path loads its index, and equals an open that builds. */
static void
cached_open_equals_built(const char *path)
{
    gcs_replay *r = open_with(path, 1, 0);
    assert_true(gcs_replay_cached_(r));
    gcs_replay *u = open_with(path, -1, 0);
    replays_eq(r, u, 1, 5, 1);
    gcs_replay_close(u);
    gcs_replay_close(r);
}

/* A changed trace: appended to (a recording still going), rewritten in
 * place with the same size, or only touched: the index is ignored, the open
 * replays, and the index is written again for the file as it is now. */
static void
test_index_cache__a_changed_trace_is_rebuilt_and_reindexed(void **state)
{
    (void)state;
    const char *path = in_tmp("grow.gctrace");
    make_trace(path, 20000, 3, 2048, 0); /* no trailer: a recording still going */
    gcs_replay *r = open_with(path, 1, 0);
    uint64_t n0 = gcs_replay_n_events(r);
    gcs_replay_close(r);
    assert_true(exists(idx_of(path)));
    /* append: a second recording's chunks (a bigger file, more events) */
    const char *more = in_tmp("more.gctrace");
    make_trace(more, 30000, 4, 2048, 1);
    size_t la, lb;
    uint8_t *a = slurp(path, &la), *b = slurp(more, &lb);
    spit(path, b, lb); /* another trace under the same name */
    r = open_with(path, 1, 0);
    assert_false(gcs_replay_cached_(r));
    assert_true(gcs_replay_n_events(r) != n0);
    gcs_replay_close(r);
    r = open_with(path, 1, 0);
    assert_true(gcs_replay_cached_(r)); /* re-indexed */
    gcs_replay_close(r);
    /* the same bytes again, same size: mtime differs -> rebuilt */
    set_mtime(path, 1000000000);
    r = open_with(path, 1, 0);
    assert_false(gcs_replay_cached_(r));
    gcs_replay_close(r);
    cached_open_equals_built(path);
    /* same size, same mtime, other content (a payload byte flipped in the
     * middle, outside the head and tail CRCs): the ctime gives it away */
    size_t lc;
    uint8_t *c = slurp(path, &lc);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    c[lc / 2] ^= 0x40;
    spit(path, c, lc);
    struct timespec ts[2] = {st.st_mtim, st.st_mtim};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    r = open_with(path, 1, 0);
    assert_false(gcs_replay_cached_(r));
    gcs_replay_close(r);
    free(a);
    free(b);
    free(c);
}

/* What is never cached: damaged traces, stream mode, memory opens, small
 * traces by default, index_cache < 0, GCSCOPE_INDEX_CACHE=0; and an index
 * for another freed_window is not used. */
/* The index is written after the open that built it, not by it (the open
 * does not wait for it): at close, or by gcs_replay_write_index, once;
 * seeks before do not change it; a trace changed since the open gets none. */
static void
test_index_cache__the_index_is_written_at_close(void **state)
{
    (void)state;
    const char *path = in_tmp("atclose.gctrace");
    make_trace(path, 20000, 3, 2048, 1);
    gcs_replay *r = open_with(path, 1, 0);
    assert_false(exists(idx_of(path))); /* not by the open */
    uint64_t n = gcs_replay_n_events(r);
    for (uint64_t i = 0; i < 40; i++) /* seeks before the close change nothing */
        assert_int_equal(gcs_replay_seek(r, (i * 7919) % n), 0);
    gcs_replay_close(r);
    assert_true(exists(idx_of(path)));
    cached_open_equals_built(path);
    /* the trace changes while it is open: nothing is written at close */
    assert_int_equal(remove(idx_of(path)), 0);
    r = open_with(path, 1, 0);
    set_mtime(path, 1000000000);
    gcs_replay_close(r);
    assert_false(exists(idx_of(path)));
    /* gcs_replay_write_index writes it while the replay is open, once */
    r = open_with(path, 1, 0);
    assert_false(exists(idx_of(path)));
    gcs_replay_write_index(r);
    assert_true(exists(idx_of(path)));
    assert_int_equal(remove(idx_of(path)), 0);
    gcs_replay_write_index(r);
    gcs_replay_close(r);
    assert_false(exists(idx_of(path)));
    gcs_replay_write_index(NULL);
    /* a failed open writes nothing */
    gcs_replay_opts o;
    gcs_replay_opts_init(&o);
    o.index_cache = 1;
    gcs_replay *bad = NULL;
    assert_int_not_equal(gcs_replay_open(in_tmp("missing.gctrace"), &o, &bad), 0);
    assert_null(bad);
    assert_false(exists(idx_of(in_tmp("missing.gctrace"))));
}

static void
test_index_cache__what_is_never_cached(void **state)
{
    (void)state;
    const char *path = in_tmp("small.gctrace");
    make_trace(path, 5000, 9, 1024, 1);
    gcs_replay_close(open_with(path, 0, 0)); /* default: too small */
    assert_false(exists(idx_of(path)));
    gcs_replay_close(open_with(path, -1, 0));
    assert_false(exists(idx_of(path)));
    gcs_replay_opts o;
    gcs_replay_opts_init(&o);
    o.index_cache = 1;
    o.stream = true;
    gcs_replay *r;
    assert_int_equal(gcs_replay_open(path, &o, &r), 0);
    gcs_replay_close(r);
    assert_false(exists(idx_of(path)));
    size_t len;
    uint8_t *b = slurp(path, &len);
    o.stream = false;
    assert_int_equal(gcs_replay_open_mem(b, len, path, &o, &r), 0);
    gcs_replay_close(r);
    assert_false(exists(idx_of(path)));
    /* the environment switch and the option */
    setenv("GCSCOPE_INDEX_CACHE", "0", 1);
    assert_int_equal(gcs_idx_mode(0), 0);
    assert_int_equal(gcs_idx_mode(1), 2);
    assert_int_equal(gcs_idx_mode(-1), 0);
    unsetenv("GCSCOPE_INDEX_CACHE");
    assert_int_equal(gcs_idx_mode(0), 1);
    /* another freed_window: not used, rewritten */
    gcs_replay_close(open_with(path, 1, 100));
    assert_true(exists(idx_of(path)));
    r = open_with(path, 1, 101);
    assert_false(gcs_replay_cached_(r));
    gcs_replay_close(r);
    r = open_with(path, 1, 101);
    assert_true(gcs_replay_cached_(r));
    gcs_replay_close(r);
    /* damaged (truncated mid-chunk): opens, is not cached, an old index is ignored */
    spit(path, b, len - 100);
    r = open_with(path, 1, 101);
    gcs_trace_damage d;
    gcs_replay_damage(r, &d);
    assert_true(d.damaged);
    assert_false(gcs_replay_cached_(r));
    gcs_replay_close(r);
    r = open_with(path, 1, 101);
    assert_false(gcs_replay_cached_(r));
    gcs_replay_close(r);
    free(b);
}

/* Temporary index files left in the test directory. */
static int
count_tmp_files(void)
{
    int n = 0;
    DIR *d = opendir(tmpdir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".gcsidx.tmp.") != NULL;
    closedir(d);
    return n;
}

/* An index path that can't be written (a directory in its place): the open
 * works and nothing is cached. */
static void
test_index_cache__an_unwritable_index_never_fails_an_open(void **state)
{
    (void)state;
    const char *path = in_tmp("ro.gctrace");
    make_trace(path, 5000, 10, 1024, 1);
    assert_int_equal(mkdir(idx_of(path), 0755), 0);
    gcs_replay *r = open_with(path, 1, 0);
    assert_true(gcs_replay_n_events(r) == 5000);
    gcs_replay_close(r);
    r = open_with(path, 1, 0);
    assert_false(gcs_replay_cached_(r));
    gcs_replay_close(r);
    assert_int_equal(rmdir(idx_of(path)), 0);
    assert_int_equal(count_tmp_files(), 0); /* the failed write left nothing behind */
    gcs_replay_close(open_with(path, 1, 0));
    r = open_with(path, 1, 0);
    assert_true(gcs_replay_cached_(r));
    gcs_replay_close(r);
    assert_int_equal(count_tmp_files(), 0);
}

/* The index file is untrusted: truncated (at every offset of its header and
 * tail, every 7th byte between), and with seeded
 * bit flips, it is ignored (the open replays, results equal) and rewritten;
 * with flips and its CRCs recomputed (a forged index) nothing crashes and
 * seeking works. Run under ASan by the sanitizer preset. */
static void
fix_crcs(uint8_t *b, size_t n)
{
    gcs_put_le32(b + 24, gcs_crc32c(0, b + 32, n - 32));
    gcs_put_le32(b + 28, gcs_crc32c(0, b, 28));
}

static void
test_index_cache__damaged_or_forged_index_is_ignored(void **state)
{
    (void)state;
    const char *path = in_tmp("victim.gctrace");
    make_trace(path, 1200, 12, 512, 1);
    gcs_replay *u = open_with(path, -1, 50);
    assert_true(gcs_replay_n_keyframes_(u) >= 2); /* the index holds a keyframe to damage */
    gcs_replay_close(open_with(path, 1, 50));
    size_t n;
    uint8_t *good = slurp(idx_of(path), &n);
    assert_non_null(good);
    assert_true(n > 64 && n < 16384); /* small enough to try every offset */
    uint8_t *b = malloc(n);
    /* every offset of the header and of the last 64 bytes, every 7th between
     * (each try rebuilds and rewrites the index: the whole file would take a
     * minute under ASan, and CI runs must stay under 30 minutes) */
    for (size_t cut = 0; cut < n; cut += cut < 64 || cut + 64 >= n ? 1 : 7) {
        spit(idx_of(path), good, cut);
        gcs_replay *r = open_with(path, 1, 50);
        assert_false(gcs_replay_cached_(r));
        assert_true(gcs_replay_n_events(r) == gcs_replay_n_events(u));
        gcs_replay_close(r);
    }
    tt_rng rng = {2024};
    for (int k = 0; k < 300; k++) {
        memcpy(b, good, n);
        int flips = 1 + (int)tt_below(&rng, 3);
        for (int f = 0; f < flips; f++)
            b[tt_below(&rng, n)] ^= (uint8_t)(1u << tt_below(&rng, 8));
        int forged = k >= 100;
        if (forged)
            fix_crcs(b, n);
        spit(idx_of(path), b, n);
        gcs_replay *r = open_with(path, 1, 50);
        if (!forged) {
            assert_false(gcs_replay_cached_(r));
            replays_eq(r, u, (uint64_t)k, 2, 0);
        } else { /* whatever it says, every query must work */
            uint64_t ne = gcs_replay_n_events(r);
            for (int s = 0; s < 4; s++)
                assert_int_equal(gcs_replay_seek(r, ne - ne * (uint64_t)s / 4), 0);
            for (size_t j = 0; j < gcs_replay_n_objects(r); j++) {
                gcs_replay_obj o;
                assert_int_equal(gcs_replay_object_at(r, j, &o), 0);
                assert_non_null(o.type);
            }
            for (size_t j = 0; j < gcs_replay_n_markers(r); j++) {
                gcs_replay_marker m;
                assert_int_equal(gcs_replay_marker_at(r, j, &m), 0);
                assert_non_null(m.text);
            }
        }
        gcs_replay_close(r);
    }
    /* a foreign file under the name */
    spit(idx_of(path), "GCTRACE\0 not an index at all", 29);
    gcs_replay *r = open_with(path, 1, 50);
    assert_false(gcs_replay_cached_(r));
    gcs_replay_close(r);
    /* and after all that, the index written last is good again */
    r = open_with(path, 1, 50);
    assert_true(gcs_replay_cached_(r));
    replays_eq(r, u, 99, 10, 3);
    gcs_replay_close(r);
    gcs_replay_close(u);
    free(b);
    free(good);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_cache__cached_open_equals_built_open_on_committed_traces),
        cmocka_unit_test(test_index_cache__cached_open_equals_built_open_on_a_generated_trace),
        cmocka_unit_test(test_index_cache__a_changed_trace_is_rebuilt_and_reindexed),
        cmocka_unit_test(test_index_cache__the_index_is_written_at_close),
        cmocka_unit_test(test_index_cache__what_is_never_cached),
        cmocka_unit_test(test_index_cache__an_unwritable_index_never_fails_an_open),
        cmocka_unit_test(test_index_cache__damaged_or_forged_index_is_ignored),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
