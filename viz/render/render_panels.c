/* viz/render/render_panels.c — everything around the graph: the caption line,
 * the roots panel (frames, variables, arrows into the graph), the collector
 * pass banner, the timeline, the status line, the inspector, and the help and
 * toast overlays. Panel text sizes are fixed in points (classroom sizes); they
 * do not zoom with the graph.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "render/render_int.h"

/* {==== Caption ====} */

double
gcs_caption_width(cairo_t *cr, const gcs_view *v, const gcs_scene *sc, double *title_w)
{
    *title_w = 0;
    if (sc->title != NULL) {
        *title_w = fmin(gcs_text_width(cr, sc->title, 14, false), v->width * 0.3);
    }
    return v->width - *title_w - 60;
}

/* Caption line(s): the last marker's text wrapped onto up to
 * GCS_CAPTION_MAX lines (the region grows to fit, see gcs_render_regions). */
static void
draw_caption(gcs_rctx *c)
{
    cairo_t *cr = c->cr;
    const gcs_rect *r = &c->reg.caption;
    const gcs_scene *sc = c->sc;
    gcs_rgb(cr, c->th->panel, 1);
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_fill(cr);
    gcs_rgb(cr, c->th->panel_line, 1);
    cairo_rectangle(cr, r->x, r->y + r->h - 1, r->w, 1);
    cairo_fill(cr);
    double title_w = 0, cap_w = gcs_caption_width(cr, c->v, sc, &title_w);
    if (sc->title != NULL)
        gcs_text(cr, r->x + r->w - 16, r->y + 31, sc->title, 14, false, c->th->dim, 1, 2,
                 r->w * 0.3);
    if (sc->caption != NULL) {
        if (sc->marker_now) {
            gcs_rgb(cr, c->th->accent, 1);
            cairo_rectangle(cr, r->x, r->y, 7, r->h - 1);
            cairo_fill(cr);
        }
        gcs_text_wrap(cr, r->x + 20, r->y + 33, sc->caption, GCS_CAPTION_SIZE, true, c->th->text, 1,
                      cap_w, GCS_CAPTION_LINE_H, GCS_CAPTION_MAX, true);
        gcs_dl_add(c->dl, GCS_DL_TEXT, 0, 0, r->x, r->y, r->w, r->h, c->th->text, 0, sc->caption);
    } else {
        gcs_text(cr, r->x + 20, r->y + 32, "gcscope", 20, true, c->th->dim, 1, 0, 0);
    }
}

/* {==== Roots panel ====} */

/* True if the cubic from p0 to p3 (controls p1, p2) passes through a drawn
 * node other than `target` (sampled; nodes shrunk a little so grazing is ok).
 * Only the drawn nodes (c->drawn: a few hundred at most in the aggregated
 * view) inside the curve's bounding box are sampled, not every object of a
 * 50,000-object scene 31 times per variable. */
static bool
curve_hits_node(const gcs_rctx *c, const double p[8], uint32_t target)
{
    double s = c->xf.scale, hw = GCS_LAYOUT_NODE_W / 2 * s - 2, hh = GCS_LAYOUT_NODE_H / 2 * s - 2;
    double bx0 = fmin(fmin(p[0], p[2]), fmin(p[4], p[6])) - hw;
    double bx1 = fmax(fmax(p[0], p[2]), fmax(p[4], p[6])) + hw;
    double by0 = fmin(fmin(p[1], p[3]), fmin(p[5], p[7])) - hh;
    double by1 = fmax(fmax(p[1], p[3]), fmax(p[5], p[7])) + hh;
    enum { NEAR_MAX = 512 };
    uint32_t near[NEAR_MAX];
    size_t n = 0;
    for (size_t j = 0; j < c->n_drawn; j++) {
        uint32_t i = c->drawn[j];
        if (i == target || c->sx[i] < bx0 || c->sx[i] > bx1 || c->sy[i] < by0 || c->sy[i] > by1)
            continue;
        if (n == NEAR_MAX)
            return true; /* that crowded: route through the gaps */
        near[n++] = i;
    }
    for (int k = 1; k < 32 && n > 0; k++) {
        double t = k / 32.0, u = 1 - t;
        double a = u * u * u, b = 3 * u * u * t, d = 3 * u * t * t, e = t * t * t;
        double x = a * p[0] + b * p[2] + d * p[4] + e * p[6];
        double y = a * p[1] + b * p[3] + d * p[5] + e * p[7];
        for (size_t j = 0; j < n; j++)
            if (fabs(x - c->sx[near[j]]) < hw && fabs(y - c->sy[near[j]]) < hh)
                return true;
    }
    return false;
}

