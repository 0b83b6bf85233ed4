#pragma once
// FlowSetup: what makes a test Pipeline distribute flow bundles: a signing
// key pair, the control plane's and agents' flows sections, and deploying a
// bundle then waiting until an agent runs it.

#include <filesystem>
#include <string>

#include "tests/integration/pipeline.h"

namespace ferry::testing {

// A flow whose value map lacks a country: customers from there are record
// errors (the agent cannot map them). `countries` is the map's content,
// e.g. R"("DE": "Germany")"; the records go to `connector`, keyed by
// `key_field`, the mapped country in `country_field`.
std::string CountryFlow(const std::string& countries, const std::string& connector = "webhook",
                        const std::string& key_field = "CustomerNumber", const std::string& country_field = "Country");

class FlowSetup {
 public:
  // Writes cp.key and cp.key.pub into `dir`.
  explicit FlowSetup(const std::filesystem::path& dir);

  // Adds the flows sections to both configurations.
  void Apply(PipelineOptions& options) const;
  // The agent's flows section (for extra agents).
  std::string AgentYaml() const;
  const std::filesystem::path& private_key() const { return private_key_; }
  const std::filesystem::path& public_key() const { return public_key_; }

  // `ferry-controlplane flows <args>`; throws unless it exits 0 (a test
  // reports the exception as its failure).
  static std::string Cli(Pipeline& p, const std::string& args);
  // The bundle version an agent reports running (0: none or unknown).
  static uint64_t RunningVersion(Pipeline& p, const std::string& agent_id);
  // Deploys `bundle` (the repository's standard flows available to extend)
  // and waits until `agent_id` runs its version; returns that version.
  static uint64_t DeployAndWait(Pipeline& p, const std::filesystem::path& bundle, const std::string& agent_id,
                                const std::string& extra_args = "");
  // The same for a bundle of one flow file written from `yaml` into `dir`.
  static uint64_t DeployFlowAndWait(Pipeline& p, const std::filesystem::path& dir, const std::string& yaml,
                                    const std::string& agent_id);

 private:
  std::filesystem::path private_key_;
  std::filesystem::path public_key_;
};

}  // namespace ferry::testing
