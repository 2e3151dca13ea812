/* viz/render/render_int.h — shared internals of the renderer: the theme, text
 * and shape helpers, and the per-frame context the drawing passes share. */
#ifndef GCS_VIZ_RENDER_INT_H
#define GCS_VIZ_RENDER_INT_H

#include "render/render.h"

typedef struct gcs_theme {
    uint32_t bg, panel, panel_line, text, dim;
    uint32_t lane[GCS_LANE__COUNT], lane_text;
    uint32_t node, node_atom, node_line;
    uint32_t edge, weak, root;
    uint32_t badge_bg, badge_fg;
    uint32_t accent, select, red, green, orange, purple;
    uint32_t tl_gen[3], tl_marker;
    uint32_t overlay_bg, overlay_fg;
} gcs_theme;

/* The palette for a gcs_theme_id (unknown ids give the light theme). */
const gcs_theme *gcs_theme_get(int id);

/* Everything one frame's drawing passes share. */
typedef struct gcs_rctx {
    cairo_t *cr;
    gcs_scene *sc;
    const gcs_view *v;
    const gcs_theme *th;
    gcs_dlist *dl;
    gcs_regions reg;
    gcs_xform xf;
    double ease; /* eased animation progress, 1 when settled */
    /* per object, screen space (filled by the graph pass) */
    double *sx, *sy, *alpha;
    bool *dim;
    bool *full; /* aggregated view: drawn in full */
    /* roots panel: indices of the objects drawn (alpha > 0.02), found once
     * per frame for the arrows' obstacle test (render_panels.c) */
    uint32_t *drawn;
    size_t n_drawn;
    int error; /* first GCS_E* met */
} gcs_rctx;

/* {==== helpers (render_util.c) ====} */
void gcs_rgb(cairo_t *cr, uint32_t rgb, double alpha);
uint32_t gcs_mix(uint32_t a, uint32_t b, double t);
void gcs_rounded(cairo_t *cr, double x, double y, double w, double h, double r);
/* Text with its left baseline at (x, y); align 0 left, 1 centre, 2 right.
 * Cut with an ellipsis to max_w (<= 0: no limit). Returns the drawn width. */
double gcs_text(cairo_t *cr, double x, double y, const char *s, double size, bool bold,
                uint32_t rgb, double alpha, int align, double max_w);
double gcs_text_width(cairo_t *cr, const char *s, double size, bool bold);
/* The largest size <= `size` and >= `min_size` at which s fits max_w (min_size
 * if even that is too wide): a narrow box gets a smaller title, not "untrack…". */
double gcs_text_fit_size(cairo_t *cr, const char *s, double size, bool bold, double max_w,
                         double min_size);
/* Text wrapped at spaces onto lines of at most max_w, line_h apart, first
 * baseline at (x, y); at most max_lines (the last one cut with an ellipsis).
 * Draws only if `draw`. Returns the number of lines. */
int gcs_text_wrap(cairo_t *cr, double x, double y, const char *s, double size, bool bold,
                  uint32_t rgb, double alpha, double max_w, double line_h, int max_lines,
                  bool draw);
/* A context for measuring text outside a frame (freed by gcs_render_shutdown). */
cairo_t *gcs_measure_cr(void);
/* Caption geometry shared by the regions and the caption painter. */
#define GCS_CAPTION_SIZE   22.0
#define GCS_CAPTION_LINE_H 28.0
#define GCS_CAPTION_MAX    3
double gcs_caption_width(cairo_t *cr, const gcs_view *v, const gcs_scene *sc, double *title_w);
/* A pill with centred text; returns its width. */
double gcs_pill(cairo_t *cr, double cx, double cy, const char *s, double size, uint32_t bg,
                uint32_t fg, double alpha);
void gcs_arrowhead(cairo_t *cr, double x, double y, double dx, double dy, double len);
void gcs_dl_add(gcs_dlist *dl, int kind, uint64_t id, uint64_t id2, double x, double y, double w,
                double h, uint32_t rgb, unsigned flags, const char *text);
bool gcs_is_atom_kind(int kind);

/* Direct 1-pixel lines into an image surface, for thousands of small edges
 * (cairo rasterizes a batched path of crossing lines slowly). Falls back to
 * cairo paths on other surfaces. begin() flushes the surface; end() marks it
 * dirty. Coordinates are user space; the clip is a user-space rectangle. */
typedef struct gcs_fastlines {
    cairo_t *cr;
    cairo_surface_t *target;
    unsigned char *data;
    int stride, w, h;
    double sx, sy;          /* device scale */
    int cx0, cy0, cx1, cy1; /* clip, device pixels */
} gcs_fastlines;
void gcs_fastlines_begin(gcs_fastlines *fl, cairo_t *cr, const gcs_rect *clip);
void gcs_fastlines_line(gcs_fastlines *fl, double x0, double y0, double x1, double y1, uint32_t rgb,
                        double alpha);
void gcs_fastlines_end(gcs_fastlines *fl);

/* {==== passes ====} */
void gcs_draw_graph(gcs_rctx *c);     /* render_graph.c: lanes, hulls, edges, nodes */
void gcs_draw_aggregate(gcs_rctx *c); /* render_agg.c: the big-heap level of detail */
void gcs_draw_node(gcs_rctx *c, size_t i, double w, double h); /* one object at sx/sy */
void gcs_draw_pass_banner(gcs_rctx *c);
void gcs_draw_panels(gcs_rctx *c); /* render_panels.c: caption, roots, timeline, status */
void gcs_draw_inspector(gcs_rctx *c);
void gcs_draw_overlays(gcs_rctx *c); /* help, toast */
/* Aggregated view geometry (render_agg.c). */
void gcs_agg_extent(const gcs_scene *sc, const gcs_view *v, double *w, double *h);
uint64_t gcs_agg_hit(gcs_scene *sc, const gcs_view *v, double x, double y);
/* Screen x range of the timeline's event axis. */
void gcs_tl_span(const gcs_rect *t, double *x0, double *x1);
/* Screen point where an arrow into object i's node should end (left side). */
void gcs_node_anchor(const gcs_rctx *c, size_t i, double *x, double *y);

#endif