/* Fill c->drawn (the obstacles of the roots arrows). False on ENOMEM. */
static bool
find_drawn(gcs_rctx *c)
{
    c->n_drawn = 0;
    c->drawn = malloc((c->sc->n_objs + 1) * sizeof *c->drawn);
    if (c->drawn == NULL)
        return false;
    bool agg = gcs_render_aggregated(c->sc);
    for (size_t i = 0; i < c->sc->n_objs; i++)
        if ((agg ? c->full[i] : c->sc->objs[i].placed) && c->alpha[i] > 0.02)
            c->drawn[c->n_drawn++] = (uint32_t)i;
    return true;
}

/* An L from (x, y), the current point, to (x1, y1): first horizontal then
 * vertical, with a rounded corner of radius r. */
static void
leg_to(cairo_t *cr, double x, double y, double x1, double y1, double r)
{
    double dx = x1 - x, dy = y1 - y;
    double rr = fmin(r, fmin(fabs(dx), fabs(dy)) / 2);
    double sx = dx >= 0 ? 1 : -1, sy = dy >= 0 ? 1 : -1;
    cairo_line_to(cr, x1 - sx * rr, y);
    cairo_curve_to(cr, x1, y, x1, y, x1, y + sy * rr);
    cairo_line_to(cr, x1, y1);
}

/* The arrow from a variable's dot (x, y) to its object: a smooth curve when
 * that misses every other node; otherwise routed through the gaps of the
 * grid: across the margin left of the lanes, along the gap between the rows
 * above the target, down the gap left of its column, into its left side. */
static void
var_arrow(gcs_rctx *c, double x, double y, uint32_t target, bool changed)
{
    cairo_t *cr = c->cr;
    double tx, ty;
    gcs_node_anchor(c, target, &tx, &ty);
    double a = c->alpha[target] * (c->dim[target] ? 0.25 : 1);
    uint32_t rgb = changed ? gcs_mix(c->th->root, c->th->accent, 0.6) : c->th->root;
    double dx = fmax((tx - x) * 0.45, 30);
    double p[8] = {x, y, x + dx, y, tx - dx, ty, tx - 2, ty};
    cairo_set_line_width(cr, changed ? 3 : 2);
    gcs_rgb(cr, rgb, a * 0.9);
    cairo_move_to(cr, x, y);
    if (!curve_hits_node(c, p, target)) {
        cairo_curve_to(cr, p[2], p[3], p[4], p[5], p[6], p[7]);
    } else {
        double s = c->xf.scale;
        double gx = c->reg.graph.x + 6;                                   /* left margin */
        double gy = ty - GCS_LAYOUT_CELL_H / 2 * s;                       /* gap above the row */
        double cx = tx - (GCS_LAYOUT_CELL_W - GCS_LAYOUT_NODE_W) / 2 * s; /* gap left of it */
        double r = 10;
        if (cx < gx + 2 * r)
            gx = fmax(x + 8, cx - 2 * r);
        leg_to(cr, x, y, gx, gy, r);
        leg_to(cr, gx, gy, cx, ty, r);
        cairo_line_to(cr, tx - 2, ty);
    }
    cairo_stroke(cr);
    gcs_arrowhead(cr, tx - 1, ty, 1, 0, 12);
    cairo_arc(cr, x, y, 4.5, 0, 2 * M_PI);
    cairo_fill(cr);
}

