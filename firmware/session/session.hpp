#pragma once
// The kiosk flow as a state machine: one interview session at a time, from Welcome to Saved.
//
//   welcome ─start─► participants ─set_participants─► consent ─set_consent─► questions
//     ─mic_check─► mic_check ─record─► recording ⇄ paused      (mic lost ⇄ mic_lost, by tick)
//     ─stop (or the time limit)─► review ─save─► saved          discard ─► deleted / welcome
//   welcome ─quick_start─► recording ─finish_quick─► saved        (the press-to-record button)
//
// The story is created in the catalog at mic_check (participants, consents and questions with
// it) and the recorder starts ARMED there: levels flow and the last preroll_s of audio are kept,
// so record() keeps the first words. stop() holds the recording for review (the story stays
// "recording" in the catalog, so a power cut during review still ends in a recovered story);
// save() finalises it. Deleting after the mic check removes the files and rows for good.
//
// Every public call takes the manager's mutex. An out-of-order call throws SessionError(409),
// invalid data SessionError(422), no microphone 503, not enough disk 507 — and on any error
// nothing changes. Listener callbacks come from the caller's thread inside a call or tick()
// (with the mutex held) and from the recorder's worker (on_levels, without it); a listener must
// not call back into the SessionManager.
//
// Time: tick() advances the session's own time by what the Clock moved since the previous tick.
// A step backwards or of more than 10 s is a change of the wall clock (a Pi without a real-time
// clock setting itself from NTP), not time passing, and is not counted. Recorded time (elapsed,
// remaining, the time limit, markers) is audio time, counted by the recorder from the start of
// the pre-roll, pauses excluded.
#include "capture/microphone.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "dsp/meter.hpp"
#include "record/finalise.hpp"
#include "record/layout.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sb {

class Recorder;

enum class SessionState { welcome, participants, consent, questions, mic_check, recording, paused, mic_lost, review, saved, deleted };
std::string to_string(SessionState);

struct SessionSettings {
    std::filesystem::path data_dir;
    int bitrate = 64000;
    bool master = true;
    int time_limit_s = 2400;            // 40 min default; the daemon enforces 60..3600 when configuring
    std::vector<int> warnings_s = {300, 60};
    int idle_timeout_s = 180;           // back to welcome after inactivity; never in recording/paused/mic_lost
    double preroll_s = 2.0;
    std::uint64_t reserve_bytes = layout::kReserveBytes;
    std::function<std::uint64_t()> free_bytes;   // default: statvfs of data_dir (sb::free_bytes); tests inject a full disk
    std::string release_version = "2026-1";      // the consent text version shown
    double watchdog_s = 3.0;            // a microphone silent this long counts as lost
};

struct ParticipantInput {
    std::string name, role /* interviewer|storyteller */, age_range, relationship;
    int channel = 1;
};

struct ConsentInput {
    int participant = 0;  // index into participants
    std::string choice;   // "private" | "share"
    std::string typed_name, guardian_name;
};

// A guestbook-style recording started by a button rather than the touchscreen: one storyteller,
// consent "private" (stamped with the release version), the given questions (or none).
struct QuickStart {
    std::string language = "en";
    std::string guest_name = "Guest";
    std::vector<std::string> questions;  // 0..20
    int max_seconds = 0;                 // shorter than the time limit; 0: the time limit
};

class SessionError : public Error {
public:
    SessionError(int http_status, std::string msg);
    int status() const noexcept { return status_; }

private:
    int status_;
};

struct SessionSnapshot {
    SessionState state = SessionState::welcome;
    std::string language, story_id, story_code, error;
    std::vector<ParticipantInput> participants;
    std::vector<std::string> questions;
    int current_question = -1;
    std::int64_t elapsed_ms = 0, remaining_ms = 0;
    bool mic_present = false;
    std::string suggested_title;  // review: what save() uses when no title was given
};

class SessionListener {  // called from the session's own threads/tick; must not call back into SessionManager
public:
    virtual ~SessionListener() = default;
    virtual void on_state(const SessionSnapshot&) {}
    virtual void on_levels(const Levels&, std::int64_t /*elapsed_ms*/) {}           // >= 10 per second of audio while the mic is open (mic_check..stop)
    virtual void on_timer(std::int64_t /*elapsed_ms*/, std::int64_t /*remaining_ms*/) {}  // once a second while recording/paused/mic_lost
    virtual void on_warning(int /*seconds_left*/) {}                                 // once each at 5 and 1 minutes left
    virtual void on_error(const std::string& /*message*/) {}                         // mic lost, disk full, ...
};

