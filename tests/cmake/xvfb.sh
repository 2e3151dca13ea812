# tests/cmake/xvfb.sh — sourced by the window tests (run_view.sh, tests/viz/viz_cli.sh).
#
# gcs_xvfb CMD [ARG...]: runs CMD with DISPLAY on a private Xvfb server of
# $GCS_XVFB_SCREEN (default 1280x800x24), stops the server, returns CMD's status.
# If the server does not start it prints one line and returns 125.
#
# Why not xvfb-run: its status mixes its own failures with the program's (a
# failed cleanup of its temporary directory exits 5, a display taken by a
# parallel test exits 1, which is also our snippet's "uncaught exception"
# status), and `-a` picks a display number by looking at lock files, which
# races between tests that ctest runs at the same time. Xvfb -displayfd takes
# a free display itself and writes its number once it accepts connections.
gcs_xvfb() {
    _gx_dir=$(mktemp -d "${TMPDIR:-/tmp}/gcs_xvfb_XXXXXX") || return 125
    Xvfb -displayfd 3 -screen 0 "${GCS_XVFB_SCREEN:-1280x800x24}" -nolisten tcp \
        3>"$_gx_dir/display" >"$_gx_dir/log" 2>&1 &
    _gx_pid=$!
    _gx_tries=0
    while ! grep -q '^[0-9][0-9]*$' "$_gx_dir/display" 2>/dev/null; do
        if ! kill -0 "$_gx_pid" 2>/dev/null || [ "$_gx_tries" -ge 300 ]; then
            echo "gcs_xvfb: Xvfb did not start: $(tr '\n' ' ' <"$_gx_dir/log")" >&2
            kill "$_gx_pid" 2>/dev/null || true
            wait "$_gx_pid" 2>/dev/null || true
            rm -rf "$_gx_dir"
            return 125
        fi
        _gx_tries=$((_gx_tries + 1))
        sleep 0.1
    done
    _gx_display=:$(cat "$_gx_dir/display")
    _gx_rc=0
    DISPLAY=$_gx_display "$@" || _gx_rc=$?
    kill "$_gx_pid" 2>/dev/null || true
    wait "$_gx_pid" 2>/dev/null || true
    rm -rf "$_gx_dir"
    return "$_gx_rc"
}
