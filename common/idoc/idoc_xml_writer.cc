#include "common/idoc/idoc_xml_writer.h"

#include "common/util/text.h"

namespace ferry::idoc {

std::string WriteIdocXml(std::string_view root_name, const doc::Document& d, const std::vector<bool>& is_segment) {
  std::string out;
  out.reserve(256 + d.size() * 24);
  out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<").append(root_name).append(">\n<IDOC BEGIN=\"1\">");
  // Opening a segment pushes it; after its last child the walk climbs back
  // through the parent links and closes each segment it leaves.
  doc::NodeId node = d.first_child(d.root());
  while (node != doc::kNoNode) {
    const std::string_view name = d.name(node);
    const bool segment = node < is_segment.size() && is_segment[node];
    if (segment) {
      out.append("<").append(name).append(" SEGMENT=\"1\">");
      if (d.has_children(node)) {
        node = d.first_child(node);
        continue;
      }
      out.append("</").append(name).append(">");
    } else {
      out.append("<").append(name).append(">");
      AppendXmlEscaped(out, d.value(node));
      out.append("</").append(name).append(">");
    }
    while (node != doc::kNoNode && d.next_sibling(node) == doc::kNoNode) {
      node = d.parent(node);
      if (node == d.root()) {
        node = doc::kNoNode;
        break;
      }
      out.append("</").append(d.name(node)).append(">");
    }
    if (node != doc::kNoNode) node = d.next_sibling(node);
  }
  out.append("</IDOC>\n</").append(root_name).append(">\n");
  return out;
}

}  // namespace ferry::idoc
