/* src/pyrun/pr_btypes.c — the builtin types called as functions (list, tuple,
 * dict, int, range, type, object), type names, builtin dispatch and lookup
 * by name, modules and import, and the interpreter's set-up of the builtin
 * objects. Builtin function objects are cfuncs created at start-up, as
 * CPython's exist before the program runs (and are marked internal).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pr_builtins.h"

/* {======================== Builtin types (called) ========================} */

static gcs_obj *
ty_list(pr_interp *I, gcs_obj *const a[], int n)
{
    if (!pr_nargs_ok(I, "list", n, 0, 1))
        return NULL;
    return n == 0 ? pr_new_list(I) : pr_iter_list(I, a[0]);
}

static gcs_obj *
ty_tuple(pr_interp *I, gcs_obj *const a[], int n)
{
    if (!pr_nargs_ok(I, "tuple", n, 0, 1))
        return NULL;
    if (n == 0)
        return pr_tuple_of(I, 0, NULL);
    if (gcs_kind_of(a[0]) == GCS_KIND_TUPLE)
        return pr_ret(I, a[0]);
    gcs_obj *l = pr_iter_temp(I, a[0]);
    if (l == NULL)
        return NULL;
    gcs_obj *t = pr_list_to_tuple(I, l);
    gcs_decref(I->h, l);
    return t;
}

gcs_obj *
pr_ty_dict(pr_interp *I, gcs_obj *const a[], int n)
{
    if (!pr_nargs_ok(I, "dict", n, 0, 1))
        return NULL;
    gcs_obj *d;
    int rc = gcs_dict_new(I->h, &d);
    if (rc)
        return pr_raise_rc(I, rc, "dict");
    if (n == 1 && gcs_kind_of(a[0]) == GCS_KIND_DICT) {
        size_t pos = 0;
        gcs_obj *k, *v;
        while (rc == 0 && gcs_dict_next(I->h, a[0], &pos, &k, &v))
            rc = gcs_dict_set(I->h, d, k, v);
    } else if (n == 1) {
        gcs_obj *l = pr_iter_temp(I, a[0]);
        if (l == NULL) {
            gcs_decref(I->h, d);
            return NULL;
        }
        for (size_t i = 0; rc == 0 && i < gcs_list_len(I->h, l); i++) {
            gcs_obj *pair = pr_list_item(I, l, i), *k = NULL, *v = NULL;
            gcs_kind pk = gcs_kind_of(pair);
            size_t pl = pk == GCS_KIND_TUPLE  ? gcs_tuple_len(I->h, pair)
                        : pk == GCS_KIND_LIST ? gcs_list_len(I->h, pair)
                                              : 0;
            if (pl != 2) {
                gcs_decref(I->h, l);
                gcs_decref(I->h, d);
                return pr_raise(I, PR_E_VALUE,
                                "dictionary update sequence element #%zu has wrong length", i);
            }
            if (pk == GCS_KIND_TUPLE) {
                gcs_tuple_get(I->h, pair, 0, &k);
                gcs_tuple_get(I->h, pair, 1, &v);
            } else {
                gcs_list_get(I->h, pair, 0, &k);
                gcs_list_get(I->h, pair, 1, &v);
            }
            rc = gcs_dict_set(I->h, d, k, v);
        }
        gcs_decref(I->h, l);
    }
    for (int k = 0; rc == 0 && k < I->bi_n_kw; k++) {
        I->kw_used |= 1u << k;
        rc = gcs_dict_set(I->h, d, pr_name_str(I, I->bi_kw_names[k]), I->bi_kw_vals[k]);
    }
    if (rc) {
        gcs_decref(I->h, d);
        return rc == GCS_EUNHASHABLE ? pr_raise(I, PR_E_TYPE, "unhashable type")
                                     : pr_raise_rc(I, rc, "dict");
    }
    return d;
}

static gcs_obj *
ty_int(pr_interp *I, gcs_obj *const a[], int n)
{
    if (!pr_nargs_ok(I, "int", n, 0, 1))
        return NULL;
    if (n == 0)
        return pr_int(I, 0);
    int64_t v = 0;
    if (gcs_int_value(I->h, a[0], &v) == 0)
        return pr_int(I, v);
    if (gcs_kind_of(a[0]) == GCS_KIND_STR) {
        const char *s = gcs_str_value(I->h, a[0]);
        char *end;
        long long x = strtoll(s, &end, 10);
        while (*end == ' ' || *end == '\n')
            end++;
        if (*s && *end == '\0')
            return pr_int(I, x);
        return pr_raise(I, PR_E_VALUE, "invalid literal for int() with base 10: '%s'", s);
    }
    return pr_raise(I, PR_E_TYPE, "int() argument must be a string or a number, not '%s'",
                    pr_type_name(I, a[0]));
}

