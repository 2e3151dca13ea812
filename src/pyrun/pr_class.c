/* src/pyrun/pr_class.c — functions, bound methods, classes, instances,
 * attribute access and calls.
 *
 * Object shapes mirror CPython 3.11 so that refcounts and gc.collect() counts
 * match: a function is a cfunc holding its defaults tuple; a bound method a
 * cfunc holding a (func, self) tuple; a class is a runtime class whose
 * "__dict__" attribute is a real dict (with two getset descriptors pointing
 * back at the class) plus "__mro__" and "__bases__" tuples: 6 tracked objects,
 * as scenario 35 counts. Instances keep attributes inline (no dict), as 3.11.
 * Calling convention of pr_call: args are NEW references the callee may steal
 * (setting args[i] = NULL), as CPython moves stack references into a frame.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "pr_interp.h"

/* {======================== Exceptions: builtin classes ========================} */

static const struct {
    const char *name;
    int base;
} exc_table[PR_E__COUNT] = {
    [PR_E_BASE] = {"BaseException", -1},
    [PR_E_EXCEPTION] = {"Exception", PR_E_BASE},
    [PR_E_TYPE] = {"TypeError", PR_E_EXCEPTION},
    [PR_E_VALUE] = {"ValueError", PR_E_EXCEPTION},
    [PR_E_LOOKUP] = {"LookupError", PR_E_EXCEPTION},
    [PR_E_KEY] = {"KeyError", PR_E_LOOKUP},
    [PR_E_INDEX] = {"IndexError", PR_E_LOOKUP},
    [PR_E_ATTRIBUTE] = {"AttributeError", PR_E_EXCEPTION},
    [PR_E_NAME] = {"NameError", PR_E_EXCEPTION},
    [PR_E_UNBOUND] = {"UnboundLocalError", PR_E_NAME},
    [PR_E_ARITH] = {"ArithmeticError", PR_E_EXCEPTION},
    [PR_E_ZERODIV] = {"ZeroDivisionError", PR_E_ARITH},
    [PR_E_OVERFLOW] = {"OverflowError", PR_E_ARITH},
    [PR_E_ASSERT] = {"AssertionError", PR_E_EXCEPTION},
    [PR_E_RUNTIME] = {"RuntimeError", PR_E_EXCEPTION},
    [PR_E_RECURSION] = {"RecursionError", PR_E_RUNTIME},
    [PR_E_NOTIMPL] = {"NotImplementedError", PR_E_RUNTIME},
    [PR_E_MEMORY] = {"MemoryError", PR_E_EXCEPTION},
    [PR_E_STOPITER] = {"StopIteration", PR_E_EXCEPTION},
};

const char *
pr_exc_name(int idx)
{
    return idx >= 0 && idx < PR_E__COUNT ? exc_table[idx].name : NULL;
}

/* Create the builtin exception classes (bases first: the table is ordered so). */
int
pr_classes_init(pr_interp *I)
{
    I->exc_classes = calloc(PR_E__COUNT, sizeof *I->exc_classes);
    if (I->exc_classes == NULL)
        return GCS_ENOMEM;
    bool done[PR_E__COUNT] = {0};
    for (int pass = 0; pass < 4; pass++)
        for (int e = 0; e < PR_E__COUNT; e++) {
            int b = exc_table[e].base;
            if (done[e] || (b >= 0 && !done[b]))
                continue;
            gcs_class_def def = {.name = exc_table[e].name, .dynamic_attrs = true};
            pr_classinfo *ci = &I->exc_classes[e];
            int rc = gcs_class_new(I->h, &def, &ci->cls);
            if (rc)
                return rc;
            pr_internal(I, ci->cls);
            ci->fi = (pr_fninfo){.I = I, .kind = PR_F_CLASS, .cls = ci};
            ci->is_exc = true;
            ci->name = pr_names_intern(&I->prog->names, def.name, strlen(def.name));
            if (b >= 0) {
                ci->base = I->exc_classes[b].cls;
                ci->base_info = &I->exc_classes[b];
            }
            if (ci->name < 0 || pr_idmap_put(I, gcs_id(ci->cls), &ci->fi))
                return GCS_ENOMEM;
            done[e] = true;
        }
    return 0;
}

gcs_obj *
pr_new_exc(pr_interp *I, pr_excidx e, const char *msg)
{
    gcs_obj *inst, *s = NULL, *args = NULL;
    if (gcs_instance_new(I->h, I->exc_classes[e].cls, &inst))
        return NULL;
    int rc = msg ? gcs_str_new(I->h, msg, &s) : 0;
    if (rc == 0)
        rc = gcs_tuple_new(I->h, s ? 1 : 0, &s, &args);
    if (rc == 0)
        rc = gcs_attr_set(I->h, inst, "args", args);
    gcs_xdecref(I->h, s);
    gcs_xdecref(I->h, args);
    if (rc) {
        gcs_decref(I->h, inst);
        return NULL;
    }
    return inst;
}

