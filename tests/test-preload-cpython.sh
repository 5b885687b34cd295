#!/bin/sh
# Under the preload, a subset of CPython's own test suite:
# the same output, errors and exit status as without it.
set -u
. "$top_srcdir/tests/preload-lib.sh"
needs /usr/bin/python3.11 python3.11
/usr/bin/python3.11 -c 'import test.test_bytes' 2> /dev/null || { echo "CPython's test suite not installed (libpython3.11-testsuite)"; exit 77; }
py=/usr/bin/python3.11
# CPython's own tests of the code that copies most: bytes, buffers, structs,
# strings, arrays, compression, hashing, pickling, buffered and in-memory
# I/O.  Not test_io: 34 s of its own here, most of it waiting on signals and
# timeouts, which put the whole test at the edge of run-one.sh's limit.
# The whole subset with the plan's entry; three modules with each forced one.
forced=$entries entries=
same cpython sh -c "$py -m test test_bytes test_memoryview test_struct test_json test_array \
    test_zlib test_hashlib test_unicode test_binascii test_pickle test_mmap test_bufio test_fileio test_memoryio 2>&1 |
    grep -E '(Tests result|tests? OK|tests? failed)'"
grep -q "Tests result: SUCCESS" "$work/preload/out" && ok "cpython: $(grep -E 'tests? OK' "$work/preload/out")" \
    || no "cpython: $(cat "$work/preload/out")"
entries=$forced
same cpython-entries sh -c "$py -m test test_bytes test_struct test_json 2>&1 | grep -E '(Tests result|tests? OK|tests? failed)'"
finish
