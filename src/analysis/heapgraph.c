/* src/analysis/heapgraph.c — builder of the heap graph (see heapgraph.h).
 * Adders append to growable arrays and refer to objects by id; gcs_hg_finish()
 * resolves ids through an open-addressing index and turns edge and history
 * lists into CSR form with a stable counting sort, so the whole build is
 * O(V + E + H). Strings and sites are interned in small hash tables.
 */
#include "heapgraph.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gcscope/errors.h"

typedef struct pending_edge {
    uint64_t src, dst;
    const char *slot;
} pending_edge;

struct gcs_hg_priv {
    /* string interning: open addressing over pointers to owned copies */
    char **strs;
    /* one-entry caches, one per caller, since runs of equal strings are
     * common per use (a node's type, an edge's slot) but the uses interleave */
    const char *last_type, *last_slot, *last_str;
    uint32_t last_site; /* the last site interned */
    size_t n_strs, cap_strs;
    /* site interning: slots hold site index (0 = empty) */
    uint32_t *site_tab;
    size_t cap_site_tab;
    /* id index (built at finish): slots hold node index, GCS_HG_NONE = empty */
    uint32_t *id_tab;
    size_t cap_id_tab;
    bool dense; /* id_tab[id - min_id] */
    uint64_t min_id;
    pending_edge *edges;
    size_t n_edges, cap_edges;
    /* Direct mode (while nodes come in ascending id order, each followed by
     * its own references): edges go straight into CSR order, 8 bytes each
     * (the target id, resolved to a node index in place at finish); slots are
     * stored only once some adder gives one. Left for the pending list above
     * the first time the order breaks. */
    bool broken;        /* direct mode left */
    uint64_t *dst_id;   /* direct: target ids */
    const char **dslot; /* direct: slots, NULL until a non-NULL slot comes */
    size_t n_dedges, cap_dedges;
    size_t *doff; /* direct: doff[i] = first edge of node i */
    size_t cap_doff;
    uint64_t *root_obj;       /* parallel to roots until finish */
    gcs_hg_labeller labeller; /* lazy slot labels (gcs_hg_set_labeller) */
    void *labeller_ud;
    void (*labeller_free)(void *ud);
    uint8_t *labelled;  /* per node: its edges were labelled */
    uint64_t *hist_obj; /* parallel to hist until finish */
};

/* {====== Helpers ======} */

static uint64_t
mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t
hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

#define BIG_ALLOC (4u << 20)
#define HUGE_PAGE (2u << 20)

void *
gcs_hg_big_alloc(size_t size)
{
    if (size < BIG_ALLOC)
        return malloc(size ? size : 1);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, size) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    /* a hint, over the whole huge pages only: the partial one at the end would
     * cost a full 2 MiB of RSS for its few bytes */
    size_t whole = size & ~(size_t)(HUGE_PAGE - 1);
    (void)madvise(p, whole, MADV_HUGEPAGE);
#endif
    return p;
}

/* realloc through gcs_hg_big_alloc for big sizes. `old` bytes are kept. */
static void *
big_realloc(void *p, size_t old, size_t size)
{
    if (size < BIG_ALLOC)
        return realloc(p, size);
    void *q = gcs_hg_big_alloc(size);
    if (q == NULL)
        return NULL;
    if (p)
        memcpy(q, p, old < size ? old : size);
    free(p);
    return q;
}

/* Grow *arr (elements of `size` bytes) so that it holds at least n+1. */
static int
grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    void *p = big_realloc(*arr, *cap * size, nc * size);
    if (p == NULL)
        return GCS_ENOMEM;
    *arr = p;
    *cap = nc;
    return 0;
}

/* {====== Strings and sites ======} */

static int
strs_rehash(struct gcs_hg_priv *p)
{
    size_t nc = p->cap_strs ? p->cap_strs * 2 : 256;
    char **t = calloc(nc, sizeof *t);
    if (t == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < p->cap_strs; i++) {
        if (p->strs[i] == NULL)
            continue;
        size_t j = hash_str(p->strs[i]) & (nc - 1);
        while (t[j])
            j = (j + 1) & (nc - 1);
        t[j] = p->strs[i];
    }
    free(p->strs);
    p->strs = t;
    p->cap_strs = nc;
    return 0;
}

/* Intern s through the one-entry cache *last. */
static const char *
intern_cached(gcs_hg *g, const char *s, const char **last)
{
    if (s == NULL)
        return NULL;
    struct gcs_hg_priv *p = g->priv;
    if (*last && strcmp(*last, s) == 0)
        return *last;
    if ((p->n_strs + 1) * 2 > p->cap_strs && strs_rehash(p) != 0)
        return NULL;
    size_t j = hash_str(s) & (p->cap_strs - 1);
    while (p->strs[j]) {
        if (strcmp(p->strs[j], s) == 0)
            return *last = p->strs[j];
        j = (j + 1) & (p->cap_strs - 1);
    }
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c == NULL)
        return NULL;
    memcpy(c, s, n);
    p->strs[j] = c;
    p->n_strs++;
    return *last = c;
}

