/* src/pyrun/pr_parse_stmt.c — the parser's statements: assignment targets,
 * simple statements (assignment, del, import, global, assert, raise, ...)
 * and compound statements (if, while, for, def, class, try) with their
 * blocks. Constructs outside the subset are refused here with their
 * position. Helpers and conventions in pr_parse_int.h.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "pr_parse_int.h"

static pr_node *parse_block(parser *P);

/* {======================== Targets ========================} */

/* Check an expression is assignable (name, attribute, subscript, tuple/list of
 * those); `what` names the statement for the error. */
static bool
check_target(parser *P, pr_node *x, const char *what)
{
    if (!pr_p_enter(P))
        return false;
    bool ok = true;
    switch (x->kind) {
    case PR_N_NAME:
    case PR_N_ATTR:
    case PR_N_SUBSCR:
        break;
    case PR_N_TUPLE:
    case PR_N_LIST:
        for (int i = 0; ok && i < x->n; i++)
            ok = check_target(P, x->v[i], what);
        break;
    default: {
        pr_token at = {.line = x->line, .col = x->col};
        pr_p_fail_at(P, &at, "syntax error: cannot %s this expression", what);
        ok = false;
    }
    }
    pr_p_leave(P);
    return ok;
}

/* Targets of for / comprehension: stops before `stop_kw`. */
pr_node *
pr_parse_target_list(parser *P, const char *stop_kw)
{
    pr_token *start = pr_p_peek(P);
    nlist items = {0};
    bool comma = false;
    while (P->rc == 0) {
        pr_node *x = pr_parse_level(P, 0);
        if (x == NULL)
            break;
        pr_p_nl_push(P, &items, x);
        if (!pr_p_accept_op(P, PR_OP_COMMA))
            break;
        comma = true;
        if (pr_p_is_kw(pr_p_peek(P), stop_kw))
            break;
    }
    pr_node *r = NULL;
    if (P->rc == 0 && (comma || items.n != 1)) {
        r = pr_p_new_node(P, PR_N_TUPLE, start);
        pr_p_nl_finish(P, &items, r);
    } else {
        r = items.n ? items.v[0] : NULL;
        pr_p_nl_finish(P, &items, NULL);
    }
    if (r && !check_target(P, r, "assign to"))
        return NULL;
    return P->rc ? NULL : r;
}

/* {======================== Simple statements ========================} */

static pr_node *
parse_expr_stmt(parser *P)
{
    pr_token *start = pr_p_peek(P);
    pr_node *x = pr_parse_testlist(P);
    if (x == NULL)
        return NULL;
    pr_token *tk = pr_p_peek(P);
    if (tk->kind == PR_T_OP && tk->aug) {
        pr_p_next_tok(P);
        if (x->kind != PR_N_NAME && x->kind != PR_N_ATTR && x->kind != PR_N_SUBSCR)
            return pr_p_fail_at(P, start,
                                "syntax error: illegal expression for augmented assignment");
        if (tk->op == PR_OP_DIV)
            return pr_p_unsupported(P, tk, "/= (true division: floats)");
        pr_node *a = pr_p_new_node(P, PR_N_AUGASSIGN, tk);
        if (a) {
            a->op = tk->op;
            a->a = x;
            a->b = pr_parse_testlist(P);
        }
        return a && a->b ? a : NULL;
    }
    if (pr_p_is_op(P, PR_OP_COLON))
        return pr_p_unsupported(P, pr_p_peek(P), "annotations");
    if (!pr_p_is_op(P, PR_OP_ASSIGN)) {
        pr_node *e = pr_p_new_node(P, PR_N_EXPR_STMT, start);
        if (e)
            e->a = x;
        return e;
    }
    /* a = b = value: targets in v, value in a */
    pr_node *as = pr_p_new_node(P, PR_N_ASSIGN, start);
    nlist targets = {0};
    pr_node *value = x;
    while (as && P->rc == 0 && pr_p_accept_op(P, PR_OP_ASSIGN)) {
        if (!check_target(P, value, "assign to"))
            break;
        pr_p_nl_push(P, &targets, value);
        value = pr_parse_testlist(P);
        if (value == NULL)
            break;
    }
    pr_p_nl_finish(P, &targets, as);
    if (P->rc || as == NULL) /* as == NULL only after pr_p_oom, which sets rc */
        return NULL;
    as->a = value;
    return as;
}

