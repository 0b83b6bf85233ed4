#pragma once
// One queue of notifications a simulated vendor sends to a test's listener
// (Salesforce outbound messages, Dataverse webhooks) and the sender that
// empties it, shared so both retry the same way.
//
// The sender POSTs the oldest items, one request at a time and in order: the
// vendor composes the request from them (one item or several) and judges the
// listener's answer. An answer it does not accept, or none (no connection,
// TLS failure, timeout), sends the very same request again after a pause
// that doubles from retry_initial to retry_max; later items wait behind it.
// It never gives up: Stop() ends it. Each attempt logs one line,
// "<log_name> POST <path> <status or ->", the path without its query (a key
// may be there).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "common/http/http_client.h"
#include "common/status.h"

namespace ferry::crm_sim {

struct ListenerItem {
  std::string id;    // listed in delivered_ids once delivered
  std::string body;  // the vendor's text for it: a whole body, or a piece of one
  std::vector<std::pair<std::string, std::string>> headers;  // its own, when it is sent alone
};

struct ListenerOptions {
  http::Url url;        // the listener, query included
  std::string ca_file;  // verifies an https listener; empty: the system's CAs
  // The client certificate presented to it (PEM chain and key); empty: none.
  std::string client_cert_file, client_key_file;
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{60000};
  std::string log_name;  // first word of the log line: "salesforce-outbound"
};

// A /_sim registration's retry_initial_ms and retry_max_ms (1 ms to 24 h,
// the first not above the second) over the defaults `options` holds;
// InvalidArgument names the key that is wrong.
Status ReadRetrySettings(const boost::json::object& request, ListenerOptions& options);

class ListenerQueue : public std::enable_shared_from_this<ListenerQueue> {
 public:
  using OutRequest = http::HttpClient::OutRequest;
  // The POST carrying the oldest items of `queue` (never empty); sets
  // `taken` to how many it carries, 1 to queue.size(). Host, target and
  // Content-Length are filled in when sent.
  using Compose = std::function<OutRequest(const std::deque<ListenerItem>& queue, size_t& taken)>;
  // Why the listener's answer does not deliver the request, or "" when it does.
  using Judge = std::function<std::string(int status, std::string_view body)>;

  // Own it through a shared_ptr: the sender keeps it alive while it sends.
  ListenerQueue(boost::asio::any_io_executor executor, ListenerOptions options, Compose compose, Judge judge);

  // Queues `item` and starts the sender when it is idle; nothing once stopped.
  void Push(ListenerItem item);
  // Drops the queue; a request under way is abandoned (its connection closed).
  void Stop();

  size_t queued() const { return queue_.size(); }  // the request in flight included
  uint64_t delivered() const { return delivered_; }
  uint64_t attempts() const { return attempts_; }
  // The latest failed attempt's reason: "" before any, kept after a success.
  const std::string& last_error() const { return last_error_; }
  const std::vector<std::string>& delivered_ids() const { return delivered_ids_; }
  // queued, delivered, attempts, last_error, and the delivered ids under
  // `ids_key`, into a /_sim description.
  void Describe(boost::json::object& out, std::string_view ids_key) const;

 private:
  static boost::asio::awaitable<void> Deliver(std::shared_ptr<ListenerQueue> self);

  boost::asio::any_io_executor executor_;
  ListenerOptions options_;
  Compose compose_;
  Judge judge_;
  http::HttpClient client_;  // its own, for its ca_file
  boost::asio::steady_timer timer_;

  std::deque<ListenerItem> queue_;  // not yet delivered, oldest first
  bool sending_ = false;
  bool stopped_ = false;
  uint64_t delivered_ = 0;
  uint64_t attempts_ = 0;
  std::string last_error_;
  std::vector<std::string> delivered_ids_;
};

// One item per POST, as webhook senders send them: the item's own headers,
// then `headers` (the sender's authentication, a Content-Type); the body is
// the item's.
ListenerQueue::Compose ComposeOnePost(std::vector<std::pair<std::string, std::string>> headers);
// The Judge of such senders: any 2xx answer delivers; else "HTTP <status>".
std::string Not2xxProblem(int status, std::string_view body);

// The notifications of writes that commit together (an allOrNone
// collection, a $batch change set): between Hold() and Release() they are
// held, and queued only when Release(true): a rolled-back write sends
// nothing.
class HeldNotifications {
 public:
  void Hold() { holding_ = true; }
  void Release(bool keep);
  // Pushes `item` on `queue` now, or at Release(true) while holding.
  void Send(const std::shared_ptr<ListenerQueue>& queue, ListenerItem item);
  void Clear();

 private:
  bool holding_ = false;
  std::vector<std::pair<std::shared_ptr<ListenerQueue>, ListenerItem>> held_;
};

}  // namespace ferry::crm_sim
