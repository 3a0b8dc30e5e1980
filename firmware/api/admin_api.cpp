// The librarian's API under /api/v1/admin/. Every route but login needs a librarian session
// (the admin guard); every change is written to the audit log. PINs and tokens never reach a
// log line or a response other than the one that hands out the session.
#include "api/context.hpp"
#include "api/json_views.hpp"
#include "common/fs.hpp"
#include "common/ids.hpp"
#include "feed/feed.hpp"
#include "record/layout.hpp"

#include <spdlog/spdlog.h>

namespace sb::api {

using web::Access;
using web::HttpError;
using web::json;
using web::Request;
using web::Response;

namespace {

const char* kStory = R"(/api/v1/admin/stories/([0-9a-f-]{36}))";

bool changes_state(const std::string& method) { return method != "GET" && method != "HEAD"; }

Story story_or_404(Context& ctx, const std::string& id) {
    if (!is_uuid(id)) throw HttpError(404, "No such story.");
    auto s = ctx.catalog->get(id);
    if (!s || s->state == "deleted") throw HttpError(404, "No such story.");
    return *s;
}

std::string actor(Context&) { return "librarian"; }

// One story as the librarian's pages show it: the common view, plus the secret link (never shown
// on the touchscreen) with its full address when the library's site address is known.
json admin_story_json(Context& ctx, const Story& s) {
    json j = story_json(s);
    if (s.secret_link.empty()) {
        j["secret_link"] = nullptr;
    } else {
        const std::string path = "s/" + s.secret_link + "/";
        j["secret_link"] = {{"path", path},
                            {"url", ctx.settings().site_url.empty() ? json(nullptr) : json(ctx.settings().site_url + path)}};
    }
    return j;
}

json settings_json(const Settings& s) {
    json j = json::object();
    for (const auto& k : setting_keys())
        if (k.librarian) j[k.key] = setting_value(s, k.key);
    return j;
}

// Sets the librarian PIN from a request's {"pin"}; the PIN's rules come back as 422.
void set_pin_from(Context& ctx, const Request& req) {
    const json body = web::parse_object(req);
    const std::string pin = web::text_field(body, "pin", 64, true);
    try {
        ctx.pins->set_pin(pin);
    } catch (const Error& e) {
        throw HttpError(422, e.what());
    }
}

json question_sets_json(const Catalog& catalog) {
    json sets = json::array();
    for (const auto& s : catalog.question_sets())
        sets.push_back({{"id", s.id}, {"name", s.name}, {"language", s.language}, {"questions", s.questions}});
    return sets;
}

}  // namespace

bool admin_guard(Context& ctx, const Request& req, Response& res) {
    const std::string token = web::cookie(req, kSessionCookie);
    if (token.empty() || !ctx.librarians->find(token)) {
        web::send_error(res, 401, "Please log in.");
        return false;
    }
    if (changes_state(req.method) && !ctx.librarians->check_csrf(token, req.get_header_value(kCsrfHeader))) {
        web::send_error(res, 403, "This page is out of date: reload it and try again.");
        return false;
    }
    return true;
}

void add_admin_routes(web::Router& r, Context& ctx) {
    // Login is the one admin path open to anyone: the PIN and its lockout guard it.
    r.add("POST", "/api/v1/admin/login", Access::open, [&ctx](const Request& req, Response& res) {
        const json body = web::parse_object(req);
        const std::string pin = web::text_field(body, "pin", 64, true);
        const auto check = ctx.pins->verify(pin);
        switch (check.result) {
            case auth::PinStore::Result::no_pin:
                throw HttpError(409, "No PIN has been set yet. Set one on the booth's own screen.");
            case auth::PinStore::Result::locked:
                ctx.catalog->audit("unknown", "login_locked", "", "");
                throw HttpError(429, "Too many wrong PINs. Try again in " +
                                         std::to_string((check.locked_seconds + 59) / 60) + " minute(s).");
            case auth::PinStore::Result::wrong:
                ctx.catalog->audit("unknown", "login_failed", "", "");
                throw HttpError(401, check.attempts_left > 0
                                         ? "That PIN is not right. " + std::to_string(check.attempts_left) + " tries left."
                                         : "That PIN is not right. Login is now locked for 5 minutes.");
            case auth::PinStore::Result::ok: break;
        }
        const auto session = ctx.librarians->create();
        ctx.catalog->audit(actor(ctx), "login", "", "");
        res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + session.token +
                                         "; Path=/api/v1/admin; HttpOnly; SameSite=Strict");
        web::send_json(res, {{"csrf", session.csrf}});
    });

