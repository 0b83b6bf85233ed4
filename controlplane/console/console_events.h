#pragma once
// Live updates for the console (GET /api/v1/events, Server-Sent Events):
// a numbered, bounded history of "something changed" notices and the
// streams of the open browser tabs waiting for the next one.
//
// A notice names topics ("agents", "dead-letters", "audit", "fleet"); a tab
// fetches again what the page it shows is made of. Ids are "BOOT-N": BOOT
// tells this run of the control plane from the one before, so a tab that
// resumes with a Last-Event-ID from another run, or from before the kept
// history, gets `event: reset` (fetch everything) instead of a gap it
// cannot see.
//
// Everything here runs on the control plane's event loop.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/http/http_server.h"

namespace ferry::controlplane {

class ConsoleEvents {
 public:
  struct Options {
    size_t history = 256;                   // notices kept for tabs that resume
    size_t max_streams = 32;                // open streams at once
    std::chrono::seconds keepalive{15};     // a comment line when nothing happens
    std::chrono::milliseconds retry{3000};  // the `retry:` sent to browsers
  };

  ConsoleEvents(boost::asio::any_io_executor executor, Options options, int64_t boot_unix_ms);

  // Numbers a notice, keeps it and wakes every stream.
  void Publish(const std::vector<std::string>& topics);
  // False when max_streams are open (the caller answers 429).
  bool HasRoom() const { return core_->streams.size() < core_->options.max_streams; }
  // Writes what followed `last_event_id` (or `reset`), then every new
  // notice and a keep-alive, until the client goes, `max_age` has passed
  // (the browser opens the stream again), `allowed` turns false (checked
  // before each write: the sign-in ended) or Stop().
  boost::asio::awaitable<void> Stream(http::BodyWriter& writer, std::string last_event_id, std::chrono::seconds max_age,
                                      std::function<bool()> allowed);
  // Ends every stream.
  void Stop();
  size_t streams() const { return core_->streams.size(); }
  uint64_t last_number() const { return core_->next_number - 1; }

 private:
  struct Notice {
    uint64_t number;
    std::string text;  // the whole SSE message: "id: ...\nevent: ...\ndata: ...\n\n"
  };
  // Shared with the streams, which may outlive this object by a turn of
  // the event loop while they wind down.
  struct Core {
    Options options;
    std::string boot;
    uint64_t next_number = 1;
    std::deque<Notice> history;
    std::set<boost::asio::steady_timer*> streams;  // each stream's wait, cancelled to wake it
    bool stopped = false;

    // The notices after number `sent`, or a reset when some of them are no
    // longer kept; advances `sent`.
    std::string After(uint64_t& sent) const;
    // What follows `last_event_id` when a stream opens.
    std::string CatchUp(const std::string& last_event_id, uint64_t& sent) const;
    std::string Reset() const;
  };

  boost::asio::any_io_executor executor_;
  std::shared_ptr<Core> core_;
};

}  // namespace ferry::controlplane
