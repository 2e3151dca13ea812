#!/bin/sh
# tests/cmake/bench_args.sh DIR — the benches' command lines are strict: --help
# prints the usage and exits 0; an unknown flag or a malformed number exits 2
# with one line naming it; nothing runs and no file is created (render_bench
# --help used to run the whole bench, bigtrace_gen took a flag for its output).
set -eu
bdir=$(cd "$1" && pwd)
d=$(mktemp -d "${TMPDIR:-/tmp}/gcs_bargs_XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$d"
# expect NAME STATUS ARG...
expect() {
    name=$1 want=$2
    shift 2
    set +e
    "$bdir/$name" "$@" >out 2>err
    rc=$?
    set -e
    [ "$rc" -eq "$want" ] || fail "$name $*: exit $rc, want $want: $(cat out err)"
    if [ "$want" -eq 0 ]; then
        grep -q "^usage: $name" out || fail "$name $*: no usage on stdout"
    else
        [ "$(wc -l <err)" -eq 1 ] || fail "$name $*: want one line: $(cat err)"
        grep -q "^bad argument '.*'; usage: $name" err || fail "$name $*: $(cat err)"
    fi
    n=$(ls -A | grep -v -x -e out -e err | wc -l)
    [ "$n" -eq 0 ] || fail "$name $*: created $(ls -A)"
}
for b in render_bench leak_bench run_bench; do
    expect $b 0 --help
    expect $b 0 -h
    expect $b 2 --bogus
    expect $b 2 12x
    expect $b 2 -5
done
expect render_bench 2 30 40
expect render_bench 2 --no-seek --seek-only
expect leak_bench 2 --no-hist --no-hist
expect run_bench 2 1000 --python
expect bigtrace_gen 0 --help
expect bigtrace_gen 2 --bogus
expect bigtrace_gen 2 out.gctrace 12x
expect bigtrace_gen 2 out.gctrace 10 0
expect bigtrace_gen 2 out.gctrace 10 20 30
# trace_bench: each mode with a bad or missing value
expect trace_bench 0 --help
expect trace_bench 2 --bogus
expect trace_bench 2 --events 12x
expect trace_bench 2 --events
expect trace_bench 2 --quick --quick
expect trace_bench 2 --one alloc on 12x
expect trace_bench 2 --one allox on 5
expect trace_bench 2 --one alloc onn 5
expect trace_bench 2 --one alloc on 5 extra
expect trace_bench 2 --one alloc
expect trace_bench 2 --make-big big.gctrace 12x
expect trace_bench 2 --make-big big.gctrace
expect trace_bench 2 --read big.gctrace bogus
expect trace_bench 2 --malloc-loop -5
expect trace_bench 2 --dir
expect gc_bench 0 --help
expect gc_bench 2 --bogus
expect gc_bench 2 --reps 5x
expect gc_bench 2 --n 12x
expect gc_bench 2 --only q
# the bad argument is named: the value, not its flag
"$bdir/trace_bench" --one alloc on 12x 2>err && fail "trace_bench took 12x"
grep -q "^bad argument '12x'" err || fail "trace_bench: $(cat err)"
"$bdir/gc_bench" --reps 5x 2>err && fail "gc_bench took 5x"
grep -q "^bad argument '5x'" err || fail "gc_bench: $(cat err)"
# and the error fits 80 columns
for b in trace_bench gc_bench render_bench leak_bench run_bench bigtrace_gen; do
    "$bdir/$b" --bogus 2>err && fail "$b took --bogus"
    [ "$(wc -L <err)" -le 80 ] || fail "$b: error wider than 80 columns: $(cat err)"
done
echo ok
