#include "tests/crm_sim/dataverse_query.h"

#include <algorithm>

#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

bool IsQueryNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// A cursor over one option's text. Every nesting goes through
// ParseExpandList, which refuses to go deeper than kMaxExpandDepth: the
// recursion is bounded whatever the client wrote.
class QueryOptionParser {
 public:
  QueryOptionParser(std::string_view option, std::string_view text) : option_(option), text_(text) {}

  // "a, b,c" up to ';', ')' or the end.
  Status ParseSelectList(std::vector<std::string>& columns) {
    for (;;) {
      std::string name = Name();
      if (name.empty()) return Error("a column name expected");
      if (columns.size() >= kMaxSelectColumns) {
        return Error("more than " + std::to_string(kMaxSelectColumns) + " columns");
      }
      columns.push_back(std::move(name));
      if (!Take(',')) return Status::Ok();
    }
  }

  // "nav(opts),nav2" up to ')' or the end; `depth` 1 at the top.
  Status ParseExpandList(std::vector<ExpandItem>& items, int depth) {
    if (depth > kMaxExpandDepth) return Error("$expand nested more than " + std::to_string(kMaxExpandDepth) + " deep");
    for (;;) {
      ExpandItem item;
      item.navigation = Name();
      if (item.navigation.empty()) return Error("a navigation property name expected");
      if (++expansions_ > kMaxExpandItems) return Error("more than " + std::to_string(kMaxExpandItems) + " expansions");
      if (Take('(')) {
        if (Status s = ParseExpandOptions(item.query, depth); !s.ok()) return s;
      }
      items.push_back(std::move(item));
      if (!Take(',')) return Status::Ok();
    }
  }

  Status ExpectEnd() {
    SkipSpaces();
    return pos_ == text_.size() ? Status::Ok() : Error("unexpected '" + std::string(1, text_[pos_]) + "'");
  }

 private:
  // "$select=…;$expand=…)" after the '(' of an expansion, ')' included.
  Status ParseExpandOptions(RowQuery& query, int depth) {
    bool selected = false;
    bool expanded = false;
    for (;;) {
      SkipSpaces();
      if (!Take('$')) return Error("a query option ($select or $expand) expected");
      const std::string option = "$" + Name();
      if (!Take('=')) return Error("'=' expected after " + option);
      if (option == "$select" && !selected) {
        selected = true;
        if (Status s = ParseSelectList(query.select); !s.ok()) return s;
      } else if (option == "$expand" && !expanded) {
        expanded = true;
        if (Status s = ParseExpandList(query.expand, depth + 1); !s.ok()) return s;
      } else if (option == "$select" || option == "$expand") {
        return Error(option + " given twice");
      } else {
        return Status::FailedPrecondition("the simulator implements only $select and $expand inside $expand, not " +
                                          option.substr(0, 40));
      }
      if (Take(')')) return Status::Ok();
      if (!Take(';')) return Error("';' or ')' expected");
    }
  }

  void SkipSpaces() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }

  bool Take(char c) {
    SkipSpaces();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::string Name() {
    SkipSpaces();
    const size_t start = pos_;
    while (pos_ < text_.size() && IsQueryNameChar(text_[pos_])) ++pos_;
    std::string name(text_.substr(start, pos_ - start));
    SkipSpaces();
    return name;
  }

  Status Error(const std::string& what) const {
    return Status::InvalidArgument("Syntax error in " + option_ + " at position " + std::to_string(pos_) + ": " + what +
                                   ".");
  }

  std::string option_;
  std::string_view text_;
  size_t pos_ = 0;
  size_t expansions_ = 0;
};

Status UnknownProperty(const EntitySetSpec& spec, const std::string& name) {
  return Status::InvalidArgument("Could not find a property named '" + name.substr(0, 200) +
                                 "' on type 'Microsoft.Dynamics.CRM." + spec.logical_name + "'.");
}

// What @odata.context says was selected: "(name,customerid_account(accountnumber))".
std::string ProjectionText(const RowQuery& query) {
  if (query.select.empty() && query.expand.empty()) return "";
  std::string out = "(";
  for (const auto& column : query.select) out += (out.size() > 1 ? "," : "") + column;
  for (const auto& item : query.expand) {
    const std::string inner = ProjectionText(item.query);
    out += (out.size() > 1 ? "," : "") + item.navigation + (inner.empty() ? "()" : inner);
  }
  return out + ")";
}

}  // namespace

