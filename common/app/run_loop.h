#pragma once
// The daemon main loop both binaries share: run the event loop until SIGTERM
// or SIGINT, then let the component shut down gracefully before returning.
//
// Under systemd (Type=notify, systemd/*.service) it also speaks the notify
// protocol through ServiceNotifier: READY=1 when it starts, STATUS= every
// 5 s, STOPPING=1 on the first signal, and WATCHDOG=1 pings from the loop.

#include <boost/asio/io_context.hpp>

#include <functional>
#include <string>

namespace ferry::app {

// Call it once the component has started (store open, listeners bound):
// it sends READY=1 before it runs the loop.
//
// `shutdown(done)` is called once on the first signal; it must call `done`
// when the process may exit. A second signal exits at once.
//
// `status` (optional) returns a one-line summary of the component for
// systemd's STATUS=, asked on the loop every 5 s until the first signal.
//
// `reload` (optional) runs on the loop for each SIGHUP (systemctl reload),
// between RELOADING=1 and READY=1; without it SIGHUP is ignored rather than
// ending the process.
void RunUntilSignal(boost::asio::io_context& io, std::function<void(std::function<void()> done)> shutdown,
                    std::function<std::string()> status = nullptr, std::function<void()> reload = nullptr);

// "ferry-agent 0.1.0 (git abc123, built with ...)".
std::string VersionLine(const std::string& program);
// "0.1.0+<git revision>": what a heartbeat reports and the console shows.
std::string Version();

}  // namespace ferry::app
