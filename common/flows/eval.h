#pragma once
// Evaluating compiled expressions against a document. Record errors are
// thrown as EvalError and caught where the record is built.

#include <string>
#include <unordered_map>
#include <vector>

#include "common/doc/document.h"
#include "common/flows/expr.h"

namespace date {
class time_zone;
}

namespace ferry::flows {

struct ValueMap {
  enum class Unmapped { kError, kNull, kKeep, kDefault };
  std::string name;
  std::unordered_map<std::string, std::string> values;
  Unmapped unmapped = Unmapped::kError;
  std::string fallback;  // for kDefault
};

// What evaluation needs from the flow being run.
struct FlowEnvironment {
  const std::vector<ValueMap>* value_maps = nullptr;
  const date::time_zone* zone = nullptr;  // for datetime(); nullptr = UTC
};

struct EvalContext {
  const doc::Document& document;
  doc::NodeId node;
  const FlowEnvironment& env;
};

Value Eval(const Expr& expr, const EvalContext& ctx);
// Truthiness: null, blank text, false are false; everything else is true.
bool IsTrue(const Value& v);
bool EvalCondition(const Expr& expr, const EvalContext& ctx);

// Every node a path matches, in document order of the steps.
void MatchAll(const Path& path, const EvalContext& ctx, std::vector<doc::NodeId>& out);
// The first node a path matches, or kNoNode; stops at the first match.
doc::NodeId MatchFirst(const Path& path, const EvalContext& ctx);

// Conversions shared by operators and functions.
Decimal ToDecimal(const Value& v, std::string_view what);
std::string ToText(const Value& v);

}  // namespace ferry::flows
