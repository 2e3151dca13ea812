/* src/pyrun/pr_parse_expr.c — the parser's expressions: atoms (literals,
 * f-strings, displays), trailers (calls, attributes, subscripts, slices),
 * operators by precedence, lambdas, comprehensions and generator
 * expressions. Helpers and conventions in pr_parse_int.h.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "pr_parse_int.h"

static pr_node *parse_or_test(parser *P);
static pr_node *parse_factor(parser *P);
static pr_node *parse_comp_tail(parser *P, pr_node *elt, const pr_token *at, bool genexp);

/* {======================== Expressions: atoms ========================} */

static pr_node *
str_node(parser *P, const pr_token *at, const char *s, size_t n)
{
    pr_node *x = pr_p_new_node(P, PR_N_STR, at);
    if (x == NULL)
        return NULL;
    x->s = pr_arena_alloc(P->prog, n + 1);
    if (x->s == NULL)
        return pr_p_oom(P);
    memcpy(x->s, s, n);
    x->slen = n;
    return x;
}

/* Parse one expression from source text (an f-string field). */
static pr_node *
parse_sub_expr(parser *P, const pr_token *at, const char *text, size_t n)
{
    char *src = malloc(n + 3);
    if (src == NULL)
        return pr_p_oom(P);
    src[0] = '(';
    memcpy(src + 1, text, n);
    src[n + 1] = ')';
    src[n + 2] = '\0';
    pr_tokens toks;
    pr_error e2;
    int rc = pr_lex(src, &toks, &e2);
    pr_node *x = NULL;
    if (rc) {
        free(src);
        return pr_p_fail_at(P, at, "in f-string field: %s", e2.msg);
    }
    parser sub = *P;
    sub.t = toks.v;
    sub.n = toks.n;
    sub.i = 0;
    sub.line_off = pr_p_tok_line(P, at);
    sub.col_off = pr_p_tok_col(P, at);
    x = pr_parse_test(&sub);
    if (sub.rc == 0 && pr_p_peek(&sub)->kind != PR_T_NEWLINE)
        pr_p_fail_at(&sub, pr_p_peek(&sub), "syntax error in f-string field");
    if (sub.rc && P->rc == 0) {
        P->rc = sub.rc;
        *P->err = *sub.err;
    }
    pr_tokens_free(&toks);
    free(src);
    return P->rc ? NULL : x;
}

/* Decode \-escapes of an f-string literal piece into the arena. */
static pr_node *
fstr_literal(parser *P, const pr_token *at, const char *s, size_t n)
{
    char *buf = malloc(n + 1);
    if (buf == NULL)
        return pr_p_oom(P);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            char e = s[++i];
            c = e == 'n'    ? '\n'
                : e == 't'  ? '\t'
                : e == '\\' ? '\\'
                : e == '\'' ? '\''
                : e == '"'  ? '"'
                            : 0;
            if (c == 0) {
                buf[k++] = '\\';
                c = e;
            }
        } else if ((c == '{' || c == '}') && i + 1 < n && s[i + 1] == c) {
            i++;
        }
        buf[k++] = c;
    }
    pr_node *x = str_node(P, at, buf, k);
    free(buf);
    return x;
}

