#include "tests/crm_sim/salesforce_schema.h"

#include <boost/json.hpp>

#include <stdexcept>

#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

// Objects of Ferry's standard flows (flows/standard/*-salesforce.yaml).
constexpr std::string_view kSalesforceBuiltInSchema = R"({
  "Account": {"key_prefix": "001", "external_ids": ["SAP_Customer_Number__c"],
    "required": ["Name"], "max_length": {"Name": 255},
    "picklists": {"BillingCountryCode": "iso3166-alpha2", "ShippingCountryCode": "iso3166-alpha2"},
    "labels": {"Name": "Account Name", "BillingCountryCode": "Billing Country Code",
               "ShippingCountryCode": "Shipping Country Code"},
    "relationships": {"Parent": {"object": "Account", "field": "ParentId"}},
    "child_relationships": {"Contacts": {"object": "Contact", "field": "AccountId"},
                            "Opportunities": {"object": "Opportunity", "field": "AccountId"}}},
  "Contact": {"key_prefix": "003", "external_ids": ["SAP_Contact_Number__c"],
    "required": ["LastName"], "max_length": {"LastName": 80, "FirstName": 40},
    "picklists": {"MailingCountryCode": "iso3166-alpha2"},
    "labels": {"LastName": "Last Name", "MailingCountryCode": "Mailing Country Code"},
    "relationships": {"Account": {"object": "Account", "field": "AccountId"}}},
  "Product2": {"key_prefix": "01t", "external_ids": ["SAP_Material_Number__c"],
    "required": ["Name"], "max_length": {"Name": 255}, "labels": {"Name": "Product Name"}},
  "SAP_Product_Sales_Area__c": {"external_ids": ["SAP_Sales_Area_Key__c"],
    "relationships": {"Product__r": {"object": "Product2", "field": "Product__c"}}},
  "SAP_Invoice__c": {"external_ids": ["SAP_Invoice_Number__c"],
    "relationships": {"Account__r": {"object": "Account", "field": "Account__c"}}},
  "SAP_Price__c": {"external_ids": ["SAP_Condition_Key__c"]},
  "Opportunity": {"key_prefix": "006", "max_length": {"SAP_Sales_Order__c": 10, "SAP_Order_Message__c": 255},
    "relationships": {"Account": {"object": "Account", "field": "AccountId"}},
    "child_relationships": {"OpportunityLineItems": {"object": "OpportunityLineItem", "field": "OpportunityId"}}},
  "OpportunityLineItem": {"key_prefix": "00k",
    "relationships": {"Opportunity": {"object": "Opportunity", "field": "OpportunityId"},
                      "Product2": {"object": "Product2", "field": "Product2Id"}}},
  "SAP_Price_Scale__c": {"external_ids": ["SAP_Scale_Key__c"],
    "relationships": {"Price__r": {"object": "SAP_Price__c", "field": "Price__c"}}}
})";

}  // namespace

SalesforceSchema::SalesforceSchema() {
  const Status s = Merge(json::parse(kSalesforceBuiltInSchema).as_object());
  if (!s.ok()) throw std::logic_error("built-in Salesforce schema: " + s.message());
}

const SObjectSpec* SalesforceSchema::Find(std::string_view object) const {
  auto it = objects_.find(Lower(object));
  return it == objects_.end() ? nullptr : &it->second;
}

SObjectSpec& SalesforceSchema::Declare(std::string_view object) {
  SObjectSpec& spec = objects_[Lower(object)];
  if (spec.name.empty()) spec.name = std::string(object);
  return spec;
}

