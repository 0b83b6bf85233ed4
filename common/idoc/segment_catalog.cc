#include "common/idoc/segment_catalog.h"

#include "common/idoc/xml_names.h"

#include <pugixml.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace ferry::idoc {
namespace {

// A WE60 schema of a large IDoc type is a few hundred KiB.
constexpr uintmax_t kMaxSchemaBytes = 16u << 20;

bool Is(pugi::xml_node node, std::string_view local_name) {
  return node.type() == pugi::node_element && LocalName(node.name()) == local_name;
}

pugi::xml_node ChildNamed(pugi::xml_node parent, std::string_view local_name) {
  for (pugi::xml_node c : parent.children()) {
    if (Is(c, local_name)) return c;
  }
  return {};
}

// The schema's named top-level complex and simple types, by local name.
struct NamedTypes {
  std::unordered_map<std::string, pugi::xml_node> complex, simple;
};

pugi::xml_node ComplexTypeOf(pugi::xml_node element, const NamedTypes& types) {
  if (pugi::xml_node inline_type = ChildNamed(element, "complexType")) return inline_type;
  auto it = types.complex.find(std::string(LocalName(element.attribute("type").value())));
  return it == types.complex.end() ? pugi::xml_node{} : it->second;
}

bool IsSegment(pugi::xml_node element, const NamedTypes& types) {
  const pugi::xml_node complex = ComplexTypeOf(element, types);
  if (!complex) return false;
  for (pugi::xml_node c : complex.children()) {
    if (Is(c, "attribute") && std::string_view(c.attribute("name").value()) == "SEGMENT") return true;
  }
  return false;
}

// The field's length from a maxLength or length facet, or 0.
size_t LengthOf(pugi::xml_node field, const NamedTypes& types) {
  pugi::xml_node simple = ChildNamed(field, "simpleType");
  if (!simple) {
    auto it = types.simple.find(std::string(LocalName(field.attribute("type").value())));
    if (it != types.simple.end()) simple = it->second;
  }
  const pugi::xml_node restriction = ChildNamed(simple, "restriction");
  for (std::string_view facet : {"maxLength", "length"}) {
    if (pugi::xml_node f = ChildNamed(restriction, facet)) {
      const std::string value = f.attribute("value").value();
      if (value.empty() || value.size() > 4 || !std::all_of(value.begin(), value.end(), ::isdigit)) return 0;
      return std::stoul(value);
    }
  }
  return 0;
}

// The next element of a depth-first walk below `top`, without recursion.
pugi::xml_node NextElement(pugi::xml_node node, pugi::xml_node top) {
  if (pugi::xml_node child = node.first_child()) return child;
  while (node != top) {
    if (pugi::xml_node sibling = node.next_sibling()) return sibling;
    node = node.parent();
  }
  return {};
}

}  // namespace

Result<SegmentCatalog> SegmentCatalog::Load(const std::filesystem::path& path) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path, ec)) {
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      if (entry.path().extension() == ".xsd" && entry.is_regular_file(ec)) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
  } else if (std::filesystem::is_regular_file(path, ec)) {
    files.push_back(path);
  }
  if (files.empty()) {
    return Status::NotFound("no segment catalogue at " + path.string() +
                            ": export each IDoc type's XML schema with WE60 (Documentation → XML Schema) into it");
  }
  SegmentCatalog catalog;
  for (const auto& file : files) {
    const uintmax_t size = std::filesystem::file_size(file, ec);
    if (ec || size > kMaxSchemaBytes) {
      return Status::InvalidArgument("segment catalogue " + file.string() +
                                     (ec ? ": cannot read it: " + ec.message() : ": larger than 16 MiB"));
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) return Status::InvalidArgument("segment catalogue " + file.string() + ": cannot read it");
    if (Status s = catalog.AddSchema(text.str(), file.string()); !s.ok()) return s;
  }
  return catalog;
}

Status SegmentCatalog::AddSchema(std::string_view xsd, std::string_view origin) {
  const std::string where = "segment catalogue " + std::string(origin);
  pugi::xml_document doc;
  // No DTD processing and no entities beyond XML's own: a schema file is
  // configuration, but it is read as untrusted text all the same.
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xsd.data(), xsd.size(), pugi::parse_default & ~pugi::parse_doctype);
  if (!parsed) {
    return Status::InvalidArgument(where + ": not XML (" + parsed.description() + " at byte " +
                                   std::to_string(parsed.offset) + ")");
  }
  const pugi::xml_node schema = doc.document_element();
  if (!Is(schema, "schema")) return Status::InvalidArgument(where + ": not an XML schema (no xsd:schema root)");

  NamedTypes types;
  for (pugi::xml_node c : schema.children()) {
    const std::string name(LocalName(c.attribute("name").value()));
    if (Is(c, "complexType") && !name.empty()) types.complex.emplace(name, c);
    if (Is(c, "simpleType") && !name.empty()) types.simple.emplace(name, c);
  }

  std::map<std::string, SegmentLayout, std::less<>> segments;
  for (pugi::xml_node n = schema.first_child(); n; n = NextElement(n, schema)) {
    if (!Is(n, "element") || !IsSegment(n, types)) continue;
    SegmentLayout layout;
    layout.name = n.attribute("name").value();
    if (layout.name == "EDI_DC40" || layout.name.empty()) continue;
    const pugi::xml_node sequence = ChildNamed(ComplexTypeOf(n, types), "sequence");
    for (pugi::xml_node f : sequence.children()) {
      if (!Is(f, "element") || IsSegment(f, types)) continue;
      const size_t length = LengthOf(f, types);
      const std::string field = f.attribute("name").value();
      if (length == 0 || field.empty()) {
        return Status::InvalidArgument(where + ": field " + (field.empty() ? "(unnamed)" : field) + " of segment " +
                                       layout.name + " has no length (xsd:maxLength)");
      }
      layout.fields.push_back({field, layout.length, length});
      layout.length += length;
    }
    if (layout.length > 1000) {
      return Status::InvalidArgument(where + ": segment " + layout.name + " is " + std::to_string(layout.length) +
                                     " characters long; SDATA holds 1000");
    }
    auto [it, added] = segments.emplace(layout.name, layout);
    if (!added && it->second.length != layout.length) {
      return Status::InvalidArgument(where + ": segment " + layout.name + " is declared twice with different fields");
    }
  }

  std::vector<std::string> idoc_types;
  for (pugi::xml_node c : schema.children()) {
    if (!Is(c, "element") || IsSegment(c, types)) continue;
    const std::string name = c.attribute("name").value();
    if (!name.empty() && name != "IDOC") idoc_types.push_back(name);
  }
  if (idoc_types.empty() || segments.empty()) {
    return Status::InvalidArgument(where + (idoc_types.empty()
                                                ? ": declares no IDoc type (top-level element)"
                                                : ": declares no segment (element with a SEGMENT attribute)"));
  }
  for (const std::string& type : idoc_types) {
    if (types_.count(type)) return Status::InvalidArgument(where + ": IDoc type " + type + " is in another schema too");
    types_[type] = segments;
  }
  return Status::Ok();
}

const SegmentLayout* SegmentCatalog::Find(std::string_view idoc_type, std::string_view segment) const {
  auto type = types_.find(idoc_type);
  if (type == types_.end()) return nullptr;
  auto it = type->second.find(segment);
  return it == type->second.end() ? nullptr : &it->second;
}

std::string SegmentCatalog::TypeNames() const {
  std::string out;
  for (const auto& [name, segments] : types_) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace ferry::idoc