/* Split an f-string into literal pieces and {expr!c:spec} fields. */
static pr_node *
parse_fstring(parser *P, const pr_token *tk, const char *s, size_t n)
{
    pr_node *f = pr_p_new_node(P, PR_N_FSTRING, tk);
    nlist parts = {0};
    size_t i = 0, lit = 0;
    while (f && P->rc == 0 && i <= n) {
        if (i == n || (s[i] == '{' && !(i + 1 < n && s[i + 1] == '{'))) {
            if (i > lit && !pr_p_nl_push(P, &parts, fstr_literal(P, tk, s + lit, i - lit)))
                break;
            if (i == n)
                break;
            size_t j = i + 1, depth = 0;
            while (j < n && (depth > 0 || (s[j] != '}' && s[j] != '!' && s[j] != ':'))) {
                if (s[j] == '(' || s[j] == '[' || s[j] == '{')
                    depth++;
                if (s[j] == ')' || s[j] == ']' || s[j] == '}')
                    depth--;
                if (s[j] == '\'' || s[j] == '"') {
                    char q = s[j++];
                    while (j < n && s[j] != q)
                        j++;
                }
                j++;
            }
            if (j >= n) {
                pr_p_fail_at(P, tk, "f-string: expecting '}'");
                break;
            }
            pr_node *fv = pr_p_new_node(P, PR_N_FVALUE, tk);
            if (fv == NULL)
                break;
            fv->a = parse_sub_expr(P, tk, s + i + 1, j - i - 1);
            if (s[j] == '!' && j + 1 < n && (s[j + 1] == 'r' || s[j + 1] == 's')) {
                fv->op = (uint16_t)s[j + 1];
                j += 2;
            }
            if (j < n && s[j] == ':') {
                size_t k = j + 1;
                while (k < n && s[k] != '}') {
                    if (s[k] == '{') {
                        pr_p_unsupported(P, tk, "nested f-string format field");
                        break;
                    }
                    k++;
                }
                pr_node *spec = str_node(P, tk, s + j + 1, k - j - 1);
                if (spec)
                    fv->s = spec->s, fv->slen = spec->slen;
                j = k;
            }
            if (j >= n || s[j] != '}') {
                pr_p_fail_at(P, tk, "f-string: expecting '}'");
                break;
            }
            if (!pr_p_nl_push(P, &parts, fv))
                break;
            i = lit = j + 1;
            continue;
        }
        if (s[i] == '}' && !(i + 1 < n && s[i + 1] == '}')) {
            pr_p_fail_at(P, tk, "f-string: single '}' is not allowed");
            break;
        }
        i += (s[i] == '{' || s[i] == '}') ? 2 : 1;
    }
    pr_p_nl_finish(P, &parts, f);
    return P->rc ? NULL : f;
}

/* One or more adjacent string tokens (implicit concatenation). */
static pr_node *
parse_strings(parser *P)
{
    pr_token *first = pr_p_peek(P);
    bool any_f = false;
    size_t total = 0, k = 0;
    for (size_t j = P->i; j < P->n && P->t[j].kind == PR_T_STR; j++) {
        any_f |= P->t[j].op != 0;
        total += P->t[j].slen;
        k++;
    }
    if (!any_f || k == 1) {
        pr_token *tk = pr_p_next_tok(P);
        for (size_t j = 1; j < k; j++)
            pr_p_next_tok(P);
        if (tk->op)
            return parse_fstring(P, tk, tk->sval, tk->slen);
        char *buf = malloc(total + 1);
        if (buf == NULL)
            return pr_p_oom(P);
        size_t off = 0;
        for (size_t j = 0; j < k; j++) {
            memcpy(buf + off, tk[j].sval, tk[j].slen);
            off += tk[j].slen;
        }
        pr_node *x = str_node(P, first, buf, total);
        free(buf);
        return x;
    }
    /* f"..." "..." f"...": one f-string of every piece, in order */
    pr_node *f = pr_p_new_node(P, PR_N_FSTRING, first);
    nlist parts = {0};
    for (size_t j = 0; f && j < k && P->rc == 0; j++) {
        pr_token *tk = pr_p_next_tok(P);
        if (tk->op) {
            pr_node *sub = parse_fstring(P, tk, tk->sval, tk->slen);
            for (int q = 0; sub && q < sub->n && P->rc == 0; q++)
                pr_p_nl_push(P, &parts, sub->v[q]);
        } else if (tk->slen > 0) {
            pr_node *lit = str_node(P, tk, tk->sval, tk->slen);
            if (lit)
                pr_p_nl_push(P, &parts, lit);
        }
    }
    pr_p_nl_finish(P, &parts, f);
    return P->rc ? NULL : f;
}

/* Parenthesised expression, tuple or generator expression. */
static pr_node *
parse_paren(parser *P, const pr_token *open)
{
    if (pr_p_accept_op(P, PR_OP_RPAR))
        return pr_p_new_node(P, PR_N_TUPLE, open);
    pr_node *first = pr_parse_test(P);
    if (first == NULL)
        return NULL;
    if (pr_p_is_kw(pr_p_peek(P), "for")) {
        pr_node *g = parse_comp_tail(P, first, open, true);
        return pr_p_expect_op(P, PR_OP_RPAR, ")") ? g : NULL;
    }
    if (pr_p_accept_op(P, PR_OP_RPAR))
        return first;
    pr_node *t = pr_p_new_node(P, PR_N_TUPLE, open);
    nlist items = {0};
    pr_p_nl_push(P, &items, first);
    while (t && P->rc == 0 && pr_p_accept_op(P, PR_OP_COMMA)) {
        if (pr_p_is_op(P, PR_OP_RPAR))
            break;
        pr_p_nl_push(P, &items, pr_parse_test(P));
    }
    pr_p_nl_finish(P, &items, t);
    if (P->rc || !pr_p_expect_op(P, PR_OP_RPAR, ")"))
        return NULL;
    return t;
}

