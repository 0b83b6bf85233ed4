#pragma once
// InboundService: the HTTPS listener CRMs send records to on their way
// down to SAP (`inbound:`; docs/down.md). POST /inbound/v1/<channel>: the
// channel authenticates and reads the request, DownCommands commits its
// records, and only then does the CRM get its success answer. 401 for a
// request that does not authenticate, 400 with the reason for one that
// does not read, 404 for an unknown channel, 503 with Retry-After while
// the queue is full or the store fails (the CRM sends it again).

#include <boost/asio/any_io_executor.hpp>

#include <memory>

#include "common/http/http_server.h"
#include "controlplane/down/down_commands.h"
#include "controlplane/down/inbound_config.h"
#include "controlplane/fleet/fleet_pki.h"

namespace ferry::controlplane {

class InboundService {
 public:
  InboundService(boost::asio::any_io_executor executor, const InboundOptions& options, FleetPki& pki,
                 std::shared_ptr<DownCommands> commands)
      : executor_(executor), options_(options), pki_(pki), commands_(std::move(commands)) {}
  ~InboundService() { Stop(); }

  Status Start();
  void Stop();
  uint16_t port() const { return server_ ? server_->port() : 0; }

 private:
  boost::asio::awaitable<http::Response> Handle(http::Request& req, const boost::asio::ip::address& peer);

  boost::asio::any_io_executor executor_;
  const InboundOptions& options_;
  FleetPki& pki_;
  std::shared_ptr<DownCommands> commands_;
  std::shared_ptr<http::HttpServer> server_;
};

}  // namespace ferry::controlplane