/* {======================== Functions ========================} */

gcs_obj *
pr_make_function(pr_interp *I, const pr_code *code, gcs_obj *defaults)
{
    pr_code *c = (pr_code *)code;
    if (c->info == NULL) {
        pr_fninfo *fi = pr_arena_alloc(I->prog, sizeof *fi);
        if (fi == NULL)
            return pr_raise(I, PR_E_MEMORY, "function");
        *fi = (pr_fninfo){.I = I, .kind = PR_F_PYFUNC, .code = code};
        c->info = fi;
    }
    gcs_obj *f;
    int rc =
        gcs_cfunc_new(I->h, pr_name(I, code->name), pr_cfunc_trampoline, c->info, defaults, &f);
    if (rc)
        return pr_raise_rc(I, rc, "function");
    if (pr_idmap_put(I, gcs_id(f), c->info)) {
        gcs_decref(I->h, f);
        return pr_raise(I, PR_E_MEMORY, "function");
    }
    return f;
}

/* A bound method is a cfunc bound to self whose info names the attribute: the
 * function is found again on self's class when called. That keeps it one
 * tracked object, as CPython's method is (a cfunc holds only one object), and
 * the function stays alive through self -> class -> __dict__. Rebinding the
 * class attribute afterwards changes what the method calls (documented). */
static gcs_obj *
make_bound_method(pr_interp *I, int name, gcs_obj *self)
{
    if (name >= I->n_method_infos) {
        int n = I->n_names > name ? I->n_names : name + 1;
        pr_fninfo **nv = realloc(I->method_infos, (size_t)n * sizeof *nv);
        if (nv == NULL)
            return pr_raise(I, PR_E_MEMORY, "method");
        memset(nv + I->n_method_infos, 0, (size_t)(n - I->n_method_infos) * sizeof *nv);
        I->method_infos = nv;
        I->n_method_infos = n;
    }
    if (I->method_infos[name] == NULL) {
        pr_fninfo *fi = pr_arena_alloc(I->prog, sizeof *fi);
        if (fi == NULL)
            return pr_raise(I, PR_E_MEMORY, "method");
        *fi = (pr_fninfo){.I = I, .kind = PR_F_METHOD, .idx = name};
        I->method_infos[name] = fi;
    }
    gcs_obj *m;
    int rc =
        gcs_cfunc_new(I->h, pr_name(I, name), pr_cfunc_trampoline, I->method_infos[name], self, &m);
    if (rc)
        return pr_raise_rc(I, rc, "method");
    if (pr_idmap_put(I, gcs_id(m), I->method_infos[name])) {
        gcs_decref(I->h, m);
        return pr_raise(I, PR_E_MEMORY, "method");
    }
    return m;
}

/* The function and self of a bound method (BORROWED); NULL func if the class
 * no longer has the attribute (AttributeError set). */
static gcs_obj *
method_func(pr_interp *I, gcs_obj *m, gcs_obj **self)
{
    pr_fninfo *fi = pr_info(I, m);
    *self = gcs_cfunc_bound(I->h, m);
    pr_classinfo *ci = pr_class_info(I, gcs_class_of(I->h, *self));
    gcs_obj *func = ci ? pr_class_lookup(I, ci, fi->idx) : NULL;
    if (func == NULL)
        pr_raise(I, PR_E_ATTRIBUTE, "'%s' object has no attribute '%s'", pr_type_name(I, *self),
                 pr_name(I, fi->idx));
    return func;
}

/* Frame variable names: the runtime takes C strings. */
static const char *
local_name(pr_interp *I, const pr_code *code, int slot)
{
    return pr_name(I, code->local_names[slot]);
}

/* Bind arguments into slots (NEW refs in slots[], stolen from args or taken
 * from defaults). 0 or -1 with TypeError. */
