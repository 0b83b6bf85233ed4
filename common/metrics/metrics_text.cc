#include "common/metrics/metrics_text.h"

#include <cmath>
#include <cstdio>

namespace ferry::metrics {
namespace {

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", value);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  return buf;
}

}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBounds.size() + 1) {}

void LatencyHistogram::Observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // also NaN
  size_t i = 0;
  for (double bound : kBounds) {
    if (seconds <= bound) break;
    ++i;
  }
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(std::min(seconds, 1e9) * 1e6), std::memory_order_relaxed);
}

LatencyHistogram::Snapshot LatencyHistogram::Read() const {
  Snapshot s;
  uint64_t running = 0;
  for (const auto& bucket : buckets_) {
    running += bucket.load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

void MetricsText::Family(std::string_view name, std::string_view help, std::string_view type) {
  if (families_.count(name)) return;
  families_.emplace(name);
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  text_ += help;
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void MetricsText::Sample(std::string_view name, const Labels& labels, double value, std::string_view extra_label,
                         std::string_view extra_value) {
  text_ += name;
  if (!labels.empty() || !extra_label.empty()) {
    text_ += '{';
    bool first = true;
    auto add = [&](std::string_view key, std::string_view v) {
      if (!first) text_ += ',';
      first = false;
      text_ += key;
      text_ += "=\"";
      text_ += EscapeLabelValue(v);
      text_ += '"';
    };
    for (const auto& [key, v] : labels) add(key, v);
    if (!extra_label.empty()) add(extra_label, extra_value);
    text_ += '}';
  }
  text_ += ' ';
  text_ += FormatValue(value);
  text_ += '\n';
}

void MetricsText::Counter(std::string_view name, std::string_view help, double value, const Labels& labels) {
  Family(name, help, "counter");
  Sample(name, labels, value);
}

void MetricsText::Gauge(std::string_view name, std::string_view help, double value, const Labels& labels) {
  Family(name, help, "gauge");
  Sample(name, labels, value);
}

void MetricsText::Histogram(std::string_view name, std::string_view help, const LatencyHistogram::Snapshot& s,
                            const Labels& labels) {
  Family(name, help, "histogram");
  const std::string bucket = std::string(name) + "_bucket";
  size_t i = 0;
  for (double bound : LatencyHistogram::kBounds) {
    Sample(bucket, labels, static_cast<double>(s.cumulative[i++]), "le", FormatValue(bound));
  }
  Sample(bucket, labels, static_cast<double>(s.count), "le", "+Inf");
  Sample(std::string(name) + "_sum", labels, s.sum);
  Sample(std::string(name) + "_count", labels, static_cast<double>(s.count));
}

}  // namespace ferry::metrics
