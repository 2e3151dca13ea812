/* viz/render/render_agg.c — the level of detail for big heaps (more than
 * GCS_RENDER_DETAIL_MAX objects): each lane shows its objects aggregated by
 * type (a bar per type, the top types and "other"), references aggregated
 * between those groups (width ~ log count), and draws in full only what a
 * reader needs to see one by one: the selection and its neighbours, leaks and
 * cycle members (capped at GCS_RENDER_FULL_MAX).
 *
 * Cost is O(objects + edges) counting plus a few hundred primitives, so a
 * frame stays cheap at 100k objects. agg_plan() is deterministic; extent,
 * drawing and hit testing all call it.
 *
 * Two geometries. The window (v->fit_content false) reserves every lane at
 * full width and every row, so scrubbing never rescales. A still (fit
 * content: `gcscope render`, a slide on a projector) sizes the world to what
 * it shows: empty lanes shrink to a strip, lanes with objects get more
 * columns of objects in full and fewer rows, and only the type rows in use
 * are kept, so the text comes out at classroom size (lesson 7: 3000 lists).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "render/render_int.h"

#define TOPK            10 /* type bars per lane, plus "other" */
#define GROUPS          (TOPK + 1)
#define LANE_W          420.0
#define EMPTY_W         136.0 /* a still's lane with nothing in it */
#define LANE_GAP        14.0
#define HEADER_H        64.0
#define ROW_H           40.0
#define REFS_N          3 /* heaviest group references listed per lane */
#define REF_H           26.0
#define FULL_CW         200.0
#define FULL_CH         100.0
#define PER_LANE        16 /* window: objects in full per lane (2 columns) */
#define STILL_FULL_ROWS 3  /* still: rows of objects in full per lane (2 columns) */

typedef struct agg_plan {
    size_t n_types;
    uint32_t *count; /* [lane][type] */
    uint8_t *rank;   /* [lane][type]: 0..TOPK-1 shown, TOPK other */
    uint32_t gcount[GCS_LANE__COUNT][GROUPS];
    uint32_t gtype[GCS_LANE__COUNT][TOPK]; /* type index of each shown rank */
    uint32_t lane_n[GCS_LANE__COUNT];
    uint32_t *full;  /* indices of objects drawn in full */
    double *fx, *fy; /* their world centres */
    size_t n_full;
    uint32_t full_in_lane[GCS_LANE__COUNT];
    /* geometry (world units) */
    double lx[GCS_LANE__COUNT], lw[GCS_LANE__COUNT]; /* lane left edge, width */
    int cols[GCS_LANE__COUNT];                       /* columns of objects in full */
    uint32_t cap[GCS_LANE__COUNT];                   /* objects in full it may take */
    int grows;                                       /* type rows drawn */
    double refs_y, full_y;                           /* "most references", objects in full */
    bool still;
    double width, height;
} agg_plan;

static void
plan_free(agg_plan *p)
{
    free(p->count);
    free(p->rank);
    free(p->full);
    free(p->fx);
    free(p->fy);
}

static int
lane_of(const gcs_sobj *o)
{
    return o->lane >= 0 && o->lane < GCS_LANE__COUNT ? o->lane : GCS_LANE_UNTRACKED;
}

/* Rank every lane's types by count; the top TOPK get their own bar. */
static void
plan_groups(agg_plan *p, const gcs_scene *sc)
{
    size_t nt = p->n_types;
    if (sc->sum.on) { /* a summarised state: counted while it was built */
        for (int l = 0; l < GCS_LANE__COUNT; l++) {
            p->lane_n[l] = (uint32_t)sc->sum.lane_n[l];
            for (size_t t = 0; t < sc->n_types && (t + 1) * GCS_LANE__COUNT <= sc->sum.cap_count;
                 t++)
                p->count[(size_t)l * nt + t] = (uint32_t)sc->sum.count[t * GCS_LANE__COUNT + l];
        }
    }
    for (size_t i = 0; !sc->sum.on && i < sc->n_objs; i++) {
        int l = lane_of(&sc->objs[i]);
        p->count[(size_t)l * nt + sc->objs[i].type_ix]++;
        p->lane_n[l]++;
    }
    memset(p->rank, TOPK, GCS_LANE__COUNT * nt);
    for (int l = 0; l < GCS_LANE__COUNT; l++) {
        const uint32_t *cnt = p->count + (size_t)l * nt;
        uint8_t *rk = p->rank + (size_t)l * nt;
        for (int k = 0; k < TOPK; k++) {
            size_t best = nt;
            for (size_t t = 0; t < nt; t++)
                if (rk[t] == TOPK && cnt[t] > 0 && (best == nt || cnt[t] > cnt[best]))
                    best = t;
            if (best == nt)
                break;
            rk[best] = (uint8_t)k;
            p->gtype[l][k] = (uint32_t)best;
            p->gcount[l][k] = cnt[best];
        }
        uint32_t shown = 0;
        for (int k = 0; k < TOPK; k++)
            shown += p->gcount[l][k];
        p->gcount[l][TOPK] = p->lane_n[l] - shown;
    }
}

