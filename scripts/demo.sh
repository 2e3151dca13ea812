#!/usr/bin/env bash
# scripts/demo.sh — the README demo: runs the classic two-list cycle lesson,
# prints what happened, and opens the viewer on it (or, with no display,
# renders its key frames to PNG and says where).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/gcscope
[ -x "$bin" ] || bin=build/dev/gcscope
"$bin" demo
if "$bin" view --help >/dev/null 2>&1; then
    if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
        exec "$bin" view
    fi
    mkdir -p out/demo
    "$bin" render --demo --frames out/demo --markers
    echo "no display: rendered the demo's key frames to out/demo/"
fi
