#include "controlplane/console/console_events.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <charconv>

namespace ferry::controlplane {

ConsoleEvents::ConsoleEvents(boost::asio::any_io_executor executor, Options options, int64_t boot_unix_ms)
    : executor_(executor), core_(std::make_shared<Core>()) {
  core_->options = options;
  core_->boot = std::to_string(boot_unix_ms);
}

void ConsoleEvents::Publish(const std::vector<std::string>& topics) {
  if (topics.empty() || core_->stopped) return;
  Core& core = *core_;
  const uint64_t number = core.next_number++;
  boost::json::array names;
  for (const auto& topic : topics) names.emplace_back(topic);
  core.history.push_back({number, "id: " + core.boot + "-" + std::to_string(number) + "\nevent: changed\ndata: " +
                                      boost::json::serialize(boost::json::object{{"topics", std::move(names)}}) +
                                      "\n\n"});
  while (core.history.size() > core.options.history) core.history.pop_front();
  for (auto* wait : core.streams) wait->cancel();
}

void ConsoleEvents::Stop() {
  core_->stopped = true;
  for (auto* wait : core_->streams) wait->cancel();
}

std::string ConsoleEvents::Core::Reset() const {
  return "id: " + boot + "-" + std::to_string(next_number - 1) + "\nevent: reset\ndata: {}\n\n";
}

std::string ConsoleEvents::Core::After(uint64_t& sent) const {
  const uint64_t last = next_number - 1;
  if (sent == last) return "";
  const uint64_t oldest_kept = history.empty() ? next_number : history.front().number;
  std::string out;
  if (sent + 1 < oldest_kept) {
    out = Reset();
  } else {
    for (const auto& notice : history) {
      if (notice.number > sent) out += notice.text;
    }
  }
  sent = last;
  return out;
}

std::string ConsoleEvents::Core::CatchUp(const std::string& last_event_id, uint64_t& sent) const {
  std::string out = "retry: " + std::to_string(options.retry.count()) + "\n\n";
  sent = next_number - 1;
  if (last_event_id.empty()) return out;  // a new tab fetches everything anyway
  // "BOOT-N" of this run and not from the future: what followed N.
  const size_t dash = last_event_id.find('-');
  if (dash != std::string::npos && dash + 1 < last_event_id.size() && last_event_id.compare(0, dash, boot) == 0) {
    const char* end = last_event_id.data() + last_event_id.size();
    uint64_t number = 0;
    auto [ptr, ec] = std::from_chars(last_event_id.data() + dash + 1, end, number);
    if (ec == std::errc() && ptr == end && number <= sent) {
      sent = number;
      return out + After(sent);
    }
  }
  return out + Reset();
}

boost::asio::awaitable<void> ConsoleEvents::Stream(http::BodyWriter& writer, std::string last_event_id,
                                                   std::chrono::seconds max_age, std::function<bool()> allowed) {
  // Nothing of `this` is touched after the first suspension.
  const std::shared_ptr<Core> core = core_;
  const boost::asio::any_io_executor executor = executor_;
  const auto until = std::chrono::steady_clock::now() + max_age;
  uint64_t sent = 0;
  if (!co_await writer.Write(core->CatchUp(last_event_id, sent))) co_return;
  boost::asio::steady_timer wait(executor);
  core->streams.insert(&wait);
  struct Leave {
    Core& core;
    boost::asio::steady_timer* wait;
    ~Leave() { core.streams.erase(wait); }
  } leave{*core, &wait};
  while (!core->stopped && std::chrono::steady_clock::now() < until) {
    // Notices published while the last write was under way are picked up
    // here: a wake-up only says "look again".
    std::string out = core->After(sent);
    if (out.empty()) {
      wait.expires_after(std::min<std::chrono::steady_clock::duration>(core->options.keepalive,
                                                                       until - std::chrono::steady_clock::now()));
      auto [ec] = co_await wait.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (core->stopped) break;
      if (ec) continue;  // woken by a notice
      out = ": keep-alive\n\n";
    }
    if (!allowed() || !co_await writer.Write(std::move(out))) break;
  }
}

}  // namespace ferry::controlplane
