#include "record/recovery.hpp"

#include "common/fs.hpp"
#include "common/ids.hpp"
#include "record/finalise.hpp"
#include "record/layout.hpp"

#include <spdlog/spdlog.h>

namespace sb {

namespace fs = std::filesystem;

RecoveryReport recover_stories(Catalog& catalog, const fs::path& data_dir) {
    RecoveryReport report;
    for (const auto& id : catalog.ids_in_state("recording")) {
        FinaliseInput in;
        in.state = "recovered";
        in.note = "recovered after an interruption";
        Story s = finalise_story(catalog, data_dir, id, in);
        spdlog::warn("story {} was interrupted; recovered {} ms", s.code, s.duration_ms.value_or(0));
        report.recovered.push_back(std::move(s));
    }

    const fs::path stories = layout::stories_dir(data_dir);
    std::error_code ec;
    if (!fs::is_directory(stories, ec)) return report;
    std::vector<fs::path> folders;
    for (const auto& e : fs::directory_iterator(stories, ec))
        if (e.is_directory()) folders.push_back(e.path());
    for (const auto& dir : folders) {
        const std::string id = dir.filename().string();
        auto story = is_uuid(id) ? catalog.get(id) : std::nullopt;
        if (story && story->state == "deleted") {
            fs::remove_all(dir, ec);
            fsync_dir(stories);
            report.deletions_finished.push_back(id);
            spdlog::info("finished deleting story {}", story->code);
        } else if (!story) {
            const fs::path orphans = data_dir / "orphans";
            make_dirs_durable(orphans);
            fs::path dest = orphans / id;
            for (int i = 1; fs::exists(dest); ++i) dest = orphans / (id + "." + std::to_string(i));
            fs::rename(dir, dest);
            fsync_dir(stories);
            fsync_dir(orphans);
            report.orphans.push_back(dest);
            spdlog::warn("folder {} belongs to no story in the catalog; moved to {}", dir.string(), dest.string());
        }
    }
    return report;
}

}  // namespace sb
