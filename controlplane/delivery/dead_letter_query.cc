#include "controlplane/delivery/dead_letter_query.h"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "common/wire/down_command.h"

namespace ferry::controlplane {
namespace {

bool ContainsAnyCase(std::string_view text, std::string_view needle) {
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != text.end();
}

FoundDeadLetter Decode(const store::QueueRecord& record) {
  FoundDeadLetter found;
  found.seq = record.seq;
  if (!record.corrupt.empty()) {
    found.corrupt = record.corrupt;
  } else if (!found.dead.ParseFromString(record.data)) {
    found.corrupt = "dead letter " + std::to_string(record.seq) + " does not parse";
  }
  return found;
}

}  // namespace

bool DeadLetterFilter::Matches(const ferry::v1::DeadLetter& dead) const {
  const auto& event = dead.event();
  if (!connector.empty() && dead.connector() != connector) return false;
  if (!agent_id.empty() && event.agent_id() != agent_id) return false;
  if (!mestyp.empty() && event.idoc().mestyp() != mestyp) return false;
  if (!docnum.empty() && event.idoc().docnum() != docnum) return false;
  if (since_unix_ms != 0 && dead.unix_ms() < since_unix_ms) return false;
  if (until_unix_ms != 0 && dead.unix_ms() >= until_unix_ms) return false;
  return reason.empty() || ContainsAnyCase(dead.reason(), reason);
}

Result<DeadLetterPage> FindDeadLetters(const store::DurableQueue& dlq, const DeadLetterFilter& filter, uint64_t before,
                                       size_t limit, size_t scan_budget) {
  DeadLetterPage page;
  size_t scanned = 0;
  uint64_t cursor = before;
  while (page.dead_letters.size() < limit && scanned < scan_budget) {
    auto records = dlq.ReadBefore(cursor, std::min<size_t>(512, scan_budget - scanned), 8 << 20);
    if (!records.ok()) return records.status();
    if (records->empty()) return page;  // nothing older: next_before stays 0
    for (const auto& record : *records) {
      ++scanned;
      cursor = record.seq;
      FoundDeadLetter found = Decode(record);
      // A record that does not decode matches no filter but is listed
      // unfiltered, so that it can be seen and discarded.
      const bool unfiltered = filter.connector.empty() && filter.agent_id.empty() && filter.mestyp.empty() &&
                              filter.reason.empty() && filter.docnum.empty() && filter.since_unix_ms == 0 &&
                              filter.until_unix_ms == 0;
      if (found.corrupt.empty() ? filter.Matches(found.dead) : unfiltered) {
        page.dead_letters.push_back(std::move(found));
        if (page.dead_letters.size() == limit) break;
      }
    }
  }
  // Stopped by the limit or the budget: older ones may remain.
  page.next_before = cursor > 1 ? cursor : 0;
  return page;
}

const char* DirectionOf(const ferry::v1::Event& event) {
  return event.content_type() == wire::kDownCommandContentType ? "down" : "up";
}

DocumentNames NamesOf(const ferry::v1::Event& event) {
  if (event.content_type() != wire::kDownCommandContentType) return {event.idoc().mestyp(), event.idoc().docnum()};
  ferry::v1::DownCommand command;
  if (!command.ParseFromString(event.payload())) return {};
  return {command.object(), command.record_id()};
}

boost::json::object DeadLetterSummaryJson(const FoundDeadLetter& found) {
  if (!found.corrupt.empty()) return {{"seq", found.seq}, {"corrupt", found.corrupt}};
  const auto& dead = found.dead;
  const auto& e = dead.event();
  const DocumentNames names = NamesOf(e);
  return {{"seq", found.seq},
          {"event_id", e.event_id()},
          {"agent_id", e.agent_id()},
          {"mestyp", e.idoc().mestyp()},
          {"docnum", e.idoc().docnum()},
          {"business_key", e.business_key()},
          {"connector", dead.connector()},
          {"attempts", dead.attempts()},
          {"reason", dead.reason()},
          {"mapping_error", !e.mapping_error().empty()},
          {"direction", DirectionOf(e)},
          {"document_type", names.type},
          {"document_id", names.id},
          {"dead_lettered_unix_ms", dead.unix_ms()}};
}

Result<FoundDeadLetter> GetDeadLetter(const store::DurableQueue& dlq, uint64_t seq) {
  auto record = dlq.Get(seq);
  if (!record.ok()) return record.status();
  return Decode(*record);
}

}  // namespace ferry::controlplane
