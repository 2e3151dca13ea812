/* src/pyrun/pr_obj.c — Python value semantics over runtime objects, part 1:
 * the id side table (what kind of callable a cfunc is), atoms and interned
 * names, exceptions and tracebacks, type names, truthiness, len() and
 * equality. repr/str are in pr_repr.c; arithmetic, comparisons, containment
 * and isinstance in pr_arith.c.
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

gcs_obj *
pr_internal(pr_interp *I, gcs_obj *o)
{
    if (o != NULL)
        (void)gcs_obj_set_internal(I->h, o); /* only a trace event: cannot fail here */
    return o;
}

void
pr_internal_keys(pr_interp *I, gcs_obj *d)
{
    size_t pos = 0;
    gcs_obj *k, *v;
    while (gcs_dict_next(I->h, d, &pos, &k, &v))
        if (gcs_kind_of(k) == GCS_KIND_STR)
            pr_internal(I, k);
}

gcs_obj *
pr_iter_temp(pr_interp *I, gcs_obj *o)
{
    return pr_internal(I, pr_iter_list(I, o));
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
    if (I->strs[name] == NULL) {
        if (gcs_str_new(I->h, I->prog->names.str[name], &I->strs[name]) != 0)
            return NULL;
        pr_internal(I, I->strs[name]); /* an identifier (co_names), not a value */
    }
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

/* "Type: message" of an exception into b (str() of it, as CPython prints). */
static void
exc_line(pr_interp *I, gcs_obj *exc, pr_buf *b)
{
    pr_buf_puts(b, pr_type_name(I, exc));
    gcs_obj *s = pr_repr(I, exc, true);
    if (s && gcs_str_len(I->h, s) > 0) {
        pr_buf_puts(b, ": ");
        pr_buf_put(b, gcs_str_value(I->h, s), gcs_str_len(I->h, s));
    }
    if (s)
        gcs_decref(I->h, s);
    else
        pr_clear_exc(I);
}

/* Print the current exception's traceback to f and clear it; with `mark`
 * (an uncaught exception ending the program), also a MARKER captioned
 * "LINE: uncaught Type: message" at the innermost line, for the viewer. */
static void
print_exc(pr_interp *I, FILE *f, bool mark)
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
    int line = tb && n_tb > 0 ? tb[0].line : 0;
    free(tb);
    pr_buf b = {0};
    exc_line(I, exc, &b);
    fprintf(f, "%.*s\n", (int)b.n, b.b ? b.b : "");
    if (mark && I->opts->markers)
        gcs_markerf(I->h, "%d: uncaught %.*s", line, (int)b.n, b.b ? b.b : "");
    free(b.b);
    gcs_decref(I->h, exc);
}

void
pr_print_exc(pr_interp *I, FILE *f)
{
    print_exc(I, f, false);
}

void
pr_print_uncaught(pr_interp *I, FILE *f)
{
    print_exc(I, f, true);
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

int
pr_seq_get(pr_interp *I, gcs_obj *s, size_t i, gcs_obj **out)
{
    return gcs_kind_of(s) == GCS_KIND_LIST ? gcs_list_get(I->h, s, (ptrdiff_t)i, out)
                                           : gcs_tuple_get(I->h, s, i, out);
}

size_t
pr_seq_len(pr_interp *I, gcs_obj *s)
{
    return gcs_kind_of(s) == GCS_KIND_LIST ? gcs_list_len(I->h, s) : gcs_tuple_len(I->h, s);
}

bool
pr_is_num(gcs_obj *o)
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
    if (pr_is_num(a) && pr_is_num(b)) {
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
        size_t n = pr_seq_len(I, a);
        if (n != pr_seq_len(I, b))
            return 0;
        for (size_t i = 0; i < n; i++) {
            gcs_obj *x = NULL, *y = NULL;
            if (pr_seq_get(I, a, i, &x) || pr_seq_get(I, b, i, &y))
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
