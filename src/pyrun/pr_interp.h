/* src/pyrun/pr_interp.h — the evaluator's internal contract.
 *
 * Every Python value is a gcs_obj owned by the runtime. Convention inside
 * pyrun: a function returning gcs_obj * returns a NEW reference, or NULL with
 * an exception set on the interpreter (pr_raise*). Functions returning int
 * return 0, or -1 with an exception set.
 *
 * Variables: each frame mirrors its runtime frame (gcs_frame_push /
 * gcs_var_set) in a slot array of BORROWED pointers; the runtime's variable
 * holds the reference, the slot is only a fast index into it.
 */
#ifndef GCS_PR_INTERP_H
#define GCS_PR_INTERP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gcscope/pyrun.h"
#include "gcscope/runtime.h"
#include "pr_int.h"

typedef struct pr_interp pr_interp;

/* What a callable (cfunc) or special object created by pyrun is. */
typedef enum pr_fkind {
    PR_F_PYFUNC = 1, /* Python function: ud code, bound = defaults tuple */
    PR_F_METHOD,     /* bound method: bound = self, idx = attribute name */
    PR_F_BUILTIN,    /* builtin function: idx */
    PR_F_BMETHOD,    /* builtin method bound to self (bound = self): idx */
    PR_F_TYPE,       /* builtin type object (non-GC user object): idx */
    PR_F_MODULE,     /* module object: idx */
    PR_F_WVDICT,     /* WeakValueDictionary */
    PR_F_FINCB,      /* weakref.finalize callback: bound = finalize object */
    PR_F_CLASS       /* user or exception class: cls info */
} pr_fkind;

typedef struct pr_classinfo pr_classinfo;

typedef struct pr_fninfo {
    pr_interp *I;
    uint8_t kind; /* pr_fkind */
    int idx;      /* builtin / method / type / module index */
    const pr_code *code;
    pr_classinfo *cls;
} pr_fninfo;

/* One cached class-attribute lookup, valid while epoch == interp class_epoch. */
typedef struct pr_lookup_cache {
    uint64_t epoch;
    int name;
    gcs_obj *val; /* BORROWED (held by a class dict), NULL: not found */
} pr_lookup_cache;

struct pr_classinfo {
    pr_lookup_cache cache[8];
    pr_fninfo fi;  /* kind PR_F_CLASS */
    gcs_obj *cls;  /* BORROWED (the side table never outlives the heap) */
    gcs_obj *dict; /* BORROWED: held by the class's "__dict__" attribute, NULL for builtins */
    gcs_obj *base; /* BORROWED: held by "__bases__", NULL for object */
    pr_classinfo *base_info;
    int name;
    bool is_exc;
    bool has_del;
};

typedef struct pr_frame {
    struct pr_frame *back;   /* caller */
    struct pr_frame *parent; /* lexically enclosing frame (comprehensions) */
    const pr_code *code;
    gcs_obj **slots;   /* BORROWED mirrors of the runtime frame's variables */
    gcs_obj *class_ns; /* class body: the namespace dict */
    gcs_obj *retval;   /* NEW ref while returning */
    int line;
    bool is_module;
} pr_frame;

typedef struct pr_tb {
    int line;
    int name; /* code name id */
} pr_tb;

/* Id -> info side table (ids are never reused by the runtime). */
typedef struct pr_idmap {
    uint64_t *keys;
    void **vals;
    size_t cap, n;
} pr_idmap;

enum { PR_MAX_DEPTH = 400 };

