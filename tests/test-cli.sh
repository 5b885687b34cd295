#!/bin/sh
# The vmopt tool: golden text and JSON on a described machine (stable on any
# host), JSON validity through a real parser on this machine, profile
# checking, and VMOPT_DUMP in a process that only loads the library.
# VMOPT_REGEN_GOLDEN=1 rewrites the golden files instead of comparing.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
vmopt="$top_builddir/tools/vmopt"
golden="$top_srcdir/tests/golden"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# Unstable fields: the version number, and the absolute path of the source tree.
filter() { sed -e "s/vmopt [0-9][0-9.]*:/vmopt VERSION:/" \
               -e 's/"vmopt_version": "[^"]*"/"vmopt_version": "VERSION"/' \
               -e "s|$top_srcdir|SRCDIR|g"; }

json_ok() {
    if [ -n "${JQ:-}" ]; then "$JQ" -e . "$1" >/dev/null
    elif [ -n "${PYTHON3:-}" ]; then "$PYTHON3" -m json.tool "$1" >/dev/null
    else echo "no JSON parser (jq or python3)"; return 1; fi
}

compare() { # name, command...: in a cache directory of its own (no saved plans, no retune log)
    name=$1; shift
    VMOPT_CACHE_DIR="$work/golden-cache" "$@" > "$work/$name.raw" 2> "$work/$name.err" \
        || { fail "$name: exit $?: $(cat "$work/$name.err")"; return; }
    filter < "$work/$name.raw" > "$work/$name"
    if [ "${VMOPT_REGEN_GOLDEN:-0}" = 1 ]; then cp "$work/$name" "$golden/$name"; ok "$name regenerated"; return; fi
    if diff -u "$golden/$name" "$work/$name"; then ok "$name matches golden"; else fail "$name differs from golden"; fi
}

if [ "${have_hwloc:-yes}" = yes ]; then
    machine='synthetic:pack:2 l3:1(size=64MiB) l2:16(size=1MiB) l1d:1(size=48KiB) core:1 pu:2'
    feats='sse2,sse3,ssse3,sse4_1,sse4_2,avx,avx2,avx512f,avx512bw,avx512vl,erms,fsrm'
    compare info.txt "$vmopt" info --machine "$machine" --features "$feats"
    compare info.json "$vmopt" info --json --machine "$machine" --features "$feats"
    compare dump-default.txt "$vmopt" dump --machine "$machine" --features "$feats"
    compare dump-jit.json "$vmopt" dump --json --profile jit --machine "$machine" --features "$feats"
    compare dump-small.txt "$vmopt" dump --profile low-memory \
        --machine 'synthetic:l2:1(size=256KiB) l1d:1(size=16KiB) core:1 pu:1' --features sse2
    for f in info.json dump-jit.json; do
        json_ok "$work/$f" && ok "$f is valid JSON" || fail "$f is not valid JSON"
    done
else
    echo "skip: golden files need hwloc's described machines (this build has none)"
fi

compare profiles.txt "$vmopt" profiles

# This machine, whatever it is: valid JSON with the documented top-level fields.
"$vmopt" dump --json > "$work/real.json" || fail "vmopt dump --json on this machine"
json_ok "$work/real.json" && ok "this machine's dump is valid JSON" || fail "this machine's dump is not valid JSON"
for field in '"format": "vmopt-dump"' '"format_version": 1' '"machine":' '"profile":' '"plan":' '"reason":'; do
    grep -q "$field" "$work/real.json" || fail "real dump lacks $field"
done
"$vmopt" info --json > "$work/info-real.json" && json_ok "$work/info-real.json" \
    && ok "this machine's info is valid JSON" || fail "info --json on this machine"

