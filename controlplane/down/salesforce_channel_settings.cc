#include "controlplane/down/salesforce_channel_settings.h"

#include <algorithm>
#include <cctype>

#include "common/crypto/x509.h"
#include "common/util/files.h"
#include "controlplane/down/inbound_channel.h"
#include "controlplane/down/inbound_record.h"

namespace ferry::controlplane {
namespace {

std::string SoqlLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

SalesforceChannelSettings ReadSalesforceChannelSettings(config::ConfigNode& node) {
  SalesforceChannelSettings s;
  s.organization_id = node.RequiredString("organization_id");
  const std::string& organization = s.organization_id;
  if (!organization.empty() &&
      ((organization.size() != 15 && organization.size() != 18) || !organization.starts_with("00D"))) {
    node.Error("organization_id", "a Salesforce organization id: 00D followed by 12 or 15 characters");
  }
  s.token_file = node.RequiredString("token_file");
  s.read = node.StringMap("read");
  if (s.read.empty()) {
    node.Error("read", "give the query each object is read with, e.g. Opportunity: SELECT … FROM Opportunity");
  }
  for (const auto& [object, query] : s.read) {
    if (!IsInboundName(object)) node.Error("read", "'" + object + "' is not an object name");
    if (std::string why = CheckReadQuery(object, query); !why.empty()) {
      node.Error("read", object + ": the query " + why);
    }
  }
  s.client_certificate_file = node.String("client_certificate_file", "");
  return s;
}

bool SameOrganization(std::string_view a, std::string_view b) {
  return a.size() >= 15 && b.size() >= 15 && a.substr(0, 15) == b.substr(0, 15);
}

Status CheckPinnedClientCertificate(const http::Request& req, const std::filesystem::path& file) {
  if (file.empty()) return Status::Ok();
  Result<std::string> pem = ReadSmallFile(file);
  Result<crypto::Certificate> pinned = pem.ok() ? crypto::Certificate::FromPem(*pem) : pem.status();
  if (!pinned.ok()) {
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

std::string CheckReadQuery(const std::string& object, const std::string& query) {
  const std::string lower = SoqlLower(query);
  if (!lower.starts_with("select ")) return "must be a SOQL query starting with SELECT";
  const std::string tail = " from " + SoqlLower(object);
  if (!lower.ends_with(tail)) {
    return "must end with FROM " + object + ": Ferry adds WHERE Id = '<the record's id>'";
  }
  if (query.find_first_of(";'\\") != std::string::npos) return "must not hold ';', quotes or backslashes";
  return "";
}

}  // namespace ferry::controlplane
