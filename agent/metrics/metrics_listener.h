#pragma once
// The agent's /metrics listener (`metrics.listen`): plain HTTP, GET
// /metrics only, a few connections, short timeouts. The figures carry no
// secrets but are not protected either, so the configuration keeps the
// listener on a loopback address unless told otherwise (agent_config).

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>

#include "common/http/http_server.h"
#include "common/status.h"

namespace ferry::agent {

class MetricsListener {
 public:
  // `render` writes the metrics text, on the event loop.
  MetricsListener(boost::asio::any_io_executor executor, std::string host, uint16_t port,
                  std::function<std::string()> render);
  Status Start();
  void Stop();
  uint16_t port() const;

 private:
  boost::asio::any_io_executor executor_;
  std::string host_;
  uint16_t port_;
  std::function<std::string()> render_;
  std::shared_ptr<http::HttpServer> server_;
};

}  // namespace ferry::agent
