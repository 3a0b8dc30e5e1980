#include "pull/pull.hpp"

#include "common/error.hpp"
#include "common/fs.hpp"
#include "common/hash.hpp"
#include "feed/feed.hpp"
#include "transfer/errors.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>

namespace sb::storysync {

namespace {

using Outcome = PullListener::Outcome;

class PositionRelay : public DownloadProgress {
public:
    explicit PositionRelay(PullListener& l) : l_(l) {}
    void position(std::uint64_t bytes) override { l_.file_position(bytes); }

private:
    PullListener& l_;
};

std::string name_of(const StoryFile& f) { return feed::file_name(f); }

// True when the library already holds this file, whole: its row says so and it is on disk with
// the right size. (`storysync verify` re-hashes; a pull trusts what it verified before.)
bool in_place(const Library& lib, const std::string& booth_id, const Story& s, const StoryFile& f) {
    const auto row = lib.file(booth_id, s.id, name_of(f));
    if (!row || row->sha256 != f.sha256 || row->size != f.size) return false;
    std::error_code ec;
    const auto size = std::filesystem::file_size(lib.file_path(booth_id, s.id, name_of(f)), ec);
    return !ec && size == f.size;
}

void rename_durable(const std::filesystem::path& from, const std::filesystem::path& to) {
    make_dirs_durable(to.parent_path());
    if (::rename(from.c_str(), to.c_str()) != 0) throw_errno("cannot move " + from.string() + " into the library", errno);
    fsync_dir(to.parent_path());
}

// Removes partial files of this story's `name` left for another version of it.
void drop_stale_partials(const std::filesystem::path& dir, const std::string& name, const std::filesystem::path& keep) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string fn = e.path().filename().string();
        if (fn.rfind(name + ".", 0) == 0 && e.path() != keep) std::filesystem::remove(e.path(), ec);
    }
}

struct Applied {
    Outcome outcome;
    std::string why;
};

Applied apply_upsert(Library& lib, Source& source, const std::string& booth_id, const Story& s, const PullOptions& opts,
                     PullListener& listener, PullResult& out) {
    const auto before = lib.story(booth_id, s.id);
    const auto pdir = lib.partial_dir(booth_id, s.id);
    PositionRelay relay(listener);
    for (const auto& f : s.files) {
        if (in_place(lib, booth_id, s, f)) continue;
        const std::string name = name_of(f);
        const auto final_path = lib.file_path(booth_id, s.id, name);
        // A file put in place by a pull that stopped before recording it: keep it if it matches.
        std::error_code ec;
        if (std::filesystem::file_size(final_path, ec) == f.size && !ec && sha256_file(final_path) == f.sha256) continue;
        const auto partial = pdir / (name + "." + f.sha256 + ".part");
        drop_stale_partials(pdir, name, partial);
        listener.file_started(s.code, name, f.size);
        DownloadOptions d;
        d.attempts = opts.attempts;
        d.limiter = opts.limiter;
        d.progress = &relay;
        DownloadResult r;
        try {
            r = download_verified(source, {s.id, name, f.size, f.sha256}, partial, d);
        } catch (const SyncError& e) {
            if (e.booth_wide()) throw;
            listener.file_finished(s.code, name, f.size, false);
            return {Outcome::failed, e.what()};
        }
        out.bytes += r.received;
        if (r.kept > 0) ++out.resumed;
        if (!r.verified) {
            listener.file_finished(s.code, name, f.size, false);
            return {Outcome::failed, name + " arrived damaged " + std::to_string(r.mismatches) +
                                         " times (its SHA-256 did not match); it will be tried again on the next pull"};
        }
        rename_durable(partial, final_path);
        listener.file_finished(s.code, name, f.size, true);
    }
    std::error_code ec;
    std::filesystem::remove(pdir, ec);  // only when empty
    const std::string story_json = feed::story_to_json(s).dump();
    // The STORY object lists the files, so the same object means the same files too.
    if (before && before->story_json == story_json) return {Outcome::updated, "unchanged"};
    lib.commit_story(booth_id, s, story_json);
    if (before) lib.remove_unlisted_files(booth_id, s.id);
    return {before ? Outcome::updated : Outcome::added, ""};
}

}  // namespace

