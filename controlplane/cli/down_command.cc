#include "controlplane/cli/down_command.h"

#include <iostream>

#include "common/util/clock.h"
#include "common/wire/down_listing.h"
#include "controlplane/cli/store_reader.h"

namespace ferry::controlplane {
int ListDownCommands(const std::string& config_path, bool json, size_t limit) {
  OpenedQueues q;
  if (int rc = OpenReadOnly(config_path, q)) return rc;
  auto records = q.down->ReadAfter(0, limit, SIZE_MAX);
  if (!records.ok()) {
    std::cerr << "ferry-controlplane: " << records.status().message() << "\n";
    return 4;
  }
  wire::PrintDownQueue(*records, json, "agent", NowUnixMs(), std::cout);
  return 0;
}

}  // namespace ferry::controlplane
