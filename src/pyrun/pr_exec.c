/* src/pyrun/pr_exec.c — statement execution: assignment, control flow, def,
 * class, try/except/finally, import, and the module runner.
 *
 * exec_stmt() returns an EX_* status (normal, break, continue, return, error;
 * pr_eval.h). A class statement follows __build_class__: a body function, a
 * fresh namespace, the namespace copied into the class dict. Start reading at
 * pr_exec_module() at the end of the file.
 */
#include <stdlib.h>
#include <string.h>

#include "pr_eval.h"

static int exec_block(pr_interp *I, pr_node *b);

/* {======================== Statements ========================} */

static int
exec_assign(pr_interp *I, pr_node *s)
{
    gcs_obj *v = pr_eval(I, s->a);
    if (v == NULL)
        return EX_ERR;
    int rc = 0;
    for (int i = 0; i < s->n && rc == 0; i++)
        rc = pr_assign(I, s->v[i], v);
    gcs_decref(I->h, v);
    return rc ? EX_ERR : EX_OK;
}

static int
exec_augassign(pr_interp *I, pr_node *s)
{
    pr_node *t = s->a;
    gcs_obj *obj = NULL, *key = NULL, *cur = NULL, *val = NULL, *res = NULL;
    int rc = -1;
    if (t->kind == PR_N_NAME) {
        cur = pr_load_name(I, t);
    } else if (t->kind == PR_N_ATTR) {
        if ((obj = pr_eval(I, t->a)) != NULL)
            cur = pr_getattr(I, obj, t->name);
    } else if ((obj = pr_eval(I, t->a)) != NULL && (key = pr_eval(I, t->b)) != NULL) {
        cur = pr_subscr_get(I, obj, key);
    }
    if (cur && (val = pr_eval(I, s->b)) != NULL) {
        /* list += iterable extends in place (INPLACE_ADD) */
        if (s->op == PR_OP_ADD && gcs_kind_of(cur) == GCS_KIND_LIST &&
            (gcs_kind_of(val) == GCS_KIND_LIST || gcs_kind_of(val) == GCS_KIND_TUPLE)) {
            gcs_obj *items = pr_iter_temp(I, val);
            int arc = 0;
            for (size_t i = 0; items && arc == 0 && i < gcs_list_len(I->h, items); i++) {
                gcs_obj *x = NULL;
                gcs_list_get(I->h, items, (ptrdiff_t)i, &x);
                arc = gcs_list_append(I->h, cur, x);
            }
            gcs_xdecref(I->h, items);
            if (items && arc == 0) {
                res = cur;
                gcs_incref(I->h, res);
            } else if (arc) {
                pr_raise_rc(I, arc, "list");
            }
        } else {
            res = pr_binop(I, s->op, cur, val);
        }
    }
    if (res) {
        if (t->kind == PR_N_NAME)
            rc = pr_store_name(I, t->op, t->slot, t->name, res);
        else if (t->kind == PR_N_ATTR)
            rc = pr_setattr(I, obj, t->name, res);
        else
            rc = pr_subscr_set(I, obj, key, res);
    }
    gcs_xdecref(I->h, res);
    gcs_xdecref(I->h, val);
    gcs_xdecref(I->h, cur);
    gcs_xdecref(I->h, key);
    gcs_xdecref(I->h, obj);
    return rc ? EX_ERR : EX_OK;
}

static int
exec_if(pr_interp *I, pr_node *s)
{
    while (s) {
        gcs_obj *c = pr_eval(I, s->a);
        if (c == NULL)
            return EX_ERR;
        int err;
        bool t = pr_truthy(I, c, &err);
        gcs_decref(I->h, c);
        if (err)
            return EX_ERR;
        if (t)
            return exec_block(I, s->b);
        if (s->c == NULL)
            return EX_OK;
        if (s->c->kind != PR_N_IF)
            return exec_block(I, s->c);
        s = s->c;
    }
    return EX_OK;
}

static int
exec_while(pr_interp *I, pr_node *s)
{
    for (;;) {
        gcs_obj *c = pr_eval(I, s->a);
        if (c == NULL)
            return EX_ERR;
        int err;
        bool t = pr_truthy(I, c, &err);
        gcs_decref(I->h, c);
        if (err)
            return EX_ERR;
        if (!t)
            return s->c ? exec_block(I, s->c) : EX_OK;
        int st = exec_block(I, s->b);
        if (st == EX_BREAK)
            return EX_OK;
        if (st == EX_ERR || st == EX_RETURN)
            return st;
    }
}

