#!/bin/sh
# vmopt stat: the live statistics of a running process (VMOPT_STATS=1).
# A program that makes a known number of calls (tests/stats-calls.c) is
# read while it waits: its counts are exact, they grow with its calls, in
# text, JSON and OpenMetrics (checked with prometheus_client's parser, when
# there), and --watch shows them growing.  Pages are 0600 in a 0700
# directory, gone at exit, left alone by a forked child, and a stale one
# is found and removed.  (Under the preload: test-stats-preload.sh;
# another uid's page: test-stats-uid.sh.)
set -u
: "${JQ:?}" "${PYTHON3:?}"
stats_name=stats
. "${top_srcdir:?}/tests/stats-lib.sh"

# Off unless asked: no page, no directory.
"$prog" < /dev/null > /dev/null 2>&1
[ ! -e "$dir" ] && ok "without VMOPT_STATS no page is made" || no "a page without VMOPT_STATS: $(ls -la "$dir")"

start_calls
# Until the page shows the whole round (it is rewritten every 250 ms: the
# first reading after "ready" may be older), the JSON into $work/s.json.
wait_count() {
    for _ in $(seq 50); do
        "$vmopt" stat --json $pid > "$work/s.json" 2> "$work/stat.err" &&
            [ "$("$JQ" "$1" "$work/s.json")" = true ] && return 0
        sleep 0.1
    done
    no "the page never showed $1: $(cat "$work/stat.err"; head -c 600 "$work/s.json")"
}
wait_for ready
wait_count '(.tlbs | length) == 1 and ([.copies[].calls] | add) >= 1007'
q() { "$JQ" -r "$1" "$work/s.json"; }
[ "$(q .pid)" = $pid ] && [ "$(q .exe)" = stats-calls ] && ok "the page names PID $pid, stats-calls" || no "pid/exe: $(q .pid) $(q .exe)"
[ "$(q '[.copies[] | select(.min == 4096)][0] | [.max, .calls, .bytes] | join(" ")')" = "8191 1000 4096000" ] \
    && ok "1000 copies of 4 KiB: calls and bytes exact" || no "4 KiB copies: $(q '.copies')"
[ "$(q '[.copies[] | select(.min == 2097152)][0] | [.calls, .bytes] | join(" ")')" = "7 22020096" ] \
    && ok "7 copies of 3 MiB" || no "3 MiB copies: $(q '.copies')"
[ "$(q '[.sets[] | select(.min == 65536)][0] | [.calls, .bytes] | join(" ")')" = "300 19660800" ] \
    && ok "300 sets of 64 KiB" || no "sets: $(q '.sets')"
[ "$(q '[.copies[].calls] | add')" = 1007 ] && [ "$(q '[.sets[].calls] | add')" = 300 ] \
    && ok "nothing else counted (the publishing thread's own copies are not)" || no "other counts: $(q '.copies, .sets')"
[ "$(q '.pools | map(select(.name == "frames"))[0] | [.object_size, .allocs, .frees] | join(" ")')" = "64 100 100" ] \
    && ok "pool frames: 100 allocations, 100 frees" || no "pools: $(q .pools)"
[ "$(q '.tlbs[0] | [.misses, .flushes, .entries, .fills] | join(" ")')" = "30 3 256 30" ] \
    && ok "TLB: 30 misses (all fills), 3 flushes, 256 entries" || no "tlbs: $(q .tlbs)"
[ "$(q '.dispatch.memcpy | length > 0 and (.[0].kernel | length > 0)')" = true ] && [ "$(q .plan.profile)" = default ] \
    && ok "the plan ($(q .plan.profile), $(q .plan.workload)) and the kernel of each size" || no "plan/dispatch: $(q .plan) $(q .dispatch)"
[ -f "$dir/$pid.stats" ] && ok "a forked child's exit left the parent's page" || no "the page went with the child"
# Owner-only: the page 0600, the directory 0700.
[ "$(stat -c %a "$dir/$pid.stats")" = 600 ] && [ "$(stat -c %a "$dir")" = 700 ] \
    && ok "page 0600 in a 0700 directory" || no "modes: $(stat -c '%a %n' "$dir" "$dir/$pid.stats")"

# Text and OpenMetrics say the same.
"$vmopt" stat $pid > "$work/text" 2>&1
grep -Eq "^  4 KiB-8191 B +1000 +3\.91 MiB" "$work/text" && grep -q "^pool frames (64 B)  allocs 100, frees 100" "$work/text" \
    && ok "text" || no "text: $(cat "$work/text")"
"$vmopt" stat --openmetrics $pid > "$work/om" 2>&1
grep -q "^vmopt_copy_calls_total{pid=\"$pid\",exe=\"stats-calls\",size_min=\"4096\"} 1000\$" "$work/om" &&
    grep -q "^vmopt_pool_allocs_total{.*pool_name=\"frames\"} 100\$" "$work/om" && [ "$(tail -1 "$work/om")" = "# EOF" ] \
    && ok "OpenMetrics samples" || no "OpenMetrics: $(cat "$work/om")"
