/* src/pyrun/pr_eval.c — the tree-walking evaluator of expressions: constants,
 * displays, calls, operators, f-strings, lambdas and comprehensions.
 * Variables, iteration, assignment targets and subscripts are in pr_vars.c.
 *
 * pr_eval() returns a NEW reference or NULL with an exception set. Evaluation
 * order and temporaries follow CPython 3.11's bytecode where it is visible in
 * refcounts or GC counts: displays evaluate their items before the container
 * is allocated, comprehensions run in their own frame, method calls do not
 * create bound method objects (LOAD_METHOD), and constant tuples are created
 * once. Start reading at pr_eval().
 */
#include <stdlib.h>
#include <string.h>

#include "pr_eval.h"

/* {======================== Expressions ========================} */

/* Is this node a compile-time constant (CPython folds it into co_consts)? */
static bool
is_const(const pr_node *x)
{
    switch (x->kind) {
    case PR_N_INT:
    case PR_N_STR:
    case PR_N_NONE:
    case PR_N_TRUE:
    case PR_N_FALSE:
        return true;
    case PR_N_TUPLE:
        for (int i = 0; i < x->n; i++)
            if (!is_const(x->v[i]))
                return false;
        return true;
    default:
        return false;
    }
}

static int
keep_const(pr_interp *I, gcs_obj *o)
{
    if (I->n_consts == I->cap_consts) {
        int cap = I->cap_consts ? I->cap_consts * 2 : 64;
        gcs_obj **nv = realloc(I->const_objs, (size_t)cap * sizeof *nv);
        if (nv == NULL)
            return GCS_ENOMEM;
        I->const_objs = nv;
        I->cap_consts = cap;
    }
    I->const_objs[I->n_consts++] = o;
    return 0;
}

static gcs_obj *eval_seq_items(pr_interp *I, pr_node *x, gcs_kind kind);

/* The constant object of a constant node, created once (BORROWED). */
static gcs_obj *
const_obj(pr_interp *I, pr_node *x)
{
    if (x->cache)
        return x->cache;
    gcs_obj *o = NULL;
    int rc = 0;
    switch (x->kind) {
    case PR_N_INT:
        rc = gcs_int_new(I->h, x->ival, &o);
        break;
    case PR_N_STR:
        rc = gcs_str_newn_at(I->h, x->s, x->slen, &o, GCS_HERE);
        break;
    case PR_N_NONE:
        return gcs_none(I->h);
    case PR_N_TRUE:
        return gcs_true(I->h);
    case PR_N_FALSE:
        return gcs_false(I->h);
    case PR_N_TUPLE:
        o = eval_seq_items(I, x, GCS_KIND_TUPLE);
        break;
    default:
        return NULL;
    }
    if (rc || o == NULL) {
        if (rc)
            pr_raise_rc(I, rc, "constant");
        return NULL;
    }
    if (keep_const(I, o)) {
        gcs_decref(I->h, o);
        pr_raise(I, PR_E_MEMORY, "constant");
        return NULL;
    }
    x->cache = o;
    return o;
}

/* Create every constant tuple before the program runs, as the compiler does. */
void
pr_precreate_consts(pr_interp *I, pr_node *x, int depth)
{
    if (x == NULL || depth > 4 * PR_MAX_NESTING || I->exc)
        return;
    if (x->kind == PR_N_TUPLE && x->n > 0 && is_const(x)) {
        const_obj(I, x);
        return;
    }
    pr_precreate_consts(I, x->a, depth + 1);
    pr_precreate_consts(I, x->b, depth + 1);
    pr_precreate_consts(I, x->c, depth + 1);
    pr_precreate_consts(I, x->d, depth + 1);
    for (int i = 0; i < x->n; i++)
        pr_precreate_consts(I, x->v[i], depth + 1);
    if (x->code && x->code->body != x) {
        for (int i = 0; i < x->code->n_defaults; i++)
            pr_precreate_consts(I, x->code->defaults[i], depth + 1);
        pr_precreate_consts(I, x->code->body, depth + 1);
    }
}

