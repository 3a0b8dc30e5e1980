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
        ::chmod(dir.c_str(), 0700);
    }
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : all) j[k] = v;
    const std::string text = j.dump(2) + "\n";
    const auto tmp = dir / ("." + file_.filename().string() + ".new");
    ::unlink(tmp.c_str());
    {
        // O_EXCL with mode 0600: the file is never readable by anyone else, not even briefly
        // (the umask can only take permissions away).
        Fd fd = open_file(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (int err = write_all(fd.get(), text.data(), text.size())) throw_errno("cannot write " + tmp.string(), err);
        if (::fsync(fd.get()) != 0) throw_errno("cannot write " + tmp.string(), errno);
    }
    if (::rename(tmp.c_str(), file_.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw_errno("cannot replace " + file_.string(), err);
    }
    fsync_dir(dir);
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
