/* viz/render/render.h — draw a scene with cairo onto any cairo surface.
 *
 * One pure function, gcs_render_frame(), serves the window, `gcscope render`
 * (PNG) and the tests. It never touches SDL. While drawing it can append what
 * it drew to a display list (gcs_dlist), so tests assert on structure ("node
 * #12 is in lane 1", "edge #3 -> #4 is tinted like its cycle") without pixels.
 *
 * Coordinates: the frame is v->width x v->height points (the caller sets a
 * device scale for HiDPI). Objects live in world units (the layout's); the
 * graph area maps world to screen with gcs_render_xform().
 */
#ifndef GCS_VIZ_RENDER_H
#define GCS_VIZ_RENDER_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout/layout.h"
#include "render/scene.h"

typedef enum gcs_theme_id { GCS_THEME_LIGHT = 0, GCS_THEME_DARK = 1 } gcs_theme_id;

typedef enum gcs_focus {
    GCS_FOCUS_NONE = 0,
    GCS_FOCUS_CYCLES, /* dim everything that is not in a cycle */
    GCS_FOCUS_LEAKS,  /* dim everything that is not leaked */
    GCS_FOCUS_OBJ     /* select focus_obj and dim all but its neighbourhood */
} gcs_focus;

/* More live objects than this switch to the aggregated level of detail. */
#define GCS_RENDER_DETAIL_MAX 1500
/* Objects drawn in full inside the aggregated view (cycles, selection, leaks). */
#define GCS_RENDER_FULL_MAX 240

/* How to look at a scene. Zero-initialised means: light theme, fit, settled. */
typedef struct gcs_view {
    double width, height; /* frame size in points */
    int theme;            /* gcs_theme_id */
    bool manual;          /* use zoom/pan below; otherwise fit the whole world */
    bool fit_content;     /* fit the objects alive now, not every place the trace
                           * ever uses (stills; the window fits the whole trace so
                           * that scrubbing never rescales) */
    double zoom;          /* screen points per world unit, relative to fit (1 = fit) */
    double pan_x, pan_y;  /* screen offset added after fitting, in points */
    bool hide_cycles;     /* `c` toggles cycle tints and hulls */
    bool show_help;       /* the ?/F1 overlay */
    bool show_inspector;  /* inspector panel for `selected` */
    bool playing;
    double speed;             /* events per second while playing */
    uint64_t selected;        /* 0: none */
    double anim_t;            /* progress of this step's transition, 0..1 (1 settled) */
    bool animate;             /* false: draw settled (anim_t ignored) */
    int focus;                /* gcs_focus */
    const char *search;       /* highlight objects whose type or "#id" matches */
    const char *toast;        /* transient message ("saved shot.png") */
    bool no_chrome;           /* graph only: no panels (used by --frames thumbnails) */
    const gcs_layout *layout; /* lane geometry; may be NULL (lanes from objects) */
} gcs_view;

/* Fill `v` with defaults for a w x h frame. */
void gcs_view_init(gcs_view *v, double w, double h);

typedef struct gcs_rect {
    double x, y, w, h;
} gcs_rect;

/* Where each part of the frame goes. */
typedef struct gcs_regions {
    gcs_rect caption, roots, graph, inspector, timeline, status;
} gcs_regions;
void gcs_render_regions(const gcs_view *v, const gcs_scene *sc, gcs_regions *r);

/* Width / height of the graph area of a w x h frame with panels (no
 * inspector): the aspect to give gcs_layout_finish(). */
double gcs_render_graph_aspect(double w, double h);

/* screen = world * scale + (ox, oy) */
typedef struct gcs_xform {
    double scale, ox, oy;
} gcs_xform;
/* The world -> screen transform of the graph area (detail level of detail). */
void gcs_render_xform(const gcs_view *v, const gcs_scene *sc, gcs_xform *x);
/* Lane extents and world size the frame uses: the scene's own after a
 * compaction for a still (gcs_layout_compact), else the layout's. */
