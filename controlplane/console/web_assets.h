#pragma once
// The console's web app (console/web, bundled with esbuild at build time)
// as the control plane serves it: from the binary, or from a folder while
// developing (`console.web_dir`).
//
// Every GET outside /api/, /metrics and /assets/ is answered with
// index.html, so the app's own paths (/agents/plant-01) are real links.
// Only the app's own files are served, by name: nothing else can be read
// from that folder. Each answer carries a Content-Security-Policy that
// allows nothing but the app's own scripts and styles, and an ETag, so a
// browser asks again cheaply (304) instead of caching an old app.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/http_server.h"

namespace ferry::controlplane {

struct WebAsset {
  std::string_view name;  // index.html, app.js, app.css
  std::string_view body;
  std::string_view etag;  // quoted SHA-256 of the body
};

// The files built into the binary (console_web_assets.cc, generated).
const std::vector<WebAsset>& EmbeddedWebAssets();

class WebApp {
 public:
  // `folder` empty: the embedded files.
  explicit WebApp(std::string folder) : folder_(std::move(folder)) {}
  // The answer to a GET or HEAD of `target` (path without the query), or
  // nullopt when the path is the API's.
  std::optional<http::Response> Serve(const http::Request& req, std::string_view target) const;

 private:
  std::string folder_;
};

}  // namespace ferry::controlplane
