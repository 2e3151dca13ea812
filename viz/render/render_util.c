/* viz/render/render_util.c — the two palettes (light, dark) and the small
 * drawing helpers every pass uses: colours, rounded boxes, pills, text with
 * ellipsis (cairo's toy text API with DejaVu Sans), arrowheads, display list.
 *
 * Palette rule: colours are chosen to stay apart on a washed-out projector:
 * cycle hues never reuse the pass-state colours' hues at the same lightness.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render/render_int.h"

static const gcs_theme light = {
    .bg = 0xF6F4EF,
    .panel = 0xECE9E2,
    .panel_line = 0xCFCAC0,
    .text = 0x1C232B,
    .dim = 0x66707B,
    .lane = {0xE3EEF9, 0xE3F2E6, 0xF5EBDD, 0xEDEDED, 0xE2F1F5},
    .lane_text = 0x3B4652,
    .node = 0xFFFFFF,
    .node_atom = 0xF7F7F5,
    .node_line = 0x3E4A57,
    .edge = 0x56606B,
    .weak = 0x8A4FD0,
    .root = 0x0B8A8C,
    .badge_bg = 0x2C3845,
    .badge_fg = 0xFFFFFF,
    .accent = 0xF0A800,
    .select = 0x1F6FEB,
    .red = 0xD22F2F,
    .green = 0x25964F,
    .orange = 0xE07B00,
    .purple = 0x8E44AD,
    .tl_gen = {0x4F8FD9, 0x3BA55C, 0xC98A2E},
    .tl_marker = 0x2C3845,
    .overlay_bg = 0x1C232B,
    .overlay_fg = 0xFFFFFF,
};

static const gcs_theme dark = {
    .bg = 0x14181D,
    .panel = 0x1D232A,
    .panel_line = 0x333C46,
    .text = 0xE9EEF3,
    .dim = 0x98A3AE,
    .lane = {0x19263A, 0x182B20, 0x2D2416, 0x22262B, 0x172C33},
    .lane_text = 0xC3CDD6,
    .node = 0x252D36,
    .node_atom = 0x20262D,
    .node_line = 0xA7B3BF,
    .edge = 0x9AA6B2,
    .weak = 0xB98CFF,
    .root = 0x3ED0D2,
    .badge_bg = 0xDCE3EA,
    .badge_fg = 0x111418,
    .accent = 0xFFC530,
    .select = 0x5AA2FF,
    .red = 0xFF5A5A,
    .green = 0x4CD07D,
    .orange = 0xFFA23A,
    .purple = 0xC48BEA,
    .tl_gen = {0x5B9DE8, 0x4CC071, 0xE0A24A},
    .tl_marker = 0xDCE3EA,
    .overlay_bg = 0x0B0E11,
    .overlay_fg = 0xFFFFFF,
};

const gcs_theme *
gcs_theme_get(int id)
{
    return id == GCS_THEME_DARK ? &dark : &light;
}

uint32_t
gcs_render_cycle_rgb(uint64_t key)
{
    /* 8 hues that differ from each other and from the pass colours. */
    static const uint32_t hues[] = {0xE4572E, 0x2A9D8F, 0xD81B60, 0x3A86FF,
                                    0xB07D2B, 0x7B2CBF, 0x4D9E2D, 0xC2185B};
    uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    return hues[(h >> 61) & 7];
}

