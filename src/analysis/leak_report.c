/* src/analysis/leak_report.c — turns per-node classes into loss records
 * (valgrind's term): one record per class, allocation site and type, with the
 * objects each keeps alive indirectly as child records right after it. Also the
 * public report API of gcscope/leaks.h. Start at gcs_leak_analyze().
 * Grouping is one hash lookup per node, so building is O(V + E) plus sorting
 * the (few) records.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "leak_int.h"

static _Thread_local char errmsg[512];

const char *
gcs_leak_errmsg(void)
{
    return errmsg;
}

int
gcs_leak_set_err(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return code;
}

static const char *const kind_names[GCS_LEAK__COUNT] = {"reachable", "cycle",    "uncollectable",
                                                        "refleak",   "indirect", "error"};

const char *
gcs_leak_kind_name(gcs_leak_kind kind)
{
    return (unsigned)kind < GCS_LEAK__COUNT ? kind_names[kind] : NULL;
}

void
gcs_leak_options_init(gcs_leak_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->max_examples = 3;
    opt->max_members = 12;
}

const char *
gcs_la_reason(const gcs_hg *g, uint32_t n)
{
    unsigned f = g->nodes[n].flags;
    if (f & GCS_HGF_LEGACY)
        return "has a legacy finalizer (tp_del): the collector will not free its cycle";
    if (f & GCS_HGF_SAVEALL)
        return "gc.DEBUG_SAVEALL: the collector saved it in gc.garbage instead of freeing it";
    return "in gc.garbage: part of a cycle with a legacy finalizer";
}

/* {==== Record table ====} */

typedef struct builder {
    gcs_leak_report *r;
    size_t cap;
    uint32_t *tab; /* open addressing: record index + 1, 0 = empty */
    size_t tab_cap;
} builder;

typedef struct rec_key {
    int kind;
    uint32_t site;
    const char *type;
    size_t owner;
    int code;
} rec_key;

static uint64_t
key_hash(const rec_key *k)
{
    uint64_t h = (uint64_t)k->kind * 0x9e3779b97f4a7c15ULL;
    h ^= (uint64_t)k->site * 0xc2b2ae3d27d4eb4fULL;
    h ^= (uint64_t)(uintptr_t)k->type * 0x165667b19e3779f9ULL;
    h ^= (uint64_t)k->owner * 0x27d4eb2f165667c5ULL;
    h ^= (uint64_t)(unsigned)k->code;
    return h ^ (h >> 29);
}

static bool
key_eq(const gcs_leak_report *r, size_t i, const rec_key *k)
{
    const gcs_leak_record *x = &r->recs[i];
    const gcs_leak_rec_priv *p = &r->priv[i];
    return (int)x->kind == k->kind && p->site == k->site && x->type == k->type &&
           x->owner == k->owner && p->code == k->code;
}

static int
tab_grow(builder *b)
{
    size_t nc = b->tab_cap ? b->tab_cap * 2 : 256;
    uint32_t *t = calloc(nc, sizeof *t);
    if (t == NULL)
        return GCS_ENOMEM;
    for (size_t i = 0; i < b->r->n_recs; i++) {
        const gcs_leak_record *x = &b->r->recs[i];
        rec_key k = {(int)x->kind, b->r->priv[i].site, x->type, x->owner, b->r->priv[i].code};
        size_t j = key_hash(&k) & (nc - 1);
        while (t[j])
            j = (j + 1) & (nc - 1);
        t[j] = (uint32_t)i + 1;
    }
    free(b->tab);
    b->tab = t;
    b->tab_cap = nc;
    return 0;
}

