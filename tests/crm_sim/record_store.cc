#include "tests/crm_sim/record_store.h"

#include <algorithm>
#include <cassert>

#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

std::string RecordStore::TableKey(std::string_view object) const {
  return ignore_case_ ? Lower(object) : std::string(object);
}

std::string RecordStore::FieldKey(std::string_view field) const {
  return ignore_case_ ? Lower(field) : std::string(field);
}

RecordStore::Table& RecordStore::TableFor(std::string_view object) {
  Table& table = tables_[TableKey(object)];
  if (table.name.empty()) table.name = std::string(object);
  return table;
}

void RecordStore::IndexRecord(Table& table, const Record& record) {
  if (table.indexes.empty()) return;
  for (const auto& [name, value] : record.fields) {
    auto it = table.indexes.find(FieldKey(name));
    if (it == table.indexes.end()) continue;
    if (auto text = ScalarText(value)) it->second.emplace(*text, record.id);
  }
}

void RecordStore::UnindexRecord(Table& table, const Record& record) {
  if (table.indexes.empty()) return;
  for (const auto& [name, value] : record.fields) {
    auto it = table.indexes.find(FieldKey(name));
    if (it == table.indexes.end()) continue;
    auto text = ScalarText(value);
    if (!text) continue;
    auto [first, last] = it->second.equal_range(*text);
    for (auto e = first; e != last; ++e) {
      if (e->second == record.id) {
        it->second.erase(e);
        break;
      }
    }
  }
}

const Record* RecordStore::Get(std::string_view object, std::string_view id) const {
  auto t = tables_.find(TableKey(object));
  if (t == tables_.end()) return nullptr;
  auto r = t->second.records.find(std::string(id));
  return r == t->second.records.end() ? nullptr : &r->second;
}

std::vector<const Record*> RecordStore::Find(std::string_view object, const KeyValues& key) {
  std::vector<const Record*> out;
  auto t = tables_.find(TableKey(object));
  if (t == tables_.end() || key.empty()) return out;
  Table& table = t->second;
  // Index every key field on first use, from the records already there.
  for (const auto& [field, value] : key) {
    const std::string fk = FieldKey(field);
    if (table.indexes.count(fk)) continue;
    Index& index = table.indexes[fk];
    for (const auto& [id, record] : table.records) {
      for (const auto& [name, v] : record.fields) {
        if (FieldKey(name) != fk) continue;
        if (auto text = ScalarText(v)) index.emplace(*text, id);
      }
    }
  }
  const Index& first = table.indexes[FieldKey(key.front().first)];
  auto [lo, hi] = first.equal_range(key.front().second);
  for (auto e = lo; e != hi; ++e) {
    const Record& record = table.records.at(e->second);
    bool all = true;
    for (size_t i = 1; i < key.size() && all; ++i) {
      const auto& index = table.indexes[FieldKey(key[i].first)];
      auto [l2, h2] = index.equal_range(key[i].second);
      all = std::any_of(l2, h2, [&](const auto& kv) { return kv.second == record.id; });
    }
    if (all) out.push_back(&record);
  }
  std::sort(out.begin(), out.end(), [](const Record* a, const Record* b) { return a->created_seq < b->created_seq; });
  return out;
}

void RecordStore::AddHistory(Record& record, std::string_view op, const boost::json::object& fields) {
  // The fields as written, so a test reads _history[i]["Name"]; "_op" and
  // "_seq" (order across the vendor) cannot clash with a CRM field name.
  boost::json::object entry = fields;
  entry["_op"] = op;
  entry["_seq"] = ++seq_;
  record.history.push_back(std::move(entry));
}

void RecordStore::Remember(const std::string& table, const std::string& id, const Record* before) {
  if (!in_group_) return;
  undo_.push_back({table, id, before ? std::optional<Record>(*before) : std::nullopt});
}

void RecordStore::NoteFields(Table& table, const boost::json::object& fields) {
  for (const auto& [name, value] : fields) {
    // Most writes repeat names the table has: look before building a key.
    if (!table.fields.count(std::string_view(name))) table.fields.insert(FieldKey(name));
  }
}

bool RecordStore::HasField(std::string_view object, std::string_view field) const {
  auto t = tables_.find(TableKey(object));
  return t != tables_.end() && t->second.fields.count(FieldKey(field)) > 0;
}

