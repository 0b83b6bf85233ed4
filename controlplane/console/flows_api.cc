#include "controlplane/console/flows_api.h"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "common/flows/bundle_files.h"
#include "common/flows/flow_set.h"
#include "common/flows/flow_spec.h"
#include "common/http/json_response.h"
#include "common/http/url_encoding.h"
#include "common/util/clock.h"

namespace ferry::controlplane {
namespace {

namespace bhttp = boost::beast::http;
using ferry::v1::DeploymentRecord;
using ferry::v1::FlowBundle;

constexpr size_t kMaxFlowsPage = 100;
constexpr size_t kMaxFiles = 64;
constexpr size_t kMaxSelectorPairs = 32;
constexpr size_t kMaxComment = 500;

boost::json::value IsoTimeOrNull(int64_t unix_ms) {
  return unix_ms == 0 ? boost::json::value(nullptr) : boost::json::value(FormatIsoTimeMs(unix_ms));
}

template <typename Map>
boost::json::object SelectorJson(const Map& selector) {
  boost::json::object out;
  for (const auto& [key, value] : selector) out[key] = value;
  return out;
}

std::vector<flows::BundleFile> FilesOf(const FlowBundle& bundle) {
  std::vector<flows::BundleFile> files;
  for (const auto& f : bundle.files()) files.push_back({f.path(), f.text()});
  return files;
}

// The ids of the bundle's own flows (not the standard ones it carries),
// read without compiling.
boost::json::array FlowIds(const FlowBundle& bundle) {
  boost::json::array ids;
  for (const auto& f : bundle.files()) {
    if (f.path().starts_with("standard/")) continue;
    auto specs = flows::LoadFlowSpecs(f.text(), f.path());
    if (!specs.ok()) continue;
    for (const auto& spec : *specs) ids.push_back(boost::json::string(spec.id));
  }
  return ids;
}

boost::json::object BundleSummary(const FlowBundle& bundle) {
  boost::json::array files;
  for (const auto& f : bundle.files()) files.push_back(boost::json::string(f.path()));
  return {
      {"version", bundle.version()}, {"sha256", bundle.sha256()}, {"created", IsoTimeOrNull(bundle.created_unix_ms())},
      {"comment", bundle.comment()}, {"files", std::move(files)}, {"flows", FlowIds(bundle)}};
}

struct Paging {
  uint64_t before = 0;
  uint64_t limit = 20;
};

// ?before=&limit= and nothing else; the error text when malformed.
std::optional<std::string> ReadPaging(std::string_view query, Paging& out) {
  auto params = http::ParseQuery(query);
  if (!params) return "the query string is malformed";
  for (const auto& [name, value] : *params) {
    if (name != "before" && name != "limit") return "unknown parameter '" + name + "' (before, limit)";
    auto n = http::QueryNumber(value, name == "limit" ? kMaxFlowsPage : UINT64_MAX);
    if (!n || (name == "limit" && *n == 0)) {
      return name == "limit" ? "limit must be a number from 1 to " + std::to_string(kMaxFlowsPage)
                             : std::string("before must be a number");
    }
    (name == "limit" ? out.limit : out.before) = *n;
  }
  return std::nullopt;
}

http::Response Failed(const http::Request& req, const Status& status) {
  const auto code = status.code() == StatusCode::kNotFound          ? bhttp::status::not_found
                    : status.code() == StatusCode::kInvalidArgument ? bhttp::status::bad_request
                                                                    : bhttp::status::internal_server_error;
  return http::JsonError(req, code, status.message());
}

// Where an agent stands with deployment `sequence`, given the one it should run now.
std::string StateFor(const ferry::v1::AgentRecord& agent, const DeploymentRecord* desired, uint64_t sequence) {
  if (!desired || desired->sequence() != sequence) return "superseded";
  const auto& flows = agent.flows();
  if (flows.running_sequence() == sequence) return "running";
  if (flows.deployment_sequence() == sequence && !flows.applied()) return "rejected";
  return "pending";
}

http::Response ListBundlesPage(const http::Request& req, std::string_view query, const BundleRegistry& registry) {
  Paging paging;
  if (auto error = ReadPaging(query, paging)) return http::JsonError(req, bhttp::status::bad_request, *error);
  uint64_t next_before = 0;
  auto bundles = registry.BundlesBefore(paging.before, paging.limit, next_before);
  if (!bundles.ok()) return Failed(req, bundles.status());
  boost::json::array rows;
  for (const auto& bundle : *bundles) rows.push_back(BundleSummary(bundle));
  return http::JsonResponse(req, bhttp::status::ok,
                            boost::json::object{{"bundles", std::move(rows)}, {"next_before", next_before}});
}

Result<std::shared_ptr<const flows::FlowSet>> Compiled(const FlowBundle& bundle) {
  auto set = flows::FlowSet::Compile(FilesOf(bundle));
  if (!set.ok()) {
    return Status::FailedPrecondition("bundle version " + std::to_string(bundle.version()) +
                                      " does not compile: " + std::string(set.status().message()));
  }
  return set;
}

http::Response GetBundleAnswer(const http::Request& req, uint64_t version, const BundleRegistry& registry) {
  auto bundle = registry.GetBundle(version);
  if (!bundle.ok()) return Failed(req, bundle.status());
  boost::json::object out = BundleSummary(*bundle);
  boost::json::array files;
  for (const auto& f : bundle->files()) files.push_back({{"path", f.path()}, {"text", f.text()}});
  out["files"] = std::move(files);
  boost::json::array flows_json;
  auto set = Compiled(*bundle);
  if (set.ok()) {
    for (const auto& flow : (*set)->flows()) {
      boost::json::value extends = nullptr;
      if (flow->standard) extends = boost::json::string(flow->spec.extends ? *flow->spec.extends : flow->standard->id);
      flows_json.push_back({{"id", flow->id}, {"extends", extends}, {"connector", flow->connector}});
    }
  } else {
    out["compile_error"] = set.status().message();
  }
  out["flows"] = std::move(flows_json);
  return http::JsonResponse(req, bhttp::status::ok, out);
}

boost::json::object FlowDiff(const std::string& id, const char* change, const std::string& base,
                             const std::vector<std::string>& lines) {
  boost::json::array text;
  for (const auto& line : lines) text.push_back(boost::json::string(line));
  return {{"id", id}, {"change", change}, {"base", base}, {"lines", std::move(text)}};
}

http::Response DiffAnswer(const http::Request& req, uint64_t version, std::string_view query,
                          const BundleRegistry& registry) {
  auto params = http::ParseQuery(query);
  if (!params || params->size() != 1 || !params->count("against")) {
    return http::JsonError(req, bhttp::status::bad_request, "give ?against=VERSION or ?against=standard");
  }
  const std::string against = params->at("against");
  auto bundle = registry.GetBundle(version);
  if (!bundle.ok()) return Failed(req, bundle.status());
  auto set = Compiled(*bundle);
  if (!set.ok()) return http::JsonError(req, bhttp::status::conflict, set.status().message());
  boost::json::array flows_json;
  if (against == "standard") {
    for (const auto& flow : (*set)->flows()) {
      if (!flow->standard) {
        flows_json.push_back(FlowDiff(flow->id, "added", "", {}));
        continue;
      }
      const std::string base = flow->spec.extends ? *flow->spec.extends : flow->standard->id;
      const auto lines = flows::DiffFlows(*flow->standard, flow->spec);
      flows_json.push_back(FlowDiff(flow->id, lines.empty() ? "unchanged" : "changed", base, lines));
    }
  } else {
    auto other_version = http::QueryNumber(against);
    if (!other_version) {
      return http::JsonError(req, bhttp::status::bad_request, "against must be a version number or 'standard'");
    }
    auto other = registry.GetBundle(*other_version);
    if (!other.ok()) return Failed(req, other.status());
    auto other_set = Compiled(*other);
    if (!other_set.ok()) return http::JsonError(req, bhttp::status::conflict, other_set.status().message());
    std::map<std::string, const flows::CompiledFlow*> before;
    for (const auto& flow : (*other_set)->flows()) before[flow->id] = flow.get();
    std::set<std::string> seen;
    for (const auto& flow : (*set)->flows()) {
      seen.insert(flow->id);
      auto it = before.find(flow->id);
      if (it == before.end()) {
        flows_json.push_back(FlowDiff(flow->id, "added", flow->id, {}));
        continue;
      }
      const auto lines = flows::DiffFlows(it->second->spec, flow->spec);
      flows_json.push_back(FlowDiff(flow->id, lines.empty() ? "unchanged" : "changed", flow->id, lines));
    }
    for (const auto& [id, flow] : before) {
      if (!seen.count(id)) flows_json.push_back(FlowDiff(id, "removed", id, {}));
    }
  }
  return http::JsonResponse(req, bhttp::status::ok,
                            boost::json::object{{"version", version}, {"against", against}, {"flows", flows_json}});
}

http::Response DeploymentsPage(const http::Request& req, std::string_view query, const BundleRegistry& registry) {
  Paging paging;
  if (auto error = ReadPaging(query, paging)) return http::JsonError(req, bhttp::status::bad_request, *error);
  auto deployments = registry.ListDeployments();
  if (!deployments.ok()) return Failed(req, deployments.status());
  auto agents = registry.ListAgents();
  if (!agents.ok()) return Failed(req, agents.status());
  // Each agent counts for the one deployment it should run now.
  struct Counts {
    uint64_t targeted = 0, running = 0, rejected = 0, pending = 0;
  };
  std::map<uint64_t, Counts> by_sequence;
  for (const auto& agent : *agents) {
    const DeploymentRecord* desired = BundleRegistry::DesiredFor(agent.labels(), *deployments);
    if (!desired) continue;
    Counts& c = by_sequence[desired->sequence()];
    ++c.targeted;
    const std::string state = StateFor(agent, desired, desired->sequence());
    (state == "running" ? c.running : state == "rejected" ? c.rejected : c.pending)++;
  }
  boost::json::array rows;
  uint64_t next_before = 0;
  for (auto it = deployments->rbegin(); it != deployments->rend(); ++it) {
    if (paging.before != 0 && it->sequence() >= paging.before) continue;
    if (rows.size() >= paging.limit) break;
    const Counts c = by_sequence[it->sequence()];
    rows.push_back(
        {{"sequence", it->sequence()},
         {"version", it->bundle_version()},
         {"selector", SelectorJson(it->selector())},
         {"created", IsoTimeOrNull(it->unix_ms())},
         {"comment", it->comment()},
         {"rollout",
          {{"targeted", c.targeted}, {"running", c.running}, {"rejected", c.rejected}, {"pending", c.pending}}}});
    next_before = it->sequence();
  }
  if (!rows.empty() && deployments->front().sequence() == next_before) next_before = 0;
  if (rows.empty()) next_before = 0;
  return http::JsonResponse(req, bhttp::status::ok,
                            boost::json::object{{"deployments", std::move(rows)}, {"next_before", next_before}});
}

http::Response RolloutAnswer(const http::Request& req, uint64_t sequence, const BundleRegistry& registry) {
  auto deployments = registry.ListDeployments();
  if (!deployments.ok()) return Failed(req, deployments.status());
  const auto found = std::find_if(deployments->begin(), deployments->end(),
                                  [&](const DeploymentRecord& d) { return d.sequence() == sequence; });
  if (found == deployments->end()) {
    return http::JsonError(req, bhttp::status::not_found, "no deployment " + std::to_string(sequence));
  }
  auto agents = registry.ListAgents();
  if (!agents.ok()) return Failed(req, agents.status());
  boost::json::array rows;
  for (const auto& agent : *agents) {
    if (!BundleRegistry::Matches(found->selector(), agent.labels())) continue;
    const DeploymentRecord* desired = BundleRegistry::DesiredFor(agent.labels(), *deployments);
    const std::string state = StateFor(agent, desired, sequence);
    const auto& flows = agent.flows();
    rows.push_back({{"agent", agent.agent_id()},
                    {"state", state},
                    {"desired_sequence", desired ? desired->sequence() : 0},
                    {"desired_version", desired ? desired->bundle_version() : 0},
                    {"running_sequence", flows.running_sequence()},
                    {"running_version", flows.running_version()},
                    {"error", state == "rejected" ? flows.error() : ""},
                    {"reported", IsoTimeOrNull(flows.unix_ms())}});
  }
  return http::JsonResponse(req, bhttp::status::ok,
                            boost::json::object{{"sequence", sequence},
                                                {"version", found->bundle_version()},
                                                {"selector", SelectorJson(found->selector())},
                                                {"agents", std::move(rows)}});
}

bool SafeFileName(std::string_view name) {
  if (name.empty() || name.size() > 100 || name.front() == '.') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return name.ends_with(".yaml") || name.ends_with(".yml");
}

bool SafeLabelPart(std::string_view text, size_t max) {
  if (text.empty() || text.size() > max) return false;
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ',' || c == '=') return false;
  }
  return true;
}

