#include "common/app/pause.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ferry::app {

boost::asio::awaitable<bool> Pause::For(std::chrono::milliseconds how_long) {
  if (stopped_) co_return false;
  timer_.expires_after(how_long);
  boost::system::error_code ec;
  co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  co_return !stopped_;
}

}  // namespace ferry::app
