// ferry-s4-sim: simulated SAP S/4HANA OData APIs for the agent's S/4
// sources (see README.md beside it).
//
// Usage: ferry-s4-sim --port N [--host 127.0.0.1] [--latency-ms N]
// Prints "listening on HOST:PORT" once it accepts connections, then one line
// per request. Runs until SIGTERM or SIGINT. Entities, settings and faults
// are set at runtime through /_sim (the control API of ferry-crm-sim).

#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

#include "common/app/run_loop.h"
#include "tests/crm_sim/sim_server.h"
#include "tests/s4_sim/s4_odata_sim.h"

int main(int argc, char** argv) {
  ferry::crm_sim::SimOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--port") {
      options.port = static_cast<uint16_t>(std::atoi(argv[i + 1]));
    } else if (arg == "--host") {
      options.host = argv[i + 1];
    } else if (arg == "--latency-ms") {
      options.latency_ms = std::atoi(argv[i + 1]);
    } else {
      std::cerr << "usage: ferry-s4-sim --port N [--host 127.0.0.1] [--latency-ms N]\n";
      return 2;
    }
  }
  boost::asio::io_context io;
  std::vector<std::unique_ptr<ferry::crm_sim::VendorSim>> vendors;
  vendors.push_back(std::make_unique<ferry::s4_sim::S4ODataSim>(io.get_executor()));
  ferry::crm_sim::SimServer server(io.get_executor(), options, std::move(vendors));
  if (ferry::Status s = server.Start(); !s.ok()) {
    std::cerr << "ferry-s4-sim: " << s.message() << "\n";
    return 1;
  }
  std::cout << "listening on " << options.host << ":" << server.port() << std::endl;
  ferry::app::RunUntilSignal(io, [&](std::function<void()> done) {
    server.Stop();
    done();
  });
  return 0;
}
