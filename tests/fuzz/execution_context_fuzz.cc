// Fuzz target: a Dataverse webhook's RemoteExecutionContext as the control
// plane's inbound listener reads it (controlplane/down/
// remote_execution_context.h). The body is parsed before the context's
// organization is compared, so whoever reaches the listener controls it.
//
// Beyond "no crash": a context it accepts names a row by a lower-case GUID
// of a table whose logical name is of the safe alphabet, and its delivery
// id, when there is one, is a GUID too.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/util/ids.h"
#include "controlplane/down/inbound_record.h"
#include "controlplane/down/remote_execution_context.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto context = ferry::controlplane::ParseExecutionContext(body);
  if (!context.ok()) return 0;
  if (!ferry::IsUuidText(context->record_id) || !ferry::IsUuidText(context->organization_id)) std::abort();
  for (const char c : context->record_id) {
    if (c >= 'A' && c <= 'F') std::abort();
  }
  if (!context->delivery_id.empty() && !ferry::IsUuidText(context->delivery_id)) std::abort();
  if (!ferry::controlplane::IsInboundName(context->entity) ||
      !ferry::controlplane::IsInboundName(context->message_name)) {
    std::abort();
  }
  return 0;
}
