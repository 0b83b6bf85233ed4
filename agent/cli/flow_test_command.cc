#include "agent/cli/flow_test_command.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "agent/sources/s4_odata/odata_page.h"
#include "common/doc/json_document.h"
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

// What a document is, for the output: an IDoc's number and types, or an
// S/4 entity's entity set and service.
struct Described {
  std::string id_name;  // "docnum" or "key"
  std::string id;
  std::string title;  // "IDoc 0000000000410001 DEBMAS/DEBMAS07"
  flows::DocumentInfo info;
};

bool PrintDocument(const flows::FlowSet& flow_set, const std::string& input, const doc::Document& document,
                   const Described& d, bool json) {
  const flows::RunResult result = flow_set.Run(document, d.info, /*explain=*/true);
  bool clean = !result.outcomes.empty();
  if (json) {
    std::string out = "{\"input\":" + JsonString(input) + ",\"" + d.id_name + "\":" + JsonString(d.id) +
                      ",\"message_type\":" + JsonString(d.info.message_type) + ",\"flows\":[";
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
        if (o.write_back) {
          const ferry::v1::WriteBack& wb = *o.write_back;
          out += ",\"write_back\":{\"connector\":" + JsonString(wb.connector()) +
                 ",\"object\":" + JsonString(wb.record().object()) +
                 ",\"key_field\":" + JsonString(wb.record().key_field()) +
                 ",\"external_id\":" + JsonString(wb.record().external_id()) +
                 ",\"number_field\":" + JsonString(wb.number_field()) +
                 ",\"message_field\":" + JsonString(wb.message_field()) + "}";
        }
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
  std::cout << input << ": " << d.title << "\n";
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
        if (o.write_back) {
          const ferry::v1::WriteBack& wb = *o.write_back;
          std::cout << "    SAP's answer goes back to " << wb.connector() << " " << wb.record().object() << " "
                    << wb.record().key_field() << "=" << wb.record().external_id();
          if (!wb.number_field().empty()) std::cout << ": the number in " << wb.number_field();
          if (!wb.message_field().empty()) std::cout << ", SAP's message in " << wb.message_field();
          std::cout << "\n";
        }
        break;
    }
  }
  for (const std::string& miss : result.not_matched) std::cout << "  not matched: " << miss << "\n";
  if (result.outcomes.empty()) std::cout << "  no flow matched\n";
  return clean;
}

// S/4 entities: one entity as the sources store it, or an OData answer
// (V2 {"d":…}, V4 {"value":…} or an entity), each entity mapped as
// SERVICE/EntitySet from the s4_odata source.
bool TestEntities(const flows::FlowSet& flow_set, const std::string& input, const std::string& body,
                  const FlowTestOptions& options) {
  const size_t slash = options.s4.find('/');
  const std::string service = options.s4.substr(0, slash);
  const std::string entity_set = options.s4.substr(slash + 1);
  const ODataEntityShape shape;  // no key needed to map
  std::vector<std::string> payloads;
  if (auto page = ParseODataPage(body, shape); page.ok()) {
    for (ODataEntity& e : page->entities) payloads.push_back(std::move(e.payload));
  } else if (auto entity = ParseODataEntity(body, shape); entity.ok()) {
    payloads.push_back(std::move(entity->payload));
  } else {
    std::cerr << input << ": " << entity.status().message() << "\n";
    return false;
  }
  bool clean = true;
  for (size_t i = 0; i < payloads.size(); ++i) {
    auto document = doc::FromJson(payloads[i], entity_set);
    if (!document.ok()) {
      std::cerr << input << ": " << document.status().message() << "\n";
      clean = false;
      continue;
    }
    const Described d{"entity", std::to_string(i + 1),
                      "S/4 entity " + std::to_string(i + 1) + " " + entity_set + " of " + service,
                      flows::DocumentInfo{"s4_odata", entity_set, service, {}}};
    clean = PrintDocument(flow_set, input, **document, d, options.json) && clean;
  }
  return clean;
}

// CRM records for down flows: each input is one record, a JSON object, as
// the control plane sends it down (the agent's down executor maps it the
// same way).
bool TestCrmRecord(const flows::FlowSet& flow_set, const std::string& input, const std::string& body,
                   const FlowTestOptions& options) {
  const size_t slash = options.crm.find('/');
  const std::string crm = options.crm.substr(0, slash);
  const std::string object = options.crm.substr(slash + 1);
  auto document = doc::FromJson(body, object);
  if (!document.ok()) {
    std::cerr << input << ": " << document.status().message() << "\n";
    return false;
  }
  const Described d{"object", object, "CRM record " + object + " of " + crm,
                    flows::DocumentInfo{"inbound", object, crm, "", true}};
  return PrintDocument(flow_set, input, **document, d, options.json);
}

}  // namespace

int RunFlowTest(const FlowTestOptions& options) {
  if (!options.s4.empty()) {
    const size_t slash = options.s4.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == options.s4.size() ||
        options.s4.find('/', slash + 1) != std::string::npos) {
      std::cerr << "ferry-agent flow test: --s4 takes SERVICE/EntitySet, e.g. API_BUSINESS_PARTNER/A_BusinessPartner\n";
      return 2;
    }
  }
  if (!options.crm.empty()) {
    const size_t slash = options.crm.find('/');
    if (!options.s4.empty() || slash == std::string::npos || slash == 0 || slash + 1 == options.crm.size() ||
        options.crm.find('/', slash + 1) != std::string::npos) {
      std::cerr << "ferry-agent flow test: --crm takes CRM/Object, e.g. salesforce/Opportunity (and not with --s4)\n";
      return 2;
    }
  }
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
    if (!options.s4.empty()) {
      clean = TestEntities(**flow_set, input, body.str(), options) && clean;
      continue;
    }
    if (!options.crm.empty()) {
      clean = TestCrmRecord(**flow_set, input, body.str(), options) && clean;
      continue;
    }
    Result<idoc::ParsedPacket> packet = idoc::ParseIdocXml(body.str());
    if (!packet.ok()) {
      std::cerr << input << ": " << packet.status().message() << "\n";
      clean = false;
      continue;
    }
    for (const idoc::ParsedIdoc& idoc : packet->idocs) {
      const idoc::ControlRecord& c = idoc.control;
      const Described d{"docnum", c.docnum, "IDoc " + c.docnum + " " + c.mestyp + "/" + c.idoctyp,
                        flows::DocumentInfo{"idoc_http", c.mestyp, c.idoctyp, c.cimtyp}};
      clean = PrintDocument(**flow_set, input, *idoc.document, d, options.json) && clean;
    }
  }
  return clean ? 0 : 1;
}

}  // namespace ferry::agent
