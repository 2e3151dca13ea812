/* tests/test_checked.c — checked mode: over-release, use after free and
 * foreign pointers are reported with the object's id, type and call site (in
 * gcs_heap_errmsg and an ERROR event) and return an error in CONTINUE mode; in
 * ABORT mode the process prints one line and aborts (run in a child). Public
 * entry points reject NULL, wrong kinds and bad indexes. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define OK(x) assert_int_equal((x), 0)

static gcs_heap *
H(void **state)
{
    return ((gcs_test_heap *)*state)->h;
}

typedef struct err_rec {
    int n;
    int64_t code;
    uint64_t obj;
    int line;
} err_rec;

static void
err_hook(void *ud, const gcs_event *e)
{
    err_rec *r = ud;
    if (e->kind == GCS_EV_ERROR) {
        r->n++;
        r->code = e->u.error.code;
        r->obj = e->u.error.obj;
        r->line = e->site ? e->site->line : -1;
    }
}

static void
test_checked__over_release_is_reported(void **state)
{
    gcs_heap *h = H(state);
    err_rec r = {0};
    OK(gcs_heap_set_hook(h, err_hook, &r));
    gcs_obj *l, *keep;
    OK(gcs_list_new(h, &keep));
    OK(gcs_list_new(h, &l));
    OK(gcs_list_append(h, keep, l)); /* refcount 2 */
    gcs_decref(h, l);
    uint64_t id = gcs_id(l);
    OK(gcs_list_clear(h, keep)); /* frees l */
    int line = __LINE__ + 1;
    assert_int_equal(gcs_decref_checked_at(h, l, GCS_HERE), GCS_EFREED);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.code, GCS_EFREED);
    assert_int_equal(r.obj, id);
    assert_int_equal(r.line, line);
    char want[64];
    snprintf(want, sizeof want, "object #%llu (list", (unsigned long long)id);
    assert_non_null(strstr(gcs_heap_errmsg(h), want));
    assert_non_null(strstr(gcs_heap_errmsg(h), "test_checked.c"));
    assert_int_equal(gcs_heap_errcode(h), GCS_EFREED);
    OK(gcs_heap_set_hook(h, NULL, NULL));
    gcs_decref(h, keep);
}

static void
test_checked__decref_at_zero_of_dying_object(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    OK(gcs_decref_checked_at(h, l, GCS_HERE));
    /* l is freed now (quarantined): any further use is detected */
    assert_int_equal(gcs_decref_checked_at(h, l, GCS_HERE), GCS_EFREED);
    assert_int_equal(gcs_incref_checked_at(h, l, GCS_HERE), GCS_EFREED);
    gcs_obj *x;
    OK(gcs_list_new(h, &x));
    assert_int_equal(gcs_list_append(h, l, x), GCS_EFREED);
    assert_int_equal(gcs_list_append(h, x, l), GCS_EFREED);
    assert_int_equal(gcs_list_len(h, x), 0); /* unchanged */
    gcs_decref(h, x);
}

static void
test_checked__use_after_last_release(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    /* refcount 1 -> 0 frees; another checked decref is the over-release */
    gcs_incref(h, l);
    OK(gcs_decref_checked_at(h, l, GCS_HERE));
    OK(gcs_decref_checked_at(h, l, GCS_HERE));
    assert_int_equal(gcs_decref_checked_at(h, l, GCS_HERE), GCS_EFREED);
}

static void
test_checked__foreign_pointer(void **state)
{
    gcs_heap *h = H(state);
    long fake[16] = {1};
    gcs_obj *bogus = (gcs_obj *)fake;
    assert_int_equal(gcs_incref_checked_at(h, bogus, GCS_HERE), GCS_EBADOBJ);
    assert_non_null(strstr(gcs_heap_errmsg(h), "is not an object of this heap"));
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    assert_int_equal(gcs_list_append(h, l, bogus), GCS_EBADOBJ);
    /* an object of another heap is foreign too */
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.no_env = true;
    gcs_heap *h2;
    OK(gcs_heap_new(&cfg, &h2));
    gcs_obj *other;
    OK(gcs_list_new(h2, &other));
    assert_int_equal(gcs_list_append(h, l, other), GCS_EBADOBJ);
    gcs_decref(h2, other);
    gcs_heap_free(h2);
    gcs_decref(h, l);
}

