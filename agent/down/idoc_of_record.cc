#include "agent/down/idoc_of_record.h"

#include <date/date.h>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <vector>

#include "common/doc/document.h"
#include "common/idoc/control_record.h"
#include "common/idoc/idoc_xml_writer.h"

namespace ferry::agent {
namespace {

constexpr size_t kMaxSapName = 30;
constexpr size_t kMaxValueChars = 1000;
constexpr size_t kMaxIdocNodes = 100000;

// The control record fields the target writes itself.
constexpr std::string_view kTargetsOwn[] = {"TABNAM",  "MANDT",  "DOCNUM", "DIRECT",
                                            "IDOCTYP", "CREDAT", "CRETIM", "ARCKEY"};

// SAP's segment and field names, as they are XML element names: a capital
// letter, then capitals, digits and '_'. (Names in a customer namespace,
// /ACME/FIELD, are written otherwise in IDoc-XML, and not taken.)
bool IsSapName(std::string_view s) {
  if (s.empty() || s.size() > kMaxSapName || s.front() < 'A' || s.front() > 'Z') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}

// A JSON value as SAP text: strings as they are, numbers as written, true
// as X; control characters become spaces, and the text is cut to
// kMaxValueChars characters. nullopt for null, false and nested values.
std::optional<std::string> SapText(const boost::json::value& v) {
  std::string text;
  if (v.is_string()) {
    text = std::string(v.get_string());
  } else if (v.is_int64()) {
    text = std::to_string(v.get_int64());
  } else if (v.is_uint64()) {
    text = std::to_string(v.get_uint64());
  } else if (v.is_double()) {
    // The shortest form that reads back as the same number (2.0 → "2",
    // never "2E0"); a flow keeps a decimal's own digits with text(...).
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double());
    text.assign(buf, ec == std::errc() ? end : buf);
  } else if (v.is_bool() && v.get_bool()) {
    text = "X";
  } else {
    return std::nullopt;
  }
  std::string out;
  size_t chars = 0;
  for (size_t at = 0; at < text.size() && chars < kMaxValueChars; ++chars) {
    const unsigned char c = static_cast<unsigned char>(text[at]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;  // JSON strings are valid UTF-8
    // Control characters, U+FFFE and U+FFFF are no XML characters.
    const bool not_xml =
        c < 0x20 || c == 0x7f ||
        (len == 3 && at + 2 < text.size() && c == 0xEF && static_cast<unsigned char>(text[at + 1]) == 0xBF &&
         static_cast<unsigned char>(text[at + 2]) >= 0xBE);
    if (not_xml) {
      out += ' ';
    } else {
      out.append(text, at, len);
    }
    at += len;
  }
  // SAP's fields are fixed-width: trailing blanks are no part of a value.
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

size_t Utf8Chars(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

struct Builder {
  doc::Document document{"IDOC"};
  std::vector<bool> is_segment{false};

  doc::NodeId Segment(doc::NodeId parent, std::string_view name) {
    const doc::NodeId id = document.AddChild(parent, name);
    is_segment.resize(document.size(), false);
    is_segment[id] = true;
    return id;
  }
  void Field(doc::NodeId segment, std::string_view name, std::string_view value) {
    if (value.empty()) return;  // SAP's IDoc-XML leaves out empty fields
    document.AddChild(segment, name, value);
    is_segment.resize(document.size(), false);
  }
};

// One nested record's fields into `segment`: plain fields, and CHILD/FIELD
// into child segments.
Status AddSegmentFields(Builder& b, doc::NodeId segment, std::string_view segment_name,
                        const boost::json::object& fields) {
  std::vector<std::pair<std::string, doc::NodeId>> children;
  for (const auto& member : fields) {
    const std::string_view key = member.key();
    const size_t slash = key.find('/');
    const std::optional<std::string> value = SapText(member.value());
    if (slash == std::string_view::npos) {
      if (!IsSapName(key)) {
        return Status::InvalidArgument("segment " + std::string(segment_name) + ": '" + std::string(key) +
                                       "' is not an SAP field name");
      }
      if (!value && !member.value().is_null() && !member.value().is_bool()) {
        return Status::InvalidArgument("segment " + std::string(segment_name) + " field " + std::string(key) +
                                       ": a field holds text, not " +
                                       (member.value().is_array() ? "a list" : "an object"));
      }
      if (value) b.Field(segment, key, *value);
      continue;
    }
    const std::string_view child = key.substr(0, slash), field = key.substr(slash + 1);
    if (!IsSapName(child) || !IsSapName(field)) {
      return Status::InvalidArgument("segment " + std::string(segment_name) + ": '" + std::string(key) +
                                     "' is not CHILD/FIELD (a child segment one level down)");
    }
    auto it = std::find_if(children.begin(), children.end(), [&](const auto& c) { return c.first == child; });
    if (it == children.end()) {
      children.emplace_back(std::string(child), b.Segment(segment, child));
      it = children.end() - 1;
    }
    if (value) b.Field(it->second, field, *value);
  }
  return Status::Ok();
}

std::pair<std::string, std::string> DateAndTimeOf(int64_t unix_ms) {
  const auto tp = std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(unix_ms));
  return {date::format("%Y%m%d", date::floor<date::days>(tp)),
          date::format("%H%M%S", date::floor<std::chrono::seconds>(tp))};
}

}  // namespace

Result<std::string> IdocXmlOfRecord(const ferry::v1::MappedRecord& record, std::string_view client,
                                    int64_t now_unix_ms) {
  const std::string& type = record.object();
  if (!IsSapName(type)) {
    return Status::InvalidArgument("the record's object must be the IDoc type, e.g. ORDERS05, not '" + type + "'");
  }
  if (record.key_field() != "ARCKEY") {
    return Status::InvalidArgument("key_field must be ARCKEY: the CRM record's id goes there, not into '" +
                                   record.key_field() + "'");
  }
  boost::json::parse_options options;
  options.max_depth = 8;  // the record, its segments, their fields: no deeper
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(record.fields_json(), ec, {}, options);
  if (ec || !parsed.is_object()) return Status::InvalidArgument("the record's fields are not a JSON object");
  const boost::json::object& fields = parsed.get_object();

  Builder b;
  const doc::NodeId control = b.Segment(b.document.root(), "EDI_DC40");
  const auto [credat, cretim] = DateAndTimeOf(now_unix_ms);
  b.Field(control, "TABNAM", "EDI_DC40");
  b.Field(control, "MANDT", client);
  // The sender's number for the IDoc (SAP numbers the IDoc it stores
  // anew): the agent's clock in ms, as the agent sends one at a time.
  char docnum[17];
  std::snprintf(docnum, sizeof docnum, "%016lld", static_cast<long long>(now_unix_ms % 10000000000000000LL));
  b.Field(control, "DOCNUM", docnum);
  b.Field(control, "DIRECT", "2");
  b.Field(control, "IDOCTYP", type);
  bool has_mestyp = false;
  for (const auto& member : fields) {
    if (member.value().is_array()) continue;  // segments, below
    const std::string_view key = member.key();
    if (key == record.key_field()) continue;  // the flow's copy of external_id, written below
    if (std::find(std::begin(kTargetsOwn), std::end(kTargetsOwn), key) != std::end(kTargetsOwn)) {
      return Status::InvalidArgument("EDI_DC40-" + std::string(key) + " is the SAP target's to write, not the flow's");
    }
    const auto fields = idoc::ControlFields();
    const auto field =
        std::find_if(fields.begin(), fields.end(), [&](const idoc::ControlField& f) { return f.tag == key; });
    if (field == fields.end()) {
      return Status::InvalidArgument("'" + std::string(key) + "' is not a field of the control record EDI_DC40");
    }
    const std::optional<std::string> value = SapText(member.value());
    if (value && Utf8Chars(*value) > field->length) {
      return Status::InvalidArgument("EDI_DC40-" + std::string(key) + " holds at most " +
                                     std::to_string(field->length) + " characters");
    }
    if (!value && member.value().is_object()) {
      return Status::InvalidArgument("EDI_DC40-" + std::string(key) + ": a field holds text, not an object");
    }
    if (value) b.Field(control, key, *value);
    has_mestyp = has_mestyp || (key == "MESTYP" && value && !value->empty());
  }
  if (!has_mestyp) return Status::InvalidArgument("the flow must set the message type, MESTYP (e.g. ORDERS)");
  b.Field(control, "CREDAT", credat);
  b.Field(control, "CRETIM", cretim);
  if (std::optional<std::string> id = SapText(boost::json::value(record.external_id()))) {
    b.Field(control, "ARCKEY", *id);
  }
  size_t segments = 0;
  for (const auto& member : fields) {
    if (!member.value().is_array()) continue;
    const std::string_view name = member.key();
    if (!IsSapName(name)) return Status::InvalidArgument("'" + std::string(name) + "' is not an SAP segment name");
    for (const boost::json::value& element : member.value().get_array()) {
      if (!element.is_object()) return Status::InvalidArgument("segment " + std::string(name) + " is not a record");
      const doc::NodeId segment = b.Segment(b.document.root(), name);
      if (Status s = AddSegmentFields(b, segment, name, element.get_object()); !s.ok()) return s;
      ++segments;
      if (b.document.size() > kMaxIdocNodes) return Status::InvalidArgument("the IDoc is too large");
    }
  }
  if (segments == 0) return Status::InvalidArgument("an IDoc needs at least one data segment");
  return idoc::WriteIdocXml(type, b.document, b.is_segment);
}

}  // namespace ferry::agent
