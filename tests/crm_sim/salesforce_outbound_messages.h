#pragma once
// Salesforce Outbound Messages (a workflow rule's or a Flow's outbound
// message action), sent by the simulated org to a listener such as the
// control plane's inbound channel.
//
// A test registers an action (POST /_sim/salesforce/outbound_messages): an
// object, a condition (one field equal to one value, or none), the fields
// to send and the listener's URL. Evaluated as Salesforce's criterion
// "created, and every time it's edited to subsequently meet criteria": a
// REST write (create, update, upsert, collections) that creates a record
// meeting the condition, or makes one meet it that did not, queues a
// notification: a new Id (04l…) and the chosen fields as they are then.
// Seeds and deletes through /_sim queue nothing.
//
// Each action has its own queue and sender (listener_queue.h): in order, up
// to 100 notifications per SOAP message (salesforce_outbound_soap.h), POSTed
// over HTTP or HTTPS (verified against ca_file, or the system's CAs). A message
// counts as delivered only when the listener answers 200 with <Ack>true</Ack>;
// anything else (no connection, another status, no Ack) sends the same
// message again, with the same notification Ids, after a pause doubling
// from retry_initial_ms to retry_max_ms, until it is acknowledged or the
// action removed. Salesforce gives up after 24 hours; the simulator never does.
//
// A Flow's HTTP callout (POST /_sim/salesforce/flow_callouts) is the same
// kind of action, as a record-triggered flow with the same entry condition
// runs it on its asynchronous path: one POST per record, Content-Type
// application/json, the Named Credential's headers (`headers`, e.g.
// Authorization: Bearer …) and optionally its client certificate, and the
// body {"organizationId", "object", "recordId", "changedAt"} (changedAt:
// the write's time, as the record's SystemModstamp). A 2xx answer delivers
// it; anything else sends the same body again after the pause. Salesforce
// retries a failed asynchronous path at 15, 30, 60 and 120 minutes and then
// gives up; the simulator keeps its own pauses and never gives up.

#include <boost/asio/any_io_executor.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "tests/crm_sim/listener_queue.h"
#include "tests/crm_sim/salesforce_upsert.h"

namespace ferry::crm_sim {

class SalesforceOutboundMessages : public SfWriteObserver {
 public:
  // `organization_id`: the org's Id, for actions registered without one.
  SalesforceOutboundMessages(boost::asio::any_io_executor executor, std::string organization_id);

  // POST /_sim/salesforce/outbound_messages: adds an action (keys in
  // README.md). `base_url` is the simulator's URL, for EnterpriseUrl and
  // PartnerUrl when the request gives no instance_url. Answers
  // {"ok":true,"action_id"}; InvalidArgument names a missing or bad key.
  Result<boost::json::object> Register(const boost::json::object& request, const std::string& base_url);
  // POST /_sim/salesforce/flow_callouts: adds a Flow's HTTP callout.
  // Answers {"ok":true,"action_id"}.
  Result<boost::json::object> RegisterCallout(const boost::json::object& request);
  // GET: per action of the kind (Outbound Messages, or `callouts`), in
  // the order registered: action_id, object, queued, delivered, attempts,
  // last_error, delivered_ids.
  boost::json::array Describe(bool callouts = false) const;
  // DELETE (of either kind), and a reset: every action and its queue goes;
  // a message under way is abandoned (its connection closed).
  void Clear();

  // Writes between Hold() and Release() (an allOrNone collection) queue
  // their notifications only when Release(true): a rolled-back write sends
  // nothing.
  void Hold() { held_.Hold(); }
  void Release(bool keep) { held_.Release(keep); }

  bool Watches(std::string_view object) const override;
  void Written(std::string_view object, const std::string& id, const boost::json::object* before,
               const boost::json::object& after) override;

 private:
  struct Action;

  boost::asio::any_io_executor executor_;
  std::string organization_id_;
  std::vector<std::shared_ptr<Action>> actions_;
  HeldNotifications held_;
  uint64_t notifications_made_ = 0;  // numbers the 04l Ids
  uint64_t actions_made_ = 0;        // numbers the 04k Ids handed out
};

}  // namespace ferry::crm_sim
