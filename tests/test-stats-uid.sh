#!/bin/sh
# vmopt stat reads only the caller's own pages: run as root, it refuses a
# page owned by another uid, and one open to others; run as another user
# (nobody), it cannot reach root's directory and says why.  Needs root to
# make the other uid's files (CI runs as root): skipped otherwise.
set -u
: "${top_builddir:?}"
[ "$(id -u)" = 0 ] || { echo "not root: cannot make another uid's page here"; exit 77; }
command -v setpriv > /dev/null || { echo "no setpriv (util-linux)"; exit 77; }
stats_name=stats-uid
. "${top_srcdir:?}/tests/stats-lib.sh"
chmod 755 "$work"

start_calls
wait_for ready
[ -f "$dir/$pid.stats" ] || { no "no page: $(cat "$work/err")"; exit 1; }
"$vmopt" stat $pid > /dev/null 2>&1 && ok "root reads its own page" || no "root's own page unreadable"

# A page of uid 65534's in root's directory: refused, named.
cp "$dir/$pid.stats" "$work/copy"
fake=$((pid + 100000))
cp "$work/copy" "$dir/$fake.stats"
chown 65534 "$dir/$fake.stats"
"$vmopt" stat $fake > "$work/o" 2>&1
[ $? = 1 ] && grep -q "is owned by uid 65534, not by you (uid 0): refused" "$work/o" \
    && ok "another uid's page: refused" || no "another uid's page: $(cat "$work/o")"
# Root's, but open to others: refused.
chown 0 "$dir/$fake.stats"
chmod 644 "$dir/$fake.stats"
"$vmopt" stat $fake > "$work/o" 2>&1
[ $? = 1 ] && grep -q "has mode 0644 (open to others): refused" "$work/o" && ok "a page open to others: refused" \
    || no "a 0644 page: $(cat "$work/o")"
rm -f "$dir/$fake.stats"

# nobody, pointed at root's directory: refused there, and the page itself
# cannot be opened.  The tool and its library copied where nobody can run
# them: the build tree may be root's alone (a clone in mktemp -d's 0700).
mkdir -m 755 "$work/bin"
if [ -x "$top_builddir/tools/.libs/vmopt" ]; then
    cp "$top_builddir/tools/.libs/vmopt" "$work/bin/" && cp -P "$top_builddir"/.libs/libvmopt.so* "$work/bin/"
else
    cp "$vmopt" "$work/bin/"
fi
chmod -R a+rX "$work/bin"
LD_LIBRARY_PATH=$work/bin setpriv --reuid=65534 --regid=65534 --clear-groups "$work/bin/vmopt" stat $pid > "$work/o" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "owned by uid 0, not by you (uid 65534)" "$work/o" && ok "as nobody: root's directory refused" \
    || no "as nobody: exit $rc: $(cat "$work/o")"
setpriv --reuid=65534 --regid=65534 --clear-groups cat "$dir/$pid.stats" > /dev/null 2>&1 \
    && no "nobody read root's page" || ok "nobody cannot open root's page (0700 directory, 0600 page)"
exec 3>&-
wait $pid
finish
