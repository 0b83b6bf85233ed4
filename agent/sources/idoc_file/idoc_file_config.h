#pragma once
// Configuration of the IDoc file port source (SAP port type "File", WE21).
//
//   sources:
//     idoc_file:
//       directory: /srv/sap/idoc-out   # the port's outbound directory
//       include: ["*"]                 # file name patterns taken (fnmatch);
//                                      # names starting with "." and *.tmp
//                                      # never are
//       ready: settled                 # settled: a file is complete once its size
//                                      # and time stay the same for `settle`;
//                                      # marker: once NAME<marker_suffix> exists
//       settle: 3s
//       marker_suffix: .ok
//       poll_interval: 1s
//       after: archive                 # or delete, once the IDocs are committed
//       archive_directory: <directory>/archive
//       error_directory: <directory>/error   # refused files, with NAME.error
//       segment_catalog: /etc/ferry/idoc-catalog   # WE60 XML schemas (.xsd);
//                                                  # needed for flat files only
//       encoding: utf-8                # of flat files: utf-8 or iso-8859-1
//       max_file_size: 64MiB           # larger files are refused
//       max_depth: 100                 # segment nesting, as for idoc_http

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "agent/sources/source.h"
#include "common/idoc/segment_catalog.h"

namespace ferry::agent {

struct IdocFileConfig {
  enum class Ready { kSettled, kMarker };
  enum class After { kArchive, kDelete };

  std::filesystem::path directory;
  std::vector<std::string> include{"*"};
  Ready ready = Ready::kSettled;
  std::chrono::milliseconds settle{3000};
  std::string marker_suffix = ".ok";
  std::chrono::milliseconds poll_interval{1000};
  After after = After::kArchive;
  std::filesystem::path archive_directory;  // default: directory/archive
  std::filesystem::path error_directory;    // default: directory/error
  // Null when none is configured: flat files are then refused.
  std::shared_ptr<const idoc::SegmentCatalog> catalog;
  std::filesystem::path catalog_path;
  bool latin1 = false;
  uint64_t max_file_bytes = 64u << 20;
  size_t max_depth = 100;
};

SourceFactory IdocFileSourceFactory();

}  // namespace ferry::agent
