#!/bin/sh
# tools/bench-compare's decisions on synthetic and recorded samples
# (tests/bench-compare-cases.py): a known regression found, an A/A pair
# never flagged, noise beyond the floor inconclusive, machines refused.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${PYTHON3:?}"
# Debian's python3, with Debian's SciPy (the one tools/bench-compare names),
# before whatever python3 configure found first.
py=
for p in /usr/bin/python3 "$PYTHON3"; do
    "$p" -c 'import scipy.stats, numpy' 2> /dev/null && { py=$p; break; }
done
[ -n "$py" ] || { echo "FAIL: no python3 with SciPy and NumPy: tools/setup.sh --test installs python3-scipy python3-numpy"; exit 1; }
BENCH_JSON_SAMPLE=$top_builddir/tests/bench-json-sample exec "$py" "$top_srcdir/tests/bench-compare-cases.py"
