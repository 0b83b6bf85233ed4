#include "agent/sources/s4_odata/odata_lookup.h"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "agent/sources/s4_odata/lookup_template.h"
#include "agent/sources/s4_odata/odata_page.h"
#include "common/http/url_encoding.h"
#include "common/util/utf8.h"

namespace ferry::agent {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

// The objects at `path` below `root`, through objects and arrays alike;
// nullopt when there are more than kMaxLookupItems. The path is the
// configuration's, a few names long: the walk is bounded by it.
std::optional<std::vector<json::object*>> ItemsAt(json::object& root, const std::vector<std::string>& path) {
  std::vector<json::object*> items{&root};
  for (const std::string& name : path) {
    std::vector<json::object*> next;
    for (json::object* item : items) {
      json::value* v = item->if_contains(name);
      if (v == nullptr) continue;
      if (v->is_object()) next.push_back(&v->get_object());
      if (v->is_array()) {
        for (json::value& element : v->get_array()) {
          if (element.is_object()) next.push_back(&element.get_object());
        }
      }
      if (next.size() > kMaxLookupItems) return std::nullopt;
    }
    items = std::move(next);
  }
  return items;
}

}  // namespace

std::vector<ODataLookup> ReadODataLookups(config::ConfigNode& item) {
  std::vector<ODataLookup> lookups;
  std::set<std::string> names;  // "at/as": where each attaches
  for (config::ConfigNode node : item.SectionList("lookups")) {
    ODataLookup l;
    const std::string at = node.String("at", "");
    if (!at.empty()) {
      if (!IsNavigationPath(at)) node.Error("at", "'" + at + "' is not a path of navigation names");
      for (size_t start = 0;;) {
        const size_t slash = at.find('/', start);
        l.at.push_back(at.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
      }
    }
    l.as = node.RequiredString("as");
    if (!l.as.empty() && !IsODataName(l.as)) node.Error("as", "'" + l.as + "' is not an OData name");
    if (!l.as.empty() && !names.insert(at + "/" + l.as).second) node.Error("as", "'" + l.as + "' is attached twice");
    const std::string when = node.String("when", "");
    if (!when.empty()) {
      // Field eq 'value', nothing more: a condition on the item Ferry
      // already has, not a query.
      const size_t eq = when.find(" eq '");
      l.when_field = when.substr(0, eq);
      if (eq != std::string::npos && when.back() == '\'' && when.size() > eq + 5) {
        l.when_value = when.substr(eq + 5, when.size() - eq - 6);
      }
      if (eq == std::string::npos || !IsODataName(l.when_field) || when.back() != '\'' ||
          l.when_value.find('\'') != std::string::npos) {
        node.Error("when", "must read Field eq 'value'");
      }
    }
    l.read = node.RequiredString("read");
    if (const std::string why = CheckLookupTemplate(l.read); !why.empty()) node.Error("read", why);
    lookups.push_back(std::move(l));
  }
  if (lookups.size() > 8) item.Error("lookups", "at most 8 lookups per entity set");
  return lookups;
}

LookupRunner::LookupRunner(const std::vector<ODataLookup>& lookups, const S4Connection& connection,
                           std::string service_path, LookupFetch fetch)
    : lookups_(lookups),
      connection_(connection),
      service_url_(connection.url + service_path),
      fetch_(std::move(fetch)) {}

asio::awaitable<Result<json::value>> LookupRunner::Read(const std::string& path) {
  if (auto known = answers_.find(path); known != answers_.end()) co_return known->second;
  const size_t query = path.find('?');
  std::string url = service_url_ + "/" + path + (query == std::string::npos ? "?" : "&") + "$format=json" +
                    connection_.ClientParameter();
  json::array items;
  json::value attached;
  for (size_t page = 0;; ++page) {
    std::optional<http::ClientResponse> res = co_await fetch_(url);
    if (!res) co_return Status::Unavailable("S/4 did not answer " + EscapeForLog(path));
    if (SaysEntityIsGone(*res, kDefaultGoneCodes) && page == 0) {
      attached = nullptr;
      break;
    }
    if (res->status != 200) {
      co_return Status::FailedPrecondition("S/4 answered " + std::to_string(res->status) + " to " + EscapeForLog(path) +
                                           ": " + GatewayMessage(res->body));
    }
    Result<ODataAnswer> answer = ParseODataAnswer(res->body);
    if (!answer.ok()) co_return Status::FailedPrecondition(EscapeForLog(path) + ": " + answer.status().message());
    if (!answer->value.is_array()) {
      if (page > 0) co_return Status::FailedPrecondition(EscapeForLog(path) + ": a next page is not a collection");
      attached = std::move(answer->value);
      break;
    }
    for (json::value& v : answer->value.get_array()) items.push_back(std::move(v));
    if (items.size() > kMaxLookupItems) {
      co_return Status::FailedPrecondition(EscapeForLog(path) + " gives more than " + std::to_string(kMaxLookupItems) +
                                           " entities");
    }
    if (answer->next_link.empty()) {
      attached = std::move(items);
      break;
    }
    if (page + 1 >= kMaxLookupPages) {
      co_return Status::FailedPrecondition(EscapeForLog(path) + " is paged over more than " +
                                           std::to_string(kMaxLookupPages) + " answers");
    }
    std::optional<std::string> next = ResolveLink(connection_, url, answer->next_link);
    if (!next) co_return Status::FailedPrecondition(EscapeForLog(path) + ": a next link leaves the S/4 host");
    url = std::move(*next);
  }
  answers_[path] = attached;
  co_return attached;
}

asio::awaitable<Status> LookupRunner::Attach(std::string& payload) {
  if (lookups_.empty()) co_return Status::Ok();
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;  // the source's own JSON: answers of bounded depth, attached a few levels down
  json::value entity = json::parse(payload, ec, {}, options);
  if (ec || !entity.is_object()) co_return Status::Internal("the entity's payload is not a JSON object");
  for (const ODataLookup& lookup : lookups_) {
    std::optional<std::vector<json::object*>> items = ItemsAt(entity.get_object(), lookup.at);
    if (!items) {
      co_return Status::FailedPrecondition("more than " + std::to_string(kMaxLookupItems) + " items for lookup " +
                                           lookup.as);
    }
    for (json::object* item : *items) {
      if (!lookup.when_field.empty() && LookupFieldText(*item, lookup.when_field) != lookup.when_value) continue;
      std::optional<std::string> path = LookupPath(lookup.read, *item);
      if (!path) {
        (*item)[lookup.as] = nullptr;
        continue;
      }
      Result<json::value> answer = co_await Read(*path);
      if (!answer.ok()) co_return answer.status();
      (*item)[lookup.as] = std::move(answer).value();
    }
  }
  payload = json::serialize(entity);
  co_return Status::Ok();
}

}  // namespace ferry::agent