const char *
gcs_hg_intern(gcs_hg *g, const char *s)
{
    return intern_cached(g, s, &g->priv->last_str);
}

static uint64_t
hash_site(const gcs_site *s)
{
    return mix64((uint64_t)(uintptr_t)s->file * 31 + (uint64_t)(uintptr_t)s->func * 7 +
                 (uint64_t)(uint32_t)s->line);
}

static int
sites_rehash(gcs_hg *g)
{
    struct gcs_hg_priv *p = g->priv;
    size_t nc = p->cap_site_tab ? p->cap_site_tab * 2 : 256;
    uint32_t *t = calloc(nc, sizeof *t);
    if (t == NULL)
        return GCS_ENOMEM;
    for (size_t i = 1; i < g->n_sites; i++) {
        size_t j = hash_site(&g->sites[i]) & (nc - 1);
        while (t[j])
            j = (j + 1) & (nc - 1);
        t[j] = (uint32_t)i;
    }
    free(p->site_tab);
    p->site_tab = t;
    p->cap_site_tab = nc;
    return 0;
}

uint32_t
gcs_hg_site(gcs_hg *g, const gcs_site *site)
{
    if (site == NULL || (site->file == NULL && site->func == NULL && site->line == 0))
        return 0;
    struct gcs_hg_priv *p = g->priv;
    const gcs_site *last = &g->sites[p->last_site];
    if (p->last_site && last->line == site->line && last->file && site->file && last->func &&
        site->func && strcmp(last->file, site->file) == 0 && strcmp(last->func, site->func) == 0)
        return p->last_site;
    gcs_site s = {gcs_hg_intern(g, site->file), gcs_hg_intern(g, site->func), site->line};
    if ((site->file && !s.file) || (site->func && !s.func))
        return 0;
    if (g->n_sites * 2 > p->cap_site_tab && sites_rehash(g) != 0)
        return 0;
    size_t j = hash_site(&s) & (p->cap_site_tab - 1);
    while (p->site_tab[j]) {
        const gcs_site *o = &g->sites[p->site_tab[j]];
        if (o->file == s.file && o->func == s.func && o->line == s.line)
            return p->last_site = p->site_tab[j];
        j = (j + 1) & (p->cap_site_tab - 1);
    }
    if (grow((void **)&g->sites, &g->cap_sites, g->n_sites, sizeof *g->sites) != 0)
        return 0;
    uint32_t idx = (uint32_t)g->n_sites++;
    g->sites[idx] = s;
    p->site_tab[j] = idx;
    return p->last_site = idx;
}

/* {====== Node order ======}
 * After finish, nodes are in id order (allocation order), whatever order the
 * adapter added them in: a live heap is walked in its collector's list order,
 * a trace in the replay's. Everything in the analysis that depends on node
 * order (SCC leaders, examples, which leaked object owns an indirect one it
 * shares with another) then comes out the same for both. Linear: ids are
 * mostly dense, so a bucket array indexed by id - min_id orders them; sparse
 * ids go through an LSD radix sort (16-bit digits, only the digits the id span
 * needs). */

static bool
nodes_sorted(const gcs_hg *g)
{
    for (size_t i = 1; i < g->n_nodes; i++)
        if (g->nodes[i].id <= g->nodes[i - 1].id)
            return false;
    return true;
}

/* perm[k] = index of the k-th smallest id, by buckets over [lo, lo + span]. */
static int
order_dense(const gcs_hg *g, uint64_t lo, uint64_t span, uint32_t *perm)
{
    uint32_t *slot = gcs_hg_big_alloc((size_t)(span + 1) * sizeof *slot);
    if (slot == NULL)
        return GCS_ENOMEM;
    memset(slot, 0xff, (size_t)(span + 1) * sizeof *slot);
    int rc = 0;
    for (size_t i = 0; i < g->n_nodes && rc == 0; i++) {
        size_t j = (size_t)(g->nodes[i].id - lo);
        if (slot[j] != GCS_HG_NONE)
            rc = GCS_EINVAL; /* duplicate id */
        slot[j] = (uint32_t)i;
    }
    size_t k = 0;
    for (size_t j = 0; j <= span && rc == 0; j++)
        if (slot[j] != GCS_HG_NONE)
            perm[k++] = slot[j];
    free(slot);
    return rc;
}

