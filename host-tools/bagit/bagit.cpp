#include "bagit/bagit.hpp"

#include "bagit/hashers.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"
#include "common/hash.hpp"
#include "common/ids.hpp"
#include "feed/feed.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sb::storysync {

namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* kBagitTxt = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
constexpr std::uint64_t kWritebackEvery = std::uint64_t{32} << 20;  // start writing back every 32 MB

[[noreturn]] void throw_write_error(const fs::path& file, const fs::path& out, int err) {
    if (is_disk_full_errno(err))
        throw IoError(describe_errno("there is no room left for the bag " + out.string() + " (while writing " +
                                         file.filename().string() + ")",
                                     err),
                      err);
    throw IoError(describe_errno("cannot write " + file.string(), err), err);
}

// Folder-name characters every file system and archive tool accepts.
std::string safe_name(const std::string& s, const std::string& fallback) {
    std::string out;
    for (char c : s) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.';
        out.push_back(ok ? c : '_');
        if (out.size() >= 40) break;
    }
    while (!out.empty() && out.front() == '.') out.erase(out.begin());
    return out.empty() ? fallback : out;
}

// A bag-info.txt value on one logical line: line breaks become continuation lines.
std::string tag_value(const std::string& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\r' || v[i] == '\n') {
            if (v[i] == '\r' && i + 1 < v.size() && v[i + 1] == '\n') ++i;
            out += "\n  ";
        } else {
            out.push_back(v[i]);
        }
    }
    return out;
}

void make_dir(const fs::path& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0) throw_errno("cannot create the folder " + dir.string(), errno);
}

// A small file written whole, then fsynced.
void write_small(const fs::path& path, const std::string& data, const fs::path& out) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) throw_errno("cannot create " + path.string(), errno);
    if (int err = write_all(fd.get(), data.data(), data.size())) throw_write_error(path, out, err);
    if (::fsync(fd.get()) != 0) throw_write_error(path, out, errno);
}

struct PlannedFile {
    std::string name, kind;       // story.opus / master.flac
    fs::path source;
    std::uint64_t size = 0;
    std::string sha256;           // as the library recorded it
    std::string bag_path;         // data/...
    std::string got256, got512;   // as copied
};

struct PlannedStory {
    const LibraryStory* story = nullptr;
    std::string dir;              // data/<booth>/<story>
    std::vector<PlannedFile> files;
};

std::string describe_story(const LibraryStory& s) {
    std::string code = s.code.empty() ? s.id : s.code;
    return "story " + code + " (booth " + (s.booth_name.empty() ? s.booth_id : s.booth_name) + ")";
}

// Removes the temporary folder unless the bag was put in place.
class TempGuard {
public:
    explicit TempGuard(fs::path p) : path_(std::move(p)) {}
    ~TempGuard() {
        if (path_.empty()) return;
        std::error_code ec;
        fs::remove_all(path_, ec);
        if (ec) spdlog::warn("could not remove the unfinished bag {}: {}", path_.string(), ec.message());
    }
    void release() { path_.clear(); }

private:
    fs::path path_;
};

