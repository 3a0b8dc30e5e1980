#pragma once
// Recovery after a crash or power cut, run before anything else touches the data folder.
//
// - every story still "recording" is finalised from what is on disk and marked "recovered"
//   (or, when nothing playable reached the disk, kept with the note "nothing was captured");
// - a story marked deleted whose folder survived has its deletion finished;
// - a story folder the catalog does not know is moved to DIR/orphans/, never deleted.
// Idempotent: running it twice changes nothing the second time.
#include "catalog/catalog.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace sb {

struct RecoveryReport {
    std::vector<Story> recovered;
    std::vector<std::string> deletions_finished;  // story ids
    std::vector<std::filesystem::path> orphans;   // where each orphan folder went
};

RecoveryReport recover_stories(Catalog& catalog, const std::filesystem::path& data_dir);

}  // namespace sb
