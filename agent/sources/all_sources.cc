#include "agent/sources/all_sources.h"

#include "agent/sources/idoc_file/idoc_file_config.h"
#include "agent/sources/idoc_http/idoc_http_config.h"
#include "agent/sources/s4_events/s4_events_config.h"
#include "agent/sources/s4_odata/s4_odata_config.h"

namespace ferry::agent {

const std::vector<SourceFactory>& AllSources() {
  static const std::vector<SourceFactory> kSources = {
      IdocHttpSourceFactory(),
      IdocFileSourceFactory(),
      S4ODataSourceFactory(),
      S4EventsSourceFactory(),
  };
  return kSources;
}

}  // namespace ferry::agent
