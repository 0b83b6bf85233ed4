#include "agent/cli/down_cli.h"

#include <iostream>

#include "agent/cli/buffer_cli_support.h"
#include "agent/down/down_inbox.h"
#include "common/util/clock.h"
#include "common/wire/down_listing.h"

namespace ferry::agent {

using cli::kExitStore;
using cli::Open;
using cli::Opened;

int RunDownList(const BufferCliOptions& options, size_t limit) {
  Opened opened;
  if (int rc = Open(options.config_path, opened)) return rc;
  auto queue = store::DurableQueue::Open(*opened.store, {DownInbox::kQueueName, 0});
  if (!queue.ok()) {
    std::cerr << "ferry-agent: " << queue.status().message() << "\n";
    return kExitStore;
  }
  auto records = (*queue)->ReadAfter(0, limit, SIZE_MAX);
  if (!records.ok()) {
    std::cerr << "ferry-agent: " << records.status().message() << "\n";
    return kExitStore;
  }
  wire::PrintDownQueue(*records, options.json, "sap", NowUnixMs(), std::cout);
  return 0;
}

}  // namespace ferry::agent
