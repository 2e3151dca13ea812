/* src/pyrun/pr_obj.c — Python value semantics over runtime objects: the id
 * side table (what kind of callable a cfunc is), exceptions, truthiness,
 * equality, repr/str, arithmetic, comparisons and containment.
 *
 * Every helper follows pr_interp.h's convention: gcs_obj * results are NEW
 * references, NULL means an exception is set on the interpreter.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pr_interp.h"

/* {======================== Id side table ========================} */

static int
idmap_grow(pr_idmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    uint64_t *keys = calloc(cap, sizeof *keys);
    void **vals = calloc(cap, sizeof *vals);
    if (keys == NULL || vals == NULL) {
        free(keys);
        free(vals);
        return GCS_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == 0)
            continue;
        size_t j = (size_t)(m->keys[i] * 0x9E3779B97F4A7C15ull) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return 0;
}

int
pr_idmap_put(pr_interp *I, uint64_t id, void *val)
{
    pr_idmap *m = &I->ids;
    if ((m->n + 1) * 2 > m->cap && idmap_grow(m))
        return GCS_ENOMEM;
    size_t j = (size_t)(id * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
    while (m->keys[j] && m->keys[j] != id)
        j = (j + 1) & (m->cap - 1);
    if (m->keys[j] == 0)
        m->n++;
    m->keys[j] = id;
    m->vals[j] = val;
    return 0;
}

void *
pr_idmap_get(pr_interp *I, const gcs_obj *o)
{
    pr_idmap *m = &I->ids;
    if (m->cap == 0)
        return NULL;
    uint64_t id = gcs_id(o);
    size_t j = (size_t)(id * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
    while (m->keys[j]) {
        if (m->keys[j] == id)
            return m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    return NULL;
}

const char *
pr_class_name(pr_interp *I, gcs_obj *cls)
{
    pr_classinfo *ci = pr_class_info(I, cls);
    return ci ? pr_name(I, ci->name) : gcs_type_name(cls);
}

pr_fninfo *
pr_info(pr_interp *I, const gcs_obj *o)
{
    gcs_kind k = gcs_kind_of(o);
    if (k != GCS_KIND_CFUNC && k != GCS_KIND_USER && k != GCS_KIND_CLASS)
        return NULL;
    return pr_idmap_get(I, o);
}

pr_classinfo *
pr_class_info(pr_interp *I, const gcs_obj *o)
{
    if (gcs_kind_of(o) != GCS_KIND_CLASS)
        return NULL;
    pr_fninfo *fi = pr_idmap_get(I, o);
    return fi && fi->kind == PR_F_CLASS ? fi->cls : NULL;
}

/* {======================== Atoms ========================} */

gcs_obj *
pr_none(pr_interp *I)
{
    gcs_obj *n = gcs_none(I->h);
    gcs_incref(I->h, n);
    return n;
}

gcs_obj *
pr_bool(pr_interp *I, bool v)
{
    gcs_obj *b = gcs_bool(I->h, v);
    gcs_incref(I->h, b);
    return b;
}

gcs_obj *
pr_int(pr_interp *I, int64_t v)
{
    gcs_obj *o;
    int rc = gcs_int_new(I->h, v, &o);
    return rc ? pr_raise_rc(I, rc, "int") : o;
}

gcs_obj *
pr_str(pr_interp *I, const char *s, size_t n)
{
    gcs_obj *o;
    int rc = gcs_str_newn_at(I->h, s, n, &o, GCS_HERE);
    return rc ? pr_raise_rc(I, rc, "str") : o;
}

const char *
pr_name(pr_interp *I, int name)
{
    return I->prog->names.str[name];
}

gcs_obj *
pr_name_str(pr_interp *I, int name)
{
    if (name < 0 || name >= I->n_names)
        return NULL;
    if (I->strs[name] == NULL && gcs_str_new(I->h, I->prog->names.str[name], &I->strs[name]) != 0)
        return NULL;
    return I->strs[name];
}

/* {======================== Exceptions ========================} */

void
pr_tb_add(pr_interp *I, int line, int name)
{
    if (I->n_tb == I->cap_tb) {
        int cap = I->cap_tb ? I->cap_tb * 2 : 16;
        pr_tb *nt = realloc(I->tb, (size_t)cap * sizeof *nt);
        if (nt == NULL)
            return;
        I->tb = nt;
        I->cap_tb = cap;
    }
    I->tb[I->n_tb++] = (pr_tb){line, name};
}

void
pr_clear_exc(pr_interp *I)
{
    if (I->exc) {
        gcs_obj *e = I->exc;
        I->exc = NULL;
        gcs_decref(I->h, e);
    }
    I->n_tb = 0;
}

void
pr_raise_obj(pr_interp *I, gcs_obj *exc)
{
    pr_clear_exc(I);
    I->exc = exc;
    if (I->frame)
        pr_tb_add(I, I->frame->line, I->frame->code ? I->frame->code->name : -1);
}

static gcs_obj *
vraise(pr_interp *I, pr_excidx e, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    gcs_obj *exc = pr_new_exc(I, e, msg);
    if (exc == NULL) {
        I->exc_fatal = true;
        return NULL;
    }
    pr_raise_obj(I, exc);
    return NULL;
}

gcs_obj *
pr_raise(pr_interp *I, pr_excidx e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vraise(I, e, fmt, ap);
    va_end(ap);
    return NULL;
}

int
pr_raise_i(pr_interp *I, pr_excidx e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vraise(I, e, fmt, ap);
    va_end(ap);
    return -1;
}

gcs_obj *
pr_raise_rc(pr_interp *I, int rc, const char *what)
{
    switch (rc) {
    case GCS_ENOMEM:
        I->exc_fatal = true;
        return pr_raise(I, PR_E_MEMORY, "%s", what);
    case GCS_EINDEX:
        return pr_raise(I, PR_E_INDEX, "%s index out of range", what);
    case GCS_ETYPE:
        return pr_raise(I, PR_E_TYPE, "%s: wrong kind of object", what);
    case GCS_EUNHASHABLE:
        return pr_raise(I, PR_E_TYPE, "unhashable type: '%s'", what);
    case GCS_EINVAL:
        return pr_raise(I, PR_E_VALUE, "%s: invalid argument", what);
    default:
        return pr_raise(I, PR_E_RUNTIME, "%s: %s (%s)", what, gcs_strerror(rc),
                        gcs_heap_errmsg(I->h));
    }
}

bool
pr_exc_matches(pr_interp *I, gcs_obj *exc, gcs_obj *cls)
{
    return pr_isinstance(I, exc, cls) == 1;
}

static void
print_exc_line(pr_interp *I, FILE *f, gcs_obj *exc)
{
    fprintf(f, "%s", pr_type_name(I, exc));
    gcs_obj *s = pr_repr(I, exc, true);
    if (s && gcs_str_len(I->h, s) > 0)
        fprintf(f, ": %s", gcs_str_value(I->h, s));
    fputc('\n', f);
    if (s)
        gcs_decref(I->h, s);
    else
        pr_clear_exc(I);
}

void
pr_print_exc(pr_interp *I, FILE *f)
{
    gcs_obj *exc = I->exc;
    if (exc == NULL)
        return;
    int n_tb = I->n_tb;
    pr_tb *tb = malloc((size_t)(n_tb ? n_tb : 1) * sizeof *tb);
    if (tb)
        memcpy(tb, I->tb, (size_t)n_tb * sizeof *tb);
    I->exc = NULL;
    I->n_tb = 0;
    fflush(I->out);
    fprintf(f, "Traceback (most recent call last):\n");
    for (int i = n_tb - 1; tb && i >= 0; i--) {
        const char *nm = tb[i].name >= 0 ? pr_name(I, tb[i].name) : "<module>";
        fprintf(f, "  File \"%s\", line %d, in %s\n", I->prog->path, tb[i].line, nm);
        if (tb[i].line >= 1 && tb[i].line <= I->prog->n_lines) {
            const char *src = I->prog->lines[tb[i].line - 1];
            while (*src == ' ' || *src == '\t')
                src++;
            fprintf(f, "    %s\n", src);
        }
    }
    free(tb);
    print_exc_line(I, f, exc);
    gcs_decref(I->h, exc);
}

void
pr_unraisable(pr_interp *I, const char *where)
{
    FILE *f = I->opts->err ? I->opts->err : stderr;
    fflush(I->out);
    fprintf(f, "Exception ignored in: %s\n", where);
    pr_print_exc(I, f);
    pr_clear_exc(I);
}

/* {======================== Type names, truth, length ========================} */

const char *
pr_type_name(pr_interp *I, gcs_obj *o)
{
    switch ((int)gcs_kind_of(o)) {
    case GCS_KIND_NONE:
        return "NoneType";
    case GCS_KIND_BOOL:
        return "bool";
    case GCS_KIND_INT:
        return "int";
    case GCS_KIND_STR:
        return "str";
    case GCS_KIND_TUPLE:
        return "tuple";
    case GCS_KIND_LIST:
        return "list";
    case GCS_KIND_DICT:
        return "dict";
    case GCS_KIND_CLASS:
        return "type";
    case GCS_KIND_INSTANCE:
        return gcs_type_name(o);
    case GCS_KIND_WEAKREF:
        return "ReferenceType";
    case GCS_KIND_CFUNC:
    case GCS_KIND_USER: {
        pr_fninfo *fi = pr_info(I, o);
        if (fi == NULL)
            return gcs_type_name(o);
        switch ((pr_fkind)fi->kind) {
        case PR_F_PYFUNC:
            return "function";
        case PR_F_METHOD:
            return "method";
        case PR_F_BUILTIN:
        case PR_F_BMETHOD:
        case PR_F_FINCB:
            return "builtin_function_or_method";
        case PR_F_TYPE:
        case PR_F_CLASS:
            return "type";
        case PR_F_MODULE:
            return "module";
        case PR_F_WVDICT:
            return "WeakValueDictionary";
        }
        return gcs_type_name(o);
    }
    case GCS_KIND__COUNT:
        break;
    }
    return "object";
}

int
pr_len(pr_interp *I, gcs_obj *o, int64_t *out)
{
    switch ((int)gcs_kind_of(o)) {
    case GCS_KIND_STR: {
        /* characters, not bytes: count UTF-8 lead bytes */
        const char *s = gcs_str_value(I->h, o);
        size_t n = gcs_str_len(I->h, o), k = 0;
        for (size_t i = 0; i < n; i++)
            k += ((unsigned char)s[i] & 0xC0) != 0x80;
        *out = (int64_t)k;
        return 0;
    }
    case GCS_KIND_TUPLE:
        *out = (int64_t)gcs_tuple_len(I->h, o);
        return 0;
    case GCS_KIND_LIST:
        *out = (int64_t)gcs_list_len(I->h, o);
        return 0;
    case GCS_KIND_DICT:
        *out = (int64_t)gcs_dict_len(I->h, o);
        return 0;
    case GCS_KIND_USER: {
        pr_fninfo *fi = pr_info(I, o);
        if (fi && fi->kind == PR_F_WVDICT) {
            *out = (int64_t)gcs_wvdict_len(I->h, o);
            return 0;
        }
        if (pr_view_kind(I, o) >= 0) {
            *out = (int64_t)gcs_dict_len(I->h, *(gcs_obj **)gcs_obj_data(o));
            return 0;
        }
        if (gcs_type_name(o) && strcmp(gcs_type_name(o), "range") == 0) {
            int64_t *r = gcs_obj_data(o);
            int64_t n = r[2] > 0   ? (r[1] - r[0] + r[2] - 1) / r[2]
                        : r[2] < 0 ? (r[0] - r[1] - r[2] - 1) / -r[2]
                                   : 0; /* range() refuses step 0; never divide by it */
            *out = n > 0 ? n : 0;
            return 0;
        }
        break;
    }
    case GCS_KIND_INSTANCE: {
        bool found = false;
        gcs_obj *r = pr_call_method(I, o, I->nm_len, NULL, 0, &found);
        if (found) {
            if (r == NULL)
                return -1;
            int rc = gcs_int_value(I->h, r, out);
            gcs_decref(I->h, r);
            return rc ? pr_raise_i(I, PR_E_TYPE, "__len__ should return an int") : 0;
        }
        break;
    }
    default:
        break;
    }
    return pr_raise_i(I, PR_E_TYPE, "object of type '%s' has no len()", pr_type_name(I, o));
}

bool
pr_truthy(pr_interp *I, gcs_obj *o, int *err)
{
    *err = 0;
    switch ((int)gcs_kind_of(o)) {
    case GCS_KIND_NONE:
    case GCS_KIND_BOOL:
    case GCS_KIND_INT:
    case GCS_KIND_STR:
        return gcs_is_true(I->h, o);
    case GCS_KIND_TUPLE:
    case GCS_KIND_LIST:
    case GCS_KIND_DICT: {
        int64_t n = 0;
        pr_len(I, o, &n);
        return n != 0;
    }
    case GCS_KIND_INSTANCE: {
        int nm = I->nm_len;
        pr_classinfo *ci = pr_class_info(I, gcs_class_of(I->h, o));
        if (nm >= 0 && ci && pr_class_lookup(I, ci, nm)) {
            int64_t n = 0;
            if (pr_len(I, o, &n)) {
                *err = -1;
                return false;
            }
            return n != 0;
        }
        return true;
    }
    case GCS_KIND_USER: {
        pr_fninfo *fi = pr_info(I, o);
        int64_t n = 1;
        if (fi && fi->kind == PR_F_WVDICT)
            pr_len(I, o, &n);
        else if (strcmp(gcs_type_name(o), "range") == 0 || pr_view_kind(I, o) >= 0)
            pr_len(I, o, &n);
        return n != 0;
    }
    default:
        return true;
    }
}

/* {======================== Equality ========================} */

static int
seq_get(pr_interp *I, gcs_obj *s, size_t i, gcs_obj **out)
{
    return gcs_kind_of(s) == GCS_KIND_LIST ? gcs_list_get(I->h, s, (ptrdiff_t)i, out)
                                           : gcs_tuple_get(I->h, s, i, out);
}

static size_t
seq_len(pr_interp *I, gcs_obj *s)
{
    return gcs_kind_of(s) == GCS_KIND_LIST ? gcs_list_len(I->h, s) : gcs_tuple_len(I->h, s);
}

static bool
is_num(gcs_obj *o)
{
    gcs_kind k = gcs_kind_of(o);
    return k == GCS_KIND_INT || k == GCS_KIND_BOOL;
}

static int eq_inner(pr_interp *I, gcs_obj *a, gcs_obj *b);

/* Containers compare recursively: bounded, as CPython's recursion limit does. */
int
pr_eq(pr_interp *I, gcs_obj *a, gcs_obj *b)
{
    if (a == b)
        return 1;
    if (I->cmp_depth >= PR_MAX_DEPTH)
        return pr_raise_i(I, PR_E_RECURSION, "maximum recursion depth exceeded in comparison");
    I->cmp_depth++;
    int r = eq_inner(I, a, b);
    I->cmp_depth--;
    return r;
}

static int
eq_inner(pr_interp *I, gcs_obj *a, gcs_obj *b)
{
    gcs_kind ka = gcs_kind_of(a), kb = gcs_kind_of(b);
    if (is_num(a) && is_num(b)) {
        int64_t x = 0, y = 0;
        gcs_int_value(I->h, a, &x);
        gcs_int_value(I->h, b, &y);
        return x == y;
    }
    if (ka != kb)
        return 0;
    switch ((int)ka) {
    case GCS_KIND_STR:
        return gcs_str_len(I->h, a) == gcs_str_len(I->h, b) &&
               memcmp(gcs_str_value(I->h, a), gcs_str_value(I->h, b), gcs_str_len(I->h, a)) == 0;
    case GCS_KIND_LIST:
    case GCS_KIND_TUPLE: {
        size_t n = seq_len(I, a);
        if (n != seq_len(I, b))
            return 0;
        for (size_t i = 0; i < n; i++) {
            gcs_obj *x = NULL, *y = NULL;
            if (seq_get(I, a, i, &x) || seq_get(I, b, i, &y))
                return 0;
            int r = pr_eq(I, x, y);
            if (r != 1)
                return r;
        }
        return 1;
    }
    case GCS_KIND_DICT: {
        if (gcs_dict_len(I->h, a) != gcs_dict_len(I->h, b))
            return 0;
        size_t pos = 0;
        gcs_obj *k, *v, *w;
        while (gcs_dict_next(I->h, a, &pos, &k, &v)) {
            if (gcs_dict_get(I->h, b, k, &w) != 0)
                return 0;
            int r = pr_eq(I, v, w);
            if (r != 1)
                return r;
        }
        return 1;
    }
    case GCS_KIND_INSTANCE: {
        bool found = false;
        gcs_obj *r = pr_call_method(I, a, I->nm_eq, &b, 1, &found);
        if (!found)
            return 0;
        if (r == NULL)
            return -1;
        int err;
        bool t = pr_truthy(I, r, &err);
        gcs_decref(I->h, r);
        return err ? -1 : t;
    }
    default:
        return 0;
    }
}

/* {======================== repr / str ========================} */

int
pr_buf_put(pr_buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *nb = realloc(b->b, cap);
        if (nb == NULL)
            return GCS_ENOMEM;
        b->b = nb;
        b->cap = cap;
    }
    memcpy(b->b + b->n, s, n);
    b->n += n;
    b->b[b->n] = '\0';
    return 0;
}

int
pr_buf_puts(pr_buf *b, const char *s)
{
    return pr_buf_put(b, s, strlen(s));
}

static int
repr_str(pr_buf *b, const char *s, size_t n)
{
    bool sq = memchr(s, '\'', n) != NULL, dq = memchr(s, '"', n) != NULL;
    char q = sq && !dq ? '"' : '\'';
    int rc = pr_buf_put(b, &q, 1);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char c = s[i];
        char esc[8];
        if (c == q || c == '\\') {
            esc[0] = '\\';
            esc[1] = c;
            rc = pr_buf_put(b, esc, 2);
        } else if (c == '\n') {
            rc = pr_buf_puts(b, "\\n");
        } else if (c == '\t') {
            rc = pr_buf_puts(b, "\\t");
        } else if (c == '\r') {
            rc = pr_buf_puts(b, "\\r");
        } else if ((unsigned char)c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned char)c);
            rc = pr_buf_puts(b, esc);
        } else {
            rc = pr_buf_put(b, &c, 1);
        }
    }
    return rc ? rc : pr_buf_put(b, &q, 1);
}

