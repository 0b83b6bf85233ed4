// The trace log on a real store: found by IDoc number, business key, key
// value and event id; steps in order with the outcome; bounded in steps and
// in events; hostile search text refused.

#include "controlplane/delivery/event_trace.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

using ferry::v1::EventTrace;
using ferry::v1::TraceStep;

class EventTraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path(), EventTraceLog::Databases());
    traces_ = std::make_unique<EventTraceLog>(*store_, 1000);
  }

  // A trace stored at `stored_ms` for an event of IDoc `docnum` and key
  // `key`; ids sort like UUIDv7s (by time).
  std::string Store(int n, const std::string& docnum, const std::string& key, int64_t stored_ms) {
    ferry::v1::Event event;
    char id[40];
    std::snprintf(id, sizeof id, "0193e3a4-%04x-7000-8000-%012d", n, n);
    event.set_event_id(id);
    event.set_agent_id("hh-line-2");
    event.mutable_idoc()->set_docnum(docnum);
    event.mutable_idoc()->set_mestyp("DEBMAS");
    event.set_business_key(key);
    event.set_received_unix_ms(stored_ms - 20);
    const EventTrace trace = EventTraceLog::Begin(event, stored_ms - 10, stored_ms);
    EXPECT_TRUE(store_->WriteSync([&](store::WriteTxn& txn) { return traces_->Put(txn.txn(), trace); }).ok());
    return id;
  }

  Status Step(const std::string& id, const char* what, const std::string& detail) {
    TraceStep step;
    step.set_unix_ms(5000);
    step.set_step(what);
    step.set_detail(detail);
    return store_->WriteSync([&](store::WriteTxn& txn) { return traces_->AddStep(txn.txn(), id, step); });
  }

  std::vector<std::string> Ids(std::string_view text, size_t limit = 20) {
    auto found = traces_->Search(text, limit);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    std::vector<std::string> ids;
    if (found.ok()) {
      for (const auto& t : found->traces) ids.push_back(t.event_id());
    }
    return ids;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<EventTraceLog> traces_;
};

TEST_F(EventTraceTest, AnEventIsFoundByItsIdocNumberKeyKeyValueAndId) {
  const std::string a = Store(1, "0000000006100001", "DEBMAS:0000610001", 1000);
  const std::string b = Store(2, "0000000006100002", "DEBMAS:0000610002", 2000);
  const std::string c = Store(3, "0000000006100003", "DEBMAS:0000610001", 3000);  // the same customer again
  EXPECT_EQ(Ids("0000000006100002"), std::vector<std::string>{b});
  EXPECT_EQ(Ids("6100002"), std::vector<std::string>{b});                 // without the zeros
  EXPECT_EQ(Ids("DEBMAS:0000610001"), (std::vector<std::string>{c, a}));  // newest first
  EXPECT_EQ(Ids("610001"), (std::vector<std::string>{c, a}));             // the customer number
  EXPECT_EQ(Ids("0000610001"), (std::vector<std::string>{c, a}));
  EXPECT_EQ(Ids(" " + a + " "), std::vector<std::string>{a});
  EXPECT_EQ(Ids("610001", 1), std::vector<std::string>{c});
  EXPECT_TRUE(Ids("61000").empty());  // whole values only
  EXPECT_TRUE(Ids("DEBMAS").empty());
  auto found = traces_->Search("6100002", 20);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->matched_as, std::vector<std::string>{"IDoc number"});
}

TEST_F(EventTraceTest, StepsTellTheWayAndTheOutcome) {
  const std::string id = Store(1, "0000000006100001", "DEBMAS:0000610001", 1000);
  ASSERT_TRUE(Step(id, "attempt", "503 Service Unavailable").ok());
  ASSERT_TRUE(Step(id, "dead_lettered", "400 REQUIRED_FIELD_MISSING").ok());
  auto trace = traces_->Get(id);
  ASSERT_TRUE(trace.ok());
  EXPECT_EQ(trace->outcome(), "dead_lettered");
  std::vector<std::string> steps;
  for (const auto& s : trace->steps()) steps.push_back(s.step());
  EXPECT_EQ(steps, (std::vector<std::string>{"received", "sent", "stored", "attempt", "dead_lettered"}));
  EXPECT_EQ(trace->steps(0).unix_ms(), 980);
  ASSERT_TRUE(Step(id, "replayed", "by otto").ok());
  EXPECT_EQ(traces_->Get(id)->outcome(), "in_delivery");
  ASSERT_TRUE(Step(id, "delivered", "001Dn00000AbCdE").ok());
  EXPECT_EQ(traces_->Get(id)->outcome(), "delivered");
  EXPECT_EQ(traces_->Get(id)->record_id(), "001Dn00000AbCdE");
  // A step for an event without a trace changes nothing and is no error.
  EXPECT_TRUE(Step("0193e3a4-ffff-7000-8000-000000000099", "delivered", "x").ok());
  EXPECT_EQ(traces_->Get("0193e3a4-ffff-7000-8000-000000000099").status().code(), StatusCode::kNotFound);
}

