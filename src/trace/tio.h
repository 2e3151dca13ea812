/* src/trace/tio.h — trace output stream: a tiny vtable over a file descriptor
 * or a growable memory buffer. Sticky error (an errno value), checked once. */
#ifndef GCS_TRACE_TIO_H
#define GCS_TRACE_TIO_H

#include <stddef.h>
#include <stdint.h>

typedef struct gcs_tio {
    int (*write_)(struct gcs_tio *io, const void *buf, size_t len); /* 0 or errno */
    void (*close_)(struct gcs_tio *io);
    int err;      /* sticky errno of the first failed write, 0 if none */
    uint64_t pos; /* bytes written so far (tell) */
    union {
        struct {
            int fd;
        } file;
        struct {
            uint8_t *buf;
            size_t len, cap;
            size_t limit; /* tests: fail with ENOSPC past this many bytes (0: no limit) */
        } mem;
    } u;
} gcs_tio;

/* Open (create, truncate) a file for writing: 0 or an errno value. */
int gcs_tio_open_file(gcs_tio *io, const char *path);
/* An empty memory stream; can't fail (memory is allocated on write). */
void gcs_tio_open_mem(gcs_tio *io);
/* Write all of buf: 0 or the (sticky) errno value. */
int gcs_tio_write(gcs_tio *io, const void *buf, size_t len);
/* Bytes successfully written so far. */
uint64_t gcs_tio_tell(const gcs_tio *io);
/* Close the descriptor / free the buffer. Idempotent. */
void gcs_tio_close(gcs_tio *io);

#endif