static bool
plan_take(agg_plan *p, const gcs_scene *sc, bool *taken, uint32_t i)
{
    if (taken[i] || p->n_full >= GCS_RENDER_FULL_MAX)
        return false;
    int l = lane_of(&sc->objs[i]);
    if (p->full_in_lane[l] >= p->cap[l])
        return false;
    taken[i] = true;
    p->full_in_lane[l]++;
    p->full[p->n_full++] = i;
    return true;
}

/* Choose the objects drawn in full: selection + neighbours, the objects
 * variables name, leaks, cycles. */
static void
plan_full(agg_plan *p, const gcs_scene *sc, const gcs_view *v, bool *taken)
{
    uint32_t sel = v->selected ? gcs_scene_find(sc, v->selected) : GCS_SCENE_NONE;
    if (sel != GCS_SCENE_NONE) {
        plan_take(p, sc, taken, sel);
        for (size_t k = 0; k < sc->n_edges; k++) {
            const gcs_sedge *e = &sc->edges[k];
            if (e->si == sel && e->di != GCS_SCENE_NONE)
                plan_take(p, sc, taken, e->di);
            if (e->di == sel && e->si != GCS_SCENE_NONE)
                plan_take(p, sc, taken, e->si);
        }
    }
    for (size_t k = 0; k < sc->n_vars; k++) { /* what the names point to */
        uint32_t i = gcs_scene_find(sc, sc->vars[k].obj);
        if (i != GCS_SCENE_NONE)
            plan_take(p, sc, taken, i);
    }
    for (uint32_t i = 0; i < sc->n_objs; i++)
        if (sc->objs[i].flags & (GCS_SOBJ_LEAK | GCS_SOBJ_ERROR))
            plan_take(p, sc, taken, i);
    if (!v->hide_cycles) /* whole cycles first: keep members together */
        for (uint32_t i = 0; i < sc->n_objs; i++)
            if (sc->objs[i].scc >= 0)
                plan_take(p, sc, taken, i);
}

/* Lane widths and columns: 2 columns of objects in full (a pair of a
 * 2-cycle side by side). Window: every lane LANE_W, PER_LANE objects in
 * full. Still: empty lanes are strips and STILL_FULL_ROWS rows, so the world
 * is small and drawn large. */
static void
plan_lanes(agg_plan *p)
{
    int cols = 2;
    double x = 0;
    for (int l = 0; l < GCS_LANE__COUNT; l++) {
        bool empty = p->still && p->lane_n[l] == 0;
        p->cols[l] = empty ? 0 : p->still ? cols : 2;
        p->cap[l] = p->still ? (uint32_t)(p->cols[l] * STILL_FULL_ROWS) : PER_LANE;
        p->lw[l] = empty ? EMPTY_W : fmax(LANE_W, p->cols[l] * FULL_CW + 20);
        p->lx[l] = x;
        x += p->lw[l] + LANE_GAP;
    }
    p->width = x - LANE_GAP;
}

/* Rows and heights, once the groups and the objects in full are known. */
static void
plan_rows(agg_plan *p)
{
    p->grows = GROUPS;
    uint32_t full_rows = PER_LANE / 2;
    if (p->still) {
        p->grows = 1;
        full_rows = 0;
        for (int l = 0; l < GCS_LANE__COUNT; l++) {
            for (int k = 0; k < GROUPS; k++)
                if (p->gcount[l][k] > 0 && k + 1 > p->grows)
                    p->grows = k + 1;
            if (p->cols[l] > 0) {
                uint32_t r = (p->full_in_lane[l] + (uint32_t)p->cols[l] - 1) / (uint32_t)p->cols[l];
                full_rows = r > full_rows ? r : full_rows;
            }
        }
    }
    p->refs_y = HEADER_H + p->grows * ROW_H + 30.0;
    p->full_y = p->refs_y + REFS_N * REF_H + 40.0;
    p->height = p->full_y + full_rows * FULL_CH + 20;
}

