#pragma once
// The booth daemon as a test runs it: `storybooth run` on a free loopback port with the
// simulated microphone, and an HTTP client that talks to it.
#include "e2e/e2e.hpp"

#include <httplib.h>
#include <regex>
#include <thread>

namespace sbtest {

class Daemon {
public:
    // extra: more flags, e.g. {"--time-limit-minutes", "0.1"}.
    explicit Daemon(const fs::path& data, std::vector<std::string> extra = {}) : data_(data) {
        const std::vector<std::string> argv = command(data, std::move(extra));
        static int runs = 0;
        log_ = data.parent_path() / (data.filename().string() + "-daemon-" + std::to_string(++runs) + ".log");
        proc_ = std::make_unique<Process>(argv, log_);
        if (!proc_->wait_for_stderr("serving on http://127.0.0.1:", std::chrono::seconds(20)))
            throw std::runtime_error("daemon did not start: " + slurp_file(log_));
        std::smatch m;
        const std::string log = slurp_file(log_);
        if (!std::regex_search(log, m, std::regex(R"(serving on http://127\.0\.0\.1:(\d+)/)")))
            throw std::runtime_error("no port in: " + log);
        port_ = std::stoi(m[1]);
    }
    ~Daemon() {
        if (proc_) {
            proc_->kill(SIGTERM);
            proc_->wait();
        }
    }
    // The command line the constructor runs, for a test that starts (and kills) the program itself.
    static std::vector<std::string> command(const fs::path& data, std::vector<std::string> extra = {}) {
        std::vector<std::string> argv = {storybooth(), "run", "--data", data.string(), "--listen", "127.0.0.1:0",
                                         "--input", conversation_wav().string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
    }
    int port() const { return port_; }
    int pid() const { return proc_ ? proc_->pid() : -1; }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port_);
        c.set_read_timeout(10, 0);
        return c;
    }
    std::string log() const { return slurp_file(log_); }
    int stop(int sig = SIGTERM) {
        proc_->kill(sig);
        int rc = proc_->wait();
        proc_.reset();
        return rc;
    }

private:
    fs::path data_;
    fs::path log_;
    std::unique_ptr<Process> proc_;
    int port_ = 0;
};

inline nlohmann::json body_json(const httplib::Result& r) {
    if (!r) throw std::runtime_error("no HTTP response");
    return nlohmann::json::parse(r->body);
}

// Welcome -> mic check as the touchscreen walks it: two people who both chose to share, two
// questions. Returns the session the mic-check call answers with (the story is made there).
// Throws when a step is refused, so any test (or helper) can use it.
inline nlohmann::json walk_to_mic_check(httplib::Client& c) {
    using nlohmann::json;
    auto step = [](const httplib::Result& r, const char* what) {
        if (!r) throw std::runtime_error(std::string(what) + ": no HTTP response");
        if (r->status != 200) throw std::runtime_error(std::string(what) + ": " + std::to_string(r->status) + " " + r->body);
        return json::parse(r->body);
    };
    step(c.Post("/api/v1/session", json{{"language", "en"}}.dump(), "application/json"), "start");
    step(c.Put("/api/v1/session/participants",
               json::array({{{"name", "Rosa Díaz"}, {"role", "storyteller"}, {"age_range", "70+"}, {"relationship", "grandmother"}, {"channel", 1}},
                            {{"name", "Leo"}, {"role", "interviewer"}, {"age_range", "18-29"}, {"relationship", "grandson"}, {"channel", 2}}})
                   .dump(),
               "application/json"),
         "participants");
    step(c.Put("/api/v1/session/consent",
               json::array({{{"participant", 0}, {"choice", "share"}, {"typed_name", "Rosa Díaz"}},
                            {{"participant", 1}, {"choice", "share"}, {"typed_name", "Leo"}}})
                   .dump(),
               "application/json"),
         "consent");
    step(c.Put("/api/v1/session/questions",
               json::array({{{"text", "Where did you grow up?"}}, {{"text", "What do you remember about your grandmother?"}}}).dump(),
               "application/json"),
         "questions");
    json s = step(c.Post("/api/v1/session/mic-check", "{}", "application/json"), "mic check");
    if (s["state"] != "mic_check") throw std::runtime_error("mic check answered " + s.dump());
    return s;
}

// Collects Server-Sent Events from /api/v1/events on a thread until stopped.
class EventRecorder {
public:
    explicit EventRecorder(int port) {
        thread_ = std::thread([this, port] {
            httplib::Client c("127.0.0.1", port);
            c.set_read_timeout(30, 0);
            c.Get("/api/v1/events", [this](const char* data, size_t n) {
                std::lock_guard<std::mutex> lock(m_);
                buf_.append(data, n);
                return !stop_;
            });
        });
    }
    ~EventRecorder() {
        stop_ = true;
        thread_.join();
    }
    // Event names seen so far, with their data, in order.
    std::vector<std::pair<std::string, std::string>> events() {
        std::lock_guard<std::mutex> lock(m_);
        std::vector<std::pair<std::string, std::string>> out;
        std::size_t pos = 0;
        while (true) {
            const auto end = buf_.find("\n\n", pos);
            if (end == std::string::npos) break;
            const std::string block = buf_.substr(pos, end - pos);
            std::string name, data;
            std::size_t p = 0;
            while (p < block.size()) {
                auto nl = block.find('\n', p);
                if (nl == std::string::npos) nl = block.size();
                const std::string line = block.substr(p, nl - p);
                if (line.rfind("event: ", 0) == 0) name = line.substr(7);
                if (line.rfind("data: ", 0) == 0) data = line.substr(6);
                p = nl + 1;
            }
            if (!name.empty()) out.emplace_back(name, data);
            pos = end + 2;
        }
        return out;
    }
    std::size_t count(const std::string& name) {
        std::size_t n = 0;
        for (const auto& e : events())
            if (e.first == name) ++n;
        return n;
    }

private:
    std::thread thread_;
    std::mutex m_;
    std::string buf_;
    std::atomic<bool> stop_{false};
};

}  // namespace sbtest
