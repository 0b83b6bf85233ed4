#pragma once
// Document: the tree every source turns its input into, and the only thing
// flows read. A node has a name, a text value and ordered children.
//
// - IDoc-XML: the root is the <IDOC> element; its children are EDI_DC40 and
//   the top-level segments; a segment's children are its fields (leaves)
//   and its child segments.
// - JSON: object members are children named by their key; an array becomes
//   repeated children with the member's name; scalars are values, and a
//   boolean is marked as one.
//
// Strings live in one arena owned by the document and nodes live in one
// vector, so building a tree costs a handful of allocations however many
// fields the IDoc has. A document is immutable once built and safe to read
// from several threads.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::doc {

using NodeId = uint32_t;
inline constexpr NodeId kNoNode = UINT32_MAX;

class Document {
 public:
  explicit Document(std::string_view root_name);

  NodeId root() const { return 0; }
  std::string_view name(NodeId id) const { return Slice(nodes_[id].name_offset, nodes_[id].name_size); }
  // The value with trailing blanks removed (fixed-width SAP fields are padded).
  std::string_view value(NodeId id) const { return Slice(nodes_[id].value_offset, nodes_[id].value_size); }
  NodeId parent(NodeId id) const { return nodes_[id].parent; }
  NodeId first_child(NodeId id) const { return nodes_[id].first_child; }
  NodeId next_sibling(NodeId id) const { return nodes_[id].next_sibling; }
  bool has_children(NodeId id) const { return nodes_[id].first_child != kNoNode; }
  // A JSON true or false (its value is the text "true" or "false"): flows
  // read it as a truth value, not as text that is set.
  bool is_boolean(NodeId id) const { return nodes_[id].boolean; }
  size_t size() const { return nodes_.size(); }

  // "/E1KNA1M[1]/E1KNVKM[2]": names with 1-based positions among same-named
  // siblings; "/" for the root. Used in error messages.
  std::string PathOf(NodeId id) const;

  // Appends a child after the parent's last child; returns its id.
  NodeId AddChild(NodeId parent, std::string_view name, std::string_view value = {});
  NodeId AddBoolean(NodeId parent, std::string_view name, bool value);
  void Reserve(size_t nodes, size_t arena_bytes);

 private:
  struct Node {
    uint32_t name_offset = 0, name_size = 0, value_offset = 0, value_size = 0;
    NodeId parent = kNoNode, first_child = kNoNode, last_child = kNoNode, next_sibling = kNoNode;
    bool boolean = false;
  };
  std::string_view Slice(uint32_t offset, uint32_t size) const { return {arena_.data() + offset, size}; }
  uint32_t Store(std::string_view s);

  std::vector<Node> nodes_;
  std::string arena_;
};

}  // namespace ferry::doc
