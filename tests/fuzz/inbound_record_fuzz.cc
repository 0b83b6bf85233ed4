// Fuzz target: what the control plane's inbound listener takes from a CRM
// (controlplane/down/inbound_record.h and the X-Ferry-Signature check):
// anyone who reaches the listener controls the headers and the body. The
// input is "<signature header>\n<object>\n<record id>\n<body>".
//
// Beyond "no crash": a record it accepts has names of the allowed alphabet
// and its body unchanged; a signature made up from the input never checks
// against the channel's secret.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/crypto/webhook_signature.h"
#include "controlplane/down/inbound_record.h"

namespace {

std::string_view Line(std::string_view& rest) {
  const size_t nl = rest.find('\n');
  const std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view signature = Line(rest);
  const std::string_view object = Line(rest);
  const std::string_view record_id = Line(rest);
  const std::string_view body = rest;

  // Only the HMAC of the body under the secret passes, and that cannot be
  // guessed: no input the fuzzer makes may check.
  constexpr std::string_view kSecret = "the channel's secret, 32 bytes..";
  if (ferry::crypto::CheckWebhookSignature(signature, kSecret, body, 1'800'000'000, std::chrono::seconds(300)).ok()) {
    std::abort();
  }
  auto record = ferry::controlplane::ReadInboundRecord(object, record_id, body);
  if (record.ok()) {
    if (!ferry::controlplane::IsInboundName(record->object) || !ferry::controlplane::IsInboundName(record->record_id))
      std::abort();
    if (record->record_json != body || body.empty() || body.front() == '[') std::abort();
  }
  return 0;
}
