// The touchscreen's API: health, the interview session, its live events, the question sets.
#include "api/context.hpp"
#include "api/json_views.hpp"
#include "common/fs.hpp"
#include "record/layout.hpp"

namespace sb::api {

using web::Access;
using web::HttpError;
using web::json;
using web::Request;
using web::Response;
using web::send_json;

namespace {

// Session errors carry their own status (409 out of order, 422 invalid, 503 no mic, 507 disk).
template <typename F>
void session_call(Context& ctx, Response& res, F&& f) {
    try {
        ctx.session->touch();
        f();
    } catch (const SessionError& e) {
        throw HttpError(e.status(), e.what());
    }
    send_json(res, session_json(ctx.session->snapshot()));
}

}  // namespace

DiskBudget disk_budget(const Settings& s) {
    DiskBudget d;
    try {
        d.free_bytes = free_bytes(s.data);
    } catch (const Error&) {
        return d;
    }
    // Two microphones at 48 kHz unless the booth is set to one: the larger of the two budgets.
    d.seconds_left = layout::recording_seconds_left(d.free_bytes, s.bitrate, s.master, s.channels == 0 ? 2 : s.channels, 48000);
    return d;
}

void add_kiosk_routes(web::Router& r, Context& ctx) {
    r.add("GET", "/api/v1/health", Access::open, [&ctx](const Request&, Response& res) {
        const Settings settings = ctx.settings();
        const DiskBudget disk = disk_budget(settings);
        send_json(res, {{"state", to_string(ctx.session->snapshot().state)},
                        {"mic", {{"present", ctx.mic_present()}, {"name", ctx.mic->name()}}},
                        {"disk_free_bytes", disk.free_bytes},
                        {"recording_seconds_left", disk.seconds_left},
                        {"languages", settings.languages},
                        {"version", ctx.version}});
    });

    r.add("GET", "/api/v1/session", Access::kiosk,
          [&ctx](const Request&, Response& res) { send_json(res, session_json(ctx.session->snapshot())); });

    r.add("POST", "/api/v1/session", Access::kiosk, [&ctx](const Request& req, Response& res) {
        const json body = web::parse_object(req);
        const std::string lang = web::text_field(body, "language", 8, true);
        const auto langs = ctx.settings().languages;
        if (std::find(langs.begin(), langs.end(), lang) == langs.end())
            throw HttpError(422, "That language is not offered at this booth.");
        session_call(ctx, res, [&] { ctx.session->start(lang); });
    });

    r.add("PUT", "/api/v1/session/participants", Access::kiosk, [&ctx](const Request& req, Response& res) {
        const json body = web::parse_array(req);
        if (body.size() > 4) throw HttpError(422, "A story has one or two people.");
        std::vector<ParticipantInput> people;
        for (const auto& p : body) {
            if (!p.is_object()) throw HttpError(400, "Each participant must be a JSON object.");
            ParticipantInput in;
            in.name = web::text_field(p, "name", 200, true);
            in.role = web::text_field(p, "role", 20, true);
            in.age_range = web::text_field(p, "age_range", 20, false);
            in.relationship = web::text_field(p, "relationship", 100, false);
            in.channel = static_cast<int>(web::int_field(p, "channel", 1, 2, false, static_cast<std::int64_t>(people.size()) + 1));
            people.push_back(std::move(in));
        }
        session_call(ctx, res, [&] { ctx.session->set_participants(people); });
    });

    r.add("PUT", "/api/v1/session/consent", Access::kiosk, [&ctx](const Request& req, Response& res) {
        const json body = web::parse_array(req);
        if (body.size() > 4) throw HttpError(422, "A story has one or two people.");
        std::vector<ConsentInput> consents;
        for (const auto& c : body) {
            if (!c.is_object()) throw HttpError(400, "Each consent must be a JSON object.");
            ConsentInput in;
            in.participant = static_cast<int>(web::int_field(c, "participant", 0, 1, true));
            in.choice = web::text_field(c, "choice", 20, true);
            in.typed_name = web::text_field(c, "typed_name", 200, true);
            in.guardian_name = web::text_field(c, "guardian_name", 200, false);
            consents.push_back(std::move(in));
        }
        session_call(ctx, res, [&] { ctx.session->set_consent(consents); });
    });

    r.add("PUT", "/api/v1/session/questions", Access::kiosk, [&ctx](const Request& req, Response& res) {
        const json body = web::parse_array(req);
        if (body.size() > 20) throw HttpError(422, "Choose at most 20 questions.");
        std::vector<std::string> questions;
        for (const auto& q : body) {
            if (!q.is_object()) throw HttpError(400, "Each question must be a JSON object with 'text'.");
            questions.push_back(web::text_field(q, "text", 500, true));
        }
        session_call(ctx, res, [&] { ctx.session->set_questions(questions); });
    });

    struct Step {
        const char* path;
        void (SessionManager::*call)();
    };
    for (const Step& step : {Step{"/api/v1/session/mic-check", &SessionManager::mic_check},
                             Step{"/api/v1/session/record", &SessionManager::record},
                             Step{"/api/v1/session/pause", &SessionManager::pause},
                             Step{"/api/v1/session/resume", &SessionManager::resume},
                             Step{"/api/v1/session/next-question", &SessionManager::next_question},
                             Step{"/api/v1/session/stop", &SessionManager::stop},
                             Step{"/api/v1/session/save", &SessionManager::save}}) {
        r.add("POST", step.path, Access::kiosk, [&ctx, call = step.call](const Request&, Response& res) {
            session_call(ctx, res, [&] { (ctx.session->*call)(); });
        });
    }

    r.add("PUT", "/api/v1/session/review", Access::kiosk, [&ctx](const Request& req, Response& res) {
        const json body = web::parse_object(req);
        const std::string title = web::text_field(body, "title", 200, false);
        const std::string description = web::text_field(body, "description", 2000, false);
        const auto keywords = web::text_list_field(body, "keywords", 20, 50, false);
        session_call(ctx, res, [&] { ctx.session->review(title, description, keywords); });
    });

    // Someone is using the screen (typing, choosing) without changing the session: the idle timer restarts.
    r.add("POST", "/api/v1/session/touch", Access::kiosk,
          [&ctx](const Request&, Response& res) { session_call(ctx, res, [] {}); });

    r.add("DELETE", "/api/v1/session", Access::kiosk,
          [&ctx](const Request&, Response& res) { session_call(ctx, res, [&] { ctx.session->discard(); }); });

    r.add("GET", "/api/v1/session/audio", Access::kiosk, [&ctx](const Request& req, Response& res) {
        const std::string path = ctx.session->audio_path();
        if (path.empty()) throw HttpError(404, "There is no recording to listen to yet.");
        web::serve_file(req, res, path, "audio/ogg");
    });

    r.add("GET", "/api/v1/events", Access::kiosk, [&ctx](const Request&, Response& res) { web::stream_events(*ctx.events, res); });

    r.add("GET", "/api/v1/questions", Access::kiosk, [&ctx](const Request& req, Response& res) {
        std::string lang = req.has_param("language") ? req.get_param_value("language") : ctx.session->snapshot().language;
        if (lang.empty()) lang = "en";
        json sets = json::array();
        for (const auto& set : ctx.catalog->question_sets(lang)) sets.push_back({{"id", set.id}, {"name", set.name}, {"questions", set.questions}});
        send_json(res, {{"language", lang}, {"sets", sets}});
    });
}

}  // namespace sb::api
