#pragma once
// LoadClient: the benchmark's load generator for the agent's IDoc listener,
// standing in for SAP's XML-HTTP port on one keep-alive connection.
//
// On this 2-core machine the generator shares the cores with the agent it
// measures, so it is as lean as HTTP/1.1 allows: a blocking socket, one
// writev per request and reads until the response is complete, no timers
// or event loop (the tests' KeepAliveClient costs several system calls more
// per request). A connection the agent closed is opened again once.

#include <string>
#include <string_view>

namespace ferry::testing::bench {

class LoadClient {
 public:
  explicit LoadClient(int port);
  ~LoadClient();
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  // POSTs `body` as text/xml to `path`; the response's status code, or 0
  // when there was none (connection refused or broken, or 30 s without an
  // answer).
  int PostXml(std::string_view path, std::string_view body);

 private:
  bool Connect();
  void Close();
  int Exchange(std::string_view path, std::string_view body);

  int port_;
  int fd_ = -1;
  std::string buffer_;  // bytes received past the last response
};

}  // namespace ferry::testing::bench
