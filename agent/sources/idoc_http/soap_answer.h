#pragma once
// Answers to IDocs that came wrapped in SOAP (WE21 "SOAP Protocol"): SAP
// expects the export parameter ASSIGN of IDOC_INBOUND_XML_SOAP_HTTP back
// when the IDocs were taken, and a SOAP fault when not all were
// (docs/protocols.md §A.1; the response's element names are an assumption,
// docs/sources.md#idoc-over-soap).
//
// A fault is HTTP 500 (SOAP 1.1's binding; 1.2 allows it for both fault
// kinds), or 503 + Retry-After when SAP should send again later; the fault
// code says whose fault it is: Client/Sender for the IDocs, Server/Receiver
// for the agent.

#include <string>
#include <string_view>
#include <vector>

#include "common/http/http_server.h"
#include "common/idoc/idoc_xml.h"

namespace ferry::agent {

enum class SoapFaultKind { kSender, kReceiver };

// 200 with IDOC_INBOUND_XML_SOAP_HTTP.Response: one ASSIGN item per IDoc
// (TRANSFER_ID and DB_ID both the sender's DOCNUM: Ferry numbers nothing).
http::Response SoapAccepted(const http::Request& req, idoc::SoapVersion version,
                            const std::vector<std::string>& docnums);

http::Response SoapFault(const http::Request& req, boost::beast::http::status status, idoc::SoapVersion version,
                         SoapFaultKind kind, std::string_view reason);

}  // namespace ferry::agent
