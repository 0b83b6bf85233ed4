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

// Parses a batch and inflates compressed events into batch.events.
// InvalidArgument on malformed protobuf or zstd data, or a batch that would
// inflate beyond `max_inflated_bytes`.
Result<ferry::v1::EventBatch> DecodeBatch(std::string_view bytes, size_t max_inflated_bytes = 256u << 20);

}  // namespace ferry::wire
