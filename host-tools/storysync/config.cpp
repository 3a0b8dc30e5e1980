#include "storysync/config.hpp"

#include "common/error.hpp"

#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

namespace sb::storysync {

namespace {

std::filesystem::path home_dir() {
    if (const char* h = std::getenv("HOME"); h && *h) return h;
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir) return pw->pw_dir;
    throw Error("cannot tell this user's home folder: set HOME, or give --library");
}

// $VAR when it is an absolute path (the XDG rule), else HOME/fallback.
std::filesystem::path xdg(const char* var, const char* fallback) {
    if (const char* v = std::getenv(var); v && *v == '/') return v;
    return home_dir() / fallback;
}

}  // namespace

std::filesystem::path default_library_dir() {
#ifdef __APPLE__
    return home_dir() / "Library" / "Application Support" / "storysync";
#else
    return xdg("XDG_DATA_HOME", ".local/share") / "storysync";
#endif
}

std::filesystem::path default_config_dir() {
#ifdef __APPLE__
    return home_dir() / "Library" / "Application Support" / "storysync";
#else
    return xdg("XDG_CONFIG_HOME", ".config") / "storysync";
#endif
}

std::filesystem::path default_config_file() { return default_config_dir() / "storysync.conf"; }
std::filesystem::path default_tokens_file() { return default_config_dir() / "tokens.json"; }

std::string default_config_text() {
    return R"(# storysync.conf — settings for storysync, the volunteer's tool that pulls stories off booths.
#
# storysync reads this file from the user config folder ($XDG_CONFIG_HOME/storysync/storysync.conf,
# else ~/.config/storysync/storysync.conf; on macOS ~/Library/Application Support/storysync/), or
# the file given with --config FILE. Every key is also a flag with the same name (--library ...);
# a flag on the command line wins over this file. Lines starting with '#' are comments.
# Write this file out with: storysync --print-config > ~/.config/storysync/storysync.conf

# Where the library lives: the stories pulled from every booth and the catalog that lists them.
# Default: $XDG_DATA_HOME/storysync, else ~/.local/share/storysync
# (macOS: ~/Library/Application Support/storysync).
# library = /home/maria/storysync-library

# Seconds to wait for a booth to answer (to connect, and between parts of an answer) before
# calling it unreachable or the transfer interrupted. Default: 20.
# timeout = 20

# Pace transfers to at most this many bytes per second, e.g. to leave the library's network to
# others, or for testing. 0 means as fast as possible. Default: 0.
# rate-limit = 0

# ---- Publishing: storysync publish --out FOLDER ----
# Only stories whose every participant chose to share them are published. Upload the folder's
# contents to the web address below; the podcast feed is then BASE-URL/feed.xml.

# Web address the published folder is served from (required to publish).
# base-url = https://library.example.org/stories/

# The podcast's and the website's title, and a sentence or two about it.
# podcast-title = Stories from the library
# podcast-description = Stories recorded by visitors in the library's story booth.

# Who makes it (default: the title), and the contact podcast directories use.
# podcast-author = Springfield Public Library
# podcast-owner-name = Maria Lopez
# podcast-email = stories@library.example.org

# Language (en, es, ...), Apple Podcasts category and subcategory, explicit (true/false).
# podcast-language = en
# podcast-category = Society & Culture
# podcast-subcategory = Documentary
# podcast-explicit = false

# Ask podcast hosts not to import this feed into another account (true/false). Default: true.
# podcast-locked = true

# Copyright line for the feed. Default: none.
# podcast-copyright = (c) 2026 Springfield Public Library

# Artwork: a square PNG or JPEG, 1400 to 3000 pixels on a side (Apple Podcasts' rule). Required.
# podcast-artwork = /home/maria/booth-artwork.png

# ---- Archives: storysync export --bagit FOLDER ----
# Written into every bag's bag-info.txt.
# archive-organization = Springfield Public Library
# archive-contact-email = archives@library.example.org
# archive-description = Oral history recordings from a library story booth, with consent records.

# The pairing tokens are kept in tokens.json beside this file, readable by you only (mode 0600).
# They are not a setting: 'storysync pair' and 'storysync unpair' manage them.
)";
}

std::string this_host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "laptop";
    return buf;
}

}  // namespace sb::storysync
