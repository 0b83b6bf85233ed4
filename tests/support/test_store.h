#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/store/durable_queue.h"
#include "common/store/store.h"

namespace ferry::testing {

struct TestStoreOptions {
  uint64_t map_size_bytes = 64ull << 20;
  bool read_only = false;
};

// A real LMDB store in `dir` with `databases`, for unit tests. One that does
// not open fails the test, saying why, and comes back null.
inline std::unique_ptr<store::Store> OpenTestStore(const std::filesystem::path& dir, std::vector<std::string> databases,
                                                   const TestStoreOptions& options = {}) {
  store::StoreOptions o;
  o.dir = dir;
  o.map_size_bytes = options.map_size_bytes;
  o.read_only = options.read_only;
  o.databases = std::move(databases);
  auto store = store::Store::Open(o);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// The databases of the queues named, in one list.
inline std::vector<std::string> QueueDatabases(std::initializer_list<const char*> queues,
                                               std::initializer_list<const char*> more = {}) {
  std::vector<std::string> databases;
  for (const char* queue : queues) {
    for (auto& db : store::DurableQueue::DatabasesFor(queue)) databases.push_back(std::move(db));
  }
  databases.insert(databases.end(), more.begin(), more.end());
  return databases;
}

}  // namespace ferry::testing
