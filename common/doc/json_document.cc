#include "common/doc/json_document.h"

#include <boost/json/basic_parser_impl.hpp>

#include <string>
#include <vector>

namespace ferry::doc {
namespace {

// Builds the tree straight from parser events: no intermediate DOM, and
// numbers keep their text exactly as written (2500.50 stays 2500.50, which a
// double would not), so decimal() sees what the sender sent.
class Builder {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit Builder(std::shared_ptr<Document> doc) : doc_(std::move(doc)) {}
  std::shared_ptr<Document> document() { return doc_; }

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    if (frames_.empty()) {
      frames_.push_back({doc_->root(), false, {}});
    } else {
      frames_.push_back({doc_->AddChild(frames_.back().node, ChildName()), false, {}});
    }
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    frames_.pop_back();
    return true;
  }
  bool on_array_begin(boost::system::error_code&) {
    // An array adds no node: its elements are repeated children named like
    // the array's member (nested arrays flatten into the same name).
    if (frames_.empty()) {
      frames_.push_back({doc_->root(), true, "item"});
    } else {
      frames_.push_back({frames_.back().node, true, ChildName()});
    }
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    frames_.pop_back();
    return true;
  }
  bool on_key_part(std::string_view s, std::size_t, boost::system::error_code&) {
    key_part_.append(s);
    return true;
  }
  bool on_key(std::string_view s, std::size_t, boost::system::error_code&) {
    key_ = key_part_;
    key_.append(s);
    key_part_.clear();
    return true;
  }
  bool on_string_part(std::string_view s, std::size_t, boost::system::error_code&) {
    text_.append(s);
    return true;
  }
  bool on_string(std::string_view s, std::size_t, boost::system::error_code&) {
    text_.append(s);
    Scalar(text_);
    text_.clear();
    return true;
  }
  bool on_number_part(std::string_view s, boost::system::error_code&) {
    text_.append(s);
    return true;
  }
  bool on_int64(int64_t, std::string_view s, boost::system::error_code&) { return Number(s); }
  bool on_uint64(uint64_t, std::string_view s, boost::system::error_code&) { return Number(s); }
  bool on_double(double, std::string_view s, boost::system::error_code&) { return Number(s); }
  bool on_bool(bool b, boost::system::error_code&) {
    doc_->AddBoolean(frames_.empty() ? doc_->root() : frames_.back().node, frames_.empty() ? "value" : ChildName(), b);
    return true;
  }
  bool on_null(boost::system::error_code&) {
    Scalar({});
    return true;
  }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }

 private:
  struct Frame {
    NodeId node;
    bool array;
    std::string element_name;
  };
  std::string ChildName() const { return frames_.back().array ? frames_.back().element_name : key_; }
  bool Number(std::string_view s) {
    text_.append(s);
    Scalar(text_);
    text_.clear();
    return true;
  }
  void Scalar(std::string_view value) {
    if (frames_.empty()) {
      doc_->AddChild(doc_->root(), "value", value);
    } else {
      doc_->AddChild(frames_.back().node, ChildName(), value);
    }
  }

  std::shared_ptr<Document> doc_;
  std::vector<Frame> frames_;
  std::string key_, key_part_, text_;
};

}  // namespace

Result<std::shared_ptr<const Document>> FromJson(std::string_view json, std::string_view root_name) {
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::json::basic_parser<Builder> parser(options, std::make_shared<Document>(root_name));
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(false, json.data(), json.size(), ec);
  if (!ec && used != json.size()) ec = boost::json::error::extra_data;
  if (ec) return Status::InvalidArgument("JSON error at byte " + std::to_string(used) + ": " + ec.message());
  return std::shared_ptr<const Document>(parser.handler().document());
}

}  // namespace ferry::doc