void
gcs_rgb(cairo_t *cr, uint32_t rgb, double alpha)
{
    cairo_set_source_rgba(cr, ((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0,
                          (rgb & 255) / 255.0, alpha);
}

uint32_t
gcs_mix(uint32_t a, uint32_t b, double t)
{
    uint32_t out = 0;
    for (int s = 0; s <= 16; s += 8) {
        double ca = (a >> s) & 255, cb = (b >> s) & 255;
        out |= (uint32_t)lround(ca + (cb - ca) * t) << s;
    }
    return out;
}

void
gcs_rounded(cairo_t *cr, double x, double y, double w, double h, double r)
{
    if (r > w / 2)
        r = w / 2;
    if (r > h / 2)
        r = h / 2;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
}

/* cairo_select_font_face() resolves the family through fontconfig on every
 * call (~25 us); the two faces are made once and reused (a read-only cache,
 * like cairo's own). */
static cairo_font_face_t *faces[2];

static void
set_font(cairo_t *cr, double size, bool bold)
{
    if (faces[bold] == NULL)
        faces[bold] =
            cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                                       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_face(cr, faces[bold]);
    cairo_set_font_size(cr, size);
}

double
gcs_text_width(cairo_t *cr, const char *s, double size, bool bold)
{
    cairo_text_extents_t te;
    set_font(cr, size, bold);
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

double
gcs_text_fit_size(cairo_t *cr, const char *s, double size, bool bold, double max_w,
                  double min_size)
{
    for (int i = 0; i < 8 && size > min_size; i++) { /* hinting: widths aren't linear */
        double w = gcs_text_width(cr, s, size, bold);
        if (w <= max_w || w <= 0)
            break;
        size = fmax(size * max_w / w * 0.98, min_size);
    }
    return size;
}

/* Longest prefix of s (on a UTF-8 boundary) that fits max_w with "…". */
static void
ellipsize(cairo_t *cr, const char *s, double max_w, char *out, size_t cap)
{
    size_t n = strlen(s);
    if (n >= cap - 4)
        n = cap - 4;
    cairo_text_extents_t te;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        memcpy(out, s, mid);
        memcpy(out + mid, "\xE2\x80\xA6", 4);
        cairo_text_extents(cr, out, &te);
        if (te.x_advance <= max_w)
            lo = mid;
        else
            hi = mid - 1;
    }
    while (lo > 0 && ((unsigned char)s[lo] & 0xC0) == 0x80)
        lo--;
    memcpy(out, s, lo);
    memcpy(out + lo, "\xE2\x80\xA6", 4);
}

double
gcs_text(cairo_t *cr, double x, double y, const char *s, double size, bool bold, uint32_t rgb,
         double alpha, int align, double max_w)
{
    if (s == NULL || *s == '\0' || size < 3)
        return 0;
    char buf[256];
    cairo_text_extents_t te;
    set_font(cr, size, bold);
    cairo_text_extents(cr, s, &te);
    const char *draw = s;
    if (max_w > 0 && te.x_advance > max_w) {
        ellipsize(cr, s, max_w, buf, sizeof buf);
        draw = buf;
        cairo_text_extents(cr, buf, &te);
    }
    double w = te.x_advance;
    double dx = align == 1 ? -w / 2 : align == 2 ? -w : 0;
    gcs_rgb(cr, rgb, alpha);
    cairo_move_to(cr, x + dx, y);
    cairo_show_text(cr, draw);
    cairo_new_path(cr); /* show_text leaves a current point behind */
    return w;
}

/* Length of the longest prefix of s (ending at a space, or at the end) that
 * fits max_w; 0 if not even the first word fits. */
static size_t
fit_words(cairo_t *cr, const char *s, double max_w, char *buf, size_t cap)
{
    size_t best = 0, n = strlen(s);
    for (size_t i = 0; i <= n && i < cap; i++) {
        if (s[i] != ' ' && s[i] != '\0')
            continue;
        memcpy(buf, s, i);
        buf[i] = '\0';
        cairo_text_extents_t te;
        cairo_text_extents(cr, buf, &te);
        if (te.x_advance > max_w)
            break;
        best = i;
    }
    memcpy(buf, s, best);
    buf[best] = '\0';
    return best;
}

int
gcs_text_wrap(cairo_t *cr, double x, double y, const char *s, double size, bool bold, uint32_t rgb,
              double alpha, double max_w, double line_h, int max_lines, bool draw)
{
    char buf[512];
    int lines = 0;
    if (s == NULL)
        return 0;
    while (*s != '\0' && lines < max_lines) {
        set_font(cr, size, bold);
        size_t n = fit_words(cr, s, max_w, buf, sizeof buf - 1);
        if (lines == max_lines - 1 || n == 0 || s[n] == '\0') {
            /* the rest on this line: it fits, or is the last line (ellipsized),
             * or is one word longer than a line */
            if (draw)
                gcs_text(cr, x, y + lines * line_h, s, size, bold, rgb, alpha, 0, max_w);
            return lines + 1;
        }
        if (draw)
            gcs_text(cr, x, y + lines * line_h, buf, size, bold, rgb, alpha, 0, 0);
        lines++;
        s += n;
        while (*s == ' ')
            s++;
    }
    return lines;
}

static cairo_surface_t *measure_surface;
static cairo_t *measure_cr;

cairo_t *
gcs_measure_cr(void)
{
    if (measure_cr == NULL) {
        measure_surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 4, 4);
        measure_cr = cairo_create(measure_surface);
    }
    return measure_cr;
}

double
gcs_pill(cairo_t *cr, double cx, double cy, const char *s, double size, uint32_t bg, uint32_t fg,
         double alpha)
{
    double w = gcs_text_width(cr, s, size, true) + size * 0.9;
    double h = size * 1.45;
    gcs_rounded(cr, cx - w / 2, cy - h / 2, w, h, h / 2);
    gcs_rgb(cr, bg, alpha);
    cairo_fill(cr);
    gcs_text(cr, cx, cy + size * 0.36, s, size, true, fg, alpha, 1, 0);
    return w;
}

void
gcs_arrowhead(cairo_t *cr, double x, double y, double dx, double dy, double len)
{
    double d = hypot(dx, dy);
    if (d < 1e-9)
        return;
    dx /= d;
    dy /= d;
    double wx = -dy * len * 0.45, wy = dx * len * 0.45;
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x - dx * len + wx, y - dy * len + wy);
    cairo_line_to(cr, x - dx * len * 0.7, y - dy * len * 0.7);
    cairo_line_to(cr, x - dx * len - wx, y - dy * len - wy);
    cairo_close_path(cr);
    cairo_fill(cr);
}

