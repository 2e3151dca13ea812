# tests/cli/lib.sh — helpers sourced by the CLI test scripts (not a test).
# Environment (set by tests/cmake/cli.cmake): GCSCOPE (the binary),
# CLI_VICTIM (tests/cli/cli_victim.c), GCS_SOURCE_DIR.
set -u
G=${GCSCOPE:?GCSCOPE must name the gcscope binary}
V=${CLI_VICTIM:-}
SRC=${GCS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/gcs_cli_XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8
checks=0

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
ok() {
    checks=$((checks + 1))
}
# run CMD...: stdout to $T/out, stderr to $T/err, exit status in $rc.
run() {
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
expect_rc() {
    [ "$rc" = "$1" ] || fail "$2: expected exit $1, got $rc; stderr: $(cat "$T/err")"
    ok
}
# The error is exactly one line, and it contains each further argument.
one_line_error() {
    local what=$1
    shift
    local n
    n=$(wc -l <"$T/err")
    [ "$n" = 1 ] || fail "$what: expected one line on stderr, got $n: $(cat "$T/err")"
    for s in "$@"; do
        grep -qF -- "$s" "$T/err" || fail "$what: stderr lacks '$s': $(cat "$T/err")"
    done
    ok
}
# No line of the file is wider than 80 columns (characters, not bytes).
max80() {
    python3 - "$1" "$2" <<'PY' || fail "$2: lines wider than 80 columns"
import sys
bad = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if len(l) > 80]
for l in bad:
    print(f"{sys.argv[2]}: {len(l)} columns: {l}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
    ok
}
need_victim() {
    [ -n "$V" ] && [ -x "$V" ] || fail "cli_victim was not built"
}
# synth FILE N: a synthetic trace; its expected figures go to FILE.expected.json
synth() {
    need_victim
    "$V" synth "$1" "$2" >"$1.expected.json" || fail "cli_victim synth failed"
}
finish() {
    echo "ok: $checks checks"
    exit 0
}
