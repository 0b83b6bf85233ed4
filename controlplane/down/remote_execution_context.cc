#include "controlplane/down/remote_execution_context.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "common/util/ids.h"
#include "common/util/utf8.h"
#include "controlplane/connectors/dataverse/dataverse_names.h"
#include "controlplane/down/inbound_record.h"

namespace ferry::controlplane {
namespace {

constexpr std::string_view kNullGuid = "00000000-0000-0000-0000-000000000000";

std::string_view ContextString(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

// A GUID member that is there and not all zeros, in lower case; empty otherwise.
std::string ContextGuid(const boost::json::object& o, std::string_view key) {
  const std::string_view text = ContextString(o, key);
  if (!IsUuidText(text) || text == kNullGuid) return {};
  return LowerCaseGuid(text);
}

}  // namespace

std::string LowerCaseGuid(std::string_view guid) {
  std::string out(guid);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

Result<ExecutionContext> ParseExecutionContext(std::string_view body) {
  if (const size_t bad = FindInvalidUtf8(body); bad != std::string_view::npos) {
    return Status::InvalidArgument("the body is not UTF-8 (byte " + std::to_string(bad) + ")");
  }
  boost::json::parse_options options;
  options.max_depth = kMaxExecutionContextDepth;
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(body, ec, {}, options);
  if (ec) return Status::InvalidArgument("the body is not JSON: " + ec.message());
  if (!value.is_object()) return Status::InvalidArgument("the body must be a RemoteExecutionContext, a JSON object");
  const boost::json::object& context = value.as_object();

  ExecutionContext out;
  out.message_name = std::string(ContextString(context, "MessageName"));
  if (out.message_name.empty() || !IsInboundName(out.message_name)) {
    return Status::InvalidArgument("MessageName must name the step's message, e.g. Update");
  }
  out.entity = std::string(ContextString(context, "PrimaryEntityName"));
  if (!IsDataverseLogicalName(out.entity)) {
    return Status::InvalidArgument(
        "PrimaryEntityName must be a table's logical name (lower-case letters, digits, '_')");
  }
  out.record_id = ContextGuid(context, "PrimaryEntityId");
  if (out.record_id.empty()) return Status::InvalidArgument("PrimaryEntityId must be the row's GUID");
  out.organization_id = ContextGuid(context, "OrganizationId");
  if (out.organization_id.empty()) return Status::InvalidArgument("OrganizationId must be the environment's GUID");

  // An asynchronous step runs as a system job, which Dataverse runs again
  // after a failed call with the same context: its OperationId names the
  // notification. A synchronous step has no job (OperationId all zeros);
  // its RequestId names the request.
  std::string operation = ContextGuid(context, "OperationId");
  out.delivery_id = !operation.empty() ? std::move(operation) : ContextGuid(context, "RequestId");
  return out;
}

}  // namespace ferry::controlplane
