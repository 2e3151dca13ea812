/* src/pyrun/pr_lex.c — tokenizer for the Python subset of `gcscope run`.
 *
 * pr_lex() produces the whole token array at once, resolving indentation into
 * INDENT/DEDENT tokens and dropping newlines inside brackets, as Python's
 * tokenizer does. String literals are decoded here (escapes, triple quotes);
 * f-strings keep their raw text and are split into fields by the parser.
 * Also: the interned-name table (pr_names_*), shared by lexer users.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "pr_ast.h"

/* {======================== Names ========================} */

static uint32_t
hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

void
pr_names_init(pr_names *t)
{
    memset(t, 0, sizeof *t);
}

void
pr_names_fini(pr_names *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->str[i]);
    free(t->str);
    free(t->hash);
    free(t->table);
    memset(t, 0, sizeof *t);
}

static int
names_rehash(pr_names *t, int cap)
{
    int *tab = calloc((size_t)cap, sizeof *tab);
    if (tab == NULL)
        return -1;
    for (int id = 0; id < t->n; id++) {
        int i = (int)(t->hash[id] & (uint32_t)(cap - 1));
        while (tab[i])
            i = (i + 1) & (cap - 1);
        tab[i] = id + 1;
    }
    free(t->table);
    t->table = tab;
    t->table_cap = cap;
    return 0;
}

static int
names_lookup(const pr_names *t, const char *s, size_t n, uint32_t h)
{
    if (t->table_cap == 0)
        return -1;
    int i = (int)(h & (uint32_t)(t->table_cap - 1));
    while (t->table[i]) {
        int id = t->table[i] - 1;
        if (t->hash[id] == h && strncmp(t->str[id], s, n) == 0 && t->str[id][n] == '\0')
            return id;
        i = (i + 1) & (t->table_cap - 1);
    }
    return -1;
}

int
pr_names_find(const pr_names *t, const char *s)
{
    size_t n = strlen(s);
    return names_lookup(t, s, n, hash_bytes(s, n));
}

int
pr_names_intern(pr_names *t, const char *s, size_t n)
{
    uint32_t h = hash_bytes(s, n);
    int id = names_lookup(t, s, n, h);
    if (id >= 0)
        return id;
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 64;
        char **ns = realloc(t->str, (size_t)cap * sizeof *ns);
        if (ns == NULL)
            return -1;
        t->str = ns;
        uint32_t *nh = realloc(t->hash, (size_t)cap * sizeof *nh);
        if (nh == NULL)
            return -1;
        t->hash = nh;
        t->cap = cap;
    }
    if ((t->n + 1) * 2 > t->table_cap && names_rehash(t, t->table_cap ? t->table_cap * 2 : 128))
        return -1;
    char *copy = malloc(n + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, s, n);
    copy[n] = '\0';
    id = t->n++;
    t->str[id] = copy;
    t->hash[id] = h;
    int i = (int)(h & (uint32_t)(t->table_cap - 1));
    while (t->table[i])
        i = (i + 1) & (t->table_cap - 1);
    t->table[i] = id + 1;
    return id;
}

/* {======================== Lexer state ========================} */

typedef struct lexer {
    const char *src, *p;
    int line;
    const char *line_start;
    int indents[PR_MAX_NESTING + 1];
    int n_indents;
    int depth; /* bracket depth */
    pr_tokens *out;
    pr_error *err;
} lexer;

static int
lex_error(lexer *L, const char *at, const char *fmt, const char *arg)
{
    L->err->line = L->line;
    L->err->col = (int)(at - L->line_start) + 1;
    snprintf(L->err->msg, sizeof L->err->msg, fmt, arg ? arg : "");
    return GCS_EFORMAT;
}

