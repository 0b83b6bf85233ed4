#include "tests/s4_sim/odata_query.h"

#include <date/date.h>

#include <charconv>
#include <sstream>

#include "common/util/ids.h"

namespace ferry::s4_sim {
namespace {

Status Bad(const std::string& what) { return Status::InvalidArgument(what); }

Result<size_t> Count(const std::string& name, const std::string& text) {
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return Bad(name + " must be a whole number");
  return value;
}

// "2024-05-01T10:00:00" (optionally with fractions and "Z") as ms since epoch.
Result<int64_t> IsoMs(std::string text) {
  if (!text.empty() && text.back() == 'Z') text.pop_back();
  std::istringstream in(text);
  date::sys_time<std::chrono::milliseconds> tp;
  in >> date::parse("%FT%T", tp);
  if (in.fail()) return Bad("not a date and time: '" + text + "'");
  return tp.time_since_epoch().count();
}

// "PT14H30M00S" as ms since midnight.
Result<int64_t> DurationMs(std::string_view text) {
  if (!text.starts_with("PT")) return Bad("not an Edm.Time: '" + std::string(text) + "'");
  int64_t total = 0, number = 0;
  bool digits = false;
  for (char c : text.substr(2)) {
    if (c >= '0' && c <= '9') {
      number = number * 10 + (c - '0');
      digits = true;
      continue;
    }
    if (!digits) return Bad("not an Edm.Time: '" + std::string(text) + "'");
    total += number * (c == 'H' ? 3600000 : c == 'M' ? 60000 : c == 'S' ? 1000 : -1000000000);
    if (total < 0) return Bad("not an Edm.Time: '" + std::string(text) + "'");
    number = 0;
    digits = false;
  }
  return total;
}

// V4's bare dates and times: 2024-05-01 (Edm.Date), 2024-05-01T10:00:00[.f]Z
// (Edm.DateTimeOffset), 10:00:00 (Edm.TimeOfDay); nullopt for anything else.
std::optional<int64_t> V4TimeMs(std::string_view text) {
  auto digits_at = [&](size_t i) { return i < text.size() && text[i] >= '0' && text[i] <= '9'; };
  if (text.size() == 8 && text[2] == ':' && text[5] == ':' && digits_at(0) && digits_at(7)) {
    auto ms = DurationMs("PT" + std::string(text.substr(0, 2)) + "H" + std::string(text.substr(3, 2)) + "M" +
                         std::string(text.substr(6, 2)) + "S");
    if (ms.ok()) return *ms;
    return std::nullopt;
  }
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !digits_at(0) || !digits_at(9)) return std::nullopt;
  if (text.size() == 10) {
    auto ms = IsoMs(std::string(text) + "T00:00:00");
    return ms.ok() ? std::optional<int64_t>(*ms) : std::nullopt;
  }
  if (text.size() < 20 || text[10] != 'T' || text.back() != 'Z') return std::nullopt;
  auto ms = IsoMs(std::string(text));
  return ms.ok() ? std::optional<int64_t>(*ms) : std::nullopt;
}

}  // namespace

Result<Literal> ParseLiteral(const std::string& text, bool v4) {
  Literal out;
  if (auto ms = V4TimeMs(text)) {  // V4 literals are bare
    out.is_time = true;
    out.ms = *ms;
    out.type = "time";
    return out;
  }
  if (text == "null") {
    out.is_null = true;
    out.type = "null";
    return out;
  }
  if (v4 && IsUuidText(text)) {  // V4's bare Edm.Guid
    out.text = text;
    out.type = "guid";
    return out;
  }
  // prefix'…' with '' standing for one quote.
  auto quoted = [&](std::string_view prefix) -> std::optional<std::string> {
    if (!text.starts_with(prefix) || text.size() < prefix.size() + 2 || text.back() != '\'' ||
        text[prefix.size()] != '\'') {
      return std::nullopt;
    }
    std::string inner;
    for (size_t i = prefix.size() + 1; i + 1 < text.size(); ++i) {
      inner += text[i];
      if (text[i] == '\'') ++i;  // the tokenizer let only doubled quotes through
    }
    return inner;
  };
  for (std::string_view prefix : {"datetimeoffset", "datetime"}) {
    if (auto inner = quoted(prefix)) {
      auto ms = IsoMs(*inner);
      if (!ms.ok()) return ms.status();
      out.is_time = true;
      out.ms = *ms;
      out.type = "time";
      return out;
    }
  }
  if (auto inner = quoted("time")) {
    auto ms = DurationMs(*inner);
    if (!ms.ok()) return ms.status();
    out.is_time = true;
    out.ms = *ms;
    out.type = "time";
    return out;
  }
  if (auto inner = quoted("guid"); inner && !v4) {
    if (!IsUuidText(*inner)) return Bad("'" + *inner + "' is no GUID");
    out.text = *inner;
    out.type = "guid";
    return out;
  }
  if (auto inner = quoted("")) {
    out.text = *inner;
    out.type = "string";
    return out;
  }
  const bool int64 = !v4 && text.size() > 1 && text.back() == 'L';  // V2's Edm.Int64
  const std::string digits = int64 ? text.substr(0, text.size() - 1) : text;
  if (!digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    out.text = digits;  // a number compares as the text a JSON number field gives
    out.type = int64 ? "int64" : "number";
    return out;
  }
  return Bad("unsupported literal '" + text +
             "' (the simulator knows 'text', numbers, 42L, null, guid'...', datetime'...', "
             "datetimeoffset'...', time'PT..')");
}

