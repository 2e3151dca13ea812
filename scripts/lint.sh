#!/usr/bin/env bash
# scripts/lint.sh — static checks; fails on any finding.
#  1. cppcheck over src/ and viz/;
#  2. clang-tidy (checks in .clang-tidy) over src/**/*.c, using the
#     compile_commands.json of the dev build (build/dev, or $GCS_LINT_BUILD;
#     configured here if missing). Skipped with a note if clang-tidy is absent.
# Usage: scripts/lint.sh [--no-tidy]
set -euo pipefail
cd "$(dirname "$0")/.."
cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
    --enable=warning,portability --suppress=missingIncludeSystem \
    -I include -I src src viz
echo "lint: cppcheck clean"

[ "${1:-}" = "--no-tidy" ] && exit 0
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
if [ -z "$tidy" ]; then
    echo "lint: clang-tidy not installed, skipped"
    exit 0
fi
build=${GCS_LINT_BUILD:-build/dev}
if [ ! -f "$build/compile_commands.json" ]; then
    cmake -S . -B "$build" -DGCS_DEBUG=ON >/dev/null
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# One file per process, two at a time; findings are "file:line:col: warning: ... [check]".
find src -name '*.c' -print0 | sort -z |
    xargs -0 -n 1 -P "${JOBS:-2}" "$tidy" --quiet -p "$build" 2>/dev/null |
    grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' | sort -u >"$out" || true
if [ -s "$out" ]; then
    cat "$out"
    echo "lint: clang-tidy: $(wc -l <"$out") finding(s)"
    exit 1
fi
echo "lint: clang-tidy clean"
