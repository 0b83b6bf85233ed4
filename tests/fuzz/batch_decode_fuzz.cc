// Fuzz target: decoding an EventBatch as the control plane's ingest does
// with what arrives from the broker (DecodeBatchFrames, then DecodeEvents).
// Anyone who can publish on the agent's topic controls these bytes: a bad
// batch must be refused or its bad events turned into stand-ins, with no
// crash and no allocation beyond the limits.
//
// The inflate limit is 1 MiB here (64 MiB in production) so that a zstd
// frame claiming to be large is cheap to try; the check is the same.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include "common/wire/batch_codec.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Strings that are not UTF-8 are expected here; protobuf logs each one.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ferry::wire;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const BatchLimits limits{1u << 20, 10000};
  auto frames = DecodeBatchFrames(bytes, limits);
  if (!frames.ok()) return 0;
  if (frames->events.size() > limits.max_events) __builtin_trap();
  size_t inflated = 0;
  for (const auto& e : frames->events) inflated += e.size();
  // Uncompressed events are bounded by the input, compressed ones by the limit.
  if (inflated > size && inflated > limits.max_inflated_bytes) __builtin_trap();

  auto events = DecodeEvents(*frames);
  if (!events.ok()) return 0;
  if (events->size() != frames->events.size()) __builtin_trap();
  uint64_t previous = 0;
  for (const DecodedEvent& d : *events) {
    // What ingest relies on: usable ids and strictly increasing sequences.
    const uint64_t seq = d.event.agent_sequence();
    if (seq <= previous || seq >= kMaxAgentSequence) __builtin_trap();
    previous = seq;
    if (d.event.event_id().empty() || d.event.event_id().size() > kMaxEventIdBytes) __builtin_trap();
    if (!d.error.empty() && d.event.decode_error() != d.error) __builtin_trap();
  }
  return 0;
}
