#pragma once
// Event ids: UUIDv7 text (RFC 9562). Time-ordered, so ids sort roughly by
// arrival, and random enough (74 bits) to be unique across a fleet.

#include <string>

namespace ferry {

std::string NewEventId();

}  // namespace ferry
