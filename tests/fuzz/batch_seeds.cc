// Writes seed inputs for batch_decode_fuzz into the folder given as
// argv[1]: batches as the agent's encoder makes them, plain and zstd, and one
// with an event that only decodes as a stand-in. Built with the fuzz
// targets; run.sh calls it, so no binary files live in the repository.

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "common/wire/batch_codec.h"

namespace {

std::string SampleEvent(int n) {
  ferry::v1::Event e;
  e.set_event_id("0190c3a4-7b1e-7cde-8f00-00000000000" + std::to_string(n));
  e.set_agent_id("agent-1");
  e.set_source("idoc-http");
  e.set_business_key("DEBMAS:100001");
  e.set_dedup_key("100/S4HCLNT100/00000000004100" + std::to_string(n));
  e.set_content_type("application/xml; charset=utf-8");
  e.set_payload("<?xml version=\"1.0\"?><DEBMAS05><IDOC><EDI_DC40><DOCNUM>1</DOCNUM></EDI_DC40></IDOC></DEBMAS05>");
  auto* r = e.add_records();
  r->set_record("account");
  r->set_object("Account");
  r->set_external_id("100001");
  r->set_fields_json("{\"Name\":\"Nordwind\"}");
  return e.SerializeAsString();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: batch_seeds DIR\n";
    return 2;
  }
  const std::vector<std::string> events{SampleEvent(1), SampleEvent(2), SampleEvent(3)};
  // business_key is a string field: invalid UTF-8 there makes a stand-in.
  ferry::v1::EventEnvelope bad;
  bad.set_event_id("0190c3a4-7b1e-7cde-8f00-000000000004");
  bad.set_business_key("DEBMAS:\xff");
  const std::string bad_bytes = bad.SerializeAsString();

  using ferry::wire::StoredEvent;
  const std::vector<StoredEvent> plain{{1, events[0]}, {2, events[1]}, {5, events[2]}};
  const std::vector<StoredEvent> mixed{{7, events[0]}, {8, bad_bytes}};
  const struct {
    const char* name;
    std::string bytes;
  } seeds[] = {
      {"plain.bin", ferry::wire::EncodeBatch("agent-1", 1, plain, {false, 0, 1})},
      {"zstd.bin", ferry::wire::EncodeBatch("agent-1", 2, plain, {true, 0, 1})},
      {"standin.bin", ferry::wire::EncodeBatch("agent-1", 3, mixed, {false, 0, 1})},
  };
  for (const auto& seed : seeds) {
    std::ofstream(std::string(argv[1]) + "/" + seed.name, std::ios::binary) << seed.bytes;
  }
  return 0;
}