// Copies one library file into the bag, hashing it on the way; checks size and SHA-256 against
// the library's record.
void copy_file(const PlannedStory& ps, PlannedFile& f, const fs::path& dest, const fs::path& out, Hashers& hashers,
               std::uint64_t& done, std::uint64_t total, const std::function<void(const BagProgress&)>& progress) {
    const LibraryStory& s = *ps.story;
    Fd in(::open(f.source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in)
        throw IoError(describe_errno(describe_story(s) + ": cannot read " + f.name + " from the library (" +
                                         f.source.string() + ")",
                                     errno),
                      errno);
    ::posix_fadvise(in.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    Fd outfd(::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!outfd) throw_errno("cannot create " + dest.string(), errno);

    std::uint64_t copied = 0, flushed = 0;
    for (;;) {
        char* buf = hashers.block();
        ssize_t n = ::read(in.get(), buf, Hashers::kBlockSize);
        if (n < 0) {
            if (errno == EINTR) continue;
            hashers.finish();
            throw IoError(describe_errno(describe_story(s) + ": cannot read " + f.name + " from the library (" +
                                             f.source.string() + ")",
                                         errno),
                          errno);
        }
        if (n == 0) break;
        hashers.submit(static_cast<std::size_t>(n));
        if (int err = write_all(outfd.get(), buf, static_cast<std::size_t>(n))) {
            hashers.finish();
            throw_write_error(dest, out, err);
        }
        copied += static_cast<std::uint64_t>(n);
        done += static_cast<std::uint64_t>(n);
        // Start the disk writing what is already copied, so the fsync at the end waits for little
        // and dirty pages do not pile up.
        if (copied - flushed >= kWritebackEvery) {
            ::sync_file_range(outfd.get(), static_cast<off_t>(flushed), static_cast<off_t>(copied - flushed),
                              SYNC_FILE_RANGE_WRITE);
            flushed = copied;
        }
        if (progress) progress({done, total, f.bag_path});
    }
    const auto d = hashers.finish();
    if (copied != f.size || d.sha256 != f.sha256)
        throw Error(describe_story(s) + ": " + f.name + " in the library (" + f.source.string() +
                    ") does not match the size and SHA-256 recorded when it was pulled; `storysync verify` "
                    "finds such files and the next pull fetches them again");
    f.got256 = d.sha256;
    f.got512 = d.sha512;
    if (::fsync(outfd.get()) != 0) throw_write_error(dest, out, errno);
    // Gigabytes of audio read once: leave the page cache to what the laptop is doing otherwise.
    ::posix_fadvise(in.get(), 0, 0, POSIX_FADV_DONTNEED);
    ::posix_fadvise(outfd.get(), 0, 0, POSIX_FADV_DONTNEED);
}

ojson story_metadata(const PlannedStory& ps, const std::string& meta_path) {
    const LibraryStory& s = *ps.story;
    ojson j = ojson::parse(s.story_json, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw Error(describe_story(s) + ": the library's record of the story is not readable JSON; pull it again");
    // Stories pulled by older versions may lack some fields; the library's columns fill them in.
    auto fill = [&](const char* key, const std::string& v) {
        if (!j.contains(key)) j[key] = v;
    };
    fill("id", s.id);
    fill("code", s.code);
    fill("state", s.state);
    fill("title", s.title);
    fill("language", s.language);
    fill("share_level", s.share_level);
    fill("created_at", s.created_at);
    // A secret link is a key to a private page on the library's website, not a fact about the
    // story: it stays out of archives.
    j.erase("secret_link");
    ojson files = ojson::array();
    for (const auto& f : ps.files)
        files.push_back({{"name", f.name},
                         {"kind", f.kind},
                         {"path", f.bag_path},
                         {"size", f.size},
                         {"sha256", f.got256},
                         {"sha512", f.got512}});
    j["files"] = files;
    j["booth"] = {{"id", s.booth_id}, {"name", s.booth_name}, {"code", s.booth_code}};
    j["pulled_at"] = s.pulled_at;
    j["metadata_path"] = meta_path;
    j["metadata_version"] = 1;
    return j;
}

std::string manifest_text(const std::vector<std::pair<std::string, std::string>>& entries) {
    std::string out;
    for (const auto& [sum, path] : entries) out += sum + " " + encode_manifest_path(path) + "\n";
    return out;
}

}  // namespace

std::string encode_manifest_path(std::string_view path) {
    std::string out;
    for (char c : path) {
        if (c == '%') out += "%25";
        else if (c == '\n') out += "%0A";
        else if (c == '\r') out += "%0D";
        else out.push_back(c);
    }
    return out;
}

std::string decode_manifest_path(std::string_view path) {
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '%' && i + 2 < path.size()) {
            std::string code{path.substr(i + 1, 2)};
            for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            if (code == "25") { out.push_back('%'); i += 2; continue; }
            if (code == "0A") { out.push_back('\n'); i += 2; continue; }
            if (code == "0D") { out.push_back('\r'); i += 2; continue; }
        }
        out.push_back(path[i]);
    }
    return out;
}

