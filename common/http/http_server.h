#pragma once
// A small HTTP/1.1 server on Boost.Beast: keep-alive, a body size limit that
// is answered 413 before the body is read, idle timeouts, and a graceful
// Stop() that closes the listener while requests in flight finish.
//
// The handler is a coroutine, so it can wait for a durable commit without
// blocking the event loop.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace ferry::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (see HttpServer::port())
  uint64_t max_body_bytes = 16 << 20;
  std::string max_body_setting = "max_body";  // named in 413 answers
  // HTTPS when set: a server context with certificate and key loaded.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::chrono::seconds idle_timeout{60};
  std::string server_name = "ferry";
};

// A plain-text response with the given status.
Response TextResponse(const Request& req, beast_http::status status, std::string body);

class HttpServer : public std::enable_shared_from_this<HttpServer> {
 public:
  static std::shared_ptr<HttpServer> Create(boost::asio::any_io_executor executor, HttpServerOptions options,
                                            Handler handler);
  // Binds and starts accepting. Unavailable when the address cannot be bound.
  Status Listen();
  void Stop();
  uint16_t port() const { return bound_port_; }
  size_t active_connections() const { return *active_; }

 private:
  HttpServer(boost::asio::any_io_executor executor, HttpServerOptions options, Handler handler);
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> Serve(boost::asio::ip::tcp::socket socket);
  template <typename Stream>
  boost::asio::awaitable<void> ServeStream(Stream& stream);

  boost::asio::any_io_executor executor_;
  HttpServerOptions options_;
  Handler handler_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t bound_port_ = 0;
  bool stopping_ = false;
  std::shared_ptr<size_t> active_ = std::make_shared<size_t>(0);
};

}  // namespace ferry::http
