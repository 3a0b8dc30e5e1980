#pragma once
// The podcast that `storysync publish` puts in the published folder: the RSS feed (RSS 2.0 with
// Apple's itunes, the Podcasting 2.0 podcast, atom and content namespaces), the JSON chapters of
// each story, the feed's podcast:guid, the artwork check, and a checker that reads a published
// folder back the way a podcast directory would and lists what is wrong with it.
//
// Which stories go in (consent: sb::feed::is_shareable), the media files and writing them to
// disk are the caller's; everything here is pure text in, text out, except the two checkers,
// which only read.
//
// Published folder layout the feed refers to (paths are the caller's; these are the defaults):
//   feed.xml  artwork.jpg  media/<id>.mp3  media/<id>.opus  chapters/<id>.json  stories/<id>/index.html
#include "catalog/catalog.hpp"
#include "common/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sb::storysync {

// The show, from the volunteer's config file.
struct Channel {
    std::string title, description, language = "en", author, owner_name, owner_email, copyright;
    std::string category = "Society & Culture", subcategory = "Documentary";  // Apple categories
    bool explicit_content = false, locked = true;
    std::string base_url;    // absolute http(s) URL where the folder is served (normalised to end in '/')
    std::string image_name;  // artwork file name inside the folder, e.g. "artwork.jpg"
};

// One story's published files; paths relative to the published folder ('/'-separated).
struct EpisodeFiles {
    std::string mp3, opus, chapters, page;  // opus, chapters and page may be empty (their tags are left out)
    std::uint64_t mp3_bytes = 0, opus_bytes = 0;
    double duration_s = 0;  // 0: taken from the story's duration_ms
};

struct Episode {
    sb::Story story;
    EpisodeFiles files;
};

// The feed's file name inside the published folder.
inline constexpr const char* kFeedFileName = "feed.xml";

// "https://example.org/stories" -> "https://example.org/stories/". Throws sb::Error unless the URL
// is absolute http:// or https:// with a host, and free of spaces, quotes, '<', '>', '?' and '#'.
std::string normalise_base_url(const std::string& url);

// The whole feed.xml, UTF-8, items in the order given (newest first is the caller's order).
// Text is escaped and characters XML cannot carry (control characters, invalid UTF-8) are
// dropped or replaced, so any title or name is safe. Episode descriptions (participants with
// role and relationship, the story's summary, keywords) are kept within Apple's 4000 bytes.
// Throws sb::Error with a sentence naming the field: a channel field the directories require is
// empty (title, description, language, author, owner name and email, category, image name), the
// base URL is not http(s), the build date is not ISO 8601, or a story has no id, the same id as
// another, no MP3 file or a bad created_at.
std::string feed_xml(const Channel&, const std::vector<Episode>& newest_first, const std::string& build_date_iso8601);

// Podcasting 2.0 JSON chapters, version "1.2.0": {"version","chapters":[{"startTime", "title"}]}
// from the story's markers in order of offset (startTime in seconds, fractions kept). When the
// first marker is later than 0 (or there is none) a first chapter at 0 carries the story's title.
std::string chapters_json(const sb::Story&);

// podcast:guid for a feed URL: the UUIDv5 (namespace ead4c236-bf58-58c6-a2c6-a6b28d128cb6) of the
// URL with its scheme ("https://") and trailing slashes removed, lower-case.
// "https://mp3s.nashownotes.com/pc20rss.xml" -> "917393e3-1b1e-5cef-ace4-edaa54e1f810".
std::string podcast_guid(const std::string& feed_url);

// "2026-12-01T10:00:00.123Z" -> "Tue, 01 Dec 2026 10:00:00 +0000". Accepts a date and time with
// optional fractions and Z or a numeric offset (converted to UTC). Throws sb::Error otherwise.
std::string rfc2822_date(const std::string& iso8601);

struct Artwork {
    int width = 0, height = 0;
    std::string mime;  // "image/jpeg" or "image/png"
};
// Reads the size of a PNG (IHDR) or JPEG (SOF marker) from its header. Throws sb::Error with a
// sentence naming the file and the requirement: missing or unreadable, not a JPEG or PNG, a name
// whose extension does not match its type, not RGB, not square, or outside 1400..3000 pixels
// ("artwork must be square, 1400 to 3000 pixels on a side (Apple Podcasts); artwork.png is 1200x1200").
Artwork check_artwork(const std::filesystem::path&);

// Reads DIR/feed.xml back (libxml2: well-formed, namespaces) and checks what directories require:
// the channel's tags, each item's tags, that every enclosure, alternate enclosure, chapters file
// and the artwork under the channel's link (its base URL) is a file in DIR of the declared byte
// length, that chapters files are valid 1.2.0 JSON with ascending startTime >= 0, that item guids
// and enclosure URLs are unique, and that podcast:guid belongs to the atom:link self URL.
// Returns the problems as plain sentences naming the item or file; empty when all is well.
std::vector<std::string> check_feed_folder(const std::filesystem::path& dir);

}  // namespace sb::storysync