static gcs_obj *
ty_range(pr_interp *I, gcs_obj *const a[], int n)
{
    int64_t v[3] = {0, 0, 1};
    if (!pr_nargs_ok(I, "range", n, 1, 3))
        return NULL;
    for (int i = 0; i < n; i++)
        if (!pr_get_int(I, a[i], &v[i], "range"))
            return NULL;
    if (n == 1) {
        v[1] = v[0];
        v[0] = 0;
    }
    if (v[2] == 0)
        return pr_raise(I, PR_E_VALUE, "range() arg 3 must not be zero");
    gcs_obj *r;
    int rc = gcs_obj_new(I->h, I->t_range, &r);
    if (rc)
        return pr_raise_rc(I, rc, "range");
    memcpy(gcs_obj_data(r), v, sizeof v);
    return r;
}

gcs_obj *
pr_type_of(pr_interp *I, gcs_obj *o)
{
    if (gcs_kind_of(o) == GCS_KIND_INSTANCE)
        return pr_ret(I, gcs_class_of(I->h, o));
    int ty = PR_TY_OBJECT;
    switch ((int)gcs_kind_of(o)) {
    case GCS_KIND_NONE:
        ty = PR_TY_NONE;
        break;
    case GCS_KIND_BOOL:
        ty = PR_TY_BOOL;
        break;
    case GCS_KIND_INT:
        ty = PR_TY_INT;
        break;
    case GCS_KIND_STR:
        ty = PR_TY_STR;
        break;
    case GCS_KIND_TUPLE:
        ty = PR_TY_TUPLE;
        break;
    case GCS_KIND_LIST:
        ty = PR_TY_LIST;
        break;
    case GCS_KIND_DICT:
        ty = PR_TY_DICT;
        break;
    case GCS_KIND_CLASS:
        ty = PR_TY_TYPE;
        break;
    case GCS_KIND_WEAKREF:
        ty = PR_TY_WEAKREF;
        break;
    case GCS_KIND_CFUNC:
    case GCS_KIND_USER: {
        pr_fninfo *fi = pr_info(I, o);
        const char *tn = pr_type_name(I, o);
        for (int t = 0; t < PR_TY__COUNT; t++)
            if (strcmp(pr_tyname(t), tn) == 0)
                ty = t;
        if (fi && fi->kind == PR_F_TYPE)
            ty = PR_TY_TYPE;
        break;
    }
    default:
        break;
    }
    return pr_ret(I, I->type_objs[ty]);
}

static gcs_obj *
call_type(pr_interp *I, int ty, gcs_obj *const a[], int n)
{
    switch (ty) {
    case PR_TY_LIST:
        return ty_list(I, a, n);
    case PR_TY_TUPLE:
        return ty_tuple(I, a, n);
    case PR_TY_DICT:
        return pr_ty_dict(I, a, n);
    case PR_TY_INT:
        return ty_int(I, a, n);
    case PR_TY_RANGE:
        return ty_range(I, a, n);
    case PR_TY_STR:
        if (!pr_nargs_ok(I, "str", n, 0, 1))
            return NULL;
        return n == 0 ? pr_str(I, "", 0) : pr_repr(I, a[0], true);
    case PR_TY_BOOL: {
        if (!pr_nargs_ok(I, "bool", n, 0, 1))
            return NULL;
        int err = 0;
        bool t = n ? pr_truthy(I, a[0], &err) : false;
        return err ? NULL : pr_bool(I, t);
    }
    case PR_TY_TYPE:
        if (!pr_nargs_ok(I, "type", n, 1, 1))
            return NULL;
        return pr_type_of(I, a[0]);
    case PR_TY_OBJECT: {
        if (!pr_nargs_ok(I, "object", n, 0, 0))
            return NULL;
        gcs_obj *o;
        int rc = gcs_obj_new(I->h, I->t_object, &o);
        return rc ? pr_raise_rc(I, rc, "object") : o;
    }
    default:
        return pr_raise(I, PR_E_TYPE, "cannot create '%s' instances", pr_tyname(ty));
    }
}

