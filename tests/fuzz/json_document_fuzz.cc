// Fuzz target: FromJson, which turns JSON from outside (S/4's OData
// answers and events, CRM records on their way down) into the Document
// flows read (common/doc/json_document.h).
//
// Beyond "no crash": a document it builds has no more nodes than the input
// has bytes (no amplification), every node has a path, and a node marked
// boolean holds "true" or "false".

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/doc/json_document.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  auto document = ferry::doc::FromJson(json, "Record");
  if (!document.ok()) return 0;
  const ferry::doc::Document& d = **document;
  if (d.size() > size + 1) std::abort();
  for (ferry::doc::NodeId n = 0; n < d.size(); ++n) {
    if (d.is_boolean(n) && d.value(n) != "true" && d.value(n) != "false") std::abort();
    if (d.PathOf(n).empty()) std::abort();
  }
  return 0;
}
