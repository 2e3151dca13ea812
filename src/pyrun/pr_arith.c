/* src/pyrun/pr_arith.c — operators on values: int arithmetic with 64-bit
 * overflow checks, sequence concatenation and repetition, %-formatting of
 * strs, ordering and comparisons (chained in the evaluator), containment
 * (`in`) and isinstance(). Conventions as in pr_interp.h.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pr_interp.h"

/* {======================== Arithmetic ========================} */

static const char *const op_sym[] = {
    [PR_OP_ADD] = "+",       [PR_OP_SUB] = "-",    [PR_OP_MUL] = "*",   [PR_OP_DIV] = "/",
    [PR_OP_FLOORDIV] = "//", [PR_OP_MOD] = "%",    [PR_OP_POW] = "**",  [PR_OP_LSHIFT] = "<<",
    [PR_OP_RSHIFT] = ">>",   [PR_OP_BITAND] = "&", [PR_OP_BITOR] = "|", [PR_OP_BITXOR] = "^",
    [PR_OP_LT] = "<",        [PR_OP_LE] = "<=",    [PR_OP_GT] = ">",    [PR_OP_GE] = ">=",
};

static gcs_obj *
int_binop(pr_interp *I, int op, int64_t x, int64_t y)
{
    int64_t r = 0;
    bool ovf = false;
    switch (op) {
    case PR_OP_ADD:
        ovf = __builtin_add_overflow(x, y, &r);
        break;
    case PR_OP_SUB:
        ovf = __builtin_sub_overflow(x, y, &r);
        break;
    case PR_OP_MUL:
        ovf = __builtin_mul_overflow(x, y, &r);
        break;
    case PR_OP_FLOORDIV:
    case PR_OP_MOD:
        if (y == 0)
            return pr_raise(I, PR_E_ZERODIV,
                            op == PR_OP_MOD ? "integer modulo by zero"
                                            : "integer division or modulo by zero");
        if (x == INT64_MIN && y == -1) {
            ovf = true;
            break;
        }
        r = op == PR_OP_FLOORDIV ? x / y : x % y;
        if (op == PR_OP_FLOORDIV && (x % y != 0) && ((x < 0) != (y < 0)))
            r -= 1;
        if (op == PR_OP_MOD && r != 0 && ((r < 0) != (y < 0)))
            r += y;
        break;
    case PR_OP_POW:
        if (y < 0)
            return pr_raise(I, PR_E_VALUE,
                            "negative exponents give floats, which gcscope run does not support");
        r = 1;
        for (int64_t i = 0; i < y && !ovf; i++)
            ovf = __builtin_mul_overflow(r, x, &r);
        break;
    case PR_OP_LSHIFT:
        if (y < 0)
            return pr_raise(I, PR_E_VALUE, "negative shift count");
        ovf = y >= 63 ? x != 0 : ((x << y) >> y) != x;
        r = ovf ? 0 : x << y;
        break;
    case PR_OP_RSHIFT:
        if (y < 0)
            return pr_raise(I, PR_E_VALUE, "negative shift count");
        r = y >= 63 ? (x < 0 ? -1 : 0) : x >> y;
        break;
    case PR_OP_BITAND:
        r = x & y;
        break;
    case PR_OP_BITOR:
        r = x | y;
        break;
    case PR_OP_BITXOR:
        r = x ^ y;
        break;
    case PR_OP_DIV:
        return pr_raise(
            I, PR_E_TYPE,
            "true division '/' gives floats, which gcscope run does not support (use //)");
    default:
        return pr_raise(I, PR_E_TYPE, "unsupported int operator");
    }
    if (ovf)
        return pr_raise(I, PR_E_OVERFLOW, "integer overflow: gcscope run ints are 64-bit");
    return pr_int(I, r);
}

/* A new list (or, unless as_list, tuple) of the items of parts[0..n_parts),
 * in order, the whole run repeated `times` times: list/tuple `+` and `*`. */
