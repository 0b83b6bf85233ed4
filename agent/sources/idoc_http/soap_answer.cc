#include "agent/sources/idoc_http/soap_answer.h"

#include "common/util/text.h"

namespace ferry::agent {
namespace {

namespace bhttp = boost::beast::http;

bool Is12(idoc::SoapVersion v) { return v == idoc::SoapVersion::kSoap12; }

http::Response Envelope(const http::Request& req, bhttp::status status, idoc::SoapVersion version,
                        const std::string& body) {
  http::Response res{status, req.version()};
  res.set(bhttp::field::content_type,
          Is12(version) ? "application/soap+xml; charset=utf-8" : "text/xml; charset=utf-8");
  res.body() =
      std::string("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<soap-env:Envelope xmlns:soap-env=\"") +
      (Is12(version) ? "http://www.w3.org/2003/05/soap-envelope" : "http://schemas.xmlsoap.org/soap/envelope/") +
      "\"><soap-env:Body>" + body + "</soap-env:Body></soap-env:Envelope>\n";
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

}  // namespace

http::Response SoapAccepted(const http::Request& req, idoc::SoapVersion version,
                            const std::vector<std::string>& docnums) {
  std::string body =
      "<n0:IDOC_INBOUND_XML_SOAP_HTTP.Response xmlns:n0=\"urn:sap-com:document:sap:rfc:functions\"><ASSIGN>";
  for (const std::string& docnum : docnums) {
    body +=
        "<item><TRANSFER_ID>" + XmlEscaped(docnum) + "</TRANSFER_ID><DB_ID>" + XmlEscaped(docnum) + "</DB_ID></item>";
  }
  body += "</ASSIGN></n0:IDOC_INBOUND_XML_SOAP_HTTP.Response>";
  return Envelope(req, bhttp::status::ok, version, body);
}

http::Response SoapFault(const http::Request& req, bhttp::status status, idoc::SoapVersion version, SoapFaultKind kind,
                         std::string_view reason) {
  const bool sender = kind == SoapFaultKind::kSender;
  std::string body;
  if (Is12(version)) {
    body = std::string("<soap-env:Fault><soap-env:Code><soap-env:Value>soap-env:") + (sender ? "Sender" : "Receiver") +
           "</soap-env:Value></soap-env:Code><soap-env:Reason><soap-env:Text xml:lang=\"en\">" + XmlEscaped(reason) +
           "</soap-env:Text></soap-env:Reason></soap-env:Fault>";
  } else {
    body = std::string("<soap-env:Fault><faultcode>soap-env:") + (sender ? "Client" : "Server") +
           "</faultcode><faultstring xml:lang=\"en\">" + XmlEscaped(reason) + "</faultstring></soap-env:Fault>";
  }
  return Envelope(req, status, version, body);
}

}  // namespace ferry::agent
