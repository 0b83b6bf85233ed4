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
      // Answers attach at most this deep, so an entity with its lookups
      // stays within the depth a document may have.
      if (l.at.size() > kMaxLookupPathNames) {
        node.Error("at", "at most " + std::to_string(kMaxLookupPathNames) + " navigation names");
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
      if (eq == std::string::npos || !IsODataName(l.when_field) || when.back() != '\'' || l.when_value.empty() ||
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

asio::awaitable<Result<LookupRunner::Answer>> LookupRunner::Read(const std::string& path) {
  if (auto known = answers_.find(path); known != answers_.end()) co_return known->second;
  const size_t query = path.find('?');
  std::string url = service_url_ + "/" + path + (query == std::string::npos ? "?" : "&") + "$format=json" +
                    connection_.ClientParameter();
  json::array items;
  Answer attached;
  auto refused = [&](const std::string& why) {
    attached.value = nullptr;
    attached.refusal = EscapeForLog(path) + ": " + why;
    answers_[path] = attached;
    return attached;
  };
  for (size_t page = 0;; ++page) {
    if (++requests_ > kMaxLookupRequests)
      co_return refused("more than " + std::to_string(kMaxLookupRequests) + " reads for one page");
    std::optional<http::ClientResponse> res = co_await fetch_(url);
    if (!res) co_return Status::Unavailable("S/4 did not answer " + EscapeForLog(path));
    bytes_read_ += res->body.size();
    if (bytes_read_ > kMaxLookupBytes) {
      co_return refused("the lookups of one page read more than " + std::to_string(kMaxLookupBytes >> 20) + " MiB");
    }
    if (SaysEntityIsGone(*res, connection_.gone_codes) && page == 0) break;  // null: gone
    if (res->status == 408 || res->status == 429 || res->status >= 500) {
      co_return Status::Unavailable("S/4 answered " + std::to_string(res->status) + " to " + EscapeForLog(path) + ": " +
                                    GatewayMessage(res->body));
    }
    if (res->status != 200) {
      // A refusal that asking again will not change (a partner in an
      // authorization group the user may not read, a 404 that names no
      // gone entity): the item gets null and the page goes on, so one
      // entity cannot stop the entity set. Its flows see null (a contact
      // without its person becomes a record error, visible as a dead letter).
      co_return refused("S/4 answered " + std::to_string(res->status) + ": " + GatewayMessage(res->body));
    }
    Result<ODataAnswer> answer = ParseODataAnswer(res->body, kMaxLookupAnswerDepth);
    if (!answer.ok()) co_return Status::Unavailable(EscapeForLog(path) + ": " + answer.status().message());
    if (!answer->value.is_array()) {
      if (page > 0) co_return refused("a next page is not a collection");
      attached.value = std::move(answer->value);
      break;
    }
    for (json::value& v : answer->value.get_array()) items.push_back(std::move(v));
    if (items.size() > kMaxLookupItems) co_return refused("more than " + std::to_string(kMaxLookupItems) + " entities");
    if (answer->next_link.empty()) {
      attached.value = std::move(items);
      break;
    }
    if (page + 1 >= kMaxLookupPages)
      co_return refused("paged over more than " + std::to_string(kMaxLookupPages) + " answers");
    std::optional<std::string> next = ResolveLink(connection_, url, answer->next_link);
    if (!next) co_return refused("a next link leaves the S/4 host");
    url = std::move(*next);
  }
  attached.size = json::serialize(attached.value).size();
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
  size_t attached = 0;  // bytes of the answers attached to this entity
  for (const ODataLookup& lookup : lookups_) {
    std::optional<std::vector<json::object*>> items = ItemsAt(entity.get_object(), lookup.at);
    if (!items) {
      refusals_.push_back(lookup.as + ": more than " + std::to_string(kMaxLookupItems) + " items to look up");
      continue;
    }
    for (json::object* item : *items) {
      if (!lookup.when_field.empty() && LookupFieldText(*item, lookup.when_field) != lookup.when_value) continue;
      std::optional<std::string> path = LookupPath(lookup.read, *item);
      if (!path) {
        (*item)[lookup.as] = nullptr;
        continue;
      }
      Result<Answer> answer = co_await Read(*path);
      if (!answer.ok()) co_return answer.status();
      if (!answer->refusal.empty()) refusals_.push_back(lookup.as + " " + answer->refusal);
      attached += answer->size;
      if (attached > kMaxLookupBytesPerEntity) {
        (*item)[lookup.as] = nullptr;
        refusals_.push_back(lookup.as + " " + EscapeForLog(*path) + ": the entity's lookups attach more than " +
                            std::to_string(kMaxLookupBytesPerEntity >> 20) + " MiB");
        continue;
      }
      (*item)[lookup.as] = answer->value;
    }
  }
  payload = json::serialize(entity);
  co_return Status::Ok();
}

}  // namespace ferry::agent