static int
plan_make(agg_plan *p, const gcs_scene *sc, const gcs_view *v)
{
    memset(p, 0, sizeof *p);
    p->n_types = sc->n_types ? sc->n_types : 1;
    p->count = calloc(GCS_LANE__COUNT * p->n_types, sizeof *p->count);
    p->rank = malloc(GCS_LANE__COUNT * p->n_types);
    p->full = malloc(GCS_RENDER_FULL_MAX * sizeof *p->full);
    p->fx = malloc(GCS_RENDER_FULL_MAX * sizeof *p->fx);
    p->fy = malloc(GCS_RENDER_FULL_MAX * sizeof *p->fy);
    bool *taken = calloc(sc->n_objs + 1, sizeof *taken);
    if (!p->count || !p->rank || !p->full || !p->fx || !p->fy || !taken) {
        free(taken);
        plan_free(p);
        memset(p, 0, sizeof *p);
        return GCS_ENOMEM;
    }
    p->still = v->fit_content;
    plan_groups(p, sc);
    plan_lanes(p);
    plan_full(p, sc, v, taken);
    free(taken);
    plan_rows(p);
    uint32_t seen[GCS_LANE__COUNT] = {0};
    for (size_t k = 0; k < p->n_full; k++) {
        int l = lane_of(&sc->objs[p->full[k]]);
        uint32_t j = seen[l]++, cols = (uint32_t)(p->cols[l] > 0 ? p->cols[l] : 1);
        double x0 = p->lx[l] + (p->lw[l] - cols * FULL_CW) / 2;
        p->fx[k] = x0 + (j % cols + 0.5) * FULL_CW;
        p->fy[k] = p->full_y + (j / cols + 0.5) * FULL_CH;
    }
    return 0;
}

void
gcs_agg_extent(const gcs_scene *sc, const gcs_view *v, double *w, double *h)
{
    agg_plan p;
    if (v->fit_content && plan_make(&p, sc, v) == 0) {
        *w = p.width;
        *h = p.height;
        plan_free(&p);
        return;
    }
    /* The window: independent of the state, every lane and row reserved. */
    *w = GCS_LANE__COUNT * (LANE_W + LANE_GAP) - LANE_GAP;
    *h = HEADER_H + GROUPS * ROW_H + 30.0 + REFS_N * REF_H + 40.0 + (PER_LANE / 2) * FULL_CH + 20;
}

/* {==== Drawing ====} */

/* An empty lane of a still: a strip with its short name. */
static void
draw_empty_lane(gcs_rctx *c, const agg_plan *p, int l)
{
    static const char *const short_names[GCS_LANE__COUNT] = {"gen 0", "gen 1", "gen 2", "untracked",
                                                             "frozen"};
    double s = c->xf.scale, lx = p->lx[l] * s + c->xf.ox, ly = c->xf.oy, w = p->lw[l] * s;
    gcs_rounded(c->cr, lx, ly, w, p->height * s, 12 * s);
    gcs_rgb(c->cr, c->th->lane[l], 1);
    cairo_fill(c->cr);
    gcs_text(c->cr, lx + 10 * s, ly + 30 * s, short_names[l], fmax(20 * s, 10), true,
             c->th->lane_text, 1, 0, w - 14 * s);
    gcs_text(c->cr, lx + 10 * s, ly + 56 * s, "empty", fmax(18 * s, 8), false, c->th->dim, 1, 0,
             w - 14 * s);
    gcs_dl_add(c->dl, GCS_DL_LANE, (uint64_t)l, 0, lx, ly, w, p->height * s, c->th->lane[l], 0,
               gcs_lane_name(l));
}

