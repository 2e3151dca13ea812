/* src/cli/fmt_dot.c — the object graph at one moment as Graphviz DOT, in
 * objgraph's conventions (boxes labelled "type\nvalue", edges labelled with
 * the slot, a dotted "N more references" node past the fan-out cap) plus
 * gcscope's structure: one cluster_gen<N> per generation, cycles (strongly
 * connected components of strong references) as nested cluster_cycle<N>
 * with tinted nodes and bold edges, variables as plain boxes grouped by
 * frame, weak references dashed with an odot head. Input is a plain
 * gcs_fmt_graph, so tests build graphs by hand; cycles and the id index come
 * from the leak analysis's heap graph and SCC code (src/analysis/), so there
 * is one cycle finder. Start at gcs_fmt_dot(). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/heapgraph.h"
#include "cli.h"
#include "fmt.h"
#include "gcscope/errors.h"

/* {==== Cycles: the analysis layer's SCCs (src/analysis/scc.c) ====} */

/* The nodes and strong edges of g as a heap graph (src/analysis/heapgraph.h),
 * which also gives the id index; fmt_of[v] is the node of g that graph node v
 * stands for (the graph keeps its nodes in id order). */
typedef struct strong {
    gcs_hg *hg;
    size_t *fmt_of;
} strong;

static strong
strong_graph(const gcs_fmt_graph *g)
{
    strong st = {NULL, NULL};
    if (gcs_hg_new(&st.hg) != 0)
        die(1, "out of memory");
    (void)gcs_hg_reserve(st.hg, g->n_nodes + 1, g->n_edges + 1); /* a hint */
    int rc = 0;
    for (size_t i = 0; i < g->n_nodes && rc == 0; i++)
        rc = gcs_hg_add_node(st.hg, g->nodes[i].id, NULL, 0, 0, 0, NULL, 0, NULL);
    for (size_t e = 0; e < g->n_edges && rc == 0; e++)
        if (!g->edges[e].weak) /* an end outside the graph is dropped at finish */
            rc = gcs_hg_add_edge(st.hg, g->edges[e].src, g->edges[e].dst, NULL);
    if (rc == 0)
        rc = gcs_hg_finish(st.hg);
    if (rc != 0)
        die(1, "object graph: %s",
            rc == GCS_EINVAL ? "an object id appears twice" : gcs_strerror(rc));
    st.fmt_of = xmalloc((g->n_nodes + 1) * sizeof *st.fmt_of);
    for (size_t i = 0; i < g->n_nodes; i++)
        st.fmt_of[gcs_hg_find(st.hg, g->nodes[i].id)] = i;
    return st;
}

static void
strong_free(strong *st)
{
    gcs_hg_free(st->hg);
    free(st->fmt_of);
}

/* Index in g of the node with this id, or -1. */
static long
find_node(const strong *st, uint64_t id)
{
    uint32_t v = gcs_hg_find(st->hg, id);
    return v == GCS_HG_NONE ? -1 : (long)st->fmt_of[v];
}

/* Cycles are the SCCs with more than one member or a self-loop, numbered 1,
 * 2, ... in the order of their first node in g. */
static int
number_cycles(const gcs_fmt_graph *g, const strong *st, int *scc_out)
{
    const gcs_hg *hg = st->hg;
    size_t n = hg->n_nodes, n_scc = 0;
    uint8_t *in_set = xmalloc(n + 1);
    uint32_t *scc = xmalloc((n + 1) * sizeof *scc);
    memset(in_set, 1, n + 1);
    if (gcs_hg_scc(hg, in_set, scc, &n_scc) != 0)
        die(1, "out of memory");
    uint32_t *size = xcalloc(n_scc + 1, sizeof *size);
    bool *self = xcalloc(n_scc + 1, sizeof *self);
    int *num = xcalloc(n_scc + 1, sizeof *num);
    for (size_t v = 0; v < n; v++) {
        size[scc[v]]++;
        for (size_t e = hg->edge_off[v]; e < hg->edge_off[v + 1]; e++)
            self[scc[v]] |= hg->edge_dst[e] == v;
    }
    int n_cycles = 0;
    for (size_t i = 0; i < g->n_nodes; i++) {
        uint32_t s = scc[gcs_hg_find(hg, g->nodes[i].id)];
        if (size[s] > 1 || self[s])
            scc_out[i] = num[s] ? num[s] : (num[s] = ++n_cycles);
        else
            scc_out[i] = 0;
    }
    free(in_set), free(scc), free(size), free(self), free(num);
    return n_cycles;
}

