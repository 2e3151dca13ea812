/* tests/fuzz/fuzz_pyrun_parse.c — the `gcscope run` front end (lexer and
 * parser of the Python subset) on arbitrary text, through gcs_pyrun_check():
 * parse only, never execute, so a fuzzed `while True:` can't hang the run.
 * Deep nesting, unterminated strings, bad indentation and NUL bytes must all
 * end in one error line and status 2, never a crash or a stack overflow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/pyrun.h"

#include "fuzz_harness.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
        return 0;
    char *src = malloc(size + 1);
    if (src == NULL)
        return 0;
    if (size != 0)
        memcpy(src, data, size);
    src[size] = '\0';
    int rc = gcs_pyrun_check(src, "fuzz.py", sink);
    if (rc != 0 && rc != 2)
        abort(); /* the contract: 0 or 2 */
    free(src);
    return 0;
}
