/* tests/test_trace_e2e.c — the runtime, the recorder attached by
 * gcs_heap_new (cfg->trace_path), the file, and the replay model together: a
 * program builds a two-list cycle, drops its names, collects, and the replay
 * shows the cycle, the collector pass (unreachable states) and the frees.
 * Also: GCSCOPE_TRACE from the environment, recording to /dev/full and to a
 * pipe whose reader went away (one warning, the program goes on, no SIGPIPE),
 * and a forked child that must not write into its parent's trace. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gcscope/replay.h"
#include "gcscope/runtime.h"
#include "gcscope/trace.h"

static const char *
tmp_trace(const char *tag)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "/tmp/gcs_e2e_%ld_%s.gctrace", (long)getpid(), tag);
    return buf;
}

typedef struct ids {
    uint64_t a, b;
} ids;

/* a = []; b = []; a.append(b); b.append(a); marker; del a, b; marker;
 * gc.collect(); marker. */
static ids
cycle_program(gcs_heap *h)
{
    gcs_obj *a, *b;
    assert_int_equal(gcs_list_new(h, &a), 0);
    assert_int_equal(gcs_list_new(h, &b), 0);
    assert_int_equal(gcs_global_set(h, "a", a), 0);
    assert_int_equal(gcs_global_set(h, "b", b), 0);
    assert_int_equal(gcs_list_append(h, a, b), 0);
    assert_int_equal(gcs_list_append(h, b, a), 0);
    ids r = {gcs_id(a), gcs_id(b)};
    gcs_decref(h, a); /* the globals hold them now */
    gcs_decref(h, b);
    assert_int_equal(gcs_marker(h, "cycle built"), 0);
    assert_int_equal(gcs_global_del(h, "a"), 0);
    assert_int_equal(gcs_global_del(h, "b"), 0);
    assert_int_equal(gcs_marker(h, "names deleted"), 0);
    size_t n = 0;
    assert_int_equal(gcs_gc_collect(h, 2, &n), 0);
    assert_true(n >= 2);
    assert_int_equal(gcs_marker(h, "collected"), 0);
    return r;
}

static uint64_t
marker_event(gcs_replay *r, const char *text)
{
    for (size_t k = 0; k < gcs_replay_n_markers(r); k++) {
        gcs_replay_marker m;
        assert_int_equal(gcs_replay_marker_at(r, k, &m), 0);
        if (strcmp(m.text, text) == 0)
            return m.event;
    }
    fail_msg("no marker '%s'", text);
    return 0;
}