static int
bind_args(pr_interp *I, gcs_obj *func, const pr_code *code, gcs_obj *args[], int nargs,
          gcs_obj **slots, int n_kw, const int *kw_names, gcs_obj **kw_vals)
{
    const char *fname = pr_name(I, code->name);
    if (nargs > code->n_params) {
        int lo = code->n_params - code->n_defaults;
        if (code->n_defaults)
            return pr_raise_i(I, PR_E_TYPE,
                              "%s() takes from %d to %d positional arguments but %d %s given",
                              fname, lo, code->n_params, nargs, nargs == 1 ? "was" : "were");
        return pr_raise_i(I, PR_E_TYPE, "%s() takes %d positional argument%s but %d %s given",
                          fname, code->n_params, code->n_params == 1 ? "" : "s", nargs,
                          nargs == 1 ? "was" : "were");
    }
    for (int i = 0; i < nargs; i++) {
        slots[i] = args[i];
        args[i] = NULL;
    }
    for (int k = 0; k < n_kw; k++) {
        int slot = -1;
        for (int p = 0; p < code->n_params; p++)
            if (code->local_names[p] == kw_names[k])
                slot = p;
        if (slot < 0)
            return pr_raise_i(I, PR_E_TYPE, "%s() got an unexpected keyword argument '%s'", fname,
                              pr_name(I, kw_names[k]));
        if (slots[slot])
            return pr_raise_i(I, PR_E_TYPE, "%s() got multiple values for argument '%s'", fname,
                              pr_name(I, kw_names[k]));
        slots[slot] = kw_vals[k];
        kw_vals[k] = NULL;
    }
    gcs_obj *defaults = func ? gcs_cfunc_bound(I->h, func) : NULL;
    int first_def = code->n_params - code->n_defaults;
    int missing[64], n_missing = 0;
    for (int p = 0; p < code->n_params; p++) {
        if (slots[p])
            continue;
        gcs_obj *d = NULL;
        if (p >= first_def && defaults && gcs_kind_of(defaults) == GCS_KIND_TUPLE)
            gcs_tuple_get(I->h, defaults, (size_t)(p - first_def), &d);
        if (d == NULL) {
            missing[n_missing++] = p;
            continue;
        }
        gcs_incref(I->h, d);
        slots[p] = d;
    }
    if (n_missing == 0)
        return 0;
    pr_buf b = {0};
    for (int k = 0; k < n_missing; k++) {
        if (k)
            pr_buf_puts(&b, k == n_missing - 1 ? (n_missing > 2 ? ", and " : " and ") : ", ");
        pr_buf_puts(&b, "'");
        pr_buf_puts(&b, local_name(I, code, missing[k]));
        pr_buf_puts(&b, "'");
    }
    pr_raise(I, PR_E_TYPE, "%s() missing %d required positional argument%s: %s", fname, n_missing,
             n_missing == 1 ? "" : "s", b.b ? b.b : "");
    free(b.b);
    return -1;
}

/* Run a function's code in a new frame. args: NEW refs, stolen. */
gcs_obj *
pr_call_pyfunc(pr_interp *I, gcs_obj *func, const pr_code *code, gcs_obj *const args_in[],
               int nargs)
{
    gcs_obj **args = (gcs_obj **)args_in;
    int n_kw = I->n_kw;
    const int *kw_names = I->kw_names;
    gcs_obj **kw_vals = I->kw_vals;
    I->n_kw = 0;
    if (I->depth >= PR_MAX_DEPTH)
        return pr_raise(I, PR_E_RECURSION, "maximum recursion depth exceeded");
    gcs_obj *stack_slots[16];
    int n_locals = code->n_locals;
    gcs_obj **slots = n_locals <= 16 ? stack_slots : calloc((size_t)n_locals, sizeof *slots);
    if (slots == NULL)
        return pr_raise(I, PR_E_MEMORY, "frame");
    memset(slots, 0, (size_t)n_locals * sizeof *slots);
    int rc = bind_args(I, func, code, args, nargs, slots, n_kw, kw_names, kw_vals);
    if (rc) {
        for (int p = 0; p < code->n_params; p++)
            gcs_xdecref(I->h, slots[p]);
        if (slots != stack_slots)
            free(slots);
        return NULL;
    }
    pr_frame fr = {.back = I->frame, .code = code, .slots = slots, .line = code->line};
    rc = gcs_frame_push(I->h, pr_name(I, code->name), NULL);
    for (int p = 0; p < code->n_params && rc == 0; p++)
        rc = gcs_var_set(I->h, local_name(I, code, p), slots[p]);
    for (int p = 0; p < code->n_params; p++) {
        assert(slots[p] != NULL); /* bind_args returned 0: every parameter is bound */
        gcs_decref(I->h, slots[p]); /* the frame variable holds it now; slot is borrowed */
    }
    if (rc) {
        if (gcs_frame_depth(I->h) > 1)
            gcs_frame_pop(I->h);
        if (slots != stack_slots)
            free(slots);
        return pr_raise_rc(I, rc, "frame");
    }
    /* the interpreter points at this C frame while the call runs; restored below */
    // cppcheck-suppress autoVariables
    I->frame = &fr;
    I->depth++;
    int st = pr_exec_body(I, &fr, code->kind == 2 ? NULL : code->body);
    if (code->kind == 2 && st == 0) { /* lambda: body is an expression */
        fr.retval = pr_eval(I, code->body);
        st = fr.retval ? 0 : -1;
    }
    I->depth--;
    /* CPython clears locals in slot order (params first), then the frame. */
    for (int s = 0; s < n_locals; s++) {
        if (slots[s] == NULL)
            continue;
        slots[s] = NULL;
        gcs_var_del(I->h, local_name(I, code, s));
    }
    I->frame = fr.back;
    gcs_frame_pop(I->h);
    if (slots != stack_slots)
        free(slots);
    if (st < 0) {
        gcs_xdecref(I->h, fr.retval);
        if (I->frame)
            pr_tb_add(I, I->frame->line, I->frame->code ? I->frame->code->name : -1);
        return NULL;
    }
    return fr.retval ? fr.retval : pr_none(I);
}

