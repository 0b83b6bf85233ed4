#pragma once
// The CLIs run as root (sudo) read the daemons' stores, which live in
// folders the service user owns and could fill with symlinks. Root becomes
// that user first, for good, so it never opens a file there with root's
// rights.

#include <filesystem>

#include "common/status.h"

namespace ferry::app {

// As root: become the user and group owning `folder` (a folder root owns,
// or one that does not exist, changes nothing). Otherwise a no-op.
Status BecomeOwnerOf(const std::filesystem::path& folder);

}  // namespace ferry::app