static pr_node *
parse_list(parser *P, const pr_token *open)
{
    pr_node *l = pr_p_new_node(P, PR_N_LIST, open);
    nlist items = {0};
    while (l && P->rc == 0 && !pr_p_is_op(P, PR_OP_RSQB)) {
        pr_node *x = pr_parse_test(P);
        if (x == NULL)
            break;
        if (items.n == 0 && pr_p_is_kw(pr_p_peek(P), "for")) {
            pr_node *c = parse_comp_tail(P, x, open, false);
            pr_p_nl_finish(P, &items, NULL);
            return pr_p_expect_op(P, PR_OP_RSQB, "]") ? c : NULL;
        }
        pr_p_nl_push(P, &items, x);
        if (!pr_p_accept_op(P, PR_OP_COMMA))
            break;
    }
    pr_p_nl_finish(P, &items, l);
    if (P->rc || !pr_p_expect_op(P, PR_OP_RSQB, "]"))
        return NULL;
    return l;
}

static pr_node *
parse_dict(parser *P, const pr_token *open)
{
    pr_node *d = pr_p_new_node(P, PR_N_DICT, open);
    nlist items = {0};
    while (d && P->rc == 0 && !pr_p_is_op(P, PR_OP_RBRACE)) {
        if (pr_p_is_op(P, PR_OP_POW) || pr_p_is_op(P, PR_OP_MUL)) {
            pr_p_unsupported(P, pr_p_peek(P), "unpacking in dict/set displays");
            break;
        }
        pr_node *k = pr_parse_test(P);
        if (k == NULL)
            break;
        if (!pr_p_is_op(P, PR_OP_COLON)) {
            pr_p_unsupported(P, pr_p_peek(P), "set displays and comprehensions");
            break;
        }
        pr_p_next_tok(P);
        pr_node *v = pr_parse_test(P);
        if (v == NULL)
            break;
        if (pr_p_is_kw(pr_p_peek(P), "for")) {
            pr_p_unsupported(P, pr_p_peek(P), "dict comprehensions");
            break;
        }
        pr_p_nl_push(P, &items, k);
        pr_p_nl_push(P, &items, v);
        if (!pr_p_accept_op(P, PR_OP_COMMA))
            break;
    }
    pr_p_nl_finish(P, &items, d);
    if (P->rc || !pr_p_expect_op(P, PR_OP_RBRACE, "}"))
        return NULL;
    return d;
}

static pr_node *
parse_atom(parser *P)
{
    pr_token *tk = pr_p_peek(P);
    char buf[40];
    switch ((pr_tok_kind)tk->kind) {
    case PR_T_INT: {
        pr_p_next_tok(P);
        pr_node *x = pr_p_new_node(P, PR_N_INT, tk);
        if (x)
            x->ival = tk->ival;
        return x;
    }
    case PR_T_STR:
        return parse_strings(P);
    case PR_T_NAME: {
        if (pr_p_is_kw(tk, "None") || pr_p_is_kw(tk, "True") || pr_p_is_kw(tk, "False")) {
            pr_p_next_tok(P);
            return pr_p_new_node(P,
                                 tk->p[0] == 'N'   ? PR_N_NONE
                                 : tk->p[0] == 'T' ? PR_N_TRUE
                                                   : PR_N_FALSE,
                                 tk);
        }
        if (pr_p_is_kw(tk, "await") || pr_p_is_kw(tk, "yield"))
            return pr_p_unsupported(P, tk, pr_p_is_kw(tk, "await") ? "await" : "yield");
        if (pr_p_is_keyword(tk))
            return pr_p_fail_at(P, tk, "syntax error: unexpected keyword %s",
                                pr_p_tok_desc(tk, buf, sizeof buf));
        pr_p_next_tok(P);
        pr_node *x = pr_p_new_node(P, PR_N_NAME, tk);
        if (x)
            x->name = pr_p_intern_tok(P, tk);
        return x;
    }
    case PR_T_OP:
        if (tk->aug)
            break;
        if (tk->op == PR_OP_LPAR) {
            pr_p_next_tok(P);
            return parse_paren(P, tk);
        }
        if (tk->op == PR_OP_LSQB) {
            pr_p_next_tok(P);
            return parse_list(P, tk);
        }
        if (tk->op == PR_OP_LBRACE) {
            pr_p_next_tok(P);
            return parse_dict(P, tk);
        }
        break;
    case PR_T_EOF:
    case PR_T_NEWLINE:
    case PR_T_INDENT:
    case PR_T_DEDENT:
        break;
    }
    return pr_p_fail_at(P, tk, "syntax error: unexpected %s", pr_p_tok_desc(tk, buf, sizeof buf));
}