static const char *const type_names[PR_TY__COUNT] = {
    [PR_TY_OBJECT] = "object",
    [PR_TY_INT] = "int",
    [PR_TY_STR] = "str",
    [PR_TY_BOOL] = "bool",
    [PR_TY_NONE] = "NoneType",
    [PR_TY_LIST] = "list",
    [PR_TY_TUPLE] = "tuple",
    [PR_TY_DICT] = "dict",
    [PR_TY_RANGE] = "range",
    [PR_TY_FUNCTION] = "function",
    [PR_TY_METHOD] = "method",
    [PR_TY_BUILTIN] = "builtin_function_or_method",
    [PR_TY_WEAKREF] = "ReferenceType",
    [PR_TY_TYPE] = "type",
    [PR_TY_MODULE] = "module",
    [PR_TY_WVDICT] = "WeakValueDictionary",
    [PR_TY_FINALIZE] = "finalize",
    [PR_TY_GETSET] = "getset_descriptor",
    [PR_TY_CELL] = "cell",
};

/* Builtin types reachable by name. */
static const int named_types[] = {PR_TY_OBJECT, PR_TY_INT,  PR_TY_STR,   PR_TY_BOOL, PR_TY_LIST,
                                  PR_TY_TUPLE,  PR_TY_DICT, PR_TY_RANGE, PR_TY_TYPE};

const char *
pr_tyname(int idx)
{
    return idx >= 0 && idx < PR_TY__COUNT ? type_names[idx] : "?";
}

/* {======================== Dispatch, modules ========================} */

gcs_obj *
pr_call_builtin(pr_interp *I, int idx, gcs_obj *self, gcs_obj *const a[], int n)
{
    pr_kw_save sv;
    int n_kw = pr_kw_enter(I, &sv);
    const char *name;
    gcs_obj *r;
    if (idx < 0) {
        name = pr_tyname(-1 - idx);
        r = call_type(I, -1 - idx, a, n);
    } else {
        name = pr_builtin_table[idx].name;
        r = pr_builtin_table[idx].fn(I, self, a, n);
    }
    if (r && n_kw && I->kw_used != (1u << n_kw) - 1) {
        gcs_decref(I->h, r);
        for (int k = 0; k < n_kw; k++)
            if (!(I->kw_used & (1u << k))) {
                r = pr_raise(I, PR_E_TYPE, "%s() got an unexpected keyword argument '%s'", name,
                             pr_name(I, I->bi_kw_names[k]));
                break;
            }
    }
    pr_kw_leave(I, &sv);
    return r;
}

static int
builtin_index(const char *name, int module)
{
    for (int i = 0; i < pr_n_builtins; i++)
        if (pr_builtin_table[i].module == module && strcmp(pr_builtin_table[i].name, name) == 0)
            return i;
    return -1;
}

gcs_obj *
pr_builtin_lookup(pr_interp *I, int name)
{
    const char *nm = pr_name(I, name);
    int i = builtin_index(nm, PR_M_NONE);
    if (i >= 0)
        return pr_ret(I, I->builtin_objs[i]);
    for (size_t t = 0; t < sizeof named_types / sizeof named_types[0]; t++)
        if (strcmp(type_names[named_types[t]], nm) == 0)
            return pr_ret(I, I->type_objs[named_types[t]]);
    for (int e = 0; e < PR_E__COUNT; e++)
        if (strcmp(pr_exc_name(e), nm) == 0)
            return pr_ret(I, I->exc_classes[e].cls);
    return NULL;
}

static const char *const module_names[3] = {"gc", "sys", "weakref"};

gcs_obj *
pr_import(pr_interp *I, int name)
{
    for (int m = 0; m < 3; m++)
        if (strcmp(module_names[m], pr_name(I, name)) == 0)
            return pr_ret(I, I->modules[m]);
    return pr_raise(I, PR_E_NOTIMPL, "No module named '%s' in gcscope run", pr_name(I, name));
}