Result<RowQuery> ParseRowQuery(const std::map<std::string, std::string>& options) {
  RowQuery query;
  for (const auto& [name, value] : options) {
    if (name.empty() || name.front() != '$') continue;
    if (name != "$select" && name != "$expand") {
      return Status::FailedPrecondition("the simulator implements only the $select and $expand query options, not " +
                                        name.substr(0, 40));
    }
    if (value.size() > kMaxQueryOptionChars) {
      return Status::InvalidArgument(name + " is longer than " + std::to_string(kMaxQueryOptionChars) + " characters.");
    }
    QueryOptionParser parser(name, value);
    Status parsed = name == "$select" ? parser.ParseSelectList(query.select) : parser.ParseExpandList(query.expand, 1);
    if (parsed.ok()) parsed = parser.ExpectEnd();
    if (!parsed.ok()) return parsed;
  }
  return query;
}

std::string RowEtag(const Record& record) { return "W/\"" + std::to_string(record.version) + "\""; }

bool RowReader::KnownColumn(const EntitySetSpec& spec, const std::string& column) const {
  if (column == spec.PrimaryIdField() || spec.Lookup(column) || spec.Collection(column)) return true;
  // Declared columns include the keys and every lookup's "_<column>_value".
  if (spec.rules.Declares(column)) return true;
  return !spec.rules.strict() && store_.HasField(spec.name, column);
}

Status RowReader::Check(const EntitySetSpec& spec, const RowQuery& query) const {
  for (const auto& column : query.select) {
    if (!KnownColumn(spec, column)) return UnknownProperty(spec, column);
  }
  for (const auto& item : query.expand) {
    const EntitySetSpec* related = nullptr;
    if (const LookupNavigation* lookup = spec.Lookup(item.navigation)) {
      related = schema_.Find(lookup->entity_set);
    } else if (const CollectionNavigation* collection = spec.Collection(item.navigation)) {
      related = schema_.Find(collection->entity_set);
    }
    if (!related) return UnknownProperty(spec, item.navigation);
    if (Status s = Check(*related, item.query); !s.ok()) return s;  // as deep as the parse allowed
  }
  return Status::Ok();
}

json::object RowReader::Read(const EntitySetSpec& spec, const Record& record, const RowQuery& query,
                             const std::string& service_root) {
  json::object row{{"@odata.context", service_root + "/$metadata#" + spec.name + ProjectionText(query) + "/$entity"}};
  Fill(row, spec, record, query, service_root);
  return row;
}

void RowReader::Fill(json::object& row, const EntitySetSpec& spec, const Record& record, const RowQuery& query,
                     const std::string& service_root) {
  row["@odata.etag"] = RowEtag(record);
  if (query.select.empty()) {
    for (const auto& [name, value] : record.fields) row[name] = value;
  }
  for (const auto& column : query.select) {
    if (spec.Collection(column)) continue;  // selects no column
    const LookupNavigation* lookup = spec.Lookup(column);
    const std::string field = lookup ? lookup->ValueField() : column;
    const json::value* value = record.fields.if_contains(field);
    row[field] = value ? *value : json::value(nullptr);
  }
  row[spec.PrimaryIdField()] = record.id;
  for (const auto& item : query.expand) {
    if (const LookupNavigation* lookup = spec.Lookup(item.navigation)) {
      const EntitySetSpec* related = schema_.Find(lookup->entity_set);
      const json::value* id = record.fields.if_contains(lookup->ValueField());
      const Record* parent =
          related && id && id->is_string() ? store_.Get(related->name, Lower(id->get_string())) : nullptr;
      if (!parent) {
        row[item.navigation] = nullptr;
        continue;
      }
      json::object nested;
      Fill(nested, *related, *parent, item.query, service_root);
      row[item.navigation] = std::move(nested);
      continue;
    }
    const CollectionNavigation* collection = spec.Collection(item.navigation);
    const EntitySetSpec* related = collection ? schema_.Find(collection->entity_set) : nullptr;
    if (!related) continue;  // Check refused it
    const std::vector<const Record*> children =
        store_.Find(related->name, {{"_" + collection->column + "_value", record.id}});
    json::array rows;
    for (size_t i = 0; i < children.size() && i < collection_limit_; ++i) {
      json::object nested;
      Fill(nested, *related, *children[i], item.query, service_root);
      rows.push_back(std::move(nested));
    }
    row[item.navigation] = std::move(rows);
    if (children.size() > collection_limit_) {
      // Shaped as Dataverse's: the collection under its parent, the same
      // $select, and an opaque paging cookie.
      std::string link = service_root + "/" + spec.name + "(" + record.id + ")/" + item.navigation + "?";
      if (!item.query.select.empty()) {
        link += "$select=";
        for (size_t i = 0; i < item.query.select.size(); ++i) link += (i ? "," : "") + item.query.select[i];
        link += "&";
      }
      link += "$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E";
      row[item.navigation + "@odata.nextLink"] = link;
    }
  }
}

}  // namespace ferry::crm_sim
