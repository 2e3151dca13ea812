/* viz/render/render.c — gcs_render_frame(): splits the frame into regions,
 * sets up the world -> screen transform, and runs the drawing passes in order
 * (background, graph or aggregate, panels, inspector, overlays). Start here.
 *
 * The frame never changes the scene's model state: it only fills derived
 * fields (index, cycles) and the per-frame screen positions in its context.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "render/render_int.h"

void
gcs_view_init(gcs_view *v, double w, double h)
{
    memset(v, 0, sizeof *v);
    v->width = w;
    v->height = h;
    v->zoom = 1;
    v->anim_t = 1;
    v->speed = 10;
    v->show_inspector = true;
}

bool
gcs_render_aggregated(const gcs_scene *sc)
{
    return sc->sum.on || sc->n_objs > GCS_RENDER_DETAIL_MAX;
}

/* Lines the caption wraps onto (at least 1). */
static int
caption_lines(const gcs_view *v, const gcs_scene *sc)
{
    if (sc->caption == NULL)
        return 1;
    cairo_t *cr = gcs_measure_cr();
    double title_w, w = gcs_caption_width(cr, v, sc, &title_w);
    int n = gcs_text_wrap(cr, 0, 0, sc->caption, GCS_CAPTION_SIZE, true, 0, 1, w,
                          GCS_CAPTION_LINE_H, GCS_CAPTION_MAX, false);
    return n > 1 ? n : 1;
}

void
gcs_render_regions(const gcs_view *v, const gcs_scene *sc, gcs_regions *r)
{
    memset(r, 0, sizeof *r);
    double W = v->width, H = v->height;
    if (v->no_chrome) {
        r->graph = (gcs_rect){0, 0, W, H};
        return;
    }
    double cap_h = 50 + GCS_CAPTION_LINE_H * (caption_lines(v, sc) - 1), status_h = 34, tl_h = 66;
    double roots_w = fmin(fmax(W * 0.15, 180), 260);
    bool insp =
        v->show_inspector && v->selected != 0 && gcs_scene_find(sc, v->selected) != GCS_SCENE_NONE;
    double insp_w = insp ? fmin(fmax(W * 0.24, 260), 360) : 0;
    double mid_h = H - cap_h - status_h - tl_h;
    r->caption = (gcs_rect){0, 0, W, cap_h};
    r->roots = (gcs_rect){0, cap_h, roots_w, mid_h};
    r->graph = (gcs_rect){roots_w, cap_h, W - roots_w - insp_w, mid_h};
    r->inspector = (gcs_rect){W - insp_w, cap_h, insp_w, mid_h};
    r->timeline = (gcs_rect){0, cap_h + mid_h, W, tl_h};
    r->status = (gcs_rect){0, H - status_h, W, status_h};
}

double
gcs_render_graph_aspect(double w, double h)
{
    gcs_view v;
    gcs_scene sc;
    gcs_view_init(&v, w, h);
    gcs_scene_init(&sc);
    gcs_regions r;
    gcs_render_regions(&v, &sc, &r);
    return r.graph.h > 0 ? (r.graph.w - 20) / (r.graph.h - 20) : 1.6;
}

/* World extent of the detail view: the layout's, or the objects' bounds. */
static void
world_extent(const gcs_view *v, const gcs_scene *sc, double *x0, double *y0, double *w, double *h)
{
    *x0 = *y0 = 0;
    if (sc->compacted && !v->fit_content) { /* placed on demand (big traces) */
        *w = sc->world_w;
        *h = sc->world_h;
        return;
    }
    if (v->layout != NULL && !v->fit_content) {
        gcs_layout_extent(v->layout, w, h);
        return;
    }
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t i = 0; i < sc->n_objs; i++) {
        const gcs_sobj *o = &sc->objs[i];
        if (!o->placed)
            continue;
        minx = fmin(minx, o->x);
        maxx = fmax(maxx, o->x);
        miny = fmin(miny, o->y);
        maxy = fmax(maxy, o->y);
    }
    if (!(maxx >= minx)) {
        if (v->layout != NULL)
            gcs_layout_extent(v->layout, w, h);
        else
            *w = *h = 100;
        return;
    }
    if (v->layout != NULL) { /* whole lanes, headers included: see content_lanes() */
        *h = maxy + GCS_LAYOUT_CELL_H / 2 + GCS_LAYOUT_LANE_PAD;
        return;
    }
    *x0 = minx - GCS_LAYOUT_CELL_W / 2;
    *y0 = miny - GCS_LAYOUT_CELL_H / 2;
    *w = maxx - minx + GCS_LAYOUT_CELL_W;
    *h = maxy - miny + GCS_LAYOUT_CELL_H;
}

