// Fuzz target: flow compilation (FlowSet::Compile: YAML loading, `extends`
// merging, expression parsing) and running what compiles on a sample IDoc.
// Bundles are written by users and checked by the control plane and again by
// every agent; a bad flow file must be an error report, never a crash.
//
// Input: a flow file, optionally followed by a NUL byte and a standard flow
// it may extend (bundled as "standard/..."), so the merge and diff code is
// reached as well.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/flows/flow_set.h"
#include "tests/fuzz/sample_document.h"

using namespace ferry::flows;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  std::vector<BundleFile> files{{"acme.yaml", std::string(input.substr(0, nul))}};
  if (nul != std::string_view::npos) files.push_back({"standard/base.yaml", std::string(input.substr(nul + 1))});

  auto set = FlowSet::Compile(files);
  if (!set.ok()) return 0;
  for (const auto& flow : (*set)->flows()) {
    if (flow->standard) (void)DiffFlows(*flow->standard, flow->spec);
  }
  if ((*set)->flows().empty()) return 0;

  // Run as a document of the first flow's own type, so that it matches.
  const CompiledFlow& first = *(*set)->flows().front();
  auto first_or = [](const std::vector<std::string>& v, std::string_view fallback) {
    return v.empty() ? fallback : std::string_view(v.front());
  };
  const DocumentInfo info{"idoc_http", first_or(first.message_types, "DEBMAS"), first_or(first.idoc_types, "DEBMAS05"),
                          ""};
  const RunResult result = (*set)->Run(ferry::fuzz::SampleDocument(), info, /*explain=*/true);
  for (const FlowOutcome& outcome : result.outcomes) {
    for (const auto& [connector, records] : outcome.by_connector) {
      for (const auto& record : records) (void)RecordJson(record, connector);
    }
  }
  return 0;
}
