# gcscope export: chrome parses as JSON with the documented fields and only
# X/C/i/M phases; dot renders with `dot -Tsvg`; jsonl is one event per line.
. "$(dirname "$0")/lib.sh"
synth "$T/s.gctrace" 1000
run "$G" export "$T/s.gctrace" --format chrome -o "$T/c.json"
expect_rc 0 "export chrome"
[ ! -s "$T/out" ] || fail "export -o still wrote to stdout"
python3 - "$T/c.json" "$T/s.gctrace.expected.json" <<'PY' || fail "chrome export"
import json, sys
doc = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))
evs = doc["traceEvents"]
assert doc["displayTimeUnit"] in ("ms", "ns")
phases = {e["ph"] for e in evs}
assert phases <= {"X", "C", "i", "M"}, phases
for e in evs:
    assert {"ph", "pid", "name"} <= e.keys(), e
    if e["ph"] != "M":
        assert isinstance(e["ts"], (int, float)), e
    if e["ph"] == "X":
        assert e["dur"] >= 0 and "tid" in e
passes = [e for e in evs if e["ph"] == "X" and e.get("cat") == "gc"]
assert len(passes) == sum(want["passes"]), (len(passes), want["passes"])
assert sum(p["args"]["collected"] for p in passes) == sum(want["collected"])
for p in passes:
    assert {"generation", "collected", "uncollectable", "duration_ns"} <= p["args"].keys()
# phases nest inside their pass (Perfetto needs slices on a track to nest)
phs = [e for e in evs if e["ph"] == "X" and e.get("cat") == "gc,phase"]
assert len(phs) == 2 * len(passes)
for ph in phs:
    assert any(p["ts"] <= ph["ts"] and ph["ts"] + ph["dur"] <= p["ts"] + p["dur"] + 1e-6
               for p in passes), ph
marks = [e for e in evs if e["ph"] == "i"]
assert len(marks) == want["markers"] and all(m["s"] == "g" for m in marks)
counters = [e for e in evs if e["ph"] == "C"]
assert counters and all({"gen0", "gen1", "gen2", "untracked"} <= c["args"].keys()
                        for c in counters)
names = {e["args"]["name"] for e in evs if e["ph"] == "M" and e["name"] == "thread_name"}
assert names == {"mutator", "gc"}, names
PY
ok
# dot at an event in the middle and at the end
for at in 500 ""; do
    run "$G" export "$T/s.gctrace" --format dot ${at:+--at "$at"} -o "$T/g.dot"
    expect_rc 0 "export dot ${at:-end}"
    dot -Tsvg "$T/g.dot" -o "$T/g.svg" || fail "dot -Tsvg rejects the export (at ${at:-end})"
    grep -q "subgraph cluster_gen" "$T/g.dot" || fail "no cluster_gen subgraph"
    grep -q "subgraph cluster_cycle" "$T/g.dot" || fail "the synthetic trace has 2-cycles"
    if [ "$at" = 500 ]; then # x is bound there (deleted again by the end)
        grep -q '"v0" \[label="x", shape=box' "$T/g.dot" || fail "variable x is not a box"
        grep -q '"v0" -> "o' "$T/g.dot" || fail "variable x points nowhere"
    fi
    ok
done
run "$G" export "$T/s.gctrace" --format dot --at 999999
expect_rc 2 "export dot --at past the end"
one_line_error "dot --at past the end" "s.gctrace"
run "$G" export --format jsonl "$T/s.gctrace"
expect_rc 0 "export jsonl"
python3 - "$T/out" "$T/s.gctrace.expected.json" <<'PY' || fail "jsonl export"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
want = json.load(open(sys.argv[2]))
head = json.loads(lines[0])
assert head["format"] == "gctrace-jsonl" and head["events"] == want["events"]
evs = [json.loads(l) for l in lines[1:]]
assert len(evs) == want["events"]
assert [e["seq"] for e in evs] == list(range(len(evs)))
PY
ok
finish
