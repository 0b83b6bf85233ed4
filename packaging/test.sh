#!/usr/bin/env bash
# Quick start 2: set everything up and run the whole test suite, in stages:
#   format    the tree follows .clang-format (clang-format --dry-run -Werror)
#   release   the release build in build/ of what ships and what measures:
#             the daemons, ferry-crm-sim, the webhook sink and the benchmark;
#             then the Debian packages and a short benchmark smoke run
#   sanitize  every unit and integration test (a real mosquitto broker, real
#             ferry-agent / ferry-controlplane processes) built with
#             AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/
#   tsan      the unit tests built with ThreadSanitizer into build-tsan/
#   fuzz      every libFuzzer target (tests/fuzz/) for a bounded time
# The tests run once, under the sanitizers: the stricter run, and one build
# of them instead of two. FERRY_TEST_STAGES="sanitize fuzz" runs some of the
# stages; arguments go to the sanitize stage's ctest (e.g. -R Salesforce).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stages="${FERRY_TEST_STAGES:-format release sanitize tsan fuzz}"
jobs="${FERRY_BUILD_JOBS:-2}"
"$root/packaging/install-deps.sh"

stage() { [[ " $stages " == *" $1 "* ]]; }
say() { echo "== test.sh: $* ($(date -u +%H:%M:%S))"; }

if stage format; then
  say "format"
  (cd "$root" && git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror)
fi

if stage release; then
  say "release build, packages and benchmark smoke run"
  FERRY_UNITY_BUILD=ON "$root/packaging/build.sh" ferry-agent ferry-controlplane ferry-crm-sim ferry-webhook-sink ferry_bench
  (cd "$root/build" && ctest --output-on-failure --timeout 900 -R '^(debian_packages|bench_smoke)$')
fi

if stage sanitize; then
  say "sanitizer build and tests"
  # Build type Sanitize (no flags of its own) with -Og -g1: what the
  # sanitizers need for useful reports (frames kept, lines named), and a
  # build a third quicker than -O1's, which spends most of its time
  # optimizing; the benchmark is not built. A unity
  # build (each target's sources compiled in batches of 16) parses the
  # heavy headers (Asio, Beast, protobuf, gtest) and instantiates their
  # templates once per batch instead of once per file.
  cmake -S "$root" -B "$root/build-asan" -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS="-Og -g1" -DFERRY_SANITIZE=ON \
    -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 >/dev/null
  cmake --build "$root/build-asan" -j "$jobs"
  # Leaks are not checked: the daemons exit through paths (Paho's and
  # protobuf's static state) that LeakSanitizer reports without a bug behind them.
  export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # The packages are made and checked from the release build. Two tests at
  # a time: most of an integration test's time is spent waiting on its own
  # processes (each has its own broker, ports and folders), not computing.
  (cd "$root/build-asan" && ctest --output-on-failure --timeout 900 -j "$jobs" -E "^debian_packages$" "$@")
fi

if stage tsan; then
  say "thread sanitizer build and unit tests"
  # The unit tests of all three libraries: the store's writer thread and
  # its callers (queues, history, ingest, delivery, uplink) share data
  # across threads. The integration tests run the daemons as processes and
  # stay with the sanitize stage.
  cmake -S "$root" -B "$root/build-tsan" -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS="-Og -g1" -DFERRY_TSAN=ON \
    -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 >/dev/null
  tsan_tests=(common/ferry_common_tests agent/ferry_agent_tests controlplane/ferry_controlplane_tests)
  cmake --build "$root/build-tsan" -j "$jobs" --target "${tsan_tests[@]##*/}"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
  for t in "${tsan_tests[@]}"; do "$root/build-tsan/$t" --gtest_brief=1; done
fi

if stage fuzz; then
  say "fuzz"
  FERRY_FUZZ_JOBS="$jobs" "$root/tests/fuzz/ci.sh"
fi
say "all stages passed: $stages"
