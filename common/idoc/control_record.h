#pragma once
// The IDoc control record (EDI_DC40) as every IDoc parser reads it, and the
// two keys Ferry derives from an IDoc: the idempotency key (which IDoc this
// is, so a resend is not stored twice) and the business key (which business
// object it is about, so changes to one object stay in order).
//
// One table lists the 36 EDI_DC40 fields in record order with their flat-file
// offsets and lengths (docs/protocols.md §A.2): the IDoc-XML parser reads the
// fields by tag, the flat-file parser by position, and both check the same
// lengths and required fields.

#include <span>
#include <string>
#include <string_view>

#include "common/doc/document.h"
#include "common/status.h"

namespace ferry::idoc {

// The EDI_DC40 fields Ferry keeps (empty string when absent), trimmed.
struct ControlRecord {
  std::string tabnam, mandt, docnum, docrel, status, direct, outmod, idoctyp, cimtyp, mestyp, mescod, mesfct, sndpor,
      sndprt, sndpfc, sndprn, rcvpor, rcvprt, rcvpfc, rcvprn, credat, cretim, serial;
};

struct ControlField {
  std::string_view tag;
  size_t offset;                       // in the 524-character flat control record
  size_t length;                       // SAP's field length, in characters
  std::string ControlRecord::*member;  // null for fields Ferry does not keep
};

// All EDI_DC40 fields in record order; they add up to kControlRecordLength.
std::span<const ControlField> ControlFields();
inline constexpr size_t kControlRecordLength = 524;

// InvalidArgument when DOCNUM, IDOCTYP or MESTYP is missing, or a field is
// longer than SAP's own length (such a record is not from SAP, and the keys
// built from it must stay valid store keys). `which` names the IDoc in the
// message, e.g. "IDOC #2".
Status CheckControlRecord(const ControlRecord& control, std::string_view which);

struct IdocKeys {
  // MANDT + "/" + SNDPRN + "/" + DOCNUM.
  std::string dedup_key;
  // Ordering key: MESTYP + ":" + the business object's number (customer,
  // material, condition key, delivery, document), or "IDOC:" + dedup_key when
  // the IDoc type is not one we know the key of.
  std::string business_key;
};

// The keys of an IDoc whose tree (root IDOC, segments below) is `document`.
IdocKeys KeysOf(const ControlRecord& control, const doc::Document& document);

}  // namespace ferry::idoc
