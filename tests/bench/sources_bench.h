#pragma once
// The SAP sources' figures: entities per second the S/4 OData poller reads
// from ferry-s4-sim with 1,000-entity pages, and files per second through
// the IDoc file port, each up to its commit in the agent's outbox.

#include <filesystem>
#include <map>
#include <string>

namespace ferry::testing::bench {

struct SourcesPlan {
  int entities;  // seeded into the S/4 simulator
  int files;     // dropped into the port folder
};

// Adds s4_poll_per_s, s4_entity_bytes, s4_sim_raw_per_s (the simulator's
// pages read by a client that drops them), file_port_per_s and file_bytes
// to `out`.
void MeasureSources(const SourcesPlan& plan, const std::string& idoc_xml, const std::filesystem::path& scratch,
                    std::map<std::string, double>& out);

}  // namespace ferry::testing::bench