static pr_token *
push_tok(lexer *L, pr_tok_kind kind, const char *at, size_t len)
{
    pr_tokens *t = L->out;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        pr_token *nv = realloc(t->v, cap * sizeof *nv);
        if (nv == NULL)
            return NULL;
        t->v = nv;
        t->cap = cap;
    }
    pr_token *tk = &t->v[t->n++];
    memset(tk, 0, sizeof *tk);
    tk->kind = (uint8_t)kind;
    tk->line = L->line;
    tk->col = (int)(at - L->line_start) + 1;
    tk->p = at;
    tk->len = len;
    return tk;
}

void
pr_tokens_free(pr_tokens *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].sval);
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* {======================== Operators ========================} */

typedef struct op_spell {
    const char *s;
    uint8_t op;
    uint8_t aug;
} op_spell;

/* Longest spellings first. */
static const op_spell op_table[] = {
    {"**=", PR_OP_POW, 1},     {"//=", PR_OP_FLOORDIV, 1}, {"<<=", PR_OP_LSHIFT, 1},
    {">>=", PR_OP_RSHIFT, 1},  {"...", PR_OP_NONE, 0},     {"**", PR_OP_POW, 0},
    {"//", PR_OP_FLOORDIV, 0}, {"<<", PR_OP_LSHIFT, 0},    {">>", PR_OP_RSHIFT, 0},
    {"==", PR_OP_EQ, 0},       {"!=", PR_OP_NE, 0},        {"<=", PR_OP_LE, 0},
    {">=", PR_OP_GE, 0},       {"->", PR_OP_ARROW, 0},     {"+=", PR_OP_ADD, 1},
    {"-=", PR_OP_SUB, 1},      {"*=", PR_OP_MUL, 1},       {"/=", PR_OP_DIV, 1},
    {"%=", PR_OP_MOD, 1},      {"&=", PR_OP_BITAND, 1},    {"|=", PR_OP_BITOR, 1},
    {"^=", PR_OP_BITXOR, 1},   {":=", PR_OP_NONE, 0},      {"@=", PR_OP_NONE, 0},
    {"(", PR_OP_LPAR, 0},      {")", PR_OP_RPAR, 0},       {"[", PR_OP_LSQB, 0},
    {"]", PR_OP_RSQB, 0},      {"{", PR_OP_LBRACE, 0},     {"}", PR_OP_RBRACE, 0},
    {",", PR_OP_COMMA, 0},     {":", PR_OP_COLON, 0},      {".", PR_OP_DOT, 0},
    {";", PR_OP_SEMI, 0},      {"=", PR_OP_ASSIGN, 0},     {"@", PR_OP_AT, 0},
    {"+", PR_OP_ADD, 0},       {"-", PR_OP_SUB, 0},        {"*", PR_OP_MUL, 0},
    {"/", PR_OP_DIV, 0},       {"%", PR_OP_MOD, 0},        {"&", PR_OP_BITAND, 0},
    {"|", PR_OP_BITOR, 0},     {"^", PR_OP_BITXOR, 0},     {"~", PR_OP_INVERT, 0},
    {"<", PR_OP_LT, 0},        {">", PR_OP_GT, 0},
};

static int
lex_op(lexer *L)
{
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++) {
        size_t n = strlen(op_table[i].s);
        if (strncmp(L->p, op_table[i].s, n) != 0)
            continue;
        if (op_table[i].op == PR_OP_NONE)
            return lex_error(L, L->p, "'%s' is not supported by gcscope run", op_table[i].s);
        pr_token *tk = push_tok(L, PR_T_OP, L->p, n);
        if (tk == NULL)
            return GCS_ENOMEM;
        tk->op = op_table[i].op;
        tk->aug = op_table[i].aug;
        if (tk->op == PR_OP_LPAR || tk->op == PR_OP_LSQB || tk->op == PR_OP_LBRACE) {
            if (++L->depth > PR_MAX_NESTING)
                return lex_error(L, L->p, "too many nested brackets (limit %s)", "200");
        } else if (tk->op == PR_OP_RPAR || tk->op == PR_OP_RSQB || tk->op == PR_OP_RBRACE) {
            if (L->depth > 0)
                L->depth--;
        }
        L->p += n;
        return 0;
    }
    char c[2] = {*L->p, 0};
    return lex_error(L, L->p, "invalid character '%s'", c);
}