static int
exec_for(pr_interp *I, pr_node *s)
{
    gcs_obj *seq = pr_eval(I, s->b);
    if (seq == NULL)
        return EX_ERR;
    pr_iter it;
    if (pr_iter_begin(I, &it, seq)) {
        gcs_decref(I->h, seq);
        return EX_ERR;
    }
    if (it.itobj) { /* the iterator holds the iterable now (GET_ITER) */
        gcs_decref(I->h, seq);
        seq = NULL;
    }
    int st = EX_OK;
    gcs_obj *x;
    bool broke = false;
    while ((x = pr_iter_next(I, &it)) != NULL) {
        int rc = pr_assign(I, s->a, x);
        gcs_decref(I->h, x);
        if (rc) {
            st = EX_ERR;
            break;
        }
        st = exec_block(I, s->d);
        if (st == EX_BREAK) {
            st = EX_OK;
            broke = true;
            break;
        }
        if (st == EX_CONTINUE)
            st = EX_OK;
        if (st != EX_OK)
            break;
    }
    if (st == EX_OK && I->exc)
        st = EX_ERR;
    pr_iter_end(I, &it);
    gcs_xdecref(I->h, seq);
    if (st == EX_OK && !broke && s->c)
        st = exec_block(I, s->c);
    return st;
}

static int
exec_def(pr_interp *I, pr_node *s)
{
    gcs_obj *defs = pr_eval_defaults(I, s->code, s);
    if (defs == NULL && I->exc)
        return EX_ERR;
    gcs_obj *f = pr_make_function(I, s->code, defs);
    gcs_xdecref(I->h, defs);
    if (f == NULL)
        return EX_ERR;
    int rc = pr_store_name(I, s->op, s->slot, s->name, f);
    gcs_decref(I->h, f);
    return rc ? EX_ERR : EX_OK;
}

static int
exec_class(pr_interp *I, pr_node *s)
{
    gcs_obj *base = NULL, *ns = NULL, *body_fn = NULL;
    /* CPython: MAKE_FUNCTION for the body, bases, __build_class__ runs the body
     * with a fresh namespace, type() copies it; body function and namespace die. */
    I->classbody_info = (pr_fninfo){.I = I, .kind = PR_F_BUILTIN, .idx = -1};
    int rc = gcs_cfunc_new(I->h, pr_name(I, s->name), pr_cfunc_trampoline, &I->classbody_info, NULL,
                           &body_fn);
    if (rc) {
        pr_raise_rc(I, rc, "class");
        return EX_ERR;
    }
    pr_internal(I, body_fn);
    if (s->a && (base = pr_eval(I, s->a)) == NULL) {
        gcs_decref(I->h, body_fn);
        return EX_ERR;
    }
    rc = gcs_dict_new(I->h, &ns);
    if (rc) {
        gcs_xdecref(I->h, base);
        gcs_decref(I->h, body_fn);
        pr_raise_rc(I, rc, "class");
        return EX_ERR;
    }
    pr_internal(I, ns);
    gcs_dict_set_str(I->h, ns, "__module__", I->main_str);
    gcs_dict_set_str(I->h, ns, "__qualname__", pr_name_str(I, s->name));
    pr_internal_keys(I, ns);
    pr_frame fr = {.back = I->frame,
                   .code = I->frame->code,
                   .slots = I->frame->slots,
                   .class_ns = ns,
                   .line = s->line,
                   .is_module = I->frame->is_module};
    I->frame = &fr;
    int st = exec_block(I, s->b);
    I->frame = fr.back;
    gcs_obj *cls = NULL;
    if (st == EX_OK) {
        gcs_obj *copy = pr_call_builtin(I, -1 - PR_TY_DICT, NULL, &ns, 1); /* PyDict_Copy */
        if (copy) {
            gcs_dict_del(I->h, copy, pr_name_str(I, I->nm_qualname));
            cls = pr_make_class(I, s->name, base, copy);
            gcs_decref(I->h, copy);
        }
    } else if (st != EX_ERR) {
        pr_raise(I, PR_E_RUNTIME, "'return'/'break' outside function in class body");
    }
    gcs_decref(I->h, ns);
    gcs_xdecref(I->h, base);
    gcs_decref(I->h, body_fn);
    if (cls == NULL)
        return EX_ERR;
    rc = pr_store_name(I, s->op, s->slot, s->name, cls);
    gcs_decref(I->h, cls);
    return rc ? EX_ERR : EX_OK;
}

