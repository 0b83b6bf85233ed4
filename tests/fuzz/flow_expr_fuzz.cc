// Fuzz target: the flow expression parser (ParseExpression) and evaluation
// of what it accepts against a sample IDoc. Expressions come from bundles a
// user wrote; a bad one must be a compile error or a record error
// (EvalError), never a crash of the agent that maps documents with it.
// Any other exception escaping Eval is a bug: the runner only catches
// EvalError.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/flows/eval.h"
#include "common/flows/expr.h"
#include "tests/fuzz/sample_document.h"

namespace {

using namespace ferry::flows;

// One value map, "country", so that map() calls can compile.
class OneMap : public ValueMapResolver {
 public:
  int Find(std::string_view name) const override { return name == "country" ? 0 : -1; }
};

const std::vector<ValueMap>& Maps() {
  static const std::vector<ValueMap> maps = [] {
    ValueMap m;
    m.name = "country";
    m.values = {{"DE", "Germany"}, {"XI", "GB"}};
    m.unmapped = ValueMap::Unmapped::kError;
    return std::vector<ValueMap>{m};
  }();
  return maps;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto expr = ParseExpression(text, OneMap());
  if (!expr.ok()) return 0;
  const ferry::doc::Document& d = ferry::fuzz::SampleDocument();
  const FlowEnvironment env{&Maps(), nullptr};
  // At the root and at the customer segment, where relative paths resolve.
  for (ferry::doc::NodeId node : {d.root(), d.next_sibling(d.first_child(d.root()))}) {
    try {
      const Value v = Eval(**expr, EvalContext{d, node, env});
      (void)ToText(v);
      (void)IsTrue(v);
    } catch (const EvalError&) {
    }
  }
  return 0;
}
