#pragma once
// The control plane's side of the direct WebSocket tunnel: a WSS listener
// (Boost.Beast, the same HTTP stack as the console) that agents connect to
// with their enrolled client certificate, through whatever proxy the plant
// has. It is a Tunnel like the MQTT one, so ingest, delivery reports, flow
// distribution and renewal run on it unchanged:
//
//  - Each connection is one agent: the common name of its certificate
//    (checked against the fleet's CA, then by `admit`, e.g. revocation).
//    It may send only on its own up/ topics; anything else is dropped and
//    counted. A second connection of the same agent replaces the first.
//  - Publishing to an agent's topic sends to that agent's connection, or
//    answers Unavailable when it is not connected here.
//  - Retained publishes (the signed deployment, the presence) are kept, one
//    per topic, and sent again on every connect: the agent learns at once
//    that this control plane (re)started and gets its deployment.
//  - Ping and pong keep idle connections alive and find dead peers within
//    `idle_timeout`; a message above `max_message_bytes` closes the
//    connection; each agent's send queue is bounded by `max_queued_bytes`.
//  - Every callback runs on the executor; Publish may be called from any
//    thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/crypto/x509.h"
#include "common/status.h"
#include "common/transport/tunnel.h"

namespace ferry::transport {

struct WebSocketListenerOptions {
  std::string host;            // an IP address; empty: no listener
  uint16_t port = 0;           // 0: any free port (see port())
  std::string cert_file;       // the control plane's server certificate chain
  std::string key_file;        // and its key
  std::string client_ca_file;  // the fleet's CA: every agent presents a certificate it issued
  size_t max_connections = 10000;
  size_t max_message_bytes = 16 << 20;  // a batch is at most a few MB
  size_t max_queued_bytes = 64 << 20;   // per agent, waiting to be written
  std::chrono::seconds handshake_timeout{10};
  // A connection with nothing received for half of this is pinged; one with
  // nothing (not even a pong) for all of it is closed.
  std::chrono::seconds idle_timeout{20};
  // Sent retained to each agent on connect (the control plane's presence).
  std::string presence_topic;
  std::string birth_payload;
  // After the TLS handshake: may this certificate's agent connect? A
  // refusal is answered 403 with the status's message.
  std::function<Status(const std::string& agent_id, const crypto::Certificate& peer)> admit;
};

class WebSocketListenerTunnel : public Tunnel, public std::enable_shared_from_this<WebSocketListenerTunnel> {
 public:
  static Result<std::shared_ptr<WebSocketListenerTunnel>> Create(boost::asio::any_io_executor executor,
                                                                 WebSocketListenerOptions options);
  ~WebSocketListenerTunnel() override;

  // Binds; Unavailable when the address cannot be bound. Start() accepts.
  Status Listen();
  uint16_t port() const { return bound_port_; }
  size_t agents_connected() const { return sessions_.size(); }
  // Executor only (the tests ask there).
  bool HasAgent(const std::string& agent_id) const { return sessions_.count(agent_id) != 0; }
  uint64_t frames_dropped() const { return frames_dropped_; }

  void SetMessageHandler(MessageHandler handler) override { on_message_ = std::move(handler); }
  void SetStateHandler(StateHandler handler) override { on_state_ = std::move(handler); }
  void Start() override;
  void Stop() override;
  void Publish(const std::string& topic, std::string payload, PublishDone done) override;
  void PublishRetained(const std::string& topic, std::string payload, PublishDone done) override;
  // Publish to an agent connected here; for one that is not, `otherwise`
  // gets the message instead (the broker, when there is one). Decided on
  // the executor, where the connections are known, whatever thread calls.
  using Otherwise = std::function<void(std::string payload, PublishDone done)>;
  void PublishOrElse(const std::string& topic, std::string payload, PublishDone done, Otherwise otherwise);
  bool connected() const override { return listening_; }
  void Reconnect(const std::string& why) override {}  // a listener has nothing to reconnect

 private:
  class Session;
  WebSocketListenerTunnel(boost::asio::any_io_executor executor, WebSocketListenerOptions options,
                          std::shared_ptr<boost::asio::ssl::context> tls);
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> Serve(boost::asio::ip::tcp::socket socket);
  void Send(const std::string& topic, std::string payload, bool retained, PublishDone done, Otherwise otherwise = {});
  void OnFrame(const std::shared_ptr<Session>& session, std::string_view bytes);
  void DropFrame(const std::string& agent_id, const std::string& why);

  boost::asio::any_io_executor executor_;
  WebSocketListenerOptions options_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t bound_port_ = 0;
  bool listening_ = false;
  bool stopped_ = false;
  size_t connections_ = 0;                                    // TCP connections, handshaking ones included
  std::map<std::string, std::shared_ptr<Session>> sessions_;  // by agent id
  std::map<std::string, std::string> retained_;               // by topic
  uint64_t frames_dropped_ = 0;
  MessageHandler on_message_;
  StateHandler on_state_;
};

}  // namespace ferry::transport
