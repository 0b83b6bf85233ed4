#pragma once
// SAP Sales and Service Cloud V2 events, as the simulated tenant sends them
// to an external system such as the control plane's inbound channel: a
// Standard Event on every save of an entity, or an Autoflow rule's "Send
// Event Notification" when a save meets the rule's condition.
//
// A test registers a subscription (POST /_sim/sap_sales_cloud/events, keys
// in README.md): the collection (salesQuotes, cases, …), the event type,
// the listener's URL, the communication system's outbound user and
// password (HTTP Basic), optionally a condition (one member, a path such as
// extensions/X, equal to one value: sent when a save makes the entity meet
// it, as an Autoflow rule's "on update" with a condition on the new value),
// and specversion ("0.2", as SAP's own examples; "1.0" for a test of the
// standard one). A write through the API (POST, PATCH) that qualifies
// queues one event: CloudEvents JSON in structured mode, sent as
// application/json,
//   {"id": <new UUID>, "specversion", "type", "source": "tenant-sim",
//    "subject": <the entity's id>, "time", "datacontenttype": "application/json",
//    "data": {"currentImage": <the entity after the save>,
//             "beforeImage": <before it, {} for a create>,
//             "dataContext": {"requestedByUser", "requestProcessedOn"}}}
// Seeds and deletes through /_sim queue nothing.
//
// Each subscription has its own queue and sender (listener_queue.h): one
// POST per event, in order; a 2xx answer delivers it, anything else sends
// the same event, with the same id, again after a pause doubling from
// retry_initial_ms (500) to retry_max_ms (5000). SAP marks an event that
// still fails ABORTED and holds the entity's later events back until an
// administrator resends it; the simulator keeps trying, which holds them
// back the same way.

#include <boost/asio/any_io_executor.hpp>
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tests/crm_sim/listener_queue.h"

namespace ferry::crm_sim {

class SapCloudEvents {
 public:
  explicit SapCloudEvents(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  // POST: adds a subscription. Answers {"ok":true,"subscription_id"};
  // InvalidArgument names a missing, unknown or bad key.
  Result<boost::json::object> Register(const boost::json::object& request);
  // GET: per subscription, in the order registered: subscription_id,
  // collection, type, queued, delivered, attempts, last_error,
  // delivered_event_ids.
  boost::json::array Describe() const;
  // DELETE, and a reset: every subscription and its queue goes.
  void Clear();

  // A write of entity `id` of `collection` by `user`: `before` is null for
  // a create.
  void Written(std::string_view collection, const std::string& id, const boost::json::object* before,
               const boost::json::object& after, const std::string& user, const std::string& stamp);

 private:
  struct Subscription;

  boost::asio::any_io_executor executor_;
  std::vector<std::shared_ptr<Subscription>> subscriptions_;
  uint64_t made_ = 0;
};

}  // namespace ferry::crm_sim
