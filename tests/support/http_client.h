#pragma once
// A small synchronous HTTP/1.1 client for tests: it talks to the agent's
// inbound endpoint and the control plane's API on 127.0.0.1. Every call has a
// deadline, so a hung server fails the test instead of hanging it.

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace ferry::testing {

namespace internal {
class HttpConnection;  // Beast stays out of this header
}  // namespace internal

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names; repeats joined by ", "
  std::string body;
  std::string error;  // non-empty on transport failure (status is then 0)

  bool ok() const { return error.empty(); }
};

// One request on a fresh connection to 127.0.0.1:port, closed afterwards.
// `timeout` bounds the whole exchange (connect, write, read). Content-Length
// is set from `body`; other headers are sent as given.
HttpResponse HttpRequest(const std::string& method, int port, const std::string& target, const std::string& body,
                         const std::map<std::string, std::string>& headers = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Reuses one connection across requests, as SAP's HTTP client and load
// generators do. If the server has closed the idle connection, it reconnects
// and sends the request once more; a request that fails on the fresh
// connection returns an error. Not thread-safe.
class KeepAliveClient {
 public:
  explicit KeepAliveClient(int port);
  ~KeepAliveClient();
  KeepAliveClient(const KeepAliveClient&) = delete;
  KeepAliveClient& operator=(const KeepAliveClient&) = delete;

  HttpResponse Post(const std::string& target, const std::string& body,
                    const std::map<std::string, std::string>& headers,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
  HttpResponse Request(const std::string& method, const std::string& target, const std::string& body,
                       const std::map<std::string, std::string>& headers,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // How many TCP connections this client has opened so far.
  int connections_opened() const;

 private:
  std::unique_ptr<internal::HttpConnection> connection_;
};

}  // namespace ferry::testing
