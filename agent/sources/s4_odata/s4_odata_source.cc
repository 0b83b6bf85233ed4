#include "agent/sources/s4_odata/s4_odata_source.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "agent/sources/s4_odata/odata_keyset.h"
#include "common/crypto/ed25519.h"
#include "common/doc/json_document.h"
#include "common/http/await_callback.h"
#include "common/http/basic_auth.h"
#include "common/http/url_encoding.h"
#include "common/util/clock.h"
#include "common/util/ids.h"
#include "common/util/utf8.h"

namespace ferry::agent {
namespace {

namespace asio = boost::asio;
constexpr int64_t kDayMs = 86'400'000;

std::string CheckpointName(const ODataEntitySet& set) { return "s4_odata/" + set.name; }

}  // namespace

S4ODataSource::S4ODataSource(const SourceContext& context, S4ODataConfig config)
    : context_(context), config_(std::move(config)), pause_(io_.get_executor()) {
  authorization_ = config_.connection.Authorization();
  const http::HttpClientOptions options = config_.connection.ClientOptions();
  client_ = std::make_unique<http::HttpClient>(io_.get_executor(), options);
}

S4ODataSource::~S4ODataSource() {
  Stop();
  // A commit the agent will no longer answer (its loop has ended) is given
  // up, so the poller's coroutine can end and its thread be joined; the
  // late answer, if the store still gives one, finds nobody waiting.
  std::function<void(AcceptResult)> waiting;
  {
    std::lock_guard lock(commit_->mutex);
    commit_->abandoned = true;
    waiting = std::move(commit_->resolve);
    commit_->resolve = nullptr;
  }
  if (waiting) waiting(AcceptResult{Status::Unavailable("the agent is stopping"), 0, 0});
  if (thread_.joinable()) thread_.join();
}

Status S4ODataSource::Start() {
  for (const ODataEntitySet& set : config_.entities) {
    if (context_.checkpoints == nullptr) break;
    auto stored = context_.checkpoints->Get(CheckpointName(set));
    if (!stored.ok()) return stored.status();
    if (*stored && (*stored)->starts_with("delta:")) {
      delta_links_[set.name] = (*stored)->substr(6);
    } else if (*stored) {
      char* end = nullptr;
      watermarks_[set.name] = std::strtoll((*stored)->c_str(), &end, 10);
    }
  }
  asio::co_spawn(io_, Run(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      // A bug, not input: say so loudly; the agent's other sources go on.
      spdlog::critical("event=s4_odata_stopped source=s4_odata reason=\"{}\"", EscapeForLog(ex.what()));
    }
  });
  thread_ = std::thread([this] { io_.run(); });
  spdlog::info("event=source_polling source=s4_odata url=\"{}\" client={} entity_sets={} auth={}",
               EscapeForLog(config_.connection.url), config_.connection.client, config_.entities.size(),
               authorization_.empty() ? "certificate" : "basic");
  return Status::Ok();
}

void S4ODataSource::Stop() {
  if (stopping_.exchange(true)) return;
  // A request under way is cut off rather than waited for (up to its
  // timeout): nothing of it is committed yet, and the next start reads
  // from the committed watermark.
  asio::post(io_, [this] {
    pause_.Stop();
    client_->Shutdown();
  });
}

asio::awaitable<void> S4ODataSource::Run() {
  while (!stopping_) {
    for (const ODataEntitySet& set : config_.entities) {
      // The agent's shutdown waits while a poll is in flight: Stop cuts its
      // request short, and a commit under way gets its answer.
      ++in_flight_;
      const PollResult result = co_await Poll(set);
      --in_flight_;
      if (result == PollResult::kStopped) co_return;
    }
    last_poll_unix_ms_ = NowUnixMs();
    if (!co_await pause_.For(config_.interval)) co_return;
  }
}

std::optional<int64_t> S4ODataSource::Since(const ODataEntitySet& set) const {
  auto it = watermarks_.find(set.name);
  if (it != watermarks_.end()) return it->second - config_.overlap.count();
  return config_.start_ms;
}

