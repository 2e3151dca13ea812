# Unreadable or damaged traces: exit 3 with one line naming the file, for every
# reading command; a truncated trace still reports what could be recovered.
. "$(dirname "$0")/lib.sh"
need_victim
: >"$T/empty.gctrace"
printf 'this is not a trace, just some text that is long enough to hold a header\n%.0s' 1 2 3 \
    >"$T/text.gctrace"
synth "$T/good.gctrace" 3000
size=$(stat -c %s "$T/good.gctrace")
head -c $((size * 6 / 10)) "$T/good.gctrace" >"$T/cut.gctrace"
cp "$T/good.gctrace" "$T/flip.gctrace"
printf '\xff\xff\xff\xff' | dd of="$T/flip.gctrace" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
for f in missing empty text cut flip; do
    p="$T/$f.gctrace"
    for args in "info" "info --json" "dump" "dump --json" "export --format jsonl" \
        "export --format chrome" "export --format dot"; do
        # shellcheck disable=SC2086
        run "$G" $args "$p"
        expect_rc 3 "$args $f"
        one_line_error "$args $f" "$f.gctrace"
    done
done
# The truncated and the bit-flipped traces: the error names a byte offset, and
# info prints the figures of the part before the damage.
for f in cut flip; do
    run "$G" info "$T/$f.gctrace"
    grep -q "byte" "$T/err" || fail "$f: error does not name the byte offset: $(cat "$T/err")"
    grep -q "allocated" "$T/out" || fail "$f: info printed no figures"
    ok
    run "$G" info --json "$T/$f.gctrace"
    python3 - "$T/out" "$T/good.gctrace.expected.json" <<'PY' || fail "$f: recovered figures"
import json, sys
got = json.load(open(sys.argv[1]))
full = json.load(open(sys.argv[2]))
assert got["damage"], "damage not reported"
assert 0 < got["events"] < full["events"], (got["events"], full["events"])
assert got["chunks"] >= 1
PY
    ok
done
# The intact trace reads without complaint.
run "$G" info "$T/good.gctrace"
expect_rc 0 "info good"
[ ! -s "$T/err" ] || fail "info good: stderr: $(cat "$T/err")"
finish
