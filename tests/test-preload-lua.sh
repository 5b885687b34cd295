#!/bin/sh
# Under the preload, Lua 5.4 (another language VM) sorts, concatenates and matches strings:
# the same output, errors and exit status as without it.
set -u
. "$top_srcdir/tests/preload-lib.sh"
needs lua5.4 lua5.4
cat > "$work/t.lua" <<'LUA'
local t, s = {}, ""
for i = 1, 20000 do t[i] = string.format("%05d:%s", i, string.rep("ab", i % 50)) end
table.sort(t, function(a, b) return #a < #b or (#a == #b and a < b) end)
s = table.concat(t, ",", 1, 2000)
local big = string.rep("0123456789abcdef", 65536)
print(#s, s:sub(1, 80), #big, big:sub(1000, 1040), select(2, big:gsub("f", "F")))
local u = {}
for w in s:gmatch("[^,]+") do u[#u + 1] = w:upper():reverse() end
print(#u, u[1], u[#u], string.pack("<i4d", 7, 2.5):byte(1, -1))
LUA
same lua5.4 lua5.4 "$work/t.lua"
finish