std::string S4ODataSource::PageUrl(const ODataEntitySet& set, std::optional<int64_t> since,
                                   const std::string& after) const {
  const ODataEntityShape& s = set.shape;
  std::string orderby;
  for (const std::string& f : OrderFields(s)) orderby += (orderby.empty() ? "" : ",") + f;

  std::vector<std::string> conditions;
  if (!set.filter.empty()) conditions.push_back(set.filter);
  if (since) {
    if (!s.changed_at.empty()) {
      conditions.push_back(s.changed_at + " ge " + TimeLiteral(*since, ODataTimeType::kDateTimeOffset, s.v4));
    } else {
      // A date field: from the start of the watermark's day (UTC, as SAP
      // serialises Edm.DateTime).
      const int64_t day = *since - ((*since % kDayMs) + kDayMs) % kDayMs;
      conditions.push_back(s.changed_date + " ge " + TimeLiteral(day, ODataTimeType::kDate, s.v4));
    }
  }
  if (!after.empty()) conditions.push_back(after);
  std::string filter;
  for (const std::string& c : conditions) {
    filter += filter.empty() ? (conditions.size() == 1 ? c : "(" + c + ")") : " and (" + c + ")";
  }
  std::string url = config_.connection.url + set.service.path + "/" + set.entity_set +
                    "?$format=json&$orderby=" + http::PercentEncode(orderby) +
                    "&$top=" + std::to_string(config_.page_size);
  if (!filter.empty()) url += "&$filter=" + http::PercentEncode(filter);
  if (!set.expand.empty()) {
    std::string expand;
    for (const std::string& e : set.expand) expand += (expand.empty() ? "" : ",") + e;
    url += "&$expand=" + http::PercentEncode(expand);
  }
  url += config_.connection.ClientParameter();
  return url;
}

asio::awaitable<std::optional<http::ClientResponse>> S4ODataSource::Fetch(const std::string& url, bool track_changes) {
  auto parsed = http::ParseUrl(url);
  if (!parsed.ok()) {
    spdlog::error("event=s4_odata_bad_url source=s4_odata reason=\"{}\"", EscapeForLog(parsed.status().message()));
    co_return std::nullopt;
  }
  std::chrono::milliseconds backoff(1000);
  for (int attempt = 0;; ++attempt) {
    if (stopping_) co_return std::nullopt;
    http::HttpClient::OutRequest req{boost::beast::http::verb::get, parsed->target, 11};
    req.set(boost::beast::http::field::accept, "application/json");
    if (!authorization_.empty()) req.set(boost::beast::http::field::authorization, authorization_);
    if (track_changes) req.set("Prefer", "odata.track-changes");
    Result<http::ClientResponse> res = co_await client_->Send(*parsed, std::move(req));
    std::chrono::milliseconds wait = backoff;
    if (res.ok()) {
      const int status = res->status;
      if (status != 429 && status < 500) co_return std::move(res).value();
      ++request_failures_;
      wait = std::max(wait, RetryAfter(*res));
      spdlog::log(attempt == 0 ? spdlog::level::warn : spdlog::level::debug,
                  "event=s4_odata_retry source=s4_odata status={} attempt={} wait_ms={} reason=\"{}\"", status,
                  attempt + 1, wait.count(), GatewayMessage(res->body));
    } else {
      ++request_failures_;
      spdlog::log(attempt == 0 ? spdlog::level::warn : spdlog::level::debug,
                  "event=s4_odata_retry source=s4_odata attempt={} wait_ms={} reason=\"{}\"", attempt + 1, wait.count(),
                  EscapeForLog(res.status().message()));
    }
    if (!co_await pause_.For(wait)) co_return std::nullopt;
    backoff = std::min(backoff * 2, std::max(config_.interval, std::chrono::milliseconds(1000)));
  }
}

std::vector<IncomingEvent> S4ODataSource::Events(const ODataEntitySet& set, std::vector<ODataEntity>& entities,
                                                 const std::string& version) {
  const int64_t now = NowUnixMs();
  std::vector<IncomingEvent> events;
  events.reserve(entities.size());
  for (ODataEntity& entity : entities) {
    auto document = doc::FromJson(entity.payload, set.entity_set);
    if (!document.ok()) {  // ParseODataPage wrote this JSON: a bug, not input
      ++entities_skipped_;
      spdlog::error("event=s4_odata_entity_skipped source=s4_odata entity_set={} key=\"{}\" reason=\"{}\"",
                    set.entity_set, EscapeForLog(entity.key), document.status().message());
      continue;
    }
    ferry::v1::Event e;
    e.set_event_id(NewEventId());
    e.set_agent_id(context_.agent_id);
    e.set_source("s4_odata");
    e.set_received_unix_ms(now);
    e.set_business_key(set.entity_set + ":" + entity.key);
    // The same version of an entity read again (the overlap) is the same
    // event; a change within one day's LastChangeDate is told apart by its
    // content.
    e.set_dedup_key(set.service.name + "/" + set.entity_set + "/" + entity.key + "@" +
                    (version.empty() ? std::to_string(entity.changed_ms) : version) + "#" +
                    crypto::Sha256Hex(entity.payload).substr(0, 16));
    e.set_content_type("application/json");
    auto* s4 = e.mutable_s4();
    s4->set_service(set.service.name);
    s4->set_entity_set(set.entity_set);
    s4->set_key(entity.key);
    if (entity.changed_ms != 0) s4->set_changed_at(IsoUtc(entity.changed_ms));
    s4->set_deleted(entity.deleted);
    e.set_payload(std::move(entity.payload));
    events.push_back({std::move(e), std::move(document).value()});
  }
  return events;
}