struct pr_interp {
    gcs_heap *h;
    pr_program *prog;
    const gcs_pyrun_opts *opts;
    FILE *out;
    gcs_obj **globals; /* by name id; BORROWED mirrors of the module frame */
    gcs_obj **strs;    /* by name id: interned str objects (NEW refs held here) */
    int n_names;
    pr_frame *frame;
    pr_frame module_frame;
    int depth;
    /* exception state */
    gcs_obj *exc; /* current exception (strong) or NULL */
    pr_tb *tb;
    int n_tb, cap_tb;
    bool exc_fatal; /* out of memory / internal: stop */
    /* side tables */
    pr_idmap ids;
    pr_fninfo *builtin_info; /* per builtin index */
    pr_fninfo *bmethod_info;
    pr_fninfo fincb_info, wvdict_info, classbody_info;
    pr_fninfo **method_infos; /* bound-method info per attribute name id */
    int n_method_infos;
    pr_fninfo *type_info;
    gcs_obj **builtin_objs; /* by builtin index, NEW refs, created lazily */
    gcs_obj **type_objs;    /* by type index */
    gcs_obj *modules[3];
    pr_fninfo *module_infos[3];
    gcs_type *t_type, *t_module, *t_getset, *t_finalize, *t_range, *t_iter, *t_object, *t_view[3];
    uint32_t kw_used; /* builtins: keyword arguments consumed */
    int bi_n_kw;      /* keyword arguments of the builtin being called */
    const int *bi_kw_names;
    gcs_obj **bi_kw_vals;
    /* classes */
    pr_classinfo *exc_classes; /* array by exception index */
    gcs_obj *object_cls;       /* the `object` type object (a non-GC type object) */
    gcs_obj *fin_registry;     /* list of live weakref.finalize objects */
    gcs_obj *main_str;         /* "__main__" */
    /* pending keyword arguments of the call in progress */
    int n_kw;
    const int *kw_names;
    gcs_obj **kw_vals;    /* owned by the caller; a callee may steal (set NULL) */
    gcs_obj *handling;    /* exception being handled (bare `raise`), BORROWED */
    gcs_obj **const_objs; /* constants created for the AST (NEW refs) */
    int n_consts, cap_consts;
    pr_classinfo **classes; /* every classinfo allocated (freed at the end) */
    int n_classes, cap_classes;
    int exit_code;
    gcs_obj *repr_stack[64]; /* containers whose repr is in progress (Py_ReprEnter) */
    int n_repr;
    int cmp_depth;        /* nesting of container comparisons */
    uint64_t class_epoch; /* bumped by every change to a class dict (lookup caches) */
    int nm_init, nm_del, nm_repr, nm_str, nm_len, nm_eq, nm_qualname, nm_doc;
};

/* Builtin type indices (type objects; also used by type()). */
typedef enum pr_tyidx {
    PR_TY_OBJECT,
    PR_TY_INT,
    PR_TY_STR,
    PR_TY_BOOL,
    PR_TY_NONE,
    PR_TY_LIST,
    PR_TY_TUPLE,
    PR_TY_DICT,
    PR_TY_RANGE,
    PR_TY_FUNCTION,
    PR_TY_METHOD,
    PR_TY_BUILTIN,
    PR_TY_WEAKREF,
    PR_TY_TYPE,
    PR_TY_MODULE,
    PR_TY_WVDICT,
    PR_TY_FINALIZE,
    PR_TY_GETSET,
    PR_TY_CELL,
    PR_TY__COUNT
} pr_tyidx;

/* Exception classes (builtins). */
typedef enum pr_excidx {
    PR_E_BASE,
    PR_E_EXCEPTION,
    PR_E_TYPE,
    PR_E_VALUE,
    PR_E_KEY,
    PR_E_INDEX,
    PR_E_ATTRIBUTE,
    PR_E_NAME,
    PR_E_UNBOUND,
    PR_E_ZERODIV,
    PR_E_ASSERT,
    PR_E_RUNTIME,
    PR_E_RECURSION,
    PR_E_MEMORY,
    PR_E_NOTIMPL,
    PR_E_OVERFLOW,
    PR_E_LOOKUP,
    PR_E_ARITH,
    PR_E_STOPITER,
    PR_E__COUNT
} pr_excidx;