int
gcs_fmt_find_cycles(const gcs_fmt_graph *g, int *scc_out)
{
    strong st = strong_graph(g);
    int n = number_cycles(g, &st, scc_out);
    strong_free(&st);
    return n;
}

/* {==== Writing ====} */

static const char *const cycle_fill[] = {"#ffd6d6", "#d6e4ff", "#d9f2d0", "#fde9c4",
                                         "#ead6ff", "#cdf0ee", "#f8d4ec", "#e6e6c8"};
static const char *const cycle_edge[] = {"#c0392b", "#2e5fb8", "#2d8a3a", "#c27c0e",
                                         "#7d3cb5", "#17807a", "#b0307f", "#777733"};
#define N_HUES (sizeof cycle_fill / sizeof cycle_fill[0])

typedef struct dot_ctx {
    FILE *f;
    const gcs_fmt_graph *g;
    const int *scc; /* cycle number per node (0: none) */
    int n_cycles;
    int *cycle_gen; /* per cycle: its generation if all members share one, else -2 */
    const strong *st;
    size_t *members;     /* node indices grouped by cycle number ... */
    size_t *cycle_start; /* ... cycle c's are members[cycle_start[c] .. cycle_start[c + 1]) */
} dot_ctx;

static void
node_line(dot_ctx *d, size_t i, const char *indent)
{
    const gcs_fmt_node *n = &d->g->nodes[i];
    char label[512];
    snprintf(label, sizeof label, "%s#%" PRIu64 "%s%s\nrefcount %" PRId64, n->type ? n->type : "?",
             n->id, n->label ? "\n" : "", n->label ? n->label : "", n->refcnt);
    fprintf(d->f, "%s\"o%" PRIu64 "\" [label=", indent, n->id);
    gcs_fmt_dot_string(d->f, label);
    if (d->scc[i])
        fprintf(d->f, ", fillcolor=\"%s\"", cycle_fill[(size_t)(d->scc[i] - 1) % N_HUES]);
    if (n->finalizer)
        fputs(", peripheries=2", d->f);
    fputs("];\n", d->f);
}

static void
cycle_cluster(dot_ctx *d, int cyc, const char *indent)
{
    fprintf(d->f,
            "%ssubgraph cluster_cycle%d {\n%s  label=\"cycle %d\"; style=\"rounded,bold\"; "
            "color=\"%s\";\n",
            indent, cyc, indent, cyc, cycle_edge[(size_t)(cyc - 1) % N_HUES]);
    char inner[16];
    snprintf(inner, sizeof inner, "%s    ", indent);
    for (size_t k = d->cycle_start[cyc]; k < d->cycle_start[cyc + 1]; k++)
        node_line(d, d->members[k], inner);
    fprintf(d->f, "%s}\n", indent);
}

static const char *
gen_name(int gen, char *buf, size_t n)
{
    if (gen >= 0 && gen < GCS_FMT_NGEN)
        snprintf(buf, n, "gen%d", gen);
    else
        snprintf(buf, n, "%s", gen == GCS_FMT_NGEN ? "permanent" : "untracked");
    return buf;
}

