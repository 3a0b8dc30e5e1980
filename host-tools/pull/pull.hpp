#pragma once
// One pull from one source (a paired booth, or a USB export) into the library.
//
//  1. Read every change after the booth's last sequence number (paging until `more` is false).
//  2. For each entry, in order:
//     - upsert: each file the library lacks is downloaded into the partial folder (resuming,
//       verified, fsynced), renamed into stories/<booth>/<story>/ (folder fsynced); then the
//       story's rows are written in one transaction; files the story no longer lists go.
//     - tombstone: the story's rows, then its folder, are removed.
//  3. The booth's sequence advances only over entries that fully succeeded, in order: a story
//     that failed (its bytes never matched) holds it back, so the next pull tries it again;
//     entries after it are still applied and, being in place, cost nothing next time.
//  4. The source is told the sequence reached (POST /sync/v1/ack).
//
// A fault that concerns the whole source (unreachable, connection lost, pairing revoked) or the
// laptop (disk full) stops the pull with the exception, after recording the sequence reached so
// far; nothing half-written is ever among the stories, and the partial files are kept for the
// next pull to resume.
#include "library/library.hpp"
#include "transfer/download.hpp"
#include "transfer/source.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sb::storysync {

class PullListener {
public:
    virtual ~PullListener() = default;
    // What this pull will do: entries to apply, files and bytes to fetch.
    virtual void planned(const std::string& /*booth*/, std::size_t /*entries*/, std::size_t /*files*/,
                         std::uint64_t /*bytes*/) {}
    virtual void file_started(const std::string& /*story_code*/, const std::string& /*name*/, std::uint64_t /*size*/) {}
    virtual void file_position(std::uint64_t /*bytes_in_file*/) {}
    // The file is whole and verified (ok) or was given up on (its bytes never matched).
    virtual void file_finished(const std::string& /*story_code*/, const std::string& /*name*/, std::uint64_t /*size*/,
                               bool /*ok*/) {}
    enum class Outcome { added, updated, removed, failed };
    virtual void story_finished(const std::string& /*story_code*/, const std::string& /*title*/, Outcome,
                                const std::string& /*why*/) {}
};

struct PullOptions {
    int page_limit = 1000;          // entries asked for per request (the protocol allows 1..1000)
    int attempts = 3;               // fetches of a file whose bytes do not match before giving up
    RateLimiter* limiter = nullptr;
};

struct PullResult {
    std::string booth_id, booth_name;
    int added = 0, updated = 0, removed = 0, failed = 0;
    std::uint64_t bytes = 0;        // bytes received
    int resumed = 0;                // files whose earlier partial download was continued
    std::int64_t since = 0, reached = 0;  // the booth's sequence before and after
    std::string warning;            // e.g. the acknowledgement did not reach the booth
};

// Pulls from `source` into `lib`. `booth_id`: the id the library has for this booth (the source
// must answer with it); "" to take the source's id (a USB export: the booth is added to the
// library when new). Throws on faults that stop the pull (see above); `out` then counts what
// was done before.
void pull(Library& lib, Source& source, const std::string& booth_id, const PullOptions& opts, PullListener& listener,
          PullResult& out);

}  // namespace sb::storysync