/* A variable's row; returns false when the panel is full. */
static void
draw_var(gcs_rctx *c, const gcs_svar *v, double x, double y, double w)
{
    cairo_t *cr = c->cr;
    const gcs_scene *sc = c->sc;
    if (v->changed) {
        gcs_rounded(cr, x + 8, y - 18, w - 16, 26, 6);
        gcs_rgb(cr, c->th->accent, 0.3);
        cairo_fill(cr);
    }
    gcs_text(cr, x + 30, y, v->name, 16, false, c->th->text, 1, 0, w - 90);
    double dot_x = x + w - 14;
    uint32_t t = v->obj ? gcs_scene_find(sc, v->obj) : GCS_SCENE_NONE;
    bool drawn = t != GCS_SCENE_NONE && sc->objs[t].placed && c->alpha[t] > 0.02 &&
                 !gcs_render_aggregated(sc);
    if (gcs_render_aggregated(sc) && t != GCS_SCENE_NONE && c->full[t])
        drawn = true;
    if (drawn) {
        var_arrow(c, dot_x, y - 5, t, v->changed);
    } else if (v->obj != 0) {
        char buf[32];
        snprintf(buf, sizeof buf, "#%llu", (unsigned long long)v->obj);
        gcs_text(cr, dot_x, y, buf, 13, false, c->th->dim, 1, 2, 0);
    } else {
        gcs_text(cr, dot_x, y, "unbound", 13, false, c->th->dim, 1, 2, 0);
    }
    gcs_dl_add(c->dl, GCS_DL_VAR, v->obj, 0, dot_x, y - 5, 0, 0, c->th->root, 0, v->name);
}

static void
draw_roots(gcs_rctx *c)
{
    cairo_t *cr = c->cr;
    const gcs_rect *r = &c->reg.roots;
    const gcs_scene *sc = c->sc;
    gcs_rgb(cr, c->th->panel, 1);
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_fill(cr);
    gcs_text(cr, r->x + 16, r->y + 30, "Roots", 18, true, c->th->text, 1, 0, 0);
    gcs_text(cr, r->x + 16, r->y + 50, "frames and their names", 12.5, false, c->th->dim, 1, 0,
             r->w - 24);
    double y = r->y + 84, bottom = r->y + r->h - 12;
    size_t shown = 0;
    if (sc->n_vars > 0 && !find_drawn(c)) {
        c->error = GCS_ENOMEM;
        return;
    }
    for (size_t f = 0; f < sc->n_frames && y < bottom; f++) {
        char buf[96];
        snprintf(buf, sizeof buf, "\xE2\x96\xBE %s", sc->frames[f].name);
        gcs_text(cr, r->x + 12, y, buf, 15.5, true, c->th->lane_text, 1, 0, r->w - 24);
        y += 28;
        for (size_t k = 0; k < sc->n_vars; k++) {
            if (sc->vars[k].frame != f)
                continue;
            if (y > bottom - 20) {
                gcs_text(cr, r->x + 30, y, "\xE2\x80\xA6 more", 14, false, c->th->dim, 1, 0, 0);
                y = bottom + 1;
                break;
            }
            draw_var(c, &sc->vars[k], r->x, y, r->w);
            y += 29;
            shown++;
        }
        y += 8;
    }
    if (sc->n_frames == 0)
        gcs_text(cr, r->x + 16, y, "(no frames)", 14, false, c->th->dim, 1, 0, 0);
    free(c->drawn);
    c->drawn = NULL;
    c->n_drawn = 0;
    (void)shown;
}

/* {==== Pass banner ====} */

static const char *
phase_help(const char *phase)
{
    static const struct {
        const char *name, *help;
    } t[] = {
        {"update_refs", "gc_refs := refcount for every object in the set"},
        {"subtract_refs", "subtract references coming from inside the set"},
        {"move_unreachable", "gc_refs > 0 is reachable from outside; spread reachability"},
        {"untrack_tuples", "untrack tuples that hold only atoms"},
        {"promote", "survivors move to the next generation"},
        {"legacy_finalizers", "objects with legacy finalizers are uncollectable"},
        {"weakrefs", "clear weak references to garbage; queue their callbacks"},
        {"finalizers", "run __del__ once per object (PEP 442)"},
        {"resurrection", "objects a finalizer made reachable again survive"},
        {"clear", "break the cycles: drop the garbage's references"},
        {"done", "pass finished"},
    };
    for (size_t i = 0; phase != NULL && i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].name, phase) == 0)
            return t[i].help;
    return "";
}

