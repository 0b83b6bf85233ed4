// ferry-webhook-sink: a stand-alone webhook receiver for the demo and for
// manual runs. It answers every request with 200 "{}" and prints one line per
// request, so an operator can watch IDocs arrive:
//
//   received DEBMAS DOCNUM=0000000000451001 key=DEBMAS:0000100001 bytes=5123
//
// Usage: ferry-webhook-sink --port N [--log FILE]   (N = 0: kernel's choice)
// Runs until SIGTERM or SIGINT.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/webhook_sink.h"

namespace {

using ferry::testing::ReceivedRequest;
using ferry::testing::SinkResponse;
using ferry::testing::WebhookSink;

// Reads a string field; numbers are accepted too since IDoc numbers are
// sometimes sent unquoted.
std::string Field(const nlohmann::json& object, const char* name) {
  if (!object.is_object()) return "";
  auto it = object.find(name);
  if (it == object.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return "";
}

// One line per request: what an operator needs to follow an IDoc.
std::string Describe(const std::string& body) {
  nlohmann::json event = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded() || !event.is_object()) {
    return "received " + std::to_string(body.size()) + " bytes";
  }
  const nlohmann::json idoc = event.contains("idoc") ? event["idoc"] : nlohmann::json::object();
  std::string mestyp = Field(idoc, "mestyp");
  if (mestyp.empty()) mestyp = Field(event, "mestyp");
  std::string docnum = Field(idoc, "docnum");
  if (docnum.empty()) docnum = Field(event, "docnum");
  const std::string key = Field(event, "business_key");

  // bytes = size of the payload that reached the CRM, the body when absent.
  size_t bytes = body.size();
  if (auto payload = event.find("payload"); payload != event.end()) {
    bytes = payload->is_string() ? payload->get_ref<const std::string&>().size() : payload->dump().size();
  }
  std::string line = "received";
  if (!mestyp.empty()) line += " " + mestyp;
  if (!docnum.empty()) line += " DOCNUM=" + docnum;
  if (!key.empty()) line += " key=" + key;
  line += " bytes=" + std::to_string(bytes);
  // Mapped events: which flow made them and the records, one per line.
  if (auto records = event.find("records"); records != event.end() && records->is_array()) {
    line += " flow=" + Field(event, "flow") + " bundle_version=" + Field(event, "bundle_version");
    for (const auto& r : *records) {
      std::string fields = r.contains("fields") ? r["fields"].dump() : "{}";
      if (fields.size() > 160) fields = fields.substr(0, 157) + "...";
      line += "\n  " + Field(r, "action") + " " + Field(r, "object") + " " + Field(r, "key_field") + "=" +
              Field(r, "external_id") + " " + fields;
    }
  }
  return line;
}

int Usage() {
  std::cerr << "usage: ferry-webhook-sink --port N [--log FILE]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int port = -1;
  std::string log_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      char* end = nullptr;
      long value = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || value < 0 || value > 65535) return Usage();
      port = static_cast<int>(value);
    } else if (arg == "--log" && i + 1 < argc) {
      log_path = argv[++i];
    } else {
      return Usage();
    }
  }
  if (port < 0) return Usage();

  std::ofstream log;
  if (!log_path.empty()) {
    log.open(log_path, std::ios::app);
    if (!log) {
      std::cerr << "ferry-webhook-sink: cannot open " << log_path << "\n";
      return 1;
    }
  }

  // Block the stop signals before the server thread starts, so it inherits
  // the mask and sigwait below is the only place they are delivered.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    std::mutex output_mutex;  // declared first: the server thread uses it until `sink` dies
    WebhookSink sink(port);
    sink.SetResponder([&](const ReceivedRequest& request) {
      const std::string line = Describe(request.body);
      std::lock_guard<std::mutex> lock(output_mutex);
      std::cout << line << std::endl;
      if (log.is_open()) log << line << std::endl;
      return SinkResponse{200, {}, "{}", {}};
    });
    std::cout << "ferry-webhook-sink listening on " << sink.url("") << std::endl;

    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    std::cout << "ferry-webhook-sink: stopping after " << sink.Count() << " requests" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "ferry-webhook-sink: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
