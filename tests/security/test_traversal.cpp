// Every path parameter, enumerated from the router: "..", its encodings, encoded slashes, NUL,
// absolute paths and overlong values are refused and never reach a file outside the booth's.
#include "security/security.hpp"

using namespace sbtest;

TEST(PathTraversal, EveryPathParameterRefusesEscapesAndOddValues) {
    SecuredBooth b;
    b.login();
    b.pair();
    // A file beside the data folder that no request may ever return.
    const std::string marker = "OUTSIDE-THE-BOOTH-7f3a";
    { std::ofstream(b.t / "outside.txt") << marker; }
    const std::string uuid = "0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f";
    const std::vector<std::string> values = {
        "..", "../outside.txt", "../../outside.txt", "../../../../../../etc/passwd", "..%2f..%2foutside.txt",
        "%2e%2e/%2e%2e/outside.txt", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%252e%252e%252f", "..%5c..%5coutside.txt",
        "....//....//etc/passwd", ".%2e/.%2e/etc/passwd", "%2fetc%2fpasswd", "/etc/passwd", "//etc/passwd",
        "%00", "a%00.ogg", "audio.ogg%00.txt", uuid + "/..%2f..%2fcatalog.db", uuid + "/../../catalog.db",
        uuid + "/%2e%2e/%2e%2e/catalog.db", uuid + "/audio.ogg/../../../catalog.db", "booth/../../../catalog.db",
        "ui/../../data/catalog.db", ".hidden", "booth/.%2e/.%2e/outside.txt", std::string(5000, 'a'),
        std::string(300, '1'), "1%2f..", "-1", "99999999999999999999", uuid + "0", uuid.substr(0, 35) + "/",
    };
    httplib::Headers creds = b.admin_headers();
    creds.emplace("Authorization", "Bearer " + b.token);
    auto c = b.client();
    int routes = 0, requests = 0;
    for (const auto& r : booth_routes()) {
        if (r.pattern.find('(') == std::string::npos) continue;
        ++routes;
        const auto [before, after] = around_capture(r.pattern);
        for (const auto& v : values) {
            const std::string path = before + v + after;
            httplib::Result res = r.method == "GET"      ? c.Get(path, creds)
                                  : r.method == "DELETE" ? c.Delete(path, creds)
                                  : r.method == "POST"   ? c.Post(path, creds, "{}", "application/json")
                                  : r.method == "PUT"    ? c.Put(path, creds, "{}", "application/json")
                                                         : c.Patch(path, creds, "{}", "application/json");
            ++requests;
            ASSERT_TRUE(res) << r.method << " " << path << ": no answer";
            EXPECT_TRUE(res->status >= 400 && res->status < 500) << r.method << " " << path << " -> " << res->status;
            EXPECT_EQ(res->body.find(marker), std::string::npos) << path;
            EXPECT_EQ(res->body.find("root:"), std::string::npos) << path;
            EXPECT_EQ(res->body.find("SQLite format"), std::string::npos) << path;
        }
    }
    EXPECT_GE(routes, 8);
    // The booth is still up and well after all of it.
    auto h = c.Get("/api/v1/health");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->status, 200);
    RecordProperty("requests", requests);
}
