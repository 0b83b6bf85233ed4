#include "controlplane/down/flow_callout.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "common/util/utf8.h"

namespace ferry::controlplane {

namespace json = boost::json;

namespace {

bool IsSalesforceRecordId(std::string_view id) {
  return (id.size() == 15 || id.size() == 18) &&
         std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

bool IsApiName(std::string_view name) {
  return !name.empty() && name.size() <= 128 && std::isalpha(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// A printable line: no control characters (it goes into logs and keys).
bool IsPlainLine(std::string_view text, size_t max) {
  return !text.empty() && text.size() <= max && std::none_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

}  // namespace

Result<FlowCallout> ParseFlowCallout(std::string_view body) {
  if (FindInvalidUtf8(body) != std::string_view::npos) return Status::InvalidArgument("the body is not UTF-8");
  json::parse_options options;
  options.max_depth = 16;  // a flow's sample body nests at most 15 levels
  boost::system::error_code ec;
  const json::value value = json::parse(body, ec, {}, options);
  if (ec) return Status::InvalidArgument("the body is not JSON: " + ec.message());
  if (!value.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  const json::object& o = value.as_object();
  FlowCallout out;
  for (const auto& [name, field] : {std::pair{"organizationId", &out.organization_id}, std::pair{"object", &out.object},
                                    std::pair{"recordId", &out.record_id}, std::pair{"changedAt", &out.changed_at}}) {
    const json::value* v = o.if_contains(name);
    if (v == nullptr || !v->is_string()) {
      return Status::InvalidArgument(std::string("the body needs \"") + name + "\", a string");
    }
    *field = std::string(v->as_string());
  }
  if (!IsApiName(out.object)) return Status::InvalidArgument("object must be an API name such as Opportunity");
  if (!IsSalesforceRecordId(out.record_id)) {
    return Status::InvalidArgument("recordId must be a record id of 15 or 18 letters and digits");
  }
  if (!IsPlainLine(out.changed_at, 64)) {
    return Status::InvalidArgument("changedAt must be the record's SystemModstamp, at most 64 characters of text");
  }
  if (!IsPlainLine(out.organization_id, 18)) {
    return Status::InvalidArgument("organizationId must be the org's id, 00D…");
  }
  return out;
}

}  // namespace ferry::controlplane
