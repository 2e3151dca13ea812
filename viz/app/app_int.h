/* viz/app/app_int.h — the viewer's state, shared by app.c (window, loop,
 * drawing) and app_input.c (keys, mouse, script). */
#ifndef GCS_VIZ_APP_INT_H
#define GCS_VIZ_APP_INT_H

#include <SDL.h>
#include <stdio.h>

#include "app/app.h"
#include "render/render.h"
#include "render/scene_from_replay.h"

typedef struct gcs_app {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    int tex_w, tex_h;
    gcs_vtrace *t;
    gcs_scene sc;
    gcs_view v;
    const gcs_app_opts *opts;
    uint64_t ev;       /* current event index */
    bool scene_dirty;  /* rebuild the scene before drawing */
    bool dirty;        /* redraw */
    double anim_start; /* ms; animating while now - anim_start < ANIM_MS */
    bool animating;
    bool playing;
    double play_carry; /* fractional events owed while playing */
    double last_tick;  /* ms */
    /* mouse */
    bool down, dragged, drag_timeline;
    int down_x, down_y, last_x, last_y;
    /* search (/) */
    bool searching;
    char search[64];
    char search_active[64];
    size_t leak_idx;
    char toast[600];
    double toast_until;
    int shots;
    bool quit;
    /* script */
    FILE *script;
    const char *script_path;
    int script_line;
    double script_wait_until;
    int status;
} gcs_app;

#define GCS_APP_ANIM_MS 260.0

double gcs_app_now_ms(void);
/* Move to event ev (clamped); animate only single steps forward. */
void gcs_app_seek(gcs_app *a, uint64_t ev, bool animate);
void gcs_app_toast(gcs_app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write the current frame to a PNG at the window's pixel size; returns 0. */
int gcs_app_screenshot(gcs_app *a);
/* Open another trace (drag and drop); keeps the old one on failure. */
void gcs_app_open_file(gcs_app *a, const char *path);

/* app_input.c */
void gcs_app_key(gcs_app *a, SDL_Keycode key, Uint16 mod);
void gcs_app_text(gcs_app *a, const char *text);
void gcs_app_mouse_down(gcs_app *a, int x, int y);
void gcs_app_mouse_move(gcs_app *a, int x, int y);
void gcs_app_mouse_up(gcs_app *a, int x, int y);
void gcs_app_wheel(gcs_app *a, int x, int y, double dy);
/* Run script lines until a wait or the end. False when the script is done. */
bool gcs_app_script_step(gcs_app *a);

#endif
