#pragma once
// The pairing tokens: one file, readable and writable by the user only (mode 0600, created with
// that mode, replaced atomically), separate from the library so the library folder can be copied
// or shared without handing anyone access to the booths.
//
//   {"<booth_id>": "<token>", ...}
//
// A token is never logged and never printed.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace sb::storysync {

class TokenStore {
public:
    explicit TokenStore(std::filesystem::path file) : file_(std::move(file)) {}
    const std::filesystem::path& file() const noexcept { return file_; }

    // The token for this booth, if one is stored. If the file has become readable by others,
    // its mode is put back to 0600 first. Throws sb::Error on an unreadable or malformed file.
    std::optional<std::string> get(const std::string& booth_id) const;
    // Stores (or replaces) the booth's token: a new file is written beside the old one with
    // mode 0600 from its creation, fsynced and renamed over it. Its folder is created 0700.
    void put(const std::string& booth_id, const std::string& token);
    // Forgets the booth's token (no-op when there is none).
    void remove(const std::string& booth_id);

private:
    std::map<std::string, std::string> load() const;
    void save(const std::map<std::string, std::string>& all);

    std::filesystem::path file_;
};

}  // namespace sb::storysync