static gcs_obj *
seq_build(pr_interp *I, gcs_obj *const *parts, int n_parts, int64_t times, bool as_list)
{
    gcs_obj *l;
    int rc = gcs_list_new(I->h, &l);
    if (rc)
        return pr_raise_rc(I, rc, "list");
    for (int64_t t = 0; t < times && rc == 0; t++)
        for (int p = 0; p < n_parts && rc == 0; p++) {
            size_t n = pr_seq_len(I, parts[p]);
            for (size_t i = 0; i < n && rc == 0; i++) {
                gcs_obj *x = NULL;
                pr_seq_get(I, parts[p], i, &x);
                rc = gcs_list_append(I->h, l, x);
            }
        }
    if (rc) {
        gcs_decref(I->h, l);
        return pr_raise_rc(I, rc, "list");
    }
    if (as_list)
        return l;
    gcs_obj *t = pr_list_to_tuple(I, pr_internal(I, l));
    gcs_decref(I->h, l);
    return t;
}

/* Concatenate / repeat sequences (list, tuple, str). */
static gcs_obj *
seq_repeat(pr_interp *I, gcs_obj *s, int64_t times)
{
    if (times < 0)
        times = 0;
    if (gcs_kind_of(s) == GCS_KIND_STR) {
        size_t n = gcs_str_len(I->h, s);
        if (n && (uint64_t)times > (1u << 28) / n)
            return pr_raise(I, PR_E_MEMORY, "string too long");
        char *buf = malloc(n * (size_t)times + 1);
        if (buf == NULL)
            return pr_raise(I, PR_E_MEMORY, "string too long");
        for (int64_t i = 0; i < times; i++)
            memcpy(buf + n * (size_t)i, gcs_str_value(I->h, s), n);
        gcs_obj *r = pr_str(I, buf, n * (size_t)times);
        free(buf);
        return r;
    }
    size_t n = pr_seq_len(I, s);
    if (n && (uint64_t)times > (1u << 26) / n)
        return pr_raise(I, PR_E_MEMORY, "sequence too long");
    return seq_build(I, &s, 1, times, gcs_kind_of(s) == GCS_KIND_LIST);
}

gcs_obj *
pr_list_to_tuple(pr_interp *I, gcs_obj *l)
{
    size_t n = gcs_list_len(I->h, l);
    gcs_obj *stackv[16];
    gcs_obj **items = n <= 16 ? stackv : malloc(n * sizeof *items);
    if (items == NULL)
        return pr_raise(I, PR_E_MEMORY, "tuple");
    for (size_t i = 0; i < n; i++)
        gcs_list_get(I->h, l, (ptrdiff_t)i, &items[i]);
    gcs_obj *t;
    int rc = gcs_tuple_new(I->h, n, items, &t);
    if (items != stackv)
        free(items);
    return rc ? pr_raise_rc(I, rc, "tuple") : t;
}

static gcs_obj *
seq_concat(pr_interp *I, gcs_obj *a, gcs_obj *b)
{
    if (gcs_kind_of(a) == GCS_KIND_STR) {
        size_t na = gcs_str_len(I->h, a), nb = gcs_str_len(I->h, b);
        char *buf = malloc(na + nb + 1);
        if (buf == NULL)
            return pr_raise(I, PR_E_MEMORY, "str");
        memcpy(buf, gcs_str_value(I->h, a), na);
        memcpy(buf + na, gcs_str_value(I->h, b), nb);
        gcs_obj *r = pr_str(I, buf, na + nb);
        free(buf);
        return r;
    }
    gcs_obj *parts[2] = {a, b};
    return seq_build(I, parts, 2, 1, gcs_kind_of(a) == GCS_KIND_LIST);
}

