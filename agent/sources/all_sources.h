#pragma once
#include <vector>

#include "agent/sources/source.h"

namespace ferry::agent {

// Every source plug-in the agent knows, in one explicit list.
const std::vector<SourceFactory>& AllSources();

}  // namespace ferry::agent
