/* src/lib/leaks_env.c — GCSCOPE_LEAKS (see leaks_env.h) and the public
 * gcscope_leak_check(). An armed heap has a small state record: the options
 * parsed from the variable and the refcount-history recorder (its event hook).
 * The records live on a mutex-protected list so that gcscope_leak_check() can
 * find a heap's history and the exit handler can report heaps never freed.
 * Printing and exiting happen here only because the variable asks for them.
 */
#include "leaks_env.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/adapters.h"
#include "analysis/hist_rec.h"
#include "analysis/leak_int.h"
#include "gcscope/leaks.h"
#include "runtime/rt_glue.h"

typedef struct armed {
    struct armed *next;
    gcs_heap *h;
    gcs_hist_rec *rec; /* NULL if the config had its own hook */
    int exitcode;      /* 0: none */
    bool json, show_reachable;
    char *suppressions, *log;
} armed;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static armed *armed_list;
/* Reported heaps: their record stays as the hook's ud (with rec NULL) until
 * exit, because the program may have replaced our hook with its own, which we
 * must not remove, and the heap emits events until it is gone. ~100 bytes each. */
static armed *retired_list;
static int exit_status; /* set when a report with exitcode= found leaks */
static bool atexit_done;

/* {==== Parsing GCSCOPE_LEAKS ====} */

static char *
dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    return c ? memcpy(c, s, n) : NULL;
}

static void
armed_free(armed *a)
{
    if (a == NULL)
        return;
    gcs_hist_rec_free(a->rec);
    free(a->suppressions);
    free(a->log);
    free(a);
}

/* One comma-separated option. 0, or GCS_EINVAL / GCS_ENOMEM. */
static int
parse_opt(armed *a, const char *opt)
{
    if (strcmp(opt, "1") == 0 || strcmp(opt, "yes") == 0 || strcmp(opt, "text") == 0)
        return 0;
    if (strcmp(opt, "json") == 0) {
        a->json = true;
        return 0;
    }
    if (strcmp(opt, "show-reachable") == 0) {
        a->show_reachable = true;
        return 0;
    }
    if (strncmp(opt, "exitcode=", 9) == 0) {
        char *end;
        long v = strtol(opt + 9, &end, 10);
        if (*end || end == opt + 9 || v < 1 || v > 255)
            return GCS_EINVAL;
        a->exitcode = (int)v;
        return 0;
    }
    char **dst = strncmp(opt, "suppressions=", 13) == 0 ? &a->suppressions
                 : strncmp(opt, "log=", 4) == 0         ? &a->log
                                                        : NULL;
    if (dst == NULL)
        return GCS_EINVAL;
    free(*dst);
    *dst = dupstr(strchr(opt, '=') + 1);
    return *dst ? 0 : GCS_ENOMEM;
}

