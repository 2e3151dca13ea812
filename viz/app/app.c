/* viz/app/app.c — the viewer window: open a trace, run the event loop, draw
 * the renderer's frame into an SDL streaming texture (cairo ARGB32 ==
 * SDL_PIXELFORMAT_ARGB8888, SDL's pitch as cairo's stride, device scale for
 * HiDPI), and redraw only when something changed.
 *
 * Start at gcs_app_run(). Input handling and the --script player live in
 * app_input.c; the state both share is in app_int.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app_int.h"

double
gcs_app_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void
gcs_app_opts_init(gcs_app_opts *o)
{
    memset(o, 0, sizeof *o);
    o->width = 1280;
    o->height = 800;
}

bool
gcs_app_display_available(char *why, size_t size)
{
    const char *drv = getenv("SDL_VIDEODRIVER");
    if ((drv && *drv) || getenv("DISPLAY") || getenv("WAYLAND_DISPLAY"))
        return true;
    snprintf(why, size, "no display (DISPLAY and WAYLAND_DISPLAY are unset)");
    return false;
}

void
gcs_app_toast(gcs_app *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->toast, sizeof a->toast, fmt, ap);
    va_end(ap);
    a->toast_until = gcs_app_now_ms() + 3500;
    a->dirty = true;
}

void
gcs_app_seek(gcs_app *a, uint64_t ev, bool animate)
{
    uint64_t n = gcs_vtrace_n_events(a->t);
    if (n == 0)
        return;
    if (ev >= n)
        ev = n - 1;
    a->animating = animate && ev == a->ev + 1;
    a->anim_start = gcs_app_now_ms();
    a->ev = ev;
    a->scene_dirty = true;
    a->dirty = true;
}

static void
set_title(gcs_app *a)
{
    char title[400];
    snprintf(title, sizeof title, "gcscope \xE2\x80\x94 %s", gcs_vtrace_name(a->t));
    SDL_SetWindowTitle(a->win, title);
}

static int
open_trace(gcs_app *a, const char *path, gcs_vtrace **out)
{
    char err[600];
    double aspect = gcs_render_graph_aspect(a->opts->width, a->opts->height);
    int rc = path ? gcs_vtrace_open(path, aspect, out, err, sizeof err)
                  : gcs_vtrace_open_mem(a->opts->data, a->opts->size,
                                        a->opts->name ? a->opts->name : "demo", aspect, out, err,
                                        sizeof err);
    if (rc < 0)
        gcs_app_toast(a, "cannot open: %s", err);
    return rc;
}

void
gcs_app_open_file(gcs_app *a, const char *path)
{
    gcs_vtrace *t = NULL;
    if (open_trace(a, path, &t) < 0) {
        fprintf(stderr, "gcscope view: %s\n", a->toast);
        return;
    }
    gcs_vtrace_close(a->t);
    a->t = t;
    a->v.layout = gcs_vtrace_layout(t);
    a->v.selected = 0;
    a->ev = 0;
    a->leak_idx = 0;
    gcs_app_seek(a, 0, false);
    set_title(a);
    gcs_app_toast(a, "opened %s", path);
}

/* {==== Drawing ====} */

static bool
ensure_texture(gcs_app *a, int pw, int ph)
{
    if (a->tex != NULL && a->tex_w == pw && a->tex_h == ph)
        return true;
    if (a->tex != NULL)
        SDL_DestroyTexture(a->tex);
    a->tex =
        SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, pw, ph);
    a->tex_w = pw;
    a->tex_h = ph;
    return a->tex != NULL;
}

/* Draw the frame into any cairo surface of pw x ph pixels for a ww x wh window. */
static void
draw_to(gcs_app *a, cairo_surface_t *s, int pw, int ph, int ww, int wh)
{
    cairo_surface_set_device_scale(s, (double)pw / ww, (double)ph / wh);
    cairo_t *cr = cairo_create(s);
    a->v.width = ww;
    a->v.height = wh;
    double now = gcs_app_now_ms();
    a->v.animate = a->animating;
    a->v.anim_t = fmin((now - a->anim_start) / GCS_APP_ANIM_MS, 1);
    a->v.playing = a->playing;
    char toast[700];
    if (a->searching)
        snprintf(toast, sizeof toast, "search (id or type, Enter): %s_", a->search);
    else
        snprintf(toast, sizeof toast, "%s", now < a->toast_until ? a->toast : "");
    a->v.toast = toast;
    a->v.search = a->search_active[0] ? a->search_active : NULL;
    if (gcs_render_frame(cr, &a->sc, &a->v, NULL) < 0)
        fprintf(stderr, "gcscope view: out of memory while drawing\n");
    a->v.toast = NULL;
    cairo_destroy(cr);
    cairo_surface_flush(s);
}

