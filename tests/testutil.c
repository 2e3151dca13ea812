/* tests/testutil.c — see testutil.h. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *
gcs_test_alloc_fn(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    gcs_test_alloc *a = ud;
    if (new_size == 0) {
        if (ptr) {
            a->live_blocks--;
            a->live_bytes -= old_size;
        }
        free(ptr);
        return NULL;
    }
    if (ptr == NULL || new_size > old_size) {
        if (a->fail_at >= 0 && a->total_allocs == a->fail_at) {
            a->total_allocs++;
            return NULL;
        }
        a->total_allocs++;
    }
    void *p = realloc(ptr, new_size);
    if (p == NULL)
        return NULL;
    if (ptr == NULL)
        a->live_blocks++;
    a->live_bytes += new_size - (ptr ? old_size : 0);
    return p;
}

int
gcs_test_heap_setup(void **state)
{
    gcs_test_heap *t = calloc(1, sizeof *t);
    if (t == NULL)
        return -1;
    t->alloc.fail_at = -1;
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.alloc = gcs_test_alloc_fn;
    cfg.alloc_ud = &t->alloc;
    cfg.checked = true;
    cfg.on_error = GCS_ON_ERROR_CONTINUE;
    cfg.no_env = true;
    if (gcs_heap_new(&cfg, &t->h) != 0) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

int
gcs_test_heap_teardown(void **state)
{
    gcs_test_heap *t = *state;
    int rc = gcs_heap_check(t->h);
    if (rc != 0)
        fprintf(stderr, "heap check failed: %s\n", gcs_heap_errmsg(t->h));
    gcs_heap_free(t->h);
    long live = t->alloc.live_blocks;
    free(t);
    if (live != 0)
        fprintf(stderr, "%ld blocks still allocated after gcs_heap_free\n", live);
    return (rc == 0 && live == 0) ? 0 : -1;
}

const char *
gcs_test_tmpname(const char *suffix)
{
    static char buf[512];
    static unsigned n;
    const char *dir = getenv("TMPDIR");
    snprintf(buf, sizeof buf, "%s/gcs_test_%ld_%u%s", dir ? dir : "/tmp", (long)getpid(), n++,
             suffix ? suffix : "");
    return buf;
}
