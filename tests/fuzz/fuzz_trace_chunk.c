/* tests/fuzz/fuzz_trace_chunk.c — chunk-level reader harness. The input is the
 * body of ONE chunk; the harness wraps it in a valid 64-byte file header and a
 * 40-byte chunk header with a correct CRC32C, so the fuzzer's mutations reach
 * the record decoder (op bytes, varints, id cache, string/site tables, zstd)
 * instead of dying at the CRC check. Input layout:
 *   byte 0   bits 0-1: chunk kind (EVENTS, META, INDEX, unknown 9)
 *            bit 2: codec zstd (else stored); bit 3: add a second EVENTS copy
 *   byte 1-4 raw length for zstd (little-endian, capped at 1 MiB)
 *   rest     the chunk payload (records)
 * The file is then read like fuzz_trace_file does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/trace.h"
#include "trace/trace_int.h"

#include "fuzz_harness.h"

#define MAX_EVENTS 4000u

static size_t
put_header(uint8_t *h)
{
    memset(h, 0, GCS_TR_HEADER_LEN);
    memcpy(h, GCS_TR_MAGIC, 8);
    gcs_put_le16(h + 8, GCS_TRACE_VERSION_MAJOR);
    gcs_put_le16(h + 10, GCS_TRACE_VERSION_MINOR);
    gcs_put_le32(h + 12, GCS_TR_HEADER_LEN);
    gcs_put_le32(h + 16, GCS_TR_ENDIAN_MARK);
    gcs_put_le32(h + 40, 700);
    gcs_put_le32(h + 44, 10);
    gcs_put_le32(h + 48, 10);
    gcs_put_le32(h + 52, 1);
    gcs_put_le32(h + 60, gcs_crc32c(0, h, 60));
    return GCS_TR_HEADER_LEN;
}

static size_t
put_chunk(uint8_t *c, uint8_t kind, uint8_t codec, uint32_t raw, const uint8_t *p, size_t n)
{
    memset(c, 0, GCS_TR_CHUNK_HDR);
    gcs_put_le32(c, GCS_TR_CHUNK_MAGIC);
    gcs_put_le32(c + 4, (uint32_t)n);
    gcs_put_le32(c + 8, codec == GCS_TR_CODEC_NONE ? (uint32_t)n : raw);
    c[12] = kind;
    c[13] = codec;
    gcs_put_le32(c + 32, (uint32_t)(n / 2)); /* n_records: a guess, as a writer may lie */
    if (n != 0)
        memcpy(c + GCS_TR_CHUNK_HDR, p, n);
    gcs_put_le32(c + 36, gcs_crc32c(gcs_crc32c(0, c + 4, 32), c + GCS_TR_CHUNK_HDR, n));
    return GCS_TR_CHUNK_HDR + n;
}

static void
read_all(const uint8_t *img, size_t len)
{
    gcs_reader *r = NULL;
    char line[512];
    if (gcs_reader_open_mem(img, len, "chunk.gctrace", NULL, &r) != 0)
        return;
    gcs_trace_damage dmg;
    gcs_reader_damage(r, &dmg);
    uint64_t n = gcs_reader_n_events(r);
    gcs_event ev;
    for (uint64_t i = 0; i < n && i < MAX_EVENTS; i++)
        if (gcs_reader_event(r, i, &ev) == 0)
            (void)gcs_event_format(&ev, line, sizeof line);
    gcs_reader_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t kinds[4] = {GCS_TR_KIND_EVENTS, GCS_TR_KIND_META, GCS_TR_KIND_INDEX, 9};
    if (size < 5)
        return 0;
    uint8_t ctl = data[0];
    uint32_t raw = gcs_get_le32(data + 1) & ((1u << 20) - 1);
    const uint8_t *p = data + 5;
    size_t n = size - 5;
    if (n > GCS_TR_MAX_CHUNK)
        return 0;
    uint8_t *img = malloc(GCS_TR_HEADER_LEN + 2 * (GCS_TR_CHUNK_HDR + n));
    if (img == NULL)
        return 0;
    uint8_t codec = (ctl & 4) ? GCS_TR_CODEC_ZSTD : GCS_TR_CODEC_NONE;
    size_t len = put_header(img);
    len += put_chunk(img + len, kinds[ctl & 3], codec, raw, p, n);
    if (ctl & 8)
        len += put_chunk(img + len, GCS_TR_KIND_EVENTS, codec, raw, p, n);
    read_all(img, len);
    free(img);
    return 0;
}