Result<std::string> CommentOf(const boost::json::object& o) {
  const auto* comment = o.if_contains("comment");
  if (!comment) return std::string();
  if (!comment->is_string() || comment->get_string().size() > kMaxComment)
    return Status::InvalidArgument("comment must be text of at most " + std::to_string(kMaxComment) + " bytes");
  return std::string(comment->get_string());
}

Result<boost::json::object> ParseObject(const std::string& body, std::initializer_list<std::string_view> keys) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  for (const auto& [key, value] : doc.get_object()) {
    if (std::find(keys.begin(), keys.end(), std::string_view(key)) == keys.end())
      return Status::InvalidArgument("unknown field '" + std::string(key) + "'");
  }
  return std::move(doc.get_object());
}

}  // namespace

http::Response FlowsRead(const http::Request& req, std::string_view rest, std::string_view query,
                         const BundleRegistry& registry) {
  if (rest == "bundles") return ListBundlesPage(req, query, registry);
  if (rest == "deployments") return DeploymentsPage(req, query, registry);
  constexpr std::string_view kBundles = "bundles/", kDeployments = "deployments/";
  if (rest.starts_with(kBundles)) {
    std::string_view tail = rest.substr(kBundles.size());
    const size_t slash = tail.find('/');
    const auto version = http::QueryNumber(tail.substr(0, slash));
    if (!version || *version == 0) return http::JsonError(req, bhttp::status::not_found, "no such bundle version");
    if (slash == std::string_view::npos) return GetBundleAnswer(req, *version, registry);
    if (tail.substr(slash) == "/diff") return DiffAnswer(req, *version, query, registry);
  } else if (rest.starts_with(kDeployments)) {
    std::string_view tail = rest.substr(kDeployments.size());
    const size_t slash = tail.find('/');
    const auto sequence = http::QueryNumber(tail.substr(0, slash));
    if (sequence && slash != std::string_view::npos && tail.substr(slash) == "/rollout")
      return RolloutAnswer(req, *sequence, registry);
  }
  return http::JsonError(req, bhttp::status::not_found, "no such endpoint");
}

