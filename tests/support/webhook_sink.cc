#include "tests/support/webhook_sink.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

namespace ferry::testing {
namespace internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

using Handler = std::function<SinkResponse(const ReceivedRequest&)>;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One client connection: read a request, answer it (possibly after a timer),
// and loop while the connection is kept alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Handler& handler)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), handler_(handler) {}

  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(boost::none);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->OnRequest();
      // On error (client closed, bad request) the session ends
      // and its socket closes with it.
    });
  }

 private:
  void OnRequest() {
    auto& message = parser_->get();
    ReceivedRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      auto [it, inserted] = request.headers.emplace(Lower(std::string(field.name_string())), field.value());
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    request.body = std::move(message.body());
    request.at = std::chrono::steady_clock::now();

    SinkResponse answer = handler_(request);
    BuildResponse(answer, message.keep_alive(), message.version());
    if (answer.delay.count() > 0) {
      timer_.expires_after(answer.delay);
      timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec) self->WriteResponse();
      });
    } else {
      WriteResponse();
    }
  }

  void BuildResponse(const SinkResponse& answer, bool client_keep_alive, unsigned version) {
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(answer.status));
    bool has_connection = false;
    bool has_content_type = false;
    for (const auto& [name, value] : answer.headers) {
      const std::string lower = Lower(name);
      has_connection |= lower == "connection";
      has_content_type |= lower == "content-type";
      response_.set(name, value);
    }
    if (!has_content_type && !answer.body.empty()) {
      response_.set(http::field::content_type, "application/json");
    }
    response_.body() = answer.body;
    response_.prepare_payload();
    // A test closes the connection by answering with "Connection: close".
    if (!has_connection) response_.keep_alive(client_keep_alive);
  }

  void WriteResponse() {
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      if (self->response_.keep_alive()) {
        self->ReadRequest();
      } else {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      }
    });
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  const Handler& handler_;  // owned by SinkServer, which outlives every session
};

}  // namespace

class SinkServer {
 public:
  SinkServer(int port, Handler handler, std::function<void()> on_accept)
      : handler_(std::move(handler)), on_accept_(std::move(on_accept)), acceptor_(ioc_) {
    const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), static_cast<uint16_t>(port));
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("WebhookSink: cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~SinkServer() {
    ioc_.stop();
    thread_.join();
    // Pending handlers, and the sessions they own, are destroyed with ioc_.
  }

  int port() const { return port_; }

 private:
  void Accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        on_accept_();
        std::make_shared<Session>(std::move(socket), handler_)->ReadRequest();
      }
      Accept();
    });
  }

  Handler handler_;
  std::function<void()> on_accept_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace internal

WebhookSink::WebhookSink() : WebhookSink(0) {}

WebhookSink::WebhookSink(int port)
    : responder_(std::make_shared<const Responder>([](const ReceivedRequest&) {
        return SinkResponse{200, {}, "{}", {}};
      })) {
  server_ = std::make_unique<internal::SinkServer>(
      port, [this](const ReceivedRequest& request) { return Handle(request); },
      [this] {
        std::lock_guard<std::mutex> lock(mutex_);
        ++connections_;
      });
  port_ = server_->port();
}

WebhookSink::~WebhookSink() { server_.reset(); }

std::string WebhookSink::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void WebhookSink::SetResponder(Responder responder) {
  auto shared = std::make_shared<const Responder>(std::move(responder));
  std::lock_guard<std::mutex> lock(mutex_);
  responder_ = std::move(shared);
}

SinkResponse WebhookSink::Handle(const ReceivedRequest& request) {
  std::shared_ptr<const Responder> responder;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    responder = responder_;
  }
  // Called outside the lock so a responder may itself call Count() etc.
  // A bad responder must not take the server thread down with it.
  SinkResponse response;
  try {
    response = (*responder)(request);
    if (response.status < 100 || response.status > 999) {
      response = SinkResponse{500, {}, "responder returned status " + std::to_string(response.status), {}};
    }
  } catch (const std::exception& e) {
    response = SinkResponse{500, {}, std::string("responder threw: ") + e.what(), {}};
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    requests_.back().status_sent = response.status;
    if (response.status >= 200 && response.status < 300) ++accepted_;
  }
  received_.notify_all();
  return response;
}

size_t WebhookSink::AcceptedCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return accepted_;
}

bool WebhookSink::WaitForAccepted(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return received_.wait_for(lock, timeout, [&] { return accepted_ >= n; });
}

std::vector<ReceivedRequest> WebhookSink::Requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

size_t WebhookSink::Count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_.size();
}

bool WebhookSink::WaitForCount(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return received_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

void WebhookSink::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  requests_.clear();
  accepted_ = 0;
}

size_t WebhookSink::ConnectionCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return connections_;
}

}  // namespace ferry::testing
