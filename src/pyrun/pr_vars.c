/* src/pyrun/pr_vars.c — what the evaluator and the statement executor
 * (pr_exec.c) share: variables (frame slots mirrored by runtime variables),
 * iteration (`for` holds an iterator object referencing the iterable, as
 * GET_ITER makes one; it is interpreter-internal), assignment and `del`
 * targets, subscripts and slices. Conventions as in pr_interp.h.
 */
#include <stdlib.h>
#include <string.h>

#include "pr_eval.h"

/* {======================== Variables ========================} */

static int
set_global(pr_interp *I, int name, gcs_obj *v)
{
    I->globals[name] = v;
    int rc = gcs_global_set(I->h, pr_name(I, name), v);
    if (rc) {
        I->globals[name] = NULL;
        pr_raise_rc(I, rc, "global");
        return -1;
    }
    return 0;
}

static int
set_local(pr_interp *I, pr_frame *f, int slot, gcs_obj *v)
{
    f->slots[slot] = v;
    int rc = gcs_var_set(I->h, pr_name(I, f->code->local_names[slot]), v);
    if (rc) {
        f->slots[slot] = NULL;
        pr_raise_rc(I, rc, "variable");
        return -1;
    }
    return 0;
}

static gcs_obj *
load_global(pr_interp *I, int name)
{
    gcs_obj *v = I->globals[name];
    if (v) {
        gcs_incref(I->h, v);
        return v;
    }
    v = pr_builtin_lookup(I, name);
    if (v || I->exc)
        return v;
    return pr_raise(I, PR_E_NAME, "name '%s' is not defined", pr_name(I, name));
}

gcs_obj *
pr_load_name(pr_interp *I, pr_node *x)
{
    pr_frame *f = I->frame;
    switch (x->op) {
    case PR_SC_LOCAL:
    case PR_SC_OUTER: {
        for (int64_t d = x->ival; d > 0 && f->parent; d--)
            f = f->parent;
        gcs_obj *v = f->slots[x->slot];
        if (v == NULL)
            return pr_raise(
                I, PR_E_UNBOUND,
                "cannot access local variable '%s' where it is not associated with a value",
                pr_name(I, x->name));
        gcs_incref(I->h, v);
        return v;
    }
    case PR_SC_CLASS: {
        gcs_obj *v = NULL;
        if (f->class_ns && gcs_dict_get(I->h, f->class_ns, pr_name_str(I, x->name), &v) == 0) {
            gcs_incref(I->h, v);
            return v;
        }
        return load_global(I, x->name);
    }
    default:
        return load_global(I, x->name);
    }
}

/* Store into a name of any scope (node carries op/slot of the binding). */
int
pr_store_name(pr_interp *I, int scope, int slot, int name, gcs_obj *v)
{
    switch (scope) {
    case PR_SC_LOCAL:
        return set_local(I, I->frame, slot, v);
    case PR_SC_CLASS: {
        int rc = gcs_dict_set(I->h, I->frame->class_ns, pr_name_str(I, name), v);
        return rc ? (pr_raise_rc(I, rc, "class body"), -1) : 0;
    }
    default:
        return set_global(I, name, v);
    }
}

int
pr_del_name(pr_interp *I, int scope, int slot, int name)
{
    switch (scope) {
    case PR_SC_LOCAL:
        if (I->frame->slots[slot] == NULL)
            return pr_raise_i(
                I, PR_E_UNBOUND,
                "cannot access local variable '%s' where it is not associated with a value",
                pr_name(I, name));
        I->frame->slots[slot] = NULL;
        gcs_var_del(I->h, pr_name(I, name));
        return 0;
    case PR_SC_CLASS: {
        int rc = gcs_dict_del(I->h, I->frame->class_ns, pr_name_str(I, name));
        return rc ? pr_raise_i(I, PR_E_NAME, "name '%s' is not defined", pr_name(I, name)) : 0;
    }
    default:
        if (I->globals[name] == NULL)
            return pr_raise_i(I, PR_E_NAME, "name '%s' is not defined", pr_name(I, name));
        I->globals[name] = NULL;
        gcs_global_del(I->h, pr_name(I, name));
        return 0;
    }
}

/* {======================== Iteration ========================} */

