/* src/trace/events.c — tables generated from GCS_EVENT_MAP: event names, docs,
 * on-disk codes, phase names. The only place that expands the event list into
 * data; consumers index these arrays by gcs_ev_kind. */
#include "gcscope/trace_events.h"

static const char *const ev_names[GCS_EV__COUNT] = {
#define X(NAME, name, code, FIELDS, doc) [GCS_EV_##NAME] = #name,
    GCS_EVENT_MAP(X)
#undef X
};
_Static_assert(sizeof ev_names / sizeof ev_names[0] == GCS_EV__COUNT, "one name per event");

static const char *const ev_docs[GCS_EV__COUNT] = {
#define X(NAME, name, code, FIELDS, doc) [GCS_EV_##NAME] = doc,
    GCS_EVENT_MAP(X)
#undef X
};

static const char *const phase_names[GCS_PHASE__COUNT] = {
#define X(NAME, name) [GCS_PHASE_##NAME] = #name,
    GCS_GC_PHASE_MAP(X)
#undef X
};

const char *
gcs_ev_name(gcs_ev_kind kind)
{
    return (unsigned)kind < GCS_EV__COUNT ? ev_names[kind] : NULL;
}

const char *
gcs_ev_doc(gcs_ev_kind kind)
{
    return (unsigned)kind < GCS_EV__COUNT ? ev_docs[kind] : NULL;
}

const char *
gcs_gc_phase_name(gcs_gc_phase phase)
{
    return (unsigned)phase < GCS_PHASE__COUNT ? phase_names[phase] : NULL;
}