/* Pixel size (pw x ph) of a frame for the window's ww x wh points: the
 * renderer's output size (more pixels than points on a HiDPI display), or
 * GCSCOPE_SCALE (1 to 4) times the points when set, to force a scale on a
 * display that has none (tests, screenshots for print). */
static void
output_size(gcs_app *a, int *pw, int *ph, int *ww, int *wh)
{
    SDL_GetRendererOutputSize(a->ren, pw, ph);
    SDL_GetWindowSize(a->win, ww, wh);
    const char *env = getenv("GCSCOPE_SCALE");
    double k = env != NULL ? atof(env) : 0;
    if (k >= 1 && k <= 4) {
        *pw = (int)lround(*ww * k);
        *ph = (int)lround(*wh * k);
    }
}

static void
draw(gcs_app *a)
{
    int pw, ph, ww, wh;
    output_size(a, &pw, &ph, &ww, &wh);
    if (pw <= 0 || ph <= 0 || ww <= 0 || wh <= 0 || !ensure_texture(a, pw, ph))
        return;
    void *px;
    int pitch;
    if (SDL_LockTexture(a->tex, NULL, &px, &pitch) != 0)
        return;
    cairo_surface_t *s =
        cairo_image_surface_create_for_data(px, CAIRO_FORMAT_ARGB32, pw, ph, pitch);
    draw_to(a, s, pw, ph, ww, wh);
    cairo_surface_destroy(s);
    SDL_UnlockTexture(a->tex);
    SDL_RenderCopy(a->ren, a->tex, NULL, NULL);
    SDL_RenderPresent(a->ren);
}

int
gcs_app_screenshot(gcs_app *a)
{
    int pw, ph, ww, wh;
    output_size(a, &pw, &ph, &ww, &wh);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, pw, ph);
    draw_to(a, s, pw, ph, ww, wh);
    char path[4096];
    const char *dir = a->opts->shot_dir ? a->opts->shot_dir : ".";
    snprintf(path, sizeof path, "%s/gcscope-shot-%llu-%d.png", dir, (unsigned long long)a->ev + 1,
             ++a->shots);
    cairo_status_t st = cairo_surface_write_to_png(s, path);
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS) {
        gcs_app_toast(a, "screenshot failed: %s: %s", path, cairo_status_to_string(st));
        fprintf(stderr, "gcscope view: %s\n", a->toast);
        return -1;
    }
    printf("screenshot: %s (%dx%d)\n", path, pw, ph);
    fflush(stdout);
    gcs_app_toast(a, "saved %s", path);
    return 0;
}

/* {==== The loop ====} */

static void
handle_event(gcs_app *a, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT:
        a->quit = true;
        break;
    case SDL_KEYDOWN:
        gcs_app_key(a, e->key.keysym.sym, e->key.keysym.mod);
        break;
    case SDL_TEXTINPUT:
        gcs_app_text(a, e->text.text);
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.button == SDL_BUTTON_LEFT)
            gcs_app_mouse_down(a, e->button.x, e->button.y);
        break;
    case SDL_MOUSEMOTION:
        gcs_app_mouse_move(a, e->motion.x, e->motion.y);
        break;
    case SDL_MOUSEBUTTONUP:
        if (e->button.button == SDL_BUTTON_LEFT)
            gcs_app_mouse_up(a, e->button.x, e->button.y);
        break;
    case SDL_MOUSEWHEEL: {
        int x, y;
        SDL_GetMouseState(&x, &y);
        gcs_app_wheel(a, x, y, e->wheel.preciseY != 0 ? e->wheel.preciseY : e->wheel.y);
        break;
    }
    case SDL_DROPFILE:
        gcs_app_open_file(a, e->drop.file);
        SDL_free(e->drop.file);
        break;
    case SDL_WINDOWEVENT:
        a->dirty = true;
        break;
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET:
        if (a->tex != NULL)
            SDL_DestroyTexture(a->tex);
        a->tex = NULL;
        a->dirty = true;
        break;
    default:
        break;
    }
}