static gcs_obj *
new_iterator_obj(pr_interp *I, gcs_obj *seq, const char *label)
{
    (void)label;
    gcs_obj *it;
    int rc = gcs_obj_new(I->h, I->t_iter, &it);
    if (rc)
        return pr_raise_rc(I, rc, "iterator");
    pr_internal(I, it);
    gcs_obj **slot = gcs_obj_data(it);
    rc = gcs_slot_set(I->h, it, slot, ".it_seq", seq);
    if (rc) {
        gcs_decref(I->h, it);
        return pr_raise_rc(I, rc, "iterator");
    }
    return it;
}

/* Start iterating `seq` (borrowed). 0 or -1 (TypeError). */
int
pr_iter_begin(pr_interp *I, pr_iter *it, gcs_obj *seq)
{
    memset(it, 0, sizeof *it);
    it->seq = seq;
    it->kind = gcs_kind_of(seq);
    switch ((int)it->kind) {
    case GCS_KIND_LIST:
    case GCS_KIND_TUPLE:
    case GCS_KIND_DICT:
    case GCS_KIND_STR:
        it->dict_len = it->kind == GCS_KIND_DICT ? gcs_dict_len(I->h, seq) : 0;
        it->itobj = new_iterator_obj(I, seq, "iterator");
        return it->itobj ? 0 : -1;
    case GCS_KIND_USER:
        if (pr_view_kind(I, seq) >= 0) { /* iterate a snapshot (dict_*iterator) */
            gcs_obj *l = pr_internal(I, pr_view_list(I, seq));
            if (l == NULL)
                return -1;
            it->kind = GCS_KIND_LIST;
            it->seq = l;
            it->itobj = new_iterator_obj(I, l, "iterator");
            gcs_decref(I->h, l);
            return it->itobj ? 0 : -1;
        }
        if (strcmp(gcs_type_name(seq), "range") == 0) {
            int64_t *r = gcs_obj_data(seq);
            it->is_range = true;
            it->i = r[0];
            it->stop = r[1];
            it->step = r[2];
            return 0;
        }
        break;
    default:
        break;
    }
    return pr_raise_i(I, PR_E_TYPE, "'%s' object is not iterable", pr_type_name(I, seq));
}

/* Next item (NEW) or NULL: end (no exception) or error (exception set). */
gcs_obj *
pr_iter_next(pr_interp *I, pr_iter *it)
{
    gcs_obj *x = NULL;
    if (it->is_range) {
        if (it->step > 0 ? it->i >= it->stop : it->i <= it->stop)
            return NULL;
        x = pr_int(I, it->i);
        it->i += it->step;
        return x;
    }
    switch ((int)it->kind) {
    case GCS_KIND_LIST:
        if ((size_t)it->i >= gcs_list_len(I->h, it->seq))
            return NULL;
        gcs_list_get(I->h, it->seq, (ptrdiff_t)it->i++, &x);
        break;
    case GCS_KIND_TUPLE:
        if ((size_t)it->i >= gcs_tuple_len(I->h, it->seq))
            return NULL;
        gcs_tuple_get(I->h, it->seq, (size_t)it->i++, &x);
        break;
    case GCS_KIND_DICT: {
        if (gcs_dict_len(I->h, it->seq) != it->dict_len)
            return pr_raise(I, PR_E_RUNTIME, "dictionary changed size during iteration");
        gcs_obj *v;
        if (!gcs_dict_next(I->h, it->seq, &it->pos, &x, &v))
            return NULL;
        break;
    }
    case GCS_KIND_STR: {
        const char *s = gcs_str_value(I->h, it->seq);
        size_t n = gcs_str_len(I->h, it->seq), p = (size_t)it->i;
        if (p >= n)
            return NULL;
        size_t e = p + 1;
        while (e < n && ((unsigned char)s[e] & 0xC0) == 0x80)
            e++;
        it->i = (int64_t)e;
        return pr_str(I, s + p, e - p);
    }
    default:
        return NULL;
    }
    gcs_incref(I->h, x);
    return x;
}

void
pr_iter_end(pr_interp *I, pr_iter *it)
{
    if (it->itobj)
        gcs_decref(I->h, it->itobj);
    it->itobj = NULL;
}

/* {======================== Assignment targets ========================} */

