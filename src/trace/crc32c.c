/* src/trace/crc32c.c — CRC-32C (Castagnoli, polynomial 0x82F63B78 reflected),
 * the checksum of trace headers, chunks and trailers (as LevelDB's log and
 * iSCSI use). On x86-64 CPUs with SSE4.2 (checked once with cpuid) the crc32
 * instruction does 8 bytes per step; elsewhere, slicing-by-8: eight 256-entry
 * tables, built once on first use, 8 bytes per step. Both give the same value
 * (tests/test_recorder.c compares them); check value:
 * gcs_crc32c(0, "123456789", 9) == 0xE3069283 (tests/test_trace.c). */
#include <pthread.h>

#include "recorder_int.h"
#include "trace_int.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GCS_CRC_HW 1
#include <nmmintrin.h>
#else
#define GCS_CRC_HW 0
#endif

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static int crc_hw; /* set once (under crc_once): the crc32 instruction is there */

static void
crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = crc_tab[0][i];
        for (int t = 1; t < 8; t++) {
            c = crc_tab[0][c & 0xff] ^ (c >> 8);
            crc_tab[t][i] = c;
        }
    }
#if GCS_CRC_HW
    __builtin_cpu_init();
    crc_hw = __builtin_cpu_supports("sse4.2") != 0;
#endif
}

#if GCS_CRC_HW
/* The crc32 instruction (SSE4.2): 8 bytes per step, bytes for head and tail. */
__attribute__((target("sse4.2"))) static uint32_t
crc_hw_run(uint32_t crc, const uint8_t *p, size_t len)
{
    uint64_t c = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        len--;
    }
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8); /* little-endian load: x86-64 */
        c = _mm_crc32_u64(c, v);
        p += 8;
        len -= 8;
    }
    while (len--)
        c = _mm_crc32_u8((uint32_t)c, *p++);
    return ~(uint32_t)c;
}
#endif

int
gcs_crc32c_hw_available_(void)
{
    pthread_once(&crc_once, crc_init);
    return crc_hw;
}

uint32_t
gcs_crc32c(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&crc_once, crc_init);
#if GCS_CRC_HW
    if (crc_hw)
        return crc_hw_run(crc, data, len);
#endif
    return gcs_crc32c_sw_(crc, data, len);
}

uint32_t
gcs_crc32c_sw_(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    pthread_once(&crc_once, crc_init);
    crc = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        crc = crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        len--;
    }
    while (len >= 8) {
        uint32_t lo = crc ^ gcs_get_le32(p);
        uint32_t hi = gcs_get_le32(p + 4);
        crc = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^ crc_tab[5][(lo >> 16) & 0xff] ^
              crc_tab[4][lo >> 24] ^ crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
              crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