/* The same by LSD radix sort of (id - lo), for sparse ids. */
static int
order_radix(const gcs_hg *g, uint64_t lo, uint64_t span, uint32_t *perm)
{
    size_t n = g->n_nodes;
    uint64_t *ka = gcs_hg_big_alloc(n * sizeof *ka), *kb = gcs_hg_big_alloc(n * sizeof *kb);
    uint32_t *pb = gcs_hg_big_alloc(n * sizeof *pb), *pa = perm;
    size_t *count = malloc(65537 * sizeof *count);
    int rc = GCS_ENOMEM;
    if (ka == NULL || kb == NULL || pb == NULL || count == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        ka[i] = g->nodes[i].id - lo;
        pa[i] = (uint32_t)i;
    }
    for (unsigned shift = 0; shift < 64 && (span >> shift) != 0; shift += 16) {
        memset(count, 0, 65537 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[((ka[i] >> shift) & 0xffff) + 1]++;
        for (size_t d = 0; d < 65536; d++)
            count[d + 1] += count[d];
        for (size_t i = 0; i < n; i++) {
            size_t k = count[(ka[i] >> shift) & 0xffff]++;
            kb[k] = ka[i];
            pb[k] = pa[i];
        }
        uint64_t *tk = ka;
        ka = kb;
        kb = tk;
        uint32_t *tp = pa;
        pa = pb;
        pb = tp;
    }
    if (pa != perm) { /* an odd number of passes: the result is in our buffer */
        memcpy(perm, pa, n * sizeof *perm);
        pb = pa;
    }
    rc = 0;
    for (size_t i = 1; i < n && rc == 0; i++)
        if (ka[i] == ka[i - 1])
            rc = GCS_EINVAL; /* duplicate id */
out:
    free(ka);
    free(kb);
    free(pb); /* never the caller's perm (see above) */
    free(count);
    return rc;
}

/* Put the nodes in id order (see above). GCS_EINVAL on a duplicate id. */
static int
sort_nodes(gcs_hg *g)
{
    size_t n = g->n_nodes;
    if (nodes_sorted(g))
        return 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = g->nodes[i].id < lo ? g->nodes[i].id : lo;
        hi = g->nodes[i].id > hi ? g->nodes[i].id : hi;
    }
    uint32_t *perm = gcs_hg_big_alloc(n * sizeof *perm);
    gcs_hg_node *sorted = gcs_hg_big_alloc(n * sizeof *sorted);
    int rc = GCS_ENOMEM;
    if (perm != NULL && sorted != NULL)
        rc = hi - lo < 4 * (uint64_t)n + 1024 ? order_dense(g, lo, hi - lo, perm)
                                              : order_radix(g, lo, hi - lo, perm);
    if (rc == 0) {
        for (size_t k = 0; k < n; k++) /* order_* fill perm[0..n) when they succeed */
            sorted[k] =
                g->nodes[perm[k]]; /* NOLINT(clang-analyzer-core.uninitialized.ArraySubscript) */
        free(g->nodes);
        g->nodes = sorted;
        g->cap_nodes = n;
        sorted = NULL;
    }
    free(perm);
    free(sorted);
    return rc;
}

/* {====== Id index ======}
 * Built once, at finish. Object ids are mostly dense (a counter), so when
 * they span at most 4 times the node count the index is a plain array
 * (id - min_id -> node), which keeps lookups in id order cache-friendly;
 * otherwise an open-addressing table. */

static int
build_index(gcs_hg *g)
{
    struct gcs_hg_priv *p = g->priv;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < g->n_nodes; i++) {
        lo = g->nodes[i].id < lo ? g->nodes[i].id : lo;
        hi = g->nodes[i].id > hi ? g->nodes[i].id : hi;
    }
    p->dense = g->n_nodes > 0 && hi - lo < 4 * (uint64_t)g->n_nodes + 1024;
    p->min_id = lo;
    size_t cap = 1024;
    if (p->dense)
        cap = (size_t)(hi - lo + 1);
    else
        while (cap < 2 * g->n_nodes)
            cap *= 2;
    p->id_tab = malloc(cap * sizeof *p->id_tab);
    if (p->id_tab == NULL)
        return GCS_ENOMEM;
    memset(p->id_tab, 0xff, cap * sizeof *p->id_tab);
    p->cap_id_tab = cap;
    for (size_t i = 0; i < g->n_nodes; i++) {
        uint64_t id = g->nodes[i].id;
        size_t j = p->dense ? (size_t)(id - lo) : mix64(id) & (cap - 1);
        while (!p->dense && p->id_tab[j] != GCS_HG_NONE && g->nodes[p->id_tab[j]].id != id)
            j = (j + 1) & (cap - 1);
        if (p->id_tab[j] != GCS_HG_NONE)
            return GCS_EINVAL; /* duplicate id */
        p->id_tab[j] = (uint32_t)i;
    }
    return 0;
}

uint32_t
gcs_hg_find(const gcs_hg *g, uint64_t id)
{
    const struct gcs_hg_priv *p = g->priv;
    if (p->cap_id_tab == 0)
        return GCS_HG_NONE;
    if (p->dense)
        return id >= p->min_id && id - p->min_id < p->cap_id_tab ? p->id_tab[id - p->min_id]
                                                                 : GCS_HG_NONE;
    size_t j = mix64(id) & (p->cap_id_tab - 1);
    while (p->id_tab[j] != GCS_HG_NONE) {
        if (g->nodes[p->id_tab[j]].id == id)
            return p->id_tab[j];
        j = (j + 1) & (p->cap_id_tab - 1);
    }
    return GCS_HG_NONE;
}

