// The USB export (a booth with no network) and the reader storysync uses for it.
#include "feed/feed.hpp"

#include "common/fs.hpp"
#include "common/hash.hpp"
#include "common/ids.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <map>
#include <set>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sb::feed {

namespace {

constexpr const char* kPartSuffix = ".part";

// A copy found its source gone: the story changed while the export ran.
struct SourceVanished {
    std::string story_id;
};

ExportError from_io(const IoError& e) {
    if (e.disk_full())
        return ExportError(ExportError::Reason::full,
                           std::string("The drive is full (") + e.what() +
                               "). Nothing half-written was kept: free some space or use a larger drive, then export again.");
    return ExportError(ExportError::Reason::failed, std::string("The export failed: ") + e.what());
}

std::string human_bytes(std::uint64_t n) {
    char buf[32];
    if (n >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(n) / (1ull << 30));
    else if (n >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / (1ull << 20));
    else std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(n));
    return buf;
}

void check_target(const fs::path& to) {
    using R = ExportError::Reason;
    if (to.empty()) throw ExportError(R::bad_target, "Choose a folder to export to.");
    std::error_code ec;
    const auto st = fs::status(to, ec);
    if (!fs::exists(st)) throw ExportError(R::bad_target, "There is no folder " + to.string() + " (is the drive plugged in?).");
    if (!fs::is_directory(st)) throw ExportError(R::bad_target, to.string() + " is not a folder.");
    if (::access(to.c_str(), W_OK | X_OK) != 0)
        throw ExportError(R::bad_target, "The folder " + to.string() + " cannot be written to (is the drive read-only or locked?).");
}

// Removes a file if it is there; true when something was removed.
bool remove_if_there(const fs::path& p) {
    if (::unlink(p.c_str()) == 0) return true;
    if (errno == ENOENT) return false;
    throw_errno("cannot remove " + p.string(), errno);
}

bool file_matches(const fs::path& p, const StoryFile& f) {
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    if (ec || size != f.size) return false;
    return sha256_file(p) == f.sha256;
}

// Copies src to dst through dst.part: read, hash, write, fsync, rename, fsync of the folder.
// Returns the bytes copied. The .part file never outlives a failure.
std::uint64_t copy_file(const fs::path& src, const fs::path& dst, const StoryFile& f, const std::string& story_id) {
    const int in_fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    if (in_fd < 0) {
        if (errno == ENOENT) throw SourceVanished{story_id};
        throw_errno("cannot open " + src.string(), errno);
    }
    Fd in(in_fd);
    fs::path part = dst;
    part += kPartSuffix;
    Fd out = open_file(part, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::uint64_t copied = 0;
    try {
        std::vector<char> buf(1 << 20);
        Sha256 hash;
        for (;;) {
            const ssize_t n = ::read(in.get(), buf.data(), buf.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                throw_errno("cannot read " + src.string(), errno);
            }
            if (n == 0) break;
            hash.update(buf.data(), static_cast<std::size_t>(n));
            if (int err = write_all(out.get(), buf.data(), static_cast<std::size_t>(n)))
                throw_errno("cannot write " + part.string(), err);
            copied += static_cast<std::uint64_t>(n);
        }
        if (::fsync(out.get()) != 0) throw_errno("cannot sync " + part.string(), errno);
        out.reset();
        if (::rename(part.c_str(), dst.c_str()) != 0) throw_errno("cannot rename " + part.string(), errno);
        const std::string got = hash.hex();
        if (copied != f.size || got != f.sha256)
            spdlog::warn("export: {} on the booth does not match the catalog ({} bytes, SHA-256 {}; the catalog says {} bytes, {})",
                         src.string(), copied, got, f.size, f.sha256);
    } catch (...) {
        out.reset();
        ::unlink(part.c_str());
        throw;
    }
    return copied;
}

// The entries of a folder (read whole before anything in it is removed).
std::vector<fs::path> list_dir(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
    if (ec) throw IoError(describe_errno("cannot list " + dir.string(), ec.value()), ec.value());
    return out;
}

// Removes a file or a folder with everything in it; returns the story files removed (left-over
// .part files of an interrupted export do not count).
std::int64_t remove_counting(const fs::path& p) {
    std::int64_t n = 0;
    if (fs::is_directory(fs::symlink_status(p))) {
        for (const fs::path& c : list_dir(p)) n += remove_counting(c);
        fs::remove(p);
        return n;
    }
    fs::remove(p);
    return p.extension() == kPartSuffix ? 0 : 1;
}

struct Wanted {
    std::string story_id;
    StoryFile file;
};

ExportResult export_once(Catalog& catalog, const fs::path& data_dir, const fs::path& root, const BoothInfo& booth,
                         const Clock& clock) {
    ExportResult r;
    r.folder = root;
    const fs::path files_dir = root / "files";
    make_dirs_durable(files_dir);
    // From here until the end the folder does not claim to be a whole export.
    if (remove_if_there(root / "changes.json")) fsync_dir(root);

    const ChangesPage page = all_changes(catalog, booth);
    r.latest_seq = page.next;
    std::vector<Wanted> wanted;
    std::map<std::string, std::set<std::string>> keep;  // story id -> file names
    for (const Entry& e : page.changes) {
        if (e.tombstone) {
            ++r.tombstones;
            continue;
        }
        ++r.stories;
        auto& names = keep[e.story_id];
        for (const StoryFile& f : e.story->files) {
            const std::string name = file_name(f);
            if (!is_story_file_name(name)) continue;
            names.insert(name);
            wanted.push_back({e.story_id, f});
        }
    }

    // Files of stories no longer offered (and anything else that is not ours) go first, so
    // their space is free for the new ones.
    for (const fs::path& entry : list_dir(files_dir)) {
        const auto k = keep.find(entry.filename().string());
        if (k == keep.end() || !fs::is_directory(fs::symlink_status(entry))) {
            r.files_removed += remove_counting(entry);
            continue;
        }
        for (const fs::path& f : list_dir(entry)) {
            if (k->second.count(f.filename().string()) && fs::is_regular_file(fs::symlink_status(f))) continue;
            r.files_removed += remove_counting(f);
        }
    }
    fsync_dir(files_dir);

    // Is there room for what must be copied?
    std::uint64_t needed = 0;
    std::vector<bool> copy(wanted.size(), true);
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        const fs::path dst = files_dir / wanted[i].story_id / file_name(wanted[i].file);
        if (file_matches(dst, wanted[i].file)) {
            copy[i] = false;
            ++r.files_kept;
        } else {
            needed += wanted[i].file.size;
        }
    }
    const std::uint64_t free = free_bytes(root);
    if (needed + (1u << 20) > free)
        throw ExportError(ExportError::Reason::full, "The drive has " + human_bytes(free) + " free but the export needs " +
                                                         human_bytes(needed) + " more. Use a larger drive, or free some space.");

    std::set<std::string> made;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        if (!copy[i]) continue;
        const fs::path dir = files_dir / wanted[i].story_id;
        if (made.insert(wanted[i].story_id).second) make_dirs_durable(dir);
        const std::string name = file_name(wanted[i].file);
        r.bytes_copied += copy_file(story_file_path(data_dir, wanted[i].story_id, name), dir / name, wanted[i].file,
                                    wanted[i].story_id);
        fsync_dir(dir);
        ++r.files_copied;
    }

    const json booth_json = {{"format", kExportFormat},
                             {"booth", booth_to_json(booth)},
                             {"exported_at", iso8601_utc(clock.now())},
                             {"latest_seq", page.next}};
    write_file_atomic(root / "booth.json", booth_json.dump(2) + "\n");
    write_file_atomic(root / "changes.json", changes_to_json(page).dump(1) + "\n");
    return r;
}

