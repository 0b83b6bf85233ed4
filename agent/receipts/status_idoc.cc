#include "agent/receipts/status_idoc.h"

#include <date/date.h>

#include <chrono>
#include <map>
#include <tuple>

#include "common/util/text.h"
#include "common/util/utf8.h"

namespace ferry::agent {
namespace {

// `text` as SAP can take it: valid UTF-8 (an invalid byte becomes U+FFFD),
// no control characters (a space instead), and no '&', which SAP reads in
// a status text as the place of a parameter (a '+' instead).
std::string Clean(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[at]);
    if (c < 0x80) {
      out += c < 0x20 || c == 0x7f ? ' ' : c == '&' ? '+' : static_cast<char>(c);
      ++at;
      continue;
    }
    const size_t len = c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xF0 && c < 0xF5 ? 4 : 0;
    if (len > 0 && at + len <= text.size() && IsValidUtf8(text.substr(at, len))) {
      out.append(text.substr(at, len));
      at += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++at;
    }
  }
  return out;
}

// The first `max` characters of `text` (valid UTF-8), as SAP's CHAR fields
// hold characters, not bytes.
std::string Cut(std::string_view text, size_t max) {
  size_t chars = 0, at = 0;
  while (at < text.size() && chars < max) {
    const unsigned char c = static_cast<unsigned char>(text[at]);
    at += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++chars;
  }
  return std::string(text.substr(0, std::min(at, text.size())));
}

void Field(std::string& out, const char* name, std::string_view value, size_t max) {
  out += '<';
  out += name;
  out += '>';
  AppendXmlEscaped(out, Cut(Clean(value), max));
  out += "</";
  out += name;
  out += '>';
}

// "YYYYMMDD" and "HHMMSS" of `unix_ms` (UTC, as the agent does not know
// SAP's time zone; SAP shows LOGDAT/LOGTIM as the partner sent them).
std::pair<std::string, std::string> DateAndTime(int64_t unix_ms) {
  const auto tp = std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(unix_ms));
  return {date::format("%Y%m%d", date::floor<date::days>(tp)),
          date::format("%H%M%S", date::floor<std::chrono::seconds>(tp))};
}

}  // namespace

bool ReceiptOf(const ferry::v1::Delivery& delivery, Receipt& receipt) {
  if (!delivery.has_idoc() || delivery.idoc().docnum().empty()) return false;
  receipt.idoc = delivery.idoc();
  receipt.delivered = delivery.outcome() == ferry::v1::DELIVERY_OUTCOME_DELIVERED;
  receipt.connector = delivery.connector();
  receipt.record_id = delivery.target_record_id();
  receipt.reason = delivery.detail();
  receipt.unix_ms = delivery.unix_ms();
  return true;
}

std::string StatusIdocPacket(const std::vector<Receipt>& receipts, uint64_t first_docnum) {
  // One STATUS IDoc per way back: SAP's port, partner type and partner
  // (the IDoc's sender), and the partner SAP knows Ferry as (its receiver).
  using Route = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string>;
  std::map<Route, std::vector<const Receipt*>> routes;
  for (const Receipt& r : receipts) {
    const ferry::v1::IdocControl& c = r.idoc;
    routes[{c.mandt(), c.sndpor(), c.sndprt(), c.sndprn(), c.rcvpor(), c.rcvprt(), c.rcvprn()}].push_back(&r);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SYSTAT01>\n";
  uint64_t docnum = first_docnum;
  for (const auto& [route, list] : routes) {
    const auto& [mandt, sap_port, sap_type, sap_partner, our_port, our_type, our_partner] = route;
    const auto [credat, cretim] = DateAndTime(list.front()->unix_ms);
    char number[17];
    std::snprintf(number, sizeof number, "%016llu", static_cast<unsigned long long>(docnum++ % 10000000000000000ULL));
    out += "<IDOC BEGIN=\"1\"><EDI_DC40 SEGMENT=\"1\">";
    Field(out, "TABNAM", "EDI_DC40", 10);
    Field(out, "MANDT", mandt, 3);
    Field(out, "DOCNUM", number, 16);
    Field(out, "DIRECT", "2", 1);
    Field(out, "IDOCTYP", "SYSTAT01", 30);
    Field(out, "MESTYP", "STATUS", 30);
    Field(out, "SNDPOR", our_port, 10);
    Field(out, "SNDPRT", our_type.empty() ? "LS" : our_type, 2);
    Field(out, "SNDPRN", our_partner, 10);
    Field(out, "RCVPOR", sap_port, 10);
    Field(out, "RCVPRT", sap_type.empty() ? "LS" : sap_type, 2);
    Field(out, "RCVPRN", sap_partner, 10);
    Field(out, "CREDAT", credat, 8);
    Field(out, "CRETIM", cretim, 6);
    out += "</EDI_DC40>";
    for (const Receipt* r : list) {
      const auto [logdat, logtim] = DateAndTime(r->unix_ms);
      out += "<E1STATS SEGMENT=\"1\">";
      Field(out, "TABNAM", "EDI_DS40", 10);
      Field(out, "MANDT", mandt, 3);
      Field(out, "DOCNUM", r->idoc.docnum(), 16);
      Field(out, "LOGDAT", logdat, 8);
      Field(out, "LOGTIM", logtim, 6);
      Field(out, "STATUS", r->delivered ? kStatusProcessed : kStatusNotProcessed, 2);
      const std::string reason = Clean(r->reason);
      Field(out, "STATXT",
            r->delivered ? "Delivered to " + r->connector : "Not delivered to " + r->connector + ": " + reason, 70);
      if (!r->delivered) {
        // The whole reason, 200 characters of it, in the four parameters
        // SAP keeps with a status record.
        const char* names[] = {"STAPA1", "STAPA2", "STAPA3", "STAPA4"};
        size_t done = 0;
        for (const char* name : names) {
          const std::string part = Cut(std::string_view(reason).substr(done), 50);
          if (part.empty()) break;
          Field(out, name, part, 50);
          done += part.size();
        }
      }
      if (!r->record_id.empty()) Field(out, "ARCKEY", r->record_id, 70);
      out += "</E1STATS>";
    }
    out += "</IDOC>\n";
  }
  return out + "</SYSTAT01>\n";
}

}  // namespace ferry::agent