    // First PIN: only from the booth's own screen, and only while none is set.
    r.add("POST", "/api/v1/admin/setup-pin", Access::kiosk, [&ctx](const Request& req, Response& res) {
        if (ctx.pins->has_pin()) throw HttpError(409, "A PIN is already set. Log in to change it.");
        set_pin_from(ctx, req);
        ctx.catalog->audit("booth screen", "pin_set", "", "");
        web::send_json(res, {{"ok", true}});
    });

    r.add("GET", "/api/v1/admin/me", Access::admin, [&ctx](const Request& req, Response& res) {
        const auto s = ctx.librarians->find(web::cookie(req, kSessionCookie));
        web::send_json(res, {{"csrf", s ? s->csrf : ""}});
    });

    r.add("POST", "/api/v1/admin/logout", Access::admin, [&ctx](const Request& req, Response& res) {
        ctx.librarians->remove(web::cookie(req, kSessionCookie));
        res.set_header("Set-Cookie", std::string(kSessionCookie) + "=; Path=/api/v1/admin; HttpOnly; SameSite=Strict; Max-Age=0");
        web::send_json(res, {{"ok", true}});
    });

    r.add("PUT", "/api/v1/admin/pin", Access::admin, [&ctx](const Request& req, Response& res) {
        set_pin_from(ctx, req);
        ctx.catalog->audit(actor(ctx), "pin_changed", "", "");
        web::send_json(res, {{"ok", true}});
    });

    r.add("GET", "/api/v1/admin/dashboard", Access::admin, [&ctx](const Request&, Response& res) {
        const Settings s = ctx.settings();
        const DiskBudget disk = disk_budget(s);
        json counts = json::object();
        for (const char* st : {"complete", "recovered", "withdrawn", "recording"}) {
            StoryQuery q;
            q.state = st;
            counts[st] = ctx.catalog->count(q);
        }
        json laptops = json::array();
        for (const auto& l : ctx.pairing->laptops())
            laptops.push_back({{"id", l.id}, {"host_name", l.host_name}, {"paired_at", l.paired_at},
                               {"last_seen_at", l.last_seen_at}, {"last_seq", l.last_seq}});
        const auto snap = ctx.session->snapshot();
        json errors = json::array();
        if (!snap.error.empty()) errors.push_back(snap.error);
        web::send_json(res, {{"booth", {{"name", s.booth_name}, {"code", s.booth_code}}},
                             {"mic", {{"present", ctx.mic_present()}, {"name", ctx.mic->name()}}},
                             {"session", to_string(snap.state)},
                             {"disk", {{"free_bytes", disk.free_bytes},
                                       {"hours_left", std::round(static_cast<double>(disk.seconds_left) / 360.0) / 10.0}}},
                             {"stories", counts},
                             {"sync", laptops},
                             {"clock", {{"trusted", ctx.clock->trusted()}, {"now", iso8601_utc(ctx.clock->now())}}},
                             {"errors", errors},
                             {"version", ctx.version}});
    });

    r.add("GET", "/api/v1/admin/stories", Access::admin, [&ctx](const Request& req, Response& res) {
        StoryQuery q;
        q.text = req.has_param("q") ? req.get_param_value("q") : "";
        if (web::utf8_length(q.text) > 200) throw HttpError(400, "The search is too long.");
        q.state = req.has_param("state") ? req.get_param_value("state") : "";
        if (!q.state.empty() && q.state != "complete" && q.state != "recovered" && q.state != "withdrawn" && q.state != "recording")
            throw HttpError(400, "'state' must be complete, recovered, withdrawn or recording.");
        q.share_level = req.has_param("share") ? req.get_param_value("share") : "";
        if (!q.share_level.empty() && q.share_level != "private" && q.share_level != "community")
            throw HttpError(400, "'share' must be private or community.");
        q.limit = static_cast<int>(web::query_int(req, "limit", 1, 200, 50));
        q.offset = static_cast<int>(web::query_int(req, "offset", 0, 1'000'000, 0));
        json list = json::array();
        for (const auto& s : ctx.catalog->search(q)) list.push_back(story_summary_json(s));
        web::send_json(res, {{"total", ctx.catalog->count(q)}, {"stories", list}});
    });

