#pragma once
#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <vector>

#include "controlplane/alerts/alert_channel.h"
#include "controlplane/alerts/alerts_config.h"

namespace ferry::controlplane {

// Every channel the `alerts:` settings configure, in one explicit list:
// each webhook by name, then e-mail.
std::vector<std::unique_ptr<AlertChannel>> BuildAlertChannels(boost::asio::any_io_executor executor,
                                                              const AlertsOptions& options);

}  // namespace ferry::controlplane
