/* src/cli/fmt.h — output formatters shared by the trace commands (info, dump,
 * export): one event as a readable line or as JSON, the event table, JSON and
 * DOT string quoting, the `info` statistics, the Chrome Trace Event writer and
 * the DOT object-graph writer. Everything here works on gcs_event values and
 * plain structs, so it is unit-tested on constructed events (tests/test_cli*.c)
 * without any trace file. Per-event printing is derived from GCS_EVENT_MAP. */
#ifndef GCS_CLI_FMT_H
#define GCS_CLI_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gcscope/trace_events.h"

/* {==== Usage errors (fmt_usage.c) ====} */

/* "gcscope CMD: <message> (try 'gcscope CMD --help')": ONE line on stderr,
 * then exit(GCS_EXIT_USAGE). */
_Noreturn void gcs_fmt_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* {==== Events: fields, text, JSON (fmt_event.c) ====} */

/* Called once per payload field, in table order. `tag` is 'O', 'U', 'I' or 'S';
 * `value` points to a gcs_evf_<tag>. */
typedef void (*gcs_fmt_field_fn)(void *ud, const char *name, char tag, const void *value);

/* Visit the payload fields of `ev` (nothing for an out-of-range kind). */
void gcs_fmt_fields(const gcs_event *ev, gcs_fmt_field_fn fn, void *ud);
/* Number of payload fields of a kind, and its on-disk op code (-1 if out of range). */
int gcs_fmt_nfields(gcs_ev_kind kind);
int gcs_fmt_code(gcs_ev_kind kind);
/* "obj:O type:S kind:U size:U" into buf (always NUL-terminated); returns buf. */
char *gcs_fmt_field_list(gcs_ev_kind kind, char *buf, size_t buf_size);
/* Kind with this name ("decref"), or -1. */
int gcs_fmt_kind_by_name(const char *name);

/* Type name of a live or past object id for the readable printer ("list"),
 * or NULL if unknown. */
typedef const char *(*gcs_fmt_type_fn)(void *ud, uint64_t id);

/* One event as a readable line (with '\n'):
 *   #1042 decref list#17 refcount 1→0  at demo.c:42 main
 * The first object field is shown bare as type#id; the others as "name value".
 * `type_of` may be NULL (objects then print as obj#17). */
void gcs_fmt_event_text(FILE *f, uint64_t seq, const gcs_event *ev, gcs_fmt_type_fn type_of,
                        void *ud);
/* One event as a JSON object on one line (with '\n'):
 *   {"seq":1042,"ev":"decref","t_ns":0,"obj":17,"refcnt":0,"site":{...}|null}
 * Object fields that are 0 ("none") are null; NULL strings are null. */
void gcs_fmt_event_json(FILE *f, uint64_t seq, const gcs_event *ev);
/* The event table: name, code, fields, doc; one event per two lines. */
void gcs_fmt_list_events(FILE *f);

/* A JSON string literal with quotes; invalid UTF-8 bytes become U+FFFD;
 * NULL prints null. */
void gcs_fmt_json_string(FILE *f, const char *s);
/* A DOT double-quoted ID (escapes '"' and '\\', newlines as \n). */
void gcs_fmt_dot_string(FILE *f, const char *s);
/* Basename of a path (the part after the last '/'). */
const char *gcs_fmt_basename(const char *path);
/* Integer with thousands separators into buf ("1,234,567"); returns buf. */
char *gcs_fmt_count(uint64_t n, char *buf, size_t buf_size);
/* Duration in ns as "84.1 µs" / "1.52 ms" / "2.31 s"; returns buf. */
char *gcs_fmt_duration(uint64_t ns, char *buf, size_t buf_size);
/* Byte size as "512 B" / "64.0 KiB" / "3.2 MiB"; returns buf. */
char *gcs_fmt_bytes(uint64_t n, char *buf, size_t buf_size);

/* {==== `info` statistics (fmt_stats.c) ====} */

