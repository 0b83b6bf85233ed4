#include "common/http/cloud_event.h"

#include <boost/json.hpp>

#include <algorithm>

#include "common/util/utf8.h"

namespace ferry::http {
namespace {

namespace json = boost::json;

constexpr size_t kMaxAttribute = 1024;

std::string MediaType(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  type.erase(std::remove_if(type.begin(), type.end(), ::isspace), type.end());
  std::transform(type.begin(), type.end(), type.begin(), ::tolower);
  return type;
}

Status CheckAttribute(std::string_view name, std::string_view value, bool required) {
  if (value.empty()) {
    return required ? Status::InvalidArgument("the CloudEvent has no '" + std::string(name) + "' attribute")
                    : Status::Ok();
  }
  if (value.size() > kMaxAttribute) {
    return Status::InvalidArgument("the CloudEvent attribute '" + std::string(name) +
                                   "' is longer than 1024 characters");
  }
  if (!IsValidUtf8(value) || std::any_of(value.begin(), value.end(),
                                         [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
    return Status::InvalidArgument("the CloudEvent attribute '" + std::string(name) +
                                   "' is not text (control characters or invalid UTF-8)");
  }
  return Status::Ok();
}

Result<json::value> ParseJson(std::string_view text, std::string_view what) {
  json::parse_options options;
  options.max_depth = 32;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, options);
  if (ec) return Status::InvalidArgument(std::string(what) + " is not JSON: " + ec.message());
  return v;
}

std::string Attribute(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

}  // namespace

Result<CloudEvent> ReadCloudEvent(std::string_view content_type, const HeaderLookup& header, std::string_view body,
                                  const std::vector<std::string>& specversions) {
  const std::string media = MediaType(content_type);
  CloudEvent e;
  json::value data;
  if (media == "application/cloudevents-batch+json") {
    return Status::InvalidArgument("batched CloudEvents are not accepted: send one event per request");
  }
  if (media == "application/cloudevents+json") {
    auto parsed = ParseJson(body, "the CloudEvent");
    if (!parsed.ok()) return parsed.status();
    if (!parsed->is_object()) return Status::InvalidArgument("the CloudEvent is not a JSON object");
    const json::object& o = parsed->as_object();
    e.id = Attribute(o, "id");
    e.source = Attribute(o, "source");
    e.type = Attribute(o, "type");
    e.specversion = Attribute(o, "specversion");
    e.subject = Attribute(o, "subject");
    e.time = Attribute(o, "time");
    if (const json::value* d = o.if_contains("data")) data = *d;
    if (o.contains("data_base64")) return Status::InvalidArgument("binary data (data_base64) is not accepted");
  } else if (media == "application/json") {
    e.id = std::string(header("ce-id"));
    e.source = std::string(header("ce-source"));
    e.type = std::string(header("ce-type"));
    e.specversion = std::string(header("ce-specversion"));
    e.subject = std::string(header("ce-subject"));
    e.time = std::string(header("ce-time"));
    if (e.id.empty() && e.type.empty() && e.specversion.empty()) {
      // SAP's brokers can also send structured events as application/json.
      return ReadCloudEvent("application/cloudevents+json", header, body, specversions);
    }
    auto parsed = ParseJson(body, "the CloudEvent's data");
    if (!parsed.ok()) return parsed.status();
    data = std::move(parsed).value();
  } else {
    return Status::InvalidArgument("unsupported Content-Type '" + std::string(content_type.substr(0, 80)) +
                                   "': send application/cloudevents+json, or application/json with ce-* headers");
  }
  for (const auto& [name, value, required] :
       {std::tuple{"id", &e.id, true}, std::tuple{"source", &e.source, true}, std::tuple{"type", &e.type, true},
        std::tuple{"specversion", &e.specversion, true}, std::tuple{"subject", &e.subject, false},
        std::tuple{"time", &e.time, false}}) {
    if (Status s = CheckAttribute(name, *value, required); !s.ok()) return s;
  }
  if (std::find(specversions.begin(), specversions.end(), e.specversion) == specversions.end()) {
    std::string taken;
    for (const std::string& v : specversions) taken += (taken.empty() ? "" : " or ") + v;
    return Status::InvalidArgument("CloudEvents specversion '" + e.specversion.substr(0, 20) + "' is not " + taken);
  }
  if (!data.is_object()) return Status::InvalidArgument("the CloudEvent's data is not a JSON object");
  e.data = json::serialize(data);
  return e;
}

std::vector<std::string> DataFields(const CloudEvent& event, const std::vector<std::string>& fields) {
  std::vector<std::string> out(fields.size());
  boost::system::error_code ec;
  const json::value v = json::parse(event.data, ec);  // ReadCloudEvent checked it: an object, bounded
  if (ec || !v.is_object()) return out;
  for (size_t i = 0; i < fields.size(); ++i) {
    const json::value* f = v.as_object().if_contains(fields[i]);
    if (f == nullptr) continue;
    if (f->is_string()) out[i] = std::string(f->as_string());
    if (f->is_int64()) out[i] = std::to_string(f->as_int64());
    if (f->is_uint64()) out[i] = std::to_string(f->as_uint64());
  }
  return out;
}

}  // namespace ferry::http
