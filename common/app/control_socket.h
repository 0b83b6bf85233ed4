#pragma once
// ControlServer: a daemon's local control socket, a Unix stream socket
// (`<data_dir>/control.sock`, mode 0660: the service user and its group, and
// root), for its CLI. One JSON request per line, one JSON answer per line,
// then the connection closes. The handler runs on the daemon's event loop,
// so changes it makes are ordered with the daemon's own; it learns the
// caller's uid from the kernel (SO_PEERCRED), not from the request.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/json.hpp>

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include "common/status.h"

namespace ferry::app {

class ControlServer : public std::enable_shared_from_this<ControlServer> {
 public:
  using Handler = std::function<boost::json::object(const boost::json::value& request, uid_t caller)>;

  ControlServer(boost::asio::any_io_executor executor, std::filesystem::path path, Handler handler);
  // Binds (replacing a stale socket file) and starts accepting.
  Status Start();
  void Stop();

 private:
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> Serve(boost::asio::local::stream_protocol::socket socket);

  boost::asio::any_io_executor executor_;
  std::filesystem::path path_;
  Handler handler_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
};

// The user name of `uid` (a control socket's caller), or the number when it
// has none.
std::string UserName(uid_t uid);

// The client side: sends `request` to the socket at `path`, returns the
// answer. Unavailable when `daemon` ("the agent") does not listen there.
Result<boost::json::object> CallControl(const std::filesystem::path& path, const boost::json::object& request,
                                        std::string_view daemon);

}  // namespace ferry::app