/* Fake but stable address for "<... at 0x...>" reprs (addresses are never fair). */
static void
fake_addr(gcs_obj *o, char *buf, size_t n)
{
    snprintf(buf, n, "0x7f%010" PRIx64, gcs_id(o) * 16);
}

static int
repr_seq(pr_interp *I, gcs_obj *o, pr_buf *b, int depth)
{
    bool list = gcs_kind_of(o) == GCS_KIND_LIST;
    size_t n = seq_len(I, o);
    int rc = pr_buf_puts(b, list ? "[" : "(");
    for (size_t i = 0; i < n && rc == 0; i++) {
        gcs_obj *x = NULL;
        if (seq_get(I, o, i, &x))
            break;
        if (i)
            rc = pr_buf_puts(b, ", ");
        if (rc == 0)
            rc = pr_repr_into(I, x, b, false, depth + 1);
        n = seq_len(I, o); /* a __repr__ may have changed it */
    }
    if (rc == 0 && !list && n == 1)
        rc = pr_buf_puts(b, ",");
    return rc ? rc : pr_buf_puts(b, list ? "]" : ")");
}

static int
repr_dict(pr_interp *I, gcs_obj *o, pr_buf *b, int depth)
{
    int rc = pr_buf_puts(b, "{");
    size_t pos = 0;
    gcs_obj *k, *v;
    bool first = true;
    while (rc == 0 && gcs_dict_next(I->h, o, &pos, &k, &v)) {
        if (!first)
            rc = pr_buf_puts(b, ", ");
        first = false;
        if (rc == 0)
            rc = pr_repr_into(I, k, b, false, depth + 1);
        if (rc == 0)
            rc = pr_buf_puts(b, ": ");
        if (rc == 0)
            rc = pr_repr_into(I, v, b, false, depth + 1);
    }
    return rc ? rc : pr_buf_puts(b, "}");
}