static void
legend_dot(gcs_rctx *c, double x, double y, uint32_t rgb, const char *text)
{
    gcs_rounded(c->cr, x, y - 11, 14, 14, 4);
    gcs_rgb(c->cr, rgb, 1);
    cairo_fill(c->cr);
    gcs_text(c->cr, x + 20, y + 1, text, 13, false, c->th->overlay_fg, 1, 0, 0);
}

void
gcs_draw_pass_banner(gcs_rctx *c)
{
    const gcs_scene *sc = c->sc;
    if (!sc->in_pass)
        return;
    cairo_t *cr = c->cr;
    const gcs_rect *g = &c->reg.graph;
    double w = fmin(g->w - 24, 760), x = g->x + (g->w - w) / 2, y = g->y + 6;
    gcs_rounded(cr, x, y, w, 50, 10);
    gcs_rgb(cr, c->th->overlay_bg, 0.88);
    cairo_fill(cr);
    char buf[160];
    snprintf(buf, sizeof buf, "Collecting generation%s %s%d \xC2\xB7 %s",
             sc->pass_gen > 0 ? "s" : "", sc->pass_gen > 0 ? "0\xE2\x80\x93" : "", sc->pass_gen,
             sc->pass_phase ? sc->pass_phase : "starting");
    gcs_text(cr, x + 14, y + 22, buf, 17, true, c->th->accent, 1, 0, w - 28);
    const char *help = sc->firing ? sc->firing : phase_help(sc->pass_phase);
    gcs_text(cr, x + 14, y + 42, help, 13.5, false, c->th->overlay_fg, 1, 0, w * 0.55);
    double lx = x + w * 0.58 + 6;
    legend_dot(c, lx, y + 42, c->th->green, "reachable");
    legend_dot(c, lx + 105, y + 42, c->th->orange, "tentative");
    legend_dot(c, lx + 205, y + 42, c->th->red, "unreachable");
    gcs_dl_add(c->dl, GCS_DL_PHASE, (uint64_t)sc->pass_gen, 0, x, y, w, 50, c->th->accent, 0,
               sc->pass_phase);
}

/* {==== Timeline ====} */

void
gcs_tl_span(const gcs_rect *t, double *x0, double *x1)
{
    *x0 = t->x + 70;
    *x1 = t->x + t->w - 16;
}

static double
tl_x(const gcs_rctx *c, uint64_t ev)
{
    double x0, x1;
    gcs_tl_span(&c->reg.timeline, &x0, &x1);
    uint64_t n = c->sc->n_events > 1 ? c->sc->n_events - 1 : 1;
    return x0 + (x1 - x0) * (double)ev / (double)n;
}

/* One bar of collector passes of generation g over [xa, xb] (none if xb < xa). */
static void
tl_bar(gcs_rctx *c, int g, double top, double xa, double xb)
{
    if (xb < xa)
        return;
    gcs_rgb(c->cr, c->th->tl_gen[g], 1);
    cairo_rectangle(c->cr, xa, top + 18 + g * 13, xb - xa, 10);
    cairo_fill(c->cr);
    gcs_dl_add(c->dl, GCS_DL_TL_PASS, (uint64_t)g, 0, xa, top + 18 + g * 13, xb - xa, 10,
               c->th->tl_gen[g], 0, NULL);
}

