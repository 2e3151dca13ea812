# `gcscope dump --list-events` and the event table of docs/trace-format.md
# (section 4) list the same events: name, code, fields and meaning. Fails on
# any difference, in either direction.
. "$(dirname "$0")/lib.sh"
doc="$SRC/docs/trace-format.md"
[ -f "$doc" ] || fail "$doc is missing"
run "$G" dump --list-events
expect_rc 0 "dump --list-events"
max80 "$T/out" "dump --list-events"
python3 - "$T/out" "$doc" <<'PY' || fail "dump --list-events and docs/trace-format.md disagree"
import re, sys

def from_cli(path):
    rows, cur = {}, None
    for line in open(path, encoding="utf-8").read().splitlines()[1:]:  # skip the heading
        if line.startswith("    "):
            rows[cur]["doc"] = (rows[cur]["doc"] + " " + line.strip()).strip()
            continue
        m = re.match(r"^(\w+)\s+(0x[0-9a-f]+)\s*(.*)$", line)
        assert m, f"unexpected line in --list-events: {line!r}"
        cur = m.group(1)
        rows[cur] = {"code": int(m.group(2), 16), "fields": m.group(3).split(), "doc": ""}
    return rows

def from_doc(path):
    text = open(path, encoding="utf-8").read()
    sec = re.search(r"^## \d+\. Events.*?$(.*?)(?=^## )", text, re.S | re.M)
    assert sec, "no '## N. Events' section in the doc"
    rows = {}
    for line in sec.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"0x[0-9a-fA-F]+", cells[0]):
            rows[cells[1]] = {"code": int(cells[0], 16), "fields": cells[2].split(),
                              "doc": cells[3]}
    return rows

cli, doc = from_cli(sys.argv[1]), from_doc(sys.argv[2])
assert cli, "--list-events printed no events"
bad = []
for name in sorted(set(cli) | set(doc)):
    if name not in doc:
        bad.append(f"{name}: printed by --list-events, missing from the doc")
    elif name not in cli:
        bad.append(f"{name}: in the doc, not printed by --list-events")
    else:
        for key in ("code", "fields", "doc"):
            if cli[name][key] != doc[name][key]:
                bad.append(f"{name}: {key} differs: cli {cli[name][key]!r}, doc {doc[name][key]!r}")
for b in bad:
    print(b, file=sys.stderr)
print(f"{len(cli)} events compared")
sys.exit(1 if bad else 0)
PY
ok
finish
