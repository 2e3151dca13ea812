/* traces/lesson07_gc_disabled.c — Lesson 7: turning the collector off.
 *
 *     gc.disable()
 *     for i in range(1500): a = []; b = []; a.append(b); b.append(a)
 *     del a, b            # 3000 dead lists: a leak while the collector is off
 *     gc.enable(); gc.collect()           # one long pause frees them all
 *     for i in range(1500): ... the same, collector on: several short pauses
 *
 * gc.disable() only stops the automatic passes: refcounting still frees what
 * it can, but cycles pile up. A manual gc.collect() still works. With the
 * collector on, the same garbage is found in small automatic passes, each a
 * short pause; turned off, the debt is paid in one long one. Pause lengths come
 * from gc.callbacks, as a Python program would measure them.
 * Start reading at lesson07_run().
 */
#include <time.h>

#include "lesson_util.h"

#define L07_PAIRS 1500

typedef struct l07_pauses {
    uint64_t t_start;
    int passes;
    uint64_t total_ns, max_ns;
} l07_pauses;

static uint64_t
l07_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A gc.callbacks entry: cb(phase, info) timing each pass. */
static int
l07_gc_callback(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
                gcs_obj **result)
{
    (void)self;
    l07_pauses *p = ud;
    const char *phase = nargs > 0 ? gcs_str_value(h, args[0]) : NULL;
    if (phase && strcmp(phase, "start") == 0) {
        p->t_start = l07_now_ns();
    } else if (phase && strcmp(phase, "stop") == 0 && p->t_start) {
        uint64_t d = l07_now_ns() - p->t_start;
        p->passes++;
        p->total_ns += d;
        p->max_ns = d > p->max_ns ? d : p->max_ns;
    }
    *result = NULL; /* None */
    return 0;
}

/* a = []; b = []; a.append(b); b.append(a), `pairs` times; the previous pair
 * becomes garbage each time a and b are rebound. Returns the most objects
 * alive at once. */
static size_t
l07_make_cycles(gcs_heap *h, int pairs)
{
    size_t peak = 0;
    for (int i = 0; i < pairs; i++) {
        gcs_obj *a = NULL, *b = NULL;
        MUST(gcs_list_new(h, &a));
        MUST(gcs_list_new(h, &b));
        MUST(gcs_list_append(h, a, b));
        MUST(gcs_list_append(h, b, a));
        BIND(h, "a", a);
        BIND(h, "b", b);
        size_t live = gcs_heap_live_objects(h);
        peak = live > peak ? live : peak;
    }
    MUST(gcs_var_del(h, "a"));
    MUST(gcs_var_del(h, "b"));
    return peak;
}

static int
lesson07_run(lesson *L)
{
    lesson_hide(L, gcs_gc_garbage(L->h)); /* gc.callbacks stays: 7.x uses it */
    gcs_heap *h = L->h;
    l07_pauses pauses = {0};

    STEP(L, "7.0 Lesson 7: turning the collector off");
    gcs_obj *cb = NULL;
    MUST(gcs_cfunc_new(h, "time_pass", l07_gc_callback, &pauses, NULL, &cb));
    MUST(gcs_list_append(h, gcs_gc_callbacks(h), cb));
    gcs_decref(h, cb);
    size_t base = gcs_heap_live_objects(h);

    gcs_gc_disable(h);
    STEP(L, "7.1 gc.disable(): no more automatic passes (gc.collect() still works)");

    size_t peak = l07_make_cycles(h, L07_PAIRS);
    long count[3];
    gcs_gc_get_count(h, count);
    STEPF(L,
          "7.2 1500 times a = []; b = []; a.append(b); b.append(a), then del a, b: %zu dead lists "
          "are still alive (peak %zu objects), count0 = %ld is far past threshold 700, and no "
          "pass ran: a leak",
          gcs_heap_live_objects(h) - base, peak, count[0]);

    gcs_gc_enable(h);
    STEP(L, "7.3 gc.enable(): automatic passes are allowed again; the next one would run only on "
            "a future allocation");
    size_t n = COLLECT(h, 2);
    STEPF(L, "7.4 gc.collect() returned %zu: the whole pile freed in one pause of %llu us", n,
          (unsigned long long)(pauses.max_ns / 1000));

    l07_pauses one_off = pauses;
    pauses = (l07_pauses){0};
    peak = l07_make_cycles(h, L07_PAIRS);
    STEPF(L,
          "7.5 the same 1500 cycles with the collector on: %d automatic passes, pauses of %llu us "
          "at most (%llu us in total) instead of one pause of %llu us; at most %zu objects were "
          "alive at once",
          pauses.passes, (unsigned long long)(pauses.max_ns / 1000),
          (unsigned long long)(pauses.total_ns / 1000), (unsigned long long)(one_off.max_ns / 1000),
          peak);
    n = COLLECT(h, 2);
    STEPF(L, "7.6 gc.collect() returned %zu: the garbage made since the last automatic pass", n);
    MUST(gcs_list_clear(h, gcs_gc_callbacks(h)));
    return 0;
}

#ifndef LESSON_NO_MAIN
int
main(void)
{
    return lesson_main(lesson07_run);
}
#endif
