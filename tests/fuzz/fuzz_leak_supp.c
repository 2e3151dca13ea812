/* tests/fuzz/fuzz_leak_supp.c — the leak suppressions-file parser
 * (src/analysis/leak_supp.c) on arbitrary text; when it parses, every leak
 * kind is matched against a few types and sites so the patterns run too. */
#include <stdlib.h>
#include <string.h>

#include "analysis/leak_int.h"
#include "gcscope/leaks.h"

#include "fuzz_harness.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"list", "Node", "", "dict"};
    /* The only caller (leak_report.c) always passes a site, maybe with NULL fields. */
    static const gcs_site sites[] = {{"main.c", "main", 40}, {NULL, NULL, 0}, {"a/b.c", "f", -1}};
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    if (size != 0)
        memcpy(text, data, size);
    text[size] = '\0';
    char msg[256];
    gcs_leak_supp *s = NULL;
    if (gcs_leak_supp_parse(text, "fuzz.supp", &s, msg, sizeof msg) == 0 && s != NULL) {
        for (int k = 0; k < GCS_LEAK__COUNT; k++)
            for (size_t t = 0; t < 4; t++) {
                (void)gcs_leak_supp_match(s, (gcs_leak_kind)k, types[t], &sites[t % 3]);
                (void)gcs_leak_supp_match(s, (gcs_leak_kind)k, NULL, &sites[1]);
            }
    } else {
        msg[sizeof msg - 1] = '\0';
        (void)strlen(msg);
    }
    gcs_leak_supp_free(s);
    free(text);
    return 0;
}