    r.add("GET", kStory, Access::admin, [&ctx](const Request& req, Response& res) {
        web::send_json(res, admin_story_json(ctx, story_or_404(ctx, req.matches[1])));
    });

    r.add("PATCH", kStory, Access::admin, [&ctx](const Request& req, Response& res) {
        Story s = story_or_404(ctx, req.matches[1]);
        if (s.state == "recording") throw HttpError(409, "This story is still being recorded.");
        const json body = web::parse_object(req);
        const bool meta = body.contains("title") || body.contains("description") || body.contains("keywords");
        if (meta) {
            const std::string title = body.contains("title") ? web::text_field(body, "title", 200, true) : s.title;
            const std::string desc = body.contains("description") ? web::text_field(body, "description", 2000, true) : s.description;
            const auto keywords = body.contains("keywords") ? web::text_list_field(body, "keywords", 20, 50, true) : s.keywords;
            ctx.catalog->update_metadata(s.id, title, desc, keywords);
            ctx.catalog->audit(actor(ctx), "story_edited", s.id, "");
        }
        if (body.contains("share_level")) {
            const std::string level = web::text_field(body, "share_level", 20, true);
            if (level != "private" && level != "community") throw HttpError(422, "'share_level' must be private or community.");
            if (level != s.share_level) {
                ctx.catalog->set_share_level(s.id, level);
                ctx.catalog->audit(actor(ctx), "share_level_changed", s.id, s.share_level + " -> " + level);
            }
        }
        web::send_json(res, admin_story_json(ctx, story_or_404(ctx, s.id)));
    });

    // A secret link: a private story's own unlisted page on the library's site, made by the next
    // `storysync publish`. Asking again gives the same link; taking it back removes the page.
    r.add("POST", std::string(kStory) + "/secret-link", Access::admin, [&ctx](const Request& req, Response& res) {
        Story s = story_or_404(ctx, req.matches[1]);
        if (s.state == "recording") throw HttpError(409, "This story is still being recorded.");
        if (s.state == "withdrawn") throw HttpError(409, "This story is withdrawn, so it cannot have a secret link.");
        if (s.share_level == "community")
            throw HttpError(409, "This story is shared with the community, so it is already on the website for everyone; "
                                 "secret links are for private stories.");
        if (s.secret_link.empty()) {
            ctx.catalog->set_secret_link(s.id, new_secret_link());
            ctx.catalog->audit(actor(ctx), "secret_link_made", s.id, "");
        }
        web::send_json(res, admin_story_json(ctx, story_or_404(ctx, s.id)));
    });

    r.add("DELETE", std::string(kStory) + "/secret-link", Access::admin, [&ctx](const Request& req, Response& res) {
        Story s = story_or_404(ctx, req.matches[1]);
        if (!s.secret_link.empty()) {
            ctx.catalog->set_secret_link(s.id, "");
            ctx.catalog->audit(actor(ctx), "secret_link_removed", s.id, "");
        }
        web::send_json(res, admin_story_json(ctx, story_or_404(ctx, s.id)));
    });

    r.add("POST", std::string(kStory) + "/withdraw", Access::admin, [&ctx](const Request& req, Response& res) {
        Story s = story_or_404(ctx, req.matches[1]);
        if (s.state == "recording") throw HttpError(409, "This story is still being recorded.");
        ctx.catalog->withdraw(s.id);
        ctx.catalog->audit(actor(ctx), "story_withdrawn", s.id, "");
        web::send_json(res, admin_story_json(ctx, *ctx.catalog->get(s.id)));
    });

    r.add("DELETE", kStory, Access::admin, [&ctx](const Request& req, Response& res) {
        Story s = story_or_404(ctx, req.matches[1]);
        if (s.state == "recording") throw HttpError(409, "This story is still being recorded.");
        // The row first (so a crash leaves a deletion that recovery finishes), then the audio.
        ctx.catalog->mark_deleted(s.id);
        std::error_code ec;
        std::filesystem::remove_all(layout::story_dir(ctx.settings().data, s.id), ec);
        ctx.catalog->audit(actor(ctx), "story_deleted", s.id, s.code);
        web::send_json(res, {{"ok", true}});
    });