/* {======================== Classes ========================} */

gcs_obj *
pr_class_lookup(pr_interp *I, pr_classinfo *ci, int name)
{
    if (name < 0)
        return NULL;
    pr_lookup_cache *c = &ci->cache[name & 7];
    if (c->epoch == I->class_epoch && c->name == name)
        return c->val;
    gcs_obj *key = pr_name_str(I, name), *v = NULL, *found = NULL;
    for (pr_classinfo *k = ci; k && !found; k = k->base_info)
        if (k->dict && key && gcs_dict_get(I->h, k->dict, key, &v) == 0)
            found = v;
    *c = (pr_lookup_cache){I->class_epoch, name, found};
    return found;
}

static int
class_finalize(gcs_heap *h, gcs_obj *self, void *ud)
{
    (void)h;
    pr_interp *I = ud;
    gcs_obj *saved_exc = I->exc;
    int saved_tb = I->n_tb;
    I->exc = NULL;
    I->n_tb = 0;
    bool found = false;
    gcs_obj *r = pr_call_method(I, self, I->nm_del, NULL, 0, &found);
    if (r)
        gcs_decref(I->h, r);
    else if (found) {
        char where[200];
        snprintf(where, sizeof where, "<function %s.__del__ at 0x7f0000000000>",
                 gcs_type_name(self));
        pr_unraisable(I, where);
    }
    I->exc = saved_exc;
    I->n_tb = saved_tb;
    return 0;
}

static gcs_obj *
new_getset(pr_interp *I, gcs_obj *cls)
{
    gcs_obj *d;
    int rc = gcs_obj_new(I->h, I->t_getset, &d);
    if (rc)
        return pr_raise_rc(I, rc, "getset_descriptor");
    pr_internal(I, d);
    gcs_obj **slot = gcs_obj_data(d);
    rc = gcs_slot_set(I->h, d, slot, ".__objclass__", cls);
    if (rc) {
        gcs_decref(I->h, d);
        return pr_raise_rc(I, rc, "getset_descriptor");
    }
    return d;
}

static int
set_ns_str(pr_interp *I, gcs_obj *ns, const char *key, gcs_obj *v)
{
    int rc = gcs_dict_set_str(I->h, ns, key, v);
    return rc ? (pr_raise_rc(I, rc, "class"), -1) : 0;
}

/* The class attributes CPython's type() adds: descriptors, __doc__, and the
 * __mro__/__bases__ tuples. */
static int
class_finish(pr_interp *I, gcs_obj *cls, gcs_obj *base, gcs_obj *ns, bool plain_base)
{
    if (plain_base) {
        for (int k = 0; k < 2; k++) {
            gcs_obj *d = new_getset(I, cls);
            if (d == NULL)
                return -1;
            int rc = set_ns_str(I, ns, k ? "__weakref__" : "__dict__", d);
            gcs_decref(I->h, d);
            if (rc)
                return -1;
        }
    }
    gcs_obj *v;
    if (gcs_dict_get(I->h, ns, pr_name_str(I, I->nm_doc), &v) != 0 &&
        set_ns_str(I, ns, "__doc__", gcs_none(I->h)))
        return -1;
    gcs_obj *bases_item = base ? base : I->object_cls, *bases, *mro;
    int rc = gcs_tuple_new(I->h, 1, &bases_item, &bases);
    if (rc)
        return (pr_raise_rc(I, rc, "class"), -1);
    gcs_obj *mro_items[64];
    size_t n = 0;
    mro_items[n++] = cls;
    for (pr_classinfo *ci = base ? pr_class_info(I, base) : NULL; ci && n < 63; ci = ci->base_info)
        mro_items[n++] = ci->cls;
    mro_items[n++] = I->object_cls;
    rc = gcs_tuple_new(I->h, n, mro_items, &mro);
    if (rc == 0) {
        pr_internal(I, bases);
        pr_internal(I, mro);
        pr_internal(I, ns);
        pr_internal_keys(I, ns);
        rc = gcs_attr_set(I->h, cls, "__dict__", ns);
        if (rc == 0)
            rc = gcs_attr_set(I->h, cls, "__bases__", bases);
        if (rc == 0)
            rc = gcs_attr_set(I->h, cls, "__mro__", mro);
        gcs_decref(I->h, mro);
    }
    gcs_decref(I->h, bases);
    return rc ? (pr_raise_rc(I, rc, "class"), -1) : 0;
}

