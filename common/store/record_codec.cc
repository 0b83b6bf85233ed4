#include "common/store/record_codec.h"

#include <zstd.h>

namespace ferry::store {
namespace {
constexpr char kRaw = 0;
constexpr char kZstd = 1;
// Level 1: the fastest; the point is page fit, not the last percent.
constexpr int kZstdLevel = 1;
constexpr size_t kMaxRecordBytes = 1u << 30;
}  // namespace

std::string EncodeRecordBody(std::string_view data, size_t compress_min_bytes) {
  std::string out;
  if (data.size() >= compress_min_bytes) {
    out.resize(1 + ZSTD_compressBound(data.size()));
    size_t n = ZSTD_compress(out.data() + 1, out.size() - 1, data.data(), data.size(), kZstdLevel);
    if (!ZSTD_isError(n) && n < data.size()) {
      out[0] = kZstd;
      out.resize(1 + n);
      return out;
    }
  }
  out.clear();
  out.reserve(1 + data.size());
  out.push_back(kRaw);
  out.append(data);
  return out;
}

Result<std::string> DecodeRecordBody(std::string_view body) {
  if (body.empty()) return Status::DataLoss("record has no codec byte");
  std::string_view bytes = body.substr(1);
  if (body[0] == kRaw) return std::string(bytes);
  if (body[0] != kZstd) return Status::DataLoss("record has unknown codec " + std::to_string(int(body[0])));
  unsigned long long size = ZSTD_getFrameContentSize(bytes.data(), bytes.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxRecordBytes) {
    return Status::DataLoss("record has a corrupt zstd frame");
  }
  std::string out(size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(n) || n != size) return Status::DataLoss("record zstd data is corrupt");
  return out;
}

}  // namespace ferry::store