/* Evaluate items into a new list or tuple (items first, then the container). */
static gcs_obj *
eval_seq_items(pr_interp *I, pr_node *x, gcs_kind kind)
{
    gcs_obj *stackv[16];
    gcs_obj **items = x->n <= 16 ? stackv : malloc((size_t)x->n * sizeof *items);
    if (items == NULL)
        return pr_raise(I, PR_E_MEMORY, "display");
    int n = 0;
    for (; n < x->n; n++) {
        if (kind == GCS_KIND_TUPLE && is_const(x->v[n]) && x->v[n]->kind != PR_N_TUPLE) {
            items[n] = const_obj(I, x->v[n]);
            if (items[n])
                gcs_incref(I->h, items[n]);
        } else {
            items[n] = pr_eval(I, x->v[n]);
        }
        if (items[n] == NULL)
            break;
    }
    gcs_obj *r = NULL;
    if (n == x->n) {
        int rc = 0;
        if (kind == GCS_KIND_TUPLE) {
            rc = gcs_tuple_new(I->h, (size_t)n, items, &r);
        } else {
            rc = gcs_list_new(I->h, &r);
            for (int i = 0; i < n && rc == 0; i++)
                rc = gcs_list_append(I->h, r, items[i]);
            if (rc && r) {
                gcs_decref(I->h, r);
                r = NULL;
            }
        }
        if (rc)
            pr_raise_rc(I, rc, kind == GCS_KIND_TUPLE ? "tuple" : "list");
    }
    for (int i = 0; i < n; i++)
        gcs_decref(I->h, items[i]);
    if (items != stackv)
        free(items);
    return r;
}

static gcs_obj *
eval_dict(pr_interp *I, pr_node *x)
{
    gcs_obj *stackv[32];
    gcs_obj **items = x->n <= 32 ? stackv : malloc((size_t)x->n * sizeof *items);
    if (items == NULL)
        return pr_raise(I, PR_E_MEMORY, "dict");
    int n = 0;
    for (; n < x->n; n++)
        if ((items[n] = pr_eval(I, x->v[n])) == NULL)
            break;
    gcs_obj *d = NULL;
    if (n == x->n) {
        int rc = gcs_dict_new(I->h, &d);
        for (int i = 0; i + 1 < n && rc == 0; i += 2)
            rc = gcs_dict_set(I->h, d, items[i], items[i + 1]);
        if (rc) {
            if (rc == GCS_EUNHASHABLE)
                pr_raise(I, PR_E_TYPE, "unhashable type");
            else
                pr_raise_rc(I, rc, "dict");
            gcs_xdecref(I->h, d);
            d = NULL;
        }
    }
    for (int i = 0; i < n; i++)
        gcs_decref(I->h, items[i]);
    if (items != stackv)
        free(items);
    return d;
}

/* Evaluate call arguments: positional into args[], keywords into kw arrays. */
typedef struct call_args {
    gcs_obj *args[65];
    int nargs;
    int kw_names[16];
    gcs_obj *kw_vals[16];
    int n_kw;
} call_args;

static void
call_args_free(pr_interp *I, call_args *ca)
{
    for (int i = 0; i < ca->nargs; i++)
        gcs_xdecref(I->h, ca->args[i]);
    for (int i = 0; i < ca->n_kw; i++)
        gcs_xdecref(I->h, ca->kw_vals[i]);
    ca->nargs = ca->n_kw = 0;
}

static int
eval_args(pr_interp *I, pr_node *call, call_args *ca, int first)
{
    ca->nargs = first;
    ca->n_kw = 0;
    for (int i = 0; i < call->n; i++) {
        pr_node *a = call->v[i];
        if (a->kind == PR_N_KEYWORD) {
            if (ca->n_kw == 16)
                return pr_raise_i(I, PR_E_TYPE, "gcscope run: at most 16 keyword arguments");
            gcs_obj *v = pr_eval(I, a->a);
            if (v == NULL)
                return -1;
            ca->kw_names[ca->n_kw] = a->name;
            ca->kw_vals[ca->n_kw++] = v;
        } else {
            if (ca->nargs == 64)
                return pr_raise_i(I, PR_E_TYPE, "gcscope run: at most 64 arguments");
            gcs_obj *v = pr_eval(I, a);
            if (v == NULL)
                return -1;
            ca->args[ca->nargs++] = v;
        }
    }
    return 0;
}

