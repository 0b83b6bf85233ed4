#pragma once
// `ferry-controlplane dlq list`: prints the dead-letter queue of a control
// plane's store, read-only, while the daemon runs or not. `dlq replay` and
// `dlq discard` ask the running daemon, through its control socket, since
// it holds the queues (docs/api.md, "Dead letters", for what they do).

#include <cstdint>
#include <string>
#include <vector>

namespace ferry::controlplane {

// Returns the process exit code: 0 listed, 2 bad config, 4 store unreadable.
int ListDeadLetters(const std::string& config_path, bool json, size_t limit);
struct DeadLetterActionOptions {
  std::string config_path;
  bool replay = true;
  std::vector<uint64_t> seqs;
  // A filter instead of sequences: the fields of docs/api.md's filter.
  std::string connector, agent, mestyp, docnum, reason_text;
  std::string reason;  // why they are discarded
  bool json = false;
};
// 0 done (also when some were skipped: they are listed), 1 nothing was
// done, 2 bad config or arguments, 3 the control plane is not running or
// refused the request.
int ActOnDeadLetters(const DeadLetterActionOptions& options);
// `ferry-controlplane status`: queue depth and dead-letter count.
int PrintStatus(const std::string& config_path, bool json);

}  // namespace ferry::controlplane
