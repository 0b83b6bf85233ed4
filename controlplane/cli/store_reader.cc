#include "controlplane/cli/store_reader.h"

#include <iostream>

#include "common/app/run_as_owner.h"
#include "controlplane/controlplane.h"
#include "controlplane/cp_config.h"

namespace ferry::controlplane {

int OpenReadOnly(const std::string& config_path, OpenedQueues& out) {
  constexpr int kExitConfig = 2;
  constexpr int kExitStore = 4;
  auto config = LoadControlPlaneConfig(config_path);
  if (!config.ok()) {
    std::cerr << "ferry-controlplane: invalid configuration:\n" << config.status().message() << "\n";
    return kExitConfig;
  }
  if (Status s = app::BecomeOwnerOf(config->data_dir); !s.ok()) {
    std::cerr << "ferry-controlplane: " << s.message() << "\n";
    return kExitStore;
  }
  auto options = ControlPlaneStoreOptions(config->data_dir, config->map_size_bytes);
  options.read_only = true;
  auto store = store::Store::Open(options);
  if (!store.ok()) {
    std::cerr << "ferry-controlplane: cannot read the store: " << store.status().message() << "\n";
    return kExitStore;
  }
  out.store = std::move(store.value());
  auto delivery = store::DurableQueue::Open(*out.store, {kDeliveryQueue, 0});
  auto dlq = store::DurableQueue::Open(*out.store, {kDeadLetterQueue, config->dead_letter_max_bytes});
  auto down = store::DurableQueue::Open(*out.store, {kDownQueue, 0});
  if (!delivery.ok() || !dlq.ok() || !down.ok()) {
    std::cerr << "ferry-controlplane: the store has no queues yet (never started?)\n";
    return kExitStore;
  }
  out.delivery = std::move(delivery.value());
  out.dlq = std::move(dlq.value());
  out.down = std::move(down.value());
  return 0;
}

}  // namespace ferry::controlplane
