// The booth's identity and its change log as sync entries.
#include "feed/feed.hpp"

#include "common/ids.hpp"

#include <climits>
#include <unordered_map>

namespace sb::feed {

std::string booth_id(Catalog& catalog) {
    std::string id = catalog.setting("booth_id", "");
    if (is_uuid(id)) return id;
    if (!id.empty()) throw Error("the catalog's booth id '" + id + "' is damaged (not a UUID)");
    catalog.set_setting("booth_id", new_uuid());
    // Read back what was stored, so two processes starting at once agree on one id.
    return catalog.setting("booth_id", "");
}

BoothInfo booth_info(Catalog& catalog, const std::string& version) {
    BoothInfo b;
    b.id = booth_id(catalog);
    b.name = catalog.setting("booth_name", "Story booth");
    b.code = catalog.setting("booth_code", "MAIN");
    b.version = version;
    return b;
}

namespace {

// Rows -> entries: only a story's last row counts, and the entry tells how the story stands now.
std::vector<Entry> entries_for(const Catalog& catalog, const std::vector<Change>& rows) {
    std::unordered_map<std::string, std::size_t> last;
    for (std::size_t i = 0; i < rows.size(); ++i) last[rows[i].story_id] = i;
    std::vector<Entry> out;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Change& row = rows[i];
        if (last[row.story_id] != i) continue;
        std::optional<Story> story = catalog.get(row.story_id);
        Entry e;
        e.seq = row.seq;
        e.story_id = row.story_id;
        if (story && story->state == "recording") continue;  // its finish writes a later row
        if (story && is_offered_state(story->state)) {
            e.story = std::move(story);
        } else {
            e.tombstone = true;
            e.at = row.at;
        }
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace

ChangesPage changes_page(const Catalog& catalog, const BoothInfo& booth, std::int64_t since, int limit) {
    if (limit < 1) throw Error("a page of changes needs a limit of 1 or more");
    if (since < 0) throw Error("'since' must be 0 or more");
    // One row more than asked tells whether there are more.
    const int ask = limit == INT_MAX ? limit : limit + 1;
    std::vector<Change> rows = catalog.changes_since(since, ask);
    ChangesPage p;
    p.booth = booth;
    p.more = rows.size() > static_cast<std::size_t>(limit);
    if (p.more) rows.resize(static_cast<std::size_t>(limit));
    p.next = rows.empty() ? since : rows.back().seq;
    p.changes = entries_for(catalog, rows);
    return p;
}

ChangesPage all_changes(const Catalog& catalog, const BoothInfo& booth) {
    std::vector<Change> rows;
    for (;;) {
        const std::int64_t after = rows.empty() ? 0 : rows.back().seq;
        std::vector<Change> page = catalog.changes_since(after, 5000);
        if (page.empty()) break;
        rows.insert(rows.end(), page.begin(), page.end());
    }
    ChangesPage p;
    p.booth = booth;
    p.more = false;
    p.next = rows.empty() ? 0 : rows.back().seq;
    p.changes = entries_for(catalog, rows);
    return p;
}

}  // namespace sb::feed
