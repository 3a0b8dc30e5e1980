// The sync API under /sync/v1 (docs/sync-protocol.md): how a paired laptop learns what the
// booth holds and copies it. Every route but pairing needs the laptop's bearer token; tokens
// are never logged and are kept on the booth only as SHA-256.
#include "api/context.hpp"
#include "catalog/sqlite.hpp"
#include "common/ids.hpp"
#include "feed/feed.hpp"

#include <spdlog/spdlog.h>

namespace sb::api {

using web::Access;
using web::HttpError;
using web::json;
using web::Request;
using web::Response;

namespace {

constexpr const char* kNotPaired =
    "This laptop is not paired with this booth. Pair it with 'storysync pair' and a code from the booth's admin page.";
constexpr const char* kRevoked =
    "This laptop's pairing was revoked on the booth (or never existed). Ask the librarian for a new pairing code and "
    "run 'storysync pair' again.";
constexpr const char* kWrongCode = "That pairing code is wrong, used or expired. Make a new one on the booth's admin page (Pairing).";

// The token of "Authorization: Bearer <token>", or "" when the header is missing or not of that form.
std::string bearer_token(const Request& req) {
    const std::string h = req.get_header_value("Authorization");
    if (h.size() < 8) return "";
    std::string scheme = h.substr(0, 7);
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "bearer ") return "";
    std::string token = h.substr(7);
    const auto b = token.find_first_not_of(' ');
    if (b == std::string::npos) return "";
    token = token.substr(b);
    while (!token.empty() && token.back() == ' ') token.pop_back();
    for (char c : token)
        if (c <= ' ' || c == 0x7f) return "";
    return token;
}

void refuse(Response& res, const char* message) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"storybooth\"");
    web::send_error(res, 401, message);
}

// The laptop behind the request's token (the guard has already checked it).
std::int64_t laptop_of(Context& ctx, const Request& req) {
    const auto id = ctx.pairing->laptop_id(bearer_token(req));
    if (!id) throw HttpError(401, kRevoked);  // revoked between the guard and here
    return *id;
}

feed::BoothInfo booth(Context& ctx) { return feed::booth_info(*ctx.catalog, ctx.version); }

bool valid_host_name(const std::string& s) {
    if (s.empty() || s.size() > 255) return false;
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

}  // namespace

bool sync_guard(Context& ctx, const Request& req, Response& res) {
    const std::string token = bearer_token(req);
    if (token.empty()) {
        refuse(res, kNotPaired);
        return false;
    }
    if (!ctx.pairing->token_valid(token)) {
        refuse(res, kRevoked);
        return false;
    }
    return true;
}

void add_sync_routes(web::Router& r, Context& ctx) {
    feed::booth_id(*ctx.catalog);  // the booth's id exists from the first start on

    r.add("POST", "/sync/v1/pair", Access::open, [&ctx](const Request& req, Response& res) {
        const json body = web::parse_object(req);
        const std::string code = web::text_field(body, "code", 64, true);
        const std::string host = web::text_field(body, "host_name", 255, true);
        if (!valid_host_name(host))
            throw HttpError(400, "'host_name' must be 1 to 255 bytes with no control characters.");
        std::optional<std::string> token;
        try {
            token = ctx.pairing->pair(code, host);
        } catch (const CatalogError& e) {
            throw HttpError(400, std::string("'host_name' was refused: ") + e.what());
        }
        if (!token) {
            ctx.catalog->audit("sync", "pairing_refused", "", host);
            throw HttpError(403, kWrongCode);
        }
        const auto id = ctx.pairing->laptop_id(*token);
        if (!id) throw HttpError(500, "The pairing was not saved. Try again with a new code.");
        ctx.catalog->audit("sync", "laptop_paired", "", host + " (laptop " + std::to_string(*id) + ")");
        spdlog::info("laptop {} '{}' paired for sync", *id, host);
        web::send_json(res, {{"token", *token}, {"laptop_id", *id}, {"booth", feed::booth_to_json(booth(ctx))}});
    });

    r.add("GET", "/sync/v1/booth", Access::sync, [&ctx](const Request&, Response& res) {
        web::send_json(res, {{"booth", feed::booth_to_json(booth(ctx))}, {"latest_seq", ctx.catalog->latest_seq()}});
    });

    r.add("GET", "/sync/v1/changes", Access::sync, [&ctx](const Request& req, Response& res) {
        const std::int64_t since = web::query_int(req, "since", 0, INT64_MAX, 0);
        const int limit = static_cast<int>(web::query_int(req, "limit", 1, feed::kMaxLimit, feed::kDefaultLimit));
        const std::int64_t laptop = laptop_of(ctx, req);
        const feed::ChangesPage page = feed::changes_page(*ctx.catalog, booth(ctx), since, limit);
        ctx.pairing->record_seen(laptop);
        web::send_json(res, feed::changes_to_json(page));
    });

    // Anything after files/ is matched here, so that every name but the two a story offers
    // (".." and its encodings, absolute paths, other files) gets the same plain 404.
    r.add("GET", R"(/sync/v1/files/(.*))", Access::sync, [&ctx](const Request& req, Response& res) {
        const std::string rest = req.matches[1];
        const auto slash = rest.find('/');
        if (slash == std::string::npos) throw HttpError(404, "No such file.");
        const std::string id = rest.substr(0, slash), name = rest.substr(slash + 1);
        if (!is_uuid(id) || !feed::is_story_file_name(name)) throw HttpError(404, "No such file.");
        const std::optional<Story> story = ctx.catalog->get(id);
        if (!story) throw HttpError(404, "No such file.");
        const std::optional<StoryFile> f = feed::offered_file(*story, name);
        if (!f) throw HttpError(404, "No such file.");
        res.set_header("Cache-Control", "no-store");
        web::serve_file(req, res, feed::story_file_path(ctx.settings().data, id, name), feed::content_type(name),
                        {.etag = f->sha256, .expected_size = f->size});
    });

    r.add("POST", "/sync/v1/ack", Access::sync, [&ctx](const Request& req, Response& res) {
        const json body = web::parse_object(req);
        const std::int64_t seq = web::int_field(body, "seq", 0, ctx.catalog->latest_seq(), true);
        ctx.pairing->record_seen(laptop_of(ctx, req), seq);
        web::send_json(res, {{"ok", true}});
    });
}

}  // namespace sb::api
