# gcscope record: runs a program with recording on, passes its exit status
# through, says where the trace went, writes a readable trace (default name
# <program>.gctrace in the current directory; an old file is overwritten).
. "$(dirname "$0")/lib.sh"
need_victim
cd "$T" || fail "cd"
run "$G" record -o "$T/c.gctrace" -- "$V" cycle
expect_rc 0 "record cycle"
one_line_error "record report" "c.gctrace"
[ -s "$T/c.gctrace" ] || fail "no trace written"
run "$G" info --json "$T/c.gctrace"
expect_rc 0 "info on the recorded trace"
python3 - "$T/out" <<'PY' || fail "recorded trace contents"
import json, sys
info = json.load(open(sys.argv[1]))
assert info["complete"], info
assert info["markers"] == 2, info["markers"]
assert sum(info["passes"]) >= 1 and info["collected"][2] >= 2, info
assert info["by_kind"].get("alloc", 0) >= 2
PY
ok
# exit status passes through
run "$G" record -o "$T/s.gctrace" -- "$V" cycle 5
expect_rc 5 "record passes the exit status"
run "$G" record -q -o "$T/s.gctrace" -- "$V" cycle 0
expect_rc 0 "record -q"
[ ! -s "$T/err" ] || fail "record -q still reported: $(cat "$T/err")"
# default name in the current directory, overwriting an old file
echo "old junk" >"$T/cli_victim.gctrace"
run "$G" record "$V" cycle
expect_rc 0 "record with the default name"
one_line_error "record default name" "cli_victim.gctrace"
run "$G" info "$T/cli_victim.gctrace"
expect_rc 0 "info on the default-named trace"
# SIGTERM sent to gcscope reaches the program (which then dies of it)
need_victim
"$G" record -o "$T/h.gctrace" -- "$V" hang "$T/ready" 1 2>"$T/err" &
rec=$!
for _ in $(seq 100); do [ -s "$T/ready" ] && break; sleep 0.1; done
[ -s "$T/ready" ] || fail "hang program never got ready"
kill -TERM "$rec"
wait "$rec"
rc=$?
[ "$rc" = $((128 + 15)) ] || fail "SIGTERM forwarded: expected exit 143, got $rc"
ok
run "$G" info --json "$T/h.gctrace"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert sum(d["passes"]) >= 1, d' \
    "$T/out" || fail "trace after SIGTERM lacks the pass"
ok
# -o on something that is not a regular file is never removed (it used to be
# unlinked unconditionally: as root, -o /dev/full would delete the device)
mkfifo "$T/fifo"
run "$G" record -q -o "$T/fifo" -- true
expect_rc 0 "record -o FIFO with a program that never records"
[ -p "$T/fifo" ] || fail "record -o removed or replaced the FIFO"
ok
finish
