/* src/pyrun/pr_run.c — the public entry points of `gcscope run`
 * (gcscope/pyrun.h): read, parse, set up a heap and the interpreter, run the
 * module, then shut down the way CPython's Py_FinalizeEx does (atexit
 * finalizers, a collection, module globals cleared in order, a last
 * collection without callbacks). Start reading at run_program().
 */
#include <stdlib.h>
#include <string.h>

#include "pr_interp.h"

void
gcs_pyrun_opts_init(gcs_pyrun_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->markers = true;
}

static FILE *
err_stream(const gcs_pyrun_opts *opts)
{
    return opts && opts->err ? opts->err : stderr;
}

void
pr_grow_names(pr_interp *I)
{
    int n = I->prog->names.n;
    if (n <= I->n_names)
        return;
    gcs_obj **g = realloc(I->globals, (size_t)n * sizeof *g);
    if (g)
        I->globals = g;
    gcs_obj **s = realloc(I->strs, (size_t)n * sizeof *s);
    if (s)
        I->strs = s;
    if (g == NULL || s == NULL)
        return;
    memset(I->globals + I->n_names, 0, (size_t)(n - I->n_names) * sizeof *g);
    memset(I->strs + I->n_names, 0, (size_t)(n - I->n_names) * sizeof *s);
    I->n_names = n;
}

typedef struct root_names {
    uint64_t frame_id;
    bool have_frame;
    char **names;
    size_t n, cap;
} root_names;

static int
collect_module_vars(uint64_t frame_id, const char *frame_name, const char *var, gcs_obj *obj,
                    void *ud)
{
    (void)obj;
    root_names *r = ud;
    if (!r->have_frame) {
        r->have_frame = true;
        r->frame_id = frame_id;
    }
    if (frame_id != r->frame_id || strcmp(frame_name, "<module>") != 0)
        return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        char **nv = realloc(r->names, cap * sizeof *nv);
        if (nv == NULL)
            return 1;
        r->names = nv;
        r->cap = cap;
    }
    r->names[r->n] = strdup(var);
    if (r->names[r->n] == NULL)
        return 1;
    r->n++;
    return 0;
}

/* _PyModule_ClearDict: names with one leading underscore first, then the rest,
 * each pass in binding order. */
static void
clear_globals(pr_interp *I)
{
    root_names r = {0};
    gcs_heap_foreach_root(I->h, collect_module_vars, &r);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r.n; i++) {
            const char *nm = r.names[i];
            bool underscore = nm[0] == '_' && nm[1] != '_';
            if (underscore != (pass == 0))
                continue;
            int id = pr_names_find(&I->prog->names, nm);
            if (id >= 0 && id < I->n_names)
                I->globals[id] = NULL;
            gcs_global_del(I->h, nm);
            pr_clear_exc(I);
        }
    for (size_t i = 0; i < r.n; i++)
        free(r.names[i]);
    free(r.names);
}

static void
shutdown_interp(pr_interp *I)
{
    if (I->opts->markers)
        gcs_marker_at(I->h, "exit: finalize callbacks, module globals deleted, last collections",
                      NULL);
    pr_run_atexit(I);
    if (gcs_gc_isenabled(I->h))
        gcs_gc_collect(I->h, 2, NULL);
    clear_globals(I);
    gcs_list_clear(I->h, gcs_gc_callbacks(I->h));
    gcs_gc_collect(I->h, 2, NULL);
    pr_clear_exc(I);
}

static void
free_interp(pr_interp *I)
{
    pr_builtins_fini(I);
    for (int e = 0; I->exc_classes && e < PR_E__COUNT; e++)
        gcs_xdecref(I->h, I->exc_classes[e].cls);
    free(I->exc_classes);
    for (int i = 0; i < I->n_consts; i++)
        gcs_decref(I->h, I->const_objs[i]);
    free(I->const_objs);
    for (int i = 0; i < I->n_names; i++)
        gcs_xdecref(I->h, I->strs[i]);
    free(I->strs);
    free(I->globals);
    for (int i = 0; i < I->n_classes; i++)
        free(I->classes[i]);
    free(I->classes);
    free(I->method_infos);
    free(I->ids.keys);
    free(I->ids.vals);
    free(I->tb);
}

/* The runtime's own objects the snippet did not create: the None/True/False
 * and () singletons, and gc.garbage / gc.callbacks unless the source names
 * them (`garbage`, `DEBUG_SAVEALL` fills it, `callbacks`). Must run before
 * pyrun interns its own names. */