static int
exec_raise(pr_interp *I, pr_node *s)
{
    if (s->a == NULL) {
        if (I->handling == NULL)
            return pr_raise_i(I, PR_E_RUNTIME, "No active exception to reraise"), EX_ERR;
        gcs_incref(I->h, I->handling);
        pr_raise_obj(I, I->handling);
        return EX_ERR;
    }
    gcs_obj *e = pr_eval(I, s->a);
    if (e == NULL)
        return EX_ERR;
    pr_classinfo *ci = pr_class_info(I, e);
    if (ci && ci->is_exc) {
        gcs_obj *inst = pr_call(I, e, NULL, 0);
        gcs_decref(I->h, e);
        if (inst == NULL)
            return EX_ERR;
        e = inst;
    }
    ci = gcs_kind_of(e) == GCS_KIND_INSTANCE ? pr_class_info(I, gcs_class_of(I->h, e)) : NULL;
    if (ci == NULL || !ci->is_exc) {
        gcs_decref(I->h, e);
        pr_raise(I, PR_E_TYPE, "exceptions must derive from BaseException");
        return EX_ERR;
    }
    pr_raise_obj(I, e);
    return EX_ERR;
}

/* Does the pending exception match handler h? 1, 0, or -1 (error). */
static int
handler_matches(pr_interp *I, pr_node *h)
{
    if (h->a == NULL)
        return 1;
    gcs_obj *exc = I->exc;
    int n_tb = I->n_tb;
    pr_tb *tb = NULL;
    if (n_tb) {
        tb = malloc((size_t)n_tb * sizeof *tb);
        if (tb)
            memcpy(tb, I->tb, (size_t)n_tb * sizeof *tb);
    }
    I->exc = NULL;
    I->n_tb = 0;
    gcs_obj *cls = pr_eval(I, h->a);
    int r = -1;
    if (cls) {
        r = pr_isinstance(I, exc, cls);
        gcs_decref(I->h, cls);
    }
    if (r < 0) {
        gcs_decref(I->h, exc);
        free(tb);
        return -1;
    }
    I->exc = exc;
    for (int i = 0; tb && i < n_tb; i++)
        pr_tb_add(I, tb[i].line, tb[i].name);
    free(tb);
    return r;
}

static int
run_handler(pr_interp *I, pr_node *h)
{
    gcs_obj *exc = I->exc;
    I->exc = NULL;
    I->n_tb = 0;
    gcs_obj *saved = I->handling;
    I->handling = exc;
    int st = EX_OK;
    if (h->name >= 0 && pr_store_name(I, h->op, h->slot, h->name, exc))
        st = EX_ERR;
    if (st == EX_OK)
        st = exec_block(I, h->b);
    if (h->name >= 0) { /* `except E as e` ends with `del e` */
        bool bound = h->op == PR_SC_LOCAL    ? I->frame->slots[h->slot] != NULL
                     : h->op == PR_SC_GLOBAL ? I->globals[h->name] != NULL
                                             : true;
        if (bound) {
            gcs_obj *pending = I->exc;
            int n_tb = I->n_tb;
            I->exc = NULL;
            if (pr_del_name(I, h->op, h->slot, h->name))
                pr_clear_exc(I);
            I->exc = pending;
            I->n_tb = n_tb;
        }
    }
    I->handling = saved;
    gcs_decref(I->h, exc);
    return st;
}

