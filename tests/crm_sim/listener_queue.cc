#include "tests/crm_sim/listener_queue.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <iostream>

#include "tests/crm_sim/sim_http.h"
#include "tests/crm_sim/sim_state.h"

namespace ferry::crm_sim {

namespace asio = boost::asio;

namespace {

http::HttpClientOptions ListenerClientOptions(const ListenerOptions& options) {
  http::HttpClientOptions client;
  client.ca_file = options.ca_file;
  client.cert_file = options.client_cert_file;
  client.key_file = options.client_key_file;
  client.user_agent = "ferry-crm-sim";
  client.request_timeout = std::chrono::seconds(10);
  return client;
}

}  // namespace

Status ReadRetrySettings(const boost::json::object& request, ListenerOptions& options) {
  int64_t retry_ms[2] = {options.retry_initial.count(), options.retry_max.count()};
  for (int i = 0; i < 2; ++i) {
    const char* key = i == 0 ? "retry_initial_ms" : "retry_max_ms";
    if (const boost::json::value* value = request.if_contains(key)) {
      auto n = IntSetting(key, *value, 1, 24 * 3600 * 1000);
      if (!n.ok()) return n.status();
      retry_ms[i] = *n;
    }
  }
  if (retry_ms[1] < retry_ms[0]) return Status::InvalidArgument("retry_max_ms must not be below retry_initial_ms");
  options.retry_initial = std::chrono::milliseconds(retry_ms[0]);
  options.retry_max = std::chrono::milliseconds(retry_ms[1]);
  return Status::Ok();
}

ListenerQueue::Compose ComposeOnePost(std::vector<std::pair<std::string, std::string>> headers) {
  return [headers = std::move(headers)](const std::deque<ListenerItem>& queue, size_t& taken) {
    taken = 1;
    const ListenerItem& item = queue.front();
    ListenerQueue::OutRequest req{boost::beast::http::verb::post, "/", 11};
    for (const auto& [name, value] : item.headers) req.set(name, value);
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = item.body;
    return req;
  };
}

std::string Not2xxProblem(int status, std::string_view) {
  return status >= 200 && status < 300 ? "" : "HTTP " + std::to_string(status);
}

ListenerQueue::ListenerQueue(asio::any_io_executor executor, ListenerOptions options, Compose compose, Judge judge)
    : executor_(executor),
      options_(std::move(options)),
      compose_(std::move(compose)),
      judge_(std::move(judge)),
      client_(executor, ListenerClientOptions(options_)),
      timer_(executor) {}

void ListenerQueue::Push(ListenerItem item) {
  if (stopped_) return;
  queue_.push_back(std::move(item));
  if (sending_) return;
  sending_ = true;
  asio::co_spawn(executor_, Deliver(shared_from_this()), asio::detached);
}

void ListenerQueue::Stop() {
  stopped_ = true;
  queue_.clear();
  timer_.cancel();
  client_.Shutdown();  // a send under way ends now, not at its answer
}

asio::awaitable<void> ListenerQueue::Deliver(std::shared_ptr<ListenerQueue> self) {
  while (!self->stopped_ && !self->queue_.empty()) {
    size_t taken = 1;
    const OutRequest request = self->compose_(self->queue_, taken);
    taken = std::clamp<size_t>(taken, 1, self->queue_.size());
    std::chrono::milliseconds pause = self->options_.retry_initial;
    for (;;) {
      OutRequest attempt = request;  // Send consumes it; a retry sends the same again
      ++self->attempts_;
      auto res = co_await self->client_.Send(self->options_.url, std::move(attempt));
      if (self->stopped_) co_return;
      std::cout << self->options_.log_name << " POST " << PathOf(self->options_.url.target) << ' '
                << (res.ok() ? std::to_string(res->status) : "-") << std::endl;
      const std::string problem = res.ok() ? self->judge_(res->status, res->body) : res.status().message();
      if (problem.empty()) break;
      self->last_error_ = problem;
      self->timer_.expires_after(pause);
      boost::system::error_code ec;  // cancelled by Stop()
      co_await self->timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (self->stopped_) co_return;
      pause = std::min(pause * 2, self->options_.retry_max);
    }
    for (size_t i = 0; i < taken; ++i) {
      self->delivered_ids_.push_back(std::move(self->queue_.front().id));
      self->queue_.pop_front();
    }
    self->delivered_ += taken;
  }
  self->sending_ = false;
}

void ListenerQueue::Describe(boost::json::object& out, std::string_view ids_key) const {
  boost::json::array ids;
  for (const auto& id : delivered_ids_) ids.push_back(boost::json::string(id));
  out["queued"] = static_cast<int64_t>(queue_.size());
  out["delivered"] = delivered_;
  out["attempts"] = attempts_;
  out["last_error"] = last_error_;
  out[ids_key] = std::move(ids);
}

void HeldNotifications::Release(bool keep) {
  holding_ = false;
  std::vector<std::pair<std::shared_ptr<ListenerQueue>, ListenerItem>> held;
  held.swap(held_);
  if (!keep) return;
  for (auto& [queue, item] : held) queue->Push(std::move(item));
}

void HeldNotifications::Send(const std::shared_ptr<ListenerQueue>& queue, ListenerItem item) {
  if (holding_) {
    held_.emplace_back(queue, std::move(item));
    return;
  }
  queue->Push(std::move(item));  // nothing once the queue is stopped
}

void HeldNotifications::Clear() {
  held_.clear();
  holding_ = false;
}

}  // namespace ferry::crm_sim