/* {==== pr_obj.c: side table, values, errors; pr_repr.c; pr_arith.c ====} */
int pr_idmap_put(pr_interp *I, uint64_t id, void *val);
void *pr_idmap_get(pr_interp *I, const gcs_obj *o);
pr_fninfo *pr_info(pr_interp *I, const gcs_obj *o);
pr_classinfo *pr_class_info(pr_interp *I, const gcs_obj *o);
const char *pr_class_name(pr_interp *I, gcs_obj *cls);

gcs_obj *pr_none(pr_interp *I); /* NEW reference to None */
gcs_obj *pr_bool(pr_interp *I, bool v);
gcs_obj *pr_int(pr_interp *I, int64_t v);
gcs_obj *pr_str(pr_interp *I, const char *s, size_t n);
gcs_obj *pr_name_str(pr_interp *I, int name); /* BORROWED interned str for a name id */
const char *pr_name(pr_interp *I, int name);
/* Mark `o` interpreter-internal (gcs_obj_set_internal: the viewer hides it by
 * default; docs/run.md has the rule). Returns `o`; accepts NULL. */
gcs_obj *pr_internal(pr_interp *I, gcs_obj *o);
/* Mark the str keys of dict `d` internal (a class namespace's names). */
void pr_internal_keys(pr_interp *I, gcs_obj *d);
/* pr_iter_list for a temporary the snippet never sees: marked internal. */
gcs_obj *pr_iter_temp(pr_interp *I, gcs_obj *o);
/* Grow the per-name arrays after names were interned at run time. */
void pr_grow_names(pr_interp *I);