void pull(Library& lib, Source& source, const std::string& booth_id, const PullOptions& opts, PullListener& listener,
          PullResult& out) {
    std::optional<BoothRecord> rec;
    if (!booth_id.empty()) {
        rec = lib.booth(booth_id);
        if (!rec) throw Error("booth " + booth_id + " is not in this library");
    }
    const std::int64_t since = rec ? rec->last_seq : 0;

    // 1. Every change after `since`.
    std::vector<feed::Entry> entries;
    std::int64_t next = since;
    feed::BoothInfo booth;
    for (bool first = true;; first = false) {
        auto page = source.changes(next, opts.page_limit);
        if (first) {
            booth = page.booth;
            if (!booth_id.empty() && booth.id != booth_id)
                throw SyncError(SyncError::Reason::protocol,
                                source.describe() + " is now a different booth (id " + booth.id +
                                    "); pair with it again if that is intended");
            if (booth_id.empty()) {
                rec = lib.booth(booth.id);
                if (!rec) {
                    BoothRecord b;
                    b.id = booth.id;
                    b.name = booth.name;
                    b.code = booth.code;
                    b.version = booth.version;
                    lib.save_booth(b);
                    rec = lib.booth(booth.id);
                }
                // A USB export reads everything; the library's sequence says what is already in.
                auto again = source.changes(rec->last_seq, opts.page_limit);
                page = std::move(again);
                next = rec->last_seq;
            }
            if (rec->name != booth.name || rec->code != booth.code || rec->version != booth.version) {
                rec->name = booth.name;
                rec->code = booth.code;
                rec->version = booth.version;
                lib.save_booth(*rec);
            }
        }
        if (page.next < next || (page.more && page.next == next))
            throw SyncError(SyncError::Reason::protocol, source.describe() + " sent a list of changes that does not advance");
        for (auto& e : page.changes) entries.push_back(std::move(e));
        next = page.next;
        if (!page.more) break;
    }
    const std::int64_t start = rec->last_seq;
    out.booth_id = rec->id;
    out.booth_name = rec->name;
    out.since = start;
    out.reached = start;

    // 2. What it will cost.
    std::size_t files = 0;
    std::uint64_t bytes = 0;
    for (const auto& e : entries) {
        if (e.tombstone || !e.story) continue;
        for (const auto& f : e.story->files)
            if (!in_place(lib, rec->id, *e.story, f)) {
                ++files;
                bytes += f.size;
            }
    }
    listener.planned(rec->name, entries.size(), files, bytes);

    // 3. Apply, in order; the sequence moves only over what fully succeeded.
    std::int64_t safe = start, recorded = start;
    bool blocked = false;
    auto last_record = std::chrono::steady_clock::now();
    auto record = [&](bool force) {
        const auto now = std::chrono::steady_clock::now();
        if (safe > recorded && (force || now - last_record > std::chrono::seconds(2))) {
            lib.set_last_seq(rec->id, safe);
            recorded = safe;
            out.reached = safe;
            last_record = now;
        }
    };
    try {
        for (const auto& e : entries) {
            if (e.tombstone) {
                const auto had = lib.story(rec->id, e.story_id);
                if (lib.remove_story(rec->id, e.story_id)) {
                    ++out.removed;
                    listener.story_finished(had ? had->code : e.story_id, had ? had->title : "", Outcome::removed, "");
                }
            } else if (e.story) {
                const auto a = apply_upsert(lib, source, rec->id, *e.story, opts, listener, out);
                if (a.outcome == Outcome::failed) {
                    ++out.failed;
                    blocked = true;
                    listener.story_finished(e.story->code, e.story->title, a.outcome, a.why);
                } else if (a.why != "unchanged") {
                    if (a.outcome == Outcome::added) ++out.added;
                    else ++out.updated;
                    listener.story_finished(e.story->code, e.story->title, a.outcome, "");
                }
            }
            if (!blocked) safe = e.seq;
            record(false);
        }
        // Rows that gave no entry (stories still recording, repeated rows) are covered by `next`.
        if (!blocked) safe = std::max(safe, next);
        record(true);
    } catch (...) {
        try {
            record(true);
        } catch (...) {
        }
        throw;
    }
    if (recorded == start) lib.touch_sync(rec->id);
    out.reached = recorded;

    // 4. Tell the booth (best effort: the stories are safe either way). Also when nothing was new:
    // an earlier pull may have stopped (killed, or its connection lost) after recording the
    // sequence but before the booth heard it, and the booth shows the librarian how far each
    // laptop has got.
    if (recorded > 0) {
        try {
            source.ack(recorded);
        } catch (const std::exception& e) {
            out.warning = std::string("the stories are safe, but the booth was not told so: ") + e.what();
        }
    }
}

}  // namespace sb::storysync
