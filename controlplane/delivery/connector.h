#pragma once
// Connector plug-ins: a connector turns one event into the target's request
// and classifies the answer. It never retries, sleeps or dead-letters: the
// delivery engine owns back-off, Retry-After, ordering and the dead-letter
// queue for every connector alike.
//
// Each connector folder provides a ConnectorFactory, listed once in
// connectors/all_connectors.cc.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config_node.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct DeliveryResult {
  enum class Kind { kDelivered, kRetry, kRejected };
  Kind kind = Kind::kRetry;
  std::string record_id;                                 // delivered: the target's id for the record, if any
  std::string reason;                                    // retry / rejected: what the target said
  std::optional<std::chrono::milliseconds> retry_after;  // the target asked for this pause

  static DeliveryResult Delivered(std::string record_id) {
    return {Kind::kDelivered, std::move(record_id), "", std::nullopt};
  }
  static DeliveryResult Retry(std::string reason, std::optional<std::chrono::milliseconds> after = std::nullopt) {
    return {Kind::kRetry, "", std::move(reason), after};
  }
  static DeliveryResult Rejected(std::string reason) { return {Kind::kRejected, "", std::move(reason), std::nullopt}; }
};

// One CRM record read whole, for a down flow (a notification that carries
// only some of its fields is completed this way before it goes down).
struct RecordRead {
  enum class Kind { kFound, kRetry, kRejected };
  Kind kind = Kind::kRetry;
  std::string record_json;  // found: the record, a JSON object
  std::string reason;       // retry / rejected: what the CRM said
  std::optional<std::chrono::milliseconds> retry_after;

  static RecordRead Found(std::string json) { return {Kind::kFound, std::move(json), "", std::nullopt}; }
  static RecordRead Retry(std::string reason, std::optional<std::chrono::milliseconds> after = std::nullopt) {
    return {Kind::kRetry, "", std::move(reason), after};
  }
  static RecordRead Rejected(std::string reason) { return {Kind::kRejected, "", std::move(reason), std::nullopt}; }
};

// What a modified-since poller asks a connector for: the records of
// `object` changed at or after `since_unix_ms` (and matching `filter`, the
// connector's own condition syntax), oldest change first, ties by id, from
// the `skip`th on, at most `limit`.
struct ChangesQuery {
  std::string object;
  std::string filter;
  int64_t since_unix_ms = 0;
  size_t skip = 0;
  size_t limit = 100;
};

// One record a poller found changed: its id and when the CRM stamped the
// change.
struct ChangedRecord {
  std::string record_id;
  int64_t modified_unix_ms = 0;
};

struct ChangesList {
  enum class Kind { kListed, kRetry, kRejected };
  Kind kind = Kind::kRetry;
  std::vector<ChangedRecord> records;  // listed: oldest change first
  std::string reason;                  // retry / rejected: what the CRM said
  std::optional<std::chrono::milliseconds> retry_after;

  static ChangesList Listed(std::vector<ChangedRecord> records) {
    return {Kind::kListed, std::move(records), "", std::nullopt};
  }
  static ChangesList Retry(std::string reason, std::optional<std::chrono::milliseconds> after = std::nullopt) {
    return {Kind::kRetry, {}, std::move(reason), after};
  }
  static ChangesList Rejected(std::string reason) { return {Kind::kRejected, {}, std::move(reason), std::nullopt}; }
};

class Connector {
 public:
  virtual ~Connector() = default;
  virtual std::string_view name() const = 0;
  virtual boost::asio::awaitable<DeliveryResult> Deliver(const ferry::v1::Event& event) = 0;
  // The most events one DeliverBatch call takes; 1: the target has no batch
  // API and the engine calls Deliver.
  virtual size_t max_batch() const { return 1; }
  // Requests per second the engine starts at most for this connector (0: no
  // limit beyond concurrency), so a tenant's API allocation is shared out
  // instead of being run into.
  virtual double rate_per_s() const { return 0; }
  // One result per event, in the same order. Called only when max_batch() > 1,
  // with events of different business keys (never two of one key).
  virtual boost::asio::awaitable<std::vector<DeliveryResult>> DeliverBatch(
      std::vector<const ferry::v1::Event*> events) {
    std::vector<DeliveryResult> results;
    for (const ferry::v1::Event* e : events) {
      DeliveryResult one = co_await Deliver(*e);  // a named local: see delivery_engine.cc
      results.push_back(std::move(one));
    }
    co_return results;
  }
  // Whether Read works: a connector that cannot read makes a channel that
  // needs reads a configuration error.
  virtual bool can_read() const { return false; }
  // Reads record `record_id` of `object` with `query`, the connector's own
  // query for the object's fields and children (for Salesforce a SOQL
  // SELECT ... FROM <object>), to which it adds the record's id. Rejected
  // when the record is not there or the query is refused; Retry for what
  // a later attempt can get past.
  virtual boost::asio::awaitable<RecordRead> Read(const std::string& object, const std::string& record_id,
                                                  const std::string& query) {
    (void)object, (void)record_id, (void)query;
    co_return RecordRead::Rejected(std::string(name()) + " cannot read records");
  }
  // Lists the records changed since a time (ChangesQuery), for CRMs that
  // cannot announce a change themselves. Rejected when the CRM refuses the
  // query for good; Retry for what a later attempt can get past.
  virtual boost::asio::awaitable<ChangesList> ListChanges(const ChangesQuery& query) {
    (void)query;
    co_return ChangesList::Rejected(std::string(name()) + " cannot list changes");
  }
};

class ConnectorBuilder {
 public:
  virtual ~ConnectorBuilder() = default;
  virtual std::unique_ptr<Connector> Build(boost::asio::any_io_executor executor) = 0;
};

// The builder of a connector that needs nothing but its parsed config:
// `return std::make_unique<BuilderFor<MyConnector, MyConfig>>(std::move(c));`
template <typename ConnectorT, typename ConfigT>
class BuilderFor : public ConnectorBuilder {
 public:
  explicit BuilderFor(ConfigT config) : config_(std::move(config)) {}
  std::unique_ptr<Connector> Build(boost::asio::any_io_executor executor) override {
    return std::make_unique<ConnectorT>(executor, config_);
  }

 private:
  ConfigT config_;
};

struct ConnectorFactory {
  std::string_view name;  // the key under `connectors:` in the config
  std::function<std::unique_ptr<ConnectorBuilder>(config::ConfigNode section)> parse;
  // Whether its connectors' can_read() is true, known before any is built
  // (an inbound channel that reads records names such a connector).
  bool reads = false;
  // Whether its connectors' ListChanges works (a modified_since_poll
  // channel names such a connector).
  bool lists_changes = false;
  // Checks a read query (Connector::Read) at start: empty when it is one
  // the connector takes, else why not. Unset: checked only when it is read.
  std::function<std::string(const std::string& query)> check_read_query = nullptr;
};

}  // namespace ferry::controlplane
