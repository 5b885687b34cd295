#!/bin/sh
# Under the preload, git commits, diffs, packs and checks a repository of this source tree:
# the same output, errors and exit status as without it.
set -u
. "$top_srcdir/tests/preload-lib.sh"
needs git git
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@e GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@e
export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
export GIT_CONFIG_NOSYSTEM=1 HOME="$work"
same git sh -c "git init -q -b main r && cd r && mkdir lib profiles && cp '$top_srcdir'/lib/*.[ch] lib && cp '$top_srcdir'/profiles/*.[ch] '$top_srcdir'/profiles/*.conf profiles && chmod -R u+w . &&
    git add -A && git commit -qm one && sed -i 's/vmopt/VMOPT/g' lib/*.c &&
    git commit -qam two && git log --stat --format='%H %s' && git diff HEAD~1 --stat &&
    git gc -q && git fsck --full 2>&1 && git archive HEAD | sha256sum"
finish
