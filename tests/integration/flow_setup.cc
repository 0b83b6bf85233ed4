#include "tests/integration/flow_setup.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "common/crypto/ed25519.h"
#include "tests/support/wait.h"

namespace ferry::testing {

FlowSetup::FlowSetup(const std::filesystem::path& dir) : private_key_(dir / "cp.key"), public_key_(dir / "cp.key.pub") {
  auto key = crypto::SigningKey::Generate();
  if (!key.ok() || !key->WritePrivatePemFile(private_key_).ok()) throw std::runtime_error("cannot write a signing key");
  WriteFile(public_key_, key->PublicKeyPem());
}

void FlowSetup::Apply(PipelineOptions& options) const {
  options.cp_extra_yaml += "flows:\n  signing_key_file: " + private_key_.string() +
                           "\n  poll_interval: 200ms\n  standard_dir: " + FERRY_STANDARD_FLOWS_DIR + "\n";
  options.agent_extra_yaml += AgentYaml();
}

std::string FlowSetup::AgentYaml() const { return "flows:\n  trusted_key_file: " + public_key_.string() + "\n"; }

std::string FlowSetup::Cli(Pipeline& p, const std::string& args) {
  int code = -1;
  std::string out = p.RunControlPlaneCli("flows " + args, &code);
  if (code != 0) throw std::runtime_error("flows " + args + " exited " + std::to_string(code) + ":\n" + out);
  return out;
}

uint64_t FlowSetup::RunningVersion(Pipeline& p, const std::string& agent_id) {
  int code = -1;
  const std::string out = p.RunControlPlaneCli("flows status --json", &code);
  if (code != 0) return 0;
  for (const nlohmann::json& a : nlohmann::json::parse(out, nullptr, false)) {
    if (a.value("agent_id", "") == agent_id) return a.value("running_version", uint64_t{0});
  }
  return 0;
}

uint64_t FlowSetup::DeployAndWait(Pipeline& p, const std::filesystem::path& bundle, const std::string& agent_id,
                                  const std::string& extra_args) {
  const std::string out = Cli(p, "deploy --bundle " + bundle.string() + " --standard " +
                                     std::string(FERRY_STANDARD_FLOWS_DIR) + " " + extra_args);
  const size_t at = out.find("bundle version ");
  const uint64_t version = at == std::string::npos ? 0 : std::stoull(out.substr(at + 15));
  if (version == 0) throw std::runtime_error("flows deploy printed no version:\n" + out);
  const bool running = WaitUntil([&] { return RunningVersion(p, agent_id) == version; }, std::chrono::seconds(20));
  if (!running)
    throw std::runtime_error("agent " + agent_id + " does not run version " + std::to_string(version) + ":\n" +
                             p.RunControlPlaneCli("flows status"));
  return version;
}

uint64_t FlowSetup::DeployFlowAndWait(Pipeline& p, const std::filesystem::path& dir, const std::string& yaml,
                                      const std::string& agent_id) {
  std::filesystem::create_directories(dir);
  WriteFile(dir / "flow.yaml", yaml);
  return DeployAndWait(p, dir, agent_id);
}

std::string CountryFlow(const std::string& countries, const std::string& connector, const std::string& key_field,
                        const std::string& country_field) {
  return "flow: customers\nmatch: { message_type: DEBMAS }\ntarget: { connector: " + connector +
         " }\nvalue_maps:\n  country:\n    unmapped: error\n    values: { " + countries +
         " }\nrecords:\n  - name: account\n    object: Account\n    for_each: E1KNA1M\n"
         "    external_id: strip_zeros(KUNNR)\n    key_field: " +
         key_field + "\n    fields:\n      Name: NAME1\n      " + country_field + ": map(country, LAND1)\n";
}

}  // namespace ferry::testing
