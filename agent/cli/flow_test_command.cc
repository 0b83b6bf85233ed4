#include "agent/cli/flow_test_command.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "common/flows/bundle_files.h"
#include "common/flows/flow_set.h"
#include "common/idoc/idoc_xml.h"

namespace ferry::agent {
namespace {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

bool PrintIdoc(const flows::FlowSet& flow_set, const std::string& input, const idoc::ParsedIdoc& idoc, bool json) {
  const idoc::ControlRecord& c = idoc.control;
  const flows::DocumentInfo info{"idoc_http", c.mestyp, c.idoctyp, c.cimtyp};
  const flows::RunResult result = flow_set.Run(*idoc.document, info, /*explain=*/true);
  bool clean = !result.outcomes.empty();
  if (json) {
    std::string out = "{\"input\":" + JsonString(input) + ",\"docnum\":" + JsonString(c.docnum) +
                      ",\"message_type\":" + JsonString(c.mestyp) + ",\"flows\":[";
    for (size_t i = 0; i < result.outcomes.size(); ++i) {
      const flows::FlowOutcome& o = result.outcomes[i];
      if (i > 0) out += ',';
      out += "{\"flow\":" + JsonString(o.flow->id);
      if (o.kind == flows::FlowOutcome::Kind::kDropped) out += ",\"dropped\":true";
      if (o.kind == flows::FlowOutcome::Kind::kError) {
        out += ",\"error\":" + JsonString(o.error);
        clean = false;
      }
      if (o.kind == flows::FlowOutcome::Kind::kMapped) {
        out += ",\"records\":[";
        bool first = true;
        for (const auto& [connector, records] : o.by_connector) {
          for (const auto& r : records) {
            if (!first) out += ',';
            first = false;
            out += flows::RecordJson(r, connector == o.flow->connector ? "" : connector);
          }
        }
        out += "]";
      }
      out += "}";
    }
    out += "],\"not_matched\":[";
    for (size_t i = 0; i < result.not_matched.size(); ++i) {
      out += (i > 0 ? "," : "") + JsonString(result.not_matched[i]);
    }
    std::cout << out << "]}\n";
    return clean;
  }
  std::cout << input << ": IDoc " << c.docnum << " " << c.mestyp << "/" << c.idoctyp << "\n";
  for (const flows::FlowOutcome& o : result.outcomes) {
    switch (o.kind) {
      case flows::FlowOutcome::Kind::kDropped:
        std::cout << "  flow " << o.flow->id << ": dropped by drop_when\n";
        break;
      case flows::FlowOutcome::Kind::kError:
        std::cout << "  ERROR " << o.error << "\n";
        clean = false;
        break;
      case flows::FlowOutcome::Kind::kMapped:
        for (const auto& [connector, records] : o.by_connector) {
          std::cout << "  flow " << o.flow->id << " (revision " << o.flow->revision << ") -> " << connector << ": "
                    << records.size() << " record(s)\n";
          for (const auto& r : records) std::cout << "    " << flows::RecordJson(r) << "\n";
        }
        if (o.by_connector.empty()) std::cout << "  flow " << o.flow->id << ": matched, no records\n";
        break;
    }
  }
  for (const std::string& miss : result.not_matched) std::cout << "  not matched: " << miss << "\n";
  if (result.outcomes.empty()) std::cout << "  no flow matched\n";
  return clean;
}

}  // namespace

int RunFlowTest(const FlowTestOptions& options) {
  Result<std::vector<flows::BundleFile>> files = flows::ReadBundleFiles(options.bundle, options.standard_dir);
  if (!files.ok()) {
    std::cerr << "ferry-agent flow test: " << files.status().message() << "\n";
    return 2;
  }
  Result<std::shared_ptr<const flows::FlowSet>> flow_set = flows::FlowSet::Compile(*files);
  if (!flow_set.ok()) {
    std::cerr << "ferry-agent flow test: the bundle does not compile:\n" << flow_set.status().message() << "\n";
    return 2;
  }
  if (!options.json) {
    std::cout << "bundle " << options.bundle << ": " << (*flow_set)->flows().size() << " flow(s)\n";
  }
  bool clean = true;
  for (const std::string& input : options.inputs) {
    std::ifstream in(input, std::ios::binary);
    if (!in) {
      std::cerr << input << ": cannot read the file\n";
      clean = false;
      continue;
    }
    std::ostringstream body;
    body << in.rdbuf();
    Result<idoc::ParsedPacket> packet = idoc::ParseIdocXml(body.str());
    if (!packet.ok()) {
      std::cerr << input << ": " << packet.status().message() << "\n";
      clean = false;
      continue;
    }
    for (const idoc::ParsedIdoc& idoc : packet->idocs)
      clean = PrintIdoc(**flow_set, input, idoc, options.json) && clean;
  }
  return clean ? 0 : 1;
}

}  // namespace ferry::agent
