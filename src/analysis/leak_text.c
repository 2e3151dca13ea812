/* src/analysis/leak_text.c — the human leak report: a summary block, then one
 * block per loss record (most bytes first), each with a path: for a cycle the
 * loop and where each member was allocated, for an indirect leak the chain
 * from its leaked owner, for a reference leak the unpaired increfs. Lines are
 * wrapped at 80 columns (a word longer than a line is kept whole).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "leak_int.h"

#define WIDTH 80

/* {==== Word wrapping ====} */

typedef struct out {
    FILE *f;
    int col;
    int indent; /* continuation indent */
    bool bol;   /* at the beginning of a line: the indent is not written yet */
    bool fresh; /* no word on this line yet */
} out;

static void
newline(out *o)
{
    fputc('\n', o->f);
    o->col = 0;
    o->bol = true;
    o->fresh = true;
}

/* Append one unbreakable piece, wrapping before it if it does not fit. */
static void
piece(out *o, const char *s)
{
    int n = (int)strlen(s);
    bool space = !o->fresh && s[0] != '\0';
    if (!o->bol && o->col > o->indent && o->col + n + (space ? 1 : 0) > WIDTH) {
        newline(o);
        space = false;
    }
    if (o->bol) {
        fprintf(o->f, "%*s", o->indent, "");
        o->col = o->indent;
        o->bol = false;
        space = false;
    }
    if (space) {
        fputc(' ', o->f);
        o->col++;
    }
    fputs(s, o->f);
    o->col += n;
    o->fresh = false;
}

