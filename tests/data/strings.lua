-- Lua string work for the preload tests (test-preload-lua.sh, test-preload-arm64.sh):
-- sorting, concatenation, formatting, matching and packing.
local t, s = {}, ""
for i = 1, 20000 do t[i] = string.format("%05d:%s", i, string.rep("ab", i % 50)) end
table.sort(t, function(a, b) return #a < #b or (#a == #b and a < b) end)
s = table.concat(t, ",", 1, 2000)
local big = string.rep("0123456789abcdef", 65536)
print(#s, s:sub(1, 80), #big, big:sub(1000, 1040), select(2, big:gsub("f", "F")))
local u = {}
for w in s:gmatch("[^,]+") do u[#u + 1] = w:upper():reverse() end
print(#u, u[1], u[#u], string.pack("<i4d", 7, 2.5):byte(1, -1))
