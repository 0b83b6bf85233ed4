// Fuzz target: ParseODataPage, the trust boundary for every answer the
// S/4HANA OData poller reads (whoever answers at the configured S/4 URL, or
// sits between, controls these bytes).
//
// Beyond "no crash": every entity it returns has a non-empty key and a
// payload that is JSON again (it becomes the flows' document). The same
// bytes as a lookup's answer (ParseODataAnswer): each of its fields filled
// into a lookup's read never changes the request's shape (no quote,
// ampersand, space or '#' of its own).

#include <boost/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/sources/s4_odata/lookup_template.h"
#include "agent/sources/s4_odata/odata_page.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  ferry::agent::ODataEntityShape v2;
  v2.key_fields = {"BusinessPartner"};
  v2.changed_date = "LastChangeDate";
  v2.changed_time = "LastChangeTime";
  v2.deleted_when = "IsMarkedForArchiving";
  ferry::agent::ODataEntityShape v4;
  v4.key_fields = {"Product", "Plant"};
  v4.changed_at = "LastChangeDateTime";
  v4.v4 = true;
  ferry::agent::ODataEntityShape v4_dated;  // Edm.Date and Edm.TimeOfDay
  v4_dated.key_fields = {"SalesOrder"};
  v4_dated.changed_date = "LastChangeDate";
  v4_dated.changed_time = "LastChangeTime";
  v4_dated.v4 = true;
  for (const auto& shape : {v2, v4, v4_dated}) {
    auto page = ferry::agent::ParseODataPage(body, shape);
    if (!page.ok()) continue;
    for (const auto& e : page->entities) {
      if (e.key.empty()) __builtin_trap();
      boost::system::error_code ec;
      (void)boost::json::parse(e.payload, ec);
      if (ec) __builtin_trap();
      (void)ferry::agent::IsoUtc(e.changed_ms);
    }
  }
  auto answer = ferry::agent::ParseODataAnswer(body);
  if (answer.ok() && answer->value.is_object()) {
    const std::string read = "A_BusinessPartnerContact?$filter=BusinessPartnerPerson eq '{BusinessPartner}'&$top=5";
    auto path = ferry::agent::LookupPath(read, answer->value.get_object());
    if (path) {
      auto count = [&](char c) { return std::count(path->begin(), path->end(), c); };
      if (count('\'') != 2 || count('&') != 1 || count(' ') != 0 || count('#') != 0) __builtin_trap();
    }
  }
  return 0;
}
