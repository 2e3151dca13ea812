/* tests/fuzz/fuzz_trace_file.c — whole-file reader harness: the input is a
 * complete .gctrace image. It is opened twice (stop at the first damage, and
 * salvage mode), then every event is decoded by index, streamed, formatted as
 * `gcscope dump` prints it, and the damage report and file facts are read.
 * Nothing may crash, read out of bounds or allocate without a bound. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "gcscope/trace.h"

#include "fuzz_harness.h"

/* Decode at most this many events per input (keeps each run short). */
#define MAX_EVENTS 4000u

static void
walk(gcs_reader *r)
{
    char line[512];
    gcs_trace_info info;
    gcs_trace_damage dmg;
    gcs_reader_info(r, &info);
    gcs_reader_damage(r, &dmg);
    (void)strlen(gcs_reader_errmsg(r));
    (void)strlen(info.recorder);
    (void)strlen(info.cmdline);
    uint64_t n = gcs_reader_n_events(r);
    gcs_event ev;
    for (uint64_t i = 0; i < n && i < MAX_EVENTS; i++)
        if (gcs_reader_event(r, i, &ev) == 0)
            (void)gcs_event_format(&ev, line, sizeof line);
    /* Backwards, to exercise the chunk cache. */
    for (uint64_t i = n; i > 0 && n - i < 64; i--)
        (void)gcs_reader_event(r, i - 1, &ev);
    (void)gcs_reader_event(r, n, &ev); /* must be GCS_EINDEX */
    if (gcs_reader_rewind(r, n / 2) == 0) {
        unsigned k = 0;
        while (k++ < MAX_EVENTS && gcs_reader_next(r, &ev) == 1)
            (void)gcs_event_format(&ev, line, sizeof line);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int salvage = 0; salvage < 2; salvage++) {
        gcs_reader_opts o;
        memset(&o, 0, sizeof o);
        o.salvage = salvage != 0;
        gcs_reader *r = NULL;
        if (gcs_reader_open_mem(data, size, "fuzz.gctrace", &o, &r) == 0) {
            walk(r);
            gcs_reader_close(r);
        } else {
            (void)strlen(gcs_reader_open_errmsg());
        }
    }
    return 0;
}