static gcs_obj *
do_call(pr_interp *I, gcs_obj *f, call_args *ca)
{
    I->n_kw = ca->n_kw;
    I->kw_names = ca->kw_names;
    I->kw_vals = ca->kw_vals;
    gcs_obj *r = pr_call(I, f, ca->args, ca->nargs);
    I->n_kw = 0;
    return r;
}

/* obj.name(args) without a bound-method object, as LOAD_METHOD/CALL do. */
static gcs_obj *
eval_method_call(pr_interp *I, pr_node *x)
{
    pr_node *attr = x->a;
    gcs_obj *self = pr_eval(I, attr->a);
    if (self == NULL)
        return NULL;
    call_args ca;
    gcs_obj *r = NULL, *meth = NULL;
    gcs_kind k = gcs_kind_of(self);
    if (k == GCS_KIND_INSTANCE) {
        gcs_obj *v = NULL;
        pr_classinfo *ci = pr_class_info(I, gcs_class_of(I->h, self));
        if (gcs_attr_get(I->h, self, pr_name(I, attr->name), &v) != 0 && ci &&
            (v = pr_class_lookup(I, ci, attr->name)) != NULL) {
            pr_fninfo *fi = pr_info(I, v);
            if (fi && fi->kind == PR_F_PYFUNC) {
                gcs_incref(I->h, v);
                ca.args[0] = self; /* the self reference moves into the frame */
                if (eval_args(I, x, &ca, 1) == 0)
                    r = do_call(I, v, &ca);
                else
                    ca.args[0] = NULL, gcs_decref(I->h, self);
                call_args_free(I, &ca);
                gcs_decref(I->h, v);
                return r;
            }
        }
    } else if (k != GCS_KIND_CLASS) {
        pr_fninfo *fi = pr_info(I, self);
        int bm = (fi && fi->kind == PR_F_MODULE) ? -1 : pr_bmethod_find(I, self, attr->name);
        if (bm >= 0) {
            if (eval_args(I, x, &ca, 0) == 0) {
                I->n_kw = ca.n_kw;
                I->kw_names = ca.kw_names;
                I->kw_vals = ca.kw_vals;
                r = pr_call_bmethod(I, bm, self, ca.args, ca.nargs);
                I->n_kw = 0;
            }
            call_args_free(I, &ca);
            gcs_decref(I->h, self);
            return r;
        }
    }
    meth = pr_getattr(I, self, attr->name);
    gcs_decref(I->h, self);
    if (meth == NULL)
        return NULL;
    if (eval_args(I, x, &ca, 0) == 0)
        r = do_call(I, meth, &ca);
    call_args_free(I, &ca);
    gcs_decref(I->h, meth);
    return r;
}

static gcs_obj *
eval_call(pr_interp *I, pr_node *x)
{
    if (x->a->kind == PR_N_ATTR)
        return eval_method_call(I, x);
    gcs_obj *f = pr_eval(I, x->a);
    if (f == NULL)
        return NULL;
    call_args ca;
    gcs_obj *r = NULL;
    if (eval_args(I, x, &ca, 0) == 0)
        r = do_call(I, f, &ca);
    call_args_free(I, &ca);
    gcs_decref(I->h, f);
    return r;
}

static gcs_obj *
eval_unary(pr_interp *I, pr_node *x)
{
    gcs_obj *v = pr_eval(I, x->a);
    if (v == NULL)
        return NULL;
    gcs_obj *r;
    if (x->op == PR_OP_NOT) {
        int err;
        bool t = pr_truthy(I, v, &err);
        r = err ? NULL : pr_bool(I, !t);
    } else {
        int64_t n = 0;
        if (gcs_int_value(I->h, v, &n)) {
            r = pr_raise(I, PR_E_TYPE, "bad operand type for unary %s: '%s'",
                         x->op == PR_OP_NEG   ? "-"
                         : x->op == PR_OP_POS ? "+"
                                              : "~",
                         pr_type_name(I, v));
        } else if (x->op == PR_OP_NEG && n == INT64_MIN) {
            r = pr_raise(I, PR_E_OVERFLOW, "integer overflow: gcscope run ints are 64-bit");
        } else {
            r = pr_int(I, x->op == PR_OP_NEG ? -n : x->op == PR_OP_POS ? n : ~n);
        }
    }
    gcs_decref(I->h, v);
    return r;
}

