#include "controlplane/down/change_poller.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/flows/json_text.h"
#include "common/http/await_callback.h"
#include "common/util/clock.h"
#include "common/util/utf8.h"

namespace ferry::controlplane {

ChangePoller::ChangePoller(boost::asio::any_io_executor executor, store::Store& store, const InboundOptions& inbound,
                           ConnectorFor connectors, std::shared_ptr<DownCommands> commands)
    : executor_(executor),
      store_(store),
      inbound_(inbound),
      connectors_(std::move(connectors)),
      commands_(std::move(commands)),
      watermarks_(store) {
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

boost::asio::awaitable<void> ChangePoller::Run(Channel& channel) {
  const ConfiguredChannel& configured = *channel.configured;
  const PollSettings& settings = *configured.channel->poll();
  spdlog::info("event=poll_started channel={} crm={} objects={} interval_ms={}", configured.options.name,
               configured.options.crm, settings.objects.size(), settings.interval.count());
  while (!channel.pause->stopped()) {
    std::chrono::milliseconds wait = settings.interval;
    for (const PollObject& object : settings.objects) {
      std::optional<std::chrono::milliseconds> asked = co_await Pass(configured, object, *channel.pause);
      if (asked) wait = std::max(wait, *asked);
      if (channel.pause->stopped()) co_return;
    }
    if (!co_await channel.pause->For(wait)) co_return;
  }
}

boost::asio::awaitable<std::optional<std::chrono::milliseconds>> ChangePoller::Pass(const ConfiguredChannel& channel,
                                                                                    const PollObject& object,
                                                                                    const app::Pause& stopping) {
  const std::string& name = channel.options.name;
  const PollSettings& settings = *channel.channel->poll();
  PollStats& stats = stats_[name + "/" + object.object];
  ++stats.passes_total;
  Connector* connector = connectors_(channel.options.crm);
  if (connector == nullptr) co_return std::nullopt;  // the configuration check names it at start
  // The first pass starts from `start`, or from its own time; from then on
  // the watermark is in the store, so a restart neither skips nor repeats.
  const Result<std::optional<int64_t>> stored = watermarks_.Get(name, object.object);
  if (!stored.ok()) {
    ++stats.failures_total;
    spdlog::error("event=poll_failed channel={} object={} for_good=false reason=\"{}\"", name, object.object,
                  EscapeForLog(std::string(stored.status().message())));
    co_return std::nullopt;
  }
  int64_t newest = stored->value_or(settings.start_unix_ms.value_or(NowUnixMs()));
  if (!stored->has_value()) {
    // Committed at once: changes made before the first listing answers
    // are then asked for after a crash too.
    const std::vector<ChangedRecord> none;
    Result<size_t> first = co_await Commit(channel, object, none, newest);
    if (!first.ok()) {
      ++stats.failures_total;
      co_return std::nullopt;
    }
  }
  ChangesQuery query;
  query.object = object.object;
  query.filter = object.filter;
  query.since_unix_ms = std::max<int64_t>(0, newest - settings.lookback.count());
  query.limit = settings.page_size;
  std::string previous_first;  // the first record of the page before, at the same time
  bool listed_all = false;     // an empty page ended the pass: every change was listed
  for (size_t page = 0; page < kMaxPagesPerPass; ++page) {
    ChangesList list = co_await connector->ListChanges(query);
    if (stopping.stopped()) co_return std::nullopt;  // shut down meanwhile: nothing more is committed
    if (list.kind == ChangesList::Kind::kListed && list.records.size() > query.limit) {
      list = ChangesList::Retry("the CRM listed " + std::to_string(list.records.size()) + " records for a page of " +
                                std::to_string(query.limit));
    }
    if (list.kind != ChangesList::Kind::kListed) {
      ++stats.failures_total;
      const bool for_good = list.kind == ChangesList::Kind::kRejected;
      spdlog::log(for_good ? spdlog::level::err : spdlog::level::warn,
                  "event=poll_failed channel={} object={} for_good={} reason=\"{}\"", name, object.object, for_good,
                  EscapeForLog(list.reason));
      co_return list.retry_after;
    }
    if (list.records.empty()) {
      listed_all = true;
      break;
    }
    stats.listed_total += list.records.size();
    // A change dated past the control plane's clock moves the watermark
    // only to the clock: one bad date must not hide every later change (a
    // CRM whose clock runs ahead only gets its changes listed again).
    const int64_t latest_credible = NowUnixMs();
    int64_t page_newest = query.since_unix_ms;
    for (const ChangedRecord& r : list.records) page_newest = std::max(page_newest, r.modified_unix_ms);
    page_newest = std::min(page_newest, std::max(latest_credible, query.since_unix_ms));
    newest = std::max(newest, page_newest);
    Result<size_t> fresh = co_await Commit(channel, object, list.records, newest);
    if (!fresh.ok()) {
      ++stats.failures_total;  // the store failed: asked again next pass
      co_return std::nullopt;
    }
    stats.committed_total += *fresh;
    // The next page: from this page's newest time, past the records of
    // that time (or later: a capped date) already seen.
    const size_t at_newest = static_cast<size_t>(std::count_if(
        list.records.begin(), list.records.end(), [&](const auto& r) { return r.modified_unix_ms >= page_newest; }));
    const bool same_time = page_newest == query.since_unix_ms;
    // A page that starts where the one before started has not moved on: a
    // CRM ignoring $skip would be asked for ever.
    if (same_time && list.records.front().record_id == previous_first) {
      spdlog::warn(
          "event=poll_not_moving_on channel={} object={} detail=\"a page started where the one before did: "
          "the CRM does not seem to take $skip\"",
          name, object.object);
      break;
    }
    previous_first = list.records.front().record_id;
    query.skip = same_time ? query.skip + at_newest : at_newest;
    query.since_unix_ms = page_newest;
  }
  if (listed_all) stats.last_success_unix_ms = NowUnixMs();
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
  const PollWatermarks& watermarks = watermarks_;
  // How many are new changes (the rest were committed by an earlier pass):
  // counted in the transaction, read once it has committed.
  auto fresh = std::make_shared<size_t>(0);
  auto also = [&watermarks, channel_name = channel.options.name, object_name = object.object, newest, fresh](
                  store::WriteTxn& txn, const store::AppendOutcome& appended) {
    *fresh = static_cast<size_t>(std::count(appended.duplicate.begin(), appended.duplicate.end(), false));
    return watermarks.Put(txn, channel_name, object_name, newest);
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
