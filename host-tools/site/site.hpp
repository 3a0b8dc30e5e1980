#pragma once
// The static site that `storysync publish` writes: an index of every published story (newest
// first, with a search that runs in the browser) and one page per story (player, chapters,
// description, people, keywords, downloads). Everything here returns strings; the caller
// decides which stories are shown, copies the media and writes the files.
//
// The pages are plain files that work from any web host and from file:// — classic scripts,
// no fetch(), every link relative and naming an explicit index.html, nothing requested from
// anywhere else (a Content-Security-Policy in every page forbids it). All text from stories is
// escaped; text that may be in any script (titles, names, keywords) carries dir="auto".
//
// Layout the caller writes (paths relative to the site's root folder):
//   index.html              index_html()
//   assets/site.css         site_css()
//   assets/site.js          site_js()
//   <page.path>index.html   story_html() for each page (e.g. stories/<id>/, s/<secret>/)
//   <page.mp3>, <page.opus> the audio, wherever the page says
//   <info.feed>, <info.image>
#include "catalog/catalog.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sb::storysync {

struct SiteInfo {
    std::string title;               // the site's name ("" shows "Stories")
    std::string description;         // one paragraph under the title on the index
    std::string language = "en";     // the pages' own words: "es…" gives Spanish, anything else English
    std::string feed = "feed.xml";   // the podcast feed, relative to the root ("" hides the link)
    std::string image;               // artwork file at the root, or "" for none
};

struct SitePage {
    sb::Story story;
    std::string path;                // the page's folder relative to the root, ending in '/'
    std::string mp3, opus;           // audio paths relative to the root ("" when there is none)
    std::uint64_t mp3_bytes = 0, opus_bytes = 0;
    bool secret = false;             // unlisted: noindex, nofollow; says so on the page
};

// The index: `listed` in the order given (the caller passes them newest first), each linked
// to its page, and the search data embedded as JSON for assets/site.js. Throws sb::Error if
// a page is secret (secret pages are never listed) or a path is not a plain relative path.
std::string index_html(const SiteInfo& info, const std::vector<SitePage>& listed);

// One story's page, to be written as <page.path>index.html. Links (to the index, the feed,
// the stylesheet, the script and the audio) are relative to that folder. Throws sb::Error if
// page.path is not a relative folder path ending in '/' (no "..", ".", "//", '\\' or
// leading '/'), or an audio path is not such a path to a file. Other characters in paths
// ('#', '?', spaces, non-ASCII) are allowed and percent-encoded in the links.
std::string story_html(const SiteInfo& info, const SitePage& page);

// The stylesheet and the script every page links, to be written to assets/site.css and
// assets/site.js. They are host-tools/site/assets/ built into the program.
std::string site_css();
std::string site_js();

}  // namespace sb::storysync
