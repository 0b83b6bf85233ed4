#pragma once
// Reading a bundle's source from disk: the user's flow files plus every
// standard flow they extend (directly or through another standard flow),
// taken from the standard flow folder.

#include <filesystem>
#include <vector>

#include "common/flows/flow_set.h"
#include "common/status.h"

namespace ferry::flows {

// Where packages install the standard flows.
inline constexpr const char* kDefaultStandardDir = "/usr/share/ferry/flows/standard";

// `source` is one YAML file or a folder of *.yaml files (not recursive).
// Extended flows are looked up as <standard_dir>/<id>.yaml and added under
// "standard/<id>.yaml". Errors name the file that could not be read.
Result<std::vector<BundleFile>> ReadBundleFiles(const std::filesystem::path& source,
                                                const std::filesystem::path& standard_dir);
// Adds to `files` every standard flow they extend, as ReadBundleFiles does
// (for a bundle that did not come from a folder, e.g. uploaded).
Status AddStandardFlows(std::vector<BundleFile>& files, const std::filesystem::path& standard_dir);

// The content hash a bundle carries and agents check: SHA-256 (hex) over
// each file's path and text, each followed by a NUL byte, in bundle order.
std::string BundleSha256(const std::vector<BundleFile>& files);

}  // namespace ferry::flows
