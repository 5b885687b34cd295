#!/bin/sh
# The preload library in real processes: what it exports and maps, what
# VMOPT_DUMP and VMOPT_DISABLE do, the fortified entry points, and a stress
# run of threads, forks and signals.  (Real programs: test-preload-*.sh.)
set -u
. "$top_srcdir/tests/preload-lib.sh"

# ---- what it exports and what it maps -------------------------------------
nm -D --defined-only "$lib" | awk '{print $3}' | sort > "$work/exports"
printf '%s\n' __libc_start_main __memcpy_chk __memmove_chk __mempcpy __mempcpy_chk __memset_chk memcpy \
    memmove mempcpy memset | sort > "$work/want"
cmp -s "$work/exports" "$work/want" && ok "exports exactly the interposed functions" \
    || no "exports: $(tr '\n' ' ' < "$work/exports")"
if ldd "$lib" | grep -E 'hwloc|papi|inih|cpu_features' > "$work/ldd"; then
    no "maps more than libc: $(cat "$work/ldd")"
else
    ok "maps no library beyond the C library"
fi

# ---- interposition, dump, disable ----------------------------------------
LD_PRELOAD="$lib" "$stress" check-interposed > "$work/out" 2>&1 \
    && ok "memcpy resolves to the preload" || no "memcpy not interposed: $(cat "$work/out")"
LD_PRELOAD="$lib" "$stress" check-early > "$work/out" 2>&1 \
    && ok "$(cat "$work/out")" || no "$(cat "$work/out")"
LD_PRELOAD="$lib" VMOPT_DUMP=stderr /bin/true 2> "$work/dump"
# The plan's entry width and loop are the ones the [dispatch] section says run.
simd=$(sed -n 's/^simd *= \([a-z0-9]*\).*/\1/p' "$work/dump")
loop=$(sed -n 's/^loop *= \([a-z0-9]*\).*/\1/p' "$work/dump")
case $simd in avx512) regs="64-byte vectors, masked below 32 B" ;; avx2) regs="32-byte vectors" ;; *) regs="16-byte vectors" ;; esac
inl=$(sed -n 's/^inline_max *= \([0-9]* B\).*/\1/p' "$work/dump")
grep -q "^memcpy *= inline, $regs up to $inl; $loop loop from" "$work/dump" \
    && ok "VMOPT_DUMP shows the live table ($simd entry, $loop loop)" || no "VMOPT_DUMP: $(tail -3 "$work/dump")"
# The preload's quick probe: what it knows, and "not probed" for the rest,
# never a 0 or an empty vendor presented as a fact.
if grep -q '^cpu .*(family 0, model 0' "$work/dump" || grep -q '^cores *0 cores' "$work/dump" ||
    ! grep -q '^L1d *not probed at start-up' "$work/dump"; then
    no "the dump presents unprobed facts as facts: $(head -9 "$work/dump")"
else
    ok "the dump says what the preload did not probe"
fi
LD_PRELOAD="$lib" VMOPT_DUMP="$work/dump.json" /bin/true
if command -v python3 > /dev/null; then
    python3 -c 'import json, sys; m = json.load(open(sys.argv[1]))["machine"]; assert m["family"] > 0, m; assert "caches.l1d" in m["not_probed"]["facts"], m' "$work/dump.json" \
        && ok "the JSON dump lists what was not probed" || no "JSON dump: $(head -c 600 "$work/dump.json")"
fi
LD_PRELOAD="$lib" VMOPT_SIMD=sse2 VMOPT_DUMP=stderr /bin/true 2> "$work/dump"
grep -q "^memcpy *= inline, 16-byte vectors up to 128 B; sse2 loop from 129 B" "$work/dump" \
    && ok "VMOPT_SIMD=sse2 goes live" || no "VMOPT_SIMD=sse2: $(tail -3 "$work/dump")"
LD_PRELOAD="$lib" VMOPT_DISABLE=1 VMOPT_DUMP=stderr /bin/true 2> "$work/dump"
grep -q "^memcpy *= C library at every size" "$work/dump" \
    && ok "VMOPT_DISABLE=1 hands every call to the C library" || no "VMOPT_DISABLE: $(tail -3 "$work/dump")"
LD_PRELOAD="$lib" VMOPT_PROFILE=no-such-profile /bin/echo still-runs > "$work/out" 2> "$work/err"
grep -q still-runs "$work/out" && grep -q "VMOPT_PROFILE=no-such-profile" "$work/err" \
    && ok "a bad VMOPT_PROFILE is reported and the program runs" || no "bad VMOPT_PROFILE: $(cat "$work/err")"

# ---- fortified entry points abort on overflow, as glibc's do ----------------
LD_PRELOAD="$lib" "$stress" chk-overflow > /dev/null 2> "$work/err"
rc=$?
[ $rc -ge 128 ] && grep -q "buffer overflow detected" "$work/err" \
    && ok "__memcpy_chk aborts on overflow" || no "__memcpy_chk: exit $rc, $(cat "$work/err")"

# ---- threads, forks, signals ----------------------------------------------
if LD_PRELOAD="$lib" "$stress" 3 > "$work/out" 2>&1; then
    ok "$(cat "$work/out")"
else
    no "stress: $(cat "$work/out")"
fi

# ---- retuning and saved plans --------------------------------------------
# VMOPT_RETUNE=5: the retuner samples every 5 ms while the stress runs its
# threads, forks and signals; the dump written on the way out has its state.
if LD_PRELOAD="$lib" VMOPT_RETUNE=5 VMOPT_CACHE_DIR="$work/retune-cache" VMOPT_DUMP="$work/retune.txt" \
    "$stress" 3 > "$work/out" 2>&1; then
    ok "stress with the retuner running: $(cat "$work/out")"
else
    no "stress with VMOPT_RETUNE=5: $(cat "$work/out")"
fi
grep -q '^\[retune\]' "$work/retune.txt" && grep -q '^change' "$work/retune.txt" \
    && ok "the exit dump shows the retuner's history" || no "retune dump: $(tail -5 "$work/retune.txt")"
# A plan saved by `vmopt tune --save` stands in for the preload's probe.
mkdir -p "$work/cache"
VMOPT_CACHE_DIR="$work/cache" "$top_builddir/tools/vmopt" tune --save > /dev/null 2>&1 \
    || no "vmopt tune --save failed"
LD_PRELOAD="$lib" VMOPT_CACHE_DIR="$work/cache" VMOPT_DUMP=stderr /bin/true 2> "$work/dump"
grep -q "saved $work/cache/default.plan (measure" "$work/dump" && grep -q '^loop .*measured' "$work/dump" \
    && ok "the preload loads the saved plan" || no "preload and saved plan: $(grep '^profile' "$work/dump")"

finish
