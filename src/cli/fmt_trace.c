/* src/cli/fmt_trace.c — how every trace command opens a trace: through the
 * replay model (the CLI reads traces only through gcscope/replay.h), with a
 * progress bar on a terminal, and with the one-line error rule: a file that
 * can't be read, or is damaged or incomplete, is reported in ONE line naming
 * the file, the byte offset and the problem, and the command exits 3 after
 * printing what could be recovered. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"
#include "gcscope/replay.h"

static int
on_progress(void *ud, uint64_t done, uint64_t total)
{
    gcs_progress *p = ud;
    p->total = total;
    gcs_progress_update(p, done);
    return 0;
}

/* "gcscope: <msg>" if msg names the file already, else "gcscope: <path>: <msg>". */
static void
file_error(const char *path, const char *msg)
{
    if (msg && strstr(msg, gcs_fmt_basename(path)))
        gcs_cli_error("%s", msg);
    else
        gcs_cli_error("%s: %s", path, msg && msg[0] ? msg : "cannot read trace");
}

struct gcs_replay *
gcs_fmt_trace_open(const char *path)
{
    gcs_replay_opts opts;
    gcs_replay_opts_init(&opts);
    return gcs_fmt_trace_open_opts(path, &opts);
}

struct gcs_replay *
gcs_fmt_trace_open_opts(const char *path, gcs_replay_opts *opts)
{
    gcs_replay *r = NULL;
    gcs_progress prog;
    gcs_progress_begin(&prog, "reading", 0);
    gcs_replay_opts o = *opts; /* the caller's opts never keep &prog */
    o.progress = on_progress;
    o.progress_ud = &prog;
    int rc = gcs_replay_open(path, &o, &r);
    gcs_progress_end(&prog);
    if (rc != 0 || r == NULL) {
        file_error(path, gcs_replay_open_errmsg());
        exit(GCS_EXIT_DAMAGED);
    }
    gcs_replay_write_index(r); /* now: a command may be cut short (| head) */
    return r;
}

int
gcs_fmt_trace_check(struct gcs_replay *r, const char *path)
{
    gcs_trace_damage d;
    gcs_trace_info info;
    char n[32];
    gcs_replay_damage(r, &d);
    gcs_replay_info(r, &info);
    if (d.damaged) {
        const char *msg = gcs_replay_errmsg(r);
        if (msg && msg[0] && strstr(msg, gcs_fmt_basename(path)))
            gcs_cli_error("%s; %s events before it recovered", msg,
                          gcs_fmt_count(d.event_index, n, sizeof n));
        else
            gcs_cli_error("%s: byte %llu (0x%llx): %s; %s events before it recovered", path,
                          (unsigned long long)d.byte_offset, (unsigned long long)d.byte_offset,
                          msg && msg[0] ? msg : gcs_strerror(d.code),
                          gcs_fmt_count(d.event_index, n, sizeof n));
        return GCS_EXIT_DAMAGED;
    }
    if (!info.clean_close) {
        gcs_cli_error(
            "%s: byte %llu (0x%llx): incomplete trace, no index or trailer "
            "(recording interrupted?); all %s events in %llu chunks recovered",
            path, (unsigned long long)info.file_bytes, (unsigned long long)info.file_bytes,
            gcs_fmt_count(gcs_replay_n_events(r), n, sizeof n), (unsigned long long)info.n_chunks);
        return GCS_EXIT_DAMAGED;
    }
    return GCS_EXIT_OK;
}

void
gcs_fmt_trace_fileinfo(struct gcs_replay *r, const char *path, gcs_fmt_fileinfo *fi)
{
    gcs_trace_info info;
    gcs_trace_damage d;
    gcs_replay_info(r, &info);
    gcs_replay_damage(r, &d);
    memset(fi, 0, sizeof *fi);
    fi->path = path;
    fi->file_bytes = info.file_bytes;
    fi->ver_major = info.version_major;
    fi->ver_minor = info.version_minor;
    fi->chunks = info.n_chunks;
    fi->event_chunks = info.n_chunks;
    fi->clean_end = info.clean_close;
    fi->recorder = info.recorder && info.recorder[0] ? info.recorder : NULL;
    fi->cmdline = info.cmdline && info.cmdline[0] ? info.cmdline : NULL;
    fi->writer_pid = info.writer_pid;
    fi->index_bytes = gcs_replay_index_bytes(r);
#ifdef GCS_TRACE_INFO_HAS_SIZES
    fi->raw_bytes = info.raw_bytes; /* 0 while the reader does not count them */
    fi->stored_bytes = info.stored_bytes;
#endif
    if (d.damaged) {
        fi->damaged_offset = d.byte_offset;
        fi->damage = gcs_replay_errmsg(r);
    } else if (!info.clean_close) {
        fi->damaged_offset = info.file_bytes;
        fi->damage = "no index or trailer (recording interrupted?)";
    }
}

bool
gcs_fmt_parse_index(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}
