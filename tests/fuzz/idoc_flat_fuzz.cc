// Fuzz target: ParseIdocFlat, the trust boundary for every file that lands
// in the IDoc file port's folder. The segment catalogue is the repository's
// fixture schemas (DEBMAS07 and FLIGHTBOOKING_CREATEFROMDAT01), so that
// inputs reach the SDATA field cutting and the hierarchy checks.
//
// Beyond "no crash": each parsed IDoc's stored XML must parse again into one
// IDoc with the same identity, since the agent reparses it on remapping.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/idoc/idoc_flat.h"
#include "tests/fuzz/sample_document.h"

#ifndef FERRY_FIXTURE_DIR
#error "FERRY_FIXTURE_DIR must be the absolute path of tests/fixtures"
#endif

namespace {

const ferry::idoc::SegmentCatalog& Catalog() {
  static const ferry::idoc::SegmentCatalog catalog = [] {
    auto loaded = ferry::idoc::SegmentCatalog::Load(FERRY_FIXTURE_DIR "/idoc/catalog");
    if (!loaded.ok()) __builtin_trap();
    return std::move(loaded).value();
  }();
  return catalog;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view file(reinterpret_cast<const char*>(data), size);
  for (bool latin1 : {false, true}) {
    auto packet = ferry::idoc::ParseIdocFlat(file, Catalog(), ferry::idoc::FlatOptions{.latin1 = latin1});
    if (!packet.ok()) {
      if (packet.status().code() != ferry::StatusCode::kInvalidArgument) __builtin_trap();
      continue;
    }
    for (const auto& idoc : packet->idocs) {
      if (!idoc.document) __builtin_trap();
      auto again = ferry::idoc::ParseIdocXml(idoc.xml, ferry::idoc::ParseLimits{});
      if (!again.ok() || again->idocs.size() != 1 || again->idocs[0].dedup_key != idoc.dedup_key ||
          again->idocs[0].document->size() != idoc.document->size()) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
