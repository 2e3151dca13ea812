#!/bin/sh
# Differential test of `gcscope run` against CPython (issue #7).
# Usage: run_diff.sh GCSCOPE PYTHON SNIPPET_DIR... [-- only NAME...]
# Runs every *.py in the given directories with PYTHON and with `GCSCOPE run`
# and requires identical stdout and the same exit status. Snippets listed in
# tests/snippets/EXCLUDED.txt (name, then the reason) are skipped and counted.
# Prints one line per snippet, then "N passed, M failed, K excluded".
GCSCOPE=$1; PY=$2; shift 2
case $GCSCOPE in /*) ;; *) GCSCOPE=$(pwd)/$GCSCOPE ;; esac
HERE=$(cd "$(dirname "$0")/../snippets" && pwd)
EXCL="$HERE/EXCLUDED.txt"
TMP=${TMPDIR:-/tmp}/gcs_run_diff.$$
mkdir -p "$TMP" || exit 2
pass=0; fail=0; excl=0
for dir in "$@"; do
  for f in "$dir"/*.py; do
    [ -e "$f" ] || continue
    b=$(basename "$f" .py)
    if [ -f "$EXCL" ] && grep -q "^$b[[:space:]]" "$EXCL"; then
      echo "EXCLUDED $b"; excl=$((excl+1)); continue
    fi
    (cd "$dir" && timeout 60 "$PY" "$f" >"$TMP/py.out" 2>/dev/null); prc=$?
    (cd "$dir" && timeout 60 "$GCSCOPE" run "$f" >"$TMP/gs.out" 2>"$TMP/gs.err"); grc=$?
    if [ $prc -eq $grc ] && cmp -s "$TMP/py.out" "$TMP/gs.out"; then
      echo "PASS $b"; pass=$((pass+1))
    else
      echo "FAIL $b (python exit $prc, gcscope exit $grc)"; fail=$((fail+1))
      diff "$TMP/py.out" "$TMP/gs.out" | head -8 | sed 's/^/    /'
      head -3 "$TMP/gs.err" | sed 's/^/    stderr: /'
    fi
  done
done
rm -rf "$TMP"
echo "$pass passed, $fail failed, $excl excluded"
[ $fail -eq 0 ]