static void
draw_timeline(gcs_rctx *c)
{
    cairo_t *cr = c->cr;
    const gcs_rect *r = &c->reg.timeline;
    const gcs_scene *sc = c->sc;
    gcs_rgb(cr, c->th->panel, 1);
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_fill(cr);
    gcs_rgb(cr, c->th->panel_line, 1);
    cairo_rectangle(cr, r->x, r->y, r->w, 1);
    cairo_fill(cr);
    double x0, x1, top = r->y + 8;
    gcs_tl_span(r, &x0, &x1);
    gcs_text(cr, r->x + 10, top + 11, "markers", 11, false, c->th->dim, 1, 0, 56);
    for (int g = 0; g < 3; g++) {
        char buf[16];
        snprintf(buf, sizeof buf, "gen %d", g);
        gcs_text(cr, r->x + 10, top + 28 + g * 13, buf, 11, false, c->th->dim, 1, 0, 0);
        gcs_rgb(cr, c->th->panel_line, 0.6);
        cairo_rectangle(cr, x0, top + 18 + g * 13, x1 - x0, 10);
        cairo_fill(cr);
    }
    /* A long trace has tens of thousands of passes: bars closer than a pixel
     * merge into one rectangle per run, ticks on the same pixel into one. */
    double run_a[3] = {0, 0, 0}, run_b[3] = {-1, -1, -1}, last_tick[GCS_TL_ERROR + 1];
    for (int k = 0; k <= GCS_TL_ERROR; k++)
        last_tick[k] = -10;
    for (size_t i = 0; i < sc->n_timeline; i++) {
        const gcs_tl_entry *e = &sc->timeline[i];
        double xa = tl_x(c, e->ev), xb = tl_x(c, e->ev_end);
        if (e->kind == GCS_TL_PASS) {
            int g = e->gen < 0 ? 0 : e->gen > 2 ? 2 : e->gen;
            xb = fmax(xb, xa + 2.5);
            if (run_b[g] >= run_a[g] && xa <= run_b[g] + 1) {
                run_b[g] = fmax(run_b[g], xb);
                continue;
            }
            tl_bar(c, g, top, run_a[g], run_b[g]);
            run_a[g] = xa;
            run_b[g] = xb;
        } else {
            int k = e->kind >= 0 && e->kind <= GCS_TL_ERROR ? e->kind : GCS_TL_ERROR;
            if (fabs(xa - last_tick[k]) < 1)
                continue;
            last_tick[k] = xa;
            bool bad = e->kind != GCS_TL_MARKER;
            uint32_t rgb = bad ? c->th->red : c->th->tl_marker;
            gcs_rgb(cr, rgb, 1);
            cairo_rectangle(cr, xa - (bad ? 1.5 : 1), bad ? top : top + 2, bad ? 3 : 2,
                            bad ? 58 : 13);
            cairo_fill(cr);
            gcs_dl_add(c->dl, GCS_DL_TL_TICK, (uint64_t)e->kind, 0, xa, top, 2, 13, rgb,
                       bad ? GCS_DLF_LEAK : 0, e->text);
        }
    }
    for (int g = 0; g < 3; g++)
        tl_bar(c, g, top, run_a[g], run_b[g]);
    if (sc->n_events > 0) {
        double cx = tl_x(c, sc->cur_event);
        gcs_rgb(cr, c->th->select, 1);
        cairo_rectangle(cr, cx - 1.5, top - 4, 3, 60);
        cairo_fill(cr);
        cairo_move_to(cr, cx - 7, top - 6);
        cairo_line_to(cr, cx + 7, top - 6);
        cairo_line_to(cr, cx, top + 3);
        cairo_close_path(cr);
        cairo_fill(cr);
    }
}

/* {==== Status line ====} */

static void
draw_status(gcs_rctx *c)
{
    cairo_t *cr = c->cr;
    const gcs_rect *r = &c->reg.status;
    const gcs_scene *sc = c->sc;
    gcs_rgb(cr, c->th->panel, 1);
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_fill(cr);
    char right[96], left[512];
    if (c->v->playing)
        snprintf(right, sizeof right, "\xE2\x96\xB6 playing %.3g ev/s   ? help", c->v->speed);
    else
        snprintf(right, sizeof right, "paused   ? help");
    double rw = gcs_text(cr, r->x + r->w - 14, r->y + 23, right, 14, false, c->th->dim, 1, 2, 0);
    int n = snprintf(left, sizeof left, "event %llu of %llu",
                     (unsigned long long)(sc->n_events ? sc->cur_event + 1 : 0),
                     (unsigned long long)sc->n_events);
    if (sc->event_text != NULL && n > 0 && (size_t)n < sizeof left)
        n += snprintf(left + n, sizeof left - (size_t)n, "  \xC2\xB7  %s", sc->event_text);
    if (sc->event_site != NULL && n > 0 && (size_t)n < sizeof left)
        snprintf(left + n, sizeof left - (size_t)n, "  \xC2\xB7  at %s", sc->event_site);
    gcs_text(cr, r->x + 14, r->y + 23, left, 15, false, c->th->text, 1, 0, r->w - rw - 44);
    gcs_dl_add(c->dl, GCS_DL_TEXT, 1, 0, r->x, r->y, r->w, r->h, c->th->text, 0, left);
}

