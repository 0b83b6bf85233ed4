#pragma once
#include <vector>

#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

// Every connector plug-in the control plane knows, in one explicit list.
const std::vector<ConnectorFactory>& AllConnectors();

}  // namespace ferry::controlplane
