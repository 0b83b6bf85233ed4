// Fuzz target: ReadCloudEvent, the trust boundary of the business event
// listener (anyone who reaches it controls the body and the ce-* headers),
// and ReadSapCloudEvent, what the control plane's SAP Cloud V2 events
// channel reads from the same kind of request.
// The first byte picks the content type; the input after it is the body,
// and its first lines (until a blank one) in binary mode the headers.
//
// Beyond "no crash": an event it accepts has its required attributes and
// data that is a JSON object; a V2 event it accepts names a V2 id and a
// delivery id of fixed shape.

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/http/cloud_event.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_query.h"
#include "controlplane/down/sap_cloud_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kTypes[] = {"application/cloudevents+json", "application/json",
                                       "application/cloudevents-batch+json", "text/plain; charset=utf-8"};
  const std::string_view content_type = kTypes[data[0] % 4];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::map<std::string, std::string, std::less<>> headers;
  if (data[0] % 4 == 1) {
    const size_t end = rest.find("\n\n");
    std::string_view head = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    while (!head.empty()) {
      const size_t nl = head.find('\n');
      const std::string_view line = head.substr(0, nl);
      const size_t colon = line.find(':');
      if (colon != std::string_view::npos) headers[std::string(line.substr(0, colon))] = line.substr(colon + 1);
      head = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
    }
  }
  const ferry::http::HeaderLookup lookup = [&headers](std::string_view name) {
    auto it = headers.find(name);
    return it == headers.end() ? std::string_view() : std::string_view(it->second);
  };
  auto v2 = ferry::controlplane::ReadSapCloudEvent(content_type, lookup, rest);
  if (v2.ok()) {
    if (!ferry::controlplane::sap_sales_cloud::IsEntityId(v2->entity_id) || v2->type.empty() ||
        v2->delivery_id.size() != 67 || v2->delivery_id.rfind("v2:", 0) != 0) {
      __builtin_trap();
    }
  }
  auto event = ferry::http::ReadCloudEvent(content_type, lookup, rest);
  if (!event.ok()) return 0;
  if (event->id.empty() || event->source.empty() || event->type.empty() || event->specversion != "1.0") {
    __builtin_trap();
  }
  boost::system::error_code ec;
  auto parsed = boost::json::parse(event->data, ec);
  if (ec || !parsed.is_object()) __builtin_trap();
  (void)ferry::http::DataFields(*event, {"BusinessPartner", "AddressID"});
  return 0;
}