// Mount points in /proc/self/mounts escape space, tab, newline and backslash as \ooo.
std::string unescape_mount(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isdigit(static_cast<unsigned char>(s[i + 2])) && std::isdigit(static_cast<unsigned char>(s[i + 3]))) {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

bool has_option(const std::string& opts, const std::string& opt) {
    std::size_t pos = 0;
    while (pos <= opts.size()) {
        std::size_t end = opts.find(',', pos);
        if (end == std::string::npos) end = opts.size();
        if (opts.compare(pos, end - pos, opt) == 0) return true;
        pos = end + 1;
    }
    return false;
}

json read_json_file(const fs::path& p, const std::string& what) {
    std::string text;
    try {
        text = read_file(p);
    } catch (const IoError& e) {
        throw Error("cannot read " + what + ": " + e.what());
    }
    try {
        return json::parse(text);
    } catch (const json::exception&) {  // parse_error, and out_of_range for a number like 1e4000
        throw Error(what + " (" + p.string() + ") is not valid JSON");
    }
}

}  // namespace

ExportResult export_to(Catalog& catalog, const fs::path& data_dir, const fs::path& to, const BoothInfo& booth,
                       const Clock& clock) {
    check_target(to);
    if (!is_uuid(booth.id)) throw ExportError(ExportError::Reason::failed, "The booth has no valid id.");
    const fs::path root = to / kExportDir / booth.id;
    // A story deleted while its files are copied: start again with the catalog as it now is.
    for (int attempt = 1;; ++attempt) {
        try {
            return export_once(catalog, data_dir, root, booth, clock);
        } catch (const SourceVanished& v) {
            if (attempt >= 3)
                throw ExportError(ExportError::Reason::failed,
                                  "The stories kept changing during the export (story " + v.story_id + "). Try again.");
        } catch (const ExportError&) {
            throw;
        } catch (const IoError& e) {
            if (e.code() == EACCES || e.code() == EROFS || e.code() == EPERM)
                throw ExportError(ExportError::Reason::bad_target,
                                  std::string("The drive cannot be written to (") + e.what() + ").");
            throw from_io(e);
        } catch (const fs::filesystem_error& e) {
            throw from_io(IoError(e.what(), e.code().value()));
        }
    }
}

