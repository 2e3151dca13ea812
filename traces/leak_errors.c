/* traces/leak_errors.c — class 5, errors seen: a list released one time too
 * many (use after free, caught in checked mode and reported, not aborted) and
 * an incref of the freed list. Nothing leaks.
 * Expected report: two "error" records, use-after-free at release_twice() and
 * at touch_after_free() (lines in leak_errors_*_line); no leaks otherwise.
 * Run: GCSCOPE_LEAKS=1 ./leak_errors
 */
#include <stdio.h>
#include <stdlib.h>

#include "gcscope/runtime.h"

#define LEAK_MUST(x)                                                                               \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_ != 0) {                                                                            \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, gcs_strerror(rc_));         \
            exit(2);                                                                               \
        }                                                                                          \
    } while (0)

static int leak_errors_release_line, leak_errors_touch_line;

static int
release_twice(gcs_heap *h, gcs_obj *l)
{
    gcs_decref(h, l); /* frees it */
    leak_errors_release_line = __LINE__ + 1;
    return gcs_decref_checked_at(h, l, GCS_HERE); /* the bug */
}

static int
touch_after_free(gcs_heap *h, gcs_obj *l)
{
    leak_errors_touch_line = __LINE__ + 1;
    return gcs_incref_checked_at(h, l, GCS_HERE);
}

static void
leak_errors_run(gcs_heap *h)
{
    gcs_obj *l;
    LEAK_MUST(gcs_list_new(h, &l));
    int rc1 = release_twice(h, l);
    int rc2 = touch_after_free(h, l);
    if (rc1 == 0 || rc2 == 0) {
        fprintf(stderr, "leak_errors: checked mode did not catch the misuse (%d, %d)\n", rc1, rc2);
        exit(2);
    }
}

/* Checked mode, report-and-continue: the errors become ERROR events. */
static void
leak_errors_config(gcs_config *cfg)
{
    gcs_config_init(cfg);
    cfg->checked = true;
    cfg->on_error = GCS_ON_ERROR_CONTINUE;
}

#ifndef LEAK_NO_MAIN
int
main(void)
{
    gcs_config cfg;
    leak_errors_config(&cfg);
    gcs_heap *h;
    LEAK_MUST(gcs_heap_new(&cfg, &h));
    leak_errors_run(h);
    gcs_heap_free(h);
    return 0;
}
#endif