/* {======================== Expressions: trailers and operators ========================} */

static pr_node *
parse_call(parser *P, pr_node *fn, const pr_token *open)
{
    pr_node *c = pr_p_new_node(P, PR_N_CALL, open);
    if (c == NULL)
        return NULL;
    c->a = fn;
    nlist args = {0};
    bool seen_kw = false;
    while (P->rc == 0 && !pr_p_is_op(P, PR_OP_RPAR)) {
        pr_token *tk = pr_p_peek(P);
        if (pr_p_is_op(P, PR_OP_MUL) || pr_p_is_op(P, PR_OP_POW)) {
            pr_p_unsupported(P, tk, tk->op == PR_OP_MUL ? "*args in calls" : "**kwargs in calls");
            break;
        }
        if (tk->kind == PR_T_NAME && pr_p_peek_at(P, 1)->kind == PR_T_OP &&
            pr_p_peek_at(P, 1)->op == PR_OP_ASSIGN && !pr_p_peek_at(P, 1)->aug) {
            pr_p_next_tok(P);
            pr_p_next_tok(P);
            pr_node *kw = pr_p_new_node(P, PR_N_KEYWORD, tk);
            if (kw == NULL)
                break;
            kw->name = pr_p_intern_tok(P, tk);
            kw->a = pr_parse_test(P);
            pr_p_nl_push(P, &args, kw);
            seen_kw = true;
        } else {
            pr_node *x = pr_parse_test(P);
            if (x == NULL)
                break;
            if (seen_kw) {
                pr_p_fail_at(P, tk, "syntax error: positional argument follows keyword argument");
                break;
            }
            if (pr_p_is_kw(pr_p_peek(P), "for")) {
                x = parse_comp_tail(P, x, tk, true);
                if (x == NULL)
                    break;
            }
            pr_p_nl_push(P, &args, x);
        }
        if (!pr_p_accept_op(P, PR_OP_COMMA))
            break;
    }
    pr_p_nl_finish(P, &args, c);
    if (P->rc || !pr_p_expect_op(P, PR_OP_RPAR, ")"))
        return NULL;
    return c;
}

static pr_node *
parse_atom_expr(parser *P)
{
    pr_node *x = parse_atom(P);
    while (x && P->rc == 0) {
        pr_token *tk = pr_p_peek(P);
        if (pr_p_accept_op(P, PR_OP_LPAR)) {
            x = parse_call(P, x, tk);
        } else if (pr_p_accept_op(P, PR_OP_LSQB)) {
            pr_node *s = pr_p_new_node(P, PR_N_SUBSCR, tk);
            if (s == NULL)
                return NULL;
            s->a = x;
            s->b = pr_p_is_op(P, PR_OP_COLON) ? NULL : pr_parse_test(P);
            if (P->rc)
                return NULL;
            if (pr_p_is_op(P, PR_OP_COLON)) {
                pr_node *sl = pr_p_new_node(P, PR_N_SLICE, pr_p_peek(P));
                if (sl == NULL)
                    return NULL;
                pr_p_next_tok(P);
                sl->a = s->b;
                if (!pr_p_is_op(P, PR_OP_RSQB) && !pr_p_is_op(P, PR_OP_COLON))
                    sl->b = pr_parse_test(P);
                if (pr_p_accept_op(P, PR_OP_COLON) && !pr_p_is_op(P, PR_OP_RSQB))
                    sl->c = pr_parse_test(P);
                if (P->rc)
                    return NULL;
                s->b = sl;
            } else if (s->b && pr_p_is_op(P, PR_OP_COMMA)) {
                pr_node *t = pr_p_new_node(P, PR_N_TUPLE, tk);
                nlist items = {0};
                pr_p_nl_push(P, &items, s->b);
                while (t && P->rc == 0 && pr_p_accept_op(P, PR_OP_COMMA) &&
                       !pr_p_is_op(P, PR_OP_RSQB))
                    pr_p_nl_push(P, &items, pr_parse_test(P));
                pr_p_nl_finish(P, &items, t);
                s->b = t;
            }
            if (P->rc || !pr_p_expect_op(P, PR_OP_RSQB, "]"))
                return NULL;
            x = s;
        } else if (pr_p_accept_op(P, PR_OP_DOT)) {
            pr_token *nt = pr_p_next_tok(P);
            if (nt->kind != PR_T_NAME)
                return pr_p_fail_at(P, nt, "syntax error: expected an attribute name after '.'");
            pr_node *a = pr_p_new_node(P, PR_N_ATTR, nt);
            if (a == NULL)
                return NULL;
            a->a = x;
            a->name = pr_p_intern_tok(P, nt);
            x = a;
        } else {
            break;
        }
    }
    return x;
}

