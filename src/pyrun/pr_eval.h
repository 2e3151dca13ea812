/* src/pyrun/pr_eval.h — what the expression evaluator (pr_eval.c), variables
 * and targets (pr_vars.c) and the statement executor (pr_exec.c) share.
 * Conventions as in pr_interp.h. */
#ifndef GCS_PR_EVAL_H
#define GCS_PR_EVAL_H

#include "pr_interp.h"

/* Status of a statement. */
enum { EX_ERR = -1, EX_OK = 0, EX_BREAK, EX_CONTINUE, EX_RETURN };

/* Iteration over lists, tuples, dicts (keys), dict views, strs and ranges; an
 * iterator object (tracked, holding the iterable) exists while it runs, as
 * CPython's GET_ITER makes one. */
typedef struct pr_iter {
    gcs_obj *seq;   /* BORROWED (held by itobj, or by the caller for range) */
    gcs_obj *itobj; /* the iterator object (GC tracked, holds seq), NEW */
    gcs_kind kind;
    int64_t i, stop, step;
    size_t pos, dict_len;
    bool is_range;
} pr_iter;

/* Variables (node op/slot/name from pr_scope.c). load: NEW ref or NameError;
 * store: the runtime variable takes its reference (v borrowed); 0 or -1. */
gcs_obj *pr_load_name(pr_interp *I, pr_node *x);
int pr_store_name(pr_interp *I, int scope, int slot, int name, gcs_obj *v);
int pr_del_name(pr_interp *I, int scope, int slot, int name);
/* begin: 0 or -1 (TypeError, not iterable); next: NEW item, or NULL at the end
 * (no exception) or on error (exception set); end: always, releases the iterator. */
int pr_iter_begin(pr_interp *I, pr_iter *it, gcs_obj *seq);
gcs_obj *pr_iter_next(pr_interp *I, pr_iter *it);
void pr_iter_end(pr_interp *I, pr_iter *it);
/* Subscripts and assignment targets (values borrowed); 0 or -1. */
int pr_subscr_set(pr_interp *I, gcs_obj *o, gcs_obj *key, gcs_obj *v);
gcs_obj *pr_subscr_get(pr_interp *I, gcs_obj *o, gcs_obj *k); /* NEW or NULL */
/* o[lo:hi:step] (sl: the SLICE node, evaluated here); NEW or NULL. */
gcs_obj *pr_slice_get(pr_interp *I, gcs_obj *o, pr_node *sl);
int pr_assign(pr_interp *I, pr_node *t, gcs_obj *v);
int pr_del_target(pr_interp *I, pr_node *t);
/* The defaults tuple of a def/lambda (NEW), NULL if none (or error: check I->exc). */
gcs_obj *pr_eval_defaults(pr_interp *I, const pr_code *code, pr_node *owner);

#endif
