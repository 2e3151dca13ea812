/* tests/test_frames.c — roots: frames and variables hold strong references;
 * FRAME_PUSH/POP and VAR_SET/DEL events; popping deletes variables newest
 * first; the <module> frame can't be popped; lookups fall back to globals. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

static gcs_heap *
H(void **state)
{
    return ((gcs_test_heap *)*state)->h;
}

typedef struct fr {
    char text[1024];
} fr;

static void
fr_hook(void *ud, const gcs_event *e)
{
    fr *r = ud;
    size_t n = strlen(r->text);
    if (e->kind == GCS_EV_FRAME_PUSH)
        snprintf(r->text + n, sizeof r->text - n, "push %s;", e->u.frame_push.name);
    else if (e->kind == GCS_EV_FRAME_POP)
        snprintf(r->text + n, sizeof r->text - n, "pop;");
    else if (e->kind == GCS_EV_VAR_SET)
        snprintf(r->text + n, sizeof r->text - n, "set %s%s;", e->u.var_set.name,
                 e->u.var_set.old ? "(old)" : "");
    else if (e->kind == GCS_EV_VAR_DEL)
        snprintf(r->text + n, sizeof r->text - n, "del %s;", e->u.var_del.name);
}

static void
test_frames__push_pop_and_events(void **state)
{
    gcs_heap *h = H(state);
    static fr r;
    r.text[0] = '\0';
    assert_int_equal(gcs_frame_depth(h), 1);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    OK(gcs_heap_set_hook(h, fr_hook, &r));
    uint64_t fid = 0;
    OK(gcs_frame_push(h, "f", &fid));
    assert_true(fid > 0);
    OK(gcs_var_set(h, "a", l));
    OK(gcs_var_set(h, "b", l));
    OK(gcs_var_set(h, "a", l));
    assert_int_equal(gcs_refcnt(l), 3);
    OK(gcs_frame_pop(h));
    OK(gcs_heap_set_hook(h, NULL, NULL));
    assert_string_equal(r.text, "push f;set a;set b;set a(old);del b;del a;pop;");
    assert_int_equal(gcs_refcnt(l), 1);
    assert_int_equal(gcs_frame_pop(h), GCS_ESTATE);
    gcs_decref(h, l);
}

static void
test_frames__lookup_and_delete(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *g, *v, *out;
    OK(gcs_list_new(h, &g));
    OK(gcs_list_new(h, &v));
    OK(gcs_global_set(h, "g", g));
    OK(gcs_frame_push(h, "f", NULL));
    OK(gcs_var_set(h, "v", v));
    OK(gcs_var_get(h, "g", &out)); /* falls back to globals */
    assert_ptr_equal(out, g);
    OK(gcs_var_get(h, "v", &out));
    assert_ptr_equal(out, v);
    assert_int_equal(gcs_var_del(h, "g"), GCS_ENOTFOUND); /* not in the top frame */
    OK(gcs_var_del(h, "v"));
    assert_int_equal(gcs_var_get(h, "v", &out), GCS_ENOTFOUND);
    OK(gcs_frame_pop(h));
    OK(gcs_global_del(h, "g"));
    assert_int_equal(gcs_global_del(h, "g"), GCS_ENOTFOUND);
    assert_int_equal(gcs_var_set(h, NULL, g), GCS_EINVAL);
    assert_int_equal(gcs_var_set(h, "x", NULL), GCS_EINVAL);
    assert_int_equal(gcs_frame_push(h, NULL, NULL), GCS_EINVAL);
    gcs_decref(h, g);
    gcs_decref(h, v);
}

typedef struct roots {
    int n;
    char names[256];
} roots;

static int
root_visit(uint64_t frame_id, const char *frame_name, const char *var, gcs_obj *obj, void *ud)
{
    (void)frame_id;
    (void)obj;
    roots *r = ud;
    size_t n = strlen(r->names);
    snprintf(r->names + n, sizeof r->names - n, "%s.%s ", frame_name, var);
    r->n++;
    return 0;
}

static void
test_frames__foreach_root_and_roots_keep_cycles_alive(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    OK(gcs_list_append(h, l, l));
    OK(gcs_global_set(h, "l", l));
    gcs_decref(h, l);
    OK(gcs_frame_push(h, "f", NULL));
    OK(gcs_var_set(h, "x", l));
    roots r = {0};
    OK(gcs_heap_foreach_root(h, root_visit, &r));
    assert_int_equal(r.n, 2);
    assert_string_equal(r.names, "<module>.l f.x ");
    size_t n;
    OK(gcs_gc_collect(h, 2, &n));
    assert_int_equal(n, 0);
    OK(gcs_frame_pop(h));
    OK(gcs_global_del(h, "l"));
    OK(gcs_gc_collect(h, 2, &n));
    assert_int_equal(n, 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_frames__push_pop_and_events),
        T(test_frames__lookup_and_delete),
        T(test_frames__foreach_root_and_roots_keep_cycles_alive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
