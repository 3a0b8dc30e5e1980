// Every route's guard, enumerated from the router itself, so a new route cannot forget one.
#include "daemon/booth.hpp"
#include "e2e/e2e.hpp"
#include "web/http.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <httplib.h>
#include <regex>
#include <thread>

using namespace sbtest;
using sb::web::Access;

namespace {

// A concrete path for a route pattern: each capture group gets a plausible value.
std::string sample_path(const std::string& pattern) {
    std::string p = std::regex_replace(pattern, std::regex(R"(\(\[0-9a-f-\]\{36\}\))"), "0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f");
    p = std::regex_replace(p, std::regex(R"(\(\\d\{1,12\}\))"), "1");
    p = std::regex_replace(p, std::regex(R"(\(\.\*\))"), "0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f/audio.ogg");
    return p;
}

struct RunningBooth {
    TempDir t;
    std::unique_ptr<sb::Booth> booth;
    std::thread server;
    int port = 0;
    RunningBooth() {
        sb::Settings s;
        s.data = t / "data";
        s.listen = "127.0.0.1:0";
        s.input = conversation_wav();
        booth = std::make_unique<sb::Booth>(s, "test");
        port = booth->bind();
        server = std::thread([this] { booth->serve(); });
    }
    ~RunningBooth() {
        booth->stop();
        server.join();
    }
};

}  // namespace

TEST(Guards, EveryAdminRouteRefusesWithoutALibrarianSession) {
    RunningBooth b;
    httplib::Client c("127.0.0.1", b.port);
    int checked = 0;
    for (const auto& r : b.booth->router().routes()) {
        if (r.access != Access::admin) continue;
        const std::string path = sample_path(r.pattern);
        auto send = [&]() -> httplib::Result {
            if (r.method == "GET") return c.Get(path);
            if (r.method == "POST") return c.Post(path, "{}", "application/json");
            if (r.method == "PUT") return c.Put(path, "{}", "application/json");
            if (r.method == "PATCH") return c.Patch(path, "{}", "application/json");
            return c.Delete(path);
        };
        auto res = send();
        ASSERT_TRUE(res) << r.method << " " << path;
        EXPECT_EQ(res->status, 401) << r.method << " " << path;
        ++checked;
    }
    EXPECT_GE(checked, 15);
}

TEST(Guards, EverySyncRouteRefusesWithoutAValidToken) {
    RunningBooth b;
    httplib::Client c("127.0.0.1", b.port);
    int checked = 0;
    for (const auto& r : b.booth->router().routes()) {
        if (r.access != Access::sync) continue;
        const std::string path = sample_path(r.pattern);
        const std::vector<httplib::Headers> attempts = {
            {},
            {{"Authorization", "Bearer"}},
            {{"Authorization", "Bearer " + std::string(43, 'A')}},
            {{"Authorization", "Basic dXNlcjpwYXNz"}},
            {{"Cookie", "sb_admin=" + std::string(43, 'A')}},
        };
        for (const auto& h : attempts) {
            auto res = r.method == "GET" ? c.Get(path, h) : c.Post(path, h, "{}", "application/json");
            ASSERT_TRUE(res) << r.method << " " << path;
            EXPECT_EQ(res->status, 401) << r.method << " " << path;
        }
        ++checked;
    }
    EXPECT_GE(checked, 4);
}

TEST(Guards, OnlyThePagesHealthLoginAndPairingAreOpen) {
    RunningBooth b;
    std::vector<std::string> open;
    for (const auto& r : b.booth->router().routes())
        if (r.access == Access::open) open.push_back(r.method + " " + r.pattern);
    std::sort(open.begin(), open.end());
    EXPECT_EQ(open, (std::vector<std::string>{"GET /", "GET /admin", "GET /admin/", "GET /api/v1/health", "GET /api/v1/qr.svg",
                                              "GET /ui/([A-Za-z0-9._/-]{1,200})", "POST /api/v1/admin/login", "POST /sync/v1/pair"}));
}

TEST(Guards, KioskRoutesAnswerOnlyTheBoothItself) {
    RunningBooth b;
    const auto& router = b.booth->router();
    int checked = 0;
    for (std::size_t i = 0; i < router.routes().size(); ++i) {
        if (router.routes()[i].access != Access::kiosk) continue;
        for (const char* addr : {"192.0.2.10", "10.0.0.5", "::ffff:192.168.1.4", "2001:db8::1", ""}) {
            httplib::Request req;
            req.remote_addr = addr;
            httplib::Response res;
            EXPECT_FALSE(router.admits(i, req, res)) << router.routes()[i].pattern << " from " << addr;
            EXPECT_EQ(res.status, 403);
        }
        for (const char* addr : {"127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1"}) {
            httplib::Request req;
            req.remote_addr = addr;
            httplib::Response res;
            EXPECT_TRUE(router.admits(i, req, res)) << router.routes()[i].pattern << " from " << addr;
        }
        ++checked;
    }
    EXPECT_GE(checked, 15);
}

TEST(Guards, LoopbackCheckRecognisesEveryFormOfLoopback) {
    EXPECT_TRUE(sb::web::is_loopback("127.0.0.1"));
    EXPECT_TRUE(sb::web::is_loopback("127.255.255.254"));
    EXPECT_TRUE(sb::web::is_loopback("::1"));
    EXPECT_TRUE(sb::web::is_loopback("::ffff:127.0.0.1"));
    EXPECT_FALSE(sb::web::is_loopback("128.0.0.1"));
    EXPECT_FALSE(sb::web::is_loopback("::2"));
    EXPECT_FALSE(sb::web::is_loopback("localhost"));
    EXPECT_FALSE(sb::web::is_loopback("127.0.0.1 "));
}