// A CRM record on its way down: its own trace under the command's id,
// found by the record's id, and what its agent sends back up are steps of
// it; an agent cannot write into another event's trace that way.
TEST_F(EventTraceTest, ADownCommandIsTracedFromItsChannelToSapsAnswer) {
  ferry::v1::DownCommand command;
  command.set_command_id("0193e3a4-0100-7000-8000-000000000100");
  command.set_channel("d365-orders");
  command.set_crm("dataverse");
  command.set_object("salesorder");
  command.set_record_id("5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c");
  command.set_read_first(true);
  const EventTrace begun = EventTraceLog::BeginDown(command, 1000);
  ASSERT_TRUE(store_->WriteSync([&](store::WriteTxn& txn) { return traces_->Put(txn.txn(), begun); }).ok());
  EXPECT_EQ(Ids("5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c"), std::vector<std::string>{command.command_id()});

  // The agent's write-back, then a refusal: the refusal is the outcome.
  ferry::v1::Event answer;
  answer.set_event_id("0193e3a4-0101-7000-8000-000000000101");
  answer.set_source("down");
  answer.set_connector("dataverse");
  answer.set_raw_event_id(command.command_id());
  auto answered = EventTraceLog::DownAnswer(answer, 2000);
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->step(), "answered");
  EXPECT_NE(answered->detail().find("dataverse as event 0193e3a4-0101"), std::string::npos) << answered->detail();
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::WriteTxn& txn) {
                    return traces_->AddDownStep(txn.txn(), command.command_id(), *answered, "plant-s4");
                  })
                  .ok());
  auto trace = traces_->Get(command.command_id());
  ASSERT_TRUE(trace.ok());
  EXPECT_EQ(trace->direction(), "down");
  EXPECT_EQ(trace->mestyp(), "salesorder");
  EXPECT_EQ(trace->outcome(), "delivered");
  EXPECT_EQ(trace->steps(0).step(), "committed");
  EXPECT_NE(trace->steps(0).detail().find("from channel d365-orders"), std::string::npos);

  ferry::v1::Event refusal = answer;
  refusal.set_mapping_error("SAP: Sold-to party 999 does not exist");
  auto refused = EventTraceLog::DownAnswer(refusal, 3000);
  ASSERT_TRUE(refused.has_value());
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::WriteTxn& txn) {
                    return traces_->AddDownStep(txn.txn(), command.command_id(), *refused, "plant-s4");
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::WriteTxn& txn) {
                    return traces_->AddDownStep(txn.txn(), command.command_id(), *answered, "plant-s4");
                  })
                  .ok());
  EXPECT_EQ(traces_->Get(command.command_id())->outcome(), "dead_lettered") << "SAP's message to the CRM is no success";

  // Steps noted earlier but flushed later still read in time order. The
  // agent's commit names the agent; from then on only its answers count.
  TraceStep late;
  late.set_unix_ms(1500);
  late.set_step("committed_by_agent");
  late.set_agent_id("plant-s4");
  ASSERT_TRUE(
      store_->WriteSync([&](store::WriteTxn& txn) { return traces_->AddStep(txn.txn(), command.command_id(), late); })
          .ok());
  std::vector<std::string> order;
  const auto ordered = traces_->Get(command.command_id());
  ASSERT_TRUE(ordered.ok());
  for (const auto& step : ordered->steps()) order.push_back(step.step());
  EXPECT_EQ(order,
            (std::vector<std::string>{"committed", "committed_by_agent", "answered", "answered", "dead_lettered"}));
  EXPECT_EQ(ordered->agent_id(), "plant-s4");
  TraceStep forged = *answered;
  forged.set_detail("\xff\xfe not UTF-8");
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::WriteTxn& txn) {
                    return traces_->AddDownStep(txn.txn(), command.command_id(), forged, "intruder");
                  })
                  .ok());
  EXPECT_EQ(traces_->Get(command.command_id())->steps_size(), 5) << "another agent's answer is not taken";
  // A detail that is not UTF-8 is kept as UTF-8: the trace still reads.
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::WriteTxn& txn) {
                    return traces_->AddDownStep(txn.txn(), command.command_id(), forged, "plant-s4");
                  })
                  .ok());
  auto still = traces_->Get(command.command_id());
  ASSERT_TRUE(still.ok()) << still.status().message();
  EXPECT_TRUE(std::any_of(still->steps().begin(), still->steps().end(),
                          [](const TraceStep& step) { return step.detail() == "\xEF\xBF\xBD\xEF\xBF\xBD not UTF-8"; }));

  // An up event's trace takes no step from an agent's down answer.
  const std::string up = Store(1, "0000000006100001", "DEBMAS:0000610001", 1000);
  ASSERT_TRUE(
      store_
          ->WriteSync([&](store::WriteTxn& txn) { return traces_->AddDownStep(txn.txn(), up, *answered, "plant-s4"); })
          .ok());
  EXPECT_EQ(traces_->Get(up)->steps_size(), 3);
  // Events that answer no down command add nothing.
  ferry::v1::Event plain;
  plain.set_source("idoc");
  plain.set_raw_event_id(command.command_id());
  EXPECT_FALSE(EventTraceLog::DownAnswer(plain, 1).has_value());
}

