#include "session/session.hpp"

#include "catalog/sqlite.hpp"
#include "common/fs.hpp"
#include "common/utf8.hpp"
#include "record/layout.hpp"
#include "record/recorder.hpp"
#include "record/spare.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <set>
#include <spdlog/spdlog.h>
#include <string_view>

namespace sb {

namespace fs = std::filesystem;

namespace {

// ---- text checks: lengths are counted in characters (code points), any script ----

// Characters in valid UTF-8, or nullopt when it is not valid UTF-8 (or holds control
// characters other than, when `multiline`, line breaks and tabs).
std::optional<std::size_t> text_length(std::string_view s, bool multiline = false) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++n) {
        const auto cp = decode_utf8(s, i);
        if (!cp) return std::nullopt;
        if ((*cp < 0x20 || *cp == 0x7f) && !(multiline && (*cp == '\n' || *cp == '\r' || *cp == '\t'))) return std::nullopt;
    }
    return n;
}

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::string lower_trimmed(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

[[noreturn]] void invalid(const std::string& msg) { throw SessionError(422, msg); }

// Required text of 1..max characters (not only spaces).
void check_required(const std::string& s, std::size_t max, const std::string& msg) {
    const auto n = text_length(s);
    if (!n || *n == 0 || *n > max || blank(s)) invalid(msg);
}

// Optional text of 0..max characters.
void check_optional(const std::string& s, std::size_t max, const std::string& msg, bool multiline = false) {
    const auto n = text_length(s, multiline);
    if (!n || *n > max) invalid(msg);
}

// The first `max` characters of valid UTF-8.
std::string clip(const std::string& s, std::size_t max) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) {
            if (chars == max) return s.substr(0, i);
            ++chars;
        }
    }
    return s;
}

int rank(SessionState s) {
    switch (s) {
        case SessionState::welcome: return 0;
        case SessionState::participants: return 1;
        case SessionState::consent: return 2;
        case SessionState::questions: return 3;
        case SessionState::mic_check: return 4;
        case SessionState::recording:
        case SessionState::paused:
        case SessionState::mic_lost: return 5;
        case SessionState::review: return 6;
        case SessionState::saved:
        case SessionState::deleted: return 7;
    }
    return 0;
}

// What the person at the screen has to do next, in the state they are in.
const char* what_next(SessionState s) {
    switch (s) {
        case SessionState::welcome: return "Please press Start first.";
        case SessionState::participants: return "Please tell us who is here first.";
        case SessionState::consent: return "Please finish the consent step first.";
        case SessionState::questions: return "Please choose your questions first.";
        case SessionState::mic_check: return "Please finish the microphone check and start recording first.";
        case SessionState::recording: return "The recording is still going. Please stop it first.";
        case SessionState::paused: return "The recording is paused. Please resume or stop it first.";
        case SessionState::mic_lost:
            return "The microphone is disconnected. Please plug it back in, or stop the recording.";
        case SessionState::review: return "Please save or delete your story first.";
        case SessionState::saved: return "Your story is saved. Please press Start to begin a new one.";
        case SessionState::deleted: return "The story was deleted. Please press Start to begin a new one.";
    }
    return "That cannot be done now.";
}

constexpr std::int64_t kMicProbeEveryMs = 1000;
constexpr std::int64_t kTimerEveryMs = 1000;
constexpr std::int64_t kLargestTickStepMs = 10000;

const char* const kMicLost =
    "The microphone was disconnected. Please plug it back in and the recording will continue; "
    "what was recorded is kept.";

}  // namespace

std::string to_string(SessionState s) {
    switch (s) {
        case SessionState::welcome: return "welcome";
        case SessionState::participants: return "participants";
        case SessionState::consent: return "consent";
        case SessionState::questions: return "questions";
        case SessionState::mic_check: return "mic_check";
        case SessionState::recording: return "recording";
        case SessionState::paused: return "paused";
        case SessionState::mic_lost: return "mic_lost";
        case SessionState::review: return "review";
        case SessionState::saved: return "saved";
        case SessionState::deleted: return "deleted";
    }
    return "unknown";
}

SessionError::SessionError(int http_status, std::string msg) : Error(std::move(msg)), status_(http_status) {}

