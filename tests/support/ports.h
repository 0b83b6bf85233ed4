#pragma once
// Ports for test servers, chosen by the kernel so parallel test runs never
// collide on a hard-coded number.

namespace ferry::testing {

// Binds 127.0.0.1:0, reads the port the kernel picked, closes the socket and
// returns the port. Another process may grab it before the caller binds it;
// the window is tiny and the kernel hands out ports round-robin, so prefer
// binding port 0 directly where the server under test allows it.
// Throws std::runtime_error if no socket can be bound.
int FreeTcpPort();

// Whether something accepts connections on 127.0.0.1:`port` now (a loopback
// connect completes or is refused at once).
bool TcpPortOpen(int port);

}  // namespace ferry::testing
