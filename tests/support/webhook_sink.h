#pragma once
// An in-process HTTP/1.1 server standing in for a CRM's webhook receiver. It
// records every request and answers with whatever the test's responder says:
// 200, 503 + Retry-After, 400, or a slow answer, so the connector's delivery,
// retry and classification paths can be exercised without a real CRM.
//
// Runs on its own thread and io_context, serves many keep-alive connections
// at once, and is thread-safe. The responder runs on the server thread: it
// must return promptly and express slowness through SinkResponse::delay,
// which is applied with a timer so other connections keep being served.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ferry::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  std::chrono::steady_clock::time_point at;  // when the whole request was read
  int status_sent = 0;                       // the status the sink answered with
};

struct SinkResponse {
  int status = 200;
  std::map<std::string, std::string> headers;  // e.g. {"Retry-After", "2"}, {"Connection", "close"}
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before answering
};

using Responder = std::function<SinkResponse(const ReceivedRequest&)>;

// Whether a delivery of the webhook connector is of IDoc `docnum` (its
// control record's number, 16 digits).
inline bool DeliveryOfIdoc(const ReceivedRequest& r, const std::string& docnum) {
  return r.body.find("\"docnum\":\"" + docnum + "\"") != std::string::npos;
}

namespace internal {
class SinkServer;  // Beast stays out of this header
}  // namespace internal

class WebhookSink {
 public:
  // Listens on 127.0.0.1 on a port chosen by the kernel.
  WebhookSink();
  // Listens on 127.0.0.1:port (0 = chosen by the kernel). Throws
  // std::runtime_error if the port cannot be bound.
  explicit WebhookSink(int port);
  // Stops the server thread; open connections are dropped.
  ~WebhookSink();

  WebhookSink(const WebhookSink&) = delete;
  WebhookSink& operator=(const WebhookSink&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const;  // "http://127.0.0.1:<port><path>"

  // Replaces the responder; the default answers 200 with body "{}".
  void SetResponder(Responder responder);

  // Every request received so far, in arrival order, whatever it was answered.
  std::vector<ReceivedRequest> Requests() const;
  size_t Count() const;
  // Requests answered 2xx, i.e. events the sender may consider delivered.
  size_t AcceptedCount() const;
  bool WaitForAccepted(size_t n, std::chrono::milliseconds timeout) const;
  // Waits until at least n requests have been received; false on timeout.
  bool WaitForCount(size_t n, std::chrono::milliseconds timeout) const;
  // Forgets recorded requests (the connection count is kept).
  void Clear();

  // TCP connections accepted so far: lets a test check that a client reuses
  // its connection.
  size_t ConnectionCount() const;

 private:
  SinkResponse Handle(const ReceivedRequest& request);

  mutable std::mutex mutex_;
  mutable std::condition_variable received_;
  std::vector<ReceivedRequest> requests_;
  size_t accepted_ = 0;
  std::shared_ptr<const Responder> responder_;
  size_t connections_ = 0;
  int port_ = 0;
  // Last, so the server thread stops before the state it uses is destroyed.
  std::unique_ptr<internal::SinkServer> server_;
};

}  // namespace ferry::testing