std::vector<ExportTarget> export_targets(const fs::path& mounts_file, const std::vector<fs::path>& roots) {
    std::vector<ExportTarget> out;
    std::string text;
    try {
        text = read_file(mounts_file);
    } catch (const IoError&) {
        return out;
    }
    std::set<fs::path> seen;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        const std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        // device mount-point type options dump pass
        std::vector<std::string> f;
        std::size_t p = 0;
        while (p < line.size() && f.size() < 4) {
            const std::size_t b = line.find_first_not_of(" \t", p);
            if (b == std::string::npos) break;
            std::size_t e = line.find_first_of(" \t", b);
            if (e == std::string::npos) e = line.size();
            f.push_back(line.substr(b, e - b));
            p = e;
        }
        if (f.size() < 4) continue;
        const fs::path mount = fs::path(unescape_mount(f[1])).lexically_normal();
        if (has_option(f[3], "ro")) continue;
        bool under = false;
        for (const fs::path& root : roots) {
            const fs::path rel = mount.lexically_relative(root.lexically_normal());
            if (rel.empty() || *rel.begin() == ".." || *rel.begin() == ".") continue;
            const auto depth = std::distance(rel.begin(), rel.end());
            if (depth == 1 || depth == 2) under = true;
        }
        if (!under || !seen.insert(mount).second) continue;
        std::error_code ec;
        if (!fs::is_directory(mount, ec) || ::access(mount.c_str(), W_OK | X_OK) != 0) continue;
        try {
            out.push_back(ExportTarget{mount, free_bytes(mount)});
        } catch (const IoError&) {
        }
    }
    std::sort(out.begin(), out.end(), [](const ExportTarget& a, const ExportTarget& b) { return a.path < b.path; });
    return out;
}

// ---- reading an export ----

fs::path ExportFolder::file(const std::string& story_id, const std::string& name) const {
    if (!is_uuid(story_id)) throw Error("'" + story_id + "' is not a story id");
    if (!is_story_file_name(name)) throw Error("'" + name + "' is not a story file name (story.opus or master.flac)");
    return folder / "files" / story_id / name;
}

ExportFolder read_export(const fs::path& booth_folder) {
    ExportFolder x;
    // "…/<id>/" and "…/<id>" are the same folder.
    x.folder = fs::absolute(booth_folder).lexically_normal();
    if (x.folder.filename().empty()) x.folder = x.folder.parent_path();
    const fs::path booth_file = booth_folder / "booth.json";
    std::error_code ec;
    if (!fs::is_directory(booth_folder, ec)) throw Error(booth_folder.string() + " is not a folder");
    if (!fs::exists(booth_file, ec))
        throw Error(booth_folder.string() + " is not a booth's export folder (it has no booth.json)");
    const json b = read_json_file(booth_file, "booth.json");
    try {
        if (!b.is_object()) throw Error("must be an object");
        auto fmt = b.find("format");
        if (fmt == b.end() || !fmt->is_number_integer()) throw Error("'format' is missing or not a whole number");
        if (fmt->get<std::int64_t>() != kExportFormat)
            throw Error("it is in format " + fmt->dump() + ", which this version cannot read (it reads format " +
                        std::to_string(kExportFormat) + "); update storysync");
        x.booth = booth_from_json(b.at("booth"));
        auto at = b.find("exported_at");
        if (at == b.end() || !at->is_string()) throw Error("'exported_at' is missing or not text");
        x.exported_at = at->get<std::string>();
        auto seq = b.find("latest_seq");
        if (seq == b.end() || !seq->is_number_integer() || seq->get<std::int64_t>() < 0)
            throw Error("'latest_seq' is missing or not a whole number >= 0");
        x.latest_seq = seq->get<std::int64_t>();
    } catch (const json::exception&) {
        throw Error("booth.json in " + booth_folder.string() + ": 'booth' is missing");
    } catch (const Error& e) {
        throw Error("booth.json in " + booth_folder.string() + ": " + e.what());
    }
    if (x.folder.filename() != x.booth.id)
        throw Error("the export folder " + booth_folder.string() + " is not named for the booth it holds (" + x.booth.id + ")");
    const fs::path changes_file = booth_folder / "changes.json";
    if (!fs::exists(changes_file, ec))
        throw Error("the export in " + booth_folder.string() +
                    " is unfinished (it has no changes.json): export again from the booth");
    try {
        x.changes = changes_from_json(read_json_file(changes_file, "changes.json"));
    } catch (const Error& e) {
        throw Error("changes.json in " + booth_folder.string() + ": " + e.what());
    }
    if (x.changes.booth.id != x.booth.id)
        throw Error("changes.json in " + booth_folder.string() + " is from another booth (" + x.changes.booth.id + ")");
    return x;
}

std::vector<fs::path> find_exports(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) throw Error(path.string() + " is not a folder");
    if (fs::exists(path / "booth.json", ec)) return {path};
    fs::path parent = path;
    if (fs::is_directory(path / kExportDir, ec)) parent = path / kExportDir;
    std::vector<fs::path> out;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code ec2;
        if (it->is_directory(ec2) && is_uuid(it->path().filename().string()) && fs::exists(it->path() / "booth.json", ec2))
            out.push_back(it->path());
    }
    if (ec) throw Error("cannot read the folder " + parent.string() + ": " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace sb::feed
