#include "common/http/http_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <variant>

namespace ferry::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {
constexpr auto kClientUseTuple = asio::as_tuple(asio::use_awaitable);
}

struct HttpClient::Connection {
  std::variant<beast::tcp_stream, beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  beast::tcp_stream& tcp() {
    if (auto* plain = std::get_if<beast::tcp_stream>(&stream)) return *plain;
    return std::get<1>(stream).next_layer();
  }
};

// A connection connecting or carrying a request, for Shutdown to close.
class HttpClient::InUse {
 public:
  InUse(HttpClient& client, Connection* conn) : client_(client), conn_(conn) { client_.in_use_.insert(conn_); }
  ~InUse() { client_.in_use_.erase(conn_); }
  InUse(const InUse&) = delete;
  InUse& operator=(const InUse&) = delete;

 private:
  HttpClient& client_;
  Connection* conn_;
};

void HttpClient::Shutdown() {
  shut_down_ = true;
  idle_.clear();
  for (Connection* conn : in_use_) conn->tcp().close();  // pending operations end with operation_aborted
}

Result<Url> ParseUrl(const std::string& text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return Status::InvalidArgument("'" + text + "' is not an absolute URL");
  Url url;
  std::string scheme(parsed->scheme());
  if (scheme == "https")
    url.tls = true;
  else if (scheme != "http")
    return Status::InvalidArgument("URL '" + text + "' must start with http:// or https://");
  url.host = std::string(parsed->encoded_host());
  if (url.host.size() > 2 && url.host.front() == '[') url.host = url.host.substr(1, url.host.size() - 2);
  if (url.host.empty()) return Status::InvalidArgument("URL '" + text + "' has no host");
  url.port = parsed->has_port() ? parsed->port_number() : (url.tls ? 443 : 80);
  url.target = std::string(parsed->encoded_path());
  if (url.target.empty()) url.target = "/";
  if (parsed->has_query()) url.target += "?" + std::string(parsed->encoded_query());
  return url;
}

