#include "common/app/control_socket.h"

#include <pwd.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace ferry::app {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {
constexpr size_t kMaxRequestBytes = 1 << 20;
}

ControlServer::ControlServer(asio::any_io_executor executor, std::filesystem::path path, Handler handler)
    : executor_(executor), path_(std::move(path)), handler_(std::move(handler)), acceptor_(executor) {}

Status ControlServer::Start() {
  boost::system::error_code ec;
  // A socket file left by a killed daemon: nobody listens on it any more.
  std::filesystem::remove(path_, ec);
  acceptor_.open(local(), ec);
  if (!ec) acceptor_.bind(local::endpoint(path_.string()), ec);
  if (!ec) acceptor_.listen(16, ec);
  if (ec) return Status::Unavailable("control socket " + path_.string() + ": " + ec.message());
  ::chmod(path_.c_str(), 0660);
  asio::co_spawn(executor_, AcceptLoop(), asio::detached);
  return Status::Ok();
}

void ControlServer::Stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  std::filesystem::remove(path_, ec);
}

asio::awaitable<void> ControlServer::AcceptLoop() {
  auto self = shared_from_this();
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;
    }
    asio::co_spawn(executor_, Serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> ControlServer::Serve(local::socket socket) {
  auto self = shared_from_this();
  ucred peer{};
  socklen_t peer_size = sizeof peer;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &peer, &peer_size) != 0) co_return;
  asio::streambuf buffer(kMaxRequestBytes);
  auto [ec, n] = co_await asio::async_read_until(socket, buffer, '\n', asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  std::string line(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + static_cast<long>(n));
  boost::json::object answer;
  boost::system::error_code parse_error;
  boost::json::value request = boost::json::parse(line, parse_error);
  if (parse_error) {
    answer = {{"ok", false}, {"code", "invalid"}, {"error", "request is not JSON: " + parse_error.message()}};
  } else {
    answer = handler_(request, peer.uid);
  }
  std::string text = boost::json::serialize(answer) + "\n";
  co_await asio::async_write(socket, asio::buffer(text), asio::as_tuple(asio::use_awaitable));
}

std::string UserName(uid_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  char buffer[4096];
  if (getpwuid_r(uid, &pw, buffer, sizeof buffer, &found) == 0 && found) return found->pw_name;
  return std::to_string(uid);
}

Result<boost::json::object> CallControl(const std::filesystem::path& path, const boost::json::object& request,
                                        std::string_view daemon) {
  asio::io_context io;
  local::socket socket(io);
  boost::system::error_code ec;
  socket.connect(local::endpoint(path.string()), ec);
  if (ec == boost::system::errc::permission_denied) {
    return Status::Unauthenticated("no permission to use the control socket of " + std::string(daemon) + " " +
                                   path.string() + " (run as root or the service user)");
  }
  if (ec) {
    return Status::Unavailable(std::string(daemon) + " is not running (" + path.string() + ": " + ec.message() + ")");
  }
  const std::string text = boost::json::serialize(request) + "\n";
  asio::write(socket, asio::buffer(text), ec);
  if (ec) return Status::Unavailable("control socket: " + ec.message());
  asio::streambuf buffer(64u << 20);
  const size_t n = asio::read_until(socket, buffer, '\n', ec);
  if (ec) return Status::Unavailable("control socket: no answer (" + ec.message() + ")");
  std::string line(asio::buffers_begin(buffer.data()), asio::buffers_begin(buffer.data()) + static_cast<long>(n));
  boost::json::value answer = boost::json::parse(line, ec);
  if (ec || !answer.is_object()) return Status::Unavailable("control socket: the answer is not JSON");
  return answer.as_object();
}

}  // namespace ferry::app
