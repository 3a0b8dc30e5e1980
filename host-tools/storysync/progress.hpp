#pragma once
// What a pull shows while it runs. On a terminal: two bars redrawn at most 10 times a second —
// the current file and the whole pull, each with bytes, rate and time left — with a line per
// story printed above them. Otherwise plain lines only (one per file fetched and per story),
// fit for a log. A summary closes each booth and the whole run.
#include "pull/pull.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace sb::storysync {

// "1.5 MB", "312 kB", "17 B" (decimal units, like a file manager).
std::string human_bytes(std::uint64_t n);
// "0:07", "12:30", "1:02:03".
std::string human_duration(double seconds);

// One status line redrawn in place on a terminal (at most 10 times a second; always for
// `force`), e.g. "Bagging  45%  900 MB of 2.0 GB  MAIN-0003 master.flac". Shows nothing when
// `on` is false (not a terminal), so logs get only the lines the command prints itself.
class StatusLine {
public:
    StatusLine(std::FILE* out, bool on) : out_(out), on_(on) {}
    ~StatusLine() { clear(); }
    StatusLine(const StatusLine&) = delete;
    StatusLine& operator=(const StatusLine&) = delete;
    void show(const std::string& text, bool force = false);
    void clear();

private:
    std::FILE* out_;
    bool on_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_{};
};

// "45%  900 MB of 2.0 GB" (a bar's words for bytes done of a total).
std::string bytes_of(std::uint64_t done, std::uint64_t total);

class ProgressDisplay : public PullListener {
public:
    // `lines` gets the per-story and summary lines; `bars` (when a terminal) the redrawn bars.
    ProgressDisplay(std::FILE* lines, std::FILE* bars, bool draw_bars);
    ~ProgressDisplay() override;

    void booth_started(const std::string& label);
    void planned(const std::string& booth, std::size_t entries, std::size_t files, std::uint64_t bytes) override;
    void file_started(const std::string& code, const std::string& name, std::uint64_t size) override;
    void file_position(std::uint64_t bytes_in_file) override;
    void file_finished(const std::string& code, const std::string& name, std::uint64_t size, bool ok) override;
    void story_finished(const std::string& code, const std::string& title, Outcome, const std::string& why) override;
    // Removes the bars (before an error message or the summary).
    void clear();

private:
    void draw(bool force);
    void line(const std::string& text);

    std::FILE* lines_;
    std::FILE* bars_;
    bool draw_bars_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_draw_{}, pull_start_{}, file_start_{};
    std::string file_label_;
    std::uint64_t file_size_ = 0, file_pos_ = 0, file_start_pos_ = 0;
    std::uint64_t total_ = 0, done_ = 0;    // bytes planned; bytes of files finished
    std::uint64_t received_ = 0;            // bytes arrived during this pull (for the rate)
    std::size_t files_total_ = 0, files_done_ = 0;
};

}  // namespace sb::storysync
