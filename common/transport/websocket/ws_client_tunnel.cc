#include "common/transport/websocket/ws_client_tunnel.h"

#include <libwebsockets.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <cstring>
#include <vector>

#include "common/transport/websocket/ws_frame.h"

namespace ferry::transport {

namespace asio = boost::asio;

namespace {

int Callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

const lws_protocols kProtocols[] = {
    {kTunnelSubprotocol, Callback, 0, 64 * 1024, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

// libwebsockets' own errors and warnings, through our (escaping) log.
void LogFromLibrary(int level, const char* line) {
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  spdlog::debug("event=websocket_library level={} detail=\"{}\"", level, text);
}

}  // namespace

Result<TunnelUrl> ParseTunnelUrl(const std::string& url) {
  constexpr std::string_view kScheme = "wss://";
  if (url.rfind(kScheme, 0) != 0) {
    return Status::InvalidArgument("must start with wss:// (the direct tunnel is always TLS; got '" + url + "')");
  }
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  TunnelUrl out;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? kTunnelPath : std::string(rest.substr(slash));
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    const std::string port(authority.substr(colon + 1));
    char* end = nullptr;
    const long value = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || value < 1 || value > 65535) {
      return Status::InvalidArgument("'" + port + "' is not a port (in '" + url + "')");
    }
    out.port = static_cast<uint16_t>(value);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return Status::InvalidArgument("no host in '" + url + "'");
  out.host = std::string(authority);
  return out;
}

// One connection attempt and its service thread. The queue and the stop
// request are shared with the tunnel (under `mu`); everything else belongs
// to the service thread.
struct WebSocketClientTunnel::Connection {
  asio::any_io_executor executor;
  std::weak_ptr<WebSocketClientTunnel> tunnel;
  WebSocketClientOptions options;
  TunnelUrl url;

  std::mutex mu;
  std::deque<std::string> out;  // frames after LWS_PRE bytes of headroom
  size_t out_bytes = 0;         // frame bytes in `out`
  bool drain_wanted = false;    // SendQueueFull() said yes: post the drain at half
  lws_context* context = nullptr;
  bool stop = false;

  lws* wsi = nullptr;
  bool established = false;
  bool ended = false;
  std::string rx;
  std::string reason;
  std::string tls_error;
  lws_retry_bo_t idle_policy{};
  std::thread thread;

  Status Enqueue(std::string frame) {
    std::lock_guard lock(mu);
    const size_t bytes = frame.size() - LWS_PRE;
    if (!context) return Status::Unavailable("the connection to the control plane is closing");
    // One frame larger than the whole queue still goes, alone.
    if (out_bytes > 0 && out_bytes + bytes > options.max_queued_bytes) {
      drain_wanted = true;  // the refused sender waits for the drain
      return Status::ResourceExhausted("the websocket send queue is full");
    }
    out_bytes += bytes;
    out.push_back(std::move(frame));
    lws_cancel_service(context);  // the service thread asks for a write
    return Status::Ok();
  }

  bool Pending() {
    std::lock_guard lock(mu);
    return out_bytes > 0;
  }

  bool Full() {
    std::lock_guard lock(mu);
    if (out_bytes < options.pause_queued_bytes) return false;
    drain_wanted = true;
    return true;
  }

  void RequestStop() {
    std::lock_guard lock(mu);
    stop = true;
    if (context) lws_cancel_service(context);
  }

  template <typename Fn>
  void Post(Fn fn) {
    asio::post(executor, [weak = tunnel, fn = std::move(fn)]() mutable {
      if (auto self = weak.lock()) fn(*self);
    });
  }

  void Run() {
    lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = kProtocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.fd_limit_per_thread = 16;  // one connection, the wake-up pipe, DNS
    info.user = this;
    if (!options.tls.ca_file.empty()) {
      info.client_ssl_ca_filepath = options.tls.ca_file.c_str();
      info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;  // the fleet's CA only
    }
    if (!options.tls.cert_file.empty()) {
      info.client_ssl_cert_filepath = options.tls.cert_file.c_str();
      info.client_ssl_private_key_filepath = options.tls.key_file.c_str();
    }
    const std::string proxy = options.https_proxy.ForLibwebsockets();
    if (!proxy.empty()) info.http_proxy_address = proxy.c_str();

    lws_context* ctx = lws_create_context(&info);
    if (!ctx) {
      Finish("cannot set up TLS (is the certificate, key or CA file unreadable?)");
      return;
    }
    {
      std::lock_guard lock(mu);
      context = ctx;
      if (stop) ended = true;
    }
    idle_policy.secs_since_valid_ping = static_cast<uint16_t>(options.keep_alive.count());
    idle_policy.secs_since_valid_hangup = static_cast<uint16_t>(options.keep_alive.count() * 2);
    lws_client_connect_info ci;
    std::memset(&ci, 0, sizeof ci);
    ci.context = ctx;
    ci.address = url.host.c_str();
    ci.port = url.port;
    ci.path = url.path.c_str();
    ci.host = url.host.c_str();  // also the name the server certificate must carry
    ci.origin = url.host.c_str();
    ci.ssl_connection = LCCSCF_USE_SSL;
    ci.protocol = kTunnelSubprotocol;
    ci.local_protocol_name = kTunnelSubprotocol;
    ci.retry_and_idle_policy = &idle_policy;
    if (!ended && !lws_client_connect_via_info(&ci) && reason.empty()) {
      reason = "cannot start connecting to " + url.host;
      ended = true;
    }
    while (!ended) lws_service(ctx, 0);
    {
      std::lock_guard lock(mu);
      context = nullptr;
    }
    lws_context_destroy(ctx);
    Finish(reason.empty() ? "stopped" : reason);
  }

