#pragma once
// Configuration of the S/4HANA business event source (docs/sources.md#s4hana-business-events).
//
//   sources:
//     s4_events:
//       listen: 0.0.0.0:8301
//       path: /sap/events
//       max_body: 1MiB
//       retry_after: 30s
//       allowed_origins: [eventmesh.plant.local]   # the webhook handshake; empty: any
//       tls: {cert_file, key_file, client_ca_file}  # as sources.idoc_http
//       basic_auth: {user, password_file}
//       fetch:                                      # read each event's entity from OData
//         url: https://s4.plant.local:44300         # (the keys of sources.s4_odata's
//         client: "100"                             #  connection)
//         user: FERRY_COMM
//         password_file: /etc/ferry/s4.password
//         entities:
//           - type_prefix: sap.s4.beh.businesspartner.v1.BusinessPartner.
//             service: API_BUSINESS_PARTNER
//             entity_set: A_BusinessPartner
//             key: [BusinessPartner]                # fields of the event's data
//             key_types: [string]                   # optional: string, guid, int, int64
//             expand: [to_Customer, to_BusinessPartnerAddress]
//             deleted_when: IsMarkedForArchiving
//             lookups: [...]                        # as sources.s4_odata's

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/sources/listener.h"
#include "agent/sources/s4_odata/odata_literal.h"
#include "agent/sources/s4_odata/odata_lookup.h"
#include "agent/sources/s4_odata/s4_connection.h"
#include "agent/sources/source.h"

namespace ferry::agent {

struct EventEntity {
  std::string type_prefix;
  ODataService service;
  std::string entity_set;
  std::vector<std::string> key_fields;
  std::vector<ODataKeyType> key_types;  // one per key field
  std::vector<std::string> expand;
  std::string deleted_when;
  std::vector<ODataLookup> lookups;
};

struct S4EventsConfig : ListenerConfig {
  S4EventsConfig() {
    port = 8301;
    path = "/sap/events";
  }
  std::vector<std::string> allowed_origins;
  std::optional<S4Connection> fetch;
  std::vector<EventEntity> entities;
};

SourceFactory S4EventsSourceFactory();

}  // namespace ferry::agent
