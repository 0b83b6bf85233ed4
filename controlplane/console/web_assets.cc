#include "controlplane/console/web_assets.h"

#include <fstream>
#include <sstream>

#include "common/crypto/ed25519.h"
#include "common/http/json_response.h"

namespace ferry::controlplane {
namespace {

namespace bhttp = boost::beast::http;

constexpr std::string_view kAssetsPrefix = "/assets/";
constexpr std::string_view kPolicy =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

std::string_view ContentType(std::string_view name) {
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  return "text/html; charset=utf-8";
}

bool IsAppFile(std::string_view name) { return name == "index.html" || name == "app.js" || name == "app.css"; }

}  // namespace

std::optional<http::Response> WebApp::Serve(const http::Request& req, std::string_view target) const {
  if (target.starts_with("/api/") || target == "/api" || target == "/metrics") return std::nullopt;
  const std::string_view name = target.starts_with(kAssetsPrefix) ? target.substr(kAssetsPrefix.size()) : "index.html";
  if (!IsAppFile(name) || (name == "index.html" && target.starts_with(kAssetsPrefix))) {
    return http::JsonError(req, bhttp::status::not_found, "no such file");
  }
  std::string body, etag;
  if (folder_.empty()) {
    for (const auto& asset : EmbeddedWebAssets()) {
      if (asset.name == name) {
        body = asset.body;
        etag = asset.etag;
      }
    }
  } else {
    std::ifstream in(folder_ + "/" + std::string(name), std::ios::binary);
    std::ostringstream read;
    read << in.rdbuf();
    body = read.str();
    etag = "\"" + crypto::Sha256Hex(body) + "\"";
  }
  if (etag.empty()) return http::JsonError(req, bhttp::status::not_found, "the console's web app is not built in");
  const auto asked = req.find(bhttp::field::if_none_match);
  const bool unchanged = asked != req.end() && asked->value() == etag;
  http::Response res{unchanged ? bhttp::status::not_modified : bhttp::status::ok, req.version()};
  res.set(bhttp::field::content_type, ContentType(name));
  res.set(bhttp::field::etag, etag);
  res.set(bhttp::field::cache_control, "no-cache");
  res.set("Content-Security-Policy", kPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  if (!unchanged && req.method() != bhttp::verb::head) res.body() = std::move(body);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

}  // namespace ferry::controlplane
