#pragma once
// storysync's settings as options: the flags that are also config-file keys, and the config file
// itself (--config), read by CLI11. The program and the tests of its config file build them the
// same way from here.
#include "storysync/commands.hpp"
#include "storysync/config.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>

namespace sb::storysync {

// Adds --config (default `config_file`) and every setting's option, bound to `s`, to `app`.
inline void add_settings_options(CLI::App& app, Settings& s, const std::filesystem::path& config_file) {
    app.allow_config_extras(false);  // an unknown key in the config file is an error, not silence
    // A value is the whole rest of its line ("podcast-title = Voices of Springfield"), never a
    // list split at spaces or commas: no storysync key takes several values.
    app.get_config_formatter_base()->arrayBounds('\x01', '\x02')->arrayDelimiter('\x03');

    app.set_config("--config", config_file.string(),
                   "Config file: the same keys as these flags (default: " + config_file.string() +
                       "; storysync --print-config shows every key)");
    app.add_option("--library", s.library, "Library folder (default: " + default_library_dir().string() + ")");
    app.add_option("--timeout", s.timeout_seconds, "Seconds to wait for a booth before giving up")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    // For testing and throttling; documented in the config file and the volunteer guide.
    app.add_option("--rate-limit", s.rate_limit, "Pace transfers to at most BYTES_PER_S (0: unlimited)")->group("");
    // Publishing (storysync publish): the podcast channel and the site. Also config-file keys.
    const char* pub = "Publishing (also config-file keys)";
    app.add_option("--base-url", s.base_url, "Web address the published folder is served from, e.g. https://library.example.org/stories/")->group(pub);
    app.add_option("--podcast-title", s.podcast_title, "The podcast's and the website's title")->group(pub)->capture_default_str();
    app.add_option("--podcast-description", s.podcast_description, "What the podcast is, in a sentence or two")->group(pub);
    app.add_option("--podcast-author", s.podcast_author, "Who makes it, e.g. the library's name (default: the title)")->group(pub);
    app.add_option("--podcast-owner-name", s.podcast_owner_name, "Contact name for podcast directories (default: the author)")->group(pub);
    app.add_option("--podcast-email", s.podcast_email, "Contact email for podcast directories (not shown to listeners by most apps)")->group(pub);
    app.add_option("--podcast-language", s.podcast_language, "Language of the podcast, e.g. en or es")->group(pub)->capture_default_str();
    app.add_option("--podcast-category", s.podcast_category, "Apple Podcasts category")->group(pub)->capture_default_str();
    app.add_option("--podcast-subcategory", s.podcast_subcategory, "Apple Podcasts subcategory (empty: none)")->group(pub)->capture_default_str();
    app.add_option("--podcast-explicit", s.podcast_explicit, "Whether episodes are marked explicit (true/false)")->group(pub)->capture_default_str();
    app.add_option("--podcast-locked", s.podcast_locked, "Ask podcast hosts not to import the feed elsewhere (true/false)")->group(pub)->capture_default_str();
    app.add_option("--podcast-copyright", s.podcast_copyright, "Copyright line for the feed")->group(pub);
    app.add_option("--podcast-artwork", s.podcast_artwork, "Square PNG or JPEG, 1400 to 3000 pixels on a side")->group(pub);
    const char* arc = "Archives (also config-file keys)";
    app.add_option("--archive-organization", s.archive_organization, "Source-Organization in a bag's bag-info.txt")->group(arc);
    app.add_option("--archive-contact-email", s.archive_contact_email, "Contact-Email in a bag's bag-info.txt")->group(arc);
    app.add_option("--archive-description", s.archive_description, "External-Description in a bag's bag-info.txt")->group(arc)->capture_default_str();
}

}  // namespace sb::storysync