static pr_node *
binop(parser *P, const pr_token *at, pr_op op, pr_node *l, pr_node *r)
{
    if (l == NULL || r == NULL)
        return NULL;
    pr_node *b = pr_p_new_node(P, PR_N_BINOP, at);
    if (b) {
        b->op = op;
        b->a = l;
        b->b = r;
    }
    return b;
}

static pr_node *
parse_power(parser *P)
{
    pr_node *x = parse_atom_expr(P);
    pr_token *tk = pr_p_peek(P);
    if (x && pr_p_accept_op(P, PR_OP_POW)) {
        if (!pr_p_enter(P))
            return NULL;
        pr_node *r = parse_factor(P);
        pr_p_leave(P);
        return binop(P, tk, PR_OP_POW, x, r);
    }
    return x;
}

static pr_node *
parse_factor(parser *P)
{
    pr_token *tk = pr_p_peek(P);
    if (tk->kind == PR_T_OP && !tk->aug &&
        (tk->op == PR_OP_SUB || tk->op == PR_OP_ADD || tk->op == PR_OP_INVERT)) {
        pr_p_next_tok(P);
        if (!pr_p_enter(P))
            return NULL;
        pr_node *operand = parse_factor(P);
        pr_p_leave(P);
        if (operand == NULL)
            return NULL;
        if (tk->op == PR_OP_SUB && operand->kind == PR_N_INT) {
            operand->ival = -operand->ival; /* constant folding, as CPython does */
            return operand;
        }
        pr_node *u = pr_p_new_node(P, PR_N_UNARY, tk);
        if (u) {
            u->op = tk->op == PR_OP_SUB   ? PR_OP_NEG
                    : tk->op == PR_OP_ADD ? PR_OP_POS
                                          : PR_OP_INVERT;
            u->a = operand;
        }
        return u;
    }
    return parse_power(P);
}

/* Binary operator levels, loosest first. */
static const uint8_t level_ops[][5] = {
    {PR_OP_BITOR},          {PR_OP_BITXOR},
    {PR_OP_BITAND},         {PR_OP_LSHIFT, PR_OP_RSHIFT},
    {PR_OP_ADD, PR_OP_SUB}, {PR_OP_MUL, PR_OP_DIV, PR_OP_FLOORDIV, PR_OP_MOD, PR_OP_AT},
};
#define N_LEVELS ((int)(sizeof level_ops / sizeof level_ops[0]))

pr_node *
pr_parse_level(parser *P, int level)
{
    if (level == N_LEVELS)
        return parse_factor(P);
    pr_node *x = pr_parse_level(P, level + 1); /* bounded: N_LEVELS deep per pr_parse_test */
    for (;;) {
        pr_token *tk = pr_p_peek(P);
        bool hit = false;
        for (int k = 0; k < 5 && level_ops[level][k]; k++)
            hit |= tk->kind == PR_T_OP && !tk->aug && tk->op == level_ops[level][k];
        if (!x || !hit)
            break;
        pr_p_next_tok(P);
        if (tk->op == PR_OP_AT)
            x = pr_p_unsupported(P, tk, "@ (matrix multiplication)");
        else
            x = binop(P, tk, (pr_op)tk->op, x, pr_parse_level(P, level + 1));
    }
    return x;
}