Result<boost::json::object> StoreBundle(const std::string& body, const std::filesystem::path& standard_dir,
                                        BundleRegistry& registry) {
  auto object = ParseObject(body, {"files", "comment"});
  if (!object.ok()) return object.status();
  auto comment = CommentOf(*object);
  if (!comment.ok()) return comment.status();
  const auto* files_json = object->if_contains("files");
  if (!files_json || !files_json->is_array() || files_json->get_array().empty() ||
      files_json->get_array().size() > kMaxFiles) {
    return Status::InvalidArgument("files must be a list of 1 to " + std::to_string(kMaxFiles) +
                                   " {\"path\": \"NAME.yaml\", \"text\": \"...\"}");
  }
  std::vector<flows::BundleFile> files;
  std::set<std::string> paths;
  for (size_t i = 0; i < files_json->get_array().size(); ++i) {
    const auto& entry = files_json->get_array()[i];
    const auto* o = entry.if_object();
    const auto* path = o ? o->if_contains("path") : nullptr;
    const auto* text = o ? o->if_contains("text") : nullptr;
    const std::string place = "files[" + std::to_string(i) + "]";
    if (!path || !path->is_string() || !SafeFileName(path->get_string()))
      return Status::InvalidArgument(place + ".path: a file name ending in .yaml or .yml (letters, digits, . _ -)");
    if (!text || !text->is_string()) return Status::InvalidArgument(place + ".text: the file's text");
    if (o->size() != 2) return Status::InvalidArgument(place + ": only path and text");
    if (!paths.insert(std::string(path->get_string())).second)
      return Status::InvalidArgument(place + ".path: '" + std::string(path->get_string()) + "' given twice");
    files.push_back({std::string(path->get_string()), std::string(text->get_string())});
  }
  // As a folder is read: by name, then the standard flows they extend.
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  if (Status s = flows::AddStandardFlows(files, standard_dir); !s.ok()) return s;
  auto compiled = flows::FlowSet::Compile(files);
  if (!compiled.ok())
    return Status::InvalidArgument("the bundle does not compile:\n" + std::string(compiled.status().message()));
  const int64_t before = NowUnixMs();
  auto bundle = registry.AddBundle(files, *comment);
  if (!bundle.ok()) return bundle.status();
  boost::json::object out = BundleSummary(*bundle);
  out["unchanged"] = bundle->created_unix_ms() < before;
  return out;
}

