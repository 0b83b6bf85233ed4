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

namespace {

// The way back of a receipt: SAP's client, port, partner type and partner
// (the IDoc's sender), and the port and partner SAP knows Ferry as (its
// receiver). Each gets IDocs of its own.
using Route = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string>;

std::map<Route, std::vector<const Receipt*>> Routes(const std::vector<Receipt>& receipts) {
  std::map<Route, std::vector<const Receipt*>> routes;
  for (const Receipt& r : receipts) {
    const ferry::v1::IdocControl& c = r.idoc;
    routes[{c.mandt(), c.sndpor(), c.sndprt(), c.sndprn(), c.rcvpor(), c.rcvprt(), c.rcvprn()}].push_back(&r);
  }
  return routes;
}

// <IDOC BEGIN="1"> and the control record of an IDoc numbered `docnum`
// along `route`, created at `unix_ms`.
void BeginIdoc(std::string& out, const Route& route, uint64_t docnum, const char* idoctyp, const char* mestyp,
               int64_t unix_ms) {
  const auto& [mandt, sap_port, sap_type, sap_partner, our_port, our_type, our_partner] = route;
  const auto [credat, cretim] = DateAndTime(unix_ms);
  char number[17];
  std::snprintf(number, sizeof number, "%016llu", static_cast<unsigned long long>(docnum % 10000000000000000ULL));
  out += "<IDOC BEGIN=\"1\"><EDI_DC40 SEGMENT=\"1\">";
  Field(out, "TABNAM", "EDI_DC40", 10);
  Field(out, "MANDT", mandt, 3);
  Field(out, "DOCNUM", number, 16);
  Field(out, "DIRECT", "2", 1);
  Field(out, "IDOCTYP", idoctyp, 30);
  Field(out, "MESTYP", mestyp, 30);
  Field(out, "SNDPOR", our_port, 10);
  Field(out, "SNDPRT", our_type.empty() ? "LS" : our_type, 2);
  Field(out, "SNDPRN", our_partner, 10);
  Field(out, "RCVPOR", sap_port, 10);
  Field(out, "RCVPRT", sap_type.empty() ? "LS" : sap_type, 2);
  Field(out, "RCVPRN", sap_partner, 10);
  Field(out, "CREDAT", credat, 8);
  Field(out, "CRETIM", cretim, 6);
  out += "</EDI_DC40>";
}

// Why the CRM refused it, whole (200 characters), in the four parameters
// SAP keeps with a status record: STAPA1 … or, in ALEAUD01, STAPA1_LNG ….
void ReasonParameters(std::string& out, const std::string& reason, const char* const (&names)[4]) {
  size_t done = 0;
  for (const char* name : names) {
    const std::string part = Cut(std::string_view(reason).substr(done), 50);
    if (part.empty()) break;
    Field(out, name, part, 50);
    done += part.size();
  }
}

std::string StatusText(const Receipt& r, const std::string& reason) {
  return r.delivered ? "Delivered to " + r.connector : "Not delivered to " + r.connector + ": " + reason;
}

}  // namespace

std::string StatusIdocPacket(const std::vector<Receipt>& receipts, uint64_t first_docnum) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SYSTAT01>\n";
  uint64_t docnum = first_docnum;
  for (const auto& [route, list] : Routes(receipts)) {
    const std::string& mandt = std::get<0>(route);
    BeginIdoc(out, route, docnum++, "SYSTAT01", "STATUS", list.front()->unix_ms);
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
      Field(out, "STATXT", StatusText(*r, reason), 70);
      if (!r->delivered) ReasonParameters(out, reason, {"STAPA1", "STAPA2", "STAPA3", "STAPA4"});
      if (!r->record_id.empty()) Field(out, "ARCKEY", r->record_id, 70);
      out += "</E1STATS>";
    }
    out += "</IDOC>\n";
  }
  return out + "</SYSTAT01>\n";
}

std::string AuditIdocPacket(const std::vector<Receipt>& receipts, uint64_t first_docnum) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ALEAUD01>\n";
  uint64_t docnum = first_docnum;
  for (const auto& [route, all] : Routes(receipts)) {
    for (size_t from = 0; from < all.size(); from += kMaxAuditConfirmations) {
      const std::vector<const Receipt*> list(
          all.begin() + static_cast<std::ptrdiff_t>(from),
          all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), from + kMaxAuditConfirmations)));
      BeginIdoc(out, route, docnum++, "ALEAUD01", "ALEAUD", list.front()->unix_ms);
      // One E1ADHDR per message type confirmed, its IDocs' E1STATE under it.
      std::map<std::string, std::vector<const Receipt*>> by_message;
      for (const Receipt* r : list) by_message[r->idoc.mestyp()].push_back(r);
      for (const auto& [mestyp, confirmed] : by_message) {
        out += "<E1ADHDR SEGMENT=\"1\">";
        Field(out, "MESTYP", mestyp.size() <= 6 ? mestyp : std::string(), 6);
        Field(out, "MESTYP_LNG", mestyp, 30);
        for (const Receipt* r : confirmed) {
          const std::string reason = Clean(r->reason);
          out += "<E1STATE SEGMENT=\"1\">";
          Field(out, "DOCNUM", r->idoc.docnum(), 16);
          Field(out, "STATUS", r->delivered ? kAuditPosted : kAuditNotPosted, 2);
          Field(out, "STATXT", StatusText(*r, reason), 70);
          Field(out, "STATYP", r->delivered ? "S" : "E", 1);
          if (!r->delivered) ReasonParameters(out, reason, {"STAPA1_LNG", "STAPA2_LNG", "STAPA3_LNG", "STAPA4_LNG"});
          if (r->delivered && !r->record_id.empty()) {
            // The object the IDoc became at the receiver: the CRM record.
            out += "<E1PRTOB SEGMENT=\"1\">";
            Field(out, "DOCNUM", r->idoc.docnum(), 16);
            Field(out, "OBJKEY", r->record_id, 70);
            out += "</E1PRTOB>";
          }
          out += "</E1STATE>";
        }
        out += "</E1ADHDR>";
      }
      out += "</IDOC>\n";
    }
  }
  return out + "</ALEAUD01>\n";
}

}  // namespace ferry::agent
