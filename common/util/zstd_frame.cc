#include "common/util/zstd_frame.h"

#include <zstd.h>

#include <memory>

namespace ferry {
namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

ZSTD_CCtx* ThreadCompressor() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  return cctx.get();
}

ZSTD_DCtx* ThreadDecompressor() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
  return dctx.get();
}

}  // namespace

bool AppendZstdFrame(std::string_view data, int level, std::string& out) {
  ZSTD_CCtx* cctx = ThreadCompressor();
  if (cctx == nullptr) return false;
  const size_t at = out.size();
  out.resize(at + ZSTD_compressBound(data.size()));
  const size_t n = ZSTD_compressCCtx(cctx, out.data() + at, out.size() - at, data.data(), data.size(), level);
  if (ZSTD_isError(n)) {
    out.resize(at);
    return false;
  }
  out.resize(at + n);
  return true;
}

Result<std::string> InflateZstdFrame(std::string_view frame, uint64_t max_bytes) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Status::InvalidArgument("malformed zstd frame (its size must be stated)");
  }
  if (size > max_bytes) {
    return Status::InvalidArgument("zstd frame inflates to " + std::to_string(size) + " bytes, over the limit of " +
                                   std::to_string(max_bytes));
  }
  ZSTD_DCtx* dctx = ThreadDecompressor();
  if (dctx == nullptr) return Status::Internal("zstd decompression context unavailable");
  std::string out(size, '\0');
  const size_t n = ZSTD_decompressDCtx(dctx, out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size) return Status::InvalidArgument("zstd data is corrupt");
  return out;
}

}  // namespace ferry
