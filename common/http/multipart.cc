#include "common/http/multipart.h"

#include <ostream>  // before Beast: the inline code of its status header streams

#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/util/text.h"

namespace ferry::http {

namespace {

char LowerChar(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return LowerChar(x) == LowerChar(y); });
}

// The line at `pos` without its end (LF or CRLF); `pos` moves past it.
bool NextLine(std::string_view text, size_t& pos, std::string_view& line) {
  if (pos >= text.size()) return false;
  const size_t nl = text.find('\n', pos);
  const size_t end = nl == std::string_view::npos ? text.size() : nl;
  line = text.substr(pos, end - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos = nl == std::string_view::npos ? text.size() : nl + 1;
  return true;
}

// Header lines up to the blank line (or the end of `text`: a writer may let
// the delimiter's line break stand in for the blank line of an empty body).
Status ReadHeaders(std::string_view text, size_t& pos, MimeHeaders& out) {
  std::string_view line;
  while (NextLine(text, pos, line)) {
    if (line.empty()) return Status::Ok();
    if ((line.front() == ' ' || line.front() == '\t') && !out.fields.empty()) {  // folded continuation
      out.fields.back().second += ' ';
      out.fields.back().second += TrimBlanks(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Status::InvalidArgument("header line without a name and ':': '" + std::string(line.substr(0, 80)) + "'");
    }
    out.Add(std::string(TrimBlanks(line.substr(0, colon))), std::string(TrimBlanks(line.substr(colon + 1))));
  }
  return Status::Ok();
}

std::string_view StripTrailingLineEnds(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The first non-empty line of an embedded message; `pos` moves past it.
Result<std::string_view> StartLine(std::string_view text, size_t& pos) {
  std::string_view line;
  while (NextLine(text, pos, line)) {
    if (!TrimBlanks(line).empty()) return TrimBlanks(line);
  }
  return Status::InvalidArgument("embedded HTTP message is empty");
}

void WriteHeaders(const MimeHeaders& headers, std::string& out) {
  for (const auto& [name, value] : headers.fields) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
}

}  // namespace

std::string_view MimeHeaders::Get(std::string_view name) const {
  for (const auto& [n, v] : fields) {
    if (IEquals(n, name)) return v;
  }
  return {};
}

bool MimeHeaders::Has(std::string_view name) const {
  return std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return IEquals(f.first, name); });
}

std::string MediaType(std::string_view content_type) {
  std::string out(TrimBlanks(content_type.substr(0, content_type.find(';'))));
  std::transform(out.begin(), out.end(), out.begin(), LowerChar);
  return out;
}

std::optional<std::string> HeaderParam(std::string_view header_value, std::string_view name) {
  size_t pos = header_value.find(';');
  while (pos != std::string_view::npos) {
    const size_t next = header_value.find(';', pos + 1);
    std::string_view param = header_value.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1);
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos && IEquals(TrimBlanks(param.substr(0, eq)), name)) {
      std::string_view value = TrimBlanks(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return std::string(value);
    }
    pos = next;
  }
  return std::nullopt;
}

Result<std::vector<MimePart>> ParseMultipart(std::string_view body, std::string_view boundary) {
  if (boundary.empty()) return Status::InvalidArgument("multipart boundary is empty");
  const std::string dash = "--" + std::string(boundary);
  std::vector<MimePart> parts;
  bool in_part = false;
  size_t part_start = 0;
  size_t pos = 0;
  std::string_view line;
  for (;;) {
    const size_t line_start = pos;
    if (!NextLine(body, pos, line)) break;
    if (line.substr(0, dash.size()) != dash) continue;
    const std::string_view rest = TrimBlanks(line.substr(dash.size()));
    const bool close = rest == "--";
    if (!close && !rest.empty()) continue;  // text, or a longer boundary that starts with ours
    if (in_part) {
      // The line break before a delimiter belongs to the delimiter.
      size_t end = line_start;
      if (end > part_start && body[end - 1] == '\n') --end;
      if (end > part_start && body[end - 1] == '\r') --end;
      const std::string_view text = body.substr(part_start, end - part_start);
      MimePart part;
      size_t at = 0;
      if (Status s = ReadHeaders(text, at, part.headers); !s.ok()) {
        return Status::InvalidArgument("multipart part " + std::to_string(parts.size() + 1) + ": " + s.message());
      }
      part.body = std::string(text.substr(std::min(at, text.size())));
      parts.push_back(std::move(part));
    }
    if (close) return parts;
    in_part = true;
    part_start = pos;
  }
  if (!in_part) return Status::InvalidArgument("multipart boundary '" + std::string(boundary) + "' not found");
  return Status::InvalidArgument("multipart body ends without the close delimiter " + dash + "--");
}