std::string human_size(std::uint64_t bytes) {
    if (bytes < 1000) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    const char* units[] = {"KB", "MB", "GB", "TB", "PB"};
    double v = static_cast<double>(bytes);
    int u = -1;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

std::vector<LibraryStory> shareable_stories(const std::vector<LibraryStory>& stories) {
    std::vector<LibraryStory> out;
    for (const auto& s : stories) {
        try {
            if (feed::is_shareable(feed::story_from_json(nlohmann::json::parse(s.story_json)))) out.push_back(s);
        } catch (const std::exception& e) {
            spdlog::warn("{} is left out of the shared bag: its record cannot be read ({})", describe_story(s), e.what());
        }
    }
    return out;
}

BagResult write_bag(const Library& lib, const std::vector<LibraryStory>& stories, const fs::path& out_arg,
                    const BagInfo& info, const std::function<void(const BagProgress&)>& progress) {
    if (out_arg.empty()) throw Error("no folder was given for the bag");
    fs::path out = fs::absolute(out_arg).lexically_normal();
    if (!out.has_filename()) out = out.parent_path();
    std::error_code ec;
    if (fs::symlink_status(out, ec).type() != fs::file_type::not_found)
        throw Error(out.string() + " already exists; a bag is always written to a new folder");
    const fs::path parent = out.parent_path();
    if (!fs::is_directory(parent, ec)) throw Error("the folder " + parent.string() + " does not exist");

    // ---- plan: one folder per story, unique even when booths share codes ----
    std::vector<PlannedStory> plan;
    std::set<std::pair<std::string, std::string>> seen;
    std::set<std::string> dirs;
    std::uint64_t total = 0;
    for (const auto& s : stories) {
        if (!seen.insert({s.booth_id, s.id}).second) continue;
        PlannedStory ps;
        ps.story = &s;
        const std::string booth_dir = "data/" + safe_name(s.booth_code, "booth");
        const std::string code = safe_name(s.code, "story");
        for (const std::string& candidate : {booth_dir + "/" + code + "_" + s.id.substr(0, 8),
                                             booth_dir + "/" + code + "_" + safe_name(s.id, "id"),
                                             booth_dir + "/" + code + "_" + safe_name(s.id, "id") + "_" +
                                                 safe_name(s.booth_id, "booth")}) {
            if (dirs.insert(candidate).second) {
                ps.dir = candidate;
                break;
            }
        }
        if (ps.dir.empty()) continue;  // the same booth and story twice: already planned
        for (const auto& f : s.files) {
            if (!feed::is_story_file_name(f.name))
                throw Error(describe_story(s) + ": the library lists an unexpected file '" + f.name + "'");
            PlannedFile pf;
            pf.name = f.name;
            pf.kind = f.kind;
            pf.source = lib.file_path(s.booth_id, s.id, f.name);
            pf.size = f.size;
            pf.sha256 = f.sha256;
            pf.bag_path = ps.dir + "/" + f.name;
            total += f.size;
            ps.files.push_back(std::move(pf));
        }
        // Master first: the archival copy, then the listening copy.
        std::sort(ps.files.begin(), ps.files.end(),
                  [](const PlannedFile& a, const PlannedFile& b) { return a.kind == "master" && b.kind != "master"; });
        plan.push_back(std::move(ps));
    }
    if (plan.empty()) throw Error("there are no stories to put in the bag");

    const std::uint64_t need = total + 64 * 1024 * (plan.size() + 1);
    const std::uint64_t avail = free_bytes(parent);
    if (avail < need)
        throw IoError("there is not enough room in " + parent.string() + " for the bag: it needs " + human_size(need) +
                          " and " + human_size(avail) + " is free",
                      ENOSPC);

    // ---- build in a hidden folder beside OUT ----
    const fs::path tmp = parent / ("." + out.filename().string() + ".bagit-" + new_secret_link().substr(0, 8));
    make_dir(tmp);
    TempGuard guard(tmp);
    make_dir(tmp / "data");
    std::set<std::string> made{"data"};
    auto ensure_dir = [&](const std::string& rel) {
        fs::path acc;
        for (const auto& part : fs::path(rel)) {
            acc /= part;
            if (made.insert(acc.string()).second) make_dir(tmp / acc);
        }
    };

    BagResult result;
    result.bag = out;
    std::vector<std::pair<std::string, std::string>> m256, m512;
    std::uint64_t done = 0, payload = 0;
    std::int64_t nfiles = 0;
    {
        Hashers hashers(true, true);
        for (auto& ps : plan) {
            ensure_dir(ps.dir);
            for (auto& f : ps.files) {
                copy_file(ps, f, tmp / f.bag_path, out, hashers, done, total, progress);
                m256.emplace_back(f.got256, f.bag_path);
                m512.emplace_back(f.got512, f.bag_path);
                payload += f.size;
                ++nfiles;
            }
            const std::string meta_path = ps.dir + "/metadata.json";
            const std::string meta = story_metadata(ps, meta_path).dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
            write_small(tmp / meta_path, meta, out);
            m256.emplace_back(sha256_hex(meta), meta_path);
            m512.emplace_back(sha512_hex(meta), meta_path);
            payload += meta.size();
            ++nfiles;
            fsync_dir(tmp / ps.dir);
        }
    }
    for (const auto& d : made) fsync_dir(tmp / d);

    // ---- tag files ----
    std::string bag_info;
    if (!info.source_organization.empty()) bag_info += "Source-Organization: " + tag_value(info.source_organization) + "\n";
    if (!info.contact_email.empty()) bag_info += "Contact-Email: " + tag_value(info.contact_email) + "\n";
    if (!info.external_description.empty())
        bag_info += "External-Description: " + tag_value(info.external_description) + "\n";
    bag_info += "Bagging-Date: " + iso_date_utc(std::chrono::system_clock::now()) + "\n";
    for (const auto& ps : plan)
        bag_info += "External-Identifier: storybooth:" + ps.story->booth_id + ":" + ps.story->id + "\n";
    bag_info += "Payload-Oxum: " + std::to_string(payload) + "." + std::to_string(nfiles) + "\n";
    bag_info += "Bag-Size: " + human_size(payload) + "\n";
    bag_info += "Bag-Software-Agent: storysync (storybooth)\n";

    const std::vector<std::pair<std::string, std::string>> tags = {
        {"bagit.txt", kBagitTxt},
        {"bag-info.txt", bag_info},
        {"manifest-sha256.txt", manifest_text(m256)},
        {"manifest-sha512.txt", manifest_text(m512)},
    };
    std::vector<std::pair<std::string, std::string>> t256, t512;
    for (const auto& [name, text] : tags) {
        write_small(tmp / name, text, out);
        t256.emplace_back(sha256_hex(text), name);
        t512.emplace_back(sha512_hex(text), name);
    }
    write_small(tmp / "tagmanifest-sha256.txt", manifest_text(t256), out);
    write_small(tmp / "tagmanifest-sha512.txt", manifest_text(t512), out);
    fsync_dir(tmp);

    // ---- into place, never over something that appeared meanwhile ----
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out.c_str(), RENAME_NOREPLACE) != 0) {
        int err = errno;
        if (err == EEXIST) throw Error(out.string() + " already exists; a bag is always written to a new folder");
        if (err != EINVAL && err != ENOSYS) throw_errno("cannot rename " + tmp.string() + " to " + out.string(), err);
        // A file system without RENAME_NOREPLACE: a plain rename of a folder fails over a
        // non-empty folder, and OUT was checked absent above.
        if (fs::exists(out, ec) || ::rename(tmp.c_str(), out.c_str()) != 0)
            throw IoError(describe_errno("cannot rename " + tmp.string() + " to " + out.string(), errno), errno);
    }
    guard.release();
    fsync_dir(parent);

    result.stories = static_cast<std::int64_t>(plan.size());
    result.files = nfiles;
    result.payload_bytes = payload;
    return result;
}

