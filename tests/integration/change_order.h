#pragma once
// The per-key order check every connector test makes: several customers,
// each changed several times, the changes posted interleaved; each record's
// writes must then carry "v1", "v2", ... in that order.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "tests/integration/pipeline.h"

namespace ferry::testing {

// Posts `changes` rounds of one DEBMAS IDoc per customer; customer c
// (1..customers) is KUNNR `first_customer + c` (10 digits), named
// "v<round>". IDoc numbers count up from `first_docnum`.
::testing::AssertionResult PostInterleavedChanges(Pipeline& p, uint64_t first_docnum, uint64_t first_customer,
                                                  int customers, int changes);

// `record` is a simulator record ({"_history": [...]}) whose writes carry
// "v1" .. "v<changes>" in `field`, in order.
::testing::AssertionResult ChangesInOrder(const nlohmann::json& record, const std::string& field, int changes);

}  // namespace ferry::testing