bool
gcs_is_atom_kind(int kind)
{
    return kind >= 0 && kind <= 3; /* none, bool, int, str (gcs_kind order) */
}

void
gcs_render_shutdown(void)
{
    if (measure_cr != NULL) {
        cairo_destroy(measure_cr);
        cairo_surface_destroy(measure_surface);
        measure_cr = NULL;
        measure_surface = NULL;
    }
    for (int i = 0; i < 2; i++) {
        if (faces[i] != NULL)
            cairo_font_face_destroy(faces[i]);
        faces[i] = NULL;
    }
    cairo_debug_reset_static_data();
    /* fontconfig keeps its configuration until FcFini(); cairo links it, we
     * don't, so look it up rather than add a link dependency. */
    void (*fc_fini)(void) = NULL;
    void *sym = dlsym(RTLD_DEFAULT, "FcFini");
    memcpy(&fc_fini, &sym, sizeof fc_fini);
    if (fc_fini != NULL)
        fc_fini();
}

/* {==== Fast lines ====} */

void
gcs_fastlines_begin(gcs_fastlines *fl, cairo_t *cr, const gcs_rect *clip)
{
    memset(fl, 0, sizeof *fl);
    fl->cr = cr;
    cairo_surface_t *t = cairo_get_target(cr);
    cairo_format_t fmt = cairo_image_surface_get_format(t);
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    bool plain = m.xx == 1 && m.yy == 1 && m.xy == 0 && m.yx == 0 && m.x0 == 0 && m.y0 == 0;
    if (cairo_surface_get_type(t) != CAIRO_SURFACE_TYPE_IMAGE || !plain ||
        (fmt != CAIRO_FORMAT_RGB24 && fmt != CAIRO_FORMAT_ARGB32))
        return; /* cairo path fallback */
    double ox, oy;
    cairo_surface_get_device_offset(t, &ox, &oy);
    if (ox != 0 || oy != 0)
        return;
    cairo_surface_flush(t);
    fl->target = t;
    fl->data = cairo_image_surface_get_data(t);
    fl->stride = cairo_image_surface_get_stride(t);
    fl->w = cairo_image_surface_get_width(t);
    fl->h = cairo_image_surface_get_height(t);
    cairo_surface_get_device_scale(t, &fl->sx, &fl->sy);
    fl->cx0 = (int)fmax(0, floor(clip->x * fl->sx));
    fl->cy0 = (int)fmax(0, floor(clip->y * fl->sy));
    fl->cx1 = (int)fmin(fl->w - 1, ceil((clip->x + clip->w) * fl->sx) - 1);
    fl->cy1 = (int)fmin(fl->h - 1, ceil((clip->y + clip->h) * fl->sy) - 1);
}