/* Find or add the record for key k. Returns its index, SIZE_MAX on ENOMEM. */
static size_t
record_for(builder *b, const rec_key *k)
{
    gcs_leak_report *r = b->r;
    if ((b->tab == NULL || (r->n_recs + 1) * 2 > b->tab_cap) && tab_grow(b) != 0)
        return SIZE_MAX;
    size_t j = key_hash(k) & (b->tab_cap - 1);
    while (b->tab[j]) {
        if (key_eq(r, b->tab[j] - 1, k))
            return b->tab[j] - 1;
        j = (j + 1) & (b->tab_cap - 1);
    }
    if (r->n_recs == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 64;
        gcs_leak_record *nr = realloc(r->recs, nc * sizeof *nr);
        if (nr == NULL)
            return SIZE_MAX;
        r->recs = nr;
        gcs_leak_rec_priv *np = realloc(r->priv, nc * sizeof *np);
        if (np == NULL)
            return SIZE_MAX;
        r->priv = np;
        b->cap = nc;
    }
    size_t i = r->n_recs++;
    gcs_leak_record *x = &r->recs[i];
    memset(x, 0, sizeof *x);
    memset(&r->priv[i], 0, sizeof r->priv[i]);
    x->kind = (gcs_leak_kind)k->kind;
    x->type = k->type;
    x->site = r->g->sites[k->site];
    x->owner = k->owner;
    x->example_id = UINT64_MAX;
    r->priv[i].site = k->site;
    r->priv[i].code = k->code;
    b->tab[j] = (uint32_t)i + 1;
    return i;
}

static void
add_example(gcs_leak_report *r, size_t rec, uint32_t v, uint64_t id)
{
    gcs_leak_rec_priv *p = &r->priv[rec];
    size_t max = r->opt.max_examples < 8 ? r->opt.max_examples : 8;
    if (p->n_examples == 0)
        r->recs[rec].example_id = id;
    if (p->n_examples < max)
        p->examples[p->n_examples++] = v;
}

/* {==== Filling records ====} */

static void
merge_culprits(gcs_leak_rec_priv *p, const gcs_la_culprit *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < p->n_culprits && p->culprits[k].site != c[i].site)
            k++;
        if (k < p->n_culprits) {
            p->culprits[k].count += c[i].count;
        } else if (p->n_culprits < 8) {
            p->culprits[p->n_culprits++] = c[i];
        }
    }
}

/* The record of a direct node (for CYCLE members: their SCC leader's). */
static size_t
direct_record(builder *b, uint32_t v)
{
    const gcs_hg *g = b->r->g;
    const gcs_leak_analysis *a = &b->r->a;
    uint32_t key_node = a->cls[v] == GCS_LEAK_CYCLE ? a->owner[v] : v;
    rec_key k = {a->cls[v], g->nodes[key_node].site, g->nodes[key_node].type, SIZE_MAX, 0};
    return record_for(b, &k);
}

static int
fill_direct(builder *b)
{
    gcs_leak_report *r = b->r;
    const gcs_hg *g = r->g;
    const gcs_leak_analysis *a = &r->a;
    for (uint32_t v = 0; v < g->n_nodes; v++) {
        int cls = a->cls[v];
        if (cls == GCS_LEAK_INDIRECT || (cls == GCS_LEAK_REACHABLE && !r->opt.show_reachable))
            continue;
        size_t i = direct_record(b, v);
        if (i == SIZE_MAX)
            return GCS_ENOMEM;
        gcs_leak_record *x = &r->recs[i];
        x->objects++;
        x->bytes += g->nodes[v].size;
        if (cls == GCS_LEAK_CYCLE && a->owner[v] == v) {
            x->cycles += gcs_la_scc_is_cycle(a, a->scc[v]);
            add_example(r, i, v, g->nodes[v].id);
        } else if (cls != GCS_LEAK_CYCLE) {
            add_example(r, i, v, g->nodes[v].id);
        }
        if (cls == GCS_LEAK_UNCOLLECTABLE && x->reason == NULL)
            x->reason = gcs_la_reason(g, v);
        if (cls == GCS_LEAK_REFLEAK) {
            x->refs_unaccounted += (uint64_t)a->unexplained[v];
            gcs_la_culprit c[8];
            size_t n = gcs_la_culprits(g, v, g->nodes[v].refcnt - a->unexplained[v], c, 8);
            merge_culprits(&r->priv[i], c, n);
            if (r->priv[i].n_culprits > 0)
                x->culprit = g->sites[r->priv[i].culprits[0].site];
        }
    }
    return 0;
}