HttpClient::HttpClient(asio::any_io_executor executor, HttpClientOptions options)
    : executor_(executor), options_(std::move(options)), ssl_ctx_(asio::ssl::context::tls_client) {
  ssl_ctx_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (options_.ca_file.empty())
    ssl_ctx_.set_default_verify_paths(ec);
  else
    ssl_ctx_.load_verify_file(options_.ca_file, ec);
  ssl_ctx_.set_verify_mode(options_.verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
  if (!options_.cert_file.empty()) {
    // Checked by the configuration readers; a failure here shows as the
    // server refusing the handshake.
    ssl_ctx_.use_certificate_chain_file(options_.cert_file, ec);
    ssl_ctx_.use_private_key_file(options_.key_file, asio::ssl::context::pem, ec);
  }
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Connection> HttpClient::TakeIdle(const std::string& origin) {
  auto it = idle_.find(origin);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  auto conn = std::move(it->second.back());
  it->second.pop_back();
  return conn;
}

void HttpClient::ReturnIdle(const std::string& origin, std::unique_ptr<Connection> conn) {
  auto& pool = idle_[origin];
  if (pool.size() < options_.max_idle_per_origin) pool.push_back(std::move(conn));
}

asio::awaitable<Result<std::unique_ptr<HttpClient::Connection>>> HttpClient::Connect(const Url& url) {
  // Through a proxy the TCP connection goes to the proxy, which is asked
  // to open a tunnel to the target (RFC 9110 §9.3.6).
  Url hop = url;
  if (!options_.proxy.empty()) {
    auto proxy = ParseUrl(options_.proxy);
    if (!proxy.ok()) co_return proxy.status();
    hop = *proxy;
  }
  tcp::resolver resolver(executor_);
  auto [rec, endpoints] = co_await resolver.async_resolve(hop.host, std::to_string(hop.port), kClientUseTuple);
  if (rec) co_return Status::Unavailable("cannot resolve " + hop.host + ": " + rec.message());
  if (shut_down_) co_return Status::Unavailable("the client is shut down");
  auto conn = std::make_unique<Connection>(Connection{beast::tcp_stream(executor_), {}});
  if (url.tls) conn->stream.emplace<1>(beast::tcp_stream(executor_), ssl_ctx_);
  const InUse in_use(*this, conn.get());
  conn->tcp().expires_after(options_.connect_timeout);
  auto [cec, ep] = co_await conn->tcp().async_connect(endpoints, kClientUseTuple);
  if (cec) co_return Status::Unavailable("cannot connect to " + hop.Origin() + ": " + cec.message());
  if (!options_.proxy.empty()) {
    const std::string authority = url.host + ":" + std::to_string(url.port);
    bhttp::request<bhttp::empty_body> connect{bhttp::verb::connect, authority, 11};
    connect.set(bhttp::field::host, authority);
    connect.set(bhttp::field::user_agent, options_.user_agent);
    if (options_.proxy_authorization) {
      Result<std::string> credentials = options_.proxy_authorization();
      if (!credentials.ok()) co_return Status::Unavailable("proxy credentials: " + credentials.status().message());
      connect.set(bhttp::field::proxy_authorization, *credentials);
    }
    auto [wec, written] = co_await bhttp::async_write(conn->tcp(), connect, kClientUseTuple);
    if (wec) co_return Status::Unavailable("proxy " + hop.Origin() + ": " + wec.message());
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.skip(true);  // a 2xx answer to CONNECT has no body: the tunnel starts
    auto [rec2, read] = co_await bhttp::async_read_header(conn->tcp(), buffer, parser, kClientUseTuple);
    if (rec2) co_return Status::Unavailable("proxy " + hop.Origin() + ": " + rec2.message());
    const int status = parser.get().result_int();
    if (status == 407) {
      co_return Status::Unavailable("proxy " + hop.Origin() + " wants credentials (HTTP 407" +
                                    (options_.proxy_authorization ? ": it refused those given)" : ")"));
    }
    if (status != 200) {
      co_return Status::Unavailable("proxy " + hop.Origin() + " refused the tunnel to " + authority + ": HTTP " +
                                    std::to_string(status));
    }
  }
  boost::system::error_code ignored;
  conn->tcp().socket().set_option(tcp::no_delay(true), ignored);
  if (url.tls) {
    auto& tls = std::get<1>(conn->stream);
    // SNI and host name verification: the certificate must name this host.
    SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str());
    if (options_.verify_peer) tls.set_verify_callback(asio::ssl::host_name_verification(url.host));
    auto [hec] = co_await tls.async_handshake(asio::ssl::stream_base::client, kClientUseTuple);
    if (hec) co_return Status::Unavailable("TLS handshake with " + url.Origin() + " failed: " + hec.message());
  }
  co_return std::move(conn);
}

asio::awaitable<Result<ClientResponse>> HttpClient::RoundTrip(Connection& conn, OutRequest& req) {
  const InUse in_use(*this, &conn);
  conn.tcp().expires_after(options_.request_timeout);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options_.max_response_bytes);
  boost::system::error_code ec;
  if (auto* plain = std::get_if<beast::tcp_stream>(&conn.stream)) {
    std::tie(ec, std::ignore) = co_await bhttp::async_write(*plain, req, kClientUseTuple);
    if (!ec) std::tie(ec, std::ignore) = co_await bhttp::async_read(*plain, conn.buffer, parser, kClientUseTuple);
  } else {
    auto& tls = std::get<1>(conn.stream);
    std::tie(ec, std::ignore) = co_await bhttp::async_write(tls, req, kClientUseTuple);
    if (!ec) std::tie(ec, std::ignore) = co_await bhttp::async_read(tls, conn.buffer, parser, kClientUseTuple);
  }
  if (ec == beast::error::timeout) {
    co_return Status::Unavailable("no response within " + std::to_string(options_.request_timeout.count()) + " ms");
  }
  if (shut_down_) co_return Status::Unavailable("the client is shut down");
  if (ec) co_return Status::Unavailable("request failed: " + ec.message());
  auto& res = parser.get();
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string& value = out.headers[name];
    // Cookies cannot be joined with commas (their dates hold one).
    if (name == "set-cookie" && !value.empty()) {
      value += '\n';
      value += std::string(field.value());
    } else {
      value = std::string(field.value());
    }
  }
  out.body = std::move(res.body());
  if (!res.keep_alive()) out.headers["connection"] = "close";
  co_return out;
}

asio::awaitable<Result<ClientResponse>> HttpClient::Send(const Url& url, OutRequest req) {
  // RFC 9110 §7.2: the port belongs in Host unless it is the scheme's default.
  const bool default_port = url.port == (url.tls ? 443 : 80);
  req.set(bhttp::field::host, default_port ? url.host : url.host + ":" + std::to_string(url.port));
  req.set(bhttp::field::user_agent, options_.user_agent);
  req.target(url.target);
  req.keep_alive(true);
  req.prepare_payload();
  const std::string origin = url.Origin();
  // A pooled connection may have been closed by the server while idle; such
  // a failure is retried once on a fresh connection.
  if (auto pooled = TakeIdle(origin)) {
    auto result = co_await RoundTrip(*pooled, req);
    if (result.ok()) {
      if (result->headers.count("connection") == 0 || result->headers["connection"] != "close") {
        ReturnIdle(origin, std::move(pooled));
      }
      co_return result;
    }
  }
  if (shut_down_) co_return Status::Unavailable("the client is shut down");
  auto conn = co_await Connect(url);
  if (!conn.ok()) co_return conn.status();
  if (shut_down_) co_return Status::Unavailable("the client is shut down");
  auto result = co_await RoundTrip(**conn, req);
  if (result.ok() && (result->headers.count("connection") == 0 || result->headers["connection"] != "close")) {
    ReturnIdle(origin, std::move(*conn));
  }
  co_return result;
}

}  // namespace ferry::http
