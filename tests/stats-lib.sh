# Shared by test-stats.sh and test-stats-uid.sh: the tool and the counting
# program, a scratch directory (its name from $stats_name) with a private
# XDG_RUNTIME_DIR, pass/fail counting, and start_calls, which runs
# tests/stats-calls with VMOPT_STATS=1 and the environment given, holding
# its standard input open on fd 3 (closing fd 3 lets it exit).
: "${top_builddir:?}" "${stats_name:?}"
vmopt=$top_builddir/tools/vmopt
prog=$top_builddir/tests/stats-calls
work=$(mktemp -d "/tmp/vmopt-$stats_name-XXXXXX")
pid=
trap 'exec 3>&- 2>/dev/null; [ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
failures=0
ok() { echo "ok: $*"; }
no() { echo "FAIL: $*"; failures=$((failures + 1)); }
finish() { echo "$failures failure(s)"; [ "$failures" -eq 0 ]; }
export XDG_RUNTIME_DIR=$work/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
dir=$XDG_RUNTIME_DIR/vmopt
mkfifo "$work/in"
# start_calls [VAR=value...]: sets pid.
start_calls() {
    env VMOPT_STATS=1 "$@" "$prog" < "$work/in" > "$work/out" 2> "$work/err" &
    pid=$!
    exec 3> "$work/in"
}
# wait_for TEXT: until a line of the program's output starts with it.
wait_for() {
    for _ in $(seq 100); do grep -q "^$1" "$work/out" && return 0; sleep 0.1; done
    no "the program never printed '$1': $(cat "$work/err")"
    exit 1
}
