#pragma once
// The S/4HANA OData poller: reads the entity sets of S/4's standard APIs
// page by page, ordered by their change time, and hands every entity it
// finds changed to the sink as an event (docs/sources.md#s4hana-odata).
//
// The contract: each page's events are committed together with the entity
// set's watermark (the latest change time committed) in one LMDB
// transaction. After a crash the poller starts again from the committed
// watermark minus `overlap`: nothing after it is skipped, and what it reads
// again is recognised (an entity is identified by its key, change time and
// content) and not stored twice. The overlap covers change times with day
// granularity (LastChangeDate) and changes S/4 commits after the poll read
// later ones; it must be longer than one poll of an entity set takes. Pages
// follow each other by keyset (odata_keyset.h), so an entity that changes
// while a poll pages is never stepped over.
//
// Requests run on a thread of the source's own (parsing a page of 1,000
// entities takes milliseconds the agent's event loop should not lose); the
// sink is called on the agent's executor.
//
// S/4 answering 429 or 503 (with Retry-After, honoured up to 5 minutes),
// another 5xx, a timeout or a connection error: the same page is asked for
// again, with a pause growing from 1 s to the interval. 401 and 403 (logon,
// roles), 404 (service not active) and 400: logged with SAP's message, and
// tried again at the next interval.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/sources/s4_odata/s4_odata_config.h"
#include "agent/sources/source.h"
#include "common/app/pause.h"
#include "common/http/http_client.h"

namespace ferry::agent {

class S4ODataSource : public Source {
 public:
  S4ODataSource(const SourceContext& context, S4ODataConfig config);
  ~S4ODataSource() override;
  std::string_view name() const override { return "s4_odata"; }
  Status Start() override;
  void Stop() override;
  size_t InFlight() const override { return in_flight_.load(); }
  void WriteMetrics(metrics::MetricsText& out) const override;

 private:
  enum class PollResult { kDone, kStopped, kFailed };

  boost::asio::awaitable<void> Run();
  boost::asio::awaitable<PollResult> Poll(const ODataEntitySet& set);
  // A delta-enabled entity set: the stored delta link, or the whole set
  // with change tracking asked for, to the next delta link.
  boost::asio::awaitable<PollResult> PollDelta(const ODataEntitySet& set);
  // What asking S/4 for a page gave.
  struct PageRead {
    std::optional<ODataPage> page;  // parsed, lookups attached; none when refused, bad or stopping (logged)
    bool stopped = false;           // the source is stopping
    int refused = 0;                // S/4's status when it refused the request
  };
  boost::asio::awaitable<PageRead> ReadPage(const ODataEntitySet& set, const std::string& url, bool track_changes);
  // The page's entities with the entity set's lookups attached; not OK
  // (logged) when one could not be read.
  boost::asio::awaitable<Status> AttachLookups(const ODataEntitySet& set, std::vector<ODataEntity>& entities);
  // The URL to ask for a next or delta link from S/4's answer, read at
  // `from`: relative links resolved, `sap-client` kept; nullopt (logged)
  // when it leaves the host Ferry logs on to.
  std::optional<std::string> FollowLink(const ODataEntitySet& set, const std::string& from,
                                        const std::string& link) const;
  // The page's answer, retried on 429, 5xx and transport errors until it
  // comes or the source stops; nullopt when stopped.
  boost::asio::awaitable<std::optional<http::ClientResponse>> Fetch(const std::string& url, bool track_changes);
  boost::asio::awaitable<AcceptResult> Commit(std::vector<IncomingEvent> events, Checkpoint checkpoint);
  // Where a poll of `set` starts: the committed watermark minus the overlap.
  std::optional<int64_t> Since(const ODataEntitySet& set) const;
  // `after`: the keyset condition for the next page; empty for the first.
  std::string PageUrl(const ODataEntitySet& set, std::optional<int64_t> since, const std::string& after) const;
  // `version`: what tells two versions of an entity apart besides its
  // content: its change time, or the delta link the page came from.
  std::vector<IncomingEvent> Events(const ODataEntitySet& set, std::vector<ODataEntity>& entities,
                                    const std::string& version = "");

  SourceContext context_;
  S4ODataConfig config_;
  boost::asio::io_context io_;
  std::unique_ptr<http::HttpClient> client_;
  app::Pause pause_;
  std::thread thread_;
  std::string authorization_;                       // "Basic …"; empty with a client certificate
  std::map<std::string, int64_t> watermarks_;       // entity set name → ms; the poller's thread only
  std::map<std::string, std::string> delta_links_;  // entity set name → the next delta link
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> in_flight_{0};  // 1 while a poll of an entity set runs: Stop ends it promptly
  // The sink's answer to the commit under way, shared with the sink's
  // callback, and whether the destructor has given it up.
  struct CommitWait {
    std::mutex mutex;
    std::function<void(AcceptResult)> resolve;
    bool abandoned = false;
  };
  std::shared_ptr<CommitWait> commit_ = std::make_shared<CommitWait>();
  // For /metrics.
  std::atomic<uint64_t> entities_committed_{0}, entities_duplicate_{0}, entities_skipped_{0}, pages_{0},
      request_failures_{0};
  std::atomic<int64_t> last_poll_unix_ms_{0};
};

}  // namespace ferry::agent