void
gcs_draw_panels(gcs_rctx *c)
{
    draw_caption(c);
    draw_timeline(c);
    draw_status(c);
    draw_roots(c); /* last: its arrows run over the graph area's edge */
}

/* {==== Inspector ====} */

static double
insp_row(gcs_rctx *c, double y, const char *k, const char *v)
{
    const gcs_rect *r = &c->reg.inspector;
    gcs_text(c->cr, r->x + 16, y, k, 13, false, c->th->dim, 1, 0, 110);
    gcs_text(c->cr, r->x + 120, y, v, 14, false, c->th->text, 1, 0, r->w - 132);
    return y + 22;
}

static double
insp_refs(gcs_rctx *c, double y, const gcs_sobj *o, bool in, double bottom)
{
    const gcs_rect *r = &c->reg.inspector;
    const gcs_scene *sc = c->sc;
    size_t n = 0;
    for (size_t k = 0; k < sc->n_edges; k++)
        n += in ? sc->edges[k].dst == o->id : sc->edges[k].src == o->id;
    char buf[128];
    snprintf(buf, sizeof buf, "%s (%zu)", in ? "referrers" : "referents", n);
    gcs_text(c->cr, r->x + 16, y, buf, 14, true, c->th->lane_text, 1, 0, 0);
    y += 21;
    size_t shown = 0;
    for (size_t k = 0; k < sc->n_edges && y < bottom; k++) {
        const gcs_sedge *e = &sc->edges[k];
        if ((in ? e->dst : e->src) != o->id)
            continue;
        uint32_t other = in ? e->si : e->di;
        const char *type = other != GCS_SCENE_NONE ? sc->objs[other].type : "?";
        snprintf(buf, sizeof buf, in ? "#%llu %s  %s%s" : "%3$s \xE2\x86\x92 #%1$llu %2$s%4$s",
                 (unsigned long long)(in ? e->src : e->dst), type, e->slot,
                 e->flags & GCS_SEDGE_WEAK ? " (weak)" : "");
        gcs_text(c->cr, r->x + 24, y, buf, 13.5, false, c->th->text, 1, 0, r->w - 36);
        y += 19;
        if (++shown == 6 && n > 6) {
            snprintf(buf, sizeof buf, "\xE2\x80\xA6 %zu more", n - 6);
            gcs_text(c->cr, r->x + 24, y, buf, 13, false, c->th->dim, 1, 0, 0);
            y += 19;
            break;
        }
    }
    return y + 8;
}

void
gcs_draw_inspector(gcs_rctx *c)
{
    const gcs_rect *r = &c->reg.inspector;
    if (r->w <= 0)
        return;
    const gcs_scene *sc = c->sc;
    uint32_t i = gcs_scene_find(sc, c->v->selected);
    if (i == GCS_SCENE_NONE)
        return;
    const gcs_sobj *o = &sc->objs[i];
    cairo_t *cr = c->cr;
    gcs_rgb(cr, c->th->panel, 1);
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_fill(cr);
    gcs_rgb(cr, c->th->select, 1);
    cairo_rectangle(cr, r->x, r->y, 4, r->h);
    cairo_fill(cr);
    char buf[128];
    snprintf(buf, sizeof buf, "#%llu  %s", (unsigned long long)o->id, o->type);
    gcs_text(cr, r->x + 16, r->y + 32, buf, 19, true, c->th->text, 1, 0, r->w - 28);
    double y = r->y + 60, bottom = r->y + r->h - 10;
    y = insp_row(c, y, "label", o->label[0] ? o->label : "\xE2\x80\x94");
    snprintf(buf, sizeof buf, "%lld", (long long)o->refcnt);
    y = insp_row(c, y, "refcount", buf);
    y = insp_row(c, y, "lane", gcs_lane_name(o->lane));
    if (o->flags & GCS_SOBJ_IN_PASS) {
        snprintf(buf, sizeof buf, "%lld", (long long)o->gc_refs);
        y = insp_row(c, y, "gc_refs", buf);
    }
    y = insp_row(c, y, "allocated", o->site ? o->site : "\xE2\x80\x94");
    if (o->scc >= 0)
        y = insp_row(c, y, "cycle", "in a reference cycle");
    y = insp_refs(c, y + 6, o, true, bottom - 120);
    y = insp_refs(c, y, o, false, bottom - 80);
    gcs_text(cr, r->x + 16, y, "refcount history", 14, true, c->th->lane_text, 1, 0, 0);
    y += 21;
    size_t first = 0, fit = (size_t)fmax((bottom - y) / 19, 0);
    if (sc->n_rc_hist > fit)
        first = sc->n_rc_hist - fit;
    for (size_t k = first; k < sc->n_rc_hist && y < bottom; k++) {
        const gcs_rc_hist *h = &sc->rc_hist[k];
        snprintf(buf, sizeof buf, "%6llu  rc %-3lld %s", (unsigned long long)h->ev + 1,
                 (long long)h->refcnt, h->site ? h->site : "");
        gcs_text(cr, r->x + 20, y, buf, 12.5, false,
                 h->ev == sc->cur_event ? c->th->select : c->th->text, 1, 0, r->w - 30);
        y += 19;
    }
    gcs_dl_add(c->dl, GCS_DL_TEXT, 2, o->id, r->x, r->y, r->w, r->h, c->th->text, 0, "inspector");
}

