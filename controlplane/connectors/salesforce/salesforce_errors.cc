#include "controlplane/connectors/salesforce/salesforce_errors.h"

namespace ferry::controlplane {

std::string ErrorsText(const boost::json::value& errors) {
  if (!errors.is_array()) return {};
  std::string out;
  for (const auto& e : errors.as_array()) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    auto text = [&o](const char* key) -> std::string {
      auto it = o.find(key);
      return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
    };
    std::string code = text("errorCode");
    if (code.empty()) code = text("statusCode");
    std::string one = code + ": " + text("message");
    if (auto f = o.find("fields"); f != o.end() && f->value().is_array() && !f->value().as_array().empty()) {
      std::string fields;
      for (const auto& name : f->value().as_array()) {
        if (name.is_string()) fields += (fields.empty() ? "" : ", ") + std::string(name.as_string());
      }
      one += " (fields: " + fields + ")";
    }
    out += (out.empty() ? "" : "; ") + one;
  }
  return out;
}

std::string FirstCode(const boost::json::value& errors) {
  if (!errors.is_array() || errors.as_array().empty() || !errors.as_array()[0].is_object()) return {};
  const auto& o = errors.as_array()[0].as_object();
  for (const char* key : {"errorCode", "statusCode"}) {
    if (auto it = o.find(key); it != o.end() && it->value().is_string()) return std::string(it->value().as_string());
  }
  return {};
}

}  // namespace ferry::controlplane
