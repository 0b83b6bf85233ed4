#pragma once
// The function library of flow expressions (docs/flows.md, "Functions").
// Each function evaluates its own arguments, so if() and coalesce() are lazy
// and join()/count()/sum()/exists() can see every node a path matches.

#include <string_view>

#include "common/flows/eval.h"

namespace ferry::flows {

struct Function {
  enum class FirstArg { kValue, kPath, kValueMap };
  std::string_view name;
  size_t min_args;
  size_t max_args;  // SIZE_MAX: variadic
  FirstArg first_arg;
  Value (*call)(const Expr& call, const EvalContext& ctx);
};

// nullptr when there is no function by that name.
const Function* FindFunction(std::string_view name);

}  // namespace ferry::flows