Result<boost::json::object> StoreDeployment(const std::string& body, BundleRegistry& registry) {
  auto object = ParseObject(body, {"version", "selector", "comment"});
  if (!object.ok()) return object.status();
  auto comment = CommentOf(*object);
  if (!comment.ok()) return comment.status();
  const auto* version = object->if_contains("version");
  if (!version || !(version->is_uint64() || version->is_int64()) || version->to_number<int64_t>() < 1)
    return Status::InvalidArgument("version must be a bundle version (1 or above)");
  Selector selector;
  if (const auto* s = object->if_contains("selector")) {
    if (!s->is_object() || s->get_object().size() > kMaxSelectorPairs)
      return Status::InvalidArgument("selector must be an object of at most " + std::to_string(kMaxSelectorPairs) +
                                     " label: value pairs");
    for (const auto& [key, value] : s->get_object()) {
      if (!SafeLabelPart(key, 63) || !value.is_string() || !SafeLabelPart(value.get_string(), 128)) {
        return Status::InvalidArgument("selector: '" + std::string(key) +
                                       "': keys (up to 63 bytes) and values (text, up to 128 bytes) without , = or "
                                       "control characters");
      }
      selector[std::string(key)] = std::string(value.get_string());
    }
  }
  auto record = registry.AddDeployment(version->to_number<uint64_t>(), selector, *comment);
  if (!record.ok()) return record.status();
  uint64_t matching = 0;
  if (auto agents = registry.ListAgents(); agents.ok()) {
    for (const auto& agent : *agents) matching += BundleRegistry::Matches(selector, agent.labels()) ? 1 : 0;
  }
  return boost::json::object{{"sequence", record->sequence()},     {"version", record->bundle_version()},
                             {"selector", SelectorJson(selector)}, {"created", IsoTimeOrNull(record->unix_ms())},
                             {"comment", record->comment()},       {"matching_agents", matching}};
}

Result<uint64_t> FlowsFingerprint(const BundleRegistry& registry) {
  auto last = registry.LastDeploymentSequence();
  if (!last.ok()) return last.status();
  uint64_t newest_version = 0;
  uint64_t next = 0;
  auto newest = registry.BundlesBefore(0, 1, next);
  if (!newest.ok()) return newest.status();
  if (!newest->empty()) newest_version = newest->front().version();
  auto agents = registry.ListAgents();
  if (!agents.ok()) return agents.status();
  uint64_t print = *last * 1'000'003 + newest_version;
  for (const auto& agent : *agents) {
    const auto& f = agent.flows();
    for (uint64_t v : {f.deployment_sequence(), f.running_sequence(), static_cast<uint64_t>(f.applied()),
                       static_cast<uint64_t>(f.unix_ms())}) {
      print ^= v + 0x9e3779b97f4a7c15ULL + (print << 12) + (print >> 4);
    }
  }
  return print;
}

}  // namespace ferry::controlplane
