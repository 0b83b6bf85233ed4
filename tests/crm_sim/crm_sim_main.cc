// ferry-crm-sim: simulated Salesforce and Microsoft Dataverse for the
// connector tests, the benchmark and the demo (see README.md beside it).
//
// Usage: ferry-crm-sim --port N [--host 127.0.0.1] [--latency-ms N]
// Prints "listening on HOST:PORT" once it accepts connections (port 0: the
// kernel's choice, printed), then one line per request. Runs until SIGTERM
// or SIGINT. Everything else is set at runtime through /_sim.

#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

#include "common/app/run_loop.h"
#include "tests/crm_sim/all_vendors.h"
#include "tests/crm_sim/sim_server.h"

namespace {

int Usage() {
  std::cerr << "usage: ferry-crm-sim --port N [--host 127.0.0.1] [--latency-ms N]\n";
  return 2;
}

// A whole decimal number in [0, max], or -1.
long Number(const char* text, long max) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  return *text != '\0' && *end == '\0' && value >= 0 && value <= max ? value : -1;
}

}  // namespace

int main(int argc, char** argv) {
  ferry::crm_sim::SimOptions options;
  bool have_port = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return Usage();
    if (arg == "--port") {
      const long port = Number(argv[++i], 65535);
      if (port < 0) return Usage();
      options.port = static_cast<uint16_t>(port);
      have_port = true;
    } else if (arg == "--host") {
      options.host = argv[++i];
    } else if (arg == "--latency-ms") {
      const long latency = Number(argv[++i], 600000);
      if (latency < 0) return Usage();
      options.latency_ms = static_cast<int>(latency);
    } else {
      return Usage();
    }
  }
  if (!have_port) return Usage();

  boost::asio::io_context io;  // one thread: the vendors' state needs no locks
  ferry::crm_sim::SimServer server(io.get_executor(), options, ferry::crm_sim::AllVendors(io.get_executor()));
  if (ferry::Status s = server.Start(); !s.ok()) {
    std::cerr << "ferry-crm-sim: " << s.message() << "\n";
    return 1;
  }
  std::cout << "listening on " << options.host << ":" << server.port() << std::endl;
  ferry::app::RunUntilSignal(io, [&](std::function<void()> done) {
    server.Stop();
    done();
  });
  return 0;
}
