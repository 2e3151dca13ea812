/* src/cli/cmd_record.c — `gcscope record [-o FILE] -- PROGRAM ARGS...`: run a
 * program with trace recording on. The program (linked with libgcscope) sees
 * GCSCOPE_TRACE=<absolute path> and GCSCOPE_TRACE_SIGNALS=1, so its recorder
 * writes the trace and flushes it on SIGINT/SIGTERM. We forward the signals
 * sent to us, wait, say on stderr where the trace went, and exit with the
 * program's status (128 + signal number if it was killed). An existing trace
 * of the same name is overwritten, like `perf record`. Start at gcs_cmd_record. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "fmt.h"

static const char record_help[] =
    "usage: gcscope record [-o FILE] [--] PROGRAM [ARGS...]\n"
    "\n"
    "Run PROGRAM (a program linked with libgcscope) with trace recording on.\n"
    "The trace goes to FILE, by default PROGRAM.gctrace in the current\n"
    "directory; an existing file is overwritten. SIGINT, SIGTERM, SIGHUP,\n"
    "SIGQUIT, SIGUSR1 and SIGUSR2 sent to gcscope are passed on to PROGRAM,\n"
    "whose recorder flushes the trace on SIGINT and SIGTERM.\n"
    "\n"
    "  -o, --output FILE   write the trace to FILE\n"
    "  -q, --quiet         don't report where the trace went\n"
    "  -h, --help          show this help\n"
    "\n"
    "PROGRAM sees GCSCOPE_TRACE=<absolute path of FILE> and\n"
    "GCSCOPE_TRACE_SIGNALS=1.\n"
    "\n"
    "exit status: PROGRAM's status (128+N if it was killed by signal N);\n"
    "2 usage error or PROGRAM could not be started.\n"
    "\n"
    "example:\n"
    "  gcscope record -o cycle.gctrace -- ./traces/cycle_demo\n"
    "  gcscope info cycle.gctrace\n";

static volatile sig_atomic_t child_pid;

/* Forward a signal sent to us (kill, not the terminal: the terminal already
 * signals the whole foreground process group, child included). */
static void
forward(int sig, siginfo_t *si, void *uctx)
{
    (void)uctx;
    if (child_pid > 0 && (si == NULL || si->si_code != SI_KERNEL))
        kill((pid_t)child_pid, sig);
}

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define N_FORWARDED (sizeof forwarded / sizeof forwarded[0])

static void
install_forwarding(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = forward;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_FORWARDED; i++)
        sigaction(forwarded[i], &sa, NULL);
}

/* Default trace name: basename(program).gctrace in the current directory. */
static char *
default_output(const char *program)
{
    const char *base = gcs_fmt_basename(program);
    size_t n = strlen(base) + sizeof ".gctrace";
    char *out = xmalloc(n);
    snprintf(out, n, "%s.gctrace", base);
    return out;
}

/* Absolute form of `path`, so the program finds it even if it changes
 * directory. */
static char *
absolute(const char *path)
{
    if (path[0] == '/')
        return xstrdup(path);
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL)
        return xstrdup(path);
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *out = xmalloc(n);
    snprintf(out, n, "%s/%s", cwd, path);
    return out;
}

/* fork + exec. An exec failure comes back through a close-on-exec pipe as an
 * errno value, so the parent can report it in one line. Returns the pid, or
 * -1 with *err set. */
static pid_t
spawn(char **argv, const char *trace_path, int *err)
{
    int fds[2];
    if (pipe(fds) != 0 || fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0) {
        *err = errno;
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        *err = errno;
        close(fds[0]), close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        setenv("GCSCOPE_TRACE", trace_path, 1);
        setenv("GCSCOPE_TRACE_SIGNALS", "1", 1);
        execvp(argv[0], argv);
        int e = errno;
        ssize_t w = write(fds[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    close(fds[1]);
    int e = 0;
    ssize_t n;
    do {
        n = read(fds[0], &e, sizeof e);
    } while (n < 0 && errno == EINTR);
    close(fds[0]);
    if (n == (ssize_t)sizeof e) {
        waitpid(pid, NULL, 0);
        *err = e;
        return -1;
    }
    return pid;
}

static int
wait_child(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}

static void
report(const char *out, int status, bool quiet)
{
    struct stat st;
    char size[32];
    if (stat(out, &st) != 0) {
        fprintf(stderr,
                "gcscope record: no trace was written to %s (is the program linked "
                "with libgcscope?)\n",
                out);
        return;
    }
    if (quiet)
        return;
    if (status > 128 && status < 128 + 65)
        fprintf(stderr,
                "gcscope record: program killed by signal %d; trace %s (%s) may be "
                "incomplete ('gcscope info' recovers it)\n",
                status - 128, out, gcs_fmt_bytes((uint64_t)st.st_size, size, sizeof size));
    else
        fprintf(stderr, "gcscope record: trace written to %s (%s)\n", out,
                gcs_fmt_bytes((uint64_t)st.st_size, size, sizeof size));
}

int
gcs_cmd_record(int argc, char **argv)
{
    const char *output = NULL;
    bool quiet = false;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(record_help, stdout);
            return GCS_EXIT_OK;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (++i >= argc)
                gcs_fmt_usage_error("record", "%s needs a file name", a);
            output = argv[i];
        } else if (strncmp(a, "--output=", 9) == 0) {
            output = a + 9;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            gcs_fmt_usage_error("record", "unknown option '%s'", a);
        } else {
            break; /* the program */
        }
    }
    if (i >= argc)
        gcs_fmt_usage_error("record", "no program given");
    if (output != NULL && output[0] == '\0')
        gcs_fmt_usage_error("record", "empty output file name");
    char *out = output ? xstrdup(output) : default_output(argv[i]);
    char *abs = absolute(out);
    /* Remove an old trace so a program that never records can't leave it
     * looking new — but only a regular file: never a device (-o /dev/full as
     * root), a FIFO or a symlink, which the recorder opens and writes as is. */
    struct stat st;
    if (lstat(abs, &st) == 0 && S_ISREG(st.st_mode) && unlink(abs) != 0) {
        fprintf(stderr, "gcscope record: cannot overwrite %s: %s\n", out, strerror(errno));
        exit(GCS_EXIT_USAGE);
    }
    install_forwarding();
    int err = 0;
    pid_t pid = spawn(argv + i, abs, &err);
    if (pid < 0) {
        fprintf(stderr, "gcscope record: cannot run '%s': %s\n", argv[i], strerror(err));
        exit(GCS_EXIT_USAGE);
    }
    child_pid = pid;
    int status = wait_child(pid);
    child_pid = 0;
    report(out, status, quiet);
    free(abs);
    free(out);
    return status;
}
