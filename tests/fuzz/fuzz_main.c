/* tests/fuzz/fuzz_main.c — a plain main() for the fuzz harnesses, so that any
 * compiler (gcc included) builds them as ordinary programs that replay saved
 * inputs: `fuzz_<harness> FILE|DIR...` runs LLVMFuzzerTestOneInput once per
 * file (directories are walked one level deep). Under clang with GCS_FUZZ=ON
 * this file is left out and libFuzzer's own main() drives the harness.
 * Exit status: 0 when every input ran, 2 on an unreadable argument. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_harness.h"

/* Read a whole file into a malloc'd buffer (+1 byte so an empty file still
 * gets a non-NULL pointer). Returns 0 or -1. */
static int
slurp(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    while (b != NULL) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *nb = realloc(b, cap * 2);
        if (nb == NULL) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (b == NULL || bad) {
        free(b);
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

static int
run_file(const char *path)
{
    uint8_t *buf;
    size_t len;
    if (slurp(path, &buf, &len) != 0) {
        fprintf(stderr, "fuzz replay: cannot read %s\n", path);
        return 2;
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int
run_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return run_file(path);
    int rc = 0, n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        struct stat st;
        if (stat(sub, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (run_file(sub) != 0)
            rc = 2;
        n++;
    }
    closedir(d);
    printf("%s: %d inputs\n", path, n);
    return rc;
}

int
main(int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i < argc; i++)
        if (run_dir(argv[i]) != 0)
            rc = 2;
    return rc;
}