std::string WriteMultipart(const std::vector<MimePart>& parts, std::string_view boundary) {
  std::string out;
  for (const MimePart& part : parts) {
    out += "--";
    out += boundary;
    out += "\r\n";
    WriteHeaders(part.headers, out);
    out += "\r\n";
    out += part.body;
    out += "\r\n";
  }
  out += "--";
  out += boundary;
  out += "--\r\n";
  return out;
}

Result<EmbeddedRequest> ParseEmbeddedRequest(std::string_view text) {
  size_t pos = 0;
  auto start = StartLine(text, pos);
  if (!start.ok()) return start.status();
  const std::string_view line = *start;
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) {
    return Status::InvalidArgument("embedded request line has no target: '" + std::string(line.substr(0, 80)) + "'");
  }
  const size_t sp2 = line.rfind(' ');
  EmbeddedRequest request;
  request.method = std::string(line.substr(0, sp1));
  if (sp2 > sp1 && line.substr(sp2 + 1, 5) == "HTTP/") {
    request.target = std::string(TrimBlanks(line.substr(sp1 + 1, sp2 - sp1 - 1)));
  } else {
    request.target = std::string(TrimBlanks(line.substr(sp1 + 1)));  // no version written
  }
  if (request.target.empty()) return Status::InvalidArgument("embedded request line has no target");
  if (Status s = ReadHeaders(text, pos, request.headers); !s.ok()) return s;
  request.body = std::string(StripTrailingLineEnds(text.substr(std::min(pos, text.size()))));
  return request;
}

Result<EmbeddedResponse> ParseEmbeddedResponse(std::string_view text) {
  size_t pos = 0;
  auto start = StartLine(text, pos);
  if (!start.ok()) return start.status();
  const std::string_view line = *start;
  const size_t sp1 = line.find(' ');
  if (line.substr(0, 5) != "HTTP/" || sp1 == std::string_view::npos) {
    return Status::InvalidArgument("embedded status line is not 'HTTP/1.1 <status> <reason>': '" +
                                   std::string(line.substr(0, 80)) + "'");
  }
  const std::string_view rest = line.substr(sp1 + 1);
  const size_t sp2 = rest.find(' ');
  const std::string_view code = rest.substr(0, sp2);
  EmbeddedResponse response;
  auto [ptr, ec] = std::from_chars(code.data(), code.data() + code.size(), response.status);
  if (ec != std::errc() || ptr != code.data() + code.size() || response.status < 100 || response.status > 599) {
    return Status::InvalidArgument("embedded status line has no status code: '" + std::string(line) + "'");
  }
  if (sp2 != std::string_view::npos) response.reason = std::string(TrimBlanks(rest.substr(sp2 + 1)));
  if (Status s = ReadHeaders(text, pos, response.headers); !s.ok()) return s;
  response.body = std::string(StripTrailingLineEnds(text.substr(std::min(pos, text.size()))));
  return response;
}

std::string WriteEmbeddedRequest(const EmbeddedRequest& request) {
  std::string out = request.method + " " + request.target + " HTTP/1.1\r\n";
  WriteHeaders(request.headers, out);
  out += "\r\n";
  out += request.body;
  return out;
}

std::string WriteEmbeddedResponse(const EmbeddedResponse& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " ";
  out += response.reason.empty() ? ReasonPhrase(response.status) : response.reason;
  out += "\r\n";
  WriteHeaders(response.headers, out);
  out += "\r\n";
  out += response.body;
  return out;
}

std::string_view ReasonPhrase(int status) {
  const auto known = boost::beast::http::int_to_status(static_cast<unsigned>(status));
  if (known == boost::beast::http::status::unknown) return "Unknown";
  const auto reason = boost::beast::http::obsolete_reason(known);
  return {reason.data(), reason.size()};
}

}  // namespace ferry::http