/* "%s %d %r" % args */
static gcs_obj *
str_format_percent(pr_interp *I, gcs_obj *fmt, gcs_obj *args)
{
    const char *s = gcs_str_value(I->h, fmt);
    size_t n = gcs_str_len(I->h, fmt), ai = 0;
    bool tuple = gcs_kind_of(args) == GCS_KIND_TUPLE;
    size_t nargs = tuple ? gcs_tuple_len(I->h, args) : 1;
    pr_buf b = {0};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (s[i] != '%') {
            rc = pr_buf_put(&b, s + i, 1);
            continue;
        }
        char c = i + 1 < n ? s[++i] : 0;
        if (c == '%') {
            rc = pr_buf_put(&b, "%", 1);
            continue;
        }
        if (c != 's' && c != 'd' && c != 'r' && c != 'i') {
            free(b.b);
            return pr_raise(I, PR_E_VALUE, "unsupported format character '%c'", c ? c : '?');
        }
        if (ai >= nargs) {
            free(b.b);
            return pr_raise(I, PR_E_TYPE, "not enough arguments for format string");
        }
        gcs_obj *x = args;
        if (tuple)
            gcs_tuple_get(I->h, args, ai, &x);
        ai++;
        if ((c == 'd' || c == 'i') && !pr_is_num(x)) {
            free(b.b);
            return pr_raise(I, PR_E_TYPE, "%%d format: a number is required, not %s",
                            pr_type_name(I, x));
        }
        rc = pr_repr_into(I, x, &b, c != 'r', 0);
    }
    if (rc == 0 && ai < nargs) {
        free(b.b);
        return pr_raise(I, PR_E_TYPE, "not all arguments converted during string formatting");
    }
    gcs_obj *r = rc ? NULL : pr_str(I, b.b ? b.b : "", b.n);
    if (rc && rc != -1)
        pr_raise_rc(I, rc, "format");
    free(b.b);
    return r;
}

gcs_obj *
pr_binop(pr_interp *I, int op, gcs_obj *a, gcs_obj *b)
{
    gcs_kind ka = gcs_kind_of(a), kb = gcs_kind_of(b);
    if (pr_is_num(a) && pr_is_num(b)) {
        int64_t x = 0, y = 0;
        gcs_int_value(I->h, a, &x);
        gcs_int_value(I->h, b, &y);
        return int_binop(I, op, x, y);
    }
    bool seq_a = ka == GCS_KIND_STR || ka == GCS_KIND_LIST || ka == GCS_KIND_TUPLE;
    if (op == PR_OP_ADD && seq_a && ka == kb)
        return seq_concat(I, a, b);
    if (op == PR_OP_MUL && seq_a && pr_is_num(b)) {
        int64_t t = 0;
        gcs_int_value(I->h, b, &t);
        return seq_repeat(I, a, t);
    }
    if (op == PR_OP_MUL && pr_is_num(a) &&
        (kb == GCS_KIND_STR || kb == GCS_KIND_LIST || kb == GCS_KIND_TUPLE)) {
        int64_t t = 0;
        gcs_int_value(I->h, a, &t);
        return seq_repeat(I, b, t);
    }
    if (op == PR_OP_MOD && ka == GCS_KIND_STR)
        return str_format_percent(I, a, b);
    const char *sym = op < (int)(sizeof op_sym / sizeof op_sym[0]) && op_sym[op] ? op_sym[op] : "?";
    return pr_raise(I, PR_E_TYPE, "unsupported operand type(s) for %s: '%s' and '%s'", sym,
                    pr_type_name(I, a), pr_type_name(I, b));
}

/* {======================== Comparison, containment ========================} */

