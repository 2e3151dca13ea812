/* bench/run_bench.c — `gcscope run` against CPython on the same snippet
 * (issue #7 target: at most 3x CPython's time).
 *
 * The snippet allocates and drops 1,000,000 instances in a loop (recording
 * off). gcscope runs it in-process through gcs_pyrun_file(); python3 runs it
 * as a child process, and the time of an empty python3 run is subtracted so
 * interpreter start-up does not count. Each side takes the median of 5 runs.
 * Usage: run_bench [N] [python3]; prints both times and the ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_args.h"
#include "gcscope/pyrun.h"

enum { REPS = 5 };

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* Run `python script` with stdout to /dev/null; seconds, or -1 on failure. */
static double
time_python(const char *python, const char *script)
{
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL)
            _exit(127);
        if (script)
            execlp(python, python, script, (char *)NULL);
        else
            execlp(python, python, "-c", "pass", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return now_s() - t0;
}

static double
time_gcscope(const char *script, FILE *devnull)
{
    gcs_pyrun_opts opts;
    gcs_pyrun_opts_init(&opts);
    opts.out = devnull;
    opts.markers = false;
    double t0 = now_s();
    int rc = gcs_pyrun_file(script, &opts);
    double t = now_s() - t0;
    return rc == 0 ? t : -1;
}

int
main(int argc, char **argv)
{
    static const char usage[] = "usage: run_bench [N] [PYTHON]";
    long n = 1000000;
    const char *python = "python3";
    for (int i = 1; i < argc; i++) {
        unsigned long long v;
        if (bench_is_help(argv[i]))
            bench_usage_exit(usage, NULL);
        else if (i == 1 && bench_number(argv[i], 1, 1000000000, &v))
            n = (long)v;
        else if (i == 2 && argv[i][0] != '-')
            python = argv[i];
        else
            bench_usage_exit(usage, argv[i]);
    }
    char script[] = "/tmp/gcs_run_bench_XXXXXX.py";
    int fd = mkstemps(script, 3);
    if (fd < 0) {
        perror("mkstemps");
        return 1;
    }
    FILE *f = fdopen(fd, "w");
    fprintf(f, "class C:\n    pass\nfor i in range(%ld):\n    x = C()\nprint('done')\n", n);
    fclose(f);
    FILE *devnull = fopen("/dev/null", "w");
    double gs[REPS], py[REPS], empty[REPS];
    for (int r = 0; r < REPS; r++) {
        gs[r] = time_gcscope(script, devnull);
        py[r] = time_python(python, script);
        empty[r] = time_python(python, NULL);
        if (gs[r] < 0 || py[r] < 0 || empty[r] < 0) {
            fprintf(stderr, "run_bench: a run failed (python: %s)\n", python);
            unlink(script);
            return 1;
        }
    }
    unlink(script);
    fclose(devnull);
    double t_gs = median(gs, REPS), t_py = median(py, REPS) - median(empty, REPS);
    if (t_py <= 0)
        t_py = 1e-6;
    printf("run_bench: %ld instances allocated and dropped in a loop, recording off\n", n);
    printf("  gcscope run : %8.1f ms (median of %d)\n", t_gs * 1e3, REPS);
    printf("  python3     : %8.1f ms (median of %d, start-up %.1f ms subtracted)\n", t_py * 1e3,
           REPS, median(empty, REPS) * 1e3);
    printf("  ratio       : %.2fx CPython (target <= 3x)\n", t_gs / t_py);
    return 0;
}