static void
check_cycle_trace(const char *path, ids id)
{
    gcs_replay *r;
    if (gcs_replay_open(path, NULL, &r) != 0)
        fail_msg("open: %s", gcs_replay_open_errmsg());
    gcs_trace_info info;
    gcs_replay_info(r, &info);
    assert_true(info.clean_close);
    assert_int_equal(info.thresholds[0], 700);
    gcs_trace_damage dmg;
    gcs_replay_damage(r, &dmg);
    assert_false(dmg.damaged);

    /* the cycle: each list holds the other; the globals hold both */
    assert_int_equal(gcs_replay_seek(r, marker_event(r, "cycle built") + 1), 0);
    gcs_replay_obj a, b;
    assert_int_equal(gcs_replay_object(r, id.a, &a), 0);
    assert_int_equal(gcs_replay_object(r, id.b, &b), 0);
    assert_string_equal(a.type, "list");
    assert_true(a.alive && b.alive && a.tracked && a.gen == 0);
    assert_true(a.refcnt == 2 && b.refcnt == 2);
    assert_true(a.n_refs_out == 1 && a.n_refs_in == 1);
    gcs_replay_ref ref;
    assert_int_equal(gcs_replay_ref_out(r, id.a, 0, &ref), 0);
    assert_true(ref.dst == id.b);
    assert_int_equal(gcs_replay_ref_in(r, id.a, 0, &ref), 0);
    assert_true(ref.src == id.b);
    assert_non_null(a.alloc_site);
    assert_non_null(strstr(a.alloc_site->file, "test_trace_e2e.c"));
    int found_a = 0;
    assert_true(gcs_replay_n_frames(r) >= 1);
    gcs_replay_frame f;
    assert_int_equal(gcs_replay_frame_at(r, 0, &f), 0);
    assert_string_equal(f.name, "<module>");
    for (size_t k = 0; k < f.n_vars; k++) {
        gcs_replay_var v;
        assert_int_equal(gcs_replay_var_at(r, 0, k, &v), 0);
        found_a |= strcmp(v.name, "a") == 0 && v.obj == id.a;
    }
    assert_true(found_a);

    /* names gone: only the cycle keeps them alive */
    assert_int_equal(gcs_replay_seek(r, marker_event(r, "names deleted") + 1), 0);
    assert_int_equal(gcs_replay_object(r, id.a, &a), 0);
    assert_true(a.alive && a.refcnt == 1);

    /* the collector pass: find it, check both end up unreachable, then freed */
    size_t np = gcs_replay_n_passes(r);
    assert_true(np >= 1);
    gcs_replay_pass p;
    assert_int_equal(gcs_replay_pass_at(r, np - 1, &p), 0);
    assert_true(p.gen == 2 && p.reason == 1 && p.collected >= 2);
    assert_true(p.end_event != UINT64_MAX && p.end_event < marker_event(r, "collected"));
    int saw_unreachable = 0;
    for (uint64_t i = p.begin_event; i < p.end_event; i++) {
        assert_int_equal(gcs_replay_seek(r, i + 1), 0);
        gcs_replay_gc_now g;
        gcs_replay_gc_current(r, &g);
        assert_true(g.active && g.gen == 2);
        if (gcs_replay_object(r, id.a, &a) == 0 && a.in_pass &&
            a.gc_state == GCS_GCST_UNREACHABLE && gcs_replay_object(r, id.b, &b) == 0 &&
            b.gc_state == GCS_GCST_UNREACHABLE)
            saw_unreachable = 1;
    }
    assert_true(saw_unreachable);
    assert_int_equal(gcs_replay_seek(r, p.end_event + 1), 0);
    assert_int_equal(gcs_replay_object(r, id.a, &a), 0);
    assert_int_equal(gcs_replay_object(r, id.b, &b), 0);
    assert_false(a.alive);
    assert_false(b.alive);
    assert_true(a.free_event > p.begin_event && a.free_event < p.end_event);
    gcs_replay_gen_stats st[3];
    gcs_replay_gc_stats(r, st);
    assert_true(st[2].collections >= 1 && st[2].collected >= 2);

    /* refcount history of a: allocated, referenced, released, freed */
    gcs_replay_rc_point *h;
    size_t hn;
    assert_int_equal(gcs_replay_rc_history(r, id.a, &h, &hn), 0);
    assert_true(hn >= 4);
    assert_int_equal(h[0].kind, GCS_EV_ALLOC);
    assert_int_equal(h[hn - 1].kind, GCS_EV_FREE);
    gcs_replay_history_free(h);
    gcs_replay_close(r);
}

static void
test_trace_e2e__cycle_recorded_and_replayed(void **state)
{
    (void)state;
    const char *path = tmp_trace("cycle");
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    cfg.trace_path = path;
    cfg.on_error = GCS_ON_ERROR_CONTINUE;
    gcs_heap *h;
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    ids id = cycle_program(h);
    gcs_heap_free(h);
    check_cycle_trace(path, id);
    unlink(path);
}

/* gcs_obj_set_internal reaches the replay model as `internal` on that object
 * only, and refuses NULL. */