#define GCS_FMT_NGEN 3

/* Figures `gcscope info` reports, accumulated one event at a time. */
typedef struct gcs_fmt_stats {
    uint64_t events;
    uint64_t by_kind[GCS_EV__COUNT];
    uint64_t first_t_ns, last_t_ns;
    uint64_t allocated, freed;        /* ALLOC / FREE events */
    uint64_t passes[GCS_FMT_NGEN];    /* GC_END by generation */
    uint64_t collected[GCS_FMT_NGEN]; /* sum of GC_END.collected */
    uint64_t uncollectable[GCS_FMT_NGEN];
    uint64_t pause_ns[GCS_FMT_NGEN]; /* sum of GC_END.duration_ns */
    uint64_t max_pause_ns;
    uint64_t errors; /* ERROR events (API misuse) */
    uint64_t markers;
    bool heap_end_seen;
    uint64_t heap_end_live; /* HEAP_END.live */
} gcs_fmt_stats;

void gcs_fmt_stats_init(gcs_fmt_stats *st);
void gcs_fmt_stats_add(gcs_fmt_stats *st, const gcs_event *ev);
/* Objects alive at the end: allocated - freed. */
uint64_t gcs_fmt_stats_alive(const gcs_fmt_stats *st);

/* What the reader knows about the file itself, for the header of `info`. */
typedef struct gcs_fmt_fileinfo {
    const char *path;
    uint64_t file_bytes;
    unsigned ver_major, ver_minor;
    uint64_t chunks; /* chunks read (all kinds) */
    uint64_t event_chunks;
    uint64_t raw_bytes;      /* payload bytes before compression */
    uint64_t stored_bytes;   /* payload bytes on disk */
    bool clean_end;          /* trailer + index present and valid */
    uint64_t damaged_offset; /* where reading stopped, if !clean_end */
    const char *damage;      /* NULL if none, else what is wrong */
    const char *recorder;    /* "gcscope 0.1.0" or NULL */
    const char *cmdline;     /* recorded program's command line or NULL */
    uint32_t writer_pid;
    uint64_t index_bytes; /* memory used by the reader's index and keyframes */
} gcs_fmt_fileinfo;

/* The `info` report (readable at 80 columns). */
void gcs_fmt_info_report(FILE *f, const gcs_fmt_fileinfo *fi, const gcs_fmt_stats *st);
/* The same figures as one JSON object. */
void gcs_fmt_info_json(FILE *f, const gcs_fmt_fileinfo *fi, const gcs_fmt_stats *st);

/* {==== Opening a trace for a command (fmt_trace.c) ====} */

/* Open `path` through the replay model, with a progress bar on a terminal.
 * On failure prints ONE line naming the file and the problem and exits with
 * GCS_EXIT_DAMAGED (3). Never returns NULL. */
struct gcs_replay *gcs_fmt_trace_open(const char *path);
/* Same with options (e.g. stream mode and an event callback for a one-pass
 * command); the progress bar is set up here. */
struct gcs_replay_opts;
struct gcs_replay *gcs_fmt_trace_open_opts(const char *path, struct gcs_replay_opts *opts);
/* If the trace is damaged or incomplete (no index/trailer), print ONE line
 * naming the file, the byte offset and the problem, and return
 * GCS_EXIT_DAMAGED; else return GCS_EXIT_OK. */
int gcs_fmt_trace_check(struct gcs_replay *r, const char *path);
/* File facts for the `info` header. */
void gcs_fmt_trace_fileinfo(struct gcs_replay *r, const char *path, gcs_fmt_fileinfo *fi);
/* Parse a non-negative decimal event index; false if `s` is not one. */
bool gcs_fmt_parse_index(const char *s, uint64_t *out);

/* {==== Chrome Trace Event JSON (fmt_chrome.c) ====} */

