#pragma once
// Receipts to SAP for the IDocs it sent (docs/receipts.md): once the CRM
// accepted or refused an IDoc's records, SAP gets a STATUS IDoc (basic type
// SYSTAT01, inbound process code STA1) whose E1STATS records name the IDoc
// (DOCNUM), the outcome (STATUS 16: processed by the receiver, 17: not
// processed), a text, and the CRM record's id in ARCKEY ("document ID in
// external system"). WE02 and BD87 then show whether the CRM got it
// (docs/protocols.md §D.2).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ferry/v1/event.pb.h"

namespace ferry::agent {

// SAP's status values for a receiver's functional acknowledgement.
inline constexpr const char* kStatusProcessed = "16";
inline constexpr const char* kStatusNotProcessed = "17";
// The receiver's inbound statuses an ALE audit confirms.
inline constexpr const char* kAuditPosted = "53";
inline constexpr const char* kAuditNotPosted = "51";
inline constexpr size_t kMaxAuditConfirmations = 500;

// One IDoc's outcome at the CRM, as a receipt.
struct Receipt {
  ferry::v1::IdocControl idoc;  // the IDoc SAP sent: its number and partners
  bool delivered = false;
  std::string connector;  // the CRM: "salesforce"
  std::string record_id;  // the CRM record's id (delivered)
  std::string reason;     // why the CRM refused it (not delivered)
  int64_t unix_ms = 0;    // when the outcome was known
};

// The receipt a delivery report's entry makes; false when the delivered
// event did not come from an IDoc.
bool ReceiptOf(const ferry::v1::Delivery& delivery, Receipt& receipt);

// An IDoc-XML packet of STATUS IDocs for `receipts`: one SYSTAT01 IDoc per
// SAP partner they go back to (the IDoc's sender becomes the receiver, its
// receiver the sender), numbered from `first_docnum`. Values are cut to
// their fields' lengths (STATXT and ARCKEY 70 characters) and escaped.
std::string StatusIdocPacket(const std::vector<Receipt>& receipts, uint64_t first_docnum);

// The ALE audit instead (basic type ALEAUD01, message type ALEAUD, inbound
// process code AUD1): per SAP partner, IDocs of at most 500 confirmations
// (SAP's limit), an E1ADHDR per message type confirmed and under it an
// E1STATE per IDoc with the status it has at the receiver (53: the CRM
// took it, 51: it refused it, with the reason), and an E1PRTOB naming the
// CRM record (OBJKEY). SAP then sets the IDoc it sent to 41 (application
// document created in the receiving system) or 40 (not created).
std::string AuditIdocPacket(const std::vector<Receipt>& receipts, uint64_t first_docnum);

}  // namespace ferry::agent
