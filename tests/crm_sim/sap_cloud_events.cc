#include "tests/crm_sim/sap_cloud_events.h"

#include <algorithm>
#include <fstream>

#include "common/http/basic_auth.h"
#include "common/util/ids.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

constexpr size_t kMaxSubscriptions = 100;

Result<std::string> EventStringKey(const json::object& request, std::string_view key, bool required) {
  const json::value* value = request.if_contains(key);
  if (!value) {
    if (required) return Status::InvalidArgument("an event subscription needs \"" + std::string(key) + "\"");
    return std::string();
  }
  if (!value->is_string() || value->get_string().empty() || value->get_string().size() > 1024 ||
      std::any_of(value->get_string().begin(), value->get_string().end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return Status::InvalidArgument(std::string(key) + " must be a non-empty line of at most 1024 characters");
  }
  return std::string(value->get_string());
}

// The member at `path` ("extensions/X": members of nested objects), or null.
const json::value* EventMemberAt(const json::object& entity, std::string_view path) {
  const json::object* at = &entity;
  while (true) {
    const size_t slash = path.find('/');
    const json::value* member = at->if_contains(path.substr(0, slash));
    if (slash == std::string_view::npos || member == nullptr) return member;
    if (!member->is_object()) return nullptr;
    at = &member->get_object();
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

struct SapCloudEvents::Subscription {
  std::string id;
  std::string collection;
  std::string type;
  std::string specversion;
  std::string field;   // empty: every save qualifies
  json::value equals;  // what `field` must equal
  std::shared_ptr<ListenerQueue> sender;

  bool Meets(const json::object& entity) const {
    if (field.empty()) return true;
    const json::value* value = EventMemberAt(entity, field);
    return value != nullptr && *value == equals;
  }
};

Result<json::object> SapCloudEvents::Register(const json::object& request) {
  static const std::vector<std::string_view> kKeys = {
      "collection", "type",   "endpoint_url",     "user",        "password", "ca_file", "specversion",
      "field",      "equals", "retry_initial_ms", "retry_max_ms"};
  for (const auto& [key, value] : request) {
    if (std::find(kKeys.begin(), kKeys.end(), std::string_view(key)) == kKeys.end()) {
      return Status::InvalidArgument("unknown event subscription key '" + std::string(key) + "'");
    }
  }
  if (subscriptions_.size() >= kMaxSubscriptions) return Status::InvalidArgument("at most 100 event subscriptions");
  auto collection = EventStringKey(request, "collection", true);
  auto type = EventStringKey(request, "type", true);
  auto endpoint = EventStringKey(request, "endpoint_url", true);
  auto user = EventStringKey(request, "user", true);
  auto password = EventStringKey(request, "password", true);
  auto ca_file = EventStringKey(request, "ca_file", false);
  auto specversion = EventStringKey(request, "specversion", false);
  auto field = EventStringKey(request, "field", false);
  for (const auto* s : {&collection, &type, &endpoint, &user, &password, &ca_file, &specversion, &field}) {
    if (!s->ok()) return s->status();
  }
  if (field->empty() == request.contains("equals")) {
    return Status::InvalidArgument("\"field\" and \"equals\" go together: the condition is field == equals");
  }
  auto url = http::ParseUrl(*endpoint);
  if (!url.ok()) return Status::InvalidArgument("endpoint_url: " + url.status().message());
  if (!ca_file->empty() && !std::ifstream(*ca_file)) {
    return Status::InvalidArgument("ca_file " + *ca_file + " cannot be read");
  }
  ListenerOptions options;
  options.retry_initial = std::chrono::milliseconds(500);
  options.retry_max = std::chrono::milliseconds(5000);
  if (Status s = ReadRetrySettings(request, options); !s.ok()) return s;
  options.url = std::move(*url);
  options.ca_file = *ca_file;
  options.log_name = "sap-cloud-event";
  auto subscription = std::make_shared<Subscription>();
  subscription->id = "sub-" + std::to_string(++made_);
  subscription->collection = *collection;
  subscription->type = *type;
  subscription->specversion = specversion->empty() ? "0.2" : *specversion;
  subscription->field = *field;
  if (const json::value* equals = request.if_contains("equals")) subscription->equals = *equals;
  subscription->sender = std::make_shared<ListenerQueue>(
      executor_, std::move(options), ComposeOnePost({{"Authorization", http::BasicAuthorization(*user, *password)}}),
      Not2xxProblem);
  subscriptions_.push_back(subscription);
  return json::object{{"ok", true}, {"subscription_id", subscription->id}};
}

json::array SapCloudEvents::Describe() const {
  json::array out;
  for (const auto& s : subscriptions_) {
    json::object described{{"subscription_id", s->id}, {"collection", s->collection}, {"type", s->type}};
    s->sender->Describe(described, "delivered_event_ids");
    out.push_back(std::move(described));
  }
  return out;
}

void SapCloudEvents::Clear() {
  for (const auto& s : subscriptions_) s->sender->Stop();
  subscriptions_.clear();
}

void SapCloudEvents::Written(std::string_view collection, const std::string& id, const json::object* before,
                             const json::object& after, const std::string& user, const std::string& stamp) {
  for (const auto& s : subscriptions_) {
    if (s->collection != collection || !s->Meets(after) || (before && !s->field.empty() && s->Meets(*before))) {
      continue;
    }
    json::object current = after;
    current["id"] = id;
    const std::string event_id = NewEventId();
    const json::object event{
        {"id", event_id},
        {"specversion", s->specversion},
        {"type", s->type},
        {"source", "tenant-sim"},
        {"subject", id},
        {"time", stamp},
        {"datacontenttype", "application/json"},
        {"data",
         json::object{{"currentImage", std::move(current)},
                      {"beforeImage", before ? *before : json::object()},
                      {"dataContext", json::object{{"requestedByUser", user}, {"requestProcessedOn", stamp}}}}}};
    s->sender->Push({event_id, SerializeWithDecimals(event), {{"Content-Type", "application/json"}}});
  }
}

}  // namespace ferry::crm_sim