// ---------------------------------------------------------------- verify

namespace {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::string cur;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            lines.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty()) lines.push_back(cur);
    return lines;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    std::size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// "Label: value" lines with continuations; problems name the file and line.
std::vector<std::pair<std::string, std::string>> read_tags(const std::string& text, const std::string& file,
                                                           std::vector<std::string>& problems) {
    std::vector<std::pair<std::string, std::string>> tags;
    int n = 0;
    for (const auto& line : split_lines(text)) {
        ++n;
        if (line.empty()) continue;
        if ((line[0] == ' ' || line[0] == '\t') && !tags.empty()) {
            tags.back().second += " " + trim(line);
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0) {
            problems.push_back(file + " line " + std::to_string(n) + " is not \"Label: value\"");
            continue;
        }
        tags.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    }
    return tags;
}

struct Expect {
    std::string manifest;  // e.g. manifest-sha256.txt
    bool sha512 = false;
    std::string sum;
};

struct Manifest {
    std::string name;
    bool sha512 = false;
    std::map<std::string, std::string> entries;  // path -> checksum
};

// Reads manifest-<alg>.txt or tagmanifest-<alg>.txt.
Manifest read_manifest(const fs::path& bag, const std::string& name, bool sha512, bool payload,
                       std::vector<std::string>& problems) {
    Manifest m{name, sha512, {}};
    std::string text;
    try {
        text = read_file(bag / name);
    } catch (const Error& e) {
        problems.push_back(std::string("cannot read ") + name + ": " + e.what());
        return m;
    }
    const std::size_t digits = sha512 ? 128 : 64;
    int n = 0;
    for (const auto& line : split_lines(text)) {
        ++n;
        if (trim(line).empty()) continue;
        const auto ws = line.find_first_of(" \t");
        const auto start = ws == std::string::npos ? ws : line.find_first_not_of(" \t", ws);
        if (ws == std::string::npos || start == std::string::npos) {
            problems.push_back(name + " line " + std::to_string(n) + " is not \"<checksum> <path>\"");
            continue;
        }
        const std::string sum = lower(line.substr(0, ws));
        std::string path = decode_manifest_path(line.substr(start));
        if (path.rfind("./", 0) == 0) path.erase(0, 2);
        if (sum.size() != digits || sum.find_first_not_of("0123456789abcdef") != std::string::npos) {
            problems.push_back(name + " line " + std::to_string(n) + ": '" + line.substr(0, ws) + "' is not a " +
                               (sha512 ? "SHA-512" : "SHA-256") + " checksum");
            continue;
        }
        if (!is_safe_relative_path(path)) {
            problems.push_back(name + " line " + std::to_string(n) + " names a path outside the bag: " + path);
            continue;
        }
        const bool in_data = path.rfind("data/", 0) == 0;
        if (payload && !in_data) {
            problems.push_back(name + " line " + std::to_string(n) + " names " + path + ", which is not under data/");
            continue;
        }
        if (!payload && in_data) {
            problems.push_back(name + " line " + std::to_string(n) + " names the payload file " + path +
                               " (a tag manifest lists tag files only)");
            continue;
        }
        if (!m.entries.emplace(path, sum).second) problems.push_back(name + " lists " + path + " twice");
    }
    return m;
}

}  // namespace

