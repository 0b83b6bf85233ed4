#pragma once
// Reading a secret (a password, a client secret) from its own file. The
// value is never part of a message. Connectors read it again at each token
// request, so a rotated secret takes effect without a restart.

#include <filesystem>
#include <string>

#include "common/status.h"

namespace ferry::config {

// The file's content without trailing newlines. NotFound when it cannot be
// read, InvalidArgument when it is empty.
//
// "credential:NAME" names a systemd credential instead of a path: the file
// NAME in $CREDENTIALS_DIRECTORY (LoadCredential= / LoadCredentialEncrypted=
// in the unit), which only the service can read.
Result<std::string> ReadSecretFile(const std::filesystem::path& file);

}  // namespace ferry::config
