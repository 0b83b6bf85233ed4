#pragma once
// CrmSim: a ferry-crm-sim process for a test (tests/crm_sim/README.md), on a
// free loopback port, with the control API as calls: read what the
// simulated CRMs stored, inject faults and limits, expire tokens.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace ferry::testing {

class CrmSim {
 public:
  // Starts the simulator (with `extra_args`, e.g. --latency-ms 10) and
  // waits until it listens.
  explicit CrmSim(const std::filesystem::path& log_dir, std::vector<std::string> extra_args = {});
  // The same for another simulator on the shared framework (ferry-s4-sim).
  CrmSim(const std::filesystem::path& log_dir, const std::string& binary, std::vector<std::string> extra_args);
  ~CrmSim();
  CrmSim(const CrmSim&) = delete;
  CrmSim& operator=(const CrmSim&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // GET /_sim/{vendor}/{object}: the stored records with their _history.
  nlohmann::json Records(const std::string& vendor, const std::string& object) const;
  // The record whose field `field` is `value` (null when there is none).
  nlohmann::json Find(const std::string& vendor, const std::string& object, const std::string& field,
                      const std::string& value) const;
  size_t Count(const std::string& vendor, const std::string& object) const { return Records(vendor, object).size(); }
  // GET /_sim/stats.
  nlohmann::json Stats() const;
  // POST /_sim/{what} with a JSON body; throws unless it answers 2xx.
  void Control(const std::string& what, const nlohmann::json& body) const;

  Process& process() { return process_; }
  std::string Log() const;

 private:
  std::filesystem::path log_;
  Process process_;
  int port_ = 0;
};

}  // namespace ferry::testing
