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
# references, hyperfine the check of bench-tune's start-up figures (make bench);
# libbenchmark-tools' compare.py (with SciPy, which it imports but does not
# depend on) reads make bench's JSON (test-bench-json.sh); gnuplot-nox draws
# make plots' figures (test-plots.sh); python3-prometheus-client parses vmopt stat
# --openmetrics (test-stats.sh).
[ "${1:-}" = --test ] && pkgs="$pkgs libcmocka-dev jq python3 clang libclang-rt-14-dev \
	sqlite3 git lua5.4 libpython3.11-testsuite libmimalloc2.0 libjemalloc2 hyperfine \
	libbenchmark-tools python3-scipy python3-numpy gnuplot-nox python3-prometheus-client"

# Installed for this machine's architecture (or for all): with arm64
# packages added (dpkg --add-architecture), libcmocka-dev:arm64 alone
# would otherwise pass for the amd64 one.
arch=$(dpkg --print-architecture)
installed() {
    dpkg-query -W -f='${Status} ${Architecture}\n' "$1" 2>/dev/null |
        grep -Eq "^install ok installed ($arch|all)\$"
}
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
missing=
for p in $pkgs; do
    installed "$p" || missing="$missing $p:$arch"
done
# --test on amd64 also cross-builds and tests arm64 (tests/run-all.sh):
# the cross compiler, the arm64 libraries beside the amd64 ones, and a
# static qemu-aarch64 for binfmt_misc (a dynamic one would have this
# host's loader try the arm64 preload library first).
arm64_pkgs="libcpu-features-dev libinih-dev libpapi-dev libcmocka-dev liblua5.4-0 libreadline8"
if [ "${1:-}" = --test ] && [ "$arch" = amd64 ]; then
    for p in gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static; do
        installed "$p" || missing="$missing $p:$arch"
    done
    for p in $arm64_pkgs; do
        dpkg-query -W -f='${Status}\n' "$p:arm64" 2>/dev/null | grep -q '^install ok installed$' ||
            missing="$missing $p:arm64"
    done
    case $missing in *:arm64*)
        dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64 ;;
    esac
fi
if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi

# The arm64 programs test-preload-arm64.sh runs under the preload: Debian's
# own gzip and lua5.4, unpacked (their libraries are installed above).
root=_build/arm64-root
if [ "${1:-}" = --test ] && [ "$arch" = amd64 ] && [ ! -x $root/usr/bin/lua5.4 ]; then
    debs=$(mktemp -d)
    (cd "$debs" && apt-get download -q gzip:arm64 lua5.4:arm64 > /dev/null 2>&1) ||
        { $sudo apt-get update -q && (cd "$debs" && apt-get download -q gzip:arm64 lua5.4:arm64); }
    mkdir -p $root && for d in "$debs"/*.deb; do dpkg -x "$d" $root; done
    rm -rf "$debs"
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
