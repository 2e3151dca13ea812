/* tests/test_pyrun.c — the front end of `gcscope run` (lexer, parser, scope
 * resolution): what parses, what is refused with file:line:col, the nesting
 * limit; plus a few end-to-end runs through gcs_pyrun_string() whose output
 * is checked exactly. The differential test against CPython is
 * tests/cmake/run.cmake. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/pyrun.h"
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
