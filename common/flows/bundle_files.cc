#include "common/flows/bundle_files.h"

#include "common/crypto/ed25519.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace ferry::flows {
namespace {

Result<std::string> ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path.string() + ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The ids the flows in `file` extend (empty when it does not parse: the
// compiler reports that with its line).
std::vector<std::string> ExtendedIds(const BundleFile& file) {
  std::vector<std::string> ids;
  Result<std::vector<FlowSpec>> specs = LoadFlowSpecs(file.text, file.path);
  if (!specs.ok()) return ids;
  for (const FlowSpec& spec : *specs) {
    if (spec.extends) ids.push_back(*spec.extends);
  }
  return ids;
}

}  // namespace

Result<std::vector<BundleFile>> ReadBundleFiles(const std::filesystem::path& source,
                                                const std::filesystem::path& standard_dir) {
  std::vector<std::filesystem::path> paths;
  std::error_code ec;
  if (std::filesystem::is_directory(source, ec)) {
    for (const auto& entry : std::filesystem::directory_iterator(source, ec)) {
      const std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) paths.push_back(entry.path());
    }
    if (ec) return Status::Unavailable(source.string() + ": " + ec.message());
    std::sort(paths.begin(), paths.end());
    if (paths.empty()) return Status::InvalidArgument(source.string() + ": no *.yaml flow files in the folder");
  } else {
    paths.push_back(source);
  }

  std::vector<BundleFile> files;
  for (const auto& path : paths) {
    Result<std::string> text = ReadText(path);
    if (!text.ok()) return text.status();
    files.push_back({path.filename().string(), std::move(text).value()});
  }
  if (Status s = AddStandardFlows(files, standard_dir); !s.ok()) return s;
  return files;
}

Status AddStandardFlows(std::vector<BundleFile>& files, const std::filesystem::path& standard_dir) {
  // Breadth-first over `extends`, so a standard flow that extends another
  // brings its base along.
  std::set<std::string> added;
  for (size_t i = 0; i < files.size(); ++i) {
    for (const std::string& id : ExtendedIds(files[i])) {
      if (!added.insert(id).second) continue;
      if (id.find('/') != std::string::npos || id.find("..") != std::string::npos) continue;
      const std::filesystem::path path = standard_dir / (id + ".yaml");
      if (!std::filesystem::exists(path)) continue;  // the compiler names the missing flow
      Result<std::string> text = ReadText(path);
      if (!text.ok()) return text.status();
      files.push_back({"standard/" + id + ".yaml", std::move(text).value()});
    }
  }
  return Status::Ok();
}

std::string BundleSha256(const std::vector<BundleFile>& files) {
  std::string data;
  for (const auto& file : files) {
    data += file.path;
    data += '\0';
    data += file.text;
    data += '\0';
  }
  return crypto::Sha256Hex(data);
}

}  // namespace ferry::flows
