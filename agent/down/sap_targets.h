#pragma once
// The SAP targets the agent's `down:` section configures, by the name down
// flows give as target.connector; the one list of them (sap_targets.cc).

#include <boost/asio/any_io_executor.hpp>

#include <map>
#include <memory>
#include <string>

#include "agent/down/down_config.h"
#include "agent/down/sap_target.h"

namespace ferry::agent {

using SapTargets = std::map<std::string, std::unique_ptr<SapTarget>>;

SapTargets MakeSapTargets(boost::asio::any_io_executor executor, const DownConfig& config);

}  // namespace ferry::agent