/* {====== Building ======} */

int
gcs_hg_new(gcs_hg **out)
{
    *out = NULL;
    gcs_hg *g = calloc(1, sizeof *g);
    if (g == NULL)
        return GCS_ENOMEM;
    g->priv = calloc(1, sizeof *g->priv);
    g->sites = calloc(16, sizeof *g->sites);
    if (g->priv == NULL || g->sites == NULL) {
        gcs_hg_free(g);
        return GCS_ENOMEM;
    }
    g->cap_sites = 16;
    g->n_sites = 1; /* sites[0]: unknown */
    g->at_event = UINT64_MAX;
    if (sites_rehash(g) != 0) {
        gcs_hg_free(g);
        return GCS_ENOMEM;
    }
    *out = g;
    return 0;
}

void
gcs_hg_free(gcs_hg *g)
{
    if (g == NULL)
        return;
    struct gcs_hg_priv *p = g->priv;
    if (p) {
        for (size_t i = 0; i < p->cap_strs; i++)
            free(p->strs[i]);
        free(p->strs);
        free(p->site_tab);
        free(p->id_tab);
        free(p->edges);
        free(p->root_obj);
        free(p->hist_obj);
        free(p->dst_id);
        free(p->dslot);
        free(p->labelled);
        free(p->doff);
        if (p->labeller_free)
            p->labeller_free(p->labeller_ud);
        free(p);
    }
    free(g->nodes);
    free(g->edge_off);
    free(g->edge_dst);
    free(g->edge_slot);
    free(g->roots);
    free(g->hist);
    free(g->hist_off);
    free(g->errors);
    free(g->sites);
    free(g);
}

int
gcs_hg_reserve(gcs_hg *g, size_t n_nodes, size_t n_edges)
{
    struct gcs_hg_priv *p = g->priv;
    if (n_nodes > g->cap_nodes) {
        gcs_hg_node *nn = big_realloc(g->nodes, g->n_nodes * sizeof *nn, n_nodes * sizeof *nn);
        if (nn == NULL)
            return GCS_ENOMEM;
        g->nodes = nn;
        g->cap_nodes = n_nodes;
    }
    if (!p->broken && n_edges > p->cap_dedges) {
        uint64_t *nd = big_realloc(p->dst_id, p->n_dedges * sizeof *nd, n_edges * sizeof *nd);
        if (nd == NULL)
            return GCS_ENOMEM;
        p->dst_id = nd;
        p->cap_dedges = n_edges;
    } else if (p->broken && n_edges > p->cap_edges) {
        pending_edge *ne = big_realloc(p->edges, p->n_edges * sizeof *ne, n_edges * sizeof *ne);
        if (ne == NULL)
            return GCS_ENOMEM;
        p->edges = ne;
        p->cap_edges = n_edges;
    }
    if (!p->broken && n_nodes + 1 > p->cap_doff) {
        size_t *no = big_realloc(p->doff, g->n_nodes * sizeof *no, (n_nodes + 1) * sizeof *no);
        if (no == NULL)
            return GCS_ENOMEM;
        p->doff = no;
        p->cap_doff = n_nodes + 1;
    }
    return 0;
}

int
gcs_hg_reserve_hist(gcs_hg *g, size_t n_hist)
{
    struct gcs_hg_priv *p = g->priv;
    if (g->finished || n_hist <= g->cap_hist)
        return 0;
    gcs_hg_hist *h = big_realloc(g->hist, g->n_hist * sizeof *h, n_hist * sizeof *h);
    if (h == NULL)
        return GCS_ENOMEM;
    g->hist = h;
    uint64_t *o = big_realloc(p->hist_obj, g->n_hist * sizeof *o, n_hist * sizeof *o);
    if (o == NULL)
        return GCS_ENOMEM; /* hist grew, cap_hist not yet: still consistent */
    p->hist_obj = o;
    g->cap_hist = n_hist;
    return 0;
}

/* Leave direct mode: move the direct edges to the pending list (the order
 * of adds broke: a node below the last id, or an edge whose source is not the
 * last node). */
static int
leave_direct(gcs_hg *g)
{
    struct gcs_hg_priv *p = g->priv;
    if (p->broken)
        return 0;
    size_t n = p->n_dedges;
    pending_edge *pe = gcs_hg_big_alloc((n + 1) * sizeof *pe);
    if (pe == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < g->n_nodes; i++) {
        size_t end = i + 1 < g->n_nodes ? p->doff[i + 1] : n;
        for (size_t e = p->doff[i]; e < end; e++)
            pe[e] = (pending_edge){g->nodes[i].id, p->dst_id[e], p->dslot ? p->dslot[e] : NULL};
    }
    free(p->edges);
    p->edges = pe;
    p->n_edges = n;
    p->cap_edges = n + 1;
    free(p->dst_id);
    free(p->dslot);
    free(p->doff);
    p->dst_id = NULL;
    p->dslot = NULL;
    p->doff = NULL;
    p->n_dedges = p->cap_dedges = p->cap_doff = 0;
    p->broken = true;
    return 0;
}