static pr_node *
parse_import(parser *P, const pr_token *kw)
{
    pr_node *imp = pr_p_new_node(P, PR_N_IMPORT, kw);
    nlist names = {0};
    while (imp && P->rc == 0) {
        pr_token *nt = pr_p_next_tok(P);
        if (nt->kind != PR_T_NAME) {
            pr_p_fail_at(P, nt, "syntax error: expected a module name");
            break;
        }
        if (pr_p_is_op(P, PR_OP_DOT)) {
            pr_p_unsupported(P, nt, "import of dotted module names");
            break;
        }
        bool known = pr_p_is_kw(nt, "gc") || pr_p_is_kw(nt, "sys") || pr_p_is_kw(nt, "weakref");
        if (!known) {
            pr_p_fail_at(P, nt,
                         "'import %.*s' is not supported by gcscope run (only gc, sys, weakref)",
                         (int)nt->len, nt->p);
            break;
        }
        pr_node *n = pr_p_new_node(P, PR_N_NAME, nt);
        if (n == NULL)
            break;
        n->name = pr_p_intern_tok(P, nt);
        if (pr_p_is_kw(pr_p_peek(P), "as")) {
            pr_p_unsupported(P, pr_p_peek(P), "import ... as");
            break;
        }
        pr_p_nl_push(P, &names, n);
        if (!pr_p_accept_op(P, PR_OP_COMMA))
            break;
    }
    pr_p_nl_finish(P, &names, imp);
    return P->rc ? NULL : imp;
}

static pr_node *
parse_small_stmt(parser *P)
{
    pr_token *tk = pr_p_peek(P);
    pr_node *s;
    if (pr_p_accept_kw(P, "pass"))
        return pr_p_new_node(P, PR_N_PASS, tk);
    if (pr_p_accept_kw(P, "break"))
        return pr_p_new_node(P, PR_N_BREAK, tk);
    if (pr_p_accept_kw(P, "continue"))
        return pr_p_new_node(P, PR_N_CONTINUE, tk);
    if (pr_p_accept_kw(P, "return")) {
        s = pr_p_new_node(P, PR_N_RETURN, tk);
        pr_token *nt = pr_p_peek(P);
        if (s && nt->kind != PR_T_NEWLINE && !(nt->kind == PR_T_OP && nt->op == PR_OP_SEMI))
            s->a = pr_parse_testlist(P);
        return P->rc ? NULL : s;
    }
    if (pr_p_accept_kw(P, "raise")) {
        s = pr_p_new_node(P, PR_N_RAISE, tk);
        pr_token *nt = pr_p_peek(P);
        if (s && nt->kind != PR_T_NEWLINE && !(nt->kind == PR_T_OP && nt->op == PR_OP_SEMI))
            s->a = pr_parse_test(P);
        if (s && pr_p_is_kw(pr_p_peek(P), "from"))
            return pr_p_unsupported(P, pr_p_peek(P), "raise ... from");
        return P->rc ? NULL : s;
    }
    if (pr_p_accept_kw(P, "global")) {
        s = pr_p_new_node(P, PR_N_GLOBAL, tk);
        nlist names = {0};
        while (s && P->rc == 0) {
            pr_token *nt = pr_p_next_tok(P);
            if (nt->kind != PR_T_NAME || pr_p_is_keyword(nt)) {
                pr_p_fail_at(P, nt, "syntax error: expected a name after 'global'");
                break;
            }
            pr_node *n = pr_p_new_node(P, PR_N_NAME, nt);
            if (n)
                n->name = pr_p_intern_tok(P, nt);
            pr_p_nl_push(P, &names, n);
            if (!pr_p_accept_op(P, PR_OP_COMMA))
                break;
        }
        pr_p_nl_finish(P, &names, s);
        return P->rc ? NULL : s;
    }
    if (pr_p_accept_kw(P, "del")) {
        s = pr_p_new_node(P, PR_N_DEL, tk);
        pr_node *t = pr_parse_testlist(P);
        if (t == NULL || !check_target(P, t, "delete"))
            return NULL;
        s->a = t;
        return s;
    }
    if (pr_p_accept_kw(P, "assert")) {
        s = pr_p_new_node(P, PR_N_ASSERT, tk);
        if (s)
            s->a = pr_parse_test(P);
        if (s && s->a && pr_p_accept_op(P, PR_OP_COMMA))
            s->b = pr_parse_test(P);
        return P->rc ? NULL : s;
    }
    if (pr_p_accept_kw(P, "import"))
        return parse_import(P, tk);
    if (pr_p_is_kw(tk, "from"))
        return pr_p_unsupported(P, tk, "from ... import");
    if (pr_p_is_kw(tk, "nonlocal"))
        return pr_p_unsupported(P, tk, "nonlocal");
    if (pr_p_is_kw(tk, "yield"))
        return pr_p_unsupported(P, tk, "yield");
    if (pr_p_is_kw(tk, "await"))
        return pr_p_unsupported(P, tk, "await");
    return parse_expr_stmt(P);
}