namespace {

std::vector<std::string> Split(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return parts;
    start = at + separator.size();
  }
}

std::string Trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// $filter's words: "(", ")", and runs of other characters, a quoted part
// ('…', with '' inside) kept whole.
Result<std::vector<std::string>> Tokens(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ') {
      ++i;
    } else if (c == '(' || c == ')') {
      out.emplace_back(1, c);
      ++i;
    } else {
      std::string word;
      while (i < text.size() && text[i] != ' ' && text[i] != '(' && text[i] != ')') {
        if (text[i] != '\'') {
          word += text[i++];
          continue;
        }
        word += text[i++];
        for (;;) {  // inside quotes: up to the closing quote that is not doubled
          if (i >= text.size()) return Bad("$filter: a quote is not closed");
          word += text[i++];
          if (word.back() != '\'') continue;
          if (i < text.size() && text[i] == '\'') {
            word += text[i++];
            continue;
          }
          break;
        }
      }
      out.push_back(std::move(word));
    }
  }
  return out;
}

// A recursive descent over the tokens, nesting bounded: or-expressions of
// and-expressions of comparisons or parenthesised expressions.
class FilterParser {
 public:
  FilterParser(std::vector<std::string> tokens, bool v4) : tokens_(std::move(tokens)), v4_(v4) {}

  Result<FilterNode> Parse() {
    auto node = Or(0);
    if (node.ok() && at_ != tokens_.size()) return Bad("$filter: cannot read from '" + tokens_[at_] + "'");
    return node;
  }

 private:
  static constexpr int kMaxNesting = 16;

  bool Next(std::string_view word) {
    if (at_ < tokens_.size() && tokens_[at_] == word) {
      ++at_;
      return true;
    }
    return false;
  }

  Result<FilterNode> Joined(FilterNode::Kind kind, std::string_view word, int depth) {
    auto first = kind == FilterNode::Kind::kOr ? And(depth) : Primary(depth);
    if (!first.ok() || (at_ < tokens_.size() && tokens_[at_] != word)) return first;
    FilterNode node;
    node.kind = kind;
    node.children.push_back(std::move(first).value());
    while (Next(word)) {
      auto more = kind == FilterNode::Kind::kOr ? And(depth) : Primary(depth);
      if (!more.ok()) return more;
      node.children.push_back(std::move(more).value());
    }
    return node;
  }
  Result<FilterNode> Or(int depth) { return Joined(FilterNode::Kind::kOr, "or", depth); }
  Result<FilterNode> And(int depth) { return Joined(FilterNode::Kind::kAnd, "and", depth); }

  Result<FilterNode> Primary(int depth) {
    if (Next("(")) {
      if (depth + 1 > kMaxNesting) return Bad("$filter: nested deeper than the simulator reads");
      auto inner = Or(depth + 1);
      if (!inner.ok()) return inner;
      if (!Next(")")) return Bad("$filter: a parenthesis is not closed");
      return inner;
    }
    if (at_ + 3 > tokens_.size()) return Bad("$filter: a comparison (field op literal) is cut short");
    static const std::vector<std::string> kOps = {"eq", "ne", "gt", "ge", "lt", "le"};
    const std::string& field = tokens_[at_];
    const std::string& op = tokens_[at_ + 1];
    if (std::find(kOps.begin(), kOps.end(), op) == kOps.end()) {
      return Bad("$filter: unsupported operator '" + op + "' after '" + field + "'");
    }
    auto literal = ParseLiteral(tokens_[at_ + 2], v4_);
    if (!literal.ok()) return Bad("$filter: " + literal.status().message());
    at_ += 3;
    FilterNode node;
    node.comparison = {field, op, *literal};
    return node;
  }

