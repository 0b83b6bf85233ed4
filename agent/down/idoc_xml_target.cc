#include "agent/down/idoc_xml_target.h"

#include <spdlog/spdlog.h>

#include "agent/down/idoc_of_record.h"
#include "common/util/clock.h"
#include "common/util/utf8.h"

namespace ferry::agent {
namespace {

constexpr std::chrono::milliseconds kRefusedLogonOrService{15 * 60000};

}  // namespace

IdocXmlEndpoint ReadIdocXmlEndpoint(config::ConfigNode& node) {
  IdocXmlEndpoint e;
  e.connection = ReadS4Connection(node);
  e.path = node.String("path", e.path);
  if (!e.path.starts_with("/") || e.path.find_first_of("?#\" ") != std::string::npos ||
      e.path.find("..") != std::string::npos) {
    node.Error("path", "must be the absolute path of SAP's IDoc-XML service, e.g. /sap/bc/idoc_xml");
  }
  if (!e.connection.url.empty() && !http::ParseUrl(e.connection.url + e.path).ok()) {
    node.Error("path", "does not make a URL with url");
  }
  return e;
}

IdocXmlTarget::IdocXmlTarget(boost::asio::any_io_executor executor, IdocXmlEndpoint endpoint)
    : endpoint_(std::move(endpoint)),
      authorization_(endpoint_.connection.Authorization()),
      client_(std::make_unique<http::HttpClient>(executor, endpoint_.connection.ClientOptions())) {}

boost::asio::awaitable<SapAnswer> IdocXmlTarget::Create(const ferry::v1::MappedRecord& record) {
  SapAnswer answer;
  Result<std::string> idoc = IdocXmlOfRecord(record, endpoint_.connection.client, NowUnixMs());
  if (!idoc.ok()) {
    answer.kind = SapAnswer::Kind::kRefused;
    answer.message = "the flow's record makes no IDoc: " + std::string(idoc.status().message());
    co_return answer;
  }
  // Checked when the configuration was read.
  auto url = http::ParseUrl(WithClient(endpoint_.connection, endpoint_.connection.url + endpoint_.path));
  if (!url.ok()) {
    answer.message = std::string(url.status().message());
    co_return answer;
  }
  http::HttpClient::OutRequest req{boost::beast::http::verb::post, url->target, 11};
  req.set(boost::beast::http::field::content_type, "text/xml; charset=utf-8");
  if (!authorization_.empty()) req.set(boost::beast::http::field::authorization, authorization_);
  req.body() = std::move(idoc).value();
  req.prepare_payload();
  Result<http::ClientResponse> res = co_await client_->Send(*url, std::move(req));
  if (!res.ok()) {
    answer.message = "posting the IDoc: " + std::string(res.status().message());
    co_return answer;
  }
  const int status = res->status;
  if (status >= 200 && status < 300) {
    answer.kind = SapAnswer::Kind::kCreated;  // stored in SAP; it has no number to give here
    co_return answer;
  }
  answer.message = "SAP answered " + std::to_string(status) + ": " + GatewayMessage(res->body);
  if (status == 400 || status == 413 || status == 415) {
    answer.kind = SapAnswer::Kind::kRefused;
  } else if (status == 401 || status == 403 || status == 404) {
    answer.retry_after = kRefusedLogonOrService;
  } else {
    answer.retry_after = RetryAfter(*res);
  }
  co_return answer;
}

}  // namespace ferry::agent
