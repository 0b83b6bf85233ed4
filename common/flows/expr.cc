#include "common/flows/expr.h"

#include <cctype>

#include "common/flows/functions.h"

namespace ferry::flows {
namespace {

struct Token {
  enum class Kind { kEnd, kIdent, kString, kNumber, kPunct };
  Kind kind = Kind::kEnd;
  std::string text;
  size_t column = 1;
};

struct SyntaxError {
  size_t column;
  std::string what;
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> Run() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      Token t;
      t.column = pos_ + 1;
      if (pos_ >= text_.size()) {
        tokens.push_back(t);
        return tokens;
      }
      const char c = text_[pos_];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        t.kind = Token::Kind::kIdent;
        while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
          t.text += text_[pos_++];
        }
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        t.kind = Token::Kind::kNumber;
        while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) {
          t.text += text_[pos_++];
        }
      } else if (c == '\'' || c == '"') {
        t.kind = Token::Kind::kString;
        ++pos_;
        while (true) {
          if (pos_ >= text_.size()) throw SyntaxError{t.column, "unterminated string"};
          if (text_[pos_] == c) {
            // A doubled quote stands for one quote character: 'it''s'.
            if (pos_ + 1 < text_.size() && text_[pos_ + 1] == c) {
              t.text += c;
              pos_ += 2;
              continue;
            }
            ++pos_;
            break;
          }
          t.text += text_[pos_++];
        }
      } else {
        t.kind = Token::Kind::kPunct;
        static constexpr std::string_view kTwo[] = {"==", "!=", "<=", ">=", ".."};
        bool matched = false;
        for (std::string_view two : kTwo) {
          if (text_.substr(pos_, 2) == two) {
            t.text = two;
            pos_ += 2;
            matched = true;
            break;
          }
        }
        if (!matched) {
          if (std::string_view("/[](),|+-*=<>").find(c) == std::string_view::npos) {
            throw SyntaxError{t.column, std::string("unexpected character '") + c + "'"};
          }
          t.text = std::string(1, c);
          ++pos_;
        }
      }
      tokens.push_back(std::move(t));
    }
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

