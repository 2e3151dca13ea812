/* gcscope/errors.h — the one table of error codes.
 *
 * Library layers return int: 0 on success or a negative GCS_E* code. The codes
 * come from GCS_ERRNO_MAP below, which also generates gcs_strerror() and
 * gcs_err_name(). Detailed context (object id, call site, byte offset) lives on
 * the handle that failed: gcs_heap_errmsg(), gcs_reader_errmsg(), ...
 */
#ifndef GCSCOPE_ERRORS_H
#define GCSCOPE_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, value, message) */
/* clang-format off */
#define GCS_ERRNO_MAP(X)                                                          \
    X(ENOMEM,       -1,  "out of memory")                                        \
    X(EINVAL,       -2,  "invalid argument")                                     \
    X(ETYPE,        -3,  "wrong kind of object")                                 \
    X(EINDEX,       -4,  "index out of range")                                   \
    X(ENOTFOUND,    -5,  "no such key, attribute or variable")                   \
    X(EFREED,       -6,  "operation on a freed object")                          \
    X(EBADOBJ,      -7,  "not a gcscope object")                                 \
    X(EOVERRELEASE, -8,  "reference released more often than it was taken")    \
    X(EUNHASHABLE,  -9,  "object cannot be used as a dict key")                 \
    X(ESTATE,       -10, "operation not allowed in the current state")          \
    X(EIO,          -11, "input/output error")                                  \
    X(EFORMAT,      -12, "not a gcscope trace, or malformed")                   \
    X(EVERSION,     -13, "unsupported trace format version")                    \
    X(ECORRUPT,     -14, "damaged data")                                        \
    X(ETRUNC,       -15, "truncated data")                                      \
    X(ENOTSUP,      -16, "not supported")                                       \
    X(ECALL,        -17, "a called function reported an error")                 \
    X(ERANGE,       -18, "value out of range")
/* clang-format on */

typedef enum gcs_err {
    GCS_OK = 0,
#define GCS_ERR_ENUM_(name, val, msg) GCS_##name = (val),
    GCS_ERRNO_MAP(GCS_ERR_ENUM_)
#undef GCS_ERR_ENUM_
} gcs_err;

/* Human text for an error code ("out of memory"); never NULL. */
const char *gcs_strerror(int code);
/* Symbolic name for an error code ("GCS_ENOMEM"); never NULL. */
const char *gcs_err_name(int code);

#ifdef __cplusplus
}
#endif
#endif
