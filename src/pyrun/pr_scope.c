/* src/pyrun/pr_scope.c — name resolution: which frame each name lives in.
 *
 * Python decides scope statically: a name assigned anywhere in a function body
 * (and not declared global) is local to it. pr_resolve() walks the AST once per
 * code unit: collect() finds the locals (parameters first, then assigned names
 * in order), then resolve_*() tags every PR_N_NAME with its scope and slot.
 * Comprehensions get their own frame (as in CPython 3.11) and read enclosing
 * locals through PR_SC_OUTER; closures of nested functions are refused.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "pr_int.h"

typedef enum scope_kind { SK_MODULE, SK_FUNC, SK_COMP, SK_CLASS } scope_kind;

typedef struct scope {
    struct scope *parent;
    scope_kind kind;
    pr_code *code;
    int *locals, n_locals, cap_locals;
    int *globals, n_globals, cap_globals;
} scope;

typedef struct resolver {
    pr_program *prog;
    pr_error *err;
    int rc;
    int depth;
} resolver;

static void
r_fail(resolver *R, const pr_node *at, const char *fmt, const char *arg)
{
    if (R->rc)
        return;
    R->rc = GCS_EFORMAT;
    R->err->line = at->line;
    R->err->col = at->col;
    snprintf(R->err->msg, sizeof R->err->msg, fmt, arg);
}

static bool
int_in(const int *v, int n, int x)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static int
find_local(const scope *s, int name)
{
    for (int i = 0; i < s->n_locals; i++)
        if (s->locals[i] == name)
            return i;
    return -1;
}

static void
add_int(resolver *R, int **v, int *n, int *cap, int x)
{
    if (int_in(*v, *n, x))
        return;
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 16;
        int *nv = realloc(*v, (size_t)nc * sizeof *nv);
        if (nv == NULL) {
            R->rc = GCS_ENOMEM;
            return;
        }
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = x;
}

static void
add_local(resolver *R, scope *s, int name)
{
    if (!int_in(s->globals, s->n_globals, name))
        add_int(R, &s->locals, &s->n_locals, &s->cap_locals, name);
}

/* {======================== Collect locals ========================} */

static void
collect_target(resolver *R, scope *s, const pr_node *t)
{
    if (t == NULL)
        return;
    if (t->kind == PR_N_NAME)
        add_local(R, s, t->name);
    else if (t->kind == PR_N_TUPLE || t->kind == PR_N_LIST)
        for (int i = 0; i < t->n; i++)
            collect_target(R, s, t->v[i]);
}

static void
collect_globals(resolver *R, scope *s, const pr_node *st)
{
    if (st == NULL)
        return;
    switch (st->kind) {
    case PR_N_GLOBAL:
        for (int i = 0; i < st->n; i++)
            add_int(R, &s->globals, &s->n_globals, &s->cap_globals, st->v[i]->name);
        break;
    case PR_N_BLOCK:
    case PR_N_MODULE:
    case PR_N_TRY:
        for (int i = 0; i < st->n; i++)
            collect_globals(R, s, st->v[i]);
        collect_globals(R, s, st->a);
        collect_globals(R, s, st->b);
        collect_globals(R, s, st->c);
        collect_globals(R, s, st->d);
        break;
    case PR_N_IF:
    case PR_N_WHILE:
    case PR_N_HANDLER:
        collect_globals(R, s, st->b);
        collect_globals(R, s, st->c);
        break;
    case PR_N_FOR:
        collect_globals(R, s, st->d);
        collect_globals(R, s, st->c);
        break;
    default:
        break;
    }
}

