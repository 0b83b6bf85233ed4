#include "controlplane/down/salesforce_outbound_channel.h"

#include <algorithm>
#include <cctype>

#include "common/config/secret_file.h"
#include "common/crypto/x509.h"
#include "common/fleet/enrollment_token.h"
#include "common/http/url_encoding.h"
#include "common/util/files.h"
#include "controlplane/down/inbound_record.h"
#include "controlplane/down/outbound_message.h"

namespace ferry::controlplane {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Organization ids compare on their 15 case-sensitive characters: the
// 18-character form only adds a checksum of their case.
bool SameOrganization(std::string_view a, std::string_view b) {
  return a.size() >= 15 && b.size() >= 15 && a.substr(0, 15) == b.substr(0, 15);
}

}  // namespace

std::string CheckReadQuery(const std::string& object, const std::string& query) {
  const std::string lower = Lower(query);
  if (!lower.starts_with("select ")) return "must be a SOQL query starting with SELECT";
  const std::string tail = " from " + Lower(object);
  if (!lower.ends_with(tail)) {
    return "must end with FROM " + object + ": Ferry adds WHERE Id = '<the record's id>'";
  }
  if (query.find_first_of(";'\\") != std::string::npos) return "must not hold ';', quotes or backslashes";
  return "";
}

Status SalesforceOutboundChannel::CheckClientCertificate(const http::Request& req) const {
  if (client_certificate_file_.empty()) return Status::Ok();
  Result<std::string> pem = ReadSmallFile(client_certificate_file_);
  Result<crypto::Certificate> pinned = pem.ok() ? crypto::Certificate::FromPem(*pem) : pem.status();
  if (!pinned.ok()) {
    // The operator's mistake, not Salesforce's: answered 503, so it sends again.
    return Status::Unavailable("the channel's client_certificate_file: " + std::string(pinned.status().message()));
  }
  const std::string_view presented = http::HeaderValue(req, kClientCertificateHeader);
  if (presented.empty()) return Status::Unauthenticated("no client certificate was presented");
  if (presented != pinned->Sha256Fingerprint()) {
    return Status::Unauthenticated("the client certificate (SHA-256 " + std::string(presented) +
                                   ") is not the channel's");
  }
  return Status::Ok();
}

Result<InboundNotification> SalesforceOutboundChannel::Read(const http::Request& req, int64_t) const {
  if (Status s = CheckClientCertificate(req); !s.ok()) return s;
  Result<std::string> token = config::ReadSecretFile(token_file_);
  if (!token.ok()) {
    // The operator's mistake, not Salesforce's: answered 503, so it sends again.
    return Status::Unavailable("the channel's token: " + std::string(token.status().message()));
  }
  const auto [path, query] = http::SplitTarget(std::string_view(req.target().data(), req.target().size()));
  auto params = http::ParseQuery(query);
  const auto given = params ? params->find("token") : decltype(params->end()){};
  if (!params || given == params->end()) return Status::Unauthenticated("the URL has no token parameter");
  if (!fleet::ConstantTimeEquals(given->second, *token)) return Status::Unauthenticated("the URL's token is wrong");
  Result<OutboundMessage> message = ParseOutboundMessage(req.body());
  if (!message.ok()) return message.status();
  if (!SameOrganization(message->organization_id, organization_id_)) {
    return Status::Unauthenticated("organization " + message->organization_id + " is not the channel's");
  }
  InboundNotification out;
  out.read_first = true;
  for (OutboundNotification& n : message->notifications) {
    if (read_.find(n.object) == read_.end()) {
      return Status::InvalidArgument("the channel reads no " + n.object + " (add it under the channel's read)");
    }
    InboundRecord record;
    record.object = std::move(n.object);
    record.record_id = std::move(n.record_id);
    record.record_json = std::move(n.fields_json);
    record.delivery_id = "sf:" + n.id;
    out.records.push_back(std::move(record));
  }
  return out;
}

http::Response SalesforceOutboundChannel::Accepted(const http::Request& req, const std::vector<std::string>&) const {
  http::Response res{http::beast_http::status::ok, req.version()};
  res.set(http::beast_http::field::content_type, "text/xml; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = OutboundMessageAck();
  res.prepare_payload();
  return res;
}

std::string SalesforceOutboundChannel::ReadQuery(std::string_view object) const {
  auto it = read_.find(std::string(object));
  return it == read_.end() ? std::string() : it->second;
}

InboundChannelFactory SalesforceOutboundChannelFactory() {
  return {"salesforce_outbound_message",
          [](config::ConfigNode& node, const InboundChannelOptions&) -> std::shared_ptr<const InboundChannel> {
            const std::string organization = node.RequiredString("organization_id");
            if (!organization.empty() &&
                ((organization.size() != 15 && organization.size() != 18) || !organization.starts_with("00D"))) {
              node.Error("organization_id", "a Salesforce organization id: 00D followed by 12 or 15 characters");
            }
            const std::string token_file = node.RequiredString("token_file");
            std::map<std::string, std::string> read = node.StringMap("read");
            if (read.empty())
              node.Error("read",
                         "give the query each object is read with, e.g. Opportunity: SELECT … FROM Opportunity");
            for (const auto& [object, query] : read) {
              if (!IsInboundName(object)) node.Error("read", "'" + object + "' is not an object name");
              if (std::string why = CheckReadQuery(object, query); !why.empty()) {
                node.Error("read", object + ": the query " + why);
              }
            }
            const std::string certificate = node.String("client_certificate_file", "");
            return std::make_shared<SalesforceOutboundChannel>(organization, token_file, std::move(read), certificate);
          }};
}

}  // namespace ferry::controlplane
