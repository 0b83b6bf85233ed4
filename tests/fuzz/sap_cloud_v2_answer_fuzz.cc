// Fuzz target: SAP Sales/Service Cloud V2 answers as the control plane
// takes them (controlplane/connectors/sap_sales_cloud/sap_sales_cloud_query.h):
// a listing of changes, and a record completed by a looked-up entity. Both
// come from the tenant the connector logs on to.
//
// The input is the record, a 0 byte, then the entity (or only a listing).
// Beyond "no crash": a listing taken names only entity ids; a record
// completed from two well-formed objects is itself well-formed JSON, and
// keeps every member it had.

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/doc/json_slice.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_query.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_wire.h"

namespace {

bool IsObject(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  return !ec && v.is_object();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace v2 = ferry::controlplane::sap_sales_cloud;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto listed = v2::ChangedRecords(input)) {
    for (const auto& r : *listed) {
      if (!v2::IsEntityId(r.record_id)) std::abort();
    }
  }
  const size_t zero = input.find('\0');
  const std::string_view record = input.substr(0, zero);
  const std::string_view entity = zero == std::string_view::npos ? std::string_view() : input.substr(zero + 1);
  (void)v2::PatchChangesNothing(std::string(record), std::string(entity));
  if (!IsObject(record)) return 0;
  (void)v2::TextAt(record, {"account", "partyId"});
  if (!IsObject(entity)) return 0;
  for (const auto& parent : {std::vector<std::string>{}, std::vector<std::string>{"account"}}) {
    const auto completed = v2::CompletedAt(record, parent, entity);
    if (!completed) continue;
    if (!IsObject(*completed)) std::abort();
    const auto before = ferry::doc::MembersOf(record);
    const auto after = ferry::doc::MembersOf(*completed);
    if (!before || !after || after->size() < before->size()) std::abort();
  }
  return 0;
}
