#pragma once
// One zstd frame at a time, for the record codec and the batch codec.
//
// Both compress small inputs (one IDoc, one batch) many thousand times a
// second. ZSTD_compress and ZSTD_decompress build and free a context per
// call, which for a 5 KB IDoc costs as much as the compression itself, so
// each thread keeps one compression and one decompression context.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ferry {

// Appends `data` compressed as one frame (content size in its header) to
// `out`. Returns false, with `out` as it was, when zstd fails.
bool AppendZstdFrame(std::string_view data, int level, std::string& out);

// The content of one frame that states its size, which must be at most
// `max_bytes`. InvalidArgument, with the reason, for anything else.
Result<std::string> InflateZstdFrame(std::string_view frame, uint64_t max_bytes);

}  // namespace ferry
