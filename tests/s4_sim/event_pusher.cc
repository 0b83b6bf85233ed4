#include "tests/s4_sim/event_pusher.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <iostream>

#include "common/http/basic_auth.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::s4_sim {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

std::string NowIso() {
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

std::string NewUuid() {
  const std::string hex = crm_sim::RandomText(32);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

}  // namespace

EventPusher::EventPusher(asio::any_io_executor executor) : executor_(executor) {
  http::HttpClientOptions options;
  options.user_agent = "ferry-s4-sim";
  options.request_timeout = std::chrono::seconds(10);
  client_ = std::make_unique<http::HttpClient>(executor_, options);
}

void EventPusher::Push(const std::string& type, json::object data) {
  if (!subscribed()) return;
  json::object event{{"specversion", "1.0"},   {"type", type},     {"source", subscription_.source},
                     {"id", NewUuid()},        {"time", NowIso()}, {"datacontenttype", "application/json"},
                     {"data", std::move(data)}};
  queue_.push_back(json::serialize(event));
  if (delivering_) return;
  delivering_ = true;
  asio::co_spawn(executor_, Deliver(), asio::detached);
}

asio::awaitable<void> EventPusher::Deliver() {
  const uint64_t generation = generation_;
  while (!queue_.empty() && generation == generation_) {
    auto url = http::ParseUrl(subscription_.url);
    if (!url.ok()) {
      std::cerr << "events: " << url.status().message() << "\n";
      break;
    }
    std::chrono::milliseconds pause(200);
    for (int attempt = 0;; ++attempt) {
      http::HttpClient::OutRequest req{boost::beast::http::verb::post, url->target, 11};
      req.set(boost::beast::http::field::content_type, "application/cloudevents+json");
      if (!subscription_.user.empty()) {
        req.set(boost::beast::http::field::authorization,
                http::BasicAuthorization(subscription_.user, subscription_.password));
      }
      req.body() = queue_.front();
      auto res = co_await client_->Send(*url, std::move(req));
      if (generation != generation_) break;
      const int status = res.ok() ? res->status : 0;
      if (status >= 200 && status < 300) {
        ++delivered_;
        break;
      }
      if (status >= 400 && status < 500 && status != 429) {
        ++given_up_;
        std::cerr << "events: the subscriber refused an event with " << status << "\n";
        break;
      }
      if (attempt + 1 >= 50) {
        ++given_up_;
        break;
      }
      ++redeliveries_;
      std::chrono::milliseconds wait = pause;
      if (res.ok()) {
        if (auto it = res->headers.find("retry-after"); it != res->headers.end()) {
          wait = std::chrono::seconds(std::clamp(std::atoi(it->second.c_str()), 0, 5));
        }
      }
      pause = std::min(pause * 2, std::chrono::milliseconds(5000));
      asio::steady_timer timer(executor_, wait);
      co_await timer.async_wait(asio::use_awaitable);
      if (generation != generation_) break;
    }
    if (generation != generation_) break;
    queue_.pop_front();
  }
  if (generation == generation_) delivering_ = false;
}

}  // namespace ferry::s4_sim
