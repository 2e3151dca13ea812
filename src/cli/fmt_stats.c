/* src/cli/fmt_stats.c — the figures `gcscope info` prints, accumulated one
 * event at a time (gcs_fmt_stats_add), and the report itself, as text readable
 * at 80 columns or as one JSON object. The only event meaning here is
 * counting: allocations, frees, collector passes and their pauses. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

void
gcs_fmt_stats_init(gcs_fmt_stats *st)
{
    memset(st, 0, sizeof *st);
}

static void
add_gc_end(gcs_fmt_stats *st, const gcs_ev_gc_end *e)
{
    unsigned g = e->gen < GCS_FMT_NGEN ? (unsigned)e->gen : GCS_FMT_NGEN - 1;
    st->passes[g]++;
    st->collected[g] += e->collected;
    st->uncollectable[g] += e->uncollectable;
    st->pause_ns[g] += e->duration_ns;
    if (e->duration_ns > st->max_pause_ns)
        st->max_pause_ns = e->duration_ns;
}

void
gcs_fmt_stats_add(gcs_fmt_stats *st, const gcs_event *ev)
{
    if ((unsigned)ev->kind >= GCS_EV__COUNT)
        return;
    if (ev->t_ns && (st->first_t_ns == 0 || ev->t_ns < st->first_t_ns))
        st->first_t_ns = ev->t_ns; /* 0 means unstamped */
    if (ev->t_ns > st->last_t_ns)
        st->last_t_ns = ev->t_ns;
    st->events++;
    st->by_kind[ev->kind]++;
    switch (ev->kind) {
    case GCS_EV_ALLOC:
        st->allocated++;
        break;
    case GCS_EV_FREE:
        st->freed++;
        break;
    case GCS_EV_GC_END:
        add_gc_end(st, &ev->u.gc_end);
        break;
    case GCS_EV_ERROR:
        st->errors++;
        break;
    case GCS_EV_MARKER:
        st->markers++;
        break;
    case GCS_EV_HEAP_END:
        st->heap_end_seen = true;
        st->heap_end_live = ev->u.heap_end.live;
        break;
    case GCS_EV_INCREF:
    case GCS_EV_DECREF:
    case GCS_EV_LABEL:
    case GCS_EV_INTERNAL:
    case GCS_EV_REF_SET:
    case GCS_EV_REF_DEL:
    case GCS_EV_TRACK:
    case GCS_EV_UNTRACK:
    case GCS_EV_FRAME_PUSH:
    case GCS_EV_FRAME_POP:
    case GCS_EV_VAR_SET:
    case GCS_EV_VAR_DEL:
    case GCS_EV_WEAKREF_NEW:
    case GCS_EV_WEAKREF_CLEAR:
    case GCS_EV_WEAKREF_CALLBACK:
    case GCS_EV_FINALIZE:
    case GCS_EV_RESURRECT:
    case GCS_EV_GC_BEGIN:
    case GCS_EV_GC_PHASE:
    case GCS_EV_GC_REFS:
    case GCS_EV_GC_STATE:
    case GCS_EV_GC_PROMOTE:
    case GCS_EV_GC_GARBAGE:
    case GCS_EV_GC_CONFIG:
    case GCS_EV_FREEZE:
    case GCS_EV_UNFREEZE:
    case GCS_EV__COUNT:
        break; /* counted by kind only */
    }
}

uint64_t
gcs_fmt_stats_alive(const gcs_fmt_stats *st)
{
    return st->allocated >= st->freed ? st->allocated - st->freed : 0;
}

/* {==== Text report ====} */

static void
report_file(FILE *f, const gcs_fmt_fileinfo *fi)
{
    char a[32], b[32], c[32];
    fprintf(f, "%s: %s, format %u.%u, %s\n", gcs_fmt_basename(fi->path),
            gcs_fmt_bytes(fi->file_bytes, a, sizeof a), fi->ver_major, fi->ver_minor,
            fi->clean_end ? "complete" : "INCOMPLETE (no valid index/trailer)");
    fprintf(f, "  chunks       %s event chunks\n", gcs_fmt_count(fi->event_chunks, a, sizeof a));
    if (fi->stored_bytes > 0 && fi->raw_bytes > 0)
        fprintf(f, "  compression  %s raw -> %s stored (%.2fx)\n",
                gcs_fmt_bytes(fi->raw_bytes, a, sizeof a),
                gcs_fmt_bytes(fi->stored_bytes, b, sizeof b),
                (double)fi->raw_bytes / (double)fi->stored_bytes);
    if (fi->recorder || fi->cmdline)
        fprintf(f, "  recorded     by %s, pid %u: %.50s\n", fi->recorder ? fi->recorder : "?",
                (unsigned)fi->writer_pid, fi->cmdline && fi->cmdline[0] ? fi->cmdline : "?");
    if (fi->index_bytes)
        fprintf(f, "  index        %s in memory (%.1f%% of the file)\n",
                gcs_fmt_bytes(fi->index_bytes, a, sizeof a),
                fi->file_bytes ? 100.0 * (double)fi->index_bytes / (double)fi->file_bytes : 0.0);
    if (fi->damage)
        fprintf(f, "  damage       at byte %s (0x%" PRIx64 "): %s\n",
                gcs_fmt_count(fi->damaged_offset, c, sizeof c), fi->damaged_offset, fi->damage);
    else
        fprintf(f, "  damage       none found\n");
}