static int
exec_try(pr_interp *I, pr_node *s)
{
    int st = exec_block(I, s->a);
    if (st == EX_ERR && !I->exc_fatal) {
        for (int i = 0; i < s->n; i++) {
            int m = handler_matches(I, s->v[i]);
            if (m < 0)
                break;
            if (m) {
                st = run_handler(I, s->v[i]);
                break;
            }
        }
    } else if (st == EX_OK && s->c) {
        st = exec_block(I, s->c);
    }
    if (s->d == NULL)
        return st;
    /* finally: park the pending exception / return value, run, restore */
    gcs_obj *exc = I->exc;
    int n_tb = I->n_tb;
    pr_tb *tb = NULL;
    if (exc && n_tb && (tb = malloc((size_t)n_tb * sizeof *tb)) != NULL)
        memcpy(tb, I->tb, (size_t)n_tb * sizeof *tb);
    I->exc = NULL;
    I->n_tb = 0;
    gcs_obj *ret = st == EX_RETURN ? I->frame->retval : NULL;
    if (st == EX_RETURN)
        I->frame->retval = NULL;
    int fst = exec_block(I, s->d);
    if (fst != EX_OK) {
        gcs_xdecref(I->h, exc);
        gcs_xdecref(I->h, ret);
        free(tb);
        return fst;
    }
    if (exc) {
        I->exc = exc;
        for (int i = 0; tb && i < n_tb; i++)
            pr_tb_add(I, tb[i].line, tb[i].name);
    }
    if (ret)
        I->frame->retval = ret;
    free(tb);
    return st;
}

static int
exec_import(pr_interp *I, pr_node *s)
{
    for (int i = 0; i < s->n; i++) {
        pr_node *n = s->v[i];
        gcs_obj *m = pr_import(I, n->name);
        if (m == NULL)
            return EX_ERR;
        int rc = pr_store_name(I, n->op, n->slot, n->name, m);
        gcs_decref(I->h, m);
        if (rc)
            return EX_ERR;
    }
    return EX_OK;
}

static int
exec_assert(pr_interp *I, pr_node *s)
{
    gcs_obj *c = pr_eval(I, s->a);
    if (c == NULL)
        return EX_ERR;
    int err;
    bool t = pr_truthy(I, c, &err);
    gcs_decref(I->h, c);
    if (err)
        return EX_ERR;
    if (t)
        return EX_OK;
    gcs_obj *msg = s->b ? pr_eval(I, s->b) : NULL;
    if (s->b && msg == NULL)
        return EX_ERR;
    gcs_obj *e = pr_new_exc(I, PR_E_ASSERT, NULL);
    if (e && msg) {
        gcs_obj *args;
        if (gcs_tuple_new(I->h, 1, &msg, &args) == 0) {
            gcs_attr_set(I->h, e, "args", args);
            gcs_decref(I->h, args);
        }
    }
    gcs_xdecref(I->h, msg);
    if (e == NULL) {
        I->exc_fatal = true;
        return EX_ERR;
    }
    pr_raise_obj(I, e);
    return EX_ERR;
}

static int
exec_stmt(pr_interp *I, pr_node *s)
{
    I->frame->line = s->line;
    switch (s->kind) {
    case PR_N_EXPR_STMT: {
        gcs_obj *v = pr_eval(I, s->a);
        if (v == NULL)
            return EX_ERR;
        gcs_decref(I->h, v);
        return EX_OK;
    }
    case PR_N_ASSIGN:
        return exec_assign(I, s);
    case PR_N_AUGASSIGN:
        return exec_augassign(I, s);
    case PR_N_DEL:
        return pr_del_target(I, s->a) ? EX_ERR : EX_OK;
    case PR_N_PASS:
    case PR_N_GLOBAL:
        return EX_OK;
    case PR_N_IF:
        return exec_if(I, s);
    case PR_N_WHILE:
        return exec_while(I, s);
    case PR_N_FOR:
        return exec_for(I, s);
    case PR_N_BREAK:
        return EX_BREAK;
    case PR_N_CONTINUE:
        return EX_CONTINUE;
    case PR_N_DEF:
        return exec_def(I, s);
    case PR_N_CLASS:
        return exec_class(I, s);
    case PR_N_RETURN: {
        gcs_obj *v = s->a ? pr_eval(I, s->a) : pr_none(I);
        if (v == NULL)
            return EX_ERR;
        gcs_xdecref(I->h, I->frame->retval);
        I->frame->retval = v;
        return EX_RETURN;
    }
    case PR_N_ASSERT:
        return exec_assert(I, s);
    case PR_N_IMPORT:
        return exec_import(I, s);
    case PR_N_TRY:
        return exec_try(I, s);
    case PR_N_RAISE:
        return exec_raise(I, s);
    default:
        return pr_raise_i(I, PR_E_RUNTIME, "gcscope run: cannot execute node kind %d", s->kind);
    }
}

static int
exec_block(pr_interp *I, pr_node *b)
{
    if (b == NULL)
        return EX_OK;
    for (int i = 0; i < b->n; i++) {
        int st = exec_stmt(I, b->v[i]);
        if (st != EX_OK)
            return st;
    }
    return EX_OK;
}

