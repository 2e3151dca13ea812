# Every command's --help: exit 0, usage first, nothing on stderr, 80 columns.
. "$(dirname "$0")/lib.sh"
for cmd in info dump export record; do
    for opt in --help -h; do
        run "$G" "$cmd" "$opt"
        expect_rc 0 "$cmd $opt"
        head -1 "$T/out" | grep -q "^usage: gcscope $cmd" || fail "$cmd $opt: no usage line"
        [ ! -s "$T/err" ] || fail "$cmd $opt: wrote to stderr: $(cat "$T/err")"
        grep -q "exit status" "$T/out" || fail "$cmd $opt: exit statuses not described"
        max80 "$T/out" "$cmd $opt"
    done
done
run "$G" --help
expect_rc 0 "gcscope --help"
for cmd in info dump export record; do
    grep -q "^  $cmd " "$T/out" || fail "gcscope --help does not list $cmd"
done
finish
