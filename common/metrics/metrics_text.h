#pragma once
// The Prometheus text exposition format (version 0.0.4), written from the
// figures a daemon already keeps, at scrape time: no registry of its own.
// Each metric family gets its # HELP and # TYPE lines once, before its first
// sample; label values are escaped (backslash, double quote, line feed), so
// a value from outside (an agent id, a connector name) cannot break a line.

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Latency in seconds, in fixed buckets from 1 ms to 60 s; safe to observe
// from any thread.
class LatencyHistogram {
 public:
  static constexpr std::initializer_list<double> kBounds = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,   1,     2.5,  5,     10,   30,  60};
  LatencyHistogram();
  void Observe(double seconds);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<std::atomic<uint64_t>> buckets_;  // one per bound, then +Inf; not cumulative
  std::atomic<uint64_t> sum_micros_{0};
};

class MetricsText {
 public:
  void Counter(std::string_view name, std::string_view help, double value, const Labels& labels = {});
  void Gauge(std::string_view name, std::string_view help, double value, const Labels& labels = {});
  void Histogram(std::string_view name, std::string_view help, const LatencyHistogram::Snapshot& snapshot,
                 const Labels& labels = {});
  const std::string& text() const { return text_; }

 private:
  void Family(std::string_view name, std::string_view help, std::string_view type);
  void Sample(std::string_view name, const Labels& labels, double value, std::string_view extra_label = {},
              std::string_view extra_value = {});

  std::string text_;
  std::set<std::string, std::less<>> families_;
};

// Seconds from `since_unix_ms` to `now_unix_ms`, as an age gauge shows
// it: 0 when `since_unix_ms` is 0 (nothing to be old: an empty queue, never
// acknowledged).
inline double AgeSeconds(int64_t since_unix_ms, int64_t now_unix_ms) {
  return since_unix_ms > 0 ? static_cast<double>(now_unix_ms - since_unix_ms) / 1000.0 : 0.0;
}

// The Content-Type of that format.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace ferry::metrics
