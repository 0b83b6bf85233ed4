#pragma once
// `ferry-controlplane dlq list`: prints the dead-letter queue of a control
// plane's store, read-only, while the daemon runs or not.

#include <string>

namespace ferry::controlplane {

// Returns the process exit code: 0 listed, 2 bad config, 4 store unreadable.
int ListDeadLetters(const std::string& config_path, bool json, size_t limit);
// `ferry-controlplane status`: queue depth and dead-letter count.
int PrintStatus(const std::string& config_path, bool json);

}  // namespace ferry::controlplane
