#pragma once
// Flow bundles and their rollout in the console's API (docs/api.md,
// "Flows"):
//
//   GET  /api/v1/flows/bundles?before=&limit=      versions, newest first
//   GET  /api/v1/flows/bundles/V                    one version with its files
//   GET  /api/v1/flows/bundles/V/diff?against=W|standard
//                                                   what each flow changes
//   POST /api/v1/flows/bundles                      upload a bundle (operators)
//   GET  /api/v1/flows/deployments?before=&limit=   deployments with their rollout
//   POST /api/v1/flows/deployments                  deploy a version to a selector
//                                                   (operators; a rollback is a
//                                                   deployment of an older one)
//   GET  /api/v1/flows/deployments/SEQ/rollout      each agent it reaches
//
// The writes are synchronous store transactions: the console runs them
// off the event loop (StoreBundle, StoreDeployment) and audits them.

#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/http/http_server.h"
#include "common/status.h"
#include "controlplane/flows/bundle_registry.h"

namespace ferry::controlplane {

// Reads: `rest` is what follows "/api/v1/flows/".
http::Response FlowsRead(const http::Request& req, std::string_view rest, std::string_view query,
                         const BundleRegistry& registry);

// POST /api/v1/flows/bundles: {"files":[{"path","text"}],"comment"}. The
// standard flows the files extend are added from `standard_dir`; the
// bundle must compile. InvalidArgument (a 400) says why not.
Result<boost::json::object> StoreBundle(const std::string& body, const std::filesystem::path& standard_dir,
                                        BundleRegistry& registry);
// POST /api/v1/flows/deployments: {"version","selector":{k:v},"comment"}.
// InvalidArgument for a bad body, NotFound for an unknown version.
Result<boost::json::object> StoreDeployment(const std::string& body, BundleRegistry& registry);

// A number for the console's live updates: changes when a bundle, a
// deployment or an agent's reported flow status changes.
Result<uint64_t> FlowsFingerprint(const BundleRegistry& registry);

}  // namespace ferry::controlplane
