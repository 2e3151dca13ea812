# A program killed with SIGKILL while recording leaves a file from which
# `gcscope info` recovers every chunk flushed before the kill (each collector
# pass ends with a flush): exit 3, one line naming the file, all K passes there.
. "$(dirname "$0")/lib.sh"
need_victim
K=7
"$G" record -o "$T/k.gctrace" -- "$V" hang "$T/ready" "$K" 2>"$T/rec.err" &
rec=$!
for _ in $(seq 100); do [ -s "$T/ready" ] && break; sleep 0.1; done
[ -s "$T/ready" ] || fail "hang program never got ready"
child=$(pgrep -P "$rec" | head -1)
[ -n "$child" ] || fail "no child process under gcscope record"
kill -KILL "$child"
wait "$rec"
rc=$?
[ "$rc" = 137 ] || fail "record should exit 128+9 when the program is killed, got $rc"
grep -q "killed by signal 9" "$T/rec.err" || fail "record did not say the program was killed"
ok
run "$G" info "$T/k.gctrace"
expect_rc 3 "info on a killed recording"
one_line_error "info on a killed recording" "k.gctrace" "byte"
grep -q "allocated" "$T/out" || fail "info printed nothing it recovered"
run "$G" info --json "$T/k.gctrace"
python3 - "$T/out" "$K" <<'PY' || fail "recovered figures"
import json, sys
info = json.load(open(sys.argv[1]))
k = int(sys.argv[2])
assert not info["complete"]
assert info["passes"][2] == k, f"{info['passes']} passes recovered, {k} were flushed"
assert info["markers"] >= 2 * k - 1, info["markers"]
PY
ok
run "$G" dump "$T/k.gctrace"
expect_rc 3 "dump on a killed recording"
one_line_error "dump on a killed recording" "k.gctrace"
[ "$(grep -c ' gc_end ' "$T/out")" -ge "$K" ] || fail "dump lost passes"
ok
finish
