#include "common/flows/eval.h"

#include "common/flows/functions.h"

namespace ferry::flows {
namespace {

using doc::kNoNode;
using doc::NodeId;

bool Matches(const PathStep& step, NodeId candidate, const EvalContext& ctx) {
  if (ctx.document.name(candidate) != step.name) return false;
  for (const ExprPtr& filter : step.filters) {
    if (!EvalCondition(*filter, EvalContext{ctx.document, candidate, ctx.env})) return false;
  }
  return true;
}

// Calls visit(node) for each match of steps[i..] below `from`, in document
// order; visit returns false to stop early. Returns false when stopped.
template <typename Visit>
bool Walk(const Path& path, size_t i, NodeId from, const EvalContext& ctx, Visit& visit) {
  if (i == path.steps.size()) return visit(from);
  const PathStep& step = path.steps[i];
  if (step.parent) {
    const NodeId up = ctx.document.parent(from);
    return up == kNoNode || Walk(path, i + 1, up, ctx, visit);
  }
  size_t position = 0;
  for (NodeId c = ctx.document.first_child(from); c != kNoNode; c = ctx.document.next_sibling(c)) {
    if (!Matches(step, c, ctx)) continue;
    ++position;
    if (step.index && position != *step.index) continue;
    if (!Walk(path, i + 1, c, ctx, visit)) return false;
    if (step.index) break;
  }
  return true;
}

Value NodeValue(const EvalContext& ctx, NodeId node) {
  if (node == kNoNode) return Value::Null();
  const std::string_view v = ctx.document.value(node);
  if (ctx.document.is_boolean(node)) return Value::Bool(v == "true");
  if (v.empty()) return Value::Null();
  return Value::Text(std::string(v));
}

int Compare(const Value& a, const Value& b, bool& comparable) {
  comparable = true;
  if (a.kind == Value::Kind::kNumber || b.kind == Value::Kind::kNumber) {
    if (a.is_null() || b.is_null()) {
      comparable = false;
      return 0;
    }
    return ToDecimal(a, "comparison").Compare(ToDecimal(b, "comparison"));
  }
  if (a.kind == Value::Kind::kBool || b.kind == Value::Kind::kBool) {
    // Against a truth value the text 'false' is false, so a JSON boolean
    // compared with 'true' or 'false' means what it says.
    const auto truth = [](const Value& v) {
      return v.kind == Value::Kind::kText && v.text == "false" ? false : IsTrue(v);
    };
    const bool x = truth(a), y = truth(b);
    return x == y ? 0 : (x ? 1 : -1);
  }
  if (a.is_null() || b.is_null()) {
    comparable = false;
    return 0;
  }
  const int c = a.text.compare(b.text);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

Decimal Checked(Result<Decimal> r) {
  if (!r.ok()) throw EvalError{std::string(r.status().message())};
  return *r;
}

Value Arithmetic(Op op, const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return Value::Null();
  const Decimal x = ToDecimal(a, "arithmetic"), y = ToDecimal(b, "arithmetic");
  switch (op) {
    case Op::kAdd:
      return Value::Number(Checked(x.Add(y)));
    case Op::kSub:
      return Value::Number(Checked(x.Sub(y)));
    case Op::kMul:
      return Value::Number(Checked(x.Mul(y)));
    default:
      return Value::Number(Checked(x.Div(y)));
  }
}

}  // namespace

void MatchAll(const Path& path, const EvalContext& ctx, std::vector<NodeId>& out) {
  auto visit = [&out](NodeId n) {
    out.push_back(n);
    return true;
  };
  Walk(path, 0, path.absolute ? ctx.document.root() : ctx.node, ctx, visit);
}

NodeId MatchFirst(const Path& path, const EvalContext& ctx) {
  NodeId found = kNoNode;
  auto visit = [&found](NodeId n) {
    found = n;
    return false;
  };
  Walk(path, 0, path.absolute ? ctx.document.root() : ctx.node, ctx, visit);
  return found;
}

bool IsTrue(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      return false;
    case Value::Kind::kBool:
      return v.boolean;
    case Value::Kind::kText:
      return !v.is_blank();
    case Value::Kind::kNumber:
      return true;
    case Value::Kind::kList:
      return !v.list.empty();
  }
  return false;
}

Decimal ToDecimal(const Value& v, std::string_view what) {
  if (v.kind == Value::Kind::kNumber) return v.number;
  if (v.kind == Value::Kind::kText) {
    if (std::optional<Decimal> d = Decimal::Parse(v.text)) return *d;
    throw EvalError{std::string(what) + ": '" + v.text + "' is not a number"};
  }
  throw EvalError{std::string(what) + ": expected a number"};
}

std::string ToText(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      return {};
    case Value::Kind::kText:
      return v.text;
    case Value::Kind::kNumber:
      return v.number.ToString();
    case Value::Kind::kBool:
      return v.boolean ? "true" : "false";
    case Value::Kind::kList: {
      std::string joined;
      for (const Value& item : v.list) {
        if (!joined.empty()) joined += ",";
        joined += ToText(item);
      }
      return joined;
    }
  }
  return {};
}

bool EvalCondition(const Expr& expr, const EvalContext& ctx) { return IsTrue(Eval(expr, ctx)); }

Value Eval(const Expr& expr, const EvalContext& ctx) {
  switch (expr.kind) {
    case Expr::Kind::kLiteral:
      return expr.literal;
    case Expr::Kind::kPath:
      return NodeValue(ctx, MatchFirst(expr.path, ctx));
    case Expr::Kind::kCall:
      return expr.function->call(expr, ctx);
    case Expr::Kind::kUnary: {
      if (expr.op == Op::kNot) return Value::Bool(!EvalCondition(*expr.args[0], ctx));
      const Value v = Eval(*expr.args[0], ctx);
      if (v.is_null()) return v;
      return Value::Number(Checked(Decimal().Sub(ToDecimal(v, "negation"))));
    }
    case Expr::Kind::kBinary:
      break;
  }
  switch (expr.op) {
    case Op::kOr:
      return Value::Bool(EvalCondition(*expr.args[0], ctx) || EvalCondition(*expr.args[1], ctx));
    case Op::kAnd:
      return Value::Bool(EvalCondition(*expr.args[0], ctx) && EvalCondition(*expr.args[1], ctx));
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
      return Arithmetic(expr.op, Eval(*expr.args[0], ctx), Eval(*expr.args[1], ctx));
    default:
      break;
  }
  bool comparable = true;
  const Value left = Eval(*expr.args[0], ctx);
  const Value right = Eval(*expr.args[1], ctx);
  const int c = Compare(left, right, comparable);
  // Not comparable means one side is null: equal only when both are.
  const bool equal = comparable ? c == 0 : (left.is_blank() && right.is_blank());
  switch (expr.op) {
    case Op::kEq:
      return Value::Bool(equal);
    case Op::kNe:
      return Value::Bool(!equal);
    case Op::kLt:
      return Value::Bool(comparable && c < 0);
    case Op::kLe:
      return Value::Bool(comparable && c <= 0);
    case Op::kGt:
      return Value::Bool(comparable && c > 0);
    default:
      return Value::Bool(comparable && c >= 0);
  }
}

}  // namespace ferry::flows
