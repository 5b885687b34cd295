#!/bin/sh
# Under the preload, Lua 5.4 (another language VM) sorts, concatenates and matches strings:
# the same output, errors and exit status as without it.
set -u
. "$top_srcdir/tests/preload-lib.sh"
needs lua5.4 lua5.4
same lua5.4 lua5.4 "$top_srcdir/tests/data/strings.lua"
finish
