/* src/pyrun/pr_parse.c — recursive-descent parser for the Python subset:
 * the arena, the parser's token helpers and errors, and the entry point.
 *
 * pr_parse() = pr_lex() + statements (pr_parse_stmt.c) and expressions
 * (pr_parse_expr.c) + resolve (pr_scope.c). Every construct outside the subset
 * is refused with "<file>:<line>:<col>: '<what>' is not supported by gcscope
 * run"; every recursive function passes through pr_p_enter(), which bounds
 * nesting at PR_MAX_NESTING so no input can overflow the C stack. Start
 * reading at pr_parse(), then pr_parse_stmt_into().
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "pr_parse_int.h"

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

pr_token *
pr_p_peek(parser *P)
{
    return &P->t[P->i];
}

pr_token *
pr_p_peek_at(parser *P, size_t k)
{
    size_t j = P->i + k;
    return &P->t[j < P->n ? j : P->n - 1];
}

pr_token *
pr_p_next_tok(parser *P)
{
    pr_token *tk = &P->t[P->i];
    if (P->i + 1 < P->n)
        P->i++;
    return tk;
}

int
pr_p_tok_line(parser *P, const pr_token *tk)
{
    return P->line_off ? P->line_off : tk->line;
}

int
pr_p_tok_col(parser *P, const pr_token *tk)
{
    return P->line_off ? P->col_off : tk->col;
}

pr_node *
pr_p_fail_at(parser *P, const pr_token *tk, const char *fmt, ...)
{
    if (P->rc == 0) {
        P->rc = GCS_EFORMAT;
        P->err->line = pr_p_tok_line(P, tk);
        P->err->col = pr_p_tok_col(P, tk);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(P->err->msg, sizeof P->err->msg, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

pr_node *
pr_p_unsupported(parser *P, const pr_token *tk, const char *what)
{
    return pr_p_fail_at(P, tk, "'%s' is not supported by gcscope run", what);
}

pr_node *
pr_p_oom(parser *P)
{
    if (P->rc == 0) {
        P->rc = GCS_ENOMEM;
        snprintf(P->err->msg, sizeof P->err->msg, "out of memory");
    }
    return NULL;
}

bool
pr_p_enter(parser *P)
{
    if (++P->depth > PR_MAX_NESTING) {
        pr_p_fail_at(P, pr_p_peek(P), "too deeply nested (limit %d levels)", PR_MAX_NESTING);
        return false;
    }
    return true;
}

void
pr_p_leave(parser *P)
{
    P->depth--;
}

bool
pr_p_is_op(parser *P, pr_op op)
{
    pr_token *tk = pr_p_peek(P);
    return tk->kind == PR_T_OP && tk->op == op && !tk->aug;
}

bool
pr_p_is_kw(const pr_token *tk, const char *kw)
{
    return tk->kind == PR_T_NAME && tk->len == strlen(kw) && memcmp(tk->p, kw, tk->len) == 0;
}

bool
pr_p_accept_op(parser *P, pr_op op)
{
    if (!pr_p_is_op(P, op))
        return false;
    pr_p_next_tok(P);
    return true;
}

bool
pr_p_accept_kw(parser *P, const char *kw)
{
    if (!pr_p_is_kw(pr_p_peek(P), kw))
        return false;
    pr_p_next_tok(P);
    return true;
}

const char *
pr_p_tok_desc(const pr_token *tk, char *buf, size_t n)
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

bool
pr_p_expect_op(parser *P, pr_op op, const char *spelling)
{
    if (pr_p_accept_op(P, op))
        return true;
    char buf[40];
    pr_p_fail_at(P, pr_p_peek(P), "syntax error: expected '%s', found %s", spelling,
                 pr_p_tok_desc(pr_p_peek(P), buf, sizeof buf));
    return false;
}

static const char *const keywords[] = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};

bool
pr_p_is_keyword(const pr_token *tk)
{
    if (tk->kind != PR_T_NAME)
        return false;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (pr_p_is_kw(tk, keywords[i]))
            return true;
    return false;
}

pr_node *
pr_p_new_node(parser *P, pr_nk kind, const pr_token *at)
{
    pr_node *n = pr_arena_alloc(P->prog, sizeof *n);
    if (n == NULL)
        return pr_p_oom(P);
    n->kind = (uint16_t)kind;
    n->line = pr_p_tok_line(P, at);
    n->col = pr_p_tok_col(P, at);
    n->name = -1;
    n->slot = -1;
    return n;
}

int
pr_p_intern_tok(parser *P, const pr_token *tk)
{
    int id = pr_names_intern(&P->prog->names, tk->p, tk->len);
    if (id < 0)
        pr_p_oom(P);
    return id;
}

bool
pr_p_nl_push(parser *P, nlist *l, pr_node *x)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        pr_node **nv = realloc(l->v, (size_t)cap * sizeof *nv);
        if (nv == NULL) {
            pr_p_oom(P);
            return false;
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return true;
}

/* Move the list into node `dst` (v, n). */
void
pr_p_nl_finish(parser *P, nlist *l, pr_node *dst)
{
    if (dst && l->n > 0) {
        dst->v = pr_arena_alloc(P->prog, (size_t)l->n * sizeof *dst->v);
        if (dst->v == NULL)
            pr_p_oom(P);
        else
            memcpy(dst->v, l->v, (size_t)l->n * sizeof *dst->v);
        dst->n = dst->v ? l->n : 0;
    }
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
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
    pr_node *m = pr_p_new_node(&P, PR_N_MODULE, &toks.v[0]);
    nlist body = {0};
    while (P.rc == 0 && pr_p_peek(&P)->kind != PR_T_EOF)
        pr_parse_stmt_into(&P, &body);
    pr_p_nl_finish(&P, &body, m);
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
