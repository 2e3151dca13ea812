/* tests/fuzz/fuzz_harness.h — the libFuzzer entry point every harness defines
 * (one per fuzz_<harness>.c), declared here so -Wmissing-prototypes holds. */
#ifndef GCS_FUZZ_HARNESS_H
#define GCS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* Run one input; must not crash, leak or hang for any bytes. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
