#include "controlplane/delivery/agent_replays.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <map>

#include "common/crypto/random.h"
#include "common/transport/topics.h"
#include "common/util/clock.h"
#include "common/util/one_line.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {
namespace {

ferry::v1::TraceStep Step(const char* what, std::string detail) {
  ferry::v1::TraceStep step;
  step.set_unix_ms(NowUnixMs());
  step.set_step(what);
  // The agent's words: one line, bounded.
  detail = OneLine(detail);
  if (detail.size() > 300) detail.resize(300);
  step.set_detail(detail);
  return step;
}

}  // namespace

void AgentReplays::Send(std::vector<AgentRemap> remaps, const std::string& requested_by) {
  boost::asio::post(executor_, [this, remaps = std::move(remaps), requested_by] {
    std::map<std::string, std::vector<ferry::v1::AgentCommand>> by_agent;
    for (const auto& remap : remaps) {
      auto& commands = by_agent[remap.agent_id];
      if (commands.empty() || static_cast<size_t>(commands.back().retries_size()) >= kMaxPerCommand) {
        ferry::v1::AgentCommand command;
        command.set_command_id(crypto::RandomHex(8));
        command.set_requested_by(requested_by);
        command.set_unix_ms(NowUnixMs());
        commands.push_back(std::move(command));
      }
      auto* retry = commands.back().add_retries();
      retry->set_event_id(remap.event_id);
      retry->set_dead_letter(remap.seq);
      retry->set_reason(remap.reason);
    }
    for (auto& [agent, commands] : by_agent) {
      if (!transport::topics::IsValidAgentId(agent)) continue;
      for (auto& command : commands) {
        spdlog::info("event=dead_letters_sent_to_agent agent_id={} command_id={} dead_letters={}", agent,
                     command.command_id(), command.retries_size());
        tunnel_.Publish(transport::topics::DownCommands(agent), command.SerializeAsString(), nullptr);
      }
    }
  });
}

void AgentReplays::OnResult(const std::string& agent_id, const std::string& payload) {
  ferry::v1::AgentCommandResult result;
  if (payload.size() > kMaxResultBytes || !result.ParseFromString(payload) ||
      static_cast<size_t>(result.outcomes_size()) > kMaxPerCommand) {
    spdlog::warn("event=bad_command_result agent_id={} bytes={}", agent_id, payload.size());
    return;
  }
  store_.Write(
      [this, agent_id, result](store::WriteTxn& txn) {
        std::vector<uint64_t> remove;
        for (const auto& outcome : result.outcomes()) {
          auto record = store::DurableQueue::GetInTxn(txn.txn(), dead_letters_.records_db(), outcome.dead_letter());
          if (!record.ok()) continue;  // gone already (a repeat, or discarded meanwhile)
          ferry::v1::DeadLetter dead;
          // Only this agent's own unmappable dead letter, named by its event id.
          if (!dead.ParseFromString(record->data) || dead.event().agent_id() != agent_id ||
              dead.event().event_id() != outcome.event_id() || dead.event().mapping_error().empty()) {
            spdlog::warn(
                "event=command_result_refused agent_id={} dead_letter={} reason=\"not its unmappable dead "
                "letter of that event\"",
                agent_id, outcome.dead_letter());
            continue;
          }
          const bool retried = !outcome.retried_as().empty();
          if (retried) remove.push_back(outcome.dead_letter());
          if (trace_) {
            const auto step = retried ? Step("mapped again at its agent", "as " + outcome.retried_as())
                                      : Step("not mapped again at its agent", outcome.refused());
            if (Status s = trace_->AddStep(txn.txn(), outcome.event_id(), step); !s.ok()) return s;
          }
        }
        if (remove.empty()) return Status::Ok();
        return dead_letters_.RemoveInTxn(txn, remove);
      },
      [this, agent_id, id = result.command_id(), n = result.outcomes_size()](const Status& s) {
        if (!s.ok()) {
          dead_letters_.Resync();
          spdlog::error("event=command_result_not_stored agent_id={} command_id={} error=\"{}\"", agent_id, id,
                        OneLine(s.message()));
          return;
        }
        spdlog::info("event=command_result agent_id={} command_id={} outcomes={}", agent_id, OneLine(id), n);
      });
}

}  // namespace ferry::controlplane
