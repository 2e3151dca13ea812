#!/usr/bin/env bash
# tests/install/check_install.sh BUILD_DIR SOURCE_DIR WORK_DIR
# Installs the build into a scratch prefix, then builds the documented embedding
# example (docs/examples/embed.c) against the installed library twice — with
# pkg-config and with CMake's find_package(gcscope) — and runs both.
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" > "$work/install.log"
libdir=$(dirname "$(find "$prefix" -name gcscope.pc | head -1)")/..

# 1. pkg-config
flags=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs gcscope)
cc -std=c11 -o "$work/embed_pc" "$src/docs/examples/embed.c" $flags -Wl,-rpath,"$libdir"
GCSCOPE_TRACE= GCSCOPE_LEAKS= "$work/embed_pc" > "$work/pc.out"
grep -q "collected: 2" "$work/pc.out" || { echo "pkg-config build: unexpected output"; cat "$work/pc.out"; exit 1; }
echo "pkg-config: ok ($flags)"

# 2. find_package
mkdir -p "$work/proj"
cp "$src/docs/examples/embed.c" "$work/proj/"
cat > "$work/proj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(embed_check C)
find_package(gcscope REQUIRED)
add_executable(embed embed.c)
target_link_libraries(embed PRIVATE gcscope::gcscope)
CM
cmake -S "$work/proj" -B "$work/proj/build" -DCMAKE_PREFIX_PATH="$prefix" > "$work/cmake.log"
cmake --build "$work/proj/build" > "$work/build.log"
GCSCOPE_TRACE= GCSCOPE_LEAKS= "$work/proj/build/embed" > "$work/cm.out"
grep -q "collected: 2" "$work/cm.out" || { echo "find_package build: unexpected output"; cat "$work/cm.out"; exit 1; }
echo "find_package: ok"