static void
collect_locals(resolver *R, scope *s, const pr_node *st)
{
    if (st == NULL)
        return;
    switch (st->kind) {
    case PR_N_ASSIGN:
        for (int i = 0; i < st->n; i++)
            collect_target(R, s, st->v[i]);
        break;
    case PR_N_AUGASSIGN:
    case PR_N_DEL:
        collect_target(R, s, st->a);
        break;
    case PR_N_DEF:
    case PR_N_CLASS:
        add_local(R, s, st->name);
        break;
    case PR_N_IMPORT:
        for (int i = 0; i < st->n; i++)
            add_local(R, s, st->v[i]->name);
        break;
    case PR_N_HANDLER:
        if (st->name >= 0)
            add_local(R, s, st->name);
        collect_locals(R, s, st->b);
        break;
    case PR_N_FOR:
        collect_target(R, s, st->a);
        collect_locals(R, s, st->d);
        collect_locals(R, s, st->c);
        break;
    case PR_N_BLOCK:
    case PR_N_TRY:
        for (int i = 0; i < st->n; i++)
            collect_locals(R, s, st->v[i]);
        collect_locals(R, s, st->a);
        collect_locals(R, s, st->c);
        collect_locals(R, s, st->d);
        break;
    case PR_N_IF:
    case PR_N_WHILE:
        collect_locals(R, s, st->b);
        collect_locals(R, s, st->c);
        break;
    default:
        break;
    }
}

/* {======================== Resolve ========================} */

static void resolve(resolver *R, scope *s, pr_node *x);

/* A function/comprehension scope further out holds `name`: a closure. */
static bool
outer_function_has(const scope *s, int name)
{
    for (; s; s = s->parent)
        if ((s->kind == SK_FUNC || s->kind == SK_COMP) && find_local(s, name) >= 0 &&
            !int_in(s->globals, s->n_globals, name))
            return true;
    return false;
}

static void
resolve_name(resolver *R, scope *s, pr_node *x)
{
    const char *nm = R->prog->names.str[x->name];
    x->op = PR_SC_GLOBAL;
    if (s->kind == SK_MODULE)
        return;
    if (s->kind == SK_CLASS) {
        x->op = PR_SC_CLASS;
        return;
    }
    int depth = 0;
    const scope *c = s;
    while (c && (c->kind == SK_COMP || c->kind == SK_FUNC)) {
        if (int_in(c->globals, c->n_globals, x->name))
            return;
        int slot = find_local(c, x->name);
        if (slot >= 0) {
            x->op = depth ? PR_SC_OUTER : PR_SC_LOCAL;
            x->slot = slot;
            x->ival = depth;
            return;
        }
        if (c->kind == SK_FUNC)
            break;
        c = c->parent;
        depth++;
    }
    if (c && c->kind == SK_FUNC && outer_function_has(c->parent, x->name))
        r_fail(R, x,
               "closures are not supported by gcscope run ('%s' is a local of an "
               "enclosing function; pass it as a default argument)",
               nm);
}

/* The scope of the name a DEF/CLASS/HANDLER node binds, into x->op/slot/ival. */
static void
resolve_store_name(resolver *R, scope *s, pr_node *x)
{
    pr_node tmp = *x;
    tmp.kind = PR_N_NAME;
    resolve_name(R, s, &tmp);
    x->op = tmp.op;
    x->slot = tmp.slot;
    x->ival = tmp.ival;
}

static void
finish_code(resolver *R, scope *s)
{
    pr_code *code = s->code;
    int *names = pr_arena_alloc(R->prog, (size_t)(s->n_locals ? s->n_locals : 1) * sizeof(int));
    if (names == NULL) {
        R->rc = GCS_ENOMEM;
        return;
    }
    if (s->n_locals)
        memcpy(names, s->locals, (size_t)s->n_locals * sizeof(int));
    code->local_names = names;
    code->n_locals = s->n_locals;
}

static void
scope_free(scope *s)
{
    free(s->locals);
    free(s->globals);
}

static void
resolve_function(resolver *R, scope *outer, pr_code *code, pr_node *body, bool is_expr)
{
    scope s = {.parent = outer, .kind = SK_FUNC, .code = code};
    for (int i = 0; i < code->n_params; i++)
        add_int(R, &s.locals, &s.n_locals, &s.cap_locals, code->local_names[i]);
    if (!is_expr) {
        collect_globals(R, &s, body);
        for (int i = 0; i < s.n_globals; i++)
            if (find_local(&s, s.globals[i]) >= 0)
                r_fail(R, body, "name '%s' is parameter and global",
                       R->prog->names.str[s.globals[i]]);
        collect_locals(R, &s, body);
    }
    resolve(R, &s, body);
    finish_code(R, &s);
    scope_free(&s);
}

