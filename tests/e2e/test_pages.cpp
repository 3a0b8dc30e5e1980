// The pages the booth serves: the touchscreen, the librarian's pages, their files, QR codes.
#include "daemon/booth.hpp"
#include "e2e/daemon.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fstream>
#include <ifaddrs.h>

using namespace sbtest;
namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

// A page folder of its own, so these tests check the serving, not the pages' content.
fs::path make_ui(const fs::path& dir) {
    write_text(dir / "booth/index.html", "<!doctype html><title>booth</title>");
    write_text(dir / "admin/index.html", "<!doctype html><title>admin</title>");
    write_text(dir / "common/api.js", "export const x = 1;\n");
    write_text(dir / "booth/style.css", "body{}\n");
    write_text(dir / "i18n/es.json", "{\"hola\":\"¡Hola!\"}");
    write_text(dir / ".secret.html", "hidden");
    write_text(dir / "booth/notes.md", "not a page");
    write_text(dir.parent_path() / "outside.html", "outside the ui folder");
    return dir;
}

// An IPv4 address of this machine that is not loopback, or "" when it has none.
std::string lan_address() {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return "";
    std::string found;
    for (auto* a = list; a && found.empty(); a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, buf, sizeof buf);
        if (!sb::web::is_loopback(buf)) found = buf;
    }
    freeifaddrs(list);
    return found;
}

}  // namespace

TEST(Pages, TheTouchscreenAndAdminPagesAndTheirFilesAreServedWithTheirTypes) {
    TempDir t;
    const fs::path ui = make_ui(t.path() / "ui");
    Daemon d(t.path() / "data", {"--ui", ui.string()});
    auto c = d.client();

    auto r = c.Get("/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "<!doctype html><title>booth</title>");
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");

    r = c.Get("/admin/");
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "<!doctype html><title>admin</title>");
    r = c.Get("/admin");
    EXPECT_EQ(r->status, 301);
    EXPECT_EQ(r->get_header_value("Location"), "/admin/");

    r = c.Get("/ui/common/api.js");
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(c.Get("/ui/booth/style.css")->get_header_value("Content-Type"), "text/css; charset=utf-8");
    r = c.Get("/ui/i18n/es.json");
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "{\"hola\":\"¡Hola!\"}");
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
}

TEST(Pages, PageFilesAnswerRangesAndRefuseOnePastTheEnd) {
    TempDir t;
    const fs::path ui = make_ui(t.path() / "ui");
    Daemon d(t.path() / "data", {"--ui", ui.string()});
    auto c = d.client();
    const std::string js = "export const x = 1;\n";
    const std::string size = std::to_string(js.size());

    auto r = c.Get("/ui/common/api.js", {{"Range", "bytes=7-11"}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 206);
    EXPECT_EQ(r->body, js.substr(7, 5));
    EXPECT_EQ(r->get_header_value("Content-Range"), "bytes 7-11/" + size);
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache");

    r = c.Get("/ui/common/api.js", {{"Range", "bytes=" + size + "-"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 416);
    EXPECT_EQ(r->get_header_value("Content-Range"), "bytes */" + size);
    EXPECT_EQ(r->body.find("export"), std::string::npos);
    EXPECT_EQ(r->get_header_value_count("Cache-Control"), 1u);
}

TEST(Pages, PathsOutsideTheFolderHiddenFilesAndUnknownKindsAreNotServed) {
    TempDir t;
    const fs::path ui = make_ui(t.path() / "ui");
    Daemon d(t.path() / "data", {"--ui", ui.string()});
    auto c = d.client();
    for (const std::string p : {"/ui/../outside.html", "/ui/booth/../../outside.html", "/ui/%2e%2e/outside.html",
                                "/ui/.secret.html", "/ui/booth/notes.md", "/ui/booth//style.css", "/ui/booth/",
                                "/ui/missing.html", "/ui/booth/index.html%00.js"}) {
        auto r = c.Get(p);
        ASSERT_TRUE(r) << p;
        EXPECT_EQ(r->status, 404) << p << " -> " << r->body;
        EXPECT_EQ(r->body.find("outside the ui folder"), std::string::npos) << p;
        EXPECT_EQ(r->body.find("hidden"), std::string::npos) << p;
    }
}

TEST(Pages, AQrCodeOfAStoryCodeScansBackToTheCode) {
    TempDir t;
    Daemon d(t.path() / "data");
    auto c = d.client();
    auto r = c.Get("/api/v1/qr.svg?text=MAIN-0042");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "image/svg+xml");
    EXPECT_NE(r->body.find("<title>QR code: MAIN-0042</title>"), std::string::npos);
    // Render it and read it back with a real scanner.
    write_text(t.path() / "qr.svg", r->body);
    auto scan = run("rsvg-convert -w 290 " + q((t.path() / "qr.svg").string()) + " -o " + q((t.path() / "qr.png").string()) +
                    " && zbarimg --quiet --raw " + q((t.path() / "qr.png").string()));
    ASSERT_EQ(scan.exit_code, 0) << scan.err;
    EXPECT_EQ(scan.out, "MAIN-0042\n");

    EXPECT_EQ(c.Get("/api/v1/qr.svg")->status, 400);
    EXPECT_EQ(c.Get("/api/v1/qr.svg?text=" + std::string(257, 'A'))->status, 400);
    r = c.Get("/api/v1/qr.svg?text=%3Cscript%3E%26");
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->body.find("<script>"), std::string::npos) << "text is escaped in the SVG";
}

TEST(Pages, TheBuiltInPagesAreServedWhenNoFolderIsGiven) {
    TempDir t;
    Daemon d(t.path() / "data");
    auto c = d.client();
    auto r = c.Get("/ui/common/api.js");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("export async function api"), std::string::npos);
}

TEST(Pages, ALaptopOnTheLanIsSentToTheAdminPagesNotTheTouchscreen) {
    const std::string lan = lan_address();
    if (lan.empty()) GTEST_SKIP() << "this machine has no non-loopback IPv4 address";
    TempDir t;
    sb::Settings s;
    s.data = t / "data";
    s.listen = "0.0.0.0:0";
    s.input = conversation_wav();
    sb::Booth booth(s, "test");
    const int port = booth.bind();
    std::thread server([&] { booth.serve(); });

    httplib::Client laptop(lan, port);
    auto r = laptop.Get("/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 302);
    EXPECT_EQ(r->get_header_value("Location"), "/admin/");
    r = laptop.Get("/admin/");
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(laptop.Get("/api/v1/session")->status, 403) << "the session API stays the touchscreen's";

    httplib::Client screen("127.0.0.1", port);
    r = screen.Get("/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("<html"), std::string::npos);

    booth.stop();
    server.join();
}
