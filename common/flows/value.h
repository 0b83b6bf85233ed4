#pragma once
// Value: what a flow expression evaluates to. Text comes from documents,
// numbers only from decimal(), arithmetic and literals, so a customer number
// such as 0000100001 stays text unless a flow asks for a number.

#include <string>
#include <vector>

#include "common/flows/decimal.h"

namespace ferry::flows {

struct Value {
  enum class Kind : uint8_t { kNull, kText, kNumber, kBool, kList };
  Kind kind = Kind::kNull;
  std::string text;
  Decimal number;
  bool boolean = false;
  std::vector<Value> list;

  static Value Null() { return {}; }
  static Value Text(std::string s) {
    Value v;
    v.kind = Kind::kText;
    v.text = std::move(s);
    return v;
  }
  static Value Number(Decimal d) {
    Value v;
    v.kind = Kind::kNumber;
    v.number = d;
    return v;
  }
  static Value Bool(bool b) {
    Value v;
    v.kind = Kind::kBool;
    v.boolean = b;
    return v;
  }

  bool is_null() const { return kind == Kind::kNull; }
  // Null, and text that is empty or all blanks: what SAP means by "not set".
  bool is_blank() const {
    if (kind == Kind::kNull) return true;
    if (kind != Kind::kText) return false;
    return text.find_first_not_of(' ') == std::string::npos;
  }
};

// Thrown by evaluation for a record error (unmapped value, bad date, ...);
// caught where the record is built and turned into a dead-letter reason.
struct EvalError {
  std::string message;
};

}  // namespace ferry::flows
