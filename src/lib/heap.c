/* src/lib/heap.c — the public gcs_heap_new()/gcs_heap_free(): the bare runtime
 * composed with what the environment asks for (GCSCOPE_TRACE: a recorder;
 * GCSCOPE_LEAKS: a leak report at teardown). This layer sits above runtime,
 * trace and analysis; they never call up into it.
 *
 * Recording: the recorder sees the heap's whole life. During gcs_rt_heap_new
 * it is reached through a boot hook (the user's hook first, then the
 * recorder, the order rt_glue.h promises), so the "<module>" frame, the
 * singletons and the initial GC_CONFIG are in the trace; afterwards it sits in
 * the runtime's trace-hook slot with its narrow hooks (gcs_recorder_hooks:
 * refcounts, one-object and reference events without a gcs_event), and the
 * config's own narrow hooks (cfg->hooks) go with its hook into the user's
 * slot. gcs_heap_free closes it after the runtime's
 * teardown, so HEAP_END and the final frees are recorded too. A heap's
 * recorder is found again through a small mutex-protected list (the runtime
 * gives the glue no per-heap pointer). */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/runtime.h"
#include "gcscope/trace.h"
#include "leaks_env.h" /* gcs_leaks_env_prepare/attach */
#include "runtime/rt_glue.h"

typedef struct glue {
    struct glue *next;
    gcs_heap *h;
    gcs_recorder *rec;
    gcs_event_fn user_hook; /* the config's hook, called first during boot */
    void *user_ud;
} glue;

static pthread_mutex_t glue_lock = PTHREAD_MUTEX_INITIALIZER;
static glue *glue_list;
static bool exit_hook_set;

static void
boot_hook(void *ud, const gcs_event *ev)
{
    glue *g = ud;
    if (g->user_hook)
        g->user_hook(g->user_ud, ev);
    gcs_recorder_hook(g->rec, ev);
}

/* At exit(), a heap never freed still leaves a complete trace: each of its
 * recorders writes its last chunk, the INDEX and the trailer (events after
 * that, from later atexit handlers, are dropped). Registered with the first
 * recorder, so it runs after GCSCOPE_LEAKS's exit report (atexit order is
 * last-in, first-out), which is then in the trace. A forked child never
 * writes its parent's trace (the recorder checks). */
void
gcs_lib_finish_recorders(void)
{
    pthread_mutex_lock(&glue_lock);
    for (glue *g = glue_list; g; g = g->next)
        (void)gcs_recorder_finish(g->rec);
    pthread_mutex_unlock(&glue_lock);
}

static void
finish_at_exit(void)
{
    gcs_lib_finish_recorders();
}

static void
glue_add(glue *g)
{
    pthread_mutex_lock(&glue_lock);
    g->next = glue_list;
    glue_list = g;
    if (!exit_hook_set)
        exit_hook_set = atexit(finish_at_exit) == 0;
    pthread_mutex_unlock(&glue_lock);
}

static glue *
glue_take(gcs_heap *h)
{
    pthread_mutex_lock(&glue_lock);
    glue **pp = &glue_list;
    while (*pp && (*pp)->h != h)
        pp = &(*pp)->next;
    glue *g = *pp;
    if (g)
        *pp = g->next;
    pthread_mutex_unlock(&glue_lock);
    return g;
}

/* The trace path the config or the environment asks for, or NULL. */
static const char *
trace_path(const gcs_config *c)
{
    const char *p = c->trace_path;
    if (p == NULL && !c->no_env)
        p = getenv("GCSCOPE_TRACE");
    return p && *p ? p : NULL;
}

/* "prog arg1 arg2" from /proc/self/cmdline (best effort, "" if unavailable). */
static void
read_cmdline(char *buf, size_t size)
{
    buf[0] = 0;
    FILE *f = fopen("/proc/self/cmdline", "rb");
    if (f == NULL)
        return;
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (buf[i] == 0)
            buf[i] = ' ';
}

/* Open the recorder for a heap about to be created. On failure the program
 * goes on without a trace, after one warning line (the same promise a write
 * error keeps). */
static glue *
recorder_for(const gcs_config *c, const char *path)
{
    glue *g = calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    gcs_recorder_opts o;
    gcs_recorder_opts_init(&o);
    o.compress = c->trace_compress;
    for (int i = 0; i < 3; i++)
        o.thresholds[i] = c->thresholds[i];
    o.gc_flags = (c->gc_enabled ? 1u : 0u) | ((uint32_t)(c->gc_debug & 0xff) << 8);
    const char *sig = c->no_env ? NULL : getenv("GCSCOPE_TRACE_SIGNALS");
    o.signals = sig && strcmp(sig, "1") == 0;
    const char *bg = c->no_env ? NULL : getenv("GCSCOPE_TRACE_BACKGROUND");
    o.background = bg && strcmp(bg, "1") == 0;
    char cmd[1024]; /* copied into the META chunk by gcs_recorder_open */
    read_cmdline(cmd, sizeof cmd);
    o.cmdline = cmd;
    int rc = gcs_recorder_open(path, &o, &g->rec);
    if (rc != 0) {
        fprintf(stderr, "gcscope: trace recording stopped: %s: %s\n", path, gcs_strerror(rc));
        free(g);
        return NULL;
    }
    g->user_hook = c->hook;
    g->user_ud = c->hook_ud;
    return g;
}

int
gcs_heap_new(const gcs_config *cfg, gcs_heap **out)
{
    if (out == NULL)
        return GCS_EINVAL;
    *out = NULL;
    gcs_config c;
    if (cfg)
        c = *cfg;
    else
        gcs_config_init(&c);
    void *leaks = gcs_leaks_env_prepare(&c); /* GCSCOPE_LEAKS: sees the boot events too */
    const char *path = trace_path(&c);
    glue *g = path ? recorder_for(&c, path) : NULL;
    if (g) {
        c.hook = boot_hook;
        c.hook_ud = g;
    }
    int rc = gcs_rt_heap_new(&c, out);
    if (rc != 0) {
        if (g) {
            gcs_recorder_close(g->rec);
            free(g);
        }
        gcs_leaks_env_attach(NULL, leaks);
        return rc;
    }
    if (g) {
        g->h = *out;
        gcs_heap_set_hook(*out, g->user_hook, g->user_ud); /* the user's hook, as configured */
        gcs_rt_set_trace_hooks(*out, gcs_recorder_hooks(), g->rec);
        glue_add(g);
    }
    if (c.hooks && c.hooks->event && c.hooks->event == (g ? g->user_hook : c.hook))
        gcs_heap_set_hooks(*out, c.hooks, g ? g->user_ud : c.hook_ud); /* and its narrow hooks */
    /* ==== LEAK REPORT (GCSCOPE_LEAKS, src/lib/leaks_env.c) hooks in HERE: ====
     * after the recorder is attached, so the report's teardown runs while the
     * recorder still records (the report is then part of the trace's end). */
    (void)gcs_leaks_env_attach(*out, leaks); /* GCSCOPE_LEAKS: teardown report (leaks_env.c) */
    return 0;
}

void
gcs_heap_free(gcs_heap *h)
{
    if (h == NULL)
        return;
    glue *g = glue_take(h);
    gcs_rt_heap_free(h); /* teardown (leak report), HEAP_END, the final frees: recorded */
    if (g) {
        gcs_recorder_close(g->rec); /* INDEX + trailer: a cleanly closed trace */
        free(g);
    }
}