static gcs_obj *
eval_compare(pr_interp *I, pr_node *x)
{
    gcs_obj *left = pr_eval(I, x->v[0]);
    if (left == NULL)
        return NULL;
    for (int i = 1; i < x->n; i++) {
        gcs_obj *right = pr_eval(I, x->v[i]);
        if (right == NULL) {
            gcs_decref(I->h, left);
            return NULL;
        }
        gcs_obj *r = pr_compare(I, x->ops[i - 1], left, right);
        gcs_decref(I->h, left);
        if (r == NULL || i == x->n - 1) {
            gcs_decref(I->h, right);
            return r;
        }
        int err;
        bool t = pr_truthy(I, r, &err);
        if (!t || err) {
            gcs_decref(I->h, right);
            if (err) {
                gcs_decref(I->h, r);
                return NULL;
            }
            return r;
        }
        gcs_decref(I->h, r);
        left = right;
    }
    return left;
}

/* Apply a format spec ([[fill]align][0][width][type]) to text. */
static int
apply_spec(pr_interp *I, const char *spec, bool numeric, const char *txt, size_t n, pr_buf *out)
{
    char fill = ' ', align = numeric ? '>' : '<';
    const char *p = spec;
    if (p[0] && (p[1] == '<' || p[1] == '>' || p[1] == '^')) {
        fill = p[0];
        align = p[1];
        p += 2;
    } else if (p[0] == '<' || p[0] == '>' || p[0] == '^') {
        align = *p++;
    }
    if (*p == '0' && numeric) {
        fill = '0';
        p++;
    }
    size_t width = 0;
    while (*p >= '0' && *p <= '9')
        width = width * 10 + (size_t)(*p++ - '0');
    if (*p && !(p[1] == '\0' && ((*p == 'd' && numeric) || (*p == 's' && !numeric)))) {
        pr_raise(I, PR_E_VALUE, "gcscope run: format spec '%s' is not supported", spec);
        return -1;
    }
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)txt[i] & 0xC0) != 0x80;
    size_t pad = width > chars ? width - chars : 0;
    size_t left = align == '<' ? 0 : align == '>' ? pad : pad / 2;
    int rc = 0;
    if (fill == '0' && n > 0 && txt[0] == '-') {
        rc = pr_buf_put(out, "-", 1);
        txt++;
        n--;
    }
    for (size_t i = 0; i < left && rc == 0; i++)
        rc = pr_buf_put(out, &fill, 1);
    if (rc == 0)
        rc = pr_buf_put(out, txt, n);
    for (size_t i = left; i < pad && rc == 0; i++)
        rc = pr_buf_put(out, &fill, 1);
    return rc;
}

static gcs_obj *
eval_fstring(pr_interp *I, pr_node *x)
{
    pr_buf b = {0};
    int rc = 0;
    for (int i = 0; i < x->n && rc == 0; i++) {
        pr_node *part = x->v[i];
        if (part->kind == PR_N_STR) {
            rc = pr_buf_put(&b, part->s, part->slen);
            continue;
        }
        gcs_obj *v = pr_eval(I, part->a);
        if (v == NULL) {
            rc = -1;
            break;
        }
        gcs_obj *s = pr_repr(I, v, part->op != 'r');
        bool numeric = gcs_kind_of(v) == GCS_KIND_INT || gcs_kind_of(v) == GCS_KIND_BOOL;
        gcs_decref(I->h, v);
        if (s == NULL) {
            rc = -1;
            break;
        }
        if (part->s && part->slen)
            rc = apply_spec(I, part->s, numeric && part->op == 0, gcs_str_value(I->h, s),
                            gcs_str_len(I->h, s), &b);
        else
            rc = pr_buf_put(&b, gcs_str_value(I->h, s), gcs_str_len(I->h, s));
        gcs_decref(I->h, s);
    }
    gcs_obj *r = NULL;
    if (rc == 0)
        r = pr_str(I, b.b ? b.b : "", b.n);
    else if (rc != -1)
        pr_raise_rc(I, rc, "f-string");
    free(b.b);
    return r;
}

