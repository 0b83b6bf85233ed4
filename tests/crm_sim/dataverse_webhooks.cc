#include "tests/crm_sim/dataverse_webhooks.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>

#include "common/util/clock.h"
#include "common/util/ids.h"
#include "tests/crm_sim/sim_http.h"
#include "tests/crm_sim/sim_state.h"

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

// Bounds on what a registration may hold: it comes from a client.
constexpr size_t kMaxServiceEndpoints = 100;
constexpr size_t kMaxWebhookTextChars = 4096;
constexpr size_t kMaxWebhookAuthValues = 32;
constexpr size_t kMaxFilteringAttributes = 500;

bool IsLogicalNameText(std::string_view name) {
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// An HTTP header name (RFC 9110 token), so it cannot break the request.
bool IsHeaderNameText(std::string_view name) {
  return !name.empty() && name.size() <= 256 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// No control characters: a value that could end a header line is refused.
bool IsPlainText(std::string_view text) {
  return text.size() <= kMaxWebhookTextChars && std::none_of(text.begin(), text.end(), [](char c) {
           return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
         });
}

// A query string component: unreserved characters kept, the rest %XX.
std::string QueryComponent(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
  }
  return out;
}

Result<std::string> WebhookStringKey(const json::object& request, std::string_view key, bool required) {
  const json::value* value = request.if_contains(key);
  if (!value) {
    if (required) return Status::InvalidArgument("a service endpoint needs \"" + std::string(key) + "\"");
    return std::string();
  }
  if (!value->is_string() || value->get_string().empty() || !IsPlainText(value->get_string())) {
    return Status::InvalidArgument(std::string(key) + " must be a non-empty string of at most " +
                                   std::to_string(kMaxWebhookTextChars) + " printable characters");
  }
  return std::string(value->get_string());
}

// The "values" of http_header / http_query_string authentication.
Result<std::vector<std::pair<std::string, std::string>>> AuthValues(const json::object& request, bool headers) {
  const json::value* value = request.if_contains("values");
  const json::object* values = value ? value->if_object() : nullptr;
  if (!values || values->empty() || values->size() > kMaxWebhookAuthValues) {
    return Status::InvalidArgument("auth " + std::string(headers ? "http_header" : "http_query_string") +
                                   " needs \"values\": an object of 1 to " + std::to_string(kMaxWebhookAuthValues) +
                                   " names and string values");
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, v] : *values) {
    if (headers ? !IsHeaderNameText(name) : (name.empty() || !IsPlainText(name))) {
      return Status::InvalidArgument("values: '" + std::string(name).substr(0, 100) + "' is no " +
                                     (headers ? "header" : "query parameter") + " name");
    }
    if (headers && (IEquals(name, "Host") || IEquals(name, "Content-Length") || IEquals(name, "Transfer-Encoding"))) {
      return Status::InvalidArgument("values: the header " + std::string(name) + " is the sender's own");
    }
    if (!v.is_string() || !IsPlainText(v.get_string())) {
      return Status::InvalidArgument("values." + std::string(name) + " must be a string of printable characters");
    }
    out.emplace_back(std::string(name), std::string(v.get_string()));
  }
  return out;
}

}  // namespace

struct DataverseWebhooks::Endpoint {
  std::string endpoint_id;
  std::string entity;   // logical name
  std::string message;  // "Create" or "Update"
  std::vector<std::string> filtering_attributes;
  WebhookStep step;
  std::shared_ptr<ListenerQueue> sender;

  bool Matches(const DataverseWrite& write) const {
    if (write.spec->logical_name != entity || write.message != message) return false;
    if (filtering_attributes.empty()) return true;
    return std::any_of(filtering_attributes.begin(), filtering_attributes.end(), [&](const std::string& column) {
      return write.columns.contains(column) ||
             std::any_of(write.lookups.begin(), write.lookups.end(),
                         [&](const BoundLookup& lookup) { return lookup.column == column; });
    });
  }
};

