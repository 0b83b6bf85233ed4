#pragma once
// Configuration of the S/4HANA OData poller (docs/sources.md#s4hana-odata).
//
//   sources:
//     s4_odata:
//       url: https://s4.plant.local:44300     # the S/4 host (scheme, host, port)
//       client: "100"                         # sap-client
//       user: FERRY_COMM                      # the communication user (Basic), or
//       password_file: /etc/ferry/s4.password
//       tls:
//         ca_file: /etc/ferry/s4-ca.pem       # empty: the system's trust store
//         cert_file: /etc/ferry/s4-client.pem # X.509 logon instead of a password
//         key_file: /etc/ferry/s4-client.key
//       https_proxy: http://proxy:3128        # optional, with
//       https_proxy_password_file: ...        #   Basic credentials
//       interval: 60s                         # between polls of an entity set
//       page_size: 1000                       # $top of each request
//       timeout: 60s                          # per request
//       overlap: 10m                          # re-read window behind the watermark
//       start: 2024-01-01T00:00:00Z           # first poll: changes since (default: all)
//       entities:
//         - name: business_partner            # the checkpoint's name; unique
//           service: API_BUSINESS_PARTNER     # with odata_version and
//                                             #   service_path for V4
//           entity_set: A_BusinessPartner
//           key: [BusinessPartner]
//           key_types: [string]               # optional: string, guid, int, int64
//           changed_date: LastChangeDate      # Edm.DateTime (a date), with
//           changed_time: LastChangeTime      #   Edm.Time (optional); or
//           # changed_at: LastChangeDateTime  # Edm.DateTimeOffset
//           expand: [to_Customer, to_BusinessPartnerAddress]
//           deleted_when: IsMarkedForArchiving
//           filter: BusinessPartnerCategory eq '2'   # optional, ANDed
//           lookups:                            # reads $expand cannot make
//             - at: to_BusinessPartnerContact   #   (odata_lookup.h)
//               read: A_BusinessPartner('{BusinessPartnerPerson}')
//               as: to_Person
//           # delta: true    # a service with delta links (__delta,
//           #                # @odata.deltaLink): followed instead of a
//           #                # change time, which is then optional

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/sources/s4_odata/odata_lookup.h"
#include "agent/sources/s4_odata/odata_page.h"
#include "agent/sources/s4_odata/s4_connection.h"
#include "agent/sources/source.h"
#include "common/transport/https_proxy.h"

namespace ferry::agent {

struct ODataEntitySet {
  std::string name;
  ODataService service;
  std::string entity_set;
  ODataEntityShape shape;
  std::vector<std::string> expand;
  std::string filter;
  std::vector<ODataLookup> lookups;
  bool delta = false;  // follow the service's delta links instead of a change time
};

struct S4ODataConfig {
  S4Connection connection;
  std::chrono::milliseconds interval{60000};
  size_t page_size = 1000;
  std::chrono::milliseconds overlap{600000};
  std::optional<int64_t> start_ms;  // none: everything on the first poll
  std::vector<ODataEntitySet> entities;
};

SourceFactory S4ODataSourceFactory();

}  // namespace ferry::agent
