#pragma once
// A booth's USB export folder (PATH/storybooth-export/<booth_id>/, written by
// `storybooth export`), read exactly like the booth itself would answer.
#include "transfer/errors.hpp"
#include "transfer/source.hpp"

namespace sb::storysync {

class ExportSource : public Source {
public:
    // Reads and validates booth.json and changes.json (feed::read_export). Throws sb::Error with
    // a plain reason (not an export, an unfinished export, a malformed file).
    explicit ExportSource(const std::filesystem::path& booth_folder);

    const feed::BoothInfo& booth() const noexcept { return export_.booth; }
    std::int64_t latest_seq() const noexcept { return export_.latest_seq; }

    std::string describe() const override;
    // The entries of changes.json after `since` (all of them in one page).
    feed::ChangesPage changes(std::int64_t since, int limit) override;
    // Copies from the export's file. SyncError(not_found) when the export lacks it.
    void fetch(const std::string& story_id, const std::string& name, std::uint64_t offset, const std::string& sha256,
               FetchSink& sink) override;
    void ack(std::int64_t) override {}

private:
    feed::ExportFolder export_;
};

}  // namespace sb::storysync
