/* tests/viz/test_hidpi.c — drawing at a 2x device scale, as the window does on
 * a HiDPI display (viz/app/app.c: a surface of the renderer's pixel size with
 * cairo_surface_set_device_scale; GCSCOPE_SCALE=2 forces it). Checked from
 * pixels: the 2x frame fills all of its pixels (not a 1x picture in a corner),
 * has the same layout as the 1x frame (its 2x2 box average matches the 1x
 * frame closely), and is sharper than the 1x frame blown up (not blurry-small:
 * the text and lines are drawn at the higher resolution).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "render/render.h"
#include "render/scene_demo.h"

enum { W = 1280, H = 800 };

static cairo_surface_t *
draw_at(double scale)
{
    gcs_scene sc;
    gcs_layout *L;
    gcs_scene_init(&sc);
    assert_int_equal(gcs_layout_new(&L), 0);
    assert_int_equal(gcs_demo_classroom(&sc, L, 0), 0);
    gcs_view v;
    gcs_view_init(&v, W, H);
    v.layout = L;
    int pw = (int)(W * scale), ph = (int)(H * scale);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, pw, ph);
    cairo_surface_set_device_scale(s, scale, scale);
    cairo_t *cr = cairo_create(s);
    assert_int_equal(gcs_render_frame(cr, &sc, &v, NULL), 0);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    gcs_layout_free(L);
    gcs_scene_fini(&sc);
    return s;
}

static double
lum(const cairo_surface_t *cs, int x, int y)
{
    cairo_surface_t *s = (cairo_surface_t *)cs;
    const uint32_t *row =
        (const uint32_t *)(cairo_image_surface_get_data(s) + y * cairo_image_surface_get_stride(s));
    uint32_t p = row[x];
    return 0.299 * ((p >> 16) & 255) + 0.587 * ((p >> 8) & 255) + 0.114 * (p & 255);
}

/* Pixels in the box that differ from the box's top-left pixel by more than 40. */
static long
busy(const cairo_surface_t *s, int x0, int y0, int x1, int y1)
{
    long n = 0;
    double bg = lum(s, x0, y0);
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            n += fabs(lum(s, x, y) - bg) > 40;
    return n;
}

static void
test_hidpi__2x_frame_is_twice_the_size_and_sharp(void **state)
{
    (void)state;
    cairo_surface_t *one = draw_at(1), *two = draw_at(2);
    assert_int_equal(cairo_image_surface_get_width(two), 2 * W);
    assert_int_equal(cairo_image_surface_get_height(two), 2 * H);
    /* the whole 2x frame is drawn: the status line's text sits in its bottom
     * strip and the caption's in its top strip, at 2x coordinates */
    assert_true(busy(two, 0, 2 * H - 60, 2 * W / 2, 2 * H - 4) > 200);
    assert_true(busy(two, 0, 4, 2 * W / 2, 90) > 200);
    /* same picture: the 2x2 box average of the 2x frame is close to the 1x frame */
    double diff = 0, up = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double avg = (lum(two, 2 * x, 2 * y) + lum(two, 2 * x + 1, 2 * y) +
                          lum(two, 2 * x, 2 * y + 1) + lum(two, 2 * x + 1, 2 * y + 1)) /
                         4;
            diff += fabs(avg - lum(one, x, y));
            /* sharper than the 1x frame blown up: within a 2x2 block the pixels differ */
            up += fabs(lum(two, 2 * x, 2 * y) - lum(two, 2 * x + 1, 2 * y + 1));
        }
    double mean_diff = diff / ((double)W * H), mean_detail = up / ((double)W * H);
    print_message("mean |box(2x) - 1x| = %.2f, mean in-block detail of 2x = %.2f\n", mean_diff,
                  mean_detail);
    assert_true(mean_diff < 6);     /* same layout, same colours */
    assert_true(mean_detail > 0.3); /* a blown-up 1x frame has 0 here */
    cairo_surface_destroy(one);
    cairo_surface_destroy(two);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hidpi__2x_frame_is_twice_the_size_and_sharp),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    gcs_render_shutdown();
    return rc;
}
