#include "tests/crm_sim/vendor_sim.h"

namespace ferry::crm_sim {

Result<boost::json::value> VendorSim::Seed(const boost::json::object& request) {
  const auto* object = request.if_contains("object");
  if (!object || !object->is_string() || object->get_string().empty()) {
    return Status::InvalidArgument("seed needs \"object\": the SObject or entity set");
  }
  boost::json::array records;
  if (const auto* fields = request.if_contains("fields"); fields && fields->is_object()) {
    records.push_back(*fields);
  } else if (const auto* list = request.if_contains("records"); list && list->is_array()) {
    records = list->get_array();
  } else {
    return Status::InvalidArgument("seed needs \"fields\" (an object) or \"records\" (an array of objects)");
  }
  for (const auto& r : records) {
    if (!r.is_object()) return Status::InvalidArgument("each seeded record must be an object of fields");
  }
  const std::string_view name = object->get_string();
  boost::json::array ids;
  for (const auto& r : records) {
    std::string id;
    if (const auto* given = request.if_contains("id"); given && given->is_string() && records.size() == 1) {
      id = std::string(given->get_string());
    } else {
      id = NewRecordId(name);
    }
    const bool existed = store_.Get(name, id) != nullptr;
    const std::string stored = store_.Create(name, id, r.get_object(), "seed").id;
    Seeded(name, stored, existed);
    ids.push_back(boost::json::string(stored));
  }
  return boost::json::value(boost::json::object{{"ids", std::move(ids)}});
}

Status VendorSim::Remove(const boost::json::object& request) {
  const auto* object = request.if_contains("object");
  const auto* id = request.if_contains("id");
  if (!object || !object->is_string() || !id || !id->is_string()) {
    return Status::InvalidArgument("delete needs \"object\" and \"id\"");
  }
  if (!store_.Delete(object->get_string(), id->get_string())) return Status::NotFound("no such record");
  Removed(object->get_string(), std::string(id->get_string()));
  return Status::Ok();
}

boost::json::object VendorSim::Stats() const {
  boost::json::object stats = state_.Stats();
  stats["records_written"] = store_.writes();
  stats["records_deleted"] = store_.deletes();
  stats["records"] = store_.Counts();
  AddStats(stats);
  return stats;
}

void VendorSim::Reset() {
  state_ = defaults_;
  store_.Clear();
  ResetVendor();
}

}  // namespace ferry::crm_sim
