#!/bin/sh
# make bench's results are Google Benchmark's JSON: every sample a
# repetition, the aggregates, the reference's ratio, and the machine in the
# context block; compare.py (libbenchmark-tools) reads two of them and runs
# its U test.  The figures are a trivial sample benchmark's, never judged.
set -u
: "${top_builddir:?}" "${JQ:?}" "${PYTHON3:?}"
work=$(mktemp -d /tmp/vmopt-bench-json-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
ok() { echo "ok: $*"; }
no() { echo "FAIL: $*"; failures=$((failures + 1)); }
sample=$top_builddir/tests/bench-json-sample
for run in a b; do
    mkdir -p "$work/$run"
    VMOPT_BENCH_OUT="$work/$run" "$sample" > "$work/$run.out" 2>&1 || no "the sample benchmark failed: $(cat "$work/$run.out")"
done
f=$work/a/bench-json-sample.json
[ -s "$f" ] && ok "written to \$VMOPT_BENCH_OUT/<program>.json" || { no "no $f: $(cat "$work/a.out")"; exit 1; }
"$JQ" -e . "$f" > /dev/null && ok "valid JSON" || no "not JSON"

q() { "$JQ" -r "$1" "$f"; }
# The context: Google Benchmark's fields and the machine's.
for k in date host_name executable num_cpus caches load_avg library_build_type cpu_vendor cpu_family cpu_model \
    cpu_stepping hypervisor kernel glibc steal_percent machine_signature; do
    [ "$(q ".context | has(\"$k\")")" = true ] || no "context lacks $k"
done
[ "$(q '.context.kernel')" = "$(uname -r)" ] && ok "context: kernel $(uname -r)" || no "context.kernel $(q .context.kernel)"
[ "$(q '.context.glibc')" = "$(getconf GNU_LIBC_VERSION | cut -d' ' -f2)" ] && ok "context: glibc" || no "context.glibc $(q .context.glibc)"
[ "$(q '.context.num_cpus')" = "$(nproc --all)" ] || [ "$(q '.context.num_cpus')" = "$(nproc)" ] \
    && ok "context: $(q .context.num_cpus) CPUs" || no "context.num_cpus $(q .context.num_cpus)"
case $(q '.context.machine_signature') in *family*model*stepping*) ok "context: signature $(q .context.machine_signature)" ;;
*) no "machine_signature: $(q .context.machine_signature)" ;; esac

# Every sample, then the aggregates.
n=$(q '[.benchmarks[] | select(.run_name == "sample/add once" and .run_type == "iteration")] | length')
[ "$n" = 11 ] && ok "11 samples, 11 repetitions" || no "repetitions of sample/add once: $n, not 11"
[ "$(q '[.benchmarks[] | select(.run_name == "sample/add once" and .run_type == "iteration") | .repetition_index] | sort == [range(11)]')" = true ] \
    && ok "repetition_index 0 to 10" || no "repetition indexes"
aggs=$(q '[.benchmarks[] | select(.run_name == "sample/add once" and .run_type == "aggregate") | .aggregate_name] | join(",")')
[ "$aggs" = mean,median,stddev,cv,p10,p90 ] && ok "aggregates $aggs" || no "aggregates: $aggs"
# The median aggregate is the median of the repetitions (the harness's: element n/2 sorted).
med=$(q '[.benchmarks[] | select(.run_name == "sample/add once" and .run_type == "iteration") | .real_time] | sort | .[5]')
agg=$(q '.benchmarks[] | select(.name == "sample/add once_median") | .real_time')
[ "$med" = "$agg" ] && ok "the median aggregate is the repetitions' median" || no "median $agg, repetitions' median $med"
[ "$(q '.benchmarks[] | select(.name == "sample/add once_median") | .bytes_per_second > 0')" = true ] \
    && ok "bytes_per_second" || no "no bytes_per_second"
ratio=$(q '.benchmarks[] | select(.name == "sample/add twice_median") | .ratio_to_reference')
label=$(q '.benchmarks[] | select(.name == "sample/add twice_median") | .label')
case $label in "median "*"x sample/add once") ok "the reference's ratio ($ratio) and label" ;; *) no "label: $label" ;; esac
[ "$(q '[.benchmarks[] | select(.run_name == "sample/by hand" and .run_type == "iteration")] | length')" = 1 ] \
    && ok "a result without samples has its median as one repetition" || no "the hand-made result"

# Google Benchmark's own comparer reads two runs.
compare=/usr/share/benchmark/compare.py
if [ -f "$compare" ]; then
    # compare.py runs under Debian's python3, whose SciPy it imports.
    py=/usr/bin/python3
    [ -x $py ] || py=$PYTHON3
    "$py" "$compare" --no-color benchmarks "$f" "$work/b/bench-json-sample.json" > "$work/compare.out" 2>&1 \
        || no "compare.py failed: $(tail -5 "$work/compare.out")"
    grep -q '^sample/add once ' "$work/compare.out" && grep -q '^sample/add once_pvalue ' "$work/compare.out" \
        && grep -q '^sample/add once_median ' "$work/compare.out" \
        && ok "compare.py compares them, with its U test over the repetitions" \
        || no "compare.py's output lacks the benchmark or its U test: $(head -20 "$work/compare.out")"
else
    no "no $compare: tools/setup.sh --test installs libbenchmark-tools"
fi
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
