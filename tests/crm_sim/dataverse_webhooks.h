#pragma once
// Dataverse webhooks: a service endpoint of contract Webhook with a step
// registered on one message of one table, as the simulated org sends them
// to a listener such as the control plane's inbound channel.
//
// A test registers an endpoint and its step (POST
// /_sim/dataverse/service_endpoints, keys in README.md): the listener's URL
// and authentication (?code=<key>, headers or query parameters), the table's
// logical name, the message (Create or Update), an Update step's filtering
// attributes and the mode. A Web API write that runs that message on a row
// of that table (POST creates; PATCH updates, and an upsert runs Create or
// Update; the same in a $batch, a change set's only once it commits) queues
// one notification per step: the RemoteExecutionContext
// (dataverse_webhook_context.h) with the write's RequestId and, for an
// asynchronous step, a new OperationId. An Update step with filtering
// attributes is set off only by a request that sets one of them. Seeds and
// deletes through /_sim queue nothing.
//
// Each endpoint has its own queue and sender (listener_queue.h): one POST
// per notification, in order, over HTTP or HTTPS (verified against ca_file,
// or the system's CAs). A 2xx answer delivers it; anything else (no
// connection, another status) sends the same body, with the same ids,
// again after a pause doubling from retry_initial_ms (500) to retry_max_ms
// (5000), until delivered or the endpoint removed.
//
// Not as Dataverse: a synchronous step that fails would fail the write and
// roll it back, and it is never resent; here the write stands, and the
// notification is sent after the write's answer and resent as an
// asynchronous one is. Dataverse's asynchronous service gives up after a few
// attempts and fails the system job; the simulator never gives up.

#include <boost/asio/any_io_executor.hpp>
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "tests/crm_sim/dataverse_ops.h"
#include "tests/crm_sim/dataverse_webhook_context.h"
#include "tests/crm_sim/listener_queue.h"

namespace ferry::crm_sim {

// The simulated organization's, unless set (organization_id, organization_name).
inline constexpr std::string_view kDefaultOrganizationId = "3f1e9c2d-6a4b-4d8e-9f7a-5b0c1d2e3f40";
inline constexpr std::string_view kDefaultOrganizationName = "ferrysim";

class DataverseWebhooks : public DataverseWriteObserver {
 public:
  explicit DataverseWebhooks(boost::asio::any_io_executor executor);

  // POST /_sim/dataverse/service_endpoints: registers an endpoint and its
  // step. Answers {"ok":true,"endpoint_id","step_id"}; InvalidArgument names
  // a missing, unknown or bad key.
  Result<boost::json::object> Register(const boost::json::object& request);
  // GET: per endpoint, in the order registered: endpoint_id, step_id,
  // entity, message, mode, queued, delivered, attempts, last_error,
  // delivered_request_ids.
  boost::json::array Describe() const;
  // DELETE, and a reset: every endpoint and its queue goes; a notification
  // under way is abandoned (its connection closed).
  void Clear();

  // Writes between Hold() and Release() (a change set) queue their
  // notifications only when Release(true): a rolled-back write sends nothing.
  void Hold() { held_.Hold(); }
  void Release(bool keep) { held_.Release(keep); }

  // OrganizationId and OrganizationName of the contexts made from now on.
  void set_organization(WebhookOrganization organization) { organization_ = std::move(organization); }

  void Written(const DataverseWrite& write) override;

 private:
  struct Endpoint;

  boost::asio::any_io_executor executor_;
  WebhookOrganization organization_{std::string(kDefaultOrganizationId), std::string(kDefaultOrganizationName)};
  std::vector<std::shared_ptr<Endpoint>> endpoints_;
  HeldNotifications held_;
};

}  // namespace ferry::crm_sim
