#pragma once
// Source plug-ins: each source folder provides a SourceFactory (parse its
// config section into a SourceBuilder) and is listed once in all_sources.cc.

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "agent/sources/event_sink.h"
#include "common/config/config_node.h"
#include "common/metrics/metrics_text.h"
#include "common/status.h"
#include "common/store/checkpoints.h"

namespace ferry::agent {

class Source {
 public:
  virtual ~Source() = default;
  virtual std::string_view name() const = 0;
  // Starts accepting (e.g. binds the listener). Unavailable on bind errors.
  virtual Status Start() = 0;
  // Stops accepting new input; work already accepted finishes.
  virtual void Stop() = 0;
  // Requests received but not yet answered (waiting for a commit).
  virtual size_t InFlight() const = 0;
  // Adds this source's own figures to the agent's /metrics, each with the
  // label source="<name>" (docs/metrics.md).
  virtual void WriteMetrics(metrics::MetricsText& out) const {}
};

struct SourceContext {
  boost::asio::any_io_executor executor;
  EventSink* sink = nullptr;
  std::string agent_id;
  // Where a source reads back the progress it committed with its events.
  const store::Checkpoints* checkpoints = nullptr;
};

// A validated source configuration, ready to build the running source.
class SourceBuilder {
 public:
  virtual ~SourceBuilder() = default;
  virtual std::unique_ptr<Source> Build(const SourceContext& context) = 0;
};

// The builder of a source that is made from its configuration alone:
// `SourceT(context, config)`.
template <typename SourceT, typename ConfigT>
class ConfigSourceBuilder : public SourceBuilder {
 public:
  explicit ConfigSourceBuilder(ConfigT config) : config_(std::move(config)) {}
  std::unique_ptr<Source> Build(const SourceContext& context) override {
    return std::make_unique<SourceT>(context, config_);
  }

 private:
  ConfigT config_;
};

struct SourceFactory {
  std::string_view name;  // the key under `sources:` in the agent config
  // Reads and validates the section; errors go to the ConfigNode.
  std::function<std::unique_ptr<SourceBuilder>(config::ConfigNode section)> parse;
};

}  // namespace ferry::agent
