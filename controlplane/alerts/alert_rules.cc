#include "controlplane/alerts/alert_rules.h"

#include <boost/json.hpp>

#include <set>

#include "common/config/config_node.h"

namespace ferry::controlplane {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

struct KindInfo {
  AlertKind kind;
  const char* name;
  const char* description;
  std::vector<const char*> settings;  // beyond name, kind, enabled, for, repeat
  bool about_agents;
};

const std::vector<KindInfo>& Kinds() {
  static const std::vector<KindInfo> kKinds = {
      {AlertKind::kAgentOffline, "agent_offline", "An agent that was heard from is offline.", {}, true},
      {AlertKind::kAgentStale, "agent_stale", "An agent missed 3 heartbeats (stale or offline).", {}, true},
      {AlertKind::kOldestUnsent,
       "oldest_unsent",
       "An agent's oldest unsent event is older than older_than.",
       {"older_than"},
       true},
      {AlertKind::kDeadLetters,
       "dead_letters",
       "More than more_than dead letters across the fleet within window.",
       {"more_than", "window"},
       false},
      {AlertKind::kErrorRate,
       "error_rate",
       "A connector's failed attempts are above `above` (a fraction) of its attempts within window.",
       {"above", "window", "min_attempts"},
       false},
      {AlertKind::kBundleRejected, "bundle_rejected", "An agent rejected the flow bundle it was sent.", {}, true},
      {AlertKind::kCertificateExpiring,
       "certificate_expiring",
       "An agent's certificate ends within `within`.",
       {"within"},
       true},
  };
  return kKinds;
}

const KindInfo& InfoOf(AlertKind kind) {
  for (const auto& info : Kinds())
    if (info.kind == kind) return info;
  return Kinds().front();
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

// Reads one rule's settings, checking each against its bounds.
class RuleReader {
 public:
  RuleReader(const boost::json::object& object, std::string place) : object_(object), place_(std::move(place)) {}

  Status Duration(const char* key, milliseconds min, milliseconds max, milliseconds& out, bool zero_allowed = false) {
    const auto* v = object_.if_contains(key);
    if (!v) return Status::Ok();
    milliseconds parsed{};
    if (!v->is_string() || !config::ParseDuration(std::string(v->get_string()), parsed))
      return Error(key, "must be a duration such as \"90s\", \"5m\", \"1h\" or \"14d\"");
    if (!(zero_allowed && parsed.count() == 0) && (parsed < min || parsed > max)) {
      return Error(key, std::string(zero_allowed ? "must be 0 or " : "must be ") + "between " + DurationText(min) +
                            " and " + DurationText(max));
    }
    out = parsed;
    return Status::Ok();
  }

  Status Count(const char* key, uint64_t max, uint64_t& out) {
    const auto* v = object_.if_contains(key);
    if (!v) return Status::Ok();
    std::int64_t n = 0;
    if (v->is_int64()) {
      n = v->get_int64();
    } else if (v->is_uint64() && v->get_uint64() <= max) {
      n = static_cast<std::int64_t>(v->get_uint64());
    } else if (v->is_string()) {
      const std::string text(v->get_string());
      if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos)
        return Error(key, "must be a whole number");
      n = std::stoll(text);
    } else {
      return Error(key, "must be a whole number");
    }
    if (n < 0 || static_cast<uint64_t>(n) > max) return Error(key, "must be between 0 and " + std::to_string(max));
    out = static_cast<uint64_t>(n);
    return Status::Ok();
  }

  Status Fraction(const char* key, double& out) {
    const auto* v = object_.if_contains(key);
    if (!v) return Status::Ok();
    double x = 0;
    if (v->is_double()) {
      x = v->get_double();
    } else if (v->is_int64()) {
      x = static_cast<double>(v->get_int64());
    } else if (v->is_string()) {
      try {
        size_t used = 0;
        const std::string text(v->get_string());
        x = std::stod(text, &used);
        if (used != text.size()) return Error(key, "must be a number above 0 and at most 1");
      } catch (const std::exception&) {
        return Error(key, "must be a number above 0 and at most 1");
      }
    } else {
      return Error(key, "must be a number above 0 and at most 1");
    }
    if (!(x > 0 && x <= 1)) return Error(key, "must be a number above 0 and at most 1");
    out = x;
    return Status::Ok();
  }

  Status Bool(const char* key, bool& out) {
    const auto* v = object_.if_contains(key);
    if (!v) return Status::Ok();
    if (!v->is_bool()) return Error(key, "must be true or false");
    out = v->get_bool();
    return Status::Ok();
  }

  // Settings that are neither common nor of this kind are refused, so a
  // typo never silently falls back to a default.
  Status NoOthers(const KindInfo& info) {
    for (const auto& [key, value] : object_) {
      const std::string k(key);
      if (k == "name" || k == "kind" || k == "enabled" || k == "for" || k == "repeat") continue;
      bool of_kind = false;
      for (const char* s : info.settings) of_kind = of_kind || k == s;
      if (!of_kind) return Error(k.c_str(), std::string("is not a setting of kind ") + info.name);
    }
    return Status::Ok();
  }

  Status Error(const std::string& key, const std::string& reason) const {
    return Status::InvalidArgument(place_ + "." + key + ": " + reason);
  }

 private:
  const boost::json::object& object_;
  std::string place_;
};

Result<AlertRuleSpec> ParseRule(const boost::json::value& value, const std::string& place) {
  if (!value.is_object()) return Status::InvalidArgument(place + ": must be an object");
  const auto& object = value.get_object();
  RuleReader read(object, place);
  AlertRuleSpec rule;
  const auto* name = object.if_contains("name");
  if (!name || !name->is_string() || !ValidName(name->get_string()))
    return read.Error("name", "must be 1 to 64 of a-z, 0-9, '_' and '-'");
  rule.name = std::string(name->get_string());
  const auto* kind = object.if_contains("kind");
  std::optional<AlertKind> parsed_kind;
  if (kind && kind->is_string()) parsed_kind = AlertKindFromName(std::string(kind->get_string()));
  if (!parsed_kind) {
    std::string names;
    for (const auto& info : Kinds()) names += std::string(names.empty() ? "" : ", ") + info.name;
    return read.Error("kind", "must be one of " + names);
  }
  rule.kind = *parsed_kind;
  const KindInfo& info = InfoOf(rule.kind);
  if (auto s = read.NoOthers(info); !s.ok()) return s;
  if (auto s = read.Bool("enabled", rule.enabled); !s.ok()) return s;
  if (auto s = read.Duration("for", milliseconds(0), days(7), rule.hold, /*zero_allowed=*/true); !s.ok()) return s;
  if (auto s = read.Duration("repeat", minutes(1), days(30), rule.repeat, /*zero_allowed=*/true); !s.ok()) return s;
  switch (rule.kind) {
    case AlertKind::kOldestUnsent:
      if (auto s = read.Duration("older_than", minutes(1), days(30), rule.older_than); !s.ok()) return s;
      break;
    case AlertKind::kDeadLetters:
      if (auto s = read.Count("more_than", 1'000'000, rule.more_than); !s.ok()) return s;
      // The tally behind it keeps two hours.
      if (auto s = read.Duration("window", minutes(1), hours(2), rule.window); !s.ok()) return s;
      break;
    case AlertKind::kErrorRate:
      rule.window = minutes(5);
      if (auto s = read.Fraction("above", rule.above); !s.ok()) return s;
      if (auto s = read.Duration("window", minutes(1), hours(1), rule.window); !s.ok()) return s;
      if (auto s = read.Count("min_attempts", 1'000'000, rule.min_attempts); !s.ok()) return s;
      if (rule.min_attempts == 0) return read.Error("min_attempts", "must be at least 1");
      break;
    case AlertKind::kCertificateExpiring:
      if (auto s = read.Duration("within", hours(1), days(365), rule.within); !s.ok()) return s;
      break;
    default:
      break;
  }
  return rule;
}

}  // namespace