bool IsKeyword(std::string_view s) {
  return s == "and" || s == "or" || s == "not" || s == "div" || s == "true" || s == "false" || s == "null";
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ValueMapResolver& maps) : tokens_(std::move(tokens)), maps_(maps) {}

  ExprPtr ParseAll() {
    ExprPtr e = ParsePipe();
    if (Peek().kind != Token::Kind::kEnd) throw SyntaxError{Peek().column, "unexpected '" + Peek().text + "'"};
    return e;
  }

 private:
  const Token& Peek(size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  bool IsPunct(std::string_view p, size_t ahead = 0) const {
    return Peek(ahead).kind == Token::Kind::kPunct && Peek(ahead).text == p;
  }
  bool IsWord(std::string_view w) const { return Peek().kind == Token::Kind::kIdent && Peek().text == w; }
  Token Next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }
  void Expect(std::string_view p) {
    if (!IsPunct(p)) {
      throw SyntaxError{Peek().column, "expected '" + std::string(p) + "' but found " + Describe(Peek())};
    }
    ++pos_;
  }
  static std::string Describe(const Token& t) {
    return t.kind == Token::Kind::kEnd ? std::string("the end") : "'" + t.text + "'";
  }

  static ExprPtr Make(Expr::Kind kind, size_t column) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->column = column;
    return e;
  }
  static ExprPtr Binary(Op op, ExprPtr a, ExprPtr b, size_t column) {
    ExprPtr e = Make(Expr::Kind::kBinary, column);
    e->op = op;
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return e;
  }

  // x | f(a, b) is f(x, a, b).
  ExprPtr ParsePipe() {
    const Nested nested(*this, Peek().column);
    ExprPtr left = ParseOr();
    while (IsPunct("|")) {
      ++pos_;
      const Token name = Next();
      if (name.kind != Token::Kind::kIdent || IsKeyword(name.text)) {
        throw SyntaxError{name.column, "expected a function name after '|' but found " + Describe(name)};
      }
      std::vector<ExprPtr> args;
      args.push_back(std::move(left));
      if (IsPunct("(")) ParseArgs(args);
      left = MakeCall(name, std::move(args));
    }
    return left;
  }
  ExprPtr ParseOr() {
    ExprPtr left = ParseAnd();
    while (IsWord("or")) {
      const size_t column = Next().column;
      left = Binary(Op::kOr, std::move(left), ParseAnd(), column);
    }
    return left;
  }
  ExprPtr ParseAnd() {
    ExprPtr left = ParseNot();
    while (IsWord("and")) {
      const size_t column = Next().column;
      left = Binary(Op::kAnd, std::move(left), ParseNot(), column);
    }
    return left;
  }
  ExprPtr ParseNot() {
    if (IsWord("not")) {
      const Nested nested(*this, Peek().column);
      const size_t column = Next().column;
      ExprPtr e = Make(Expr::Kind::kUnary, column);
      e->op = Op::kNot;
      e->args.push_back(ParseNot());
      return e;
    }
    return ParseComparison();
  }
  ExprPtr ParseComparison() {
    ExprPtr left = ParseAdditive();
    static const std::pair<std::string_view, Op> kOps[] = {{"=", Op::kEq}, {"==", Op::kEq}, {"!=", Op::kNe},
                                                           {"<", Op::kLt}, {"<=", Op::kLe}, {">", Op::kGt},
                                                           {">=", Op::kGe}};
    for (const auto& [text, op] : kOps) {
      if (IsPunct(text)) {
        const size_t column = Next().column;
        ExprPtr right = ParseAdditive();
        for (const auto& [other, unused] : kOps) {
          if (IsPunct(other)) throw SyntaxError{Peek().column, "comparisons cannot be chained; use 'and'"};
        }
        return Binary(op, std::move(left), std::move(right), column);
      }
    }
    return left;
  }
  ExprPtr ParseAdditive() {
    ExprPtr left = ParseMultiplicative();
    while (IsPunct("+") || IsPunct("-")) {
      const Token t = Next();
      left = Binary(t.text == "+" ? Op::kAdd : Op::kSub, std::move(left), ParseMultiplicative(), t.column);
    }
    return left;
  }
  ExprPtr ParseMultiplicative() {
    ExprPtr left = ParseUnary();
    while (IsPunct("*") || IsWord("div")) {
      const Token t = Next();
      left = Binary(t.text == "*" ? Op::kMul : Op::kDiv, std::move(left), ParseUnary(), t.column);
    }
    return left;
  }
  ExprPtr ParseUnary() {
    if (IsPunct("-")) {
      const Nested nested(*this, Peek().column);
      const size_t column = Next().column;
      ExprPtr e = Make(Expr::Kind::kUnary, column);
      e->op = Op::kNeg;
      e->args.push_back(ParseUnary());
      return e;
    }
    return ParsePrimary();
  }

  ExprPtr ParsePrimary() {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kString) {
      ExprPtr e = Make(Expr::Kind::kLiteral, t.column);
      e->literal = Value::Text(Next().text);
      return e;
    }
    if (t.kind == Token::Kind::kNumber) {
      ExprPtr e = Make(Expr::Kind::kLiteral, t.column);
      std::optional<Decimal> d = Decimal::Parse(t.text);
      if (!d) throw SyntaxError{t.column, "'" + t.text + "' is not a number"};
      e->literal = Value::Number(*d);
      ++pos_;
      return e;
    }
    if (IsPunct("(")) {
      ++pos_;
      ExprPtr inner = ParsePipe();
      Expect(")");
      return inner;
    }
    if (t.kind == Token::Kind::kIdent && (t.text == "true" || t.text == "false" || t.text == "null")) {
      ExprPtr e = Make(Expr::Kind::kLiteral, t.column);
      if (t.text != "null") e->literal = Value::Bool(t.text == "true");
      ++pos_;
      return e;
    }
    if (t.kind == Token::Kind::kIdent && !IsKeyword(t.text) && IsPunct("(", 1)) {
      const Token name = Next();
      std::vector<ExprPtr> args;
      ParseArgs(args);
      return MakeCall(name, std::move(args));
    }
    if ((t.kind == Token::Kind::kIdent && !IsKeyword(t.text)) || IsPunct("/") || IsPunct("..")) return ParsePath();
    throw SyntaxError{t.column, "expected a value, a path or a function call but found " + Describe(t)};
  }

  void ParseArgs(std::vector<ExprPtr>& args) {
    Expect("(");
    if (IsPunct(")")) {
      ++pos_;
      return;
    }
    while (true) {
      args.push_back(ParsePipe());
      if (IsPunct(",")) {
        ++pos_;
        continue;
      }
      Expect(")");
      return;
    }
  }

  ExprPtr ParsePath() {
    ExprPtr e = Make(Expr::Kind::kPath, Peek().column);
    if (IsPunct("/")) {
      e->path.absolute = true;
      ++pos_;
    }
    while (true) {
      PathStep step;
      const Token t = Next();
      if (t.kind == Token::Kind::kPunct && t.text == "..") {
        step.parent = true;
      } else if (t.kind == Token::Kind::kIdent && !IsKeyword(t.text)) {
        step.name = t.text;
      } else {
        throw SyntaxError{t.column, "expected a segment or field name but found " + Describe(t)};
      }
      while (IsPunct("[")) {
        ++pos_;
        if (Peek().kind == Token::Kind::kNumber && IsPunct("]", 1)) {
          const Token n = Next();
          if (n.text.find('.') != std::string::npos || n.text.find_first_not_of('0') == std::string::npos ||
              n.text.size() > 9) {
            throw SyntaxError{n.column, "a position must be a whole number from 1 to 999999999"};
          }
          step.index = std::stoul(n.text);
        } else {
          step.filters.push_back(ParsePipe());
        }
        Expect("]");
      }
      e->path.steps.push_back(std::move(step));
      if (!IsPunct("/")) break;
      ++pos_;
    }
    return e;
  }

  ExprPtr MakeCall(const Token& name, std::vector<ExprPtr> args) {
    const Function* f = FindFunction(name.text);
    if (f == nullptr) throw SyntaxError{name.column, "unknown function '" + name.text + "'"};
    if (args.size() < f->min_args || args.size() > f->max_args) {
      std::string expected = std::to_string(f->min_args);
      if (f->max_args == SIZE_MAX) {
        expected = "at least " + expected;
      } else if (f->max_args != f->min_args) {
        expected += " to " + std::to_string(f->max_args);
      }
      throw SyntaxError{name.column, name.text + "() takes " + expected + " argument" +
                                         (f->min_args == 1 && f->max_args == 1 ? "" : "s") + ", not " +
                                         std::to_string(args.size())};
    }
    ExprPtr e = Make(Expr::Kind::kCall, name.column);
    e->function = f;
    if (f->first_arg != Function::FirstArg::kValue && args[0]->kind != Expr::Kind::kPath) {
      throw SyntaxError{args[0]->column,
                        name.text + "(): the first argument must be " +
                            (f->first_arg == Function::FirstArg::kPath ? "a path" : "a value map name")};
    }
    if (f->first_arg == Function::FirstArg::kValueMap) {
      const Path& p = args[0]->path;
      if (p.absolute || p.steps.size() != 1 || p.steps[0].parent || !p.steps[0].filters.empty() || p.steps[0].index) {
        throw SyntaxError{args[0]->column, name.text + "(): the first argument must be a value map name"};
      }
      e->value_map = maps_.Find(p.steps[0].name);
      if (e->value_map < 0) throw SyntaxError{args[0]->column, "unknown value map '" + p.steps[0].name + "'"};
    }
    e->args = std::move(args);
    return e;
  }

  std::vector<Token> tokens_;
  // Nesting of the recursive descent: parentheses, function arguments,
  // '-' and 'not' chains. Bounded so that no expression, however written,
  // can exhaust the stack.
  static constexpr size_t kMaxDepth = 64;
  size_t depth_ = 0;
  struct Nested {
    explicit Nested(Parser& p, size_t column) : parser(p) {
      if (++parser.depth_ > kMaxDepth) {
        throw SyntaxError{column, "the expression nests deeper than " + std::to_string(kMaxDepth) + " levels"};
      }
    }
    ~Nested() { --parser.depth_; }
    Parser& parser;
  };
  size_t pos_ = 0;
  const ValueMapResolver& maps_;
};

}  // namespace

Result<ExprPtr> ParseExpression(std::string_view text, const ValueMapResolver& maps) {
  try {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return Status::InvalidArgument("column 1: the expression is empty");
    }
    Parser parser(Lexer(text).Run(), maps);
    return parser.ParseAll();
  } catch (const SyntaxError& e) {
    return Status::InvalidArgument("column " + std::to_string(e.column) + ": " + e.what);
  }
}

}  // namespace ferry::flows
