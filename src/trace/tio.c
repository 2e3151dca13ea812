/* src/trace/tio.c — the trace I/O vtable (write/tell/close) with a file and a
 * memory backend (Redis rio.h shape, STYLE §20). Errors are sticky: after the
 * first failed write every later write fails with the same errno, so callers
 * check once. Writes loop over short writes and EINTR; a chunk handed to
 * gcs_tio_write is one write() call unless the kernel splits it. A pipe or
 * FIFO whose reader went away gives EPIPE, never a SIGPIPE that would kill
 * the recorded program: SIGPIPE is blocked in the writing thread around the
 * write() and one it raised is consumed before the old mask is restored (the
 * process's signal dispositions are never changed). open() can't open a
 * socket by path, so sockets need no case. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recorder_int.h"
#include "tio.h"

/* write() to a pipe with SIGPIPE blocked in this thread. If the write raised
 * one (EPIPE) and none was pending before, take it off the pending set, so
 * unblocking doesn't deliver it. */
static ssize_t
write_nosigpipe(int fd, const void *p, size_t len)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigemptyset(&pending);
    int was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
    int masked = pthread_sigmask(SIG_BLOCK, &pipe_set, &old) == 0;
    ssize_t n = write(fd, p, len);
    int e = errno;
    if (masked) {
        if (n < 0 && e == EPIPE && !was_pending) {
            static const struct timespec zero = {0, 0};
            while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    errno = e;
    return n;
}

static ssize_t
fd_write(gcs_tio *io, const void *p, size_t len)
{
    if (io->u.file.pipe)
        return write_nosigpipe(io->u.file.fd, p, len);
    return write(io->u.file.fd, p, len);
}

/* {==== Allocation: every allocation of the recorder comes here ====} */

static long alloc_count, alloc_fail_at = -1; /* tests only (single-threaded) */

int
gcs_tr_alloc_ok(void)
{
    return alloc_fail_at < 0 || alloc_count++ != alloc_fail_at;
}

void *
gcs_tr_malloc(size_t n)
{
    return gcs_tr_alloc_ok() ? malloc(n) : NULL;
}

void *
gcs_tr_calloc(size_t n, size_t size)
{
    return gcs_tr_alloc_ok() ? calloc(n, size) : NULL;
}

void *
gcs_tr_realloc(void *p, size_t n)
{
    return gcs_tr_alloc_ok() ? realloc(p, n) : NULL;
}

char *
gcs_tr_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = gcs_tr_malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

void
gcs_tr_fail_alloc_at_(long n)
{
    alloc_fail_at = n;
    alloc_count = 0;
}

long
gcs_tr_alloc_count_(void)
{
    return alloc_count;
}

/* {==== File backend ====} */

static int
file_write(gcs_tio *io, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = fd_write(io, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno ? errno : EIO;
        }
        if (n == 0)
            return ENOSPC;
        p += n;
        len -= (size_t)n;
        io->pos += (uint64_t)n;
    }
    return 0;
}

static void
file_close(gcs_tio *io)
{
    if (io->u.file.fd >= 0)
        close(io->u.file.fd);
    io->u.file.fd = -1;
}

static int
mem_write(gcs_tio *io, const void *buf, size_t len)
{
    if (io->u.mem.limit && io->u.mem.len + len > io->u.mem.limit) {
        /* simulated disk full: write what fits, as a torn write would */
        size_t fit = io->u.mem.limit - io->u.mem.len;
        if (fit)
            (void)mem_write(io, buf, fit);
        return ENOSPC;
    }
    if (io->u.mem.len + len > io->u.mem.cap) {
        size_t cap = io->u.mem.cap ? io->u.mem.cap : 4096;
        while (cap < io->u.mem.len + len)
            cap *= 2;
        uint8_t *nb = gcs_tr_realloc(io->u.mem.buf, cap);
        if (nb == NULL)
            return ENOMEM;
        io->u.mem.buf = nb;
        io->u.mem.cap = cap;
    }
    memcpy(io->u.mem.buf + io->u.mem.len, buf, len);
    io->u.mem.len += len;
    io->pos += len;
    return 0;
}

static void
mem_close(gcs_tio *io)
{
    free(io->u.mem.buf);
    io->u.mem.buf = NULL;
    io->u.mem.len = io->u.mem.cap = 0;
}

int
gcs_tio_open_file(gcs_tio *io, const char *path)
{
    memset(io, 0, sizeof *io);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno ? errno : EIO;
    io->write_ = file_write;
    io->close_ = file_close;
    io->u.file.fd = fd;
    struct stat st; /* regular files and devices never raise SIGPIPE; unknown: guard */
    io->u.file.pipe = fstat(fd, &st) != 0 || S_ISFIFO(st.st_mode);
    return 0;
}

void
gcs_tio_open_mem(gcs_tio *io)
{
    memset(io, 0, sizeof *io);
    io->write_ = mem_write;
    io->close_ = mem_close;
}

int
gcs_tio_write(gcs_tio *io, const void *buf, size_t len)
{
    if (io->err)
        return io->err;
    int e = io->write_(io, buf, len);
    if (e)
        io->err = e;
    return e;
}

uint64_t
gcs_tio_tell(const gcs_tio *io)
{
    return io->pos;
}

void
gcs_tio_close(gcs_tio *io)
{
    if (io->close_)
        io->close_(io);
    io->close_ = NULL;
}