namespace {

SessionSettings with_defaults(SessionSettings s) {
    if (!s.free_bytes) {
        const fs::path dir = s.data_dir;
        s.free_bytes = [dir] { return free_bytes(dir); };
    }
    return s;
}

}  // namespace

SessionManager::SessionManager(Catalog& catalog, const Clock& clock, Microphone& mic, SessionSettings settings,
                               SessionListener* listener)
    : catalog_(catalog), clock_(clock), mic_(mic), listener_(listener), settings_(with_defaults(std::move(settings))),
      next_settings_(settings_) {
    last_now_ = clock_.now();
    try {
        mic_present_ = mic_.present();
    } catch (const std::exception& e) {
        spdlog::warn("cannot look for the microphone: {}", e.what());
    }
}

SessionManager::~SessionManager() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!recorder_) return;
    try {
        if (state_ == SessionState::mic_check) {
            recorder_->abort();
        } else {
            // Closed cleanly and left "recording": recovery lists it at the next start.
            recorder_->request_stop();
            recorder_->finish(FinishMode::hold);
        }
    } catch (const std::exception& e) {
        spdlog::error("closing the session's recording: {}", e.what());
    }
    recorder_.reset();
}

// ---- helpers (mutex held) ----

void SessionManager::set_state(SessionState s) {
    state_ = s;
    last_activity_ms_ = now_ms_;
    if (listener_) listener_->on_state(snapshot_locked());
}

void SessionManager::require(std::initializer_list<SessionState> allowed) const {
    for (SessionState s : allowed)
        if (s == state_) return;
    if (rank(state_) < rank(*allowed.begin())) throw SessionError(409, what_next(state_));
    // Asked for a step that is behind us.
    switch (state_) {
        case SessionState::participants:
        case SessionState::consent:
        case SessionState::questions:
        case SessionState::mic_check:
            throw SessionError(409, std::string("That step is already done. ") + what_next(state_));
        default: throw SessionError(409, what_next(state_));
    }
}

void SessionManager::clear_session() {
    recorder_.reset();
    language_.clear();
    participants_.clear();
    consents_.clear();
    consent_times_.clear();
    questions_.clear();
    current_question_ = -1;
    error_.clear();
    story_ = Story{};
    title_.clear();
    description_.clear();
    keywords_.clear();
    held_.reset();
    held_duration_ms_ = 0;
    held_opus_.clear();
    warnings_left_.clear();
}

void SessionManager::reset_to_welcome() {
    clear_session();
    set_state(SessionState::welcome);
}

std::int64_t SessionManager::elapsed_ms_locked() const {
    if (recorder_) return recorder_->recorded_ms();
    if (state_ == SessionState::review || state_ == SessionState::saved) return held_duration_ms_;
    return 0;
}

std::string SessionManager::suggested_title_locked() const {
    std::vector<std::string> names;
    // Storytellers first: the story is theirs.
    for (const char* role : {"storyteller", "interviewer"})
        for (const auto& p : participants_)
            if (p.role == role) names.push_back(p.name);
    std::string t;
    const std::string joiner = language_ == "es" ? " y " : " and ";
    for (std::size_t i = 0; i < names.size(); ++i) t += (i == 0 ? "" : joiner) + names[i];
    if (!questions_.empty()) t += (t.empty() ? "" : ": ") + questions_.front();
    if (t.empty()) t = "Story " + story_.code;
    return clip(t, 200);
}

SessionSnapshot SessionManager::snapshot_locked() const {
    SessionSnapshot s;
    s.state = state_;
    s.language = language_;
    s.story_id = story_.id;
    s.story_code = story_.code;
    s.error = error_;
    s.participants = participants_;
    s.questions = questions_;
    s.current_question = current_question_;
    s.elapsed_ms = elapsed_ms_locked();
    s.remaining_ms = std::max<std::int64_t>(0, static_cast<std::int64_t>(settings_.time_limit_s) * 1000 - s.elapsed_ms);
    s.mic_present = mic_present_;
    if (!participants_.empty()) s.suggested_title = suggested_title_locked();
    return s;
}

std::uint64_t SessionManager::free_bytes_now() const {
    try {
        return settings_.free_bytes();
    } catch (const std::exception& e) {
        spdlog::warn("cannot read the free space: {}", e.what());
        return 0;
    }
}