asio::awaitable<AcceptResult> S4ODataSource::Commit(std::vector<IncomingEvent> events, Checkpoint checkpoint) {
  auto shared =
      std::make_shared<std::pair<std::vector<IncomingEvent>, Checkpoint>>(std::move(events), std::move(checkpoint));
  // The sink answers through commit_, which the destructor can cut (see
  // there); one commit is waited for at a time.
  auto start = [this, shared](std::function<void(AcceptResult)> resolve) {
    {
      std::lock_guard lock(commit_->mutex);
      if (commit_->abandoned) {
        resolve(AcceptResult{Status::Unavailable("the agent is stopping"), 0, 0});
        return;
      }
      commit_->resolve = std::move(resolve);
    }
    asio::post(context_.executor, [sink = context_.sink, shared, commit = commit_]() mutable {
      sink->Accept(std::move(shared->first), std::move(shared->second), [commit](AcceptResult result) {
        std::function<void(AcceptResult)> waiting;
        {
          std::lock_guard lock(commit->mutex);
          waiting = std::move(commit->resolve);
          commit->resolve = nullptr;
        }
        if (waiting) waiting(std::move(result));
      });
    });
  };
  AcceptResult result = co_await http::AwaitCallback<AcceptResult>(start);
  co_return result;
}

asio::awaitable<S4ODataSource::PollResult> S4ODataSource::Poll(const ODataEntitySet& set) {
  if (set.delta) co_return co_await PollDelta(set);
  // The poll's start stays put while the watermark moves with every page
  // committed; each next page is asked for by the position of the last
  // entity read (odata_keyset.h), not by a count an entity changing under
  // the poll would shift.
  const std::optional<int64_t> since = Since(set);
  std::string url = PageUrl(set, since, "");
  // Entities answered to the current $top request, over the server's own
  // pages (__next) of it: a server paging at 100 answers $top=1000 in ten.
  size_t in_request = 0;
  std::string after, after_missing;  // the position of the last entity of the request
  std::string previous_after;
  for (;;) {
    PageRead read = co_await ReadPage(set, url, false);
    if (read.stopped) co_return PollResult::kStopped;
    if (!read.page) co_return PollResult::kFailed;
    std::optional<ODataPage>& page = read.page;
    in_request += page->entities.size() + page->skipped.size();
    if (!page->after.empty()) after = page->after;
    if (!page->entities.empty()) after_missing = page->after_missing;  // "" once a position was written
    int64_t watermark = watermarks_.count(set.name) ? watermarks_[set.name] : 0;
    // A change time in the future (a clock or a bad value in S/4) would
    // move the watermark past every real change to come: it is capped at a
    // day from now, and said so.
    const int64_t latest = NowUnixMs() + 86'400'000;
    for (const ODataEntity& e : page->entities) {
      if (e.changed_ms > latest) {
        spdlog::warn("event=s4_odata_future_change source=s4_odata entity_set={} key=\"{}\" changed_at={}",
                     set.entity_set, EscapeForLog(e.key), IsoUtc(e.changed_ms));
      }
      watermark = std::max(watermark, std::min(e.changed_ms, latest));
    }
    std::vector<IncomingEvent> events = Events(set, page->entities);
    if (!events.empty()) {
      const size_t count = events.size();
      // Named locals, not temporaries, inside the co_await: g++ 12 mis-destroys
      // non-trivial temporaries of a co_await full-expression.
      Checkpoint checkpoint{CheckpointName(set), std::to_string(watermark)};
      AcceptResult result = co_await Commit(std::move(events), std::move(checkpoint));
      if (!result.status.ok()) {
        spdlog::warn("event=s4_odata_not_committed source=s4_odata entity_set={} reason=\"{}\"", set.entity_set,
                     result.status.message());
        co_return PollResult::kFailed;  // the watermark stays: the next poll reads this page again
      }
      watermarks_[set.name] = watermark;
      entities_committed_ += count;
      entities_duplicate_ += result.duplicates;
      if (result.stored > 0) {
        spdlog::info("event=s4_odata_committed source=s4_odata entity_set={} stored={} duplicates={} watermark={}",
                     set.entity_set, result.stored, result.duplicates, IsoUtc(watermark));
      }
    }
    if (!page->next_link.empty()) {
      std::optional<std::string> next = FollowLink(set, url, page->next_link);
      if (!next) co_return PollResult::kFailed;
      url = std::move(*next);
    } else if (in_request >= config_.page_size) {
      in_request = 0;
      if (after.empty() || !after_missing.empty()) {
        spdlog::error("event=s4_odata_bad_answer source=s4_odata entity_set={} reason=\"{}\"", set.entity_set,
                      EscapeForLog(after.empty() ? std::string("no entity of the page has a key") : after_missing));
        co_return PollResult::kFailed;
      }
      if (after == previous_after) {
        // The same position twice: a page of entities all alike in change
        // time and key, or a service that ignores $filter. Asking again
        // would loop.
        spdlog::error(
            "event=s4_odata_bad_answer source=s4_odata entity_set={} reason=\"the page ended where the "
            "previous one did: S/4 did not apply the paging condition\"",
            set.entity_set);
        co_return PollResult::kFailed;
      }
      url = PageUrl(set, since, after);
      previous_after = std::move(after);
      after.clear();
    } else {
      co_return PollResult::kDone;
    }
    if (stopping_) co_return PollResult::kStopped;
  }
}

