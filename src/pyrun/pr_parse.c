/* src/pyrun/pr_parse.c — recursive-descent parser for the Python subset.
 *
 * pr_parse() = pr_lex() + parse_file() + resolve (pr_scope.c). Every construct
 * outside the subset is refused with "<file>:<line>:<col>: '<what>' is not
 * supported by gcscope run"; every recursive function passes through enter(),
 * which bounds nesting at PR_MAX_NESTING so no input can overflow the C stack.
 * Start reading at parse_stmt().
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "pr_int.h"

/* {======================== Arena ========================} */

struct pr_arena_blk {
    pr_arena_blk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void *
pr_arena_alloc(pr_program *p, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    pr_arena_blk *b = p->arena;
    if (b == NULL || b->used + n > b->cap) {
        size_t cap = n > 32768 ? n : 32768;
        pr_arena_blk *nb = malloc(sizeof *nb + cap);
        if (nb == NULL)
            return NULL;
        nb->next = b;
        nb->used = 0;
        nb->cap = cap;
        p->arena = nb;
        b = nb;
    }
    void *r = b->data + b->used;
    b->used += n;
    memset(r, 0, n);
    return r;
}

void
pr_program_free(pr_program *p)
{
    if (p == NULL)
        return;
    pr_arena_blk *b = p->arena;
    while (b) {
        pr_arena_blk *nx = b->next;
        free(b);
        b = nx;
    }
    pr_names_fini(&p->names);
    for (int i = 0; i < p->n_lines; i++)
        free(p->lines[i]);
    free(p->lines);
    free(p->path);
    free(p);
}

/* {======================== Parser state ========================} */

typedef struct parser {
    pr_program *prog;
    pr_token *t;
    size_t n, i;
    int depth;
    pr_error *err;
    int rc;       /* sticky: first error wins */
    int line_off; /* f-string fields: position of the enclosing string */
    int col_off;
} parser;

static pr_token *
peek(parser *P)
{
    return &P->t[P->i];
}

static pr_token *
peek_at(parser *P, size_t k)
{
    size_t j = P->i + k;
    return &P->t[j < P->n ? j : P->n - 1];
}

static pr_token *
next_tok(parser *P)
{
    pr_token *tk = &P->t[P->i];
    if (P->i + 1 < P->n)
        P->i++;
    return tk;
}

static int
tok_line(parser *P, const pr_token *tk)
{
    return P->line_off ? P->line_off : tk->line;
}

static int
tok_col(parser *P, const pr_token *tk)
{
    return P->line_off ? P->col_off : tk->col;
}

static pr_node *
fail_at(parser *P, const pr_token *tk, const char *fmt, ...)
{
    if (P->rc == 0) {
        P->rc = GCS_EFORMAT;
        P->err->line = tok_line(P, tk);
        P->err->col = tok_col(P, tk);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(P->err->msg, sizeof P->err->msg, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static pr_node *
unsupported(parser *P, const pr_token *tk, const char *what)
{
    return fail_at(P, tk, "'%s' is not supported by gcscope run", what);
}

static pr_node *
oom(parser *P)
{
    if (P->rc == 0) {
        P->rc = GCS_ENOMEM;
        snprintf(P->err->msg, sizeof P->err->msg, "out of memory");
    }
    return NULL;
}

static bool
enter(parser *P)
{
    if (++P->depth > PR_MAX_NESTING) {
        fail_at(P, peek(P), "too deeply nested (limit %d levels)", PR_MAX_NESTING);
        return false;
    }
    return true;
}

static void
leave(parser *P)
{
    P->depth--;
}

static bool
is_op(parser *P, pr_op op)
{
    pr_token *tk = peek(P);
    return tk->kind == PR_T_OP && tk->op == op && !tk->aug;
}

static bool
is_kw(const pr_token *tk, const char *kw)
{
    return tk->kind == PR_T_NAME && tk->len == strlen(kw) && memcmp(tk->p, kw, tk->len) == 0;
}

static bool
accept_op(parser *P, pr_op op)
{
    if (!is_op(P, op))
        return false;
    next_tok(P);
    return true;
}

static bool
accept_kw(parser *P, const char *kw)
{
    if (!is_kw(peek(P), kw))
        return false;
    next_tok(P);
    return true;
}

static const char *
tok_desc(const pr_token *tk, char *buf, size_t n)
{
    switch ((pr_tok_kind)tk->kind) {
    case PR_T_EOF:
        return "end of file";
    case PR_T_NEWLINE:
        return "end of line";
    case PR_T_INDENT:
        return "an indented block";
    case PR_T_DEDENT:
        return "end of block";
    case PR_T_NAME:
    case PR_T_INT:
    case PR_T_STR:
    case PR_T_OP:
        break;
    }
    snprintf(buf, n, "'%.*s'", (int)(tk->len > 20 ? 20 : tk->len), tk->p);
    return buf;
}

static bool
expect_op(parser *P, pr_op op, const char *spelling)
{
    if (accept_op(P, op))
        return true;
    char buf[40];
    fail_at(P, peek(P), "syntax error: expected '%s', found %s", spelling,
            tok_desc(peek(P), buf, sizeof buf));
    return false;
}

static const char *const keywords[] = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};

static bool
is_keyword(const pr_token *tk)
{
    if (tk->kind != PR_T_NAME)
        return false;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (is_kw(tk, keywords[i]))
            return true;
    return false;
}

static pr_node *
new_node(parser *P, pr_nk kind, const pr_token *at)
{
    pr_node *n = pr_arena_alloc(P->prog, sizeof *n);
    if (n == NULL)
        return oom(P);
    n->kind = (uint16_t)kind;
    n->line = tok_line(P, at);
    n->col = tok_col(P, at);
    n->name = -1;
    n->slot = -1;
    return n;
}

static int
intern_tok(parser *P, const pr_token *tk)
{
    int id = pr_names_intern(&P->prog->names, tk->p, tk->len);
    if (id < 0)
        oom(P);
    return id;
}

/* Growable node list built on the heap, then copied into the arena. */
typedef struct nlist {
    pr_node **v;
    int n, cap;
} nlist;

static bool
nl_push(parser *P, nlist *l, pr_node *x)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        pr_node **nv = realloc(l->v, (size_t)cap * sizeof *nv);
        if (nv == NULL) {
            oom(P);
            return false;
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return true;
}

/* Move the list into node `dst` (v, n). */
static void
nl_finish(parser *P, nlist *l, pr_node *dst)
{
    if (dst && l->n > 0) {
        dst->v = pr_arena_alloc(P->prog, (size_t)l->n * sizeof *dst->v);
        if (dst->v == NULL)
            oom(P);
        else
            memcpy(dst->v, l->v, (size_t)l->n * sizeof *dst->v);
        dst->n = dst->v ? l->n : 0;
    }
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static pr_node *parse_test(parser *P);
static pr_node *parse_block(parser *P);
static pr_node *parse_stmt_into(parser *P, nlist *out);
static pr_node *parse_or_test(parser *P);
static pr_node *parse_factor(parser *P);

/* {======================== Expressions: atoms ========================} */

static pr_node *
str_node(parser *P, const pr_token *at, const char *s, size_t n)
{
    pr_node *x = new_node(P, PR_N_STR, at);
    if (x == NULL)
        return NULL;
    x->s = pr_arena_alloc(P->prog, n + 1);
    if (x->s == NULL)
        return oom(P);
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
        return oom(P);
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
        return fail_at(P, at, "in f-string field: %s", e2.msg);
    }
    parser sub = *P;
    sub.t = toks.v;
    sub.n = toks.n;
    sub.i = 0;
    sub.line_off = tok_line(P, at);
    sub.col_off = tok_col(P, at);
    x = parse_test(&sub);
    if (sub.rc == 0 && peek(&sub)->kind != PR_T_NEWLINE)
        fail_at(&sub, peek(&sub), "syntax error in f-string field");
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
        return oom(P);
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
    pr_node *f = new_node(P, PR_N_FSTRING, tk);
    nlist parts = {0};
    size_t i = 0, lit = 0;
    while (f && P->rc == 0 && i <= n) {
        if (i == n || (s[i] == '{' && !(i + 1 < n && s[i + 1] == '{'))) {
            if (i > lit && !nl_push(P, &parts, fstr_literal(P, tk, s + lit, i - lit)))
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
                fail_at(P, tk, "f-string: expecting '}'");
                break;
            }
            pr_node *fv = new_node(P, PR_N_FVALUE, tk);
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
                        unsupported(P, tk, "nested f-string format field");
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
                fail_at(P, tk, "f-string: expecting '}'");
                break;
            }
            if (!nl_push(P, &parts, fv))
                break;
            i = lit = j + 1;
            continue;
        }
        if (s[i] == '}' && !(i + 1 < n && s[i + 1] == '}')) {
            fail_at(P, tk, "f-string: single '}' is not allowed");
            break;
        }
        i += (s[i] == '{' || s[i] == '}') ? 2 : 1;
    }
    nl_finish(P, &parts, f);
    return P->rc ? NULL : f;
}

/* One or more adjacent string tokens (implicit concatenation). */
static pr_node *
parse_strings(parser *P)
{
    pr_token *first = peek(P);
    bool any_f = false;
    size_t total = 0, k = 0;
    for (size_t j = P->i; j < P->n && P->t[j].kind == PR_T_STR; j++) {
        any_f |= P->t[j].op != 0;
        total += P->t[j].slen;
        k++;
    }
    if (!any_f || k == 1) {
        pr_token *tk = next_tok(P);
        for (size_t j = 1; j < k; j++)
            next_tok(P);
        if (tk->op)
            return parse_fstring(P, tk, tk->sval, tk->slen);
        char *buf = malloc(total + 1);
        if (buf == NULL)
            return oom(P);
        size_t off = 0;
        for (size_t j = 0; j < k; j++) {
            memcpy(buf + off, tk[j].sval, tk[j].slen);
            off += tk[j].slen;
        }
        pr_node *x = str_node(P, first, buf, total);
        free(buf);
        return x;
    }
    return unsupported(P, first, "implicit concatenation with f-strings");
}

static pr_node *parse_comp_tail(parser *P, pr_node *elt, const pr_token *at, bool genexp);

/* Parenthesised expression, tuple or generator expression. */
static pr_node *
parse_paren(parser *P, const pr_token *open)
{
    if (accept_op(P, PR_OP_RPAR))
        return new_node(P, PR_N_TUPLE, open);
    pr_node *first = parse_test(P);
    if (first == NULL)
        return NULL;
    if (is_kw(peek(P), "for")) {
        pr_node *g = parse_comp_tail(P, first, open, true);
        return expect_op(P, PR_OP_RPAR, ")") ? g : NULL;
    }
    if (accept_op(P, PR_OP_RPAR))
        return first;
    pr_node *t = new_node(P, PR_N_TUPLE, open);
    nlist items = {0};
    nl_push(P, &items, first);
    while (t && P->rc == 0 && accept_op(P, PR_OP_COMMA)) {
        if (is_op(P, PR_OP_RPAR))
            break;
        nl_push(P, &items, parse_test(P));
    }
    nl_finish(P, &items, t);
    if (P->rc || !expect_op(P, PR_OP_RPAR, ")"))
        return NULL;
    return t;
}

static pr_node *
parse_list(parser *P, const pr_token *open)
{
    pr_node *l = new_node(P, PR_N_LIST, open);
    nlist items = {0};
    while (l && P->rc == 0 && !is_op(P, PR_OP_RSQB)) {
        pr_node *x = parse_test(P);
        if (x == NULL)
            break;
        if (items.n == 0 && is_kw(peek(P), "for")) {
            pr_node *c = parse_comp_tail(P, x, open, false);
            nl_finish(P, &items, NULL);
            return expect_op(P, PR_OP_RSQB, "]") ? c : NULL;
        }
        nl_push(P, &items, x);
        if (!accept_op(P, PR_OP_COMMA))
            break;
    }
    nl_finish(P, &items, l);
    if (P->rc || !expect_op(P, PR_OP_RSQB, "]"))
        return NULL;
    return l;
}

static pr_node *
parse_dict(parser *P, const pr_token *open)
{
    pr_node *d = new_node(P, PR_N_DICT, open);
    nlist items = {0};
    while (d && P->rc == 0 && !is_op(P, PR_OP_RBRACE)) {
        if (is_op(P, PR_OP_POW) || is_op(P, PR_OP_MUL)) {
            unsupported(P, peek(P), "unpacking in dict/set displays");
            break;
        }
        pr_node *k = parse_test(P);
        if (k == NULL)
            break;
        if (!is_op(P, PR_OP_COLON)) {
            unsupported(P, peek(P), "set displays and comprehensions");
            break;
        }
        next_tok(P);
        pr_node *v = parse_test(P);
        if (v == NULL)
            break;
        if (is_kw(peek(P), "for")) {
            unsupported(P, peek(P), "dict comprehensions");
            break;
        }
        nl_push(P, &items, k);
        nl_push(P, &items, v);
        if (!accept_op(P, PR_OP_COMMA))
            break;
    }
    nl_finish(P, &items, d);
    if (P->rc || !expect_op(P, PR_OP_RBRACE, "}"))
        return NULL;
    return d;
}

static pr_node *
parse_atom(parser *P)
{
    pr_token *tk = peek(P);
    char buf[40];
    switch ((pr_tok_kind)tk->kind) {
    case PR_T_INT: {
        next_tok(P);
        pr_node *x = new_node(P, PR_N_INT, tk);
        if (x)
            x->ival = tk->ival;
        return x;
    }
    case PR_T_STR:
        return parse_strings(P);
    case PR_T_NAME: {
        if (is_kw(tk, "None") || is_kw(tk, "True") || is_kw(tk, "False")) {
            next_tok(P);
            return new_node(P,
                            tk->p[0] == 'N'   ? PR_N_NONE
                            : tk->p[0] == 'T' ? PR_N_TRUE
                                              : PR_N_FALSE,
                            tk);
        }
        if (is_kw(tk, "await") || is_kw(tk, "yield"))
            return unsupported(P, tk, is_kw(tk, "await") ? "await" : "yield");
        if (is_keyword(tk))
            return fail_at(P, tk, "syntax error: unexpected keyword %s",
                           tok_desc(tk, buf, sizeof buf));
        next_tok(P);
        pr_node *x = new_node(P, PR_N_NAME, tk);
        if (x)
            x->name = intern_tok(P, tk);
        return x;
    }
    case PR_T_OP:
        if (tk->aug)
            break;
        if (tk->op == PR_OP_LPAR) {
            next_tok(P);
            return parse_paren(P, tk);
        }
        if (tk->op == PR_OP_LSQB) {
            next_tok(P);
            return parse_list(P, tk);
        }
        if (tk->op == PR_OP_LBRACE) {
            next_tok(P);
            return parse_dict(P, tk);
        }
        break;
    case PR_T_EOF:
    case PR_T_NEWLINE:
    case PR_T_INDENT:
    case PR_T_DEDENT:
        break;
    }
    return fail_at(P, tk, "syntax error: unexpected %s", tok_desc(tk, buf, sizeof buf));
}

/* {======================== Expressions: trailers and operators ========================} */

static pr_node *
parse_call(parser *P, pr_node *fn, const pr_token *open)
{
    pr_node *c = new_node(P, PR_N_CALL, open);
    if (c == NULL)
        return NULL;
    c->a = fn;
    nlist args = {0};
    bool seen_kw = false;
    while (P->rc == 0 && !is_op(P, PR_OP_RPAR)) {
        pr_token *tk = peek(P);
        if (is_op(P, PR_OP_MUL) || is_op(P, PR_OP_POW)) {
            unsupported(P, tk, tk->op == PR_OP_MUL ? "*args in calls" : "**kwargs in calls");
            break;
        }
        if (tk->kind == PR_T_NAME && peek_at(P, 1)->kind == PR_T_OP &&
            peek_at(P, 1)->op == PR_OP_ASSIGN && !peek_at(P, 1)->aug) {
            next_tok(P);
            next_tok(P);
            pr_node *kw = new_node(P, PR_N_KEYWORD, tk);
            if (kw == NULL)
                break;
            kw->name = intern_tok(P, tk);
            kw->a = parse_test(P);
            nl_push(P, &args, kw);
            seen_kw = true;
        } else {
            pr_node *x = parse_test(P);
            if (x == NULL)
                break;
            if (seen_kw) {
                fail_at(P, tk, "syntax error: positional argument follows keyword argument");
                break;
            }
            if (is_kw(peek(P), "for")) {
                x = parse_comp_tail(P, x, tk, true);
                if (x == NULL)
                    break;
            }
            nl_push(P, &args, x);
        }
        if (!accept_op(P, PR_OP_COMMA))
            break;
    }
    nl_finish(P, &args, c);
    if (P->rc || !expect_op(P, PR_OP_RPAR, ")"))
        return NULL;
    return c;
}

static pr_node *
parse_atom_expr(parser *P)
{
    pr_node *x = parse_atom(P);
    while (x && P->rc == 0) {
        pr_token *tk = peek(P);
        if (accept_op(P, PR_OP_LPAR)) {
            x = parse_call(P, x, tk);
        } else if (accept_op(P, PR_OP_LSQB)) {
            pr_node *s = new_node(P, PR_N_SUBSCR, tk);
            if (s == NULL)
                return NULL;
            s->a = x;
            s->b = is_op(P, PR_OP_COLON) ? NULL : parse_test(P);
            if (P->rc)
                return NULL;
            if (is_op(P, PR_OP_COLON)) {
                pr_node *sl = new_node(P, PR_N_SLICE, peek(P));
                if (sl == NULL)
                    return NULL;
                next_tok(P);
                sl->a = s->b;
                if (!is_op(P, PR_OP_RSQB) && !is_op(P, PR_OP_COLON))
                    sl->b = parse_test(P);
                if (accept_op(P, PR_OP_COLON) && !is_op(P, PR_OP_RSQB))
                    sl->c = parse_test(P);
                if (P->rc)
                    return NULL;
                s->b = sl;
            } else if (s->b && is_op(P, PR_OP_COMMA)) {
                pr_node *t = new_node(P, PR_N_TUPLE, tk);
                nlist items = {0};
                nl_push(P, &items, s->b);
                while (t && P->rc == 0 && accept_op(P, PR_OP_COMMA) && !is_op(P, PR_OP_RSQB))
                    nl_push(P, &items, parse_test(P));
                nl_finish(P, &items, t);
                s->b = t;
            }
            if (P->rc || !expect_op(P, PR_OP_RSQB, "]"))
                return NULL;
            x = s;
        } else if (accept_op(P, PR_OP_DOT)) {
            pr_token *nt = next_tok(P);
            if (nt->kind != PR_T_NAME)
                return fail_at(P, nt, "syntax error: expected an attribute name after '.'");
            pr_node *a = new_node(P, PR_N_ATTR, nt);
            if (a == NULL)
                return NULL;
            a->a = x;
            a->name = intern_tok(P, nt);
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
    pr_node *b = new_node(P, PR_N_BINOP, at);
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
    pr_token *tk = peek(P);
    if (x && accept_op(P, PR_OP_POW)) {
        if (!enter(P))
            return NULL;
        pr_node *r = parse_factor(P);
        leave(P);
        return binop(P, tk, PR_OP_POW, x, r);
    }
    return x;
}

static pr_node *
parse_factor(parser *P)
{
    pr_token *tk = peek(P);
    if (tk->kind == PR_T_OP && !tk->aug &&
        (tk->op == PR_OP_SUB || tk->op == PR_OP_ADD || tk->op == PR_OP_INVERT)) {
        next_tok(P);
        if (!enter(P))
            return NULL;
        pr_node *operand = parse_factor(P);
        leave(P);
        if (operand == NULL)
            return NULL;
        if (tk->op == PR_OP_SUB && operand->kind == PR_N_INT) {
            operand->ival = -operand->ival; /* constant folding, as CPython does */
            return operand;
        }
        pr_node *u = new_node(P, PR_N_UNARY, tk);
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

static pr_node *
parse_level(parser *P, int level)
{
    if (level == N_LEVELS)
        return parse_factor(P);
    pr_node *x = parse_level(P, level + 1); /* bounded: N_LEVELS deep per parse_test */
    for (;;) {
        pr_token *tk = peek(P);
        bool hit = false;
        for (int k = 0; k < 5 && level_ops[level][k]; k++)
            hit |= tk->kind == PR_T_OP && !tk->aug && tk->op == level_ops[level][k];
        if (!x || !hit)
            break;
        next_tok(P);
        if (tk->op == PR_OP_AT)
            x = unsupported(P, tk, "@ (matrix multiplication)");
        else
            x = binop(P, tk, (pr_op)tk->op, x, parse_level(P, level + 1));
    }
    return x;
}

/* A comparison operator at the cursor (consumed), or PR_OP_NONE. */
static pr_op
comp_op(parser *P)
{
    pr_token *tk = peek(P);
    if (tk->kind == PR_T_OP && !tk->aug &&
        (tk->op == PR_OP_EQ || tk->op == PR_OP_NE || tk->op == PR_OP_LT || tk->op == PR_OP_LE ||
         tk->op == PR_OP_GT || tk->op == PR_OP_GE)) {
        next_tok(P);
        return (pr_op)tk->op;
    }
    if (is_kw(tk, "in")) {
        next_tok(P);
        return PR_OP_IN;
    }
    if (is_kw(tk, "is")) {
        next_tok(P);
        return accept_kw(P, "not") ? PR_OP_ISNOT : PR_OP_IS;
    }
    if (is_kw(tk, "not") && is_kw(peek_at(P, 1), "in")) {
        next_tok(P);
        next_tok(P);
        return PR_OP_NOTIN;
    }
    return PR_OP_NONE;
}

static pr_node *
parse_comparison(parser *P)
{
    pr_token *start = peek(P);
    pr_node *x = parse_level(P, 0);
    if (x == NULL)
        return NULL;
    pr_op op = comp_op(P);
    if (op == PR_OP_NONE)
        return x;
    pr_node *c = new_node(P, PR_N_COMPARE, start);
    nlist items = {0};
    uint8_t ops[64];
    int n_ops = 0;
    nl_push(P, &items, x);
    while (c && P->rc == 0 && op != PR_OP_NONE) {
        if (n_ops == 64) {
            fail_at(P, peek(P), "comparison chain too long");
            break;
        }
        ops[n_ops++] = (uint8_t)op;
        nl_push(P, &items, parse_level(P, 0));
        op = comp_op(P);
    }
    nl_finish(P, &items, c);
    if (P->rc)
        return NULL;
    c->ops = pr_arena_alloc(P->prog, (size_t)n_ops);
    if (c->ops == NULL)
        return oom(P);
    memcpy(c->ops, ops, (size_t)n_ops);
    return c;
}

static pr_node *
parse_not(parser *P)
{
    pr_token *tk = peek(P);
    if (accept_kw(P, "not")) {
        if (!enter(P))
            return NULL;
        pr_node *operand = parse_not(P);
        leave(P);
        pr_node *u = operand ? new_node(P, PR_N_UNARY, tk) : NULL;
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
        pr_token *tk = peek(P);
        if (!x || !accept_kw(P, is_or ? "or" : "and"))
            return x;
        pr_node *r = is_or ? parse_bool(P, false) : parse_not(P);
        pr_node *b = r ? new_node(P, PR_N_BOOLOP, tk) : NULL;
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
static bool parse_params(parser *P, pr_code *code, pr_op end);

static pr_node *
parse_lambda(parser *P, const pr_token *kw)
{
    pr_node *l = new_node(P, PR_N_LAMBDA, kw);
    pr_code *code = pr_arena_alloc(P->prog, sizeof *code);
    if (l == NULL || code == NULL)
        return oom(P);
    code->kind = 2;
    code->line = kw->line;
    code->name = pr_names_intern(&P->prog->names, "<lambda>", 8);
    if (!parse_params(P, code, PR_OP_COLON) || !expect_op(P, PR_OP_COLON, ":"))
        return NULL;
    code->body = parse_test(P);
    l->code = code;
    return code->body ? l : NULL;
}

static pr_node *parse_target_list(parser *P, const char *stop_kw);

/* "for target in iter [if cond]*" (repeated), after the element expression. */
static pr_node *
parse_comp_tail(parser *P, pr_node *elt, const pr_token *at, bool genexp)
{
    pr_node *c = new_node(P, PR_N_LISTCOMP, at);
    pr_code *code = pr_arena_alloc(P->prog, sizeof *code);
    if (c == NULL || code == NULL)
        return oom(P);
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
    while (P->rc == 0 && is_kw(peek(P), "for")) {
        pr_token *ft = next_tok(P);
        pr_node *f = new_node(P, PR_N_COMPFOR, ft);
        if (f == NULL)
            break;
        f->a = parse_target_list(P, "in");
        if (f->a == NULL)
            break;
        if (!accept_kw(P, "in")) {
            fail_at(P, peek(P), "syntax error: expected 'in'");
            break;
        }
        f->b = parse_or_test(P);
        nlist ifs = {0};
        while (P->rc == 0 && accept_kw(P, "if"))
            nl_push(P, &ifs, parse_or_test(P));
        nl_finish(P, &ifs, f);
        nl_push(P, &fors, f);
    }
    if (P->rc == 0 && is_kw(peek(P), "async"))
        unsupported(P, peek(P), "async comprehension");
    nl_finish(P, &fors, c);
    return P->rc ? NULL : c;
}

static pr_node *
parse_test(parser *P)
{
    pr_token *tk = peek(P);
    if (!enter(P))
        return NULL;
    pr_node *r;
    if (accept_kw(P, "lambda")) {
        r = parse_lambda(P, tk);
    } else {
        r = parse_or_test(P);
        pr_token *it = peek(P);
        if (r && accept_kw(P, "if")) {
            pr_node *x = new_node(P, PR_N_IFEXP, it);
            if (x) {
                x->b = r;
                x->a = parse_or_test(P);
                if (x->a && !accept_kw(P, "else"))
                    x = fail_at(P, peek(P),
                                "syntax error: expected 'else' in conditional expression");
                if (x)
                    x->c = parse_test(P);
                if (x && (!x->a || !x->c))
                    x = NULL;
            }
            r = x;
        }
    }
    leave(P);
    return r;
}

/* test (',' test)* [','] -> a tuple when there is a comma. */
static pr_node *
parse_testlist(parser *P)
{
    pr_token *start = peek(P);
    if (is_op(P, PR_OP_MUL))
        return unsupported(P, start, "starred expressions");
    pr_node *x = parse_test(P);
    if (x == NULL || !is_op(P, PR_OP_COMMA))
        return x;
    pr_node *t = new_node(P, PR_N_TUPLE, start);
    nlist items = {0};
    nl_push(P, &items, x);
    while (t && P->rc == 0 && accept_op(P, PR_OP_COMMA)) {
        pr_token *tk = peek(P);
        if (tk->kind == PR_T_NEWLINE ||
            (tk->kind == PR_T_OP && !tk->aug &&
             (tk->op == PR_OP_ASSIGN || tk->op == PR_OP_SEMI || tk->op == PR_OP_RPAR ||
              tk->op == PR_OP_COLON)) ||
            tk->aug || is_kw(tk, "in"))
            break;
        if (is_op(P, PR_OP_MUL)) {
            unsupported(P, tk, "starred expressions");
            break;
        }
        nl_push(P, &items, parse_test(P));
    }
    nl_finish(P, &items, t);
    return P->rc ? NULL : t;
}

/* {======================== Targets ========================} */

/* Check an expression is assignable (name, attribute, subscript, tuple/list of
 * those); `what` names the statement for the error. */
static bool
check_target(parser *P, pr_node *x, const char *what)
{
    if (!enter(P))
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
        fail_at(P, &at, "syntax error: cannot %s this expression", what);
        ok = false;
    }
    }
    leave(P);
    return ok;
}

/* Targets of for / comprehension: stops before `stop_kw`. */
static pr_node *
parse_target_list(parser *P, const char *stop_kw)
{
    pr_token *start = peek(P);
    nlist items = {0};
    bool comma = false;
    while (P->rc == 0) {
        pr_node *x = parse_level(P, 0);
        if (x == NULL)
            break;
        nl_push(P, &items, x);
        if (!accept_op(P, PR_OP_COMMA))
            break;
        comma = true;
        if (is_kw(peek(P), stop_kw))
            break;
    }
    pr_node *r = NULL;
    if (P->rc == 0 && (comma || items.n != 1)) {
        r = new_node(P, PR_N_TUPLE, start);
        nl_finish(P, &items, r);
    } else {
        r = items.n ? items.v[0] : NULL;
        nl_finish(P, &items, NULL);
    }
    if (r && !check_target(P, r, "assign to"))
        return NULL;
    return P->rc ? NULL : r;
}

/* {======================== Simple statements ========================} */

static pr_node *
parse_expr_stmt(parser *P)
{
    pr_token *start = peek(P);
    pr_node *x = parse_testlist(P);
    if (x == NULL)
        return NULL;
    pr_token *tk = peek(P);
    if (tk->kind == PR_T_OP && tk->aug) {
        next_tok(P);
        if (x->kind != PR_N_NAME && x->kind != PR_N_ATTR && x->kind != PR_N_SUBSCR)
            return fail_at(P, start, "syntax error: illegal expression for augmented assignment");
        if (tk->op == PR_OP_DIV)
            return unsupported(P, tk, "/= (true division: floats)");
        pr_node *a = new_node(P, PR_N_AUGASSIGN, tk);
        if (a) {
            a->op = tk->op;
            a->a = x;
            a->b = parse_testlist(P);
        }
        return a && a->b ? a : NULL;
    }
    if (is_op(P, PR_OP_COLON))
        return unsupported(P, peek(P), "annotations");
    if (!is_op(P, PR_OP_ASSIGN)) {
        pr_node *e = new_node(P, PR_N_EXPR_STMT, start);
        if (e)
            e->a = x;
        return e;
    }
    /* a = b = value: targets in v, value in a */
    pr_node *as = new_node(P, PR_N_ASSIGN, start);
    nlist targets = {0};
    pr_node *value = x;
    while (as && P->rc == 0 && accept_op(P, PR_OP_ASSIGN)) {
        if (!check_target(P, value, "assign to"))
            break;
        nl_push(P, &targets, value);
        value = parse_testlist(P);
        if (value == NULL)
            break;
    }
    nl_finish(P, &targets, as);
    if (P->rc)
        return NULL;
    as->a = value;
    return as;
}

static pr_node *
parse_import(parser *P, const pr_token *kw)
{
    pr_node *imp = new_node(P, PR_N_IMPORT, kw);
    nlist names = {0};
    while (imp && P->rc == 0) {
        pr_token *nt = next_tok(P);
        if (nt->kind != PR_T_NAME) {
            fail_at(P, nt, "syntax error: expected a module name");
            break;
        }
        if (is_op(P, PR_OP_DOT)) {
            unsupported(P, nt, "import of dotted module names");
            break;
        }
        bool known = is_kw(nt, "gc") || is_kw(nt, "sys") || is_kw(nt, "weakref");
        if (!known) {
            fail_at(P, nt, "'import %.*s' is not supported by gcscope run (only gc, sys, weakref)",
                    (int)nt->len, nt->p);
            break;
        }
        pr_node *n = new_node(P, PR_N_NAME, nt);
        if (n == NULL)
            break;
        n->name = intern_tok(P, nt);
        if (is_kw(peek(P), "as")) {
            unsupported(P, peek(P), "import ... as");
            break;
        }
        nl_push(P, &names, n);
        if (!accept_op(P, PR_OP_COMMA))
            break;
    }
    nl_finish(P, &names, imp);
    return P->rc ? NULL : imp;
}

static pr_node *
parse_small_stmt(parser *P)
{
    pr_token *tk = peek(P);
    pr_node *s;
    if (accept_kw(P, "pass"))
        return new_node(P, PR_N_PASS, tk);
    if (accept_kw(P, "break"))
        return new_node(P, PR_N_BREAK, tk);
    if (accept_kw(P, "continue"))
        return new_node(P, PR_N_CONTINUE, tk);
    if (accept_kw(P, "return")) {
        s = new_node(P, PR_N_RETURN, tk);
        pr_token *nt = peek(P);
        if (s && nt->kind != PR_T_NEWLINE && !(nt->kind == PR_T_OP && nt->op == PR_OP_SEMI))
            s->a = parse_testlist(P);
        return P->rc ? NULL : s;
    }
    if (accept_kw(P, "raise")) {
        s = new_node(P, PR_N_RAISE, tk);
        pr_token *nt = peek(P);
        if (s && nt->kind != PR_T_NEWLINE && !(nt->kind == PR_T_OP && nt->op == PR_OP_SEMI))
            s->a = parse_test(P);
        if (s && is_kw(peek(P), "from"))
            return unsupported(P, peek(P), "raise ... from");
        return P->rc ? NULL : s;
    }
    if (accept_kw(P, "global")) {
        s = new_node(P, PR_N_GLOBAL, tk);
        nlist names = {0};
        while (s && P->rc == 0) {
            pr_token *nt = next_tok(P);
            if (nt->kind != PR_T_NAME || is_keyword(nt)) {
                fail_at(P, nt, "syntax error: expected a name after 'global'");
                break;
            }
            pr_node *n = new_node(P, PR_N_NAME, nt);
            if (n)
                n->name = intern_tok(P, nt);
            nl_push(P, &names, n);
            if (!accept_op(P, PR_OP_COMMA))
                break;
        }
        nl_finish(P, &names, s);
        return P->rc ? NULL : s;
    }
    if (accept_kw(P, "del")) {
        s = new_node(P, PR_N_DEL, tk);
        pr_node *t = parse_testlist(P);
        if (t == NULL || !check_target(P, t, "delete"))
            return NULL;
        s->a = t;
        return s;
    }
    if (accept_kw(P, "assert")) {
        s = new_node(P, PR_N_ASSERT, tk);
        if (s)
            s->a = parse_test(P);
        if (s && s->a && accept_op(P, PR_OP_COMMA))
            s->b = parse_test(P);
        return P->rc ? NULL : s;
    }
    if (accept_kw(P, "import"))
        return parse_import(P, tk);
    if (is_kw(tk, "from"))
        return unsupported(P, tk, "from ... import");
    if (is_kw(tk, "nonlocal"))
        return unsupported(P, tk, "nonlocal");
    if (is_kw(tk, "yield"))
        return unsupported(P, tk, "yield");
    if (is_kw(tk, "await"))
        return unsupported(P, tk, "await");
    return parse_expr_stmt(P);
}

/* small_stmt (';' small_stmt)* [';'] NEWLINE */
static pr_node *
parse_simple_stmts(parser *P, nlist *out)
{
    pr_node *last = NULL;
    for (;;) {
        last = parse_small_stmt(P);
        if (last == NULL || !nl_push(P, out, last))
            return NULL;
        if (!accept_op(P, PR_OP_SEMI))
            break;
        if (peek(P)->kind == PR_T_NEWLINE)
            break;
    }
    pr_token *tk = peek(P);
    if (tk->kind != PR_T_NEWLINE) {
        char buf[40];
        return fail_at(P, tk, "syntax error: unexpected %s", tok_desc(tk, buf, sizeof buf));
    }
    next_tok(P);
    return last;
}

/* {======================== Compound statements ========================} */

static pr_node *
parse_if(parser *P, const pr_token *kw)
{
    pr_node *s = new_node(P, PR_N_IF, kw);
    if (s == NULL || (s->a = parse_test(P)) == NULL || (s->b = parse_block(P)) == NULL)
        return NULL;
    pr_token *tk = peek(P);
    if (accept_kw(P, "elif")) {
        if (!enter(P))
            return NULL;
        s->c = parse_if(P, tk);
        leave(P);
        if (s->c == NULL)
            return NULL;
    } else if (accept_kw(P, "else")) {
        if ((s->c = parse_block(P)) == NULL)
            return NULL;
    }
    return s;
}

static pr_node *
parse_while(parser *P, const pr_token *kw)
{
    pr_node *s = new_node(P, PR_N_WHILE, kw);
    if (s == NULL || (s->a = parse_test(P)) == NULL || (s->b = parse_block(P)) == NULL)
        return NULL;
    if (accept_kw(P, "else") && (s->c = parse_block(P)) == NULL)
        return NULL;
    return s;
}

static pr_node *
parse_for(parser *P, const pr_token *kw)
{
    pr_node *s = new_node(P, PR_N_FOR, kw);
    if (s == NULL || (s->a = parse_target_list(P, "in")) == NULL)
        return NULL;
    if (!accept_kw(P, "in"))
        return fail_at(P, peek(P), "syntax error: expected 'in'");
    if ((s->b = parse_testlist(P)) == NULL || (s->d = parse_block(P)) == NULL)
        return NULL;
    if (accept_kw(P, "else") && (s->c = parse_block(P)) == NULL)
        return NULL;
    return s;
}

static bool
parse_params(parser *P, pr_code *code, pr_op end)
{
    int names[64];
    pr_node *defs[64];
    int n = 0, n_def = 0;
    while (P->rc == 0 && !is_op(P, end)) {
        pr_token *tk = peek(P);
        if (is_op(P, PR_OP_MUL) || is_op(P, PR_OP_POW)) {
            unsupported(P, tk,
                        tk->op == PR_OP_MUL ? "*args / keyword-only parameters"
                                            : "**kwargs parameters");
            return false;
        }
        if (is_op(P, PR_OP_DIV)) {
            unsupported(P, tk, "positional-only parameters (/)");
            return false;
        }
        if (tk->kind != PR_T_NAME || is_keyword(tk)) {
            char buf[40];
            fail_at(P, tk, "syntax error: expected a parameter name, found %s",
                    tok_desc(tk, buf, sizeof buf));
            return false;
        }
        next_tok(P);
        if (n == 64) {
            fail_at(P, tk, "too many parameters (limit 64)");
            return false;
        }
        names[n] = intern_tok(P, tk);
        for (int k = 0; k < n; k++)
            if (names[k] == names[n]) {
                fail_at(P, tk, "syntax error: duplicate argument '%.*s' in function definition",
                        (int)tk->len, tk->p);
                return false;
            }
        if (is_op(P, PR_OP_COLON) && end != PR_OP_COLON) {
            unsupported(P, peek(P), "annotations");
            return false;
        }
        if (accept_op(P, PR_OP_ASSIGN)) {
            defs[n_def++] = parse_test(P);
            if (P->rc)
                return false;
        } else if (n_def > 0) {
            fail_at(P, tk, "syntax error: non-default argument follows default argument");
            return false;
        }
        n++;
        if (!accept_op(P, PR_OP_COMMA))
            break;
    }
    if (P->rc)
        return false;
    code->n_params = n;
    code->n_defaults = n_def;
    code->local_names = pr_arena_alloc(P->prog, (size_t)(n ? n : 1) * sizeof(int));
    code->defaults = pr_arena_alloc(P->prog, (size_t)(n_def ? n_def : 1) * sizeof(pr_node *));
    if (code->local_names == NULL || code->defaults == NULL) {
        oom(P);
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
    pr_token *nt = next_tok(P);
    if (nt->kind != PR_T_NAME || is_keyword(nt))
        return fail_at(P, nt, "syntax error: expected a function name after 'def'");
    pr_node *d = new_node(P, PR_N_DEF, kw);
    pr_code *code = pr_arena_alloc(P->prog, sizeof *code);
    if (d == NULL || code == NULL)
        return oom(P);
    d->name = intern_tok(P, nt);
    code->name = d->name;
    code->kind = 1;
    code->line = kw->line;
    d->code = code;
    if (!expect_op(P, PR_OP_LPAR, "(") || !parse_params(P, code, PR_OP_RPAR) ||
        !expect_op(P, PR_OP_RPAR, ")"))
        return NULL;
    if (is_op(P, PR_OP_ARROW))
        return unsupported(P, peek(P), "return annotations");
    code->body = parse_block(P);
    return code->body ? d : NULL;
}

static pr_node *
parse_class(parser *P, const pr_token *kw)
{
    pr_token *nt = next_tok(P);
    if (nt->kind != PR_T_NAME || is_keyword(nt))
        return fail_at(P, nt, "syntax error: expected a class name after 'class'");
    pr_node *c = new_node(P, PR_N_CLASS, kw);
    if (c == NULL)
        return NULL;
    c->name = intern_tok(P, nt);
    if (accept_op(P, PR_OP_LPAR)) {
        if (!is_op(P, PR_OP_RPAR)) {
            c->a = parse_test(P);
            if (c->a == NULL)
                return NULL;
            if (is_op(P, PR_OP_COMMA) && peek_at(P, 1)->op != PR_OP_RPAR)
                return unsupported(P, peek(P), "multiple inheritance");
            accept_op(P, PR_OP_COMMA);
            if (peek(P)->kind == PR_T_NAME && peek_at(P, 1)->op == PR_OP_ASSIGN)
                return unsupported(P, peek(P), "class keyword arguments (metaclass=...)");
        }
        if (!expect_op(P, PR_OP_RPAR, ")"))
            return NULL;
    }
    c->b = parse_block(P);
    return c->b ? c : NULL;
}

static pr_node *
parse_try(parser *P, const pr_token *kw)
{
    pr_node *t = new_node(P, PR_N_TRY, kw);
    if (t == NULL || (t->a = parse_block(P)) == NULL)
        return NULL;
    nlist handlers = {0};
    bool bare_seen = false;
    while (P->rc == 0 && is_kw(peek(P), "except")) {
        pr_token *ek = next_tok(P);
        if (is_op(P, PR_OP_MUL)) {
            unsupported(P, peek(P), "except*");
            break;
        }
        pr_node *h = new_node(P, PR_N_HANDLER, ek);
        if (h == NULL)
            break;
        if (bare_seen) {
            fail_at(P, ek, "syntax error: default 'except:' must be last");
            break;
        }
        if (!is_op(P, PR_OP_COLON)) {
            h->a = parse_test(P);
            if (h->a == NULL)
                break;
            if (accept_kw(P, "as")) {
                pr_token *an = next_tok(P);
                if (an->kind != PR_T_NAME || is_keyword(an)) {
                    fail_at(P, an, "syntax error: expected a name after 'as'");
                    break;
                }
                h->name = intern_tok(P, an);
            }
        } else {
            bare_seen = true;
        }
        if ((h->b = parse_block(P)) == NULL)
            break;
        nl_push(P, &handlers, h);
    }
    nl_finish(P, &handlers, t);
    if (P->rc)
        return NULL;
    if (t->n > 0 && accept_kw(P, "else") && (t->c = parse_block(P)) == NULL)
        return NULL;
    if (accept_kw(P, "finally") && (t->d = parse_block(P)) == NULL)
        return NULL;
    if (t->n == 0 && t->d == NULL)
        return fail_at(P, peek(P), "syntax error: expected 'except' or 'finally' block");
    return t;
}

/* ':' then a simple statement list on the same line, or an indented block. */
static pr_node *
parse_block(parser *P)
{
    if (!expect_op(P, PR_OP_COLON, ":"))
        return NULL;
    pr_token *tk = peek(P);
    pr_node *b = new_node(P, PR_N_BLOCK, tk);
    if (b == NULL || !enter(P))
        return NULL;
    nlist body = {0};
    if (tk->kind != PR_T_NEWLINE) {
        parse_simple_stmts(P, &body);
    } else {
        next_tok(P);
        if (peek(P)->kind != PR_T_INDENT) {
            fail_at(P, peek(P), "syntax error: expected an indented block");
        } else {
            next_tok(P);
            while (P->rc == 0 && peek(P)->kind != PR_T_DEDENT && peek(P)->kind != PR_T_EOF)
                parse_stmt_into(P, &body);
            if (P->rc == 0)
                next_tok(P);
        }
    }
    nl_finish(P, &body, b);
    leave(P);
    return P->rc ? NULL : b;
}

/* One statement (compound, or a line of simple ones) appended to `out`. */
static pr_node *
parse_stmt_into(parser *P, nlist *out)
{
    pr_token *tk = peek(P);
    pr_node *s = NULL;
    if (tk->kind == PR_T_INDENT)
        return fail_at(P, tk, "syntax error: unexpected indent");
    if (tk->kind == PR_T_OP && tk->op == PR_OP_AT && !tk->aug)
        return unsupported(P, tk, "decorators");
    if (is_kw(tk, "async")) {
        pr_token *nt = peek_at(P, 1);
        return unsupported(P, tk,
                           is_kw(nt, "def")    ? "async def"
                           : is_kw(nt, "for")  ? "async for"
                           : is_kw(nt, "with") ? "async with"
                                               : "async");
    }
    if (is_kw(tk, "with"))
        return unsupported(P, tk, "with");
    if (is_kw(tk, "match") && peek_at(P, 1)->kind == PR_T_NAME && peek_at(P, 2)->op == PR_OP_COLON)
        return unsupported(P, tk, "match");
    if (accept_kw(P, "if"))
        s = parse_if(P, tk);
    else if (accept_kw(P, "while"))
        s = parse_while(P, tk);
    else if (accept_kw(P, "for"))
        s = parse_for(P, tk);
    else if (accept_kw(P, "def"))
        s = parse_def(P, tk);
    else if (accept_kw(P, "class"))
        s = parse_class(P, tk);
    else if (accept_kw(P, "try"))
        s = parse_try(P, tk);
    else
        return parse_simple_stmts(P, out);
    if (s)
        nl_push(P, out, s);
    return s;
}

/* {======================== Entry point ========================} */

static int
split_lines(pr_program *prog, const char *src)
{
    int n = 1;
    for (const char *q = src; *q; q++)
        n += *q == '\n';
    prog->lines = calloc((size_t)n, sizeof *prog->lines);
    if (prog->lines == NULL)
        return GCS_ENOMEM;
    const char *q = src;
    for (int i = 0; i < n; i++) {
        const char *e = strchr(q, '\n');
        size_t len = e ? (size_t)(e - q) : strlen(q);
        prog->lines[i] = malloc(len + 1);
        if (prog->lines[i] == NULL)
            return GCS_ENOMEM;
        memcpy(prog->lines[i], q, len);
        prog->lines[i][len] = '\0';
        prog->n_lines = i + 1;
        q = e ? e + 1 : q + len;
    }
    return 0;
}

int
pr_parse(const char *src, const char *path, pr_program **out, pr_error *err)
{
    *out = NULL;
    memset(err, 0, sizeof *err);
    pr_program *prog = calloc(1, sizeof *prog);
    if (prog == NULL)
        return GCS_ENOMEM;
    pr_names_init(&prog->names);
    prog->path = strdup(path ? path : "<string>");
    if (prog->path == NULL || split_lines(prog, src)) {
        pr_program_free(prog);
        return GCS_ENOMEM;
    }
    pr_tokens toks;
    int rc = pr_lex(src, &toks, err);
    if (rc) {
        pr_program_free(prog);
        return rc;
    }
    parser P = {.prog = prog, .t = toks.v, .n = toks.n, .err = err};
    pr_node *m = new_node(&P, PR_N_MODULE, &toks.v[0]);
    nlist body = {0};
    while (P.rc == 0 && peek(&P)->kind != PR_T_EOF)
        parse_stmt_into(&P, &body);
    nl_finish(&P, &body, m);
    pr_tokens_free(&toks);
    rc = P.rc;
    if (rc == 0) {
        prog->module = m;
        rc = pr_resolve(prog, err);
    }
    if (rc) {
        pr_program_free(prog);
        return rc;
    }
    *out = prog;
    return 0;
}