namespace {

constexpr const char* kStorageFull =
    "The booth's storage is full, so the story cannot be saved yet. What was recorded is kept. Please ask a librarian.";

bool is_disk_full(const std::exception& e) {
    if (const auto* c = dynamic_cast<const CatalogError*>(&e)) return c->disk_full();
    if (const auto* io = dynamic_cast<const IoError*>(&e)) return io->disk_full();
    return false;
}

}  // namespace

template <class Step>
void SessionManager::with_spare_space(const char* what, Step&& step) {
    try {
        step();
        return;
    } catch (const std::exception& e) {
        if (!is_disk_full(e)) throw;
        if (!spare::release_spare(settings_.data_dir)) {
            spdlog::error("story {}: {}: {}", story_.code, what, e.what());
            throw SessionError(507, kStorageFull);
        }
        spdlog::warn("story {}: the disk is full ({}); the spare space was given back to finish the story", story_.code, e.what());
    }
    try {
        step();
    } catch (const std::exception& e) {
        if (!is_disk_full(e)) throw;
        spdlog::error("story {}: {} (even with the spare space): {}", story_.code, what, e.what());
        throw SessionError(507, kStorageFull);
    }
}

// ---- the public calls ----

SessionSnapshot SessionManager::snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return snapshot_locked();
}

bool SessionManager::audio_alive(std::chrono::milliseconds stale_after) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (!recorder_ || recorder_->done()) return true;
    const auto alive = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(recorder_->alive_ns()));
    return std::chrono::steady_clock::now() - alive <= stale_after;
}

void SessionManager::update_settings(SessionSettings s) {
    std::lock_guard<std::mutex> lock(mu_);
    next_settings_ = with_defaults(std::move(s));
}

void SessionManager::touch() {
    std::lock_guard<std::mutex> lock(mu_);
    last_activity_ms_ = now_ms_;
}

void SessionManager::check_can_begin(const std::string& language) const {
    if (state_ != SessionState::welcome && state_ != SessionState::saved && state_ != SessionState::deleted)
        throw SessionError(409, std::string("A session is already in progress. ") + what_next(state_));
    if (language != "en" && language != "es") invalid("Please choose English or Spanish.");
}

void SessionManager::start(const std::string& language) {
    std::lock_guard<std::mutex> lock(mu_);
    check_can_begin(language);
    settings_ = next_settings_;
    try {
        mic_present_ = mic_.present();
    } catch (const std::exception& e) {
        spdlog::warn("cannot look for the microphone: {}", e.what());
    }
    clear_session();
    language_ = language;
    set_state(SessionState::participants);
}

void SessionManager::set_participants(const std::vector<ParticipantInput>& people) {
    std::lock_guard<std::mutex> lock(mu_);
    require({SessionState::participants});
    if (people.empty() || people.size() > 2) invalid("Please add one or two people.");
    std::set<int> channels;
    bool storyteller = false;
    for (const auto& p : people) {
        check_required(p.name, 200, "Please enter each person's name (up to 200 characters).");
        if (p.role != "interviewer" && p.role != "storyteller")
            invalid("Please choose whether each person is the interviewer or the storyteller.");
        storyteller = storyteller || p.role == "storyteller";
        if (p.channel < 1 || p.channel > 2) invalid("Please choose microphone 1 or 2 for each person.");
        if (!channels.insert(p.channel).second) invalid("Each person needs their own microphone.");
        check_optional(p.age_range, 50, "Please choose an age range from the list.");
        check_optional(p.relationship, 200, "Please describe the relationship in up to 200 characters.");
    }
    if (!storyteller) invalid("One person needs to be the storyteller.");
    participants_ = people;
    set_state(SessionState::consent);
}

void SessionManager::set_consent(const std::vector<ConsentInput>& consents) {
    std::lock_guard<std::mutex> lock(mu_);
    require({SessionState::consent});
    if (consents.size() != participants_.size()) invalid("Each person needs to give their consent.");
    std::vector<ConsentInput> ordered(participants_.size());
    std::vector<bool> seen(participants_.size(), false);
    for (const auto& c : consents) {
        if (c.participant < 0 || static_cast<std::size_t>(c.participant) >= participants_.size() ||
            seen[static_cast<std::size_t>(c.participant)])
            invalid("Each person needs to give their consent.");
        const std::size_t i = static_cast<std::size_t>(c.participant);
        seen[i] = true;
        if (c.choice != "private" && c.choice != "share")
            invalid("Please choose whether to keep the story private or share it with the community.");
        check_required(c.typed_name, 200, "Please type your name to agree.");
        check_optional(c.guardian_name, 200, "Please type the guardian's name (up to 200 characters).");
        if (lower_trimmed(participants_[i].age_range) == "under 18" && blank(c.guardian_name))
            invalid("A parent or guardian needs to agree for " + participants_[i].name + ": please type their name.");
        ordered[i] = c;
    }
    consents_ = std::move(ordered);
    consent_times_.assign(consents_.size(), iso8601_utc(clock_.now()));
    set_state(SessionState::questions);
}

