#include "controlplane/down/modified_since_poll_channel.h"

#include "common/http/json_response.h"
#include "common/util/clock.h"

namespace ferry::controlplane {

Result<InboundNotification> ModifiedSincePollChannel::Read(const http::Request&, int64_t) const {
  // The listener refuses requests for a polled channel before they are read.
  return Status::Unauthenticated("a polled channel takes no requests");
}

http::Response ModifiedSincePollChannel::Accepted(const http::Request& req, const std::vector<std::string>&) const {
  return http::JsonError(req, http::beast_http::status::not_found, "no such inbound channel");
}

std::string ModifiedSincePollChannel::ReadQuery(std::string_view object) const {
  for (const PollObject& o : settings_.objects) {
    if (o.object == object) return o.read;
  }
  return "";
}

InboundChannelFactory ModifiedSincePollChannelFactory() {
  return {"modified_since_poll",
          [](config::ConfigNode& node, const InboundChannelOptions&) -> std::shared_ptr<const InboundChannel> {
            PollSettings s;
            s.interval = node.Duration("interval", s.interval);
            if (s.interval < std::chrono::milliseconds(100) || s.interval > std::chrono::hours(24)) {
              node.Error("interval", "must be 100ms to 24h");
            }
            s.lookback = node.Duration("lookback", s.lookback);
            if (s.lookback > std::chrono::hours(24 * 7)) node.Error("lookback", "must be at most 7 days");
            if (const std::string start = node.String("start", "now"); start != "now") {
              s.start_unix_ms = ParseIsoTimeMs(start);
              if (!s.start_unix_ms) node.Error("start", "'now' or an ISO time in UTC, e.g. 2026-12-01T00:00:00Z");
            }
            s.page_size = static_cast<size_t>(node.Int("page_size", static_cast<int64_t>(s.page_size), 1, 1000));
            config::ConfigNode objects = node.Section("objects");
            for (const std::string& object : objects.Keys()) {
              config::ConfigNode o = objects.Section(object);
              PollObject polled;
              polled.object = object;
              polled.filter = o.String("filter", "");
              polled.read = o.RequiredString("read");
              if (polled.filter.size() > 1024) o.Error("filter", "at most 1024 characters");
              s.objects.push_back(std::move(polled));
            }
            if (s.objects.empty()) {
              node.Error("objects", "name at least one object to poll, with its read query (e.g. salesQuotes: …)");
            }
            return std::make_shared<ModifiedSincePollChannel>(std::move(s));
          }};
}

}  // namespace ferry::controlplane
