#include "agent/receipts/receipt_sender.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "agent/down/idoc_xml_target.h"
#include "agent/receipts/status_idoc.h"
#include "common/http/await_callback.h"
#include "common/util/utf8.h"

namespace ferry::agent {
namespace {

namespace asio = boost::asio;
constexpr std::chrono::milliseconds kIdlePoll{1000};
// After SAP refused the logon or the service (401, 403, 404): slow, so that
// the communication user is not locked by failed logons while someone
// fixes it.
constexpr std::chrono::milliseconds kRefusedPause{15 * 60000};

// SAP refusing the content (not the logon): asking again with the same
// receipts would be refused again.
bool RefusedContent(int status) { return status == 400 || status == 413 || status == 415; }

}  // namespace

std::optional<ReceiptsConfig> ReadReceiptsConfig(config::ConfigNode& root) {
  if (!root.Has("receipts")) {
    root.Section("receipts");  // marks the key as known
    return std::nullopt;
  }
  auto node = root.Section("receipts");
  ReceiptsConfig c;
  IdocXmlEndpoint endpoint = ReadIdocXmlEndpoint(node);
  c.connection = std::move(endpoint.connection);
  c.path = std::move(endpoint.path);
  for (const std::string& flow : node.StringList("flows")) c.flows.insert(flow);
  c.batch = static_cast<size_t>(node.Int("batch", static_cast<int64_t>(c.batch), 1, 1000));
  const std::string kind = node.String("kind", "status");
  if (kind == "audit") {
    c.kind = ReceiptsConfig::Kind::kAudit;
  } else if (kind != "status") {
    node.Error("kind", "'" + kind + "': status (STATUS IDocs, SYSTAT01) or audit (the ALE audit, ALEAUD01)");
  }
  return c;
}

ReceiptSender::ReceiptSender(asio::any_io_executor executor, store::DurableQueue& queue, ReceiptsConfig config)
    : executor_(executor), queue_(queue), config_(std::move(config)), pause_(executor) {
  authorization_ = config_.connection.Authorization();
  client_ = std::make_unique<http::HttpClient>(executor_, config_.connection.ClientOptions());
}

Status ReceiptSender::QueueInTxn(store::WriteTxn& txn, const ferry::v1::DeliveryReport& report) {
  std::vector<store::AppendItem> items;
  for (const ferry::v1::Delivery& d : report.deliveries()) {
    if (!d.has_idoc() || d.idoc().docnum().empty()) continue;
    if (!config_.flows.empty() && !config_.flows.count(d.flow_id())) continue;
    items.push_back({d.SerializeAsString(), "", false});
  }
  if (items.empty()) return Status::Ok();
  // The queue's own limit is checked here, so that a full queue leaves the
  // receipts out while the report is stored; any other failure (the store
  // itself full) fails the report's write as it would without receipts.
  // The check keeps a margin below the queue's hard limit for the receipts
  // of other reports in the same write group, not yet in bytes().
  size_t bytes = 0;
  for (const store::AppendItem& item : items) bytes += item.data.size();
  if (queue_.bytes() + bytes > kQueueMaxBytes - kQueueMargin) {
    dropped_ += items.size();
    spdlog::error("event=receipts_dropped receipts={} reason=\"the receipts queue is full: SAP has not taken them\"",
                  items.size());
    return Status::Ok();
  }
  store::AppendOutcome out;
  return queue_.AppendInTxn(txn, items, out);
}

void ReceiptSender::Start() {
  spdlog::info("event=receipts_sending url=\"{}{}\" client={}", EscapeForLog(config_.connection.url),
               EscapeForLog(config_.path), config_.connection.client);
  asio::co_spawn(
      executor_, [self = shared_from_this()] { return self->Run(); }, asio::detached);
}

void ReceiptSender::Stop() {
  if (stopping_.exchange(true)) return;
  asio::post(executor_, [self = shared_from_this()] {
    self->pause_.Stop();
    self->client_->Shutdown();
  });
}

asio::awaitable<int> ReceiptSender::Post(const std::string& packet) {
  auto url = http::ParseUrl(WithClient(
      config_.connection, config_.connection.url + config_.path));  // checked when the configuration was read
  if (!url.ok()) {
    spdlog::error("event=receipts_not_sent reason=\"{}\"", EscapeForLog(url.status().message()));
    co_return 0;
  }
  http::HttpClient::OutRequest req{boost::beast::http::verb::post, url->target, 11};
  req.set(boost::beast::http::field::content_type, "text/xml; charset=utf-8");
  if (!authorization_.empty()) req.set(boost::beast::http::field::authorization, authorization_);
  req.body() = packet;
  req.prepare_payload();
  Result<http::ClientResponse> res = co_await client_->Send(*url, std::move(req));
  if (!res.ok()) {
    spdlog::warn("event=receipts_not_sent reason=\"{}\"", EscapeForLog(res.status().message()));
    co_return 0;
  }
  if (res->status != 200) {
    spdlog::warn("event=receipts_not_sent status={} reason=\"{}\"", res->status, GatewayMessage(res->body));
  }
  co_return res->status;
}

asio::awaitable<void> ReceiptSender::Run() {
  app::Backoff backoff;
  size_t limit = config_.batch;  // 1 after SAP refused a batch's content: find the receipt it refuses
  while (!stopping_) {
    auto records = queue_.ReadAfter(0, limit, 4u << 20);
    if (!records.ok() || records->empty()) {
      if (!co_await pause_.For(kIdlePoll)) co_return;
      continue;
    }
    std::vector<Receipt> receipts;
    std::vector<uint64_t> seqs;
    for (const store::QueueRecord& r : *records) {
      seqs.push_back(r.seq);
      ferry::v1::Delivery d;
      Receipt receipt;
      // A record that does not decode cannot become a receipt: it is
      // removed with the batch, and said so.
      if (!r.corrupt.empty() || !d.ParseFromString(r.data) || !ReceiptOf(d, receipt)) {
        spdlog::error("event=receipt_unreadable seq={} reason=\"{}\"", r.seq, EscapeForLog(r.corrupt));
        continue;
      }
      receipts.push_back(std::move(receipt));
    }
    bool refused = false;
    if (!receipts.empty()) {
      // The batch's first sequence numbers its IDocs: increasing, and the
      // same when a batch is posted again.
      const std::string packet = config_.kind == ReceiptsConfig::Kind::kAudit
                                     ? AuditIdocPacket(receipts, seqs.front())
                                     : StatusIdocPacket(receipts, seqs.front());
      const int status = co_await Post(packet);
      if (status != 200 && RefusedContent(status) && seqs.size() > 1) {
        limit = 1;  // one at a time, until the one SAP refuses is found
        continue;
      }
      refused = status != 200 && RefusedContent(status);
      if (status != 200 && !refused) {
        const bool logon = status == 401 || status == 403 || status == 404;
        if (!co_await pause_.For(logon ? kRefusedPause : backoff.Next())) co_return;
        continue;
      }
      backoff.Reset();
    }
    if (refused) {
      // SAP refuses this one receipt whatever happens: it would hold back
      // every one behind it. Said, counted, and removed.
      ++dropped_;
      spdlog::error("event=receipt_refused docnum={} reason=\"SAP refused its STATUS IDoc\"",
                    receipts.empty() ? "" : EscapeForLog(receipts.front().idoc.docnum()));
    }
    auto start = [this, seqs](std::function<void(Status)> resolve) {
      queue_.Remove(seqs, [resolve](const Status& s) { resolve(s); });
    };
    Status removed = co_await http::AwaitCallback<Status>(start);
    if (!removed.ok()) {
      spdlog::error("event=receipts_not_removed reason=\"{}\"", removed.message());
      if (!co_await pause_.For(backoff.Next())) co_return;
      continue;
    }
    if (!refused) {
      sent_ += receipts.size();
      spdlog::info("event=receipts_sent receipts={}", receipts.size());
    }
    if (!refused && limit == 1) limit = config_.batch;  // past the refused one: batches again
  }
}

}  // namespace ferry::agent