/* str() of an exception: its args. */
static int
repr_exc_args(pr_interp *I, gcs_obj *o, pr_buf *b, bool as_str, int depth)
{
    gcs_obj *args = NULL;
    if (gcs_attr_get(I->h, o, "args", &args) != 0 || gcs_kind_of(args) != GCS_KIND_TUPLE)
        return as_str ? 0 : pr_buf_puts(b, "()");
    size_t n = gcs_tuple_len(I->h, args);
    if (as_str) {
        if (n == 0)
            return 0;
        gcs_obj *a0 = NULL;
        gcs_tuple_get(I->h, args, 0, &a0);
        bool keyerr = strcmp(gcs_type_name(o), "KeyError") == 0;
        if (n == 1)
            return pr_repr_into(I, a0, b, !keyerr, depth + 1);
        return pr_repr_into(I, args, b, false, depth + 1);
    }
    if (n == 1) {
        gcs_obj *a0 = NULL;
        gcs_tuple_get(I->h, args, 0, &a0);
        int rc = pr_buf_puts(b, "(");
        if (rc == 0)
            rc = pr_repr_into(I, a0, b, false, depth + 1);
        return rc ? rc : pr_buf_puts(b, ")");
    }
    return pr_repr_into(I, args, b, false, depth + 1);
}

