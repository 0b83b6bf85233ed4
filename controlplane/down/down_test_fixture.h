#pragma once
// What the unit tests of the control plane's down path share: a real store
// with the down queue, its dead letters and the poll watermarks; the
// inbound channels; a fake tunnel; DownCommands over them, routing to
// `agents_`; and an event loop the test turns by hand.

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <vector>

#include "controlplane/down/down_commands.h"
#include "controlplane/down/poll_watermarks.h"
#include "tests/support/fake_tunnel.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane::testing {

class DownStoreTest : public ::testing::Test {
 protected:
  // Opens the store, adds `channel` and makes commands_.
  void Open(ConfiguredChannel channel) {
    std::vector<std::string> databases = store::DurableQueue::DatabasesFor(kDownQueue);
    for (auto& db : store::DurableQueue::DatabasesFor(kDeadLetters)) databases.push_back(db);
    databases.push_back(PollWatermarks::kDb);
    store_ = ferry::testing::OpenTestStore(dir_.path(), databases);
    down_queue_ = std::move(store::DurableQueue::Open(*store_, {kDownQueue, 0}).value());
    dead_letters_ = std::move(store::DurableQueue::Open(*store_, {kDeadLetters, 0}).value());
    inbound_.channels.push_back(std::move(channel));
    commands_ = std::make_shared<DownCommands>(io_.get_executor(), *store_, *down_queue_, tunnel_, inbound_,
                                               DownOptions{}, [this] { return agents_; });
  }
  // Stops commands_ and lets what it was doing end; a test stops its own
  // parts first.
  void TearDown() override {
    if (commands_) commands_->Stop();
    for (int i = 0; i < 20; ++i) Run();
    if (store_) store_->Drain();
  }

  // One turn of the loop: at most one handler, waiting at most 10 ms.
  void Run() {
    io_.restart();
    io_.run_one_for(std::chrono::milliseconds(10));
  }
  // Turns the loop until `done` holds, for at most `turns` turns.
  template <typename Done>
  bool RunUntil(Done done, int turns = 1000) {
    for (int i = 0; i < turns && !done(); ++i) Run();
    return done();
  }
  // The down queue's commands, in queue order.
  std::vector<ferry::v1::DownCommand> Queued() {
    std::vector<ferry::v1::DownCommand> out;
    auto records = down_queue_->ReadAfter(0, 1000, 1 << 24);
    EXPECT_TRUE(records.ok());
    if (!records.ok()) return out;
    for (const auto& r : records.value()) {
      out.emplace_back();
      EXPECT_TRUE(r.corrupt.empty() && out.back().ParseFromString(r.data));
    }
    return out;
  }

  static constexpr const char* kDeadLetters = "dlq";

  ferry::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::DurableQueue> down_queue_, dead_letters_;
  InboundOptions inbound_;
  std::vector<RoutableAgent> agents_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  ferry::testing::FakeTunnel tunnel_;
  std::shared_ptr<DownCommands> commands_;
};

}  // namespace ferry::controlplane::testing
