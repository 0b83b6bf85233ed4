#include "agent/sources/idoc_file/idoc_file_config.h"

#include "agent/sources/idoc_file/idoc_file_source.h"

namespace ferry::agent {
namespace {

std::unique_ptr<SourceBuilder> ParseIdocFile(config::ConfigNode node) {
  IdocFileConfig c;
  c.directory = node.RequiredString("directory");
  if (!c.directory.empty() && !std::filesystem::is_directory(c.directory)) {
    node.Error("directory", "'" + c.directory.string() + "' is not a directory");
  }
  if (node.Has("include")) {
    c.include = node.StringList("include");
    if (c.include.empty()) node.Error("include", "must name at least one pattern");
  }
  const std::string ready = node.String("ready", "settled");
  if (ready == "marker") {
    c.ready = IdocFileConfig::Ready::kMarker;
  } else if (ready != "settled") {
    node.Error("ready", "must be settled or marker, got '" + ready + "'");
  }
  c.settle = node.Duration("settle", c.settle);
  c.marker_suffix = node.String("marker_suffix", c.marker_suffix);
  if (c.marker_suffix.empty() || c.marker_suffix.find('/') != std::string::npos) {
    node.Error("marker_suffix", "must be a file name ending such as .ok");
  }
  c.poll_interval = node.Duration("poll_interval", c.poll_interval);
  if (c.poll_interval < std::chrono::milliseconds(50)) node.Error("poll_interval", "must be at least 50ms");
  const std::string after = node.String("after", "archive");
  if (after == "delete") {
    c.after = IdocFileConfig::After::kDelete;
  } else if (after != "archive") {
    node.Error("after", "must be archive or delete, got '" + after + "'");
  }
  c.archive_directory = node.String("archive_directory", (c.directory / "archive").string());
  c.error_directory = node.String("error_directory", (c.directory / "error").string());
  c.catalog_path = node.String("segment_catalog", "");
  if (!c.catalog_path.empty()) {
    auto loaded = idoc::SegmentCatalog::Load(c.catalog_path);
    if (loaded.ok()) {
      c.catalog = std::make_shared<const idoc::SegmentCatalog>(std::move(loaded).value());
    } else {
      node.Error("segment_catalog", loaded.status().message());
    }
  }
  const std::string encoding = node.String("encoding", "utf-8");
  if (encoding == "iso-8859-1" || encoding == "latin1") {
    c.latin1 = true;
  } else if (encoding != "utf-8") {
    node.Error("encoding", "must be utf-8 or iso-8859-1, got '" + encoding + "'");
  }
  c.max_file_bytes = node.Bytes("max_file_size", c.max_file_bytes);
  if (c.max_file_bytes < 1024) node.Error("max_file_size", "must be at least 1KiB");
  c.max_depth = static_cast<size_t>(node.Int("max_depth", static_cast<int64_t>(c.max_depth), 8, 10000));
  return std::make_unique<ConfigSourceBuilder<IdocFileSource, IdocFileConfig>>(std::move(c));
}

}  // namespace

SourceFactory IdocFileSourceFactory() { return {"idoc_file", &ParseIdocFile}; }

}  // namespace ferry::agent