    r.add("GET", std::string(kStory) + "/audio", Access::admin, [&ctx](const Request& req, Response& res) {
        Story s = story_or_404(ctx, req.matches[1]);
        for (const auto& f : s.files)
            if (f.kind == "listening") return web::serve_file(req, res, ctx.settings().data / f.path, "audio/ogg");
        throw HttpError(404, "This story has no audio.");
    });

    r.add("GET", "/api/v1/admin/settings", Access::admin,
          [&ctx](const Request&, Response& res) { web::send_json(res, settings_json(ctx.settings())); });

    r.add("PUT", "/api/v1/admin/settings", Access::admin, [&ctx](const Request& req, Response& res) {
        const json body = web::parse_object(req);
        Settings s = ctx.settings();
        std::string changed;
        for (const auto& item : body.items()) {
            // Plain references, not a structured binding: clang before 16 cannot capture one in the lambda below.
            const std::string& key = item.key();
            const json& value = item.value();
            const auto& keys = setting_keys();
            auto it = std::find_if(keys.begin(), keys.end(), [&](const SettingInfo& k) { return key == k.key; });
            if (it == keys.end() || !it->librarian) throw HttpError(422, "'" + key + "' is not a setting the admin pages can change.");
            if (!value.is_string() && !value.is_number_integer() && !value.is_boolean())
                throw HttpError(400, "'" + key + "' must be text or a number.");
            const std::string text = value.is_string() ? value.get<std::string>()
                                     : value.is_boolean() ? (value.get<bool>() ? "on" : "off")
                                                          : std::to_string(value.get<std::int64_t>());
            try {
                apply_setting(s, key, text);
            } catch (const Error& e) {
                throw HttpError(422, e.what());
            }
            changed += (changed.empty() ? "" : ", ") + key;
        }
        ctx.save_settings(s);
        ctx.catalog->audit(actor(ctx), "settings_changed", "", changed);
        web::send_json(res, settings_json(ctx.settings()));
    });

    r.add("GET", "/api/v1/admin/questions", Access::admin,
          [&ctx](const Request&, Response& res) { web::send_json(res, question_sets_json(*ctx.catalog)); });

    r.add("PUT", "/api/v1/admin/questions", Access::admin, [&ctx](const Request& req, Response& res) {
        const json body = web::parse_array(req);
        if (body.size() > 100) throw HttpError(422, "At most 100 question sets.");
        std::vector<QuestionSet> sets;
        for (const auto& j : body) {
            if (!j.is_object()) throw HttpError(400, "Each question set must be a JSON object.");
            QuestionSet set;
            set.name = web::text_field(j, "name", 100, true);
            if (set.name.empty()) throw HttpError(422, "Every question set needs a name.");
            set.language = web::text_field(j, "language", 8, true);
            if (set.language != "en" && set.language != "es") throw HttpError(422, "'language' must be en or es.");
            set.questions = web::text_list_field(j, "questions", 50, 500, true);
            for (const auto& other : sets)
                if (other.name == set.name && other.language == set.language)
                    throw HttpError(422, "Two question sets are called \"" + set.name + "\" in the same language. Give each its own name.");
            sets.push_back(std::move(set));
        }
        for (const auto& old : ctx.catalog->question_sets()) ctx.catalog->delete_question_set(old.id);
        for (const auto& set : sets) ctx.catalog->save_question_set(set);
        ctx.catalog->audit(actor(ctx), "questions_changed", "", std::to_string(sets.size()) + " sets");
        web::send_json(res, question_sets_json(*ctx.catalog));
    });

    r.add("POST", "/api/v1/admin/pairing", Access::admin, [&ctx](const Request&, Response& res) {
        const auto code = ctx.pairing->new_code();
        ctx.catalog->audit(actor(ctx), "pairing_code_issued", "", "");
        web::send_json(res, {{"code", code.code}, {"expires_at", code.expires_at}});
    });