gcs_obj *
pr_eval_defaults(pr_interp *I, const pr_code *code, pr_node *owner)
{
    if (code->n_defaults == 0)
        return NULL;
    bool all_const = true;
    for (int i = 0; i < code->n_defaults; i++)
        all_const &= is_const(code->defaults[i]);
    if (all_const && owner->cache) /* LOAD_CONST of a folded defaults tuple */
        return gcs_incref(I->h, owner->cache), (gcs_obj *)owner->cache;
    pr_node tmp = {.kind = PR_N_TUPLE, .v = code->defaults, .n = code->n_defaults};
    gcs_obj *t = pr_internal(I, eval_seq_items(I, &tmp, GCS_KIND_TUPLE));
    if (t && all_const && keep_const(I, t) == 0) {
        owner->cache = t;
        gcs_incref(I->h, t);
    }
    return t;
}

static gcs_obj *
eval_lambda(pr_interp *I, pr_node *x)
{
    gcs_obj *defs = pr_eval_defaults(I, x->code, x);
    if (defs == NULL && I->exc)
        return NULL;
    gcs_obj *f = pr_make_function(I, x->code, defs);
    gcs_xdecref(I->h, defs);
    return f;
}

/* One level of a comprehension's for-clauses (recursive over clauses). */
static int
comp_loop(pr_interp *I, pr_node *c, int level, gcs_obj *iterable, gcs_obj *result)
{
    pr_node *f = c->v[level];
    pr_iter it;
    if (pr_iter_begin(I, &it, iterable))
        return -1;
    int rc = 0;
    gcs_obj *item;
    while (rc == 0 && (item = pr_iter_next(I, &it)) != NULL) {
        rc = pr_assign(I, f->a, item);
        gcs_decref(I->h, item);
        bool keep = true;
        for (int k = 0; rc == 0 && keep && k < f->n; k++) {
            gcs_obj *cond = pr_eval(I, f->v[k]);
            int err = 0;
            if (cond == NULL)
                rc = -1;
            else {
                keep = pr_truthy(I, cond, &err);
                gcs_decref(I->h, cond);
                rc = err;
            }
        }
        if (rc || !keep)
            continue;
        if (level + 1 < c->n) {
            gcs_obj *inner = pr_eval(I, c->v[level + 1]->b);
            rc = inner ? comp_loop(I, c, level + 1, inner, result) : -1;
            gcs_xdecref(I->h, inner);
        } else {
            gcs_obj *v = pr_eval(I, c->a);
            if (v == NULL)
                rc = -1;
            else {
                int arc = gcs_list_append(I->h, result, v);
                gcs_decref(I->h, v);
                if (arc)
                    rc = (pr_raise_rc(I, arc, "list"), -1);
            }
        }
    }
    if (I->exc)
        rc = -1;
    pr_iter_end(I, &it);
    return rc;
}

/* [elt for ...]: a function object and a frame, as CPython 3.11 makes. */
static gcs_obj *
eval_listcomp(pr_interp *I, pr_node *x)
{
    const pr_code *code = x->code;
    gcs_obj *fn = pr_internal(I, pr_make_function(I, code, NULL));
    if (fn == NULL)
        return NULL;
    gcs_obj *iter0 = pr_eval(I, x->v[0]->b);
    if (iter0 == NULL) {
        gcs_decref(I->h, fn);
        return NULL;
    }
    gcs_obj *result;
    int rc = gcs_list_new(I->h, &result);
    if (rc) {
        gcs_decref(I->h, iter0);
        gcs_decref(I->h, fn);
        return pr_raise_rc(I, rc, "list");
    }
    gcs_obj *stack_slots[16];
    gcs_obj **slots =
        code->n_locals <= 16 ? stack_slots : calloc((size_t)code->n_locals, sizeof *slots);
    if (slots == NULL)
        rc = GCS_ENOMEM;
    else
        memset(slots, 0, (size_t)code->n_locals * sizeof *slots);
    pr_frame fr = {
        .back = I->frame, .parent = I->frame, .code = code, .slots = slots, .line = I->frame->line};
    if (rc == 0)
        rc = gcs_frame_push(I->h, pr_name(I, code->name), NULL);
    int st = -1;
    if (rc == 0) {
        I->frame = &fr;
        st = comp_loop(I, x, 0, iter0, result);
        for (int s = 0; s < code->n_locals; s++)
            if (slots[s]) {
                slots[s] = NULL;
                gcs_var_del(I->h, pr_name(I, code->local_names[s]));
            }
        I->frame = fr.back;
        gcs_frame_pop(I->h);
    } else {
        pr_raise_rc(I, rc, "frame");
    }
    if (slots != stack_slots)
        free(slots);
    gcs_decref(I->h, iter0);
    gcs_decref(I->h, fn);
    if (st) {
        gcs_decref(I->h, result);
        return NULL;
    }
    return result;
}