/* small_stmt (';' small_stmt)* [';'] NEWLINE */
static pr_node *
parse_simple_stmts(parser *P, nlist *out)
{
    pr_node *last = NULL;
    for (;;) {
        last = parse_small_stmt(P);
        if (last == NULL || !pr_p_nl_push(P, out, last))
            return NULL;
        if (!pr_p_accept_op(P, PR_OP_SEMI))
            break;
        if (pr_p_peek(P)->kind == PR_T_NEWLINE)
            break;
    }
    pr_token *tk = pr_p_peek(P);
    if (tk->kind != PR_T_NEWLINE) {
        char buf[40];
        return pr_p_fail_at(P, tk, "syntax error: unexpected %s",
                            pr_p_tok_desc(tk, buf, sizeof buf));
    }
    pr_p_next_tok(P);
    return last;
}

/* {======================== Compound statements ========================} */

static pr_node *
parse_if(parser *P, const pr_token *kw)
{
    pr_node *s = pr_p_new_node(P, PR_N_IF, kw);
    if (s == NULL || (s->a = pr_parse_test(P)) == NULL || (s->b = parse_block(P)) == NULL)
        return NULL;
    pr_token *tk = pr_p_peek(P);
    if (pr_p_accept_kw(P, "elif")) {
        if (!pr_p_enter(P))
            return NULL;
        s->c = parse_if(P, tk);
        pr_p_leave(P);
        if (s->c == NULL)
            return NULL;
    } else if (pr_p_accept_kw(P, "else")) {
        if ((s->c = parse_block(P)) == NULL)
            return NULL;
    }
    return s;
}

static pr_node *
parse_while(parser *P, const pr_token *kw)
{
    pr_node *s = pr_p_new_node(P, PR_N_WHILE, kw);
    if (s == NULL || (s->a = pr_parse_test(P)) == NULL || (s->b = parse_block(P)) == NULL)
        return NULL;
    if (pr_p_accept_kw(P, "else") && (s->c = parse_block(P)) == NULL)
        return NULL;
    return s;
}

static pr_node *
parse_for(parser *P, const pr_token *kw)
{
    pr_node *s = pr_p_new_node(P, PR_N_FOR, kw);
    if (s == NULL || (s->a = pr_parse_target_list(P, "in")) == NULL)
        return NULL;
    if (!pr_p_accept_kw(P, "in"))
        return pr_p_fail_at(P, pr_p_peek(P), "syntax error: expected 'in'");
    if ((s->b = pr_parse_testlist(P)) == NULL || (s->d = parse_block(P)) == NULL)
        return NULL;
    if (pr_p_accept_kw(P, "else") && (s->c = parse_block(P)) == NULL)
        return NULL;
    return s;
}

bool
pr_parse_params(parser *P, pr_code *code, pr_op end)
{
    int names[64];
    pr_node *defs[64];
    int n = 0, n_def = 0;
    while (P->rc == 0 && !pr_p_is_op(P, end)) {
        pr_token *tk = pr_p_peek(P);
        if (pr_p_is_op(P, PR_OP_MUL) || pr_p_is_op(P, PR_OP_POW)) {
            pr_p_unsupported(P, tk,
                             tk->op == PR_OP_MUL ? "*args / keyword-only parameters"
                                                 : "**kwargs parameters");
            return false;
        }
        if (pr_p_is_op(P, PR_OP_DIV)) {
            pr_p_unsupported(P, tk, "positional-only parameters (/)");
            return false;
        }
        if (tk->kind != PR_T_NAME || pr_p_is_keyword(tk)) {
            char buf[40];
            pr_p_fail_at(P, tk, "syntax error: expected a parameter name, found %s",
                         pr_p_tok_desc(tk, buf, sizeof buf));
            return false;
        }
        pr_p_next_tok(P);
        if (n == 64) {
            pr_p_fail_at(P, tk, "too many parameters (limit 64)");
            return false;
        }
        names[n] = pr_p_intern_tok(P, tk);
        for (int k = 0; k < n; k++)
            if (names[k] == names[n]) {
                pr_p_fail_at(P, tk,
                             "syntax error: duplicate argument '%.*s' in function definition",
                             (int)tk->len, tk->p);
                return false;
            }
        if (pr_p_is_op(P, PR_OP_COLON) && end != PR_OP_COLON) {
            pr_p_unsupported(P, pr_p_peek(P), "annotations");
            return false;
        }
        if (pr_p_accept_op(P, PR_OP_ASSIGN)) {
            defs[n_def++] = pr_parse_test(P);
            if (P->rc)
                return false;
        } else if (n_def > 0) {
            pr_p_fail_at(P, tk, "syntax error: non-default argument follows default argument");
            return false;
        }
        n++;
        if (!pr_p_accept_op(P, PR_OP_COMMA))
            break;
    }
    if (P->rc)
        return false;
    code->n_params = n;
    code->n_defaults = n_def;
    code->local_names = pr_arena_alloc(P->prog, (size_t)(n ? n : 1) * sizeof(int));
    code->defaults = pr_arena_alloc(P->prog, (size_t)(n_def ? n_def : 1) * sizeof(pr_node *));
    if (code->local_names == NULL || code->defaults == NULL) {
        pr_p_oom(P);
        return false;
    }
    memcpy(code->local_names, names, (size_t)n * sizeof(int));
    memcpy(code->defaults, defs, (size_t)n_def * sizeof(pr_node *));
    code->n_locals = n;
    return true;
}