static int
repr_instance(pr_interp *I, gcs_obj *o, pr_buf *b, bool as_str, int depth)
{
    pr_classinfo *ci = pr_class_info(I, gcs_class_of(I->h, o));
    int nm_str = I->nm_str;
    int nm_repr = I->nm_repr;
    int nm = -1;
    if (ci && as_str && nm_str >= 0 && pr_class_lookup(I, ci, nm_str))
        nm = nm_str;
    else if (ci && nm_repr >= 0 && pr_class_lookup(I, ci, nm_repr))
        nm = nm_repr;
    if (nm >= 0) {
        bool found;
        gcs_obj *r = pr_call_method(I, o, nm, NULL, 0, &found);
        if (r == NULL)
            return -1;
        if (gcs_kind_of(r) != GCS_KIND_STR) {
            gcs_decref(I->h, r);
            pr_raise(I, PR_E_TYPE, "%s returned non-string (type %s)", pr_name(I, nm),
                     pr_type_name(I, r));
            return -1;
        }
        int rc = pr_buf_put(b, gcs_str_value(I->h, r), gcs_str_len(I->h, r));
        gcs_decref(I->h, r);
        return rc;
    }
    if (ci && ci->is_exc) {
        if (as_str)
            return repr_exc_args(I, o, b, true, depth);
        int rc = pr_buf_puts(b, gcs_type_name(o));
        return rc ? rc : repr_exc_args(I, o, b, false, depth);
    }
    char addr[32], tmp[300];
    fake_addr(o, addr, sizeof addr);
    snprintf(tmp, sizeof tmp, "<__main__.%s object at %s>", gcs_type_name(o), addr);
    return pr_buf_puts(b, tmp);
}

