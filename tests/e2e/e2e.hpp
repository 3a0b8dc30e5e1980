#pragma once
// Shared fixtures for the end-to-end tests.
#include "support/support.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace sbtest {

// A generated spoken conversation (48 kHz stereo), made once per test binary.
inline const std::filesystem::path& conversation_wav() {
    static TempDir dir;
    static std::filesystem::path file = [] {
        auto f = dir / "conversation.wav";
        auto r = run(q(conversation_script()) + " " + q(f.string()));
        if (r.exit_code != 0) throw std::runtime_error("make-conversation failed: " + r.err);
        return f;
    }();
    return file;
}

inline nlohmann::json parse_json(const std::string& s) { return nlohmann::json::parse(s); }

// opusinfo's complaints about a file (empty when it has none).
inline std::string opusinfo_warnings(const std::filesystem::path& f) {
    auto r = run("opusinfo " + q(f.string()));
    std::string out;
    std::string all = r.out + r.err;
    std::size_t pos = 0;
    while (pos < all.size()) {
        std::size_t nl = all.find('\n', pos);
        std::string line = all.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        std::string lower = line;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower.find("warning") != std::string::npos || lower.find("error") != std::string::npos) out += line + "\n";
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    if (r.exit_code != 0) out += "opusinfo exit " + std::to_string(r.exit_code) + "\n";
    return out;
}

}  // namespace sbtest