/* Advance playback by the time since the last tick. */
static void
tick(gcs_app *a)
{
    double now = gcs_app_now_ms(), dt = now - a->last_tick;
    a->last_tick = now;
    if (a->playing) {
        a->play_carry += dt / 1000.0 * a->v.speed;
        if (a->play_carry >= 1) {
            uint64_t step = (uint64_t)a->play_carry;
            a->play_carry -= (double)step;
            gcs_app_seek(a, a->ev + step, step == 1);
            if (a->ev + 1 >= gcs_vtrace_n_events(a->t))
                a->playing = false;
        }
    }
    if (a->animating) {
        a->dirty = true;
        if (now - a->anim_start >= GCS_APP_ANIM_MS) {
            a->animating = false;
        }
    }
    if (a->toast[0] && now >= a->toast_until && now < a->toast_until + 100)
        a->dirty = true;
}

static void
loop(gcs_app *a)
{
    a->last_tick = gcs_app_now_ms();
    while (!a->quit) {
        bool busy = a->playing || a->animating || a->script != NULL;
        SDL_Event e;
        if (SDL_WaitEventTimeout(&e, busy ? 15 : 250))
            do
                handle_event(a, &e);
            while (SDL_PollEvent(&e));
        if (a->script != NULL && !gcs_app_script_step(a))
            a->quit = true;
        tick(a);
        if (a->scene_dirty) {
            if (gcs_vtrace_scene(a->t, a->ev, a->v.selected, &a->sc) < 0)
                fprintf(stderr, "gcscope view: out of memory building event %llu\n",
                        (unsigned long long)a->ev + 1);
            a->scene_dirty = false;
        }
        if (a->dirty) {
            a->dirty = false;
            draw(a);
        }
    }
}

static bool
init_sdl(gcs_app *a, const gcs_app_opts *o)
{
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr,
                "gcscope view: no display (%s); 'gcscope render FILE -o OUT.png' draws without "
                "one\n",
                SDL_GetError());
        return false;
    }
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    a->win = SDL_CreateWindow("gcscope", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, o->width,
                              o->height, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (a->win != NULL)
        a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_PRESENTVSYNC);
    if (a->win != NULL && a->ren == NULL)
        a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
    if (a->ren == NULL) {
        fprintf(stderr,
                "gcscope view: cannot open a window (%s); 'gcscope render' draws "
                "without one\n",
                SDL_GetError());
        return false;
    }
    SDL_EventState(SDL_DROPFILE, SDL_ENABLE);
    return true;
}

static void
fini(gcs_app *a)
{
    if (a->script != NULL)
        fclose(a->script);
    if (a->tex != NULL)
        SDL_DestroyTexture(a->tex);
    if (a->ren != NULL)
        SDL_DestroyRenderer(a->ren);
    if (a->win != NULL)
        SDL_DestroyWindow(a->win);
    SDL_Quit();
    /* the window is gone first: closing a trace may write its index */
    gcs_scene_fini(&a->sc);
    gcs_vtrace_close(a->t);
    gcs_render_shutdown();
}

int
gcs_app_run(const gcs_app_opts *o)
{
    char why[256];
    if (!gcs_app_display_available(why, sizeof why)) {
        fprintf(stderr, "gcscope view: %s; 'gcscope render FILE -o OUT.png' draws without one\n",
                why);
        return 2;
    }
    gcs_app a;
    memset(&a, 0, sizeof a);
    a.opts = o;
    gcs_scene_init(&a.sc);
    if (o->script != NULL && (a.script = fopen(o->script, "r")) == NULL) {
        fprintf(stderr, "gcscope view: cannot read script %s\n", o->script);
        return 2;
    }
    a.script_path = o->script;
    if (open_trace(&a, o->path, &a.t) < 0) {
        fprintf(stderr, "gcscope view: %s\n", a.toast);
        fini(&a);
        return 3;
    }
    if (!init_sdl(&a, o)) {
        fini(&a);
        return 2;
    }
    gcs_view_init(&a.v, o->width, o->height);
    a.v.layout = gcs_vtrace_layout(a.t);
    a.v.theme = o->theme;
    a.v.speed = 8;
    a.toast[0] = '\0';
    set_title(&a);
    gcs_app_seek(&a, 0, false);
    loop(&a);
    int status = a.status;
    fini(&a);
    return status;
}
