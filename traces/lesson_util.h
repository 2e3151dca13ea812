/* traces/lesson_util.h — what the teaching lessons (traces/lessonNN_name.c) share.
 *
 * Header-only (each traces/ program is built on its own). A lesson is a function
 * `static int lessonNN_run(lesson *L)` that drives the runtime the way a short
 * Python snippet would and marks its key steps with STEP()/STEPF() captions.
 * Its main() (left out when LESSON_NO_MAIN is defined, which is how
 * tests/test_lessons.c pulls every lesson into one test program) creates a heap
 * that honours GCSCOPE_TRACE, runs the lesson and echoes the captions.
 *
 * Conventions inside a lesson function: a local `gcs_heap *h` is in scope;
 * MUST(expr) aborts with the heap's message if an API call fails (a lesson has
 * no sensible way to carry on); every helper that changes references takes the
 * caller's call site, so traces point at the lesson's lines, not at this file.
 */
#ifndef GCS_LESSON_UTIL_H
#define GCS_LESSON_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/runtime.h"

#define LESSON_MAX_WATCH 32
#define LESSON_CAPTION   256

typedef struct lesson lesson;

/* Called at every step, after its marker was emitted: a test's window onto
 * the live heap at that moment. */
typedef void (*lesson_probe_fn)(lesson *L, const char *caption, void *ud);

struct lesson {
    gcs_heap *h;
    lesson_probe_fn probe; /* NULL in the stand-alone program */
    void *probe_ud;
    int echo; /* print captions on stdout (the stand-alone program) */
    /* Objects the lesson talks about, by name: tests look them up by id, which
     * stays valid (gcs_heap_find gives NULL) after the object is freed. */
    const char *watch_name[LESSON_MAX_WATCH];
    uint64_t watch_id[LESSON_MAX_WATCH];
    size_t n_watch;
};

/* Report a failed API call and abort: a lesson cannot go on without its
 * objects. Returns rc when it is not an error. */
static inline int
lesson_must_(gcs_heap *h, int rc, const char *expr, const char *file, int line)
{
    if (rc < 0) {
        fprintf(stderr, "%s:%d: %s failed: %s (%s)\n", file, line, expr, gcs_err_name(rc),
                h ? gcs_heap_errmsg(h) : "no heap");
        abort();
    }
    return rc;
}
#define MUST(expr) lesson_must_(h, (expr), #expr, __FILE__, __LINE__)

/* Remember `o` under `name` (a string literal) for the probes. Re-watching a
 * name replaces its id. */
static inline void
lesson_watch(lesson *L, const char *name, gcs_obj *o)
{
    for (size_t i = 0; i < L->n_watch; i++) {
        if (strcmp(L->watch_name[i], name) == 0) {
            L->watch_id[i] = gcs_id(o);
            return;
        }
    }
    if (L->n_watch < LESSON_MAX_WATCH) {
        L->watch_name[L->n_watch] = name;
        L->watch_id[L->n_watch++] = gcs_id(o);
    }
}

/* Id of a watched name, 0 if never watched. */
static inline uint64_t
lesson_watched(const lesson *L, const char *name)
{
    for (size_t i = 0; i < L->n_watch; i++) {
        if (strcmp(L->watch_name[i], name) == 0)
            return L->watch_id[i];
    }
    return 0;
}

/* Emit a caption as a MARKER event at the caller's site, echo it, and let the
 * probe look at the heap. */
static inline void
lesson_step_at(lesson *L, const char *text, const gcs_site *site)
{
    gcs_heap *h = L->h;
    MUST(gcs_marker_at(h, text, site));
    if (L->echo)
        printf("%s\n", text);
    if (L->probe)
        L->probe(L, text, L->probe_ud);
}
#define STEP(L, text) lesson_step_at((L), (text), GCS_HERE)