static void
test_checked__argument_validation(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l, *d, *out, *i;
    OK(gcs_list_new(h, &l));
    OK(gcs_dict_new(h, &d));
    OK(gcs_int_new(h, 7, &i));
    assert_int_equal(gcs_list_append(h, NULL, l), GCS_EINVAL);
    assert_int_equal(gcs_list_append(h, l, NULL), GCS_EINVAL);
    assert_int_equal(gcs_list_append(NULL, l, l), GCS_EINVAL);
    assert_int_equal(gcs_list_append(h, d, l), GCS_ETYPE);
    assert_non_null(strstr(gcs_heap_errmsg(h), "expected list, got dict"));
    assert_int_equal(gcs_list_get(h, l, 0, &out), GCS_EINDEX);
    assert_int_equal(gcs_list_set(h, l, -1, i), GCS_EINDEX);
    assert_int_equal(gcs_dict_set(h, l, i, i), GCS_ETYPE);
    assert_int_equal(gcs_dict_set(h, d, l, i), GCS_EUNHASHABLE);
    assert_int_equal(gcs_dict_get(h, d, i, &out), GCS_ENOTFOUND);
    assert_int_equal(gcs_tuple_get(h, l, 0, &out), GCS_ETYPE);
    assert_int_equal(gcs_attr_set(h, l, "x", i), GCS_ETYPE);
    assert_int_equal(gcs_weakref_new(h, l, NULL, &out), GCS_ETYPE);
    assert_int_equal(gcs_instance_new(h, l, &out), GCS_ETYPE);
    assert_int_equal(gcs_call(h, l, NULL, 0, &out), GCS_ETYPE);
    assert_int_equal(gcs_gc_set_threshold(h, -1, 1, 1), GCS_EINVAL);
    assert_int_equal(gcs_str_new(h, NULL, &out), GCS_EINVAL);
    assert_int_equal(gcs_int_new(h, 1, NULL), GCS_EINVAL);
    assert_int_equal(gcs_frame_pop(h), GCS_ESTATE);
    assert_int_equal(gcs_var_del(h, "nope"), GCS_ENOTFOUND);
    assert_int_equal(gcs_heap_set_checked(h, true, (gcs_on_error)7), GCS_EINVAL);
    gcs_decref(h, l);
    gcs_decref(h, d);
    gcs_decref(h, i);
}

static void
test_checked__abort_mode_prints_one_line_and_aborts(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    int fds[2];
    OK(pipe(fds));
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        gcs_heap_set_checked(h, true, GCS_ON_ERROR_ABORT);
        gcs_decref(h, l);
        gcs_decref(h, l); /* use after free: must abort */
        _exit(0);
    }
    close(fds[1]);
    char buf[1024] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "GCS_EFREED"));
    assert_non_null(strstr(buf, "test_checked.c"));
    char *nl = strchr(buf, '\n');
    assert_non_null(nl);
    assert_string_equal(nl + 1, ""); /* exactly one line */
    gcs_decref(h, l);
}

static int
box_traverse(gcs_heap *h, gcs_obj *self, gcs_visit_fn visit, void *arg)
{
    (void)h;
    gcs_obj *x = *(gcs_obj **)gcs_obj_data(self);
    return x ? visit(x, arg) : 0;
}

static void
box_clear(gcs_heap *h, gcs_obj *self)
{
    gcs_slot_clear(h, self, (gcs_obj **)gcs_obj_data(self), ".x");
}

static void
test_checked__heap_check_finds_corruption(void **state)
{
    gcs_heap *h = H(state);
    gcs_type_def def = {.name = "Box",
                        .data_size = sizeof(gcs_obj *),
                        .flags = GCS_TYPE_GC,
                        .traverse = box_traverse,
                        .clear = box_clear};
    gcs_type *box;
    OK(gcs_type_new(h, &def, &box));
    gcs_obj *b, *x;
    OK(gcs_obj_new(h, box, &b));
    OK(gcs_list_new(h, &x));
    gcs_obj **slot = gcs_obj_data(b);
    OK(gcs_slot_set(h, b, slot, ".x", x));
    OK(gcs_heap_check(h));
    OK(gcs_decref_checked_at(h, x, GCS_HERE)); /* the creator's ref: fine */
    OK(gcs_heap_check(h));
    /* a buggy extension releases the box's reference behind its back */
    OK(gcs_decref_checked_at(h, x, GCS_HERE));
    assert_int_equal(gcs_heap_check(h), GCS_ECORRUPT);
    assert_non_null(strstr(gcs_heap_errmsg(h), "references a freed"));
    *slot = NULL; /* repair for teardown */
    OK(gcs_heap_check(h));
    gcs_decref(h, b);
}

static void
test_checked__switch_checked_mode_at_run_time(void **state)
{
    gcs_heap *h = H(state);
    gcs_obj *l;
    OK(gcs_list_new(h, &l));
    OK(gcs_heap_set_checked(h, false, GCS_ON_ERROR_CONTINUE));
    gcs_obj *m;
    OK(gcs_list_new(h, &m));
    OK(gcs_heap_set_checked(h, true, GCS_ON_ERROR_CONTINUE));
    OK(gcs_list_append(h, l, m)); /* objects made while unchecked are known */
    OK(gcs_heap_check(h));
    gcs_decref(h, m);
    gcs_decref(h, l);
}

#define T(name) cmocka_unit_test_setup_teardown(name, gcs_test_heap_setup, gcs_test_heap_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_checked__over_release_is_reported),
        T(test_checked__decref_at_zero_of_dying_object),
        T(test_checked__use_after_last_release),
        T(test_checked__foreign_pointer),
        T(test_checked__argument_validation),
        T(test_checked__abort_mode_prints_one_line_and_aborts),
        T(test_checked__heap_check_finds_corruption),
        T(test_checked__switch_checked_mode_at_run_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