std::vector<std::string> verify_bag(const fs::path& bag, const std::function<void(const BagProgress&)>& progress) {
    std::vector<std::string> problems;
    std::error_code ec;
    if (!fs::is_directory(bag, ec)) return {bag.string() + " is not a folder"};

    // bagit.txt
    if (!fs::is_regular_file(bag / "bagit.txt", ec)) return {"bagit.txt is missing: " + bag.string() + " is not a bag"};
    {
        std::string text;
        try {
            text = read_file(bag / "bagit.txt");
        } catch (const Error& e) {
            return {std::string("cannot read bagit.txt: ") + e.what()};
        }
        if (text.rfind("\xEF\xBB\xBF", 0) == 0) problems.push_back("bagit.txt starts with a byte-order mark");
        const auto tags = read_tags(text, "bagit.txt", problems);
        std::string version, encoding;
        for (const auto& [k, v] : tags) {
            if (k == "BagIt-Version") version = v;
            else if (k == "Tag-File-Character-Encoding") encoding = v;
        }
        if (version.empty()) problems.push_back("bagit.txt has no BagIt-Version");
        else if (version != "1.0" && version != "0.97")
            problems.push_back("bagit.txt says BagIt-Version " + version + "; this tool checks versions 1.0 and 0.97");
        if (encoding.empty()) problems.push_back("bagit.txt has no Tag-File-Character-Encoding");
        else if (lower(encoding) != "utf-8")
            problems.push_back("bagit.txt says Tag-File-Character-Encoding " + encoding + "; this tool reads UTF-8 only");
    }

    // manifests
    std::vector<Manifest> payload_manifests, tag_manifests;
    for (const auto& entry : fs::directory_iterator(bag, ec)) {
        const std::string name = entry.path().filename().string();
        const bool tag = name.rfind("tagmanifest-", 0) == 0;
        if (!tag && name.rfind("manifest-", 0) != 0) continue;
        if (name.size() < 4 || name.substr(name.size() - 4) != ".txt") continue;
        const std::string alg = name.substr(tag ? 12 : 9, name.size() - (tag ? 12 : 9) - 4);
        if (alg != "sha256" && alg != "sha512") {
            spdlog::info("{}: {} is not checked (only sha256 and sha512 are)", bag.string(), name);
            continue;
        }
        auto m = read_manifest(bag, name, alg == "sha512", !tag, problems);
        (tag ? tag_manifests : payload_manifests).push_back(std::move(m));
    }
    if (ec) problems.push_back("cannot list " + bag.string() + ": " + ec.message());
    auto by_name = [](const Manifest& a, const Manifest& b) { return a.name < b.name; };
    std::sort(payload_manifests.begin(), payload_manifests.end(), by_name);
    std::sort(tag_manifests.begin(), tag_manifests.end(), by_name);
    if (payload_manifests.empty()) problems.push_back("the bag has no payload manifest (manifest-sha256.txt or manifest-sha512.txt)");

    // the payload as it is on disk
    std::map<std::string, std::uint64_t> present;  // data/... -> size
    const fs::path data = bag / "data";
    if (!fs::is_directory(data, ec)) {
        problems.push_back("the payload folder data/ is missing");
    } else {
        fs::recursive_directory_iterator it(data, ec), end;
        for (; !ec && it != end; it.increment(ec)) {
            const auto st = it->symlink_status(ec);
            if (ec) break;
            if (st.type() == fs::file_type::directory) continue;
            const std::string rel = it->path().lexically_relative(bag).generic_string();
            if (st.type() != fs::file_type::regular) {
                problems.push_back(rel + " is not a regular file");
                continue;
            }
            present[rel] = fs::file_size(it->path(), ec);
        }
        if (ec) problems.push_back("cannot list " + data.string() + ": " + ec.message());
    }

    // extra and missing files
    std::map<std::string, std::vector<Expect>> expect;  // file -> checksums to compare
    std::set<std::string> listed_anywhere;
    for (const auto& m : payload_manifests)
        for (const auto& [p, sum] : m.entries) listed_anywhere.insert(p);
    for (const auto& [p, size] : present) {
        if (!listed_anywhere.count(p)) {
            problems.push_back("extra file " + p + ": no manifest lists it");
            continue;
        }
        for (const auto& m : payload_manifests)
            if (!m.entries.count(p)) problems.push_back(p + " is not listed in " + m.name);
    }
    for (const auto& m : payload_manifests)
        for (const auto& [p, sum] : m.entries) {
            if (!present.count(p)) problems.push_back("missing file " + p + " (listed in " + m.name + ")");
            else expect[p].push_back({m.name, m.sha512, sum});
        }
    for (const auto& m : tag_manifests)
        for (const auto& [p, sum] : m.entries) {
            if (!fs::is_regular_file(bag / p, ec)) problems.push_back("missing tag file " + p + " (listed in " + m.name + ")");
            else expect[p].push_back({m.name, m.sha512, sum});
        }

    // bag-info.txt and Payload-Oxum
    if (fs::exists(bag / "bag-info.txt", ec)) {
        try {
            const auto tags = read_tags(read_file(bag / "bag-info.txt"), "bag-info.txt", problems);
            for (const auto& [k, v] : tags) {
                if (lower(k) != "payload-oxum") continue;
                const auto dot = v.find('.');
                std::uint64_t octets = 0, streams = 0;
                bool ok = dot != std::string::npos && dot > 0 && dot + 1 < v.size() &&
                          v.find_first_not_of("0123456789.") == std::string::npos && v.find('.', dot + 1) == std::string::npos;
                if (ok) {
                    // from_chars, not stoull: a number past 64 bits is a malformed Payload-Oxum, not an exception.
                    ok = std::from_chars(v.data(), v.data() + dot, octets).ec == std::errc() &&
                         std::from_chars(v.data() + dot + 1, v.data() + v.size(), streams).ec == std::errc();
                }
                std::uint64_t bytes = 0;
                for (const auto& [p, size] : present) bytes += size;
                if (!ok) problems.push_back("bag-info.txt: Payload-Oxum '" + v + "' is not <bytes>.<files>");
                else if (octets != bytes || streams != present.size())
                    problems.push_back("bag-info.txt: Payload-Oxum says " + std::to_string(octets) + " bytes in " +
                                       std::to_string(streams) + " files, but data/ holds " + std::to_string(bytes) +
                                       " bytes in " + std::to_string(present.size()) + " files");
            }
        } catch (const Error& e) {
            problems.push_back(std::string("cannot read bag-info.txt: ") + e.what());
        }
    }

    // checksums: every file read once, both digests at a time
    std::uint64_t total = 0, done = 0;
    for (const auto& [p, ex] : expect) {
        const auto size = fs::file_size(bag / p, ec);
        if (!ec) total += size;
    }
    bool need256 = false, need512 = false;
    for (const auto& [p, ex] : expect)
        for (const auto& e : ex) (e.sha512 ? need512 : need256) = true;
    if (!expect.empty()) {
        Hashers hashers(need256, need512);
        for (const auto& [p, ex] : expect) {
            Fd fd(::open((bag / p).c_str(), O_RDONLY | O_CLOEXEC));
            if (!fd) {
                problems.push_back(describe_errno("cannot read " + p, errno));
                continue;
            }
            ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
            bool failed = false;
            for (;;) {
                char* buf = hashers.block();
                ssize_t n = ::read(fd.get(), buf, Hashers::kBlockSize);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) {
                    problems.push_back(describe_errno("cannot read " + p, errno));
                    failed = true;
                    break;
                }
                if (n == 0) break;
                hashers.submit(static_cast<std::size_t>(n));
                done += static_cast<std::uint64_t>(n);
                if (progress) progress({done, total, p});
            }
            const auto d = hashers.finish();
            if (failed) continue;
            for (const auto& e : ex) {
                const std::string& got = e.sha512 ? d.sha512 : d.sha256;
                if (got != e.sum)
                    problems.push_back(p + " does not match its " + (e.sha512 ? "SHA-512" : "SHA-256") + " in " +
                                       e.manifest + " (the file was changed or damaged)");
            }
        }
    }
    return problems;
}

}  // namespace sb::storysync