static int
repr_other(pr_interp *I, gcs_obj *o, pr_buf *b)
{
    char addr[32], tmp[400];
    fake_addr(o, addr, sizeof addr);
    pr_fninfo *fi = pr_info(I, o);
    gcs_kind k = gcs_kind_of(o);
    if (k == GCS_KIND_CLASS) {
        pr_classinfo *ci = pr_class_info(I, o);
        bool builtin = ci && ci->dict == NULL;
        snprintf(tmp, sizeof tmp, "<class '%s%s'>", builtin ? "" : "__main__.",
                 pr_class_name(I, o));
    } else if (k == GCS_KIND_WEAKREF) {
        gcs_obj *r = gcs_weakref_get(I->h, o);
        char raddr[32];
        if (r) {
            fake_addr(r, raddr, sizeof raddr);
            snprintf(tmp, sizeof tmp, "<weakref at %s; to '%s' at %s>", addr, pr_type_name(I, r),
                     raddr);
        } else {
            snprintf(tmp, sizeof tmp, "<weakref at %s; dead>", addr);
        }
    } else if (fi && fi->kind == PR_F_PYFUNC) {
        snprintf(tmp, sizeof tmp, "<function %s at %s>", pr_name(I, fi->code->name), addr);
    } else if (fi && fi->kind == PR_F_TYPE) {
        snprintf(tmp, sizeof tmp, "<class '%s'>", pr_tyname(fi->idx));
    } else if (fi && fi->kind == PR_F_MODULE) {
        static const char *const mods[] = {"gc", "sys", "weakref"};
        snprintf(tmp, sizeof tmp, "<module '%s' (built-in)>", mods[fi->idx]);
    } else if (fi && fi->kind == PR_F_METHOD) {
        gcs_obj *self = gcs_cfunc_bound(I->h, o);
        snprintf(tmp, sizeof tmp, "<bound method %s.%s of %s object at %s>", pr_type_name(I, self),
                 pr_name(I, fi->idx), pr_type_name(I, self), addr);
    } else if (fi && (fi->kind == PR_F_BUILTIN || fi->kind == PR_F_BMETHOD)) {
        snprintf(tmp, sizeof tmp, "<built-in function at %s>", addr);
    } else if (pr_view_kind(I, o) >= 0) {
        gcs_obj *l = pr_view_list(I, o);
        if (l == NULL)
            return -1;
        int rc = pr_buf_puts(b, gcs_type_name(o));
        if (rc == 0)
            rc = pr_buf_puts(b, "(");
        if (rc == 0)
            rc = pr_repr_into(I, l, b, false, 1);
        gcs_decref(I->h, l);
        return rc ? rc : pr_buf_puts(b, ")");
    } else if (k == GCS_KIND_USER && strcmp(gcs_type_name(o), "range") == 0) {
        int64_t *r = gcs_obj_data(o);
        if (r[2] == 1)
            snprintf(tmp, sizeof tmp, "range(%" PRId64 ", %" PRId64 ")", r[0], r[1]);
        else
            snprintf(tmp, sizeof tmp, "range(%" PRId64 ", %" PRId64 ", %" PRId64 ")", r[0], r[1],
                     r[2]);
    } else {
        snprintf(tmp, sizeof tmp, "<%s object at %s>", pr_type_name(I, o), addr);
    }
    return pr_buf_puts(b, tmp);
}