/* One cluster per generation lane, holding its nodes and single-gen cycles. */
static void
gen_cluster(dot_ctx *d, int gen)
{
    static const char *const fill[] = {"#eef5ff", "#eefbee", "#fff6e8", "#f0eaff", "#f4f4f4"};
    char name[16];
    bool any = false;
    for (size_t i = 0; i < d->g->n_nodes && !any; i++)
        any = d->g->nodes[i].gen == gen;
    if (!any)
        return;
    gen_name(gen, name, sizeof name);
    fprintf(d->f, "  subgraph cluster_%s {\n    label=\"%s%s\"; style=filled; color=\"%s\";\n",
            name, gen >= 0 && gen < GCS_FMT_NGEN ? "generation " : "",
            gen >= 0 && gen < GCS_FMT_NGEN ? name + 3 : name, fill[gen >= 0 ? gen : 4]);
    for (int c = 1; c <= d->n_cycles; c++)
        if (d->cycle_gen[c] == gen)
            cycle_cluster(d, c, "    ");
    for (size_t i = 0; i < d->g->n_nodes; i++)
        if (d->g->nodes[i].gen == gen && d->scc[i] == 0)
            node_line(d, i, "    ");
    fputs("  }\n", d->f);
}

static void
variables(dot_ctx *d)
{
    const gcs_fmt_graph *g = d->g;
    for (size_t i = 0; i < g->n_vars; i++) {
        if (i == 0 || g->vars[i].frame != g->vars[i - 1].frame) {
            if (i > 0)
                fputs("  }\n", d->f);
            fprintf(d->f, "  subgraph cluster_frame%" PRIu64 " {\n    label=", g->vars[i].frame);
            gcs_fmt_dot_string(d->f, g->vars[i].frame_name ? g->vars[i].frame_name : "frame");
            fputs("; style=dashed; color=\"#888888\";\n", d->f);
        }
        fprintf(d->f, "    \"v%zu\" [label=", i);
        gcs_fmt_dot_string(d->f, g->vars[i].name);
        fputs(", shape=box, style=filled, fillcolor=\"#fffbe0\"];\n", d->f);
    }
    if (g->n_vars > 0)
        fputs("  }\n", d->f);
}

static void
edge_line(dot_ctx *d, const gcs_fmt_edge *e, long si, long di)
{
    fprintf(d->f, "  \"o%" PRIu64 "\" -> \"o%" PRIu64 "\" [", e->src, e->dst);
    if (e->slot) {
        fputs("label=", d->f);
        gcs_fmt_dot_string(d->f, e->slot);
        fputs(", ", d->f);
    }
    if (e->weak)
        fputs("style=dashed, arrowhead=odot", d->f);
    else if (d->scc[si] && d->scc[si] == d->scc[di])
        fprintf(d->f, "color=\"%s\", penwidth=2, weight=10",
                cycle_edge[(size_t)(d->scc[si] - 1) % N_HUES]);
    else
        fputs("weight=2", d->f);
    fputs("];\n", d->f);
}

static void
edges(dot_ctx *d, size_t max_out)
{
    const gcs_fmt_graph *g = d->g;
    size_t *out = xcalloc(g->n_nodes + 1, sizeof *out);
    for (size_t e = 0; e < g->n_edges; e++) {
        long si = find_node(d->st, g->edges[e].src);
        long di = find_node(d->st, g->edges[e].dst);
        if (si < 0 || di < 0)
            continue; /* an end is not in the graph (freed or cut off) */
        if (max_out && out[si] >= max_out) {
            out[si]++;
            continue;
        }
        out[si]++;
        edge_line(d, &g->edges[e], si, di);
    }
    for (size_t i = 0; i < g->n_nodes; i++)
        if (max_out && out[i] > max_out)
            fprintf(d->f,
                    "  \"too_many_o%" PRIu64 "\" [label=\"%zu more references\", color=red, "
                    "style=dotted, fillcolor=white];\n  \"o%" PRIu64 "\" -> \"too_many_o%" PRIu64
                    "\" [color=red, style=dotted];\n",
                    g->nodes[i].id, out[i] - max_out, g->nodes[i].id, g->nodes[i].id);
    for (size_t i = 0; i < g->n_vars; i++)
        if (find_node(d->st, g->vars[i].obj) >= 0)
            fprintf(d->f, "  \"v%zu\" -> \"o%" PRIu64 "\" [weight=10];\n", i, g->vars[i].obj);
    free(out);
}

