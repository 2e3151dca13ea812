/* traces/lesson06_generations.c — Lesson 6: generations and automatic passes.
 *
 *     gc.set_threshold(10, 3, 3)          # CPython's defaults are (700, 10, 10)
 *     s = []; keep = []
 *     while ...: keep.append([])          # survivors: promoted 0 -> 1 -> 2
 *     while ...: g = []; g.append(g); del g   # garbage that dies young
 *     while ...: keep.append([])          # long-lived objects pile up again
 *
 * Every new container counts towards generation 0; when count0 passes
 * threshold0, the allocation runs a pass. Each pass of generation g adds one to
 * count[g+1]; generation g+1 is collected instead once its count passes its
 * threshold. Survivors of a pass move up one generation and stay in 2. A full
 * (generation 2) pass also waits until the objects promoted into generation 2
 * since the last full pass are at least 25% of those that were long-lived then.
 * Start reading at lesson06_run().
 */
#include "lesson_util.h"

#define L06_T0         10
#define L06_T1         3
#define L06_T2         3
#define L06_MAX_ALLOCS 5000 /* safety net: no loop below needs more than a few hundred */

typedef struct l06_state {
    lesson *L;
    gcs_obj *s; /* the survivor we follow */
    int passes;
    int first_of_gen[3]; /* pass number of the first automatic pass of each generation */
} l06_state;

/* Allocate one new list (kept in `keep` if `survivor`, else a self-cycle that
 * dies young) and report which generation the automatic pass it triggered
 * collected, or -1 if it triggered none. *count2_before gets count2 as it was
 * when the decision was made. */
static int
l06_alloc(l06_state *st, bool survivor, long *count2_before)
{
    gcs_heap *h = st->L->h;
    gcs_gc_stats before[3], after[3];
    long count[3];
    gcs_gc_get_stats(h, before);
    gcs_gc_get_count(h, count);
    *count2_before = count[2];

    gcs_obj *x = NULL;
    MUST(gcs_list_new(h, &x));
    if (survivor)
        MUST(gcs_list_append(h, lesson_var(h, "keep"), x));
    else
        MUST(gcs_list_append(h, x, x));
    gcs_decref(h, x);

    gcs_gc_get_stats(h, after);
    for (int g = 2; g >= 0; g--) {
        if (after[g].collections != before[g].collections) {
            st->passes++;
            if (!st->first_of_gen[g])
                st->first_of_gen[g] = st->passes;
            return g;
        }
    }
    return -1;
}

/* Survivors until the first full pass, narrating s's promotions. */
static void
l06_promote(l06_state *st)
{
    lesson *L = st->L;
    gcs_heap *h = L->h;
    long c2;
    for (int i = 0; i < L06_MAX_ALLOCS; i++) {
        int g = l06_alloc(st, true, &c2);
        if (g < 0)
            continue;
        int sg = gcs_gc_generation(h, st->s);
        if (st->passes == 1)
            STEPF(L,
                  "6.3 pass %d, automatic, generation %d: the %dth new container since the last "
                  "pass pushed count0 past threshold0 = %d; s survived and moved to generation %d",
                  st->passes, g, L06_T0 + 1, L06_T0, sg);
        else if (g == 1 && st->first_of_gen[1] == st->passes)
            STEPF(L,
                  "6.4 pass %d, generation %d: %d generation-0 passes had pushed count1 past "
                  "threshold1 = %d; s moved to generation %d, where it stays",
                  st->passes, g, L06_T1 + 1, L06_T1, sg);
        else if (g == 2) {
            STEPF(L,
                  "6.5 pass %d, generation 2, a full collection: count2 passed threshold2 = %d, "
                  "and nothing was long-lived before; s is still in generation %d",
                  st->passes, L06_T2, sg);
            return;
        }
    }
}

/* Garbage only, until a full pass is due but skipped by the 25% rule. */
static void
l06_skip(l06_state *st)
{
    lesson *L = st->L;
    long c2;
    STEP(L, "6.6 now only short-lived garbage: self-referencing lists that die in generation 0, "
            "so (almost) nothing new reaches generation 2");
    for (int i = 0; i < L06_MAX_ALLOCS; i++) {
        int g = l06_alloc(st, false, &c2);
        if (g >= 0 && g < 2 && c2 > L06_T2) {
            STEPF(L,
                  "6.7 pass %d: generation 2 was due (count2 = %ld > %d) but skipped: too few new "
                  "long-lived objects, less than 25%% of the long-lived ones (the rule that keeps "
                  "full passes rare); generation %d was collected instead",
                  st->passes, c2, L06_T2, g);
            return;
        }
    }
}

/* Survivors again, until enough of them reach generation 2 for a full pass. */
static void
l06_full_again(l06_state *st)
{
    lesson *L = st->L;
    long c2;
    STEP(L, "6.8 long-lived objects again: each generation-1 pass promotes survivors into "
            "generation 2 and adds them to the pending count");
    for (int i = 0; i < L06_MAX_ALLOCS; i++) {
        if (l06_alloc(st, true, &c2) == 2) {
            STEPF(L,
                  "6.9 pass %d, generation 2: the newly promoted objects reached 25%% of the "
                  "long-lived ones, so this time the full collection ran",
                  st->passes);
            return;
        }
    }
}

static int
lesson06_run(lesson *L)
{
    lesson_hide_gc_lists(L);
    gcs_heap *h = L->h;
    l06_state st = {.L = L};

    STEP(L, "6.0 Lesson 6: generations and automatic passes");
    MUST(gcs_gc_set_threshold(h, L06_T0, L06_T1, L06_T2));
    STEP(L, "6.1 gc.set_threshold(10, 3, 3): small thresholds so the passes are easy to follow "
            "(CPython's defaults are 700, 10, 10)");

    MUST(gcs_list_new(h, &st.s));
    lesson_watch(L, "s", st.s);
    BIND(h, "s", st.s);
    gcs_obj *keep = NULL;
    MUST(gcs_list_new(h, &keep));
    lesson_watch(L, "keep", keep);
    BIND(h, "keep", keep);
    STEP(L, "6.2 s = []; keep = []: new containers start in generation 0; we follow s");

    l06_promote(&st);
    l06_skip(&st);
    l06_full_again(&st);

    gcs_gc_stats stats[3];
    gcs_gc_get_stats(h, stats);
    STEPF(L,
          "6.10 %d automatic passes: %llu of generation 0, %llu of generation 1, %llu of "
          "generation 2; keep holds %zu long-lived lists",
          st.passes, (unsigned long long)stats[0].collections,
          (unsigned long long)stats[1].collections, (unsigned long long)stats[2].collections,
          gcs_list_len(h, keep));
    return 0;
}

#ifndef LESSON_NO_MAIN
int
main(void)
{
    return lesson_main(lesson06_run);
}
#endif
