/* src/analysis/leak_supp.c — suppression files, valgrind-shaped:
 *
 *   # comment
 *   {
 *      a name for the entry
 *      kind: cycle            (reachable|cycle|uncollectable|refleak|error|*)
 *      type: Node*            (fnmatch pattern on the type or error name)
 *      site: *cache.c:*       (pattern on "file:line" of the allocation site)
 *      func: make_*           (pattern on the function of that site)
 *   }
 *
 * A missing key matches anything; an entry matches a record when every key
 * given matches. `gcscope leaks --gen-suppressions` prints entries in this form.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcscope/errors.h"
#include "leak_int.h"

typedef struct supp_entry {
    char *name, *kind, *type, *site, *func;
} supp_entry;

struct gcs_leak_supp {
    supp_entry *e;
    size_t n, cap;
};

void
gcs_leak_supp_free(gcs_leak_supp *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->e[i].name);
        free(s->e[i].kind);
        free(s->e[i].type);
        free(s->e[i].site);
        free(s->e[i].func);
    }
    free(s->e);
    free(s);
}

static char *
trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static char *
dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    return c ? memcpy(c, s, n) : NULL;
}

/* Store "key: value" into entry e. Returns 0, 1 if not a key line, or ENOMEM. */
static int
set_key(supp_entry *e, char *line)
{
    static const char *const keys[] = {"kind", "type", "site", "func"};
    char **slots[] = {&e->kind, &e->type, &e->site, &e->func};
    char *colon = strchr(line, ':');
    if (colon == NULL)
        return 1;
    for (size_t k = 0; k < 4; k++) {
        size_t n = strlen(keys[k]);
        if ((size_t)(colon - line) == n && strncmp(line, keys[k], n) == 0) {
            free(*slots[k]);
            *slots[k] = dup(trim(colon + 1));
            return *slots[k] ? 0 : GCS_ENOMEM;
        }
    }
    return 1;
}

static int
parse_line(gcs_leak_supp *s, char *line, bool *open, const char *name, int lineno, char *msg,
           size_t msg_size)
{
    line = trim(line);
    if (*line == '\0' || *line == '#')
        return 0;
    if (!*open) {
        if (strcmp(line, "{") != 0) {
            snprintf(msg, msg_size, "%s:%d: expected '{' to start a suppression", name, lineno);
            return GCS_EFORMAT;
        }
        if (s->n == s->cap) {
            size_t nc = s->cap ? s->cap * 2 : 16;
            supp_entry *ne = realloc(s->e, nc * sizeof *ne);
            if (ne == NULL)
                return GCS_ENOMEM;
            s->e = ne;
            s->cap = nc;
        }
        memset(&s->e[s->n++], 0, sizeof *s->e);
        *open = true;
        return 0;
    }
    supp_entry *e = &s->e[s->n - 1];
    if (strcmp(line, "}") == 0) {
        *open = false;
        return 0;
    }
    int rc = set_key(e, line);
    if (rc == 1 && e->name == NULL && !e->kind && !e->type && !e->site && !e->func) {
        e->name = dup(line);
        return e->name ? 0 : GCS_ENOMEM;
    }
    if (rc == 1) {
        snprintf(msg, msg_size, "%s:%d: unknown line '%s' (keys: kind, type, site, func)", name,
                 lineno, line);
        return GCS_EFORMAT;
    }
    return rc;
}

int
gcs_leak_supp_parse(const char *text, const char *name, gcs_leak_supp **out, char *msg,
                    size_t msg_size)
{
    *out = NULL;
    gcs_leak_supp *s = calloc(1, sizeof *s);
    char *copy = dup(text);
    if (s == NULL || copy == NULL) {
        free(s);
        free(copy);
        return GCS_ENOMEM;
    }
    bool open = false;
    int rc = 0, lineno = 0;
    for (char *line = copy, *next; line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        rc = parse_line(s, line, &open, name, ++lineno, msg, msg_size);
    }
    if (rc == 0 && open) {
        snprintf(msg, msg_size, "%s: missing '}' at end of file", name);
        rc = GCS_EFORMAT;
    }
    free(copy);
    if (rc != 0) {
        if (rc == GCS_ENOMEM)
            snprintf(msg, msg_size, "%s: out of memory", name);
        gcs_leak_supp_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int
gcs_leak_supp_load(const char *path, gcs_leak_supp **out, char *msg, size_t msg_size)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(msg, msg_size, "%s: cannot open suppressions file", path);
        return GCS_EIO;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    bool err = ferror(f) != 0;
    fclose(f);
    if (buf == NULL || err) {
        free(buf);
        snprintf(msg, msg_size, "%s: %s", path, err ? "read error" : "out of memory");
        return err ? GCS_EIO : GCS_ENOMEM;
    }
    buf[n] = '\0';
    int rc = gcs_leak_supp_parse(buf, path, out, msg, msg_size);
    free(buf);
    return rc;
}

static bool
pat_match(const char *pat, const char *s)
{
    return pat == NULL || fnmatch(pat, s ? s : "", 0) == 0;
}

bool
gcs_leak_supp_match(const gcs_leak_supp *s, gcs_leak_kind kind, const char *type,
                    const gcs_site *site)
{
    char where[1024];
    snprintf(where, sizeof where, "%s:%d", site->file ? site->file : "?", site->line);
    for (size_t i = 0; s && i < s->n; i++) {
        const supp_entry *e = &s->e[i];
        if (pat_match(e->kind, gcs_leak_kind_name(kind)) && pat_match(e->type, type) &&
            pat_match(e->site, where) && pat_match(e->func, site->func))
            return true;
    }
    return false;
}