int
pr_exec_body(pr_interp *I, pr_frame *f, pr_node *body)
{
    (void)f;
    if (body == NULL)
        return 0;
    int st = exec_block(I, body);
    if (st == EX_ERR)
        return -1;
    if (st == EX_BREAK || st == EX_CONTINUE)
        return pr_raise_i(I, PR_E_RUNTIME, "'break' outside loop");
    return 0;
}

/* Append source text src[0..n) to the caption, collapsing runs of blanks. */
static void
caption_put(char *cap, size_t *len, size_t cap_size, const char *src, size_t n)
{
    for (size_t i = 0; i < n && *len + 1 < cap_size; i++) {
        char c = src[i] == '\t' || src[i] == '\r' ? ' ' : src[i];
        if (c == ' ' && (*len == 0 || strchr(" ([{", cap[*len - 1]) != NULL))
            continue;
        cap[(*len)++] = c;
    }
    cap[*len] = '\0';
}

/* Bracket depth change over src[0..n), skipping string literals; *code_n
 * gets the length before a comment (a heuristic good enough for captions). */
static int
bracket_delta(const char *src, size_t n, size_t *code_n)
{
    *code_n = n;
    int d = 0;
    char q = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (q) {
            if (c == '\\' && i + 1 < n)
                i++;
            else if (c == q)
                q = 0;
        } else if (c == '\'' || c == '"') {
            q = c;
        } else if (c == '#') {
            *code_n = i;
            break;
        } else if (c == '(' || c == '[' || c == '{') {
            d++;
        } else if (c == ')' || c == ']' || c == '}') {
            d--;
        }
    }
    return d;
}

/* The caption of top-level statement k: "LINE: text". The text is the
 * statement's own source: from its column to the next statement on the same
 * line (`a = 1; b = 2` gives two captions), or to the end of the line, with
 * continuation lines of an open bracket joined; blanks are collapsed and a
 * trailing ';' dropped. Compound statements show their header line. */
static void
statement_caption(const pr_program *prog, const pr_node *m, int k, char *cap, size_t size)
{
    const pr_node *s = m->v[k];
    const pr_node *next = k + 1 < m->n ? m->v[k + 1] : NULL;
    const char *line = prog->lines[s->line - 1];
    size_t start = s->col >= 1 && (size_t)(s->col - 1) <= strlen(line) ? (size_t)(s->col - 1) : 0;
    size_t end = strlen(line);
    if (next && next->line == s->line && next->col > s->col && (size_t)(next->col - 1) <= end)
        end = (size_t)(next->col - 1);
    size_t len = (size_t)snprintf(cap, size, "%d: ", s->line);
    size_t head = len, code_n;
    int depth = bracket_delta(line + start, end - start, &code_n);
    /* A comment stays on a one-line statement; joined lines drop theirs. */
    caption_put(cap, &len, size, line + start, depth > 0 ? code_n : end - start);
    for (int ln = s->line + 1; depth > 0 && ln <= prog->n_lines && len + 1 < size; ln++) {
        if (next && ln >= next->line)
            break;
        const char *cont = prog->lines[ln - 1];
        depth += bracket_delta(cont, strlen(cont), &code_n);
        caption_put(cap, &len, size, " ", 1);
        caption_put(cap, &len, size, cont, code_n);
    }
    while (len > head && (cap[len - 1] == ' ' || cap[len - 1] == ';'))
        cap[--len] = '\0';
}

/* Run the module body; a MARKER captioned with the statement's source (see
 * statement_caption) precedes each top-level statement, so a trace can be
 * stepped line by line. */
int
pr_exec_module(pr_interp *I)
{
    pr_node *m = I->prog->module;
    for (int i = 0; i < m->n; i++) {
        pr_node *s = m->v[i];
        if (I->opts->markers && s->line >= 1 && s->line <= I->prog->n_lines) {
            char cap[400];
            statement_caption(I->prog, m, i, cap, sizeof cap);
            gcs_marker_at(I->h, cap, NULL);
        }
        int st = exec_stmt(I, s);
        if (st == EX_ERR)
            return -1;
        if (st != EX_OK)
            return pr_raise_i(I, PR_E_RUNTIME, "'return'/'break' outside function");
    }
    return 0;
}
