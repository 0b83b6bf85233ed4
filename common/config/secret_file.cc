#include "common/config/secret_file.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ferry::config {

Result<std::string> ReadSecretFile(const std::filesystem::path& given) {
  std::filesystem::path file = given;
  constexpr std::string_view kCredential = "credential:";
  if (const std::string text = given.string(); text.rfind(kCredential, 0) == 0) {
    const std::string name = text.substr(kCredential.size());
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (dir == nullptr || *dir == '\0') {
      return Status::NotFound("'" + text + "': no systemd credentials here (CREDENTIALS_DIRECTORY is not set)");
    }
    if (name.empty() || name.find('/') != std::string::npos) {
      return Status::InvalidArgument("'" + text + "': a credential name has no '/'");
    }
    file = std::filesystem::path(dir) / name;
  }
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
