#pragma once
// Helpers that derive test IDocs from the fixtures: a fixture with another
// IDoc number or customer number is a distinct IDoc for the agent.

#include <string>

namespace ferry::testing {

// Replaces the text of the first <TAG>...</TAG> element.
std::string ReplaceElement(const std::string& xml, const std::string& tag, const std::string& value);
// 16-digit zero-padded IDoc number.
std::string Docnum(uint64_t n);

}  // namespace ferry::testing
