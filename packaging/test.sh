#!/usr/bin/env bash
# Quick start 2: set everything up and run the whole test suite.
# Unit tests, integration tests with a real mosquitto broker and real
# ferry-agent / ferry-controlplane processes, and a short benchmark smoke run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/packaging/build.sh"
cd "$root/build"
ctest --output-on-failure --timeout 900 "$@"
