// Librarian sessions: tokens, idle logout, CSRF tokens, logout.
#include "auth_test_util.hpp"

#include <set>
#include <thread>
#include <vector>

using namespace sb;
using namespace sb::auth;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

class SessionsTest : public ::testing::Test {
protected:
    std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
    Sessions sessions_{clock_};
};

}  // namespace

TEST_F(SessionsTest, EverySessionGetsItsOwnUnguessableTokenAndCsrfToken) {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        Sessions::Session s = sessions_.create();
        EXPECT_EQ(s.token.size(), 43u);  // 32 random bytes, base64url
        EXPECT_EQ(s.csrf.size(), 43u);
        EXPECT_NE(s.token, s.csrf);
        EXPECT_TRUE(seen.insert(s.token).second);
        EXPECT_TRUE(seen.insert(s.csrf).second);
    }
    EXPECT_EQ(sessions_.count(), 50u);
}

TEST_F(SessionsTest, ATokenFindsItsOwnSessionAndNothingElseFindsAny) {
    Sessions::Session a = sessions_.create();
    Sessions::Session b = sessions_.create();
    std::optional<Sessions::Session> found = sessions_.find(a.token);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->token, a.token);
    EXPECT_EQ(found->csrf, a.csrf);
    EXPECT_EQ(sessions_.find(b.token)->csrf, b.csrf);
    EXPECT_FALSE(sessions_.find(""));
    EXPECT_FALSE(sessions_.find(a.csrf));  // the CSRF token is not a session token
    EXPECT_FALSE(sessions_.find(a.token.substr(0, 42)));
    EXPECT_FALSE(sessions_.find(a.token + "x"));
}

TEST_F(SessionsTest, ASessionEndsAfterTenIdleMinutes) {
    Sessions::Session s = sessions_.create();
    clock_->advance(10min);
    EXPECT_FALSE(sessions_.find(s.token));
    EXPECT_EQ(sessions_.count(), 0u);
}

TEST_F(SessionsTest, UsingASessionRestartsItsIdleTimer) {
    Sessions::Session s = sessions_.create();
    clock_->advance(9min + 59s);
    ASSERT_TRUE(sessions_.find(s.token));
    clock_->advance(9min + 59s);
    ASSERT_TRUE(sessions_.find(s.token));  // almost 20 minutes since it was created
    clock_->advance(10min);
    EXPECT_FALSE(sessions_.find(s.token));
}

TEST_F(SessionsTest, TheIdleTimeoutCanBeChosen) {
    Sessions short_lived(clock_, 30s);
    Sessions::Session s = short_lived.create();
    clock_->advance(29s);
    EXPECT_TRUE(short_lived.find(s.token));
    clock_->advance(30s);
    EXPECT_FALSE(short_lived.find(s.token));
}

TEST_F(SessionsTest, TheCsrfTokenMustMatchTheSessions) {
    Sessions::Session a = sessions_.create();
    Sessions::Session b = sessions_.create();
    EXPECT_TRUE(sessions_.check_csrf(a.token, a.csrf));
    EXPECT_FALSE(sessions_.check_csrf(a.token, b.csrf));
    EXPECT_FALSE(sessions_.check_csrf(a.token, ""));
    EXPECT_FALSE(sessions_.check_csrf(a.token, a.csrf.substr(1)));
    EXPECT_FALSE(sessions_.check_csrf(a.token, a.token));
    EXPECT_FALSE(sessions_.check_csrf("", a.csrf));
    EXPECT_FALSE(sessions_.check_csrf(random_token(), a.csrf));
}

TEST_F(SessionsTest, TheCsrfCheckRefusesAnIdledOutSessionAndDoesNotKeepOneAlive) {
    Sessions::Session s = sessions_.create();
    clock_->advance(9min);
    EXPECT_TRUE(sessions_.check_csrf(s.token, s.csrf));
    clock_->advance(1min);
    EXPECT_FALSE(sessions_.check_csrf(s.token, s.csrf));
    EXPECT_FALSE(sessions_.find(s.token));
}

TEST_F(SessionsTest, RemovingASessionLogsItOut) {
    Sessions::Session a = sessions_.create();
    Sessions::Session b = sessions_.create();
    sessions_.remove(a.token);
    EXPECT_FALSE(sessions_.find(a.token));
    EXPECT_FALSE(sessions_.check_csrf(a.token, a.csrf));
    EXPECT_TRUE(sessions_.find(b.token));
    EXPECT_EQ(sessions_.count(), 1u);
    sessions_.remove(a.token);  // again: nothing happens
    sessions_.remove("no such token");
    EXPECT_EQ(sessions_.count(), 1u);
}

TEST_F(SessionsTest, CountIsOnlyTheLiveSessions) {
    sessions_.create();
    clock_->advance(6min);
    Sessions::Session later = sessions_.create();
    EXPECT_EQ(sessions_.count(), 2u);
    clock_->advance(5min);
    EXPECT_EQ(sessions_.count(), 1u);
    EXPECT_TRUE(sessions_.find(later.token));
}

TEST_F(SessionsTest, BeyondTheCapTheLeastRecentlyUsedSessionIsDropped) {
    std::vector<Sessions::Session> all;
    for (std::size_t i = 0; i < Sessions::max_sessions; ++i) {
        all.push_back(sessions_.create());
        clock_->advance(1s);
    }
    ASSERT_TRUE(sessions_.find(all[0].token));  // now the most recently used
    clock_->advance(1s);
    Sessions::Session extra = sessions_.create();
    EXPECT_EQ(sessions_.count(), Sessions::max_sessions);
    EXPECT_TRUE(sessions_.find(all[0].token));
    EXPECT_FALSE(sessions_.find(all[1].token));
    EXPECT_TRUE(sessions_.find(extra.token));
}

TEST_F(SessionsTest, AClockThatJumpsFarBackEndsSessions) {
    Sessions::Session s = sessions_.create();
    clock_->advance(-24h);
    EXPECT_FALSE(sessions_.find(s.token));
}

TEST_F(SessionsTest, SessionsMayBeUsedFromSeveralThreads) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                Sessions::Session s = sessions_.create();
                EXPECT_TRUE(sessions_.find(s.token));
                EXPECT_TRUE(sessions_.check_csrf(s.token, s.csrf));
                sessions_.remove(s.token);
            }
        });
    for (std::thread& th : threads) th.join();
    EXPECT_EQ(sessions_.count(), 0u);
}
