#include "library/tokens.hpp"

#include "common/error.hpp"
#include "common/fs.hpp"

#include <cerrno>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace sb::storysync {

std::map<std::string, std::string> TokenStore::load() const {
    std::map<std::string, std::string> out;
    struct stat st{};
    if (::stat(file_.c_str(), &st) != 0) {
        if (errno == ENOENT) return out;
        throw_errno("cannot read " + file_.string(), errno);
    }
    if ((st.st_mode & 077) != 0 && ::chmod(file_.c_str(), 0600) != 0)
        throw_errno("cannot make " + file_.string() + " private (chmod 600)", errno);
    const std::string text = read_file(file_);
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw Error("the token file " + file_.string() + " is damaged; remove it and pair the booths again");
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
    return out;
}

void TokenStore::save(const std::map<std::string, std::string>& all) {
    const auto dir = file_.parent_path().empty() ? std::filesystem::path(".") : file_.parent_path();
    if (!std::filesystem::exists(dir)) {
        make_dirs_durable(dir);
        if (::chmod(dir.c_str(), 0700) != 0) throw_errno("cannot restrict " + dir.string(), errno);
    }
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : all) j[k] = v;
    write_file_atomic(file_, j.dump(2).append(1, '\n'), 0600);  // readable by this user only, from the start
}

std::optional<std::string> TokenStore::get(const std::string& booth_id) const {
    const auto all = load();
    auto it = all.find(booth_id);
    if (it == all.end()) return std::nullopt;
    return it->second;
}

void TokenStore::put(const std::string& booth_id, const std::string& token) {
    auto all = load();
    all[booth_id] = token;
    save(all);
}

void TokenStore::remove(const std::string& booth_id) {
    auto all = load();
    if (all.erase(booth_id)) save(all);
}

}  // namespace sb::storysync
