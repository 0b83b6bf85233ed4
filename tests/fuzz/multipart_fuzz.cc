// Fuzz target: the multipart/mixed parser and the embedded HTTP messages in
// its application/http parts, read the way the Dataverse connector reads a
// $batch answer from the CRM (and the simulator reads a $batch request). The
// answer comes from across the network; a malformed one must be an error,
// not a crash of the control plane.
//
// Input: the Content-Type header value on the first line, the body after it.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/http/multipart.h"

namespace {

using namespace ferry::http;

void ReadMessage(const MimePart& part) {
  if (auto res = ParseEmbeddedResponse(part.body); res.ok()) {
    (void)res->headers.Get("OData-EntityId");
    (void)WriteEmbeddedResponse(*res);
  }
  if (auto req = ParseEmbeddedRequest(part.body); req.ok()) (void)WriteEmbeddedRequest(*req);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string_view content_type = input.substr(0, nl);
  const std::string_view body = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

  (void)MediaType(content_type);
  const auto boundary = HeaderParam(content_type, "boundary");
  if (!boundary) return 0;
  auto parts = ParseMultipart(body, *boundary);
  if (!parts.ok()) return 0;
  for (const MimePart& part : *parts) {
    const std::string_view type = part.headers.Get("Content-Type");
    // A change set: one nested multipart level, as in $batch.
    if (MediaType(type) == "multipart/mixed") {
      if (const auto inner_boundary = HeaderParam(type, "boundary")) {
        if (auto inner = ParseMultipart(part.body, *inner_boundary); inner.ok()) {
          for (const MimePart& p : *inner) ReadMessage(p);
        }
      }
      continue;
    }
    ReadMessage(part);
  }
  (void)WriteMultipart(*parts, *boundary);
  return 0;
}
