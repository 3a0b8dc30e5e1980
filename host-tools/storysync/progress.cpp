#include "storysync/progress.hpp"

#include <algorithm>
#include <cmath>

namespace sb::storysync {

std::string human_bytes(std::uint64_t n) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = static_cast<double>(n);
    int u = 0;
    while (v >= 1000.0 && u < 4) {
        v /= 1000.0;
        ++u;
    }
    char buf[32];
    if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
    else std::snprintf(buf, sizeof buf, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

std::string human_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "--:--";
    const long s = std::lround(seconds);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

namespace {

std::string bar(std::uint64_t pos, std::uint64_t size, int width) {
    const double f = size ? std::min(1.0, static_cast<double>(pos) / static_cast<double>(size)) : 1.0;
    const int full = static_cast<int>(f * width);
    std::string b = "[";
    b.append(static_cast<std::size_t>(full), '#');
    b.append(static_cast<std::size_t>(width - full), '-');
    char pct[16];
    std::snprintf(pct, sizeof pct, "] %3d%%", static_cast<int>(f * 100));
    return b + pct;
}

std::string rate_eta(std::uint64_t moved, double seconds, std::uint64_t left) {
    if (seconds < 0.2 || moved == 0) return "";
    const double rate = static_cast<double>(moved) / seconds;
    return "  " + human_bytes(static_cast<std::uint64_t>(rate)) + "/s  ETA " + human_duration(static_cast<double>(left) / rate);
}

double since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

ProgressDisplay::ProgressDisplay(std::FILE* lines, std::FILE* bars, bool draw_bars)
    : lines_(lines), bars_(bars), draw_bars_(draw_bars) {}

ProgressDisplay::~ProgressDisplay() { clear(); }

void ProgressDisplay::clear() {
    if (!drawn_) return;
    std::fputs("\r\x1b[2K\n\x1b[2K\x1b[1A\r", bars_);
    std::fflush(bars_);
    drawn_ = false;
}

void ProgressDisplay::line(const std::string& text) {
    clear();
    std::fprintf(lines_, "%s\n", text.c_str());
    std::fflush(lines_);
    draw(true);
}

void ProgressDisplay::booth_started(const std::string& label) { line(label); }

void ProgressDisplay::planned(const std::string&, std::size_t entries, std::size_t files, std::uint64_t bytes) {
    total_ = bytes;
    done_ = 0;
    received_ = 0;
    files_total_ = files;
    files_done_ = 0;
    file_label_.clear();
    pull_start_ = std::chrono::steady_clock::now();
    if (entries == 0) line("  nothing new");
    else if (files > 0)
        line("  " + std::to_string(entries) + (entries == 1 ? " change, " : " changes, ") + std::to_string(files) +
             (files == 1 ? " file" : " files") + " to fetch (" + human_bytes(bytes) + ")");
    else line("  " + std::to_string(entries) + (entries == 1 ? " change" : " changes") + ", no files to fetch");
}

void ProgressDisplay::file_started(const std::string& code, const std::string& name, std::uint64_t size) {
    file_label_ = code + " " + name;
    file_size_ = size;
    file_pos_ = 0;
    file_start_pos_ = static_cast<std::uint64_t>(-1);
    file_start_ = std::chrono::steady_clock::now();
    draw(false);
}

void ProgressDisplay::file_position(std::uint64_t bytes) {
    if (file_start_pos_ == static_cast<std::uint64_t>(-1)) file_start_pos_ = bytes;  // kept from before
    if (bytes > file_pos_ && bytes >= file_start_pos_) received_ += bytes - std::max(file_pos_, file_start_pos_);
    file_pos_ = bytes;
    draw(false);
}

void ProgressDisplay::file_finished(const std::string& code, const std::string& name, std::uint64_t size, bool ok) {
    ++files_done_;
    done_ += size;
    file_label_.clear();
    if (!draw_bars_ && ok) line("  fetched " + code + " " + name + " (" + human_bytes(size) + ")");
    else draw(false);
}

void ProgressDisplay::story_finished(const std::string& code, const std::string& title, Outcome o, const std::string& why) {
    const std::string t = title.empty() ? "" : " \"" + title + "\"";
    switch (o) {
        case Outcome::added: line("  new      " + code + t); break;
        case Outcome::updated: line("  updated  " + code + t); break;
        case Outcome::removed: line("  removed  " + code + t); break;
        case Outcome::failed: line("  FAILED   " + code + t + ": " + why); break;
    }
}

void ProgressDisplay::draw(bool force) {
    if (!draw_bars_ || total_ == 0) return;
    const auto now = std::chrono::steady_clock::now();
    // At most 10 redraws a second; `force` only when a printed line has just wiped the bars.
    if (!(force && !drawn_) && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::string l1;
    if (!file_label_.empty()) {
        const std::uint64_t moved = file_pos_ > file_start_pos_ && file_start_pos_ != static_cast<std::uint64_t>(-1)
                                        ? file_pos_ - file_start_pos_ : 0;
        l1 = "  " + file_label_ + "  " + bar(file_pos_, file_size_, 24) + "  " + human_bytes(file_pos_) + " of " +
             human_bytes(file_size_) + rate_eta(moved, since(file_start_), file_size_ - std::min(file_size_, file_pos_));
    }
    const std::uint64_t all = done_ + (file_label_.empty() ? 0 : file_pos_);
    std::string l2 = "  all " + std::to_string(files_done_) + "/" + std::to_string(files_total_) + " files  " +
                     bar(all, total_, 24) + "  " + human_bytes(all) + " of " + human_bytes(total_) +
                     rate_eta(received_, since(pull_start_), total_ - std::min(total_, all));
    std::fprintf(bars_, "\r\x1b[2K%s\n\x1b[2K%s\x1b[1A\r", l1.c_str(), l2.c_str());
    std::fflush(bars_);
    drawn_ = true;
}

void StatusLine::show(const std::string& text, bool force) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::string line = text.size() > 100 ? text.substr(0, 97) + "..." : text;
    std::fprintf(out_, "\r\033[K%s", line.c_str());
    std::fflush(out_);
    drawn_ = true;
}

void StatusLine::clear() {
    if (!drawn_) return;
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
    drawn_ = false;
}

std::string bytes_of(std::uint64_t done, std::uint64_t total) {
    const int pct = total ? static_cast<int>(done * 100 / total) : 100;
    return std::to_string(pct) + "%  " + human_bytes(done) + " of " + human_bytes(total);
}

}  // namespace sb::storysync
