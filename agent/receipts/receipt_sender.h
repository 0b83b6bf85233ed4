#pragma once
// Sends SAP its receipts (status_idoc.h): the delivery reports the control
// plane sends down become STATUS IDocs, queued durably in the same
// transaction the report is stored in, and posted to SAP's IDoc-XML inbound
// (`/sap/bc/idoc_xml`) in batches until SAP takes them
// (docs/receipts.md).
//
//   receipts:
//     url: https://ecc.plant.local:44300    # SAP's ICM, without a path
//     path: /sap/bc/idoc_xml                # the ICF service (default)
//     client: "100"                         # sap-client
//     user: FERRY_ALE                       # Basic logon, or tls.cert_file/key_file
//     password_file: /etc/ferry/ecc.password
//     tls: {ca_file, cert_file, key_file}
//     https_proxy: http://proxy:3128
//     timeout: 30s
//     flows: [customers]                    # only these flows' IDocs; empty: every flow
//     kind: status                          # status (SYSTAT01, process code STA1) or audit (ALEAUD01, AUD1)
//
// A report stored is a receipt sent at least once: after a crash between
// SAP's answer and the queue's cleanup, SAP gets the same status again (a
// second status record of the same value in the IDoc's history, nothing
// more). SAP answering 429, 5xx or not at all: the batch is posted again
// after a pause growing from 1 s to 1 minute. SAP refusing the logon or the
// service (401, 403, 404): logged with SAP's answer and tried again every
// 15 minutes (so failed logons do not lock the user); the receipts wait.
// SAP refusing the content (400, 413, 415): the batch is sent one receipt
// at a time, and the one SAP refuses is logged, counted and removed, so it
// cannot hold back the others.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "agent/sources/s4_odata/s4_connection.h"
#include "common/app/pause.h"
#include "common/config/config_node.h"
#include "common/http/http_client.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "ferry/v1/event.pb.h"

namespace ferry::agent {

struct ReceiptsConfig {
  // STATUS IDocs (SYSTAT01) or the ALE audit (ALEAUD01): status_idoc.h.
  enum class Kind { kStatus, kAudit };
  S4Connection connection;  // SAP's host, client, logon
  std::string path = "/sap/bc/idoc_xml";
  Kind kind = Kind::kStatus;
  std::set<std::string> flows;  // empty: every flow
  size_t batch = 100;           // receipts per post
};

// The `receipts` section, or nullopt when there is none; mistakes on `node`.
std::optional<ReceiptsConfig> ReadReceiptsConfig(config::ConfigNode& root);

class ReceiptSender : public std::enable_shared_from_this<ReceiptSender> {
 public:
  static constexpr const char* kQueueName = "receipts";
  static constexpr uint64_t kQueueMaxBytes = 64ull << 20;
  static constexpr uint64_t kQueueMargin = 1ull << 20;

  ReceiptSender(boost::asio::any_io_executor executor, store::DurableQueue& queue, ReceiptsConfig config);

  // Within the transaction that stores `report`: its receipts queued. A
  // full queue is logged and the receipts left out: never the report.
  Status QueueInTxn(store::WriteTxn& txn, const ferry::v1::DeliveryReport& report);
  void Start();
  void Stop();

  uint64_t sent() const { return sent_.load(); }
  // Receipts left out: the queue full, or SAP refusing one for good.
  uint64_t dropped() const { return dropped_.load(); }

 private:
  boost::asio::awaitable<void> Run();
  // Posts the packet: SAP's HTTP status, 0 when it could not be reached.
  boost::asio::awaitable<int> Post(const std::string& packet);

  boost::asio::any_io_executor executor_;
  store::DurableQueue& queue_;
  ReceiptsConfig config_;
  std::string authorization_;
  std::unique_ptr<http::HttpClient> client_;
  app::Pause pause_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> sent_{0}, dropped_{0};
};

}  // namespace ferry::agent