const char* AlertKindName(AlertKind kind) { return InfoOf(kind).name; }

std::optional<AlertKind> AlertKindFromName(std::string_view name) {
  for (const auto& info : Kinds())
    if (name == info.name) return info.kind;
  return std::nullopt;
}

bool IsAgentAlert(AlertKind kind) { return InfoOf(kind).about_agents; }

std::vector<AlertRuleSpec> DefaultAlertRules() {
  std::vector<AlertRuleSpec> rules;
  auto add = [&](std::string name, AlertKind kind) -> AlertRuleSpec& {
    AlertRuleSpec rule;
    rule.name = std::move(name);
    rule.kind = kind;
    return rules.emplace_back(std::move(rule));
  };
  add("agent-offline", AlertKind::kAgentOffline);
  add("backlog", AlertKind::kOldestUnsent).older_than = minutes(30);
  AlertRuleSpec& dead_letters = add("dead-letters", AlertKind::kDeadLetters);
  dead_letters.more_than = 10;
  dead_letters.window = hours(1);
  AlertRuleSpec& errors = add("delivery-errors", AlertKind::kErrorRate);
  errors.above = 0.25;
  errors.window = minutes(5);
  errors.hold = minutes(5);
  add("bundle-rejected", AlertKind::kBundleRejected);
  AlertRuleSpec& certificate = add("certificate-expiring", AlertKind::kCertificateExpiring);
  certificate.within = days(14);
  certificate.repeat = hours(24);
  return rules;
}

