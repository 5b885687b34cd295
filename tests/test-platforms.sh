#!/bin/sh
# The platform decisions: the default profile's plan on every described
# CPU (vmopt platforms --list) against its golden dump in
# tests/golden/platforms/, and docs/platforms.md against what
# `vmopt platforms` writes now.  A vendor rule broken in profiles/resolve.c
# changes a golden plan; the guide's glibc column comes from
# tuner/glibc-model.c.  VMOPT_REGEN_GOLDEN=1 rewrites the goldens and the
# guide instead of comparing.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
vmopt="$top_builddir/tools/vmopt"
golden="$top_srcdir/tests/golden/platforms"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

if [ "${have_hwloc:-yes}" != yes ]; then
    echo "skip: described machines need hwloc (this build has none)"
    exit 77
fi

filter() { sed -e "s/vmopt [0-9][0-9.]*:/vmopt VERSION:/"; }
regen=${VMOPT_REGEN_GOLDEN:-0}

"$vmopt" platforms --list > "$work/names" || fail "vmopt platforms --list"
n=$(wc -l < "$work/names")
[ "$n" -ge 10 ] && ok "$n described platforms" || fail "only $n described platforms (at least 10)"
for vendor in GenuineIntel AuthenticAMD ARM Fujitsu Apple; do
    found=0
    while read -r name; do
        "$vmopt" info --platform "$name" | grep -q "^cpu .* $vendor " && found=1
    done < "$work/names"
    [ $found = 1 ] && ok "a $vendor platform" || fail "no $vendor platform"
done

[ "$regen" = 1 ] && mkdir -p "$golden"
while read -r name; do
    VMOPT_CACHE_DIR="$work/cache" "$vmopt" dump --platform "$name" 2> "$work/$name.err" | filter > "$work/$name.txt" ||
        { fail "vmopt dump --platform $name: $(cat "$work/$name.err")"; continue; }
    if [ "$regen" = 1 ]; then cp "$work/$name.txt" "$golden/$name.txt"; ok "$name regenerated"; continue; fi
    if diff -u "$golden/$name.txt" "$work/$name.txt"; then ok "$name matches its golden plan"
    else fail "$name: the plan differs from tests/golden/platforms/$name.txt"; fi
done < "$work/names"
for g in "$golden"/*.txt; do
    grep -qx "$(basename "$g" .txt)" "$work/names" || fail "golden $(basename "$g") names no platform"
done

"$vmopt" platforms > "$work/platforms.md" || fail "vmopt platforms"
if [ "$regen" = 1 ]; then cp "$work/platforms.md" "$top_srcdir/docs/platforms.md"; ok "docs/platforms.md regenerated"
elif diff -u "$top_srcdir/docs/platforms.md" "$work/platforms.md" > "$work/guide.diff"; then
    ok "docs/platforms.md is what vmopt platforms writes"
else
    head -40 "$work/guide.diff"; fail "docs/platforms.md is stale: run tools/vmopt platforms > docs/platforms.md"
fi

# Bad input changes nothing and names itself.
if "$vmopt" dump --platform no-such-cpu > "$work/bad.out" 2> "$work/bad.err"; then
    fail "an unknown platform was accepted"
else
    grep -q "no-such-cpu" "$work/bad.err" && ok "an unknown platform is refused by name" ||
        fail "the error does not name the platform: $(cat "$work/bad.err")"
fi
[ -s "$work/bad.out" ] && fail "an unknown platform still wrote a dump"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
