// The sync change feed as storysync reads it (firmware/feed/feed.hpp parsers, used by
// host-tools/transfer for a booth's /sync/v1/changes pages and for a USB export).
//
// Input: one mode byte, then the rest.
//   mode 0: the rest is one HTTP answer body, parsed as BoothClient does (nlohmann, no
//           exceptions), then read as a changes page, an entry, a story and a booth. What parses
//           must survive a round trip: to_json(from_json(x)) parses again to the same JSON.
//   mode 1: the rest is a USB export, booth.json and changes.json split at the first NUL byte,
//           in a folder named for the booth id booth.json carries; read_export() reads it and,
//           when it is accepted, a whole `storysync pull` of it runs into a fresh library.
// Malformed input must end in sb::Error (or nlohmann's json::exception, which storysync turns
// into "malformed answer"); anything else escaping is a finding.
#include "fuzz_targets.hpp"

#include "common/ids.hpp"
#include "feed/feed.hpp"
#include "library/library.hpp"
#include "pull/pull.hpp"
#include "transfer/export_source.hpp"

namespace {

using nlohmann::json;
namespace feed = sb::feed;

template <typename Parse, typename Print>
void round_trip(const json& j, Parse parse, Print print) {
    std::optional<json> first;
    try {
        first = print(parse(j));
    } catch (const sb::Error&) {
        return;
    } catch (const json::exception&) {
        return;
    }
    // What the parser accepted, printed and parsed again, prints the same.
    const json again = print(parse(json::parse(first->dump())));
    FUZZ_CHECK(again == *first);
}

void parse_body(std::string_view body) {
    const json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) return;
    round_trip(j, feed::changes_from_json, feed::changes_to_json);
    round_trip(j, feed::entry_from_json, feed::entry_to_json);
    round_trip(j, feed::story_from_json, feed::story_to_json);
    round_trip(j, feed::booth_from_json, feed::booth_to_json);
    if (j.is_object() && j.contains("story")) round_trip(j["story"], feed::story_from_json, feed::story_to_json);
}

// The booth id in booth.json when it is usable as a folder name, else a fixed one.
std::string folder_name_for(std::string_view booth_json) {
    const json j = json::parse(booth_json, nullptr, false);
    if (j.is_object() && j.contains("booth") && j["booth"].is_object() && j["booth"].contains("id") &&
        j["booth"]["id"].is_string()) {
        const std::string id = j["booth"]["id"].get<std::string>();
        if (sb::is_uuid(id)) return id;
    }
    return "0b9f1c2e-1d7a-4c1b-9f3e-2a1b3c4d5e6f";
}

void read_usb_export(std::string_view rest) {
    const auto nul = rest.find('\0');
    const std::string_view booth_json = rest.substr(0, nul);
    const std::string_view changes_json = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
    const auto root = sbfuzz::fresh_dir("changes");
    const auto folder = root / "usb" / feed::kExportDir / folder_name_for(booth_json);
    std::filesystem::create_directories(folder);
    sbfuzz::write_bytes(folder / "booth.json", booth_json);
    if (nul != std::string_view::npos) sbfuzz::write_bytes(folder / "changes.json", changes_json);

    std::unique_ptr<sb::storysync::ExportSource> source;
    try {
        source = std::make_unique<sb::storysync::ExportSource>(folder);
    } catch (const sb::Error&) {
        return;
    }
    // Every file the export names stays inside its files/ folder.
    const feed::ExportFolder x = feed::read_export(folder);
    for (const auto& e : x.changes.changes) {
        if (!e.story) continue;
        for (const auto& f : e.story->files) {
            const auto p = x.file(e.story->id, feed::file_name(f)).lexically_normal();
            const auto rel = p.lexically_relative(x.folder / "files");
            FUZZ_CHECK(!rel.empty() && *rel.begin() != "..");
        }
    }

    sb::storysync::Library lib = sb::storysync::Library::open(root / "library", true);
    sb::storysync::PullListener quiet;
    sb::storysync::PullResult result;
    try {
        sb::storysync::pull(lib, *source, "", {}, quiet, result);
    } catch (const sb::Error&) {
        return;  // a refusal of the whole export (e.g. a file it lacks) is a clean answer
    }
    FUZZ_CHECK(result.added + result.updated + result.removed + result.failed <= static_cast<int>(x.changes.changes.size()));
    FUZZ_CHECK(lib.story_count() <= static_cast<std::int64_t>(x.changes.changes.size()));
}

}  // namespace

int fuzz_changes(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > (256u << 10)) return 0;
    sbfuzz::quiet_logs();
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    if (data[0] % 2 == 0) parse_body(rest);
    else read_usb_export(rest);
    return 0;
}