/* Live-object counts the Chrome counters show. */
typedef struct gcs_fmt_live {
    uint64_t gen[GCS_FMT_NGEN];
    uint64_t untracked;
    uint64_t permanent;
} gcs_fmt_live;

/* Fills *out with the live-object counts after event `seq`. */
typedef void (*gcs_fmt_live_fn)(void *ud, uint64_t seq, gcs_fmt_live *out);

typedef struct gcs_fmt_chrome {
    FILE *f;
    gcs_fmt_live_fn live_fn; /* NULL: no counters */
    void *live_ud;
    uint64_t n_written;     /* trace events written so far */
    uint64_t counter_every; /* also emit counters every N events (0: only at GC_END/markers) */
    uint64_t counter_min_gap; /* at GC_END/markers only if this many events passed since the
                               * last counter (bounds the cost on huge traces; 0: always) */
    uint64_t since_counter;
    uint64_t last_t_ns;
    /* the pass being collected: GC_BEGIN seen, GC_END not yet */
    bool in_pass;
    uint64_t pass_no;
    uint64_t pass_t0, pass_gen, pass_reason, pass_counts[3];
    bool in_phase;
    uint64_t phase_t0, phase;
} gcs_fmt_chrome;

/* Start the JSON object and write the "M" metadata events. `live_fn` (may be
 * NULL) is asked for counts only where a counter is written. */
void gcs_fmt_chrome_begin(gcs_fmt_chrome *c, FILE *f, const char *source, gcs_fmt_live_fn live_fn,
                          void *live_ud);
/* Feed one event. Counters are written after GC_END, markers and every
 * counter_every events. */
void gcs_fmt_chrome_event(gcs_fmt_chrome *c, uint64_t seq, const gcs_event *ev);
/* Close an unfinished pass (the trace ended inside it) and the JSON object. */
void gcs_fmt_chrome_end(gcs_fmt_chrome *c, const char *source, uint64_t n_events);

/* {==== Graphviz DOT object graph (fmt_dot.c) ====} */

typedef struct gcs_fmt_node {
    uint64_t id;
    const char *type;  /* "list" */
    const char *label; /* short value label or NULL */
    int64_t refcnt;
    int gen;        /* 0..2, 3 permanent, -1 untracked */
    int scc;        /* cycle number (>= 1) if the object is on a cycle, else 0 */
    bool finalizer; /* has a finalizer / was finalized */
} gcs_fmt_node;

typedef struct gcs_fmt_edge {
    uint64_t src, dst;
    const char *slot; /* ".next", "[0]", key; may be NULL */
    bool weak;        /* weakref -> referent */
} gcs_fmt_edge;

typedef struct gcs_fmt_var {
    uint64_t frame;
    const char *frame_name;
    const char *name;
    uint64_t obj;
} gcs_fmt_var;

typedef struct gcs_fmt_graph {
    const gcs_fmt_node *nodes;
    size_t n_nodes;
    const gcs_fmt_edge *edges;
    size_t n_edges;
    const gcs_fmt_var *vars;
    size_t n_vars;
    uint64_t at_event;  /* the event the graph is the state after */
    const char *source; /* trace file name, for the graph label */
} gcs_fmt_graph;

/* Write the graph in objgraph's conventions: one cluster_gen<N> subgraph per
 * generation (cluster_untracked, cluster_permanent), cycles as nested
 * cluster_cycle<N> subgraphs, variables as boxes, weak edges dashed. At most
 * `max_out` edges per node are drawn (0: no limit); the rest become a dotted
 * "N more references" node. */
void gcs_fmt_dot(FILE *f, const gcs_fmt_graph *g, size_t max_out);

/* Strongly connected components of the strong edges: scc_out[i] gets a cycle
 * number >= 1 for nodes on a cycle (SCC of size > 1 or self-loop), else 0.
 * Returns the number of cycles. Iterative (no recursion); allocates with
 * xmalloc. */
int gcs_fmt_find_cycles(const gcs_fmt_graph *g, int *scc_out);

#endif
