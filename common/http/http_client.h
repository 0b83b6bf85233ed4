#pragma once
// HTTP/1.1 client for connectors: coroutines on the caller's executor,
// keep-alive connection pooling per origin, TLS with the system CA store (or
// a configured CA) and host name verification, and a deadline per request.
//
// Send() → the response for any HTTP status (classifying it is the
// connector's job), or Unavailable for a transport failure or timeout
// (retryable), or InvalidArgument for a URL it cannot use.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace ferry::http {

struct Url {
  bool tls = false;
  std::string host;
  uint16_t port = 0;
  std::string target;  // path and query
  std::string Origin() const { return (tls ? "https://" : "http://") + host + ":" + std::to_string(port); }
};
Result<Url> ParseUrl(const std::string& text);

struct ClientResponse {
  int status = 0;
  // Names lower-cased. A repeated header keeps its last value, except
  // set-cookie: every cookie, one per line.
  std::map<std::string, std::string> headers;
  std::string body;
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
  size_t max_idle_per_origin = 32;
  std::string ca_file;  // empty: system trust store
  // A client certificate chain and its key (PEM) for servers that ask for
  // one (SAP with X.509 logon); empty: none.
  std::string cert_file;
  std::string key_file;
  // Larger response bodies fail the request (Unavailable).
  uint64_t max_response_bytes = 64u << 20;
  bool verify_peer = true;
  std::string user_agent = "ferry";
  // http://HOST:PORT of a proxy: every connection is tunnelled through it
  // with CONNECT (TLS stays end to end with the target). Empty: direct.
  std::string proxy;
  // The Proxy-Authorization value for the CONNECT, asked for at each new
  // tunnel (so a rotated password applies); null: none.
  std::function<Result<std::string>()> proxy_authorization;
};

class HttpClient {
 public:
  using OutRequest = boost::beast::http::request<boost::beast::http::string_body>;
  HttpClient(boost::asio::any_io_executor executor, HttpClientOptions options);
  ~HttpClient();

  // Sends `req` to `url` (Host, target and Content-Length are filled in).
  boost::asio::awaitable<Result<ClientResponse>> Send(const Url& url, OutRequest req);

  // Closes every connection, idle or in use: a request under way fails at
  // once (Unavailable) instead of waiting for its answer or its timeout,
  // and later ones are refused. For an owner that is stopping. Call on the
  // client's executor.
  void Shutdown();

 private:
  struct Connection;
  class InUse;
  boost::asio::awaitable<Result<std::unique_ptr<Connection>>> Connect(const Url& url);
  boost::asio::awaitable<Result<ClientResponse>> RoundTrip(Connection& conn, OutRequest& req);
  std::unique_ptr<Connection> TakeIdle(const std::string& origin);
  void ReturnIdle(const std::string& origin, std::unique_ptr<Connection> conn);

  boost::asio::any_io_executor executor_;
  HttpClientOptions options_;
  boost::asio::ssl::context ssl_ctx_;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
  std::set<Connection*> in_use_;  // connecting or carrying a request
  bool shut_down_ = false;
};

}  // namespace ferry::http
