// BOOTH, STORY and ENTRY of the sync protocol, both ways. The parsers trust nothing: every
// field is checked for its type and range, and the error names the field by its path.
#include "feed/feed.hpp"

#include "common/ids.hpp"

#include <cmath>
#include <set>

namespace sb::feed {

namespace {

const char* type_name(const json& v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "true/false";
    if (v.is_number()) return "a number";
    if (v.is_string()) return "text";
    if (v.is_array()) return "a list";
    return "an object";
}

[[noreturn]] void bad(const std::string& path, const std::string& what) { throw Error(path + " " + what); }

// Reads the fields of one JSON object, naming each by its path ("story.files[1].size").
class Obj {
public:
    Obj(const json& j, std::string path) : j_(j), path_(std::move(path)) {
        if (!j_.is_object()) bad(path_, std::string("must be an object, not ") + type_name(j_));
    }
    std::string at(const char* key) const { return path_ + "." + key; }

    const json& get(const char* key) const {
        auto it = j_.find(key);
        if (it == j_.end()) bad(at(key), "is missing");
        return *it;
    }
    std::string text(const char* key) const {
        const json& v = get(key);
        if (!v.is_string()) bad(at(key), std::string("must be text, not ") + type_name(v));
        return v.get<std::string>();
    }
    std::string one_of(const char* key, std::initializer_list<const char*> allowed) const {
        const std::string v = text(key);
        std::string list;
        for (const char* a : allowed) {
            if (v == a) return v;
            list += list.empty() ? a : std::string(", ") + a;
        }
        bad(at(key), "must be one of " + list + ", not '" + v + "'");
    }
    bool boolean(const char* key) const {
        const json& v = get(key);
        if (!v.is_boolean()) bad(at(key), std::string("must be true or false, not ") + type_name(v));
        return v.get<bool>();
    }
    std::int64_t integer(const char* key, std::int64_t lo) const { return integer_value(get(key), at(key), lo); }
    std::optional<std::int64_t> opt_integer(const char* key, std::int64_t lo) const {
        const json& v = get(key);
        if (v.is_null()) return std::nullopt;
        return integer_value(v, at(key), lo);
    }
    std::optional<double> opt_number(const char* key) const {
        const json& v = get(key);
        if (v.is_null()) return std::nullopt;
        if (!v.is_number()) bad(at(key), std::string("must be a number or null, not ") + type_name(v));
        const double d = v.get<double>();
        if (!std::isfinite(d)) bad(at(key), "must be a finite number");
        return d;
    }
    const json& list(const char* key) const {
        const json& v = get(key);
        if (!v.is_array()) bad(at(key), std::string("must be a list, not ") + type_name(v));
        return v;
    }
    std::vector<std::string> text_list(const char* key) const {
        const json& v = list(key);
        std::vector<std::string> out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!v[i].is_string())
                bad(at(key) + "[" + std::to_string(i) + "]", std::string("must be text, not ") + type_name(v[i]));
            out.push_back(v[i].get<std::string>());
        }
        return out;
    }

    static std::int64_t integer_value(const json& v, const std::string& path, std::int64_t lo) {
        if (v.is_number_unsigned()) {
            if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) bad(path, "is too large");
            return integer_value(json(static_cast<std::int64_t>(v.get<std::uint64_t>())), path, lo);
        }
        if (!v.is_number_integer()) bad(path, std::string("must be a whole number, not ") + type_name(v));
        const auto n = v.get<std::int64_t>();
        if (n < lo) bad(path, "must be " + std::to_string(lo) + " or more, not " + std::to_string(n));
        return n;
    }

private:
    const json& j_;
    std::string path_;
};

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json opt(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

int small_int(std::int64_t v, const std::string& path) {
    if (v > INT32_MAX) bad(path, "is too large");
    return static_cast<int>(v);
}

}  // namespace

// ---- the booth ----

json booth_to_json(const BoothInfo& b) {
    return {{"id", b.id}, {"name", b.name}, {"code", b.code}, {"version", b.version}};
}

BoothInfo booth_from_json(const json& j) {
    Obj o(j, "booth");
    BoothInfo b;
    b.id = o.text("id");
    if (!is_uuid(b.id)) bad(o.at("id"), "must be a lower-case UUID, not '" + b.id + "'");
    b.name = o.text("name");
    b.code = o.text("code");
    b.version = o.text("version");
    return b;
}

// ---- stories ----

std::string file_name_for_kind(const std::string& kind) {
    if (kind == "listening") return kListeningName;
    if (kind == "master") return kMasterName;
    return "";
}

std::string file_name(const StoryFile& f) {
    const auto slash = f.path.rfind('/');
    return slash == std::string::npos ? f.path : f.path.substr(slash + 1);
}

