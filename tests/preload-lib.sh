# Shared by the preload tests: where the library is, pass/fail counting,
# and same(), which runs a program with and without the preload.
: "${top_srcdir:?}" "${top_builddir:?}"
lib="$top_builddir/.libs/libvmopt-preload.so"
stress="$top_builddir/tests/stress-preload"
[ -f "$lib" ] || { echo "no $lib (shared libraries disabled?)"; exit 77; }
# A sanitizer build's library needs its runtime loaded first: not a preload
# a user would run.  Its kernels are covered by the test-mem-* programs.
if nm -D "$lib" | grep -q __asan_init; then echo "sanitizer build: preload not run"; exit 77; fi
# A cross build's library cannot be preloaded into this host's programs:
# test-preload-arm64.sh runs programs of its architecture instead.
elf_machine() { od -An -j18 -N2 -tx2 "$1" | tr -d ' '; }
if [ -z "${preload_foreign:-}" ] && [ "$(elf_machine "$lib")" != "$(elf_machine /bin/true)" ]; then
    echo "the preload library is built for another architecture than this host's programs: not run here"
    exit 77
fi
work=$(mktemp -d /tmp/vmopt-preload-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
ok() { echo "ok: $*"; }
no() { echo "FAIL: $*"; failures=$((failures + 1)); }
finish() { echo "$failures failure(s)"; [ "$failures" -eq 0 ]; }
# needs PROGRAM PACKAGE: skips the whole test (exit 77) when it is missing.
needs() { command -v "$1" > /dev/null || { echo "$1 not installed (Debian package $2)"; exit 77; }; }

# same NAME CMD...: runs CMD in a fresh directory without the preload, then
# with it once per entry width (the plan's, then VMOPT_SIMD=avx512 where the
# CPU has AVX-512 F, BW and VL (the plan of Zen 4 is avx2), avx2 and sse2 on
# x86-64, neon and, where the CPU has SVE, sve on arm64, so that every body
# of the exported functions runs the program),
# and compares stdout, stderr and exit status.  Each preloaded run also
# writes a dump, which proves the library was loaded in that process and
# names the width that ran.
entries=""
cpu_has() { grep -m1 '^flags' /proc/cpuinfo | grep -qw "$1"; }
if [ "$(elf_machine "$lib")" = 003e ]; then # EM_X86_64
    entries="avx2 sse2"
    cpu_has avx512f && cpu_has avx512bw && cpu_has avx512vl && entries="avx512 $entries"
fi
if [ "$(elf_machine "$lib")" = 00b7 ]; then # EM_AARCH64
    # The kernel's word on SVE (HWCAP_SVE, bit 22), not the library's: run
    # by any arm64 program, here the shell's loader through the test's own.
    hwcap=$(LD_SHOW_AUXV=1 "${arm64_probe:?}" --version 2>/dev/null | sed -n 's/^AT_HWCAP: *\(0x\)\{0,1\}//p')
    entries="neon"
    [ -n "$hwcap" ] && [ $((0x$hwcap >> 22 & 1)) -eq 1 ] && entries="neon sve"
fi
same() {
    name=$1; shift
    for run in plain preload $entries; do
        rm -rf "$work/$run" && mkdir -p "$work/$run" && cd "$work/$run" || return
        case $run in
        plain) "$@" > out 2> err ;;
        preload) LD_PRELOAD="$lib" VMOPT_DUMP="$work/dump.$name.$run" "$@" > out 2> err ;;
        *) LD_PRELOAD="$lib" VMOPT_SIMD=$run VMOPT_DUMP="$work/dump.$name.$run" "$@" > out 2> err ;;
        esac
        echo $? > rc
        cd - > /dev/null || return
        [ $run = plain ] && continue
        if [ ! -s "$work/dump.$name.$run" ]; then
            no "$name ($run): the preload did not load (no dump)"
        elif [ $run != preload ] && ! grep -q "^simd *= $run " "$work/dump.$name.$run"; then
            no "$name ($run): VMOPT_SIMD=$run did not go live: $(grep '^simd' "$work/dump.$name.$run")"
        elif cmp -s "$work/plain/out" "$work/$run/out" && cmp -s "$work/plain/err" "$work/$run/err" &&
            cmp -s "$work/plain/rc" "$work/$run/rc"; then
            ok "$name ($(sed -n 's/^simd *= \([a-z0-9]*\).*/\1/p' "$work/dump.$name.$run") entry): same output, exit $(cat "$work/plain/rc"), $(wc -c < "$work/plain/out") bytes"
        else
            no "$name ($run): output differs under the preload"
            diff "$work/plain/out" "$work/$run/out" | head -5
            diff "$work/plain/err" "$work/$run/err" | head -5
        fi
    done
}