static void
mark_runtime_internals(pr_interp *I)
{
    gcs_heap *h = I->h;
    pr_internal(I, gcs_none(h));
    pr_internal(I, gcs_true(h));
    pr_internal(I, gcs_false(h));
    gcs_obj *empty = NULL;
    if (gcs_tuple_new(h, 0, NULL, &empty) == 0) {
        pr_internal(I, empty);
        gcs_decref(h, empty);
    }
    const pr_names *nm = &I->prog->names;
    if (pr_names_find(nm, "garbage") < 0 && pr_names_find(nm, "DEBUG_SAVEALL") < 0)
        pr_internal(I, gcs_gc_garbage(h));
    if (pr_names_find(nm, "callbacks") < 0)
        pr_internal(I, gcs_gc_callbacks(h));
}

static int
run_program(pr_program *prog, const gcs_pyrun_opts *opts)
{
    FILE *errf = err_stream(opts);
    gcs_config cfg;
    gcs_config_init(&cfg);
    cfg.trace_path = opts->trace_path;
    gcs_heap *h;
    int rc = gcs_heap_new(&cfg, &h);
    if (rc) {
        fprintf(errf, "%s: cannot create the gcscope heap: %s\n", prog->path, gcs_strerror(rc));
        return 1;
    }
    pr_interp interp = {.h = h, .prog = prog, .opts = opts, .out = opts->out ? opts->out : stdout};
    pr_interp *I = &interp;
    mark_runtime_internals(I);
    static const char *const special[] = {"__qualname__", "__init__", "__del__",  "__repr__",
                                          "__str__",      "__len__",  "__eq__",   "__doc__",
                                          "__module__",   "__name__", "__dict__", "args"};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        pr_names_intern(&prog->names, special[i], strlen(special[i]));
    I->nm_qualname = pr_names_find(&prog->names, "__qualname__");
    I->nm_init = pr_names_find(&prog->names, "__init__");
    I->nm_del = pr_names_find(&prog->names, "__del__");
    I->nm_repr = pr_names_find(&prog->names, "__repr__");
    I->nm_str = pr_names_find(&prog->names, "__str__");
    I->nm_len = pr_names_find(&prog->names, "__len__");
    I->nm_eq = pr_names_find(&prog->names, "__eq__");
    I->nm_doc = pr_names_find(&prog->names, "__doc__");
    I->class_epoch = 1;
    pr_grow_names(I);
    rc = I->n_names < prog->names.n ? GCS_ENOMEM : 0;
    if (rc == 0)
        rc = pr_classes_init(I);
    if (rc == 0)
        rc = pr_builtins_init(I);
    pr_grow_names(I);
    int status = 0;
    if (rc) {
        fprintf(errf, "%s: cannot set up the interpreter: %s (%s)\n", prog->path, gcs_strerror(rc),
                gcs_heap_errmsg(h));
        status = 1;
    } else {
        I->module_frame = (pr_frame){.code = prog->module_code, .is_module = true, .line = 1};
        I->frame = &I->module_frame;
        pr_precreate_consts(I, prog->module, 0);
        if (I->exc == NULL && pr_exec_module(I) == 0) {
            status = 0;
        } else {
            pr_print_uncaught(I, errf);
            status = 1;
        }
        fflush(I->out);
        shutdown_interp(I);
    }
    fflush(I->out);
    free_interp(I);
    gcs_heap_free(h);
    return status;
}

int
gcs_pyrun_string(const char *src, const char *name, const gcs_pyrun_opts *opts_in)
{
    gcs_pyrun_opts defaults;
    gcs_pyrun_opts_init(&defaults);
    const gcs_pyrun_opts *opts = opts_in ? opts_in : &defaults;
    pr_program *prog;
    pr_error err;
    int rc = pr_parse(src, name, &prog, &err);
    if (rc) {
        fprintf(err_stream(opts), "%s:%d:%d: %s\n", name ? name : "<string>", err.line, err.col,
                err.msg);
        return 2;
    }
    int status = run_program(prog, opts);
    pr_program_free(prog);
    return status;
}

int
gcs_pyrun_check(const char *src, const char *name, FILE *errf)
{
    pr_program *prog;
    pr_error err;
    int rc = pr_parse(src, name, &prog, &err);
    if (rc) {
        if (errf)
            fprintf(errf, "%s:%d:%d: %s\n", name ? name : "<string>", err.line, err.col, err.msg);
        return 2;
    }
    pr_program_free(prog);
    return 0;
}

/* Read a whole file; NULL with errno-free message on failure. */
static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (buf == NULL || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (strlen(buf) != n) { /* NUL bytes: not a text file */
        free(buf);
        return NULL;
    }
    return buf;
}

int
gcs_pyrun_file(const char *path, const gcs_pyrun_opts *opts)
{
    if (path == NULL) {
        fprintf(err_stream(opts), "gcscope run: no snippet file given\n");
        return 2;
    }
    char *src = read_file(path);
    if (src == NULL) {
        fprintf(err_stream(opts), "%s: cannot read the file (missing, unreadable or not text)\n",
                path);
        return 2;
    }
    int status = gcs_pyrun_string(src, path, opts);
    free(src);
    return status;
}