asio::awaitable<Status> S4ODataSource::AttachLookups(const ODataEntitySet& set, std::vector<ODataEntity>& entities) {
  if (set.lookups.empty()) co_return Status::Ok();
  // One runner per page: a resource several entities name (a contact
  // person of two organisations) is read once.
  LookupRunner runner(set.lookups, config_.connection, set.service.path,
                      [this](const std::string& url) { return Fetch(url, false); });
  for (ODataEntity& entity : entities) {
    Status attached = co_await runner.Attach(entity.payload);
    for (const std::string& refusal : runner.TakeRefusals()) {
      ++request_failures_;
      spdlog::error("event=s4_odata_lookup_refused source=s4_odata entity_set={} key=\"{}\" reason=\"{}\"",
                    set.entity_set, EscapeForLog(entity.key), refusal);
    }
    if (!attached.ok()) {
      if (!stopping_) {
        ++request_failures_;
        spdlog::error("event=s4_odata_lookup_failed source=s4_odata entity_set={} key=\"{}\" reason=\"{}\"",
                      set.entity_set, EscapeForLog(entity.key), attached.message());
      }
      co_return attached;
    }
  }
  co_return Status::Ok();
}

std::optional<std::string> S4ODataSource::FollowLink(const ODataEntitySet& set, const std::string& from,
                                                     const std::string& link) const {
  std::optional<std::string> url = ResolveLink(config_.connection, from, link);
  if (!url) {
    spdlog::error("event=s4_odata_bad_answer source=s4_odata entity_set={} reason=\"a link leaves {}\"", set.entity_set,
                  EscapeForLog(config_.connection.url));
  }
  return url;
}

asio::awaitable<S4ODataSource::PageRead> S4ODataSource::ReadPage(const ODataEntitySet& set, const std::string& url,
                                                                 bool track_changes) {
  PageRead read;
  std::optional<http::ClientResponse> res = co_await Fetch(url, track_changes);
  if (!res || stopping_) {  // stopping (nothing new is committed then), or a URL that does not parse (logged)
    read.stopped = stopping_;
    co_return read;
  }
  if (res->status != 200) {
    read.refused = res->status;
    ++request_failures_;
    spdlog::error("event=s4_odata_refused source=s4_odata entity_set={} status={} reason=\"{}\"", set.entity_set,
                  res->status, GatewayMessage(res->body));
    co_return read;
  }
  Result<ODataPage> page = ParseODataPage(res->body, set.shape);
  if (!page.ok()) {
    ++request_failures_;
    spdlog::error("event=s4_odata_bad_answer source=s4_odata entity_set={} reason=\"{}\"", set.entity_set,
                  page.status().message());
    co_return read;
  }
  ++pages_;
  for (const std::string& why : page->skipped) {
    ++entities_skipped_;
    spdlog::warn("event=s4_odata_entity_skipped source=s4_odata entity_set={} reason=\"{}\"", set.entity_set,
                 EscapeForLog(why));
  }
  read.page = std::move(page).value();
  if (Status attached = co_await AttachLookups(set, read.page->entities); !attached.ok()) {
    read.page.reset();
    read.stopped = stopping_;
  }
  co_return read;
}