void gcs_render_lanes(const gcs_view *v, const gcs_scene *sc, gcs_lane_geom out[GCS_LANE__COUNT],
                      double *w, double *h);
/* True if the scene is drawn aggregated (too many objects for detail). */
bool gcs_render_aggregated(const gcs_scene *sc);

/* {==== Display list ====} */

typedef enum gcs_dl_kind {
    GCS_DL_LANE = 0, /* id = lane */
    GCS_DL_NODE,     /* id = object */
    GCS_DL_BADGE,    /* id = object; text = badge */
    GCS_DL_EDGE,     /* id = src, id2 = dst; text = slot */
    GCS_DL_EDGE_LABEL,
    GCS_DL_HULL,    /* id = cycle key */
    GCS_DL_VAR,     /* id = object, text = variable name; x,y = panel dot */
    GCS_DL_TL_PASS, /* id = gen */
    GCS_DL_TL_TICK, /* id = timeline kind */
    GCS_DL_TEXT,    /* panel text; id = 0 */
    GCS_DL_AGG,     /* aggregated group; id = lane, text = type */
    GCS_DL_PHASE    /* pass banner; text = phase */
} gcs_dl_kind;

enum {
    GCS_DLF_CYCLE = 1u << 0,  /* drawn with its cycle tint */
    GCS_DLF_WEAK = 1u << 1,   /* weak edge */
    GCS_DLF_SNAP = 1u << 2,   /* weak edge drawn snapping */
    GCS_DLF_DIM = 1u << 3,    /* dimmed by a focus mode */
    GCS_DLF_CURVED = 1u << 4, /* edge bent to avoid a node */
    GCS_DLF_LEAK = 1u << 5,
    GCS_DLF_SELECTED = 1u << 6
};

typedef struct gcs_dl_item {
    int kind; /* gcs_dl_kind */
    uint64_t id, id2;
    double x, y, w, h; /* screen box (edges: x,y start, w,h end) */
    uint32_t rgb;      /* main colour 0xRRGGBB */
    unsigned flags;    /* GCS_DLF_* */
    char text[64];
} gcs_dl_item;

typedef struct gcs_dlist {
    gcs_dl_item *items;
    size_t n, cap;
} gcs_dlist;

void gcs_dlist_init(gcs_dlist *dl);
void gcs_dlist_fini(gcs_dlist *dl);
/* First item of `kind` with id (and id2 if kind is an edge); NULL if none. */
const gcs_dl_item *gcs_dlist_find(const gcs_dlist *dl, int kind, uint64_t id, uint64_t id2);
size_t gcs_dlist_count(const gcs_dlist *dl, int kind);

/* {==== Drawing ====} */

/* Draw the scene. Indexes the scene and finds its cycles if not done yet.
 * `dl` may be NULL. 0 or GCS_ENOMEM (the frame may be partly drawn). */
int gcs_render_frame(cairo_t *cr, gcs_scene *sc, const gcs_view *v, gcs_dlist *dl);

/* Render to a PNG file of w x h pixels (device scale 1). 0, GCS_ENOMEM or
 * GCS_EIO (message in errbuf). */
int gcs_render_png(gcs_scene *sc, const gcs_view *v, const char *path, char *errbuf,
                   size_t errsize);

/* Hit tests in frame points. */
uint64_t gcs_render_hit_object(gcs_scene *sc, const gcs_view *v, double x, double y);
/* Event index under x in the timeline; false if (x, y) is not on the timeline. */
bool gcs_render_hit_timeline(const gcs_scene *sc, const gcs_view *v, double x, double y,
                             uint64_t *ev);

/* Release the renderer's font cache and cairo's and fontconfig's static data
 * (for leak checkers). Call once at exit, after every cairo object is gone. */
void gcs_render_shutdown(void);

/* Colour of a cycle with key `key` (stable across frames), 0xRRGGBB. */
uint32_t gcs_render_cycle_rgb(uint64_t key);

#endif