# vmopt check: good file passes, bad file fails with file:line, exit 1.
printf '[profile]\ninclude = jit\n[tlb]\nvictim = 4\n' > "$work/good.conf"
printf '[tlb]\nvictim = 4\nentries = 300\n' > "$work/bad.conf"
"$vmopt" check "$work/good.conf" > /dev/null && ok "check accepts a good file" || fail "check rejected a good file"
if "$vmopt" check "$work/bad.conf" 2> "$work/check.err"; then fail "check accepted a bad file"
elif grep -q "bad.conf:3: tlb.entries = 300: must be a power of two" "$work/check.err"; then ok "check names file:line"
else fail "check message: $(cat "$work/check.err")"; fi
(cd "$work" && "$vmopt" check good.conf > /dev/null) && ok "check takes a bare file name" || fail "check good.conf in cwd"
"$vmopt" dump --profile "$work/bad.conf" > /dev/null 2>&1 && fail "dump accepted a bad profile" || ok "dump refuses a bad profile"
"$vmopt" frobnicate > /dev/null 2>&1; [ $? -eq 2 ] && ok "unknown command exits 2" || fail "unknown command exit code"
"$vmopt" info --features avx2 > /dev/null 2>&1; [ $? -eq 2 ] && ok "--features without --machine exits 2" || fail "--features alone"

# VMOPT_DUMP: a process that merely loads the library writes the dump once.
VMOPT_DUMP="$work/auto.json" "$vmopt" version > /dev/null || fail "vmopt version with VMOPT_DUMP"
[ -s "$work/auto.json" ] && json_ok "$work/auto.json" && grep -q '"name": "default"' "$work/auto.json" \
    && ok "VMOPT_DUMP=FILE.json writes a JSON dump" || fail "VMOPT_DUMP=FILE.json"
VMOPT_DUMP=stderr VMOPT_PROFILE=jit "$vmopt" version 2> "$work/stderr.txt" > /dev/null
[ "$(grep -c '^vmopt .*: plan$' "$work/stderr.txt")" = 1 ] && grep -q '^profile *jit' "$work/stderr.txt" \
    && ok "VMOPT_DUMP=stderr writes one text dump of VMOPT_PROFILE" || fail "VMOPT_DUMP=stderr: $(head -3 "$work/stderr.txt")"

# A bad option value is reported once and ignored.
VMOPT_SIMD=avx1024 VMOPT_DUMP=stderr "$vmopt" version 2> "$work/bad-opt.txt" > /dev/null
[ "$(grep -c 'VMOPT_SIMD=avx1024 ignored' "$work/bad-opt.txt")" = 1 ] && grep -q '^simd .*auto' "$work/bad-opt.txt" \
    && ok "bad VMOPT_SIMD reported once and ignored" || fail "bad VMOPT_SIMD: $(cat "$work/bad-opt.txt" | head -3)"

# vmopt tune: plain progress lines when stderr is no terminal, the plan
# with measured reasons, --save writing the plan that the next start loads.
VMOPT_CACHE_DIR="$work/cache" "$vmopt" tune --save > "$work/tune.txt" 2> "$work/tune.err" \
    || fail "tune --save: $(cat "$work/tune.err")"
grep -q '^vmopt tune: 100% done$' "$work/tune.err" && ! grep -q "$(printf '\r')" "$work/tune.err" \
    && ok "tune reports progress in plain lines off a terminal" || fail "tune progress: $(cat "$work/tune.err")"
# (one vector loop on arm64 without SVE, NEON's: nothing to time it against)
loop_measured='measured at '
[ "$(sed -n 's/^cpu *\([a-z0-9_]*\).*/\1/p' "$work/tune.txt" | head -1)" = aarch64 ] &&
    ! grep -q '^simd *= sve ' "$work/tune.txt" && loop_measured='nothing to measure'
grep -q "^loop .*# auto: .*$loop_measured" "$work/tune.txt" && grep -q '^magazine .*# auto: measured' "$work/tune.txt" \
    && grep -q 'calibrated (measure)' "$work/tune.txt" \
    && ok "tune shows the measured figures in the reasons" || fail "tune output: $(head -25 "$work/tune.txt")"
