# A program that records (GCSCOPE_TRACE) and calls exit() without freeing its
# heap still leaves a complete-up-to-exit trace: the recorder flushes at exit,
# so the last marker, emitted just before exit(), is in the file, along with
# every full chunk handed to the writer thread. The exit status is the
# program's own.
. "$(dirname "$0")/lib.sh"
need_victim
GCSCOPE_TRACE="$T/x.gctrace" "$V" exit 200000 7 >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 7 ] || fail "the program's own exit status (7) was lost: $rc"
[ ! -s "$T/err" ] || fail "recording at exit printed: $(cat "$T/err")"
ok
run "$G" dump "$T/x.gctrace"
expect_rc 0 "dump of a trace finished at exit (complete, not damaged)"
grep -q "marker text 'last words'" "$T/out" || fail "the marker emitted just before exit() is not in the trace"
n=$(grep -c ' alloc list#' "$T/out")
[ "$n" -ge 200001 ] || fail "only $n of 200001 list allocations are in the trace"
ok
# With GCSCOPE_LEAKS=exitcode=N the exit report leaves by _exit(N), which
# skips atexit handlers: the trace must be finished before that too.
GCSCOPE_LEAKS=exitcode=23 GCSCOPE_TRACE="$T/y.gctrace" "$V" exit 20000 0 >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 23 ] || fail "GCSCOPE_LEAKS=exitcode=23 on a heap never freed: exit $rc, not 23"
run "$G" dump "$T/y.gctrace"
expect_rc 0 "dump of a trace finished before the leak report's _exit"
grep -q "marker text 'last words'" "$T/out" || fail "the last marker is lost under GCSCOPE_LEAKS=exitcode"
ok
finish
