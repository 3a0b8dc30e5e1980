#pragma once
// Archive packages: stories from the volunteer's library written as a BagIt 1.0 bag (RFC 8493),
// the form archives and libraries take in and check with their own tools, and the check of such
// a bag (`storysync export --bagit OUT`, `storysync export --verify BAG`; see docs/archives.md).
//
//   OUT/bagit.txt                 "BagIt-Version: 1.0" and "Tag-File-Character-Encoding: UTF-8"
//   OUT/bag-info.txt              Source-Organization, Contact-Email, External-Description,
//                                 Bagging-Date, External-Identifier (one per story), Payload-Oxum, Bag-Size
//   OUT/manifest-sha256.txt       "<checksum> data/<path>" for every payload file
//   OUT/manifest-sha512.txt
//   OUT/tagmanifest-sha256.txt    bagit.txt, bag-info.txt and both manifests
//   OUT/tagmanifest-sha512.txt
//   OUT/data/<booth code>/<story code>_<first 8 of story id>/master.flac, story.opus, metadata.json
//
// A bag is written whole or not at all: everything goes into a hidden folder beside OUT (same
// file system), is fsynced, and is renamed to OUT only at the end.
#include "library/library.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::storysync {

struct BagInfo {
    std::string source_organization;   // e.g. "Riverside Public Library"; omitted when empty
    std::string contact_email;         // omitted when empty
    std::string external_description;  // omitted when empty
};

struct BagProgress {
    std::uint64_t bytes_done = 0, bytes_total = 0;
    std::string current_file;          // the bag-relative path being copied or checked
};

struct BagResult {
    std::filesystem::path bag;
    std::int64_t stories = 0, files = 0;   // files: payload files, metadata.json included
    std::uint64_t payload_bytes = 0;
};

// Writes a complete bag of `stories` at `out`, which must not exist; its parent folder must.
// Each story's files are copied from the library with SHA-256 and SHA-512 computed from the same
// read; a file whose size or SHA-256 differs from the library's record is an error naming the
// story and the file. The stories' metadata.json carry the story as pulled from the booth (every
// catalog field, participants and their consents) plus the booth and each file's checksums.
// Throws sb::Error with one plain sentence (out exists, not enough space, a damaged or unreadable
// library file, a write error; IoError::disk_full() for a full disk or a file-size limit). On any
// failure neither `out` nor the hidden temporary folder remains. `progress` is called after each
// block copied (from the calling thread).
BagResult write_bag(const Library& lib, const std::vector<LibraryStory>& stories, const std::filesystem::path& out,
                    const BagInfo& info, const std::function<void(const BagProgress&)>& progress = {});

// Every problem with the bag at `bag`, as plain sentences naming the file (empty: the bag is
// valid): bagit.txt (version 1.0 or 0.97, UTF-8), bag-info.txt's form and Payload-Oxum, each
// payload manifest (sha256 and sha512 are checked; other algorithms' manifests are skipped, with
// a log line) listing every file under data/ ("extra file") and each listed file present
// ("missing file") with a matching checksum, and each tag manifest's files present and matching.
// Every file is read once, whatever the number of manifests.
std::vector<std::string> verify_bag(const std::filesystem::path& bag,
                                    const std::function<void(const BagProgress&)>& progress = {});

// The stories of `stories` that may go in a `--shared` bag: sb::feed::is_shareable() of the story
// as last pulled (a story whose record cannot be read is left out).
std::vector<LibraryStory> shareable_stories(const std::vector<LibraryStory>& stories);

// A path as a manifest line carries it: CR, LF and '%' percent-encoded (RFC 8493 §2.1.3), and
// back (only %0A, %0D and %25 are decoded, any case).
std::string encode_manifest_path(std::string_view path);
std::string decode_manifest_path(std::string_view path);

// "0 bytes", "512 bytes", "1.5 KB", "2.1 GB" (powers of 1000): Bag-Size.
std::string human_size(std::uint64_t bytes);

}  // namespace sb::storysync