  void Finish(std::string why) {
    const bool was_established = established;
    Post([this, why = std::move(why), was_established](WebSocketClientTunnel& t) {
      if (t.connection_.get() == this) t.OnEnded(why, was_established);
    });
  }

  int OnCallback(lws* w, lws_callback_reasons what, void* user, void* in, size_t len) {
    switch (what) {
      case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
        // The library reports a failed check only as an OpenSSL error code;
        // keep the verifier's own words for the log.
        if (len == 0 && user) {
          tls_error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(static_cast<X509_STORE_CTX*>(user)));
        }
        return 0;
      case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        reason = in ? std::string(static_cast<const char*>(in), strnlen(static_cast<const char*>(in), len ? len : 512))
                    : "connection failed";
        if (!tls_error.empty()) reason += " (server certificate: " + tls_error + ")";
        ended = true;
        wsi = nullptr;
        return 0;
      case LWS_CALLBACK_CLIENT_ESTABLISHED: {
        wsi = w;
        established = true;
        Post([this](WebSocketClientTunnel& t) {
          if (t.connection_.get() == this) t.OnConnected();
        });
        std::lock_guard lock(mu);
        if (!out.empty()) lws_callback_on_writable(w);
        return 0;
      }
      case LWS_CALLBACK_CLIENT_RECEIVE: {
        lws_validity_confirmed(w);
        if (rx.size() + len > options.max_message_bytes) {
          reason = "the control plane sent a message above " + std::to_string(options.max_message_bytes) + " bytes";
          lws_close_reason(w, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, nullptr, 0);
          return -1;
        }
        rx.append(static_cast<const char*>(in), len);
        if (lws_is_final_fragment(w) && lws_remaining_packet_payload(w) == 0) Deliver();
        return 0;
      }
      case LWS_CALLBACK_CLIENT_WRITEABLE: {
        std::string frame;
        bool more = false, drained = false;
        {
          std::lock_guard lock(mu);
          if (out.empty()) return 0;
          frame = std::move(out.front());
          out.pop_front();
          out_bytes -= frame.size() - LWS_PRE;
          more = !out.empty();
          if (drain_wanted && out_bytes <= options.pause_queued_bytes / 2) {
            drain_wanted = false;
            drained = true;
          }
        }
        // Sent from the frame's own buffer: lws writes its header into the
        // headroom in front of it.
        const size_t size = frame.size() - LWS_PRE;
        const int n = lws_write(w, reinterpret_cast<unsigned char*>(frame.data()) + LWS_PRE, size, LWS_WRITE_BINARY);
        if (n < static_cast<int>(size)) {
          reason = "writing to the control plane failed";
          return -1;
        }
        if (more) lws_callback_on_writable(w);
        if (drained) {
          Post([](WebSocketClientTunnel& t) {
            if (t.on_drain_) t.on_drain_();
          });
        }
        return 0;
      }
      case LWS_CALLBACK_EVENT_WAIT_CANCELLED: {
        bool stopping = false, pending = false;
        {
          std::lock_guard lock(mu);
          stopping = stop;
          pending = !out.empty();
        }
        if (stopping) {
          ended = true;  // destroying the context closes the connection
        } else if (pending && wsi && established) {
          lws_callback_on_writable(wsi);
        }
        return 0;
      }
      case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (len >= 2) {
          const auto* code = static_cast<const unsigned char*>(in);
          reason = "closed by the control plane (code " + std::to_string(code[0] << 8 | code[1]) + ")";
        }
        return 0;
      case LWS_CALLBACK_CLIENT_CLOSED:
        if (reason.empty()) reason = "the connection closed";
        ended = true;
        wsi = nullptr;
        return 0;
      default:
        return 0;
    }
  }