void SessionManager::set_questions(const std::vector<std::string>& questions) {
    std::lock_guard<std::mutex> lock(mu_);
    require({SessionState::questions});
    if (questions.empty() || questions.size() > 20) invalid("Please choose between 1 and 20 questions.");
    for (const auto& q : questions) check_required(q, 500, "Each question needs 1 to 500 characters.");
    questions_ = questions;
    set_state(SessionState::questions);
}

void SessionManager::mic_check() {
    std::lock_guard<std::mutex> lock(mu_);
    require({SessionState::questions});
    if (questions_.empty()) throw SessionError(409, what_next(SessionState::questions));
    mic_check_locked();
}

void SessionManager::mic_check_locked() {
    std::unique_ptr<AudioSource> source;
    try {
        source = mic_.open();
    } catch (const std::exception& e) {
        mic_present_ = false;
        throw SessionError(503, e.what());
    }
    if (!source) {
        mic_present_ = false;
        throw SessionError(503, "no microphone is connected");
    }

    RecorderSettings rs;
    rs.data_dir = settings_.data_dir;
    rs.bitrate = settings_.bitrate;
    rs.master = settings_.master;
    rs.max_seconds = settings_.time_limit_s;
    rs.watchdog_s = settings_.watchdog_s;
    rs.wait_for_device = true;
    auto rec = std::make_unique<Recorder>(catalog_, clock_, rs);
    SessionListener* const l = listener_;
    rec->set_levels_listener([l](const Levels& lv, std::int64_t ms) {
        if (l) l->on_levels(lv, ms);
    });

    NewStory ns;
    ns.language = language_;
    for (std::size_t i = 0; i < participants_.size(); ++i) {
        const auto& p = participants_[i];
        Participant cp;
        cp.name = p.name;
        cp.age_range = p.age_range;
        cp.relationship = p.relationship;
        cp.role = p.role;
        cp.mic_channel = p.channel;
        Consent c;
        c.release_version = settings_.release_version;
        c.choice = consents_[i].choice == "share" ? "community" : "private";
        c.typed_name = consents_[i].typed_name;
        c.guardian_name = consents_[i].guardian_name;
        c.agreed_at = consent_times_[i];
        cp.consent = c;
        ns.participants.push_back(std::move(cp));
    }
    ns.questions = questions_;

    StartOptions opt;
    opt.armed = true;
    opt.preroll_seconds = settings_.preroll_s;
    try {
        story_ = rec->start(std::move(source), ns, opt);
    } catch (const CatalogError&) {
        throw;
    } catch (const IoError& e) {
        if (e.disk_full())
            throw SessionError(507, "There is not enough space left on the booth to record. Please ask a librarian.");
        throw;
    } catch (const Error& e) {
        mic_present_ = false;
        throw SessionError(503, e.what());  // the device would not start
    }
    const int mics = story_.channels;
    for (const auto& p : participants_)
        if (p.channel > mics)
            spdlog::warn("story {}: {} sits at microphone {}, but the microphone has {} channel(s)", story_.code, p.name,
                         p.channel, mics);
    recorder_ = std::move(rec);
    mic_present_ = true;
    error_.clear();
    set_state(SessionState::mic_check);
}

void SessionManager::record() {
    std::lock_guard<std::mutex> lock(mu_);
    require({SessionState::mic_check});
    record_locked();
}

