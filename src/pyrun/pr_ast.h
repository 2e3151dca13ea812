/* src/pyrun/pr_ast.h — the internal contract of `gcscope run`'s front end:
 * tokens, the AST, interned names and parse errors.
 *
 * Pipeline: pr_lex() turns source text into a token array (INDENT/DEDENT
 * already resolved), pr_parse() builds an AST in an arena and then resolves
 * every name to a scope (global, local slot, enclosing comprehension frame or
 * class namespace), so the evaluator never looks names up by string. Every
 * node records its 1-based line and column for errors and tracebacks.
 */
#ifndef GCS_PR_AST_H
#define GCS_PR_AST_H

#include <stddef.h>
#include <stdint.h>

/* {======================== Names ========================} */

/* Interned identifiers: id -> string, string -> id. */
typedef struct pr_names {
    char **str;
    uint32_t *hash;
    int n, cap;
    int *table; /* open addressing: id+1, 0 empty */
    int table_cap;
} pr_names;

void pr_names_init(pr_names *t);
void pr_names_fini(pr_names *t);
/* Intern `s[0..n)`; returns its id, or -1 when out of memory. */
int pr_names_intern(pr_names *t, const char *s, size_t n);
/* The id of `s`, or -1 if it was never interned. */
int pr_names_find(const pr_names *t, const char *s);

/* {======================== Errors ========================} */

typedef struct pr_error {
    int line, col; /* 1-based; 0 if unknown */
    char msg[240];
} pr_error;

/* {======================== Tokens ========================} */

typedef enum pr_tok_kind {
    PR_T_EOF = 0,
    PR_T_NAME,
    PR_T_INT,
    PR_T_STR,
    PR_T_NEWLINE,
    PR_T_INDENT,
    PR_T_DEDENT,
    PR_T_OP
} pr_tok_kind;

/* Operator codes (also used as AST operator codes). */
typedef enum pr_op {
    PR_OP_NONE = 0,
    PR_OP_LPAR,
    PR_OP_RPAR,
    PR_OP_LSQB,
    PR_OP_RSQB,
    PR_OP_LBRACE,
    PR_OP_RBRACE,
    PR_OP_COMMA,
    PR_OP_COLON,
    PR_OP_DOT,
    PR_OP_SEMI,
    PR_OP_ASSIGN,
    PR_OP_ARROW,
    PR_OP_AT,
    PR_OP_ADD,
    PR_OP_SUB,
    PR_OP_MUL,
    PR_OP_DIV,
    PR_OP_FLOORDIV,
    PR_OP_MOD,
    PR_OP_POW,
    PR_OP_LSHIFT,
    PR_OP_RSHIFT,
    PR_OP_BITAND,
    PR_OP_BITOR,
    PR_OP_BITXOR,
    PR_OP_INVERT,
    PR_OP_EQ,
    PR_OP_NE,
    PR_OP_LT,
    PR_OP_LE,
    PR_OP_GT,
    PR_OP_GE,
    PR_OP_IS,
    PR_OP_ISNOT,
    PR_OP_IN,
    PR_OP_NOTIN,
    PR_OP_NOT,
    PR_OP_AND,
    PR_OP_OR,
    PR_OP_NEG,
    PR_OP_POS,
    PR_OP_AUG /* augmented assignment: token op = PR_OP_AUG + binary op */
} pr_op;

typedef struct pr_token {
    uint8_t kind; /* pr_tok_kind */
    uint8_t op;   /* pr_op for PR_T_OP; for PR_T_STR: 1 if f-string */
    uint8_t aug;  /* PR_T_OP: nonzero for "op=" (op is the binary operator) */
    int line, col;
    const char *p; /* source text of the token */
    size_t len;
    int64_t ival; /* PR_T_INT */
    char *sval;   /* PR_T_STR: decoded text (malloc), PR_T_NAME: NULL */
    size_t slen;
} pr_token;

typedef struct pr_tokens {
    pr_token *v;
    size_t n, cap;
} pr_tokens;

/* Tokenize `src` (NUL-terminated). 0 or GCS_EFORMAT with *err filled
 * (unterminated string, bad indentation, unsupported literal) or GCS_ENOMEM. */
int pr_lex(const char *src, pr_tokens *out, pr_error *err);
void pr_tokens_free(pr_tokens *t);

/* {======================== AST ========================} */