int
gcs_hg_add_node_at(gcs_hg *g, uint64_t id, const char *type, unsigned kind, int64_t refcnt,
                   uint64_t size, uint32_t site, unsigned flags, uint32_t *idx)
{
    struct gcs_hg_priv *p = g->priv;
    if (g->finished || g->n_nodes >= GCS_HG_NONE - 1 || type == NULL || site >= g->n_sites)
        return GCS_EINVAL;
    if (!p->broken && g->n_nodes > 0 && id <= g->nodes[g->n_nodes - 1].id && leave_direct(g) != 0)
        return GCS_ENOMEM;
    if (grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes, sizeof *g->nodes) != 0)
        return GCS_ENOMEM;
    if (!p->broken) {
        if (grow((void **)&p->doff, &p->cap_doff, g->n_nodes, sizeof *p->doff) != 0)
            return GCS_ENOMEM;
        p->doff[g->n_nodes] = p->n_dedges;
    }
    gcs_hg_node *n = &g->nodes[g->n_nodes];
    n->id = id;
    n->refcnt = refcnt;
    n->size = size;
    n->type = type;
    n->site = site;
    n->kind = (uint16_t)kind;
    n->flags = (uint16_t)flags;
    if (flags & GCS_HGF_GARBAGE_LIST)
        g->has_garbage_list = true;
    if (idx)
        *idx = (uint32_t)g->n_nodes;
    g->n_nodes++;
    return 0;
}

int
gcs_hg_add_node(gcs_hg *g, uint64_t id, const char *type, unsigned kind, int64_t refcnt,
                uint64_t size, const gcs_site *site, unsigned flags, uint32_t *idx)
{
    if (g->finished || g->n_nodes >= GCS_HG_NONE - 1)
        return GCS_EINVAL;
    const char *t = intern_cached(g, type ? type : "?", &g->priv->last_type);
    if (t == NULL)
        return GCS_ENOMEM;
    return gcs_hg_add_node_at(g, id, t, kind, refcnt, size, gcs_hg_site(g, site), flags, idx);
}

/* Direct mode: append an edge of the last node. */
static int
add_direct_edge(gcs_hg *g, uint64_t dst, const char *slot)
{
    struct gcs_hg_priv *p = g->priv;
    size_t cap = p->cap_dedges;
    if (grow((void **)&p->dst_id, &p->cap_dedges, p->n_dedges, sizeof *p->dst_id) != 0)
        return GCS_ENOMEM;
    if (p->dslot && cap != p->cap_dedges) {
        const char **ns =
            big_realloc(p->dslot, p->n_dedges * sizeof *ns, p->cap_dedges * sizeof *ns);
        if (ns == NULL)
            return GCS_ENOMEM;
        p->dslot = ns;
    }
    if (slot && p->dslot == NULL) {
        p->dslot = gcs_hg_big_alloc(p->cap_dedges * sizeof *p->dslot);
        if (p->dslot == NULL)
            return GCS_ENOMEM;
        for (size_t e = 0; e < p->n_dedges; e++)
            p->dslot[e] = NULL;
    }
    if (p->dslot)
        p->dslot[p->n_dedges] = slot;
    p->dst_id[p->n_dedges++] = dst;
    return 0;
}

int
gcs_hg_add_edge(gcs_hg *g, uint64_t src, uint64_t dst, const char *slot)
{
    struct gcs_hg_priv *p = g->priv;
    if (g->finished)
        return GCS_EINVAL;
    const char *s = intern_cached(g, slot, &p->last_slot);
    if (slot && !s)
        return GCS_ENOMEM;
    if (!p->broken && (g->n_nodes == 0 || g->nodes[g->n_nodes - 1].id != src) &&
        leave_direct(g) != 0)
        return GCS_ENOMEM;
    if (!p->broken)
        return add_direct_edge(g, dst, s);
    if (grow((void **)&p->edges, &p->cap_edges, p->n_edges, sizeof *p->edges) != 0)
        return GCS_ENOMEM;
    p->edges[p->n_edges++] = (pending_edge){src, dst, s};
    return 0;
}

