#include "common/store/record_codec.h"

#include "common/util/zstd_frame.h"

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
    out.push_back(kZstd);
    if (AppendZstdFrame(data, kZstdLevel, out) && out.size() - 1 < data.size()) return out;
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
  auto inflated = InflateZstdFrame(bytes, kMaxRecordBytes);
  if (!inflated.ok()) return Status::DataLoss("record has a corrupt body: " + inflated.status().message());
  return inflated;
}

}  // namespace ferry::store
