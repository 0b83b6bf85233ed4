#pragma once
// Encoding of EventBatch messages (proto/ferry/v1/event.proto).
//
// The agent stores each event already serialized; the encoder splices those
// bytes into a batch without parsing them again (protobuf messages merge on
// concatenation, so appending field 10 sets Event.agent_sequence). Batches
// above a threshold are zstd-compressed: IDoc-XML shrinks 5-10x, which
// matters on the WAN links agents sit behind.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ferry/v1/event.pb.h"

namespace ferry::wire {

struct StoredEvent {
  uint64_t sequence;
  std::string_view serialized;  // a ferry.v1.Event without agent_sequence
};

struct BatchEncoding {
  bool compress = true;
  size_t compress_min_bytes = 4096;
  int zstd_level = 1;
};

std::string EncodeBatch(const std::string& agent_id, uint64_t batch_id, const std::vector<StoredEvent>& events,
                        const BatchEncoding& encoding);

// A batch as framed on the wire, before any event in it is trusted: the
// header, and each event's bytes (inflated when the batch was compressed).
struct BatchFrames {
  std::string agent_id;  // as sent: not checked to be UTF-8
  uint64_t batch_id = 0;
  int64_t sent_unix_ms = 0;  // by the agent's clock
  std::vector<std::string> events;
};

// Limits a batch from the network must keep.
struct BatchLimits {
  // What compressed events may inflate to: a zstd frame claiming more is a
  // decompression bomb and is refused before anything is allocated.
  size_t max_inflated_bytes = 64u << 20;
  size_t max_events = 100000;
};

// Parses the framing and inflates compressed events. InvalidArgument on
// malformed protobuf or zstd data, unknown compression, a frame that does
// not state its size, or one over the limits. Never parses an event.
Result<BatchFrames> DecodeBatchFrames(std::string_view bytes, const BatchLimits& limits = {});

// One event of a batch, decoded on its own.
struct DecodedEvent {
  ferry::v1::Event event;
  // Empty when `event` is the event as sent. Otherwise why it could not be
  // used, and `event` is a stand-in: its id, business key and sequence as
  // far as they could be read (or made up from the sequence), `decode_error`
  // set, and the bytes as sent in `payload`, so nothing is lost.
  std::string error;
};

// Decodes each event of `frames` on its own. An event that does not parse
// (a string field that is not UTF-8, say), or whose id could not be a store
// key (empty, over 128 bytes), becomes a stand-in with the reason. The batch
// as a whole is InvalidArgument only when the order it claims cannot be
// trusted: a sequence that is missing, 0, at or above 2^63, or not above the
// one before it.
Result<std::vector<DecodedEvent>> DecodeEvents(const BatchFrames& frames);

// Highest agent sequence a batch may carry (exclusive).
inline constexpr uint64_t kMaxAgentSequence = uint64_t{1} << 63;
inline constexpr size_t kMaxEventIdBytes = 128;

}  // namespace ferry::wire
