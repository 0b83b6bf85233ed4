#pragma once
// A small HTTP/1.1 server on Boost.Beast: keep-alive, a body size limit that
// is answered 413 before the body is read, a check of the request head
// before any body is read (an unauthenticated client never makes it buffer a
// body), a cap on concurrent connections (503 with Retry-After beyond it),
// separate idle, header and body timeouts so a slow client cannot hold a
// slot for long, an accept loop that backs off when the process is out of
// file descriptors, and a graceful Stop() that closes the listener while
// requests in flight finish.
//
// The handler is a coroutine, so it can wait for a durable commit without
// blocking the event loop. A handler may also answer with a stream (Reply
// with a BodyProducer): the head goes out with chunked encoding and the
// body follows piece by piece, for as long as the producer runs
// (Server-Sent Events).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"

namespace ferry::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;

// A request header's value; empty when the request has none.
inline std::string_view HeaderValue(const Request& req, std::string_view name) {
  auto it = req.find(boost::beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string_view() : std::string_view(it->value().data(), it->value().size());
}
// Answers a request; `peer` is the client's address (unspecified when it
// cannot be read).
using Handler = std::function<boost::asio::awaitable<Response>(Request& req, const boost::asio::ip::address& peer)>;
// Writes the pieces of a streamed body.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // Sends one piece (within the server's idle timeout). False once the
  // client has gone or is too slow to read: the producer should return.
  virtual boost::asio::awaitable<bool> Write(std::string piece) = 0;
};
using BodyProducer = std::function<boost::asio::awaitable<void>(BodyWriter& writer)>;

// An answer: a whole response, or a head and the producer of a streamed
// body (the connection closes when the producer returns).
struct Reply {
  Reply(Response whole) : response(std::move(whole)) {}  // NOLINT(google-explicit-constructor)
  Reply(Response head, BodyProducer body) : response(std::move(head)), produce(std::move(body)) {}
  Response response;
  BodyProducer produce;  // empty: `response` is the whole answer
};
using StreamingHandler =
    std::function<boost::asio::awaitable<Reply>(Request& req, const boost::asio::ip::address& peer)>;

// Sees the request line and headers (the body is still empty) and the
// client's address (unspecified when it cannot be read), and returns
// an answer to refuse the request without reading its body, or nullopt.
using HeadCheck = std::function<std::optional<Response>(const Request& head, const boost::asio::ip::address& peer)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (see HttpServer::port())
  uint64_t max_body_bytes = 16 << 20;
  std::string max_body_setting = "max_body";  // named in 413 answers
  // HTTPS when set: a server context with certificate and key loaded.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // A keep-alive connection waiting for its next request.
  std::chrono::seconds idle_timeout{60};
  // From the first byte of a request to the end of its headers.
  std::chrono::seconds header_timeout{10};
  // For the body once the headers are in; also the TLS handshake.
  std::chrono::seconds body_timeout{60};
  // Connections served at once; one more is answered 503 and closed.
  size_t max_connections = 64;
  std::chrono::seconds busy_retry_after{5};  // Retry-After of that 503
  std::string server_name = "ferry";
  HeadCheck head_check;  // optional
  // HTTPS: when set, each request carries in this header the SHA-256
  // fingerprint (lower-case hex) of the client certificate presented on
  // its connection, empty when none; whatever the client sent under that
  // name is dropped first, so a handler can trust it to pin a certificate.
  // The TLS context must ask for client certificates (verify_peer) and
  // leave trusting them to that pin.
  std::string client_certificate_header;
};

// A TLS 1.2+ server context with the certificate chain and key of these
// files (they may be one file); InvalidArgument naming the file otherwise.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(const std::string& cert_chain_file,
                                                                        const std::string& key_file);

// Opens `acceptor` on host:port (address reuse on) and starts listening.
// InvalidArgument when the host is not an IP address, Unavailable when the
// address cannot be bound. Every listener of both daemons opens this way.
Status OpenAcceptor(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host, uint16_t port);

// A plain-text response with the given status.
Response TextResponse(const Request& req, beast_http::status status, std::string body);

class HttpServer : public std::enable_shared_from_this<HttpServer> {
 public:
  static std::shared_ptr<HttpServer> Create(boost::asio::any_io_executor executor, HttpServerOptions options,
                                            Handler handler);
  static std::shared_ptr<HttpServer> Create(boost::asio::any_io_executor executor, HttpServerOptions options,
                                            StreamingHandler handler);
  // Binds and starts accepting. Unavailable when the address cannot be bound.
  Status Listen();
  void Stop();
  uint16_t port() const { return bound_port_; }
  size_t active_connections() const { return *active_; }

 private:
  HttpServer(boost::asio::any_io_executor executor, HttpServerOptions options, StreamingHandler handler);
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> Serve(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> RefuseBusy(boost::asio::ip::tcp::socket socket);
  // `client_certificate`: the fingerprint of the one the client presented.
  template <typename Stream>
  boost::asio::awaitable<void> ServeStream(Stream& stream, const std::string& client_certificate);
  template <typename Stream>
  boost::asio::awaitable<void> StreamBody(Stream& stream, Reply& reply);

  boost::asio::any_io_executor executor_;
  HttpServerOptions options_;
  StreamingHandler handler_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t bound_port_ = 0;
  bool stopping_ = false;
  std::shared_ptr<size_t> active_ = std::make_shared<size_t>(0);
  uint64_t refused_busy_ = 0;
};

}  // namespace ferry::http
