#include "common/transport/websocket/ws_listener_tunnel.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>

#include "common/http/http_server.h"
#include "common/log/log.h"
#include "common/transport/topics.h"
#include "common/transport/websocket/ws_frame.h"

namespace ferry::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
using WsStream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// Whether a comma-separated header value lists `token`.
bool ListsToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == token) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string AgentPrefix(const std::string& agent_id) { return std::string(topics::kPrefix) + agent_id + "/"; }

}  // namespace

// One agent's connection: the reader runs in Serve, the writer here, each
// frame queued until it is written.
class WebSocketListenerTunnel::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(WsStream ws, std::string agent_id, size_t max_queued_bytes)
      : ws_(std::move(ws)), wake_(ws_.get_executor()), agent_id_(std::move(agent_id)), max_queued_(max_queued_bytes) {}

  const std::string& agent_id() const { return agent_id_; }
  WsStream& ws() { return ws_; }

  // False when the queue is full or the connection is gone.
  bool Send(std::string frame) {
    if (closed_ || queued_bytes_ + frame.size() > max_queued_) return false;
    queued_bytes_ += frame.size();
    queue_.push_back(std::move(frame));
    wake_.cancel();
    return true;
  }

  asio::awaitable<void> WriteLoop() {
    auto self = shared_from_this();
    while (!closed_) {
      if (queue_.empty()) {
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(kUseTuple);
        continue;
      }
      std::string frame = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= frame.size();
      auto [ec, n] = co_await ws_.async_write(asio::buffer(frame), kUseTuple);
      if (ec) {
        Close();
        break;
      }
    }
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    wake_.cancel();
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }
  bool closed() const { return closed_; }

 private:
  WsStream ws_;
  asio::steady_timer wake_;
  std::string agent_id_;
  size_t max_queued_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool closed_ = false;
};

Result<std::shared_ptr<WebSocketListenerTunnel>> WebSocketListenerTunnel::Create(asio::any_io_executor executor,
                                                                                 WebSocketListenerOptions options) {
  auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  tls->use_certificate_chain_file(options.cert_file, ec);
  if (ec) return Status::InvalidArgument("cannot load TLS certificate " + options.cert_file + ": " + ec.message());
  tls->use_private_key_file(options.key_file, asio::ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument("cannot load TLS key " + options.key_file + ": " + ec.message());
  tls->load_verify_file(options.client_ca_file, ec);
  if (ec) return Status::InvalidArgument("cannot load the agents' CA " + options.client_ca_file + ": " + ec.message());
  // Mutual TLS, always: the certificate is the agent's identity here.
  tls->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  return std::shared_ptr<WebSocketListenerTunnel>(
      new WebSocketListenerTunnel(executor, std::move(options), std::move(tls)));
}

WebSocketListenerTunnel::WebSocketListenerTunnel(asio::any_io_executor executor, WebSocketListenerOptions options,
                                                 std::shared_ptr<asio::ssl::context> tls)
    : executor_(executor), options_(std::move(options)), tls_(std::move(tls)), acceptor_(executor) {}

WebSocketListenerTunnel::~WebSocketListenerTunnel() = default;

Status WebSocketListenerTunnel::Listen() {
  if (Status s = http::OpenAcceptor(acceptor_, options_.host, options_.port); !s.ok()) return s;
  bound_port_ = acceptor_.local_endpoint().port();
  return Status::Ok();
}

void WebSocketListenerTunnel::Start() {
  if (!acceptor_.is_open()) {
    if (Status s = Listen(); !s.ok()) {
      spdlog::error("event=websocket_listen_failed error=\"{}\"", s.message());
      return;
    }
  }
  listening_ = true;
  spdlog::info("event=websocket_listening host={} port={}", options_.host, bound_port_);
  asio::co_spawn(
      executor_, [self = shared_from_this()] { return self->AcceptLoop(); }, asio::detached);
}

void WebSocketListenerTunnel::Stop() {
  stopped_ = true;
  listening_ = false;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& [agent, session] : sessions_) session->Close();
  sessions_.clear();
}