int
pr_subscr_set(pr_interp *I, gcs_obj *o, gcs_obj *key, gcs_obj *v)
{
    int rc;
    switch ((int)gcs_kind_of(o)) {
    case GCS_KIND_LIST: {
        int64_t i = 0;
        if (gcs_int_value(I->h, key, &i))
            return pr_raise_i(I, PR_E_TYPE, "list indices must be integers, not %s",
                              pr_type_name(I, key));
        rc = gcs_list_set(I->h, o, (ptrdiff_t)i, v);
        if (rc == GCS_EINDEX)
            return pr_raise_i(I, PR_E_INDEX, "list assignment index out of range");
        break;
    }
    case GCS_KIND_DICT:
        rc = gcs_dict_set(I->h, o, key, v);
        if (rc == GCS_EUNHASHABLE)
            return pr_raise_i(I, PR_E_TYPE, "unhashable type: '%s'", pr_type_name(I, key));
        break;
    case GCS_KIND_USER: {
        pr_fninfo *fi = pr_info(I, o);
        if (fi && fi->kind == PR_F_WVDICT) {
            rc = gcs_wvdict_set(I->h, o, key, v);
            if (rc == GCS_ETYPE)
                return pr_raise_i(I, PR_E_TYPE, "cannot create weak reference to '%s' object",
                                  pr_type_name(I, v));
            break;
        }
    }
    /* fall through */
    default:
        return pr_raise_i(I, PR_E_TYPE, "'%s' object does not support item assignment",
                          pr_type_name(I, o));
    }
    return rc ? (pr_raise_rc(I, rc, "item assignment"), -1) : 0;
}

/* Materialise the items of an unpacking source: NEW refs into *items. */
static int
unpack(pr_interp *I, gcs_obj *v, int want, gcs_obj **items)
{
    pr_iter it;
    if (pr_iter_begin(I, &it, v)) {
        if (!pr_exc_matches(I, I->exc, I->exc_classes[PR_E_TYPE].cls))
            return -1;
        pr_clear_exc(I); /* UNPACK_SEQUENCE's own message */
        /* pr_raise_i is always -1; return it literally so every failure visibly
         * leaves items[] unwritten (clang-analyzer cannot see across files) */
        (void)pr_raise_i(I, PR_E_TYPE, "cannot unpack non-iterable %s object", pr_type_name(I, v));
        return -1;
    }
    int n = 0;
    gcs_obj *x;
    while ((x = pr_iter_next(I, &it)) != NULL) {
        if (n == want) {
            gcs_decref(I->h, x);
            for (int i = 0; i < n; i++)
                gcs_decref(I->h, items[i]);
            pr_iter_end(I, &it);
            (void)pr_raise_i(I, PR_E_VALUE, "too many values to unpack (expected %d)", want);
            return -1;
        }
        items[n++] = x;
    }
    pr_iter_end(I, &it);
    if (I->exc || n < want) {
        for (int i = 0; i < n; i++)
            gcs_decref(I->h, items[i]);
        if (I->exc)
            return -1;
        (void)pr_raise_i(I, PR_E_VALUE, "not enough values to unpack (expected %d, got %d)", want,
                         n);
        return -1;
    }
    return 0;
}

int
pr_assign(pr_interp *I, pr_node *t, gcs_obj *v)
{
    switch (t->kind) {
    case PR_N_NAME:
        return pr_store_name(I, t->op, t->slot, t->name, v);
    case PR_N_ATTR: {
        gcs_obj *o = pr_eval(I, t->a);
        if (o == NULL)
            return -1;
        int rc = pr_setattr(I, o, t->name, v);
        gcs_decref(I->h, o);
        return rc;
    }
    case PR_N_SUBSCR: {
        gcs_obj *o = pr_eval(I, t->a);
        if (o == NULL)
            return -1;
        gcs_obj *k = pr_eval(I, t->b);
        int rc = k ? pr_subscr_set(I, o, k, v) : -1;
        gcs_xdecref(I->h, k);
        gcs_decref(I->h, o);
        return rc;
    }
    case PR_N_TUPLE:
    case PR_N_LIST: {
        gcs_obj *items[64];
        if (t->n > 64)
            return pr_raise_i(I, PR_E_VALUE, "gcscope run: at most 64 unpacking targets");
        if (unpack(I, v, t->n, items))
            return -1;
        int rc = 0;
        for (int i = 0; i < t->n; i++) {
            if (rc == 0)
                rc = pr_assign(I, t->v[i], items[i]);
            gcs_decref(I->h, items[i]);
        }
        return rc;
    }
    default:
        return pr_raise_i(I, PR_E_TYPE, "cannot assign to this expression");
    }
}