int
pr_repr_into(pr_interp *I, gcs_obj *o, pr_buf *b, bool as_str, int depth)
{
    if (depth > 100) {
        pr_raise(I, PR_E_RECURSION,
                 "maximum recursion depth exceeded while getting the repr of an object");
        return -1;
    }
    char tmp[64];
    switch ((int)gcs_kind_of(o)) {
    case GCS_KIND_NONE:
        return pr_buf_puts(b, "None");
    case GCS_KIND_BOOL:
        return pr_buf_puts(b, gcs_is_true(I->h, o) ? "True" : "False");
    case GCS_KIND_INT: {
        int64_t v = 0;
        gcs_int_value(I->h, o, &v);
        snprintf(tmp, sizeof tmp, "%" PRId64, v);
        return pr_buf_puts(b, tmp);
    }
    case GCS_KIND_STR:
        if (as_str)
            return pr_buf_put(b, gcs_str_value(I->h, o), gcs_str_len(I->h, o));
        return repr_str(b, gcs_str_value(I->h, o), gcs_str_len(I->h, o));
    case GCS_KIND_LIST:
    case GCS_KIND_TUPLE:
    case GCS_KIND_DICT: {
        /* Py_ReprEnter: a container met again inside its own repr prints as [...] */
        for (int i = 0; i < I->n_repr; i++)
            if (I->repr_stack[i] == o)
                return pr_buf_puts(b, gcs_kind_of(o) == GCS_KIND_LIST   ? "[...]"
                                      : gcs_kind_of(o) == GCS_KIND_DICT ? "{...}"
                                                                        : "(...)");
        if (I->n_repr < (int)(sizeof I->repr_stack / sizeof I->repr_stack[0]))
            I->repr_stack[I->n_repr++] = o;
        int rc =
            gcs_kind_of(o) == GCS_KIND_DICT ? repr_dict(I, o, b, depth) : repr_seq(I, o, b, depth);
        I->n_repr--;
        return rc;
    }
    case GCS_KIND_INSTANCE:
        return repr_instance(I, o, b, as_str, depth);
    case GCS_KIND_CLASS:
    case GCS_KIND_WEAKREF:
    case GCS_KIND_CFUNC:
    case GCS_KIND_USER:
    case GCS_KIND__COUNT:
        break;
    }
    return repr_other(I, o, b);
}

