#!/bin/sh
# The arm64 build's preload inside real arm64 programs from Debian (run by
# qemu-aarch64 through binfmt_misc): gzip compresses and decompresses, Lua
# 5.4 works on strings, each with the same output, errors and exit status
# as without the preload.  VMOPT_ARM64_ROOT is a directory the packages
# gzip:arm64 and lua5.4:arm64 are unpacked into (tools/setup.sh --test
# makes it: _build/arm64-root); their libraries are the system's arm64
# ones (libc6:arm64, liblua5.4-0:arm64).
set -u
preload_foreign=1
. "$top_srcdir/tests/preload-lib.sh"
root=${VMOPT_ARM64_ROOT:-$top_srcdir/_build/arm64-root}
gzip=$root/bin/gzip lua=$root/usr/bin/lua5.4
for p in "$gzip" "$lua"; do
    [ -x "$p" ] || { echo "no $p: tools/setup.sh --test unpacks gzip:arm64 and lua5.4:arm64 there"; exit 77; }
done
"$gzip" --version > /dev/null 2>&1 || { echo "$gzip does not run here (no qemu-aarch64 in binfmt_misc?)"; exit 77; }

# Input with long runs and short matches: the repository's own sources.
cat "$top_srcdir"/lib/*.c "$top_srcdir"/lib/tlb/*.c "$top_srcdir"/dispatch/*.c > "$work/in.txt"
cp "$work/in.txt" "$work/in2.txt"
"$gzip" -9 -c "$work/in.txt" > "$work/in.gz"
same gzip-compress "$gzip" -6 -c "$work/in.txt"
same gzip-decompress "$gzip" -dc "$work/in.gz"
same gzip-test "$gzip" -tv "$work/in.gz"

same lua5.4 "$lua" "$top_srcdir/tests/data/strings.lua"
# The dump of the last run names the kernel that ran: NEON, never another.
grep -q '^simd *= neon ' "$work/dump.lua5.4.preload" && grep -q 'neon loop' "$work/dump.lua5.4.preload" \
    && ok "the dump names the NEON entry and loop that ran" \
    || no "the dump does not name the NEON kernels: $(grep -E '^(simd|loop|memcpy) ' "$work/dump.lua5.4.preload")"
finish