void SessionManager::record_locked() {
    if (recorder_->device_lost())
        throw SessionError(503, "The microphone is disconnected. Please plug it back in.");
    const double per_second = layout::bytes_per_second(settings_.bitrate, settings_.master, story_.channels, story_.sample_rate);
    const auto need = static_cast<std::uint64_t>(per_second * settings_.time_limit_s) + settings_.reserve_bytes;
    const std::uint64_t have = free_bytes_now();
    if (have < need) {
        spdlog::warn("refusing to record: {} MB free, {} MB needed", have >> 20, need >> 20);
        throw SessionError(507, "There is not enough space left on the booth for a full recording. Please ask a librarian.");
    }
    recorder_->begin();
    current_question_ = questions_.empty() ? -1 : 0;
    last_timer_ms_ = now_ms_;
    warnings_left_.clear();
    for (int w : settings_.warnings_s)
        if (w > 0 && static_cast<std::int64_t>(w) < settings_.time_limit_s) warnings_left_.push_back(w);
    std::sort(warnings_left_.begin(), warnings_left_.end(), std::greater<>());
    warnings_left_.erase(std::unique(warnings_left_.begin(), warnings_left_.end()), warnings_left_.end());
    set_state(SessionState::recording);
}

void SessionManager::pause() {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == SessionState::paused) throw SessionError(409, "The recording is already paused.");
    require({SessionState::recording});
    recorder_->pause();
    set_state(SessionState::paused);
}

void SessionManager::resume() {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == SessionState::recording) throw SessionError(409, "The recording is not paused.");
    require({SessionState::paused});
    recorder_->resume();
    set_state(SessionState::recording);
}

void SessionManager::next_question() {
    std::lock_guard<std::mutex> lock(mu_);
    require({SessionState::recording, SessionState::paused});
    const std::size_t next = static_cast<std::size_t>(current_question_ + 1);
    if (next >= questions_.size()) throw SessionError(409, "That was the last question.");
    recorder_->add_marker(questions_[next]);
    current_question_ = static_cast<int>(next);
    set_state(state_);
}

void SessionManager::close_recording(bool by_itself) {
    // A disk with less room than the spare space: the spare space goes to finishing this story.
    const bool disk_full = free_bytes_now() < spare::kSpareBytes;
    if (disk_full && spare::release_spare(settings_.data_dir))
        spdlog::warn("story {}: the disk is almost full; the spare space was given back to finish the story", story_.code);
    recorder_->request_stop();
    RecordOutcome out;
    try {
        out = recorder_->finish(FinishMode::hold);
        held_ = out.held;
        held_duration_ms_ = out.duration_ms;
        held_opus_ = out.opus;
    } catch (const std::exception& e) {
        // The files stay as they are; saving repairs and measures them (or recovery does).
        spdlog::error("story {}: closing the recording: {}", story_.code, e.what());
        FinaliseInput in;
        in.ended_at = iso8601_utc(clock_.now());
        in.note = e.what();
        held_ = in;
        held_duration_ms_ = recorder_->recorded_ms();
        out.fault = e.what();
    }
    recorder_.reset();  // lets go of the microphone
    error_.clear();     // "the microphone was disconnected" no longer applies
    if (!out.fault.empty()) {
        error_ = disk_full ? std::string("The booth's storage is full, so the recording stopped. What was recorded is kept.")
                           : "The recording stopped: " + out.fault + ". What was recorded is kept.";
        if (listener_) listener_->on_error(error_);
    } else if (by_itself) {
        spdlog::info("story {}: the time limit was reached", story_.code);
    }
    set_state(SessionState::review);
}

void SessionManager::stop() {
    std::lock_guard<std::mutex> lock(mu_);
    require({SessionState::recording, SessionState::paused, SessionState::mic_lost});
    close_recording(false);
}

void SessionManager::review(const std::string& title, const std::string& description,
                            const std::vector<std::string>& keywords) {
    std::lock_guard<std::mutex> lock(mu_);
    require({SessionState::review});
    check_optional(title, 200, "The title can have up to 200 characters.");
    check_optional(description, 2000, "The description can have up to 2000 characters.", true);
    if (keywords.size() > 20) invalid("Please give at most 20 keywords.");
    for (const auto& k : keywords) check_optional(k, 100, "Each keyword can have up to 100 characters.");
    with_spare_space("saving the title", [&] { catalog_.update_metadata(story_.id, title, description, keywords); });
    title_ = title;
    description_ = description;
    keywords_ = keywords;
    set_state(SessionState::review);
}

