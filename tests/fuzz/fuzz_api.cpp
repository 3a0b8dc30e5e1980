// The JSON bodies of every kiosk, admin and sync route that takes one (POST, PUT, PATCH), sent
// through the real handlers: the daemon's own sb::Booth (daemon/booth.cpp, never bound to a
// port) on a scratch data folder, with the simulated microphone, two saved stories and a paired laptop,
// its guards admitting (loopback peer, a librarian session with its CSRF token, the laptop's
// bearer token, all obtained the real way). Requests go to Router::handle(), exactly what the
// HTTP server runs for them.
//
// Input: up to 8 requests separated by the byte 0x1E. In each, the first byte picks the route
// (modulo the number of such routes), the second which story a story route names (the
// private one, the community one, or none that exists), the rest is the body.
// Invariants: every answer is JSON with a 2xx or 4xx status (a 5xx is a finding: the booth
// failed on what a client sent); afterwards the session, the dashboard and the sync change feed
// still answer 200, and the change feed parses with the parser storysync uses.
#include "fuzz_targets.hpp"

#include "api/context.hpp"
#include "common/hash.hpp"
#include "daemon/booth.hpp"
#include "feed/feed.hpp"
#include "record/layout.hpp"

#include <cstring>
#include <regex>

namespace {

namespace fs = std::filesystem;
using sb::web::json;

// One second of a quiet 440 Hz tone, 48 kHz stereo 16-bit WAV: the simulated microphone.
void write_wav(const fs::path& file) {
    const std::uint32_t frames = 48000, channels = 2, rate = 48000;
    std::string w = "RIFF";
    auto u32 = [&w](std::uint32_t v) { for (int i = 0; i < 4; ++i) w.push_back(static_cast<char>((v >> (8 * i)) & 0xff)); };
    auto u16 = [&w](std::uint16_t v) { for (int i = 0; i < 2; ++i) w.push_back(static_cast<char>((v >> (8 * i)) & 0xff)); };
    u32(36 + frames * channels * 2);
    w += "WAVEfmt ";
    u32(16);
    u16(1);
    u16(static_cast<std::uint16_t>(channels));
    u32(rate);
    u32(rate * channels * 2);
    u16(static_cast<std::uint16_t>(channels * 2));
    u16(16);
    w += "data";
    u32(frames * channels * 2);
    for (std::uint32_t i = 0; i < frames; ++i) {
        const auto v = static_cast<std::int16_t>(3000 * ((i / 55) % 2 ? 1 : -1));
        for (std::uint32_t c = 0; c < channels; ++c) u16(static_cast<std::uint16_t>(v));
    }
    sbfuzz::write_bytes(file, w);
}

// A saved story with a listening file, as a finished session leaves it.
std::string add_story(sb::Catalog& catalog, const fs::path& data, bool community) {
    sb::NewStory n;
    n.title = community ? "The flood of 1965" : "Grandma's kitchen";
    n.keywords = {"river", "family"};
    n.questions = {"What do you remember?"};
    sb::Participant p;
    p.name = "Ana";
    p.role = "storyteller";
    p.consent = sb::Consent{"2026-1", community ? "community" : "private", "Ana", "", ""};
    n.participants = {p};
    const sb::Story s = catalog.create_story(n);
    const std::string audio = "OggS fake audio of " + s.id;
    fs::create_directories(sb::layout::story_dir(data, s.id));
    sbfuzz::write_bytes(sb::layout::story_dir(data, s.id) / sb::feed::kListeningName, audio);
    sb::Finish f;
    f.state = "complete";
    f.duration_ms = 61000;
    f.lufs = -18.5;
    f.files = {{"listening", "stories/" + s.id + "/" + sb::feed::kListeningName, audio.size(), sb::sha256_hex(audio)}};
    catalog.finish_story(s.id, f);
    return s.id;
}

struct FuzzBooth {
    fs::path data;
    std::unique_ptr<sb::Booth> booth;
    const sb::api::Context* ctx = nullptr;
    std::vector<std::regex> patterns;
    std::string admin_token, csrf, sync_token;
    std::vector<std::string> stories;

    explicit FuzzBooth(const fs::path& root) : data(root / "data") {
        sb::Settings settings;
        settings.data = data;
        settings.input = root / "mic.wav";
        write_wav(settings.input);
        // The daemon's own wiring (daemon/booth.cpp), never bound to a port. The cheapest Argon2id
        // cost: the PIN rules are the same, each hash takes microseconds.
        booth = std::make_unique<sb::Booth>(settings, "fuzz", nullptr, sb::auth::PinStore::cheapest_cost);
        ctx = &booth->context();
        for (const auto& r : booth->router().routes()) patterns.emplace_back(r.pattern);

        stories = {add_story(*ctx->catalog, data, false), add_story(*ctx->catalog, data, true)};

        // Credentials, obtained through the routes themselves.
        FUZZ_CHECK(call("POST", "/api/v1/admin/setup-pin", R"({"pin":"2468"})").status == 200);
        const auto login = call("POST", "/api/v1/admin/login", R"({"pin":"2468"})");
        FUZZ_CHECK(login.status == 200);
        const std::string cookie = login.get_header_value("Set-Cookie");
        admin_token = cookie.substr(std::strlen(sb::api::kSessionCookie) + 1, cookie.find(';') - std::strlen(sb::api::kSessionCookie) - 1);
        csrf = json::parse(login.body).at("csrf").get<std::string>();
        const auto code = call("POST", "/api/v1/admin/pairing", "");
        FUZZ_CHECK(code.status == 200);
        const auto paired = call("POST", "/sync/v1/pair",
                                 json{{"code", json::parse(code.body).at("code")}, {"host_name", "archive laptop"}}.dump());
        FUZZ_CHECK(paired.status == 200);
        sync_token = json::parse(paired.body).at("token").get<std::string>();
    }

