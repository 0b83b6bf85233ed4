#include "tests/crm_sim/dataverse_schema.h"

#include <algorithm>
#include <array>
#include <set>
#include <stdexcept>

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

// Tables of Ferry's standard flows: accounts and contacts up
// (flows/standard/debmas-account-dataverse.yaml), sales orders down. The
// "fields" are columns a $select may name before any row holds them (the
// real tables have many more; a column some row was written with counts too).
constexpr std::string_view kDataverseBuiltInSchema = R"({
  "accounts": {"logical_name": "account", "keys": ["accountnumber"],
               "required": ["name"], "max_length": {"name": 160}},
  "contacts": {"logical_name": "contact", "keys": ["ferry_sapcontactnumber"],
               "lookups": {"parentcustomerid_account": {"column": "parentcustomerid", "entity_set": "accounts"}}},
  "uoms": {"logical_name": "uom", "fields": ["name", "quantity"]},
  "transactioncurrencies": {"logical_name": "transactioncurrency",
                            "fields": ["isocurrencycode", "currencyname", "currencysymbol", "exchangerate"]},
  "products": {"logical_name": "product", "keys": ["productnumber"],
               "fields": ["name", "description", "price", "quantitydecimal", "statecode", "statuscode"],
               "lookups": {"defaultuomid": {"column": "defaultuomid", "entity_set": "uoms"}}},
  "salesorders": {"logical_name": "salesorder",
                  "fields": ["name", "ordernumber", "description", "statecode", "statuscode", "totalamount",
                             "requestdeliveryby", "ferry_sapordernumber", "ferry_sapordermessage"],
                  "lookups": {"customerid_account": {"column": "customerid", "entity_set": "accounts"},
                              "customerid_contact": {"column": "customerid", "entity_set": "contacts"},
                              "transactioncurrencyid": {"column": "transactioncurrencyid",
                                                        "entity_set": "transactioncurrencies"}},
                  "collections": {"order_details": {"entity_set": "salesorderdetails", "column": "salesorderid"}}},
  "salesorderdetails": {"logical_name": "salesorderdetail",
                        "fields": ["quantity", "priceperunit", "extendedamount", "lineitemnumber",
                                   "productdescription", "isproductoverridden"],
                        "lookups": {"salesorderid": {"column": "salesorderid", "entity_set": "salesorders"},
                                    "productid": {"column": "productid", "entity_set": "products"},
                                    "uomid": {"column": "uomid", "entity_set": "uoms"}}}
})";

// Navigation property and column names become JSON keys and parts of
// "_<column>_value": letters, digits and underscores only.
bool IsSchemaName(std::string_view name) {
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// {"nav": {"column": "…", "entity_set": "…"}, …} → (nav, column, entity set).
Result<std::vector<std::array<std::string, 3>>> NavigationEntries(const json::value& value, const std::string& where) {
  if (!value.is_object()) return Status::InvalidArgument(where + " must be an object of navigation properties");
  std::vector<std::array<std::string, 3>> out;
  for (const auto& [nav, target] : value.get_object()) {
    const std::string at = where + "." + std::string(nav);
    const json::object* fields = target.if_object();
    const json::value* column = fields ? fields->if_contains("column") : nullptr;
    const json::value* set = fields ? fields->if_contains("entity_set") : nullptr;
    if (!IsSchemaName(nav) || !column || !set || fields->size() != 2 || !column->is_string() || !set->is_string() ||
        !IsSchemaName(column->get_string()) || set->get_string().empty()) {
      return Status::InvalidArgument(at +
                                     " must be {\"column\": \"<column>\", \"entity_set\": \"<set>\"} under a name of "
                                     "letters, digits and underscores");
    }
    out.push_back({std::string(nav), std::string(column->get_string()), std::string(set->get_string())});
  }
  return out;
}

}  // namespace

bool EntitySetSpec::IsAlternateKey(const KeyValues& key) const {
  std::set<std::string> given;
  for (const auto& [name, value] : key) given.insert(name);
  if (given.size() != key.size()) return false;  // a column named twice
  return std::any_of(keys.begin(), keys.end(), [&](const std::vector<std::string>& columns) {
    return std::set<std::string>(columns.begin(), columns.end()) == given;
  });
}

const LookupNavigation* EntitySetSpec::Lookup(std::string_view name) const {
  auto it = lookups.find(name);
  return it == lookups.end() ? nullptr : &it->second;
}

const CollectionNavigation* EntitySetSpec::Collection(std::string_view name) const {
  auto it = collections.find(name);
  return it == collections.end() ? nullptr : &it->second;
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
      } else if (key == "lookups") {
        auto entries = NavigationEntries(value, where + ".lookups");
        if (!entries.ok()) return entries.status();
        for (auto& [nav, column, target] : *entries) {
          LookupNavigation& lookup = spec.lookups[nav];
          lookup = {std::move(column), std::move(target)};
          spec.rules.AllowField(lookup.ValueField());  // what a bind stores, allowed on a strict set too
        }
      } else if (key == "collections") {
        auto entries = NavigationEntries(value, where + ".collections");
        if (!entries.ok()) return entries.status();
        for (auto& [nav, column, source] : *entries) spec.collections[nav] = {std::move(source), std::move(column)};
      } else {
        rules[key] = value;
      }
    }
    if (Status s = spec.rules.Merge(rules); !s.ok()) return Status::InvalidArgument(where + ": " + s.message());
  }
  // Checked once all are merged, so one config may declare a set and a
  // navigation property into it in either order.
  for (const auto& [set, spec] : next) {
    for (const auto& [nav, lookup] : spec.lookups) {
      if (!next.count(lookup.entity_set)) {
        return Status::InvalidArgument("entity_sets." + set + ".lookups." + nav + ": no entity set " +
                                       lookup.entity_set);
      }
    }
    for (const auto& [nav, collection] : spec.collections) {
      if (!next.count(collection.entity_set)) {
        return Status::InvalidArgument("entity_sets." + set + ".collections." + nav + ": no entity set " +
                                       collection.entity_set);
      }
    }
  }
  sets_ = std::move(next);
  return Status::Ok();
}

}  // namespace ferry::crm_sim
