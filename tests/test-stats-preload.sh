#!/bin/sh
# vmopt stat on an unmodified program: python3 under the preload with
# VMOPT_STATS=1, watched while it copies: the counts grow, and the page
# goes when it exits.
set -u
: "${PYTHON3:?}"
. "${top_srcdir:?}/tests/preload-lib.sh"
vmopt=$top_builddir/tools/vmopt
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
pid=
export XDG_RUNTIME_DIR=$work/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
dir=$XDG_RUNTIME_DIR/vmopt
preload=$lib
# Under the preload: an unmodified Python's copies grow.
LD_PRELOAD=$preload VMOPT_STATS=1 "$PYTHON3" -c '
import sys, time
b = bytes(100000)
sys.stdout.write("up\n"); sys.stdout.flush()
t = time.time()
while time.time() - t < 3:
    c = bytearray(b)
' > "$work/py.out" &
pid=$!
for _ in $(seq 50); do grep -q up "$work/py.out" && [ -e "$dir/$pid.stats" ] && break; sleep 0.1; done
timeout 1.5 "$vmopt" stat --watch=0.4 $pid > "$work/watch" 2>&1
wait $pid
counts=$(grep "^  all" "$work/watch" | awk '{print $2}')
first=$(echo "$counts" | head -1) last=$(echo "$counts" | tail -1)
[ -n "$first" ] && [ "$(echo "$counts" | wc -l)" -ge 2 ] && [ "$last" -gt "$first" ] \
    && ok "LD_PRELOAD python3: copies grow ($first to $last)" || no "python3 under the preload: $(head -30 "$work/watch")"
[ ! -e "$dir/$pid.stats" ] && ok "python3's page gone at exit" || no "python3's page stayed"
finish