static const struct {
    const char *name;
    int value;
} gc_consts[] = {{"DEBUG_STATS", GCS_DEBUG_STATS},
                 {"DEBUG_COLLECTABLE", GCS_DEBUG_COLLECTABLE},
                 {"DEBUG_UNCOLLECTABLE", GCS_DEBUG_UNCOLLECTABLE},
                 {"DEBUG_SAVEALL", GCS_DEBUG_SAVEALL},
                 {"DEBUG_LEAK", GCS_DEBUG_LEAK}};

gcs_obj *
pr_module_getattr(pr_interp *I, gcs_obj *mod, int midx, int name)
{
    const char *nm = pr_name(I, name);
    int i = builtin_index(nm, midx);
    if (i >= 0)
        return pr_ret(I, I->builtin_objs[i]);
    if (strcmp(nm, "__name__") == 0)
        return pr_str(I, module_names[midx], strlen(module_names[midx]));
    if (midx == PR_M_GC) {
        if (strcmp(nm, "garbage") == 0)
            return pr_ret(I, gcs_gc_garbage(I->h));
        if (strcmp(nm, "callbacks") == 0)
            return pr_ret(I, gcs_gc_callbacks(I->h));
        for (size_t k = 0; k < sizeof gc_consts / sizeof gc_consts[0]; k++)
            if (strcmp(gc_consts[k].name, nm) == 0)
                return pr_int(I, gc_consts[k].value);
    }
    if (midx == PR_M_WEAKREF && strcmp(nm, "ReferenceType") == 0)
        return pr_ret(I, I->type_objs[PR_TY_WEAKREF]);
    return pr_raise(I, PR_E_ATTRIBUTE, "module '%s' has no attribute '%s'%s", module_names[midx],
                    nm, gcs_kind_of(mod) == GCS_KIND_USER ? " (in gcscope run)" : "");
}

int
pr_module_setattr(pr_interp *I, gcs_obj *mod, int midx, int name, gcs_obj *v)
{
    (void)mod;
    (void)v;
    return pr_raise_i(I, PR_E_ATTRIBUTE, "gcscope run: cannot set %s.%s", module_names[midx],
                      pr_name(I, name));
}

/* {======================== Set-up ========================} */

static int
getset_traverse(gcs_heap *h, gcs_obj *self, gcs_visit_fn visit, void *arg)
{
    (void)h;
    gcs_obj **s = gcs_obj_data(self);
    return *s ? visit(*s, arg) : 0;
}

static void
getset_clear(gcs_heap *h, gcs_obj *self)
{
    gcs_obj **s = gcs_obj_data(self);
    if (*s)
        gcs_slot_clear(h, self, s, ".__objclass__");
}

static int
noop_traverse(gcs_heap *h, gcs_obj *self, gcs_visit_fn visit, void *arg)
{
    (void)h;
    (void)self;
    (void)visit;
    (void)arg;
    return 0;
}

static void
iter_clear(gcs_heap *h, gcs_obj *self)
{
    gcs_obj **s = gcs_obj_data(self);
    if (*s)
        gcs_slot_clear(h, self, s, ".it_seq");
}

static int
make_types(pr_interp *I)
{
    const gcs_type_def defs[] = {
        {.name = "type", .data_size = sizeof(int)},
        {.name = "module",
         .data_size = sizeof(int),
         .flags = GCS_TYPE_GC | GCS_TYPE_WEAKREFABLE,
         .traverse = noop_traverse},
        {.name = "getset_descriptor",
         .data_size = sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC,
         .traverse = getset_traverse,
         .clear = getset_clear},
        {.name = "finalize",
         .data_size = 3 * sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC | GCS_TYPE_WEAKREFABLE,
         .traverse = pr_fin_traverse,
         .clear = pr_fin_clear},
        {.name = "range", .data_size = 3 * sizeof(int64_t)},
        {.name = "iterator",
         .data_size = sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC,
         .traverse = getset_traverse,
         .clear = iter_clear},
        {.name = "object", .data_size = 0},
        {.name = "dict_keys",
         .data_size = sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC,
         .traverse = getset_traverse,
         .clear = iter_clear},
        {.name = "dict_values",
         .data_size = sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC,
         .traverse = getset_traverse,
         .clear = iter_clear},
        {.name = "dict_items",
         .data_size = sizeof(gcs_obj *),
         .flags = GCS_TYPE_GC,
         .traverse = getset_traverse,
         .clear = iter_clear},
    };
    gcs_type **outs[] = {&I->t_type, &I->t_module, &I->t_getset,  &I->t_finalize, &I->t_range,
                         &I->t_iter, &I->t_object, &I->t_view[0], &I->t_view[1],  &I->t_view[2]};
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        int rc = gcs_type_new(I->h, &defs[i], outs[i]);
        if (rc)
            return rc;
    }
    return 0;
}