/* Cycle number -> its members' generation, or -2 if they are spread out. */
static int *
cycle_gens(const gcs_fmt_graph *g, const int *scc, int n_cycles)
{
    int *cg = xmalloc((size_t)(n_cycles + 1) * sizeof *cg);
    for (int c = 0; c <= n_cycles; c++)
        cg[c] = -3; /* no member seen */
    for (size_t i = 0; i < g->n_nodes; i++) {
        int c = scc[i];
        if (c == 0)
            continue;
        cg[c] = cg[c] == -3 || cg[c] == g->nodes[i].gen ? g->nodes[i].gen : -2;
    }
    return cg;
}

/* Counting sort of the nodes by cycle number, so each cycle's cluster is
 * written in time proportional to its size. */
static void
group_cycles(dot_ctx *d)
{
    size_t n = d->g->n_nodes, nc = (size_t)d->n_cycles;
    d->cycle_start = xcalloc(nc + 2, sizeof *d->cycle_start);
    d->members = xmalloc((n + 1) * sizeof *d->members);
    for (size_t i = 0; i < n; i++)
        d->cycle_start[d->scc[i] + 1]++;
    for (size_t c = 0; c <= nc; c++)
        d->cycle_start[c + 1] += d->cycle_start[c];
    size_t *fill = xcalloc(nc + 1, sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)d->scc[i];
        d->members[d->cycle_start[c] + fill[c]++] = i;
    }
    free(fill);
}

void
gcs_fmt_dot(FILE *f, const gcs_fmt_graph *g, size_t max_out)
{
    int *scc = xcalloc(g->n_nodes + 1, sizeof *scc);
    strong st = strong_graph(g);
    dot_ctx d = {f, g, scc, 0, NULL, &st, NULL, NULL};
    d.n_cycles = number_cycles(g, &st, scc);
    d.cycle_gen = cycle_gens(g, scc, d.n_cycles);
    group_cycles(&d);
    char title[512];
    snprintf(title, sizeof title, "%s after event #%" PRIu64 ": %zu objects, %d cycle%s",
             g->source ? gcs_fmt_basename(g->source) : "trace", g->at_event, g->n_nodes, d.n_cycles,
             d.n_cycles == 1 ? "" : "s");
    fputs("digraph ObjectGraph {\n  graph [labelloc=t, fontname=\"Helvetica\", label=", f);
    gcs_fmt_dot_string(f, title);
    fputs("];\n  node [shape=box, style=\"rounded,filled\", fillcolor=white, "
          "fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
          f);
    variables(&d);
    for (int gen = 0; gen <= GCS_FMT_NGEN; gen++)
        gen_cluster(&d, gen);
    gen_cluster(&d, -1);
    for (int c = 1; c <= d.n_cycles; c++)
        if (d.cycle_gen[c] < -1 || d.cycle_gen[c] > GCS_FMT_NGEN)
            cycle_cluster(&d, c, "  "); /* spans generations: outside the lanes */
    for (size_t i = 0; i < g->n_nodes; i++) {
        int gen = g->nodes[i].gen;
        if (scc[i] == 0 && (gen < -1 || gen > GCS_FMT_NGEN))
            node_line(&d, i, "  "); /* unknown lane */
    }
    edges(&d, max_out);
    fputs("}\n", f);
    free(d.cycle_gen);
    strong_free(&st);
    free(d.members);
    free(d.cycle_start);
    free(scc);
}
