/* viz/app/app_input.c — keys, mouse and the --script player.
 *
 * Every input turns into a change of the view or the current event; nothing
 * draws here (the loop redraws when `dirty` is set). The script player feeds
 * the same handlers, so a script exercises exactly what a user does.
 *
 * Script lines: `wait MS`, `key NAME` (space, left, right, shift+right,
 * ctrl+left, home, end, plus, minus, f, c, s, l, i, t, q, escape, f1, question,
 * slash, return, backspace, or one character), `type TEXT`, `click X Y`,
 * `drag X0 Y0 X1 Y1`, `wheel X Y DY`, `resize W H`, `drop PATH`, `# comment`.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"

/* {==== Keys ====} */

static void
next_leak(gcs_app *a)
{
    size_t n = gcs_vtrace_n_leaks(a->t);
    uint64_t ev, obj;
    if (n == 0 || !gcs_vtrace_leak_at(a->t, a->leak_idx % n, &ev, &obj)) {
        gcs_app_toast(a, "no leaks or misuse in this trace");
        return;
    }
    a->leak_idx++;
    a->v.selected = obj;
    a->v.show_inspector = true;
    gcs_app_seek(a, ev, false);
    gcs_app_toast(a, "leak %zu of %zu: #%llu", (a->leak_idx - 1) % n + 1, n,
                  (unsigned long long)obj);
}

/* `i`: show / hide interpreter-internal objects (re-lays out the trace). */
static void
toggle_internal(gcs_app *a)
{
    bool on = !gcs_vtrace_show_internal(a->t);
    if (gcs_vtrace_set_show_internal(a->t, on) < 0) {
        gcs_app_toast(a, "out of memory laying out the trace");
        return;
    }
    a->v.layout = gcs_vtrace_layout(a->t);
    a->scene_dirty = true;
    gcs_app_toast(a, "interpreter-internal objects %s", on ? "shown" : "hidden");
}

static void
jump(gcs_app *a, bool (*next)(const gcs_vtrace *, uint64_t, int, uint64_t *), int dir,
     const char *what)
{
    uint64_t ev;
    if (next(a->t, a->ev, dir, &ev))
        gcs_app_seek(a, ev, false);
    else
        gcs_app_toast(a, "no %s %s", dir > 0 ? "later" : "earlier", what);
}

static void
change_speed(gcs_app *a, double f)
{
    a->v.speed = fmin(fmax(a->v.speed * f, 0.5), 4000);
    gcs_app_toast(a, "speed: %.3g events per second", a->v.speed);
}

static void
finish_search(gcs_app *a)
{
    a->searching = false;
    SDL_StopTextInput();
    const char *q = a->search[0] == '#' ? a->search + 1 : a->search;
    char *end;
    unsigned long long id = strtoull(q, &end, 10);
    if (*q != '\0' && *end == '\0') {
        a->search_active[0] = '\0';
        /* a summarised big state lists only the objects drawn in full: the
         * scene rebuilt for the selection brings the object in if alive */
        if (!a->sc.sum.on && gcs_scene_find(&a->sc, id) == GCS_SCENE_NONE) {
            gcs_app_toast(a, "#%llu is not alive at this event", id);
            return;
        }
        a->v.selected = id;
        a->v.show_inspector = true;
        a->scene_dirty = true;
        gcs_app_toast(a, "selected #%llu", id);
        return;
    }
    snprintf(a->search_active, sizeof a->search_active, "%s", a->search);
    gcs_app_toast(a, a->search[0] ? "highlighting type '%s' (Esc clears)" : "%s", a->search);
}

static bool
search_key(gcs_app *a, SDL_Keycode key)
{
    if (!a->searching)
        return false;
    size_t n = strlen(a->search);
    if (key == SDLK_RETURN || key == SDLK_KP_ENTER)
        finish_search(a);
    else if (key == SDLK_ESCAPE) {
        a->searching = false;
        SDL_StopTextInput();
    } else if (key == SDLK_BACKSPACE && n > 0)
        a->search[n - 1] = '\0';
    a->dirty = true;
    return true;
}