/* Transform fitting a world box into the graph region, then zoom/pan. */
static void
fit_xform(const gcs_view *v, const gcs_rect *g, double x0, double y0, double w, double h,
          double top_pad, gcs_xform *x)
{
    double m = 10;
    double s = fmin((g->w - 2 * m) / w, (g->h - 2 * m - top_pad) / h);
    if (!(s > 0))
        s = 1;
    if (s > 1.6)
        s = 1.6; /* tiny scenes: don't blow nodes up past classroom size */
    double zoom = v->manual && v->zoom > 0 ? v->zoom : 1;
    double cx = g->x + g->w / 2 + (v->manual ? v->pan_x : 0);
    double cy = g->y + top_pad + (g->h - top_pad) / 2 + (v->manual ? v->pan_y : 0);
    x->scale = s * zoom;
    x->ox = cx - (x0 + w / 2) * x->scale;
    x->oy = cy - (y0 + h / 2) * x->scale;
}

void
gcs_render_lanes(const gcs_view *v, const gcs_scene *sc, gcs_lane_geom out[GCS_LANE__COUNT],
                 double *w, double *h)
{
    if (sc->compacted) {
        for (int l = 0; l < GCS_LANE__COUNT; l++) {
            out[l].x0 = sc->lane_x0[l];
            out[l].x1 = sc->lane_x1[l];
        }
        *w = sc->world_w;
        *h = sc->world_h;
        return;
    }
    gcs_layout_lanes(v->layout, out);
    gcs_layout_extent(v->layout, w, h);
}

/* Stills fit what is alive: repack the lanes for this picture (see
 * gcs_layout_compact) so that a few dozen objects are drawn large and
 * labelled even when the trace's busiest moment needed many more slots. */
static int
compact_for_still(const gcs_view *v, gcs_scene *sc)
{
    if (!v->fit_content || v->layout == NULL || gcs_render_aggregated(sc) || sc->compacted)
        return 0;
    gcs_regions r;
    gcs_render_regions(v, sc, &r);
    double top = sc->in_pass ? 58 : 0;
    return gcs_layout_compact(sc, (r.graph.w - 20) / fmax(r.graph.h - 20 - top, 1));
}

/* Fitting what is alive (stills): the x extent is made of WHOLE lanes, from
 * the first lane holding an object to the last, so no lane with objects is
 * ever cut; when the scale is capped and room is left, the neighbouring lanes
 * (right first: where survivors go) are added while they fit entirely. */
static void
content_lanes(const gcs_view *v, const gcs_scene *sc, const gcs_rect *g, double top_pad, double h,
              double *x0, double *w)
{
    gcs_lane_geom lanes[GCS_LANE__COUNT];
    double ww, wh;
    gcs_render_lanes(v, sc, lanes, &ww, &wh);
    int first = GCS_LANE__COUNT, last = -1;
    for (size_t i = 0; i < sc->n_objs; i++) {
        int l = sc->objs[i].lane;
        if (sc->objs[i].placed && l >= 0 && l < GCS_LANE__COUNT) {
            first = l < first ? l : first;
            last = l > last ? l : last;
        }
    }
    if (last < 0)
        return;
    double m = 10, lo = lanes[first].x0, hi = lanes[last].x1;
    double s = fmin(fmin((g->w - 2 * m) / (hi - lo), (g->h - 2 * m - top_pad) / h), 1.6);
    double room = (g->w - 2 * m) / s;
    while (last + 1 < GCS_LANE__COUNT && lanes[last + 1].x1 - lo <= room)
        hi = lanes[++last].x1;
    while (first > 0 && hi - lanes[first - 1].x0 <= room)
        lo = lanes[--first].x0;
    *x0 = lo;
    *w = hi - lo;
}

void
gcs_render_xform(const gcs_view *v, const gcs_scene *sc, gcs_xform *x)
{
    gcs_regions r;
    gcs_render_regions(v, sc, &r);
    double x0, y0, w, h, top_pad = sc->in_pass ? 58 : 0;
    if (gcs_render_aggregated(sc)) {
        x0 = y0 = 0;
        gcs_agg_extent(sc, v, &w, &h);
    } else {
        world_extent(v, sc, &x0, &y0, &w, &h);
        if (v->layout != NULL && v->fit_content)
            content_lanes(v, sc, &r.graph, top_pad, h, &x0, &w);
    }
    fit_xform(v, &r.graph, x0, y0, w, h, top_pad, x);
}

static void
draw_background(gcs_rctx *c)
{
    cairo_t *cr = c->cr;
    gcs_rgb(cr, c->th->bg, 1);
    cairo_paint(cr);
}

