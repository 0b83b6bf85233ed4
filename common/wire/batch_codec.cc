#include "common/wire/batch_codec.h"

#include <zstd.h>

#include "common/util/clock.h"

namespace ferry::wire {
namespace {

// Protobuf wire keys: (field number << 3) | wire type.
constexpr uint8_t kEventAgentSequenceKey = (10 << 3) | 0;  // Event.agent_sequence, varint
constexpr uint8_t kBatchEventsKey = (4 << 3) | 2;          // EventBatch.events, length-delimited
constexpr uint8_t kListEventsKey = (1 << 3) | 2;           // EventList.events, length-delimited

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Appends the events as repeated length-delimited fields with `key`.
void AppendEvents(std::string& out, uint8_t key, const std::vector<StoredEvent>& events) {
  for (const auto& e : events) {
    const size_t len = e.serialized.size() + 1 + VarintSize(e.sequence);
    out.push_back(static_cast<char>(key));
    PutVarint(out, len);
    out.append(e.serialized);
    out.push_back(static_cast<char>(kEventAgentSequenceKey));
    PutVarint(out, e.sequence);
  }
}

}  // namespace

std::string EncodeBatch(const std::string& agent_id, uint64_t batch_id, const std::vector<StoredEvent>& events,
                        const BatchEncoding& encoding) {
  ferry::v1::EventBatch header;
  header.set_agent_id(agent_id);
  header.set_batch_id(batch_id);
  header.set_sent_unix_ms(NowUnixMs());
  size_t raw = 0;
  for (const auto& e : events) raw += e.serialized.size() + 16;
  if (!encoding.compress || raw < encoding.compress_min_bytes) {
    std::string out = header.SerializeAsString();
    out.reserve(out.size() + raw);
    AppendEvents(out, kBatchEventsKey, events);
    return out;
  }
  std::string list;
  list.reserve(raw);
  AppendEvents(list, kListEventsKey, events);
  std::string compressed(ZSTD_compressBound(list.size()), '\0');
  size_t n = ZSTD_compress(compressed.data(), compressed.size(), list.data(), list.size(), encoding.zstd_level);
  if (ZSTD_isError(n)) {  // cannot happen with a bound-sized buffer; send uncompressed
    std::string out = header.SerializeAsString();
    AppendEvents(out, kBatchEventsKey, events);
    return out;
  }
  compressed.resize(n);
  header.set_compression(ferry::v1::COMPRESSION_ZSTD);
  header.set_compressed_events(std::move(compressed));
  return header.SerializeAsString();
}

Result<ferry::v1::EventBatch> DecodeBatch(std::string_view bytes, size_t max_inflated_bytes) {
  ferry::v1::EventBatch batch;
  if (!batch.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::InvalidArgument("event batch is not a valid ferry.v1.EventBatch");
  }
  if (batch.compression() == ferry::v1::COMPRESSION_NONE) return batch;
  if (batch.compression() != ferry::v1::COMPRESSION_ZSTD) {
    return Status::InvalidArgument("event batch uses unknown compression " + std::to_string(batch.compression()));
  }
  const std::string& in = batch.compressed_events();
  unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Status::InvalidArgument("event batch has a malformed zstd frame");
  }
  if (size > max_inflated_bytes) {
    return Status::InvalidArgument("event batch inflates to " + std::to_string(size) + " bytes, over the limit");
  }
  std::string out(size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n) || n != size) return Status::InvalidArgument("event batch zstd data is corrupt");
  ferry::v1::EventList list;
  if (!list.ParseFromString(out)) return Status::InvalidArgument("compressed events are not a ferry.v1.EventList");
  batch.clear_compressed_events();
  batch.set_compression(ferry::v1::COMPRESSION_NONE);
  batch.mutable_events()->Swap(list.mutable_events());
  return batch;
}

}  // namespace ferry::wire
