#include "tests/crm_sim/marketing_cloud_schema.h"

#include <stdexcept>

#include "common/util/ids.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace {

// Data extensions of Ferry's standard flows, with the columns their headers
// document. ContactKey is required where the row enters a journey: a row
// without it would start none.
constexpr std::string_view kMarketingCloudBuiltInSchema = R"({
  "SAP_Customer_Credit_Status": {"primary_key": ["CustomerNumber"], "strict": true,
    "fields": ["Blocked", "PostingBlock", "DeletionFlag", "ExcludeFromCampaigns", "OrderBlockCode",
               "OrderBlockReason", "DeliveryBlockCode", "DeliveryBlockReason", "BillingBlockCode",
               "BillingBlockReason", "ChangedAt"]},
  "SAP_Order_Events": {"primary_key": ["EventKey"], "strict": true, "required": ["ContactKey"],
    "fields": ["EventType", "OrderNumber", "CustomerPO", "SoldTo", "ShipTo", "ShipToCity", "Currency",
               "IdocNumber", "NetValue", "ItemCount", "OrderDate", "RequestedDeliveryDate",
               "ConfirmedDeliveryDate", "EventTime"]},
  "SAP_Shipment_Events": {"primary_key": ["DeliveryNumber"], "strict": true, "required": ["ContactKey"],
    "fields": ["EventType", "ShipTo", "ShipToName", "ShipToCity", "ShipToCountry", "PurchaseOrder",
               "WeightUnit", "Incoterms", "TrackingNumber", "IdocNumber", "ItemCount", "PackageCount",
               "TotalQuantity", "GrossWeight", "GoodsIssueDate", "DeliveryDate", "EventTime"]}
})";

}  // namespace

MarketingCloudSchema::MarketingCloudSchema() {
  const Status s = Merge(boost::json::parse(kMarketingCloudBuiltInSchema).as_object());
  if (!s.ok()) throw std::logic_error("built-in Marketing Cloud schema: " + s.message());
}

const DataExtensionSpec* MarketingCloudSchema::Find(std::string_view key) const {
  auto it = extensions_.find(Lower(key));
  return it == extensions_.end() ? nullptr : &it->second;
}

Status MarketingCloudSchema::Merge(const boost::json::object& data_extensions) {
  auto next = extensions_;  // all or nothing
  for (const auto& [key, config] : data_extensions) {
    const std::string where = "data_extensions." + std::string(key);
    if (!config.is_object()) return Status::InvalidArgument(where + " must be an object");
    DataExtensionSpec& spec = next[Lower(key)];
    if (spec.key.empty()) spec.key = std::string(key), spec.id = NewEventId();
    boost::json::object rules;
    for (const auto& [name, value] : config.get_object()) {
      if (name != "primary_key") {
        rules[name] = value;
        continue;
      }
      if (!value.is_array() || value.get_array().empty()) {
        return Status::InvalidArgument(where + ".primary_key must be a non-empty array of column names");
      }
      spec.primary_key.clear();
      for (const auto& column : value.get_array()) {
        if (!column.is_string() || column.get_string().empty()) {
          return Status::InvalidArgument(where + ".primary_key must be a non-empty array of column names");
        }
        spec.primary_key.emplace_back(column.get_string());
        spec.rules.AllowField(std::string(column.get_string()));
      }
    }
    if (spec.primary_key.empty()) return Status::InvalidArgument(where + " needs primary_key");
    if (Status s = spec.rules.Merge(rules); !s.ok()) return Status::InvalidArgument(where + ": " + s.message());
  }
  extensions_ = std::move(next);
  return Status::Ok();
}

}  // namespace ferry::crm_sim
