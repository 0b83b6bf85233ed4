#include "common/config/secret_file.h"

#include <fstream>
#include <sstream>

namespace ferry::config {

Result<std::string> ReadSecretFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::NotFound("cannot read secret file '" + file.string() + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string value = ss.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) return Status::InvalidArgument("secret file '" + file.string() + "' is empty");
  return value;
}

}  // namespace ferry::config