int
pr_del_target(pr_interp *I, pr_node *t)
{
    switch (t->kind) {
    case PR_N_NAME:
        return pr_del_name(I, t->op, t->slot, t->name);
    case PR_N_ATTR: {
        gcs_obj *o = pr_eval(I, t->a);
        if (o == NULL)
            return -1;
        int rc = pr_delattr(I, o, t->name);
        gcs_decref(I->h, o);
        return rc;
    }
    case PR_N_SUBSCR: {
        gcs_obj *o = pr_eval(I, t->a);
        gcs_obj *k = o ? pr_eval(I, t->b) : NULL;
        int rc = -1;
        if (k) {
            gcs_kind kind = gcs_kind_of(o);
            pr_fninfo *fi = pr_info(I, o);
            if (kind == GCS_KIND_LIST) {
                int64_t i = 0;
                if (gcs_int_value(I->h, k, &i))
                    rc = pr_raise_i(I, PR_E_TYPE, "list indices must be integers");
                else if ((rc = gcs_list_del(I->h, o, (ptrdiff_t)i)) != 0)
                    rc = pr_raise_i(I, PR_E_INDEX, "list assignment index out of range");
            } else if (kind == GCS_KIND_DICT || (fi && fi->kind == PR_F_WVDICT)) {
                rc = kind == GCS_KIND_DICT ? gcs_dict_del(I->h, o, k) : gcs_wvdict_del(I->h, o, k);
                if (rc) {
                    gcs_incref(I->h, k);
                    gcs_obj *e = pr_new_exc(I, PR_E_KEY, NULL);
                    if (e) {
                        gcs_obj *args;
                        if (gcs_tuple_new(I->h, 1, &k, &args) == 0) {
                            gcs_attr_set(I->h, e, "args", args);
                            gcs_decref(I->h, args);
                        }
                        pr_raise_obj(I, e);
                    }
                    gcs_decref(I->h, k);
                    rc = -1;
                }
            } else {
                rc = pr_raise_i(I, PR_E_TYPE, "'%s' object doesn't support item deletion",
                                pr_type_name(I, o));
            }
        }
        gcs_xdecref(I->h, k);
        gcs_xdecref(I->h, o);
        return rc;
    }
    case PR_N_TUPLE:
    case PR_N_LIST:
        for (int i = 0; i < t->n; i++)
            if (pr_del_target(I, t->v[i]))
                return -1;
        return 0;
    default:
        return pr_raise_i(I, PR_E_TYPE, "cannot delete this expression");
    }
}

