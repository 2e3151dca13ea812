#!/usr/bin/env bash
# scripts/lint.sh — cppcheck over our sources; fails on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
    --enable=warning,portability --suppress=missingIncludeSystem \
    -I include -I src src viz
echo "lint: cppcheck clean"