Result<std::vector<AlertRuleSpec>> ParseAlertRules(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(json, ec);
  if (ec) return Status::InvalidArgument("not JSON: " + ec.message());
  const auto* rules = doc.is_object() ? doc.get_object().if_contains("rules") : nullptr;
  if (!rules || !rules->is_array()) return Status::InvalidArgument("expected {\"rules\": [...]}");
  if (doc.get_object().size() != 1) return Status::InvalidArgument("expected only \"rules\"");
  const auto& array = rules->get_array();
  if (array.size() > AlertRuleSpec::kMaxRules)
    return Status::InvalidArgument("at most " + std::to_string(AlertRuleSpec::kMaxRules) + " rules");
  std::vector<AlertRuleSpec> out;
  std::set<std::string> names;
  for (size_t i = 0; i < array.size(); ++i) {
    const std::string place = "rules[" + std::to_string(i) + "]";
    auto rule = ParseRule(array[i], place);
    if (!rule.ok()) return rule.status();
    if (!names.insert(rule->name).second)
      return Status::InvalidArgument(place + ".name: \"" + rule->name + "\" is used by an earlier rule");
    out.push_back(std::move(*rule));
  }
  return out;
}

boost::json::array AlertRulesJson(const std::vector<AlertRuleSpec>& rules) {
  boost::json::array out;
  for (const auto& rule : rules) {
    boost::json::object o;
    o["name"] = rule.name;
    o["kind"] = AlertKindName(rule.kind);
    o["enabled"] = rule.enabled;
    o["for"] = DurationText(rule.hold);
    o["repeat"] = DurationText(rule.repeat);
    switch (rule.kind) {
      case AlertKind::kOldestUnsent:
        o["older_than"] = DurationText(rule.older_than);
        break;
      case AlertKind::kDeadLetters:
        o["more_than"] = rule.more_than;
        o["window"] = DurationText(rule.window);
        break;
      case AlertKind::kErrorRate:
        o["above"] = rule.above;
        o["window"] = DurationText(rule.window);
        o["min_attempts"] = rule.min_attempts;
        break;
      case AlertKind::kCertificateExpiring:
        o["within"] = DurationText(rule.within);
        break;
      default:
        break;
    }
    out.push_back(std::move(o));
  }
  return out;
}

boost::json::array AlertKindsJson() {
  boost::json::array out;
  for (const auto& info : Kinds()) {
    boost::json::array parameters = {"for", "repeat"};
    for (const char* s : info.settings) parameters.push_back(boost::json::string(s));
    out.push_back({{"kind", info.name}, {"description", info.description}, {"parameters", std::move(parameters)}});
  }
  return out;
}

std::string DurationText(milliseconds duration) {
  const int64_t ms = duration.count();
  if (ms == 0) return "0s";
  struct Unit {
    int64_t ms;
    const char* suffix;
  };
  for (const Unit unit : {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}}) {
    if (ms % unit.ms == 0) return std::to_string(ms / unit.ms) + unit.suffix;
  }
  return std::to_string(ms) + "ms";
}

}  // namespace ferry::controlplane
