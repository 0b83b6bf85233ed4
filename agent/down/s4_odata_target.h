#pragma once
// The s4_odata SAP target: creates S/4HANA documents through their OData
// V2 APIs (API_SALES_ORDER_SRV's A_SalesOrder with deep insert, ...).
//
// A record's object is "<SERVICE>/<EntitySet>"; its fields are the body.
// Each Create:
//   1. GET <service>/<EntitySet>?$filter=<key_field> eq '<external id>'
//      with X-CSRF-Token: Fetch: the lookup that keeps Create idempotent,
//      and the CSRF token and session cookies for the post, in one request;
//   2. POST <service>/<EntitySet> with the token and every cookie of the
//      fetch; on 403 with X-CSRF-Token: Required (the session ended) the
//      token is fetched again, with the lookup, and the post made once more.
// SAP's document number is the key of the entity it names in the answer
// (`__metadata.uri`, e.g. A_SalesOrder('4711') → 4711).
//
// What SAP answers, as a SapAnswer: 201, or a match in the lookup:
// created. 400, 404, 405, 409, 412, 422: refused with SAP's message.
// 401 and 403 (logon, authorisation): retried after 15 minutes, so failed
// logons do not lock the user. 429 (with Retry-After), 5xx, no answer:
// retried.

#include <boost/asio/any_io_executor.hpp>

#include <memory>

#include "agent/down/sap_target.h"
#include "agent/sources/s4_odata/s4_connection.h"
#include "common/http/http_client.h"

namespace ferry::agent {

class S4ODataTarget : public SapTarget {
 public:
  S4ODataTarget(boost::asio::any_io_executor executor, S4Connection connection);

  boost::asio::awaitable<SapAnswer> Create(const ferry::v1::MappedRecord& record) override;
  void Shutdown() override { client_->Shutdown(); }

  // The key of the entity an OData V2 entity's `__metadata.uri` names:
  // ".../A_SalesOrder('4711')" → "4711"; a composite key as written.
  static std::string KeyOfUri(std::string_view uri);

 private:
  struct Session {
    std::string token;
    std::string cookies;
  };
  struct Lookup {
    int status = 0;      // SAP's answer, 0: none
    std::string number;  // the document found, if any
    std::string message;
    std::chrono::milliseconds retry_after{0};
  };
  boost::asio::awaitable<Lookup> FindAndFetchToken(const std::string& base, const ferry::v1::MappedRecord& record,
                                                   Session& session);

  S4Connection connection_;
  std::string authorization_;
  std::unique_ptr<http::HttpClient> client_;
};

}  // namespace ferry::agent
