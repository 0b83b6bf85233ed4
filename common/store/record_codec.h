#pragma once
// The body of a stored queue record: one codec byte, then the bytes.
//   0 = stored as is, 1 = one zstd frame.
// IDoc-XML shrinks 4-8x, which keeps typical records inside one LMDB page:
// values larger than about half a page go to overflow pages, which need
// contiguous free pages, and after a large backlog has been drained a
// fragmented free list makes finding those slow.

#include <string>
#include <string_view>

#include "common/status.h"

namespace ferry::store {

inline constexpr size_t kDefaultCompressMinBytes = 512;

std::string EncodeRecordBody(std::string_view data, size_t compress_min_bytes = kDefaultCompressMinBytes);
// DataLoss for an unknown codec or a corrupt frame.
Result<std::string> DecodeRecordBody(std::string_view body);

}  // namespace ferry::store