int
pr_builtins_init(pr_interp *I)
{
    int rc = make_types(I);
    I->builtin_info = calloc(pr_n_builtins, sizeof *I->builtin_info);
    I->bmethod_info = calloc(pr_bmethod_count(), sizeof *I->bmethod_info);
    I->type_info = calloc(PR_TY__COUNT, sizeof *I->type_info);
    I->builtin_objs = calloc(pr_n_builtins, sizeof *I->builtin_objs);
    I->type_objs = calloc(PR_TY__COUNT, sizeof *I->type_objs);
    if (rc == 0 && (!I->builtin_info || !I->bmethod_info || !I->type_info || !I->builtin_objs ||
                    !I->type_objs))
        rc = GCS_ENOMEM;
    for (int t = 0; rc == 0 && t < PR_TY__COUNT; t++) {
        I->type_info[t] = (pr_fninfo){.I = I, .kind = PR_F_TYPE, .idx = t};
        rc = gcs_obj_new(I->h, I->t_type, &I->type_objs[t]);
        pr_internal(I, rc == 0 ? I->type_objs[t] : NULL);
        if (rc == 0)
            rc = pr_idmap_put(I, gcs_id(I->type_objs[t]), &I->type_info[t]);
    }
    if (rc == 0)
        I->object_cls = I->type_objs[PR_TY_OBJECT];
    for (int m = 0; rc == 0 && m < 3; m++) {
        static pr_fninfo dummy;
        (void)dummy;
        pr_fninfo *fi = calloc(1, sizeof *fi);
        if (fi == NULL) {
            rc = GCS_ENOMEM;
            break;
        }
        *fi = (pr_fninfo){.I = I, .kind = PR_F_MODULE, .idx = m};
        I->module_infos[m] = fi;
        rc = gcs_obj_new(I->h, I->t_module, &I->modules[m]);
        pr_internal(I, rc == 0 ? I->modules[m] : NULL);
        if (rc == 0)
            rc = pr_idmap_put(I, gcs_id(I->modules[m]), fi);
    }
    for (int i = 0; rc == 0 && i < pr_n_builtins; i++) {
        I->builtin_info[i] = (pr_fninfo){.I = I, .kind = PR_F_BUILTIN, .idx = i};
        rc = gcs_cfunc_new(I->h, pr_builtin_table[i].name, pr_cfunc_trampoline, &I->builtin_info[i],
                           NULL, &I->builtin_objs[i]);
        pr_internal(I, rc == 0 ? I->builtin_objs[i] : NULL);
        if (rc == 0)
            rc = pr_idmap_put(I, gcs_id(I->builtin_objs[i]), &I->builtin_info[i]);
    }
    for (int i = 0; rc == 0 && i < pr_bmethod_count(); i++)
        I->bmethod_info[i] = (pr_fninfo){.I = I, .kind = PR_F_BMETHOD, .idx = i};
    if (rc == 0)
        rc = gcs_list_new(I->h, &I->fin_registry);
    if (rc == 0)
        rc = gcs_str_new(I->h, "__main__", &I->main_str);
    if (rc == 0) {
        pr_internal(I, I->fin_registry);
        pr_internal(I, I->main_str);
    }
    return rc;
}

void
pr_builtins_fini(pr_interp *I)
{
    for (int i = 0; I->builtin_objs && i < pr_n_builtins; i++)
        gcs_xdecref(I->h, I->builtin_objs[i]);
    for (int t = 0; I->type_objs && t < PR_TY__COUNT; t++)
        gcs_xdecref(I->h, I->type_objs[t]);
    for (int m = 0; m < 3; m++) {
        gcs_xdecref(I->h, I->modules[m]);
        free(I->module_infos[m]);
    }
    gcs_xdecref(I->h, I->fin_registry);
    gcs_xdecref(I->h, I->main_str);
    free(I->builtin_objs);
    free(I->type_objs);
    free(I->builtin_info);
    free(I->bmethod_info);
    free(I->type_info);
}