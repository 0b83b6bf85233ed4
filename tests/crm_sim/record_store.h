#pragma once
// The in-memory records of one simulated vendor: objects (Salesforce
// SObjects, Dataverse entity sets) of records with an id, their current
// fields and every write in order, so a test can check ordering and
// create-versus-update after the fact.
//
// Lookups by field value (external ids, alternate keys) go through an index
// built the first time a field is searched and kept up to date on writes:
// upserts stay O(1) however many records a benchmark writes.
//
// Begin() / Commit() / Rollback() make a group of writes all-or-nothing
// (allOrNone collections, Dataverse change sets): a rolled-back write leaves
// no trace, not even in the history.

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ferry::crm_sim {

struct Record {
  std::string id;
  boost::json::object fields;
  boost::json::array history;  // each write: its fields as written, plus "_op" and "_seq"
  uint64_t created_seq = 0;
  uint64_t version = 1;  // bumped on each write: Dataverse's row version
};

// Field name → value text, all of which must match.
using KeyValues = std::vector<std::pair<std::string, std::string>>;

class RecordStore {
 public:
  // With `ignore_case`, object and field names match regardless of case
  // (Salesforce); otherwise exactly (Dataverse logical names).
  explicit RecordStore(bool ignore_case) : ignore_case_(ignore_case) {}

  const Record* Get(std::string_view object, std::string_view id) const;
  // The records whose fields equal every pair of `key`, oldest first.
  std::vector<const Record*> Find(std::string_view object, const KeyValues& key);

  // `op` names the write in the history ("create", "update", "seed").
  const Record& Create(std::string_view object, std::string id, const boost::json::object& fields,
                       std::string_view op = "create");
  // Merges `changes` into an existing record (null values are stored as null).
  const Record& Update(std::string_view object, std::string_view id, const boost::json::object& changes,
                       std::string_view op = "update");
  // Sets an existing record's fields to `fields`, which the caller merged
  // itself (members it removed are gone, not null), and keeps `written` as
  // the write in the history.
  const Record& Replace(std::string_view object, std::string_view id, boost::json::object fields,
                        const boost::json::object& written, std::string_view op = "update");
  // False when there is no such record.
  bool Delete(std::string_view object, std::string_view id);

  // Groups do not nest.
  void Begin();
  void Commit();
  void Rollback();

  // {"id","fields","_history"} per record, oldest first; empty for an unknown object.
  boost::json::array List(std::string_view object) const;
  // The records of `object`, in no order, without copying them; null for an
  // unknown object.
  std::vector<const Record*> Records(std::string_view object) const;
  // Object name → record count.
  boost::json::object Counts() const;
  // Whether some record of `object` was ever written with `field` (a
  // column the table has, as far as the store can tell; a rolled-back write
  // counts too).
  bool HasField(std::string_view object, std::string_view field) const;
  void Clear();

  uint64_t writes() const { return writes_; }  // creates and updates, seeds excluded
  uint64_t deletes() const { return deletes_; }
  // The sequence number of the latest write or delete.
  uint64_t seq() const { return seq_; }

 private:
  using Index = std::unordered_multimap<std::string, std::string>;  // value text → record id
  struct Table {
    std::string name;  // as first written
    std::unordered_map<std::string, Record> records;
    std::map<std::string, Index> indexes;       // by field name (lower-cased with ignore_case_)
    std::set<std::string, std::less<>> fields;  // every field name written (lower-cased with ignore_case_)
  };
  struct Undo {
    std::string table;
    std::string id;
    std::optional<Record> before;
  };

  std::string TableKey(std::string_view object) const;
  std::string FieldKey(std::string_view field) const;
  Table& TableFor(std::string_view object);
  void IndexRecord(Table& table, const Record& record);
  void UnindexRecord(Table& table, const Record& record);
  void Remember(const std::string& table, const std::string& id, const Record* before);
  void AddHistory(Record& record, std::string_view op, const boost::json::object& fields);
  void NoteFields(Table& table, const boost::json::object& fields);

  bool ignore_case_;
  std::map<std::string, Table> tables_;
  uint64_t seq_ = 0;
  uint64_t writes_ = 0;
  uint64_t deletes_ = 0;
  bool in_group_ = false;
  std::vector<Undo> undo_;
  uint64_t writes_at_begin_ = 0;
  uint64_t deletes_at_begin_ = 0;
};

}  // namespace ferry::crm_sim