[ -f "$work/cache/default.plan" ] && grep -q '^level: measure$' "$work/cache/default.plan" \
    && ok "tune --save writes the plan, with its level" || fail "tune --save: no $work/cache/default.plan"
VMOPT_CACHE_DIR="$work/cache" VMOPT_DUMP=stderr "$vmopt" version 2> "$work/loaded.txt" > /dev/null
grep -q "saved $work/cache/default.plan (measure" "$work/loaded.txt" \
    && ok "the next start loads the saved plan" || fail "saved plan not loaded: $(grep '^profile' "$work/loaded.txt")"
# On a terminal (script(1), from Debian's essential bsdutils), one bar
# redrawn with carriage returns.
VMOPT_CACHE_DIR="$work/cache2" script -qec "'$vmopt' tune > /dev/null" /dev/null > "$work/tty.raw" 2>&1
tr '\r' '\n' < "$work/tty.raw" > "$work/tty.txt"
grep -q "$(printf '\r')\[#" "$work/tty.raw" && grep -q '^\[#*\] 100% done' "$work/tty.txt" \
    && ! grep -q '^vmopt tune:' "$work/tty.txt" \
    && ok "tune draws a progress bar on a terminal" || fail "tune on a terminal: $(tail -3 "$work/tty.txt")"
"$vmopt" tune --level fast > /dev/null 2> "$work/level.err"; rc=$?
[ $rc -eq 2 ] && grep -q -- '--level fast: expected estimate, measure or exhaustive' "$work/level.err" \
    && ok "tune --level names a bad level" || fail "tune --level fast: exit $rc: $(cat "$work/level.err")"

# vmopt dump shows the machine's log of retuning changes, when there is one.
mkdir -p "$work/logdir"
printf '2026-12-01T09:00:00Z qemu-system-x86_64[42]: balanced -> bulk-copy: 97%% of the bytes copied went in copies of 1 MiB or more\n' \
    > "$work/logdir/retune.log"
VMOPT_CACHE_DIR="$work/logdir" "$vmopt" dump > "$work/dump-log.txt" 2>&1
grep -q '^\[retune log\] .*retune.log)$' "$work/dump-log.txt" && grep -q 'qemu-system-x86_64\[42\]: balanced -> bulk-copy' "$work/dump-log.txt" \
    && ok "dump shows the retuners' log" || fail "dump and the retune log: $(tail -3 "$work/dump-log.txt")"
VMOPT_CACHE_DIR="$work/nolog" "$vmopt" dump | grep -q 'retune log' && fail "dump shows a retune log that is not there" \
    || ok "dump without a retune log has no such section"

# vmopt options: every row of lib/options.h, with the value in force as the
# library reads it (a refused value shown as ignored, with why).
VMOPT_LOG=info VMOPT_SIMD=avx1024 "$vmopt" options > "$work/options.out" 2> /dev/null
rows=$(sed -n 's/^ *XX([A-Z_]*, "\(VMOPT_[A-Z_]*\)".*/\1/p' "$top_srcdir/lib/options.h")
missing=""
for v in $rows; do grep -q "^$v " "$work/options.out" || missing="$missing $v"; done
[ -n "$rows" ] && [ -z "$missing" ] && ok "options lists every variable of the table" \
    || fail "options misses:$missing (rows: $rows)"
grep -A2 '^VMOPT_LOG ' "$work/options.out" | grep -q 'now: *info (from the environment)' \
    && grep -A2 '^VMOPT_SIMD ' "$work/options.out" | grep -q 'ignored (expected avx512' \
    && grep -A2 '^VMOPT_DISABLE ' "$work/options.out" | grep -q 'now: *the default (unset)' \
    && ok "options shows values in force, refused ones and defaults" \
    || fail "options: $(cat "$work/options.out")"
"$vmopt" options > "$work/o1" 2>&1; "$vmopt" help env > "$work/o2" 2>&1
cmp -s "$work/o1" "$work/o2" && ok "help env is options" || fail "help env differs from options"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
