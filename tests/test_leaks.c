/* tests/test_leaks.c — the in-process leak report on the real runtime: each
 * traces/leak_*.c program (pulled in with LEAK_NO_MAIN) produces its class, and
 * gcscope_leak_check() must find it with the right class, count, site and, for
 * reference leaks, the unpaired incref's call site. The heap is armed through
 * GCSCOPE_LEAKS (log=FILE), so the teardown report is checked too. Expected
 * lines come from the programs themselves (leak_*_line variables).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gcscope/leaks.h"
#include "gcscope/runtime.h"
#include "lib/leaks_env.h"

#define LEAK_NO_MAIN
#include "../traces/leak_clean.c"
#include "../traces/leak_cycle.c"
#include "../traces/leak_errors.c"
#include "../traces/leak_refleak.c"
#include "../traces/leak_uncollectable.c"

typedef struct fixture {
    gcs_heap *h;
    gcs_leak_report *rep;
    char log[256];
} fixture;

static unsigned n_fixtures;

/* A heap armed by GCSCOPE_LEAKS=log=FILE (checked mode, report-and-continue). */
static void
open_heap(fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    const char *dir = getenv("TMPDIR");
    snprintf(fx->log, sizeof fx->log, "%s/gcs_test_leaks_%ld_%u.log", dir ? dir : "/tmp",
             (long)getpid(), n_fixtures++);
    remove(fx->log);
    char env[300];
    snprintf(env, sizeof env, "log=%s", fx->log);
    assert_int_equal(setenv("GCSCOPE_LEAKS", env, 1), 0);
    gcs_config cfg;
    leak_errors_config(&cfg); /* checked, continue on error */
    assert_int_equal(gcs_heap_new(&cfg, &fx->h), 0);
    /* gcs_heap_new arms it once src/lib/heap.c calls the glue; arming twice is a no-op */
    assert_int_equal(gcs_leaks_env_arm(fx->h, &cfg), 0);
}

static void
check_now(fixture *fx)
{
    size_t live = gcs_heap_live_objects(fx->h);
    assert_int_equal(gcscope_leak_check(fx->h, NULL, &fx->rep), 0);
    assert_non_null(fx->rep);
    assert_int_equal(gcs_heap_live_objects(fx->h), live); /* read-only */
    assert_int_equal(gcs_heap_check(fx->h), 0);
}

/* Free the heap (the teardown report goes to the log) and return the log. */
static char *
close_heap(fixture *fx)
{
    gcs_leak_report_free(fx->rep);
    gcs_heap_free(fx->h);
    unsetenv("GCSCOPE_LEAKS");
    FILE *f = fopen(fx->log, "r");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    remove(fx->log);
    return buf;
}

static const gcs_leak_record *
find_rec(const gcs_leak_report *r, gcs_leak_kind kind, const char *type)
{
    for (size_t i = 0; i < gcs_leak_report_n_records(r); i++) {
        const gcs_leak_record *x = gcs_leak_report_record(r, i);
        if (x->kind == kind && strcmp(x->type, type) == 0)
            return x;
    }
    return NULL;
}

static size_t
count_kind(const gcs_leak_report *r, gcs_leak_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < gcs_leak_report_n_records(r); i++)
        n += gcs_leak_report_record(r, i)->kind == kind;
    return n;
}

static void
assert_site(const gcs_site *s, const char *file_suffix, const char *func, int line)
{
    assert_non_null(s->file);
    size_t n = strlen(s->file), m = strlen(file_suffix);
    assert_true(n >= m && strcmp(s->file + n - m, file_suffix) == 0);
    assert_string_equal(s->func, func);
    assert_int_equal(s->line, line);
}

static void
test_leaks__cycle_program_reports_cyclic_garbage(void **state)
{
    (void)state;
    fixture fx;
    open_heap(&fx);
    leak_cycle_run(fx.h);
    check_now(&fx);
    const gcs_leak_summary *s = gcs_leak_report_summary(fx.rep);
    assert_true(s->leaks_found);
    assert_int_equal(s->cycles, LEAK_CYCLE_PAIRS);
    assert_int_equal(s->by_kind[GCS_LEAK_CYCLE].objects, 2 * LEAK_CYCLE_PAIRS);
    assert_int_equal(s->by_kind[GCS_LEAK_INDIRECT].objects, LEAK_CYCLE_PAIRS);
    assert_int_equal(s->by_kind[GCS_LEAK_REFLEAK].objects, 0);
    assert_int_equal(s->by_kind[GCS_LEAK_UNCOLLECTABLE].objects, 0);
    const gcs_leak_record *x = find_rec(fx.rep, GCS_LEAK_CYCLE, "Node");
    assert_non_null(x);
    assert_int_equal(x->cycles, LEAK_CYCLE_PAIRS);
    assert_int_equal(x->objects, 2 * LEAK_CYCLE_PAIRS);
    assert_int_equal(x->indirect_objects, LEAK_CYCLE_PAIRS);
    assert_site(&x->site, "leak_cycle.c", "make_pair", leak_cycle_line);
    assert_non_null(find_rec(fx.rep, GCS_LEAK_INDIRECT, "str"));
    char *log = close_heap(&fx);
    assert_non_null(strstr(log, "cyclic garbage"));
    assert_non_null(strstr(log, "in make_pair()"));
    assert_non_null(strstr(log, "-[.next]->"));
}

