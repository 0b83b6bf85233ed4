#pragma once
// The idoc_xml SAP target: posts what a down flow made as an IDoc to SAP's
// IDoc-XML inbound (ECC's, or S/4's, /sap/bc/idoc_xml; docs/protocols.md
// §A.1, §D.2), where the partner profile's process code (ORDE for
// ORDERS) posts it. idoc_of_record.h builds the IDoc.
//
//   down:
//     idoc_xml:                         # target.connector: idoc_xml
//       url: https://ecc.plant.local:44300
//       path: /sap/bc/idoc_xml          # the ICF service (default)
//       client: "100"
//       user: FERRY_ALE                 # Basic logon, or tls.cert_file/key_file
//       password_file: /etc/ferry/ecc.password
//       timeout: 60s
//
// What SAP answers, as a SapAnswer: 200 (the IDoc is stored; SAP posts it
// on its own and gives no document number here): created, without a
// number. 400, 413, 415: refused with SAP's answer. 401, 403, 404 (logon,
// authorisation, the service not active): retried after 15 minutes, so
// failed logons do not lock the user. 429 (Retry-After), 5xx, no answer:
// retried. A record that makes no IDoc is refused with the reason.
//
// Not idempotent, as SAP's inbound offers no look-up: an answer lost after
// SAP stored the IDoc (a timeout, a crash before the agent recorded it)
// posts it again, and SAP has it twice. Both carry the CRM record's id in
// EDI_DC40-ARCKEY, and the flow's own reference (ORDERS: E1EDK02 BELNR, the
// customer's purchase order number) for SAP's duplicate check (docs/down.md).

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

#include "agent/down/sap_target.h"
#include "agent/sources/s4_odata/s4_connection.h"
#include "common/config/config_node.h"
#include "common/http/http_client.h"

namespace ferry::agent {

// Where SAP's IDoc-XML inbound is: the connection and the service's path.
// Shared by this target and the receipts (receipt_sender.h).
struct IdocXmlEndpoint {
  S4Connection connection;
  std::string path = "/sap/bc/idoc_xml";
};

// Reads the connection's keys and `path` from `node`, reporting mistakes on it.
IdocXmlEndpoint ReadIdocXmlEndpoint(config::ConfigNode& node);

class IdocXmlTarget : public SapTarget {
 public:
  IdocXmlTarget(boost::asio::any_io_executor executor, IdocXmlEndpoint endpoint);

  boost::asio::awaitable<SapAnswer> Create(const ferry::v1::MappedRecord& record) override;
  void Shutdown() override { client_->Shutdown(); }

 private:
  IdocXmlEndpoint endpoint_;
  std::string authorization_;
  std::unique_ptr<http::HttpClient> client_;
};

}  // namespace ferry::agent