asio::awaitable<S4ODataSource::PollResult> S4ODataSource::PollDelta(const ODataEntitySet& set) {
  auto stored = delta_links_.find(set.name);
  const bool initial = stored == delta_links_.end();
  std::string url;
  if (initial) {
    url = config_.connection.url + set.service.path + "/" + set.entity_set + "?$format=json";
    if (!set.filter.empty()) url += "&$filter=" + http::PercentEncode(set.filter);
    if (!set.expand.empty()) {
      std::string expand;
      for (const std::string& e : set.expand) expand += (expand.empty() ? "" : ",") + e;
      url += "&$expand=" + http::PercentEncode(expand);
    }
    url += config_.connection.ClientParameter();
  } else {
    url = stored->second;
  }
  // The same delta link read again after a crash gives the same changes:
  // their events carry it, so they are recognised.
  const std::string version = "delta:" + crypto::Sha256Hex(url).substr(0, 16);
  for (;;) {
    PageRead read = co_await ReadPage(set, url, initial);
    if (read.stopped) co_return PollResult::kStopped;
    if (!read.page && !initial && url == stored->second && read.refused >= 400 && read.refused < 500) {
      // A delta token S/4 no longer knows (expired, or its log cleaned up):
      // the next poll reads the set whole again, and takes a new one.
      spdlog::warn("event=s4_odata_delta_expired source=s4_odata entity_set={} status={}", set.entity_set,
                   read.refused);
      delta_links_.erase(stored);
      co_return PollResult::kFailed;
    }
    if (!read.page) co_return PollResult::kFailed;
    std::optional<ODataPage>& page = read.page;
    const bool last = page->next_link.empty();
    if (last && page->delta_link.empty()) {
      spdlog::error(
          "event=s4_odata_bad_answer source=s4_odata entity_set={} reason=\"the service gave no delta "
          "link: it does not track changes (set delta: false and a change time)\"",
          set.entity_set);
      co_return PollResult::kFailed;
    }
    std::optional<std::string> link = FollowLink(set, url, last ? page->delta_link : page->next_link);
    if (!link) co_return PollResult::kFailed;
    std::vector<IncomingEvent> events = Events(set, page->entities, version);
    const size_t count = events.size();
    // Only the last page moves the delta link: a crash before it reads the
    // whole answer again, and what was committed is recognised.
    Checkpoint checkpoint{last ? CheckpointName(set) : "", last ? "delta:" + *link : ""};
    if (count > 0 || last) {
      AcceptResult result = co_await Commit(std::move(events), std::move(checkpoint));
      if (!result.status.ok()) {
        spdlog::warn("event=s4_odata_not_committed source=s4_odata entity_set={} reason=\"{}\"", set.entity_set,
                     result.status.message());
        co_return PollResult::kFailed;
      }
      entities_committed_ += count;
      entities_duplicate_ += result.duplicates;
      if (result.stored > 0) {
        spdlog::info("event=s4_odata_committed source=s4_odata entity_set={} stored={} duplicates={} delta=true",
                     set.entity_set, result.stored, result.duplicates);
      }
    }
    if (last) {
      delta_links_[set.name] = *link;
      co_return PollResult::kDone;
    }
    url = std::move(*link);
    if (stopping_) co_return PollResult::kStopped;
  }
}

void S4ODataSource::WriteMetrics(metrics::MetricsText& out) const {
  const metrics::Labels source{{"source", "s4_odata"}};
  for (const auto& [outcome, count] :
       {std::pair{"committed", entities_committed_.load()}, std::pair{"duplicate", entities_duplicate_.load()},
        std::pair{"skipped", entities_skipped_.load()}}) {
    metrics::Labels labels = source;
    labels.emplace_back("outcome", outcome);
    out.Counter("ferry_agent_s4_entities_total",
                "Entities read from S/4: committed (duplicates included), duplicate (read before), skipped (no key).",
                static_cast<double>(count), labels);
  }
  out.Counter("ferry_agent_s4_pages_total", "OData pages read from S/4.", static_cast<double>(pages_.load()), source);
  out.Counter("ferry_agent_s4_request_failures_total",
              "S/4 requests that failed (429, 5xx, 4xx, transport, bad answer).",
              static_cast<double>(request_failures_.load()), source);
  out.Gauge("ferry_agent_s4_last_poll_unix_seconds", "When the poller last went through all its entity sets.",
            static_cast<double>(last_poll_unix_ms_.load()) / 1000.0, source);
}

}  // namespace ferry::agent
