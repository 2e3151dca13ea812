/* src/trace/tio.c — the trace I/O vtable (write/tell/close) with a file and a
 * memory backend (Redis rio.h shape, STYLE §20). Errors are sticky: after the
 * first failed write every later write fails with the same errno, so callers
 * check once. Writes loop over short writes and EINTR; a chunk handed to
 * gcs_tio_write is one write() call unless the kernel splits it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tio.h"

static int
file_write(gcs_tio *io, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(io->u.file.fd, p, len);
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
        uint8_t *nb = realloc(io->u.mem.buf, cap);
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
