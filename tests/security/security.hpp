#pragma once
// A real booth daemon with a librarian PIN, a logged-in librarian and a paired laptop, for the
// security tests; and the booth's routes as its router lists them.
#include "daemon/booth.hpp"
#include "e2e/daemon.hpp"
#include "web/http.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <stdexcept>

namespace sbtest {

// A PIN unlike any other number the booth shows, so finding it anywhere means it leaked.
inline constexpr const char* kPin = "73915284";

inline void set_pin(const fs::path& data, const std::string& pin) {
    auto r = run("echo " + q(pin) + " | " + q(storybooth()) + " admin set-pin --data " + q(data.string()));
    if (r.exit_code != 0) throw std::runtime_error("set-pin failed: " + r.err);
}

inline httplib::Result post_json(httplib::Client& c, const std::string& path, const nlohmann::json& body) {
    return c.Post(path, body.dump(), "application/json");
}

// The routes as the booth's router lists them (a booth built in-process, never served).
inline std::vector<sb::web::RouteInfo> booth_routes() {
    static TempDir t;
    static std::vector<sb::web::RouteInfo> routes = [] {
        sb::Settings s;
        s.data = t / "routes-data";
        s.listen = "127.0.0.1:0";
        s.input = conversation_wav();
        sb::Booth b(s, "test");
        return b.router().routes();
    }();
    return routes;
}

// A concrete path for a route pattern: each capture group gets a plausible value.
inline std::string sample_path(const std::string& pattern) {
    std::string p = std::regex_replace(pattern, std::regex(R"(\(\[0-9a-f-\]\{36\}\))"), "0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f");
    p = std::regex_replace(p, std::regex(R"(\(\\d\{1,12\}\))"), "1");
    p = std::regex_replace(p, std::regex(R"(\(\[A-Za-z0-9\._/-\]\{1,200\}\))"), "booth/index.html");
    p = std::regex_replace(p, std::regex(R"(\(\.\*\))"), "0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f/audio.ogg");
    return p;
}

// The part of a pattern before its first capture group, and after it.
inline std::pair<std::string, std::string> around_capture(const std::string& pattern) {
    const auto open = pattern.find('(');
    int depth = 0;
    std::size_t close = open;
    for (; close < pattern.size(); ++close) {
        if (pattern[close] == '(') ++depth;
        if (pattern[close] == ')' && --depth == 0) break;
    }
    return {sample_path(pattern.substr(0, open)), sample_path(pattern.substr(close + 1))};
}

struct SecuredBooth {
    TempDir t;
    fs::path data = t / "data";
    std::unique_ptr<Daemon> daemon;
    std::string session, csrf;  // the librarian's cookie token and CSRF token
    std::string code, token;    // the pairing code (used) and the laptop's sync token

    SecuredBooth() {
        set_pin(data, kPin);
        start();
    }
    void start() { daemon = std::make_unique<Daemon>(data); }
    httplib::Client client() const { return daemon->client(); }
    void login() {
        auto c = client();
        auto r = post_json(c, "/api/v1/admin/login", {{"pin", kPin}});
        if (!r || r->status != 200) throw std::runtime_error("login failed");
        const std::string cookie = r->get_header_value("Set-Cookie");
        const auto eq = cookie.find('='), semi = cookie.find(';');
        session = cookie.substr(eq + 1, semi - eq - 1);
        csrf = nlohmann::json::parse(r->body)["csrf"].get<std::string>();
    }
    httplib::Headers admin_headers() const { return {{"Cookie", "sb_admin=" + session}, {"X-CSRF-Token", csrf}}; }
    httplib::Client admin() const {
        auto c = client();
        c.set_default_headers(admin_headers());
        return c;
    }
    void pair() {
        auto a = admin();
        auto r = a.Post("/api/v1/admin/pairing", "", "application/json");
        if (!r || r->status != 200) throw std::runtime_error("no pairing code");
        code = nlohmann::json::parse(r->body)["code"].get<std::string>();
        auto c = client();
        r = post_json(c, "/sync/v1/pair", {{"code", code}, {"host_name", "maria-laptop"}});
        if (!r || r->status != 200) throw std::runtime_error("pairing failed");
        token = nlohmann::json::parse(r->body)["token"].get<std::string>();
    }
    httplib::Client laptop() const {
        auto c = client();
        c.set_default_headers({{"Authorization", "Bearer " + token}});
        return c;
    }
};

}  // namespace sbtest