static int
fill_indirect(builder *b)
{
    gcs_leak_report *r = b->r;
    const gcs_hg *g = r->g;
    const gcs_leak_analysis *a = &r->a;
    for (uint32_t v = 0; v < g->n_nodes; v++) {
        if (a->cls[v] != GCS_LEAK_INDIRECT)
            continue;
        size_t o = direct_record(b, a->owner[v]);
        if (o == SIZE_MAX)
            return GCS_ENOMEM;
        rec_key k = {GCS_LEAK_INDIRECT, g->nodes[v].site, g->nodes[v].type, o, 0};
        size_t i = record_for(b, &k);
        if (i == SIZE_MAX)
            return GCS_ENOMEM;
        r->recs[i].objects++;
        r->recs[i].bytes += g->nodes[v].size;
        r->recs[o].indirect_objects++;
        r->recs[o].indirect_bytes += g->nodes[v].size;
        r->priv[i].shared |= a->shared[v] != 0;
        add_example(r, i, v, g->nodes[v].id);
    }
    return 0;
}

static const char *
error_name(int code)
{
    switch (code) {
    case GCS_EOVERRELEASE:
        return "over-release";
    case GCS_EFREED:
        return "use-after-free";
    case GCS_EBADOBJ:
        return "bad-object";
    case 0:
        return "refcount-below-references";
    default:
        return gcs_err_name(code);
    }
}

static int
fill_errors(builder *b)
{
    gcs_leak_report *r = b->r;
    gcs_hg *g = r->g;
    for (size_t e = 0; e < g->n_errors; e++) {
        const gcs_hg_error *er = &g->errors[e];
        rec_key k = {GCS_LEAK_ERROR, er->site, gcs_hg_intern(g, error_name(er->code)), SIZE_MAX,
                     er->code ? er->code : -1000};
        if (k.type == NULL)
            return GCS_ENOMEM;
        size_t i = record_for(b, &k);
        if (i == SIZE_MAX)
            return GCS_ENOMEM;
        r->recs[i].objects++;
        add_example(r, i, (uint32_t)e, er->obj);
    }
    /* the model itself: a refcount lower than the references to the object */
    for (uint32_t v = 0; v < g->n_nodes; v++) {
        if (r->a.unexplained[v] >= 0 || (g->nodes[v].flags & GCS_HGF_HEAP_OWNED))
            continue;
        rec_key k = {GCS_LEAK_ERROR, g->nodes[v].site, gcs_hg_intern(g, error_name(0)), SIZE_MAX,
                     0};
        size_t i = record_for(b, &k);
        if (i == SIZE_MAX)
            return GCS_ENOMEM;
        r->recs[i].objects++;
        r->priv[i].below++;
        add_example(r, i, v, g->nodes[v].id);
    }
    return 0;
}

/* {==== Summary, suppressions, order ====} */

static void
summarise(gcs_leak_report *r)
{
    const gcs_hg *g = r->g;
    gcs_leak_summary *s = &r->sum;
    for (uint32_t v = 0; v < g->n_nodes; v++) {
        s->by_kind[r->a.cls[v]].objects++;
        s->by_kind[r->a.cls[v]].bytes += g->nodes[v].size;
        s->live_objects++;
        s->live_bytes += g->nodes[v].size;
    }
    for (size_t i = 0; i < r->n_recs; i++) {
        gcs_leak_record *x = &r->recs[i];
        if (x->kind == GCS_LEAK_ERROR && !x->suppressed)
            s->by_kind[GCS_LEAK_ERROR].objects += x->objects;
        if (x->kind == GCS_LEAK_REACHABLE)
            continue;
        if (x->suppressed) {
            if (x->kind != GCS_LEAK_ERROR) {
                s->by_kind[x->kind].objects -= x->objects;
                s->by_kind[x->kind].bytes -= x->bytes;
                s->suppressed.objects += x->objects;
                s->suppressed.bytes += x->bytes;
            }
            if (x->kind != GCS_LEAK_INDIRECT)
                s->suppressed_records++;
            continue;
        }
        s->cycles += x->cycles;
        s->refs_unaccounted += x->refs_unaccounted;
        s->leaks_found = true;
    }
    s->history = g->has_history;
    s->at_event = g->at_event;
}

