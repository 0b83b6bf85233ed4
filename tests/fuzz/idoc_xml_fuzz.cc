// Fuzz target: ParseIdocXml, the trust boundary for every request body the
// IDoc-XML HTTP source accepts (anyone who can reach the listener controls
// these bytes). A parsed packet is walked node by node, because the
// document's links and arena slices are what flows read later.
//
// One property beyond "no crash": each IDoc of a packet (or of a SOAP
// envelope) carries its own XML,
// and the agent parses that XML again when it remaps a stored document, so
// it must parse to one IDoc with the same identity.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/idoc/idoc_xml.h"

namespace {

// Every node once, depth first through first_child / next_sibling / parent
// (no recursion), checking that each id stays inside the document and that
// every node is reachable: a broken link would read out of bounds.
void Walk(const ferry::doc::Document& d) {
  using ferry::doc::kNoNode;
  size_t visited = 0, bytes = 0;
  ferry::doc::NodeId id = d.root();
  while (id != kNoNode) {
    if (id >= d.size() || ++visited > d.size()) __builtin_trap();
    bytes += d.name(id).size() + d.value(id).size();
    if (d.has_children(id)) {
      id = d.first_child(id);
      continue;
    }
    while (id != kNoNode && id != d.root() && d.next_sibling(id) == kNoNode) id = d.parent(id);
    id = (id == kNoNode || id == d.root()) ? kNoNode : d.next_sibling(id);
  }
  if (visited != d.size()) __builtin_trap();
  (void)d.PathOf(static_cast<ferry::doc::NodeId>(d.size() - 1));
  if (bytes == SIZE_MAX) __builtin_trap();  // keeps the reads from being optimised away
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto packet = ferry::idoc::ParseIdocXml(body, ferry::idoc::ParseLimits{});
  if (!packet.ok()) {
    // Internal means the parser contradicted itself: a bug, not bad input.
    if (packet.status().code() == ferry::StatusCode::kInternal) __builtin_trap();
    return 0;
  }
  for (const auto& idoc : packet->idocs) {
    if (!idoc.document) __builtin_trap();
    Walk(*idoc.document);
    if (packet->idocs.size() == 1 && packet->soap == ferry::idoc::SoapVersion::kNone) continue;
    auto again = ferry::idoc::ParseIdocXml(idoc.xml, ferry::idoc::ParseLimits{});
    if (!again.ok() || again->idocs.size() != 1 || again->idocs[0].dedup_key != idoc.dedup_key) __builtin_trap();
  }
  return 0;
}
