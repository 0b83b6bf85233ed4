#pragma once
// DownInbox: takes the control plane's commands off down/requests, commits
// them to the agent's "down" queue (each command id once: a command sent
// again is acknowledged again and not kept twice), and only then
// acknowledges them on up/requests, so the control plane forgets only what
// the agent holds durably. A batch the queue cannot take is answered with
// a refusal; the control plane sends it again.

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "common/store/durable_queue.h"
#include "common/transport/tunnel.h"

namespace ferry::agent {

class DownInbox : public std::enable_shared_from_this<DownInbox> {
 public:
  static constexpr const char* kQueueName = "down";
  static constexpr size_t kMaxBatchBytes = 16 << 20;

  DownInbox(boost::asio::any_io_executor executor, transport::Tunnel& tunnel, store::DurableQueue& queue,
            std::string agent_id)
      : executor_(executor), tunnel_(tunnel), queue_(queue), agent_id_(std::move(agent_id)) {}

  // A message on down/requests (from the tunnel's thread).
  void OnBatch(const std::string& payload);

  uint64_t committed() const { return committed_.load(); }

 private:
  boost::asio::any_io_executor executor_;
  transport::Tunnel& tunnel_;
  store::DurableQueue& queue_;
  std::string agent_id_;
  std::atomic<uint64_t> committed_{0};
};

}  // namespace ferry::agent
