#include "agent/sources/idoc_http/idoc_http_config.h"

#include "agent/sources/idoc_http/idoc_http_source.h"

#include <boost/asio/ip/address.hpp>

#include <filesystem>

namespace ferry::agent {
namespace {

std::unique_ptr<SourceBuilder> Parse(config::ConfigNode node) {
  IdocHttpConfig c;
  ReadListenerConfig(node, c);
  c.max_depth = static_cast<size_t>(node.Int("max_depth", static_cast<int64_t>(c.max_depth), 8, 10000));
  c.max_connections =
      static_cast<size_t>(node.Int("max_connections", static_cast<int64_t>(c.max_connections), 1, 100000));
  for (auto [key, value] : {std::pair{"idle_timeout", &c.idle_timeout}, std::pair{"header_timeout", &c.header_timeout},
                            std::pair{"body_timeout", &c.body_timeout}}) {
    *value = std::chrono::duration_cast<std::chrono::seconds>(
        node.Duration(key, std::chrono::duration_cast<std::chrono::milliseconds>(*value)));
    if (value->count() < 1) node.Error(key, "must be at least 1s");
  }
  return std::make_unique<ConfigSourceBuilder<IdocHttpSource, IdocHttpConfig>>(std::move(c));
}

}  // namespace

SourceFactory IdocHttpSourceFactory() { return {"idoc_http", &Parse}; }

}  // namespace ferry::agent
