/* src/pyrun/pr_parse_int.h — what the parser's three files share
 * (pr_parse.c: state, tokens, errors, entry; pr_parse_expr.c: expressions;
 * pr_parse_stmt.c: statements). Every parse function returns a node in the
 * program's arena, or NULL with the first error recorded in the parser
 * (P->rc, P->err: sticky, the first error wins).
 */
#ifndef GCS_PR_PARSE_INT_H
#define GCS_PR_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "pr_int.h"

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

/* Growable node list built on the heap, then copied into the arena. */
typedef struct nlist {
    pr_node **v;
    int n, cap;
} nlist;

/* {==== pr_parse.c: tokens, errors, nesting, nodes ====} */
pr_token *pr_p_peek(parser *P);
pr_token *pr_p_peek_at(parser *P, size_t k);
pr_token *pr_p_next_tok(parser *P);
int pr_p_tok_line(parser *P, const pr_token *tk);
int pr_p_tok_col(parser *P, const pr_token *tk);
pr_node *pr_p_fail_at(parser *P, const pr_token *tk, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
pr_node *pr_p_unsupported(parser *P, const pr_token *tk, const char *what);
pr_node *pr_p_oom(parser *P);
bool pr_p_enter(parser *P);
void pr_p_leave(parser *P);
bool pr_p_is_op(parser *P, pr_op op);
bool pr_p_is_kw(const pr_token *tk, const char *kw);
bool pr_p_accept_op(parser *P, pr_op op);
bool pr_p_accept_kw(parser *P, const char *kw);
const char *pr_p_tok_desc(const pr_token *tk, char *buf, size_t n);
bool pr_p_expect_op(parser *P, pr_op op, const char *spelling);
bool pr_p_is_keyword(const pr_token *tk);
pr_node *pr_p_new_node(parser *P, pr_nk kind, const pr_token *at);
int pr_p_intern_tok(parser *P, const pr_token *tk);
bool pr_p_nl_push(parser *P, nlist *l, pr_node *x);
void pr_p_nl_finish(parser *P, nlist *l, pr_node *dst);

/* {==== pr_parse_expr.c ====} */
pr_node *pr_parse_level(parser *P, int level);
pr_node *pr_parse_test(parser *P);
pr_node *pr_parse_testlist(parser *P);

/* {==== pr_parse_stmt.c ====} */
pr_node *pr_parse_target_list(parser *P, const char *stop_kw);
bool pr_parse_params(parser *P, pr_code *code, pr_op end);
pr_node *pr_parse_stmt_into(parser *P, nlist *out);

#endif
