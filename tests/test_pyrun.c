/* tests/test_pyrun.c — the front end of `gcscope run` (lexer, parser, scope
 * resolution): what parses, what is refused with file:line:col, the nesting
 * limit; plus a few end-to-end runs through gcs_pyrun_string() whose output
 * is checked exactly; and recordings (--trace) read back through the replay
 * model: one marker per top-level statement captioned with its source, and
 * which objects are marked interpreter-internal. The differential test against
 * CPython is tests/cmake/run.cmake. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/pyrun.h"
#include "gcscope/replay.h"
#include "pyrun/pr_ast.h"
#include "testutil.h"

/* Parse `src`; return the one-line error ("" if it parsed). Static buffer. */
static const char *
check_msg(const char *src)
{
    static char buf[512];
    FILE *f = tmpfile();
    assert_non_null(f);
    int rc = gcs_pyrun_check(src, "snippet.py", f);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    if (n && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    assert_int_equal(rc, buf[0] ? 2 : 0);
    return buf;
}

/* Run `src`; return stdout, status in *status. Static buffer. */
static const char *
run_out(const char *src, int *status, char *err_out, size_t err_n)
{
    static char buf[4096];
    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    gcs_pyrun_opts opts;
    gcs_pyrun_opts_init(&opts);
    opts.out = out;
    opts.err = err;
    *status = gcs_pyrun_string(src, "snippet.py", &opts);
    rewind(out);
    size_t n = fread(buf, 1, sizeof buf - 1, out);
    buf[n] = '\0';
    if (err_out) {
        rewind(err);
        size_t m = fread(err_out, 1, err_n - 1, err);
        err_out[m] = '\0';
    }
    fclose(out);
    fclose(err);
    return buf;
}

static void
test_pyrun__parses_every_statement_of_the_subset(void **state)
{
    (void)state;
    const char *src = "import gc, sys, weakref\n"
                      "x = y = 1; a, (b, c) = 1, (2, 3)\n"
                      "x += 1\n"
                      "del a\n"
                      "if x: pass\n"
                      "elif y: pass\n"
                      "else: pass\n"
                      "while x:\n    break\nelse:\n    pass\n"
                      "for i in range(3):\n    continue\n"
                      "def f(p, q=[], *_unused_no=None): pass\n";
    /* *args is refused: the last line is the only error */
    assert_string_equal(check_msg(src),
                        "snippet.py:14:16: '*args / keyword-only parameters' is not supported by "
                        "gcscope run");
    const char *ok = "import gc, sys, weakref\n"
                     "class A(object):\n"
                     "    n = 0\n"
                     "    def __init__(self, v=None):\n"
                     "        global g\n"
                     "        self.v = v; A.n += 1\n"
                     "    def __del__(self): print(f'del {self.v!r:>4}')\n"
                     "try:\n    assert A(1), 'msg'\nexcept (ValueError, KeyError) as e:\n"
                     "    raise\nexcept Exception:\n    pass\nelse:\n    pass\nfinally:\n    pass\n"
                     "d = {'k': [1, (2,)], 3: None}; t = (); l = [x * 2 for x in range(3) if x]\n"
                     "s = d['k'][1:]; f = lambda z=1: z; print(len(l), id(l) == id(l), not l)\n"
                     "print(1 if l else 2, 1 < 2 <= 3, 'a' in 'abc', l is not None, -x)\n";
    assert_string_equal(check_msg(ok), "");
}

typedef struct bad_case {
    const char *src;
    const char *msg;
} bad_case;

static void
test_pyrun__refuses_unsupported_constructs_with_line_and_col(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"x = 1\nif x:\n    async def f(): pass\n",
         "snippet.py:3:5: 'async def' is not supported by gcscope run"},
        {"with open('f') as f:\n    pass\n",
         "snippet.py:1:1: 'with' is not supported by gcscope run"},
        {"def g():\n    yield 1\n", "snippet.py:2:5: 'yield' is not supported by gcscope run"},
        {"@dec\ndef f(): pass\n", "snippet.py:1:1: 'decorators' is not supported by gcscope run"},
        {"from gc import collect\n",
         "snippet.py:1:1: 'from ... import' is not supported by gcscope run"},
        {"import os\n",
         "snippet.py:1:8: 'import os' is not supported by gcscope run (only gc, sys, weakref)"},
        {"x = 1.5\n",
         "snippet.py:1:5: float and complex literals are not supported by gcscope run"},
        {"x = b'ab'\n", "snippet.py:1:5: bytes literals are not supported by gcscope run"},
        {"s = {1, 2}\n", "snippet.py:1:7: 'set displays and comprehensions' is not supported by "
                         "gcscope run"},
        {"d = {k: 1 for k in 'ab'}\n",
         "snippet.py:1:11: 'dict comprehensions' is not supported by gcscope run"},
        {"if (n := 3): pass\n", "snippet.py:1:7: ':=' is not supported by gcscope run"},
        {"def f():\n    nonlocal x\n",
         "snippet.py:2:5: 'nonlocal' is not supported by gcscope run"},
        {"f(*args)\n", "snippet.py:1:3: '*args in calls' is not supported by gcscope run"},
        {"x: int = 1\n", "snippet.py:1:2: 'annotations' is not supported by gcscope run"},
        {"def outer():\n    v = 1\n    def inner():\n        return v\n",
         "snippet.py:4:16: closures are not supported by gcscope run ('v' is a local of an "
         "enclosing function; pass it as a default argument)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(check_msg(cases[i].src), cases[i].msg);
}

static void
test_pyrun__reports_syntax_errors_with_position(void **state)
{
    (void)state;
    assert_string_equal(check_msg("if x\n    pass\n"),
                        "snippet.py:1:5: syntax error: expected ':', found end of line");
    assert_string_equal(check_msg("s = 'abc\n"), "snippet.py:1:5: unterminated string literal");
    assert_string_equal(check_msg("if 1:\n        a = 1\n    b = 2\n"),
                        "snippet.py:3:5: unindent does not match any outer indentation level");
    assert_string_equal(check_msg("x = (1,\n"),
                        "snippet.py:2:1: unexpected end of file inside brackets");
    assert_string_equal(check_msg("  x = 1\n"), "snippet.py:1:3: syntax error: unexpected indent");
    assert_string_equal(check_msg("x = = 1\n"), "snippet.py:1:5: syntax error: unexpected '='");
    assert_string_equal(check_msg("1 = x\n"),
                        "snippet.py:1:1: syntax error: cannot assign to this expression");
    assert_string_equal(
        check_msg("def f(a=1, b): pass\n"),
        "snippet.py:1:12: syntax error: non-default argument follows default argument");
}

/* Deep input must give a clean error, never exhaust the C stack. */
static void
test_pyrun__bounds_nesting(void **state)
{
    (void)state;
    size_t n = 100000;
    char *src = malloc(3 * n + 16);
    assert_non_null(src);
    /* brackets */
    memset(src, '(', n);
    strcpy(src + n, "\n");
    assert_non_null(strstr(check_msg(src), "too many nested brackets"));
    /* unary operators and `not` */
    for (size_t i = 0; i < n; i++)
        src[i] = '-';
    strcpy(src + n, "1\n");
    assert_non_null(strstr(check_msg(src), "too deeply nested"));
    for (size_t i = 0; i < n / 4; i++)
        memcpy(src + 4 * i, "not ", 4);
    strcpy(src + n, "1\n");
    assert_non_null(strstr(check_msg(src), "too deeply nested"));
    /* blocks: 300 nested ifs */
    size_t k = 0;
    for (int d = 0; d < 300; d++) {
        for (int s = 0; s < d; s++)
            src[k++] = ' ';
        memcpy(src + k, "if 1:\n", 6);
        k += 6;
    }
    for (int s = 0; s < 300; s++)
        src[k++] = ' ';
    strcpy(src + k, "pass\n");
    assert_non_null(strstr(check_msg(src), "too many nested blocks"));
    /* chained power operators and lambdas */
    k = 0;
    for (int d = 0; d < 5000; d++) {
        memcpy(src + k, "2**", 3);
        k += 3;
    }
    strcpy(src + k, "2\n");
    assert_non_null(strstr(check_msg(src), "too deeply nested"));
    k = 0;
    for (int d = 0; d < 5000; d++) {
        memcpy(src + k, "lambda:", 7);
        k += 7;
    }
    strcpy(src + k, "1\n");
    assert_non_null(strstr(check_msg(src), "too deeply nested"));
    /* just inside the limit still parses */
    memset(src, '[', 150);
    memset(src + 150, ']', 150);
    strcpy(src + 300, "\n");
    assert_string_equal(check_msg(src), "");
    free(src);
}

static void
test_pyrun__names_resolve_to_scopes(void **state)
{
    (void)state;
    pr_program *prog;
    pr_error err;
    const char *src =
        "g = 1\ndef f(a, b=2):\n    c = a\n    global g\n    return [a + x for x in c]\n";
    assert_int_equal(pr_parse(src, "s.py", &prog, &err), 0);
    pr_node *def = prog->module->v[1];
    assert_int_equal(def->kind, PR_N_DEF);
    pr_code *code = def->code;
    assert_int_equal(code->n_params, 2);
    assert_int_equal(code->n_defaults, 1);
    assert_int_equal(code->n_locals, 3); /* a, b, c; g is global */
    assert_string_equal(prog->names.str[code->local_names[2]], "c");
    pr_node *ret = code->body->v[2];
    pr_node *comp = ret->a;
    assert_int_equal(comp->kind, PR_N_LISTCOMP);
    assert_int_equal(comp->code->n_locals, 1); /* x */
    pr_node *elt = comp->a;                    /* a + x */
    assert_int_equal(elt->a->op, PR_SC_OUTER); /* a: the function's frame */
    assert_int_equal(elt->a->ival, 1);
    assert_int_equal(elt->b->op, PR_SC_LOCAL);        /* x: the comprehension's frame */
    assert_int_equal(comp->v[0]->b->op, PR_SC_LOCAL); /* first iterable: evaluated outside */
    pr_program_free(prog);
}

static void
test_pyrun__runs_and_prints_like_python(void **state)
{
    (void)state;
    int status;
    const char *out = run_out("import sys, gc\n"
                              "gc.collect(); gc.disable()\n"
                              "x = []\n"
                              "print(sys.getrefcount(x), [x, x] is not None, f'{len(x):>3}|')\n"
                              "a = []; b = [a]; a.append(b); del a, b\n"
                              "print('collect:', gc.collect())\n",
                              &status, NULL, 0);
    assert_int_equal(status, 0);
    assert_string_equal(out, "2 True   0|\ncollect: 2\n");
}

static void
test_pyrun__uncaught_exception_prints_traceback_and_exits_1(void **state)
{
    (void)state;
    int status;
    char err[1024];
    const char *out = run_out("def f(d):\n    return d['missing']\nprint('before')\nf({})\n",
                              &status, err, sizeof err);
    assert_int_equal(status, 1);
    assert_string_equal(out, "before\n");
    assert_non_null(strstr(err, "Traceback (most recent call last):\n"));
    assert_non_null(strstr(err, "  File \"snippet.py\", line 4, in <module>\n    f({})\n"));
    assert_non_null(strstr(err, "  File \"snippet.py\", line 2, in f\n"));
    assert_non_null(strstr(err, "KeyError: 'missing'\n"));
}

static void
test_pyrun__deep_recursion_is_a_recursion_error(void **state)
{
    (void)state;
    int status;
    const char *out =
        run_out("def f(n):\n    return f(n + 1)\n"
                "try:\n    f(0)\nexcept RecursionError as e:\n    print('caught', e)\n",
                &status, NULL, 0);
    assert_int_equal(status, 0);
    assert_string_equal(out, "caught maximum recursion depth exceeded\n");
}

/* Run `src` recording a trace; return the replay (closed by the caller).
 * The snippet's stdout/stderr go to a temporary file; *status gets the exit status. */
static gcs_replay *
run_traced(const char *src, int *status)
{
    const char *path = gcs_test_tmpname(".gctrace");
    char keep[512];
    snprintf(keep, sizeof keep, "%s", path);
    FILE *out = tmpfile();
    assert_non_null(out);
    gcs_pyrun_opts opts;
    gcs_pyrun_opts_init(&opts);
    opts.out = out;
    opts.err = out;
    opts.trace_path = keep;
    *status = gcs_pyrun_string(src, "snippet.py", &opts);
    fclose(out);
    gcs_replay *r = NULL;
    assert_int_equal(gcs_replay_open(keep, NULL, &r), 0);
    remove(keep);
    return r;
}

static void
test_pyrun__trace_has_one_marker_per_top_level_statement(void **state)
{
    (void)state;
    static const char src[] = "import gc\n"
                              "a = []; b = [a]  # two lists\n"
                              "\n"
                              "a.append(b)\n"
                              "def f(x,\n"
                              "      y=None):\n"
                              "    if x:\n"
                              "        return [x,\n"
                              "                y]\n"
                              "c = f(1,\n"
                              "      2)\n"
                              "for i in range(2):\n"
                              "    c.append(i)\n"
                              "del a, b\n"
                              "print(gc.collect())\n";
    static const char *const want[] = {
        "1: import gc",
        "2: a = []",
        "2: b = [a] # two lists",
        "4: a.append(b)",
        "5: def f(x, y=None):",
        "10: c = f(1, 2)",
        "12: for i in range(2):",
        "14: del a, b",
        "15: print(gc.collect())",
        "exit: finalize callbacks, module globals deleted, last collections"};
    int status;
    gcs_replay *r = run_traced(src, &status);
    assert_int_equal(status, 0);
    size_t n = sizeof want / sizeof want[0];
    assert_int_equal(gcs_replay_n_markers(r), n);
    uint64_t prev = 0;
    for (size_t k = 0; k < n; k++) {
        gcs_replay_marker m;
        assert_int_equal(gcs_replay_marker_at(r, k, &m), 0);
        assert_string_equal(m.text, want[k]);
        assert_true(k == 0 || m.event > prev);
        prev = m.event;
    }
    /* the statement's effects come after its marker: at "4: a.append(b)" the
     * module frame holds a and b but not c; at "14: del a, b" it holds c. */
    gcs_replay_marker m;
    assert_int_equal(gcs_replay_marker_at(r, 3, &m), 0);
    assert_int_equal(gcs_replay_seek(r, m.event + 1), 0);
    gcs_replay_frame fr;
    assert_int_equal(gcs_replay_frame_at(r, 0, &fr), 0);
    assert_string_equal(fr.name, "<module>");
    bool have_c = false, have_b = false;
    for (size_t v = 0; v < fr.n_vars; v++) {
        gcs_replay_var var;
        assert_int_equal(gcs_replay_var_at(r, 0, v, &var), 0);
        have_c |= strcmp(var.name, "c") == 0;
        have_b |= strcmp(var.name, "b") == 0;
    }
    assert_true(have_b);
    assert_false(have_c);
    gcs_replay_close(r);
}

static void
test_pyrun__uncaught_exception_gets_a_marker(void **state)
{
    (void)state;
    int status;
    gcs_replay *r = run_traced("x = [1]\ndef f(d):\n    return d[5]\nf(x)\nprint('no')\n", &status);
    assert_int_equal(status, 1);
    size_t n = gcs_replay_n_markers(r);
    assert_int_equal(n, 5);
    gcs_replay_marker m;
    assert_int_equal(gcs_replay_marker_at(r, 2, &m), 0);
    assert_string_equal(m.text, "4: f(x)");
    assert_int_equal(gcs_replay_marker_at(r, 3, &m), 0);
    assert_string_equal(m.text, "3: uncaught IndexError: list index out of range");
    gcs_replay_close(r);
}

/* The module-level variable `name` at the cursor: its object id (0 if unbound). */
static uint64_t
module_var(gcs_replay *r, const char *name)
{
    gcs_replay_frame fr;
    assert_int_equal(gcs_replay_frame_at(r, 0, &fr), 0);
    for (size_t v = 0; v < fr.n_vars; v++) {
        gcs_replay_var var;
        assert_int_equal(gcs_replay_var_at(r, 0, v, &var), 0);
        if (strcmp(var.name, name) == 0)
            return var.obj;
    }
    return 0;
}

static gcs_replay_obj
obj_of(gcs_replay *r, uint64_t id)
{
    gcs_replay_obj o;
    assert_int_equal(gcs_replay_object(r, id, &o), 0);
    return o;
}

/* The object `src` refers to in the slot labelled `slot` (0 if none). */
static uint64_t
ref_in_slot(gcs_replay *r, uint64_t src, const char *slot)
{
    gcs_replay_obj o = obj_of(r, src);
    for (size_t k = 0; k < o.n_refs_out; k++) {
        gcs_replay_ref ref;
        assert_int_equal(gcs_replay_ref_out(r, src, k, &ref), 0);
        if (strstr(ref.slot, slot) != NULL)
            return ref.dst;
    }
    return 0;
}

/* Seek to just after the FRAME_PUSH of the first call of function `name`. */
static void
seek_to_call(gcs_replay *r, const char *name)
{
    for (uint64_t i = 0; i < gcs_replay_n_events(r); i++) {
        gcs_event ev;
        assert_int_equal(gcs_replay_event(r, i, &ev), 0);
        if (ev.kind == GCS_EV_FRAME_PUSH && strcmp(ev.u.frame_push.name, name) == 0) {
            assert_int_equal(gcs_replay_seek(r, i + 1), 0);
            return;
        }
    }
    fail_msg("no call of %s in the trace", name);
}

/* Number of alive objects referring to `dst`, and how many of them are internal. */
static void
referrers(gcs_replay *r, uint64_t dst, int *n, int *n_internal)
{
    *n = *n_internal = 0;
    gcs_replay_obj o = obj_of(r, dst);
    for (size_t k = 0; k < o.n_refs_in; k++) {
        gcs_replay_ref ref;
        assert_int_equal(gcs_replay_ref_in(r, dst, k, &ref), 0);
        gcs_replay_obj src = obj_of(r, ref.src);
        if (!src.alive)
            continue;
        (*n)++;
        *n_internal += src.internal;
    }
}

static void
test_pyrun__marks_interpreter_objects_internal_and_program_objects_not(void **state)
{
    (void)state;
    static const char src[] = "import gc, weakref\n"
                              "class Node:\n"
                              "    kind = []\n"
                              "    def __init__(self, item):\n"
                              "        self.item = item\n"
                              "    def get(self):\n"
                              "        return self.item\n"
                              "def make(x, extra=(1, 2)):\n"
                              "    return [x]\n"
                              "def probe():\n"
                              "    pass\n"
                              "a = [1, 2]\n"
                              "n = Node(a)\n"
                              "for x in a:\n"
                              "    probe()\n"
                              "d = {'k': a}\n"
                              "t = (a, d)\n"
                              "f = make\n"
                              "m = n.get\n"
                              "w = weakref.ref(n)\n"
                              "lam = lambda v: v\n"
                              "e = ValueError('x')\n"
                              "sq = [v * v for v in a]\n"
                              "pass\n";
    int status;
    gcs_replay *r = run_traced(src, &status);
    assert_int_equal(status, 0);
    /* during Node(a).__init__: the call's args tuple (holding a) is internal */
    seek_to_call(r, "__init__");
    uint64_t a = module_var(r, "a");
    assert_int_not_equal(a, 0);
    int refs, internal;
    referrers(r, a, &refs, &internal);
    assert_int_equal(refs, 1);
    assert_int_equal(internal, 1);
    /* inside the for loop: the loop's iterator (holding a) is internal */
    seek_to_call(r, "probe");
    referrers(r, a, &refs, &internal);
    assert_int_equal(refs, 2); /* the iterator, and n (n.item) */
    assert_int_equal(internal, 1);
    assert_false(obj_of(r, module_var(r, "n")).internal);

    gcs_replay_marker mk;
    size_t nm = gcs_replay_n_markers(r);
    assert_int_equal(gcs_replay_marker_at(r, nm - 2, &mk), 0);
    assert_string_equal(mk.text, "24: pass");
    assert_int_equal(gcs_replay_seek(r, mk.event + 1), 0);
    /* the program's own objects are not internal */
    static const char *const mine[] = {"a",   "n", "d",  "t",    "f",    "m",    "w",
                                       "lam", "e", "sq", "Node", "make", "probe"};
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) {
        uint64_t id = module_var(r, mine[i]);
        assert_int_not_equal(id, 0);
        if (obj_of(r, id).internal)
            fail_msg("the snippet's '%s' is marked internal", mine[i]);
    }
    uint64_t cls = module_var(r, "Node");
    uint64_t cdict = ref_in_slot(r, cls, "__dict__");
    assert_int_not_equal(cdict, 0);
    assert_true(obj_of(r, cdict).internal); /* class internals */
    assert_true(obj_of(r, ref_in_slot(r, cls, "__mro__")).internal);
    assert_true(obj_of(r, ref_in_slot(r, cls, "__bases__")).internal);
    /* the class dict's key strs ('__module__', 'kind', ...; keys are not
     * references in a trace, so look them up by label) are internal too */
    int n_keys = 0;
    for (size_t k = 0; k < gcs_replay_n_objects(r); k++) {
        gcs_replay_obj o;
        assert_int_equal(gcs_replay_object_at(r, k, &o), 0);
        static const char *const keys[] = {"'__module__'", "'__dict__'", "'__weakref__'",
                                           "'__doc__'",    "'kind'",     "'get'"};
        for (size_t q = 0; o.alive && o.label && q < sizeof keys / sizeof keys[0]; q++)
            if (strcmp(o.type, "str") == 0 && strcmp(o.label, keys[q]) == 0) {
                n_keys++;
                if (!o.internal)
                    fail_msg("class dict key %s is not internal", o.label);
            }
    }
    assert_true(n_keys >= 6); /* "__dict__" is also an interned name */
    uint64_t kind = ref_in_slot(r, cdict, "kind");
    assert_int_not_equal(kind, 0);
    assert_false(obj_of(r, kind).internal); /* a class attribute the snippet made */
    uint64_t init = ref_in_slot(r, cdict, "__init__");
    assert_int_not_equal(init, 0);
    assert_false(obj_of(r, init).internal); /* a method the snippet defined */
    uint64_t defaults = ref_in_slot(r, module_var(r, "make"), "");
    assert_int_not_equal(defaults, 0);
    assert_string_equal(obj_of(r, defaults).type, "tuple");
    assert_true(obj_of(r, defaults).internal); /* a function's defaults tuple */
    uint64_t eargs = ref_in_slot(r, module_var(r, "e"), "args");
    assert_int_not_equal(eargs, 0);
    assert_false(obj_of(r, eargs).internal); /* an exception's args: part of the value */
    /* modules, builtins, exception classes and the singletons are internal */
    int n_modules = 0, n_builtins = 0, n_exc = 0, n_internal = 0;
    for (size_t k = 0; k < gcs_replay_n_objects(r); k++) {
        gcs_replay_obj o;
        assert_int_equal(gcs_replay_object_at(r, k, &o), 0);
        if (!o.alive)
            continue;
        n_internal += o.internal;
        static const char *const builtins[] = {"print",  "len",      "repr",   "isinstance",
                                               "id",     "collect",  "ref",    "getrefcount",
                                               "freeze", "finalize", "sorted", "zip"};
        bool is_builtin = false;
        for (size_t b = 0; o.label && b < sizeof builtins / sizeof builtins[0]; b++)
            is_builtin |= strcmp(o.label, builtins[b]) == 0;
        bool is_exc = o.label && strcmp(o.label, "ValueError") == 0 && strcmp(o.type, "type") == 0;
        bool must = strcmp(o.type, "module") == 0 || is_builtin || is_exc ||
                    strcmp(o.type, "getset_descriptor") == 0 || strcmp(o.type, "NoneType") == 0 ||
                    strcmp(o.type, "bool") == 0;
        n_modules += strcmp(o.type, "module") == 0;
        n_builtins += is_builtin;
        n_exc += is_exc;
        if (must && !o.internal)
            fail_msg("object #%llu (%s %s) is not internal", (unsigned long long)o.id, o.type,
                     o.label ? o.label : "");
    }
    assert_int_equal(n_modules, 3);
    assert_int_equal(n_builtins, 12);
    assert_int_equal(n_exc, 1);
    assert_true(n_internal > 50);
    /* gc.garbage and gc.callbacks: internal, as this snippet never names them */
    for (size_t k = 0; k < gcs_replay_n_objects(r); k++) {
        gcs_replay_obj o;
        assert_int_equal(gcs_replay_object_at(r, k, &o), 0);
        if (o.label && (strcmp(o.label, "gc.garbage") == 0 || strcmp(o.label, "gc.callbacks") == 0))
            assert_true(o.internal);
    }
    gcs_replay_close(r);
}

