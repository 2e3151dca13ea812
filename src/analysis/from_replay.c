/* src/analysis/from_replay.c — heap graph of a trace at an event, through the
 * replay model (gcscope/replay.h): the objects alive after `pos` events, their
 * strong references, the frames' variables, and (optionally) the refcount
 * history and ERROR events, fed through the same recorder the in-process report
 * uses, so both pair increfs identically. Runtime-owned objects are left out
 * by the rules in adapters.h. References are added without their slot labels
 * (8 bytes each on a big trace): the report labels the few nodes it prints
 * through the graph's labeller, which reads them back from the replay.
 */
#include <stdlib.h>

#include "analysis/adapters.h"
#include "gcscope/errors.h"
#include "gcscope/replay.h"

/* Runtime-owned, as far as a trace can tell: singletons by kind, the empty
 * tuple, cached ints by label, the two lists the heap makes for itself (no
 * allocation site, among its first objects), and objects allocated before
 * recording started. */
static bool
runtime_owned(const gcs_replay_obj *o)
{
    if (o->alloc_event == UINT64_MAX)
        return true;
    switch ((gcs_kind)o->kind) {
    case GCS_KIND_NONE:
    case GCS_KIND_BOOL:
        return true;
    case GCS_KIND_TUPLE:
        return o->n_refs_out == 0;
    case GCS_KIND_INT:
        return gcs_hg_is_cached_int_label(o->label);
    case GCS_KIND_LIST:
        return o->alloc_site == NULL && o->id <= 16;
    case GCS_KIND_STR:
    case GCS_KIND_DICT:
    case GCS_KIND_CLASS:
    case GCS_KIND_INSTANCE:
    case GCS_KIND_WEAKREF:
    case GCS_KIND_CFUNC:
    case GCS_KIND_USER:
    case GCS_KIND__COUNT:
        break;
    }
    return false;
}

static unsigned
node_flags(const gcs_replay_obj *o, bool saveall)
{
    unsigned f = 0;
    if (o->tracked)
        f |= GCS_HGF_TRACKED;
    if (o->finalized)
        f |= GCS_HGF_FINALIZED;
    if (o->gen == GCS_REPLAY_GEN_PERMANENT)
        f |= GCS_HGF_FROZEN;
    if (o->in_garbage)
        f |= GCS_HGF_IN_GARBAGE | (saveall ? GCS_HGF_SAVEALL : 0);
    return f;
}

/* Reserve exactly the nodes and references add_objects() adds (a first pass
 * over the model: the graph's arrays are then never regrown nor oversized). */
static int
reserve_objects(gcs_replay *r, gcs_hg *g, size_t n)
{
    size_t nodes = 0, edges = 0;
    for (size_t k = 0; k < n; k++) {
        gcs_replay_obj o;
        int rc = gcs_replay_object_at(r, k, &o);
        if (rc != 0)
            return rc;
        if (!o.alive || runtime_owned(&o))
            continue;
        nodes++;
        edges += o.n_refs_out;
    }
    (void)gcs_hg_reserve(g, nodes, edges); /* a hint; failure is harmless */
    return 0;
}

