/* src/trace/trace_int.h — internals shared by the trace writer, the reader and
 * their tests: on-disk constants (docs/trace-format.md is the spec), the
 * little-endian and varint helpers, CRC32C, and the event descriptor table
 * generated from GCS_EVENT_MAP in events.c. */
#ifndef GCS_TRACE_INT_H
#define GCS_TRACE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gcscope/trace.h"
#include "gcscope/trace_events.h"

/* {==== On-disk constants ====} */

#define GCS_TR_MAGIC         "GCTRACE" /* 8 bytes with the NUL */
#define GCS_TR_HEADER_LEN    64u
#define GCS_TR_ENDIAN_MARK   0x0A0B0C0Du
#define GCS_TR_CHUNK_MAGIC   0x4B434347u /* "GCCK" little-endian */
#define GCS_TR_CHUNK_HDR     40u
#define GCS_TR_TRAILER_LEN   24u
#define GCS_TR_TRAILER_MAGIC "GCTREND"   /* 8 bytes with the NUL */
#define GCS_TR_MAX_CHUNK     (16u << 20) /* cap on stored_len and raw_len (reader) */

enum { GCS_TR_KIND_META = 1, GCS_TR_KIND_EVENTS = 2, GCS_TR_KIND_INDEX = 4 };
enum { GCS_TR_CODEC_NONE = 0, GCS_TR_CODEC_ZSTD = 1 };

/* Op byte. */
#define GCS_TR_OP_LEN  0x80u /* a uv byte length of the rest of the record follows */
#define GCS_TR_OP_TS   0x40u /* an sv timestamp delta follows */
#define GCS_TR_OP_SITE 0x20u /* a uv chunk-local site id follows */
#define GCS_TR_OP_CODE 0x1fu /* event code 1..31; 0: an extended code (uv) follows */

/* Object ids: a direct-mapped cache of the last id seen in each of 64 slots
 * (slot = id & 63), reset per chunk. An O field is uv 0 (none), uv 1..64 (the
 * id cached in slot v-1), uv 65 then uv id (absolute, for deltas too big to
 * offset), or uv(zigzag(id - last) + 66). */
#define GCS_TR_OCACHE  64u
#define GCS_TR_O_ABS   65u
#define GCS_TR_O_DELTA 66u

/* Extended codes < 32 are control records; >= 32 are events. */
enum { GCS_TR_X_DEF_STRING = 1, GCS_TR_X_DEF_SITE = 2 };
/* Event codes written without a length in v1.0. Newer events (code above
 * this) are always written with GCS_TR_OP_LEN so v1.0 readers skip them. */
#define GCS_TR_V1_0_LAST_CODE 0x1fu
/* The LABEL of an int as its value (v1.2): op LEN[|SITE] (code bits 0), uv
 * ext code 0x21, uv length, [uv site], obj:O, value:I; read back as a LABEL
 * event whose text is the value in decimal ("%" PRId64). It is an encoding of
 * LABEL, not a row of GCS_EVENT_MAP: no row may take this code (events.c
 * checks). Never stamped. Its text (with NUL) takes at most twice the
 * record's bytes, as a DEF_STRING'd text does, so the reader's per-chunk
 * text buffer (2 x payload) holds every label text of a chunk. */
#define GCS_TR_CODE_LABEL_INT 0x21u
/* The REF_SET / REF_DEL of a list or tuple slot "[index]" as its index
 * (v1.2): op LEN[|SITE], ext code 0x22 / 0x23, uv length, [uv site], then
 * src:O index:U dst:O old:O / src:O index:U old:O; read back as REF_SET /
 * REF_DEL whose slot is the interned "[index]". Encodings too, like
 * LABEL_INT; never stamped. In these three compact records the O fields are
 * decoded with the chunk's id state (cache, last) but do not update it, so
 * a 1.0/1.1 reader, which skips them by their length, keeps the state the
 * writer had. */
#define GCS_TR_CODE_REF_SET_INDEX 0x22u
#define GCS_TR_CODE_REF_DEL_INDEX 0x23u

/* {==== Event descriptors (events.c) ====} */

#define GCS_EV_MAX_FIELDS 8
typedef struct gcs_ev_desc {
    uint32_t code; /* on-disk code */
    unsigned n_fields;
    const char *tags; /* "OSUU": one tag per field */
    const char *const *field_names;
} gcs_ev_desc;

/* Descriptor of a kind (NULL if out of range). Fields of a payload are 8-byte
 * slots in order: field k lives at (char *)&ev->u + 8 * k (checked by
 * _Static_assert in events.c). */
const gcs_ev_desc *gcs_ev_describe(gcs_ev_kind kind);
/* Kind for an on-disk code, or -1 if unknown. */
int gcs_ev_kind_of_code(uint32_t code);

static inline uint64_t *
gcs_ev_field_u64(gcs_event *ev, unsigned k)
{
    return (uint64_t *)((char *)&ev->u + 8 * k);
}
static inline const uint64_t *
gcs_ev_field_cu64(const gcs_event *ev, unsigned k)
{
    return (const uint64_t *)((const char *)&ev->u + 8 * k);
}
static inline const char **
gcs_ev_field_str(gcs_event *ev, unsigned k)
{
    return (const char **)((char *)&ev->u + 8 * k);
}
static inline const char *const *
gcs_ev_field_cstr(const gcs_event *ev, unsigned k)
{
    return (const char *const *)((const char *)&ev->u + 8 * k);
}

/* {==== CRC32C (crc32c.c) ====} */

/* CRC-32C (Castagnoli), reflected, init/xorout 0xFFFFFFFF. Extend `crc` (0 to
 * start) with len bytes. */
uint32_t gcs_crc32c(uint32_t crc, const void *data, size_t len);

/* {==== Little-endian and varints ====} */

static inline void
gcs_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void
gcs_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void
gcs_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t
gcs_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t
gcs_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t
gcs_get_le64(const uint8_t *p)
{
    return (uint64_t)gcs_get_le32(p) | ((uint64_t)gcs_get_le32(p + 4) << 32);
}

static inline uint64_t
gcs_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ ((uint64_t)0 - ((uint64_t)v >> 63)); /* sign mask, no signed shift */
}
static inline int64_t
gcs_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Write a LEB128 varint at p (room for 10 bytes); returns bytes written. */
static inline size_t
gcs_put_uv(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* A bounded cursor over bytes for decoding; `bad` is sticky. */
typedef struct gcs_rd {
    const uint8_t *p, *end;
    int bad;
} gcs_rd;

static inline uint64_t
gcs_get_uv(gcs_rd *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = 1;
            return 0;
        }
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = 1; /* more than 10 bytes */
    return 0;
}
static inline uint8_t
gcs_get_u8(gcs_rd *r)
{
    if (r->p >= r->end) {
        r->bad = 1;
        return 0;
    }
    return *r->p++;
}

#endif
