"""The comparer's decisions (tools/bench-compare) on synthetic samples, and
its reading of recorded Google Benchmark JSON.  Run by
test-bench-compare.sh; exits non-zero on the first failure."""
import importlib.machinery
import importlib.util
import json
import os
import random
import sys
import tempfile

top = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), ".."))
loader = importlib.machinery.SourceFileLoader("bench_compare", os.path.join(top, "tools", "bench-compare"))
spec = importlib.util.spec_from_loader("bench_compare", loader)
bc = importlib.util.module_from_spec(spec)
loader.exec_module(bc)

failures = 0


def check(cond, what):
    global failures
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures += 1


def series(rng, centre, spread, n=9):
    return [rng.gauss(centre, spread) for _ in range(n)]


def one(rng, base_c, new_c, aa_c, spread, n=9, names=("memcpy/vmopt 64 B", "memcpy/vmopt 4096 B")):
    base, new, aa = {}, {}, {}
    for k in names:
        base[k] = series(rng, base_c, spread, n)
        new[k] = series(rng, new_c, spread, n)
        aa[k] = series(rng, aa_c, spread, n)
    return bc.compare(base, new, base, aa)


# Holm's correction: the smallest p times m, then non-decreasing.
adj = bc.holm([0.01, 0.04, 0.03, 0.5])
check(all(abs(a - b) < 1e-12 for a, b in zip(adj, [0.04, 0.09, 0.09, 0.5])), "Holm: %s" % adj)

# A known 10% regression, with 1% noise, is found on every seed.
found = 0
for seed in range(20):
    verdict, rows = one(random.Random(seed), 100, 110, 100, 1)
    found += verdict == "regression" and all(r["verdict"] == "regression" for r in rows)
check(found == 20, "a 10%% regression is found: %d of 20 seeds" % found)
base = {"b": series(random.Random(3), 100, 1)}
new = {"b": series(random.Random(4), 110, 1)}
shift = bc.hodges_lehmann(base["b"], new["b"])
lo, hi = bc.bootstrap_ci(base["b"], new["b"])
check(8 < shift < 12 and lo < shift < hi and lo > 5, "Hodges-Lehmann shift %.2f ns, CI [%.2f, %.2f]" % (shift, lo, hi))
# ... and an improvement is not a regression.
verdict, rows = one(random.Random(11), 110, 100, 110, 1)
check(verdict == "same" and all(r["verdict"] == "faster" for r in rows), "a 10%% improvement: %s" % verdict)

# An A/A pair (every series from one distribution) is never flagged, in 100 trials.
flagged = [s for s in range(100) if one(random.Random(1000 + s), 100, 100, 100, 2)[0] != "same"]
check(not flagged, "A/A never flagged in 100 trials (2%% noise)%s" % (": seeds %s" % flagged if flagged else ""))

# Noise beyond the floor: the A/A pair itself differs (8%), so a 10% shift
# is inconclusive, not a regression.
verdict, rows = one(random.Random(21), 100, 110, 108, 1)
check(verdict == "inconclusive", "a noisy A/A (8%%) makes a 10%% shift inconclusive: %s" % verdict)
# ... and an A/A pair that differs significantly, if only by 3%, is not
# clean: a 10% shift past its 6% floor is still inconclusive.
verdict, rows = one(random.Random(24), 100, 110, 103, 0.2)
check(verdict == "inconclusive" and all(r["p_aa"] < 0.01 for r in rows),
      "a significant 3%% A/A makes a 10%% shift inconclusive: %s" % verdict)
# ... and a shift within twice the A/A distance (A/A 4%: floor 8%), significant or not, is no regression.
verdict, rows = one(random.Random(22), 100, 107, 104, 1)
check(verdict == "inconclusive" and all(abs(r["floor"] - 2 * abs(r["aa_ratio"] - 1)) < 1e-9 for r in rows),
      "a 7%% shift under an 8%% floor is inconclusive: %s, floors %s" % (verdict, [round(r["floor"], 3) for r in rows]))
# A 3% shift is below the 5% minimum: the same, however significant.
verdict, rows = one(random.Random(23), 100, 103, 100, 0.2)
check(verdict == "same" and all(r["p"] < 0.01 for r in rows), "a significant 3%% shift is no change: %s" % verdict)

# Recorded runs: Google Benchmark JSON files, one per run.
work = tempfile.mkdtemp()


def write_run(path, medians, signature="AuthenticAMD family 25 model 17 stepping 1"):
    doc = {"context": {"machine_signature": signature}, "benchmarks": []}
    for name, ns in medians.items():
        doc["benchmarks"].append({"name": name, "run_name": name, "run_type": "iteration", "real_time": ns,
                                  "cpu_time": ns, "time_unit": "ns"})
        doc["benchmarks"].append({"name": name + "_median", "run_name": name, "run_type": "aggregate",
                                  "aggregate_name": "median", "real_time": ns, "cpu_time": ns, "time_unit": "ns"})
    with open(path, "w") as f:
        json.dump(doc, f)


rng = random.Random(5)
for r in range(9):
    for side, c in (("A", 100), ("B", 112), ("A2", 100)):
        os.makedirs(os.path.join(work, side), exist_ok=True)
        write_run(os.path.join(work, side, "%d.json" % r), {"memcpy/vmopt 256 B": rng.gauss(c, 1)})
code = bc.main(["--compare-json", work + "/A/*.json", work + "/B/*.json", work + "/A2/*.json"])
check(code == 1, "recorded runs with a 12%% regression: exit %d" % code)
code = bc.main(["--compare-json", work + "/A/*.json", work + "/B/*.json", work + "/A2/*.json", "--gate", "1.15"])
check(code == 0, "the same under CI's 1.15 gate: reported, exit %d" % code)
code = bc.main(["--compare-json", work + "/A/*.json", work + "/A2/*.json", work + "/A/*.json"])
check(code == 0, "recorded A/A runs: exit %d" % code)
write_run(os.path.join(work, "B", "9.json"), {"memcpy/vmopt 256 B": 112}, signature="GenuineIntel family 6 model 143")
code = bc.main(["--compare-json", work + "/A/*.json", work + "/B/*.json", work + "/A2/*.json"])
check(code == 3, "runs of two machine signatures are refused: exit %d" % code)
code = bc.main(["--compare-json", work + "/none/*.json", work + "/B/*.json", work + "/A2/*.json"])
check(code == 3, "no files: refused, exit %d" % code)

# The harness's own files (tests/bench-json-sample, two runs each side).
sample = os.environ.get("BENCH_JSON_SAMPLE")
if sample:
    import subprocess
    for side in ("A", "B", "A2"):
        for r in range(3):
            d = os.path.join(work, "h" + side, str(r))
            os.makedirs(d)
            subprocess.run([sample], env=dict(os.environ, VMOPT_BENCH_OUT=d), check=True, stdout=subprocess.DEVNULL)
    verdict, rows = bc.compare_files(*[sorted(__import__("glob").glob(os.path.join(work, "h" + s, "*", "*.json")))
                                      for s in ("A", "B", "A2")])
    names = sorted(r["name"] for r in rows)
    check(names == ["sample/add once", "sample/add twice", "sample/by hand"] and verdict != "regression",
          "the harness's JSON compared: %s, %s" % (names, verdict))
print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
