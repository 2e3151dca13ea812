/* viz/app/app.h — the SDL2 viewer window: `gcscope view`.
 *
 * The window shows the renderer's frame (viz/render) uploaded into an SDL
 * streaming texture, and turns input into view changes: play, step, seek,
 * zoom, pan, select, search, screenshot. Keys are listed in the help overlay
 * (? or F1) and in docs/viewer.md. Only this layer (and src/cli) may die().
 */
#ifndef GCS_VIZ_APP_H
#define GCS_VIZ_APP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct gcs_app_opts {
    const char *path; /* trace file; NULL: use data/size below */
    const void *data; /* embedded trace (the built-in demo), borrowed */
    size_t size;
    const char *name;     /* name shown for embedded data */
    const char *script;   /* --script FILE: scripted keys, clicks and waits (tests) */
    int width, height;    /* initial window size in points (default 1280x800) */
    int theme;            /* gcs_theme_id */
    const char *shot_dir; /* where `s` writes screenshots (default: current directory) */
} gcs_app_opts;

/* Fill `o` with defaults. */
void gcs_app_opts_init(gcs_app_opts *o);

/* True if a window can be opened here. If not, *why says what is missing. */
bool gcs_app_display_available(char *why, size_t size);

/* Open the window and run until the user quits (or the script ends).
 * Returns the process exit status: 0; 2 no display or bad script; 3 the
 * trace is unreadable. Prints one line on stderr for failures. */
int gcs_app_run(const gcs_app_opts *o);

#endif
