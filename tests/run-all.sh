#!/bin/sh
# The whole test suite, as CI runs it: make check in the main build, in a
# --without-hwloc --without-papi build, and in an ASan+UBSan build (clang),
# then the fuzzers for a bounded time, the threaded tests under
# ThreadSanitizer (clang), the arm64 cross build under qemu-aarch64,
# bench-compare against the previous commit, then make distcheck.
# Ends with one line: N passed, N failed, N skipped.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc)
fuzz_seconds=${VMOPT_FUZZ_SECONDS:-60}
passed=0 failed=0 skipped=0
failed_names=

count() { # label, build dir, the tests expected: tallies automake's .trs results
    # A test that was not built or not run is a failure, never an absence.
    for t in $3; do
        [ -f "$2/$t.trs" ] && continue
        failed=$((failed + 1)); failed_names="$failed_names $1:$(basename "$t")(not-run)"
        echo "not run: $1:$t"
    done
    for trs in "$2"/tests/*.trs; do
        [ -f "$trs" ] || continue
        name="$1:$(basename "$trs" .trs)"
        case $(sed -n 's/^:test-result: //p' "$trs") in
        PASS) passed=$((passed + 1)) ;;
        SKIP) skipped=$((skipped + 1)); echo "skipped: $name" ;;
        *) failed=$((failed + 1)); failed_names="$failed_names $name" ;;
        esac
    done
}

step() { # label, command...: a step that is one test of its own
    label=$1; shift
    echo "== $label"
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failed_names="$failed_names $label"; fi
}

check_in() { # label, build dir, make arguments (TESTS=... for a subset)...
    ci_label=$1 ci_dir=$2; shift 2
    echo "== make check ($ci_label)"
    # What must run: the subset asked for, else the whole list of
    # tests/Makefile.inc, whatever this build's configure found.
    ci_expect=$(make -s -C "$ci_dir" print-tests)
    for a in "$@"; do case $a in TESTS=*) ci_expect=${a#TESTS=} ;; esac; done
    rm -f "$ci_dir"/tests/*.trs
    make -C "$ci_dir" -j"$jobs" check "$@" > "$ci_dir/check.out" 2>&1 || {
        grep -E '^(FAIL|ERROR)' "$ci_dir/check.out"
        for log in "$ci_dir"/tests/*.log; do
            grep -q '^:test-result: \(FAIL\|ERROR\)' "${log%.log}.trs" 2>/dev/null && { echo "--- $log"; tail -40 "$log"; }
        done
    }
    grep -E '^# (PASS|FAIL|SKIP|ERROR)' "$ci_dir/check.out"
    if ! ls "$ci_dir"/tests/*.trs > /dev/null 2>&1; then
        failed=$((failed + 1)); failed_names="$failed_names $ci_label:build"; tail -30 "$ci_dir/check.out"
    fi
    echo "$ci_label: $(echo $ci_expect | wc -w) tests expected"
    count "$ci_label" "$ci_dir" "$ci_expect"
}

# The other builds configure a clean copy of the distributed sources (the
# main build is in place, which rules out VPATH builds of this tree).
configure_in() { # dir, configure arguments...
    dir=$1; shift
    rm -rf "$dir" && mkdir -p "$(dirname "$dir")" &&
        make distdir distdir="$dir" > /dev/null &&
        (cd "$dir" && ./configure -q "$@" > configure.out 2>&1) || {
        cat "$dir/configure.out" 2>/dev/null; return 1; }
}

# 1. the main build, in place (tools/setup.sh made it)
[ -f Makefile ] || { autoreconf -fi && ./configure -q; } || exit 1
check_in main .

benchbuild() { make -j"$jobs" bench-build > _build/bench-build.out 2>&1 || { tail -30 _build/bench-build.out; return 1; }; }
mkdir -p _build && step "benchmarks build (make bench-build; none is run)" benchbuild

# 2. the reduced build: no hwloc, no PAPI
if configure_in _build/minimal --without-hwloc --without-papi; then
    check_in minimal _build/minimal
else failed=$((failed + 1)); failed_names="$failed_names minimal:configure"; fi

# 3. AddressSanitizer + UndefinedBehaviorSanitizer, with the libFuzzer target and the
#    invariant checkers (--enable-debug: the TLB checks its whole table after every change)
if configure_in _build/asan CC=clang --enable-sanitizers --enable-fuzzers --enable-debug; then
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 check_in asan _build/asan
    fuzz() { # target, seed corpus (or empty)
        make -C _build/asan -j"$jobs" "tests/$1" > /dev/null || return 1
        rm -rf "_build/corpus-$1" && mkdir -p "_build/corpus-$1"
        [ -z "$2" ] || cp -r "$2"/. "_build/corpus-$1"
        "_build/asan/tests/$1" -max_total_time="$fuzz_seconds" -timeout=10 \
            -print_final_stats=1 "_build/corpus-$1" > "_build/$1.out" 2>&1
        rc=$?
        grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' "_build/$1.out"
        return $rc
    }
    step "fuzz-profile (${fuzz_seconds}s, ASan+UBSan)" fuzz fuzz-profile tests/corpus
    step "fuzz-mem: every kernel against the oracle (${fuzz_seconds}s, ASan+UBSan)" fuzz fuzz-mem ""
    step "fuzz-saved: saved-plan files (${fuzz_seconds}s, ASan+UBSan)" fuzz fuzz-saved tests/corpus-saved
    step "fuzz-hostmap: host maps (${fuzz_seconds}s, ASan+UBSan)" fuzz fuzz-hostmap tests/corpus-hostmap
else failed=$((failed + 1)); failed_names="$failed_names asan:configure"; fi

# 4. ThreadSanitizer, on the tests whose threads share state: the pool's
# cross-thread frees, the runtime's concurrent tuning, and retuning that
# swaps dispatch tables while threads copy, look up and allocate
if configure_in _build/tsan CC=clang --enable-sanitizers=thread; then
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
        check_in tsan _build/tsan TESTS="tests/test-pool tests/test-runtime tests/test-retune"
else failed=$((failed + 1)); failed_names="$failed_names tsan:configure"; fi

# 5. arm64: cross-built, and every test run by qemu-aarch64 through
# binfmt_misc (registered here when it is not: qemu-user-static's rule),
# with the arm64 preload in Debian's arm64 gzip and lua5.4.  Only on amd64
# hosts, where tools/setup.sh --test installed the cross tools.
binfmt_arm64() {
    f=/proc/sys/fs/binfmt_misc
    [ -e $f/qemu-aarch64 ] && return 0
    [ -e $f/register ] || mount -t binfmt_misc binfmt_misc $f 2>/dev/null || return 1
    /lib/systemd/systemd-binfmt /usr/lib/binfmt.d/qemu-aarch64.conf
}
if [ "$(dpkg --print-architecture)" = amd64 ]; then
    if ! binfmt_arm64; then
        echo "arm64: cannot register qemu-aarch64 with binfmt_misc"
        failed=$((failed + 1)); failed_names="$failed_names arm64:binfmt"
    elif configure_in _build/arm64 --host=aarch64-linux-gnu --without-hwloc \
        PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig; then
        VMOPT_ARM64_ROOT="$top/_build/arm64-root"; export VMOPT_ARM64_ROOT
        check_in arm64 _build/arm64
        # The NEON-only CPU: a Cortex-A53 has no SVE, and another MIDR.
        QEMU_CPU=cortex-a53; export QEMU_CPU
        check_in arm64-a53 _build/arm64 TESTS="tests/test-probe tests/test-mem-neon tests/test-mem-dispatch tests/test-runtime tests/test-preload-arm64.sh"
        # The SVE kernels and entry at 128, 256 and 512 bits and at the
        # 2048-bit maximum (qemu's default CPU has 512): test-mem-sve fails
        # if the vector length is not the one asked for, test-mem-dispatch
        # runs every entry at every inline limit, fuzz-mem-random holds
        # every kernel and entry against the oracle for 10 s of random
        # inputs, and the preload runs gzip and Lua with the plan's entry,
        # neon and sve forced.
        for bits in 128 256 512 2048; do
            QEMU_CPU=max,sve-default-vector-length=$((bits / 8)) VMOPT_TEST_SVE_BITS=$bits
            export QEMU_CPU VMOPT_TEST_SVE_BITS
            check_in arm64-sve$bits _build/arm64 TESTS="tests/test-mem-sve tests/test-mem-dispatch tests/fuzz-mem-random tests/test-preload-arm64.sh"
        done
        unset QEMU_CPU VMOPT_TEST_SVE_BITS
    else failed=$((failed + 1)); failed_names="$failed_names arm64:configure"; fi
fi

# 6. bench-compare against the previous commit, on a short subset (bench-mem's
# vmopt and libc rows to 4 KiB, quick): BASE built in a worktree, A B A'
# rounds pinned to one CPU.  It reports; the step fails only on a
# regression beyond 15% (an inconclusive or refused comparison is printed).
benchcompare() {
    git rev-parse -q --verify HEAD~1 > /dev/null || { echo "no previous commit: nothing to compare"; return 0; }
    tools/bench-compare --gate 1.15 --env VMOPT_BENCH_ONLY=vmopt --env VMOPT_BENCH_QUICK=1 \
        --env VMOPT_BENCH_MAX=4096 HEAD~1 > _build/bench-compare.out 2>&1
    rc=$?
    grep -v '^bench-compare: round' _build/bench-compare.out | grep -E 'regression|faster|inconclusive|verdict|refused|within the gate|Hodges'
    case $rc in
    0) return 0 ;;
    2) echo "bench-compare: inconclusive (reported, not failed)"; return 0 ;;
    3) echo "bench-compare: refused (reported, not failed)"; return 0 ;;
    *) tail -20 _build/bench-compare.out; return 1 ;;
    esac
}
step "bench-compare HEAD~1 (bench-mem subset; fails beyond 15%)" benchcompare

# 7. the distribution builds, installs and passes its tests from a tarball
distcheck() { make -j"$jobs" distcheck > _build/distcheck.out 2>&1 || { tail -40 _build/distcheck.out; return 1; }; }
step "make distcheck" distcheck

[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
