#pragma once
// `ferry-agent flow test`: maps IDoc files (or S/4 entities, or CRM records
// for down flows) with a bundle and prints what each flow makes of them,
// without sending anything (docs/flows.md, "Testing a flow locally").

#include <string>
#include <vector>

namespace ferry::agent {

struct FlowTestOptions {
  std::string bundle;               // a flow file or a folder of them
  std::vector<std::string> inputs;  // IDoc-XML files, or S/4 entities (JSON) with `s4`
  std::string s4;                   // SERVICE/EntitySet: the inputs are its entities
  std::string crm;                  // CRM/Object: the inputs are CRM records, for down flows
  std::string standard_dir;         // where extended standard flows are
  bool json = false;                // one JSON object per IDoc
};

// Exit codes: 0 every document mapped cleanly (or was dropped by a filter);
// 1 record errors, no flow matched, or an input could not be read/parsed;
// 2 the bundle does not compile.
int RunFlowTest(const FlowTestOptions& options);

}  // namespace ferry::agent
