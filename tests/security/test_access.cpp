// Who may change what: the CSRF token on every state-changing admin route, and the PIN lockout
// as the real daemon enforces it, across a restart.
#include "security/security.hpp"

using namespace sbtest;
using sb::web::Access;

namespace {

httplib::Result send(httplib::Client& c, const std::string& method, const std::string& path, const httplib::Headers& h) {
    if (method == "POST") return c.Post(path, h, "{}", "application/json");
    if (method == "PUT") return c.Put(path, h, "{}", "application/json");
    if (method == "PATCH") return c.Patch(path, h, "{}", "application/json");
    if (method == "DELETE") return c.Delete(path, h);
    return c.Get(path, h);
}

}  // namespace

TEST(Csrf, EveryStateChangingAdminRouteRefusesALoggedInLibrarianWithoutTheCsrfToken) {
    SecuredBooth b;
    b.login();
    auto c = b.client();
    int checked = 0;
    for (const auto& r : booth_routes()) {
        if (r.access != Access::admin || r.method == "GET") continue;
        const std::string path = sample_path(r.pattern);
        const httplib::Headers cookie_only = {{"Cookie", "sb_admin=" + b.session}};
        const httplib::Headers wrong = {{"Cookie", "sb_admin=" + b.session}, {"X-CSRF-Token", b.csrf + "x"}};
        const httplib::Headers empty = {{"Cookie", "sb_admin=" + b.session}, {"X-CSRF-Token", ""}};
        for (const auto* h : {&cookie_only, &wrong, &empty}) {
            auto res = send(c, r.method, path, *h);
            ASSERT_TRUE(res) << r.method << " " << path;
            EXPECT_EQ(res->status, 403) << r.method << " " << path;
        }
        ++checked;
    }
    EXPECT_GE(checked, 10);
    // The session is still good: none of the refused requests logged it out.
    auto a = b.admin();
    auto me = a.Get("/api/v1/admin/me");
    ASSERT_TRUE(me);
    EXPECT_EQ(me->status, 200);
}

TEST(Csrf, AnotherSessionsCsrfTokenDoesNotCount) {
    SecuredBooth b;
    b.login();
    const std::string first_csrf = b.csrf;
    b.login();
    auto c = b.client();
    auto res = c.Put("/api/v1/admin/questions", {{"Cookie", "sb_admin=" + b.session}, {"X-CSRF-Token", first_csrf}}, "[]",
                     "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403);
}

TEST(PinLockout, FiveWrongPinsLockLoginOnTheRunningBoothAndTheLockSurvivesARestart) {
    SecuredBooth b;
    auto c = b.client();
    for (int i = 0; i < 5; ++i) {
        auto r = post_json(c, "/api/v1/admin/login", {{"pin", "0000" + std::to_string(i)}});
        ASSERT_TRUE(r);
        EXPECT_TRUE(r->status == 401 || r->status == 429) << r->status;
        EXPECT_EQ(r->get_header_value("Set-Cookie"), "");
    }
    auto r = post_json(c, "/api/v1/admin/login", {{"pin", kPin}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429) << "the right PIN must be refused while locked";
    EXPECT_EQ(r->get_header_value("Set-Cookie"), "");

    b.daemon->stop();
    b.start();
    auto c2 = b.client();
    r = post_json(c2, "/api/v1/admin/login", {{"pin", kPin}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429) << "a restart must not lift the lock";
    EXPECT_EQ(r->get_header_value("Set-Cookie"), "");
}

TEST(PinLockout, TheLockIsForEveryClientNotOnlyTheOneThatGuessed) {
    SecuredBooth b;
    for (int i = 0; i < 5; ++i) {
        auto c = b.client();  // a new connection for every guess
        ASSERT_TRUE(post_json(c, "/api/v1/admin/login", {{"pin", "1111" + std::to_string(i)}}));
    }
    auto other = b.client();
    auto r = post_json(other, "/api/v1/admin/login", {{"pin", kPin}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429);
}