bool is_story_file_name(const std::string& name) { return name == kListeningName || name == kMasterName; }

bool is_sha256_hex(const std::string& s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::string content_type(const std::string& name) {
    if (name == kListeningName) return "audio/ogg";
    if (name == kMasterName) return "audio/flac";
    return "application/octet-stream";
}

bool is_offered_state(const std::string& state) { return state == "complete" || state == "recovered"; }

bool is_shareable(const Story& s) {
    if (!is_offered_state(s.state) || s.share_level != "community" || s.participants.empty()) return false;
    for (const Participant& p : s.participants)
        if (!p.consent || p.consent->choice != "community") return false;
    return true;
}

bool has_secret_page(const Story& s) { return is_offered_state(s.state) && !is_shareable(s) && !s.secret_link.empty(); }

std::optional<StoryFile> offered_file(const Story& s, const std::string& name) {
    if (!is_offered_state(s.state) || !is_story_file_name(name)) return std::nullopt;
    for (const StoryFile& f : s.files)
        if (file_name(f) == name && file_name_for_kind(f.kind) == name) return f;
    return std::nullopt;
}

fs::path story_file_path(const fs::path& data_dir, const std::string& story_id, const std::string& name) {
    if (!is_uuid(story_id)) throw Error("'" + story_id + "' is not a story id");
    if (!is_story_file_name(name)) throw Error("'" + name + "' is not a story file name (story.opus or master.flac)");
    return data_dir / "stories" / story_id / name;
}

json story_to_json(const Story& s) {
    json people = json::array();
    for (const Participant& p : s.participants) {
        json consent = nullptr;
        if (p.consent)
            consent = {{"release_version", p.consent->release_version},
                       {"choice", p.consent->choice},
                       {"typed_name", p.consent->typed_name},
                       {"guardian_name", p.consent->guardian_name},
                       {"agreed_at", p.consent->agreed_at}};
        people.push_back({{"name", p.name},
                          {"role", p.role},
                          {"age_range", p.age_range},
                          {"relationship", p.relationship},
                          {"channel", p.mic_channel},
                          {"consent", consent}});
    }
    json markers = json::array();
    for (const Marker& m : s.markers) markers.push_back({{"offset_ms", m.offset_ms}, {"text", m.text}});
    json files = json::array();
    for (const StoryFile& f : s.files)
        files.push_back({{"name", file_name(f)}, {"kind", f.kind}, {"size", f.size}, {"sha256", f.sha256}});
    return {{"id", s.id},
            {"code", s.code},
            {"state", s.state},
            {"title", s.title},
            {"description", s.description},
            {"language", s.language},
            {"share_level", s.share_level},
            {"created_at", s.created_at},
            {"started_at", s.started_at},
            {"ended_at", s.ended_at},
            {"updated_at", s.updated_at},
            {"clock_trusted", s.clock_trusted},
            {"duration_ms", opt(s.duration_ms)},
            {"lufs", opt(s.lufs)},
            {"true_peak_dbtp", opt(s.true_peak_dbtp)},
            {"channels", s.channels},
            {"sample_rate", s.sample_rate},
            {"bitrate", s.bitrate},
            {"note", s.note},
            {"secret_link", s.secret_link.empty() ? json(nullptr) : json(s.secret_link)},
            {"participants", people},
            {"questions", s.questions},
            {"markers", markers},
            {"keywords", s.keywords},
            {"files", files}};
}

Story story_from_json(const json& j) {
    Obj o(j, "story");
    Story s;
    s.id = o.text("id");
    if (!is_uuid(s.id)) bad(o.at("id"), "must be a lower-case UUID, not '" + s.id + "'");
    s.code = o.text("code");
    s.state = o.one_of("state", {"recording", "complete", "recovered", "withdrawn", "deleted"});
    s.title = o.text("title");
    s.description = o.text("description");
    s.language = o.text("language");
    s.share_level = o.one_of("share_level", {"private", "community"});
    s.created_at = o.text("created_at");
    s.started_at = o.text("started_at");
    s.ended_at = o.text("ended_at");
    s.updated_at = o.text("updated_at");
    s.clock_trusted = o.boolean("clock_trusted");
    s.duration_ms = o.opt_integer("duration_ms", 0);
    s.lufs = o.opt_number("lufs");
    s.true_peak_dbtp = o.opt_number("true_peak_dbtp");
    s.channels = small_int(o.integer("channels", 0), o.at("channels"));
    s.sample_rate = small_int(o.integer("sample_rate", 0), o.at("sample_rate"));
    s.bitrate = small_int(o.integer("bitrate", 0), o.at("bitrate"));
    s.note = o.text("note");
    // Booths older than secret links do not send the field at all.
    if (j.contains("secret_link") && !j.at("secret_link").is_null()) {
        s.secret_link = o.text("secret_link");
        if (!is_secret_link(s.secret_link)) bad(o.at("secret_link"), "must be null or 32 lower-case hex digits");
    }

    const json& people = o.list("participants");
    for (std::size_t i = 0; i < people.size(); ++i) {
        Obj p(people[i], o.at("participants") + "[" + std::to_string(i) + "]");
        Participant part;
        part.name = p.text("name");
        part.role = p.one_of("role", {"interviewer", "storyteller"});
        part.age_range = p.text("age_range");
        part.relationship = p.text("relationship");
        part.mic_channel = small_int(p.integer("channel", 0), p.at("channel"));
        const json& c = p.get("consent");
        if (!c.is_null()) {
            Obj co(c, p.at("consent"));
            part.consent = Consent{co.text("release_version"), co.one_of("choice", {"private", "community"}),
                                   co.text("typed_name"), co.text("guardian_name"), co.text("agreed_at")};
        }
        s.participants.push_back(std::move(part));
    }
    s.questions = o.text_list("questions");
    const json& markers = o.list("markers");
    for (std::size_t i = 0; i < markers.size(); ++i) {
        Obj m(markers[i], o.at("markers") + "[" + std::to_string(i) + "]");
        s.markers.push_back(Marker{m.integer("offset_ms", 0), m.text("text")});
    }
    s.keywords = o.text_list("keywords");

    const json& files = o.list("files");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < files.size(); ++i) {
        Obj f(files[i], o.at("files") + "[" + std::to_string(i) + "]");
        const std::string name = f.text("name");
        if (!is_story_file_name(name)) bad(f.at("name"), "must be story.opus or master.flac, not '" + name + "'");
        const std::string kind = f.one_of("kind", {"listening", "master"});
        if (file_name_for_kind(kind) != name) bad(f.at("kind"), "'" + kind + "' does not go with the name " + name);
        if (!seen.insert(name).second) bad(f.at("name"), "lists " + name + " a second time");
        StoryFile sf;
        sf.kind = kind;
        sf.path = "stories/" + s.id + "/" + name;
        sf.size = static_cast<std::uint64_t>(f.integer("size", 0));
        sf.sha256 = f.text("sha256");
        if (!is_sha256_hex(sf.sha256)) bad(f.at("sha256"), "must be 64 lower-case hex digits");
        s.files.push_back(std::move(sf));
    }
    return s;
}

