#include "common/metrics/metrics_text.h"

#include <gtest/gtest.h>

namespace ferry::metrics {
namespace {

TEST(MetricsTextTest, FamiliesAreDeclaredOnceAndLabelValuesEscaped) {
  MetricsText text;
  text.Counter("ferry_delivered_total", "Events delivered.", 7, {{"connector", "salesforce"}});
  text.Counter("ferry_delivered_total", "Events delivered.", 2, {{"connector", "a\"b\\c\nd"}});
  text.Gauge("ferry_queue_depth", "Events waiting.", 0);
  EXPECT_EQ(text.text(),
            "# HELP ferry_delivered_total Events delivered.\n"
            "# TYPE ferry_delivered_total counter\n"
            "ferry_delivered_total{connector=\"salesforce\"} 7\n"
            "ferry_delivered_total{connector=\"a\\\"b\\\\c\\nd\"} 2\n"
            "# HELP ferry_queue_depth Events waiting.\n"
            "# TYPE ferry_queue_depth gauge\n"
            "ferry_queue_depth 0\n");
}

TEST(MetricsTextTest, AHistogramHasCumulativeBucketsSumAndCount) {
  LatencyHistogram h;
  h.Observe(0.0005);
  h.Observe(0.02);
  h.Observe(0.02);
  h.Observe(100);  // beyond the last bound: only +Inf
  const auto s = h.Read();
  EXPECT_EQ(s.count, 4u);
  EXPECT_NEAR(s.sum, 100.0405, 1e-6);
  MetricsText text;
  text.Histogram("ferry_request_seconds", "Request time.", s, {{"connector", "x"}});
  const std::string& t = text.text();
  EXPECT_NE(t.find("# TYPE ferry_request_seconds histogram\n"), std::string::npos);
  EXPECT_NE(t.find("ferry_request_seconds_bucket{connector=\"x\",le=\"0.001\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ferry_request_seconds_bucket{connector=\"x\",le=\"0.025\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ferry_request_seconds_bucket{connector=\"x\",le=\"60\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ferry_request_seconds_bucket{connector=\"x\",le=\"+Inf\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("ferry_request_seconds_count{connector=\"x\"} 4\n"), std::string::npos) << t;
}

}  // namespace
}  // namespace ferry::metrics
