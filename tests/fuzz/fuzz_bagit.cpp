// BagIt verification (host-tools/bagit verify_bag, `storysync export --verify BAG`) of a bag
// folder written from the input.
//
// Input: a list of files, each introduced by a line "@@ NAME" and holding the bytes up to the
// next such line (text before the first one is ignored). NAME is a bag-relative path of
// [A-Za-z0-9._-] parts separated by '/', as a bag may hold; anything else is skipped. Manifest
// lines whose checksum is "*" get the real checksum of the file they name (when it exists), so
// mutated payloads still reach the checksum comparison. Invariants: verify_bag() answers with
// sentences (never empty ones) and never throws.
#include "fuzz_targets.hpp"

#include "bagit/bagit.hpp"
#include "common/hash.hpp"

#include <fstream>
#include <map>

namespace {

namespace fs = std::filesystem;

bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 200 || name.front() == '/' || name.back() == '/') return false;
    std::size_t start = 0;
    int depth = 0;
    while (start <= name.size()) {
        std::size_t end = name.find('/', start);
        if (end == std::string::npos) end = name.size();
        const std::string part = name.substr(start, end - start);
        if (part.empty() || part == "." || part == ".." || ++depth > 6) return false;
        for (char c : part)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
        start = end + 1;
    }
    return true;
}

// The files of the input, in order (a later file of the same name replaces an earlier one).
std::map<std::string, std::string> split_files(std::string_view in) {
    std::map<std::string, std::string> files;
    std::size_t at = in.rfind("@@ ", 0) == 0 ? 0 : in.find("\n@@ ");
    if (at == std::string_view::npos) return files;
    if (at != 0) ++at;
    while (at < in.size()) {
        const std::size_t eol = in.find('\n', at);
        const std::string name(in.substr(at + 3, (eol == std::string_view::npos ? in.size() : eol) - at - 3));
        const std::size_t body = eol == std::string_view::npos ? in.size() : eol + 1;
        std::size_t next = in.find("\n@@ ", body == 0 ? 0 : body - 1);
        const std::size_t body_end = next == std::string_view::npos ? in.size() : next + 1;
        if (valid_name(name)) files[name] = std::string(in.substr(body, body_end > body ? body_end - body : 0));
        if (next == std::string_view::npos) break;
        at = next + 1;
    }
    return files;
}

// Fills in "*" checksums of manifest lines (a line naming no file given keeps its "*").
void fill_checksums(std::map<std::string, std::string>& files) {
    for (auto& [name, text] : files) {
        const auto slash = name.rfind('/');
        const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
        const bool sha512 = base.find("sha512") != std::string::npos;
        if (name.find('/') != std::string::npos || base.find("manifest-") == std::string::npos) continue;
        std::string out;
        std::size_t at = 0;
        while (at < text.size()) {
            std::size_t eol = text.find('\n', at);
            if (eol == std::string::npos) eol = text.size();
            std::string line = text.substr(at, eol - at);
            if (line.rfind("* ", 0) == 0) {
                auto it = files.find(line.substr(2));
                if (it != files.end() && it->first.find("manifest-") == std::string::npos)
                    line = (sha512 ? sb::sha512_hex(it->second) : sb::sha256_hex(it->second)) + line.substr(1);
            }
            out += line;
            if (eol < text.size()) out += '\n';
            at = eol + 1;
        }
        text = out;
    }
}

}  // namespace

int fuzz_bagit(const std::uint8_t* data, std::size_t size) {
    if (size > (256u << 10)) return 0;
    sbfuzz::quiet_logs();
    auto files = split_files(std::string_view(reinterpret_cast<const char*>(data), size));
    fill_checksums(files);
    const fs::path bag = sbfuzz::fresh_dir("bagit") / "bag";
    fs::create_directories(bag);
    for (const auto& [name, bytes] : files) {
        const fs::path p = bag / name;
        std::error_code ec;
        fs::create_directories(p.parent_path(), ec);
        if (ec || fs::is_directory(p, ec)) continue;  // a name used both as a file and a folder
        std::ofstream out(p, std::ios::binary);
        if (!out) continue;
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    const std::vector<std::string> problems = sb::storysync::verify_bag(bag);
    for (const auto& p : problems) FUZZ_CHECK(!p.empty());
    return 0;
}