/* printf-style text, wrapped at spaces. */
static void wrapf(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
wrapf(out *o, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (char *w = strtok(buf, " "); w; w = strtok(NULL, " "))
        piece(o, w);
}

/* Start a paragraph with a first-line indent and a continuation indent. */
static void
para(out *o, int first, int cont)
{
    if (!o->bol)
        newline(o);
    fprintf(o->f, "%*s", first, "");
    o->col = first;
    o->bol = false;
    o->fresh = true;
    o->indent = cont;
}

/* {==== Names ====} */

static const char *
base(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path ? path : "?";
}

static void
fmt_site(char *buf, size_t size, const gcs_site *s)
{
    if (s->file == NULL && s->func == NULL)
        snprintf(buf, size, "an unknown site");
    else if (s->func)
        snprintf(buf, size, "%s:%d in %s()", base(s->file), s->line, s->func);
    else
        snprintf(buf, size, "%s:%d", base(s->file), s->line);
}

static void
fmt_obj(char *buf, size_t size, const gcs_hg *g, uint32_t v)
{
    snprintf(buf, size, "%s#%" PRIu64, g->nodes[v].type, g->nodes[v].id);
}

static const char *
plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static const char *const titles[GCS_LEAK__COUNT] = {"still reachable", "cyclic garbage",
                                                    "uncollectable",   "reference leak",
                                                    "indirectly lost", "error"};

/* {==== Summary ====} */

static void
summary_line(out *o, const char *what, gcs_leak_count c, const char *extra)
{
    para(o, 3, 6);
    fprintf(o->f, "%-17s %8" PRIu64 " %-7s %10" PRIu64 " bytes%s", what, c.objects,
            plural(c.objects, "object", "objects"), c.bytes, extra ? extra : "");
    newline(o);
}

static void
write_summary(const gcs_leak_report *r, out *o)
{
    const gcs_leak_summary *s = &r->sum;
    char extra[128];
    if (s->at_event == UINT64_MAX)
        fprintf(o->f, "gcscope leak report: %s\n", r->source);
    else
        fprintf(o->f, "gcscope leak report: %s, state after %" PRIu64 " events\n", r->source,
                s->at_event);
    fprintf(o->f, "== LEAK SUMMARY =================================================="
                  "==============\n");
    o->bol = true;
    snprintf(extra, sizeof extra, ", %" PRIu64 " %s unaccounted", s->refs_unaccounted,
             plural(s->refs_unaccounted, "ref", "refs"));
    summary_line(o, "reference leaks:", s->by_kind[GCS_LEAK_REFLEAK], extra);
    summary_line(o, "indirectly lost:", s->by_kind[GCS_LEAK_INDIRECT], NULL);
    snprintf(extra, sizeof extra, " in %" PRIu64 " %s", s->cycles,
             plural(s->cycles, "cycle", "cycles"));
    summary_line(o, "cyclic garbage:", s->by_kind[GCS_LEAK_CYCLE], extra);
    summary_line(o, "uncollectable:", s->by_kind[GCS_LEAK_UNCOLLECTABLE], NULL);
    summary_line(o, "still reachable:", s->by_kind[GCS_LEAK_REACHABLE], NULL);
    snprintf(extra, sizeof extra, " in %" PRIu64 " %s", s->suppressed_records,
             plural(s->suppressed_records, "record", "records"));
    summary_line(o, "suppressed:", s->suppressed, extra);
    para(o, 3, 6);
    fprintf(o->f, "%-17s %8" PRIu64, "errors:", s->by_kind[GCS_LEAK_ERROR].objects);
    newline(o);
    para(o, 3, 6);
    if (s->history)
        wrapf(o, "refcount history: available");
    else
        wrapf(o, "refcount history: not recorded, so no culprits are named (record a trace "
                 "and run 'gcscope leaks' on it)");
    newline(o);
    if (!s->leaks_found)
        fprintf(o->f, "No leaks found.\n");
}

/* {==== Records ====} */

static void
write_path(const gcs_leak_report *r, out *o, const char *label, uint32_t v)
{
    const gcs_hg *g = r->g;
    const gcs_leak_analysis *a = &r->a;
    size_t max = r->opt.max_members;
    uint32_t nodes[64];
    if (max > 64)
        max = 64;
    size_t len = gcs_la_path(a, v, nodes, max);
    char buf[256];
    para(o, 4, 8);
    wrapf(o, "%s", label);
    uint32_t first = nodes[0];
    if (a->root[first] != GCS_HG_NONE) {
        const gcs_hg_root *rt = &g->roots[a->root[first]];
        snprintf(buf, sizeof buf, "var '%s' in %s ->", rt->var, rt->frame);
        wrapf(o, "%s", buf);
    } else if (a->cls[first] == GCS_LEAK_REACHABLE) {
        piece(o, "(held by the runtime)");
    }
    for (size_t k = 0; k < len && k < max; k++) {
        if (k > 0) {
            snprintf(buf, sizeof buf, "-[%s]->", gcs_la_slot(g, nodes[k - 1], nodes[k]));
            piece(o, buf);
        }
        fmt_obj(buf, sizeof buf, g, nodes[k]);
        piece(o, buf);
    }
    if (len > max) {
        snprintf(buf, sizeof buf, "... (%zu more) -> ", len - max);
        wrapf(o, "%s", buf);
        fmt_obj(buf, sizeof buf, g, v);
        piece(o, buf);
    }
    newline(o);
}

static void
write_cycle(const gcs_leak_report *r, out *o, size_t k, uint32_t leader)
{
    const gcs_hg *g = r->g;
    const gcs_leak_analysis *a = &r->a;
    uint32_t nodes[64];
    size_t max = r->opt.max_members < 64 ? r->opt.max_members : 64;
    size_t len = gcs_la_loop(a, leader, nodes, max);
    uint32_t s = a->scc[leader];
    char buf[256];
    para(o, 4, 8);
    wrapf(o, "cycle %zu (%u %s): loop", k + 1, a->scc_size[s],
          plural(a->scc_size[s], "member", "members"));
    size_t shown_loop = len < max ? len : max;
    for (size_t i = 0; i < shown_loop; i++) {
        fmt_obj(buf, sizeof buf, g, nodes[i]);
        piece(o, buf);
        uint32_t next = i + 1 < shown_loop ? nodes[i + 1] : leader;
        if (i + 1 < shown_loop || len <= max) {
            snprintf(buf, sizeof buf, "-[%s]->", gcs_la_slot(g, nodes[i], next));
            piece(o, buf);
        }
    }
    if (len > max)
        wrapf(o, "-> ... (%zu more) ->", len - max);
    fmt_obj(buf, sizeof buf, g, leader);
    piece(o, buf);
    newline(o);
    /* members and where each was allocated (the first max_members) */
    size_t shown = 0;
    for (uint32_t v = leader; v < g->n_nodes && shown < max; v++) {
        if (a->scc[v] != s)
            continue;
        char obj[128], site[256];
        fmt_obj(obj, sizeof obj, g, v);
        fmt_site(site, sizeof site, &g->sites[g->nodes[v].site]);
        para(o, 6, 10);
        wrapf(o, "%s allocated at %s", obj, site);
        newline(o);
        shown++;
    }
    if (a->scc_size[s] > shown) {
        para(o, 6, 10);
        wrapf(o, "... and %zu more members", (size_t)a->scc_size[s] - shown);
        newline(o);
    }
}

static void
write_culprits(const gcs_leak_report *r, out *o, const gcs_leak_rec_priv *p)
{
    char site[256];
    if (!r->g->has_history) {
        para(o, 4, 6);
        wrapf(o, "culprit: unknown (no refcount history; run 'gcscope leaks' on a trace)");
        newline(o);
        return;
    }
    para(o, 4, 6);
    wrapf(o, "unpaired increfs (likely culprits), latest first:");
    newline(o);
    for (size_t i = 0; i < p->n_culprits; i++) {
        const gcs_la_culprit *c = &p->culprits[i];
        fmt_site(site, sizeof site, &r->g->sites[c->site]);
        para(o, 6, 10);
        wrapf(o, "%s at %s, event %" PRIu64 " (%" PRIu64 " %s)",
              c->op == GCS_HGOP_NEW     ? "new reference"
              : c->op == GCS_HGOP_STORE ? "store"
                                        : "incref",
              site, c->event, c->count, plural(c->count, "time", "times"));
        newline(o);
    }
    if (p->n_culprits == 0) {
        para(o, 6, 10);
        wrapf(o, "none left unpaired (history incomplete or truncated)");
        newline(o);
    }
    para(o, 4, 6);
    wrapf(o, "pairing: %s", gcs_la_pairing_rule);
    newline(o);
}

static void
write_error(const gcs_leak_report *r, out *o, const gcs_leak_record *x, const gcs_leak_rec_priv *p)
{
    const gcs_hg *g = r->g;
    for (size_t i = 0; i < p->n_examples; i++) {
        para(o, 4, 8);
        if (p->code == 0) {
            uint32_t v = p->examples[i];
            wrapf(o,
                  "%s#%" PRIu64 ": refcount %" PRId64 " but %" PRId64
                  " references point to it (over-released)",
                  g->nodes[v].type, g->nodes[v].id, g->nodes[v].refcnt,
                  g->nodes[v].refcnt - r->a.unexplained[v]);
        } else {
            const gcs_hg_error *e = &g->errors[p->examples[i]];
            wrapf(o, "event %" PRIu64 ": object #%" PRIu64 "%s%s", e->event, e->obj,
                  e->detail ? ": " : "", e->detail ? e->detail : "");
        }
        newline(o);
    }
    (void)x;
}

static void
write_header(const gcs_leak_report *r, out *o, size_t i, const size_t *shown)
{
    const gcs_leak_record *x = &r->recs[i];
    char head[128], site[256];
    if (x->kind == GCS_LEAK_INDIRECT)
        snprintf(head, sizeof head, "-- record %zu: %s, under record %zu ", shown[i],
                 titles[x->kind], shown[x->owner]);
    else
        snprintf(head, sizeof head, "-- record %zu: %s ", shown[i], titles[x->kind]);
    if (!o->bol)
        newline(o);
    fprintf(o->f, "\n%s", head);
    for (size_t k = strlen(head); k < WIDTH; k++)
        fputc('-', o->f);
    newline(o);
    fmt_site(site, sizeof site, &x->site);
    para(o, 0, 4);
    if (x->kind == GCS_LEAK_ERROR)
        wrapf(o, "%" PRIu64 " %s %s at %s", x->objects, x->type,
              plural(x->objects, "error", "errors"), site);
    else
        wrapf(o, "%" PRIu64 " bytes in %" PRIu64 " %s %s allocated at %s", x->bytes, x->objects,
              x->type, plural(x->objects, "object", "objects"), site);
    newline(o);
    if (x->indirect_objects) {
        para(o, 2, 4);
        wrapf(o, "+ %" PRIu64 " bytes in %" PRIu64 " %s kept alive only by %s (indirect)",
              x->indirect_bytes, x->indirect_objects,
              plural(x->indirect_objects, "object", "objects"), plural(x->objects, "it", "them"));
        newline(o);
    }
}

static void
write_body(const gcs_leak_report *r, out *o, size_t i)
{
    const gcs_leak_record *x = &r->recs[i];
    const gcs_leak_rec_priv *p = &r->priv[i];
    const gcs_hg *g = r->g;
    char obj[128];
    switch (x->kind) {
    case GCS_LEAK_REACHABLE:
        write_path(r, o, "path:", p->examples[0]);
        break;
    case GCS_LEAK_CYCLE:
        para(o, 2, 4);
        wrapf(o, "%" PRIu64 " %s; unreachable, a full collection would free %s but none ran",
              x->cycles, plural(x->cycles, "cycle", "cycles"), plural(x->objects, "it", "them"));
        newline(o);
        if (p->n_examples && (g->nodes[p->examples[0]].flags & GCS_HGF_FROZEN)) {
            para(o, 2, 4);
            wrapf(o, "frozen (gc.freeze): the collector never looks at them until "
                     "gc.unfreeze()");
            newline(o);
        }
        for (size_t k = 0; k < p->n_examples; k++)
            write_cycle(r, o, k, p->examples[k]);
        break;
    case GCS_LEAK_UNCOLLECTABLE:
        para(o, 2, 4);
        wrapf(o, "reason: %s", x->reason ? x->reason : "?");
        newline(o);
        break;
    case GCS_LEAK_REFLEAK:
        para(o, 2, 4);
        fmt_obj(obj, sizeof obj, g, p->examples[0]);
        wrapf(o,
              "%" PRIu64 " %s unaccounted for: the refcount is higher than the references "
              "from live objects and variables (e.g. %s: refcount %" PRId64 ", %" PRId64
              " explained)",
              x->refs_unaccounted, plural(x->refs_unaccounted, "reference", "references"), obj,
              g->nodes[p->examples[0]].refcnt,
              g->nodes[p->examples[0]].refcnt - r->a.unexplained[p->examples[0]]);
        newline(o);
        if (r->a.parent[p->examples[0]] != GCS_HG_NONE || r->a.root[p->examples[0]] != GCS_HG_NONE)
            write_path(r, o, "still reachable, path:", p->examples[0]);
        write_culprits(r, o, p);
        break;
    case GCS_LEAK_INDIRECT:
        if (p->shared) {
            para(o, 2, 4);
            wrapf(o, "(some are also reachable from other leaked objects)");
            newline(o);
        }
        write_path(r, o, "path from its owner:", p->examples[0]);
        break;
    case GCS_LEAK_ERROR:
        write_error(r, o, x, p);
        break;
    case GCS_LEAK__COUNT:
        break;
    }
}

int
gcs_leak_write_text(const gcs_leak_report *r, FILE *f)
{
    out o = {f, 0, 0, true, true};
    size_t *shown = calloc(r->n_recs + 1, sizeof *shown), n = 0;
    if (shown == NULL)
        return GCS_ENOMEM;
    write_summary(r, &o);
    for (size_t i = 0; i < r->n_recs; i++) {
        if (r->recs[i].suppressed)
            continue;
        shown[i] = ++n;
        write_header(r, &o, i, shown);
        write_body(r, &o, i);
    }
    free(shown);
    if (o.col)
        newline(&o);
    return ferror(f) ? GCS_EIO : 0;
}