DataverseWebhooks::DataverseWebhooks(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

Result<json::object> DataverseWebhooks::Register(const json::object& request) {
  static const std::vector<std::string_view> kKeys = {
      "url", "ca_file", "entity", "message",          "filtering_attributes", "auth",
      "key", "values",  "mode",   "retry_initial_ms", "retry_max_ms"};
  for (const auto& [key, value] : request) {
    if (std::find(kKeys.begin(), kKeys.end(), std::string_view(key)) == kKeys.end()) {
      return Status::InvalidArgument("unknown service endpoint key '" + std::string(key).substr(0, 100) + "'");
    }
  }
  if (endpoints_.size() >= kMaxServiceEndpoints) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxServiceEndpoints) + " service endpoints");
  }
  auto url_text = WebhookStringKey(request, "url", true);
  auto ca_file = WebhookStringKey(request, "ca_file", false);
  auto entity = WebhookStringKey(request, "entity", true);
  auto message = WebhookStringKey(request, "message", true);
  auto auth = WebhookStringKey(request, "auth", true);
  auto mode = WebhookStringKey(request, "mode", false);
  for (const auto* s : {&url_text, &ca_file, &entity, &message, &auth, &mode}) {
    if (!s->ok()) return s->status();
  }
  if (!IsLogicalNameText(*entity)) {
    return Status::InvalidArgument("entity must be a table's logical name, such as salesorder");
  }
  if (*message != "Create" && *message != "Update") return Status::InvalidArgument("message must be Create or Update");
  if (!mode->empty() && *mode != "async" && *mode != "sync")
    return Status::InvalidArgument("mode must be async or sync");
  auto url = http::ParseUrl(*url_text);
  if (!url.ok()) return Status::InvalidArgument("url: " + url.status().message());
  if (!ca_file->empty() && !std::ifstream(*ca_file)) {
    return Status::InvalidArgument("ca_file " + *ca_file + " cannot be read");
  }

  std::vector<std::string> filtering;
  if (const json::value* list = request.if_contains("filtering_attributes")) {
    if (*message != "Update") return Status::InvalidArgument("filtering_attributes apply to Update steps only");
    const json::array* columns = list->if_array();
    if (!columns || columns->empty() || columns->size() > kMaxFilteringAttributes) {
      return Status::InvalidArgument("filtering_attributes must be an array of 1 to " +
                                     std::to_string(kMaxFilteringAttributes) + " column names");
    }
    for (const auto& column : *columns) {
      if (!column.is_string() || !IsLogicalNameText(column.get_string())) {
        return Status::InvalidArgument("filtering_attributes must hold column logical names, such as statecode");
      }
      filtering.emplace_back(column.get_string());
    }
  }

  // Authentication: a webhook key goes in the query as code=<key>; headers
  // and query parameters as given.
  std::vector<std::pair<std::string, std::string>> auth_headers;
  std::vector<std::pair<std::string, std::string>> query;
  const bool has_key = request.contains("key");
  const bool has_values = request.contains("values");
  if (*auth == "webhook_key") {
    if (has_values)
      return Status::InvalidArgument("values go with auth http_header or http_query_string, not webhook_key");
    auto key = WebhookStringKey(request, "key", true);
    if (!key.ok()) return key.status();
    query.emplace_back("code", *key);
  } else if (*auth == "http_header" || *auth == "http_query_string") {
    if (has_key) return Status::InvalidArgument("key goes with auth webhook_key only");
    auto values = AuthValues(request, *auth == "http_header");
    if (!values.ok()) return values.status();
    (*auth == "http_header" ? auth_headers : query) = std::move(*values);
  } else {
    return Status::InvalidArgument("auth must be webhook_key, http_header or http_query_string");
  }
  for (const auto& [name, value] : query) {
    url->target +=
        (url->target.find('?') == std::string::npos ? "?" : "&") + QueryComponent(name) + "=" + QueryComponent(value);
  }

  ListenerOptions options;
  options.retry_initial = std::chrono::milliseconds(500);
  options.retry_max = std::chrono::milliseconds(5000);
  if (Status s = ReadRetrySettings(request, options); !s.ok()) return s;

  auto endpoint = std::make_shared<Endpoint>();
  endpoint->endpoint_id = NewEventId();
  endpoint->entity = *entity;
  endpoint->message = *message;
  endpoint->filtering_attributes = std::move(filtering);
  endpoint->step.step_id = NewEventId();
  endpoint->step.step_name = "(WebHook) ferry-crm-sim: " + *message + " of " + *entity;
  endpoint->step.synchronous = *mode == "sync";
  options.url = std::move(*url);
  options.ca_file = *ca_file;
  options.log_name = "dataverse-webhook";
  endpoint->sender = std::make_shared<ListenerQueue>(executor_, std::move(options),
                                                     ComposeOnePost(std::move(auth_headers)), Not2xxProblem);
  endpoints_.push_back(endpoint);
  return json::object{{"ok", true}, {"endpoint_id", endpoint->endpoint_id}, {"step_id", endpoint->step.step_id}};
}

json::array DataverseWebhooks::Describe() const {
  json::array out;
  for (const auto& endpoint : endpoints_) {
    json::object described{{"endpoint_id", endpoint->endpoint_id},
                           {"step_id", endpoint->step.step_id},
                           {"entity", endpoint->entity},
                           {"message", endpoint->message},
                           {"mode", endpoint->step.synchronous ? "sync" : "async"}};
    endpoint->sender->Describe(described, "delivered_request_ids");
    out.push_back(std::move(described));
  }
  return out;
}

void DataverseWebhooks::Clear() {
  for (const auto& endpoint : endpoints_) endpoint->sender->Stop();
  endpoints_.clear();
  held_.Clear();
}

void DataverseWebhooks::Written(const DataverseWrite& write) {
  if (endpoints_.empty()) return;  // the usual case: no event ids to make
  WebhookEvent event{NewEventId(), NewEventId(), NowUnixMs()};
  for (const auto& endpoint : endpoints_) {
    if (!endpoint->Matches(write)) continue;
    WebhookMessage message = ExecutionContextMessage(write, endpoint->step, organization_, event, NewEventId());
    ListenerItem item;
    item.id = event.request_id;
    item.body = std::move(message.body);
    item.headers = std::move(message.headers);
    held_.Send(endpoint->sender, std::move(item));
  }
}

}  // namespace ferry::crm_sim
