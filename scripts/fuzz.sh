#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [HARNESS...] — build the libFuzzer harnesses
# (tests/fuzz/, GCS_FUZZ=ON, clang, ASan+UBSan) in a separate build directory
# and run each one for SECONDS (default 60) of wall time. Harnesses: trace_file
# trace_chunk replay_events pyrun_parse leak_supp (default: all).
#
# Environment: GCS_FUZZ_BUILD (build dir, default build-fuzz), JOBS (-j, 2),
# FUZZ_ARGS (extra libFuzzer flags, e.g. "-jobs=2 -workers=2").
# Each harness fuzzes into $GCS_FUZZ_BUILD/corpus/<h> (kept between runs),
# seeded from tests/fuzz/corpus/<h>, tests/fuzz/regressions/<h>, the traces in
# traces/ and traces/golden/, and tests/snippets/*.py. A crash, leak, timeout
# or out-of-memory input is copied to tests/fuzz/regressions/<h>/ (which ctest
# replays in every build) and the script exits 1. docs/robustness.md has more.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
secs=${1:-60}
[ $# -gt 0 ] && shift
all=(trace_file trace_chunk replay_events pyrun_parse leak_supp)
harnesses=("${@:-${all[@]}}")
build=${GCS_FUZZ_BUILD:-build-fuzz}
cc=${CC:-clang}
case "$("$cc" --version 2>/dev/null | head -1)" in
*clang*) ;;
*) echo "fuzz.sh: needs clang (CC=$cc)" >&2; exit 2 ;;
esac

CC=$cc cmake -S . -B "$build" -DGCS_FUZZ=ON -DGCS_BUILD_VIZ=OFF -DGCS_BUILD_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.configure.log" 2>&1 ||
    { echo "fuzz.sh: configure failed, see $build.configure.log" >&2; exit 2; }
cmake --build "$build" --target fuzz_all -j"${JOBS:-2}" >"$build.build.log" 2>&1 ||
    { tail -30 "$build.build.log" >&2; echo "fuzz.sh: build failed" >&2; exit 2; }

maxlen_for() {
    case "$1" in
    trace_file | trace_chunk) echo 16384 ;;
    *) echo 4096 ;;
    esac
}

seeds_for() {
    case "$1" in
    trace_file) echo traces/golden traces ;;
    pyrun_parse) echo tests/snippets ;;
    *) ;;
    esac
}

status=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for h in "${harnesses[@]}"; do
    bin="$build/tests/fuzz/fuzz_$h"
    [ -x "$bin" ] || { echo "fuzz.sh: no harness $h" >&2; exit 2; }
    work="$build/corpus/$h"
    art="$build/artifacts/$h/"
    mkdir -p "$work" "$art"
    # shellcheck disable=SC2046,SC2086
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -max_len="$(maxlen_for "$h")" -print_final_stats=1 -artifact_prefix="$art" ${FUZZ_ARGS:-} \
        "$work" "tests/fuzz/regressions/$h" "tests/fuzz/corpus/$h" $(seeds_for "$h") \
        >"$build/fuzz_$h.log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz_$h.log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$build/fuzz_$h.log" | tail -1)
    found=0
    for f in "$art"crash-* "$art"leak-* "$art"timeout-* "$art"oom-*; do
        [ -e "$f" ] || continue
        cp "$f" "tests/fuzz/regressions/$h/"
        echo "fuzz.sh: $h: NEW FINDING $(basename "$f") -> tests/fuzz/regressions/$h/" >&2
        rm -f "$f"
        found=1
    done
    if [ $rc -ne 0 ] || [ $found -ne 0 ]; then
        status=1
        echo "fuzz_$h: FAILED (exit $rc), log $build/fuzz_$h.log" >&2
        grep -m3 -E 'ERROR: |runtime error|SUMMARY' "$build/fuzz_$h.log" >&2
    fi
    echo "fuzz_$h: ${secs}s, ${execs:-?} execs, ${cov:-cov ?}, corpus $(find "$work" -type f | wc -l) files, exit $rc"
done
exit $status
