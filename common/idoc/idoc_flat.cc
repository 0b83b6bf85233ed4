#include "common/idoc/idoc_flat.h"

#include <algorithm>
#include <unordered_map>

#include "common/idoc/idoc_xml_writer.h"
#include "common/util/text.h"
#include "common/util/utf8.h"

namespace ferry::idoc {
namespace {

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' '; });
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// For messages: a value from the file, short and on one line (the parser has
// already refused control characters).
std::string Quoted(std::string_view s) {
  constexpr size_t kMax = 40;
  size_t n = std::min(s.size(), kMax);
  while (n < s.size() && n > 0 && (s[n] & 0xC0) == 0x80) --n;
  return "'" + std::string(s.substr(0, n)) + (n < s.size() ? "...'" : "'");
}

// Walks UTF-8 text a number of characters at a time (the text is valid UTF-8).
class CharCursor {
 public:
  explicit CharCursor(std::string_view text) : text_(text) {}
  // Up to `chars` characters; fewer at the end of the text.
  std::string_view Take(size_t chars) {
    const size_t begin = pos_;
    for (; chars > 0 && pos_ < text_.size(); --chars) {
      ++pos_;
      while (pos_ < text_.size() && (static_cast<unsigned char>(text_[pos_]) & 0xC0) == 0x80) ++pos_;
    }
    return text_.substr(begin, pos_ - begin);
  }
  std::string_view Rest() const { return text_.substr(pos_); }
  bool AtEnd() const { return pos_ >= text_.size(); }
  size_t position() const { return pos_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

struct Record {
  std::string_view text;
  size_t number = 0;       // 1-based
  size_t line = 0;         // 1-based when the file has lines
  size_t byte_offset = 0;  // in the decoded text
};

std::string Where(const Record& r) {
  return "record " + std::to_string(r.number) +
         (r.line != 0 ? " (line " + std::to_string(r.line) + ")" : " (byte " + std::to_string(r.byte_offset) + ")");
}

Status Refuse(const Record& r, const std::string& what) { return Status::InvalidArgument(Where(r) + ": " + what); }

bool IsControlRecord(std::string_view record) { return record.starts_with("EDI_DC"); }

// One IDoc while its records are read.
class IdocBuilder {
 public:
  IdocBuilder(const SegmentCatalog& catalog, const FlatOptions& options) : catalog_(catalog), options_(options) {}

  Status Begin(const Record& r) {
    document_ = std::make_shared<doc::Document>("IDOC");
    document_->Reserve(64, 2048);
    is_segment_.assign(1, false);
    segments_.clear();
    open_.clear();
    last_segnum_ = 0;
    control_ = {};
    CharCursor cursor(r.text);
    const doc::NodeId dc = Add(document_->root(), "EDI_DC40", {}, true);
    for (const ControlField& f : ControlFields()) {
      const std::string_view value = cursor.Take(f.length);
      if (IsBlank(value)) continue;
      Add(dc, f.tag, value, false);
      if (f.member != nullptr) control_.*f.member = std::string(TrimBlanks(value));
    }
    type_ = control_.cimtyp.empty() ? control_.idoctyp : control_.cimtyp;
    first_record_ = r;
    if (Status s = CheckControlRecord(control_, "EDI_DC40 " + Quoted(control_.docnum)); !s.ok()) {
      return Refuse(r, s.message());
    }
    if (!catalog_.HasType(type_)) {
      return Refuse(r, "IDoc type " + type_ + " is not in the segment catalogue (it has: " + catalog_.TypeNames() +
                           "); export its XML schema with WE60");
    }
    return Status::Ok();
  }

  Status AddDataRecord(const Record& r) {
    CharCursor cursor(r.text);
    const std::string_view segnam = TrimBlanks(cursor.Take(30));
    cursor.Take(3);  // MANDT: the control record's is the IDoc's
    const std::string_view docnum = TrimBlanks(cursor.Take(16));
    const std::string_view segnum_text = TrimBlanks(cursor.Take(6));
    const std::string_view psgnum_text = TrimBlanks(cursor.Take(6));
    const std::string_view hlevel_text = TrimBlanks(cursor.Take(2));
    if (segnam.empty()) return Refuse(r, "data record without SEGNAM");
    const SegmentLayout* layout = catalog_.Find(type_, segnam);
    if (layout == nullptr) {
      return Refuse(r, "segment " + Quoted(segnam) + " is not in the segment catalogue of IDoc type " + type_);
    }
    if (!docnum.empty() && docnum != control_.docnum) {
      return Refuse(r, "DOCNUM " + Quoted(docnum) + " differs from its control record's " + Quoted(control_.docnum));
    }
    if (!AllDigits(segnum_text)) return Refuse(r, "SEGNUM " + Quoted(segnum_text) + " is not a number");
    const size_t segnum = std::stoul(std::string(segnum_text));
    if (segnum <= last_segnum_) {
      return Refuse(r, "SEGNUM " + std::string(segnum_text) + " does not follow " + std::to_string(last_segnum_));
    }
    last_segnum_ = segnum;
    if (!psgnum_text.empty() && !AllDigits(psgnum_text)) {
      return Refuse(r, "PSGNUM " + Quoted(psgnum_text) + " is not a number");
    }
    if (!hlevel_text.empty() && !AllDigits(hlevel_text)) {
      return Refuse(r, "HLEVEL " + Quoted(hlevel_text) + " is not a number");
    }
    const size_t hlevel = hlevel_text.empty() ? 0 : std::stoul(std::string(hlevel_text));

    // The parent: PSGNUM names it; without PSGNUM, HLEVEL places the segment
    // under the last one open a level above.
    doc::NodeId parent = document_->root();
    size_t level = 1;
    if (!psgnum_text.empty() && std::stoul(std::string(psgnum_text)) != 0) {
      auto it = segments_.find(std::stoul(std::string(psgnum_text)));
      if (it == segments_.end()) return Refuse(r, "PSGNUM " + std::string(psgnum_text) + " names no earlier segment");
      parent = it->second.first;
      level = it->second.second + 1;
    } else if (psgnum_text.empty() && hlevel > 1) {
      while (!open_.empty() && open_.back().second >= hlevel) open_.pop_back();
      if (open_.empty() || open_.back().second != hlevel - 1) {
        return Refuse(r, "HLEVEL " + std::string(hlevel_text) + " has no open segment a level above");
      }
      parent = open_.back().first;
      level = hlevel;
    }
    if (hlevel != 0 && hlevel != level) {
      return Refuse(r,
                    "HLEVEL " + std::string(hlevel_text) + " contradicts PSGNUM (level " + std::to_string(level) + ")");
    }
    // Root, IDOC, the segments and a field below the deepest one.
    if (level + 3 > options_.max_depth) {
      return Refuse(r, "segments nested deeper than " + std::to_string(options_.max_depth - 3) + " levels");
    }

    const doc::NodeId segment = Add(parent, segnam, {}, true);
    segments_.emplace(segnum, std::pair{segment, level});
    while (!open_.empty() && open_.back().second >= level) open_.pop_back();
    open_.emplace_back(segment, level);

    for (const SegmentField& f : layout->fields) {
      const std::string_view value = cursor.Take(f.length);
      if (!IsBlank(value)) Add(segment, f.name, value, false);
    }
    const std::string_view rest = cursor.Rest();
    if (!IsBlank(rest)) {
      return Refuse(r, "segment " + std::string(segnam) + " has data past its last catalogued field " +
                           (layout->fields.empty() ? "" : layout->fields.back().name + " ") + "(at SDATA character " +
                           std::to_string(layout->length + 1) + ": " + Quoted(TrimBlanks(rest)) +
                           "): the segment catalogue is not the sending system's");
    }
    return Status::Ok();
  }

  ParsedIdoc Finish() {
    ParsedIdoc parsed;
    IdocKeys keys = KeysOf(control_, *document_);
    parsed.dedup_key = std::move(keys.dedup_key);
    parsed.business_key = std::move(keys.business_key);
    parsed.xml = WriteIdocXml(type_, *document_, is_segment_);
    parsed.control = std::move(control_);
    parsed.document = std::move(document_);
    return parsed;
  }

  const std::string& type() const { return type_; }

 private:
  doc::NodeId Add(doc::NodeId parent, std::string_view name, std::string_view value, bool segment) {
    const doc::NodeId id = document_->AddChild(parent, name, value);
    is_segment_.resize(id + 1, false);
    is_segment_[id] = segment;
    return id;
  }

  const SegmentCatalog& catalog_;
  const FlatOptions& options_;
  std::shared_ptr<doc::Document> document_;
  std::vector<bool> is_segment_;
  ControlRecord control_;
  std::string type_;
  Record first_record_;
  std::unordered_map<size_t, std::pair<doc::NodeId, size_t>> segments_;  // SEGNUM → node, level
  std::vector<std::pair<doc::NodeId, size_t>> open_;                     // for HLEVEL without PSGNUM
  size_t last_segnum_ = 0;
};

Status CheckCharacters(const Record& r) {
  for (size_t i = 0; i < r.text.size(); ++i) {
    const auto c = static_cast<unsigned char>(r.text[i]);
    if (c < 0x20 || c == 0x7F) {
      constexpr char kDigits[] = "0123456789ABCDEF";
      return Refuse(r, std::string("control character 0x") + kDigits[c >> 4] + kDigits[c & 0xF] + " at character " +
                           std::to_string(Utf8Length(r.text.substr(0, i)) + 1));
    }
  }
  return Status::Ok();
}

}  // namespace

bool LooksLikeFlatIdoc(std::string_view file) {
  if (file.starts_with(kUtf8Bom)) file.remove_prefix(kUtf8Bom.size());
  return file.starts_with("EDI_DC");
}

Result<ParsedPacket> ParseIdocFlat(std::string_view file, const SegmentCatalog& catalog, const FlatOptions& options) {
  std::string decoded;
  std::string_view text = file;
  if (options.latin1) {
    decoded = Latin1ToUtf8(file);
    text = decoded;
  } else {
    if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
    if (size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
      return Status::InvalidArgument("invalid UTF-8 at byte " + std::to_string(bad + (file.size() - text.size())) +
                                     " (a non-Unicode SAP system writes ISO-8859-1: set encoding: iso-8859-1)");
    }
  }
  if (IsBlank(text) || text.find_first_not_of(" \r\n") == std::string_view::npos) {
    return Status::InvalidArgument("the file is empty");
  }

  const bool lines = text.find('\n') != std::string_view::npos;
  ParsedPacket packet;
  IdocBuilder builder(catalog, options);
  bool in_idoc = false;
  size_t number = 0, line = 0, pos = 0;
  while (pos < text.size()) {
    Record r;
    r.byte_offset = pos;
    r.number = ++number;
    if (lines) {
      const size_t end = std::min(text.find('\n', pos), text.size());
      r.text = text.substr(pos, end - pos);
      r.line = ++line;
      // Lines may have their trailing blanks cut, so a line cut short by a
      // writer that has not finished looks like a whole one: only its line
      // end tells them apart.
      if (end == text.size() && !IsBlank(r.text)) {
        return Refuse(r,
                      "the last record has no line end: the file is cut short (every record of a file with "
                      "lines ends in LF or CRLF)");
      }
      pos = end + 1;
      if (r.text.ends_with('\r')) r.text.remove_suffix(1);
      if (r.text.empty()) {
        if (text.find_first_not_of("\r\n", pos) == std::string_view::npos) break;  // blank lines at the end
        return Refuse(r, "empty line");
      }
    } else {
      CharCursor cursor(text.substr(pos));
      const size_t length = IsControlRecord(text.substr(pos)) ? kControlRecordLength : kDataRecordLength;
      r.text = cursor.Take(length);
      pos += r.text.size();
      if (const size_t got = Utf8Length(r.text); got != length) {
        return Refuse(r, "the file ends " + std::to_string(got) + " characters into a " + std::to_string(length) +
                             "-character record: it is truncated, or not a flat IDoc file");
      }
    }
    if (Status s = CheckCharacters(r); !s.ok()) return s;
    const bool control = IsControlRecord(r.text);
    const size_t length = control ? kControlRecordLength : kDataRecordLength;
    if (lines && Utf8Length(r.text) > length) {
      return Refuse(r, std::string(control ? "control" : "data") + " record of " + std::to_string(Utf8Length(r.text)) +
                           " characters; it has " + std::to_string(length));
    }
    if (lines && !control && Utf8Length(r.text) < kDataHeaderLength) {
      return Refuse(r, "data record of " + std::to_string(Utf8Length(r.text)) + " characters, shorter than its " +
                           std::to_string(kDataHeaderLength) + "-character header");
    }
    if (control) {
      if (in_idoc) packet.idocs.push_back(builder.Finish());
      if (Status s = builder.Begin(r); !s.ok()) return s;
      if (packet.root_name.empty()) packet.root_name = builder.type();
      in_idoc = true;
      continue;
    }
    if (!in_idoc) return Refuse(r, "a data record before any EDI_DC40 control record");
    if (Status s = builder.AddDataRecord(r); !s.ok()) return s;
  }
  if (!in_idoc) return Status::InvalidArgument("no EDI_DC40 control record in the file");
  packet.idocs.push_back(builder.Finish());
  return packet;
}

}  // namespace ferry::idoc
