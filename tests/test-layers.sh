#!/bin/sh
# Includes point down the layers, never up.  The order, named here and in
# docs/hacking.md, highest first:
#
#   tools, preload  entry points (neither includes the other)
#   runtime         the process's state, the retuner
#   tuner           probes, calibration, saved plans, the retune decision
#   profiles        parse, resolve, dump
#   dispatch        the live tables, the exported bodies
#   lib             kernels (lib/mem, lib/tlb, lib/pool) and shared types
#
# A file may include its own layer's headers and any below, plus vmopt.h and
# config.h.  The check runs on the source tree, then on a copy with one
# upward include planted, which it must refuse: a check that cannot fail
# proves nothing.
set -u
: "${top_srcdir:?}"

rank() {
    case $1 in
    tools | preload) echo 5 ;;
    runtime) echo 4 ;;
    tuner) echo 3 ;;
    profiles) echo 2 ;;
    dispatch) echo 1 ;;
    lib) echo 0 ;;
    *) echo -1 ;;
    esac
}

# Prints each upward include under $1 as "file:line: includes X (layer
# above)"; the status is 1 when there is one.
check() {
    bad=0
    for dir in tools preload runtime tuner profiles dispatch lib; do
        [ -d "$1/$dir" ] || continue
        own=$(rank "$dir")
        for f in $(find "$1/$dir" -name '*.[chS]' | sort); do
            grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z]*/' "$f" |
                sed 's/^\([0-9]*\):[^"]*"\([a-z]*\)\/\([^"]*\)".*/\1 \2 \2\/\3/' >"$tmp/inc"
            while read -r line layer header; do
                r=$(rank "$layer")
                [ "$r" -ge 0 ] || continue
                if [ "$r" -gt "$own" ] || { [ "$r" -eq 5 ] && [ "$layer" != "$dir" ]; }; then
                    echo "${f#"$1"/}:$line: includes $header, from the $layer layer above $dir"
                    bad=1
                fi
            done <"$tmp/inc"
        done
    done
    return $bad
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

n=$(find "$top_srcdir/tools" "$top_srcdir/preload" "$top_srcdir/runtime" "$top_srcdir/tuner" \
    "$top_srcdir/profiles" "$top_srcdir/dispatch" "$top_srcdir/lib" -name '*.[chS]' | wc -l)
[ "$n" -gt 40 ] || { echo "FAIL: only $n source files under $top_srcdir: wrong tree?"; exit 1; }

if ! check "$top_srcdir" >"$tmp/out"; then
    echo "FAIL: includes that point up:"
    cat "$tmp/out"
    exit 1
fi

# The planted violations: lib including the runtime, and dispatch the tuner.
mkdir -p "$tmp/tree/lib" "$tmp/tree/dispatch" "$tmp/tree/runtime"
printf '#include "config.h"\n#include "lib/plan.h"\n#include "runtime/runtime.h"\n' >"$tmp/tree/lib/x.c"
printf '#include "dispatch/dispatch.h"\n  #  include "tuner/probe.h"\n' >"$tmp/tree/dispatch/y.h"
printf '#include "tuner/probe.h"\n#include "lib/plan.h"\n' >"$tmp/tree/runtime/ok.c"
if check "$tmp/tree" >"$tmp/out2"; then
    echo "FAIL: the check passed a tree with upward includes"
    exit 1
fi
grep -q '^lib/x.c:3: includes runtime/runtime.h' "$tmp/out2" &&
    grep -q '^dispatch/y.h:2: includes tuner/probe.h' "$tmp/out2" &&
    [ "$(wc -l <"$tmp/out2")" -eq 2 ] || {
    echo "FAIL: the planted violations were not reported exactly:"
    cat "$tmp/out2"
    exit 1
}
echo "ok: $n files, every include points down (tools, preload > runtime > tuner > profiles > dispatch > lib)"
