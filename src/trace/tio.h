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
            int pipe; /* a FIFO: write with SIGPIPE blocked (tio.c) */
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
/* Write all of buf: 0 or the (sticky) errno value. A pipe whose reader is
 * gone gives EPIPE and no SIGPIPE (the caller's signal mask and dispositions
 * are as they were). */
int gcs_tio_write(gcs_tio *io, const void *buf, size_t len);
/* Bytes successfully written so far. */
uint64_t gcs_tio_tell(const gcs_tio *io);
/* Close the descriptor / free the buffer. Idempotent. */
void gcs_tio_close(gcs_tio *io);

/* The recorder's allocator (malloc & co.): every allocation of tio.c and
 * recorder.c goes through these, so tests can fail any one of them.
 * gcs_tr_alloc_ok() is the check alone (for allocations made inside other
 * libraries, like zstd's context): 0 when this allocation must fail. */
int gcs_tr_alloc_ok(void);
void *gcs_tr_malloc(size_t n);
void *gcs_tr_calloc(size_t n, size_t size);
void *gcs_tr_realloc(void *p, size_t n);
char *gcs_tr_strdup(const char *s);

#endif