/* NULL with rc 0 when the variable is unset or off. */
static int
parse_env(const char *v, armed **out)
{
    *out = NULL;
    if (v == NULL || *v == '\0' || strcmp(v, "0") == 0 || strcmp(v, "no") == 0)
        return 0;
    armed *a = calloc(1, sizeof *a);
    char *copy = dupstr(v);
    int rc = (a && copy) ? 0 : GCS_ENOMEM;
    for (char *save = NULL, *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && rc == 0;
         tok = strtok_r(NULL, ",", &save))
        rc = parse_opt(a, tok);
    free(copy);
    if (rc != 0) {
        if (rc == GCS_EINVAL)
            fprintf(stderr,
                    "gcscope: GCSCOPE_LEAKS='%s' not understood (want 1, exitcode=N, "
                    "json, show-reachable, suppressions=FILE, log=FILE)\n",
                    v);
        armed_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

/* {==== Registry ====} */

static armed *
find_locked(const gcs_heap *h)
{
    for (armed *a = armed_list; a; a = a->next)
        if (a->h == h)
            return a;
    return NULL;
}

static armed *
take(gcs_heap *h)
{
    pthread_mutex_lock(&lock);
    armed **p = &armed_list;
    while (*p && (*p)->h != h)
        p = &(*p)->next;
    armed *a = *p;
    if (a)
        *p = a->next;
    pthread_mutex_unlock(&lock);
    return a;
}

/* {==== Reporting ====} */

int
gcscope_leak_check(gcs_heap *h, const gcs_leak_options *opt, gcs_leak_report **out)
{
    if (out == NULL)
        return GCS_EINVAL;
    *out = NULL;
    if (h == NULL)
        return gcs_leak_set_err(GCS_EINVAL, "gcscope_leak_check: NULL heap");
    pthread_mutex_lock(&lock);
    armed *a = find_locked(h);
    const gcs_hist_rec *rec = a ? a->rec : NULL;
    pthread_mutex_unlock(&lock);
    gcs_hg *g;
    int rc = gcs_hg_from_heap(h, rec, &g);
    if (rc != 0)
        return gcs_leak_set_err(rc, "gcscope_leak_check: reading the heap: %s", gcs_strerror(rc));
    return gcs_leak_analyze(g, opt, "live heap", out);
}

/* Run the report for an armed heap; true if it found leaks. */
static bool
report(armed *a, const char *when)
{
    gcs_leak_options opt;
    gcs_leak_options_init(&opt);
    opt.show_reachable = a->show_reachable;
    opt.suppressions = a->suppressions;
    gcs_hg *g;
    gcs_leak_report *r = NULL;
    int rc = gcs_hg_from_heap(a->h, a->rec, &g);
    if (rc == 0)
        rc = gcs_leak_analyze(g, &opt, when, &r);
    else
        gcs_leak_set_err(rc, "reading the heap: %s", gcs_strerror(rc));
    FILE *f = a->log ? fopen(a->log, "a") : stderr;
    if (f == NULL) {
        fprintf(stderr, "gcscope: GCSCOPE_LEAKS: cannot open log file '%s'\n", a->log);
        f = stderr;
    }
    if (rc != 0)
        fprintf(f, "gcscope: leak report failed: %s\n", gcs_leak_errmsg());
    else
        gcs_leak_report_write(r, f, a->json ? GCS_LEAK_FMT_JSON : GCS_LEAK_FMT_TEXT);
    bool found = r && gcs_leak_report_summary(r)->leaks_found;
    if (f != stderr)
        fclose(f);
    else
        fflush(stderr);
    gcs_leak_report_free(r);
    return found;
}

static void
note_result(const armed *a, bool found)
{
    if (found && a->exitcode) {
        pthread_mutex_lock(&lock);
        exit_status = a->exitcode;
        pthread_mutex_unlock(&lock);
    }
}

/* The event hook while armed: feeds the recorder until the report is done. */
static void
record_event(void *ud, const gcs_event *ev)
{
    armed *a = ud;
    if (a->rec)
        gcs_hist_rec_event(a->rec, ev);
}

static void
on_teardown(gcs_heap *h, void *ud)
{
    (void)ud;
    armed *a = take(h);
    if (a == NULL)
        return;
    note_result(a, report(a, "live heap at gcs_heap_free()"));
    gcs_hist_rec_free(a->rec);
    a->rec = NULL; /* record_event ignores the teardown's events */
    pthread_mutex_lock(&lock);
    a->next = retired_list;
    retired_list = a;
    pthread_mutex_unlock(&lock);
}

/* Heaps never freed are reported at exit; then the exit status is applied
 * (_exit: a status cannot be changed from inside exit() otherwise). */
static void
on_exit_report(void)
{
    armed *a;
    while ((a = armed_list) != NULL) {
        armed_list = a->next;
        note_result(a, report(a, "live heap at exit (never freed)"));
        /* the heap is still alive and may still call the hook: keep a */
    }
    while ((a = retired_list) != NULL) {
        retired_list = a->next;
        armed_free(a);
    }
    if (exit_status) {
        gcs_lib_finish_recorders(); /* _exit skips heap.c's atexit finish */
        fflush(NULL);
        _exit(exit_status);
    }
}

/* Register an armed heap and its teardown report. Frees a on error. */
static int
attach(gcs_heap *h, armed *a)
{
    a->h = h;
    int rc = gcs_rt_set_teardown(h, on_teardown, NULL);
    if (rc != 0) {
        if (a->rec)
            gcs_heap_set_hook(h, NULL, NULL);
        armed_free(a);
        return rc;
    }
    pthread_mutex_lock(&lock);
    a->next = armed_list;
    armed_list = a;
    if (!atexit_done)
        atexit_done = atexit(on_exit_report) == 0;
    pthread_mutex_unlock(&lock);
    return 0;
}

int
gcs_leaks_env_arm(gcs_heap *h, const gcs_config *cfg)
{
    if (h == NULL || (cfg && cfg->no_env))
        return 0;
    pthread_mutex_lock(&lock);
    bool already = find_locked(h) != NULL;
    pthread_mutex_unlock(&lock);
    if (already)
        return 0;
    armed *a;
    int rc = parse_env(getenv("GCSCOPE_LEAKS"), &a);
    if (rc != 0 || a == NULL)
        return rc;
    if (cfg == NULL || cfg->hook == NULL) {
        rc = gcs_hist_rec_new(&a->rec);
        if (rc == 0)
            rc = gcs_heap_set_hook(h, record_event, a);
        if (rc != 0) {
            armed_free(a);
            return rc;
        }
    }
    return attach(h, a);
}

void *
gcs_leaks_env_prepare(gcs_config *c)
{
    if (c == NULL || c->no_env)
        return NULL;
    armed *a;
    if (parse_env(getenv("GCSCOPE_LEAKS"), &a) != 0 || a == NULL)
        return NULL;
    if (c->hook == NULL) {
        if (gcs_hist_rec_new(&a->rec) != 0) {
            armed_free(a);
            return NULL;
        }
        c->hook = record_event;
        c->hook_ud = a;
    }
    return a;
}

int
gcs_leaks_env_attach(gcs_heap *h, void *pending)
{
    armed *a = pending;
    if (a == NULL)
        return 0;
    if (h == NULL) {
        armed_free(a);
        return 0;
    }
    return attach(h, a);
}