static int
add_objects(gcs_replay *r, gcs_hg *g)
{
    gcs_replay_gc_config cfg;
    gcs_replay_gc_config_at(r, &cfg);
    bool saveall = (cfg.debug & GCS_DEBUG_SAVEALL) != 0;
    size_t n = gcs_replay_n_objects(r);
    int rc0 = reserve_objects(r, g, n);
    if (rc0 != 0)
        return rc0;
    for (size_t k = 0; k < n; k++) {
        gcs_replay_obj o;
        int rc = gcs_replay_object_at(r, k, &o);
        if (rc != 0)
            return rc;
        if (!o.alive || runtime_owned(&o))
            continue;
        rc = gcs_hg_add_node(g, o.id, o.type, o.kind, o.refcnt, o.size, o.alloc_site,
                             node_flags(&o, saveall), NULL);
        for (size_t e = 0; rc == 0 && e < o.n_refs_out; e++) {
            gcs_replay_ref ref;
            rc = gcs_replay_ref_out(r, o.id, e, &ref);
            if (rc == 0)
                rc = gcs_hg_add_edge(g, ref.src, ref.dst, NULL); /* labelled lazily */
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int
add_roots(gcs_replay *r, gcs_hg *g)
{
    size_t nf = gcs_replay_n_frames(r);
    for (size_t f = 0; f < nf; f++) {
        gcs_replay_frame fr;
        int rc = gcs_replay_frame_at(r, f, &fr);
        for (size_t v = 0; rc == 0 && v < fr.n_vars; v++) {
            gcs_replay_var var;
            rc = gcs_replay_var_at(r, f, v, &var);
            if (rc == 0)
                rc = gcs_hg_add_root(g, fr.id, fr.name, var.name, var.obj);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* {==== Lazy slot labels ====} */

typedef struct replay_labels {
    gcs_replay *r;
    uint64_t pos; /* the graph's event */
} replay_labels;

/* Label node's out-edges from the replay, back at the graph's event if the
 * cursor moved. The edges are the object's references in the replay's order
 * less those to objects that are not nodes (finish dropped them), so they are
 * matched in one walk; a mismatch (not the state analysed) or a replay error
 * leaves the rest unlabelled ("?"). GCS_ENOMEM. */
static int
label_node(gcs_hg *g, uint32_t node, void *ud)
{
    replay_labels *l = ud;
    if (gcs_replay_pos(l->r) != l->pos && gcs_replay_seek(l->r, l->pos) != 0)
        return 0;
    uint64_t id = g->nodes[node].id;
    gcs_replay_obj o;
    if (gcs_replay_object(l->r, id, &o) != 0)
        return 0;
    size_t e = g->edge_off[node], end = g->edge_off[node + 1];
    for (size_t k = 0; k < o.n_refs_out && e < end; k++) {
        gcs_replay_ref ref;
        if (gcs_replay_ref_out(l->r, id, k, &ref) != 0)
            return 0;
        uint32_t d = gcs_hg_find(g, ref.dst);
        if (d == GCS_HG_NONE)
            continue;
        if (g->edge_dst[e] != d)
            return 0;
        int rc = gcs_hg_set_slot(g, e++, ref.slot);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int
set_labeller(gcs_replay *r, uint64_t pos, gcs_hg *g)
{
    replay_labels *l = malloc(sizeof *l);
    if (l == NULL)
        return GCS_ENOMEM;
    *l = (replay_labels){r, pos};
    gcs_hg_set_labeller(g, label_node, l, free);
    return 0;
}

/* Errors without history: straight from the replay's error timeline. */
static int
add_errors(gcs_replay *r, uint64_t pos, gcs_hg *g)
{
    size_t n = gcs_replay_n_errors(r);
    for (size_t k = 0; k < n; k++) {
        gcs_replay_error e;
        int rc = gcs_replay_error_at(r, k, &e);
        if (rc == 0 && e.event >= pos)
            break;
        if (rc == 0)
            rc = gcs_hg_add_error(g, e.event, e.code, e.obj, e.detail, e.site);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Feed events 0..pos-1 to a history recorder and export it into g. */
static int
add_history(gcs_replay *r, uint64_t pos, gcs_hg *g)
{
    gcs_hist_rec *rec;
    int rc = gcs_hist_rec_new(&rec);
    for (uint64_t i = 0; rc == 0 && i < pos; i++) {
        gcs_event ev;
        rc = gcs_replay_event(r, i, &ev);
        if (rc == 0)
            gcs_hist_rec_event(rec, &ev);
    }
    if (rc == 0)
        rc = gcs_hist_rec_export(rec, g);
    gcs_hist_rec_free(rec);
    return rc;
}

/* Seek to pos; with a progress function, forward in about 100 steps (a
 * forward seek applies the events from the cursor, so the steps cost what one
 * seek does), reporting events applied of the events to apply. */
static int
seek_with_progress(gcs_replay *r, uint64_t pos, gcs_progress_fn progress, void *ud)
{
    uint64_t cur = gcs_replay_pos(r);
    if (progress == NULL || pos <= cur)
        return gcs_replay_seek(r, pos);
    uint64_t step = (pos - cur) / 100 > 65536 ? (pos - cur) / 100 : 65536;
    int rc = 0;
    while (rc == 0 && cur < pos) {
        cur = pos - cur > step ? cur + step : pos;
        rc = gcs_replay_seek(r, cur);
        if (rc == 0)
            (void)progress(ud, cur, pos);
    }
    return rc;
}

/* The graph at pos; history from `hist` if not NULL (freed right after its
 * export when `take`, before the model is built: the two never coexist),
 * else recorded here when `with_history`, else only the errors. */
static int
from_replay(gcs_replay *r, uint64_t pos, gcs_hist_rec *hist, bool take, bool with_history,
            gcs_progress_fn progress, void *progress_ud, gcs_hg **out)
{
    *out = NULL;
    if (r == NULL) {
        if (take)
            gcs_hist_rec_free(hist);
        return GCS_EINVAL;
    }
    uint64_t n = gcs_replay_n_events(r);
    if (pos > n)
        pos = n;
    gcs_hg *g;
    int rc = gcs_hg_new(&g);
    if (rc == 0 && take) {
        g->at_event = pos;
        rc = gcs_hist_rec_export(hist, g);
        gcs_hist_rec_free(hist);
        hist = NULL;
        take = false;
    }
    if (take)
        gcs_hist_rec_free(hist);
    if (rc != 0) {
        gcs_hg_free(g);
        return rc;
    }
    g->at_event = pos;
    rc = seek_with_progress(r, pos, progress, progress_ud);
    if (rc == 0)
        rc = add_objects(r, g);
    if (rc == 0)
        rc = add_roots(r, g);
    if (rc == 0 && !g->has_history)
        rc = hist           ? gcs_hist_rec_export(hist, g)
             : with_history ? add_history(r, pos, g)
                            : add_errors(r, pos, g);
    if (rc == 0)
        rc = gcs_hg_finish(g);
    if (rc == 0)
        rc = set_labeller(r, pos, g);
    if (rc != 0) {
        gcs_hg_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

int
gcs_hg_from_replay(gcs_replay *r, uint64_t pos, bool with_history, gcs_hg **out)
{
    return from_replay(r, pos, NULL, false, with_history, NULL, NULL, out);
}

int
gcs_hg_from_replay_hist(gcs_replay *r, uint64_t pos, const gcs_hist_rec *hist, gcs_hg **out)
{
    if (hist == NULL) {
        *out = NULL;
        return GCS_EINVAL;
    }
    return from_replay(r, pos, (gcs_hist_rec *)hist, false, true, NULL, NULL, out);
}

int
gcs_hg_from_replay_take(gcs_replay *r, uint64_t pos, gcs_hist_rec *hist, gcs_progress_fn progress,
                        void *progress_ud, gcs_hg **out)
{
    if (hist == NULL) {
        *out = NULL;
        return GCS_EINVAL;
    }
    return from_replay(r, pos, hist, true, true, progress, progress_ud, out);
}
