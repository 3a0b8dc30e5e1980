#pragma once
// `storysync publish`: the library's shareable stories as a podcast feed and a static site, in
// one folder ready to upload to any web host.
//
// Consent is the law: a story is published only when sb::feed::is_shareable() says every
// participant chose to share it (a withdrawal on the booth removes it from the library at the
// next pull, and so from the folder at the next publish). A private story gets a page only when
// a librarian made it a secret link on the booth (sb::feed::has_secret_page): at s/<link>/,
// marked noindex, absent from the index, the feed and the sitemap.
//
//   OUT/feed.xml                     RSS 2.0 + itunes + podcast + atom (host-tools/podcast)
//   OUT/index.html, assets/          the site's index with search, its CSS and JS (host-tools/site)
//   OUT/stories/<id>/index.html      a page per published story
//   OUT/media/<id>-<key>.mp3|.opus   the enclosures; <key> changes whenever the bytes do
//   OUT/chapters/<id>-<key>.json     Podcasting 2.0 chapters from the markers
//   OUT/artwork.<png|jpg>            the channel's artwork, from the config
//   OUT/sitemap.xml, robots.txt      public pages only
//   OUT/s/index.html                 an empty page, so a host's folder listing shows no links
//   OUT/s/<link>/index.html, story.mp3, story.opus   secret pages
//   OUT/.storysync-publish.json      what this tool wrote here (and nothing else is ever removed)
//
// Incremental and atomic: MP3s are made once per listening copy (a cache in the library keyed by
// the Opus file's SHA-256) and re-tagged without re-encoding when only the words change; a file
// whose bytes are unchanged is not rewritten; every file is written to a temporary name, fsynced
// and renamed. New media get new names, so the old feed.xml stays valid until the new one
// replaces it (written last but one); files no longer needed are removed only after that, and
// the record of what is here is written first with old and new files both listed, so a publish
// that is interrupted leaves the old site whole and the next publish tidies up.
#include "library/library.hpp"
#include "podcast/podcast.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace sb::storysync {

struct PublishOptions {
    Channel channel;                  // base_url must be an absolute http(s) address
    std::filesystem::path artwork;    // the channel's square PNG or JPEG, 1400-3000 px
};

struct PublishProgress {
    int done = 0, total = 0;          // stories
    std::string story;                // the story being worked on (its title or code)
    bool encoding = false;            // its MP3 is being made (slow) rather than reused
};

struct PublishResult {
    std::filesystem::path out;
    int published = 0;                // stories in the feed and the index
    int secret = 0;                   // secret pages
    int encoded = 0;                  // MP3s made this time
    int reused = 0;                   // MP3s taken from the cache
    int files_written = 0, files_kept = 0, files_removed = 0;
    int skipped = 0;                  // shareable stories without a listening copy in the library
    std::vector<std::string> secret_links;  // full addresses of the secret pages
};

// Publishes the library's stories into `out` (created when missing; an existing folder must be
// empty or one this tool published before). Throws sb::Error with a plain sentence: bad base
// URL, artwork not meeting the rules (naming the rule), a damaged listening copy, a full disk.
PublishResult publish(const Library& library, const PublishOptions& options, const std::filesystem::path& out,
                      const std::function<void(const PublishProgress&)>& progress = {});

// Everything wrong with a published folder, one sentence each (empty: all is well): the feed's
// rules and files (check_feed_folder), and the loudness of every MP3 (-16 LUFS +-1 LU, true peak
// at most -1 dBTP).
std::vector<std::string> check_published(const std::filesystem::path& dir);

// The cache of untagged MP3s inside the library (LIBRARY/.cache/mp3).
std::filesystem::path mp3_cache_dir(const Library& library);

}  // namespace sb::storysync
