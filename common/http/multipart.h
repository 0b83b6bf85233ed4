#pragma once
// multipart/mixed bodies (RFC 2046) and the HTTP messages carried in their
// application/http parts: the framing of an OData $batch. Parsing and writing
// in both directions, with no tie to a server or a client, so the code that
// writes a $batch request also reads its response.
//
// Parsing accepts CRLF or bare LF line ends (writers differ), folded header
// lines, and ignores the preamble and epilogue. It returns InvalidArgument
// when the boundary never appears, the close delimiter is missing (a
// truncated body), or a header line has no "name:". Writing uses CRLF.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ferry::http {

// Header fields in their order; names compare case-insensitively.
struct MimeHeaders {
  std::vector<std::pair<std::string, std::string>> fields;

  // The first value of `name`, or empty when the header is absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  void Add(std::string name, std::string value) { fields.emplace_back(std::move(name), std::move(value)); }
};

struct MimePart {
  MimeHeaders headers;
  std::string body;
};

// The media type of a Content-Type value, lower-cased and without
// parameters: "Multipart/Mixed; boundary=x" → "multipart/mixed".
std::string MediaType(std::string_view content_type);

// A parameter of a header value, unquoted: HeaderParam("multipart/mixed;
// boundary=\"b_1\"", "boundary") → "b_1". nullopt when absent.
std::optional<std::string> HeaderParam(std::string_view header_value, std::string_view name);

// The parts between the `boundary` delimiters of `body`.
Result<std::vector<MimePart>> ParseMultipart(std::string_view body, std::string_view boundary);

// `parts` framed by `boundary`, ending with the close delimiter.
std::string WriteMultipart(const std::vector<MimePart>& parts, std::string_view boundary);

// "PATCH https://org/api/data/v9.2/accounts(accountnumber='1') HTTP/1.1",
// its headers and its body. `target` is kept as written (absolute or not).
struct EmbeddedRequest {
  std::string method;
  std::string target;
  MimeHeaders headers;
  std::string body;
};

// "HTTP/1.1 204 No Content", its headers and its body.
struct EmbeddedResponse {
  int status = 0;
  std::string reason;  // empty: the standard phrase for `status` when written
  MimeHeaders headers;
  std::string body;
};

// Line ends at the end of an embedded body are dropped: writers differ on
// whether a blank line precedes the next delimiter, and the bodies of a
// $batch are JSON, where they carry no meaning.
Result<EmbeddedRequest> ParseEmbeddedRequest(std::string_view text);
Result<EmbeddedResponse> ParseEmbeddedResponse(std::string_view text);
std::string WriteEmbeddedRequest(const EmbeddedRequest& request);
std::string WriteEmbeddedResponse(const EmbeddedResponse& response);

// The standard reason phrase of an HTTP status ("No Content"), or "Unknown".
std::string_view ReasonPhrase(int status);

}  // namespace ferry::http
