#!/usr/bin/env bash
# Installs the dependencies and builds Ferry into ./build (Release with debug
# info): every target, or the ones named as arguments. Shared by demo.sh and
# test.sh; safe to run again (incremental).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/packaging/install-deps.sh"
jobs="${FERRY_BUILD_JOBS:-2}"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j "$jobs" ${1:+--target "$@"}