/* {======================== Numbers and strings ========================} */

static int
lex_number(lexer *L)
{
    const char *s = L->p, *q = s;
    int64_t v = 0;
    int base = 10;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
        base = 16;
        q += 2;
    } else if (q[0] == '0' && (q[1] == 'b' || q[1] == 'B')) {
        base = 2;
        q += 2;
    } else if (q[0] == '0' && (q[1] == 'o' || q[1] == 'O')) {
        base = 8;
        q += 2;
    }
    for (;; q++) {
        int d;
        if (*q == '_')
            continue;
        if (isdigit((unsigned char)*q))
            d = *q - '0';
        else if (base == 16 && isxdigit((unsigned char)*q))
            d = tolower((unsigned char)*q) - 'a' + 10;
        else
            break;
        if (d >= base)
            return lex_error(L, s, "invalid digit in number literal%s", "");
        if (v > (INT64_MAX - d) / base)
            return lex_error(L, s, "integer literal too large for gcscope run (64-bit ints)%s", "");
        v = v * base + d;
    }
    if (*q == '.' || *q == 'e' || *q == 'E' || *q == 'j' || *q == 'J')
        return lex_error(L, s, "float and complex literals are not supported by gcscope run%s", "");
    if (isalpha((unsigned char)*q))
        return lex_error(L, q, "invalid number literal%s", "");
    pr_token *tk = push_tok(L, PR_T_INT, s, (size_t)(q - s));
    if (tk == NULL)
        return GCS_ENOMEM;
    tk->ival = v;
    L->p = q;
    return 0;
}

/* Append one byte to a growing buffer. */
typedef struct sbuf {
    char *b;
    size_t n, cap;
} sbuf;

static int
sbuf_put(sbuf *s, char c)
{
    if (s->n + 1 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        char *nb = realloc(s->b, cap);
        if (nb == NULL)
            return GCS_ENOMEM;
        s->b = nb;
        s->cap = cap;
    }
    s->b[s->n++] = c;
    s->b[s->n] = '\0';
    return 0;
}

static int
hexval(char c)
{
    if (isdigit((unsigned char)c))
        return c - '0';
    if (isxdigit((unsigned char)c))
        return tolower((unsigned char)c) - 'a' + 10;
    return -1;
}

/* Decode one escape at *pp (just after the backslash). */
static int
lex_escape(lexer *L, const char **pp, sbuf *sb)
{
    const char *q = *pp;
    if (*q == '\0')
        return 0; /* a backslash at the end of the input: the caller reports the
                   * unterminated literal (found by fuzzing: it read past the end) */
    char c = *q++;
    int rc = 0;
    switch (c) {
    case 'n':
        rc = sbuf_put(sb, '\n');
        break;
    case 't':
        rc = sbuf_put(sb, '\t');
        break;
    case 'r':
        rc = sbuf_put(sb, '\r');
        break;
    case '0':
        rc = sbuf_put(sb, '\0');
        break;
    case '\\':
        rc = sbuf_put(sb, '\\');
        break;
    case '\'':
        rc = sbuf_put(sb, '\'');
        break;
    case '"':
        rc = sbuf_put(sb, '"');
        break;
    case '\n':
        L->line++;
        L->line_start = q;
        break;
    case 'x': {
        int h1 = hexval(q[0]), h2 = h1 >= 0 ? hexval(q[1]) : -1;
        if (h2 < 0)
            return lex_error(L, q, "truncated \\xXX escape%s", "");
        int v = h1 * 16 + h2;
        if (v < 0x80) {
            rc = sbuf_put(sb, (char)v);
        } else {
            rc = sbuf_put(sb, (char)(0xC0 | (v >> 6)));
            if (rc == 0)
                rc = sbuf_put(sb, (char)(0x80 | (v & 0x3F)));
        }
        q += 2;
        break;
    }
    default:
        rc = sbuf_put(sb, '\\');
        if (rc == 0)
            rc = sbuf_put(sb, c);
    }
    *pp = q;
    return rc;
}

