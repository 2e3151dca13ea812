#!/usr/bin/env bash
# scripts/demo.sh — the README demo: narrates the classic two-list cycle on the
# runtime while recording it, then opens the viewer on the recording; with no
# display it renders one picture per step to out/demo/ and says where.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/gcscope
[ -x "$bin" ] || bin=build/dev/gcscope
[ -x "$bin" ] || { echo "demo: build first: scripts/setup.sh release" >&2; exit 2; }
mkdir -p out/demo
trace=out/demo/demo.gctrace
"$bin" demo -o "$trace"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && "$bin" view "$trace"; then
    exit 0
fi
n=$("$bin" info "$trace" --json | python3 -c 'import json,sys; print(json.load(sys.stdin).get("markers", 4))' 2>/dev/null || echo 4)
for m in $(seq 1 "$n"); do
    "$bin" render "$trace" --marker "$m" -o "out/demo/step$m.png" || break
done
echo
echo "no display: rendered the demo's steps to out/demo/step1.png .. step$n.png"
echo "(on a desktop, 'gcscope view $trace' plays it; press ? for the keys)"