static pr_node *
parse_def(parser *P, const pr_token *kw)
{
    pr_token *nt = pr_p_next_tok(P);
    if (nt->kind != PR_T_NAME || pr_p_is_keyword(nt))
        return pr_p_fail_at(P, nt, "syntax error: expected a function name after 'def'");
    pr_node *d = pr_p_new_node(P, PR_N_DEF, kw);
    pr_code *code = pr_arena_alloc(P->prog, sizeof *code);
    if (d == NULL || code == NULL)
        return pr_p_oom(P);
    d->name = pr_p_intern_tok(P, nt);
    code->name = d->name;
    code->kind = 1;
    code->line = kw->line;
    d->code = code;
    if (!pr_p_expect_op(P, PR_OP_LPAR, "(") || !pr_parse_params(P, code, PR_OP_RPAR) ||
        !pr_p_expect_op(P, PR_OP_RPAR, ")"))
        return NULL;
    if (pr_p_is_op(P, PR_OP_ARROW))
        return pr_p_unsupported(P, pr_p_peek(P), "return annotations");
    code->body = parse_block(P);
    return code->body ? d : NULL;
}

static pr_node *
parse_class(parser *P, const pr_token *kw)
{
    pr_token *nt = pr_p_next_tok(P);
    if (nt->kind != PR_T_NAME || pr_p_is_keyword(nt))
        return pr_p_fail_at(P, nt, "syntax error: expected a class name after 'class'");
    pr_node *c = pr_p_new_node(P, PR_N_CLASS, kw);
    if (c == NULL)
        return NULL;
    c->name = pr_p_intern_tok(P, nt);
    if (pr_p_accept_op(P, PR_OP_LPAR)) {
        if (!pr_p_is_op(P, PR_OP_RPAR)) {
            c->a = pr_parse_test(P);
            if (c->a == NULL)
                return NULL;
            if (pr_p_is_op(P, PR_OP_COMMA) && pr_p_peek_at(P, 1)->op != PR_OP_RPAR)
                return pr_p_unsupported(P, pr_p_peek(P), "multiple inheritance");
            pr_p_accept_op(P, PR_OP_COMMA);
            if (pr_p_peek(P)->kind == PR_T_NAME && pr_p_peek_at(P, 1)->op == PR_OP_ASSIGN)
                return pr_p_unsupported(P, pr_p_peek(P), "class keyword arguments (metaclass=...)");
        }
        if (!pr_p_expect_op(P, PR_OP_RPAR, ")"))
            return NULL;
    }
    c->b = parse_block(P);
    return c->b ? c : NULL;
}