/* A comparison operator at the cursor (consumed), or PR_OP_NONE. */
static pr_op
comp_op(parser *P)
{
    pr_token *tk = pr_p_peek(P);
    if (tk->kind == PR_T_OP && !tk->aug &&
        (tk->op == PR_OP_EQ || tk->op == PR_OP_NE || tk->op == PR_OP_LT || tk->op == PR_OP_LE ||
         tk->op == PR_OP_GT || tk->op == PR_OP_GE)) {
        pr_p_next_tok(P);
        return (pr_op)tk->op;
    }
    if (pr_p_is_kw(tk, "in")) {
        pr_p_next_tok(P);
        return PR_OP_IN;
    }
    if (pr_p_is_kw(tk, "is")) {
        pr_p_next_tok(P);
        return pr_p_accept_kw(P, "not") ? PR_OP_ISNOT : PR_OP_IS;
    }
    if (pr_p_is_kw(tk, "not") && pr_p_is_kw(pr_p_peek_at(P, 1), "in")) {
        pr_p_next_tok(P);
        pr_p_next_tok(P);
        return PR_OP_NOTIN;
    }
    return PR_OP_NONE;
}

static pr_node *
parse_comparison(parser *P)
{
    pr_token *start = pr_p_peek(P);
    pr_node *x = pr_parse_level(P, 0);
    if (x == NULL)
        return NULL;
    pr_op op = comp_op(P);
    if (op == PR_OP_NONE)
        return x;
    pr_node *c = pr_p_new_node(P, PR_N_COMPARE, start);
    nlist items = {0};
    uint8_t ops[64];
    int n_ops = 0;
    pr_p_nl_push(P, &items, x);
    while (c && P->rc == 0 && op != PR_OP_NONE) {
        if (n_ops == 64) {
            pr_p_fail_at(P, pr_p_peek(P), "comparison chain too long");
            break;
        }
        ops[n_ops++] = (uint8_t)op;
        pr_p_nl_push(P, &items, pr_parse_level(P, 0));
        op = comp_op(P);
    }
    pr_p_nl_finish(P, &items, c);
    if (P->rc || c == NULL) /* c == NULL only after pr_p_oom, which sets rc */
        return NULL;
    c->ops = pr_arena_alloc(P->prog, (size_t)n_ops);
    if (c->ops == NULL)
        return pr_p_oom(P);
    memcpy(c->ops, ops, (size_t)n_ops);
    return c;
}

static pr_node *
parse_not(parser *P)
{
    pr_token *tk = pr_p_peek(P);
    if (pr_p_accept_kw(P, "not")) {
        if (!pr_p_enter(P))
            return NULL;
        pr_node *operand = parse_not(P);
        pr_p_leave(P);
        pr_node *u = operand ? pr_p_new_node(P, PR_N_UNARY, tk) : NULL;
        if (u) {
            u->op = PR_OP_NOT;
            u->a = operand;
        }
        return u;
    }
    return parse_comparison(P);
}

static pr_node *
parse_bool(parser *P, bool is_or)
{
    pr_node *x = is_or ? parse_bool(P, false) : parse_not(P);
    for (;;) {
        pr_token *tk = pr_p_peek(P);
        if (!x || !pr_p_accept_kw(P, is_or ? "or" : "and"))
            return x;
        pr_node *r = is_or ? parse_bool(P, false) : parse_not(P);
        pr_node *b = r ? pr_p_new_node(P, PR_N_BOOLOP, tk) : NULL;
        if (b == NULL)
            return NULL;
        b->op = is_or ? PR_OP_OR : PR_OP_AND;
        b->a = x;
        b->b = r;
        x = b;
    }
}

static pr_node *
parse_or_test(parser *P)
{
    return parse_bool(P, true);
}

/* {======================== Lambda, comprehensions ========================} */

/* Parameters of def/lambda up to `end` (')' or ':'); fills code params. */

static pr_node *
parse_lambda(parser *P, const pr_token *kw)
{
    pr_node *l = pr_p_new_node(P, PR_N_LAMBDA, kw);
    pr_code *code = pr_arena_alloc(P->prog, sizeof *code);
    if (l == NULL || code == NULL)
        return pr_p_oom(P);
    code->kind = 2;
    code->line = kw->line;
    code->name = pr_names_intern(&P->prog->names, "<lambda>", 8);
    if (!pr_parse_params(P, code, PR_OP_COLON) || !pr_p_expect_op(P, PR_OP_COLON, ":"))
        return NULL;
    code->body = pr_parse_test(P);
    l->code = code;
    return code->body ? l : NULL;
}

