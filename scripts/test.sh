#!/usr/bin/env bash
# scripts/test.sh — build and run the whole test suite (dev preset: debug,
# checked mode on). With --asan also runs it under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
presets=(dev)
[ "${1:-}" = "--asan" ] && presets+=(asan)
for preset in "${presets[@]}"; do
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" -j "$(nproc)"
    ctest --preset "$preset"
done
