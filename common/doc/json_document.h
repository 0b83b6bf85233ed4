#pragma once
// JSON to Document (document.h): object members become children named by
// their key, an array becomes repeated children with the member's name, and
// scalars become values (numbers as written, true/false, null as empty).
// The root is named `root_name`; a top-level array gives repeated children
// named "item".

#include <memory>
#include <string_view>

#include "common/doc/document.h"
#include "common/status.h"

namespace ferry::doc {

// InvalidArgument "JSON error at byte N: ..." for malformed input; nesting
// deeper than 64 levels is refused.
Result<std::shared_ptr<const Document>> FromJson(std::string_view json, std::string_view root_name = "root");

}  // namespace ferry::doc
