#!/bin/sh
# tests/cmake/index_cli.sh GCSCOPE BIGTRACE_GEN — the CLI writes the sidecar
# index right after opening (gcs_replay_write_index), not at close: `gcscope
# dump big.gctrace | head -1`, killed by SIGPIPE, still leaves FILE.gcsidx,
# and the next open loads it (same output); GCSCOPE_INDEX_CACHE=0 writes none.
set -eu
gcscope=$1 gen=$2
d=$(mktemp -d "${TMPDIR:-/tmp}/gcs_idxcli_XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
t=$d/big.gctrace
"$gen" "$t" 5 >/dev/null 2>&1 || fail "bigtrace_gen failed"
GCSCOPE_INDEX_CACHE=0 "$gcscope" dump "$t" | head -1 >"$d/first0"
[ ! -e "$t.gcsidx" ] || fail "GCSCOPE_INDEX_CACHE=0 wrote an index"
"$gcscope" dump --from 1000000 "$t" >"$d/tail0"
rm -f "$t.gcsidx"
"$gcscope" dump "$t" | head -1 >"$d/first1"
[ -s "$t.gcsidx" ] || fail "dump | head left no index"
cmp -s "$d/first0" "$d/first1" || fail "first line differs"
"$gcscope" dump --from 1000000 "$t" >"$d/tail1"
cmp -s "$d/tail0" "$d/tail1" || fail "dump with the index loaded differs"
echo ok