    r.add("GET", "/api/v1/admin/pairing", Access::admin, [&ctx](const Request&, Response& res) {
        json laptops = json::array();
        for (const auto& l : ctx.pairing->laptops())
            laptops.push_back({{"id", l.id}, {"host_name", l.host_name}, {"paired_at", l.paired_at},
                               {"last_seen_at", l.last_seen_at}, {"last_seq", l.last_seq}});
        web::send_json(res, laptops);
    });

    r.add("DELETE", R"(/api/v1/admin/pairing/(\d{1,12}))", Access::admin, [&ctx](const Request& req, Response& res) {
        ctx.pairing->revoke(std::stoll(req.matches[1]));
        ctx.catalog->audit(actor(ctx), "laptop_revoked", "", req.matches[1]);
        web::send_json(res, {{"ok", true}});
    });

    r.add("GET", "/api/v1/admin/audit", Access::admin, [&ctx](const Request& req, Response& res) {
        const int limit = static_cast<int>(web::query_int(req, "limit", 1, 500, 100));
        const std::int64_t before = web::query_int(req, "before", 0, INT64_MAX, 0);
        json out = json::array();
        for (const auto& e : ctx.catalog->audit_log(limit, before))
            out.push_back({{"seq", e.seq}, {"at", e.at}, {"actor", e.actor}, {"action", e.action},
                           {"story_id", e.story_id.empty() ? json(nullptr) : json(e.story_id)}, {"detail", e.detail}});
        web::send_json(res, out);
    });

    // USB export (docs/sync-protocol.md): one at a time; the answer comes when it is finished.
    r.add("POST", "/api/v1/admin/export", Access::admin, [&ctx](const Request& req, Response& res) {
        const json body = web::parse_object(req);
        const std::string to = web::text_field(body, "to", 4096, true);
        if (to.empty() || to.front() != '/')
            throw HttpError(422, "Give the whole path of the folder to export to, starting with '/' (e.g. /media/usb).");
        const Settings s = ctx.settings();
        std::error_code ec;
        const auto target = std::filesystem::weakly_canonical(to, ec);
        const auto data = std::filesystem::weakly_canonical(s.data, ec);
        const auto rel = target.lexically_relative(data);
        if (!rel.empty() && *rel.begin() != "..")
            throw HttpError(422, "That folder is on the booth's own storage. Choose a USB drive.");
        static std::mutex running;
        std::unique_lock lock(running, std::try_to_lock);
        if (!lock.owns_lock()) throw HttpError(409, "An export is already running. Wait for it to finish.");
        feed::ExportResult out;
        try {
            out = feed::export_to(*ctx.catalog, s.data, to, feed::booth_info(*ctx.catalog, ctx.version), *ctx.clock);
        } catch (const feed::ExportError& e) {
            try {
                ctx.catalog->audit(actor(ctx), "export_failed", "", to + ": " + e.what());
            } catch (const std::exception& audit_error) {
                spdlog::warn("cannot write the audit log: {}", audit_error.what());
            }
            spdlog::warn("export to {} failed: {}", to, e.what());
            switch (e.reason()) {
                case feed::ExportError::Reason::bad_target: throw HttpError(422, e.what());
                case feed::ExportError::Reason::full: throw HttpError(507, e.what());
                case feed::ExportError::Reason::failed: break;
            }
            throw HttpError(500, e.what());
        }
        ctx.catalog->audit(actor(ctx), "exported", "", out.folder.string() + ": " + std::to_string(out.stories) + " stories, " +
                                                           std::to_string(out.files_copied) + " files copied, " +
                                                           std::to_string(out.files_removed) + " removed");
        spdlog::info("exported {} stories to {} ({} files, {} bytes copied)", out.stories, out.folder.string(),
                     out.files_copied, out.bytes_copied);
        web::send_json(res, {{"folder", out.folder.string()},
                             {"stories", out.stories},
                             {"files_copied", out.files_copied},
                             {"bytes_copied", out.bytes_copied}});
    });

    r.add("GET", "/api/v1/admin/export/targets", Access::admin, [](const Request&, Response& res) {
        json targets = json::array();
        for (const auto& t : feed::export_targets()) targets.push_back({{"path", t.path.string()}, {"free_bytes", t.free_bytes}});
        web::send_json(res, {{"targets", targets}});
    });
}

}  // namespace sb::api
