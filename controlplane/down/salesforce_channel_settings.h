#pragma once
// What both Salesforce channels share (Outbound Messages and a Flow's HTTP
// callout): the org they take records from, the token that proves a
// request comes from it, the SOQL query each object is read with, and an
// optional pinned client certificate.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "common/config/config_node.h"
#include "common/http/http_server.h"
#include "common/status.h"

namespace ferry::controlplane {

struct SalesforceChannelSettings {
  std::string organization_id;  // 00D…, 15 or 18 characters
  std::filesystem::path token_file;
  std::map<std::string, std::string> read;        // object -> SOQL without its WHERE
  std::filesystem::path client_certificate_file;  // empty: none pinned
};

// Reads organization_id, token_file, read and client_certificate_file from
// a channel's section, reporting mistakes on it.
SalesforceChannelSettings ReadSalesforceChannelSettings(config::ConfigNode& node);

// Organization ids compare on their 15 case-sensitive characters: the
// 18-character form only adds a checksum of their case.
bool SameOrganization(std::string_view a, std::string_view b);

// Ok when `file` is empty (nothing pinned) or the request's connection
// presented that certificate (kClientCertificateHeader, compared by SHA-256
// fingerprint); Unauthenticated otherwise; Unavailable when the file cannot
// be read (the operator's mistake: Salesforce sends again).
Status CheckPinnedClientCertificate(const http::Request& req, const std::filesystem::path& file);

// Empty when `query` is a SOQL SELECT whose last clause is FROM `object`
// (the connector adds the WHERE); else why not.
std::string CheckReadQuery(const std::string& object, const std::string& query);

}  // namespace ferry::controlplane