static void
resolve_comp(resolver *R, scope *outer, pr_node *c)
{
    scope s = {.parent = outer, .kind = SK_COMP, .code = c->code};
    for (int i = 0; i < c->n; i++)
        collect_target(R, &s, c->v[i]->a);
    for (int i = 0; i < c->n; i++) {
        pr_node *f = c->v[i];
        resolve(R, i == 0 ? outer : &s, f->b); /* first iterable: enclosing scope */
        resolve(R, &s, f->a);
        for (int k = 0; k < f->n; k++)
            resolve(R, &s, f->v[k]);
    }
    resolve(R, &s, c->a);
    finish_code(R, &s);
    scope_free(&s);
}

static void
resolve_children(resolver *R, scope *s, pr_node *x)
{
    resolve(R, s, x->a);
    resolve(R, s, x->b);
    resolve(R, s, x->c);
    resolve(R, s, x->d);
    for (int i = 0; i < x->n; i++)
        resolve(R, s, x->v[i]);
}

static void
resolve(resolver *R, scope *s, pr_node *x)
{
    if (x == NULL || R->rc)
        return;
    if (++R->depth > 4 * PR_MAX_NESTING) {
        r_fail(R, x, "too deeply nested%s", "");
        return;
    }
    switch (x->kind) {
    case PR_N_NAME:
        resolve_name(R, s, x);
        break;
    case PR_N_DEF:
        resolve_store_name(R, s, x);
        for (int i = 0; i < x->code->n_defaults; i++)
            resolve(R, s, x->code->defaults[i]);
        resolve_function(R, s->kind == SK_CLASS ? s->parent : s, x->code, x->code->body, false);
        break;
    case PR_N_LAMBDA:
        for (int i = 0; i < x->code->n_defaults; i++)
            resolve(R, s, x->code->defaults[i]);
        resolve_function(R, s->kind == SK_CLASS ? s->parent : s, x->code, x->code->body, true);
        break;
    case PR_N_LISTCOMP:
        resolve_comp(R, s->kind == SK_CLASS ? s->parent : s, x);
        break;
    case PR_N_CLASS: {
        resolve_store_name(R, s, x);
        resolve(R, s, x->a);
        scope cs = {.parent = s, .kind = SK_CLASS};
        resolve(R, &cs, x->b);
        scope_free(&cs);
        break;
    }
    case PR_N_GLOBAL:
        if (s->kind == SK_CLASS)
            r_fail(R, x, "'global' in a class body is not supported by gcscope run%s", "");
        break;
    case PR_N_IMPORT:
    case PR_N_HANDLER:
        if (x->kind == PR_N_HANDLER && x->name >= 0) {
            resolve_store_name(R, s, x);
            resolve(R, s, x->a);
            resolve(R, s, x->b);
            break;
        }
        resolve_children(R, s, x);
        break;
    default:
        resolve_children(R, s, x);
    }
    R->depth--;
}

int
pr_resolve(pr_program *prog, pr_error *err)
{
    resolver R = {.prog = prog, .err = err};
    pr_code *mc = pr_arena_alloc(prog, sizeof *mc);
    if (mc == NULL)
        return GCS_ENOMEM;
    mc->name = pr_names_intern(&prog->names, "<module>", 8);
    mc->kind = 0;
    mc->body = prog->module;
    prog->module_code = mc;
    scope s = {.kind = SK_MODULE, .code = mc};
    resolve(&R, &s, prog->module);
    scope_free(&s);
    if (R.rc == GCS_ENOMEM)
        snprintf(err->msg, sizeof err->msg, "out of memory");
    return R.rc;
}