/* Raise: set the current exception. Always return NULL (or -1 via *_i). */
gcs_obj *pr_raise(pr_interp *I, pr_excidx e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int pr_raise_i(pr_interp *I, pr_excidx e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
gcs_obj *pr_raise_rc(pr_interp *I, int rc, const char *what);
void pr_raise_obj(pr_interp *I, gcs_obj *exc); /* steals exc */
bool pr_exc_matches(pr_interp *I, gcs_obj *exc, gcs_obj *cls);
void pr_clear_exc(pr_interp *I);
void pr_print_exc(pr_interp *I, FILE *f);
/* pr_print_exc for the exception that ends the program: also a MARKER
 * "LINE: uncaught Type: message" (when markers are on). */
void pr_print_uncaught(pr_interp *I, FILE *f);
void pr_tb_add(pr_interp *I, int line, int name);
/* Report and clear the current exception as CPython's unraisable hook does. */
void pr_unraisable(pr_interp *I, const char *where);

const char *pr_type_name(pr_interp *I, gcs_obj *o);
bool pr_truthy(pr_interp *I, gcs_obj *o, int *err);
/* Equality with Python semantics (containers elementwise); -1 on error. */
int pr_eq(pr_interp *I, gcs_obj *a, gcs_obj *b);
/* Item i of a list or tuple (BORROWED into *out), and its length. */
int pr_seq_get(pr_interp *I, gcs_obj *s, size_t i, gcs_obj **out);
size_t pr_seq_len(pr_interp *I, gcs_obj *s);
bool pr_is_num(gcs_obj *o); /* int or bool */
/* repr()/str() into a growing buffer. */
typedef struct pr_buf {
    char *b;
    size_t n, cap;
} pr_buf;
int pr_buf_put(pr_buf *b, const char *s, size_t n);
int pr_buf_puts(pr_buf *b, const char *s);
int pr_repr_into(pr_interp *I, gcs_obj *o, pr_buf *b, bool as_str, int depth);
gcs_obj *pr_repr(pr_interp *I, gcs_obj *o, bool as_str);
gcs_obj *pr_binop(pr_interp *I, int op, gcs_obj *a, gcs_obj *b);
gcs_obj *pr_compare(pr_interp *I, int op, gcs_obj *a, gcs_obj *b);
int pr_contains(pr_interp *I, gcs_obj *container, gcs_obj *item); /* 1, 0, -1 */
int pr_len(pr_interp *I, gcs_obj *o, int64_t *out);
gcs_obj *pr_list_to_tuple(pr_interp *I, gcs_obj *l);
int pr_order(pr_interp *I, gcs_obj *a, gcs_obj *b, int *cmp); /* -1/0/1 into *cmp */
int pr_isinstance(pr_interp *I, gcs_obj *o, gcs_obj *cls);    /* 1, 0, -1 */

/* {==== pr_class.c: classes, attributes, calls ====} */
gcs_obj *pr_getattr(pr_interp *I, gcs_obj *o, int name);
int pr_setattr(pr_interp *I, gcs_obj *o, int name, gcs_obj *v);
int pr_delattr(pr_interp *I, gcs_obj *o, int name);
/* Look a name up along a class's bases (BORROWED or NULL). */
gcs_obj *pr_class_lookup(pr_interp *I, pr_classinfo *ci, int name);
gcs_obj *pr_call(pr_interp *I, gcs_obj *f, gcs_obj *const args[], int nargs);
gcs_obj *pr_call_method(pr_interp *I, gcs_obj *self, int name, gcs_obj *const args[], int nargs,
                        bool *found);
gcs_obj *pr_call_pyfunc(pr_interp *I, gcs_obj *func, const pr_code *code, gcs_obj *const args[],
                        int nargs);
gcs_obj *pr_make_function(pr_interp *I, const pr_code *code, gcs_obj *defaults);
gcs_obj *pr_make_class(pr_interp *I, int name, gcs_obj *base, gcs_obj *ns);
int pr_classes_init(pr_interp *I);
int pr_cfunc_trampoline(gcs_heap *h, gcs_obj *self, gcs_obj *const args[], size_t nargs, void *ud,
                        gcs_obj **result);
gcs_obj *pr_new_exc(pr_interp *I, pr_excidx e, const char *msg);
const char *pr_exc_name(int idx);
void pr_classinfo_keep(pr_interp *I, pr_classinfo *ci);
gcs_obj *pr_type_of(pr_interp *I, gcs_obj *o); /* type(o), NEW */
gcs_obj *pr_make_bmethod(pr_interp *I, int idx, gcs_obj *self);
int pr_module_setattr(pr_interp *I, gcs_obj *mod, int midx, int name, gcs_obj *v);
gcs_obj *pr_finalize_fire(pr_interp *I, gcs_obj *fin);
int pr_exec_body(pr_interp *I, pr_frame *f, pr_node *body);

/* {==== pr_builtins.c ====} */
int pr_builtins_init(pr_interp *I);
void pr_builtins_fini(pr_interp *I);
/* The builtin bound to a name id (NEW reference) or NULL (no exception set). */
gcs_obj *pr_builtin_lookup(pr_interp *I, int name);
gcs_obj *pr_call_builtin(pr_interp *I, int idx, gcs_obj *self, gcs_obj *const args[], int nargs);
/* Method of a builtin object (list.append ...): index or -1. */
int pr_bmethod_find(pr_interp *I, gcs_obj *self, int name);
gcs_obj *pr_call_bmethod(pr_interp *I, int idx, gcs_obj *self, gcs_obj *const args[], int nargs);
gcs_obj *pr_module_getattr(pr_interp *I, gcs_obj *mod, int midx, int name);
gcs_obj *pr_import(pr_interp *I, int name);
gcs_obj *pr_iter_list(pr_interp *I, gcs_obj *o); /* materialise an iterable as a list */
void pr_run_atexit(pr_interp *I);
const char *pr_tyname(int idx);
int pr_view_kind(pr_interp *I, gcs_obj *o);         /* dict_keys/values/items: 0/1/2, else -1 */
gcs_obj *pr_view_list(pr_interp *I, gcs_obj *view); /* NEW list of the view's items */

/* {==== pr_eval.c ====} */
int pr_exec_module(pr_interp *I);
void pr_precreate_consts(pr_interp *I, pr_node *x, int depth);
gcs_obj *pr_eval(pr_interp *I, pr_node *x);

#endif