static inline void lesson_stepf_at(lesson *L, const gcs_site *site, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static inline void
lesson_stepf_at(lesson *L, const gcs_site *site, const char *fmt, ...)
{
    char buf[LESSON_CAPTION];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lesson_step_at(L, buf, site);
}
#define STEPF(L, ...) lesson_stepf_at((L), GCS_HERE, __VA_ARGS__)

/* `name = obj` followed by dropping the C reference: what a Python assignment
 * of a freshly made object amounts to. Steals the caller's reference. */
static inline void
lesson_bind_at(gcs_heap *h, const char *name, gcs_obj *obj, const gcs_site *site)
{
    MUST(gcs_var_set_at(h, name, obj, site));
    gcs_decref_at(h, obj, site);
}
#define BIND(h, name, obj) lesson_bind_at((h), (name), (obj), GCS_HERE)

/* The object a variable names (BORROWED); aborts if unbound. */
static inline gcs_obj *
lesson_var(gcs_heap *h, const char *name)
{
    gcs_obj *o = NULL;
    MUST(gcs_var_get(h, name, &o));
    return o;
}

/* A new list of ints, [v0, v1, ...] (NEW reference). */
static inline gcs_obj *
lesson_int_list_at(gcs_heap *h, const int64_t *vals, size_t n, const gcs_site *site)
{
    gcs_obj *l = NULL;
    MUST(gcs_list_new_at(h, &l, site));
    for (size_t i = 0; i < n; i++) {
        gcs_obj *v = NULL;
        MUST(gcs_int_new_at(h, vals[i], &v, site));
        MUST(gcs_list_append_at(h, l, v, site));
        gcs_decref_at(h, v, site);
    }
    return l;
}
#define INT_LIST(h, vals, n) lesson_int_list_at((h), (vals), (n), GCS_HERE)

/* obj.name = "text" for a fresh str. */
static inline void
lesson_set_str_attr_at(gcs_heap *h, gcs_obj *o, const char *attr, const char *text,
                       const gcs_site *site)
{
    gcs_obj *s = NULL;
    MUST(gcs_str_new_at(h, text, &s, site));
    MUST(gcs_attr_set_at(h, o, attr, s, site));
    gcs_decref_at(h, s, site);
}
#define SET_STR_ATTR(h, o, attr, text) lesson_set_str_attr_at((h), (o), (attr), (text), GCS_HERE)

/* The str value of o.attr, or "?" when missing or not a str. */
static inline const char *
lesson_str_attr(gcs_heap *h, gcs_obj *o, const char *attr)
{
    gcs_obj *v = NULL;
    if (gcs_attr_get(h, o, attr, &v) < 0 || !v)
        return "?";
    const char *s = gcs_str_value(h, v);
    return s ? s : "?";
}

/* A class with dynamic attributes and an optional __del__ (NEW reference). */
static inline gcs_obj *
lesson_class_at(gcs_heap *h, const char *name, gcs_finalize_fn del, void *ud, const gcs_site *site)
{
    gcs_class_def def = {0};
    def.name = name;
    def.dynamic_attrs = true;
    def.finalize = del;
    def.ud = ud;
    gcs_obj *cls = NULL;
    MUST(gcs_class_new_at(h, &def, &cls, site));
    return cls;
}
#define CLASS(h, name, del, ud) lesson_class_at((h), (name), (del), (ud), GCS_HERE)

/* A new instance of cls (NEW reference). */
static inline gcs_obj *
lesson_new_at(gcs_heap *h, gcs_obj *cls, const gcs_site *site)
{
    gcs_obj *o = NULL;
    MUST(gcs_instance_new_at(h, cls, &o, site));
    return o;
}
#define NEW(h, cls) lesson_new_at((h), (cls), GCS_HERE)

/* gc.collect(gen); returns what CPython's gc.collect returns. */
static inline size_t
lesson_collect_at(gcs_heap *h, int gen, const gcs_site *site)
{
    size_t n = 0;
    MUST(gcs_gc_collect_at(h, gen, &n, site));
    return n;
}
#define COLLECT(h, gen) lesson_collect_at((h), (gen), GCS_HERE)

/* Hide one object from the pictures (gcs_obj_set_internal: the viewer and
 * `render` leave it out unless asked, `i` / --show-internal). */
static inline void
lesson_hide(lesson *L, gcs_obj *o)
{
    gcs_heap *h = L->h;
    MUST(gcs_obj_set_internal(h, o));
}

/* Every heap starts with the gc module's two lists, gc.garbage and
 * gc.callbacks. A lesson that doesn't talk about them hides them first, so its
 * pictures show only the lesson's own objects. */
static inline void
lesson_hide_gc_lists(lesson *L)
{
    lesson_hide(L, gcs_gc_garbage(L->h));
    lesson_hide(L, gcs_gc_callbacks(L->h));
}

/* Run one lesson on a fresh heap that honours GCSCOPE_TRACE / GCSCOPE_LEAKS.
 * Returns the process exit status. */
static inline int
lesson_main(int (*run)(lesson *L))
{
    gcs_heap *h = NULL;
    int rc = gcs_heap_new(NULL, &h);
    if (rc < 0) {
        fprintf(stderr, "cannot create a heap: %s\n", gcs_strerror(rc));
        return 1;
    }
    lesson L = {.h = h, .echo = 1};
    rc = run(&L);
    gcs_heap_free(h);
    return rc < 0 ? 1 : 0;
}

#endif
