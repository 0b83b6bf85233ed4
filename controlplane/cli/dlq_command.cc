#include "controlplane/cli/dlq_command.h"

#include <boost/json.hpp>

#include <ctime>
#include <iostream>

#include "common/app/control_socket.h"
#include "common/util/clock.h"
#include "common/util/utf8.h"
#include "controlplane/cli/store_reader.h"
#include "controlplane/controlplane.h"
#include "controlplane/cp_config.h"
#include "controlplane/delivery/dead_letter_query.h"
#include "controlplane/fleet/agent_identities.h"

namespace ferry::controlplane {
namespace {

constexpr int kExitNothing = 1;
constexpr int kExitConfig = 2;
constexpr int kExitDaemon = 3;
constexpr int kExitStore = 4;

}  // namespace

int ListDeadLetters(const std::string& config_path, bool json, size_t limit) {
  OpenedQueues q;
  if (int rc = OpenReadOnly(config_path, q)) return rc;
  auto records = q.dlq->ReadAfter(0, limit, SIZE_MAX);
  if (!records.ok()) {
    std::cerr << "ferry-controlplane: " << records.status().message() << "\n";
    return kExitStore;
  }
  boost::json::array rows;
  if (!json)
    std::cout
        << "SEQ  DEAD-LETTERED             DIR   AGENT          TYPE          DOCUMENT            ATTEMPTS  REASON\n";
  for (const auto& rec : *records) {
    ferry::v1::DeadLetter dead;
    if (!dead.ParseFromString(rec.data)) continue;
    const auto& e = dead.event();
    if (json) {
      boost::json::object row = DeadLetterSummaryJson({rec.seq, dead, ""});
      row["dead_lettered_at"] = FormatIsoTimeMs(dead.unix_ms());
      rows.push_back(std::move(row));
    } else {
      const DocumentNames names = NamesOf(e);
      std::printf("%-4llu %-25s %-5s %-14s %-13s %-19s %-9u %s\n", static_cast<unsigned long long>(rec.seq),
                  FormatIsoTimeMs(dead.unix_ms()).c_str(), DirectionOf(e), EscapeForLog(e.agent_id()).c_str(),
                  EscapeForLog(names.type).c_str(), EscapeForLog(names.id).c_str(), dead.attempts(),
                  EscapeForLog(dead.reason()).c_str());
    }
  }
  if (json) std::cout << boost::json::serialize(rows) << "\n";
  return 0;
}

int ActOnDeadLetters(const DeadLetterActionOptions& o) {
  auto config = LoadControlPlaneConfig(o.config_path);
  if (!config.ok()) {
    std::cerr << "ferry-controlplane: invalid configuration:\n" << config.status().message() << "\n";
    return kExitConfig;
  }
  boost::json::object args;
  if (!o.seqs.empty()) {
    args["seqs"] = boost::json::array(o.seqs.begin(), o.seqs.end());
  } else {
    boost::json::object filter;
    if (!o.connector.empty()) filter["connector"] = o.connector;
    if (!o.agent.empty()) filter["agent"] = o.agent;
    if (!o.mestyp.empty()) filter["mestyp"] = o.mestyp;
    if (!o.docnum.empty()) filter["docnum"] = o.docnum;
    if (!o.reason_text.empty()) filter["reason"] = o.reason_text;
    if (filter.empty()) {
      std::cerr << "ferry-controlplane: name the dead letters: SEQ... or at least one of --connector, --agent, "
                   "--type, --docnum, --reason-text\n";
      return kExitConfig;
    }
    args["filter"] = std::move(filter);
  }
  if (!o.reason.empty()) args["reason"] = o.reason;
  auto answer = app::CallControl(config->data_dir / "control.sock",
                                 {{"op", o.replay ? "dlq.replay" : "dlq.discard"}, {"args", std::move(args)}},
                                 "the control plane");
  if (!answer.ok()) {
    std::cerr << "ferry-controlplane: " << answer.status().message() << "\n";
    return kExitDaemon;
  }
  const auto* ok = answer->if_contains("ok");
  if (!ok || !ok->is_bool() || !ok->as_bool()) {
    const auto* error = answer->if_contains("error");
    std::cerr << "ferry-controlplane: refused: "
              << (error && error->is_string() ? std::string(error->as_string()) : "no reason given") << "\n";
    return kExitDaemon;
  }
  const char* done_name = o.replay ? "replayed" : "discarded";
  const auto& done = answer->at(done_name).as_array();
  // Dead letters the agent could not map go back to it (replay only).
  static const boost::json::array kNone;
  const auto* sent = answer->if_contains("sent_to_agents");
  const auto& to_agents = sent && sent->is_array() ? sent->as_array() : kNone;
  if (o.json) {
    std::cout << boost::json::serialize(*answer) << "\n";
  } else {
    std::cout << done_name << ": " << done.size();
    for (const auto& seq : done) std::cout << " " << seq;
    std::cout << "\n";
    for (const auto& sent : to_agents) {
      std::cout << "sent to agent " << EscapeForLog(std::string(sent.at("agent").as_string()))
                << " to map again: " << sent.at("seq") << "\n";
    }
    for (const auto& skipped : answer->at("skipped").as_array()) {
      std::cout << "skipped " << skipped.at("seq") << ": "
                << EscapeForLog(std::string(skipped.at("reason").as_string())) << "\n";
    }
  }
  return done.empty() && to_agents.empty() ? kExitNothing : 0;
}

int PrintStatus(const std::string& config_path, bool json) {
  OpenedQueues q;
  if (int rc = OpenReadOnly(config_path, q)) return rc;
  auto d = q.delivery->Stats();
  auto dl = q.dlq->Stats();
  auto agents = AgentIdentities(*q.store).List();
  const std::vector<std::string> warnings =
      agents.ok() ? CertificateWarnings(*agents, NowUnixMs()) : std::vector<std::string>{};
  if (json) {
    boost::json::array warning_rows;
    for (const auto& w : warnings) warning_rows.push_back(boost::json::string(w));
    std::cout << boost::json::serialize(boost::json::object{{"queue_depth", d.depth},
                                                            {"queue_bytes", d.bytes},
                                                            {"oldest_enqueued_unix_ms", d.oldest_enqueued_unix_ms},
                                                            {"dead_letters", dl.depth},
                                                            {"dead_letter_bytes", dl.bytes},
                                                            {"dead_letter_max_bytes", q.dlq->max_bytes()},
                                                            {"dead_letters_full", dl.bytes >= q.dlq->max_bytes()},
                                                            {"certificate_warnings", std::move(warning_rows)}})
              << "\n";
  } else {
    std::cout << "delivery queue: " << d.depth << " events, " << d.bytes << " bytes\n"
              << "dead letters:   " << dl.depth << ", " << dl.bytes << " of " << q.dlq->max_bytes() << " bytes";
    // Near the limit, say what happens next: refused events wait.
    if (dl.bytes * 10 >= q.dlq->max_bytes() * 9) {
      std::cout << " -- " << (dl.bytes >= q.dlq->max_bytes() ? "FULL" : "nearly full")
                << ": refused events wait in the delivery queue until dead letters are removed";
    }
    std::cout << "\n";
    for (const std::string& w : warnings) std::cout << "warning:        " << w << "\n";
  }
  return 0;
}

}  // namespace ferry::controlplane