static void
blend(unsigned char *p, uint32_t rgb, int a256)
{
    uint32_t v;
    memcpy(&v, p, 4);
    uint32_t out = v & 0xFF000000u;
    for (int sh = 0; sh <= 16; sh += 8) {
        int d = (int)((v >> sh) & 255), c = (int)((rgb >> sh) & 255);
        out |= (uint32_t)(d + (((c - d) * a256) >> 8)) << sh;
    }
    memcpy(p, &out, 4);
}

void
gcs_fastlines_line(gcs_fastlines *fl, double x0, double y0, double x1, double y1, uint32_t rgb,
                   double alpha)
{
    if (fl->data == NULL) {
        cairo_move_to(fl->cr, x0, y0);
        cairo_line_to(fl->cr, x1, y1);
        gcs_rgb(fl->cr, rgb, alpha);
        cairo_set_line_width(fl->cr, 1);
        cairo_stroke(fl->cr);
        return;
    }
    x0 *= fl->sx;
    x1 *= fl->sx;
    y0 *= fl->sy;
    y1 *= fl->sy;
    double dx = x1 - x0, dy = y1 - y0;
    int steps = (int)ceil(fmax(fabs(dx), fabs(dy)));
    if (steps <= 0 || steps > 100000)
        return;
    double ix = dx / steps, iy = dy / steps, x = x0, y = y0;
    int a256 = (int)lround(alpha * 256);
    for (int i = 0; i <= steps; i++, x += ix, y += iy) {
        int px = (int)x, py = (int)y;
        if (px >= fl->cx0 && px <= fl->cx1 && py >= fl->cy0 && py <= fl->cy1)
            blend(fl->data + (size_t)py * (size_t)fl->stride + (size_t)px * 4, rgb, a256);
    }
}

void
gcs_fastlines_end(gcs_fastlines *fl)
{
    if (fl->target != NULL)
        cairo_surface_mark_dirty(fl->target);
}

/* {==== Display list ====} */

void
gcs_dlist_init(gcs_dlist *dl)
{
    memset(dl, 0, sizeof *dl);
}

void
gcs_dlist_fini(gcs_dlist *dl)
{
    free(dl->items);
    memset(dl, 0, sizeof *dl);
}

void
gcs_dl_add(gcs_dlist *dl, int kind, uint64_t id, uint64_t id2, double x, double y, double w,
           double h, uint32_t rgb, unsigned flags, const char *text)
{
    if (dl == NULL)
        return;
    if (dl->n == dl->cap) {
        size_t cap = dl->cap ? dl->cap * 2 : 256;
        gcs_dl_item *p = realloc(dl->items, cap * sizeof *p);
        if (p == NULL)
            return; /* the list is best effort; drawing goes on */
        dl->items = p;
        dl->cap = cap;
    }
    gcs_dl_item *it = &dl->items[dl->n++];
    it->kind = kind;
    it->id = id;
    it->id2 = id2;
    it->x = x;
    it->y = y;
    it->w = w;
    it->h = h;
    it->rgb = rgb;
    it->flags = flags;
    it->text[0] = '\0';
    if (text != NULL) {
        strncpy(it->text, text, sizeof it->text - 1);
        it->text[sizeof it->text - 1] = '\0';
    }
}

const gcs_dl_item *
gcs_dlist_find(const gcs_dlist *dl, int kind, uint64_t id, uint64_t id2)
{
    for (size_t i = 0; i < dl->n; i++) {
        const gcs_dl_item *it = &dl->items[i];
        if (it->kind == kind && it->id == id && (kind != GCS_DL_EDGE || it->id2 == id2))
            return it;
    }
    return NULL;
}

size_t
gcs_dlist_count(const gcs_dlist *dl, int kind)
{
    size_t n = 0;
    for (size_t i = 0; i < dl->n; i++)
        n += dl->items[i].kind == kind;
    return n;
}
