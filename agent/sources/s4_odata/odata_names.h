#pragma once
// The names OData puts in URLs: what a configuration may name and a request
// may carry without escaping.

#include <string>

namespace ferry::agent {

// An OData name (entity set, field, navigation): letters, digits and '_',
// at most 128 of them.
bool IsODataName(const std::string& s);
// Navigation names joined by '/', as $expand takes them
// (to_Customer/to_CustomerSalesArea).
bool IsNavigationPath(const std::string& s);

}  // namespace ferry::agent
