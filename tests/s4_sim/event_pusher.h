#pragma once
// Business events as SAP's event brokers deliver them to a webhook
// subscriber: one CloudEvent (structured mode, application/cloudevents+json)
// per change, carrying only the entity's key, POSTed to the subscriber's
// URL. A delivery the subscriber does not take (no connection, 429, 5xx) is
// sent again, after its Retry-After or a pause growing from 200 ms to 5 s,
// up to 50 times; a 4xx other than 429 is given up, as a broker parks it.
// Deliveries run one at a time, in the order of the changes.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <deque>
#include <memory>
#include <string>

#include "common/http/http_client.h"

namespace ferry::s4_sim {

struct EventSubscription {
  std::string url;             // http://host:port/path of the webhook
  std::string source;          // the CloudEvent source, e.g. /default/sap.s4.beh/S4HCLNT100
  std::string user, password;  // Basic logon to the webhook; empty: none
};

class EventPusher {
 public:
  explicit EventPusher(boost::asio::any_io_executor executor);

  void Subscribe(EventSubscription subscription) { subscription_ = std::move(subscription); }
  // Drops the subscription and what is still queued for it.
  void Unsubscribe() {
    subscription_.url.clear();
    queue_.clear();
    ++generation_;
    delivering_ = false;
  }
  bool subscribed() const { return !subscription_.url.empty(); }

  // Queues an event of `type` whose data is `data` (the entity's key).
  void Push(const std::string& type, boost::json::object data);

  uint64_t delivered() const { return delivered_; }
  uint64_t redeliveries() const { return redeliveries_; }
  uint64_t given_up() const { return given_up_; }

 private:
  boost::asio::awaitable<void> Deliver();

  boost::asio::any_io_executor executor_;
  std::unique_ptr<http::HttpClient> client_;
  EventSubscription subscription_;
  std::deque<std::string> queue_;  // event bodies in order
  bool delivering_ = false;
  uint64_t generation_ = 0;  // bumped by Unsubscribe: a delivery under way then ends
  uint64_t delivered_ = 0, redeliveries_ = 0, given_up_ = 0;
};

}  // namespace ferry::s4_sim