void
pr_classinfo_keep(pr_interp *I, pr_classinfo *ci)
{
    if (I->n_classes == I->cap_classes) {
        int cap = I->cap_classes ? I->cap_classes * 2 : 16;
        pr_classinfo **nv = realloc(I->classes, (size_t)cap * sizeof *nv);
        if (nv == NULL)
            return; /* leaks one small struct; never fails the program */
        I->classes = nv;
        I->cap_classes = cap;
    }
    I->classes[I->n_classes++] = ci;
}

gcs_obj *
pr_make_class(pr_interp *I, int name, gcs_obj *base, gcs_obj *ns)
{
    pr_classinfo *bi = NULL;
    if (base) {
        bi = pr_class_info(I, base);
        pr_fninfo *fi = pr_info(I, base);
        if (bi == NULL && fi && fi->kind == PR_F_TYPE && fi->idx == PR_TY_OBJECT)
            base = NULL;
        else if (bi == NULL)
            return pr_raise(I, PR_E_TYPE,
                            "gcscope run: classes may only derive from object, "
                            "exception classes or other classes of the snippet");
    }
    pr_classinfo *ci = calloc(1, sizeof *ci);
    if (ci == NULL)
        return pr_raise(I, PR_E_MEMORY, "class");
    ci->fi = (pr_fninfo){.I = I, .kind = PR_F_CLASS, .cls = ci};
    ci->name = name;
    ci->base = base;
    ci->base_info = bi;
    ci->is_exc = bi && bi->is_exc;
    ci->dict = ns;
    ci->has_del = pr_class_lookup(I, ci, I->nm_del) != NULL;
    gcs_class_def def = {.name = pr_name(I, name),
                         .dynamic_attrs = true,
                         .finalize = ci->has_del ? class_finalize : NULL,
                         .ud = I};
    gcs_obj *cls;
    int rc = gcs_class_new(I->h, &def, &cls);
    if (rc) {
        free(ci);
        return pr_raise_rc(I, rc, "class");
    }
    ci->cls = cls;
    if (pr_idmap_put(I, gcs_id(cls), &ci->fi)) {
        free(ci);
        gcs_decref(I->h, cls);
        return pr_raise(I, PR_E_MEMORY, "class");
    }
    pr_classinfo_keep(I, ci);
    int fin = class_finish(I, cls, base, ns, base == NULL || (bi && bi->dict == NULL));
    I->class_epoch++;
    if (fin) {
        gcs_decref(I->h, cls);
        return NULL;
    }
    return cls;
}

/* Instantiate: instance, then __init__ with the arguments CPython would pass
 * (an args tuple exists during the call, as in type_call). */