gcs_obj *
pr_repr(pr_interp *I, gcs_obj *o, bool as_str)
{
    if (as_str && gcs_kind_of(o) == GCS_KIND_STR) {
        gcs_incref(I->h, o);
        return o;
    }
    pr_buf b = {0};
    int rc = pr_repr_into(I, o, &b, as_str, 0);
    gcs_obj *r = NULL;
    if (rc == 0)
        r = pr_str(I, b.b ? b.b : "", b.n);
    else if (rc != -1)
        pr_raise_rc(I, rc, "repr");
    free(b.b);
    return r;
}

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
    size_t n = seq_len(I, s);
    if (n && (uint64_t)times > (1u << 26) / n)
        return pr_raise(I, PR_E_MEMORY, "sequence too long");
    gcs_obj *l;
    int rc = gcs_list_new(I->h, &l);
    if (rc)
        return pr_raise_rc(I, rc, "list");
    for (int64_t t = 0; t < times && rc == 0; t++)
        for (size_t i = 0; i < n && rc == 0; i++) {
            gcs_obj *x = NULL;
            seq_get(I, s, i, &x);
            rc = gcs_list_append(I->h, l, x);
        }
    if (rc) {
        gcs_decref(I->h, l);
        return pr_raise_rc(I, rc, "list");
    }
    if (gcs_kind_of(s) == GCS_KIND_LIST)
        return l;
    gcs_obj *t = pr_list_to_tuple(I, l);
    gcs_decref(I->h, l);
    return t;
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
    gcs_obj *l;
    int rc = gcs_list_new(I->h, &l);
    if (rc)
        return pr_raise_rc(I, rc, "list");
    for (int part = 0; part < 2 && rc == 0; part++) {
        gcs_obj *s = part ? b : a;
        size_t n = seq_len(I, s);
        for (size_t i = 0; i < n && rc == 0; i++) {
            gcs_obj *x = NULL;
            seq_get(I, s, i, &x);
            rc = gcs_list_append(I->h, l, x);
        }
    }
    if (rc) {
        gcs_decref(I->h, l);
        return pr_raise_rc(I, rc, "list");
    }
    if (gcs_kind_of(a) == GCS_KIND_LIST)
        return l;
    gcs_obj *t = pr_list_to_tuple(I, l);
    gcs_decref(I->h, l);
    return t;
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
        if ((c == 'd' || c == 'i') && !is_num(x)) {
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
    if (is_num(a) && is_num(b)) {
        int64_t x = 0, y = 0;
        gcs_int_value(I->h, a, &x);
        gcs_int_value(I->h, b, &y);
        return int_binop(I, op, x, y);
    }
    bool seq_a = ka == GCS_KIND_STR || ka == GCS_KIND_LIST || ka == GCS_KIND_TUPLE;
    if (op == PR_OP_ADD && seq_a && ka == kb)
        return seq_concat(I, a, b);
    if (op == PR_OP_MUL && seq_a && is_num(b)) {
        int64_t t = 0;
        gcs_int_value(I->h, b, &t);
        return seq_repeat(I, a, t);
    }
    if (op == PR_OP_MUL && is_num(a) &&
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
    if (is_num(a) && is_num(b)) {
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
        size_t na = seq_len(I, a), nb = seq_len(I, b);
        for (size_t i = 0; i < na && i < nb; i++) {
            gcs_obj *x = NULL, *y = NULL;
            seq_get(I, a, i, &x);
            seq_get(I, b, i, &y);
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
        for (size_t i = 0; i < seq_len(I, c); i++) {
            gcs_obj *x = NULL;
            seq_get(I, c, i, &x);
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
            gcs_obj *l = pr_view_list(I, c);
            int r = l ? pr_contains(I, l, item) : -1;
            gcs_xdecref(I->h, l);
            return r;
        }
        if (strcmp(gcs_type_name(c), "range") == 0 && is_num(item)) {
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
