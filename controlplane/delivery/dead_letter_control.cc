#include "controlplane/delivery/dead_letter_control.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/app/control_socket.h"
#include "controlplane/console/dead_letters_api.h"

namespace ferry::controlplane {

std::optional<boost::json::object> HandleDeadLetterRequest(const boost::json::value& request, uid_t caller,
                                                           const store::DurableQueue& dlq, DeadLetterActions& actions,
                                                           const AuditLog& audit) {
  const auto* o = request.if_object();
  const auto* op = o ? o->if_contains("op") : nullptr;
  if (!op || !op->is_string() || (op->as_string() != "dlq.replay" && op->as_string() != "dlq.discard")) {
    return std::nullopt;
  }
  const bool replay = op->as_string() == "dlq.replay";
  const auto* args = o->if_contains("args");
  auto action = ParseDeadLetterAction(args ? boost::json::serialize(*args) : "", !replay, dlq);
  if (!action.ok())
    return boost::json::object{{"ok", false}, {"code", "invalid"}, {"error", action.status().message()}};
  const std::string user = "unix:" + app::UserName(caller);
  const DeadLetterOutcome outcome = replay ? actions.Replay(action->seqs, "by " + user)
                                           : actions.Discard(action->seqs, "by " + user + ": " + action->reason);
  boost::json::object answer = OutcomeJson(outcome, replay ? "replayed" : "discarded");
  ferry::v1::AuditEntry entry;
  entry.set_user(user);
  entry.set_action(replay ? "dead_letters.replay" : "dead_letters.discard");
  entry.set_target(action->described);
  entry.set_before("dead letters " + boost::json::serialize(answer.at(replay ? "replayed" : "discarded")));
  entry.set_after(replay ? ReplayedTo(outcome) : "discarded: " + action->reason);
  entry.set_client("control socket");
  entry.set_outcome(outcome.status.ok() ? "ok" : outcome.status.message());
  audit.Record(entry);
  if (!outcome.status.ok()) {
    return boost::json::object{{"ok", false}, {"code", "store"}, {"error", outcome.status.message()}};
  }
  spdlog::info("event=cli_dead_letters action={} user={} done={} skipped={}", replay ? "replay" : "discard", user,
               outcome.done.size(), outcome.skipped.size());
  answer["ok"] = true;
  return answer;
}

}  // namespace ferry::controlplane
