#include "support/support.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <opusfile.h>
#include <random>
#include <sndfile.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace sbtest {

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "sbtest-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    if (std::getenv("SB_KEEP_TMP")) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
}

static std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string slurp_file(const fs::path& p) { return slurp(p); }

std::string q(const std::string& arg) {
    std::string out = "'";
    for (char c : arg) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

RunResult run(const std::string& command) {
    TempDir t;
    const auto out = t / "out", err = t / "err";
    const std::string full = "(" + command + ") >" + q(out.string()) + " 2>" + q(err.string()) + " </dev/null";
    int status = std::system(full.c_str());
    RunResult r;
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) r.exit_code = 128 + WTERMSIG(status);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

std::string storybooth() { return SB_STORYBOOTH_BIN; }

std::string conversation_script() {
    return (fs::path(SB_SOURCE_DIR) / "firmware" / "scripts" / "make-conversation.sh").string();
}

Process::Process(const std::vector<std::string>& argv, const fs::path& stderr_file, const fs::path& stdout_file)
    : stderr_file_(stderr_file) {
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        int e = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int o = ::open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int i = ::open("/dev/null", O_RDONLY);
        ::dup2(e, 2);
        ::dup2(o, 1);
        ::dup2(i, 0);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
}

Process::~Process() {
    if (!reaped_) {
        ::kill(pid_, SIGKILL);
        wait();
    }
}

bool Process::wait_for_stderr(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (slurp(stderr_file_).find(needle) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
}

void Process::kill(int sig) { ::kill(pid_, sig); }

int Process::wait() {
    if (!reaped_) {
        while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
    }
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
    return -1;
}

Pcm read_pcm(const fs::path& file) {
    SF_INFO info{};
    SNDFILE* sf = sf_open(file.c_str(), SFM_READ, &info);
    if (!sf) throw std::runtime_error("cannot read " + file.string() + ": " + sf_strerror(nullptr));
    Pcm p;
    p.rate = info.samplerate;
    p.channels = info.channels;
    std::vector<std::int16_t> buf(4096 * static_cast<std::size_t>(info.channels));
    for (;;) {
        sf_count_t n = sf_readf_short(sf, buf.data(), 4096);
        if (n <= 0) break;
        p.samples.insert(p.samples.end(), buf.begin(), buf.begin() + n * info.channels);
    }
    sf_close(sf);
    return p;
}

void write_wav(const fs::path& file, const Pcm& pcm) {
    SF_INFO info{};
    info.samplerate = pcm.rate;
    info.channels = pcm.channels;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE* sf = sf_open(file.c_str(), SFM_WRITE, &info);
    if (!sf) throw std::runtime_error("cannot write " + file.string());
    sf_writef_short(sf, pcm.samples.data(), static_cast<sf_count_t>(pcm.frames()));
    sf_close(sf);
}

std::int64_t opus_samples(const fs::path& file) {
    int err = 0;
    OggOpusFile* of = op_open_file(file.c_str(), &err);
    if (!of) return -1;
    std::int64_t total = 0;
    std::vector<float> pcm(5760 * 2);
    for (;;) {
        int n = op_read_float(of, pcm.data(), static_cast<int>(pcm.size()), nullptr);
        if (n < 0) {
            total = -1;
            break;
        }
        if (n == 0) break;
        total += n;
    }
    op_free(of);
    return total;
}

std::vector<std::string> opus_comments(const fs::path& file) {
    std::vector<std::string> out;
    int err = 0;
    OggOpusFile* of = op_open_file(file.c_str(), &err);
    if (!of) return out;
    const OpusTags* t = op_tags(of, -1);
    for (int i = 0; t && i < t->comments; ++i) out.emplace_back(t->user_comments[i], static_cast<std::size_t>(t->comment_lengths[i]));
    op_free(of);
    return out;
}

}  // namespace sbtest
