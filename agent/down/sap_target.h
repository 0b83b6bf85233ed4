#pragma once
// SapTarget: where the agent writes what a down flow made (docs/down.md).
// One per `target.connector` of down flows (s4_odata, idoc_xml), configured
// under `down:` and listed once in sap_targets.cc.
//
// Create is idempotent where SAP lets it be (s4_odata): before it posts, it looks in SAP for the
// document the record's key_field = external_id names (the CRM's id, kept
// by SAP in a field such as PurchaseOrderByCustomer), so a command executed
// again after a crash between SAP's answer and the agent's record of it
// finds the document it made the first time instead of making a second.

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>

#include "ferry/v1/event.pb.h"

namespace ferry::agent {

struct SapAnswer {
  enum class Kind {
    kCreated,  // SAP has the document: `number`
    kRefused,  // SAP refused it for good (a validation error): `message`
    kRetry,    // not now (SAP down, 429, 5xx, a timeout): `message`, try again after `retry_after` (0: back-off)
  };
  Kind kind = Kind::kRetry;
  std::string number;
  std::string message;
  std::chrono::milliseconds retry_after{0};
  bool found = false;  // kCreated: SAP had it already (made by an earlier attempt)
};

class SapTarget {
 public:
  virtual ~SapTarget() = default;
  virtual boost::asio::awaitable<SapAnswer> Create(const ferry::v1::MappedRecord& record) = 0;
  // Ends requests in flight (from the event loop).
  virtual void Shutdown() = 0;
};

}  // namespace ferry::agent
