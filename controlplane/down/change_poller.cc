#include "controlplane/down/change_poller.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "common/flows/json_text.h"
#include "common/http/await_callback.h"
#include "common/util/clock.h"
#include "common/util/utf8.h"

namespace ferry::controlplane {
namespace {

std::string WatermarkKey(const std::string& channel, const std::string& object) {
  return "poll." + channel + "." + object;
}

}  // namespace

ChangePoller::ChangePoller(boost::asio::any_io_executor executor, store::Store& store, const InboundOptions& inbound,
                           ConnectorFor connectors, std::shared_ptr<DownCommands> commands)
    : executor_(executor),
      store_(store),
      inbound_(inbound),
      connectors_(std::move(connectors)),
      commands_(std::move(commands)) {
  for (const ConfiguredChannel& c : inbound_.channels) {
    if (c.channel && c.channel->poll() != nullptr) {
      channels_.push_back({&c, std::make_unique<app::Pause>(executor_)});
    }
  }
}

void ChangePoller::Start() {
  for (Channel& channel : channels_) {
    boost::asio::co_spawn(
        executor_, [self = shared_from_this(), &channel]() { return self->Run(channel); }, boost::asio::detached);
  }
}

// Ends every wait here and now (see DownRecordReads::Stop).
void ChangePoller::Stop() {
  for (Channel& channel : channels_) channel.pause->Stop();
}

std::optional<int64_t> ChangePoller::Watermark(const std::string& channel, const std::string& object) const {
  store::ReadTxn txn = store_.BeginRead();
  if (!txn.ok()) return std::nullopt;
  const std::string key = WatermarkKey(channel, object);
  MDB_val k = store::ToVal(key), v;
  if (mdb_get(txn.txn(), store_.Db("meta"), &k, &v) != MDB_SUCCESS) return std::nullopt;
  const std::string_view text = store::FromVal(v);
  int64_t ms = 0;
  if (std::from_chars(text.data(), text.data() + text.size(), ms).ec != std::errc()) return std::nullopt;
  return ms;
}

boost::asio::awaitable<void> ChangePoller::Run(Channel& channel) {
  const ConfiguredChannel& configured = *channel.configured;
  const PollSettings& settings = *configured.channel->poll();
  spdlog::info("event=poll_started channel={} crm={} objects={} interval_ms={}", configured.options.name,
               configured.options.crm, settings.objects.size(), settings.interval.count());
  while (!channel.pause->stopped()) {
    std::chrono::milliseconds wait = settings.interval;
    for (const PollObject& object : settings.objects) {
      std::optional<std::chrono::milliseconds> asked = co_await Pass(configured, object);
      if (asked) wait = std::max(wait, *asked);
      if (channel.pause->stopped()) co_return;
    }
    if (!co_await channel.pause->For(wait)) co_return;
  }
}

boost::asio::awaitable<std::optional<std::chrono::milliseconds>> ChangePoller::Pass(const ConfiguredChannel& channel,
                                                                                    const PollObject& object) {
  const std::string& name = channel.options.name;
  const PollSettings& settings = *channel.channel->poll();
  PollStats& stats = stats_[name + "/" + object.object];
  ++stats.passes_total;
  Connector* connector = connectors_(channel.options.crm);
  if (connector == nullptr) co_return std::nullopt;  // the configuration check names it at start
  // The first pass starts from `start`, or from its own time; from then on
  // the watermark is in the store, so a restart neither skips nor repeats.
  const std::optional<int64_t> stored = Watermark(name, object.object);
  int64_t newest = stored ? *stored : settings.start_unix_ms.value_or(NowUnixMs());
  if (!stored) {
    // Committed at once: changes made before the first listing answers
    // are then asked for after a crash too.
    Result<size_t> first = co_await Commit(channel, object, {}, newest);
    if (!first.ok()) co_return std::nullopt;
  }
  ChangesQuery query;
  query.object = object.object;
  query.filter = object.filter;
  query.since_unix_ms = std::max<int64_t>(0, newest - settings.lookback.count());
  query.limit = settings.page_size;
  while (true) {
    ChangesList list = co_await connector->ListChanges(query);
    if (list.kind != ChangesList::Kind::kListed) {
      ++stats.failures_total;
      const bool for_good = list.kind == ChangesList::Kind::kRejected;
      spdlog::log(for_good ? spdlog::level::err : spdlog::level::warn,
                  "event=poll_failed channel={} object={} for_good={} reason=\"{}\"", name, object.object, for_good,
                  EscapeForLog(list.reason));
      co_return list.retry_after;
    }
    stats.listed_total += list.records.size();
    // Oldest first, as asked; a CRM that answers otherwise must not move
    // the watermark past what it has not shown.
    int64_t page_newest = query.since_unix_ms;
    for (const ChangedRecord& r : list.records) page_newest = std::max(page_newest, r.modified_unix_ms);
    newest = std::max(newest, page_newest);
    Result<size_t> fresh = co_await Commit(channel, object, list.records, newest);
    if (!fresh.ok()) co_return std::nullopt;  // the store failed: asked again next pass
    stats.committed_total += *fresh;
    if (list.records.size() < query.limit) break;
    // The next page: from this page's newest time, past the records of
    // that time already seen.
    const size_t ties = static_cast<size_t>(std::count_if(
        list.records.begin(), list.records.end(), [&](const auto& r) { return r.modified_unix_ms == page_newest; }));
    query.skip = page_newest == query.since_unix_ms ? query.skip + ties : ties;
    query.since_unix_ms = page_newest;
  }
  stats.last_success_unix_ms = NowUnixMs();
  co_return std::nullopt;
}

boost::asio::awaitable<Result<size_t>> ChangePoller::Commit(const ConfiguredChannel& channel, const PollObject& object,
                                                            const std::vector<ChangedRecord>& records, int64_t newest) {
  InboundNotification notification;
  notification.read_first = true;
  for (const ChangedRecord& r : records) {
    InboundRecord record;
    record.object = object.object;
    record.record_id = r.record_id;
    record.record_json = "{\"id\":" + flows::JsonQuoted(r.record_id) + "}";
    record.delivery_id = object.object + "|" + r.record_id + "|" + std::to_string(r.modified_unix_ms);
    notification.records.push_back(std::move(record));
  }
  const std::string key = WatermarkKey(channel.options.name, object.object);
  const std::string value = std::to_string(newest);
  store::Store& store = store_;
  // How many are new changes (the rest were committed by an earlier pass):
  // counted in the transaction, read once it has committed.
  auto fresh = std::make_shared<size_t>(0);
  auto also = [&store, key, value, fresh](store::WriteTxn& txn, const store::AppendOutcome& appended) {
    *fresh = static_cast<size_t>(std::count(appended.duplicate.begin(), appended.duplicate.end(), false));
    MDB_val k = store::ToVal(key), v = store::ToVal(value);
    return store::LmdbStatus(mdb_put(txn.txn(), store.Db("meta"), &k, &v, 0), "putting a poll watermark");
  };
  const size_t count = records.size();
  // Only references in the callback: g++ 12 destroys the captures of a
  // temporary in a co_await expression twice, so none may own anything.
  Result<std::vector<std::string>> committed = co_await http::AwaitCallback<Result<std::vector<std::string>>>(
      [this, &channel, &notification, &also](std::function<void(Result<std::vector<std::string>>)> resolve) {
        commands_->Accept(channel.options, std::move(notification), std::move(resolve), std::move(also));
      });
  if (!committed.ok()) {
    spdlog::warn("event=poll_not_committed channel={} object={} records={} reason=\"{}\"", channel.options.name,
                 object.object, count, EscapeForLog(std::string(committed.status().message())));
    co_return committed.status();
  }
  if (*fresh > 0) {
    spdlog::info("event=poll_committed channel={} object={} changes={} watermark={}", channel.options.name,
                 object.object, *fresh, FormatIsoTimeMs(newest));
  }
  co_return *fresh;
}

}  // namespace ferry::controlplane
