/* traces/lesson11_refleak.c — Lesson 11: a reference leak in C code.
 *
 *     sessions = {"alice": Session("alice")}
 *     handle_request("alice")          # C code: Py_INCREF without Py_DECREF
 *     handle_request_fixed("alice")    # the same code, balanced
 *     del sessions                     # the Session should die here, but doesn't
 *     gc.collect()                     # can't help: the stray reference looks external
 *
 * Extension code that takes a reference (incref) and forgets to release it
 * leaves an object that nothing refers to with a refcount that never reaches 0.
 * Its finalizer never runs, and the collector treats the unexplained reference
 * as one from outside, so the object looks reachable. The leak detector
 * (GCSCOPE_LEAKS=1 at exit, or `gcscope leaks` on the trace) names it and where
 * it was allocated; its refcount history shows the incref that was never paired,
 * in l11_handle_request().
 * Start reading at lesson11_run().
 */
#include "lesson_util.h"

/* Session.__del__: would announce the session closing; never runs here. */
static int
l11_session_del(gcs_heap *h, gcs_obj *self, void *ud)
{
    lesson *L = ud;
    STEPF(L, "__del__(%s) runs: the session is closed", lesson_str_attr(h, self, "user"));
    return 0;
}

/* sessions[user] as a BORROWED reference (NULL if absent). */
static gcs_obj *
l11_lookup(gcs_heap *h, const char *user)
{
    gcs_obj *key = NULL, *s = NULL;
    MUST(gcs_str_new(h, user, &key));
    int rc = gcs_dict_get(h, lesson_var(h, "sessions"), key, &s);
    gcs_decref(h, key);
    return rc == 0 ? s : NULL;
}

/* Count one more hit on the session. THE BUG: it holds the session with an
 * incref while it works, and never releases it. */
static void
l11_handle_request(gcs_heap *h, const char *user)
{
    gcs_obj *s = l11_lookup(h, user);
    if (!s)
        return;
    gcs_incref(h, s); /* keep the session alive while we work on it ... */
    gcs_obj *hits = NULL;
    MUST(gcs_int_new(h, 1, &hits));
    MUST(gcs_attr_set(h, s, "hits", hits));
    gcs_decref(h, hits);
    /* ... and return without gcs_decref(h, s): one reference leaked per call */
}

/* The same work, with the incref paired. */
static void
l11_handle_request_fixed(gcs_heap *h, const char *user)
{
    gcs_obj *s = l11_lookup(h, user);
    if (!s)
        return;
    gcs_incref(h, s);
    gcs_obj *hits = NULL;
    MUST(gcs_int_new(h, 2, &hits));
    MUST(gcs_attr_set(h, s, "hits", hits));
    gcs_decref(h, hits);
    gcs_decref(h, s);
}

static int
lesson11_run(lesson *L)
{
    lesson_hide_gc_lists(L);
    gcs_heap *h = L->h;

    STEP(L, "11.0 Lesson 11: a reference leak in C code");
    BIND(h, "Session", CLASS(h, "Session", l11_session_del, L));
    gcs_obj *sessions = NULL;
    MUST(gcs_dict_new(h, &sessions));
    lesson_watch(L, "sessions", sessions);
    BIND(h, "sessions", sessions);
    gcs_obj *s = NEW(h, lesson_var(h, "Session"));
    SET_STR_ATTR(h, s, "user", "alice");
    lesson_watch(L, "session", s);
    MUST(gcs_dict_set_str(h, sessions, "alice", s));
    gcs_decref(h, s);
    STEP(L, "11.1 sessions = {'alice': Session('alice')}: refcount 1, the dict's reference");

    l11_handle_request(h, "alice");
    STEP(L, "11.2 handle_request('alice'), C code: it took a reference (incref) and returned "
            "without releasing it: refcount 2, yet only the dict refers to the session");

    l11_handle_request_fixed(h, "alice");
    STEP(L, "11.3 handle_request_fixed('alice'): incref and decref paired, refcount unchanged");

    MUST(gcs_var_del(h, "sessions"));
    STEP(L, "11.4 del sessions: the dict is freed and the session drops to refcount 1, not 0: "
            "nothing refers to it, it never dies, and its __del__ never runs");

    size_t n = COLLECT(h, 2);
    STEPF(L,
          "11.5 gc.collect() returned %zu: the collector can't help: with no referrer inside "
          "the heap to explain it, the stray reference counts as one from outside (gc_refs 1)",
          n);
    STEP(L, "11.6 at exit the leak detector (GCSCOPE_LEAKS=1, or gcscope leaks on this trace) "
            "reports the Session as a reference leak, 1 reference unaccounted for; its refcount "
            "history shows the incref in handle_request that no decref ever paired");
    return 0;
}

#ifndef LESSON_NO_MAIN
int
main(void)
{
    return lesson_main(lesson11_run);
}
#endif
