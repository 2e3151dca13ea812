# Usage errors: exit 2 with exactly one line on stderr, naming the command.
. "$(dirname "$0")/lib.sh"
touch "$T/f.gctrace"
usage() {
    run "$G" "$@"
    expect_rc 2 "gcscope $*"
    one_line_error "gcscope $*" "gcscope $1"
}
usage info
usage info "$T/f.gctrace" "$T/g.gctrace"
usage info --bogus "$T/f.gctrace"
usage dump
usage dump --from
usage dump --from x "$T/f.gctrace"
usage dump --from -3 "$T/f.gctrace"
usage dump --from 5 --to 2 "$T/f.gctrace"
usage dump --to 1e3 "$T/f.gctrace"
usage dump --bogus "$T/f.gctrace"
usage export "$T/f.gctrace"
usage export --format png "$T/f.gctrace"
usage export --format chrome --at 3 "$T/f.gctrace"
usage export --format dot --at x "$T/f.gctrace"
usage export --format
usage export --format jsonl
usage record
usage record -o
usage record --bogus prog
usage record -o "" -- true
usage record -- /nonexistent/program
grep -qF "/nonexistent/program" "$T/err" || fail "record: error does not name the program"
finish