static void
report_objects(FILE *f, const gcs_fmt_stats *st)
{
    char a[32], b[32], c[32], d[32];
    fprintf(f, "  events       %s over %s\n", gcs_fmt_count(st->events, a, sizeof a),
            gcs_fmt_duration(st->last_t_ns - st->first_t_ns, b, sizeof b));
    fprintf(f, "  objects      %s allocated, %s freed, %s alive at end\n",
            gcs_fmt_count(st->allocated, a, sizeof a), gcs_fmt_count(st->freed, b, sizeof b),
            gcs_fmt_count(gcs_fmt_stats_alive(st), c, sizeof c));
    if (st->heap_end_seen)
        fprintf(f, "  heap end     %s objects alive at teardown\n",
                gcs_fmt_count(st->heap_end_live, d, sizeof d));
    fprintf(f, "  markers      %s    API errors  %s\n", gcs_fmt_count(st->markers, a, sizeof a),
            gcs_fmt_count(st->errors, b, sizeof b));
}

static void
report_passes(FILE *f, const gcs_fmt_stats *st)
{
    char a[32], b[32], c[32], d[32];
    uint64_t total = 0;
    fprintf(f, "collector passes:\n");
    fprintf(f, "  %-5s %10s %12s %14s %14s\n", "gen", "passes", "collected", "uncollectable",
            "pause");
    for (int g = 0; g < GCS_FMT_NGEN; g++) {
        fprintf(f, "  %-5d %10s %12s %14s %14s\n", g, gcs_fmt_count(st->passes[g], a, sizeof a),
                gcs_fmt_count(st->collected[g], b, sizeof b),
                gcs_fmt_count(st->uncollectable[g], c, sizeof c),
                gcs_fmt_duration(st->pause_ns[g], d, sizeof d));
        total += st->pause_ns[g];
    }
    fprintf(f, "  total pause %s, longest %s\n", gcs_fmt_duration(total, a, sizeof a),
            gcs_fmt_duration(st->max_pause_ns, b, sizeof b));
}

/* Non-zero kinds in three columns of 25 characters (79 in all). */
static void
report_kinds(FILE *f, const gcs_fmt_stats *st)
{
    char a[32];
    int col = 0;
    fprintf(f, "events by kind:\n");
    for (int k = 0; k < GCS_EV__COUNT; k++) {
        if (st->by_kind[k] == 0)
            continue;
        fprintf(f, "%s%-16s%9s", col == 0 ? "  " : " ", gcs_ev_name((gcs_ev_kind)k),
                gcs_fmt_count(st->by_kind[k], a, sizeof a));
        if (++col == 3) {
            fputc('\n', f);
            col = 0;
        }
    }
    if (col != 0)
        fputc('\n', f);
}

void
gcs_fmt_info_report(FILE *f, const gcs_fmt_fileinfo *fi, const gcs_fmt_stats *st)
{
    report_file(f, fi);
    report_objects(f, st);
    report_passes(f, st);
    report_kinds(f, st);
}

/* {==== JSON ====} */

static void
json_u64_array(FILE *f, const char *name, const uint64_t *v, int n)
{
    fprintf(f, ",\"%s\":[", name);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%" PRIu64, i ? "," : "", v[i]);
    fputc(']', f);
}

void
gcs_fmt_info_json(FILE *f, const gcs_fmt_fileinfo *fi, const gcs_fmt_stats *st)
{
    fputs("{\"file\":", f);
    gcs_fmt_json_string(f, fi->path);
    fprintf(f,
            ",\"file_bytes\":%" PRIu64 ",\"version\":\"%u.%u\",\"complete\":%s,"
            "\"chunks\":%" PRIu64 ",\"event_chunks\":%" PRIu64 ",\"raw_bytes\":%" PRIu64
            ",\"stored_bytes\":%" PRIu64,
            fi->file_bytes, fi->ver_major, fi->ver_minor, fi->clean_end ? "true" : "false",
            fi->chunks, fi->event_chunks, fi->raw_bytes, fi->stored_bytes);
    fputs(",\"damage\":", f);
    gcs_fmt_json_string(f, fi->damage);
    fprintf(f, ",\"damaged_offset\":%" PRIu64, fi->damage ? fi->damaged_offset : 0);
    fprintf(f,
            ",\"events\":%" PRIu64 ",\"allocated\":%" PRIu64 ",\"freed\":%" PRIu64
            ",\"alive\":%" PRIu64 ",\"markers\":%" PRIu64 ",\"errors\":%" PRIu64
            ",\"max_pause_ns\":%" PRIu64,
            st->events, st->allocated, st->freed, gcs_fmt_stats_alive(st), st->markers, st->errors,
            st->max_pause_ns);
    if (st->heap_end_seen) /* the runtime's own count at teardown, to check "alive" against */
        fprintf(f, ",\"heap_end_live\":%" PRIu64, st->heap_end_live);
    json_u64_array(f, "passes", st->passes, GCS_FMT_NGEN);
    json_u64_array(f, "collected", st->collected, GCS_FMT_NGEN);
    json_u64_array(f, "uncollectable", st->uncollectable, GCS_FMT_NGEN);
    json_u64_array(f, "pause_ns", st->pause_ns, GCS_FMT_NGEN);
    fputs(",\"by_kind\":{", f);
    for (int k = 0, n = 0; k < GCS_EV__COUNT; k++)
        if (st->by_kind[k])
            fprintf(f, "%s\"%s\":%" PRIu64, n++ ? "," : "", gcs_ev_name((gcs_ev_kind)k),
                    st->by_kind[k]);
    fputs("}}\n", f);
}