static void
draw_lane_groups(gcs_rctx *c, const agg_plan *p, int l)
{
    if (p->still && p->cols[l] == 0) {
        draw_empty_lane(c, p, l);
        return;
    }
    cairo_t *cr = c->cr;
    double s = c->xf.scale, lx = p->lx[l] * s + c->xf.ox, ly = c->xf.oy, lw = p->lw[l];
    gcs_rounded(cr, lx, ly, lw * s, p->height * s, 12 * s);
    gcs_rgb(cr, c->th->lane[l], 1);
    cairo_fill(cr);
    char buf[96];
    gcs_text(cr, lx + 12 * s, ly + 28 * s, gcs_lane_name(l), fmax(22 * s, 10), true,
             c->th->lane_text, 1, 0, lw * s - 20 * s);
    snprintf(buf, sizeof buf, "%u objects, by type", p->lane_n[l]);
    gcs_text(cr, lx + 12 * s, ly + 52 * s, buf, fmax(17 * s, 8), false, c->th->dim, 1, 0, 0);
    gcs_dl_add(c->dl, GCS_DL_LANE, (uint64_t)l, 0, lx, ly, lw * s, p->height * s, c->th->lane[l], 0,
               gcs_lane_name(l));
    uint32_t maxc = 1;
    for (int k = 0; k < GROUPS; k++)
        maxc = p->gcount[l][k] > maxc ? p->gcount[l][k] : maxc;
    for (int k = 0; k < GROUPS && k < p->grows; k++) {
        uint32_t n = p->gcount[l][k];
        if (n == 0)
            continue;
        const char *name = k < TOPK ? c->sc->types[p->gtype[l][k]] : "other types";
        double y = ly + (HEADER_H + k * ROW_H) * s, bw = (lw - 20) * s * n / maxc;
        gcs_rounded(cr, lx + 10 * s, y + 3 * s, fmax(bw, 3), (ROW_H - 6) * s, 6 * s);
        gcs_rgb(cr, gcs_mix(c->th->lane[l], c->th->lane_text, 0.22), 1);
        cairo_fill(cr);
        double fs = fmax(19 * s, 7);
        gcs_text(cr, lx + 18 * s, y + 27 * s, name, fs, true, c->th->text, 1, 0, lw * s * 0.6);
        snprintf(buf, sizeof buf, "%u", n);
        gcs_text(cr, lx + (lw - 16) * s, y + 27 * s, buf, fs, true, c->th->text, 1, 2, 0);
        gcs_dl_add(c->dl, GCS_DL_AGG, (uint64_t)l, n, lx, y, bw, ROW_H * s, c->th->lane[l], 0,
                   name);
    }
    if (p->full_in_lane[l] > 0)
        gcs_text(cr, lx + 12 * s, ly + (p->full_y - 14) * s, "in full: cycles, leaks, selection",
                 fmax(16 * s, 7), false, c->th->dim, 1, 0, lw * s - 20 * s);
}

/* References between groups: each lane lists its heaviest outgoing pairs
 * ("Node -> gen 1 tuple x126"); lines between bars would hide the bars. */
static void
draw_group_refs(gcs_rctx *c, const agg_plan *p)
{
    enum { G = GCS_LANE__COUNT * GROUPS };
    uint32_t *m = calloc((size_t)G * G, sizeof *m);
    if (m == NULL) {
        c->error = GCS_ENOMEM;
        return;
    }
    const gcs_scene *sc = c->sc;
    for (size_t k = 0; sc->sum.on && k < sc->sum.cap_refs; k++) {
        const gcs_sum_ref *r = &sc->sum.refs[k];
        if (r->n == 0 || r->la >= GCS_LANE__COUNT || r->lb >= GCS_LANE__COUNT ||
            r->ta >= p->n_types || r->tb >= p->n_types)
            continue;
        int ga = (int)r->la * GROUPS + p->rank[r->la * p->n_types + r->ta];
        int gb = (int)r->lb * GROUPS + p->rank[r->lb * p->n_types + r->tb];
        m[ga * G + gb] += (uint32_t)r->n;
    }
    for (size_t k = 0; !sc->sum.on && k < sc->n_edges; k++) {
        const gcs_sedge *e = &sc->edges[k];
        if (e->si == GCS_SCENE_NONE || e->di == GCS_SCENE_NONE)
            continue;
        const gcs_sobj *a = &sc->objs[e->si], *b = &sc->objs[e->di];
        int la = lane_of(a), lb = lane_of(b);
        int ga = la * GROUPS + p->rank[(size_t)la * p->n_types + a->type_ix];
        int gb = lb * GROUPS + p->rank[(size_t)lb * p->n_types + b->type_ix];
        m[ga * G + gb]++;
    }
    double s = c->xf.scale;
    for (int l = 0; l < GCS_LANE__COUNT; l++) {
        if (p->still && p->cols[l] == 0)
            continue;
        double lx = p->lx[l] * s + c->xf.ox;
        double y = c->xf.oy + (p->refs_y - 8) * s;
        gcs_text(c->cr, lx + 12 * s, y, "most references", fmax(16 * s, 7), true, c->th->dim, 1, 0,
                 0);
        for (int round = 0; round < REFS_N; round++) {
            int best = -1;
            for (int k = l * GROUPS * G; k < (l + 1) * GROUPS * G; k++)
                if (m[k] > 0 && (best < 0 || m[k] > m[best]))
                    best = k;
            if (best < 0)
                break;
            int ga = best / G, gb = best % G, lb = gb / GROUPS;
            const char *ta = ga % GROUPS < TOPK ? sc->types[p->gtype[l][ga % GROUPS]] : "other";
            const char *tb = gb % GROUPS < TOPK ? sc->types[p->gtype[lb][gb % GROUPS]] : "other";
            char buf[128];
            snprintf(buf, sizeof buf, "%s \xE2\x86\x92 %s%s%s  \xC3\x97%u", ta,
                     lb == l ? "" : gcs_lane_name(lb), lb == l ? "" : " ", tb, m[best]);
            y += REF_H * s;
            gcs_text(c->cr, lx + 16 * s, y, buf, fmax(17 * s, 7), false, c->th->text, 1, 0,
                     (p->lw[l] - 24) * s);
            m[best] = 0;
        }
    }
    free(m);
}