const Record& RecordStore::Create(std::string_view object, std::string id, const boost::json::object& fields,
                                  std::string_view op) {
  Table& table = TableFor(object);
  NoteFields(table, fields);
  Remember(TableKey(object), id, nullptr);
  Record record;
  record.id = id;
  record.fields = fields;
  AddHistory(record, op, fields);
  record.created_seq = seq_;
  if (op != "seed") ++writes_;
  auto [it, inserted] = table.records.insert_or_assign(std::move(id), std::move(record));
  IndexRecord(table, it->second);
  return it->second;
}

const Record& RecordStore::Update(std::string_view object, std::string_view id, const boost::json::object& changes,
                                  std::string_view op) {
  Table& table = TableFor(object);
  Record& record = table.records.at(std::string(id));
  NoteFields(table, changes);
  Remember(TableKey(object), record.id, &record);
  UnindexRecord(table, record);
  for (const auto& [name, value] : changes) {
    if (ignore_case_) {  // replace "name" by "Name": one field whatever the spelling
      for (auto it = record.fields.begin(); it != record.fields.end(); ++it) {
        if (it->key() != name && IEquals(it->key(), name)) {
          record.fields.erase(it);
          break;
        }
      }
    }
    record.fields[name] = value;
  }
  ++record.version;
  AddHistory(record, op, changes);
  if (op != "seed") ++writes_;
  IndexRecord(table, record);
  return record;
}

const Record& RecordStore::Replace(std::string_view object, std::string_view id, boost::json::object fields,
                                   const boost::json::object& written, std::string_view op) {
  Table& table = TableFor(object);
  Record& record = table.records.at(std::string(id));
  NoteFields(table, fields);
  Remember(TableKey(object), record.id, &record);
  UnindexRecord(table, record);
  record.fields = std::move(fields);
  ++record.version;
  AddHistory(record, op, written);
  if (op != "seed") ++writes_;
  IndexRecord(table, record);
  return record;
}

bool RecordStore::Delete(std::string_view object, std::string_view id) {
  auto t = tables_.find(TableKey(object));
  if (t == tables_.end()) return false;
  auto r = t->second.records.find(std::string(id));
  if (r == t->second.records.end()) return false;
  Remember(t->first, r->first, &r->second);
  UnindexRecord(t->second, r->second);
  t->second.records.erase(r);
  ++deletes_;
  ++seq_;
  return true;
}

void RecordStore::Begin() {
  assert(!in_group_);
  in_group_ = true;
  undo_.clear();
  writes_at_begin_ = writes_;
  deletes_at_begin_ = deletes_;
}

void RecordStore::Commit() {
  in_group_ = false;
  undo_.clear();
}

void RecordStore::Rollback() {
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    Table& table = tables_[it->table];
    auto current = table.records.find(it->id);
    if (current != table.records.end()) {
      UnindexRecord(table, current->second);
      table.records.erase(current);
    }
    if (it->before) {
      auto [pos, inserted] = table.records.emplace(it->id, std::move(*it->before));
      IndexRecord(table, pos->second);
    }
  }
  writes_ = writes_at_begin_;
  deletes_ = deletes_at_begin_;
  in_group_ = false;
  undo_.clear();
}

std::vector<const Record*> RecordStore::Records(std::string_view object) const {
  std::vector<const Record*> out;
  auto t = tables_.find(TableKey(object));
  if (t == tables_.end()) return out;
  out.reserve(t->second.records.size());
  for (const auto& [id, record] : t->second.records) out.push_back(&record);
  return out;
}

boost::json::array RecordStore::List(std::string_view object) const {
  boost::json::array out;
  auto t = tables_.find(TableKey(object));
  if (t == tables_.end()) return out;
  std::vector<const Record*> records;
  for (const auto& [id, record] : t->second.records) records.push_back(&record);
  std::sort(records.begin(), records.end(),
            [](const Record* a, const Record* b) { return a->created_seq < b->created_seq; });
  for (const Record* r : records) {
    out.push_back(boost::json::object{{"id", r->id}, {"fields", r->fields}, {"_history", r->history}});
  }
  return out;
}

boost::json::object RecordStore::Counts() const {
  boost::json::object out;
  for (const auto& [key, table] : tables_) out[table.name] = table.records.size();
  return out;
}

void RecordStore::Clear() {
  tables_.clear();
  seq_ = writes_ = deletes_ = 0;
  in_group_ = false;
  undo_.clear();
}

}  // namespace ferry::crm_sim
