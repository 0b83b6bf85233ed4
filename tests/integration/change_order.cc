#include "tests/integration/change_order.h"

#include "tests/integration/idoc_text.h"

namespace ferry::testing {

::testing::AssertionResult PostInterleavedChanges(Pipeline& p, uint64_t first_docnum, uint64_t first_customer,
                                                  int customers, int changes) {
  uint64_t docnum = first_docnum;
  for (int change = 1; change <= changes; ++change) {
    for (int customer = 1; customer <= customers; ++customer) {
      const std::string kunnr = Docnum(first_customer + static_cast<uint64_t>(customer)).substr(6);
      const int status = p.PostIdoc(DebmasIdoc(Docnum(++docnum), kunnr, "v" + std::to_string(change), "DE")).status;
      if (status != 200) return ::testing::AssertionFailure() << "IDoc " << docnum << " answered " << status;
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ChangesInOrder(const nlohmann::json& record, const std::string& field, int changes) {
  if (record.is_null()) return ::testing::AssertionFailure() << "no such record";
  const nlohmann::json& history = record["_history"];
  if (history.size() != static_cast<size_t>(changes)) {
    return ::testing::AssertionFailure() << history.size() << " writes instead of " << changes << ": " << record.dump();
  }
  for (int change = 1; change <= changes; ++change) {
    if (history[change - 1][field] != "v" + std::to_string(change)) {
      return ::testing::AssertionFailure() << "write " << change << " is not v" << change << ": " << record.dump();
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace ferry::testing
