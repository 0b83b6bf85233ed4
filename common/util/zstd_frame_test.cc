#include "common/util/zstd_frame.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <thread>

#include "common/store/record_codec.h"

namespace ferry {
namespace {

std::string Text(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "<KUNNR>" + std::to_string(100000 + i % 977) + "</KUNNR>";
  return s.substr(0, n);
}

TEST(ZstdFrameTest, AFrameInflatesToWhatWentIn) {
  const std::string data = Text(5000);
  std::string frame = "prefix";
  ASSERT_TRUE(AppendZstdFrame(data, 1, frame));
  ASSERT_EQ(frame.substr(0, 6), "prefix");
  EXPECT_LT(frame.size(), data.size());
  auto back = InflateZstdFrame(std::string_view(frame).substr(6), data.size());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, data);
}

TEST(ZstdFrameTest, EachThreadCompressesWithItsOwnContext) {
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string data = Text(1000 + 37 * t + i);
        std::string frame;
        if (!AppendZstdFrame(data, 1, frame)) return;
        auto back = InflateZstdFrame(frame, 1 << 20);
        if (!back.ok() || *back != data) return;
      }
      ++good;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good, 4);
}

TEST(ZstdFrameTest, AFrameStatingMoreThanTheLimitIsRefusedBeforeInflating) {
  std::string frame;
  ASSERT_TRUE(AppendZstdFrame(std::string(1 << 20, 'a'), 1, frame));  // a 1 MB "bomb" of a few dozen bytes
  auto back = InflateZstdFrame(frame, 64 * 1024);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().message(), "zstd frame inflates to 1048576 bytes, over the limit of 65536");
}

TEST(ZstdFrameTest, AFrameThatDoesNotStateItsSizeIsRefused) {
  // A frame streamed in two steps leaves the content size out of its header.
  const std::string data = Text(3000);
  std::string frame(ZSTD_compressBound(data.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_outBuffer out{frame.data(), frame.size(), 0};
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  ASSERT_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx, &out, &in, ZSTD_e_continue)));
  ZSTD_inBuffer none{nullptr, 0, 0};
  ASSERT_EQ(ZSTD_compressStream2(cctx, &out, &none, ZSTD_e_end), 0u);
  ZSTD_freeCCtx(cctx);
  frame.resize(out.pos);
  auto back = InflateZstdFrame(frame, 1 << 20);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().message(), "malformed zstd frame (its size must be stated)");
}

TEST(ZstdFrameTest, CorruptDataIsRefusedWithoutReadingPastTheFrame) {
  const std::string data = Text(5000);
  std::string frame;
  ASSERT_TRUE(AppendZstdFrame(data, 1, frame));
  std::string truncated = frame.substr(0, frame.size() / 2);
  EXPECT_EQ(InflateZstdFrame(truncated, 1 << 20).status().message(), "zstd data is corrupt");
  std::string flipped = frame;
  for (size_t i = 12; i < flipped.size(); i += 7) flipped[i] ^= 0x5a;
  EXPECT_FALSE(InflateZstdFrame(flipped, 1 << 20).ok());
  EXPECT_EQ(InflateZstdFrame("", 1 << 20).status().message(), "malformed zstd frame (its size must be stated)");
}

TEST(ZstdFrameTest, AStoredRecordWithACorruptBodyIsDataLoss) {
  const std::string data = Text(5000);
  std::string body = store::EncodeRecordBody(data, 512);
  ASSERT_EQ(body[0], 1) << "a 5 KB IDoc is stored compressed";
  auto back = store::DecodeRecordBody(body);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
  body.resize(body.size() - 9);
  auto broken = store::DecodeRecordBody(body);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(broken.status().message(), "record has a corrupt body: zstd data is corrupt");
}

}  // namespace
}  // namespace ferry