// ---- entries and pages ----

json entry_to_json(const Entry& e) {
    if (e.tombstone) return {{"seq", e.seq}, {"kind", "tombstone"}, {"story_id", e.story_id}, {"at", e.at}};
    if (!e.story) throw Error("an upsert entry needs its story");
    return {{"seq", e.seq}, {"kind", "upsert"}, {"story", story_to_json(*e.story)}};
}

namespace {

Entry entry_at(const json& j, const std::string& path) {
    Obj o(j, path);
    Entry e;
    e.seq = o.integer("seq", 1);
    const std::string kind = o.one_of("kind", {"upsert", "tombstone"});
    if (kind == "tombstone") {
        e.tombstone = true;
        e.story_id = o.text("story_id");
        if (!is_uuid(e.story_id)) bad(o.at("story_id"), "must be a lower-case UUID, not '" + e.story_id + "'");
        e.at = o.text("at");
    } else {
        try {
            e.story = story_from_json(o.get("story"));
        } catch (const Error& err) {
            // "story.files[0].name ..." becomes "changes[3].story.files[0].name ...".
            throw Error(path + "." + err.what());
        }
        e.story_id = e.story->id;
    }
    return e;
}

}  // namespace

Entry entry_from_json(const json& j) { return entry_at(j, "entry"); }

json changes_to_json(const ChangesPage& p) {
    json entries = json::array();
    for (const Entry& e : p.changes) entries.push_back(entry_to_json(e));
    return {{"booth", booth_to_json(p.booth)}, {"changes", entries}, {"next", p.next}, {"more", p.more}};
}

ChangesPage changes_from_json(const json& j) {
    if (!j.is_object()) bad("the list of changes", std::string("must be an object, not ") + type_name(j));
    Obj o(j, "changes page");
    ChangesPage p;
    p.booth = booth_from_json(o.get("booth"));
    p.next = o.integer("next", 0);
    p.more = o.boolean("more");
    const json& list = o.list("changes");
    std::int64_t last = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string path = "changes[" + std::to_string(i) + "]";
        Entry e = entry_at(list[i], path);
        if (e.seq <= last) bad(path + ".seq", "must be larger than the entry before it");
        if (e.seq > p.next) bad(path + ".seq", "is after 'next' (" + std::to_string(p.next) + ")");
        last = e.seq;
        p.changes.push_back(std::move(e));
    }
    return p;
}

}  // namespace sb::feed