static void
plain_key(gcs_app *a, SDL_Keycode key)
{
    switch (key) {
    case SDLK_SPACE:
        a->playing = !a->playing;
        if (a->playing && a->ev + 1 >= gcs_vtrace_n_events(a->t))
            gcs_app_seek(a, 0, false);
        break;
    case SDLK_f: /* fit; pressed again: fit what is alive now / the whole trace */
        if (!a->v.manual)
            a->v.fit_content = !a->v.fit_content;
        a->v.manual = false;
        a->v.zoom = 1;
        a->v.pan_x = a->v.pan_y = 0;
        gcs_app_toast(a, "fit: %s", a->v.fit_content ? "objects alive now" : "the whole trace");
        break;
    case SDLK_c:
        a->v.hide_cycles = !a->v.hide_cycles;
        gcs_app_toast(a, "cycle highlighting %s", a->v.hide_cycles ? "off" : "on");
        break;
    case SDLK_s:
        gcs_app_screenshot(a);
        break;
    case SDLK_l:
        next_leak(a);
        break;
    case SDLK_i:
        toggle_internal(a);
        break;
    case SDLK_t:
        a->v.theme = a->v.theme == GCS_THEME_DARK ? GCS_THEME_LIGHT : GCS_THEME_DARK;
        break;
    case SDLK_q:
        a->quit = true;
        break;
    case SDLK_ESCAPE:
        if (a->v.show_help)
            a->v.show_help = false;
        else if (a->search_active[0])
            a->search_active[0] = '\0';
        else if (a->v.selected)
            a->v.selected = 0;
        else
            a->quit = true;
        break;
    case SDLK_F1:
        a->v.show_help = !a->v.show_help;
        break;
    case SDLK_SLASH:
        a->searching = true;
        a->search[0] = '\0';
        SDL_StartTextInput();
        break;
    default:
        break;
    }
}

void
gcs_app_key(gcs_app *a, SDL_Keycode key, Uint16 mod)
{
    a->dirty = true;
    if (search_key(a, key))
        return;
    bool shift = mod & KMOD_SHIFT, ctrl = mod & KMOD_CTRL;
    int dir = key == SDLK_RIGHT ? 1 : key == SDLK_LEFT ? -1 : 0;
    if (dir != 0 && shift)
        jump(a, gcs_vtrace_next_pass, dir, "collector pass");
    else if (dir != 0 && ctrl)
        jump(a, gcs_vtrace_next_marker, dir, "marker");
    else if (dir > 0)
        gcs_app_seek(a, a->ev + 1, true);
    else if (dir < 0)
        gcs_app_seek(a, a->ev > 0 ? a->ev - 1 : 0, false);
    else if (key == SDLK_HOME)
        gcs_app_seek(a, 0, false);
    else if (key == SDLK_END)
        gcs_app_seek(a, gcs_vtrace_n_events(a->t) - 1, false);
    else if (key == SDLK_PLUS || key == SDLK_KP_PLUS || (key == SDLK_EQUALS && shift))
        change_speed(a, 2);
    else if (key == SDLK_MINUS || key == SDLK_KP_MINUS)
        change_speed(a, 0.5);
    else if ((key == SDLK_SLASH && shift) || key == SDLK_QUESTION)
        a->v.show_help = !a->v.show_help;
    else
        plain_key(a, key);
}

void
gcs_app_text(gcs_app *a, const char *text)
{
    if (!a->searching)
        return;
    if (strcmp(text, "/") == 0 && a->search[0] == '\0')
        return; /* the key that opened the search */
    size_t n = strlen(a->search);
    snprintf(a->search + n, sizeof a->search - n, "%s", text);
    a->dirty = true;
}

/* {==== Mouse ====} */

void
gcs_app_mouse_down(gcs_app *a, int x, int y)
{
    a->down = true;
    a->dragged = false;
    a->down_x = a->last_x = x;
    a->down_y = a->last_y = y;
    uint64_t ev;
    a->drag_timeline = gcs_render_hit_timeline(&a->sc, &a->v, x, y, &ev);
    if (a->drag_timeline)
        gcs_app_seek(a, ev, false);
}

void
gcs_app_mouse_move(gcs_app *a, int x, int y)
{
    if (!a->down)
        return;
    if (abs(x - a->down_x) + abs(y - a->down_y) > 4)
        a->dragged = true;
    uint64_t ev;
    if (a->drag_timeline) {
        if (gcs_render_hit_timeline(&a->sc, &a->v, x, a->down_y, &ev) && ev != a->ev)
            gcs_app_seek(a, ev, false);
    } else if (a->dragged) {
        if (!a->v.manual) {
            a->v.manual = true;
            a->v.zoom = 1;
            a->v.pan_x = a->v.pan_y = 0;
        }
        a->v.pan_x += x - a->last_x;
        a->v.pan_y += y - a->last_y;
        a->dirty = true;
    }
    a->last_x = x;
    a->last_y = y;
}

void
gcs_app_mouse_up(gcs_app *a, int x, int y)
{
    if (a->down && !a->dragged && !a->drag_timeline) {
        uint64_t id = gcs_render_hit_object(&a->sc, &a->v, x, y);
        a->v.selected = id;
        a->v.show_inspector = id != 0;
        a->scene_dirty = true; /* the inspector needs its history */
        a->dirty = true;
    }
    a->down = false;
    a->drag_timeline = false;
}