/* o[lo:hi:step] for lists, tuples and strs (a new object, as CPython). */
gcs_obj *
pr_slice_get(pr_interp *I, gcs_obj *o, pr_node *sl)
{
    int64_t v[3] = {0, 0, 1};
    bool given[3] = {false, false, false};
    pr_node *parts[3] = {sl->a, sl->b, sl->c};
    for (int i = 0; i < 3; i++) {
        if (parts[i] == NULL)
            continue;
        gcs_obj *x = pr_eval(I, parts[i]);
        if (x == NULL)
            return NULL;
        if (gcs_kind_of(x) != GCS_KIND_NONE) {
            if (gcs_int_value(I->h, x, &v[i])) {
                gcs_decref(I->h, x);
                return pr_raise(I, PR_E_TYPE, "slice indices must be integers or None");
            }
            given[i] = true;
        }
        gcs_decref(I->h, x);
    }
    gcs_kind kind = gcs_kind_of(o);
    if (kind != GCS_KIND_LIST && kind != GCS_KIND_TUPLE && kind != GCS_KIND_STR)
        return pr_raise(I, PR_E_TYPE, "'%s' object is not subscriptable", pr_type_name(I, o));
    if (v[2] == 0)
        return pr_raise(I, PR_E_VALUE, "slice step cannot be zero");
    int64_t n = 0;
    pr_len(I, o, &n);
    int64_t step = v[2], lo, hi;
    for (int i = 0; i < 2; i++) {
        if (!given[i]) {
            v[i] = step > 0 ? (i == 0 ? 0 : n) : (i == 0 ? n - 1 : -1);
            continue;
        }
        if (v[i] < 0)
            v[i] += n;
        if (v[i] < 0)
            v[i] = step > 0 ? 0 : -1;
        if (v[i] >= n)
            v[i] = step > 0 ? n : n - 1;
    }
    lo = v[0];
    hi = v[1];
    gcs_obj *l = NULL;
    pr_buf b = {0};
    int rc = kind == GCS_KIND_STR ? 0 : gcs_list_new(I->h, &l);
    if (rc == 0 && kind == GCS_KIND_TUPLE)
        pr_internal(I, l);
    for (int64_t i = lo; rc == 0 && (step > 0 ? i < hi : i > hi); i += step) {
        gcs_obj *idx = pr_int(I, i), *x = idx ? pr_subscr_get(I, o, idx) : NULL;
        gcs_xdecref(I->h, idx);
        if (x == NULL) {
            rc = -1;
            break;
        }
        if (kind == GCS_KIND_STR)
            rc = pr_buf_put(&b, gcs_str_value(I->h, x), gcs_str_len(I->h, x));
        else
            rc = gcs_list_append(I->h, l, x);
        gcs_decref(I->h, x);
    }
    gcs_obj *r = NULL;
    if (rc == 0 && kind == GCS_KIND_STR)
        r = pr_str(I, b.b ? b.b : "", b.n);
    else if (rc == 0 && kind == GCS_KIND_TUPLE)
        r = pr_list_to_tuple(I, l);
    else if (rc == 0) {
        r = l;
        l = NULL;
    } else if (rc != -1) {
        pr_raise_rc(I, rc, "slice");
    }
    free(b.b);
    gcs_xdecref(I->h, l);
    return r;
}

gcs_obj *
pr_subscr_get(pr_interp *I, gcs_obj *o, gcs_obj *k)
{
    gcs_kind kind = gcs_kind_of(o);
    gcs_obj *v = NULL;
    int64_t i = 0;
    if (kind == GCS_KIND_LIST || kind == GCS_KIND_TUPLE || kind == GCS_KIND_STR) {
        if (gcs_int_value(I->h, k, &i))
            return pr_raise(I, PR_E_TYPE, "%s indices must be integers, not %s", pr_type_name(I, o),
                            pr_type_name(I, k));
        int64_t n = 0;
        pr_len(I, o, &n);
        if (i < 0)
            i += n;
        if (i < 0 || i >= n)
            return pr_raise(I, PR_E_INDEX, "%s index out of range", pr_type_name(I, o));
        if (kind == GCS_KIND_LIST)
            gcs_list_get(I->h, o, (ptrdiff_t)i, &v);
        else if (kind == GCS_KIND_TUPLE)
            gcs_tuple_get(I->h, o, (size_t)i, &v);
        else {
            const char *s = gcs_str_value(I->h, o);
            size_t len = gcs_str_len(I->h, o), p = 0;
            for (int64_t c = 0; c < i && p < len; c++) {
                p++;
                while (p < len && ((unsigned char)s[p] & 0xC0) == 0x80)
                    p++;
            }
            size_t e = p + 1;
            while (e < len && ((unsigned char)s[e] & 0xC0) == 0x80)
                e++;
            return pr_str(I, s + p, e - p);
        }
        gcs_incref(I->h, v);
        return v;
    }
    pr_fninfo *fi = pr_info(I, o);
    if (kind == GCS_KIND_DICT || (fi && fi->kind == PR_F_WVDICT)) {
        int rc =
            kind == GCS_KIND_DICT ? gcs_dict_get(I->h, o, k, &v) : gcs_wvdict_get(I->h, o, k, &v);
        if (rc == 0) {
            gcs_incref(I->h, v);
            return v;
        }
        if (rc == GCS_EUNHASHABLE)
            return pr_raise(I, PR_E_TYPE, "unhashable type: '%s'", pr_type_name(I, k));
        gcs_obj *e = pr_new_exc(I, PR_E_KEY, NULL), *args;
        if (e && gcs_tuple_new(I->h, 1, &k, &args) == 0) {
            gcs_attr_set(I->h, e, "args", args);
            gcs_decref(I->h, args);
        }
        if (e)
            pr_raise_obj(I, e);
        return NULL;
    }
    return pr_raise(I, PR_E_TYPE, "'%s' object is not subscriptable", pr_type_name(I, o));
}