    std::optional<std::size_t> route(const std::string& method, const std::string& path, sb::web::Request& req) {
        const auto& routes = booth->router().routes();
        for (std::size_t i = 0; i < routes.size(); ++i) {
            if (routes[i].method != method) continue;
            req.path = path;
            if (std::regex_match(req.path, req.matches, patterns[i])) return i;
        }
        return std::nullopt;
    }

    sb::web::Response call(const std::string& method, const std::string& path, const std::string& body,
                           const std::string& query = "") {
        sb::web::Request req;
        req.method = method;
        req.remote_addr = "127.0.0.1";
        req.body = body;
        if (!query.empty()) {
            const auto eq = query.find('=');
            req.params.emplace(query.substr(0, eq), query.substr(eq + 1));
        }
        req.set_header("Content-Type", "application/json");
        if (!admin_token.empty()) {
            req.set_header("Cookie", std::string(sb::api::kSessionCookie) + "=" + admin_token);
            req.set_header(sb::api::kCsrfHeader, csrf);
        }
        if (!sync_token.empty()) req.set_header("Authorization", "Bearer " + sync_token);
        sb::web::Response res;
        const auto i = route(method, path, req);
        FUZZ_CHECK(i.has_value());
        booth->router().handle(*i, req, res);
        return res;
    }
};

struct BodyRoute {
    std::string method, pattern;
};

// The routes that take a request body, in the router's order.
std::vector<BodyRoute> body_routes(const sb::web::Router& r) {
    std::vector<BodyRoute> out;
    for (const auto& info : r.routes())
        if (info.method == "POST" || info.method == "PUT" || info.method == "PATCH") out.push_back({info.method, info.pattern});
    return out;
}

std::string path_for(const std::string& pattern, const FuzzBooth& b, std::uint8_t which) {
    static const std::regex story(R"(\(\[0-9a-f-\]\{36\}\))"), number(R"(\(\\d\{1,12\}\))");
    const std::string id = which % 3 == 2 ? "0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f" : b.stories[which % 3];
    return std::regex_replace(std::regex_replace(pattern, story, id), number, std::to_string(1 + which % 2));
}

// The export's target, kept inside the scratch folder: "/media/usb" becomes
// <scratch>/export-root/media/usb. Empty when it could leave it.
std::string contained_export_body(const std::string& body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("to") || !j["to"].is_string()) return body;
    const std::string to = j["to"].get<std::string>();
    if (to.find("..") != std::string::npos) return "";
    if (to.empty() || to.front() != '/') return body;
    j["to"] = (sbfuzz::scratch_dir() / "export-root").string() + to;
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void check_answer(const sb::web::Response& res, const std::string& what) {
    const bool ok_status = (res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500);
    const json j = json::parse(res.body, nullptr, false);
    if (!ok_status || j.is_discarded()) {
        std::fprintf(stderr, "%s answered %d: %s\n", what.c_str(), res.status, res.body.substr(0, 500).c_str());
        FUZZ_CHECK(ok_status);
        FUZZ_CHECK(!j.is_discarded());
    }
}

}  // namespace

int fuzz_api(const std::uint8_t* data, std::size_t size) {
    if (size > (64u << 10)) return 0;  // the server refuses larger bodies with 413
    sbfuzz::quiet_logs();
    const fs::path root = sbfuzz::fresh_dir("api");
    FuzzBooth b(root);
    const std::vector<BodyRoute> routes = body_routes(b.booth->router());
    FUZZ_CHECK(routes.size() >= 20);

    const std::string_view in(reinterpret_cast<const char*>(data), size);
    std::size_t at = 0;
    for (int n = 0; n < 8 && at < in.size(); ++n) {
        std::size_t end = in.find('\x1e', at);
        if (end == std::string_view::npos) end = in.size();
        const std::string_view chunk = in.substr(at, end - at);
        at = end + 1;
        if (chunk.empty()) continue;
        const BodyRoute& r = routes[static_cast<std::uint8_t>(chunk[0]) % routes.size()];
        const std::uint8_t which = chunk.size() > 1 ? static_cast<std::uint8_t>(chunk[1]) : 0;
        std::string body(chunk.size() > 2 ? chunk.substr(2) : std::string_view());
        if (r.pattern == "/api/v1/admin/export") {
            body = contained_export_body(body);
            if (body.empty()) continue;
        }
        const std::string path = path_for(r.pattern, b, which);
        const auto res = b.call(r.method, path, body);
        check_answer(res, r.method + " " + path);
    }

    // The booth still answers, and what it offers laptops is still readable by storysync.
    if (b.ctx->librarians->find(b.admin_token)) check_answer(b.call("GET", "/api/v1/admin/dashboard", ""), "dashboard");
    check_answer(b.call("GET", "/api/v1/session", ""), "session");
    if (b.ctx->pairing->token_valid(b.sync_token)) {
        const auto changes = b.call("GET", "/sync/v1/changes", "", "since=0");
        FUZZ_CHECK(changes.status == 200);
        try {
            (void)sb::feed::changes_from_json(json::parse(changes.body));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "the change feed does not parse: %s\n%s\n", e.what(), changes.body.substr(0, 2000).c_str());
            FUZZ_CHECK(!"the booth's change feed is readable by storysync");
        }
    }
    return 0;
}
