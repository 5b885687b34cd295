#!/bin/sh
# tools/plots (make plots) draws every figure from make bench's JSON:
# results written here in the shape each benchmark writes them (Google
# Benchmark's JSON, the names bench-mem, bench-replay, bench-pool,
# bench-tlb and bench-retune --timeline give their rows), with made-up
# figures.  Each PNG must be a PNG with something drawn; a missing
# benchmark, an unknown figure and an old record are errors that name
# what is wrong, and the other figures are still drawn.
set -u
: "${top_srcdir:?}" "${PYTHON3:?}"
work=$(mktemp -d /tmp/vmopt-plots-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
ok() { echo "ok: $*"; }
no() { echo "FAIL: $*"; failures=$((failures + 1)); }
command -v gnuplot > /dev/null || { no "no gnuplot: tools/setup.sh --test installs gnuplot-nox"; exit 1; }
plots="$PYTHON3 $top_srcdir/tools/plots"
res=$work/res
mkdir -p "$res"

"$PYTHON3" - "$res" <<'EOF' || no "writing the sample results"
import json, os, sys
res = sys.argv[1]
ctx = {"cpu_vendor": "AuthenticAMD", "cpu_model_name": "Test CPU", "cpu_family": 25, "cpu_model": 17,
       "hypervisor": True, "glibc": "2.36"}
def write(bench, rows):
    with open(os.path.join(res, bench + ".json"), "w") as f:
        json.dump({"context": ctx, "benchmarks": rows}, f)
def median(name, ns, **extra):
    return dict(name=name + "_median", run_name=name, run_type="aggregate", aggregate_name="median",
                real_time=ns, cpu_time=ns, time_unit="ns", **extra)
rows = []
for op in ("memcpy", "memset"):
    for i, size in enumerate(1 << k for k in range(3, 25)):
        for who, speed in (("vmopt", 20), ("libc", 18), ("avx2", 19), ("erms", 15)):
            rows.append(median("mem/%s/%s %d" % (op, who, size), 1.0, bytes_per_second=speed * 2**30 * (1 + i / 10)))
write("bench-mem", rows)
write("bench-replay", [median("replay/%s vmopt" % s, 100.0, ratio_to_reference=r)
                       for s, r in (("cpython-json", 0.9), ("lua-strings", 1.02), ("qemu-xz", 0.95))]
      + [median("replay/cpython-json glibc", 110.0)])
write("bench-pool", [median("pool/%s %s" % (p, a), ns)
                     for p in ("pair 16 B 1 thread", "pair 16 B 2 threads", "batch 64 B 1 thread", "producer/consumer 64 B")
                     for a, ns in (("pool inline", 2.0), ("pool called", 3.0), ("glibc", 9.0), ("mimalloc", 5.0),
                                   ("jemalloc", 6.0), ("empty calls", 1.0))])
write("bench-tlb", [dict(name="tlb-misses/%s/%s %d" % (t, h, e), run_name="tlb-misses/%s/%s %d" % (t, h, e),
                         run_type="iteration", real_time=0, miss_rate=0.5 / (1 + e / 256) * (1 + j))
                    for t in ("qemu-xz", "lua") for j, h in enumerate(("qemu", "fold", "mul"))
                    for e in (64, 256, 1024, 4096, 16384)])
write("bench-retune-timeline", [dict(name="retune-timeline/phase %d end" % p, run_name="retune-timeline/phase %d end" % p,
                                     run_type="iteration", real_time=0, t_s=t) for p, t in ((1, 1.0), (2, 1.5), (3, 2.5))])
with open(os.path.join(res, "retune-timeline.samples"), "w") as f:
    for i in range(1, 126):
        t = i * 0.02
        big = t < 1.0 or t >= 1.5
        w = "bulk-copy" if (t > 0.1 and big) or 1.5 <= t < 1.56 else "interpreter" if 1.06 <= t < 1.56 else "balanced"
        f.write("window_ns=20000000 sample_ns=1000000 pool=0/0/0 tlb=0/0/0/256 counters=0/0/0/0 c16=1/10485760"
                " # t=%.3f balanced=0.250 interpreter=%d.000 jit=0.000 bulk-copy=%d.000 low-memory=0.000 in_force=%s%s\n"
                % (t, not big, big, w, " change=balanced->bulk-copy" if abs(t - 0.12) < 1e-9 else ""))
EOF

# Every figure, each a PNG of some size.
$plots --results "$res" --out "$work/png" > "$work/out" 2>&1 && ok "make plots' command exits 0" \
    || no "tools/plots failed: $(cat "$work/out")"
for fig in mem-copy mem-set replay pool tlb-misses retune-timeline; do
    png=$work/png/$fig.png
    if [ "$(head -c 8 "$png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
        [ "$(wc -c < "$png")" -gt 20000 ]; then
        ok "$fig.png drawn ($(wc -c < "$png") bytes)"
    else
        no "$fig.png not drawn: $(cat "$work/out")"
    fi
done

# One figure asked for: that one only.
$plots --results "$res" --out "$work/one" pool > "$work/out" 2>&1 && [ -f "$work/one/pool.png" ] &&
    [ "$(ls "$work/one" | wc -l)" = 1 ] && ok "a named figure alone" || no "tools/plots pool: $(cat "$work/out"; ls "$work/one")"

# A benchmark that has not run: its figure named, with the run it needs;
# the others drawn; exit 1.
rm "$res/bench-pool.json"
$plots --results "$res" --out "$work/part" > "$work/out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "pool not drawn: no $res/bench-pool.json: run .make bench." "$work/out" &&
    [ -f "$work/part/replay.png" ] && [ ! -f "$work/part/pool.png" ] \
    && ok "a missing benchmark: exit 1, named, the others drawn" || no "a missing benchmark: exit $rc: $(cat "$work/out")"

# An unknown figure: a usage error, nothing drawn.
$plots --results "$res" --out "$work/none" bogus > "$work/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "no figure 'bogus'" "$work/out" && [ ! -d "$work/none" ] \
    && ok "an unknown figure: exit 2, named" || no "an unknown figure: exit $rc: $(cat "$work/out")"

# A recording made without the scores after '#': named, not drawn as zeros.
echo "window_ns=20000000 sample_ns=1000000 pool=0/0/0 tlb=0/0/0/256 counters=0/0/0/0" > "$res/retune-timeline.samples"
$plots --results "$res" --out "$work/old" retune-timeline > "$work/out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "retune-timeline.samples: a line without the scores" "$work/out" \
    && ok "a recording without scores: exit 1, named" || no "an old recording: exit $rc: $(cat "$work/out")"
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