static void
test_pyrun__gc_garbage_is_shown_when_the_snippet_uses_it(void **state)
{
    (void)state;
    int status;
    gcs_replay *r =
        run_traced("import gc\ngc.set_debug(gc.DEBUG_SAVEALL)\nprint(len(gc.garbage))\n", &status);
    assert_int_equal(status, 0);
    assert_int_equal(gcs_replay_seek(r, gcs_replay_n_events(r)), 0);
    int seen = 0;
    for (size_t k = 0; k < gcs_replay_n_objects(r); k++) {
        gcs_replay_obj o;
        assert_int_equal(gcs_replay_object_at(r, k, &o), 0);
        if (o.label && strcmp(o.label, "gc.garbage") == 0) {
            seen++;
            assert_false(o.internal);
        }
        if (o.label && strcmp(o.label, "gc.callbacks") == 0) {
            seen++;
            assert_true(o.internal);
        }
    }
    assert_int_equal(seen, 2);
    gcs_replay_close(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pyrun__parses_every_statement_of_the_subset),
        cmocka_unit_test(test_pyrun__refuses_unsupported_constructs_with_line_and_col),
        cmocka_unit_test(test_pyrun__reports_syntax_errors_with_position),
        cmocka_unit_test(test_pyrun__bounds_nesting),
        cmocka_unit_test(test_pyrun__names_resolve_to_scopes),
        cmocka_unit_test(test_pyrun__runs_and_prints_like_python),
        cmocka_unit_test(test_pyrun__uncaught_exception_prints_traceback_and_exits_1),
        cmocka_unit_test(test_pyrun__deep_recursion_is_a_recursion_error),
        cmocka_unit_test(test_pyrun__trace_has_one_marker_per_top_level_statement),
        cmocka_unit_test(test_pyrun__uncaught_exception_gets_a_marker),
        cmocka_unit_test(test_pyrun__marks_interpreter_objects_internal_and_program_objects_not),
        cmocka_unit_test(test_pyrun__gc_garbage_is_shown_when_the_snippet_uses_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
