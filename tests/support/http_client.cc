#include "tests/support/http_client.h"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace ferry::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string LowerCase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Beast's synchronous calls ignore tcp_stream's expiry, so each step is run as
// an asynchronous operation on a private io_context until it completes.
template <typename Initiate>
beast::error_code RunOne(asio::io_context& ioc, Initiate&& initiate) {
  beast::error_code result = asio::error::would_block;
  initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

HttpResponse Failure(const std::string& stage, const beast::error_code& ec) {
  HttpResponse response;
  response.error = stage + ": " + ec.message();
  return response;
}

http::request<http::string_body> BuildRequest(const std::string& method, int port, const std::string& target,
                                              const std::string& body,
                                              const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> request;
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    request.method_string(method);
  } else {
    request.method(verb);
  }
  request.target(target);
  request.version(11);
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  return request;
}

// The server closed an idle keep-alive connection before reading the request.
bool IsStaleConnectionError(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

}  // namespace

namespace internal {

class HttpConnection {
 public:
  explicit HttpConnection(int port) : port_(port), stream_(ioc_) {}

  HttpResponse Exchange(const std::string& method, const std::string& target, const std::string& body,
                        const std::map<std::string, std::string>& headers, std::chrono::milliseconds timeout,
                        bool keep_alive) {
    const Clock::time_point deadline = Clock::now() + timeout;
    auto request = BuildRequest(method, port_, target, body, headers);
    if (!keep_alive) request.keep_alive(false);

    if (connected_ && PeerClosed()) Close();
    const bool reused = connected_;
    if (!connected_) {
      if (auto ec = Connect(deadline)) return Failure("connect", ec);
    }
    HttpResponse response;
    std::string stage;
    beast::error_code ec = RoundTrip(request, deadline, response, stage);
    if (ec && reused && IsStaleConnectionError(ec)) {
      Close();
      if (auto connect_ec = Connect(deadline)) return Failure("reconnect", connect_ec);
      response = HttpResponse();
      ec = RoundTrip(request, deadline, response, stage);
    }
    if (ec) {
      Close();
      return Failure(stage, ec);
    }
    if (!keep_alive || !keep_alive_response_) Close();
    return response;
  }

  int connections_opened() const { return connections_opened_; }

  void Close() {
    if (!connected_) return;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    buffer_.clear();
    connected_ = false;
  }

 private:
  beast::error_code Connect(Clock::time_point deadline) {
    stream_.expires_at(deadline);
    const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), static_cast<uint16_t>(port_));
    beast::error_code ec = RunOne(ioc_, [&](auto handler) { stream_.async_connect(endpoint, std::move(handler)); });
    if (ec) {
      beast::error_code ignored;
      stream_.socket().close(ignored);
      return ec;
    }
    stream_.socket().set_option(tcp::no_delay(true), ec);
    connected_ = true;
    ++connections_opened_;
    buffer_.clear();
    return {};
  }

  beast::error_code RoundTrip(http::request<http::string_body>& request, Clock::time_point deadline,
                              HttpResponse& response, std::string& stage) {
    stream_.expires_at(deadline);
    stage = "write";
    beast::error_code ec = RunOne(ioc_, [&](auto handler) { http::async_write(stream_, request, std::move(handler)); });
    if (ec) {
      // A server may answer before it has read the whole request (e.g. 413
      // for an oversized body) and close; the write then fails, but the
      // answer is waiting to be read, as curl would read it.
      if (ec != asio::error::broken_pipe && ec != asio::error::connection_reset) return ec;
      const beast::error_code write_ec = ec;
      if (!ReadResponse(request, response)) {
        keep_alive_response_ = false;  // the connection is unusable now
        return {};
      }
      return write_ec;
    }
    stage = "read";
    return ReadResponse(request, response);
  }

  beast::error_code ReadResponse(const http::request<http::string_body>& request, HttpResponse& response) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    if (request.method() == http::verb::head) parser.skip(true);
    beast::error_code ec =
        RunOne(ioc_, [&](auto handler) { http::async_read(stream_, buffer_, parser, std::move(handler)); });
    if (ec) return ec;

    auto& message = parser.get();
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      std::string name = LowerCase(std::string(field.name_string()));
      std::string value(field.value());
      auto [it, inserted] = response.headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    response.body = std::move(message.body());
    keep_alive_response_ = message.keep_alive();
    return {};
  }

  // A server that closed an idle connection has left an EOF (or RST) to read;
  // noticing it before writing avoids sending the request into a dead socket.
  bool PeerClosed() {
    pollfd pfd{stream_.socket().native_handle(), POLLIN, 0};
    if (::poll(&pfd, 1, 0) <= 0) return false;
    if (pfd.revents & (POLLERR | POLLHUP)) return true;
    char byte;
    return ::recv(pfd.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
  }

  int port_;
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
  bool keep_alive_response_ = true;
  int connections_opened_ = 0;
};

}  // namespace internal

HttpResponse HttpRequest(const std::string& method, int port, const std::string& target, const std::string& body,
                         const std::map<std::string, std::string>& headers, std::chrono::milliseconds timeout) {
  internal::HttpConnection connection(port);
  return connection.Exchange(method, target, body, headers, timeout, /*keep_alive=*/false);
}

KeepAliveClient::KeepAliveClient(int port) : connection_(std::make_unique<internal::HttpConnection>(port)) {}

KeepAliveClient::~KeepAliveClient() = default;

HttpResponse KeepAliveClient::Post(const std::string& target, const std::string& body,
                                   const std::map<std::string, std::string>& headers,
                                   std::chrono::milliseconds timeout) {
  return Request("POST", target, body, headers, timeout);
}

HttpResponse KeepAliveClient::Request(const std::string& method, const std::string& target, const std::string& body,
                                      const std::map<std::string, std::string>& headers,
                                      std::chrono::milliseconds timeout) {
  return connection_->Exchange(method, target, body, headers, timeout, /*keep_alive=*/true);
}

int KeepAliveClient::connections_opened() const { return connection_->connections_opened(); }

}  // namespace ferry::testing