static int
lex_string(lexer *L, const char *start, bool is_f, bool raw)
{
    const char *q = L->p;
    char quote = *q;
    bool triple = q[1] == quote && q[2] == quote;
    q += triple ? 3 : 1;
    sbuf sb = {0};
    int start_line = L->line;
    const char *start_ls = L->line_start;
    int rc = sbuf_put(&sb, '\0');
    sb.n = 0;
    for (;;) {
        if (rc)
            break;
        if (*q == '\0' || (!triple && *q == '\n')) {
            L->line = start_line;
            L->line_start = start_ls;
            free(sb.b);
            return lex_error(L, start, "unterminated string literal%s", "");
        }
        if (*q == quote && (!triple || (q[1] == quote && q[2] == quote))) {
            q += triple ? 3 : 1;
            break;
        }
        if (*q == '\\' && !raw && !is_f) {
            q++;
            rc = lex_escape(L, &q, &sb);
            continue;
        }
        if (*q == '\\' && is_f && !raw) {
            /* keep escapes for the f-string splitter, decoded there */
            rc = sbuf_put(&sb, *q++);
            if (rc == 0 && *q)
                rc = sbuf_put(&sb, *q++);
            continue;
        }
        if (*q == '\n') {
            L->line++;
            L->line_start = q + 1;
        }
        rc = sbuf_put(&sb, *q++);
    }
    if (rc) {
        free(sb.b);
        return rc;
    }
    int end_line = L->line;
    const char *end_ls = L->line_start;
    L->line = start_line;
    L->line_start = start_ls;
    pr_token *tk = push_tok(L, PR_T_STR, start, (size_t)(q - start));
    L->line = end_line;
    L->line_start = end_ls;
    if (tk == NULL) {
        free(sb.b);
        return GCS_ENOMEM;
    }
    tk->op = is_f ? 1 : 0;
    tk->sval = sb.b;
    tk->slen = sb.n;
    L->p = q;
    return 0;
}

/* A name, or a string with prefix (r, f, rf, fr). */
static int
lex_name(lexer *L)
{
    const char *s = L->p, *q = s;
    while (isalnum((unsigned char)*q) || *q == '_' || (unsigned char)*q >= 0x80)
        q++;
    size_t n = (size_t)(q - s);
    if ((*q == '\'' || *q == '"') && n <= 2) {
        bool f = false, r = false, b = false, u = false;
        for (size_t i = 0; i < n; i++) {
            char c = (char)tolower((unsigned char)s[i]);
            f |= c == 'f';
            r |= c == 'r';
            b |= c == 'b';
            u |= c == 'u';
        }
        if (b)
            return lex_error(L, s, "bytes literals are not supported by gcscope run%s", "");
        if (f || r || u) {
            L->p = q;
            return lex_string(L, s, f, r);
        }
    }
    if (push_tok(L, PR_T_NAME, s, n) == NULL)
        return GCS_ENOMEM;
    L->p = q;
    return 0;
}

/* {======================== Lines and indentation ========================} */

/* At the start of a logical line: measure indentation, skip blank/comment lines,
 * emit INDENT/DEDENT. Returns 1 at end of input. */
