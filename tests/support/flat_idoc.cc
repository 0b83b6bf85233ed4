#include "tests/support/flat_idoc.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "common/idoc/idoc_xml.h"

#ifndef FERRY_FIXTURE_DIR
#error "FERRY_FIXTURE_DIR must be the absolute path of tests/fixtures"
#endif

namespace ferry::testing {
namespace {

size_t Chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// `value` padded with blanks to `length` characters.
void AppendField(std::string& out, std::string_view value, size_t length) {
  EXPECT_LE(Chars(value), length) << "value '" << value << "' is longer than its field";
  out.append(value);
  for (size_t n = Chars(value); n < length; ++n) out.push_back(' ');
}

std::string Number(size_t n, int width) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%0*zu", width, n);
  return buffer;
}

std::string_view ChildValue(const doc::Document& d, doc::NodeId parent, std::string_view name) {
  for (doc::NodeId c = d.first_child(parent); c != doc::kNoNode; c = d.next_sibling(c)) {
    if (d.name(c) == name && !d.has_children(c)) return d.value(c);
  }
  return {};
}

}  // namespace

std::string FlatFromXml(std::string_view xml, const idoc::SegmentCatalog& catalog, Framing framing) {
  auto packet = idoc::ParseIdocXml(xml);
  EXPECT_TRUE(packet.ok()) << packet.status().ToString();
  if (!packet.ok()) return "";
  std::vector<std::string> records;
  for (const idoc::ParsedIdoc& idoc : packet->idocs) {
    const doc::Document& d = *idoc.document;
    const std::string type = idoc.control.cimtyp.empty() ? idoc.control.idoctyp : idoc.control.cimtyp;
    std::string control;
    doc::NodeId dc = d.first_child(d.root());
    for (const idoc::ControlField& f : idoc::ControlFields()) AppendField(control, ChildValue(d, dc, f.tag), f.length);
    records.push_back(std::move(control));

    // Depth first through the segments, numbering them as SAP does.
    struct Open {
      doc::NodeId node;
      size_t segnum;
    };
    std::vector<Open> parents;
    size_t segnum = 0;
    doc::NodeId node = d.next_sibling(dc);
    while (node != doc::kNoNode) {
      const idoc::SegmentLayout* layout = catalog.Find(type, d.name(node));
      if (layout != nullptr) {
        std::string record;
        AppendField(record, d.name(node), 30);
        AppendField(record, idoc.control.mandt, 3);
        AppendField(record, idoc.control.docnum, 16);
        record += Number(++segnum, 6);
        record += Number(parents.empty() ? 0 : parents.back().segnum, 6);
        record += Number(parents.size() + 1, 2);
        std::string sdata;
        for (const idoc::SegmentField& f : layout->fields) AppendField(sdata, ChildValue(d, node, f.name), f.length);
        for (doc::NodeId c = d.first_child(node); c != doc::kNoNode; c = d.next_sibling(c)) {
          if (d.has_children(c) || catalog.Find(type, d.name(c)) != nullptr) continue;
          bool known = false;
          for (const idoc::SegmentField& f : layout->fields) known |= f.name == d.name(c);
          EXPECT_TRUE(known) << "field " << d.name(c) << " of " << d.name(node) << " is not in the catalogue";
        }
        AppendField(record, sdata, 1000);
        records.push_back(std::move(record));
        if (d.has_children(node)) {
          parents.push_back({node, segnum});
          node = d.first_child(node);
          continue;
        }
      } else {
        EXPECT_FALSE(d.has_children(node)) << "segment " << d.name(node) << " is not in the catalogue of " << type;
      }
      while (node != doc::kNoNode && d.next_sibling(node) == doc::kNoNode) {
        if (parents.empty()) {
          node = doc::kNoNode;
          break;
        }
        node = parents.back().node;
        parents.pop_back();
      }
      if (node != doc::kNoNode) node = d.next_sibling(node);
    }
  }
  std::string out;
  for (std::string& r : records) {
    switch (framing) {
      case Framing::kFixed:
        out += r;
        break;
      case Framing::kLf:
        out += r + "\n";
        break;
      case Framing::kCrlf:
        out += r + "\r\n";
        break;
      case Framing::kLfTrimmed:
        while (!r.empty() && r.back() == ' ') r.pop_back();
        out += r + "\n";
        break;
    }
  }
  return out;
}

const idoc::SegmentCatalog& FixtureCatalog() {
  static const idoc::SegmentCatalog catalog = [] {
    auto loaded = idoc::SegmentCatalog::Load(std::string(FERRY_FIXTURE_DIR) + "/idoc/catalog");
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status().ToString();
      return idoc::SegmentCatalog();
    }
    return std::move(loaded).value();
  }();
  return catalog;
}

}  // namespace ferry::testing