  void Deliver() {
    auto frame = DecodeFrame(rx);
    rx.clear();
    if (!frame.ok()) {
      spdlog::warn("event=websocket_frame_dropped reason=\"{}\"", frame.status().message());
      return;
    }
    Post([topic = frame->topic(), payload = std::move(*frame->mutable_payload())](WebSocketClientTunnel& t) mutable {
      if (!t.stopped_ && t.on_message_) t.on_message_(topic, std::move(payload));
    });
  }
};

namespace {

int Callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  lws_context* context = lws_get_context(wsi);
  auto* connection = context ? static_cast<WebSocketClientTunnel::Connection*>(lws_context_user(context)) : nullptr;
  return connection ? connection->OnCallback(wsi, reason, user, in, len) : 0;
}

}  // namespace

Result<std::shared_ptr<WebSocketClientTunnel>> WebSocketClientTunnel::Create(asio::any_io_executor executor,
                                                                             WebSocketClientOptions options) {
  auto url = ParseTunnelUrl(options.url);
  if (!url.ok()) return url.status();
  static std::once_flag log_once;
  std::call_once(log_once, [] { lws_set_log_level(LLL_ERR | LLL_WARN, LogFromLibrary); });
  return std::shared_ptr<WebSocketClientTunnel>(new WebSocketClientTunnel(executor, std::move(options), *url));
}

WebSocketClientTunnel::WebSocketClientTunnel(asio::any_io_executor executor, WebSocketClientOptions options,
                                             TunnelUrl url)
    : executor_(executor),
      options_(std::move(options)),
      url_(std::move(url)),
      reconnect_timer_(executor),
      backoff_(options_.reconnect_min, options_.reconnect_max) {}

WebSocketClientTunnel::~WebSocketClientTunnel() { Stop(); }

void WebSocketClientTunnel::Start() {
  stopped_ = false;
  Connect();
}

void WebSocketClientTunnel::Stop() {
  stopped_ = true;
  reconnect_timer_.cancel();
  if (connection_) {
    connection_->RequestStop();
    if (connection_->thread.joinable()) connection_->thread.join();
    connection_.reset();
  }
  connected_ = false;
}

void WebSocketClientTunnel::Connect() {
  if (stopped_ || connection_) return;
  auto connection = std::make_shared<Connection>();
  connection->executor = executor_;
  connection->tunnel = weak_from_this();
  connection->options = options_;
  connection->url = url_;
  connection_ = connection;
  connection->thread = std::thread([connection] { connection->Run(); });
}

void WebSocketClientTunnel::OnConnected() {
  connected_ = true;
  backoff_.Reset();
  spdlog::info("event=websocket_connected url={} proxy={}", options_.url, options_.https_proxy.ForLogs());
  if (on_state_) on_state_(true, "connected to " + options_.url);
}

void WebSocketClientTunnel::OnEnded(const std::string& reason, bool was_connected) {
  if (connection_->thread.joinable()) connection_->thread.join();
  connection_.reset();
  connected_ = false;
  if (stopped_) return;
  if (reconnect_now_) {
    reconnect_now_ = false;
    if (on_state_) on_state_(false, "reconnecting: " + reason);
    Connect();
    return;
  }
  const auto wait = backoff_.Next();
  spdlog::warn("event=websocket_{} url={} detail=\"{}\" retry_in_ms={}",
               was_connected ? "connection_lost" : "connect_failed", options_.url, reason, wait.count());
  if (on_state_) on_state_(false, (was_connected ? "lost " : "cannot connect to ") + options_.url + ": " + reason);
  reconnect_timer_.expires_after(wait);
  reconnect_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->Connect();
  });
}

void WebSocketClientTunnel::Reconnect(const std::string& why) {
  if (!connection_) return;  // the next connect reads the files anyway
  spdlog::info("event=websocket_reconnect reason=\"{}\"", why);
  reconnect_now_ = true;
  connection_->RequestStop();
}

void WebSocketClientTunnel::Publish(const std::string& topic, std::string payload, PublishDone done) {
  Status s = Status::Ok();
  if (!connected_ || !connection_) {
    s = Status::Unavailable("not connected to " + options_.url);
  } else {
    s = connection_->Enqueue(EncodeFrame(topic, std::move(payload), false, LWS_PRE));
  }
  if (done) done(s);
}

bool WebSocketClientTunnel::SendQueueFull() const { return connection_ && connected_ && connection_->Full(); }

bool WebSocketClientTunnel::SendPending() const { return connection_ && connected_ && connection_->Pending(); }

void WebSocketClientTunnel::PublishRetained(const std::string& topic, std::string payload, PublishDone done) {
  // Agents publish nothing retained; the control plane keeps its own.
  Publish(topic, std::move(payload), std::move(done));
}

}  // namespace ferry::transport