/* Three-way ordering for <, <=, >, >=: *cmp = -1/0/1; -1 on TypeError. */
static int
order(pr_interp *I, int op, gcs_obj *a, gcs_obj *b, int *cmp)
{
    gcs_kind ka = gcs_kind_of(a), kb = gcs_kind_of(b);
    if (pr_is_num(a) && pr_is_num(b)) {
        int64_t x = 0, y = 0;
        gcs_int_value(I->h, a, &x);
        gcs_int_value(I->h, b, &y);
        *cmp = x < y ? -1 : x > y;
        return 0;
    }
    if (ka == GCS_KIND_STR && kb == GCS_KIND_STR) {
        size_t na = gcs_str_len(I->h, a), nb = gcs_str_len(I->h, b);
        int c = memcmp(gcs_str_value(I->h, a), gcs_str_value(I->h, b), na < nb ? na : nb);
        *cmp = c ? (c < 0 ? -1 : 1) : (na < nb ? -1 : na > nb);
        return 0;
    }
    if ((ka == GCS_KIND_LIST || ka == GCS_KIND_TUPLE) && ka == kb) {
        size_t na = pr_seq_len(I, a), nb = pr_seq_len(I, b);
        for (size_t i = 0; i < na && i < nb; i++) {
            gcs_obj *x = NULL, *y = NULL;
            pr_seq_get(I, a, i, &x);
            pr_seq_get(I, b, i, &y);
            int e = pr_eq(I, x, y);
            if (e < 0)
                return -1;
            if (!e) {
                if (I->cmp_depth >= PR_MAX_DEPTH) {
                    pr_raise(I, PR_E_RECURSION, "maximum recursion depth exceeded in comparison");
                    return -1;
                }
                I->cmp_depth++;
                int r = order(I, op, x, y, cmp);
                I->cmp_depth--;
                return r;
            }
        }
        *cmp = na < nb ? -1 : na > nb;
        return 0;
    }
    pr_raise(I, PR_E_TYPE, "'%s' not supported between instances of '%s' and '%s'", op_sym[op],
             pr_type_name(I, a), pr_type_name(I, b));
    return -1;
}

int
pr_order(pr_interp *I, gcs_obj *a, gcs_obj *b, int *cmp)
{
    return order(I, PR_OP_LT, a, b, cmp);
}

int
pr_contains(pr_interp *I, gcs_obj *c, gcs_obj *item)
{
    switch ((int)gcs_kind_of(c)) {
    case GCS_KIND_LIST:
    case GCS_KIND_TUPLE: {
        for (size_t i = 0; i < pr_seq_len(I, c); i++) {
            gcs_obj *x = NULL;
            pr_seq_get(I, c, i, &x);
            int e = pr_eq(I, x, item);
            if (e)
                return e;
        }
        return 0;
    }
    case GCS_KIND_DICT: {
        gcs_obj *v;
        int rc = gcs_dict_get(I->h, c, item, &v);
        if (rc == GCS_EUNHASHABLE)
            return pr_raise_i(I, PR_E_TYPE, "unhashable type: '%s'", pr_type_name(I, item));
        return rc == 0;
    }
    case GCS_KIND_STR: {
        if (gcs_kind_of(item) != GCS_KIND_STR)
            return pr_raise_i(I, PR_E_TYPE, "'in <string>' requires string as left operand, not %s",
                              pr_type_name(I, item));
        size_t n = gcs_str_len(I->h, item);
        const char *h = gcs_str_value(I->h, c);
        size_t hn = gcs_str_len(I->h, c);
        for (size_t i = 0; i + n <= hn; i++)
            if (memcmp(h + i, gcs_str_value(I->h, item), n) == 0)
                return 1;
        return 0;
    }
    case GCS_KIND_USER: {
        pr_fninfo *fi = pr_info(I, c);
        if (fi && fi->kind == PR_F_WVDICT) {
            gcs_obj *v;
            return gcs_wvdict_get(I->h, c, item, &v) == 0;
        }
        if (pr_view_kind(I, c) == 0)
            return pr_contains(I, *(gcs_obj **)gcs_obj_data(c), item);
        if (pr_view_kind(I, c) > 0) {
            gcs_obj *l = pr_internal(I, pr_view_list(I, c));
            int r = l ? pr_contains(I, l, item) : -1;
            gcs_xdecref(I->h, l);
            return r;
        }
        if (strcmp(gcs_type_name(c), "range") == 0 && pr_is_num(item)) {
            int64_t *r = gcs_obj_data(c), x = 0;
            gcs_int_value(I->h, item, &x);
            if (r[2] > 0)
                return x >= r[0] && x < r[1] && (x - r[0]) % r[2] == 0;
            return x <= r[0] && x > r[1] && (r[0] - x) % -r[2] == 0;
        }
        break;
    }
    default:
        break;
    }
    return pr_raise_i(I, PR_E_TYPE, "argument of type '%s' is not iterable", pr_type_name(I, c));
}

