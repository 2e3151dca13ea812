#!/usr/bin/env bash
# scripts/setup.sh — install what a fresh Debian 12 machine lacks, then configure
# and build gcscope. Idempotent: skips packages that are already installed.
#   scripts/setup.sh [PRESET...]     presets: dev (default), release, asan
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config git python3
      libsdl2-dev libcairo2-dev libcmocka-dev libzstd-dev
      fonts-dejavu-core xvfb xauth x11-apps imagemagick graphviz
      clang libclang-rt-14-dev cppcheck clang-tidy)

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(dev)
for preset in "${presets[@]}"; do
    echo "setup: configuring and building preset '$preset'"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" -j "$(nproc)"
done
