#!/bin/sh
# The arm64 build's preload inside real arm64 programs from Debian (run by
# qemu-aarch64 through binfmt_misc): gzip compresses and decompresses, Lua
# 5.4 works on strings, each with the same output, errors and exit status
# as without the preload.  VMOPT_ARM64_ROOT is a directory the packages
# gzip:arm64 and lua5.4:arm64 are unpacked into (tools/setup.sh --test
# makes it: _build/arm64-root); their libraries are the system's arm64
# ones (libc6:arm64, liblua5.4-0:arm64).
set -u
root=${VMOPT_ARM64_ROOT:-$top_srcdir/_build/arm64-root}
gzip=$root/bin/gzip lua=$root/usr/bin/lua5.4
for p in "$gzip" "$lua"; do
    [ -x "$p" ] || { echo "no $p: tools/setup.sh --test unpacks gzip:arm64 and lua5.4:arm64 there"; exit 77; }
done
"$gzip" --version > /dev/null 2>&1 || { echo "$gzip does not run here (no qemu-aarch64 in binfmt_misc?)"; exit 77; }
preload_foreign=1 arm64_probe=$gzip
. "$top_srcdir/tests/preload-lib.sh"

# Input with long runs and short matches: the repository's own sources.
cat "$top_srcdir"/lib/*.c "$top_srcdir"/lib/tlb/*.c "$top_srcdir"/dispatch/*.c > "$work/in.txt"
cp "$work/in.txt" "$work/in2.txt"
"$gzip" -9 -c "$work/in.txt" > "$work/in.gz"
same gzip-compress "$gzip" -6 -c "$work/in.txt"
same gzip-decompress "$gzip" -dc "$work/in.gz"
same gzip-test "$gzip" -tv "$work/in.gz"

same lua5.4 "$lua" "$top_srcdir/tests/data/strings.lua"
# Every run's dump names the kernels that ran: the plan's entry and loop
# are the live table's, whose line says what the entry does.
for d in "$work"/dump.lua5.4.*; do
    simd=$(sed -n 's/^simd *= \([a-z0-9]*\) .*/\1/p' "$d")
    case $simd in
    sve) how="SVE pairs to 2 vectors, then 16-byte vectors" ;;
    neon) how="16-byte vectors" ;;
    *) how="(an arm64 entry)" ;;
    esac
    grep -q "^loop *= $simd " "$d" && grep -q "^memcpy *= inline, $how up to .*; $simd loop from " "$d" \
        && ok "${d##*/}: the dump names the $simd entry and loop that ran" \
        || no "${d##*/}: the dump does not name the kernels that ran: $(grep -E '^(simd|loop|memcpy) ' "$d")"
done
case " $entries " in *" sve "*) [ -f "$work/dump.lua5.4.sve" ] || no "the CPU has SVE but no run forced it" ;; esac
finish
