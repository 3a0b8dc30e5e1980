// storybooth export --data DIR --to PATH
#include "app/export.hpp"

#include "catalog/catalog.hpp"
#include "common/error.hpp"
#include "feed/feed.hpp"
#include "record/layout.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

namespace sb::app {

namespace {

std::string megabytes(std::uint64_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / 1e6);
    return buf;
}

}  // namespace

int cmd_export(const ExportOptions& o) {
    // A file-size limit must come back as a write error (EFBIG), not end the program mid-file.
    std::signal(SIGXFSZ, SIG_IGN);
    const auto db = layout::catalog_file(o.data);
    std::error_code ec;
    if (!std::filesystem::exists(db, ec))
        throw Error("there is no booth data in " + o.data.string() + " (no catalog.db); give the booth's folder with --data");
    auto clock = std::make_shared<SystemClock>();
    Catalog catalog = Catalog::open(db, clock);
    const feed::BoothInfo booth = feed::booth_info(catalog, o.version);
    feed::ExportResult r;
    try {
        r = feed::export_to(catalog, o.data, o.to, booth, *clock);
    } catch (const feed::ExportError& e) {
        try {
            catalog.audit("command line", "export_failed", "", o.to.string() + ": " + e.what());
        } catch (const std::exception&) {
            // The same limit that stopped the export may stop this; the reason is printed below.
        }
        std::fprintf(stderr, "storybooth: %s\n", e.what());
        switch (e.reason()) {
            case feed::ExportError::Reason::bad_target: return kExitBadTarget;
            case feed::ExportError::Reason::full: return kExitFull;
            case feed::ExportError::Reason::failed: return 1;
        }
        return 1;
    }
    catalog.audit("command line", "exported", "", r.folder.string() + ": " + std::to_string(r.stories) + " stories, " +
                                                      std::to_string(r.files_copied) + " files copied, " +
                                                      std::to_string(r.files_removed) + " removed");
    if (o.json) {
        std::cout << nlohmann::json{{"folder", r.folder.string()},
                                    {"stories", r.stories},
                                    {"tombstones", r.tombstones},
                                    {"files_copied", r.files_copied},
                                    {"bytes_copied", r.bytes_copied},
                                    {"files_kept", r.files_kept},
                                    {"files_removed", r.files_removed},
                                    {"latest_seq", r.latest_seq}}
                         .dump()
                  << "\n";
    } else {
        std::cout << "Exported " << r.stories << (r.stories == 1 ? " story" : " stories") << " to " << r.folder.string()
                  << ": " << r.files_copied << " file(s) copied (" << megabytes(r.bytes_copied) << "), " << r.files_kept
                  << " already there, " << r.files_removed << " removed.\n";
    }
    return 0;
}

}  // namespace sb::app