class SessionManager {  // thread-safe: every public call takes the manager's mutex
public:
    SessionManager(Catalog&, const Clock&, Microphone&, SessionSettings, SessionListener* = nullptr);
    ~SessionManager();  // a recording in progress is closed and left for recovery; a mic check is abandoned
    SessionManager(const SessionManager&) = delete;
    SessionManager& operator=(const SessionManager&) = delete;

    SessionSnapshot snapshot() const;
    // Settings for the next session (applied at start()); one in progress carries on as it began.
    void update_settings(SessionSettings);

    void start(const std::string& language);                       // welcome|saved|deleted -> participants ("en" or "es"; else 422)
    void set_participants(const std::vector<ParticipantInput>&);   // participants -> consent
    void set_consent(const std::vector<ConsentInput>&);            // consent -> questions
    void set_questions(const std::vector<std::string>&);           // questions -> questions (1..20, each 1..500 chars)
    void mic_check();      // questions -> mic_check: opens the mic (503 if none), the recorder starts armed
    void record();         // mic_check -> recording (507 when the disk cannot hold time_limit_s)
    void pause();          // recording -> paused
    void resume();         // paused -> recording
    void next_question();  // recording|paused: a marker at the recorded position, with the next question
    void stop();           // recording|paused|mic_lost -> review (held, not yet saved)
    void review(const std::string& title, const std::string& description, const std::vector<std::string>& keywords);
    void save();           // review -> saved
    void discard();        // before mic_check -> welcome; mic_check -> abort -> welcome; later -> deleted
    // welcome|saved|deleted -> recording in one step (participants, consent, questions, mic check
    // and record with the same checks: 503 no microphone, 507 disk); on any error, back to welcome.
    void quick_start(const QuickStart&);
    // recording|paused|mic_lost|review -> saved with `title`, skipping the review step.
    void finish_quick(const std::string& title);
    void tick();           // ~10 times a second: timers, warnings, limit, idle, mic lost/back
    void touch();          // any kiosk request resets the idle timer
    std::string audio_path() const;  // the listening copy in review, else empty
    // For a service watchdog: true while no microphone stream is open (deliberately idle), or
    // while the recorder shows signs of life (frames arriving, or knowingly waiting for a lost
    // microphone) within the last `stale_after`. False when capture or the worker has hung.
    bool audio_alive(std::chrono::milliseconds stale_after) const;

private:
    void set_state(SessionState s);          // + on_state
    SessionSnapshot snapshot_locked() const;
    void clear_session();
    void reset_to_welcome();                 // clear_session + state welcome
    // 409 with what to do next unless the state is one of `allowed` (the first one names the step).
    void require(std::initializer_list<SessionState> allowed) const;
    void close_recording(bool by_limit);     // recorder -> held, state review
    // 409 while a session is in progress, 422 for a language the booth does not offer.
    void check_can_begin(const std::string& language) const;
    void mic_check_locked();
    void record_locked();
    void save_locked();
    // Runs a step that writes to the disk; when it fails for want of space, gives the booth's
    // spare space back (record/spare.hpp) and runs it once more. Still full: a 507 that says so.
    template <class Step>
    void with_spare_space(const char* what, Step&& step);
    void discard_story_locked();
    void lose_microphone(const std::string& why);
    void try_microphone_back();
    std::int64_t elapsed_ms_locked() const;
    std::string suggested_title_locked() const;
    std::uint64_t free_bytes_now() const;

    Catalog& catalog_;
    const Clock& clock_;
    Microphone& mic_;
    SessionListener* listener_;
    SessionSettings settings_;       // the current session's
    SessionSettings next_settings_;  // update_settings(): from the next start()

    mutable std::mutex mu_;
    SessionState state_ = SessionState::welcome;
    std::string language_;
    std::vector<ParticipantInput> participants_;
    std::vector<ConsentInput> consents_;
    std::vector<std::string> consent_times_;
    std::vector<std::string> questions_;
    int current_question_ = -1;
    std::string error_;
    bool mic_present_ = false;

    std::unique_ptr<Recorder> recorder_;
    Story story_;
    std::string title_, description_;
    std::vector<std::string> keywords_;
    std::optional<FinaliseInput> held_;
    std::int64_t held_duration_ms_ = 0;
    std::filesystem::path held_opus_;
    SessionState before_lost_ = SessionState::recording;

    // Session time (ms), advanced by tick().
    std::optional<std::chrono::system_clock::time_point> last_now_;
    std::int64_t now_ms_ = 0;
    std::int64_t last_activity_ms_ = 0;
    std::int64_t last_timer_ms_ = 0;
    std::int64_t last_mic_probe_ms_ = 0;
    std::vector<int> warnings_left_;  // still to give, seconds
};

}  // namespace sb
