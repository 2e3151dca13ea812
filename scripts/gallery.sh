#!/usr/bin/env bash
# scripts/gallery.sh — regenerate assets/gallery/NN-name.png and its dark
# variant NN-name-dark.png: one picture per teaching lesson (docs/teaching.md)
# in each theme, rendered headless by `gcscope render` from the committed
# traces in traces/.
#
#   scripts/gallery.sh [BUILD_DIR]      (default: build/dev)
#
# Each picture is chosen by a marker's caption (its step number, "3.5"), or by
# a collector pass and phase, so re-recording a lesson doesn't move it. Fails
# if a trace, a marker or a render is missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/dev}
gcscope=$build/gcscope
out=$root/assets/gallery
size=1280x800

[[ -x $gcscope ]] || { echo "gallery: no $gcscope (build first)" >&2; exit 2; }
mkdir -p "$out"

# marker_index TRACE STEP: the 1-based index of the first marker whose caption
# starts with STEP ("3.5 ", or the start of an unnumbered caption). Reads the
# whole dump: stopping early would fail the pipe (pipefail).
marker_index() {
    local trace=$1 step=$2
    "$gcscope" dump "$trace" | awk -v step="$step" '
        / marker text / {
            n++
            text = $0
            sub(/.* marker text ./, "", text)
            if (!found && index(text, step) == 1) found = n
        }
        END { if (!found) exit 1; print found }'
}

# first_id TRACE TYPE: the id of the first object of type TYPE the trace allocates.
first_id() {
    "$gcscope" dump "$1" | awk -v t="alloc $2#" '
        !found && (i = index($0, t)) { s = substr($0, i + length(t)); found = s + 0 }
        END { if (!found) exit 1; print found }'
}

# shot NN-name LESSON STEP [render options...]: render at the marker STEP.
shot() {
    local name=$1 lesson=$2 step=$3
    shift 3
    local trace=$root/traces/$lesson.gctrace
    local k
    k=$(marker_index "$trace" "$step") || { echo "gallery: $lesson has no marker '$step'" >&2; exit 1; }
    both "$name" "$trace" --marker "$k" --size "$size" "$@"
}

# both NN-name TRACE [render options...]: the light picture and the dark one.
both() {
    local name=$1 trace=$2
    shift 2
    "$gcscope" render "$trace" -o "$out/$name.png" "$@" --theme light
    "$gcscope" render "$trace" -o "$out/$name-dark.png" "$@" --theme dark
}

# pass_shot NN-name LESSON PASS PHASE [render options...]: render inside a pass.
pass_shot() {
    local name=$1 lesson=$2 pass=$3 phase=$4
    shift 4
    both "$name" "$root/traces/$lesson.gctrace" --pass "$pass" --phase "$phase" --size "$size" "$@"
}

shot      01-names               lesson01_names           "1.4 "
shot      02-refcount-zero       lesson02_refcount_zero   "__del__(data.csv)"
shot      03-cycle               lesson03_cycle           "3.5 " --focus cycles
pass_shot 03b-cycle-pass         lesson03_cycle           1 move_unreachable
shot      04-instances           lesson04_instances       "__del__(a)"
shot      05-resurrection        lesson05_resurrection    "__del__ runs and appends"
shot      06-generations         lesson06_generations     "6.4 "
shot      07-gc-disabled         lesson07_gc_disabled     "7.2 "
shot      08-weakrefs            lesson08_weakrefs        "8.5 "
shot      09-weak-cache          lesson09_weak_cache      "9.3 "
shot      10-mutable-default     lesson10_mutable_default "10.3 "
session=$(first_id "$root/traces/lesson11_refleak.gctrace" Session)
shot      11-refleak             lesson11_refleak         "11.4 " --focus "obj:$session"
n=$(find "$out" -name "*.png" | wc -l)
echo "gallery: $n pictures in ${out#"$root"/}"
