#include "tests/crm_sim/salesforce_soql.h"

#include <cctype>
#include <utility>

#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace {

constexpr std::string_view kSubset =
    " (the simulator answers SELECT <Field, Parent.Field, (SELECT … FROM ChildRelationship)> FROM <Object> WHERE Id "
    "= '<id>')";

struct Token {
  enum class Kind { kName, kText, kSymbol, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
};

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

Result<std::vector<Token>> Tokenize(std::string_view soql) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < soql.size()) {
    const char c = soql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t end = i;
      while (end < soql.size() && IsNameChar(soql[end])) ++end;
      out.push_back({Token::Kind::kName, std::string(soql.substr(i, end - i))});
      i = end;
    } else if (c == '\'') {
      std::string text;
      size_t end = i + 1;
      for (; end < soql.size() && soql[end] != '\''; ++end) {
        if (soql[end] == '\\' && end + 1 < soql.size()) ++end;
        text += soql[end];
      }
      if (end >= soql.size()) return Status::InvalidArgument("unterminated string literal");
      out.push_back({Token::Kind::kText, std::move(text)});
      i = end + 1;
    } else if (c == ',' || c == '.' || c == '(' || c == ')' || c == '=') {
      out.push_back({Token::Kind::kSymbol, std::string(1, c)});
      ++i;
    } else {
      return Status::InvalidArgument("unexpected token: '" + std::string(1, c) + "'" + std::string(kSubset));
    }
  }
  out.push_back({Token::Kind::kEnd, {}});
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<SoqlSelect> Select(bool outer) {
    SoqlSelect select;
    if (!Keyword("SELECT")) return Unexpected();
    do {
      auto item = Item(outer);
      if (!item.ok()) return item.status();
      select.items.push_back(std::move(*item));
    } while (Symbol(','));
    if (!Keyword("FROM") || Peek().kind != Token::Kind::kName) return Unexpected();
    select.from = Take().text;
    if (!outer) return select;
    if (!Keyword("WHERE") || !Keyword("Id") || !Symbol('=') || Peek().kind != Token::Kind::kText) {
      return Unexpected();
    }
    select.id = Take().text;
    if (Peek().kind != Token::Kind::kEnd) return Unexpected();
    return select;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Take() { return tokens_[pos_ + 1 < tokens_.size() ? pos_++ : pos_]; }
  // Takes the next token when it is the keyword `word` (any case).
  bool Keyword(std::string_view word) {
    if (Peek().kind != Token::Kind::kName || !IEquals(Peek().text, word)) return false;
    Take();
    return true;
  }
  bool Symbol(char c) {
    if (Peek().kind != Token::Kind::kSymbol || Peek().text[0] != c) return false;
    Take();
    return true;
  }
  Status Unexpected() const {
    if (Peek().kind == Token::Kind::kEnd)
      return Status::InvalidArgument("unexpected end of query" + std::string(kSubset));
    return Status::InvalidArgument("unexpected token: '" + Peek().text + "'" + std::string(kSubset));
  }

  Result<SoqlItem> Item(bool outer) {
    SoqlItem item;
    if (Peek().kind == Token::Kind::kSymbol && Peek().text == "(") {
      if (!outer) return Unexpected();  // a subquery in a subquery
      Take();
      auto sub = Select(/*outer=*/false);
      if (!sub.ok()) return sub.status();
      if (!Symbol(')')) return Unexpected();
      item.subquery = std::make_shared<const SoqlSelect>(std::move(*sub));
      return item;
    }
    if (Peek().kind != Token::Kind::kName || IEquals(Peek().text, "FROM")) return Unexpected();
    item.field = Take().text;
    if (Symbol('.')) {
      if (Peek().kind != Token::Kind::kName) return Unexpected();
      item.relationship = std::move(item.field);
      item.field = Take().text;
      if (Peek().kind == Token::Kind::kSymbol && Peek().text == ".") return Unexpected();  // one level of parents
    }
    return item;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

Result<SoqlSelect> ParseSoql(std::string_view soql) {
  auto tokens = Tokenize(soql);
  if (!tokens.ok()) return tokens.status();
  return Parser(std::move(*tokens)).Select(/*outer=*/true);
}

}  // namespace ferry::crm_sim
