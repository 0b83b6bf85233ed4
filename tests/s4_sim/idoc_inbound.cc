#include "tests/s4_sim/idoc_inbound.h"

#include <boost/json.hpp>

#include <algorithm>

#include "common/idoc/idoc_xml.h"

namespace ferry::s4_sim {
namespace {

namespace json = boost::json;

http::Response Text(const http::Request& req, http::beast_http::status status, const std::string& text) {
  http::Response res{status, req.version()};
  res.set(http::beast_http::field::content_type, "text/plain; charset=utf-8");
  res.body() = text;
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

json::object ControlFields(const idoc::ControlRecord& c) {
  return {{"MANDT", c.mandt},   {"DOCNUM", c.docnum}, {"IDOCTYP", c.idoctyp}, {"MESTYP", c.mestyp},
          {"SNDPOR", c.sndpor}, {"SNDPRT", c.sndprt}, {"SNDPRN", c.sndprn},   {"RCVPOR", c.rcvpor},
          {"RCVPRT", c.rcvprt}, {"RCVPRN", c.rcvprn}, {"CREDAT", c.credat},   {"CRETIM", c.cretim}};
}

// The IDoc's segments below its root, each with its own fields (elements
// without children); nested segments follow their parent.
json::array Segments(const doc::Document& d) {
  json::array out;
  std::vector<doc::NodeId> open;
  for (doc::NodeId n = d.first_child(d.root()); n != doc::kNoNode; n = d.next_sibling(n)) open.push_back(n);
  std::reverse(open.begin(), open.end());
  while (!open.empty()) {
    const doc::NodeId segment = open.back();
    open.pop_back();
    if (d.name(segment) == "EDI_DC40") continue;
    json::object fields;
    std::vector<doc::NodeId> children;
    for (doc::NodeId f = d.first_child(segment); f != doc::kNoNode; f = d.next_sibling(f)) {
      if (d.has_children(f)) {
        children.push_back(f);
      } else {
        fields[d.name(f)] = d.value(f);
      }
    }
    out.push_back(json::object{{"segment", d.name(segment)}, {"fields", std::move(fields)}});
    for (auto it = children.rbegin(); it != children.rend(); ++it) open.push_back(*it);
  }
  return out;
}

}  // namespace

http::Response ReceiveIdocs(const http::Request& req, crm_sim::RecordStore& store) {
  if (req.method() != http::beast_http::verb::post) {
    return Text(req, http::beast_http::status::method_not_allowed, "POST an IDoc-XML packet");
  }
  auto packet = idoc::ParseIdocXml(req.body());
  if (!packet.ok()) return Text(req, http::beast_http::status::bad_request, packet.status().message());
  for (const idoc::ParsedIdoc& i : packet->idocs) {
    json::object fields = ControlFields(i.control);
    fields["segments"] = Segments(*i.document);
    const std::string object = "IDOC_" + i.control.mestyp;
    store.Create(object, i.control.docnum + "-" + std::to_string(store.seq() + 1), fields, "create");
  }
  return Text(req, http::beast_http::status::ok, "");
}

}  // namespace ferry::s4_sim