static void
test_trace_e2e__internal_mark_reaches_the_replay(void **state)
{
    (void)state;
    const char *path = tmp_trace("internal");
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    cfg.trace_path = path;
    gcs_heap *h;
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    gcs_obj *shown, *hidden;
    assert_int_equal(gcs_list_new(h, &shown), 0);
    assert_int_equal(gcs_dict_new(h, &hidden), 0);
    assert_int_equal(gcs_global_set(h, "shown", shown), 0);
    assert_int_equal(gcs_global_set(h, "hidden", hidden), 0);
    assert_int_equal(gcs_obj_set_internal(h, hidden), 0);
    assert_int_equal(gcs_obj_set_internal(h, NULL), GCS_EINVAL);
    uint64_t sid = gcs_id(shown), hid = gcs_id(hidden);
    gcs_decref(h, shown);
    gcs_decref(h, hidden);
    assert_int_equal(gcs_marker(h, "marked"), 0);
    gcs_heap_free(h);

    gcs_replay *r;
    if (gcs_replay_open(path, NULL, &r) != 0)
        fail_msg("open: %s", gcs_replay_open_errmsg());
    assert_int_equal(gcs_replay_seek(r, marker_event(r, "marked")), 0);
    gcs_replay_obj o;
    assert_int_equal(gcs_replay_object(r, hid, &o), 0);
    assert_true(o.internal);
    assert_int_equal(gcs_replay_object(r, sid, &o), 0);
    assert_false(o.internal);
    gcs_replay_close(r);
    unlink(path);
}

static void
test_trace_e2e__env_variable_attaches_a_recorder(void **state)
{
    (void)state;
    const char *path = tmp_trace("env");
    setenv("GCSCOPE_TRACE", path, 1);
    gcs_heap *h;
    assert_int_equal(gcs_heap_new(NULL, &h), 0);
    ids id = cycle_program(h);
    gcs_heap_free(h);
    unsetenv("GCSCOPE_TRACE");
    check_cycle_trace(path, id);
    unlink(path);
    /* no_env ignores it */
    setenv("GCSCOPE_TRACE", path, 1);
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    gcs_heap_free(h);
    unsetenv("GCSCOPE_TRACE");
    assert_int_not_equal(access(path, F_OK), 0);
}

static void
test_trace_e2e__recording_to_full_disk_lets_the_program_run(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    cfg.trace_path = "/dev/full";
    gcs_heap *h;
    fflush(stderr);
    char errpath[] = "/tmp/gcs_e2e_err_XXXXXX";
    int fd = mkstemp(errpath);
    int saved = dup(2);
    dup2(fd, 2);
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    ids id = cycle_program(h);
    (void)id;
    gcs_heap_free(h);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char buf[1024] = {0};
    pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    unlink(errpath);
    int lines = 0;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1);
    assert_non_null(strstr(buf, "gcscope: trace recording stopped: /dev/full: "));
}

/* Many events and a collection now and then (each GC_END flushes a chunk). */
static int
busy_work(gcs_heap *h, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        gcs_obj *l, *x;
        if (gcs_list_new(h, &l) != 0 || gcs_int_new(h, i, &x) != 0 || gcs_list_append(h, l, x) != 0)
            return -1;
        gcs_decref(h, x);
        gcs_decref(h, l);
        if (i % 500 == 499 && gcs_gc_collect(h, 0, NULL) != 0)
            return -1;
    }
    return 0;
}

/* In a child process: record to /dev/fd/N of a pipe, close the pipe's read
 * end once the header is written, run on. Returns 7 (the program's own
 * status) if it ran to its end with SIGPIPE's mask, pending state and
 * disposition as they were; else a code naming what went wrong. */
static int
closed_pipe_child(int errfd)
{
    int p[2];
    if (pipe(p) != 0)
        return 90;
    dup2(errfd, 2);
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", p[1]);
    sigset_t before, after, pending;
    sigprocmask(SIG_SETMASK, NULL, &before);
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    cfg.trace_path = path;
    gcs_heap *h;
    if (gcs_heap_new(&cfg, &h) != 0)
        return 91;
    close(p[0]); /* the reader goes away */
    if (busy_work(h, 5000) != 0)
        return 92;
    gcs_heap_free(h);
    sigprocmask(SIG_SETMASK, NULL, &after);
    if (sigismember(&before, SIGPIPE) != sigismember(&after, SIGPIPE))
        return 93;
    sigemptyset(&pending);
    if (sigpending(&pending) != 0 || sigismember(&pending, SIGPIPE))
        return 94;
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) != 0 || sa.sa_handler != SIG_DFL)
        return 95;
    return 7;
}

