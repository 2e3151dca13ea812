# gcscope info on a known synthetic trace: every figure matches what the
# writer says it wrote, and matches a count of the events themselves.
. "$(dirname "$0")/lib.sh"
synth "$T/s.gctrace" 2000
run "$G" info --json "$T/s.gctrace"
expect_rc 0 "info --json"
cp "$T/out" "$T/info.json"
run "$G" dump --json "$T/s.gctrace"
expect_rc 0 "dump --json"
cp "$T/out" "$T/events.jsonl"
python3 - "$T/info.json" "$T/s.gctrace.expected.json" "$T/events.jsonl" <<'PY' || fail "info figures"
import collections, json, sys
info = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))
for key in ("events", "allocated", "freed", "alive", "markers", "passes", "collected",
            "pause_ns", "by_kind"):
    assert info[key] == want[key], f"{key}: info says {info[key]}, writer wrote {want[key]}"
# The same figures, counted from the events themselves.
evs = [json.loads(l) for l in open(sys.argv[3])]
kinds = collections.Counter(e["ev"] for e in evs)
assert dict(kinds) == info["by_kind"], (dict(kinds), info["by_kind"])
assert len(evs) == info["events"]
assert kinds["alloc"] - kinds["free"] == info["alive"]
ends = [e for e in evs if e["ev"] == "gc_end"]
for g in range(3):
    assert sum(1 for e in ends if e["gen"] == g) == info["passes"][g]
    assert sum(e["collected"] for e in ends if e["gen"] == g) == info["collected"][g]
    assert sum(e["duration_ns"] for e in ends if e["gen"] == g) == info["pause_ns"][g]
assert info["complete"] is True and info["damage"] is None
assert info["chunks"] > 1, "expected several chunks (4 KiB chunk size)"
PY
ok
run "$G" info "$T/s.gctrace"
expect_rc 0 "info"
max80 "$T/out" "info"
alloc=$(python3 -c 'import json,sys; print("{:,}".format(json.load(open(sys.argv[1]))["allocated"]))' \
    "$T/s.gctrace.expected.json")
grep -q "^  objects  *$alloc allocated, " "$T/out" || fail "info: objects line lacks $alloc allocated"
for s in "s.gctrace:" "format 1." "chunks" "damage       none found" "collector passes:" \
    "events by kind:" "total pause"; do
    grep -qF -- "$s" "$T/out" || fail "info text lacks '$s'"
    ok
done
finish
