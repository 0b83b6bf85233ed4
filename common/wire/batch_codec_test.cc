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
  auto batch = DecodeBatch(bytes);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->agent_id(), "agent-1");
  EXPECT_EQ(batch->batch_id(), 42u);
  ASSERT_EQ(batch->events_size(), 5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(batch->events(i).event_id(), "id-" + std::to_string(i));
    EXPECT_EQ(batch->events(i).agent_sequence(), 100u + i);
    EXPECT_EQ(batch->events(i).payload().size(), 3000u);
    EXPECT_EQ(batch->events(i).idoc().docnum(), std::to_string(1000 + i));
  }
}

TEST(BatchCodecTest, PlainRoundTripSetsSequences) { ExpectRoundTrip({false, 0, 1}, false); }
TEST(BatchCodecTest, ZstdRoundTrip) { ExpectRoundTrip({true, 1024, 1}, true); }

TEST(BatchCodecTest, RejectsGarbageAndCorruptZstd) {
  EXPECT_FALSE(DecodeBatch("\xff\xff\xff\xff garbage").ok());
  ferry::v1::EventBatch b;
  b.set_compression(ferry::v1::COMPRESSION_ZSTD);
  b.set_compressed_events("not zstd");
  auto r = DecodeBatch(b.SerializeAsString());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::wire
