#include "common/flows/functions.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/flows/sap_values.h"
#include "common/util/ids.h"
#include "common/util/text.h"

namespace ferry::flows {
namespace {

using doc::NodeId;

Value Arg(const Expr& call, size_t i, const EvalContext& ctx) { return Eval(*call.args[i], ctx); }

std::string TextArg(const Expr& call, size_t i, const EvalContext& ctx) { return ToText(Arg(call, i, ctx)); }

size_t CountArg(const Expr& call, size_t i, const EvalContext& ctx, std::string_view fn) {
  const Decimal d = ToDecimal(Arg(call, i, ctx), fn);
  if (d.negative() || d.scale() != 0 || d.Compare(Decimal::FromInt(100000)) > 0) {
    throw EvalError{std::string(fn) + ": '" + d.ToString() + "' is not a whole number from 0"};
  }
  return static_cast<size_t>(std::stoul(d.ToString()));
}

template <typename T>
T Unwrap(Result<T> r) {
  if (!r.ok()) throw EvalError{std::string(r.status().message())};
  return std::move(r).value();
}

Value OptionalText(std::optional<std::string> s) { return s ? Value::Text(std::move(*s)) : Value::Null(); }

// Applies `f` to the text of the only argument; null stays null.
template <typename F>
Value MapText(const Expr& call, const EvalContext& ctx, F f) {
  const Value v = Arg(call, 0, ctx);
  if (v.is_null()) return v;
  return Value::Text(f(ToText(v)));
}

Value StripZeros(const Expr& c, const EvalContext& x) {
  return MapText(c, x, [](const std::string& s) { return sap::StripZeros(s); });
}
Value PadZeros(const Expr& c, const EvalContext& x) {
  const size_t n = CountArg(c, 1, x, "pad_zeros");
  return MapText(c, x, [n](const std::string& s) { return sap::PadZeros(s, n); });
}
Value TrimFn(const Expr& c, const EvalContext& x) {
  const Value v = Arg(c, 0, x);
  if (v.is_null()) return v;
  std::string t(TrimBlanks(ToText(v)));
  return t.empty() ? Value::Null() : Value::Text(std::move(t));
}
Value Upper(const Expr& c, const EvalContext& x) {
  return MapText(c, x, [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::toupper(ch); });
    return s;
  });
}
Value Lower(const Expr& c, const EvalContext& x) {
  return MapText(c, x, [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return s;
  });
}
Value Substr(const Expr& c, const EvalContext& x) {
  const size_t start = CountArg(c, 1, x, "substr");
  const size_t len = c.args.size() > 2 ? CountArg(c, 2, x, "substr") : std::string::npos;
  const Value v = Arg(c, 0, x);
  if (v.is_null()) return v;
  const std::string s = ToText(v);
  // Counted as SAP's field lengths count: in UTF-16 units, so a character
  // beyond the BMP (four UTF-8 bytes) takes two; a cut never splits one (a
  // start inside one begins after it, a length ends before it).
  auto units = [&s](size_t i) { return (static_cast<unsigned char>(s[i]) & 0xF8) == 0xF0 ? size_t{2} : size_t{1}; };
  auto next = [&s](size_t i) {
    for (++i; i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;) ++i;
    return i;
  };
  size_t begin = 0;
  for (size_t at = 0; begin < s.size() && at < start; begin = next(begin)) at += units(begin);
  if (begin >= s.size()) return Value::Null();
  size_t end = begin;
  for (size_t taken = 0; end < s.size() && (len == std::string::npos || taken + units(end) <= len); end = next(end)) {
    taken += units(end);
  }
  return Value::Text(s.substr(begin, end - begin));
}
// A GUID as CRMs write it (8-4-4-4-12, lower case), from 32 hexadecimal
// digits (SAP keeps a CRM's GUID so where 36 characters do not fit) or from
// a GUID; null for anything else.
Value GuidFn(const Expr& c, const EvalContext& x) {
  const Value v = Arg(c, 0, x);
  if (v.is_null()) return v;
  std::string s(TrimBlanks(ToText(v)));
  if (s.size() == 32) {
    for (const size_t at : {20, 16, 12, 8}) s.insert(at, "-");
  }
  if (!IsUuidText(s)) return Value::Null();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return Value::Text(std::move(s));
}
Value Replace(const Expr& c, const EvalContext& x) {
  const std::string from = TextArg(c, 1, x), to = TextArg(c, 2, x);
  if (from.empty()) throw EvalError{"replace: the text to replace is empty"};
  return MapText(c, x, [&](std::string s) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
      s.replace(at, from.size(), to);
    }
    return s;
  });
}
Value Split(const Expr& c, const EvalContext& x) {
  const std::string sep = TextArg(c, 1, x);
  const size_t index = CountArg(c, 2, x, "split");
  if (sep.empty()) throw EvalError{"split: the separator is empty"};
  const Value v = Arg(c, 0, x);
  if (v.is_null()) return v;
  const std::string s = ToText(v);
  size_t begin = 0;
  for (size_t i = 0; i < index; ++i) {
    const size_t at = s.find(sep, begin);
    if (at == std::string::npos) return Value::Null();
    begin = at + sep.size();
  }
  const size_t end = s.find(sep, begin);
  std::string part = s.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  return part.empty() ? Value::Null() : Value::Text(std::move(part));
}
Value Concat(const Expr& c, const EvalContext& x) {
  bool any = false;
  std::string out;
  for (size_t i = 0; i < c.args.size(); ++i) {
    const Value v = Arg(c, i, x);
    if (v.is_null()) continue;
    any = true;
    out += ToText(v);
  }
  return any ? Value::Text(std::move(out)) : Value::Null();
}
Value ConcatWs(const Expr& c, const EvalContext& x) {
  const std::string sep = TextArg(c, 0, x);
  std::string out;
  bool any = false;
  for (size_t i = 1; i < c.args.size(); ++i) {
    const Value v = Arg(c, i, x);
    if (v.is_blank()) continue;
    if (any) out += sep;
    out += ToText(v);
    any = true;
  }
  return any ? Value::Text(std::move(out)) : Value::Null();
}

