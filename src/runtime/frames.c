/* src/runtime/frames.c — roots: a stack of frames with named variables, each a
 * strong reference. Frame 0 is "<module>" (the globals) and lives as long as
 * the heap. Popping a frame deletes its variables in reverse binding order. */
#include "runtime_int.h"

static void
ev_frame(gcs_heap *h, bool push, gcs_frame *f, const gcs_site *site)
{
    gcs_event ev = {.kind = push ? GCS_EV_FRAME_PUSH : GCS_EV_FRAME_POP, .site = site};
    if (push) {
        ev.u.frame_push.frame = f->id;
        ev.u.frame_push.name = f->name;
    } else {
        ev.u.frame_pop.frame = f->id;
    }
    gcs_rt_emit(h, &ev);
}

static void
ev_var(gcs_heap *h, gcs_frame *f, const char *name, gcs_obj *obj, gcs_obj *old,
       const gcs_site *site)
{
    gcs_event ev = {.site = site};
    if (obj) {
        ev.kind = GCS_EV_VAR_SET;
        ev.u.var_set.frame = f->id;
        ev.u.var_set.name = name;
        ev.u.var_set.obj = obj->id;
        ev.u.var_set.old = old ? old->id : 0;
    } else {
        ev.kind = GCS_EV_VAR_DEL;
        ev.u.var_del.frame = f->id;
        ev.u.var_del.name = name;
        ev.u.var_del.old = old ? old->id : 0;
    }
    gcs_rt_emit(h, &ev);
}

int
gcs_frame_push_at(gcs_heap *h, const char *name, uint64_t *frame_id, const gcs_site *site)
{
    if (!h || !name)
        return h ? gcs_rt_error(h, GCS_EINVAL, "gcs_frame_push: NULL name") : GCS_EINVAL;
    if (h->n_frames == h->cap_frames) {
        size_t cap = h->cap_frames ? h->cap_frames * 2 : 8;
        gcs_frame *fr = gcs_rt_realloc(h, h->frames, h->cap_frames * sizeof *fr, cap * sizeof *fr);
        if (!fr)
            return gcs_rt_error(h, GCS_ENOMEM, "out of memory pushing frame '%s'", name);
        h->frames = fr;
        h->cap_frames = cap;
    }
    char *nm = gcs_rt_strdup(h, name);
    if (!nm)
        return gcs_rt_error(h, GCS_ENOMEM, "out of memory pushing frame '%s'", name);
    gcs_frame *f = &h->frames[h->n_frames++];
    memset(f, 0, sizeof *f);
    f->id = h->next_frame_id++;
    f->name = nm;
    if (frame_id)
        *frame_id = f->id;
    if (h->hooked)
        ev_frame(h, true, f, site);
    return 0;
}

int
gcs_rt_frames_init(gcs_heap *h)
{
    return gcs_frame_push_at(h, "<module>", NULL, NULL);
}

/* Delete every variable of the top frame (newest first) and pop it. */
static void
frame_pop(gcs_heap *h, const gcs_site *site)
{
    gcs_frame *f = &h->frames[h->n_frames - 1];
    while (f->n_vars > 0) {
        gcs_var *v = &f->vars[f->n_vars - 1];
        gcs_obj *o = v->obj;
        if (h->hooked)
            ev_var(h, f, v->name, NULL, o, site);
        gcs_rt_strfree(h, v->name);
        f->n_vars--;
        gcs_rt_decref(h, o, site);
        f = &h->frames[h->n_frames - 1]; /* a finalizer may have grown the frame array */
    }
    if (h->hooked)
        ev_frame(h, false, f, site);
    gcs_rt_mfree(h, f->vars, f->cap_vars * sizeof(gcs_var));
    gcs_rt_strfree(h, f->name);
    h->n_frames--;
}

int
gcs_frame_pop_at(gcs_heap *h, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    if (h->n_frames <= 1)
        return gcs_rt_error(h, GCS_ESTATE, "gcs_frame_pop: the <module> frame can't be popped");
    frame_pop(h, site);
    return 0;
}

void
gcs_rt_frames_free(gcs_heap *h)
{
    while (h->n_frames > 0)
        frame_pop(h, NULL);
    gcs_rt_mfree(h, h->frames, h->cap_frames * sizeof(gcs_frame));
    h->frames = NULL;
    h->cap_frames = 0;
}

size_t
gcs_frame_depth(gcs_heap *h)
{
    return h ? h->n_frames : 0;
}

