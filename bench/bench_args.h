/* bench/bench_args.h — strict command lines for the benches: a flag is never
 * taken for a number or a path, and a number is all digits (render_bench
 * --help used to run the whole bench: atoi("--help") is 0). */
#ifndef GCS_BENCH_ARGS_H
#define GCS_BENCH_ARGS_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline bool
bench_is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

/* *out = a, if a is a decimal number in [lo, hi] and nothing else. */
static inline bool
bench_number(const char *a, unsigned long long lo, unsigned long long hi, unsigned long long *out)
{
    if (a[0] < '0' || a[0] > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(a, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* The usage line ("usage: NAME ..."): on stdout and exit 0 for --help (bad
 * NULL), else one line on stderr naming the bad argument, exit 2. */
static inline void
bench_usage_exit(const char *usage, const char *bad)
{
    if (bad == NULL) {
        printf("%s\n", usage);
        exit(0);
    }
    fprintf(stderr, "bad argument '%s'; %s\n", bad, usage);
    exit(2);
}

#endif
