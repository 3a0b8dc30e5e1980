#pragma once
// The storysync commands. Each returns the exit code (0 when everything worked) and throws
// sb::Error (or another std::exception) with one line for main() to print.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sb::storysync {

// What every command shares: the flags/config keys of the program itself.
struct Settings {
    std::filesystem::path library;      // empty: default_library_dir()
    std::filesystem::path tokens_file;  // empty: default_tokens_file()
    int timeout_seconds = 20;
    std::uint64_t rate_limit = 0;       // bytes per second, 0: unlimited

    // publish: the podcast channel and the site (config keys base-url, podcast-*)
    std::string base_url;               // where the published folder is served, e.g. https://library.example.org/stories/
    std::string podcast_title = "Stories from the library";
    std::string podcast_description = "Stories recorded by visitors in the library's story booth.";
    std::string podcast_author, podcast_owner_name, podcast_email, podcast_copyright;
    std::string podcast_language = "en";
    std::string podcast_category = "Society & Culture", podcast_subcategory = "Documentary";
    bool podcast_explicit = false;
    bool podcast_locked = true;
    std::filesystem::path podcast_artwork;  // square PNG or JPEG, 1400-3000 px

    // export --bagit: bag-info.txt (config keys archive-*)
    std::string archive_organization, archive_contact_email;
    std::string archive_description = "Oral history recordings from a library story booth, with consent records.";
};

// The library folder these settings name (the default one when none is given).
std::filesystem::path library_dir(const Settings& s);

int cmd_pair(const Settings& s, const std::string& url, const std::string& code, const std::string& host_name);
int cmd_booths(const Settings& s, bool json);
int cmd_unpair(const Settings& s, const std::string& name);
// `what`: booth names, or paths of USB exports; empty: every paired booth.
int cmd_pull(const Settings& s, const std::vector<std::string>& what);
int cmd_list(const Settings& s, const std::string& booth, const std::string& share, const std::string& text, bool json);
int cmd_show(const Settings& s, const std::string& id_or_code, bool json);
int cmd_verify(const Settings& s);

// publish --out DIR [--base-url URL]: the feed and site of every shareable story (publish/publish.hpp).
int cmd_publish(const Settings& s, const std::filesystem::path& out);
// publish --check DIR: every problem with a published folder; 1 when there is any.
int cmd_publish_check(const Settings& s, const std::filesystem::path& dir);
// export --bagit OUT [--story ID...] [--all|--shared]: a BagIt bag of those stories.
int cmd_export_bagit(const Settings& s, const std::filesystem::path& out, const std::vector<std::string>& stories,
                     bool shared_only);
// export --verify BAG: every problem with a bag; 1 when there is any.
int cmd_verify_bag(const Settings& s, const std::filesystem::path& bag);

}  // namespace sb::storysync
