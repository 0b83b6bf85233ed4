#include "common/http/http_server.h"
#include "common/crypto/x509.h"
#include "common/log/log.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace ferry::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Each piece of a streamed body as one HTTP/1.1 chunk; a write that does not
// finish within `timeout` (a client that stopped reading) ends the stream.
template <typename Stream>
class ChunkWriter final : public BodyWriter {
 public:
  ChunkWriter(Stream& stream, std::chrono::seconds timeout) : stream_(stream), timeout_(timeout) {}
  asio::awaitable<bool> Write(std::string piece) override {
    if (failed_) co_return false;
    if (piece.empty()) co_return true;  // an empty chunk would end the body
    beast::get_lowest_layer(stream_).expires_after(timeout_);
    auto [ec, n] = co_await asio::async_write(stream_, beast_http::make_chunk(asio::buffer(piece)), kUseTuple);
    failed_ = static_cast<bool>(ec);
    co_return !failed_;
  }
  bool failed() const { return failed_; }

 private:
  Stream& stream_;
  std::chrono::seconds timeout_;
  bool failed_ = false;
};
}  // namespace

Result<std::shared_ptr<asio::ssl::context>> MakeServerTlsContext(const std::string& cert_chain_file,
                                                                 const std::string& key_file) {
  auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  tls->use_certificate_chain_file(cert_chain_file, ec);
  if (ec) return Status::InvalidArgument("cannot load TLS certificate " + cert_chain_file + ": " + ec.message());
  tls->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument("cannot load TLS key " + key_file + ": " + ec.message());
  return tls;
}

Response TextResponse(const Request& req, beast_http::status status, std::string body) {
  Response res{status, req.version()};
  res.set(beast_http::field::content_type, "text/plain; charset=utf-8");
  if (!body.empty() && body.back() != '\n') body.push_back('\n');
  res.body() = std::move(body);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

std::shared_ptr<HttpServer> HttpServer::Create(asio::any_io_executor executor, HttpServerOptions options,
                                               Handler handler) {
  return Create(executor, std::move(options),
                [handler = std::move(handler)](Request& req, const asio::ip::address& peer) -> asio::awaitable<Reply> {
                  co_return Reply(co_await handler(req, peer));
                });
}

std::shared_ptr<HttpServer> HttpServer::Create(asio::any_io_executor executor, HttpServerOptions options,
                                               StreamingHandler handler) {
  return std::shared_ptr<HttpServer>(new HttpServer(executor, std::move(options), std::move(handler)));
}

HttpServer::HttpServer(asio::any_io_executor executor, HttpServerOptions options, StreamingHandler handler)
    : executor_(executor), options_(std::move(options)), handler_(std::move(handler)), acceptor_(executor) {}

Status OpenAcceptor(tcp::acceptor& acceptor, const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("listen address '" + host + "' is not an IP address");
  tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  return Status::Ok();
}

Status HttpServer::Listen() {
  if (Status s = OpenAcceptor(acceptor_, options_.host, options_.port); !s.ok()) return s;
  bound_port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(
      executor_, [self = shared_from_this()] { return self->AcceptLoop(); }, asio::detached);
  return Status::Ok();
}

void HttpServer::Stop() {
  stopping_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> HttpServer::AcceptLoop() {
  auto self = shared_from_this();
  asio::steady_timer backoff(executor_);
  std::chrono::milliseconds pause{0};
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(kUseTuple);
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      // Out of file descriptors (or memory): the pending connection stays
      // in the backlog and accept fails again at once. Wait instead of
      // spinning, longer each time, until an accept succeeds.
      pause = std::min(std::max(pause * 2, std::chrono::milliseconds(10)), std::chrono::milliseconds(1000));
      spdlog::warn("event=http_accept_failed error=\"{}\" retry_in_ms={}", ec.message(), pause.count());
      backoff.expires_after(pause);
      co_await backoff.async_wait(kUseTuple);
      continue;
    }
    pause = std::chrono::milliseconds(0);
    socket.set_option(tcp::no_delay(true), ec);
    if (*active_ >= options_.max_connections) {
      asio::co_spawn(executor_, RefuseBusy(std::move(socket)), asio::detached);
      continue;
    }
    asio::co_spawn(executor_, Serve(std::move(socket)), asio::detached);
  }
}

// Over the connection cap: a short plain-HTTP 503 without reading anything,
// then close. (Over TLS the client sees a closed connection, which SAP also
// retries.)
asio::awaitable<void> HttpServer::RefuseBusy(tcp::socket socket) {
  auto self = shared_from_this();
  ++refused_busy_;
  if (log::FirstOrPowerOfTwo(refused_busy_)) {
    spdlog::warn("event=http_busy connections={} limit={} refused_total={}", *active_, options_.max_connections,
                 refused_busy_);
  }
  if (!options_.tls) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(2));
    Request head;
    auto res = TextResponse(head, beast_http::status::service_unavailable,
                            "too many connections (" + std::to_string(options_.max_connections) + "); retry later");
    res.set(beast_http::field::retry_after, std::to_string(options_.busy_retry_after.count()));
    res.set(beast_http::field::server, options_.server_name);
    res.keep_alive(false);
    co_await beast_http::async_write(stream, res, kUseTuple);
    // Closing with the request unread would reset the connection, and the
    // client might lose the answer: half-close, drain briefly, then close.
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    char sink[4096];
    for (int i = 0; i < 64; ++i) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kUseTuple);
      if (rec) break;
    }
  }
}

