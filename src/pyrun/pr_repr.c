/* src/pyrun/pr_repr.c — repr() and str() of every value as CPython 3.11
 * prints them: strings with CPython's quoting, containers (with the "[...]"
 * guard for recursive ones), instances through __repr__/__str__, exceptions,
 * and the fixed fake addresses of "<... at 0x...>" (addresses are not
 * comparable with CPython's, so snippets avoid printing them).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pr_interp.h"

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
    size_t n = pr_seq_len(I, o);
    int rc = pr_buf_puts(b, list ? "[" : "(");
    for (size_t i = 0; i < n && rc == 0; i++) {
        gcs_obj *x = NULL;
        if (pr_seq_get(I, o, i, &x))
            break;
        if (i)
            rc = pr_buf_puts(b, ", ");
        if (rc == 0)
            rc = pr_repr_into(I, x, b, false, depth + 1);
        n = pr_seq_len(I, o); /* a __repr__ may have changed it */
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
        gcs_obj *l = pr_internal(I, pr_view_list(I, o));
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