static pr_node *
parse_try(parser *P, const pr_token *kw)
{
    pr_node *t = pr_p_new_node(P, PR_N_TRY, kw);
    if (t == NULL || (t->a = parse_block(P)) == NULL)
        return NULL;
    nlist handlers = {0};
    bool bare_seen = false;
    while (P->rc == 0 && pr_p_is_kw(pr_p_peek(P), "except")) {
        pr_token *ek = pr_p_next_tok(P);
        if (pr_p_is_op(P, PR_OP_MUL)) {
            pr_p_unsupported(P, pr_p_peek(P), "except*");
            break;
        }
        pr_node *h = pr_p_new_node(P, PR_N_HANDLER, ek);
        if (h == NULL)
            break;
        if (bare_seen) {
            pr_p_fail_at(P, ek, "syntax error: default 'except:' must be last");
            break;
        }
        if (!pr_p_is_op(P, PR_OP_COLON)) {
            h->a = pr_parse_test(P);
            if (h->a == NULL)
                break;
            if (pr_p_accept_kw(P, "as")) {
                pr_token *an = pr_p_next_tok(P);
                if (an->kind != PR_T_NAME || pr_p_is_keyword(an)) {
                    pr_p_fail_at(P, an, "syntax error: expected a name after 'as'");
                    break;
                }
                h->name = pr_p_intern_tok(P, an);
            }
        } else {
            bare_seen = true;
        }
        if ((h->b = parse_block(P)) == NULL)
            break;
        pr_p_nl_push(P, &handlers, h);
    }
    pr_p_nl_finish(P, &handlers, t);
    if (P->rc)
        return NULL;
    if (t->n > 0 && pr_p_accept_kw(P, "else") && (t->c = parse_block(P)) == NULL)
        return NULL;
    if (pr_p_accept_kw(P, "finally") && (t->d = parse_block(P)) == NULL)
        return NULL;
    if (t->n == 0 && t->d == NULL)
        return pr_p_fail_at(P, pr_p_peek(P), "syntax error: expected 'except' or 'finally' block");
    return t;
}

/* ':' then a simple statement list on the same line, or an indented block. */
static pr_node *
parse_block(parser *P)
{
    if (!pr_p_expect_op(P, PR_OP_COLON, ":"))
        return NULL;
    pr_token *tk = pr_p_peek(P);
    pr_node *b = pr_p_new_node(P, PR_N_BLOCK, tk);
    if (b == NULL || !pr_p_enter(P))
        return NULL;
    nlist body = {0};
    if (tk->kind != PR_T_NEWLINE) {
        parse_simple_stmts(P, &body);
    } else {
        pr_p_next_tok(P);
        if (pr_p_peek(P)->kind != PR_T_INDENT) {
            pr_p_fail_at(P, pr_p_peek(P), "syntax error: expected an indented block");
        } else {
            pr_p_next_tok(P);
            while (P->rc == 0 && pr_p_peek(P)->kind != PR_T_DEDENT &&
                   pr_p_peek(P)->kind != PR_T_EOF)
                pr_parse_stmt_into(P, &body);
            if (P->rc == 0)
                pr_p_next_tok(P);
        }
    }
    pr_p_nl_finish(P, &body, b);
    pr_p_leave(P);
    return P->rc ? NULL : b;
}

/* One statement (compound, or a line of simple ones) appended to `out`. */
pr_node *
pr_parse_stmt_into(parser *P, nlist *out)
{
    pr_token *tk = pr_p_peek(P);
    pr_node *s = NULL;
    if (tk->kind == PR_T_INDENT)
        return pr_p_fail_at(P, tk, "syntax error: unexpected indent");
    if (tk->kind == PR_T_OP && tk->op == PR_OP_AT && !tk->aug)
        return pr_p_unsupported(P, tk, "decorators");
    if (pr_p_is_kw(tk, "async")) {
        pr_token *nt = pr_p_peek_at(P, 1);
        return pr_p_unsupported(P, tk,
                                pr_p_is_kw(nt, "def")    ? "async def"
                                : pr_p_is_kw(nt, "for")  ? "async for"
                                : pr_p_is_kw(nt, "with") ? "async with"
                                                         : "async");
    }
    if (pr_p_is_kw(tk, "with"))
        return pr_p_unsupported(P, tk, "with");
    if (pr_p_is_kw(tk, "match") && pr_p_peek_at(P, 1)->kind == PR_T_NAME &&
        pr_p_peek_at(P, 2)->op == PR_OP_COLON)
        return pr_p_unsupported(P, tk, "match");
    if (pr_p_accept_kw(P, "if"))
        s = parse_if(P, tk);
    else if (pr_p_accept_kw(P, "while"))
        s = parse_while(P, tk);
    else if (pr_p_accept_kw(P, "for"))
        s = parse_for(P, tk);
    else if (pr_p_accept_kw(P, "def"))
        s = parse_def(P, tk);
    else if (pr_p_accept_kw(P, "class"))
        s = parse_class(P, tk);
    else if (pr_p_accept_kw(P, "try"))
        s = parse_try(P, tk);
    else
        return parse_simple_stmts(P, out);
    if (s)
        pr_p_nl_push(P, out, s);
    return s;
}
