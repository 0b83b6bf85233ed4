#include "controlplane/down/dataverse_webhook_channel.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "common/config/secret_file.h"
#include "common/fleet/enrollment_token.h"
#include "common/http/url_encoding.h"
#include "common/util/ids.h"
#include "controlplane/connectors/dataverse/dataverse_names.h"
#include "controlplane/down/inbound_record.h"
#include "controlplane/down/remote_execution_context.h"
#include "controlplane/down/signed_webhook_channel.h"

namespace ferry::controlplane {
namespace {

// What may stand in a URL's query unencoded: OData's query options use
// '$', '(', ')', ';', ',', '=', '&', quotes and '/', and a space is %20.
bool IsUrlQueryOptionChar(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("$()=;,&'/._-*@:%+~!").find(c) != std::string_view::npos;
}

std::string JoinedMessageNames(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::string CheckDataverseReadQuery(const std::string& query) {
  const size_t question = query.find('?');
  const std::string_view set = std::string_view(query).substr(0, question);
  if (!IsDataverseEntitySetName(set)) return "must start with the table's entity set name, e.g. salesorders";
  if (question == std::string::npos) return "";
  const std::string_view options = std::string_view(query).substr(question + 1);
  if (!std::all_of(options.begin(), options.end(), IsUrlQueryOptionChar)) {
    return "must be query options as they go into a URL: no spaces (write %20), '?', '#' or quotes other than '";
  }
  return "";
}

Result<std::string> DataverseWebhookChannel::PresentedKey(const http::Request& req) const {
  if (settings_.key_in == KeyIn::kHeader) {
    const std::string_view value = http::HeaderValue(req, settings_.key_name);
    if (value.empty()) return Status::Unauthenticated("the " + settings_.key_name + " header is missing");
    return std::string(value);
  }
  const auto [path, query] = http::SplitTarget(std::string_view(req.target().data(), req.target().size()));
  auto params = http::ParseQuery(query);
  if (!params) return Status::Unauthenticated("the URL's query does not parse");
  const auto given = params->find(settings_.key_name);
  if (given == params->end()) return Status::Unauthenticated("the URL has no " + settings_.key_name + " parameter");
  return given->second;
}

Result<InboundNotification> DataverseWebhookChannel::Read(const http::Request& req, int64_t) const {
  Result<std::string> key = config::ReadSecretFile(settings_.key_file);
  if (!key.ok()) {
    // The operator's mistake, not Dataverse's: answered 503, so the job runs again.
    return Status::Unavailable("the channel's key: " + std::string(key.status().message()));
  }
  Result<std::string> presented = PresentedKey(req);
  if (!presented.ok()) return presented.status();
  if (!fleet::ConstantTimeEquals(*presented, *key)) return Status::Unauthenticated("the endpoint's key is wrong");
  Result<ExecutionContext> context = ParseExecutionContext(req.body());
  if (!context.ok()) return context.status();
  if (context->organization_id != settings_.organization_id) {
    return Status::Unauthenticated("organization " + context->organization_id + " is not the channel's");
  }
  if (settings_.messages.count(context->message_name) == 0) {
    return Status::InvalidArgument("the channel takes " + JoinedMessageNames(settings_.messages) + ", not " +
                                   context->message_name + " (check the step's message)");
  }
  if (settings_.read.find(context->entity) == settings_.read.end()) {
    return Status::InvalidArgument("the channel reads no " + context->entity + " (add it under the channel's read)");
  }
  // Only the row's key until it is read whole: the context's columns are
  // those one request set, and the read replaces them.
  std::string partial = "{";
  partial += boost::json::serialize(boost::json::string(context->entity + "id"));
  partial += ":" + boost::json::serialize(boost::json::string(context->record_id)) + "}";
  Result<InboundRecord> record = ReadInboundRecord(context->entity, context->record_id, partial);
  if (!record.ok()) return record.status();
  InboundNotification out;
  out.read_first = true;
  out.delivery_id = context->delivery_id.empty() ? std::string() : "dv:" + context->delivery_id;
  out.records.push_back(std::move(record).value());
  return out;
}

http::Response DataverseWebhookChannel::Accepted(const http::Request& req,
                                                 const std::vector<std::string>& command_ids) const {
  return CommandsAccepted(req, command_ids);  // Dataverse needs a 2xx, nothing more
}

std::string DataverseWebhookChannel::ReadQuery(std::string_view object) const {
  auto it = settings_.read.find(std::string(object));
  return it == settings_.read.end() ? std::string() : it->second;
}

InboundChannelFactory DataverseWebhookChannelFactory() {
  return {"dataverse_webhook",
          [](config::ConfigNode& node, const InboundChannelOptions&) -> std::shared_ptr<const InboundChannel> {
            DataverseWebhookChannel::Settings s;
            const std::string organization = node.RequiredString("organization_id");
            if (!organization.empty() && !IsUuidText(organization)) {
              node.Error("organization_id", "the environment's Organization ID, a GUID (Settings > Session details)");
            }
            s.organization_id = LowerCaseGuid(organization);
            const std::string auth = node.String("auth", "webhook_key");
            if (auth == "webhook_key") {
              s.key_in = DataverseWebhookChannel::KeyIn::kCodeParameter;
              s.key_name = "code";
            } else if (auth == "http_header") {
              s.key_in = DataverseWebhookChannel::KeyIn::kHeader;
              s.key_name = node.RequiredString("header");
            } else if (auth == "http_query_string") {
              s.key_in = DataverseWebhookChannel::KeyIn::kParameter;
              s.key_name = node.RequiredString("parameter");
            } else {
              node.Error("auth", "one of webhook_key, http_header, http_query_string (the endpoint's authentication)");
            }
            if (s.key_in != DataverseWebhookChannel::KeyIn::kCodeParameter && !s.key_name.empty() &&
                !IsInboundName(s.key_name)) {
              node.Error(auth == "http_header" ? "header" : "parameter", "letters, digits, '_', '-', '.' or ':'");
            }
            s.key_file = node.RequiredString("key_file");
            std::vector<std::string> messages = node.StringList("messages");
            if (messages.empty()) messages = {"Create", "Update"};
            for (const std::string& m : messages) {
              if (m != "Create" && m != "Update") {
                node.Error("messages", "'" + m + "': a row goes down on Create or Update");
              }
              s.messages.insert(m);
            }
            // Spaces and line breaks go: a long query reads best folded over
            // lines in YAML, and a URL has no room for them (%20 stays).
            for (auto& [table, query] : node.StringMap("read")) {
              std::erase_if(query, [](unsigned char c) { return std::isspace(c); });
              s.read.emplace(table, std::move(query));
            }
            if (s.read.empty()) {
              node.Error("read",
                         "give each table's entity set and query options, e.g. salesorder: salesorders?$select=…");
            }
            for (const auto& [table, query] : s.read) {
              // PrimaryEntityName is a logical name: lower case.
              if (!IsDataverseLogicalName(table))
                node.Error("read", "'" + table + "' is not a table's logical name (lower case, e.g. salesorder)");
              if (std::string why = CheckDataverseReadQuery(query); !why.empty()) {
                node.Error("read", table + ": the query " + why);
              }
            }
            return std::make_shared<DataverseWebhookChannel>(std::move(s));
          }};
}

}  // namespace ferry::controlplane