  std::vector<std::string> tokens_;
  bool v4_;
  size_t at_ = 0;
};

}  // namespace

Result<ODataQuery> ParseODataQuery(const std::map<std::string, std::string>& query, bool v4) {
  ODataQuery q;
  for (const auto& [name, value] : query) {
    if (name == "$filter") {
      auto tokens = Tokens(value);
      if (!tokens.ok()) return tokens.status();
      auto filter = FilterParser(std::move(tokens).value(), v4).Parse();
      if (!filter.ok()) return filter.status();
      q.filter = std::move(filter).value();
    } else if (name == "$orderby") {
      for (const std::string& part : Split(value, ",")) {
        const std::vector<std::string> words = Split(Trim(part), " ");
        if (words.empty() || words[0].empty() || words.size() > 2 ||
            (words.size() == 2 && words[1] != "asc" && words[1] != "desc")) {
          return Bad("$orderby: cannot read '" + part + "'");
        }
        q.orderby.push_back({words[0], words.size() == 2 && words[1] == "desc"});
      }
    } else if (name == "$top" || name == "$skip" || name == "$skiptoken") {
      auto n = Count(name, value);
      if (!n.ok()) return n.status();
      (name == "$top" ? q.top : name == "$skip" ? q.skip : q.skiptoken) = *n;
    } else if (name == "$expand") {
      for (const std::string& part : Split(value, ",")) q.expand.push_back(Trim(part));
    } else if (name == "$format") {
      if (value != "json") return Bad("$format: the simulator answers JSON only ($format=json)");
      q.json = true;
    } else if (name == "$select" || name == "$inlinecount") {
      return Bad(name + " is not supported by the simulator");
    } else if (name.starts_with("$")) {
      return Bad("unknown system query option " + name);
    }
  }
  return q;
}

Literal ValueOf(const boost::json::value* field) {
  Literal out;
  if (field == nullptr || field->is_null()) {
    out.is_null = true;
    return out;
  }
  if (!field->is_string()) {
    out.text = boost::json::serialize(*field);
    return out;
  }
  const std::string_view s = field->get_string();
  if (s.starts_with("/Date(") && s.ends_with(")/")) {
    int64_t ms = 0;
    const std::string_view digits = s.substr(6);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ms);
    if (ec == std::errc()) {
      out.is_time = true;
      out.ms = ms;
      return out;
    }
  }
  if (auto ms = V4TimeMs(s)) {  // V4: 2024-05-01, 2024-05-01T10:00:00Z, 10:00:00
    out.is_time = true;
    out.ms = *ms;
    return out;
  }
  if (s.starts_with("PT")) {
    if (auto ms = DurationMs(s); ms.ok()) {
      out.is_time = true;
      out.ms = *ms;
      return out;
    }
  }
  out.text = std::string(s);
  return out;
}

int Compare(const Literal& a, const Literal& b) {
  if (a.is_null || b.is_null) return a.is_null == b.is_null ? 0 : a.is_null ? -1 : 1;
  if (a.is_time != b.is_time) return a.is_time ? -1 : 1;
  if (a.is_time) return a.ms < b.ms ? -1 : a.ms > b.ms ? 1 : 0;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

bool Holds(const Comparison& c, const boost::json::object& entity) {
  const Literal value = ValueOf(entity.if_contains(c.field));
  if (value.is_null || c.value.is_null) {
    const bool both = value.is_null && c.value.is_null;
    return c.op == "eq" ? both : c.op == "ne" ? !both : false;
  }
  const int r = Compare(value, c.value);
  if (c.op == "eq") return r == 0;
  if (c.op == "ne") return r != 0;
  if (c.op == "gt") return r > 0;
  if (c.op == "ge") return r >= 0;
  if (c.op == "lt") return r < 0;
  return r <= 0;
}

bool Holds(const FilterNode& filter, const boost::json::object& entity) {
  switch (filter.kind) {
    case FilterNode::Kind::kComparison:
      return Holds(filter.comparison, entity);
    case FilterNode::Kind::kAnd:
      return std::all_of(filter.children.begin(), filter.children.end(),
                         [&](const FilterNode& c) { return Holds(c, entity); });
    case FilterNode::Kind::kOr:
      return std::any_of(filter.children.begin(), filter.children.end(),
                         [&](const FilterNode& c) { return Holds(c, entity); });
  }
  return false;
}

}  // namespace ferry::s4_sim
