/* tests/robustness/rob_victim.c — helper program for the robustness tests
 * (issue #8; tests/robustness/hostile.py and faults.py, wired by tests/cmake/robustness.cmake).
 *   rob_victim tiny OUT          write a tiny complete trace (a few hundred bytes,
 *                                several chunks, a cycle, a leak, a marker) with
 *                                the recorder API: small enough to truncate at
 *                                every byte offset
 *   rob_victim work N STATUS [PROGRESS]
 *                                a runtime program (records when GCSCOPE_TRACE is
 *                                set): N rounds (0 = forever) of building and
 *                                collecting a cycle plus some churn. Each round's
 *                                collection ends with GC_END, which flushes a
 *                                chunk; AFTER it returns, the round number is
 *                                written to PROGRESS (so a reader of PROGRESS
 *                                knows that many passes are on disk). Prints
 *                                "rob_victim: N rounds" and exits with STATUS. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gcscope/runtime.h"
#include "gcscope/trace.h"

/* {==== tiny ====} */

static void
ev(gcs_recorder *rec, gcs_event e)
{
    static uint64_t t;
    e.t_ns = (t += 100);
    gcs_recorder_hook(rec, &e);
}

static int
run_tiny(const char *out)
{
    static const gcs_site site = {"t.c", "f", 3};
    gcs_recorder_opts o;
    gcs_recorder_opts_init(&o);
    o.chunk_bytes = 256; /* the minimum: several chunks */
    o.start_unix_ns = 1;
    o.writer_pid = 1;
    gcs_recorder *rec = NULL;
    if (gcs_recorder_open(out, &o, &rec) != 0)
        return 1;
    ev(rec, (gcs_event){.kind = GCS_EV_FRAME_PUSH, .u.frame_push = {1, "<module>"}});
    for (uint64_t id = 1; id <= 6; id++) {
        ev(rec, (gcs_event){.kind = GCS_EV_ALLOC, .site = &site, .u.alloc = {id, "list", 5, 56}});
        ev(rec, (gcs_event){.kind = GCS_EV_TRACK, .u.track = {id}});
        ev(rec, (gcs_event){.kind = GCS_EV_VAR_SET, .u.var_set = {1, "x", id, id - 1}});
    }
    ev(rec, (gcs_event){.kind = GCS_EV_REF_SET, .u.ref_set = {1, "[0]", 2, 0}});
    ev(rec, (gcs_event){.kind = GCS_EV_REF_SET, .u.ref_set = {2, "[0]", 1, 0}});
    ev(rec, (gcs_event){.kind = GCS_EV_MARKER, .u.marker = {"a cycle"}});
    ev(rec, (gcs_event){.kind = GCS_EV_GC_BEGIN, .u.gc_begin = {2, 1, 6, 0, 0}});
    ev(rec, (gcs_event){.kind = GCS_EV_GC_PHASE, .u.gc_phase = {GCS_PHASE_UPDATE_REFS}});
    ev(rec, (gcs_event){.kind = GCS_EV_GC_END, .u.gc_end = {2, 0, 0, 500}}); /* flushes */
    ev(rec, (gcs_event){.kind = GCS_EV_INCREF, .site = &site, .u.incref = {3, 2}});
    ev(rec, (gcs_event){.kind = GCS_EV_DECREF, .u.decref = {4, 0}});
    ev(rec, (gcs_event){.kind = GCS_EV_FREE, .u.free = {4}});
    ev(rec, (gcs_event){.kind = GCS_EV_HEAP_END, .u.heap_end = {5}});
    return gcs_recorder_close(rec) == 0 ? 0 : 1;
}

/* {==== work ====} */

static void
round_of_work(gcs_heap *h, int i)
{
    gcs_obj *a, *b;
    char cap[64];
    if (gcs_list_new(h, &a) != 0 || gcs_list_new(h, &b) != 0)
        exit(1);
    gcs_var_set(h, "a", a);
    gcs_var_set(h, "b", b);
    gcs_list_append(h, a, b);
    gcs_list_append(h, b, a);
    for (int k = 0; k < 50; k++) { /* churn between flushes */
        gcs_obj *t;
        if (gcs_list_new(h, &t) != 0)
            exit(1);
        gcs_list_append(h, t, a);
        gcs_decref(h, t);
    }
    gcs_decref(h, a);
    gcs_decref(h, b);
    snprintf(cap, sizeof cap, "round %d", i);
    gcs_marker(h, cap);
    gcs_var_del(h, "a");
    gcs_var_del(h, "b");
    size_t n = 0;
    gcs_gc_collect(h, 2, &n); /* GC_END flushes the chunk */
}

static void
note_progress(int fd, int i)
{
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%10d\n", i);
    if (fd >= 0 && pwrite(fd, buf, (size_t)n, 0) != n)
        exit(1);
}

static int
run_work(long rounds, int status, const char *progress)
{
    int fd = progress ? open(progress, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    gcs_heap *h = NULL;
    if (gcs_heap_new(NULL, &h) != 0) {
        fprintf(stderr, "rob_victim: gcs_heap_new failed\n");
        return 1;
    }
    int i = 0;
    while (rounds == 0 || i < rounds) {
        round_of_work(h, ++i);
        note_progress(fd, i);
    }
    gcs_heap_free(h);
    if (fd >= 0)
        close(fd);
    printf("rob_victim: %d rounds\n", i);
    return status;
}

int
main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "tiny") == 0)
        return run_tiny(argv[2]);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "work") == 0)
        return run_work(atol(argv[2]), atoi(argv[3]), argc == 5 ? argv[4] : NULL);
    fprintf(stderr, "usage: rob_victim tiny OUT | work N STATUS [PROGRESS]\n");
    return 2;
}
