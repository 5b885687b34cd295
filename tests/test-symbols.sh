#!/bin/sh
# Only vmopt_* is exported from libvmopt.so.
set -u
: "${top_builddir:?}"
lib="$top_builddir/.libs/libvmopt.so"
[ -f "$lib" ] || { echo "skip: no shared library built"; exit 77; }
syms=$(nm -D --defined-only "$lib" | awk '{print $3}')
[ -n "$syms" ] || { echo "FAIL: no exported symbols at all"; exit 1; }
bad=$(printf '%s\n' "$syms" | grep -v '^vmopt_' | grep -v '^VMOPT_')
if [ -n "$bad" ]; then echo "FAIL: exported beyond vmopt_*:"; printf '%s\n' "$bad"; exit 1; fi
printf '%s\n' "$syms" | grep -qx vmopt_autotune || { echo "FAIL: vmopt_autotune not exported"; exit 1; }
echo "ok: $(printf '%s\n' "$syms" | wc -l) symbols, all vmopt_*"
