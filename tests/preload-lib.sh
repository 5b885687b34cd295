# Shared by the preload tests: where the library is, pass/fail counting,
# and same(), which runs a program with and without the preload.
: "${top_srcdir:?}" "${top_builddir:?}"
lib="$top_builddir/.libs/libvmopt-preload.so"
stress="$top_builddir/tests/stress-preload"
[ -f "$lib" ] || { echo "no $lib (shared libraries disabled?)"; exit 77; }
# A sanitizer build's library needs its runtime loaded first: not a preload
# a user would run.  Its kernels are covered by the test-mem-* programs.
if nm -D "$lib" | grep -q __asan_init; then echo "sanitizer build: preload not run"; exit 77; fi
work=$(mktemp -d /tmp/vmopt-preload-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
ok() { echo "ok: $*"; }
no() { echo "FAIL: $*"; failures=$((failures + 1)); }
finish() { echo "$failures failure(s)"; [ "$failures" -eq 0 ]; }
# needs PROGRAM PACKAGE: skips the whole test (exit 77) when it is missing.
needs() { command -v "$1" > /dev/null || { echo "$1 not installed (Debian package $2)"; exit 77; }; }

# same NAME CMD...: runs CMD in a fresh directory twice and compares stdout,
# stderr and exit status.  The preloaded run also writes a dump, which
# proves the library was loaded in that process.
same() {
    name=$1; shift
    for run in plain preload; do
        rm -rf "$work/$run" && mkdir -p "$work/$run" && cd "$work/$run" || return
        if [ $run = preload ]; then
            LD_PRELOAD="$lib" VMOPT_DUMP="$work/dump.$name" "$@" > out 2> err
        else
            "$@" > out 2> err
        fi
        echo $? > rc
        cd - > /dev/null || return
    done
    if [ ! -s "$work/dump.$name" ]; then
        no "$name: the preload did not load (no dump)"
    elif cmp -s "$work/plain/out" "$work/preload/out" && cmp -s "$work/plain/err" "$work/preload/err" &&
        cmp -s "$work/plain/rc" "$work/preload/rc"; then
        ok "$name: same output, exit $(cat "$work/plain/rc"), $(wc -c < "$work/plain/out") bytes"
    else
        no "$name: output differs under the preload"
        diff "$work/plain/out" "$work/preload/out" | head -5
        diff "$work/plain/err" "$work/preload/err" | head -5
    fi
}