/* "for target in iter [if cond]*" (repeated), after the element expression. */
static pr_node *
parse_comp_tail(parser *P, pr_node *elt, const pr_token *at, bool genexp)
{
    pr_node *c = pr_p_new_node(P, PR_N_LISTCOMP, at);
    pr_code *code = pr_arena_alloc(P->prog, sizeof *code);
    if (c == NULL || code == NULL)
        return pr_p_oom(P);
    code->kind = 3;
    code->line = at->line;
    code->is_genexp = genexp;
    code->name = genexp ? pr_names_intern(&P->prog->names, "<genexpr>", 9)
                        : pr_names_intern(&P->prog->names, "<listcomp>", 10);
    code->body = c;
    c->code = code;
    c->a = elt;
    c->op = genexp;
    nlist fors = {0};
    while (P->rc == 0 && pr_p_is_kw(pr_p_peek(P), "for")) {
        pr_token *ft = pr_p_next_tok(P);
        pr_node *f = pr_p_new_node(P, PR_N_COMPFOR, ft);
        if (f == NULL)
            break;
        f->a = pr_parse_target_list(P, "in");
        if (f->a == NULL)
            break;
        if (!pr_p_accept_kw(P, "in")) {
            pr_p_fail_at(P, pr_p_peek(P), "syntax error: expected 'in'");
            break;
        }
        f->b = parse_or_test(P);
        nlist ifs = {0};
        while (P->rc == 0 && pr_p_accept_kw(P, "if"))
            pr_p_nl_push(P, &ifs, parse_or_test(P));
        pr_p_nl_finish(P, &ifs, f);
        pr_p_nl_push(P, &fors, f);
    }
    if (P->rc == 0 && pr_p_is_kw(pr_p_peek(P), "async"))
        pr_p_unsupported(P, pr_p_peek(P), "async comprehension");
    pr_p_nl_finish(P, &fors, c);
    return P->rc ? NULL : c;
}

pr_node *
pr_parse_test(parser *P)
{
    pr_token *tk = pr_p_peek(P);
    if (!pr_p_enter(P))
        return NULL;
    pr_node *r;
    if (pr_p_accept_kw(P, "lambda")) {
        r = parse_lambda(P, tk);
    } else {
        r = parse_or_test(P);
        pr_token *it = pr_p_peek(P);
        if (r && pr_p_accept_kw(P, "if")) {
            pr_node *x = pr_p_new_node(P, PR_N_IFEXP, it);
            if (x) {
                x->b = r;
                x->a = parse_or_test(P);
                if (x->a && !pr_p_accept_kw(P, "else"))
                    x = pr_p_fail_at(P, pr_p_peek(P),
                                     "syntax error: expected 'else' in conditional expression");
                if (x)
                    x->c = pr_parse_test(P);
                if (x && (!x->a || !x->c))
                    x = NULL;
            }
            r = x;
        }
    }
    pr_p_leave(P);
    return r;
}

/* test (',' test)* [','] -> a tuple when there is a comma. */
pr_node *
pr_parse_testlist(parser *P)
{
    pr_token *start = pr_p_peek(P);
    if (pr_p_is_op(P, PR_OP_MUL))
        return pr_p_unsupported(P, start, "starred expressions");
    pr_node *x = pr_parse_test(P);
    if (x == NULL || !pr_p_is_op(P, PR_OP_COMMA))
        return x;
    pr_node *t = pr_p_new_node(P, PR_N_TUPLE, start);
    nlist items = {0};
    pr_p_nl_push(P, &items, x);
    while (t && P->rc == 0 && pr_p_accept_op(P, PR_OP_COMMA)) {
        pr_token *tk = pr_p_peek(P);
        if (tk->kind == PR_T_NEWLINE ||
            (tk->kind == PR_T_OP && !tk->aug &&
             (tk->op == PR_OP_ASSIGN || tk->op == PR_OP_SEMI || tk->op == PR_OP_RPAR ||
              tk->op == PR_OP_COLON)) ||
            tk->aug || pr_p_is_kw(tk, "in"))
            break;
        if (pr_p_is_op(P, PR_OP_MUL)) {
            pr_p_unsupported(P, tk, "starred expressions");
            break;
        }
        pr_p_nl_push(P, &items, pr_parse_test(P));
    }
    pr_p_nl_finish(P, &items, t);
    return P->rc ? NULL : t;
}
