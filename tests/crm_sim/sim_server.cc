#include "tests/crm_sim/sim_server.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <iostream>

#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

http::Response ControlError(const http::Request& req, int status, const std::string& message) {
  return JsonResponse(req, status, json::object{{"error", message}});
}

void LogLine(std::string_view who, const http::Request& req, int status) {
  std::cout << who << ' ' << req.method_string() << ' ' << PathOf(req.target()) << ' ' << status << std::endl;
}

}  // namespace

SimServer::SimServer(asio::any_io_executor executor, SimOptions options,
                     std::vector<std::unique_ptr<VendorSim>> vendors)
    : executor_(std::move(executor)), options_(std::move(options)), vendors_(std::move(vendors)) {
  for (auto& vendor : vendors_) vendor->state().set_latency_ms(options_.latency_ms);
}

Status SimServer::Start() {
  http::HttpServerOptions server_options;
  server_options.host = options_.host;
  server_options.port = options_.port;
  server_options.max_body_bytes = 64 << 20;  // a $batch of 1000 operations fits with room
  server_options.server_name = "ferry-crm-sim";
  server_ = http::HttpServer::Create(
      executor_, server_options, [this](http::Request& req, const boost::asio::ip::address&) { return Serve(req); });
  return server_->Listen();
}

void SimServer::Stop() {
  if (server_) server_->Stop();
}

VendorSim* SimServer::FindVendor(std::string_view name) {
  for (auto& vendor : vendors_) {
    if (vendor->name() == name) return vendor.get();
  }
  return nullptr;
}

asio::awaitable<http::Response> SimServer::Serve(http::Request& req) {
  const std::string_view path = PathOf(req.target());
  if (path == "/_sim" || path.substr(0, 6) == "/_sim/") {
    http::Response res = Control(req, path);
    LogLine("_sim", req, res.result_int());
    co_return res;
  }
  VendorSim* vendor = nullptr;
  for (auto& v : vendors_) {
    if (v->Claims(path)) {
      vendor = v.get();
      break;
    }
  }
  if (!vendor) {
    http::Response res = ControlError(req, 404, "no simulated service answers " + std::string(path));
    LogLine("-", req, 404);
    co_return res;
  }
  if (const int latency = vendor->state().latency_ms(); latency > 0) {
    asio::steady_timer timer(executor_, std::chrono::milliseconds(latency));
    co_await timer.async_wait(asio::use_awaitable);
  }
  vendor->state().NoteRequest(SteadyMs());
  http::Response res = Dispatch(req, *vendor);
  const int status = static_cast<int>(res.result_int());
  if (auto after = res.find(http::beast_http::field::retry_after);
      after != res.end() && (status == 429 || status == 503)) {
    vendor->state().NoteRetryAfter(SteadyMs(), std::atoi(std::string(after->value()).c_str()));
  }
  vendor->state().CountResponse(status);
  LogLine(vendor->name(), req, res.result_int());
  co_return res;
}

http::Response SimServer::Dispatch(const http::Request& req, VendorSim& vendor) {
  try {
    if (auto fault = vendor.state().TakeFault(req.method_string(), PathOf(req.target()))) {
      if (fault->after) (void)vendor.Handle(req, ContextOf(req));  // done, but the answer is lost
      return vendor.FaultResponse(req, *fault);
    }
    return vendor.Handle(req, ContextOf(req));
  } catch (const std::exception& e) {
    // A simulator bug must not end a test run: answer it, loudly.
    std::cerr << "ferry-crm-sim: internal error in " << vendor.name() << ": " << e.what() << std::endl;
    return ControlError(req, 500, std::string("internal simulator error: ") + e.what());
  }
}

SimContext SimServer::ContextOf(const http::Request& req) const {
  SimContext ctx;
  const std::string_view host = HeaderOf(req, "Host");  // the address the client reached us at
  ctx.base_url = "http://" + (host.empty() ? options_.host + ":" + std::to_string(port()) : std::string(host));
  return ctx;
}

