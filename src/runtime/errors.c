/* src/runtime/errors.c — gcs_strerror() and gcs_err_name(), generated from
 * GCS_ERRNO_MAP (gcscope/errors.h), the one table of error codes. */
#include "gcscope/errors.h"

const char *
gcs_strerror(int code)
{
    switch (code) {
    case GCS_OK:
        return "success";
#define X(name, val, msg)                                                                          \
    case GCS_##name:                                                                               \
        return msg;
        GCS_ERRNO_MAP(X)
#undef X
    }
    return "unknown error";
}

const char *
gcs_err_name(int code)
{
    switch (code) {
    case GCS_OK:
        return "GCS_OK";
#define X(name, val, msg)                                                                          \
    case GCS_##name:                                                                               \
        return "GCS_" #name;
        GCS_ERRNO_MAP(X)
#undef X
    }
    return "GCS_E?";
}
