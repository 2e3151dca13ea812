/* viz/render/render_graph.c — the detail level: lanes, cycle hulls, reference
 * arrows and object nodes, in screen space.
 *
 * Order matters: lanes, hulls, edges, nodes, then edge labels on top, so a
 * label is never hidden under a node. Edges are quadratic curves; an edge that
 * would cross a node bends (candidates tried in order, first clear one wins),
 * using a uniform grid over the node boxes built once per frame.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "render/render_int.h"

/* {==== Per-frame screen positions, alpha and dimming ====} */

static bool
search_match(const gcs_sobj *o, const char *q)
{
    if (q == NULL || *q == '\0')
        return true;
    if (q[0] == '#') {
        char buf[32];
        snprintf(buf, sizeof buf, "#%llu", (unsigned long long)o->id);
        return strcmp(buf, q) == 0;
    }
    char *end;
    unsigned long long id = strtoull(q, &end, 10);
    if (*end == '\0')
        return o->id == id;
    return strstr(o->type, q) != NULL;
}

static void
compute_dim(gcs_rctx *c)
{
    const gcs_scene *sc = c->sc;
    const gcs_view *v = c->v;
    uint32_t sel = v->selected ? gcs_scene_find(sc, v->selected) : GCS_SCENE_NONE;
    bool *near = NULL;
    if (v->focus == GCS_FOCUS_OBJ && sel != GCS_SCENE_NONE) {
        near = calloc(sc->n_objs, sizeof *near);
        if (near != NULL) {
            near[sel] = true;
            for (size_t k = 0; k < sc->n_edges; k++) {
                const gcs_sedge *e = &sc->edges[k];
                if (e->si == sel && e->di != GCS_SCENE_NONE)
                    near[e->di] = true;
                if (e->di == sel && e->si != GCS_SCENE_NONE)
                    near[e->si] = true;
            }
        }
    }
    for (size_t i = 0; i < sc->n_objs; i++) {
        const gcs_sobj *o = &sc->objs[i];
        bool d = false;
        if (v->focus == GCS_FOCUS_CYCLES)
            d = o->scc < 0;
        else if (v->focus == GCS_FOCUS_LEAKS)
            d = !(o->flags & GCS_SOBJ_LEAK);
        else if (near != NULL)
            d = !near[i];
        if (!search_match(o, v->search))
            d = true;
        c->dim[i] = d;
    }
    free(near);
}

static void
compute_screen(gcs_rctx *c)
{
    const gcs_scene *sc = c->sc;
    double e = c->ease;
    for (size_t i = 0; i < sc->n_objs; i++) {
        const gcs_sobj *o = &sc->objs[i];
        double x = o->x, y = o->y;
        if (o->flags & GCS_SOBJ_MOVED) {
            x = o->px + (o->x - o->px) * e;
            y = o->py + (o->y - o->py) * e;
        }
        c->sx[i] = x * c->xf.scale + c->xf.ox;
        c->sy[i] = y * c->xf.scale + c->xf.oy;
        double a = o->placed ? 1 : 0;
        if (o->flags & GCS_SOBJ_NEW)
            a *= 0.15 + 0.85 * e;
        if (o->flags & GCS_SOBJ_FREED)
            a *= 1 - 0.72 * e;
        c->alpha[i] = a;
    }
    compute_dim(c);
}

void
gcs_node_anchor(const gcs_rctx *c, size_t i, double *x, double *y)
{
    *x = c->sx[i] - GCS_LAYOUT_NODE_W / 2 * c->xf.scale;
    *y = c->sy[i];
}

/* {==== Lanes ====} */

static void
draw_lanes(gcs_rctx *c)
{
    if (c->v->layout == NULL)
        return;
    cairo_t *cr = c->cr;
    gcs_lane_geom lanes[GCS_LANE__COUNT];
    double ww, wh;
    gcs_render_lanes(c->v, c->sc, lanes, &ww, &wh);
    size_t count[GCS_LANE__COUNT] = {0};
    for (size_t i = 0; i < c->sc->n_objs; i++) {
        const gcs_sobj *o = &c->sc->objs[i];
        if (!(o->flags & GCS_SOBJ_FREED) && o->lane >= 0 && o->lane < GCS_LANE__COUNT)
            count[o->lane]++;
    }
    double s = c->xf.scale;
    const gcs_rect *g = &c->reg.graph;
    for (int l = 0; l < GCS_LANE__COUNT; l++) {
        double x = lanes[l].x0 * s + c->xf.ox, y = c->xf.oy;
        double w = (lanes[l].x1 - lanes[l].x0) * s, h = wh * s;
        if (!c->v->manual && count[l] == 0 && (x < g->x - 1 || x + w > g->x + g->w + 1))
            continue; /* a fitted view shows no half lanes (only empty ones can be cut) */
        gcs_rounded(cr, x, y, w, h, 12 * s);
        gcs_rgb(cr, c->th->lane[l], 1);
        cairo_fill(cr);
        double fs = fmin(fmax(17 * s, 9), 40 * s), fs2 = fmax(13 * s, 8.5);
        char buf[64];
        static const char *const short_names[GCS_LANE__COUNT] = {"gen 0", "gen 1", "gen 2",
                                                                 "untracked", "frozen"};
        const char *name = gcs_text_width(cr, gcs_lane_name(l), fs, true) > w - 20 * s
                               ? short_names[l]
                               : gcs_lane_name(l);
        fs = gcs_text_fit_size(cr, name, fs, true, w - 20 * s, fs * 0.6);
        gcs_text(cr, x + 10 * s, y + fmin(fmax(24 * s, 13), 40 * s), name, fs, true,
                 c->th->lane_text, 1, 0, w - 20 * s);
        snprintf(buf, sizeof buf, "%zu object%s", count[l], count[l] == 1 ? "" : "s");
        if (s >= 0.5) /* no room for the count in a thin header */
            gcs_text(cr, x + 10 * s, y + fmax(43 * s, 25), buf, fs2, false, c->th->dim, 1, 0,
                     w - 20 * s);
        gcs_dl_add(c->dl, GCS_DL_LANE, (uint64_t)l, 0, x, y, w, h, c->th->lane[l], 0,
                   gcs_lane_name(l));
    }
}

