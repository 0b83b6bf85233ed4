#include "controlplane/console/sessions.h"

#include <gtest/gtest.h>

namespace ferry::controlplane {
namespace {

using namespace std::chrono_literals;
using ferry::v1::ConsoleUser;

TEST(SessionsTest, ASessionLivesUntilItsLifetimeOrItsIdleTimeEnds) {
  Sessions sessions(8h, 30min);
  const auto t0 = Sessions::Clock::now();
  auto [id, session] = sessions.Open("alice", ConsoleUser::OPERATOR, t0);
  EXPECT_EQ(id.size(), 64u);
  EXPECT_EQ(session.csrf_token.size(), 64u);
  EXPECT_NE(id, session.csrf_token);
  auto found = sessions.Find(id, t0 + 20min);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user, "alice");
  EXPECT_EQ(found->role, ConsoleUser::OPERATOR);
  EXPECT_TRUE(sessions.Find(id, t0 + 45min));           // used at 20 min: idle until 50
  EXPECT_FALSE(sessions.Find(id, t0 + 45min + 31min));  // idle too long
  EXPECT_FALSE(sessions.Find(id, t0));                  // and gone for good

  auto [busy, ignored] = sessions.Open("bob", ConsoleUser::VIEWER, t0);
  for (auto t = t0; t < t0 + 8h; t += 20min) ASSERT_TRUE(sessions.Find(busy, t));
  EXPECT_FALSE(sessions.Find(busy, t0 + 8h));  // the lifetime, however busy
}

TEST(SessionsTest, UnknownMalformedAndClosedIdsFindNothing) {
  Sessions sessions(8h, 30min);
  const auto t0 = Sessions::Clock::now();
  auto [id, s] = sessions.Open("alice", ConsoleUser::ADMIN, t0);
  std::string other = id;
  other[0] = other[0] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(sessions.Find(other, t0));
  EXPECT_FALSE(sessions.Find("", t0));
  EXPECT_FALSE(sessions.Find(id + "0", t0));
  auto [second, s2] = sessions.Open("alice", ConsoleUser::ADMIN, t0);
  auto [carol, s3] = sessions.Open("carol", ConsoleUser::VIEWER, t0);
  sessions.Close(id);
  EXPECT_FALSE(sessions.Find(id, t0));
  EXPECT_TRUE(sessions.Find(second, t0));
  sessions.CloseUser("alice");
  EXPECT_FALSE(sessions.Find(second, t0));
  EXPECT_TRUE(sessions.Find(carol, t0));
}

TEST(SessionsTest, TheTableIsBoundedAndGivesUpTheLeastRecentlyUsed) {
  Sessions sessions(8h, 30min, /*max_sessions=*/3);
  const auto t0 = Sessions::Clock::now();
  auto [a, sa] = sessions.Open("a", ConsoleUser::VIEWER, t0);
  auto [b, sb] = sessions.Open("b", ConsoleUser::VIEWER, t0 + 1s);
  auto [c, sc] = sessions.Open("c", ConsoleUser::VIEWER, t0 + 2s);
  ASSERT_TRUE(sessions.Find(a, t0 + 3s));  // a is now the most recently used
  auto [d, sd] = sessions.Open("d", ConsoleUser::VIEWER, t0 + 4s);
  EXPECT_EQ(sessions.size(), 3u);
  EXPECT_FALSE(sessions.Find(b, t0 + 5s));
  EXPECT_TRUE(sessions.Find(a, t0 + 5s));
  EXPECT_TRUE(sessions.Find(d, t0 + 5s));
}

}  // namespace
}  // namespace ferry::controlplane