static void
apply_suppressions(gcs_leak_report *r, const gcs_leak_supp *supp)
{
    if (supp == NULL)
        return;
    for (size_t i = 0; i < r->n_recs; i++) {
        gcs_leak_record *x = &r->recs[i];
        if (x->kind != GCS_LEAK_INDIRECT)
            x->suppressed = gcs_leak_supp_match(supp, x->kind, x->type, &x->site);
    }
    for (size_t i = 0; i < r->n_recs; i++)
        if (r->recs[i].kind == GCS_LEAK_INDIRECT)
            r->recs[i].suppressed = r->recs[r->recs[i].owner].suppressed;
}

static int
group_of(gcs_leak_kind k)
{
    return k == GCS_LEAK_REACHABLE ? 1 : k == GCS_LEAK_ERROR ? 2 : 0;
}

static int
site_cmp(const gcs_site *x, const gcs_site *y)
{
    int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* qsort over pointers to records (no context needed). */
static int
rec_cmp(const void *pa, const void *pb)
{
    const gcs_leak_record *x = *(const gcs_leak_record *const *)pa;
    const gcs_leak_record *y = *(const gcs_leak_record *const *)pb;
    int gx = group_of(x->kind), gy = group_of(y->kind);
    if (gx != gy)
        return gx - gy;
    if (x->owner != y->owner)
        return x->owner < y->owner ? -1 : 1;
    uint64_t bx = x->bytes + x->indirect_bytes, by = y->bytes + y->indirect_bytes;
    if (gx == 2) {
        bx = x->objects;
        by = y->objects;
    }
    if (bx != by)
        return bx > by ? -1 : 1;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    int c = site_cmp(&x->site, &y->site);
    return c ? c : strcmp(x->type, y->type);
}

/* Direct records sorted, each followed by its indirect records. */
static int
order_records(gcs_leak_report *r)
{
    size_t n = r->n_recs, nd = 0, ni = 0;
    const gcs_leak_record **dir = malloc((n + 1) * sizeof *dir);
    const gcs_leak_record **ind = malloc((n + 1) * sizeof *ind);
    size_t *first_child = malloc((n + 1) * sizeof *first_child);
    size_t *newpos = malloc((n + 1) * sizeof *newpos);
    gcs_leak_record *nr = calloc(n + 1, sizeof *nr); /* zeroed: label_report reads kinds */
    gcs_leak_rec_priv *np = calloc(n + 1, sizeof *np);
    int rc = GCS_ENOMEM;
    if (!dir || !ind || !first_child || !newpos || !nr || !np)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (r->recs[i].kind == GCS_LEAK_INDIRECT)
            ind[ni++] = &r->recs[i];
        else
            dir[nd++] = &r->recs[i];
    }
    qsort(dir, nd, sizeof *dir, rec_cmp);
    qsort(ind, ni, sizeof *ind, rec_cmp); /* grouped by owner, most bytes first */
    for (size_t i = 0; i < n; i++)
        first_child[i] = SIZE_MAX;
    for (size_t i = ni; i-- > 0;)
        first_child[ind[i]->owner] = i;
    size_t k = 0;
    for (size_t d = 0; d < nd; d++) {
        size_t o = (size_t)(dir[d] - r->recs);
        newpos[o] = k;
        nr[k] = r->recs[o];
        np[k++] = r->priv[o];
        for (size_t j = first_child[o]; j < ni && ind[j]->owner == o; j++) {
            size_t c = (size_t)(ind[j] - r->recs);
            nr[k] = r->recs[c];
            nr[k].owner = newpos[o];
            np[k++] = r->priv[c];
        }
    }
    free(r->recs);
    free(r->priv);
    r->recs = nr;
    r->priv = np;
    nr = NULL;
    np = NULL;
    rc = 0;
out:
    free(dir);
    free(ind);
    free(first_child);
    free(newpos);
    free(nr);
    free(np);
    return rc;
}

/* {==== Lazy slot labels ====}
 * A graph whose adapter labels references lazily (the live heap) gets its
 * labels now, while the source is still what was analysed: for the nodes on
 * the paths and loops the writers print (the first 64 of each, every example
 * of every record), then the labeller is dropped. */

static int
label_nodes(gcs_hg *g, const uint32_t *nodes, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = gcs_hg_label_node(g, nodes[i]);
    return rc;
}

