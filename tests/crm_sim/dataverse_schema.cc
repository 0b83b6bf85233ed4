#include "tests/crm_sim/dataverse_schema.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

// Tables of Ferry's standard flow flows/standard/debmas-account-dataverse.yaml.
constexpr std::string_view kDataverseBuiltInSchema = R"({
  "accounts": {"logical_name": "account", "keys": ["accountnumber"],
               "required": ["name"], "max_length": {"name": 160}},
  "contacts": {"logical_name": "contact", "keys": ["ferry_sapcontactnumber"]}
})";

}  // namespace

bool EntitySetSpec::IsAlternateKey(const KeyValues& key) const {
  std::set<std::string> given;
  for (const auto& [name, value] : key) given.insert(name);
  if (given.size() != key.size()) return false;  // a column named twice
  return std::any_of(keys.begin(), keys.end(), [&](const std::vector<std::string>& columns) {
    return std::set<std::string>(columns.begin(), columns.end()) == given;
  });
}

DataverseSchema::DataverseSchema() {
  const Status s = Merge(json::parse(kDataverseBuiltInSchema).as_object());
  if (!s.ok()) throw std::logic_error("built-in Dataverse schema: " + s.message());
}

const EntitySetSpec* DataverseSchema::Find(std::string_view entity_set) const {
  auto it = sets_.find(entity_set);
  return it == sets_.end() ? nullptr : &it->second;
}

Status DataverseSchema::Merge(const json::object& entity_sets) {
  auto next = sets_;  // all or nothing
  for (const auto& [set, config] : entity_sets) {
    const std::string where = "entity_sets." + std::string(set);
    if (!config.is_object()) return Status::InvalidArgument(where + " must be an object");
    EntitySetSpec& spec = next[std::string(set)];
    spec.name = std::string(set);
    if (spec.logical_name.empty()) {  // accounts → account, a guess the config can correct
      spec.logical_name =
          spec.name.size() > 1 && spec.name.back() == 's' ? spec.name.substr(0, spec.name.size() - 1) : spec.name;
    }
    json::object rules;
    for (const auto& [key, value] : config.get_object()) {
      if (key == "logical_name") {
        if (!value.is_string() || value.get_string().empty()) {
          return Status::InvalidArgument(where + ".logical_name must be a name");
        }
        spec.logical_name = std::string(value.get_string());
      } else if (key == "keys") {
        if (!value.is_array()) return Status::InvalidArgument(where + ".keys must be an array of keys");
        for (const auto& k : value.get_array()) {
          std::vector<std::string> columns;
          if (k.is_string()) columns.emplace_back(k.get_string());
          for (const auto& c : k.is_array() ? k.get_array() : json::array{}) {
            if (c.is_string()) columns.emplace_back(c.get_string());
          }
          if (columns.empty() || (k.is_array() && columns.size() != k.get_array().size())) {
            return Status::InvalidArgument(where + ".keys: a key is a column name or an array of column names");
          }
          for (const auto& c : columns) spec.rules.AllowField(c);
          spec.keys.push_back(std::move(columns));
        }
      } else {
        rules[key] = value;
      }
    }
    if (Status s = spec.rules.Merge(rules); !s.ok()) return Status::InvalidArgument(where + ": " + s.message());
  }
  sets_ = std::move(next);
  return Status::Ok();
}

}  // namespace ferry::crm_sim
