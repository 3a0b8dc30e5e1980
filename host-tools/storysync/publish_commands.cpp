// storysync publish and storysync export: what a volunteer does with the library once the stories
// are on the laptop.
#include "bagit/bagit.hpp"
#include "common/error.hpp"
#include "library/library.hpp"
#include "publish/publish.hpp"
#include "storysync/commands.hpp"
#include "storysync/progress.hpp"

#include <chrono>
#include <cstdio>
#include <set>
#include <unistd.h>

namespace sb::storysync {

namespace {

bool terminal() { return ::isatty(STDERR_FILENO) == 1; }

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Channel channel_from(const Settings& s) {
    Channel c;
    c.title = s.podcast_title;
    c.description = s.podcast_description;
    c.language = s.podcast_language;
    c.author = s.podcast_author.empty() ? s.podcast_title : s.podcast_author;
    c.owner_name = s.podcast_owner_name.empty() ? c.author : s.podcast_owner_name;
    c.owner_email = s.podcast_email;
    c.copyright = s.podcast_copyright;
    c.category = s.podcast_category;
    c.subcategory = s.podcast_subcategory;
    c.explicit_content = s.podcast_explicit;
    c.locked = s.podcast_locked;
    c.base_url = s.base_url;
    return c;
}

int print_problems(const std::vector<std::string>& problems, const std::string& what, const std::string& ok) {
    for (const auto& p : problems) std::printf("PROBLEM  %s\n", p.c_str());
    if (problems.empty()) {
        std::printf("%s\n", ok.c_str());
        return 0;
    }
    std::printf("%zu problem%s with %s (listed above).\n", problems.size(), problems.size() == 1 ? "" : "s",
                what.c_str());
    return 1;
}

}  // namespace

int cmd_publish(const Settings& s, const std::filesystem::path& out) {
    // Reads the library only: a pull may run meanwhile (its stories appear at the next publish).
    auto lib = Library::open(library_dir(s), false);
    PublishOptions o;
    o.channel = channel_from(s);
    o.artwork = s.podcast_artwork;
    const auto t0 = std::chrono::steady_clock::now();
    StatusLine status(stderr, terminal());
    const PublishResult r = publish(lib, o, out, [&](const PublishProgress& p) {
        if (p.story.empty()) return status.clear();
        if (p.encoding) std::fprintf(stderr, "Making the MP3 of \"%s\"\n", p.story.c_str());
        status.show("Publishing " + std::to_string(p.done + 1) + " of " + std::to_string(p.total) + ": " + p.story,
                    p.encoding);
    });
    status.clear();
    std::printf("Published %d stor%s to %s in %.1f s: %d new MP3%s made, %d reused; %d file%s written, %d kept, %d "
                "removed.\n",
                r.published, r.published == 1 ? "y" : "ies", r.out.c_str(), seconds_since(t0), r.encoded,
                r.encoded == 1 ? "" : "s", r.reused, r.files_written, r.files_written == 1 ? "" : "s", r.files_kept,
                r.files_removed);
    if (r.skipped)
        std::printf("%d shareable stor%s had no listening copy in the library and %s left out (see the warnings).\n",
                    r.skipped, r.skipped == 1 ? "y" : "ies", r.skipped == 1 ? "was" : "were");
    if (!r.secret_links.empty()) {
        std::printf("Secret pages (give each address only to the people its participants named):\n");
        for (const auto& l : r.secret_links) std::printf("  %sindex.html\n", l.c_str());
    }
    std::printf("Upload everything in %s to %s (the feed is %sfeed.xml).\n", r.out.c_str(), o.channel.base_url.c_str(),
                o.channel.base_url.c_str());
    return 0;
}

int cmd_publish_check(const Settings&, const std::filesystem::path& dir) {
    return print_problems(check_published(dir), dir.string(),
                          "The published folder " + dir.string() + " is in order: the feed follows the rules, every "
                          "file it names is there with its stated length, and every MP3 is at -16 LUFS.");
}

int cmd_export_bagit(const Settings& s, const std::filesystem::path& out, const std::vector<std::string>& ids,
                     bool shared_only) {
    auto lib = Library::open(library_dir(s), false);
    std::vector<LibraryStory> chosen;
    if (!ids.empty()) {
        std::set<std::pair<std::string, std::string>> seen;
        for (const auto& id : ids) {
            auto found = lib.find_stories(id);
            if (found.empty()) throw Error("no story in the library is called '" + id + "' (see 'storysync list')");
            if (found.size() > 1)
                throw Error("'" + id + "' names " + std::to_string(found.size()) +
                            " stories from different booths; give the story's id instead (see 'storysync list')");
            if (seen.insert({found[0].booth_id, found[0].id}).second) chosen.push_back(found[0]);
        }
        if (shared_only) {
            const auto before = chosen.size();
            chosen = shareable_stories(chosen);
            if (chosen.size() != before)
                std::fprintf(stderr, "%zu of the stories named are not shared with the community; left out (--shared).\n",
                             before - chosen.size());
        }
    } else {
        chosen = lib.stories();
        if (shared_only) chosen = shareable_stories(chosen);
    }
    if (chosen.empty()) throw Error(shared_only ? "no story in the library is shared with the community" : "the library has no stories");

    BagInfo info;
    info.source_organization = s.archive_organization;
    info.contact_email = s.archive_contact_email;
    info.external_description = s.archive_description;
    const auto t0 = std::chrono::steady_clock::now();
    StatusLine status(stderr, terminal());
    const BagResult r = write_bag(lib, chosen, out, info, [&](const BagProgress& p) {
        status.show("Bagging  " + bytes_of(p.bytes_done, p.bytes_total) + "  " + p.current_file);
    });
    status.clear();
    std::printf("Bag written: %s — %lld stor%s, %lld files, %s, in %.1f s.\n", r.bag.c_str(),
                static_cast<long long>(r.stories), r.stories == 1 ? "y" : "ies", static_cast<long long>(r.files),
                human_bytes(r.payload_bytes).c_str(), seconds_since(t0));
    if (s.archive_organization.empty() || s.archive_contact_email.empty())
        std::printf("Tip: set archive-organization and archive-contact-email in the config file so archives know "
                    "whose bag this is.\n");
    return 0;
}

int cmd_verify_bag(const Settings&, const std::filesystem::path& bag) {
    StatusLine status(stderr, terminal());
    auto problems = verify_bag(bag, [&](const BagProgress& p) {
        status.show("Checking  " + bytes_of(p.bytes_done, p.bytes_total) + "  " + p.current_file);
    });
    status.clear();
    return print_problems(problems, "the bag " + bag.string(),
                          "The bag " + bag.string() + " is complete and every checksum matches.");
}

}  // namespace sb::storysync
