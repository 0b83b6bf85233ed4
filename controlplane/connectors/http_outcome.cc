#include "controlplane/connectors/http_outcome.h"

#include <ctime>

#include "common/util/utf8.h"

namespace ferry::controlplane {

std::string DescribeRecord(const ferry::v1::MappedRecord& record) {
  return record.object() + " " + record.key_field() + "=" + record.external_id();
}

std::string Excerpt(const std::string& body) {
  constexpr size_t kMax = 512;
  // A CRM's or a proxy's page may be in any encoding: what is kept must be
  // UTF-8, as it goes into reasons that are protobuf strings.
  std::string out = Utf8Prefix(body, kMax);
  if (out.size() < body.size()) out += "...";
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::string& value) {
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string::npos && value.size() < 10) {
    return std::chrono::seconds(std::stoll(value));
  }
  std::tm tm{};
  if (strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return std::nullopt;
  auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(when - std::chrono::system_clock::now());
  return wait.count() > 0 ? wait : std::chrono::milliseconds(0);
}

std::optional<std::chrono::milliseconds> RetryAfterOf(const http::ClientResponse& response) {
  auto it = response.headers.find("retry-after");
  if (it == response.headers.end()) return std::nullopt;
  return ParseRetryAfter(it->second);
}

bool IsTransientStatus(int status) { return status == 408 || status == 425 || status == 429 || status >= 500; }

}  // namespace ferry::controlplane