gcs_obj *
pr_eval(pr_interp *I, pr_node *x)
{
    gcs_obj *a, *b, *r;
    switch (x->kind) {
    case PR_N_INT:
    case PR_N_STR:
    case PR_N_NONE:
    case PR_N_TRUE:
    case PR_N_FALSE:
        r = const_obj(I, x);
        if (r)
            gcs_incref(I->h, r);
        return r;
    case PR_N_NAME:
        return pr_load_name(I, x);
    case PR_N_ATTR:
        a = pr_eval(I, x->a);
        if (a == NULL)
            return NULL;
        r = pr_getattr(I, a, x->name);
        gcs_decref(I->h, a);
        return r;
    case PR_N_SUBSCR:
        a = pr_eval(I, x->a);
        if (a == NULL)
            return NULL;
        if (x->b->kind == PR_N_SLICE) {
            r = pr_slice_get(I, a, x->b);
            gcs_decref(I->h, a);
            return r;
        }
        b = pr_eval(I, x->b);
        r = b ? pr_subscr_get(I, a, b) : NULL;
        gcs_xdecref(I->h, b);
        gcs_decref(I->h, a);
        return r;
    case PR_N_CALL:
        return eval_call(I, x);
    case PR_N_BINOP:
        a = pr_eval(I, x->a);
        if (a == NULL)
            return NULL;
        b = pr_eval(I, x->b);
        r = b ? pr_binop(I, x->op, a, b) : NULL;
        gcs_xdecref(I->h, b);
        gcs_decref(I->h, a);
        return r;
    case PR_N_UNARY:
        return eval_unary(I, x);
    case PR_N_BOOLOP: {
        a = pr_eval(I, x->a);
        if (a == NULL)
            return NULL;
        int err;
        bool t = pr_truthy(I, a, &err);
        if (err) {
            gcs_decref(I->h, a);
            return NULL;
        }
        if ((x->op == PR_OP_AND) != t)
            return a;
        gcs_decref(I->h, a);
        return pr_eval(I, x->b);
    }
    case PR_N_COMPARE:
        return eval_compare(I, x);
    case PR_N_IFEXP: {
        a = pr_eval(I, x->a);
        if (a == NULL)
            return NULL;
        int err;
        bool t = pr_truthy(I, a, &err);
        gcs_decref(I->h, a);
        if (err)
            return NULL;
        return pr_eval(I, t ? x->b : x->c);
    }
    case PR_N_LIST:
        return eval_seq_items(I, x, GCS_KIND_LIST);
    case PR_N_TUPLE:
        if (x->n == 0 || is_const(x)) {
            r = x->n == 0 ? NULL : const_obj(I, x);
            if (x->n == 0) {
                int rc = gcs_tuple_new(I->h, 0, NULL, &r);
                return rc ? pr_raise_rc(I, rc, "tuple") : r;
            }
            if (r)
                gcs_incref(I->h, r);
            return r;
        }
        return eval_seq_items(I, x, GCS_KIND_TUPLE);
    case PR_N_DICT:
        return eval_dict(I, x);
    case PR_N_LAMBDA:
        return eval_lambda(I, x);
    case PR_N_LISTCOMP:
        return eval_listcomp(I, x);
    case PR_N_FSTRING:
        return eval_fstring(I, x);
    case PR_N_SLICE:
        return pr_raise(I, PR_E_NOTIMPL,
                        "gcscope run: slice objects are only supported in subscripts");
    default:
        return pr_raise(I, PR_E_RUNTIME, "gcscope run: cannot evaluate node kind %d", x->kind);
    }
}
