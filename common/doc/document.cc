#include "common/doc/document.h"

#include <vector>

namespace ferry::doc {

Document::Document(std::string_view root_name) {
  Node root;
  root.name_offset = Store(root_name);
  root.name_size = static_cast<uint32_t>(root_name.size());
  nodes_.push_back(root);
}

uint32_t Document::Store(std::string_view s) {
  const auto offset = static_cast<uint32_t>(arena_.size());
  arena_.append(s);
  return offset;
}

void Document::Reserve(size_t nodes, size_t arena_bytes) {
  nodes_.reserve(nodes);
  arena_.reserve(arena_bytes);
}

NodeId Document::AddChild(NodeId parent, std::string_view name, std::string_view value) {
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  Node node;
  node.parent = parent;
  node.name_offset = Store(name);
  node.name_size = static_cast<uint32_t>(name.size());
  node.value_offset = Store(value);
  node.value_size = static_cast<uint32_t>(value.size());
  const auto id = static_cast<NodeId>(nodes_.size());
  nodes_.push_back(node);
  Node& p = nodes_[parent];
  if (p.last_child == kNoNode) {
    p.first_child = id;
  } else {
    nodes_[p.last_child].next_sibling = id;
  }
  p.last_child = id;
  return id;
}

NodeId Document::AddBoolean(NodeId parent, std::string_view name, bool value) {
  const NodeId id = AddChild(parent, name, value ? "true" : "false");
  nodes_[id].boolean = true;
  return id;
}

std::string Document::PathOf(NodeId id) const {
  if (id == root()) return "/";
  std::vector<std::string> steps;
  for (NodeId n = id; n != root() && n != kNoNode; n = parent(n)) {
    size_t position = 1;
    for (NodeId s = first_child(parent(n)); s != n && s != kNoNode; s = next_sibling(s)) {
      if (name(s) == name(n)) ++position;
    }
    steps.push_back(std::string(name(n)) + "[" + std::to_string(position) + "]");
  }
  std::string path;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) path += "/" + *it;
  return path;
}

}  // namespace ferry::doc
