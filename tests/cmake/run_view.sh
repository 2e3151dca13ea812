#!/bin/sh
# tests/cmake/run_view.sh MODE GCSCOPE — `gcscope view SNIPPET.py` end to end (run.cmake).
#   window     under a private Xvfb (xvfb.sh): the snippet's stdout comes through, the window opens on
#              the recording (its own `s` screenshot is the window's size and not blank),
#              --trace keeps the recording; a runtime error exits 1 after the window,
#              a syntax error exits 2 with one line and no window
#   nodisplay  no display: exit 2, one line naming `gcscope render`, the snippet not run
#   size       --size rejects junk around WxH (exit 2, one line), accepts 640x480
set -eu
mode=$1 gcscope=$2
. "$(dirname "$0")/xvfb.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/gcs_runview_XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
png_size() {
    od -An -j16 -N8 -tu1 "$1" | awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}
colours() {
    if command -v identify >/dev/null 2>&1; then identify -format '%k' "$1"; else echo 1000; fi
}
cat >"$dir/snippet.py" <<'PY'
import gc
a = []; b = [a]
a.append(b)
del a, b
print("collected", gc.collect())
PY
cat >"$dir/fails.py" <<'PY'
x = [1, 2]
print("before")
y = x[5]
PY
printf 'x = 1\nasync def f(): pass\n' >"$dir/bad.py"
cat >"$dir/script" <<'SCRIPT'
wait 300
key ctrl+right
key ctrl+right
key ctrl+right
wait 100
key s
wait 200
key q
SCRIPT
# view SNIPPET [extra args]: under Xvfb; writes $dir/out, $dir/err, sets rc
view() {
    snip=$1; shift
    rm -f "$dir"/gcscope-shot-*.png
    set +e
    (cd "$dir" && gcs_xvfb "$gcscope" view "$snip" \
        --script "$dir/script" --shots "$dir" "$@" >"$dir/out" 2>"$dir/err"); rc=$?
    set -e
    [ $rc -ne 125 ] || fail "no X server: $(cat "$dir/err")"
}
shot_ok() {
    shot=$(sed -n 's/^screenshot: \([^ ]*\) .*/\1/p' "$dir/out" | head -n1)
    [ -n "$shot" ] && [ -f "$shot" ] || fail "$1: no screenshot: $(cat "$dir/out" "$dir/err")"
    [ "$(png_size "$shot")" = "1280 800" ] || fail "$1: screenshot size $(png_size "$shot")"
    [ "$(colours "$shot")" -gt 50 ] || fail "$1: blank screenshot"
}

case $mode in
window)
    # X11, dbus and the GL driver leak at exit (not our code), as in viz_cli.sh.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    export ASAN_OPTIONS
    view snippet.py --trace "$dir/kept.gctrace"
    [ $rc -eq 0 ] || fail "view snippet.py: exit $rc: $(cat "$dir/err")"
    grep -qx "collected 2" "$dir/out" || fail "snippet stdout missing: $(cat "$dir/out")"
    shot_ok snippet.py
    [ ! -s "$dir/err" ] || fail "unexpected stderr: $(cat "$dir/err")"
    "$gcscope" dump "$dir/kept.gctrace" >"$dir/dump" || fail "--trace: dump exit $?"
    grep -q "marker text '2: b = \[a\]'" "$dir/dump" || fail "--trace: no marker for line 2"
    # without --trace, the temporary recording is removed
    before=$(ls "${TMPDIR:-/tmp}" | grep -c '^gcscope-view-' || true)
    view snippet.py
    [ $rc -eq 0 ] || fail "view without --trace: exit $rc"
    after=$(ls "${TMPDIR:-/tmp}" | grep -c '^gcscope-view-' || true)
    [ "$after" -le "$before" ] || fail "temporary trace left behind"
    # a runtime error: traceback, exit 1, the window still shows the recording
    view fails.py
    [ $rc -eq 1 ] || fail "fails.py: exit $rc, want 1"
    grep -qx "before" "$dir/out" || fail "fails.py: stdout $(cat "$dir/out")"
    grep -q "IndexError: list index out of range" "$dir/err" || fail "no traceback: $(cat "$dir/err")"
    shot_ok fails.py
    # outside the subset: one line, exit 2, no window
    view bad.py
    [ $rc -eq 2 ] || fail "bad.py: exit $rc, want 2"
    [ "$(wc -l <"$dir/err")" -eq 1 ] || fail "bad.py: want one line: $(cat "$dir/err")"
    grep -q "bad.py:2:1: 'async def' is not supported" "$dir/err" || fail "bad.py: $(cat "$dir/err")"
    grep -q "^screenshot:" "$dir/out" && fail "bad.py opened a window"
    ;;
nodisplay)
    set +e
    (cd "$dir" && env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$gcscope" view snippet.py \
        >"$dir/out" 2>"$dir/err"); rc=$?
    set -e
    [ $rc -eq 2 ] || fail "exit $rc, want 2"
    [ "$(wc -l <"$dir/err")" -eq 1 ] || fail "want one line: $(cat "$dir/err")"
    grep -q "gcscope render" "$dir/err" || fail "no pointer to gcscope render: $(cat "$dir/err")"
    [ ! -s "$dir/out" ] || fail "the snippet ran without a display: $(cat "$dir/out")"
    ;;
size)
    for bad in 800x600junk " 800x600" 800x600x1 +800x600 800x-600 800 x600 800x 99999999x600 \
               800X600 0x0 100x100; do
        set +e
        "$gcscope" view --size "$bad" >"$dir/out" 2>"$dir/err"; rc=$?
        set -e
        [ $rc -eq 2 ] || fail "--size '$bad': exit $rc, want 2"
        [ "$(wc -l <"$dir/err")" -eq 1 ] || fail "--size '$bad': $(cat "$dir/err")"
        grep -q -- "--size takes WxH" "$dir/err" || fail "--size '$bad': $(cat "$dir/err")"
    done
    # a good size gets past parsing (then stops for want of a display)
    set +e
    env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$gcscope" view --size 640x480 \
        >"$dir/out" 2>"$dir/err"; rc=$?
    set -e
    grep -q -- "--size" "$dir/err" && fail "--size 640x480 refused: $(cat "$dir/err")"
    [ $rc -eq 2 ] || fail "--size 640x480 without display: exit $rc"
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
echo "ok: $mode"
