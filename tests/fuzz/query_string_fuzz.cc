// Fuzz target: the query string of a request to the console's API
// (http::SplitTarget, http::ParseQuery), which every list endpoint reads
// from whoever reaches the listener. Malformed input must give nullopt,
// never a crash, and what it accepts must keep ParseQuery's promises:
// at most 32 parameters, names and values at most 1 KiB, valid UTF-8.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/http/url_encoding.h"
#include "common/util/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const auto [path, query] = ferry::http::SplitTarget(target);
  if (path.size() + query.size() > target.size()) std::abort();
  const auto params = ferry::http::ParseQuery(query);
  if (!params) return 0;
  if (params->size() > 32) std::abort();
  for (const auto& [name, value] : *params) {
    if (name.size() > 1024 || value.size() > 1024) std::abort();
    if (!ferry::IsValidUtf8(name) || !ferry::IsValidUtf8(value)) std::abort();
  }
  return 0;
}
