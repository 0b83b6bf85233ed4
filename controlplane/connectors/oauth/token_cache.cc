#include "controlplane/connectors/oauth/token_cache.h"

#include <spdlog/spdlog.h>

#include "common/config/secret_file.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ferry::controlplane {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

TokenCache::TokenCache(asio::any_io_executor executor, http::HttpClient& client, std::string what, RequestBuilder build,
                       std::chrono::seconds renew_before)
    : executor_(executor),
      client_(client),
      what_(std::move(what)),
      build_(std::move(build)),
      renew_before_(renew_before),
      fetched_(executor) {}

asio::awaitable<Result<AccessToken>> TokenCache::Get() {
  // Waiters only wait: the fetcher armed the timer and cancels it when done,
  // which wakes them all at once.
  while (fetching_) co_await fetched_.async_wait(asio::as_tuple(asio::use_awaitable));
  if (token_ && (!token_->expires_at || std::chrono::steady_clock::now() < *token_->expires_at)) co_return *token_;
  fetching_ = true;
  fetched_.expires_at(std::chrono::steady_clock::time_point::max());
  Result<AccessToken> fetched = co_await Fetch();
  fetching_ = false;
  fetched_.cancel();
  if (fetched.ok()) token_ = *fetched;
  co_return fetched;
}

void TokenCache::Invalidate(const std::string& token) {
  if (token_ && token_->value == token) token_.reset();
}

TokenCache::RequestBuilder ClientCredentialsRequest(http::Url token_url, std::string client_id,
                                                    std::filesystem::path secret_file, std::string extra) {
  return [token_url = std::move(token_url), client_id = std::move(client_id), secret_file = std::move(secret_file),
          extra = std::move(extra)]() -> Result<TokenRequest> {
    auto secret = config::ReadSecretFile(secret_file);
    if (!secret.ok()) return secret.status();
    return TokenRequest{token_url, "application/x-www-form-urlencoded",
                        "grant_type=client_credentials&client_id=" + FormEncode(client_id) +
                            "&client_secret=" + FormEncode(*secret) + extra};
  };
}

std::string AccessToken::BaseUrl(std::string_view member) const {
  auto it = response.find(member);
  if (it == response.end() || !it->value().is_string()) return {};
  std::string url(it->value().as_string());
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

asio::awaitable<Result<http::ClientResponse>> TokenCache::Send(const RequestFor& request_for) {
  for (int attempt = 0;; ++attempt) {
    Result<AccessToken> token = co_await Get();
    if (!token.ok()) co_return token.status();
    Result<AuthorizedRequest> out = request_for(*token);
    if (!out.ok()) co_return out.status();
    out->request.set(bhttp::field::authorization, "Bearer " + token->value);
    Result<http::ClientResponse> res = co_await client_.Send(out->url, std::move(out->request));
    if (!res.ok() || res->status != 401 || attempt > 0) co_return res;
    Invalidate(token->value);
  }
}

asio::awaitable<Result<AccessToken>> TokenCache::Fetch() {
  Result<TokenRequest> request = build_();
  if (!request.ok()) co_return Status::Unauthenticated(what_ + " token: " + std::string(request.status().message()));
  http::HttpClient::OutRequest req{bhttp::verb::post, request->url.target, 11};
  req.set(bhttp::field::content_type, request->content_type);
  req.set(bhttp::field::accept, "application/json");
  req.body() = std::move(request->body);
  ++fetches_;
  auto res = co_await client_.Send(request->url, std::move(req));
  if (!res.ok()) co_return Status::Unavailable(what_ + " token endpoint: " + std::string(res.status().message()));
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(res->body, ec);
  const boost::json::object* body = !ec && parsed.is_object() ? &parsed.as_object() : nullptr;
  auto text = [body](const char* key) -> std::string {
    if (body == nullptr) return {};
    auto it = body->find(key);
    return it != body->end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
  };
  if (res->status != 200) {
    const std::string detail = "HTTP " + std::to_string(res->status) + " " + text("error") +
                               (text("error_description").empty() ? "" : ": " + text("error_description"));
    if (res->status >= 500 || res->status == 429) co_return Status::Unavailable(what_ + " token endpoint: " + detail);
    co_return Status::Unauthenticated(what_ + " token endpoint refused the client: " + detail);
  }
  AccessToken token;
  token.value = text("access_token");
  if (token.value.empty()) co_return Status::Unavailable(what_ + " token endpoint: no access_token in the answer");
  token.response = *body;
  if (auto it = body->find("expires_in"); it != body->end()) {
    int64_t seconds = 0;
    if (it->value().is_int64()) seconds = it->value().as_int64();
    if (it->value().is_string()) seconds = std::atoll(std::string(it->value().as_string()).c_str());
    if (seconds > 0) {
      const auto lifetime = std::max<int64_t>(seconds - renew_before_.count(), seconds / 2);
      token.expires_at = std::chrono::steady_clock::now() + std::chrono::seconds(lifetime);
    }
  }
  spdlog::info("event=token_fetched target={} expires_in_s={}", what_,
               token.expires_at ? std::chrono::duration_cast<std::chrono::seconds>(*token.expires_at -
                                                                                   std::chrono::steady_clock::now())
                                      .count()
                                : -1);
  co_return token;
}

}  // namespace ferry::controlplane
