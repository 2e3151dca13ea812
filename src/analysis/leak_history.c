/* src/analysis/leak_history.c — names the likely culprit of a reference leak
 * from the object's refcount history. Every decref is paired with one earlier
 * incref (rules in gcs_la_pairing_rule, applied in event order); the increfs
 * left unpaired are the references still counted. Those that live objects and
 * variables account for are set aside; the rest are the culprits.
 */
#include <stdlib.h>

#include "leak_int.h"

const char gcs_la_pairing_rule[] =
    "each decref was paired, in event order, with an earlier unpaired incref: a "
    "decref that removed a stored reference with the latest store; any other with "
    "the latest incref made in the same function, else the latest incref anywhere. "
    "Of the increfs left unpaired, stores (latest first) and then the oldest "
    "others account for the references live objects and variables hold; the rest "
    "are listed.";

static bool
is_inc(uint8_t op)
{
    return op == GCS_HGOP_NEW || op == GCS_HGOP_INCREF || op == GCS_HGOP_STORE;
}

static bool
same_func(const gcs_hg *g, uint32_t a, uint32_t b)
{
    if (a == 0 || b == 0)
        return false;
    const gcs_site *x = &g->sites[a], *y = &g->sites[b];
    return x->func == y->func && x->file == y->file; /* interned: pointer equality */
}

/* Latest unpaired incref before position k matching `want` (0 any, 1 store
 * only, 2 non-store only, 3 non-store in the same function as entry k). */
static long
latest_unpaired(const gcs_hg *g, const gcs_hg_hist *h, const uint8_t *paired, size_t k, int want)
{
    for (size_t j = k; j-- > 0;) {
        if (paired[j] || !is_inc(h[j].op))
            continue;
        bool store = h[j].op == GCS_HGOP_STORE;
        if ((want == 1 && !store) || (want >= 2 && store))
            continue;
        if (want == 3 && !same_func(g, h[j].site, h[k].site))
            continue;
        return (long)j;
    }
    return -1;
}

static void
pair_all(const gcs_hg *g, const gcs_hg_hist *h, size_t n, uint8_t *paired)
{
    for (size_t k = 0; k < n; k++) {
        if (is_inc(h[k].op))
            continue;
        long j = -1;
        if (h[k].op == GCS_HGOP_UNSTORE)
            j = latest_unpaired(g, h, paired, k, 1);
        if (j < 0)
            j = latest_unpaired(g, h, paired, k, 3);
        if (j < 0)
            j = latest_unpaired(g, h, paired, k, 2);
        if (j < 0)
            j = latest_unpaired(g, h, paired, k, 0);
        paired[k] = 1;
        if (j >= 0)
            paired[j] = 1;
    }
}

/* Mark `explained` unpaired increfs as accounted for: stores latest first,
 * then the oldest others. */
static void
set_aside(const gcs_hg_hist *h, size_t n, uint8_t *paired, int64_t explained)
{
    for (size_t j = n; j-- > 0 && explained > 0;)
        if (!paired[j] && h[j].op == GCS_HGOP_STORE) {
            paired[j] = 2;
            explained--;
        }
    for (size_t j = 0; j < n && explained > 0; j++)
        if (!paired[j] && is_inc(h[j].op)) {
            paired[j] = 2;
            explained--;
        }
}

size_t
gcs_la_culprits(const gcs_hg *g, uint32_t node, int64_t explained, gcs_la_culprit *out, size_t max)
{
    if (!g->has_history || g->hist_off == NULL)
        return 0;
    const gcs_hg_hist *h = &g->hist[g->hist_off[node]];
    size_t n = g->hist_off[node + 1] - g->hist_off[node];
    if (n == 0)
        return 0;
    uint8_t *paired = calloc(n, 1);
    if (paired == NULL)
        return 0;
    pair_all(g, h, n, paired);
    set_aside(h, n, paired, explained);
    size_t k = 0;
    for (size_t j = n; j-- > 0;) {
        if (paired[j] || !is_inc(h[j].op))
            continue;
        size_t c = 0;
        while (c < k && out[c].site != h[j].site)
            c++;
        if (c < k) {
            out[c].count++;
        } else if (k < max) {
            out[k++] = (gcs_la_culprit){h[j].site, h[j].event, 1, h[j].op};
        }
    }
    free(paired);
    return k;
}