typedef enum pr_nk {
    /* statements */
    PR_N_MODULE,
    PR_N_EXPR_STMT,
    PR_N_ASSIGN,
    PR_N_AUGASSIGN,
    PR_N_DEL,
    PR_N_PASS,
    PR_N_IF,
    PR_N_WHILE,
    PR_N_FOR,
    PR_N_BREAK,
    PR_N_CONTINUE,
    PR_N_DEF,
    PR_N_RETURN,
    PR_N_CLASS,
    PR_N_GLOBAL,
    PR_N_ASSERT,
    PR_N_IMPORT,
    PR_N_TRY,
    PR_N_HANDLER,
    PR_N_RAISE,
    PR_N_BLOCK,
    /* expressions */
    PR_N_INT,
    PR_N_STR,
    PR_N_NONE,
    PR_N_TRUE,
    PR_N_FALSE,
    PR_N_NAME,
    PR_N_ATTR,
    PR_N_SUBSCR,
    PR_N_CALL,
    PR_N_KEYWORD,
    PR_N_BINOP,
    PR_N_UNARY,
    PR_N_BOOLOP,
    PR_N_COMPARE,
    PR_N_IFEXP,
    PR_N_LIST,
    PR_N_TUPLE,
    PR_N_DICT,
    PR_N_LAMBDA,
    PR_N_LISTCOMP,
    PR_N_COMPFOR,
    PR_N_FSTRING,
    PR_N_FVALUE,
    PR_N_STARRED,
    PR_N_SLICE,
    PR_N__COUNT
} pr_nk;

/* Scope of a resolved PR_N_NAME (node->op). */
typedef enum pr_scope {
    PR_SC_GLOBAL = 0, /* module variable or builtin: looked up by name id */
    PR_SC_LOCAL,      /* slot in the current frame (function or comprehension) */
    PR_SC_OUTER,      /* slot in an enclosing frame, node->ival levels up (comprehensions) */
    PR_SC_CLASS       /* class body namespace, then globals */
} pr_scope;

typedef struct pr_code pr_code;
typedef struct pr_node pr_node;

/* One AST node. Field use per kind is listed in pr_parse.c (node_*
 * constructors); children a..d, lists in v[0..n). */
struct pr_node {
    uint16_t kind; /* pr_nk */
    uint16_t op;   /* operator, scope, flags */
    int line, col;
    int name; /* interned id: NAME, ATTR attr, DEF/CLASS name, KEYWORD, handler "as" */
    int slot; /* PR_N_NAME: local slot */
    pr_node *a, *b, *c, *d;
    pr_node **v;
    int n;
    int64_t ival;
    char *s; /* PR_N_STR / FVALUE format spec (arena) */
    size_t slen;
    pr_code *code; /* DEF, LAMBDA, LISTCOMP: the code unit */
    uint8_t *ops;  /* COMPARE: n-1 operators */
    void *cache;   /* evaluator's per-node cache (constant objects) */
};

/* A unit with its own frame: the module, a function, a lambda, a comprehension. */
struct pr_code {
    int name;       /* interned name ("<module>", "<lambda>", "<listcomp>") */
    int kind;       /* 0 module, 1 def, 2 lambda, 3 comprehension */
    int n_params;   /* positional parameters: slots 0..n_params-1 */
    int n_defaults; /* the last n_defaults params have defaults */
    pr_node **defaults;
    int n_locals;
    int *local_names; /* slot -> name id */
    pr_node *body;    /* BLOCK (def/module), expression (lambda), LISTCOMP node */
    int line;
    int is_genexp;
    void *info; /* evaluator: the pr_fninfo of functions made from this code */
};

typedef struct pr_arena_blk pr_arena_blk;

/* A parsed program. Owns its nodes, strings and the name table. */
typedef struct pr_program {
    pr_arena_blk *arena;
    pr_names names;
    pr_node *module;
    pr_code *module_code;
    char *path;   /* file name as given, for messages */
    char **lines; /* source lines (for tracebacks), NUL-terminated copies */
    int n_lines;
} pr_program;

/* Maximum nesting of blocks, brackets and operators before the parser refuses
 * ("too deeply nested"), so deep input never overflows the C stack. */
#define PR_MAX_NESTING 200

/* Parse `src` into *out. On failure returns GCS_EFORMAT (syntax error or
 * construct outside the subset) or GCS_ENOMEM, fills *err, and *out is NULL. */
int pr_parse(const char *src, const char *path, pr_program **out, pr_error *err);
void pr_program_free(pr_program *p);

/* Allocate `n` zeroed bytes in the program's arena (NULL when out of memory). */
void *pr_arena_alloc(pr_program *p, size_t n);

#endif