static int
label_report(gcs_leak_report *r)
{
    gcs_hg *g = r->g;
    uint32_t nodes[64];
    int rc = 0;
    for (size_t i = 0; i < r->n_recs && rc == 0; i++) {
        const gcs_leak_rec_priv *p = &r->priv[i];
        if (r->recs[i].kind == GCS_LEAK_ERROR)
            continue;
        for (size_t k = 0; k < p->n_examples && rc == 0; k++) {
            uint32_t v = p->examples[k];
            size_t len = gcs_la_path(&r->a, v, nodes, 64);
            rc = label_nodes(g, nodes, len < 64 ? len : 64);
            /* loops only for cycle records, as the writers do: gcs_la_loop
             * resets the BFS parents of what it visits */
            if (rc == 0 && r->recs[i].kind == GCS_LEAK_CYCLE) {
                len = gcs_la_loop(&r->a, v, nodes, 64);
                rc = label_nodes(g, nodes, len < 64 ? len : 64);
            }
        }
    }
    gcs_hg_drop_labeller(g);
    return rc;
}

/* {==== Public API ====} */

static int
build(gcs_leak_report *r, const gcs_leak_supp *supp)
{
    builder b = {.r = r};
    int rc = fill_direct(&b);
    if (rc == 0)
        rc = fill_indirect(&b);
    if (rc == 0)
        rc = fill_errors(&b);
    free(b.tab);
    if (rc != 0)
        return rc;
    apply_suppressions(r, supp);
    summarise(r);
    rc = order_records(r);
    return rc == 0 ? label_report(r) : rc;
}

int
gcs_leak_analyze(gcs_hg *g, const gcs_leak_options *opt, const char *source, gcs_leak_report **out)
{
    *out = NULL;
    gcs_leak_report *r = calloc(1, sizeof *r);
    if (r == NULL) {
        gcs_hg_free(g);
        return gcs_leak_set_err(GCS_ENOMEM, "out of memory");
    }
    r->g = g;
    if (opt)
        r->opt = *opt;
    else
        gcs_leak_options_init(&r->opt);
    if (r->opt.max_members == 0)
        r->opt.max_members = 12;
    r->source = gcs_hg_intern(g, source ? source : "heap");
    gcs_leak_supp *supp = NULL;
    int rc = 0;
    if (r->opt.suppressions)
        rc = gcs_leak_supp_load(r->opt.suppressions, &supp, errmsg, sizeof errmsg);
    if (rc == 0 && (rc = gcs_la_classify(g, &r->a)) != 0)
        gcs_leak_set_err(rc, "leak analysis: out of memory (%zu objects)", g->n_nodes);
    if (rc == 0 && (rc = build(r, supp)) != 0)
        gcs_leak_set_err(rc, "leak report: out of memory");
    gcs_leak_supp_free(supp);
    r->opt.suppressions = NULL; /* not owned */
    if (rc != 0) {
        gcs_leak_report_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

const gcs_leak_summary *
gcs_leak_report_summary(const gcs_leak_report *r)
{
    return &r->sum;
}

size_t
gcs_leak_report_n_records(const gcs_leak_report *r)
{
    return r->n_recs;
}

const gcs_leak_record *
gcs_leak_report_record(const gcs_leak_report *r, size_t i)
{
    return i < r->n_recs ? &r->recs[i] : NULL;
}

int
gcs_leak_report_write(const gcs_leak_report *r, FILE *f, gcs_leak_format fmt)
{
    if (r == NULL || f == NULL)
        return GCS_EINVAL;
    switch (fmt) {
    case GCS_LEAK_FMT_TEXT:
        return gcs_leak_write_text(r, f);
    case GCS_LEAK_FMT_JSON:
        return gcs_leak_write_json(r, f);
    case GCS_LEAK_FMT_SUPPRESSIONS:
        return gcs_leak_write_supp(r, f);
    }
    return GCS_EINVAL;
}

void
gcs_leak_report_free(gcs_leak_report *r)
{
    if (r == NULL)
        return;
    gcs_la_free(&r->a);
    gcs_hg_free(r->g);
    free(r->recs);
    free(r->priv);
    free(r);
}
