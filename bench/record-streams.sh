#!/bin/sh
# Records the call streams of bench/streams/ from real programs of Debian 12:
# each runs under bench/libvmopt-record.so, and the last 512 Ki calls of its
# busiest process (the work, past start-up) are kept, xz-compressed.
#   bench/record-streams.sh BUILDDIR [NAME ...]
# Needs python3, sqlite3, git, lua5.4, xz-utils, nodejs and qemu-user.
# The streams in the repository were recorded on AMD EPYC family 25 model
# 17 (Zen 4), Debian 12, glibc 2.36; see bench/README.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-.}" && pwd)
[ $# -gt 0 ] && shift
rec=$build/bench/libvmopt-record.so
[ -f "$rec" ] || { echo "record-streams: build $rec first (make bench-build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
keep=524288

# A 4 MiB input for the compressors: text and binary, as real files are.
input=$work/input
{ cat "$top"/*/*.c "$top"/docs/*.md; head -c 2000000 /usr/bin/python3; } | head -c 4194304 > "$input"

cpython_json='import json, random
random.seed(1)
docs = [{"id": i, "name": "user%d" % i, "tags": ["t%d" % (i % 7), "x" * (i % 40)],
         "score": random.random(), "nested": {"a": list(range(i % 30)), "b": "y" * (i % 200)}}
        for i in range(30000)]
for _ in range(3):
    s = json.dumps(docs)
    back = json.loads(s)
    assert back == docs
print(len(s))'

sqlite3_index="create table t(id integer primary key, name text, blob blob, n int);
with recursive c(x) as (select 1 union all select x+1 from c where x < 60000)
  insert into t select x, printf('name-%08d-%s', (x*7919)%60000, hex(randomblob(x%24))), randomblob(16 + x%200), x%977 from c;
create index t_name on t(name);
create index t_n on t(n, name);
select count(*), sum(length(blob)) from t where name like 'name-0001%';
select n, count(*) from t group by n order by 2 desc limit 3;"

lua_strings='local t = {}
for i = 1, 200000 do t[#t+1] = string.format("%d:%s", i, string.rep("ab", i % 40)) end
local s = table.concat(t, ",")
local n = 0
for w in s:gmatch("[^,]+") do n = n + #w end
s = s:gsub("ab", "xyz"):upper()
print(n, #s)'

node_json='const docs = [];
for (let i = 0; i < 40000; i++) docs.push({id: i, name: "user" + i, tags: ["t" + (i % 7), "x".repeat(i % 40)],
  nested: {a: Array.from({length: i % 30}, (_, k) => k), b: "y".repeat(i % 200)}});
let s;
for (let r = 0; r < 3; r++) { s = JSON.stringify(docs); JSON.parse(s); }
const b = Buffer.alloc(1 << 20); for (let i = 0; i < 2000; i++) Buffer.from(s.slice(i * 100, i * 100 + 3000)).copy(b, i % 1000);
console.log(s.length);'

run() { # name, command...: records one program
    name=$1; shift
    rm -f "$work/$name".*
    echo "record-streams: $name: $*" >&2
    LD_PRELOAD=$rec VMOPT_RECORD=$work/$name VMOPT_RECORD_MAX=8388608 "$@" > /dev/null
    # The busiest process: the file with the most records.
    best= bestn=0
    for f in "$work/$name".*; do
        n=$(od -An -t u8 -j 16 -N 8 "$f" | tr -d ' ')
        cap=$(od -An -t u8 -j 24 -N 8 "$f" | tr -d ' ')
        [ "$n" -gt "$cap" ] && n=$cap
        [ "$n" -gt "$bestn" ] && { best=$f; bestn=$n; }
    done
    [ -n "$best" ] || { echo "record-streams: $name recorded nothing" >&2; return 1; }
    skip=$((bestn > keep ? bestn - keep : 0)) take=$((bestn > keep ? keep : bestn))
    python3 - "$best" "$skip" "$take" "$top/bench/streams/$name.rec" <<'PY'
import struct, sys
src, skip, take, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with open(src, 'rb') as f:
    hdr = bytearray(f.read(32))
    f.seek(32 + 12 * skip)
    body = f.read(12 * take)
struct.pack_into('<QQ', hdr, 16, take, take)
with open(out, 'wb') as o:
    o.write(hdr + body)
PY
    xz -9 -f "$top/bench/streams/$name.rec"
    echo "record-streams: $name: $take of $bestn calls kept" >&2
}

want() { [ $# -eq 0 ] || case " $* " in *" $name_ "*) return 0 ;; *) return 1 ;; esac; }
for name_ in cpython-json sqlite3-index git-archive lua-strings xz-compress node-json qemu-xz qemu-python; do
    want "$@" || continue
    case $name_ in
    cpython-json) run $name_ python3 -c "$cpython_json" ;;
    sqlite3-index) run $name_ sqlite3 :memory: "$sqlite3_index" ;;
    git-archive) run $name_ git -C "$top" archive --format=tar HEAD ;;
    lua-strings) run $name_ lua5.4 -e "$lua_strings" ;;
    xz-compress) run $name_ xz -6 -c "$input" ;;
    node-json) run $name_ node -e "$node_json" ;;
    # qemu-user's own calls as it runs an x86-64 guest; -U keeps the recorder
    # out of the guest.
    qemu-xz) run $name_ qemu-x86_64 -U LD_PRELOAD /usr/bin/xz -3 -c "$input" ;;
    qemu-python) run $name_ qemu-x86_64 -U LD_PRELOAD /usr/bin/python3 -c "$cpython_json" ;;
    esac
done
