#pragma once
// Pause: the wait of a component's loop between attempts (a poll interval,
// a back-off), which its Stop() must be able to end at once and new work
// may end early. Used from the executor it was made with.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>

namespace ferry::app {

class Pause {
 public:
  explicit Pause(boost::asio::any_io_executor executor) : timer_(executor) {}

  // Waits `how_long`, or until Wake() or Stop(); false once stopped (then
  // at once).
  boost::asio::awaitable<bool> For(std::chrono::milliseconds how_long);
  // Ends the wait under way, if any: it returns true.
  void Wake() { timer_.cancel(); }
  // Ends the wait under way and every later one: they return false.
  void Stop() {
    stopped_ = true;
    timer_.cancel();
  }
  bool stopped() const { return stopped_; }

 private:
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

// The wait after a failed attempt: 1 s, doubling up to 1 minute, and from
// 1 s again after a success.
class Backoff {
 public:
  std::chrono::milliseconds Next() {
    const auto wait = next_;
    next_ = std::min(next_ * 2, kMax);
    return wait;
  }
  void Reset() { next_ = kFirst; }

 private:
  static constexpr std::chrono::milliseconds kFirst{1000};
  static constexpr std::chrono::milliseconds kMax{60000};
  std::chrono::milliseconds next_ = kFirst;
};

}  // namespace ferry::app