void SessionManager::save_locked() {
    const std::string title = title_.empty() ? suggested_title_locked() : title_;
    with_spare_space("saving", [&] {
        catalog_.update_metadata(story_.id, title, description_, keywords_);
        FinaliseInput in = held_.value_or(FinaliseInput{});
        story_ = finalise_held(catalog_, settings_.data_dir, story_.id, in);
    });
    title_ = title;
    spdlog::info("story {} saved ({} ms)", story_.code, story_.duration_ms.value_or(0));
    set_state(SessionState::saved);
}

void SessionManager::save() {
    std::lock_guard<std::mutex> lock(mu_);
    require({SessionState::review});
    save_locked();
}

void SessionManager::discard() {
    std::lock_guard<std::mutex> lock(mu_);
    switch (state_) {
        case SessionState::welcome: throw SessionError(409, "There is nothing to delete.");
        case SessionState::saved:
            throw SessionError(409, "Your story is already saved. A librarian can remove it if you ask.");
        case SessionState::deleted: throw SessionError(409, "The story was already deleted.");
        case SessionState::participants:
        case SessionState::consent:
        case SessionState::questions: reset_to_welcome(); return;
        case SessionState::mic_check:
            recorder_->abort();
            reset_to_welcome();
            return;
        case SessionState::recording:
        case SessionState::paused:
        case SessionState::mic_lost:
            recorder_->abort();
            recorder_.reset();
            break;
        case SessionState::review: discard_story(catalog_, settings_.data_dir, story_.id); break;
    }
    spdlog::info("story {} deleted at the participants' request", story_.code);
    held_.reset();
    held_opus_.clear();
    held_duration_ms_ = 0;
    error_.clear();
    set_state(SessionState::deleted);
}

void SessionManager::quick_start(const QuickStart& q) {
    std::lock_guard<std::mutex> lock(mu_);
    check_can_begin(q.language);
    check_required(q.guest_name, 200, "The guest's name needs 1 to 200 characters.");
    if (q.questions.size() > 20) invalid("Please choose at most 20 questions.");
    for (const auto& question : q.questions) check_required(question, 500, "Each question needs 1 to 500 characters.");
    if (q.max_seconds < 0) invalid("The longest recording cannot be negative.");

    settings_ = next_settings_;
    if (q.max_seconds > 0) settings_.time_limit_s = std::min(settings_.time_limit_s, q.max_seconds);
    clear_session();
    language_ = q.language;
    participants_ = {ParticipantInput{q.guest_name, "storyteller", "", "", 1}};
    consents_ = {ConsentInput{0, "private", q.guest_name, ""}};
    consent_times_.assign(1, iso8601_utc(clock_.now()));
    questions_ = q.questions;
    try {
        mic_check_locked();
        record_locked();
    } catch (...) {
        if (recorder_) {
            try {
                recorder_->abort();
            } catch (const std::exception& e) {
                spdlog::error("abandoning the quick recording: {}", e.what());
            }
        }
        reset_to_welcome();
        throw;
    }
}

void SessionManager::finish_quick(const std::string& title) {
    std::lock_guard<std::mutex> lock(mu_);
    require({SessionState::recording, SessionState::paused, SessionState::mic_lost, SessionState::review});
    check_optional(title, 200, "The title can have up to 200 characters.");
    if (state_ != SessionState::review) close_recording(false);
    title_ = title;
    save_locked();
}

std::string SessionManager::audio_path() const {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ != SessionState::review || held_opus_.empty()) return "";
    std::error_code ec;
    return fs::exists(held_opus_, ec) ? held_opus_.string() : "";
}

// ---- tick ----

void SessionManager::lose_microphone(const std::string& why) {
    spdlog::warn("story {}: {}", story_.code, why);
    mic_present_ = false;
    error_ = kMicLost;
    if (listener_) listener_->on_error(error_);
    last_mic_probe_ms_ = now_ms_ - kMicProbeEveryMs;  // look again at the next tick
    if (state_ == SessionState::recording || state_ == SessionState::paused) {
        before_lost_ = state_;
        set_state(SessionState::mic_lost);
    } else if (listener_) {
        listener_->on_state(snapshot_locked());
    }
    // The screens are told first: letting go of a device that stopped answering can take
    // seconds (PortAudio has to abort a read that never returns).
    try {
        recorder_->release_source();  // so the device list can be read afresh
    } catch (const std::exception& e) {
        spdlog::warn("letting go of the lost microphone: {}", e.what());
    }
}

