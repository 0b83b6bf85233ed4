#pragma once
// The control plane's store opened read-only by a CLI command, while the
// daemon runs or not: its configuration loaded, the process the owner of
// the data folder, the queues opened. Errors are printed; the return value
// is the exit code (0: opened, 2: bad configuration, 4: store unreadable).

#include <memory>
#include <string>

#include "common/store/durable_queue.h"
#include "common/store/store.h"

namespace ferry::controlplane {

struct OpenedQueues {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::DurableQueue> delivery;
  std::unique_ptr<store::DurableQueue> dlq;
  std::unique_ptr<store::DurableQueue> down;
};

int OpenReadOnly(const std::string& config_path, OpenedQueues& out);

}  // namespace ferry::controlplane
