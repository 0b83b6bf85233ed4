#include "tests/crm_sim/sap_sales_cloud_query.h"

#include <algorithm>
#include <charconv>

#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsV2NameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_'; }

bool IsName(std::string_view s) {
  return !s.empty() && !IsDigit(s.front()) && std::all_of(s.begin(), s.end(), IsV2NameChar);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// "a/b/c" → {"a","b","c"}; nullopt unless every step is a name.
std::optional<std::vector<std::string>> ParsePath(std::string_view text) {
  std::vector<std::string> path;
  size_t pos = 0;
  for (;;) {
    const size_t slash = std::min(text.find('/', pos), text.size());
    const std::string_view step = text.substr(pos, slash - pos);
    if (!IsName(step)) return std::nullopt;
    path.emplace_back(step);
    if (slash == text.size()) return path;
    pos = slash + 1;
  }
}

// A whole number or decimal: -?digits[.digits][e[-+]digits]. OData's type
// suffixes (10L, 1.5M) and INF/NaN are not taken.
std::optional<double> ParseNumber(std::string_view text) {
  const size_t sign = !text.empty() && text.front() == '-' ? 1 : 0;
  if (text.size() <= sign || !IsDigit(text[sign])) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned DaysInMonth(int year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::optional<double> NumberOf(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  if (v.is_string()) return ParseNumber(v.get_string());
  return std::nullopt;
}

template <typename T>
int Order(const T& a, const T& b) {
  return a < b ? -1 : b < a ? 1 : 0;
}

const json::value* MemberAt(const json::object& entity, const std::vector<std::string>& path) {
  const json::object* at = &entity;
  const json::value* v = nullptr;
  for (size_t i = 0; i < path.size(); ++i) {
    v = at->if_contains(path[i]);
    if (!v) return nullptr;
    if (i + 1 < path.size()) {
      if (!v->is_object()) return nullptr;
      at = &v->get_object();
    }
  }
  return v;
}

// The member against a literal: <0, 0, >0, or nullopt when they do not
// compare. The literal is not null.
std::optional<int> CompareWith(const json::value* member, const SapLiteral& literal) {
  using Kind = SapLiteral::Kind;
  if (!member || member->is_null()) return std::nullopt;
  switch (literal.kind) {
    case Kind::kText: {
      auto text = ScalarText(*member);
      if (!text) return std::nullopt;
      return Order(std::string_view(*text), std::string_view(literal.text));
    }
    case Kind::kNumber: {
      auto n = NumberOf(*member);
      if (!n) return std::nullopt;
      return Order(*n, literal.number);
    }
    case Kind::kBool: {
      if (member->is_bool()) return Order(member->get_bool(), literal.boolean);
      if (member->is_string() && (member->get_string() == "true" || member->get_string() == "false")) {
        return Order(member->get_string() == "true", literal.boolean);
      }
      return std::nullopt;
    }
    case Kind::kDateTime: {
      auto instant = member->is_string() ? ParseSapDateTime(member->get_string()) : std::nullopt;
      if (!instant) return std::nullopt;
      return Order(*instant, literal.instant);
    }
    case Kind::kNull:
      break;
  }
  return std::nullopt;
}

// A cursor over $filter's text. Parentheses go through Chain, which refuses
// to go deeper than kSapMaxFilterDepth: the recursion is bounded whatever
// the client wrote.
class FilterParser {
 public:
  explicit FilterParser(std::string_view text) : text_(text) {}

  Result<SapFilter> Parse() {
    if (text_.size() > kSapMaxQueryOptionChars) {
      return Status::InvalidArgument("$filter is longer than " + std::to_string(kSapMaxQueryOptionChars) +
                                     " characters.");
    }
    SapFilter filter;
    if (Status s = Chain(filter, 0); !s.ok()) return s;
    Skip();
    if (pos_ == text_.size()) return filter;
    if (Peek() == ")") return Error("')' without its '('");
    return Expected("'and' or the end of the filter");
  }

 private:
  Status Chain(SapFilter& filter, int depth) {
    if (depth > kSapMaxFilterDepth) {
      return Error("parentheses nested more than " + std::to_string(kSapMaxFilterDepth) + " deep");
    }
    for (;;) {
      if (Status s = Term(filter, depth); !s.ok()) return s;
      const std::string_view next = Peek();
      if (next == "or") return Error("'or' is not supported; the simulator takes comparisons joined by 'and'");
      if (next != "and") return Status::Ok();
      Take();
    }
  }

  Status Term(SapFilter& filter, int depth) {
    if (Peek() == "(") {
      Take();
      if (Status s = Chain(filter, depth + 1); !s.ok()) return s;
      if (Peek() != ")") return Expected("')'");
      Take();
      return Status::Ok();
    }
    return Comparison(filter);
  }

  Status Comparison(SapFilter& filter) {
    const std::string_view subject = Peek();
    if (subject.empty()) return Expected("a comparison");
    if (subject == "not") return Error("'not' is not supported");
    if (subject == "and" || subject == "or") return Expected("a comparison");
    const size_t subject_at = pos_;
    Take();
    if (Peek() == "(") {
      pos_ = subject_at;
      return Error("the function '" + std::string(subject.substr(0, 40)) + "' is not supported");
    }
    auto path = ParsePath(subject);
    if (!path) {
      pos_ = subject_at;
      return Expected("a property path (name or name/name)");
    }
    const std::string_view op = Peek();
    static const std::map<std::string_view, SapComparison::Op> kOps = {
        {"eq", SapComparison::Op::kEq}, {"ne", SapComparison::Op::kNe}, {"gt", SapComparison::Op::kGt},
        {"ge", SapComparison::Op::kGe}, {"lt", SapComparison::Op::kLt}, {"le", SapComparison::Op::kLe}};
    auto found = kOps.find(op);
    if (found == kOps.end()) {
      if (op == "in" || op == "has" || op == "add" || op == "sub" || op == "mul" || op == "div" || op == "mod") {
        return Error("the operator '" + std::string(op) + "' is not supported");
      }
      return Expected("a comparison operator (eq, ne, gt, ge, lt, le) after '" + std::string(subject.substr(0, 80)) +
                      "'");
    }
    Take();
    SapComparison comparison{std::move(*path), found->second, {}};
    if (Status s = Literal(comparison.literal); !s.ok()) return s;
    if (filter.all.size() >= kSapMaxComparisons) {
      return Error("more than " + std::to_string(kSapMaxComparisons) + " comparisons");
    }
    filter.all.push_back(std::move(comparison));
    return Status::Ok();
  }

  Status Literal(SapLiteral& out) {
    using Kind = SapLiteral::Kind;
    Skip();
    if (pos_ < text_.size() && text_[pos_] == '\'') return Quoted(out);
    const std::string_view word = Peek();
    if (word.empty() || word == "(" || word == ")" || word == ",") return Expected("a literal");
    out.text = std::string(word);
    if (word == "null") {
      out.kind = Kind::kNull;
    } else if (word == "true" || word == "false") {
      out.kind = Kind::kBool;
      out.boolean = word == "true";
    } else if (word.size() >= 5 && IsDigit(word[0]) && word[4] == '-') {
      auto instant = ParseSapDateTime(word);
      if (!instant) return Error("not a date-time: write YYYY-MM-DDThh:mm:ss[.fff]Z, in UTC");
      out.kind = Kind::kDateTime;
      out.instant = *instant;
    } else if (auto number = ParseNumber(word)) {
      out.kind = Kind::kNumber;
      out.number = *number;
    } else if (ParsePath(word)) {
      return Error("comparing with another property is not supported; quote text as '" +
                   std::string(word.substr(0, 40)) + "'");
    } else {
      return Error("not a literal; quote text as 'text'");
    }
    Take();
    return Status::Ok();
  }

  Status Quoted(SapLiteral& out) {
    const size_t start = pos_;
    out.kind = SapLiteral::Kind::kText;
    for (size_t i = pos_ + 1; i < text_.size(); ++i) {
      if (text_[i] != '\'') {
        out.text += text_[i];
      } else if (i + 1 < text_.size() && text_[i + 1] == '\'') {
        out.text += '\'';
        ++i;
      } else {
        pos_ = i + 1;
        return Status::Ok();
      }
    }
    pos_ = start;
    return Error("the quoted text is not closed");
  }

  void Skip() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }

  // The next token without taking it: "(", ")", ",", a quoted text (as
  // written), a word, or empty at the end.
  std::string_view Peek() {
    Skip();
    if (pos_ == text_.size()) return {};
    const char c = text_[pos_];
    if (c == '(' || c == ')' || c == ',') return text_.substr(pos_, 1);
    if (c == '\'') return text_.substr(pos_, 1);
    size_t end = pos_;
    while (end < text_.size() && text_[end] != ' ' && text_[end] != '(' && text_[end] != ')' && text_[end] != ',' &&
           text_[end] != '\'') {
      ++end;
    }
    return text_.substr(pos_, end - pos_);
  }

  void Take() { pos_ += Peek().size(); }

  Status Error(const std::string& what) const {
    std::string at(text_.substr(pos_, 40));
    if (pos_ + 40 < text_.size()) at += "…";
    return Status::InvalidArgument("$filter at position " + std::to_string(pos_) + " ('" + at + "'): " + what + ".");
  }

  Status Expected(const std::string& what) {
    const std::string_view got = Peek();
    if (got.empty()) return Error(what + " expected, got the end of the filter");
    return Error(what + " expected");
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// Where a value sorts: null first, then booleans, numbers, date-times,
// other text, and objects and arrays last.
int Rank(const json::value* v) {
  if (!v || v->is_null()) return 0;
  if (v->is_bool()) return 1;
  if (v->is_number()) return 2;
  if (v->is_string()) return ParseSapDateTime(v->get_string()) ? 3 : 4;
  return 5;
}

int CompareForOrder(const json::value* a, const json::value* b) {
  const int ra = Rank(a);
  const int rb = Rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 1:
      return Order(a->get_bool(), b->get_bool());
    case 2:
      return Order(*NumberOf(*a), *NumberOf(*b));
    case 3:
      return Order(*ParseSapDateTime(a->get_string()), *ParseSapDateTime(b->get_string()));
    case 4:
      return Order(std::string_view(a->get_string()), std::string_view(b->get_string()));
    default:
      return 0;
  }
}

std::string_view IdOf(const json::object& entity) {
  const auto* id = entity.if_contains("id");
  return id && id->is_string() ? std::string_view(id->get_string()) : std::string_view();
}

std::optional<SapQueryRefusal> CountOption(const std::string& name, const std::string& text, size_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return SapQueryRefusal{name, "INVALID_QUERY_OPTION",
                           name + " must be a non-negative integer; got '" + text.substr(0, 40) + "'."};
  }
  return std::nullopt;
}

}  // namespace

std::optional<SapInstant> ParseSapDateTime(std::string_view s) {
  auto digits = [&s](size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (!IsDigit(s[i])) return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(5, 2, month) || s[7] != '-' ||
      !digits(8, 2, day) || s[10] != 'T' || !digits(11, 2, hour) || s[13] != ':' || !digits(14, 2, minute) ||
      s[16] != ':' || !digits(17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  size_t pos = 19;
  int32_t nanos = 0;
  if (s[pos] == '.') {
    const size_t start = ++pos;
    while (pos < s.size() && IsDigit(s[pos]) && pos - start < 9) nanos = nanos * 10 + (s[pos++] - '0');
    if (pos == start) return std::nullopt;
    for (size_t n = pos - start; n < 9; ++n) nanos *= 10;
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return std::nullopt;
  const int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return SapInstant{days * 86400 + hour * 3600 + minute * 60 + second, nanos};
}

bool SapComparison::Holds(const json::object& entity) const {
  const json::value* member = MemberAt(entity, path);
  if (literal.kind == SapLiteral::Kind::kNull) {
    const bool is_null = !member || member->is_null();
    return op == Op::kEq ? is_null : op == Op::kNe ? !is_null : false;
  }
  const std::optional<int> c = CompareWith(member, literal);
  switch (op) {
    case Op::kEq:
      return c && *c == 0;
    case Op::kNe:
      return !c || *c != 0;
    case Op::kGt:
      return c && *c > 0;
    case Op::kGe:
      return c && *c >= 0;
    case Op::kLt:
      return c && *c < 0;
    case Op::kLe:
      return c && *c <= 0;
  }
  return false;
}

bool SapFilter::Matches(const json::object& entity) const {
  return std::all_of(all.begin(), all.end(), [&](const SapComparison& c) { return c.Holds(entity); });
}

std::optional<std::pair<std::string, std::string>> SapFilter::IndexKey() const {
  for (const SapComparison& c : all) {
    if (c.op == SapComparison::Op::kEq && c.literal.kind == SapLiteral::Kind::kText && c.path.size() == 1) {
      return std::pair(c.path.front(), c.literal.text);
    }
  }
  return std::nullopt;
}

Result<SapFilter> ParseSapFilter(std::string_view text) { return FilterParser(text).Parse(); }

Result<std::vector<SapOrderKey>> ParseSapOrderBy(std::string_view text) {
  if (text.size() > kSapMaxQueryOptionChars) {
    return Status::InvalidArgument("$orderby is longer than " + std::to_string(kSapMaxQueryOptionChars) +
                                   " characters.");
  }
  std::vector<SapOrderKey> keys;
  size_t pos = 0;
  for (;;) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view item = Trim(text.substr(pos, comma - pos));
    const size_t space = std::min(item.find(' '), item.size());
    const std::string_view direction = Trim(item.substr(space));
    auto path = ParsePath(item.substr(0, space));
    if (!path || (!direction.empty() && direction != "asc" && direction != "desc")) {
      return Status::InvalidArgument("$orderby: '" + std::string(item.substr(0, 80)) +
                                     "' is not a property path followed by an optional asc or desc.");
    }
    keys.push_back({std::move(*path), direction == "desc"});
    if (comma == text.size()) return keys;
    pos = comma + 1;
  }
}

void SortSapEntities(std::vector<json::object>& entities, const std::vector<SapOrderKey>& keys) {
  std::sort(entities.begin(), entities.end(), [&keys](const json::object& a, const json::object& b) {
    for (const SapOrderKey& key : keys) {
      const int c = CompareForOrder(MemberAt(a, key.path), MemberAt(b, key.path));
      if (c != 0) return key.descending ? c > 0 : c < 0;
    }
    return IdOf(a) < IdOf(b);
  });
}

Result<std::vector<std::string>> ParseSapSelect(std::string_view text) {
  if (text.size() > kSapMaxQueryOptionChars) {
    return Status::InvalidArgument("$select is longer than " + std::to_string(kSapMaxQueryOptionChars) +
                                   " characters.");
  }
  std::vector<std::string> names;
  size_t pos = 0;
  for (;;) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view name = Trim(text.substr(pos, comma - pos));
    if (name.find('/') != std::string_view::npos) {
      return Status::InvalidArgument("$select takes top-level members only; '" + std::string(name.substr(0, 80)) +
                                     "' is a path.");
    }
    if (!IsName(name)) {
      return Status::InvalidArgument("$select: '" + std::string(name.substr(0, 80)) + "' is not a member name.");
    }
    names.emplace_back(name);
    if (comma == text.size()) return names;
    pos = comma + 1;
  }
}

json::object SelectSapMembers(const json::object& entity, const std::vector<std::string>& select) {
  if (select.empty()) return entity;
  json::object out;
  if (const auto* id = entity.if_contains("id")) out["id"] = *id;
  for (const std::string& name : select) {
    if (const auto* v = entity.if_contains(name)) out[name] = *v;
  }
  return out;
}

std::optional<SapQueryRefusal> ParseSapCollectionQuery(const std::map<std::string, std::string>& options,
                                                       SapCollectionQuery& out) {
  out = SapCollectionQuery();
  for (const auto& [name, text] : options) {
    if (name.empty() || name.front() != '$') continue;
    if (name == "$filter") {
      auto filter = ParseSapFilter(text);
      if (!filter.ok()) return SapQueryRefusal{name, "INVALID_FILTER", filter.status().message()};
      out.filter = std::move(*filter);
    } else if (name == "$orderby") {
      auto keys = ParseSapOrderBy(text);
      if (!keys.ok()) return SapQueryRefusal{name, "INVALID_QUERY_OPTION", keys.status().message()};
      out.orderby = std::move(*keys);
    } else if (name == "$select") {
      auto names = ParseSapSelect(text);
      if (!names.ok()) return SapQueryRefusal{name, "INVALID_QUERY_OPTION", names.status().message()};
      out.select = std::move(*names);
    } else if (name == "$top") {
      if (auto refused = CountOption(name, text, out.top)) return refused;
      out.top = std::min(out.top, kSapMaxPageSize);
    } else if (name == "$skip") {
      if (auto refused = CountOption(name, text, out.skip)) return refused;
    } else if (name == "$count") {
      if (text != "true" && text != "false") {
        return SapQueryRefusal{name, "INVALID_QUERY_OPTION", "$count must be true or false."};
      }
      out.count = text == "true";
    } else {
      return SapQueryRefusal{name.substr(0, 40), "INVALID_QUERY_OPTION",
                             "The query option " + name.substr(0, 40) + " is not supported."};
    }
  }
  return std::nullopt;
}

}  // namespace ferry::crm_sim
