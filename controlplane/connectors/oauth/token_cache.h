#pragma once
// TokenCache: an OAuth 2.0 client-credentials access token, fetched when
// first needed, shared by every request of a connector, renewed before it
// expires, and dropped when the target refuses it.
//
// The request is built anew for every fetch, so a connector that reads its
// client secret from a file picks up a rotated secret without a restart.
// Callers that need a token while one is being fetched wait for that fetch
// instead of starting their own. The token is never logged.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "common/http/http_client.h"
#include "common/http/url_encoding.h"
#include "common/status.h"

namespace ferry::controlplane {

using http::FormEncode;

struct TokenRequest {
  http::Url url;
  std::string content_type;  // application/x-www-form-urlencoded or application/json
  std::string body;
};

struct AccessToken {
  std::string value;
  boost::json::object response;  // the token response, e.g. instance_url
  std::optional<std::chrono::steady_clock::time_point> expires_at;

  // A string member of the token answer (e.g. instance_url) without trailing
  // slashes; empty when absent.
  std::string BaseUrl(std::string_view member) const;
};

// A request to the target, built once a token is at hand (its base URL may
// come from the token answer); Send adds the Authorization header.
struct AuthorizedRequest {
  http::Url url;
  http::HttpClient::OutRequest request;
};

class TokenCache {
 public:
  using RequestBuilder = std::function<Result<TokenRequest>()>;
  // `renew_before`: how long before expires_in a token is renewed.
  TokenCache(boost::asio::any_io_executor executor, http::HttpClient& client, std::string what, RequestBuilder build,
             std::chrono::seconds renew_before);

  // A valid token, or why there is none: Unavailable (the endpoint could not
  // be reached or answered 5xx) or Unauthenticated (it refused the client:
  // the message is the endpoint's error and description).
  boost::asio::awaitable<Result<AccessToken>> Get();
  // The target refused `token` (401): the next Get() fetches a new one.
  void Invalidate(const std::string& token);

  using RequestFor = std::function<Result<AuthorizedRequest>(const AccessToken&)>;
  // Sends what `request_for` builds with "Authorization: Bearer <token>".
  // A 401 (the token expired or was revoked) drops the token and the request
  // is built and sent once more with a fresh one; a second 401 is returned as
  // it is, for the caller to classify. Errors are Get()'s, the builder's, or
  // the HTTP client's.
  boost::asio::awaitable<Result<http::ClientResponse>> Send(const RequestFor& request_for);
  uint64_t fetches() const { return fetches_; }

 private:
  boost::asio::awaitable<Result<AccessToken>> Fetch();

  boost::asio::any_io_executor executor_;
  http::HttpClient& client_;
  std::string what_;
  RequestBuilder build_;
  std::chrono::seconds renew_before_;
  std::optional<AccessToken> token_;
  bool fetching_ = false;
  boost::asio::steady_timer fetched_;  // cancelled when a fetch ends: wakes the waiters
  uint64_t fetches_ = 0;
};

// The request builder of an OAuth 2.0 client-credentials grant (RFC 6749
// §4.4, client_secret_post) as a form: the secret file is read at each
// fetch, so a rotated secret applies. `extra` is appended to the form as
// is, e.g. "&scope=...".
TokenCache::RequestBuilder ClientCredentialsRequest(http::Url token_url, std::string client_id,
                                                    std::filesystem::path secret_file, std::string extra = "");

}  // namespace ferry::controlplane
