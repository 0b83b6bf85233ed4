#include "common/wire/batch_codec.h"

#include <gtest/gtest.h>

namespace ferry::wire {
namespace {

std::vector<std::string> MakeEvents(int n, size_t payload_size) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    ferry::v1::Event e;
    e.set_event_id("id-" + std::to_string(i));
    e.set_business_key("DEBMAS:" + std::to_string(i % 3));
    e.set_payload(std::string(payload_size, static_cast<char>('a' + i % 26)));
    e.mutable_idoc()->set_docnum(std::to_string(1000 + i));
    out.push_back(e.SerializeAsString());
  }
  return out;
}

void ExpectRoundTrip(const BatchEncoding& enc, bool expect_compressed) {
  auto serialized = MakeEvents(5, 3000);
  std::vector<StoredEvent> stored;
  for (size_t i = 0; i < serialized.size(); ++i) stored.push_back({100 + i, serialized[i]});
  std::string bytes = EncodeBatch("agent-1", 42, stored, enc);
  ferry::v1::EventBatch raw;
  ASSERT_TRUE(raw.ParseFromString(bytes));
  EXPECT_EQ(raw.compression() == ferry::v1::COMPRESSION_ZSTD, expect_compressed);
  auto frames = DecodeBatchFrames(bytes);
  ASSERT_TRUE(frames.ok()) << frames.status().ToString();
  EXPECT_EQ(frames->agent_id, "agent-1");
  EXPECT_EQ(frames->batch_id, 42u);
  auto events = DecodeEvents(*frames);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 5u);
  for (int i = 0; i < 5; ++i) {
    const ferry::v1::Event& e = (*events)[i].event;
    EXPECT_EQ((*events)[i].error, "");
    EXPECT_EQ(e.event_id(), "id-" + std::to_string(i));
    EXPECT_EQ(e.agent_sequence(), 100u + i);
    EXPECT_EQ(e.payload().size(), 3000u);
    EXPECT_EQ(e.idoc().docnum(), std::to_string(1000 + i));
  }
}

TEST(BatchCodecTest, PlainRoundTripSetsSequences) { ExpectRoundTrip({false, 0, 1}, false); }
TEST(BatchCodecTest, ZstdRoundTrip) { ExpectRoundTrip({true, 1024, 1}, true); }

TEST(BatchCodecTest, RejectsGarbageAndCorruptZstd) {
  EXPECT_FALSE(DecodeBatchFrames("\xff\xff\xff\xff garbage").ok());
  ferry::v1::EventBatch b;
  b.set_compression(ferry::v1::COMPRESSION_ZSTD);
  b.set_compressed_events("not zstd");
  auto r = DecodeBatchFrames(b.SerializeAsString());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchCodecTest, DecompressionBombIsRefusedBeforeInflating) {
  auto serialized = MakeEvents(1, 3u << 20);  // 3 MiB of one letter: compresses to almost nothing
  std::string bytes = EncodeBatch("agent-1", 1, {{1, serialized[0]}}, {true, 1024, 1});
  ASSERT_LT(bytes.size(), 64u * 1024);
  auto r = DecodeBatchFrames(bytes, BatchLimits{1u << 20});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("over the limit of 1048576"), std::string::npos) << r.status().message();
  EXPECT_TRUE(DecodeBatchFrames(bytes, BatchLimits{4u << 20}).ok());
}

std::string EventWithKey(const std::string& id, const std::string& business_key) {
  // EventEnvelope has Event's field numbers with bytes instead of strings:
  // it writes what an honest Event never holds.
  ferry::v1::EventEnvelope e;
  e.set_event_id(id);
  e.set_business_key(business_key);
  return e.SerializeAsString();
}

TEST(BatchCodecTest, AnEventThatDoesNotDecodeBecomesAStandInAndTheOthersStayIntact) {
  const std::vector<std::string> events = {EventWithKey("a", "DEBMAS:1"),
                                           EventWithKey("b",
                                                        "DEBMAS:9\xED\xA0\x80"
                                                        "13"),
                                           EventWithKey(std::string(200, 'x'), "DEBMAS:3"),
                                           EventWithKey("d", "DEBMAS:4")};
  for (bool compress : {false, true}) {
    SCOPED_TRACE(compress);
    std::vector<StoredEvent> stored;
    for (size_t i = 0; i < events.size(); ++i) stored.push_back({10 + i, events[i]});
    auto frames = DecodeBatchFrames(EncodeBatch("agent-1", 7, stored, {compress, 0, 1}));
    ASSERT_TRUE(frames.ok()) << frames.status().ToString();
    auto decoded = DecodeEvents(*frames);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ASSERT_EQ(decoded->size(), 4u);
    EXPECT_EQ((*decoded)[0].error, "");
    EXPECT_EQ((*decoded)[0].event.business_key(), "DEBMAS:1");
    // Not UTF-8: the id and sequence are kept, the key is made up, the bytes travel along.
    const DecodedEvent& bad = (*decoded)[1];
    EXPECT_NE(bad.error.find("agent sequence 11 cannot be decoded"), std::string::npos) << bad.error;
    EXPECT_EQ(bad.event.event_id(), "b");
    EXPECT_EQ(bad.event.business_key(), "undecodable:11");
    EXPECT_EQ(bad.event.agent_sequence(), 11u);
    EXPECT_EQ(bad.event.decode_error(), bad.error);
    EXPECT_NE(bad.event.payload().find(events[1]), std::string::npos);
    // An id that cannot be a store key.
    EXPECT_NE((*decoded)[2].error.find("event id of 200 bytes"), std::string::npos) << (*decoded)[2].error;
    EXPECT_EQ((*decoded)[2].event.event_id(), "undecodable-12");
    EXPECT_EQ((*decoded)[3].error, "");
    EXPECT_EQ((*decoded)[3].event.agent_sequence(), 13u);
  }
}

TEST(BatchCodecTest, SequencesThatCannotBeTrustedRefuseTheBatch) {
  const std::string e = EventWithKey("a", "k");
  auto decode = [&](std::vector<uint64_t> seqs) {
    std::vector<StoredEvent> stored;
    for (uint64_t s : seqs) stored.push_back({s, e});
    auto frames = DecodeBatchFrames(EncodeBatch("agent-1", 1, stored, {false, 0, 1}));
    EXPECT_TRUE(frames.ok());
    return DecodeEvents(*frames);
  };
  EXPECT_TRUE(decode({1, 2, 5}).ok());
  EXPECT_TRUE(decode({(uint64_t{1} << 63) - 1}).ok());
  for (const auto& bad : std::vector<std::vector<uint64_t>>{{0}, {uint64_t{1} << 63}, {UINT64_MAX}, {5, 5}, {6, 2}}) {
    auto r = decode(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("2^63"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace ferry::wire