static void
draw_full_edges(gcs_rctx *c)
{
    cairo_t *cr = c->cr;
    double s = c->xf.scale, hw = GCS_LAYOUT_NODE_W / 2 * s, hh = GCS_LAYOUT_NODE_H / 2 * s;
    for (size_t k = 0; k < c->sc->n_edges; k++) {
        const gcs_sedge *e = &c->sc->edges[k];
        if (e->si == GCS_SCENE_NONE || e->di == GCS_SCENE_NONE || !c->full[e->si] ||
            !c->full[e->di] || e->si == e->di)
            continue;
        const gcs_sobj *a = &c->sc->objs[e->si], *b = &c->sc->objs[e->di];
        bool cyc = !c->v->hide_cycles && a->scc >= 0 && a->scc == b->scc;
        uint32_t rgb = e->flags & GCS_SEDGE_WEAK ? c->th->weak
                       : cyc                     ? gcs_render_cycle_rgb(a->scc_key)
                                                 : c->th->edge;
        double x0 = c->sx[e->si], y0 = c->sy[e->si], x1 = c->sx[e->di], y1 = c->sy[e->di];
        double dx = x1 - x0, dy = y1 - y0, len = hypot(dx, dy);
        if (len < 1)
            continue;
        double t0 = fmin(hw / fmax(fabs(dx), 1e-9), hh / fmax(fabs(dy), 1e-9));
        double ux = dx / len, uy = dy / len, cut = t0 * len;
        cairo_set_line_width(cr, fmax((cyc ? 3.4 : 2) * s, 1));
        gcs_rgb(cr, rgb, 0.9);
        cairo_move_to(cr, x0 + ux * cut, y0 + uy * cut);
        cairo_line_to(cr, x1 - ux * (cut + 2), y1 - uy * (cut + 2));
        cairo_stroke(cr);
        gcs_arrowhead(cr, x1 - ux * (cut + 2), y1 - uy * (cut + 2), ux, uy, fmax(12 * s, 5));
        gcs_dl_add(c->dl, GCS_DL_EDGE, e->src, e->dst, x0, y0, x1, y1, rgb, cyc ? GCS_DLF_CYCLE : 0,
                   e->slot);
    }
}

void
gcs_draw_aggregate(gcs_rctx *c)
{
    agg_plan p;
    if (plan_make(&p, c->sc, c->v) < 0) {
        c->error = GCS_ENOMEM;
        return;
    }
    for (size_t i = 0; i < c->sc->n_objs; i++) {
        c->alpha[i] = 0;
        c->dim[i] = false;
    }
    for (size_t k = 0; k < p.n_full; k++) {
        uint32_t i = p.full[k];
        c->full[i] = true;
        c->alpha[i] = 1;
        c->sx[i] = p.fx[k] * c->xf.scale + c->xf.ox;
        c->sy[i] = p.fy[k] * c->xf.scale + c->xf.oy;
    }
    for (int l = 0; l < GCS_LANE__COUNT; l++)
        draw_lane_groups(c, &p, l);
    draw_group_refs(c, &p);
    draw_full_edges(c);
    double w = GCS_LAYOUT_NODE_W * c->xf.scale, h = GCS_LAYOUT_NODE_H * c->xf.scale;
    for (size_t k = 0; k < p.n_full; k++)
        gcs_draw_node(c, p.full[k], w, h);
    plan_free(&p);
}

uint64_t
gcs_agg_hit(gcs_scene *sc, const gcs_view *v, double x, double y)
{
    agg_plan p;
    gcs_xform xf;
    if (plan_make(&p, sc, v) < 0)
        return 0;
    gcs_render_xform(v, sc, &xf);
    double wx = (x - xf.ox) / xf.scale, wy = (y - xf.oy) / xf.scale;
    uint64_t hit = 0;
    for (size_t k = 0; k < p.n_full && hit == 0; k++)
        if (fabs(wx - p.fx[k]) <= GCS_LAYOUT_NODE_W / 2 &&
            fabs(wy - p.fy[k]) <= GCS_LAYOUT_NODE_H / 2)
            hit = sc->objs[p.full[k]].id;
    plan_free(&p);
    return hit;
}
