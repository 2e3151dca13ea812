/* src/analysis/leak_marks.c — the per-object side of a leak report, for
 * views that mark objects (the viewer's red outlines, `render --focus leaks`):
 * the class of each analysed object, its cycle and its owner, straight from
 * the classification the report was built from, so a picture outlines exactly
 * the objects `gcscope leaks` counts. Also the one-call analysis of a trace at
 * an event, the same steps `gcscope leaks --at` takes.
 */
#include <string.h>

#include "analysis/adapters.h"
#include "gcscope/errors.h"
#include "gcscope/leaks.h"
#include "leak_int.h"

int
gcs_leak_check_replay(gcs_replay *r, uint64_t pos, bool with_history, const gcs_leak_options *opt,
                      const char *source, gcs_leak_report **out)
{
    *out = NULL;
    gcs_hg *g;
    int rc = gcs_hg_from_replay(r, pos, with_history, &g);
    if (rc != 0)
        return gcs_leak_set_err(rc, "%s: building the heap after %llu events: %s",
                                source ? source : "trace", (unsigned long long)pos,
                                gcs_strerror(rc));
    return gcs_leak_analyze(g, opt, source ? source : "trace", out);
}

size_t
gcs_leak_report_n_objects(const gcs_leak_report *r)
{
    return r->g->n_nodes;
}

int
gcs_leak_report_object_at(const gcs_leak_report *r, size_t k, gcs_leak_object *out)
{
    memset(out, 0, sizeof *out);
    if (k >= r->g->n_nodes)
        return GCS_EINDEX;
    const gcs_leak_analysis *a = &r->a;
    out->id = r->g->nodes[k].id;
    out->kind = (gcs_leak_kind)a->cls[k];
    if (a->scc[k] != GCS_HG_NONE && gcs_la_scc_is_cycle(a, a->scc[k]))
        out->cycle = r->g->nodes[a->scc_leader[a->scc[k]]].id;
    if (out->kind == GCS_LEAK_INDIRECT && a->owner[k] != GCS_HG_NONE)
        out->owner = r->g->nodes[a->owner[k]].id;
    return 0;
}

int
gcs_leak_report_object(const gcs_leak_report *r, uint64_t id, gcs_leak_object *out)
{
    uint32_t k = gcs_hg_find(r->g, id);
    if (k == GCS_HG_NONE) {
        memset(out, 0, sizeof *out);
        return GCS_ENOTFOUND;
    }
    return gcs_leak_report_object_at(r, k, out);
}