static void
test_trace_e2e__closed_pipe_warns_once_and_the_program_runs_on(void **state)
{
    (void)state;
    char errpath[] = "/tmp/gcs_e2e_pipe_XXXXXX";
    int fd = mkstemp(errpath);
    assert_true(fd >= 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(closed_pipe_child(fd));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    char buf[2048] = {0};
    ssize_t got = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    unlink(errpath);
    if (WIFSIGNALED(status))
        fail_msg("the program died of signal %d (stderr: %s)", WTERMSIG(status), buf);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 7);
    assert_true(got > 0);
    int lines = 0;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1);
    assert_non_null(strstr(buf, "gcscope: trace recording stopped: /dev/fd/"));
    assert_non_null(strstr(buf, strerror(EPIPE)));
}

/* A child made by fork() inherits the recorder (and the file offset): its
 * events, collections and teardown must not land in the parent's file, which
 * must read back intact, cleanly closed, with exactly the parent's events. */
static void
test_trace_e2e__forked_child_never_writes_to_the_parents_trace(void **state)
{
    (void)state;
    const char *path = tmp_trace("fork");
    gcs_recorder_opts o;
    gcs_recorder_opts_init(&o);
    o.quiet = false; /* a child must stop silently: nothing to silence */
    gcs_recorder *rec;
    assert_int_equal(gcs_recorder_open(path, &o, &rec), 0);
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    cfg.hook = gcs_recorder_hook;
    cfg.hook_ud = rec;
    gcs_heap *h;
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    assert_int_equal(busy_work(h, 1000), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* many chunks' worth of events, collections, teardown */
        int bad = busy_work(h, 20000) != 0;
        gcs_heap_free(h);
        bad |= gcs_recorder_close(rec) != 0;
        _exit(bad);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(busy_work(h, 1000), 0);
    assert_int_equal(gcs_marker(h, "parent after fork"), 0);
    gcs_heap_free(h);
    assert_int_equal(gcs_recorder_finish(rec), 0);
    gcs_recorder_stats st;
    gcs_recorder_get_stats(rec, &st);
    assert_int_equal(gcs_recorder_close(rec), 0);

    gcs_reader *r;
    assert_int_equal(gcs_reader_open(path, NULL, &r), 0);
    gcs_trace_damage d;
    gcs_reader_damage(r, &d);
    assert_false(d.damaged);
    gcs_trace_info info;
    gcs_reader_info(r, &info);
    assert_true(info.clean_close);
    assert_int_equal(gcs_reader_n_events(r), st.events);
    gcs_event ev;
    int markers = 0, heap_ends = 0;
    while (gcs_reader_next(r, &ev) == 1) {
        markers += ev.kind == GCS_EV_MARKER;
        heap_ends += ev.kind == GCS_EV_HEAP_END;
        if (ev.kind == GCS_EV_MARKER)
            assert_string_equal(ev.u.marker.text, "parent after fork");
    }
    assert_int_equal(markers, 1);
    assert_int_equal(heap_ends, 1); /* the child's teardown is not in the file */
    gcs_reader_close(r);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_e2e__cycle_recorded_and_replayed),
        cmocka_unit_test(test_trace_e2e__internal_mark_reaches_the_replay),
        cmocka_unit_test(test_trace_e2e__env_variable_attaches_a_recorder),
        cmocka_unit_test(test_trace_e2e__recording_to_full_disk_lets_the_program_run),
        cmocka_unit_test(test_trace_e2e__closed_pipe_warns_once_and_the_program_runs_on),
        cmocka_unit_test(test_trace_e2e__forked_child_never_writes_to_the_parents_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