static gcs_obj *
instantiate(pr_interp *I, gcs_obj *cls, pr_classinfo *ci, gcs_obj *args[], int nargs)
{
    int n_kw = I->n_kw;
    gcs_obj *inst;
    int rc = gcs_instance_new(I->h, cls, &inst);
    if (rc) {
        I->n_kw = 0;
        return pr_raise_rc(I, rc, "instance");
    }
    gcs_obj *argt;
    rc = gcs_tuple_new(I->h, (size_t)nargs, args, &argt);
    if (rc) {
        gcs_decref(I->h, inst);
        I->n_kw = 0;
        return pr_raise_rc(I, rc, "tuple");
    }
    if (!ci->is_exc) /* an exception keeps it as its .args: part of the value */
        pr_internal(I, argt);
    if (ci->is_exc && (rc = gcs_attr_set(I->h, inst, "args", argt)) != 0) {
        gcs_decref(I->h, argt);
        gcs_decref(I->h, inst);
        I->n_kw = 0;
        return pr_raise_rc(I, rc, "exception");
    }
    gcs_obj *init = pr_class_lookup(I, ci, I->nm_init);
    pr_fninfo *fi = init ? pr_info(I, init) : NULL;
    gcs_obj *r = NULL;
    if (fi && fi->kind == PR_F_PYFUNC) {
        gcs_obj *a[65];
        if (nargs > 64)
            nargs = 64;
        a[0] = inst;
        gcs_incref(I->h, inst);
        for (int i = 0; i < nargs; i++) {
            a[i + 1] = args[i];
            gcs_incref(I->h, args[i]);
        }
        gcs_incref(I->h, init);
        r = pr_call_pyfunc(I, init, fi->code, a, nargs + 1);
        gcs_decref(I->h, init);
        for (int i = 0; i <= nargs; i++)
            gcs_xdecref(I->h, a[i]);
        if (r && gcs_kind_of(r) != GCS_KIND_NONE) {
            gcs_decref(I->h, r);
            r = pr_raise(I, PR_E_TYPE, "__init__() should return None, not '%s'",
                         pr_type_name(I, r));
        }
    } else if ((nargs > 0 || n_kw > 0) && !ci->is_exc) {
        I->n_kw = 0;
        r = pr_raise(I, PR_E_TYPE, "%s() takes no arguments", pr_class_name(I, cls));
    } else {
        I->n_kw = 0;
        r = pr_none(I);
    }
    gcs_decref(I->h, argt);
    if (r == NULL) {
        gcs_decref(I->h, inst);
        return NULL;
    }
    gcs_decref(I->h, r);
    return inst;
}

/* {======================== Attributes ========================} */

static gcs_obj *
attr_error(pr_interp *I, gcs_obj *o, int name)
{
    if (gcs_kind_of(o) == GCS_KIND_CLASS)
        return pr_raise(I, PR_E_ATTRIBUTE, "type object '%s' has no attribute '%s'",
                        pr_class_name(I, o), pr_name(I, name));
    return pr_raise(I, PR_E_ATTRIBUTE, "'%s' object has no attribute '%s'", pr_type_name(I, o),
                    pr_name(I, name));
}

static gcs_obj *
incref_ret(pr_interp *I, gcs_obj *o)
{
    gcs_incref(I->h, o);
    return o;
}

static gcs_obj *
getattr_special(pr_interp *I, gcs_obj *o, int name, bool *handled)
{
    const char *nm = pr_name(I, name);
    *handled = true;
    if (strcmp(nm, "__class__") == 0) {
        if (gcs_kind_of(o) == GCS_KIND_INSTANCE)
            return incref_ret(I, gcs_class_of(I->h, o));
        return pr_type_of(I, o);
    }
    if (strcmp(nm, "__name__") == 0 || strcmp(nm, "__qualname__") == 0) {
        pr_fninfo *fi = pr_info(I, o);
        if (gcs_kind_of(o) == GCS_KIND_CLASS)
            return pr_str(I, pr_class_name(I, o), strlen(pr_class_name(I, o)));
        if (fi && fi->kind == PR_F_PYFUNC)
            return incref_ret(I, pr_name_str(I, fi->code->name));
        if (fi && fi->kind == PR_F_TYPE)
            return pr_str(I, pr_tyname(fi->idx), strlen(pr_tyname(fi->idx)));
    }
    if (strcmp(nm, "__defaults__") == 0) {
        pr_fninfo *fi = pr_info(I, o);
        if (fi && fi->kind == PR_F_PYFUNC) {
            gcs_obj *d = gcs_cfunc_bound(I->h, o);
            return d ? incref_ret(I, d) : pr_none(I);
        }
    }
    if (strcmp(nm, "__self__") == 0 || strcmp(nm, "__func__") == 0) {
        pr_fninfo *fi = pr_info(I, o);
        if (fi && fi->kind == PR_F_METHOD) {
            gcs_obj *self, *func = method_func(I, o, &self);
            if (func == NULL)
                return NULL;
            return incref_ret(I, nm[2] == 's' ? self : func);
        }
    }
    if (strcmp(nm, "__dict__") == 0) {
        pr_classinfo *ci = pr_class_info(I, o);
        if (ci && ci->dict) {
            I->class_epoch++; /* the caller may change it behind our caches */
            return incref_ret(I, ci->dict);
        }
        if (gcs_kind_of(o) == GCS_KIND_INSTANCE)
            return pr_raise(I, PR_E_NOTIMPL,
                            "gcscope run: instance __dict__ is not supported "
                            "(3.11 keeps attributes inline until it is touched)");
    }
    *handled = false;
    return NULL;
}

