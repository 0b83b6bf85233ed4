#include "common/flows/json_text.h"

namespace ferry::flows {

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void AppendJsonValue(std::string& out, const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      out += "null";
      return;
    case Value::Kind::kText:
      AppendJsonString(out, v.text);
      return;
    case Value::Kind::kNumber:
      out += v.number.ToString();
      return;
    case Value::Kind::kBool:
      out += v.boolean ? "true" : "false";
      return;
    case Value::Kind::kList:
      out += '[';
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i > 0) out += ',';
        AppendJsonValue(out, v.list[i]);
      }
      out += ']';
      return;
  }
}

}  // namespace ferry::flows