int
gcs_hg_add_root(gcs_hg *g, uint64_t frame_id, const char *frame, const char *var, uint64_t obj)
{
    struct gcs_hg_priv *p = g->priv;
    if (g->finished)
        return GCS_EINVAL;
    size_t cap = g->cap_roots;
    if (grow((void **)&g->roots, &g->cap_roots, g->n_roots, sizeof *g->roots) != 0)
        return GCS_ENOMEM;
    if (cap != g->cap_roots) {
        uint64_t *o = realloc(p->root_obj, g->cap_roots * sizeof *o);
        if (o == NULL) {
            g->cap_roots = cap;
            return GCS_ENOMEM;
        }
        p->root_obj = o;
    }
    const char *f = gcs_hg_intern(g, frame ? frame : "?");
    const char *v = gcs_hg_intern(g, var ? var : "?");
    if (f == NULL || v == NULL)
        return GCS_ENOMEM;
    g->roots[g->n_roots] = (gcs_hg_root){frame_id, f, v, GCS_HG_NONE};
    p->root_obj[g->n_roots++] = obj;
    return 0;
}

/* refcnt clamped to the int32_t range (history counts are only stored). */
static int32_t
sat32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

int
gcs_hg_add_hist_at(gcs_hg *g, uint64_t obj, uint64_t event, gcs_hg_op op, int64_t refcnt,
                   uint32_t site)
{
    struct gcs_hg_priv *p = g->priv;
    if (g->finished || site >= g->n_sites || event >= GCS_HG_MAX_EVENT ||
        (unsigned)op > GCS_HGOP_UNSTORE)
        return GCS_EINVAL;
    if (g->n_hist == g->cap_hist && gcs_hg_reserve_hist(g, g->cap_hist ? g->cap_hist * 2 : 64) != 0)
        return GCS_ENOMEM;
    g->hist[g->n_hist] = (gcs_hg_hist){event, (uint8_t)op, site, sat32(refcnt)};
    p->hist_obj[g->n_hist++] = obj;
    g->has_history = true;
    return 0;
}

int
gcs_hg_add_hist(gcs_hg *g, uint64_t obj, uint64_t event, gcs_hg_op op, int64_t refcnt,
                const gcs_site *site)
{
    if (g->finished)
        return GCS_EINVAL;
    return gcs_hg_add_hist_at(g, obj, event, op, refcnt, gcs_hg_site(g, site));
}

int
gcs_hg_add_error(gcs_hg *g, uint64_t event, int code, uint64_t obj, const char *detail,
                 const gcs_site *site)
{
    if (g->finished)
        return GCS_EINVAL;
    if (grow((void **)&g->errors, &g->cap_errors, g->n_errors, sizeof *g->errors) != 0)
        return GCS_ENOMEM;
    const char *d = gcs_hg_intern(g, detail);
    if (detail && !d)
        return GCS_ENOMEM;
    g->errors[g->n_errors++] = (gcs_hg_error){event, code, obj, d, gcs_hg_site(g, site)};
    return 0;
}

/* {====== Finish: resolve ids, CSR ======} */

/* Adapters add each object's references right after the object, so edges
 * usually arrive grouped by source in node order: then they are already in
 * CSR order and need no sort. Returns 1 (nothing kept) if they are not. */
static int
finish_edges_ordered(gcs_hg *g)
{
    struct gcs_hg_priv *p = g->priv;
    size_t n = g->n_nodes, kept = 0, dangling = 0;
    uint32_t prev = 0;
    g->edge_off = calloc(n + 2, sizeof *g->edge_off);
    g->edge_dst = gcs_hg_big_alloc((p->n_edges + 1) * sizeof *g->edge_dst);
    g->edge_slot = gcs_hg_big_alloc((p->n_edges + 1) * sizeof *g->edge_slot);
    if (g->edge_off == NULL || g->edge_dst == NULL || g->edge_slot == NULL)
        return GCS_ENOMEM;
    for (size_t e = 0; e < p->n_edges; e++) {
        uint32_t s = gcs_hg_find(g, p->edges[e].src), d = gcs_hg_find(g, p->edges[e].dst);
        if (s == GCS_HG_NONE || d == GCS_HG_NONE) {
            dangling++;
            continue;
        }
        if (s < prev)
            return 1;
        prev = s;
        g->edge_off[s + 1]++;
        g->edge_dst[kept] = d;
        g->edge_slot[kept++] = p->edges[e].slot;
    }
    for (size_t i = 0; i < n; i++)
        g->edge_off[i + 1] += g->edge_off[i];
    g->n_edges = kept;
    g->n_dangling += dangling;
    return 0;
}

/* Any order: a counting sort by source (stable: a node's references stay in
 * the order they were added). */
