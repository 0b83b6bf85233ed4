#include "tests/support/crm_sim.h"

#include <stdexcept>

#include "tests/support/http_client.h"
#include "tests/support/wait.h"

namespace ferry::testing {

CrmSim::CrmSim(const std::filesystem::path& log_dir, std::vector<std::string> extra_args)
    : CrmSim(log_dir, FERRY_CRM_SIM_BIN, std::move(extra_args)) {}

CrmSim::CrmSim(const std::filesystem::path& log_dir, const std::string& binary, std::vector<std::string> extra_args)
    : log_(log_dir / (std::filesystem::path(binary).filename().string() + ".log")) {
  std::vector<std::string> argv = {binary, "--port", "0"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = Process::Start(argv, log_);
  const bool up = WaitUntil(
      [&] {
        const std::string log = ReadFile(log_);
        const size_t at = log.find("listening on 127.0.0.1:");
        if (at == std::string::npos) return !process_.Running();
        port_ = std::atoi(log.c_str() + at + 23);
        return port_ > 0;
      },
      std::chrono::seconds(10));
  if (!up || port_ == 0) throw std::runtime_error("ferry-crm-sim did not start; log:\n" + ReadFile(log_));
}

CrmSim::~CrmSim() { process_.Kill9(); }

nlohmann::json CrmSim::Records(const std::string& vendor, const std::string& object) const {
  HttpResponse res = HttpRequest("GET", port_, "/_sim/" + vendor + "/" + object, "", {});
  if (res.status != 200) throw std::runtime_error("GET /_sim/" + vendor + "/" + object + ": " + res.body);
  return nlohmann::json::parse(res.body);
}

nlohmann::json CrmSim::Find(const std::string& vendor, const std::string& object, const std::string& field,
                            const std::string& value) const {
  for (const nlohmann::json& r : Records(vendor, object)) {
    if (r.value("fields", nlohmann::json::object()).value(field, "") == value) return r;
  }
  return nullptr;
}

nlohmann::json CrmSim::Stats() const {
  HttpResponse res = HttpRequest("GET", port_, "/_sim/stats", "", {});
  if (res.status != 200) throw std::runtime_error("GET /_sim/stats: " + res.body);
  return nlohmann::json::parse(res.body);
}

void CrmSim::Control(const std::string& what, const nlohmann::json& body) const {
  HttpResponse res = HttpRequest("POST", port_, "/_sim/" + what, body.dump(), {{"Content-Type", "application/json"}});
  if (res.status < 200 || res.status >= 300) {
    throw std::runtime_error("POST /_sim/" + what + " " + body.dump() + ": HTTP " + std::to_string(res.status) + " " +
                             res.body);
  }
}

std::string CrmSim::Log() const { return ReadFile(log_); }

}  // namespace ferry::testing
