/* src/pyrun/pr_builtins.h — what pr_builtins.c (builtin functions, the table),
 * pr_btypes.c (types, dispatch, set-up), pr_methods.c and pr_modules.c (gc,
 * sys, weakref) share: argument helpers and the module
 * functions that BUILTIN_MAP lists. Conventions as in pr_interp.h. */
#ifndef GCS_PR_BUILTINS_H
#define GCS_PR_BUILTINS_H

#include "pr_interp.h"

/* {==== the builtin table (pr_builtins.c) ====} */
typedef gcs_obj *(*pr_bi_fn)(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
enum { PR_M_NONE = -1, PR_M_GC = 0, PR_M_SYS = 1, PR_M_WEAKREF = 2 }; /* module of a builtin */
typedef struct pr_builtin_def {
    const char *name;
    int module; /* PR_M_* */
    pr_bi_fn fn;
} pr_builtin_def;
extern const pr_builtin_def pr_builtin_table[]; /* indexed by builtin index */
extern const int pr_n_builtins;

/* {==== helpers (pr_builtins.c) ====} */
gcs_obj *pr_ret(pr_interp *I, gcs_obj *o);          /* incref and return o */
gcs_obj *pr_kw_get(pr_interp *I, const char *name); /* keyword argument or NULL (borrowed) */
bool pr_nargs_ok(pr_interp *I, const char *fn, int n, int lo, int hi); /* else TypeError */
bool pr_get_int(pr_interp *I, gcs_obj *o, int64_t *v, const char *what);
gcs_obj *pr_new_list(pr_interp *I);
gcs_obj *pr_append_steal(pr_interp *I, gcs_obj *l, gcs_obj *x); /* l, or NULL (l released) */
gcs_obj *pr_tuple_of(pr_interp *I, int n, gcs_obj *const items[]);
gcs_obj *pr_tuple3_ints(pr_interp *I, long v[3]);
gcs_obj *pr_list_item(pr_interp *I, gcs_obj *l, size_t i); /* BORROWED */

/* Keyword arguments of the builtin being called (saved/restored around it). */
typedef struct pr_kw_save {
    uint32_t used;
    int n;
    const int *names;
    gcs_obj **vals;
} pr_kw_save;
int pr_kw_enter(pr_interp *I, pr_kw_save *sv); /* returns the number of keywords */
void pr_kw_leave(pr_interp *I, pr_kw_save *sv);
int pr_sort_list(pr_interp *I, gcs_obj *l, gcs_obj *key, bool reverse); /* in place */
int pr_bmethod_count(void);                                   /* builtin methods (pr_methods.c) */
gcs_obj *pr_ty_dict(pr_interp *I, gcs_obj *const a[], int n); /* dict(...) */

/* {==== weakref.finalize objects (pr_modules.c) ====} */
int pr_fin_traverse(gcs_heap *h, gcs_obj *self, gcs_visit_fn visit, void *arg);
void pr_fin_clear(gcs_heap *h, gcs_obj *self);
ptrdiff_t pr_fin_index(pr_interp *I, gcs_obj *fin); /* index in the registry, -1 if not alive */
/* finalize.detach(): (obj, func, args, kwargs) and dead, or None if already dead. */
gcs_obj *pr_finalize_detach(pr_interp *I, gcs_obj *fin);

/* {==== module functions (pr_modules.c) ====} */
gcs_obj *pr_gc_collect(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_enable(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_disable(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_isenabled(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_get_count(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_get_threshold(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_set_threshold(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_get_stats(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_set_debug(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_get_debug(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_get_objects(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_get_referrers(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_get_referents(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_is_tracked(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_is_finalized(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_freeze(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_unfreeze(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_gc_get_freeze_count(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_sys_getrefcount(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_wr_ref(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_wr_getweakrefcount(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_wr_wvdict(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);
gcs_obj *pr_wr_finalize(pr_interp *I, gcs_obj *self, gcs_obj *const a[], int n);

#endif