static int
finish_edges_sorted(gcs_hg *g)
{
    struct gcs_hg_priv *p = g->priv;
    size_t n = g->n_nodes, kept = 0;
    memset(g->edge_off, 0, (n + 2) * sizeof *g->edge_off);
    uint32_t *src = gcs_hg_big_alloc((p->n_edges + 1) * sizeof *src);
    uint32_t *dst = gcs_hg_big_alloc((p->n_edges + 1) * sizeof *dst);
    size_t *fill = malloc((n + 1) * sizeof *fill);
    int rc = GCS_ENOMEM;
    if (src == NULL || dst == NULL || fill == NULL)
        goto out;
    for (size_t e = 0; e < p->n_edges; e++) {
        src[e] = gcs_hg_find(g, p->edges[e].src);
        dst[e] = gcs_hg_find(g, p->edges[e].dst);
        if (src[e] == GCS_HG_NONE || dst[e] == GCS_HG_NONE) {
            g->n_dangling++;
            continue;
        }
        g->edge_off[src[e] + 1]++;
        kept++;
    }
    for (size_t i = 0; i < n; i++)
        g->edge_off[i + 1] += g->edge_off[i];
    memcpy(fill, g->edge_off, (n + 1) * sizeof *fill);
    for (size_t e = 0; e < p->n_edges; e++) {
        if (src[e] == GCS_HG_NONE || dst[e] == GCS_HG_NONE)
            continue;
        size_t k = fill[src[e]]++;
        g->edge_dst[k] = dst[e];
        g->edge_slot[k] = p->edges[e].slot;
    }
    g->n_edges = kept;
    rc = 0;
out:
    free(src);
    free(dst);
    free(fill);
    return rc;
}

/* Direct mode: the edges are in CSR order already. Resolve target ids to node
 * indices in place (a 4-byte index is written at or before the 8-byte id it
 * replaces, never over one not yet read), drop the dangling ones, turn doff
 * into edge_off. Slots not given stay NULL (calloc: untouched pages cost no
 * memory) for a labeller to fill. */
static int
finish_edges_direct(gcs_hg *g)
{
    struct gcs_hg_priv *p = g->priv;
    size_t n = g->n_nodes, w = 0, e = 0;
    uint64_t *ids = p->dst_id;
    uint32_t *dst = (uint32_t *)(void *)ids;
    size_t *off = p->doff;
    if (off == NULL && (off = malloc(sizeof *off)) == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t end = i + 1 < n ? off[i + 1] : p->n_dedges;
        off[i] = w;
        for (; e < end; e++) {
            uint32_t d = gcs_hg_find(g, ids[e]);
            if (d == GCS_HG_NONE) {
                g->n_dangling++;
                continue;
            }
            if (p->dslot)
                p->dslot[w] = p->dslot[e];
            dst[w++] = d;
        }
    }
    size_t *no = realloc(off, (n + 1) * sizeof *no); /* shrinks or adds the one slot */
    if (no == NULL) {
        p->doff = off;
        return GCS_ENOMEM;
    }
    no[n] = w;
    g->edge_off = no;
    p->doff = NULL;
    p->cap_doff = 0;
    uint32_t *nd = ids ? realloc(ids, (w + 1) * sizeof *nd) : malloc(sizeof *nd);
    if (nd == NULL)
        return GCS_ENOMEM; /* p->dst_id still owns the block */
    g->edge_dst = nd;
    p->dst_id = NULL;
    g->edge_slot = p->dslot ? (const char **)p->dslot : calloc(w + 1, sizeof *g->edge_slot);
    p->dslot = NULL;
    if (g->edge_slot == NULL)
        return GCS_ENOMEM;
    g->n_edges = w;
    p->n_dedges = p->cap_dedges = 0;
    return 0;
}

static int
finish_edges(gcs_hg *g)
{
    struct gcs_hg_priv *p = g->priv;
    if (!p->broken)
        return finish_edges_direct(g);
    int rc = finish_edges_ordered(g);
    if (rc == 1)
        rc = finish_edges_sorted(g);
    free(p->edges);
    p->edges = NULL;
    p->n_edges = p->cap_edges = 0;
    return rc;
}

static void
finish_roots(gcs_hg *g)
{
    size_t k = 0;
    for (size_t i = 0; i < g->n_roots; i++) {
        uint32_t idx = gcs_hg_find(g, g->priv->root_obj[i]);
        if (idx == GCS_HG_NONE) {
            g->n_dangling++;
            continue;
        }
        g->roots[k] = g->roots[i];
        g->roots[k++].node = idx;
    }
    g->n_roots = k;
}

/* Resolve each entry's object id to its node index, in place in hist_obj
 * (GCS_HG_NONE: not a node, dropped). True if the entries are grouped by node
 * in node order (the recorder exports in allocation order): then no sort. */
static bool
resolve_hist(gcs_hg *g)
{
    uint64_t *obj = g->priv->hist_obj;
    uint32_t prev = 0;
    bool ordered = true;
    for (size_t i = 0; i < g->n_hist; i++) {
        uint32_t v = gcs_hg_find(g, obj[i]);
        obj[i] = v;
        if (v == GCS_HG_NONE)
            continue;
        ordered = ordered && v >= prev;
        prev = v;
    }
    return ordered;
}

/* Ordered history: compact in place, then give the dropped entries' room
 * back (the array was sized for every entry exported). */
