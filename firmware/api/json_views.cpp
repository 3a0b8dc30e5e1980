#include "api/json_views.hpp"

#include <cmath>

namespace sb::api {

using nlohmann::json;

namespace {
json opt(const std::optional<double>& v) {
    if (!v) return nullptr;
    return std::round(*v * 100.0) / 100.0;
}
json opt(const std::optional<std::int64_t>& v) {
    if (!v) return nullptr;
    return *v;
}
}  // namespace

json story_summary_json(const Story& s) {
    json names = json::array();
    for (const auto& p : s.participants) names.push_back(p.name);
    return {{"id", s.id},
            {"code", s.code},
            {"state", s.state},
            {"title", s.title},
            {"created_at", s.created_at},
            {"clock_trusted", s.clock_trusted},
            {"duration_ms", opt(s.duration_ms)},
            {"share_level", s.share_level},
            {"participants", names},
            {"recovered", s.state == "recovered"},
            {"note", s.note}};
}

json story_json(const Story& s) {
    json j = story_summary_json(s);
    j["description"] = s.description;
    j["language"] = s.language;
    j["started_at"] = s.started_at;
    j["ended_at"] = s.ended_at;
    j["lufs"] = opt(s.lufs);
    j["true_peak_dbtp"] = opt(s.true_peak_dbtp);
    j["channels"] = s.channels;
    j["sample_rate"] = s.sample_rate;
    j["bitrate"] = s.bitrate;
    json people = json::array();
    for (const auto& p : s.participants) {
        json pj = {{"name", p.name},
                   {"role", p.role},
                   {"age_range", p.age_range},
                   {"relationship", p.relationship},
                   {"channel", p.mic_channel}};
        if (p.consent)
            pj["consent"] = {{"release_version", p.consent->release_version},
                             {"choice", p.consent->choice},
                             {"typed_name", p.consent->typed_name},
                             {"guardian_name", p.consent->guardian_name},
                             {"agreed_at", p.consent->agreed_at}};
        people.push_back(pj);
    }
    j["participants"] = people;
    j["questions"] = s.questions;
    json markers = json::array();
    for (const auto& m : s.markers) markers.push_back({{"offset_ms", m.offset_ms}, {"text", m.text}});
    j["markers"] = markers;
    j["keywords"] = s.keywords;
    json files = json::array();
    for (const auto& f : s.files) files.push_back({{"kind", f.kind}, {"size", f.size}, {"sha256", f.sha256}});
    j["files"] = files;
    return j;
}

json session_json(const SessionSnapshot& s) {
    json people = json::array();
    for (const auto& p : s.participants)
        people.push_back({{"name", p.name},
                          {"role", p.role},
                          {"age_range", p.age_range},
                          {"relationship", p.relationship},
                          {"channel", p.channel}});
    json j = {{"state", to_string(s.state)},
              {"language", s.language},
              {"participants", people},
              {"questions", s.questions},
              {"current_question", s.current_question},
              {"elapsed_ms", s.elapsed_ms},
              {"remaining_ms", s.remaining_ms},
              {"mic_present", s.mic_present}};
    j["story"] = s.story_id.empty() ? json(nullptr) : json{{"id", s.story_id}, {"code", s.story_code}};
    j["error"] = s.error.empty() ? json(nullptr) : json(s.error);
    return j;
}

json levels_json(const Levels& l, std::int64_t elapsed_ms) {
    json ch = json::array();
    for (int c = 0; c < l.channels; ++c)
        ch.push_back({{"channel", c + 1},
                      {"peak_dbfs", std::round(l.ch[c].peak_dbfs * 10) / 10},
                      {"rms_dbfs", std::round(l.ch[c].rms_dbfs * 10) / 10},
                      {"clipped", l.ch[c].clipped}});
    return {{"channels", ch}, {"elapsed_ms", elapsed_ms}};
}

}  // namespace sb::api
