#include "common/idoc/control_record.h"

#include <cstring>

#include "common/util/utf8.h"

namespace ferry::idoc {
namespace {

using C = ControlRecord;
constexpr ControlField kFields[] = {
    {"TABNAM", 0, 10, &C::tabnam},    {"MANDT", 10, 3, &C::mandt},    {"DOCNUM", 13, 16, &C::docnum},
    {"DOCREL", 29, 4, &C::docrel},    {"STATUS", 33, 2, &C::status},  {"DIRECT", 35, 1, &C::direct},
    {"OUTMOD", 36, 1, &C::outmod},    {"EXPRSS", 37, 1, nullptr},     {"TEST", 38, 1, nullptr},
    {"IDOCTYP", 39, 30, &C::idoctyp}, {"CIMTYP", 69, 30, &C::cimtyp}, {"MESTYP", 99, 30, &C::mestyp},
    {"MESCOD", 129, 3, &C::mescod},   {"MESFCT", 132, 3, &C::mesfct}, {"STD", 135, 1, nullptr},
    {"STDVRS", 136, 6, nullptr},      {"STDMES", 142, 6, nullptr},    {"SNDPOR", 148, 10, &C::sndpor},
    {"SNDPRT", 158, 2, &C::sndprt},   {"SNDPFC", 160, 2, &C::sndpfc}, {"SNDPRN", 162, 10, &C::sndprn},
    {"SNDSAD", 172, 21, nullptr},     {"SNDLAD", 193, 70, nullptr},   {"RCVPOR", 263, 10, &C::rcvpor},
    {"RCVPRT", 273, 2, &C::rcvprt},   {"RCVPFC", 275, 2, &C::rcvpfc}, {"RCVPRN", 277, 10, &C::rcvprn},
    {"RCVSAD", 287, 21, nullptr},     {"RCVLAD", 308, 70, nullptr},   {"CREDAT", 378, 8, &C::credat},
    {"CRETIM", 386, 6, &C::cretim},   {"REFINT", 392, 14, nullptr},   {"REFGRP", 406, 14, nullptr},
    {"REFMES", 420, 14, nullptr},     {"ARCKEY", 434, 70, nullptr},   {"SERIAL", 504, 20, &C::serial},
};

constexpr bool FieldsTileTheRecord() {
  size_t next = 0;
  for (const ControlField& f : kFields) {
    if (f.offset != next) return false;
    next += f.length;
  }
  return next == kControlRecordLength;
}
static_assert(FieldsTileTheRecord(), "EDI_DC40 fields must follow each other and fill 524 characters");

// Which segment field names the business object an IDoc is about, so that all
// changes to one customer (material, price, document) reach the CRM in order
// (DESIGN.md guarantee 3). Searched in document order over the whole IDoc;
// the first segment of this table with a non-empty field wins. Add a row here
// to key a new IDoc type; nothing else needs to change.
struct KeyField {
  std::string_view segment;
  std::string_view field;
  // The key's prefix when it is not the message type: message types that
  // change the same object share one order (equipment created, then changed).
  std::string_view prefix = {};
};
constexpr KeyField kBusinessKeyFields[] = {
    {"E1KNA1M", "KUNNR"},                                    // DEBMAS: customer number
    {"E1MARAM", "MATNR"},                                    // MATMAS (and extensions): material number
    {"E1KOMG", "VAKEY"},                                     // COND_A: condition variable key
    {"E1EDL20", "VBELN"},                                    // DESADV / DELVRY0x: delivery number
    {"E1EDK01", "BELNR"},                                    // ORDERS / INVOIC: document number
    {"E1BPSBONEW", "CUSTOMERID"},                            // FLIGHTBOOKING (SAP demo model): customer
    {"E1EQUIPMENT_CREATE", "EXTERNAL_NUMBER", "EQUIPMENT"},  // equipment number
    {"E1EQUIPMENT_CHANGE", "EQUIPMENT", "EQUIPMENT"},        // equipment number
};

// Every table segment is an SAP segment "E1...": one check skips the fields.
constexpr bool AllKeySegmentsStartWithE1() {
  for (const KeyField& k : kBusinessKeyFields) {
    if (!k.segment.starts_with("E1")) return false;
  }
  return true;
}
static_assert(AllKeySegmentsStartWithE1(), "adapt the prefix check in KeysOf");

std::string_view Trimmed(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// The first table match in document order with a non-empty value. Nodes are
// numbered in the order the parsers add them, which is document order.
std::pair<std::string_view, const KeyField*> FindBusinessValue(const doc::Document& d) {
  for (doc::NodeId id = 1; id < d.size(); ++id) {
    const std::string_view name = d.name(id);
    if (!name.starts_with("E1")) continue;
    for (const KeyField& k : kBusinessKeyFields) {
      if (name != k.segment) continue;
      for (doc::NodeId f = d.first_child(id); f != doc::kNoNode; f = d.next_sibling(f)) {
        if (d.name(f) != k.field) continue;
        const std::string_view value = Trimmed(d.value(f));
        if (!value.empty()) return {value, &k};
        break;
      }
      break;
    }
  }
  return {{}, nullptr};
}

}  // namespace

std::span<const ControlField> ControlFields() { return kFields; }

Status CheckControlRecord(const ControlRecord& c, std::string_view which) {
  for (auto [tag, value] :
       {std::pair{"DOCNUM", &c.docnum}, std::pair{"IDOCTYP", &c.idoctyp}, std::pair{"MESTYP", &c.mestyp}}) {
    if (value->empty()) return Status::InvalidArgument(std::string(which) + ": EDI_DC40 has no " + tag);
  }
  for (const ControlField& f : kFields) {
    if (f.member != nullptr && Utf8Length(c.*f.member) > f.length) {
      return Status::InvalidArgument(std::string(which) + ": EDI_DC40 field " + std::string(f.tag) +
                                     " is longer than " + std::to_string(f.length) + " characters");
    }
  }
  return Status::Ok();
}

IdocKeys KeysOf(const ControlRecord& c, const doc::Document& document) {
  IdocKeys keys;
  keys.dedup_key = c.mandt + "/" + c.sndprn + "/" + c.docnum;
  const auto [value, row] = FindBusinessValue(document);
  if (row == nullptr) {
    keys.business_key = "IDOC:" + keys.dedup_key;
  } else {
    keys.business_key = std::string(row->prefix.empty() ? std::string_view(c.mestyp) : row->prefix);
    keys.business_key.append(":").append(value);
  }
  return keys;
}

}  // namespace ferry::idoc
