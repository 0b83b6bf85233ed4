#include "common/wire/batch_codec.h"

#include "common/util/clock.h"
#include "common/util/utf8.h"
#include "common/util/zstd_frame.h"

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

// Moves a batch's event frames out, if there are not more than the limit.
Status TakeEvents(google::protobuf::RepeatedPtrField<std::string>& events, const BatchLimits& limits,
                  BatchFrames& out) {
  if (static_cast<size_t>(events.size()) > limits.max_events) {
    return Status::InvalidArgument("event batch holds " + std::to_string(events.size()) +
                                   " events, over the limit of " + std::to_string(limits.max_events));
  }
  out.events.assign(std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
  return Status::Ok();
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
  std::string compressed;
  if (!AppendZstdFrame(list, encoding.zstd_level, compressed)) {  // cannot happen with a bound-sized buffer
    std::string out = header.SerializeAsString();
    AppendEvents(out, kBatchEventsKey, events);
    return out;
  }
  header.set_compression(ferry::v1::COMPRESSION_ZSTD);
  header.set_compressed_events(std::move(compressed));
  return header.SerializeAsString();
}

Result<BatchFrames> DecodeBatchFrames(std::string_view bytes, const BatchLimits& limits) {
  ferry::v1::EventBatchFrame frame;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !frame.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::InvalidArgument("event batch is not a valid ferry.v1.EventBatch");
  }
  BatchFrames out;
  out.agent_id = std::move(*frame.mutable_agent_id());
  out.batch_id = frame.batch_id();
  out.sent_unix_ms = frame.sent_unix_ms();
  if (frame.compression() == ferry::v1::COMPRESSION_NONE) {
    if (Status taken = TakeEvents(*frame.mutable_events(), limits, out); !taken.ok()) return taken;
    return out;
  }
  if (frame.compression() != ferry::v1::COMPRESSION_ZSTD) {
    return Status::InvalidArgument("event batch uses unknown compression " + std::to_string(frame.compression()));
  }
  const std::string& in = frame.compressed_events();
  auto inflated = InflateZstdFrame(in, limits.max_inflated_bytes);
  if (!inflated.ok()) return Status::InvalidArgument("event batch: " + inflated.status().message());
  ferry::v1::EventListFrame list;
  if (!list.ParseFromString(*inflated)) {
    return Status::InvalidArgument("compressed events are not a ferry.v1.EventList");
  }
  if (Status taken = TakeEvents(*list.mutable_events(), limits, out); !taken.ok()) return taken;
  return out;
}

namespace {

// A stand-in for an event that cannot be used as sent; see DecodedEvent.
DecodedEvent StandIn(const ferry::v1::EventEnvelope& envelope, const std::string& bytes, std::string why) {
  DecodedEvent out;
  ferry::v1::Event& e = out.event;
  const std::string seq = std::to_string(envelope.agent_sequence());
  const std::string& id = envelope.event_id();
  const bool usable_id = !id.empty() && id.size() <= kMaxEventIdBytes && IsValidUtf8(id);
  e.set_event_id(usable_id ? id : "undecodable-" + seq);
  const std::string& key = envelope.business_key();
  e.set_business_key(IsValidUtf8(key) ? key : "undecodable:" + seq);
  e.set_agent_sequence(envelope.agent_sequence());
  e.set_content_type("application/x-protobuf; proto=ferry.v1.Event");
  e.set_payload(bytes);
  e.set_decode_error(why);
  out.error = std::move(why);
  return out;
}

}  // namespace

Result<std::vector<DecodedEvent>> DecodeEvents(const BatchFrames& frames) {
  std::vector<DecodedEvent> out;
  out.reserve(frames.events.size());
  uint64_t previous = 0;
  for (size_t i = 0; i < frames.events.size(); ++i) {
    const std::string& bytes = frames.events[i];
    ferry::v1::EventEnvelope envelope;
    // Only length-delimited and varint fields are read: this parses unless
    // the framing itself is broken.
    if (!envelope.ParseFromString(bytes)) {
      return Status::InvalidArgument("event " + std::to_string(i + 1) + " of the batch is not a protobuf message");
    }
    const uint64_t seq = envelope.agent_sequence();
    if (seq == 0 || seq >= kMaxAgentSequence || seq <= previous) {
      return Status::InvalidArgument("event " + std::to_string(i + 1) + " of the batch has agent sequence " +
                                     std::to_string(seq) + " (sequences must be above 0, below 2^63 and increase)");
    }
    previous = seq;
    DecodedEvent decoded;
    if (!decoded.event.ParseFromString(bytes)) {
      out.push_back(StandIn(envelope, bytes,
                            "event at agent sequence " + std::to_string(seq) +
                                " cannot be decoded (not a valid ferry.v1.Event: a text field that is not UTF-8?)"));
      continue;
    }
    const size_t id_bytes = decoded.event.event_id().size();
    if (id_bytes == 0 || id_bytes > kMaxEventIdBytes) {
      out.push_back(StandIn(envelope, bytes,
                            "event at agent sequence " + std::to_string(seq) + " has an event id of " +
                                std::to_string(id_bytes) + " bytes (1 to " + std::to_string(kMaxEventIdBytes) + ")"));
      continue;
    }
    out.push_back(std::move(decoded));
  }
  return out;
}

}  // namespace ferry::wire
