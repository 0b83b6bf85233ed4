#pragma once
// InboundChannel: one way a CRM announces a record that must go down to
// SAP (a signed webhook, Salesforce's Outbound Messages, a Dataverse
// service endpoint ...). A channel authenticates the request, reads the
// records it announces, and says what to answer once they are committed.
// The inbound listener (InboundService) does the rest: it commits every
// record as a DownCommand before it answers, so a CRM that gets its
// success answer has handed the record over for good.
//
// Channels are plug-ins: one factory per kind, listed once in
// inbound_channels.cc; `inbound.channels[].kind` picks one.

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config_node.h"
#include "common/http/http_server.h"
#include "common/status.h"

namespace ferry::controlplane {

// One CRM record a notification announced.
struct InboundRecord {
  std::string object;       // e.g. "Opportunity"
  std::string record_id;    // the CRM's id for it
  std::string record_json;  // the record, a JSON object
  // The sender's id for this record's notification, when it gives one per
  // record (Salesforce numbers each Notification of a message): sent again
  // under the same id, it is committed once.
  std::string delivery_id;
};

struct InboundNotification {
  std::vector<InboundRecord> records;
  // The sender's id for this notification, when it gives one: a
  // notification sent again under the same id is committed once.
  std::string delivery_id;
  // The records carry only some of their fields: the control plane reads
  // each whole through the CRM's API (ReadQuery) before it goes down.
  bool read_first = false;
};

// The header in which the listener hands a channel the SHA-256 fingerprint
// of the client certificate a request came with (empty: none); what a
// client sends under that name is dropped first.
inline constexpr std::string_view kClientCertificateHeader = "Ferry-Client-Certificate-Sha256";

// What a channel that polls its CRM (modified_since_poll) asks for.
struct PollObject {
  std::string object;  // e.g. "salesQuotes"
  std::string filter;  // the CRM's own condition; empty: every change
  std::string read;    // the read query its records are read whole with
};
struct PollSettings {
  std::chrono::milliseconds interval{60000};
  std::chrono::milliseconds lookback{5 * 60000};
  std::optional<int64_t> start_unix_ms;  // unset: the first pass lists from its own time
  size_t page_size = 100;
  std::vector<PollObject> objects;
};

class InboundChannel {
 public:
  virtual ~InboundChannel() = default;
  // Unauthenticated (answered 401) when the request does not prove it
  // comes from the CRM; InvalidArgument (400, with the reason) when it
  // does not parse. Runs on the event loop: no blocking I/O except reading
  // the channel's secret file.
  virtual Result<InboundNotification> Read(const http::Request& req, int64_t now_unix_ms) const = 0;
  // The answer once every record is committed; `command_ids` in record order.
  virtual http::Response Accepted(const http::Request& req, const std::vector<std::string>& command_ids) const = 0;
  // Whether its records are read whole before they go down (ReadQuery).
  virtual bool reads_records() const { return false; }
  // For channels whose records are read first: the query the CRM's
  // connector reads a record of `object` with; empty: none.
  virtual std::string ReadQuery(std::string_view object) const {
    (void)object;
    return "";
  }
  // Whether it pins the client certificate of the requests it takes: the
  // listener then asks clients for one, and gives each request its
  // fingerprint in kClientCertificateHeader.
  virtual bool wants_client_certificate() const { return false; }
  // For a channel that polls its CRM instead of taking requests: what it
  // polls (ChangePoller). The listener answers 404 to requests for it.
  virtual const PollSettings* poll() const { return nullptr; }
};

// What every channel's configuration has, besides its kind's own keys.
struct InboundChannelOptions {
  std::string name;  // its URL: /inbound/v1/<name>
  std::string kind;
  std::string crm;  // e.g. "salesforce": down flows match it as idoc_type
  // The labels of the agents that serve the SAP system these records go
  // to; the command goes to the first such agent (by id) that is online.
  std::map<std::string, std::string> agents;
};

struct InboundChannelFactory {
  std::string kind;
  // Reads the kind's own keys from the channel's section (reporting
  // mistakes on it) and makes the channel.
  std::function<std::shared_ptr<const InboundChannel>(config::ConfigNode& node, const InboundChannelOptions&)> make;
};

// Every kind (inbound_channels.cc).
const std::vector<InboundChannelFactory>& InboundChannelFactories();

}  // namespace ferry::controlplane
