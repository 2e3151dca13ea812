#!/bin/sh
# tests/cmake/source_id.sh SCRIPT — cmake/source_id.cmake, the sidecar index's
# source id: 16 hex digits; the same sources give the same id and leave the
# header untouched (no recompile); a changed or added reader/model/header file
# changes it, a runtime file does not; a missing argument is an error.
set -eu
script=$1
d=$(mktemp -d "${TMPDIR:-/tmp}/gcs_srcid_XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$d/src/trace" "$d/src/replay" "$d/src/runtime" "$d/include/gcscope"
echo 'int a;' >"$d/src/trace/a.c"
echo 'int b;' >"$d/src/replay/b.h"
echo '#define X 1' >"$d/include/gcscope/x.h"
echo 'int r;' >"$d/src/runtime/r.c"
id() {
    cmake -DROOT="$d" -DOUT="$d/gen/id.h" -P "$script" || fail "script failed"
    [ -f "$d/gen/id.h" ] || fail "no header written"
    sed -n 's/^#define GCS_SOURCE_ID "\(.*\)"$/\1/p' "$d/gen/id.h"
}
id1=$(id)
echo "$id1" | grep -qx '[0-9a-f]\{16\}' || fail "id '$id1'"
touch -d '2000-01-01 00:00:00 UTC' "$d/gen/id.h"
[ "$(id)" = "$id1" ] || fail "same sources, another id"
[ "$(stat -c %Y "$d/gen/id.h")" = 946684800 ] || fail "header rewritten for the same id"
echo 'int r2;' >>"$d/src/runtime/r.c"
[ "$(id)" = "$id1" ] || fail "a runtime file changed the id"
echo 'int a2;' >>"$d/src/trace/a.c"
id2=$(id)
[ "$id2" != "$id1" ] || fail "a changed reader file kept the id"
echo 'int c;' >"$d/src/replay/c.c"
id3=$(id)
[ "$id3" != "$id2" ] || fail "an added model file kept the id"
echo '#define X 2' >"$d/include/gcscope/x.h"
[ "$(id)" != "$id3" ] || fail "a changed public header kept the id"
if cmake -DOUT="$d/gen/x.h" -P "$script" >/dev/null 2>&1; then fail "no ROOT accepted"; fi
echo "ok"
