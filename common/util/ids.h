#pragma once
// Event ids: UUIDv7 text (RFC 9562). Time-ordered, so ids sort roughly by
// arrival, and random enough (74 bits) to be unique across a fleet.

#include <string>
#include <string_view>

namespace ferry {

std::string NewEventId();

// Whether `text` is a UUID's text form, 8-4-4-4-12 hex digits: an event id,
// an OData Edm.Guid, a Dataverse record id.
bool IsUuidText(std::string_view text);

}  // namespace ferry