/* {==== Overlays ====} */

static void
draw_help(gcs_rctx *c)
{
    static const char *const keys[][2] = {
        {"space", "play / pause"},
        {"\xE2\x86\x90 \xE2\x86\x92", "step back / forward"},
        {"shift+\xE2\x86\x90 \xE2\x86\x92", "previous / next collector pass"},
        {"ctrl+\xE2\x86\x90 \xE2\x86\x92", "previous / next marker"},
        {"Home / End", "first / last event"},
        {"+ / \xE2\x88\x92", "faster / slower"},
        {"wheel, drag", "zoom, pan"},
        {"f", "fit to window"},
        {"click", "select and inspect"},
        {"c", "cycle highlighting on/off"},
        {"l", "next leak"},
        {"i", "interpreter-internal objects on/off"},
        {"/", "search by id or type"},
        {"t", "light / dark theme"},
        {"s", "screenshot to PNG"},
        {"? or F1", "this help"},
        {"q / Esc", "quit"},
    };
    size_t n = sizeof keys / sizeof keys[0];
    cairo_t *cr = c->cr;
    double w = 560, h = 70 + n * 30.0, x = (c->v->width - w) / 2, y = (c->v->height - h) / 2;
    cairo_rectangle(cr, 0, 0, c->v->width, c->v->height); /* veil the frame */
    gcs_rgb(cr, c->th->bg, 0.6);
    cairo_fill(cr);
    gcs_rounded(cr, x, y, w, h, 16);
    gcs_rgb(cr, c->th->overlay_bg, 1);
    cairo_fill(cr);
    gcs_text(cr, x + 28, y + 42, "Keys", 22, true, c->th->overlay_fg, 1, 0, 0);
    for (size_t i = 0; i < n; i++) {
        double ry = y + 78 + i * 30.0;
        gcs_text(cr, x + 210, ry, keys[i][0], 17, true, c->th->accent, 1, 2, 0);
        gcs_text(cr, x + 230, ry, keys[i][1], 17, false, c->th->overlay_fg, 1, 0, w - 250);
    }
    gcs_dl_add(c->dl, GCS_DL_TEXT, 3, 0, x, y, w, h, c->th->overlay_bg, 0, "help");
}

void
gcs_draw_overlays(gcs_rctx *c)
{
    if (c->v->toast != NULL && *c->v->toast) {
        const gcs_rect *g = &c->reg.graph;
        gcs_pill(c->cr, g->x + g->w / 2, g->y + g->h - 30, c->v->toast, 16, c->th->overlay_bg,
                 c->th->overlay_fg, 0.92);
        gcs_dl_add(c->dl, GCS_DL_TEXT, 4, 0, g->x, g->y + g->h - 44, g->w, 30, 0, 0, c->v->toast);
    }
    if (c->v->show_help)
        draw_help(c);
}
