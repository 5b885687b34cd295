#!/bin/sh
# Sets vmopt up on Debian 12: installs the packages that are missing,
# bootstraps, configures and builds in place.  --test also installs what the
# whole test suite needs (cmocka, jq, clang for sanitizers and libFuzzer).
# Runs as root, or through sudo.  Safe to run again: it redoes only what is
# missing.
set -eu
cd "$(dirname "$0")/.."

pkgs="build-essential autoconf automake libtool pkg-config libcpu-features-dev libhwloc-dev
      libpapi-dev libinih-dev"
# The preload test runs real programs: sqlite3, git, lua5.4 and a subset of
# CPython's own test suite.  mimalloc and jemalloc are the pool benchmark's
# references, hyperfine the check of bench-tune's start-up figures (make bench).
[ "${1:-}" = --test ] && pkgs="$pkgs libcmocka-dev jq python3 clang libclang-rt-14-dev \
	sqlite3 git lua5.4 libpython3.11-testsuite libmimalloc2.0 libjemalloc2 hyperfine"

# Installed for this machine's architecture (or for all): with arm64
# packages added (dpkg --add-architecture), libcmocka-dev:arm64 alone
# would otherwise pass for the amd64 one.
arch=$(dpkg --print-architecture)
installed() {
    dpkg-query -W -f='${Status} ${Architecture}\n' "$1" 2>/dev/null |
        grep -Eq "^install ok installed ($arch|all)\$"
}
missing=
for p in $pkgs; do
    installed "$p" || missing="$missing $p:$arch"
done
if [ -n "$missing" ]; then
    sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "setup: installing$missing"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi

[ -x configure ] || autoreconf -fi
# Configure again when what configure would find has changed since it ran:
# the first quick-start command configures without cmocka, and the
# second, after installing it, must not test a build that left the C
# tests out.
found=
for m in cmocka hwloc papi inih; do
    pkg-config --exists "$m" && found="$found $m"
done
if [ ! -f Makefile ] || [ "$(cat config.setup 2>/dev/null)" != "$found" ]; then
    ./configure
    echo "$found" > config.setup
fi
make -j"$(nproc)"