void
gcs_app_wheel(gcs_app *a, int x, int y, double dy)
{
    if (dy == 0)
        return;
    gcs_xform before, after;
    if (!a->v.manual) {
        a->v.manual = true;
        a->v.zoom = 1;
        a->v.pan_x = a->v.pan_y = 0;
    }
    gcs_render_xform(&a->v, &a->sc, &before);
    double wx = (x - before.ox) / before.scale, wy = (y - before.oy) / before.scale;
    a->v.zoom = fmin(fmax(a->v.zoom * pow(1.15, dy), 0.2), 12);
    double px = a->v.pan_x, py = a->v.pan_y;
    a->v.pan_x = a->v.pan_y = 0;
    gcs_render_xform(&a->v, &a->sc, &after); /* the origin without pan at the new zoom */
    a->v.pan_x = x - wx * after.scale - after.ox;
    a->v.pan_y = y - wy * after.scale - after.oy;
    (void)px;
    (void)py;
    a->dirty = true;
}

/* {==== Script ====} */

static bool
key_by_name(const char *name, SDL_Keycode *key, Uint16 *mod)
{
    static const struct {
        const char *name;
        SDL_Keycode key;
    } keys[] = {
        {"space", SDLK_SPACE},         {"left", SDLK_LEFT},     {"right", SDLK_RIGHT},
        {"home", SDLK_HOME},           {"end", SDLK_END},       {"plus", SDLK_PLUS},
        {"minus", SDLK_MINUS},         {"escape", SDLK_ESCAPE}, {"f1", SDLK_F1},
        {"question", SDLK_QUESTION},   {"slash", SDLK_SLASH},   {"return", SDLK_RETURN},
        {"backspace", SDLK_BACKSPACE},
    };
    *mod = 0;
    if (strncmp(name, "shift+", 6) == 0) {
        *mod = KMOD_LSHIFT;
        name += 6;
    } else if (strncmp(name, "ctrl+", 5) == 0) {
        *mod = KMOD_LCTRL;
        name += 5;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].name, name) == 0) {
            *key = keys[i].key;
            return true;
        }
    if (name[0] != '\0' && name[1] == '\0') {
        *key = (SDL_Keycode)tolower((unsigned char)name[0]);
        return true;
    }
    return false;
}

static void
script_error(gcs_app *a, const char *what)
{
    fprintf(stderr, "gcscope view: %s:%d: %s\n", a->script_path, a->script_line, what);
    a->status = 2;
    a->quit = true;
}

/* Run one script line; false on a bad line. */
static bool
script_line(gcs_app *a, char *line)
{
    char cmd[32], arg[4096];
    int x0, y0, x1, y1;
    double d;
    if (sscanf(line, "%31s", cmd) != 1 || cmd[0] == '#')
        return true;
    const char *rest = line + strspn(line, " \t") + strlen(cmd);
    rest += strspn(rest, " \t");
    SDL_Keycode key;
    Uint16 mod;
    if (strcmp(cmd, "wait") == 0 && sscanf(rest, "%lf", &d) == 1) {
        a->script_wait_until = gcs_app_now_ms() + d;
    } else if (strcmp(cmd, "key") == 0 && sscanf(rest, "%4095s", arg) == 1 &&
               key_by_name(arg, &key, &mod)) {
        gcs_app_key(a, key, mod);
    } else if (strcmp(cmd, "type") == 0) {
        gcs_app_text(a, rest);
    } else if (strcmp(cmd, "click") == 0 && sscanf(rest, "%d %d", &x0, &y0) == 2) {
        gcs_app_mouse_down(a, x0, y0);
        gcs_app_mouse_up(a, x0, y0);
    } else if (strcmp(cmd, "drag") == 0 && sscanf(rest, "%d %d %d %d", &x0, &y0, &x1, &y1) == 4) {
        gcs_app_mouse_down(a, x0, y0);
        gcs_app_mouse_move(a, (x0 + x1) / 2, (y0 + y1) / 2);
        gcs_app_mouse_move(a, x1, y1);
        gcs_app_mouse_up(a, x1, y1);
    } else if (strcmp(cmd, "wheel") == 0 && sscanf(rest, "%d %d %lf", &x0, &y0, &d) == 3) {
        gcs_app_wheel(a, x0, y0, d);
    } else if (strcmp(cmd, "resize") == 0 && sscanf(rest, "%d %d", &x0, &y0) == 2) {
        SDL_SetWindowSize(a->win, x0, y0);
        a->dirty = true;
    } else if (strcmp(cmd, "drop") == 0 && *rest) {
        gcs_app_open_file(a, rest);
    } else {
        return false;
    }
    return true;
}

bool
gcs_app_script_step(gcs_app *a)
{
    if (gcs_app_now_ms() < a->script_wait_until)
        return true;
    char line[4200];
    while (!a->quit && fgets(line, sizeof line, a->script) != NULL) {
        a->script_line++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!script_line(a, line)) {
            script_error(a, "bad script line (see viz/app/app_input.c for the commands)");
            return false;
        }
        if (gcs_app_now_ms() < a->script_wait_until)
            return true; /* a wait: let the loop draw */
        /* scene and frame catch up before the next command */
        if (a->scene_dirty || a->dirty)
            return true;
    }
    return false;
}