TEST_F(EventTraceTest, ATraceKeepsItsFirstAndLatestStepsAndCountsTheRest) {
  const std::string id = Store(1, "0000000006100001", "DEBMAS:0000610001", 1000);
  for (int i = 1; i <= 100; ++i) ASSERT_TRUE(Step(id, "attempt", "503 try " + std::to_string(i)).ok());
  ASSERT_TRUE(Step(id, "delivered", "rec-1").ok());
  auto trace = traces_->Get(id);
  ASSERT_TRUE(trace.ok());
  EXPECT_EQ(static_cast<size_t>(trace->steps_size()), EventTraceLog::kMaxSteps);
  EXPECT_EQ(trace->steps_dropped(), 101 + 3 - EventTraceLog::kMaxSteps);
  EXPECT_EQ(trace->steps(2).step(), "stored");
  EXPECT_EQ(trace->steps(trace->steps_size() - 2).detail(), "503 try 100");
  EXPECT_EQ(trace->steps(trace->steps_size() - 1).step(), "delivered");
}

TEST_F(EventTraceTest, TheOldestTracesGoFirstWithTheirIndexEntries) {
  traces_ = std::make_unique<EventTraceLog>(*store_, 3);
  std::vector<std::string> ids;
  for (int i = 1; i <= 5; ++i) ids.push_back(Store(i, "00000000061000" + std::to_string(10 + i), "DEBMAS:7", 1000 * i));
  traces_->Flush();
  // The flush's write is asynchronous: a synchronous write after it
  // commits in order behind it.
  ASSERT_TRUE(store_->WriteSync([](store::WriteTxn&) { return Status::Ok(); }).ok());
  EXPECT_EQ(traces_->Get(ids[0]).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(traces_->Get(ids[1]).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(traces_->Get(ids[2]).ok());
  EXPECT_TRUE(Ids("6100011").empty());
  EXPECT_EQ(Ids("7"), (std::vector<std::string>{ids[4], ids[3], ids[2]}));
}

TEST_F(EventTraceTest, AResentEventKeepsItsFirstTraceAndHostileTextIsRefused) {
  const std::string id = Store(1, "0000000006100001", "DEBMAS:0000610001", 1000);
  Store(1, "0000000009999999", "DEBMAS:9", 9000);  // the same id again
  EXPECT_EQ(traces_->Get(id)->docnum(), "0000000006100001");
  EXPECT_TRUE(Ids("9999999").empty());
  for (std::string bad : {std::string(""), std::string("   "), std::string(201, '1'), std::string("a\0b", 3)}) {
    auto found = traces_->Search(bad, 20);
    EXPECT_EQ(found.status().code(), StatusCode::kInvalidArgument) << bad.size();
  }
  // Index separators and range ends in the text find nothing, and break nothing.
  for (const char* odd : {"\xff", "DEBMAS:", "/", "0", "\x01"}) EXPECT_TRUE(traces_->Search(odd, 20).ok()) << odd;
}

}  // namespace
}  // namespace ferry::controlplane