Status SalesforceSchema::Merge(const json::object& objects) {
  auto next = *this;  // all or nothing
  for (const auto& [object, config] : objects) {
    if (!config.is_object()) return Status::InvalidArgument("objects." + std::string(object) + " must be an object");
    SObjectSpec& spec = next.Declare(object);
    json::object rules;
    for (const auto& [key, value] : config.get_object()) {
      const std::string where = "objects." + std::string(object) + "." + std::string(key);
      if (key == "external_ids") {
        if (!value.is_array()) return Status::InvalidArgument(where + " must be an array of field names");
        for (const auto& f : value.get_array()) {
          if (!f.is_string()) return Status::InvalidArgument(where + " must be an array of field names");
          spec.external_ids.emplace_back(f.get_string());
          spec.rules.AllowField(std::string(f.get_string()));
        }
      } else if (key == "relationships") {
        if (!value.is_object()) return Status::InvalidArgument(where + " must be an object");
        for (const auto& [rel, target] : value.get_object()) {
          const auto* parent = target.is_object() ? target.get_object().if_contains("object") : nullptr;
          const auto* field = target.is_object() ? target.get_object().if_contains("field") : nullptr;
          if (!parent || !parent->is_string() || !field || !field->is_string()) {
            return Status::InvalidArgument(where + "." + std::string(rel) + " needs \"object\" and \"field\"");
          }
          spec.relationships[Lower(rel)] = {std::string(parent->get_string()), std::string(field->get_string())};
          spec.rules.AllowField(std::string(rel));
          spec.rules.AllowField(std::string(field->get_string()));
        }
      } else if (key == "child_relationships") {
        if (!value.is_object()) return Status::InvalidArgument(where + " must be an object");
        for (const auto& [rel, target] : value.get_object()) {
          const auto* child = target.is_object() ? target.get_object().if_contains("object") : nullptr;
          const auto* field = target.is_object() ? target.get_object().if_contains("field") : nullptr;
          if (!child || !child->is_string() || !field || !field->is_string()) {
            return Status::InvalidArgument(where + "." + std::string(rel) + " needs \"object\" and \"field\"");
          }
          spec.child_relationships[Lower(rel)] = {std::string(rel), std::string(child->get_string()),
                                                  std::string(field->get_string())};
        }
      } else if (key == "key_prefix") {
        if (!value.is_string() || value.get_string().size() != 3) {
          return Status::InvalidArgument(where + " must be three characters");
        }
        spec.key_prefix = std::string(value.get_string());
      } else {
        rules[key] = value;
      }
    }
    if (Status s = spec.rules.Merge(rules); !s.ok()) {
      return Status::InvalidArgument("objects." + std::string(object) + ": " + s.message());
    }
  }
  *this = std::move(next);
  return Status::Ok();
}

bool SalesforceSchema::IsExternalId(std::string_view object, std::string_view field) const {
  if (IEquals(field, "Id")) return true;  // an upsert by Id updates the record with that Id
  const SObjectSpec* spec = Find(object);
  if (!spec || spec->external_ids.empty()) return true;
  for (const auto& f : spec->external_ids) {
    if (IEquals(f, field)) return true;
  }
  return false;
}

SfRelationship SalesforceSchema::Relationship(std::string_view object, std::string_view name,
                                              const json::object& nested) const {
  SfRelationship rel;
  if (const SObjectSpec* spec = Find(object)) {
    if (auto it = spec->relationships.find(Lower(name)); it != spec->relationships.end()) rel = it->second;
  }
  const bool custom = name.size() > 3 && IEquals(name.substr(name.size() - 3), "__r");
  if (rel.id_field.empty()) {
    rel.id_field = custom ? std::string(name.substr(0, name.size() - 3)) + "__c" : std::string(name) + "Id";
  }
  if (const auto* attributes = nested.if_contains("attributes"); attributes && attributes->is_object()) {
    if (const auto* type = attributes->get_object().if_contains("type"); type && type->is_string()) {
      rel.parent_object = std::string(type->get_string());  // polymorphic lookups name their type
    }
  }
  if (rel.parent_object.empty() && !custom) rel.parent_object = std::string(name);  // Account → Account
  if (rel.parent_object.empty()) {
    // An undeclared custom lookup: the one object whose external id the
    // nested value names, when there is exactly one.
    for (const auto& [key, value] : nested) {
      if (key == "attributes") continue;
      int owners = 0;
      for (const auto& [lower, spec] : objects_) {
        for (const auto& f : spec.external_ids) {
          if (IEquals(f, key)) ++owners, rel.parent_object = spec.name;
        }
      }
      if (owners != 1) rel.parent_object.clear();
    }
  }
  return rel;
}

const SfChildRelationship* SalesforceSchema::ChildRelationship(std::string_view object, std::string_view name) const {
  const SObjectSpec* spec = Find(object);
  if (!spec) return nullptr;
  auto it = spec->child_relationships.find(Lower(name));
  return it == spec->child_relationships.end() ? nullptr : &it->second;
}

std::string SalesforceSchema::KeyPrefix(std::string_view object) {
  if (const SObjectSpec* spec = Find(object); spec && !spec->key_prefix.empty()) return spec->key_prefix;
  const std::string key = Lower(object);
  auto it = prefixes_.find(key);
  if (it != prefixes_.end()) return it->second;
  // Custom objects get a0A, a0B, …, as an org hands them out.
  static constexpr std::string_view kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const size_t n = prefixes_.size();
  const std::string prefix = {'a', "0123456789"[(n / kChars.size()) % 10], kChars[n % kChars.size()]};
  return prefixes_[key] = prefix;
}

}  // namespace ferry::crm_sim