gcs_obj *
pr_getattr(pr_interp *I, gcs_obj *o, int name)
{
    gcs_kind k = gcs_kind_of(o);
    const char *nm = pr_name(I, name);
    gcs_obj *v = NULL;
    if (nm[0] == '_' && nm[1] == '_') {
        bool handled;
        gcs_obj *r = getattr_special(I, o, name, &handled);
        if (handled)
            return r;
    }
    if (k == GCS_KIND_INSTANCE) {
        if (gcs_attr_get(I->h, o, nm, &v) == 0)
            return incref_ret(I, v);
        pr_classinfo *ci = pr_class_info(I, gcs_class_of(I->h, o));
        v = ci ? pr_class_lookup(I, ci, name) : NULL;
        if (v == NULL)
            return attr_error(I, o, name);
        pr_fninfo *fi = pr_info(I, v);
        if (fi && fi->kind == PR_F_PYFUNC)
            return make_bound_method(I, name, o);
        return incref_ret(I, v);
    }
    if (k == GCS_KIND_CLASS) {
        pr_classinfo *ci = pr_class_info(I, o);
        v = ci ? pr_class_lookup(I, ci, name) : NULL;
        if (v)
            return incref_ret(I, v);
        if (strcmp(nm, "__mro__") == 0 || strcmp(nm, "__bases__") == 0) {
            if (gcs_attr_get(I->h, o, nm, &v) == 0)
                return incref_ret(I, v);
        }
        return attr_error(I, o, name);
    }
    pr_fninfo *fi = pr_info(I, o);
    if (fi && fi->kind == PR_F_MODULE)
        return pr_module_getattr(I, o, fi->idx, name);
    int bm = pr_bmethod_find(I, o, name);
    if (bm >= 0)
        return pr_make_bmethod(I, bm, o);
    return attr_error(I, o, name);
}

int
pr_setattr(pr_interp *I, gcs_obj *o, int name, gcs_obj *v)
{
    gcs_kind k = gcs_kind_of(o);
    if (k == GCS_KIND_INSTANCE) {
        int rc = gcs_attr_set(I->h, o, pr_name(I, name), v);
        return rc ? (pr_raise_rc(I, rc, "setattr"), -1) : 0;
    }
    pr_classinfo *ci = pr_class_info(I, o);
    if (ci && ci->dict) {
        I->class_epoch++;
        int rc = gcs_dict_set(I->h, ci->dict, pr_name_str(I, name), v);
        return rc ? (pr_raise_rc(I, rc, "setattr"), -1) : 0;
    }
    pr_fninfo *fi = pr_info(I, o);
    if (fi && fi->kind == PR_F_MODULE)
        return pr_module_setattr(I, o, fi->idx, name, v);
    pr_raise(I, PR_E_ATTRIBUTE, "'%s' object attribute '%s' is read-only", pr_type_name(I, o),
             pr_name(I, name));
    return -1;
}

int
pr_delattr(pr_interp *I, gcs_obj *o, int name)
{
    int rc = GCS_ENOTFOUND;
    if (gcs_kind_of(o) == GCS_KIND_INSTANCE) {
        rc = gcs_attr_del(I->h, o, pr_name(I, name));
    } else {
        pr_classinfo *ci = pr_class_info(I, o);
        I->class_epoch++;
        if (ci && ci->dict)
            rc = gcs_dict_del(I->h, ci->dict, pr_name_str(I, name));
    }
    if (rc == GCS_ENOTFOUND) {
        attr_error(I, o, name);
        return -1;
    }
    return rc ? (pr_raise_rc(I, rc, "delattr"), -1) : 0;
}

/* {======================== Calls ========================} */

gcs_obj *
pr_call_method(pr_interp *I, gcs_obj *self, int name, gcs_obj *const args[], int nargs, bool *found)
{
    *found = false;
    pr_classinfo *ci =
        gcs_kind_of(self) == GCS_KIND_INSTANCE ? pr_class_info(I, gcs_class_of(I->h, self)) : NULL;
    gcs_obj *m = ci ? pr_class_lookup(I, ci, name) : NULL;
    if (m == NULL)
        return NULL;
    *found = true;
    gcs_obj *a[9];
    if (nargs > 8)
        nargs = 8;
    a[0] = self;
    for (int i = 0; i < nargs; i++)
        a[i + 1] = args[i];
    for (int i = 0; i <= nargs; i++)
        gcs_incref(I->h, a[i]);
    gcs_incref(I->h, m);
    gcs_obj *r = pr_call(I, m, a, nargs + 1);
    gcs_decref(I->h, m);
    for (int i = 0; i <= nargs; i++)
        gcs_xdecref(I->h, a[i]);
    return r;
}

