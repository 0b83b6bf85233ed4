#pragma once
// IDoc flat-file parser: turns a file written by SAP's file port (WE21
// "File") into the same ParsedIdoc per IDoc as the IDoc-XML parser, with the
// same document tree, so flows cannot tell which port an IDoc came through.
//
// The format (docs/protocols.md §A.2): an EDI_DC40 control record of 524
// characters opens each IDoc, followed by its EDI_DD40 data records of 1063
// characters (a 63-character header with SEGNAM, MANDT, DOCNUM, SEGNUM,
// PSGNUM and HLEVEL, then 1000 characters of SDATA). The fields inside SDATA
// are cut at the positions the segment catalogue gives for the IDoc's type.
//  - Framing: records one after the other with no line ends (what the sample
//    SAP file shows), or one record per line ending in LF or CRLF, where a
//    line may have its trailing blanks cut off. A file with any LF is read as
//    lines.
//  - Lengths count characters, not bytes: a Unicode system writes UTF-8, so
//    "Müller" is one character longer in bytes than on screen. The file is
//    UTF-8 or ISO-8859-1 (FlatOptions::latin1); either way the documents are
//    UTF-8.
//  - The hierarchy comes from PSGNUM (the parent's SEGNUM); HLEVEL must agree
//    with it when present.
//  - Each IDoc's `xml` is written from its tree (idoc_xml_writer.h): the
//    outbox stores IDoc-XML whichever port the IDoc came through.
//
// Every failure is InvalidArgument with a one-line message naming the record
// (1-based, with its line when the file has lines) and what is wrong. The
// parser never throws and uses no recursion.

#include <string_view>

#include "common/idoc/idoc_xml.h"
#include "common/idoc/segment_catalog.h"
#include "common/status.h"

namespace ferry::idoc {

inline constexpr size_t kDataRecordLength = 1063;
inline constexpr size_t kDataHeaderLength = 63;

struct FlatOptions {
  bool latin1 = false;     // the file is ISO-8859-1 (a non-Unicode SAP system)
  size_t max_depth = 100;  // as ParseLimits: the written IDoc-XML must parse again
};

// True when `file` looks like a flat IDoc (it starts with a control record's
// table name), as opposed to IDoc-XML.
bool LooksLikeFlatIdoc(std::string_view file);

// Parses a whole flat file. Refused: an empty file or no control record
// first; a record of the wrong length (a truncated file, a line too long);
// a control character or invalid UTF-8; an IDoc type or segment the
// catalogue does not have; non-blank data past a segment's last catalogued
// field (the catalogue is not the sender's); a data record with another
// DOCNUM than its control record; a SEGNUM that repeats or a PSGNUM that
// names no earlier segment; an HLEVEL that contradicts PSGNUM; nesting past
// max_depth; a control record without DOCNUM, IDOCTYP or MESTYP.
Result<ParsedPacket> ParseIdocFlat(std::string_view file, const SegmentCatalog& catalog,
                                   const FlatOptions& options = {});

}  // namespace ferry::idoc