asio::awaitable<void> HttpServer::Serve(tcp::socket socket) {
  auto self = shared_from_this();
  auto active = active_;
  ++*active;
  if (!options_.tls) {
    beast::tcp_stream stream(std::move(socket));
    const std::string no_certificate;
    co_await ServeStream(stream, no_certificate);
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  } else {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *options_.tls);
    beast::get_lowest_layer(stream).expires_after(options_.header_timeout);
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kUseTuple);
    if (!hec) {
      std::string client_certificate;
      if (X509* presented = SSL_get0_peer_certificate(stream.native_handle())) {
        client_certificate = crypto::Certificate::Share(presented).Sha256Fingerprint();
      }
      co_await ServeStream(stream, client_certificate);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
      co_await stream.async_shutdown(kUseTuple);
    }
  }
  --*active;
}

template <typename Stream>
asio::awaitable<void> HttpServer::ServeStream(Stream& stream, const std::string& client_certificate) {
  beast::flat_buffer buffer;
  boost::system::error_code pec;
  const auto endpoint = beast::get_lowest_layer(stream).socket().remote_endpoint(pec);
  const asio::ip::address peer = pec ? asio::ip::address() : endpoint.address();
  for (;;) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(64 * 1024);
    // Beast would fail the header read itself on a Content-Length above the
    // body limit, leaving no chance to answer: read the header unlimited,
    // answer 413 below, and apply the limit to the body (chunked bodies).
    parser.body_limit(boost::none);
    if (buffer.size() == 0) {
      // Between requests: the idle timeout, until the next one begins.
      beast::get_lowest_layer(stream).expires_after(options_.idle_timeout);
      auto [iec, in] = co_await stream.async_read_some(buffer.prepare(4096), kUseTuple);
      if (iec) break;
      buffer.commit(in);
    }
    beast::get_lowest_layer(stream).expires_after(options_.header_timeout);
    auto [hec, hn] = co_await beast_http::async_read_header(stream, buffer, parser, kUseTuple);
    if (hec) break;  // closed, header timeout or garbage: nothing was accepted
    parser.body_limit(options_.max_body_bytes);
    const auto& header = parser.get();
    if (options_.head_check) {
      // Path, method, credentials, content type: settled before any body
      // byte is read. The body stays unread, so the connection closes.
      if (std::optional<Response> refusal = options_.head_check(header, peer)) {
        refusal->set(beast_http::field::server, options_.server_name);
        refusal->keep_alive(false);
        refusal->prepare_payload();
        beast::get_lowest_layer(stream).expires_after(options_.header_timeout);
        co_await beast_http::async_write(stream, *refusal, kUseTuple);
        break;
      }
    }
    // Refuse an oversized body before reading it: SAP gets a clear answer
    // and no memory is spent on it.
    if (parser.content_length() && *parser.content_length() > options_.max_body_bytes) {
      Request head;
      head.version(header.version());
      auto res =
          TextResponse(head, beast_http::status::payload_too_large,
                       "request body of " + std::to_string(*parser.content_length()) + " bytes exceeds the limit of " +
                           std::to_string(options_.max_body_bytes) + " bytes (" + options_.max_body_setting + ")");
      res.keep_alive(false);
      co_await beast_http::async_write(stream, res, kUseTuple);
      break;
    }
    beast::get_lowest_layer(stream).expires_after(options_.body_timeout);
    auto [bec, bn] = co_await beast_http::async_read(stream, buffer, parser, kUseTuple);
    if (bec == beast_http::error::body_limit) {
      Request head;
      head.version(header.version());
      auto res = TextResponse(head, beast_http::status::payload_too_large,
                              "request body exceeds the limit of " + std::to_string(options_.max_body_bytes) +
                                  " bytes (" + options_.max_body_setting + ")");
      res.keep_alive(false);
      co_await beast_http::async_write(stream, res, kUseTuple);
      break;
    }
    if (bec) break;
    Request req = parser.release();
    if (!options_.client_certificate_header.empty()) {
      req.erase(options_.client_certificate_header);
      req.set(options_.client_certificate_header, client_certificate);
    }
    // The handler may wait (e.g. for an fsync); it must not be cut by the
    // idle timer.
    beast::get_lowest_layer(stream).expires_never();
    Reply reply = co_await handler_(req, peer);
    if (reply.produce) {
      co_await StreamBody(stream, reply);
      break;
    }
    Response& res = reply.response;
    res.set(beast_http::field::server, options_.server_name);
    const bool keep_alive = res.keep_alive() && !stopping_;
    res.keep_alive(keep_alive);
    beast::get_lowest_layer(stream).expires_after(options_.idle_timeout);
    auto [wec, wn] = co_await beast_http::async_write(stream, res, kUseTuple);
    if (wec || !keep_alive) break;
  }
}

// The head with chunked encoding, the producer's pieces as chunks, and the
// last chunk; the connection closes afterwards.
template <typename Stream>
asio::awaitable<void> HttpServer::StreamBody(Stream& stream, Reply& reply) {
  beast_http::response<beast_http::empty_body> head{std::move(reply.response.base())};
  head.set(beast_http::field::server, options_.server_name);
  head.keep_alive(false);
  head.chunked(true);
  beast_http::response_serializer<beast_http::empty_body> serializer{head};
  beast::get_lowest_layer(stream).expires_after(options_.idle_timeout);
  auto [hec, hn] = co_await beast_http::async_write_header(stream, serializer, kUseTuple);
  if (hec) co_return;
  ChunkWriter<Stream> writer(stream, options_.idle_timeout);
  co_await reply.produce(writer);
  if (!writer.failed()) {
    beast::get_lowest_layer(stream).expires_after(options_.idle_timeout);
    co_await asio::async_write(stream, beast_http::make_chunk_last(), kUseTuple);
  }
}

}  // namespace ferry::http