/* {==== Cycle hulls ====} */

typedef struct pt {
    double x, y;
} pt;

static int
pt_cmp(const void *a, const void *b)
{
    const pt *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return (p->y > q->y) - (p->y < q->y);
}

static double
cross(pt o, pt a, pt b)
{
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

/* Monotone chain; hull written to out (size >= 2n), returns its length. */
static size_t
convex_hull(pt *p, size_t n, pt *out)
{
    qsort(p, n, sizeof *p, pt_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        while (k >= 2 && cross(out[k - 2], out[k - 1], p[i]) <= 0)
            k--;
        out[k++] = p[i];
    }
    for (size_t i = n - 1, t = k + 1; i-- > 0;) {
        while (k >= t && cross(out[k - 2], out[k - 1], p[i]) <= 0)
            k--;
        out[k++] = p[i];
    }
    return k > 1 ? k - 1 : k;
}

static bool
in_hull(const pt *h, size_t n, double x, double y)
{
    for (size_t i = 0; i < n; i++)
        if (cross(h[i], h[(i + 1) % n], (pt){x, y}) < 0)
            return false;
    return n >= 3;
}

static bool
is_visible_cycle_member(const gcs_rctx *c, size_t i)
{
    const gcs_sobj *o = &c->sc->objs[i];
    return o->scc >= 0 && o->placed && c->alpha[i] > 0.05;
}

/* Hull of one cycle (members in idx[0..m)), unless it would cover a
 * non-member node: then the members' halos (drawn with the nodes) suffice. */
static void
draw_one_hull(gcs_rctx *c, const uint32_t *idx, size_t m, pt *pts, pt *hull)
{
    double s = c->xf.scale, hw = GCS_LAYOUT_NODE_W / 2 * s + 10 * s,
           hh = GCS_LAYOUT_NODE_H / 2 * s + 10 * s;
    size_t np = 0;
    for (size_t k = 0; k < m; k++) {
        double x = c->sx[idx[k]], y = c->sy[idx[k]];
        pts[np++] = (pt){x - hw, y - hh};
        pts[np++] = (pt){x + hw, y - hh};
        pts[np++] = (pt){x - hw, y + hh};
        pts[np++] = (pt){x + hw, y + hh};
    }
    size_t nh = convex_hull(pts, np, hull);
    const gcs_sobj *first = &c->sc->objs[idx[0]];
    for (size_t i = 0; i < c->sc->n_objs; i++) {
        const gcs_sobj *o = &c->sc->objs[i];
        if (o->scc != first->scc && o->placed && c->alpha[i] > 0.05 &&
            in_hull(hull, nh, c->sx[i], c->sy[i]))
            return;
    }
    uint32_t hue = gcs_render_cycle_rgb(first->scc_key);
    cairo_t *cr = c->cr;
    double bx0 = INFINITY, by0 = INFINITY, bx1 = -INFINITY, by1 = -INFINITY;
    for (size_t k = 0; k < nh; k++) {
        bx0 = fmin(bx0, hull[k].x);
        bx1 = fmax(bx1, hull[k].x);
        by0 = fmin(by0, hull[k].y);
        by1 = fmax(by1, hull[k].y);
    }
    double pad = 10 * s + 2; /* the group is only as big as the hull */
    cairo_save(cr);
    cairo_rectangle(cr, floor(bx0 - pad), floor(by0 - pad), ceil(bx1 - bx0 + 2 * pad),
                    ceil(by1 - by0 + 2 * pad));
    cairo_clip(cr);
    cairo_push_group(cr);
    cairo_new_path(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t k = 0; k < nh; k++)
        cairo_line_to(cr, hull[k].x, hull[k].y);
    cairo_close_path(cr);
    gcs_rgb(cr, hue, 1);
    cairo_fill_preserve(cr);
    cairo_set_line_width(cr, 16 * s);
    cairo_stroke(cr);
    cairo_pop_group_to_source(cr);
    cairo_paint_with_alpha(cr, 0.16);
    cairo_restore(cr);
    gcs_dl_add(c->dl, GCS_DL_HULL, first->scc_key, 0, bx0, by0, bx1 - bx0, by1 - by0, hue,
               GCS_DLF_CYCLE, NULL);
}

static void
draw_hulls(gcs_rctx *c)
{
    const gcs_scene *sc = c->sc;
    if (c->v->hide_cycles || sc->n_cycles == 0)
        return;
    size_t nc = (size_t)sc->n_cycles;
    uint32_t *off = calloc(nc + 1, sizeof *off), *idx = malloc(sc->n_objs * sizeof *idx);
    pt *pts = malloc(sc->n_objs * 4 * sizeof *pts), *hull = malloc(sc->n_objs * 8 * sizeof *hull);
    if (off && idx && pts && hull) {
        for (size_t i = 0; i < sc->n_objs; i++)
            if (is_visible_cycle_member(c, i))
                off[sc->objs[i].scc + 1]++;
        for (size_t k = 0; k < nc; k++)
            off[k + 1] += off[k];
        uint32_t *fill = calloc(nc, sizeof *fill);
        if (fill != NULL) {
            for (size_t i = 0; i < sc->n_objs; i++)
                if (is_visible_cycle_member(c, i)) {
                    int k = sc->objs[i].scc;
                    idx[off[k] + fill[k]++] = (uint32_t)i;
                }
            for (size_t k = 0; k < nc; k++)
                if (off[k + 1] > off[k])
                    draw_one_hull(c, idx + off[k], off[k + 1] - off[k], pts, hull);
            free(fill);
        }
    } else {
        c->error = GCS_ENOMEM;
    }
    free(off);
    free(idx);
    free(pts);
    free(hull);
}

/* {==== Node grid (edge routing, label placement) ====} */

typedef struct grid {
    double x0, y0, cw, ch, hw, hh;
    int nx, ny;
    int32_t (*cell)[4];
} grid;

static bool
grid_build(grid *g, const gcs_rctx *c)
{
    double s = c->xf.scale;
    g->cw = GCS_LAYOUT_CELL_W * s;
    g->ch = GCS_LAYOUT_CELL_H * s;
    g->hw = GCS_LAYOUT_NODE_W / 2 * s + 3;
    g->hh = GCS_LAYOUT_NODE_H / 2 * s + 3;
    g->x0 = c->reg.graph.x - g->cw;
    g->y0 = c->reg.graph.y - g->ch;
    g->nx = (int)(c->reg.graph.w / g->cw) + 3;
    g->ny = (int)(c->reg.graph.h / g->ch) + 3;
    g->cell = NULL;
    if ((double)g->nx * g->ny > 400000)
        return false;
    g->cell = malloc((size_t)g->nx * (size_t)g->ny * sizeof *g->cell);
    if (g->cell == NULL)
        return false;
    memset(g->cell, 0xff, (size_t)g->nx * (size_t)g->ny * sizeof *g->cell);
    for (size_t i = 0; i < c->sc->n_objs; i++) {
        if (c->alpha[i] <= 0.05)
            continue;
        int ax = (int)floor((c->sx[i] - g->hw - g->x0) / g->cw);
        int bx = (int)floor((c->sx[i] + g->hw - g->x0) / g->cw);
        int ay = (int)floor((c->sy[i] - g->hh - g->y0) / g->ch);
        int by = (int)floor((c->sy[i] + g->hh - g->y0) / g->ch);
        for (int y = ay; y <= by; y++)
            for (int x = ax; x <= bx; x++) {
                if (x < 0 || y < 0 || x >= g->nx || y >= g->ny)
                    continue;
                int32_t *cl = g->cell[(size_t)y * (size_t)g->nx + (size_t)x];
                for (int k = 0; k < 4; k++)
                    if (cl[k] < 0) {
                        cl[k] = (int32_t)i;
                        break;
                    }
            }
    }
    return true;
}

/* Index of the node whose (padded) box holds (x, y), other than a and b; -1. */
static int32_t
grid_hit(const grid *g, const gcs_rctx *c, double x, double y, uint32_t a, uint32_t b)
{
    if (g->cell == NULL)
        return -1;
    int cx = (int)floor((x - g->x0) / g->cw), cy = (int)floor((y - g->y0) / g->ch);
    if (cx < 0 || cy < 0 || cx >= g->nx || cy >= g->ny)
        return -1;
    const int32_t *cl = g->cell[(size_t)cy * (size_t)g->nx + (size_t)cx];
    for (int k = 0; k < 4; k++) {
        int32_t i = cl[k];
        if (i < 0 || (uint32_t)i == a || (uint32_t)i == b)
            continue;
        if (fabs(x - c->sx[i]) <= g->hw && fabs(y - c->sy[i]) <= g->hh)
            return i;
    }
    return -1;
}

/* {==== Edges ====} */

typedef struct label {
    double x, y, w, h;
    char text[48];
    uint32_t rgb;
    double alpha;
} label;

typedef struct edge_pass {
    grid g;
    label *labels;
    size_t n_labels;
    uint64_t *pairs; /* (si << 32 | di) + 1 hash set, for reverse/duplicate detection */
    uint32_t *pair_n;
    size_t pair_cap;
    bool simple; /* nodes too small for arrows with labels */
} edge_pass;

static size_t
pair_slot(const edge_pass *p, uint64_t key)
{
    size_t mask = p->pair_cap - 1;
    size_t k = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
    while (p->pairs[k] != 0 && p->pairs[k] != key + 1)
        k = (k + 1) & mask;
    return k;
}

/* Count of edges si->di seen so far (post-increment). */
static uint32_t
pair_bump(edge_pass *p, uint32_t si, uint32_t di)
{
    uint64_t key = (uint64_t)si << 32 | di;
    size_t k = pair_slot(p, key);
    p->pairs[k] = key + 1;
    return p->pair_n[k]++;
}

static bool
pair_has(const edge_pass *p, uint32_t si, uint32_t di)
{
    uint64_t key = (uint64_t)si << 32 | di;
    return p->pairs[pair_slot(p, key)] == key + 1;
}

static pt
qbez(pt a, pt c, pt b, double t)
{
    double u = 1 - t;
    return (pt){u * u * a.x + 2 * u * t * c.x + t * t * b.x,
                u * u * a.y + 2 * u * t * c.y + t * t * b.y};
}

/* Where the ray from box centre (x, y) towards (tx, ty) leaves the box. */
static pt
box_exit(double x, double y, double hw, double hh, double tx, double ty)
{
    double dx = tx - x, dy = ty - y;
    double t = INFINITY;
    if (fabs(dx) > 1e-9)
        t = fmin(t, hw / fabs(dx));
    if (fabs(dy) > 1e-9)
        t = fmin(t, hh / fabs(dy));
    if (!isfinite(t))
        t = 0;
    return (pt){x + dx * t, y + dy * t};
}

typedef struct route {
    pt p0, c, p1;
    bool curved;
} route;

static int
route_hits(const edge_pass *ep, const gcs_rctx *c, const route *r, uint32_t a, uint32_t b)
{
    int hits = 0;
    for (int k = 1; k < 16; k++) {
        pt q = qbez(r->p0, r->c, r->p1, k / 16.0);
        hits += grid_hit(&ep->g, c, q.x, q.y, a, b) >= 0;
    }
    return hits;
}

static void
make_route(const gcs_rctx *c, uint32_t a, uint32_t b, double off, route *r)
{
    double s = c->xf.scale, hw = GCS_LAYOUT_NODE_W / 2 * s, hh = GCS_LAYOUT_NODE_H / 2 * s;
    pt S = {c->sx[a], c->sy[a]}, D = {c->sx[b], c->sy[b]};
    double dx = D.x - S.x, dy = D.y - S.y, len = hypot(dx, dy);
    if (len < 1e-6)
        len = 1e-6;
    pt C = {(S.x + D.x) / 2 - dy / len * off, (S.y + D.y) / 2 + dx / len * off};
    r->c = C;
    r->p0 = box_exit(S.x, S.y, hw + 2, hh + 2, C.x, C.y);
    r->p1 = box_exit(D.x, D.y, hw + 3, hh + 3, C.x, C.y);
    r->curved = fabs(off) > 0.5;
}

/* Choose the bend of edge a -> b: the base offset, then larger ones. */
static void
plan_route(edge_pass *ep, const gcs_rctx *c, uint32_t a, uint32_t b, double base, route *r)
{
    static const double tries[] = {0, 50, -50, 95, -95, 150, -150};
    double s = c->xf.scale;
    route best;
    int best_hits = 1 << 30;
    for (size_t k = 0; k < sizeof tries / sizeof tries[0]; k++) {
        make_route(c, a, b, base + tries[k] * s, r);
        if (ep->simple || ep->g.cell == NULL)
            return;
        int h = route_hits(ep, c, r, a, b);
        if (h == 0)
            return;
        if (h < best_hits) {
            best_hits = h;
            best = *r;
        }
    }
    *r = best;
}

static bool
label_free(const edge_pass *ep, const gcs_rctx *c, double x, double y, double w, double h)
{
    for (size_t i = 0; i < ep->n_labels; i++) {
        const label *l = &ep->labels[i];
        if (x < l->x + l->w && l->x < x + w && y < l->y + l->h && l->y < y + h)
            return false;
    }
    double k = 3.5; /* the grid pads node boxes by 3: labels may touch, not cover */
    pt probes[] = {{x + k, y + k},         {x + w - k, y + k}, {x + k, y + h - k},
                   {x + w - k, y + h - k}, {x + w / 2, y + k}, {x + w / 2, y + h - k}};
    for (size_t j = 0; j < 6; j++)
        if (grid_hit(&ep->g, c, probes[j].x, probes[j].y, UINT32_MAX, UINT32_MAX) >= 0)
            return false;
    return true;
}

static void
place_label(edge_pass *ep, gcs_rctx *c, const route *r, const char *text, uint32_t rgb,
            double alpha)
{
    double s = c->xf.scale, fs = fmin(fmax(12.5 * s, 9.5), 18);
    if (ep->simple || s < 0.42 || text == NULL || *text == '\0')
        return;
    double w = gcs_text_width(c->cr, text, fs, false) + fs * 0.8, h = fs * 1.45;
    static const double ts[] = {0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8, 0.12, 0.88};
    /* on the edge, else beside it, else just above or below it */
    const pt shift[] = {
        {0, 0}, {w / 2 + 3, 0}, {-(w / 2 + 3), 0}, {0, -(h / 2 + 2)}, {0, h / 2 + 2}};
    pt q = qbez(r->p0, r->c, r->p1, 0.5);
    bool found = false;
    for (size_t j = 0; j < sizeof shift / sizeof shift[0] && !found; j++)
        for (size_t k = 0; k < sizeof ts / sizeof ts[0] && !found; k++) {
            pt t = qbez(r->p0, r->c, r->p1, ts[k]);
            t.x += shift[j].x;
            t.y += shift[j].y;
            if (label_free(ep, c, t.x - w / 2, t.y - h / 2, w, h)) {
                q = t;
                found = true;
            }
        }
    if (!found)
        return; /* no free place: an unlabelled arrow beats overlapping text */
    label *l = &ep->labels[ep->n_labels++];
    l->x = q.x - w / 2;
    l->y = q.y - h / 2;
    l->w = w;
    l->h = h;
    snprintf(l->text, sizeof l->text, "%s", text);
    l->rgb = rgb;
    l->alpha = alpha;
}

static void
stroke_route(cairo_t *cr, const route *r)
{
    cairo_move_to(cr, r->p0.x, r->p0.y);
    cairo_curve_to(cr, r->p0.x + 2.0 / 3 * (r->c.x - r->p0.x),
                   r->p0.y + 2.0 / 3 * (r->c.y - r->p0.y), r->p1.x + 2.0 / 3 * (r->c.x - r->p1.x),
                   r->p1.y + 2.0 / 3 * (r->c.y - r->p1.y), r->p1.x, r->p1.y);
    cairo_stroke(cr);
}

/* A cleared weakref: the curve broken in the middle, ends drooping, a cross. */
static void
draw_snapped(gcs_rctx *c, const route *r, uint32_t rgb, double alpha)
{
    cairo_t *cr = c->cr;
    double s = c->xf.scale, droop = (6 + 10 * c->ease) * s;
    pt m1 = qbez(r->p0, r->c, r->p1, 0.42), m2 = qbez(r->p0, r->c, r->p1, 0.58);
    pt c1 = {(r->p0.x + r->c.x) / 2, (r->p0.y + r->c.y) / 2};
    pt c2 = {(r->c.x + r->p1.x) / 2, (r->c.y + r->p1.y) / 2};
    gcs_rgb(cr, rgb, alpha);
    cairo_move_to(cr, r->p0.x, r->p0.y);
    cairo_curve_to(cr, c1.x, c1.y, c1.x, c1.y + droop / 2, m1.x, m1.y + droop);
    cairo_stroke(cr);
    cairo_move_to(cr, m2.x, m2.y + droop);
    cairo_curve_to(cr, c2.x, c2.y + droop / 2, c2.x, c2.y, r->p1.x, r->p1.y);
    cairo_stroke(cr);
    pt mid = qbez(r->p0, r->c, r->p1, 0.5);
    double k = fmax(7 * s, 4);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_width(cr, fmax(3 * s, 1.5));
    gcs_rgb(cr, c->th->red, fmin(1, alpha + 0.3));
    cairo_move_to(cr, mid.x - k, mid.y - k);
    cairo_line_to(cr, mid.x + k, mid.y + k);
    cairo_move_to(cr, mid.x + k, mid.y - k);
    cairo_line_to(cr, mid.x - k, mid.y + k);
    cairo_stroke(cr);
}

static void
draw_self_loop(gcs_rctx *c, uint32_t a, uint32_t rgb, double alpha, double lw, edge_pass *ep,
               const char *slot)
{
    cairo_t *cr = c->cr;
    double s = c->xf.scale, rad = 16 * s;
    double cx = c->sx[a] + GCS_LAYOUT_NODE_W / 2 * s - 22 * s,
           cy = c->sy[a] - GCS_LAYOUT_NODE_H / 2 * s - rad * 0.55;
    cairo_set_line_width(cr, lw);
    gcs_rgb(cr, rgb, alpha);
    cairo_arc(cr, cx, cy, rad, M_PI * 0.85, M_PI * 2.15);
    cairo_stroke(cr);
    double ex = cx + rad * cos(M_PI * 2.15), ey = cy + rad * sin(M_PI * 2.15);
    gcs_arrowhead(cr, ex, ey + 2 * s, 0.3, 1, fmax(10 * s, 4));
    route r = {{cx - rad, cy - rad * 1.4}, {cx, cy - rad * 1.4}, {cx + rad, cy - rad * 1.4}, true};
    place_label(ep, c, &r, slot, rgb, alpha);
}

/* Colour, width and flags of edge e. */
static void
edge_style(const gcs_rctx *c, const gcs_sedge *e, uint32_t *rgb, double *lw, double *alpha,
           unsigned *flags)
{
    const gcs_sobj *a = &c->sc->objs[e->si], *b = &c->sc->objs[e->di];
    double s = c->xf.scale;
    *rgb = c->th->edge;
    *lw = fmin(fmax(2.0 * s, 0.8), 3.2);
    *flags = 0;
    if (e->flags & GCS_SEDGE_WEAK) {
        *rgb = c->th->weak;
        *flags |= GCS_DLF_WEAK;
    } else if (!c->v->hide_cycles && a->scc >= 0 && a->scc == b->scc) {
        *rgb = gcs_render_cycle_rgb(a->scc_key);
        *lw = fmin(fmax(3.6 * s, 1.2), 5.5);
        *flags |= GCS_DLF_CYCLE;
    }
    if (e->flags & GCS_SEDGE_CHANGED) {
        *rgb = gcs_mix(*rgb, c->th->accent, 0.65);
        *lw *= 1.3;
    }
    if (e->flags & GCS_SEDGE_CLEARED)
        *flags |= GCS_DLF_SNAP;
    *alpha = fmin(c->alpha[e->si], c->alpha[e->di]);
    if (c->dim[e->si] || c->dim[e->di]) {
        *alpha *= 0.18;
        *flags |= GCS_DLF_DIM;
    }
}

static void
draw_edge(gcs_rctx *c, edge_pass *ep, const gcs_sedge *e)
{
    cairo_t *cr = c->cr;
    uint32_t rgb;
    double lw, alpha, s = c->xf.scale;
    unsigned flags;
    edge_style(c, e, &rgb, &lw, &alpha, &flags);
    if (alpha <= 0.02)
        return;
    if (e->si == e->di) {
        draw_self_loop(c, e->si, rgb, alpha, lw, ep, e->slot);
        gcs_dl_add(c->dl, GCS_DL_EDGE, e->src, e->dst, c->sx[e->si], c->sy[e->si], c->sx[e->si],
                   c->sy[e->si], rgb, flags, e->slot);
        return;
    }
    uint32_t dup = pair_bump(ep, e->si, e->di);
    bool rev = pair_has(ep, e->di, e->si) || (e->flags & GCS_SEDGE_WEAK);
    double base = ((rev ? 26 : 0) + (dup ? 34.0 * ((dup + 1) / 2) * (dup % 2 ? 1 : -1) : 0)) * s;
    route r;
    plan_route(ep, c, e->si, e->di, base, &r);
    if (r.curved)
        flags |= GCS_DLF_CURVED;
    cairo_set_line_width(cr, lw);
    if (e->flags & GCS_SEDGE_WEAK) {
        double d[] = {fmax(8 * s, 3), fmax(6 * s, 2)};
        cairo_set_dash(cr, d, 2, 0);
    }
    if (e->flags & GCS_SEDGE_CLEARED) {
        draw_snapped(c, &r, rgb, alpha * (1 - 0.5 * c->ease));
    } else {
        gcs_rgb(cr, rgb, alpha);
        stroke_route(cr, &r);
        cairo_set_dash(cr, NULL, 0, 0);
        if (!ep->simple || s > 0.12)
            gcs_arrowhead(cr, r.p1.x, r.p1.y, r.p1.x - r.c.x, r.p1.y - r.c.y,
                          fmin(fmax(13 * s, 5), 18));
    }
    cairo_set_dash(cr, NULL, 0, 0);
    if (e->flags & GCS_SEDGE_CALLBACK) /* under the weakref object */
        gcs_pill(cr, c->sx[e->si], c->sy[e->si] + (GCS_LAYOUT_NODE_H / 2 + 12) * s,
                 "callback() fires", fmax(12 * s, 9.5), c->th->orange, 0xFFFFFF, 1);
    place_label(ep, c, &r, e->slot, rgb, alpha);
    gcs_dl_add(c->dl, GCS_DL_EDGE, e->src, e->dst, r.p0.x, r.p0.y, r.p1.x, r.p1.y, rgb, flags,
               e->slot);
}

/* Simple level: straight 1-pixel lines, unlabelled; cycle edges in their hue. */
static void
draw_edges_simple(gcs_rctx *c)
{
    gcs_fastlines fl;
    gcs_fastlines_begin(&fl, c->cr, &c->reg.graph);
    for (int pass = 0; pass < 2; pass++) { /* cycle edges last, on top */
        for (size_t k = 0; k < c->sc->n_edges; k++) {
            const gcs_sedge *e = &c->sc->edges[k];
            if (e->si == GCS_SCENE_NONE || e->di == GCS_SCENE_NONE || e->si == e->di)
                continue;
            const gcs_sobj *a = &c->sc->objs[e->si];
            bool cyc = !c->v->hide_cycles && a->scc >= 0 && a->scc == c->sc->objs[e->di].scc;
            if (cyc != (pass == 1) || c->alpha[e->si] <= 0.05 || c->alpha[e->di] <= 0.05)
                continue;
            bool dim = c->dim[e->si] || c->dim[e->di];
            uint32_t rgb = cyc                         ? gcs_render_cycle_rgb(a->scc_key)
                           : e->flags & GCS_SEDGE_WEAK ? c->th->weak
                                                       : c->th->edge;
            gcs_fastlines_line(&fl, c->sx[e->si], c->sy[e->si], c->sx[e->di], c->sy[e->di], rgb,
                               (cyc ? 0.95 : 0.4) * (dim ? 0.25 : 1));
        }
    }
    gcs_fastlines_end(&fl);
}

static void
draw_labels(gcs_rctx *c, const edge_pass *ep)
{
    double fs = fmin(fmax(12.5 * c->xf.scale, 9.5), 18);
    for (size_t i = 0; i < ep->n_labels; i++) {
        const label *l = &ep->labels[i];
        gcs_rounded(c->cr, l->x, l->y, l->w, l->h, l->h / 2);
        gcs_rgb(c->cr, gcs_mix(c->th->bg, l->rgb, 0.12), 0.94 * l->alpha);
        cairo_fill(c->cr);
        gcs_text(c->cr, l->x + l->w / 2, l->y + l->h / 2 + fs * 0.36, l->text, fs, false,
                 gcs_mix(l->rgb, c->th->text, 0.35), l->alpha, 1, 0);
        gcs_dl_add(c->dl, GCS_DL_EDGE_LABEL, 0, 0, l->x, l->y, l->w, l->h, l->rgb, 0, l->text);
    }
}

static void
draw_edges(gcs_rctx *c, edge_pass *ep)
{
    const gcs_scene *sc = c->sc;
    ep->simple = GCS_LAYOUT_NODE_W * c->xf.scale < 44;
    if (ep->simple) {
        draw_edges_simple(c);
        return;
    }
    ep->pair_cap = 64;
    while (ep->pair_cap < sc->n_edges * 2 + 2)
        ep->pair_cap *= 2;
    ep->pairs = calloc(ep->pair_cap, sizeof *ep->pairs);
    ep->pair_n = calloc(ep->pair_cap, sizeof *ep->pair_n);
    ep->labels = malloc((sc->n_edges + 1) * sizeof *ep->labels);
    if (!ep->pairs || !ep->pair_n || !ep->labels) {
        c->error = GCS_ENOMEM;
        return;
    }
    for (size_t k = 0; k < sc->n_edges; k++) /* learn every pair first: reverse detection */
        if (sc->edges[k].si != GCS_SCENE_NONE && sc->edges[k].di != GCS_SCENE_NONE)
            pair_bump(ep, sc->edges[k].si, sc->edges[k].di);
    memset(ep->pair_n, 0, ep->pair_cap * sizeof *ep->pair_n);
    cairo_save(c->cr);
    cairo_set_line_cap(c->cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_tolerance(c->cr, 0.5); /* coarser curve flattening: 3x cheaper strokes */
    for (size_t k = 0; k < sc->n_edges; k++) {
        const gcs_sedge *e = &sc->edges[k];
        if (e->si != GCS_SCENE_NONE && e->di != GCS_SCENE_NONE)
            draw_edge(c, ep, e);
    }
    cairo_restore(c->cr);
}

/* {==== Nodes ====} */

/* True if a leaked object is garbage of a cycle the collector would free
 * (cyclic garbage, or kept alive only by it): drawn in the cycle's tint. */
static bool
leak_in_cycle(const gcs_rctx *c, const gcs_sobj *o, uint64_t *key)
{
    if (o->leak == GCS_SLEAK_CYCLE) {
        *key = o->leak_key;
        return true;
    }
    if (o->leak != GCS_SLEAK_INDIRECT)
        return false;
    uint32_t k = gcs_scene_find(c->sc, o->leak_key);
    if (k == GCS_SCENE_NONE || c->sc->objs[k].leak != GCS_SLEAK_CYCLE)
        return false;
    *key = c->sc->objs[k].leak_key;
    return true;
}

/* Outline colour of a leaked object (the leak analysis' class): red for a
 * reference leak, uncollectable garbage and what they keep alive; the cycle's
 * tint for cyclic garbage and what it keeps alive. */
static uint32_t
leak_rgb(const gcs_rctx *c, const gcs_sobj *o)
{
    uint64_t key;
    return leak_in_cycle(c, o, &key) ? gcs_render_cycle_rgb(key) : c->th->red;
}

static const char *
leak_tag(const gcs_rctx *c, const gcs_sobj *o)
{
    uint64_t key;
    switch (o->leak) {
    case GCS_SLEAK_CYCLE:
        return "cyclic garbage";
    case GCS_SLEAK_UNCOLLECTABLE:
        return "uncollectable";
    case GCS_SLEAK_INDIRECT:
        return leak_in_cycle(c, o, &key) ? "garbage" : "kept by a leak";
    default:
        return "LEAK";
    }
}

static void
node_tags(gcs_rctx *c, const gcs_sobj *o, char *buf, size_t cap, uint32_t *rgb)
{
    buf[0] = '\0';
    *rgb = c->th->accent;
    if (o->flags & GCS_SOBJ_ERROR) {
        snprintf(buf, cap, "misuse");
        *rgb = c->th->red;
    } else if (o->flags & GCS_SOBJ_FINALIZING) {
        snprintf(buf, cap, "__del__ running");
        *rgb = c->th->orange;
    } else if ((o->flags & GCS_SOBJ_LEAK) && !(o->flags & GCS_SOBJ_IN_PASS)) {
        snprintf(buf, cap, "%s", leak_tag(c, o));
        *rgb = leak_rgb(c, o);
    } else if (o->flags & GCS_SOBJ_FREED) {
        snprintf(buf, cap, "freed");
        *rgb = c->th->dim;
    } else if (o->flags & GCS_SOBJ_GARBAGE) {
        snprintf(buf, cap, "gc.garbage");
        *rgb = c->th->red;
    } else if (o->flags & GCS_SOBJ_MOVED) {
        bool promoted =
            o->prev_lane <= GCS_LANE_GEN1 && o->lane <= GCS_LANE_GEN2 && o->lane > o->prev_lane;
        snprintf(buf, cap, "%s",
                 promoted                             ? "promoted"
                 : o->lane == GCS_LANE_FROZEN         ? "frozen"
                 : o->lane == GCS_LANE_UNTRACKED      ? "untracked"
                 : o->prev_lane == GCS_LANE_UNTRACKED ? "tracked"
                                                      : "moved");
        *rgb = c->th->green;
    } else if (o->flags & GCS_SOBJ_NEW) {
        snprintf(buf, cap, "new");
    }
}

/* Fill and border colours for a node from its pass state. */
static void
node_colours(const gcs_rctx *c, const gcs_sobj *o, uint32_t *fill, uint32_t *line, double *lw,
             bool *dashed)
{
    const gcs_theme *th = c->th;
    *fill = gcs_is_atom_kind(o->kind) ? th->node_atom : th->node;
    *line = th->node_line;
    *lw = 1.6;
    *dashed = false;
    if (!c->v->hide_cycles && o->scc >= 0)
        *fill = gcs_mix(*fill, gcs_render_cycle_rgb(o->scc_key), 0.16);
    if (o->flags & GCS_SOBJ_IN_PASS) {
        uint32_t st = o->gc_state == 0   ? th->green
                      : o->gc_state == 1 ? th->orange
                      : o->gc_state == 4 ? th->purple
                      : o->gc_state >= 2 ? th->red
                                         : th->node_line;
        *line = st;
        *lw = 3;
        *fill = gcs_mix(*fill, st, o->gc_state >= 0 ? 0.2 : 0);
        *dashed = o->gc_state == 1;
    }
    if ((o->flags & GCS_SOBJ_LEAK) && !(o->flags & GCS_SOBJ_IN_PASS)) {
        *line = leak_rgb(c, o);
        *lw = 3.4;
    }
    if (o->flags & GCS_SOBJ_ERROR) {
        *line = th->red;
        *lw = 3.4;
    }
    if (o->flags & GCS_SOBJ_FREED)
        *dashed = true;
}

/* The refcount (or gc_refs) badge centred at (x, y); returns its left edge. */
static double
node_badge(gcs_rctx *c, const gcs_sobj *o, double x, double y, double s, double alpha)
{
    char buf[32];
    uint32_t bg = c->th->badge_bg, fg = c->th->badge_fg;
    if (o->flags & GCS_SOBJ_IN_PASS) {
        snprintf(buf, sizeof buf, "gc_refs %lld", (long long)o->gc_refs);
        bg = o->gc_state == 0   ? c->th->green
             : o->gc_state == 1 ? c->th->orange
             : o->gc_state >= 2 ? c->th->red
                                : c->th->badge_bg;
        fg = o->gc_state >= 0 ? 0xFFFFFF : c->th->badge_fg;
    } else {
        if (o->refcnt >= 100000000)
            snprintf(buf, sizeof buf, "rc \xE2\x88\x9E"); /* immortal */
        else
            snprintf(buf, sizeof buf, "rc %lld", (long long)o->refcnt);
    }
    double fs = fmin(fmax(12.5 * s, 9), 19);
    double bw = gcs_pill(c->cr, x, y, buf, fs, bg, fg, alpha);
    gcs_dl_add(c->dl, GCS_DL_BADGE, o->id, 0, x, y, 0, 0, bg, 0, buf);
    return x - bw / 2;
}

/* The tag pill ("new", "cyclic garbage") on the node's top edge left of the
 * badge, smaller if need be; if it still does not fit, on the bottom edge. */
static void
node_tag(gcs_rctx *c, const gcs_sobj *o, double x, double y, double h, double s, double limit,
         double alpha)
{
    char tags[40];
    uint32_t rgb;
    node_tags(c, o, tags, sizeof tags, &rgb);
    if (tags[0] == '\0')
        return;
    double fs = 11.5 * s, left = x + 12 * s, tw = 0;
    for (; fs >= 9; fs -= 0.5) {
        tw = gcs_text_width(c->cr, tags, fs, true) + fs * 0.9;
        if (left + tw <= limit - 3 * s)
            break;
    }
    double cy = y;
    if (fs < 9) { /* no room beside the badge: hang it under the node */
        fs = 11.5 * s;
        tw = gcs_text_width(c->cr, tags, fs, true) + fs * 0.9;
        cy = y + h;
    }
    gcs_pill(c->cr, left + tw / 2, cy, tags, fs, rgb, 0xFFFFFF, fmin(1, alpha + 0.2));
}

void
gcs_draw_node(gcs_rctx *c, size_t i, double w, double h)
{
    cairo_t *cr = c->cr;
    const gcs_sobj *o = &c->sc->objs[i];
    double a = c->alpha[i] * (c->dim[i] ? 0.22 : 1);
    if (a <= 0.02)
        return;
    double s = w / GCS_LAYOUT_NODE_W, x = c->sx[i] - w / 2, y = c->sy[i] - h / 2;
    uint32_t fill, line;
    double lw;
    bool dashed;
    node_colours(c, o, &fill, &line, &lw, &dashed);
    unsigned flags = (c->dim[i] ? GCS_DLF_DIM : 0) | (o->flags & GCS_SOBJ_LEAK ? GCS_DLF_LEAK : 0);
    if (w < 6) { /* a dot */
        cairo_rectangle(cr, x, y, fmax(w, 1.5), fmax(h, 1.5));
        gcs_rgb(cr, o->scc >= 0 && !c->v->hide_cycles ? gcs_render_cycle_rgb(o->scc_key) : line, a);
        cairo_fill(cr);
        gcs_dl_add(c->dl, GCS_DL_NODE, o->id, 0, x, y, w, h, fill, flags, o->type);
        return;
    }
    if (w < 52) { /* small: pixel-aligned rectangles only (cairo's fast path) */
        double x0 = floor(x), y0 = floor(y), x1 = ceil(x + w), y1 = ceil(y + h);
        bool cyc = !c->v->hide_cycles && o->scc >= 0;
        if (cyc || c->v->selected == o->id) {
            double k = c->v->selected == o->id ? 3 : 2;
            cairo_rectangle(cr, x0 - k, y0 - k, x1 - x0 + 2 * k, y1 - y0 + 2 * k);
            gcs_rgb(cr, cyc ? gcs_render_cycle_rgb(o->scc_key) : c->th->select, a);
            cairo_fill(cr);
            flags |= cyc ? GCS_DLF_CYCLE : 0;
        }
        cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
        gcs_rgb(cr, line, a);
        cairo_fill(cr);
        cairo_rectangle(cr, x0 + 1, y0 + 1, x1 - x0 - 2, y1 - y0 - 2);
        gcs_rgb(cr, fill, a);
        cairo_fill(cr);
        gcs_dl_add(c->dl, GCS_DL_NODE, o->id, 0, x, y, w, h, fill, flags, o->type);
        return;
    }
    double r = fmin(10 * s, h / 3);
    if (!c->v->hide_cycles && o->scc >= 0) { /* cycle halo */
        gcs_rounded(cr, x - 7 * s, y - 7 * s, w + 14 * s, h + 14 * s, r + 6 * s);
        gcs_rgb(cr, gcs_render_cycle_rgb(o->scc_key), 0.42 * a);
        cairo_fill(cr);
        flags |= GCS_DLF_CYCLE;
    }
    if (o->flags & GCS_SOBJ_CHANGED) {
        gcs_rounded(cr, x - 5 * s, y - 5 * s, w + 10 * s, h + 10 * s, r + 4 * s);
        gcs_rgb(cr, c->th->accent, 0.75 * a);
        cairo_set_line_width(cr, fmax(4 * s, 1.5));
        cairo_stroke(cr);
    }
    if (c->v->selected == o->id) {
        gcs_rounded(cr, x - 4 * s, y - 4 * s, w + 8 * s, h + 8 * s, r + 3 * s);
        gcs_rgb(cr, c->th->select, a);
        cairo_set_line_width(cr, fmax(4 * s, 2));
        cairo_stroke(cr);
        flags |= GCS_DLF_SELECTED;
    }
    gcs_rounded(cr, x, y, w, h, r);
    gcs_rgb(cr, fill, a);
    cairo_fill_preserve(cr);
    gcs_rgb(cr, line, a);
    cairo_set_line_width(cr, fmax(lw * fmin(s, 1.4), 0.8));
    if (dashed) {
        double d[] = {fmax(6 * s, 2), fmax(4 * s, 2)};
        cairo_set_dash(cr, d, 2, 0);
    }
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    gcs_dl_add(c->dl, GCS_DL_NODE, o->id, 0, x, y, w, h, fill, flags, o->type);
    if (w < 52)
        return;
    char idbuf[24];
    snprintf(idbuf, sizeof idbuf, "#%llu", (unsigned long long)o->id);
    double fs1 = 16.5 * s, fs2 = 15.5 * s, pad = 9 * s;
    double idw =
        gcs_text(cr, x + w - pad, y + h - 9 * s, idbuf, 11 * s, false, c->th->dim, a, 2, 0);
    double title_w = w - 2 * pad - 52 * s; /* a class name shrinks a little before it is cut */
    gcs_text(cr, x + pad, y + 24 * s, o->type,
             gcs_text_fit_size(cr, o->type, fs1, true, title_w, fs1 * 0.75), true, c->th->text, a,
             0, title_w);
    gcs_text(cr, x + pad, y + h - 11 * s, o->label, fs2, false, c->th->text, a, 0,
             w - 2 * pad - idw - 4 * s);
    double badge_left = node_badge(c, o, x + w - 30 * s, y, s, a);
    node_tag(c, o, x, y, h, s, badge_left, a);
}

static void
draw_nodes(gcs_rctx *c)
{
    double s = c->xf.scale, w = GCS_LAYOUT_NODE_W * s, h = GCS_LAYOUT_NODE_H * s;
    const gcs_rect *g = &c->reg.graph;
    for (size_t i = 0; i < c->sc->n_objs; i++) {
        if (c->sx[i] + w < g->x || c->sx[i] - w > g->x + g->w || c->sy[i] + h < g->y ||
            c->sy[i] - h > g->y + g->h)
            continue; /* culled */
        gcs_draw_node(c, i, w, h);
    }
}

void
gcs_draw_graph(gcs_rctx *c)
{
    compute_screen(c);
    draw_lanes(c);
    draw_hulls(c);
    edge_pass ep;
    memset(&ep, 0, sizeof ep);
    if (!grid_build(&ep.g, c))
        ep.g.cell = NULL;
    draw_edges(c, &ep);
    draw_nodes(c);
    draw_labels(c, &ep);
    free(ep.g.cell);
    free(ep.labels);
    free(ep.pairs);
    free(ep.pair_n);
}