asio::awaitable<void> WebSocketListenerTunnel::AcceptLoop() {
  auto self = shared_from_this();
  while (!stopped_) {
    auto [ec, socket] = co_await acceptor_.async_accept(kUseTuple);
    if (stopped_) co_return;
    if (ec) {
      // Out of file descriptors and the like: pause instead of spinning.
      spdlog::warn("event=websocket_accept_failed error=\"{}\"", ec.message());
      asio::steady_timer pause(executor_, std::chrono::milliseconds(100));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    if (connections_ >= options_.max_connections) {
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(executor_, Serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> WebSocketListenerTunnel::Serve(tcp::socket socket) {
  auto self = shared_from_this();
  ++connections_;
  struct Count {
    size_t& n;
    ~Count() { --n; }
  } count{connections_};
  boost::system::error_code ignored;
  const auto peer = socket.remote_endpoint(ignored);
  // Acks and deployments are small frames: Nagle would hold one back until
  // the previous one is acknowledged.
  socket.set_option(tcp::no_delay(true), ignored);
  WsStream ws(std::move(socket), *tls_);
  beast::get_lowest_layer(ws).expires_after(options_.handshake_timeout);
  auto [tls_ec] = co_await ws.next_layer().async_handshake(asio::ssl::stream_base::server, kUseTuple);
  if (tls_ec) {
    spdlog::warn("event=websocket_tls_refused peer={} error=\"{}\"", peer.address().to_string(), tls_ec.message());
    co_return;
  }
  X509* cert = SSL_get0_peer_certificate(ws.next_layer().native_handle());
  const crypto::Certificate peer_cert = crypto::Certificate::Share(cert);
  const std::string agent_id = peer_cert.CommonName();

  beast::flat_buffer buffer;
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(8 * 1024);
  auto [read_ec, read_n] = co_await bhttp::async_read(ws.next_layer(), buffer, parser, kUseTuple);
  if (read_ec) co_return;
  auto& req = parser.get();
  auto refuse = [&](bhttp::status status, std::string why) -> asio::awaitable<void> {
    spdlog::warn("event=websocket_agent_refused peer={} agent_id={} status={} reason=\"{}\"",
                 peer.address().to_string(), agent_id, static_cast<int>(status), why);
    bhttp::response<bhttp::string_body> res{status, req.version()};
    res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    res.body() = std::move(why) + "\n";
    res.keep_alive(false);
    res.prepare_payload();
    co_await bhttp::async_write(ws.next_layer(), res, kUseTuple);
  };
  if (req.target() != kTunnelPath) {
    co_await refuse(bhttp::status::not_found, std::string("the tunnel is at ") + kTunnelPath);
    co_return;
  }
  if (!websocket::is_upgrade(req) || !ListsToken(req[bhttp::field::sec_websocket_protocol], kTunnelSubprotocol)) {
    co_await refuse(bhttp::status::bad_request,
                    std::string("a WebSocket upgrade with subprotocol ") + kTunnelSubprotocol + " is expected");
    co_return;
  }
  if (!topics::IsValidAgentId(agent_id)) {
    co_await refuse(bhttp::status::forbidden, "the certificate's common name is not an agent id");
    co_return;
  }
  if (options_.admit) {
    if (Status s = options_.admit(agent_id, peer_cert); !s.ok()) {
      co_await refuse(bhttp::status::forbidden, std::string(s.message()));
      co_return;
    }
  }
  if (stopped_) co_return;

  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout timeouts{options_.handshake_timeout, options_.idle_timeout, true};
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(bhttp::field::sec_websocket_protocol, kTunnelSubprotocol);
    res.set(bhttp::field::server, "ferry-controlplane");
  }));
  ws.read_message_max(options_.max_message_bytes);
  ws.binary(true);
  auto [accept_ec] = co_await ws.async_accept(req, kUseTuple);
  if (accept_ec || stopped_) co_return;

  auto session = std::make_shared<Session>(std::move(ws), agent_id, options_.max_queued_bytes);
  if (auto old = sessions_.find(agent_id); old != sessions_.end()) {
    // The agent reconnected before its old connection timed out (or a
    // second process runs with its identity): the newest one wins, as with
    // an MQTT client id.
    spdlog::warn("event=websocket_agent_replaced agent_id={}", agent_id);
    old->second->Close();
  }
  sessions_[agent_id] = session;
  spdlog::info("event=websocket_agent_connected agent_id={} peer={}", agent_id, peer.address().to_string());
  if (!options_.presence_topic.empty()) {
    session->Send(EncodeFrame(options_.presence_topic, options_.birth_payload, true));
  }
  const std::string prefix = AgentPrefix(agent_id);
  for (auto it = retained_.lower_bound(prefix); it != retained_.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    session->Send(EncodeFrame(it->first, it->second, true));
  }
  asio::co_spawn(executor_, session->WriteLoop(), asio::detached);

  beast::flat_buffer in;
  std::string why = "closed by the agent";
  while (!stopped_ && !session->closed()) {
    auto [ec, n] = co_await session->ws().async_read(in, kUseTuple);
    if (ec) {
      why = ec.message();
      break;
    }
    if (stopped_) break;
    if (!session->ws().got_binary()) {
      DropFrame(agent_id, "a text message");
    } else {
      const auto data = in.cdata();
      OnFrame(session, std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    in.consume(in.size());
  }
  session->Close();
  if (auto it = sessions_.find(agent_id); it != sessions_.end() && it->second == session) {
    sessions_.erase(it);
    spdlog::info("event=websocket_agent_disconnected agent_id={} reason=\"{}\"", agent_id, why);
  }
}

void WebSocketListenerTunnel::OnFrame(const std::shared_ptr<Session>& session, std::string_view bytes) {
  auto frame = DecodeFrame(bytes);
  if (!frame.ok()) return DropFrame(session->agent_id(), std::string(frame.status().message()));
  auto parsed = topics::Parse(frame->topic());
  if (!parsed || parsed->agent_id != session->agent_id() || parsed->channel.rfind("up/", 0) != 0) {
    return DropFrame(session->agent_id(), "not one of its own up/ topics");
  }
  if (on_message_) on_message_(frame->topic(), std::move(*frame->mutable_payload()));
}

void WebSocketListenerTunnel::DropFrame(const std::string& agent_id, const std::string& why) {
  ++frames_dropped_;
  if (log::FirstOrPowerOfTwo(frames_dropped_)) {
    spdlog::warn("event=websocket_frame_dropped agent_id={} reason=\"{}\" dropped_total={}", agent_id, why,
                 frames_dropped_);
  }
}

void WebSocketListenerTunnel::Publish(const std::string& topic, std::string payload, PublishDone done) {
  Send(topic, std::move(payload), false, std::move(done));
}

void WebSocketListenerTunnel::PublishRetained(const std::string& topic, std::string payload, PublishDone done) {
  Send(topic, std::move(payload), true, std::move(done));
}

void WebSocketListenerTunnel::PublishOrElse(const std::string& topic, std::string payload, PublishDone done,
                                            Otherwise otherwise) {
  Send(topic, std::move(payload), false, std::move(done), std::move(otherwise));
}

void WebSocketListenerTunnel::Send(const std::string& topic, std::string payload, bool retained, PublishDone done,
                                   Otherwise otherwise) {
  asio::dispatch(executor_, [self = shared_from_this(), topic, payload = std::move(payload), retained,
                             done = std::move(done), otherwise = std::move(otherwise)]() mutable {
    auto answer = [&](Status s) {
      if (done) done(s);
    };
    if (self->stopped_) return answer(Status::Unavailable("the websocket listener is stopped"));
    if (retained) self->retained_[topic] = payload;
    auto parsed = topics::Parse(topic);
    if (!parsed) {
      // Not an agent's topic (the presence): to every agent here, and to
      // the broker's as well when there is one.
      for (auto& [agent, session] : self->sessions_) session->Send(EncodeFrame(topic, payload, retained));
      if (otherwise) return otherwise(std::move(payload), std::move(done));
      return answer(Status::Ok());
    }
    auto it = self->sessions_.find(parsed->agent_id);
    if (it == self->sessions_.end() && otherwise) return otherwise(std::move(payload), std::move(done));
    if (it == self->sessions_.end()) {
      // Kept for the next connect when retained; lost otherwise, as on a
      // broker without a subscriber.
      return answer(retained ? Status::Ok()
                             : Status::Unavailable("agent " + parsed->agent_id + " is not connected here"));
    }
    if (!it->second->Send(EncodeFrame(topic, payload, retained))) {
      return answer(Status::ResourceExhausted("the send queue of agent " + parsed->agent_id + " is full"));
    }
    answer(Status::Ok());
  });
}

}  // namespace ferry::transport