gcs_obj *
pr_compare(pr_interp *I, int op, gcs_obj *a, gcs_obj *b)
{
    int r, cmp = 0;
    switch (op) {
    case PR_OP_IS:
        return pr_bool(I, a == b);
    case PR_OP_ISNOT:
        return pr_bool(I, a != b);
    case PR_OP_EQ:
    case PR_OP_NE:
        r = pr_eq(I, a, b);
        if (r < 0)
            return NULL;
        return pr_bool(I, op == PR_OP_EQ ? r : !r);
    case PR_OP_IN:
    case PR_OP_NOTIN:
        r = pr_contains(I, b, a);
        if (r < 0)
            return NULL;
        return pr_bool(I, op == PR_OP_IN ? r : !r);
    default:
        if (order(I, op, a, b, &cmp))
            return NULL;
        return pr_bool(I, op == PR_OP_LT   ? cmp < 0
                          : op == PR_OP_LE ? cmp <= 0
                          : op == PR_OP_GT ? cmp > 0
                                           : cmp >= 0);
    }
}

/* {======================== isinstance ========================} */

static bool
kind_is_type(gcs_obj *o, int ty)
{
    switch ((int)gcs_kind_of(o)) {
    case GCS_KIND_NONE:
        return ty == PR_TY_NONE;
    case GCS_KIND_BOOL:
        return ty == PR_TY_BOOL || ty == PR_TY_INT;
    case GCS_KIND_INT:
        return ty == PR_TY_INT;
    case GCS_KIND_STR:
        return ty == PR_TY_STR;
    case GCS_KIND_TUPLE:
        return ty == PR_TY_TUPLE;
    case GCS_KIND_LIST:
        return ty == PR_TY_LIST;
    case GCS_KIND_DICT:
        return ty == PR_TY_DICT;
    case GCS_KIND_CLASS:
        return ty == PR_TY_TYPE;
    case GCS_KIND_WEAKREF:
        return ty == PR_TY_WEAKREF;
    default:
        return false;
    }
}

int
pr_isinstance(pr_interp *I, gcs_obj *o, gcs_obj *cls)
{
    if (gcs_kind_of(cls) == GCS_KIND_TUPLE) {
        if (I->cmp_depth >= PR_MAX_DEPTH)
            return pr_raise_i(I, PR_E_RECURSION,
                              "maximum recursion depth exceeded in __instancecheck__");
        I->cmp_depth++;
        int r = 0;
        for (size_t i = 0; r == 0 && i < gcs_tuple_len(I->h, cls); i++) {
            gcs_obj *c = NULL;
            gcs_tuple_get(I->h, cls, i, &c);
            r = pr_isinstance(I, o, c);
        }
        I->cmp_depth--;
        return r;
    }
    pr_fninfo *fi = pr_info(I, cls);
    if (fi && fi->kind == PR_F_TYPE) {
        if (fi->idx == PR_TY_OBJECT)
            return 1;
        if (fi->idx == PR_TY_TYPE && pr_class_info(I, o))
            return 1;
        return kind_is_type(o, fi->idx);
    }
    pr_classinfo *want = pr_class_info(I, cls);
    if (want == NULL)
        return pr_raise_i(I, PR_E_TYPE, "isinstance() arg 2 must be a type or tuple of types");
    if (gcs_kind_of(o) != GCS_KIND_INSTANCE)
        return 0;
    for (pr_classinfo *ci = pr_class_info(I, gcs_class_of(I->h, o)); ci; ci = ci->base_info)
        if (ci == want)
            return 1;
    return 0;
}
