#!/usr/bin/env bash
# Runs one libFuzzer target, already built in build-fuzz/ (tests/fuzz/ci.sh
# builds them), for SECONDS seconds:
#
#   tests/fuzz/run.sh idoc_xml_fuzz 60
#
# The corpus lives in build-fuzz/corpus/TARGET and grows from run to run; it
# is seeded from the repository's fixtures each time (existing files are kept).
# Crash, leak, timeout and OOM inputs go to build-fuzz/crashes/TARGET/; the
# script exits non-zero when libFuzzer found one. Reproduce with
#   build-fuzz/tests/fuzz/TARGET build-fuzz/crashes/TARGET/crash-...
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 TARGET SECONDS" >&2
  exit 2
fi
target=$1
seconds=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FERRY_FUZZ_BUILD_DIR:-$root/build-fuzz}
bin=$build/tests/fuzz/$target
corpus=$build/corpus/$target
crashes=$build/crashes/$target
log=$build/logs/$target.log
if [ ! -x "$bin" ]; then
  echo "run.sh: $bin is not built (run tests/fuzz/ci.sh, or build build-fuzz)" >&2
  exit 2
fi
mkdir -p "$corpus" "$crashes" "$(dirname "$log")"

# Copies files into the corpus without replacing what the fuzzer kept.
seed() {
  local f
  for f in "$@"; do [ -e "$corpus/$(basename "$f")" ] || cp "$f" "$corpus/"; done
}
# One corpus file per line of stdin.
seed_lines() {
  while IFS= read -r line; do
    printf '%s' "$line" >"$corpus/seed-$(printf '%s' "$line" | sha1sum | cut -c1-16)"
  done
}
shopt -s nullglob
case $target in
  idoc_xml_fuzz) seed "$root"/tests/fixtures/idoc/*.xml "$root"/tests/fuzz/seeds/idoc_xml/* ;;
  idoc_flat_fuzz) seed "$root"/tests/fuzz/seeds/idoc_flat/* ;;
  odata_page_fuzz) seed "$root"/tests/fuzz/seeds/odata_page/* ;;
  cloud_event_fuzz) seed "$root"/tests/fuzz/seeds/cloud_event/* ;;
  inbound_record_fuzz) seed "$root"/tests/fuzz/seeds/inbound_record/* ;;
  outbound_message_fuzz) seed "$root"/tests/fuzz/seeds/outbound_message/* ;;
  execution_context_fuzz) seed "$root"/tests/fuzz/seeds/execution_context/* ;;
  idoc_of_record_fuzz) seed "$root"/tests/fuzz/seeds/idoc_of_record/* ;;
  sap_cloud_v2_answer_fuzz) seed "$root"/tests/fuzz/seeds/sap_cloud_v2_answer/* ;;
  json_document_fuzz)
    seed "$root"/tests/fuzz/seeds/odata_page/* "$root"/tests/fuzz/seeds/sap_cloud_v2_answer/*
    seed "$root"/tests/fuzz/seeds/outbound_message/*.json
    ;;
  flow_compile_fuzz)
    seed "$root"/flows/standard/*.yaml "$root"/tests/fixtures/flows/*/*.yaml
    # A flow that extends each standard flow, NUL, the standard flow: the
    # target's two-file form, which reaches merging and diffing.
    for f in "$root"/flows/standard/*.yaml; do
      id=$(sed -n 's/^flow: *//p' "$f")
      { printf 'flow: acme-%s\nextends: %s\ntarget:\n  connector: webhook\n\0' "$id" "$id"; cat "$f"; } \
        >"$corpus/extends-$id"
    done
    ;;
  flow_expr_fuzz)
    # The expressions of the standard flows: values with a call or a path.
    grep -hE '^ +[A-Za-z_]+: .*[(/]' "$root"/flows/standard/*.yaml |
      sed -E 's/^ +[A-Za-z_]+: //; s/ +# .*$//' | sort -u | seed_lines
    ;;
  config_fuzz) seed "$root"/packaging/config/*.yaml ;;
  batch_decode_fuzz) "$build/tests/fuzz/batch_seeds" "$corpus" ;;
  multipart_fuzz)
    seed "$root"/tests/fuzz/seeds/multipart/*
    for f in "$root"/tests/fuzz/seeds/multipart/*; do  # and with CRLF line ends
      sed 's/$/\r/' "$f" >"$corpus/crlf-$(basename "$f")"
    done
    ;;
  http_request_fuzz)
    for f in "$root"/tests/fixtures/idoc/debmas05_customer.xml "$root"/tests/fixtures/idoc/debmas_packet_3.xml; do
      { printf 'POST /sap/idoc HTTP/1.1\r\nHost: agent:8080\r\nContent-Type: application/xml\r\n'
        printf 'Authorization: Basic c2FwOnNlY3JldA==\r\nContent-Length: %d\r\n\r\n' "$(stat -c %s "$f")"
        cat "$f"; } >"$corpus/post-$(basename "$f")"
    done
    printf 'POST /sap/idoc HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<IDOC\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' \
      >"$corpus/chunked-keepalive"
    ;;
  tunnel_frame_fuzz)
    # A deployment, an Ack and the presence, as the control plane sends them.
    "$build/tests/fuzz/tunnel_frame_seeds" "$corpus" ;;
  fleet_credentials_fuzz)
    # A token, a request, a chain and a key, each behind its selector byte.
    "$build/tests/fuzz/fleet_seeds" "$corpus" ;;
  *) echo "run.sh: no seeds known for $target; starting from an empty corpus" >&2 ;;
esac

# halt_on_error: an ASan or UBSan report is a crash, never a warning.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# FERRY_FUZZ_SEED and FERRY_FUZZ_RUNS make a run repeatable (CI): the same
# seed and number of inputs from the same seeds explore the same inputs.
limits=(-max_total_time="$seconds")
[ -n "${FERRY_FUZZ_RUNS:-}" ] && limits+=(-runs="$FERRY_FUZZ_RUNS")
[ -n "${FERRY_FUZZ_SEED:-}" ] && limits+=(-seed="$FERRY_FUZZ_SEED")
status=0
"$bin" "$corpus" "${limits[@]}" -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1 || status=$?

# The last status line ("#N DONE cov: ... ft: ... corp: ... exec/s: ...").
stats=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
echo "$target: ${stats:-no stats (see $log)}"
if [ "$status" -ne 0 ]; then
  echo "$target: libFuzzer exited with $status; log: $log" >&2
  grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" >&2 || tail -n 20 "$log" >&2
  exit 1
fi