static void
test_leaks__refleak_program_names_the_unpaired_incref(void **state)
{
    (void)state;
    fixture fx;
    open_heap(&fx);
    leak_refleak_run(fx.h);
    check_now(&fx);
    const gcs_leak_summary *s = gcs_leak_report_summary(fx.rep);
    assert_true(s->history);
    assert_int_equal(s->by_kind[GCS_LEAK_REFLEAK].objects, 3);
    assert_int_equal(s->refs_unaccounted, 3);
    const gcs_leak_record *x = find_rec(fx.rep, GCS_LEAK_REFLEAK, "Session");
    assert_non_null(x);
    assert_int_equal(x->objects, 2);
    assert_int_equal(x->refs_unaccounted, 2);
    assert_int_equal(x->indirect_objects, 2); /* their "buf" lists */
    assert_site(&x->site, "leak_refleak.c", "make_session", leak_refleak_session_line);
    assert_site(&x->culprit, "leak_refleak.c", "cache_keep", leak_refleak_culprit_line);
    const gcs_leak_record *c = find_rec(fx.rep, GCS_LEAK_REFLEAK, "Config");
    assert_non_null(c);
    assert_int_equal(c->objects, 1);
    assert_site(&c->culprit, "leak_refleak.c", "cache_keep", leak_refleak_culprit_line);
    assert_int_equal(count_kind(fx.rep, GCS_LEAK_CYCLE), 0);
    char *log = close_heap(&fx);
    assert_non_null(strstr(log, "reference leak"));
    assert_non_null(strstr(log, "in cache_keep()"));
}

static void
test_leaks__uncollectable_program_reports_gc_garbage(void **state)
{
    (void)state;
    fixture fx;
    open_heap(&fx);
    leak_uncollectable_run(fx.h);
    check_now(&fx);
    const gcs_leak_record *x = find_rec(fx.rep, GCS_LEAK_UNCOLLECTABLE, "Legacy");
    assert_non_null(x);
    assert_int_equal(x->objects, 2);
    assert_int_equal(x->indirect_objects, 1);
    assert_non_null(strstr(x->reason, "legacy finalizer"));
    assert_site(&x->site, "leak_uncollectable.c", "make_legacy_pair", leak_uncollectable_line);
    assert_int_equal(gcs_leak_report_summary(fx.rep)->by_kind[GCS_LEAK_REFLEAK].objects, 0);
    assert_int_equal(count_kind(fx.rep, GCS_LEAK_CYCLE), 0);
    char *log = close_heap(&fx);
    assert_non_null(strstr(log, "uncollectable"));
}

static void
test_leaks__errors_program_reports_use_after_free_sites(void **state)
{
    (void)state;
    fixture fx;
    open_heap(&fx);
    leak_errors_run(fx.h);
    check_now(&fx);
    const gcs_leak_summary *s = gcs_leak_report_summary(fx.rep);
    assert_int_equal(s->by_kind[GCS_LEAK_ERROR].objects, 2);
    assert_int_equal(s->by_kind[GCS_LEAK_REFLEAK].objects + s->by_kind[GCS_LEAK_CYCLE].objects, 0);
    bool release = false, touch = false;
    for (size_t i = 0; i < gcs_leak_report_n_records(fx.rep); i++) {
        const gcs_leak_record *x = gcs_leak_report_record(fx.rep, i);
        if (x->kind != GCS_LEAK_ERROR)
            continue;
        assert_string_equal(x->type, "use-after-free");
        release |= x->site.func && strcmp(x->site.func, "release_twice") == 0 &&
                   x->site.line == leak_errors_release_line;
        touch |= x->site.func && strcmp(x->site.func, "touch_after_free") == 0 &&
                 x->site.line == leak_errors_touch_line;
    }
    assert_true(release);
    assert_true(touch);
    close_heap(&fx);
}

static void
test_leaks__clean_program_has_no_false_positives(void **state)
{
    (void)state;
    fixture fx;
    open_heap(&fx);
    leak_clean_run(fx.h);
    check_now(&fx);
    const gcs_leak_summary *s = gcs_leak_report_summary(fx.rep);
    assert_false(s->leaks_found);
    assert_int_equal(gcs_leak_report_n_records(fx.rep), 0);
    assert_true(s->by_kind[GCS_LEAK_REACHABLE].objects >= 2); /* the class and "results" */
    char *log = close_heap(&fx);
    assert_non_null(strstr(log, "No leaks found."));
}

/* Without GCSCOPE_LEAKS there is no history: leaks are still found, culprits
 * are not named, and the report says why. */
static void
test_leaks__unarmed_heap_reports_without_culprits(void **state)
{
    (void)state;
    gcs_config cfg;
    leak_errors_config(&cfg);
    cfg.no_env = true;
    gcs_heap *h;
    assert_int_equal(gcs_heap_new(&cfg, &h), 0);
    leak_refleak_run(h);
    gcs_leak_report *r;
    assert_int_equal(gcscope_leak_check(h, NULL, &r), 0);
    assert_false(gcs_leak_report_summary(r)->history);
    const gcs_leak_record *x = find_rec(r, GCS_LEAK_REFLEAK, "Session");
    assert_non_null(x);
    assert_int_equal(x->objects, 2);
    assert_null(x->culprit.func);
    gcs_leak_report_free(r);
    gcs_heap_free(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaks__cycle_program_reports_cyclic_garbage),
        cmocka_unit_test(test_leaks__refleak_program_names_the_unpaired_incref),
        cmocka_unit_test(test_leaks__uncollectable_program_reports_gc_garbage),
        cmocka_unit_test(test_leaks__errors_program_reports_use_after_free_sites),
        cmocka_unit_test(test_leaks__clean_program_has_no_false_positives),
        cmocka_unit_test(test_leaks__unarmed_heap_reports_without_culprits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