std::vector<NodeId> AllNodes(const Expr& c, const EvalContext& x) {
  std::vector<NodeId> nodes;
  MatchAll(c.args[0]->path, x, nodes);
  return nodes;
}

Value Join(const Expr& c, const EvalContext& x) {
  const std::string sep = TextArg(c, 1, x);
  std::string out;
  bool any = false;
  for (NodeId n : AllNodes(c, x)) {
    const std::string_view v = x.document.value(n);
    if (v.empty()) continue;
    if (any) out += sep;
    out += v;
    any = true;
  }
  return any ? Value::Text(std::move(out)) : Value::Null();
}
Value Count(const Expr& c, const EvalContext& x) {
  return Value::Number(Decimal::FromInt(static_cast<int64_t>(AllNodes(c, x).size())));
}
Value Exists(const Expr& c, const EvalContext& x) {
  return Value::Bool(MatchFirst(c.args[0]->path, x) != doc::kNoNode);
}
Value Sum(const Expr& c, const EvalContext& x) {
  Decimal total;
  for (NodeId n : AllNodes(c, x)) {
    const std::string_view v = x.document.value(n);
    if (v.empty()) continue;
    total = Unwrap(total.Add(ToDecimal(Value::Text(std::string(v)), "sum")));
  }
  return Value::Number(total);
}

Value DecimalFn(const Expr& c, const EvalContext& x) {
  const Value v = Arg(c, 0, x);
  if (v.is_blank()) return Value::Null();
  return Value::Number(ToDecimal(v, "decimal"));
}
Value Round(const Expr& c, const EvalContext& x) {
  const size_t places = CountArg(c, 1, x, "round");
  const Value v = Arg(c, 0, x);
  if (v.is_null()) return v;
  return Value::Number(ToDecimal(v, "round").Round(static_cast<int>(std::min<size_t>(places, 30))));
}
Value Abs(const Expr& c, const EvalContext& x) {
  const Value v = Arg(c, 0, x);
  if (v.is_null()) return v;
  return Value::Number(ToDecimal(v, "abs").Abs());
}
Value TextFn(const Expr& c, const EvalContext& x) {
  const Value v = Arg(c, 0, x);
  return v.is_null() ? v : Value::Text(ToText(v));
}
Value DateFn(const Expr& c, const EvalContext& x) { return OptionalText(Unwrap(sap::Date(TextArg(c, 0, x)))); }
Value TimeFn(const Expr& c, const EvalContext& x) { return OptionalText(Unwrap(sap::Time(TextArg(c, 0, x)))); }
Value DateTimeFn(const Expr& c, const EvalContext& x) {
  return OptionalText(Unwrap(sap::DateTime(TextArg(c, 0, x), TextArg(c, 1, x), x.env.zone)));
}
Value BoolFn(const Expr& c, const EvalContext& x) {
  const Value v = Arg(c, 0, x);
  if (v.kind == Value::Kind::kBool) return v;
  const std::string text = ToText(v);
  return Value::Bool(Unwrap(sap::Flag(v.is_null() ? std::nullopt : std::optional<std::string_view>(text))));
}
Value IsSet(const Expr& c, const EvalContext& x) { return Value::Bool(!Arg(c, 0, x).is_blank()); }