static void
finish_hist_ordered(gcs_hg *g, const uint64_t *node)
{
    size_t w = 0;
    for (size_t i = 0; i < g->n_hist; i++) {
        if (node[i] == GCS_HG_NONE)
            continue;
        g->hist_off[node[i] + 1]++;
        g->hist[w++] = g->hist[i];
    }
    g->n_hist = w;
    gcs_hg_hist *h = w < g->cap_hist ? realloc(g->hist, (w + 1) * sizeof *h) : NULL;
    if (h != NULL) { /* else the bigger block stays: a shrink that failed costs nothing */
        g->hist = h;
        g->cap_hist = w + 1;
    }
}

/* Any order: a stable counting sort by node into a new array. */
static int
finish_hist_sorted(gcs_hg *g, const uint64_t *node)
{
    size_t n = g->n_nodes;
    size_t *fill = malloc((n + 1) * sizeof *fill);
    size_t kept = 0;
    for (size_t i = 0; i < g->n_hist; i++)
        kept += node[i] != GCS_HG_NONE;
    gcs_hg_hist *sorted = gcs_hg_big_alloc((kept + 1) * sizeof *sorted);
    if (fill == NULL || sorted == NULL) {
        free(fill);
        free(sorted);
        return GCS_ENOMEM;
    }
    for (size_t i = 0; i < g->n_hist; i++)
        if (node[i] != GCS_HG_NONE)
            g->hist_off[node[i] + 1]++;
    for (size_t i = 0; i < n; i++)
        g->hist_off[i + 1] += g->hist_off[i];
    memcpy(fill, g->hist_off, (n + 1) * sizeof *fill);
    for (size_t i = 0; i < g->n_hist; i++)
        if (node[i] != GCS_HG_NONE)
            sorted[fill[node[i]]++] = g->hist[i];
    free(g->hist);
    g->hist = sorted;
    g->n_hist = kept;
    g->cap_hist = kept + 1;
    free(fill);
    return 0;
}

/* History CSR by node; the id array (hist_obj) is freed in every case. */
static int
finish_hist(gcs_hg *g)
{
    struct gcs_hg_priv *p = g->priv;
    size_t n = g->n_nodes;
    int rc = 0;
    if (g->n_hist == 0)
        goto out; /* hist_off stays NULL */
    bool ordered = resolve_hist(g);
    g->hist_off = calloc(n + 2, sizeof *g->hist_off);
    if (g->hist_off == NULL) {
        rc = GCS_ENOMEM;
        goto out;
    }
    if (ordered) {
        finish_hist_ordered(g, p->hist_obj);
        for (size_t i = 0; i < n; i++)
            g->hist_off[i + 1] += g->hist_off[i];
    } else {
        rc = finish_hist_sorted(g, p->hist_obj);
    }
out:
    free(p->hist_obj);
    p->hist_obj = NULL;
    return rc;
}

int
gcs_hg_finish(gcs_hg *g)
{
    if (g->finished)
        return GCS_EINVAL;
    int rc = sort_nodes(g);
    if (rc == 0)
        rc = build_index(g);
    if (rc == 0)
        rc = finish_edges(g);
    if (rc == 0) {
        finish_roots(g);
        rc = finish_hist(g);
    }
    g->finished = true;
    return rc;
}

/* {====== Lazy slot labels ======} */

void
gcs_hg_set_labeller(gcs_hg *g, gcs_hg_labeller fn, void *ud, void (*free_ud)(void *ud))
{
    struct gcs_hg_priv *p = g->priv;
    gcs_hg_drop_labeller(g);
    p->labeller = fn;
    p->labeller_ud = ud;
    p->labeller_free = free_ud;
}

void
gcs_hg_drop_labeller(gcs_hg *g)
{
    struct gcs_hg_priv *p = g->priv;
    if (p->labeller_free)
        p->labeller_free(p->labeller_ud);
    p->labeller = NULL;
    p->labeller_ud = NULL;
    p->labeller_free = NULL;
    free(p->labelled);
    p->labelled = NULL;
}

int
gcs_hg_label_node(gcs_hg *g, uint32_t node)
{
    struct gcs_hg_priv *p = g->priv;
    if (p->labeller == NULL || !g->finished || node >= g->n_nodes)
        return 0;
    if (p->labelled == NULL && (p->labelled = calloc(g->n_nodes, 1)) == NULL)
        return GCS_ENOMEM;
    if (p->labelled[node])
        return 0;
    p->labelled[node] = 1;
    return p->labeller(g, node, p->labeller_ud);
}

int
gcs_hg_set_slot(gcs_hg *g, size_t e, const char *slot)
{
    if (!g->finished || e >= g->n_edges || g->edge_slot == NULL)
        return GCS_EINVAL;
    const char *s = gcs_hg_intern(g, slot);
    if (slot && !s)
        return GCS_ENOMEM;
    g->edge_slot[e] = s;
    return 0;
}
