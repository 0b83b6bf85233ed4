#pragma once
// The daemon main loop both binaries share: run the event loop until SIGTERM
// or SIGINT, then let the component shut down gracefully before returning.

#include <boost/asio/io_context.hpp>

#include <functional>
#include <string>

namespace ferry::app {

// `shutdown(done)` is called once on the first signal; it must call `done`
// when the process may exit. A second signal exits at once.
void RunUntilSignal(boost::asio::io_context& io, std::function<void(std::function<void()> done)> shutdown);

// "ferry-agent 0.1.0 (git abc123, built with ...)".
std::string VersionLine(const std::string& program);

}  // namespace ferry::app