py=/usr/bin/python3
[ -x $py ] || py=$PYTHON3
if $py -c 'import prometheus_client.openmetrics.parser' 2> /dev/null; then
    $py - "$work/om" > "$work/om.check" 2>&1 <<'EOF' && ok "prometheus_client's OpenMetrics parser reads it: $(cat "$work/om.check")" || no "OpenMetrics parser: $(cat "$work/om.check")"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
s = [x for x in fams["vmopt_copy_calls"].samples if x.labels.get("size_min") == "4096"]
assert fams["vmopt_copy_calls"].type == "counter" and s and s[0].value == 1000, s
print("%d families" % len(fams))
EOF
else
    no "no prometheus_client for python3: tools/setup.sh --test installs python3-prometheus-client"
fi

# Round 2: the counts grow by exactly the calls made.
echo go >&3
wait_for ready2
wait_count '([.copies[].calls] | add) >= 2014 and ([.sets[].calls] | add) >= 600'
[ "$(q '[.copies[] | select(.min == 4096)][0].calls')" = 2000 ] && [ "$(q '[.copies[].calls] | add')" = 2014 ] &&
    [ "$(q '[.sets[] | select(.min == 65536)][0].calls')" = 600 ] && ok "round 2: the counts doubled, exactly" \
    || no "round 2: $(q '.copies, .sets')"

# Round 3: copies without end; --watch's readings grow.
echo go >&3
timeout 2 "$vmopt" stat --watch=0.3 $pid > "$work/watch" 2>&1
counts=$(grep "^  4 KiB-8191 B" "$work/watch" | awk '{print $4}')
n=$(echo "$counts" | wc -l)
[ "$n" -ge 3 ] && [ "$(echo "$counts" | sort -n | uniq | wc -l)" = "$n" ] && [ "$(echo "$counts" | sort -n)" = "$counts" ] \
    && grep -q "copies/s" "$work/watch" && ok "--watch: $n readings, counts growing: $(echo $counts)" \
    || no "--watch: $(head -40 "$work/watch")"

# The list, then exit: the page goes.
"$vmopt" stat > "$work/list" 2>&1
grep -Eq "^ *$pid +stats-calls +default" "$work/list" && ok "vmopt stat lists it" || no "list: $(cat "$work/list")"
exec 3>&-
wait $pid
[ ! -e "$dir/$pid.stats" ] && ok "its page goes at exit" || no "the page outlived the process"
"$vmopt" stat $pid > "$work/gone" 2>&1
[ $? = 1 ] && grep -q "no live statistics for PID $pid" "$work/gone" && ok "a PID with no page: exit 1, said" \
    || no "a gone PID: $(cat "$work/gone")"

# Killed: the page stays, stale; vmopt stat says so, and its list removes it.
# (This run's pool is a debug one, with no thread magazines: listed too.)
start_calls VMOPT_POOL_DEBUG=1
wait_for ready
wait_count '(.tlbs | length) == 1'
[ "$(q '.pools | map(select(.name == "frames"))[0] | [.allocs, .frees] | join(" ")')" = "100 100" ] \
    && ok "a debug pool (no magazines) is listed too" || no "debug pool: $(q .pools)"
kill -9 $pid
wait $pid 2> /dev/null
exec 3>&-
"$vmopt" stat $pid > "$work/stale" 2>&1
[ $? = 1 ] && grep -q "is stale: PID $pid has exited" "$work/stale" && ok "a killed process's page: stale" \
    || no "stale: $(cat "$work/stale")"
"$vmopt" stat > "$work/list" 2>&1
[ ! -e "$dir/$pid.stats" ] && grep -q "no process of yours" "$work/list" && ok "the list removes stale pages" \
    || no "stale page kept: $(cat "$work/list"; ls "$dir")"

# Bad input.
"$vmopt" stat 12x > "$work/bad" 2>&1
[ $? = 2 ] && grep -q "'12x': not a process ID" "$work/bad" && ok "a bad PID: exit 2, named" || no "bad PID: $(cat "$work/bad")"
"$vmopt" stat --watch=0 1 > "$work/bad" 2>&1
[ $? = 2 ] && grep -q -- "--watch=0: expected seconds" "$work/bad" && ok "a bad --watch: exit 2" || no "bad watch: $(cat "$work/bad")"
XDG_RUNTIME_DIR=relative "$vmopt" stat 1 > "$work/bad" 2>&1
[ $? = 1 ] && grep -q "XDG_RUNTIME_DIR=relative: not an absolute path" "$work/bad" && ok "a relative XDG_RUNTIME_DIR: refused" \
    || no "relative XDG_RUNTIME_DIR: $(cat "$work/bad")"

finish
