#!/usr/bin/env bash
# Installs the dependencies and builds Ferry into ./build (Release with debug
# info): every target, or the ones named as arguments. Shared by demo.sh and
# test.sh; safe to run again (incremental).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/packaging/install-deps.sh"
jobs="${FERRY_BUILD_JOBS:-2}"
# FERRY_UNITY_BUILD=ON compiles each target's sources in batches of 16
# (CMake's unity build): a much quicker build from scratch, as in CI; a
# slower rebuild after a change to one file. Unset: as build/ was configured.
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  ${FERRY_UNITY_BUILD:+-DCMAKE_UNITY_BUILD=$FERRY_UNITY_BUILD -DCMAKE_UNITY_BUILD_BATCH_SIZE=16} >/dev/null
cmake --build "$root/build" -j "$jobs" ${1:+--target "$@"}
