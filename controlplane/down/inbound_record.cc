#include "controlplane/down/inbound_record.h"

#include <boost/json/parse.hpp>

#include "common/util/utf8.h"

namespace ferry::controlplane {

bool IsInboundName(std::string_view s) {
  if (s.empty() || s.size() > kMaxInboundNameBytes) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

Result<InboundRecord> ReadInboundRecord(std::string_view object, std::string_view record_id, std::string_view body) {
  if (!IsInboundName(object)) {
    return Status::InvalidArgument("the CRM object must be 1 to 128 letters, digits, '_', '-', '.' or ':'");
  }
  if (!IsInboundName(record_id)) {
    return Status::InvalidArgument("the record's id must be 1 to 128 letters, digits, '_', '-', '.' or ':'");
  }
  if (const size_t bad = FindInvalidUtf8(body); bad != std::string_view::npos) {
    return Status::InvalidArgument("the body is not UTF-8 (byte " + std::to_string(bad) + ")");
  }
  boost::json::parse_options options;
  options.max_depth = kMaxInboundJsonDepth;
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(body, ec, {}, options);
  if (ec) return Status::InvalidArgument("the body is not JSON: " + ec.message());
  if (!value.is_object()) return Status::InvalidArgument("the body must be the record, a JSON object");
  return InboundRecord{std::string(object), std::string(record_id), std::string(body), {}};
}

}  // namespace ferry::controlplane