Value Map(const Expr& c, const EvalContext& x) {
  const ValueMap& map = (*x.env.value_maps)[static_cast<size_t>(c.value_map)];
  const Value v = Arg(c, 1, x);
  if (v.is_null()) return v;
  const std::string key = ToText(v);
  if (auto it = map.values.find(key); it != map.values.end()) return Value::Text(it->second);
  switch (map.unmapped) {
    case ValueMap::Unmapped::kNull:
      return Value::Null();
    case ValueMap::Unmapped::kKeep:
      return Value::Text(key);
    case ValueMap::Unmapped::kDefault:
      return Value::Text(map.fallback);
    case ValueMap::Unmapped::kError:
      break;
  }
  throw EvalError{"value map '" + map.name + "' has no entry for '" + key + "'"};
}
Value Coalesce(const Expr& c, const EvalContext& x) {
  for (size_t i = 0; i < c.args.size(); ++i) {
    Value v = Arg(c, i, x);
    if (!v.is_blank()) return v;
  }
  return Value::Null();
}
Value If(const Expr& c, const EvalContext& x) {
  if (EvalCondition(*c.args[0], x)) return Arg(c, 1, x);
  return c.args.size() > 2 ? Arg(c, 2, x) : Value::Null();
}
Value OneOf(const Expr& c, const EvalContext& x) {
  const Value v = Arg(c, 0, x);
  if (v.is_null()) return Value::Bool(false);
  const std::string s = ToText(v);
  for (size_t i = 1; i < c.args.size(); ++i) {
    if (TextArg(c, i, x) == s) return Value::Bool(true);
  }
  return Value::Bool(false);
}
Value Required(const Expr& c, const EvalContext& x) {
  Value v = Arg(c, 0, x);
  if (!v.is_blank()) return v;
  throw EvalError{(c.args.size() > 1 ? TextArg(c, 1, x) : std::string("a value")) + " is required"};
}

using F = Function::FirstArg;
constexpr size_t kMany = SIZE_MAX;
const std::array kFunctions = {
    Function{"abs", 1, 1, F::kValue, Abs},
    Function{"bool", 1, 1, F::kValue, BoolFn},
    Function{"coalesce", 1, kMany, F::kValue, Coalesce},
    Function{"concat", 1, kMany, F::kValue, Concat},
    Function{"concat_ws", 2, kMany, F::kValue, ConcatWs},
    Function{"count", 1, 1, F::kPath, Count},
    Function{"date", 1, 1, F::kValue, DateFn},
    Function{"datetime", 2, 2, F::kValue, DateTimeFn},
    Function{"decimal", 1, 1, F::kValue, DecimalFn},
    Function{"exists", 1, 1, F::kPath, Exists},
    Function{"guid", 1, 1, F::kValue, GuidFn},
    Function{"if", 2, 3, F::kValue, If},
    Function{"is_set", 1, 1, F::kValue, IsSet},
    Function{"join", 2, 2, F::kPath, Join},
    Function{"lower", 1, 1, F::kValue, Lower},
    Function{"map", 2, 2, F::kValueMap, Map},
    Function{"one_of", 2, kMany, F::kValue, OneOf},
    Function{"pad_zeros", 2, 2, F::kValue, PadZeros},
    Function{"replace", 3, 3, F::kValue, Replace},
    Function{"required", 1, 2, F::kValue, Required},
    Function{"round", 2, 2, F::kValue, Round},
    Function{"split", 3, 3, F::kValue, Split},
    Function{"strip_zeros", 1, 1, F::kValue, StripZeros},
    Function{"substr", 2, 3, F::kValue, Substr},
    Function{"sum", 1, 1, F::kPath, Sum},
    Function{"text", 1, 1, F::kValue, TextFn},
    Function{"time", 1, 1, F::kValue, TimeFn},
    Function{"trim", 1, 1, F::kValue, TrimFn},
    Function{"upper", 1, 1, F::kValue, Upper},
};

}  // namespace

const Function* FindFunction(std::string_view name) {
  for (const Function& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace ferry::flows
