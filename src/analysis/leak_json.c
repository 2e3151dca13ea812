/* src/analysis/leak_json.c — the machine-readable leak report (one JSON
 * object, schema in docs/leaks.md) and the suppression entries printed by
 * --gen-suppressions. Both walk the same records as the text report; suppressed
 * records are left out and "owner" refers to the "index" of an emitted record.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "leak_int.h"

static void
jstr(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void
jsite(FILE *f, const gcs_site *s)
{
    if (s->file == NULL && s->func == NULL) {
        fputs("null", f);
        return;
    }
    fputs("{\"file\": ", f);
    jstr(f, s->file);
    fputs(", \"func\": ", f);
    jstr(f, s->func);
    fprintf(f, ", \"line\": %d}", s->line);
}

static void
jcount(FILE *f, const char *name, gcs_leak_count c)
{
    fprintf(f, "\"%s\": {\"objects\": %" PRIu64 ", \"bytes\": %" PRIu64 "}", name, c.objects,
            c.bytes);
}

static void
jobj(FILE *f, const gcs_hg *g, uint32_t v)
{
    fprintf(f, "{\"id\": %" PRIu64 ", \"type\": ", g->nodes[v].id);
    jstr(f, g->nodes[v].type);
    fputs(", \"site\": ", f);
    jsite(f, &g->sites[g->nodes[v].site]);
    fputc('}', f);
}

static void
write_summary(const gcs_leak_report *r, FILE *f)
{
    const gcs_leak_summary *s = &r->sum;
    fputs("  \"summary\": {", f);
    for (int k = 0; k < GCS_LEAK_ERROR; k++) {
        jcount(f, gcs_leak_kind_name((gcs_leak_kind)k), s->by_kind[k]);
        fputs(", ", f);
    }
    fprintf(f,
            "\"errors\": %" PRIu64 ", \"cycles\": %" PRIu64 ", \"refs_unaccounted\": %" PRIu64 ", ",
            s->by_kind[GCS_LEAK_ERROR].objects, s->cycles, s->refs_unaccounted);
    fprintf(f,
            "\"suppressed\": {\"objects\": %" PRIu64 ", \"bytes\": %" PRIu64
            ", \"records\": %" PRIu64 "}, ",
            s->suppressed.objects, s->suppressed.bytes, s->suppressed_records);
    fprintf(f, "\"live\": {\"objects\": %" PRIu64 ", \"bytes\": %" PRIu64 "}, ", s->live_objects,
            s->live_bytes);
    fprintf(f, "\"leaks_found\": %s},\n", s->leaks_found ? "true" : "false");
}

static void
write_path(const gcs_leak_report *r, FILE *f, uint32_t v)
{
    const gcs_hg *g = r->g;
    uint32_t nodes[64];
    size_t max = r->opt.max_members < 64 ? r->opt.max_members : 64;
    size_t len = gcs_la_path(&r->a, v, nodes, max);
    uint32_t first = nodes[0];
    fputs(", \"path\": {\"root\": ", f);
    if (r->a.root[first] != GCS_HG_NONE) {
        const gcs_hg_root *rt = &g->roots[r->a.root[first]];
        fprintf(f, "{\"frame_id\": %" PRIu64 ", \"frame\": ", rt->frame_id);
        jstr(f, rt->frame);
        fputs(", \"var\": ", f);
        jstr(f, rt->var);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    fprintf(f, ", \"length\": %zu, \"steps\": [", len);
    for (size_t k = 0; k < len && k < max; k++) {
        fprintf(f, "%s{\"id\": %" PRIu64 ", \"type\": ", k ? ", " : "", g->nodes[nodes[k]].id);
        jstr(f, g->nodes[nodes[k]].type);
        fputs(", \"slot\": ", f);
        jstr(f, k ? gcs_la_slot(g, nodes[k - 1], nodes[k]) : NULL);
        fputc('}', f);
    }
    fputs("]}", f);
}

static void
write_cycles(const gcs_leak_report *r, FILE *f, const gcs_leak_rec_priv *p)
{
    const gcs_hg *g = r->g;
    const gcs_leak_analysis *a = &r->a;
    size_t max = r->opt.max_members < 64 ? r->opt.max_members : 64;
    fputs(", \"examples\": [", f);
    for (size_t k = 0; k < p->n_examples; k++) {
        uint32_t leader = p->examples[k], s = a->scc[leader], loop[64];
        size_t len = gcs_la_loop(a, leader, loop, max);
        fprintf(f, "%s{\"size\": %u, \"loop\": [", k ? ", " : "",
                s == GCS_HG_NONE ? 1 : a->scc_size[s]);
        for (size_t i = 0; i < len && i < max; i++) {
            uint32_t next = i + 1 < len && i + 1 < max ? loop[i + 1] : leader;
            fprintf(f, "%s{\"id\": %" PRIu64 ", \"slot\": ", i ? ", " : "", g->nodes[loop[i]].id);
            jstr(f, gcs_la_slot(g, loop[i], next));
            fputc('}', f);
        }
        fputs("], \"members\": [", f);
        size_t shown = 0;
        for (uint32_t v = leader; s != GCS_HG_NONE && v < g->n_nodes && shown < max; v++) {
            if (a->scc[v] != s)
                continue;
            fputs(shown++ ? ", " : "", f);
            jobj(f, g, v);
        }
        fputs("]}", f);
    }
    fputc(']', f);
}

static void
write_culprits(const gcs_leak_report *r, FILE *f, const gcs_leak_rec_priv *p)
{
    static const char *const ops[] = {"new", "incref", "store", "decref", "unstore"};
    fputs(", \"culprits\": ", f);
    if (!r->g->has_history) {
        fputs("null", f);
        return;
    }
    fputc('[', f);
    for (size_t i = 0; i < p->n_culprits; i++) {
        const gcs_la_culprit *c = &p->culprits[i];
        fprintf(f, "%s{\"op\": \"%s\", \"site\": ", i ? ", " : "", ops[c->op % 5]);
        jsite(f, &r->g->sites[c->site]);
        fprintf(f, ", \"event\": %" PRIu64 ", \"count\": %" PRIu64 "}", c->event, c->count);
    }
    fputc(']', f);
}

static void
write_errors(const gcs_leak_report *r, FILE *f, const gcs_leak_rec_priv *p)
{
    const gcs_hg *g = r->g;
    fputs(", \"examples\": [", f);
    for (size_t i = 0; i < p->n_examples; i++) {
        fputs(i ? ", " : "", f);
        if (p->code == 0) {
            uint32_t v = p->examples[i];
            fprintf(f,
                    "{\"obj\": %" PRIu64 ", \"refcnt\": %" PRId64 ", \"references\": %" PRId64 "}",
                    g->nodes[v].id, g->nodes[v].refcnt, g->nodes[v].refcnt - r->a.unexplained[v]);
        } else {
            const gcs_hg_error *e = &g->errors[p->examples[i]];
            fprintf(f, "{\"event\": %" PRIu64 ", \"obj\": %" PRIu64 ", \"code\": ", e->event,
                    e->obj);
            jstr(f, gcs_err_name(e->code));
            fputs(", \"detail\": ", f);
            jstr(f, e->detail);
            fputc('}', f);
        }
    }
    fputc(']', f);
}

static void
write_record(const gcs_leak_report *r, FILE *f, size_t i, size_t index, const size_t *emitted)
{
    const gcs_leak_record *x = &r->recs[i];
    const gcs_leak_rec_priv *p = &r->priv[i];
    fprintf(f, "    {\"index\": %zu, \"kind\": \"%s\", \"type\": ", index,
            gcs_leak_kind_name(x->kind));
    jstr(f, x->type);
    fputs(", \"site\": ", f);
    jsite(f, &x->site);
    fprintf(f,
            ", \"objects\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"indirect_objects\": %" PRIu64
            ", \"indirect_bytes\": %" PRIu64,
            x->objects, x->bytes, x->indirect_objects, x->indirect_bytes);
    if (x->kind == GCS_LEAK_INDIRECT)
        fprintf(f, ", \"owner\": %zu, \"shared\": %s", emitted[x->owner],
                p->shared ? "true" : "false");
    switch (x->kind) {
    case GCS_LEAK_CYCLE:
        fprintf(f, ", \"cycles\": %" PRIu64, x->cycles);
        write_cycles(r, f, p);
        break;
    case GCS_LEAK_UNCOLLECTABLE:
        fputs(", \"reason\": ", f);
        jstr(f, x->reason);
        fprintf(f, ", \"example\": %" PRIu64, x->example_id);
        break;
    case GCS_LEAK_REFLEAK:
        fprintf(f, ", \"refs_unaccounted\": %" PRIu64 ", \"example\": %" PRIu64,
                x->refs_unaccounted, x->example_id);
        write_path(r, f, p->examples[0]);
        write_culprits(r, f, p);
        break;
    case GCS_LEAK_REACHABLE:
    case GCS_LEAK_INDIRECT:
        fprintf(f, ", \"example\": %" PRIu64, x->example_id);
        write_path(r, f, p->examples[0]);
        break;
    case GCS_LEAK_ERROR:
        write_errors(r, f, p);
        break;
    case GCS_LEAK__COUNT:
        break;
    }
    fputc('}', f);
}

int
gcs_leak_write_json(const gcs_leak_report *r, FILE *f)
{
    size_t *emitted = malloc((r->n_recs + 1) * sizeof *emitted);
    if (emitted == NULL)
        return GCS_ENOMEM;
    fputs("{\n  \"format\": \"gcscope-leaks\", \"version\": 1, \"source\": ", f);
    jstr(f, r->source);
    if (r->sum.at_event == UINT64_MAX)
        fputs(", \"at_event\": null", f);
    else
        fprintf(f, ", \"at_event\": %" PRIu64, r->sum.at_event);
    fprintf(f, ", \"history\": %s, \"pairing_rule\": ", r->sum.history ? "true" : "false");
    jstr(f, gcs_la_pairing_rule);
    fputs(",\n", f);
    write_summary(r, f);
    fputs("  \"records\": [\n", f);
    size_t n = 0;
    for (size_t i = 0; i < r->n_recs; i++) {
        if (r->recs[i].suppressed)
            continue;
        emitted[i] = n;
        fputs(n ? ",\n" : "", f);
        write_record(r, f, i, n++, emitted);
    }
    fputs("\n  ]\n}\n", f);
    free(emitted);
    return ferror(f) ? GCS_EIO : 0;
}

int
gcs_leak_write_supp(const gcs_leak_report *r, FILE *f)
{
    for (size_t i = 0; i < r->n_recs; i++) {
        const gcs_leak_record *x = &r->recs[i];
        if (x->suppressed || x->kind == GCS_LEAK_INDIRECT || x->kind == GCS_LEAK_REACHABLE)
            continue;
        const char *file = x->site.file ? strrchr(x->site.file, '/') : NULL;
        file = file ? file + 1 : x->site.file ? x->site.file : "?";
        fprintf(f, "{\n   %s-%s-%s-%d\n   kind: %s\n   type: %s\n", gcs_leak_kind_name(x->kind),
                x->type, file, x->site.line, gcs_leak_kind_name(x->kind), x->type);
        if (x->site.file)
            fprintf(f, "   site: *%s:%d\n", file, x->site.line);
        if (x->site.func)
            fprintf(f, "   func: %s\n", x->site.func);
        fputs("}\n", f);
    }
    return ferror(f) ? GCS_EIO : 0;
}
