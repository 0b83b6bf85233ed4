#pragma once
// Segment catalogue: where each field sits inside a flat IDoc's SDATA.
//
// A flat IDoc record names its segment but not its fields: they are cut from
// the 1000-character SDATA by position, in the order and at the lengths of
// the segment definition (WE31) of the sending system's release. The
// customer exports those definitions from SAP as XML schemas: transaction
// WE60, enter the basic type (and extension), then Documentation → XML
// Schema, one .xsd file per IDoc type (docs/sources.md#idoc-file-port).
//
// What is read from such a schema (the reader is tolerant of how a release
// writes it, since the layout of WE60's output is not documented):
//  - the IDoc type: the name of each top-level element declaration (the
//    basic type, or the extension's name for an extended type);
//  - a segment: any element declaration whose complex type (inline, or named
//    and referenced with type="...") declares the attribute SEGMENT;
//  - its fields: the element declarations in that complex type's sequence
//    that are not segments, in order, each with its length from an
//    xsd:maxLength or xsd:length restriction (inline or on a named simple
//    type). A field without a length is an error: its position would be a
//    guess.
// EDI_DC40 is skipped (control records have a fixed layout).

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ferry::idoc {

struct SegmentField {
  std::string name;
  size_t offset = 0;  // characters from the start of SDATA
  size_t length = 0;  // characters
};

struct SegmentLayout {
  std::string name;  // segment type, e.g. E1KNA1M
  std::vector<SegmentField> fields;
  size_t length = 0;  // of all fields together
};

class SegmentCatalog {
 public:
  // Reads `path`: one .xsd file, or every *.xsd file in a folder (not
  // recursive). InvalidArgument names the file and what is wrong with it;
  // NotFound when there is no schema at all.
  static Result<SegmentCatalog> Load(const std::filesystem::path& path);

  // Adds the IDoc types of one schema; `origin` names it in messages.
  Status AddSchema(std::string_view xsd, std::string_view origin);

  // The layout of `segment` within IDoc type `idoc_type` (the CIMTYP when
  // the IDoc has an extension, otherwise the IDOCTYP), or null.
  const SegmentLayout* Find(std::string_view idoc_type, std::string_view segment) const;
  bool HasType(std::string_view idoc_type) const { return types_.find(idoc_type) != types_.end(); }
  // "DEBMAS07, FLIGHTBOOKING_CREATEFROMDAT01", for messages.
  std::string TypeNames() const;

 private:
  std::map<std::string, std::map<std::string, SegmentLayout, std::less<>>, std::less<>> types_;
};

}  // namespace ferry::idoc