gcs_obj *
pr_call(pr_interp *I, gcs_obj *f, gcs_obj *const args_in[], int nargs)
{
    gcs_obj **args = (gcs_obj **)args_in;
    gcs_kind k = gcs_kind_of(f);
    if (k == GCS_KIND_CLASS) {
        pr_classinfo *ci = pr_class_info(I, f);
        if (ci)
            return instantiate(I, f, ci, args, nargs);
    }
    if (k == GCS_KIND_WEAKREF) {
        I->n_kw = 0;
        if (nargs != 0)
            return pr_raise(I, PR_E_TYPE, "weakref() takes no arguments");
        gcs_obj *r = gcs_weakref_get(I->h, f);
        return r ? incref_ret(I, r) : pr_none(I);
    }
    if (k == GCS_KIND_USER && strcmp(gcs_type_name(f), "finalize") == 0) {
        I->n_kw = 0;
        if (nargs != 0)
            return pr_raise(I, PR_E_TYPE, "finalize() takes no arguments");
        return pr_finalize_fire(I, f);
    }
    pr_fninfo *fi = pr_info(I, f);
    if (fi == NULL && k == GCS_KIND_CFUNC) {
        I->n_kw = 0;
        gcs_obj *r;
        int rc = gcs_call(I->h, f, args, (size_t)nargs, &r);
        return rc ? pr_raise_rc(I, rc, "call") : r;
    }
    if (fi == NULL) {
        I->n_kw = 0;
        return pr_raise(I, PR_E_TYPE, "'%s' object is not callable", pr_type_name(I, f));
    }
    switch ((pr_fkind)fi->kind) {
    case PR_F_PYFUNC:
        return pr_call_pyfunc(I, f, fi->code, args, nargs);
    case PR_F_METHOD: {
        gcs_obj *self, *func = method_func(I, f, &self);
        if (func == NULL) {
            I->n_kw = 0;
            return NULL;
        }
        gcs_obj *a[65];
        if (nargs > 64)
            nargs = 64;
        a[0] = incref_ret(I, self);
        for (int i = 0; i < nargs; i++) {
            a[i + 1] = args[i];
            args[i] = NULL;
        }
        pr_fninfo *ffi = pr_info(I, func);
        gcs_incref(I->h, func);
        gcs_obj *r = ffi && ffi->kind == PR_F_PYFUNC
                         ? pr_call_pyfunc(I, func, ffi->code, a, nargs + 1)
                         : pr_call(I, func, a, nargs + 1);
        gcs_decref(I->h, func);
        for (int i = 0; i <= nargs; i++)
            gcs_xdecref(I->h, a[i]);
        return r;
    }
    case PR_F_BUILTIN:
    case PR_F_TYPE:
        return pr_call_builtin(I, fi->kind == PR_F_TYPE ? -1 - fi->idx : fi->idx, NULL, args,
                               nargs);
    case PR_F_BMETHOD:
        return pr_call_bmethod(I, fi->idx, gcs_cfunc_bound(I->h, f), args, nargs);
    case PR_F_FINCB:
        return pr_finalize_fire(I, gcs_cfunc_bound(I->h, f));
    case PR_F_CLASS:
    case PR_F_MODULE:
    case PR_F_WVDICT:
        break;
    }
    I->n_kw = 0;
    return pr_raise(I, PR_E_TYPE, "'%s' object is not callable", pr_type_name(I, f));
}

/* The runtime calls our callables (weakref callbacks, gc.callbacks, finalize)
 * through this. Errors are reported as unraisable here, like CPython. */
int
pr_cfunc_trampoline(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
                    gcs_obj **result)
{
    (void)h;
    pr_fninfo *fi = ud;
    pr_interp *I = fi->I;
    gcs_obj *saved_exc = I->exc;
    int saved_tb = I->n_tb, saved_kw = I->n_kw;
    I->exc = NULL;
    I->n_tb = 0;
    I->n_kw = 0;
    gcs_obj *a[16];
    if (nargs > 16)
        nargs = 16;
    for (size_t i = 0; i < nargs; i++) {
        a[i] = args[i];
        gcs_incref(I->h, a[i]);
    }
    gcs_obj *r = pr_call(I, self, a, (int)nargs);
    for (size_t i = 0; i < nargs; i++)
        gcs_xdecref(I->h, a[i]);
    if (r == NULL) {
        char where[200];
        if (fi->kind == PR_F_PYFUNC)
            snprintf(where, sizeof where, "<function %s at 0x7f0000000000>",
                     pr_name(I, fi->code->name));
        else
            snprintf(where, sizeof where, "<callback>");
        pr_unraisable(I, where);
    }
    I->exc = saved_exc;
    I->n_tb = saved_tb;
    I->n_kw = saved_kw;
    *result = r;
    return 0;
}
