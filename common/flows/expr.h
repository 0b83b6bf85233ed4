#pragma once
// Flow expressions: the syntax tree and its parser (docs/flows.md,
// "Expressions"). An expression is parsed and checked once, when its flow
// is compiled: unknown functions, wrong argument counts, unknown value maps
// and syntax errors are compile errors with the column they occur at.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/flows/value.h"
#include "common/status.h"

namespace ferry::flows {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
struct Function;

struct PathStep {
  bool parent = false;           // ".."
  std::string name;              // child name when not parent
  std::vector<ExprPtr> filters;  // [condition]: evaluated on each candidate
  std::optional<size_t> index;   // [n]: 1-based position among the matches
};

struct Path {
  bool absolute = false;  // starts at the document root
  std::vector<PathStep> steps;
};

enum class Op { kOr, kAnd, kNot, kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv, kNeg };

struct Expr {
  enum class Kind { kLiteral, kPath, kCall, kUnary, kBinary };
  Kind kind = Kind::kLiteral;
  size_t column = 1;                   // 1-based, in the expression text
  Value literal;                       // kLiteral
  Path path;                           // kPath
  const Function* function = nullptr;  // kCall
  int value_map = -1;                  // kCall of map(): index into the flow's value maps
  Op op = Op::kAdd;                    // kUnary / kBinary
  std::vector<ExprPtr> args;           // call arguments, or operands
};

// Resolves a value map name used by map(); -1 when the flow has none by that name.
class ValueMapResolver {
 public:
  virtual ~ValueMapResolver() = default;
  virtual int Find(std::string_view name) const = 0;
};

// InvalidArgument "column C: what is wrong" on any problem.
Result<ExprPtr> ParseExpression(std::string_view text, const ValueMapResolver& maps);

}  // namespace ferry::flows
