#include "controlplane/console/console_events.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace ferry::controlplane {
namespace {

// What a browser would have received, piece by piece; `open` false makes
// the next write fail, as a closed connection does.
class Received final : public http::BodyWriter {
 public:
  boost::asio::awaitable<bool> Write(std::string piece) override {
    if (!open) co_return false;
    text += piece;
    co_return true;
  }
  std::string text;
  bool open = true;
};

constexpr int64_t kBoot = 1796000000000;

class ConsoleEventsTest : public ::testing::Test {
 protected:
  ConsoleEvents::Options Small() {
    ConsoleEvents::Options options;
    options.history = 3;
    options.max_streams = 2;
    return options;
  }
  // Opens a stream and runs it as far as it goes now; `done` turns true
  // when it returns.
  void Open(
      ConsoleEvents& events, Received& tab, const std::string& last_id, bool& done,
      std::function<bool()> allowed = [] { return true; }) {
    boost::asio::co_spawn(
        io_,
        [&events, &tab, last_id, &done, allowed]() -> boost::asio::awaitable<void> {
          co_await events.Stream(tab, last_id, std::chrono::hours(1), allowed);
          done = true;
        },
        boost::asio::detached);
    io_.poll();
  }
  boost::asio::io_context io_;
};

TEST_F(ConsoleEventsTest, ANewTabHearsEveryChangeAfterItOpened) {
  ConsoleEvents events(io_.get_executor(), Small(), kBoot);
  events.Publish({"audit"});  // before the tab: not its business
  Received tab;
  bool done = false;
  Open(events, tab, "", done);
  EXPECT_EQ(tab.text, "retry: 3000\n\n");
  events.Publish({"agents", "fleet"});
  io_.poll();
  EXPECT_EQ(tab.text,
            "retry: 3000\n\nid: 1796000000000-2\nevent: changed\ndata: {\"topics\":[\"agents\",\"fleet\"]}\n\n");
  events.Publish({});  // nothing changed: nothing sent
  io_.poll();
  EXPECT_EQ(events.last_number(), 2u);
  EXPECT_FALSE(done);
  EXPECT_EQ(events.streams(), 1u);
  events.Stop();
  io_.poll();
  EXPECT_TRUE(done);
  EXPECT_EQ(events.streams(), 0u);
}

TEST_F(ConsoleEventsTest, ATabThatComesBackGetsWhatItMissedOrAReset) {
  ConsoleEvents events(io_.get_executor(), Small(), kBoot);
  for (const char* topic : {"agents", "audit", "dead-letters", "fleet", "agents"}) events.Publish({topic});
  // History keeps the last 3 (numbers 3 to 5): after 2, the tab gets them all.
  Received back;
  bool done = false;
  Open(events, back, "1796000000000-2", done);
  EXPECT_EQ(back.text.find("-2\n"), std::string::npos) << back.text;
  EXPECT_NE(back.text.find("id: 1796000000000-3\nevent: changed\ndata: {\"topics\":[\"dead-letters\"]}"),
            std::string::npos)
      << back.text;
  EXPECT_NE(back.text.find("id: 1796000000000-5\n"), std::string::npos) << back.text;
  EXPECT_EQ(back.text.find("reset"), std::string::npos) << back.text;

  // After 1: number 2 is no longer kept, so the tab cannot know what it
  // missed: a reset. So too with an id of another run, from the future, or
  // garbage.
  for (const std::string id : {"1796000000000-1", "1795999999999-4", "1796000000000-999", "1796000000000-", "x-1",
                               "1796000000000-4x", "-", "1796000000000-99999999999999999999999"}) {
    Received tab;
    bool ended = false;
    Open(events, tab, id, ended);
    EXPECT_EQ(tab.text, "retry: 3000\n\nid: 1796000000000-" + std::to_string(events.last_number()) +
                            "\nevent: reset\ndata: {}\n\n")
        << id;
    tab.open = false;
    events.Publish({"agents"});
    io_.poll();
    EXPECT_TRUE(ended) << id;
  }
}

TEST_F(ConsoleEventsTest, ATabFallingBehindTheHistoryIsToldToReset) {
  ConsoleEvents events(io_.get_executor(), Small(), kBoot);
  Received slow;
  bool done = false;
  Open(events, slow, "", done);
  // Five notices before the stream runs again: more than the history keeps.
  for (int i = 0; i < 5; ++i) events.Publish({"agents"});
  io_.poll();
  EXPECT_NE(slow.text.find("event: reset"), std::string::npos) << slow.text;
  EXPECT_EQ(slow.text.find("event: changed"), std::string::npos) << slow.text;
  events.Stop();
  io_.poll();
}

TEST_F(ConsoleEventsTest, StreamsAreCountedFreedWhenTheClientGoesAndEndWhenNoLongerAllowed) {
  ConsoleEvents events(io_.get_executor(), Small(), kBoot);
  Received a, b;
  bool a_done = false, b_done = false;
  bool b_allowed = true;
  Open(events, a, "", a_done);
  Open(events, b, "", b_done, [&] { return b_allowed; });
  EXPECT_FALSE(events.HasRoom());
  a.open = false;  // the tab closed: noticed at the next write
  events.Publish({"audit"});
  io_.poll();
  EXPECT_TRUE(a_done);
  EXPECT_TRUE(events.HasRoom());
  EXPECT_NE(b.text.find("audit"), std::string::npos);
  b_allowed = false;  // signed out
  events.Publish({"audit"});
  io_.poll();
  EXPECT_TRUE(b_done);
  EXPECT_EQ(events.streams(), 0u);
}

}  // namespace
}  // namespace ferry::controlplane