int
gcs_render_frame(cairo_t *cr, gcs_scene *sc, const gcs_view *v, gcs_dlist *dl)
{
    if (!sc->indexed || sc->n_cycles == 0) {
        int rc = gcs_scene_find_cycles(sc);
        if (rc < 0)
            return rc;
    }
    int crc = compact_for_still(v, sc);
    if (crc < 0)
        return crc;
    gcs_rctx c;
    memset(&c, 0, sizeof c);
    c.cr = cr;
    c.sc = sc;
    c.v = v;
    c.th = gcs_theme_get(v->theme);
    c.dl = dl;
    double t = v->animate ? fmin(fmax(v->anim_t, 0), 1) : 1;
    c.ease = t * t * (3 - 2 * t);
    gcs_render_regions(v, sc, &c.reg);
    gcs_render_xform(v, sc, &c.xf);
    size_t n = sc->n_objs ? sc->n_objs : 1;
    c.sx = malloc(n * sizeof *c.sx);
    c.sy = malloc(n * sizeof *c.sy);
    c.alpha = malloc(n * sizeof *c.alpha);
    c.dim = calloc(n, sizeof *c.dim);
    c.full = calloc(n, sizeof *c.full);
    if (!c.sx || !c.sy || !c.alpha || !c.dim || !c.full) {
        c.error = GCS_ENOMEM;
    } else {
        cairo_save(cr);
        draw_background(&c);
        cairo_save(cr);
        cairo_rectangle(cr, c.reg.graph.x, c.reg.graph.y, c.reg.graph.w, c.reg.graph.h);
        cairo_clip(cr);
        if (gcs_render_aggregated(sc))
            gcs_draw_aggregate(&c);
        else
            gcs_draw_graph(&c);
        gcs_draw_pass_banner(&c);
        cairo_restore(cr);
        if (!v->no_chrome) {
            gcs_draw_panels(&c);
            gcs_draw_inspector(&c);
        }
        gcs_draw_overlays(&c);
        cairo_restore(cr);
    }
    free(c.sx);
    free(c.sy);
    free(c.alpha);
    free(c.dim);
    free(c.full);
    return c.error;
}

int
gcs_render_png(gcs_scene *sc, const gcs_view *v, const char *path, char *errbuf, size_t errsize)
{
    int w = (int)lround(v->width), h = (int)lround(v->height);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        snprintf(errbuf, errsize, "cannot make a %dx%d image", w, h);
        cairo_surface_destroy(s);
        return GCS_ENOMEM;
    }
    cairo_t *cr = cairo_create(s);
    int rc = gcs_render_frame(cr, sc, v, NULL);
    cairo_destroy(cr);
    if (rc == 0) {
        cairo_status_t st = cairo_surface_write_to_png(s, path);
        if (st != CAIRO_STATUS_SUCCESS) {
            snprintf(errbuf, errsize, "%s: %s", path, cairo_status_to_string(st));
            rc = GCS_EIO;
        }
    } else {
        snprintf(errbuf, errsize, "rendering failed: %s", gcs_strerror(rc));
    }
    cairo_surface_destroy(s);
    return rc;
}

uint64_t
gcs_render_hit_object(gcs_scene *sc, const gcs_view *v, double x, double y)
{
    gcs_regions r;
    gcs_render_regions(v, sc, &r);
    if (x < r.graph.x || x > r.graph.x + r.graph.w || y < r.graph.y || y > r.graph.y + r.graph.h)
        return 0;
    if (gcs_render_aggregated(sc))
        return gcs_agg_hit(sc, v, x, y);
    if (compact_for_still(v, sc) < 0)
        return 0;
    gcs_xform xf;
    gcs_render_xform(v, sc, &xf);
    double wx = (x - xf.ox) / xf.scale, wy = (y - xf.oy) / xf.scale;
    for (size_t i = 0; i < sc->n_objs; i++) {
        const gcs_sobj *o = &sc->objs[i];
        if (o->placed && fabs(wx - o->x) <= GCS_LAYOUT_NODE_W / 2 &&
            fabs(wy - o->y) <= GCS_LAYOUT_NODE_H / 2 && !(o->flags & GCS_SOBJ_FREED))
            return o->id;
    }
    return 0;
}

bool
gcs_render_hit_timeline(const gcs_scene *sc, const gcs_view *v, double x, double y, uint64_t *ev)
{
    gcs_regions r;
    gcs_render_regions(v, sc, &r);
    const gcs_rect *t = &r.timeline;
    if (v->no_chrome || y < t->y || y > t->y + t->h || sc->n_events == 0)
        return false;
    double x0, x1;
    gcs_tl_span(t, &x0, &x1);
    double f = (x - x0) / (x1 - x0);
    f = fmin(fmax(f, 0), 1);
    *ev = (uint64_t)llround(f * (double)(sc->n_events - 1));
    return true;
}