void SessionManager::try_microphone_back() {
    if (now_ms_ - last_mic_probe_ms_ < kMicProbeEveryMs) return;
    last_mic_probe_ms_ = now_ms_;
    bool present = false;
    try {
        present = mic_.present();
    } catch (const std::exception& e) {
        spdlog::debug("looking for the microphone: {}", e.what());
    }
    if (!present) return;
    try {
        recorder_->replace_source(mic_.open());
    } catch (const std::exception& e) {
        // A different microphone, or it vanished again: keep waiting, say why once.
        const std::string msg = std::string("The microphone cannot be used: ") + e.what();
        if (msg != error_) {
            error_ = msg;
            if (listener_) listener_->on_error(error_);
        }
        return;
    }
    spdlog::info("story {}: the microphone is back", story_.code);
    mic_present_ = true;
    error_.clear();
    if (state_ == SessionState::mic_lost)
        set_state(before_lost_);
    else if (listener_)
        listener_->on_state(snapshot_locked());
}

void SessionManager::tick() {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = clock_.now();
    if (last_now_) {
        const auto step = std::chrono::duration_cast<std::chrono::milliseconds>(now - *last_now_).count();
        if (step >= 0 && step <= kLargestTickStepMs) now_ms_ += step;
    }
    last_now_ = now;

    switch (state_) {
        case SessionState::mic_check:
            if (recorder_->done()) {
                // The source ended or failed before anything was recorded: nothing to keep.
                const std::string why = recorder_->fault();
                recorder_->abort();
                recorder_.reset();
                story_ = Story{};
                error_ = "The microphone stopped" + (why.empty() ? std::string() : ": " + why) +
                         ". Please try the microphone check again.";
                if (listener_) listener_->on_error(error_);
                set_state(SessionState::questions);
                return;
            }
            if (recorder_->device_lost()) {
                if (mic_present_)
                    lose_microphone("the microphone was lost during the microphone check");
                else
                    try_microphone_back();
            }
            break;
        case SessionState::recording:
        case SessionState::paused:
            if (recorder_->done()) {
                close_recording(true);  // the time limit (or a fault): the story is kept
                return;
            }
            if (recorder_->device_lost()) {
                lose_microphone("the microphone was lost during the recording");
                return;
            }
            {
                const std::int64_t remaining =
                    static_cast<std::int64_t>(settings_.time_limit_s) * 1000 - recorder_->recorded_ms();
                while (!warnings_left_.empty() && remaining <= static_cast<std::int64_t>(warnings_left_.front()) * 1000) {
                    const int w = warnings_left_.front();
                    warnings_left_.erase(warnings_left_.begin());
                    if (listener_) listener_->on_warning(w);
                }
            }
            break;
        case SessionState::mic_lost:
            if (recorder_->done()) {
                close_recording(true);
                return;
            }
            try_microphone_back();
            break;
        default: break;
    }

    if (state_ == SessionState::recording || state_ == SessionState::paused || state_ == SessionState::mic_lost) {
        if (now_ms_ - last_timer_ms_ >= kTimerEveryMs) {
            last_timer_ms_ = now_ms_;
            const std::int64_t elapsed = elapsed_ms_locked();
            if (listener_)
                listener_->on_timer(elapsed, std::max<std::int64_t>(0, static_cast<std::int64_t>(settings_.time_limit_s) * 1000 - elapsed));
        }
        return;  // never idle while a recording is open
    }

    if (state_ == SessionState::welcome) return;
    if (now_ms_ - last_activity_ms_ < static_cast<std::int64_t>(settings_.idle_timeout_s) * 1000) return;
    spdlog::info("session idle in {}: back to the start", to_string(state_));
    switch (state_) {
        case SessionState::mic_check:
            try {
                recorder_->abort();
            } catch (const std::exception& e) {
                spdlog::error("abandoning the mic check: {}", e.what());
            }
            reset_to_welcome();
            break;
        case SessionState::review:
            // Nobody said "delete": the recording is kept.
            try {
                save_locked();
            } catch (const std::exception& e) {
                spdlog::error("story {}: saving after the session went idle: {} (recovery will keep it)", story_.code,
                              e.what());
            }
            reset_to_welcome();
            break;
        default: reset_to_welcome(); break;
    }
}

}  // namespace sb