static int
lex_line_start(lexer *L)
{
    for (;;) {
        const char *q = L->p;
        int col = 0;
        while (*q == ' ' || *q == '\t') {
            col = *q == '\t' ? (col / 8 + 1) * 8 : col + 1;
            q++;
        }
        if (*q == '#')
            while (*q && *q != '\n')
                q++;
        if (*q == '\r')
            q++;
        if (*q == '\n') {
            L->p = q + 1;
            L->line++;
            L->line_start = L->p;
            continue;
        }
        if (*q == '\0') {
            L->p = q;
            return 1;
        }
        L->p = q;
        int top = L->indents[L->n_indents - 1];
        if (col > top) {
            if (L->n_indents > PR_MAX_NESTING)
                return lex_error(L, q, "too many nested blocks (limit %s)", "200");
            L->indents[L->n_indents++] = col;
            if (push_tok(L, PR_T_INDENT, q, 0) == NULL)
                return GCS_ENOMEM;
        }
        while (col < L->indents[L->n_indents - 1]) {
            L->n_indents--;
            if (push_tok(L, PR_T_DEDENT, q, 0) == NULL)
                return GCS_ENOMEM;
        }
        if (col != L->indents[L->n_indents - 1])
            return lex_error(L, q, "unindent does not match any outer indentation level%s", "");
        return 0;
    }
}

static int
lex_newline(lexer *L)
{
    if (L->depth == 0) {
        size_t n = L->out->n;
        if (n > 0 && L->out->v[n - 1].kind != PR_T_NEWLINE &&
            L->out->v[n - 1].kind != PR_T_INDENT && L->out->v[n - 1].kind != PR_T_DEDENT &&
            push_tok(L, PR_T_NEWLINE, L->p, 0) == NULL)
            return GCS_ENOMEM;
    }
    L->p++;
    L->line++;
    L->line_start = L->p;
    return 0;
}

int
pr_lex(const char *src, pr_tokens *out, pr_error *err)
{
    lexer L = {
        .src = src, .p = src, .line = 1, .line_start = src, .n_indents = 1, .out = out, .err = err};
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    int rc = 0;
    bool at_line_start = true;
    while (rc == 0) {
        if (at_line_start && L.depth == 0) {
            rc = lex_line_start(&L);
            if (rc)
                break;
            at_line_start = false;
        }
        char c = *L.p;
        if (c == '\0')
            break;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
            L.p++;
        } else if (c == '#') {
            while (*L.p && *L.p != '\n')
                L.p++;
        } else if (c == '\n') {
            rc = lex_newline(&L);
            at_line_start = L.depth == 0;
        } else if (c == '\\' && (L.p[1] == '\n' || (L.p[1] == '\r' && L.p[2] == '\n'))) {
            L.p += L.p[1] == '\n' ? 2 : 3;
            L.line++;
            L.line_start = L.p;
        } else if (isdigit((unsigned char)c)) {
            rc = lex_number(&L);
        } else if (isalpha((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80) {
            rc = lex_name(&L);
        } else if (c == '\'' || c == '"') {
            rc = lex_string(&L, L.p, false, false);
        } else {
            rc = lex_op(&L);
        }
    }
    if (rc == 1)
        rc = 0;
    if (rc == 0 && L.depth > 0)
        rc = lex_error(&L, L.p, "unexpected end of file inside brackets%s", "");
    if (rc == 0) {
        size_t n = out->n;
        if (n > 0 && out->v[n - 1].kind != PR_T_NEWLINE && out->v[n - 1].kind != PR_T_DEDENT &&
            push_tok(&L, PR_T_NEWLINE, L.p, 0) == NULL)
            rc = GCS_ENOMEM;
        while (rc == 0 && L.n_indents > 1) {
            L.n_indents--;
            if (push_tok(&L, PR_T_DEDENT, L.p, 0) == NULL)
                rc = GCS_ENOMEM;
        }
        if (rc == 0 && push_tok(&L, PR_T_EOF, L.p, 0) == NULL)
            rc = GCS_ENOMEM;
    }
    if (rc == GCS_ENOMEM) {
        err->line = L.line;
        snprintf(err->msg, sizeof err->msg, "out of memory");
    }
    if (rc)
        pr_tokens_free(out);
    return rc;
}