http::Response SimServer::Control(const http::Request& req, std::string_view path) {
  const auto segments = SplitPath(path);  // "_sim", …
  if (VendorSim* vendor = segments.size() == 3 ? FindVendor(segments[1]) : nullptr) {
    if (auto res = vendor->ControlResource(req, segments[2], ContextOf(req))) return std::move(*res);
  }
  if (req.method() == http::beast_http::verb::get) {
    if (segments.size() == 2 && segments[1] == "stats") {
      json::object stats;
      for (auto& vendor : vendors_) stats[vendor->name()] = vendor->Stats();
      return JsonResponse(req, 200, stats);
    }
    VendorSim* vendor = segments.size() >= 2 ? FindVendor(segments[1]) : nullptr;
    if (vendor && segments.size() == 2) {
      return JsonResponse(req, 200, json::object{{"objects", vendor->store().Counts()}});
    }
    if (vendor && segments.size() == 3) return JsonResponse(req, 200, vendor->store().List(PercentDecode(segments[2])));
    return ControlError(req, 404, "no control resource " + std::string(path));
  }
  if (req.method() != http::beast_http::verb::post || segments.size() != 2) {
    return ControlError(req, 404, "no control resource " + std::string(req.method_string()) + " " + std::string(path));
  }
  json::object body;
  if (!req.body().empty()) {
    auto parsed = ParseJsonBody(req.body());
    if (!parsed.ok() || !parsed->is_object()) {
      return ControlError(
          req, 400,
          "the body must be a JSON object" + (parsed.ok() ? std::string() : ": " + parsed.status().message()));
    }
    body = std::move(parsed->get_object());
  }
  return ControlPost(req, segments[1], body);
}

http::Response SimServer::ControlPost(const http::Request& req, std::string_view action, const json::object& body) {
  VendorSim* vendor = nullptr;
  if (const auto* name = body.if_contains("vendor")) {
    vendor = name->is_string() ? FindVendor(name->get_string()) : nullptr;
    if (!vendor) return ControlError(req, 400, "unknown vendor " + json::serialize(*name));
  }
  auto each = [&](auto&& fn) {
    for (auto& v : vendors_) {
      if (!vendor || v.get() == vendor) fn(*v);
    }
  };
  const json::object ok{{"ok", true}};
  if (action == "reset") {
    each([&](VendorSim& v) {
      v.Reset();
      v.state().set_latency_ms(options_.latency_ms);
    });
    return JsonResponse(req, 200, ok);
  }
  if (action == "expire-tokens") {
    each([](VendorSim& v) { v.state().ExpireTokens(); });
    return JsonResponse(req, 200, ok);
  }
  if (action == "config") {
    json::object settings = body;
    settings.erase("vendor");
    if (!vendor) {
      if (settings.size() != 1 || !settings.contains("latency_ms")) {
        return ControlError(req, 400, "without \"vendor\", config takes only latency_ms (for every vendor)");
      }
      for (auto& v : vendors_) {
        if (Status s = v->Configure(settings); !s.ok()) return ControlError(req, 400, s.message());
      }
      return JsonResponse(req, 200, ok);
    }
    if (Status s = vendor->Configure(settings); !s.ok()) return ControlError(req, 400, s.message());
    return JsonResponse(req, 200, ok);
  }
  if (!vendor) return ControlError(req, 400, std::string(action) + " needs \"vendor\"");
  if (action == "faults") {
    auto fault = ParseFault(body);
    if (!fault.ok()) return ControlError(req, 400, fault.status().message());
    vendor->state().AddFault(std::move(*fault));
    return JsonResponse(req, 200, ok);
  }
  if (action == "clear-faults") {
    vendor->state().ClearFaults();
    return JsonResponse(req, 200, ok);
  }
  if (action == "delete") {
    if (Status removed = vendor->Remove(body); !removed.ok()) {
      return ControlError(req, removed.code() == StatusCode::kNotFound ? 404 : 400, removed.message());
    }
    return JsonResponse(req, 200, ok);
  }
  if (action == "seed") {
    auto seeded = vendor->Seed(body);
    if (!seeded.ok()) return ControlError(req, 400, seeded.status().message());
    return JsonResponse(req, 200, *seeded);
  }
  return ControlError(req, 404, "no control resource POST /_sim/" + std::string(action));
}

}  // namespace ferry::crm_sim