static gcs_var *
find_var(gcs_frame *f, const char *name)
{
    for (size_t i = 0; i < f->n_vars; i++)
        if (strcmp(f->vars[i].name, name) == 0)
            return &f->vars[i];
    return NULL;
}

static int
frame_set(gcs_heap *h, gcs_frame *f, const char *name, gcs_obj *obj, const gcs_site *site)
{
    gcs_var *v = find_var(f, name);
    if (v) {
        gcs_obj *old = v->obj;
        gcs_rt_incref(h, obj, site);
        v->obj = obj;
        if (h->hooked)
            ev_var(h, f, v->name, obj, old, site);
        gcs_rt_decref(h, old, site);
        return 0;
    }
    if (f->n_vars == f->cap_vars) {
        size_t cap = f->cap_vars ? f->cap_vars * 2 : 8;
        gcs_var *nv = gcs_rt_realloc(h, f->vars, f->cap_vars * sizeof *nv, cap * sizeof *nv);
        if (!nv)
            return gcs_rt_error(h, GCS_ENOMEM, "out of memory binding variable '%s'", name);
        f->vars = nv;
        f->cap_vars = cap;
    }
    char *nm = gcs_rt_strdup(h, name);
    if (!nm)
        return gcs_rt_error(h, GCS_ENOMEM, "out of memory binding variable '%s'", name);
    gcs_rt_incref(h, obj, site);
    f->vars[f->n_vars++] = (gcs_var){nm, obj};
    if (h->hooked)
        ev_var(h, f, nm, obj, NULL, site);
    return 0;
}

static int
frame_del(gcs_heap *h, gcs_frame *f, const char *name, const gcs_site *site)
{
    gcs_var *v = find_var(f, name);
    if (!v)
        return gcs_rt_error(h, GCS_ENOTFOUND, "name '%s' is not defined in frame '%s'", name,
                            f->name);
    gcs_obj *old = v->obj;
    char *nm = v->name;
    if (h->hooked)
        ev_var(h, f, nm, NULL, old, site);
    size_t i = (size_t)(v - f->vars);
    memmove(&f->vars[i], &f->vars[i + 1], (f->n_vars - i - 1) * sizeof *v);
    f->n_vars--;
    gcs_rt_strfree(h, nm);
    gcs_rt_decref(h, old, site);
    return 0;
}

static int
check_var(gcs_heap *h, const char *name, gcs_obj *obj, const gcs_site *site)
{
    if (!name)
        return gcs_rt_error(h, GCS_EINVAL, "NULL variable name");
    return gcs_rt_validate(h, obj, site, false);
}

int
gcs_var_set_at(gcs_heap *h, const char *name, gcs_obj *obj, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = check_var(h, name, obj, site);
    return rc ? rc : frame_set(h, &h->frames[h->n_frames - 1], name, obj, site);
}

int
gcs_global_set_at(gcs_heap *h, const char *name, gcs_obj *obj, const gcs_site *site)
{
    if (!h)
        return GCS_EINVAL;
    int rc = check_var(h, name, obj, site);
    return rc ? rc : frame_set(h, &h->frames[0], name, obj, site);
}

int
gcs_var_get(gcs_heap *h, const char *name, gcs_obj **out)
{
    if (!h || !out || !name)
        return GCS_EINVAL;
    *out = NULL;
    gcs_var *v = find_var(&h->frames[h->n_frames - 1], name);
    if (!v)
        v = find_var(&h->frames[0], name);
    if (!v)
        return gcs_rt_error(h, GCS_ENOTFOUND, "name '%s' is not defined", name);
    *out = v->obj;
    return 0;
}

int
gcs_var_del_at(gcs_heap *h, const char *name, const gcs_site *site)
{
    if (!h || !name)
        return GCS_EINVAL;
    return frame_del(h, &h->frames[h->n_frames - 1], name, site);
}

int
gcs_global_del_at(gcs_heap *h, const char *name, const gcs_site *site)
{
    if (!h || !name)
        return GCS_EINVAL;
    return frame_del(h, &h->frames[0], name, site);
}

int
gcs_heap_foreach_root(gcs_heap *h, gcs_root_visit_fn fn, void *ud)
{
    if (!h || !fn)
        return GCS_EINVAL;
    for (size_t i = 0; i < h->n_frames; i++) {
        gcs_frame *f = &h->frames[i];
        for (size_t k = 0; k < f->n_vars; k++) {
            int rc = fn(f->id, f->name, f->vars[k].name, f->vars[k].obj, ud);
            if (rc)
                return rc;
        }
    }
    return 0;
}
