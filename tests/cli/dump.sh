# gcscope dump: --from/--to ranges (inclusive), readable and JSON Lines forms.
. "$(dirname "$0")/lib.sh"
synth "$T/s.gctrace" 300
n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' \
    "$T/s.gctrace.expected.json")
run "$G" dump "$T/s.gctrace"
expect_rc 0 "dump"
[ "$(wc -l <"$T/out")" = "$n" ] || fail "dump printed $(wc -l <"$T/out") lines for $n events"
max80 "$T/out" "dump"
# The decref line reads like the issue's example.
grep -qE '^#[0-9]+ decref (list|dict|Node)#[0-9]+ refcount [0-9]+→[0-9]+  at demo\.c:42 main$' \
    "$T/out" || fail "no readable decref line: $(grep -m1 decref "$T/out")"
grep -qE '^#[0-9]+ ref_set (list|dict|Node)#[0-9]+ slot .\.next. dst (list|dict|Node)#[0-9]+ old none$' \
    "$T/out" || fail "no readable ref_set line: $(grep -m1 ref_set "$T/out")"
ok
run "$G" dump --from 10 --to 19 "$T/s.gctrace"
expect_rc 0 "dump --from 10 --to 19"
[ "$(wc -l <"$T/out")" = 10 ] || fail "--from 10 --to 19 printed $(wc -l <"$T/out") lines"
head -1 "$T/out" | grep -q '^#10 ' || fail "range does not start at #10"
tail -1 "$T/out" | grep -q '^#19 ' || fail "range does not end at #19"
ok
run "$G" dump --json --from 10 --to 19 "$T/s.gctrace"
expect_rc 0 "dump --json range"
python3 - "$T/out" <<'PY' || fail "dump --json range"
import json, sys
seqs = [json.loads(l)["seq"] for l in open(sys.argv[1])]
assert seqs == list(range(10, 20)), seqs
PY
ok
run "$G" dump --from $((n - 3)) "$T/s.gctrace"
expect_rc 0 "dump --from n-3"
[ "$(wc -l <"$T/out")" = 3 ] || fail "--from n-3 printed $(wc -l <"$T/out") lines"
run "$G" dump --to 4 --to 1000000 "$T/s.gctrace" # past the end: up to the last event
expect_rc 0 "dump --to past end"
[ "$(wc -l <"$T/out")" = "$n" ] || fail "--to past the end printed $(wc -l <"$T/out") lines"
run "$G" dump --from 5 --to 5 "$T/s.gctrace"
[ "$(wc -l <"$T/out")" = 1 ] || fail "--from 5 --to 5 is not one line"
ok
run "$G" dump --from "$n" "$T/s.gctrace"
expect_rc 2 "dump --from n"
one_line_error "dump --from n" "s.gctrace" "$n events"
# The same events by text and by JSON.
run "$G" dump --json "$T/s.gctrace"
python3 - "$T/out" "$n" <<'PY' || fail "dump --json"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == int(sys.argv[2])
for i, l in enumerate(lines):
    e = json.loads(l)
    assert e["seq"] == i and isinstance(e["ev"], str) and "t_ns" in e
PY
ok
finish
