// BagIt archive packages from the library: a written bag verifies (and its manifests agree with
// coreutils' sha256sum/sha512sum), carries each story's files and metadata with consents, and
// every kind of damage (a flipped byte, a missing file, an extra file, an edited tag file, a wrong
// Payload-Oxum) is reported; a bag is complete or absent, whatever fails on the way.
#include "bagit/bagit.hpp"
#include "common/error.hpp"
#include "common/hash.hpp"
#include "common/ids.hpp"
#include "feed/feed.hpp"
#include "library/library.hpp"
#include "support/support.hpp"

#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sb::storysync;
using sbtest::TempDir;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string bytes(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : s) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x);
    }
    return s;
}

void write(const fs::path& p, const std::string& data) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << data;
}

sb::Participant person(const std::string& name, const std::string& choice) {
    sb::Participant p;
    p.name = name;
    p.role = "storyteller";
    p.consent = sb::Consent{"release-2026-03", choice, name, "", "2026-11-26T10:00:05Z"};
    return p;
}

struct Lib {
    TempDir t;
    Library lib = Library::open(t / "lib", false);

    BoothRecord add_booth(const std::string& name, const std::string& code) {
        BoothRecord b;
        b.id = sb::new_uuid();
        b.name = name;
        b.code = code;
        lib.save_booth(b);
        return b;
    }

    // A story with a listening copy and a master of the given sizes, committed as a pull would.
    sb::Story add_story(const BoothRecord& b, const std::string& code, const std::string& title,
                        std::vector<sb::Participant> people = {person("Ana", "private")},
                        const std::string& share = "private", std::size_t opus = 3000, std::size_t flac = 9000) {
        sb::Story s;
        s.id = sb::new_uuid();
        s.code = code;
        s.state = "complete";
        s.title = title;
        s.description = "Told at the harvest fair";
        s.share_level = share;
        s.language = "en";
        s.created_at = "2026-11-26T10:00:00Z";
        s.duration_ms = 61000;
        s.participants = std::move(people);
        s.questions = {"What did the river look like?"};
        s.keywords = {"river", "harvest"};
        static unsigned seed = 1;
        const std::string o = bytes(opus, seed++), f = bytes(flac, seed++);
        write(lib.file_path(b.id, s.id, "story.opus"), o);
        write(lib.file_path(b.id, s.id, "master.flac"), f);
        s.files = {{"listening", "stories/" + s.id + "/story.opus", o.size(), sb::sha256_hex(o)},
                   {"master", "stories/" + s.id + "/master.flac", f.size(), sb::sha256_hex(f)}};
        lib.commit_story(b.id, s, sb::feed::story_to_json(s).dump());
        return s;
    }
};

BagInfo info() { return {"Riverside Public Library", "stories@example.org", "Oral histories from the fair"}; }

// Every file under the bag's data/, as "data/..." paths.
std::map<std::string, std::uint64_t> payload(const fs::path& bag) {
    std::map<std::string, std::uint64_t> out;
    for (const auto& e : fs::recursive_directory_iterator(bag / "data"))
        if (e.is_regular_file()) out[e.path().lexically_relative(bag).generic_string()] = e.file_size();
    return out;
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += x + "\n";
    return s;
}

bool any_mentions(const std::vector<std::string>& problems, const std::vector<std::string>& words) {
    for (const auto& p : problems) {
        bool all = true;
        for (const auto& w : words) all = all && p.find(w) != std::string::npos;
        if (all) return true;
    }
    return false;
}

// Rewrites the tag manifests after a test changed a tag file on purpose.
void rehash_tag_files(const fs::path& bag) {
    std::string t256, t512;
    for (const char* name : {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"}) {
        const std::string text = sbtest::slurp_file(bag / name);
        t256 += sb::sha256_hex(text) + " " + name + "\n";
        t512 += sb::sha512_hex(text) + " " + name + "\n";
    }
    write(bag / "tagmanifest-sha256.txt", t256);
    write(bag / "tagmanifest-sha512.txt", t512);
}

std::vector<std::string> entries_of(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST(Bagit, AWrittenBagVerifiesWithExactBagitTxtPayloadOxumAndOneIdentifierPerStory) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    const auto s1 = l.add_story(b, "MAIN-0001", "River days");
    const auto s2 = l.add_story(b, "MAIN-0002", "Factory years");
    const fs::path out = l.t / "bag";
    const auto r = write_bag(l.lib, l.lib.stories(), out, info());
    EXPECT_EQ(r.bag, out);
    EXPECT_EQ(r.stories, 2);
    EXPECT_EQ(r.files, 6);

    EXPECT_EQ(sbtest::slurp_file(out / "bagit.txt"), "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
    const auto files = payload(out);
    ASSERT_EQ(files.size(), 6u);
    std::uint64_t total = 0;
    for (const auto& [p, size] : files) total += size;
    EXPECT_EQ(r.payload_bytes, total);

    const std::string bag_info = sbtest::slurp_file(out / "bag-info.txt");
    EXPECT_NE(bag_info.find("Payload-Oxum: " + std::to_string(total) + ".6\n"), std::string::npos) << bag_info;
    EXPECT_NE(bag_info.find("Source-Organization: Riverside Public Library\n"), std::string::npos);
    EXPECT_NE(bag_info.find("Contact-Email: stories@example.org\n"), std::string::npos);
    EXPECT_NE(bag_info.find("External-Description: Oral histories from the fair\n"), std::string::npos);
    EXPECT_NE(bag_info.find("External-Identifier: storybooth:" + b.id + ":" + s1.id + "\n"), std::string::npos);
    EXPECT_NE(bag_info.find("External-Identifier: storybooth:" + b.id + ":" + s2.id + "\n"), std::string::npos);
    EXPECT_TRUE(std::regex_search(bag_info, std::regex("\nBagging-Date: \\d{4}-\\d{2}-\\d{2}\n"))) << bag_info;
    EXPECT_TRUE(std::regex_search(bag_info, std::regex("\nBag-Size: [0-9.]+ KB\n"))) << bag_info;

    const auto problems = verify_bag(out);
    EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(Bagit, ManifestsAgreeWithCoreutilsAndListEveryPayloadFileAndTagFile) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    l.add_story(b, "MAIN-0001", "River days");
    const fs::path out = l.t / "bag";
    write_bag(l.lib, l.lib.stories(), out, info());

    for (const std::string alg : {"sha256", "sha512"}) {
        const auto files = payload(out);
        const auto lines = sbtest::slurp_file(out / ("manifest-" + alg + ".txt"));
        std::istringstream in(lines);
        std::string line;
        std::size_t n = 0;
        while (std::getline(in, line)) {
            const auto sp = line.find(' ');
            ASSERT_NE(sp, std::string::npos);
            const std::string sum = line.substr(0, sp), path = line.substr(sp + 1);
            EXPECT_TRUE(files.count(path)) << path;
            // An independent checksum of the same file.
            const auto r = sbtest::run(alg + "sum " + sbtest::q((out / path).string()));
            ASSERT_EQ(r.exit_code, 0);
            EXPECT_EQ(r.out.substr(0, r.out.find(' ')), sum) << path;
            ++n;
        }
        EXPECT_EQ(n, files.size());

        const std::string tags = sbtest::slurp_file(out / ("tagmanifest-" + alg + ".txt"));
        for (const std::string name : {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"}) {
            const auto r = sbtest::run("cd " + sbtest::q(out.string()) + " && " + alg + "sum " + name);
            ASSERT_EQ(r.exit_code, 0);
            EXPECT_NE(tags.find(r.out.substr(0, r.out.find(' ')) + " " + name + "\n"), std::string::npos) << name;
        }
        EXPECT_EQ(tags.find("tagmanifest"), std::string::npos);
    }
}

TEST(Bagit, EachStoryHasItsFilesAndMetadataWithConsentsBoothAndBothChecksums) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    const auto s = l.add_story(b, "MAIN-0007", "River days", {person("Ana", "community"), person("Luis", "private")});
    const fs::path out = l.t / "bag";
    write_bag(l.lib, l.lib.stories(), out, info());

    const fs::path dir = out / "data" / "MAIN" / ("MAIN-0007_" + s.id.substr(0, 8));
    EXPECT_EQ(entries_of(dir), (std::vector<std::string>{"master.flac", "metadata.json", "story.opus"}));
    EXPECT_EQ(sbtest::slurp_file(dir / "master.flac"), sbtest::slurp_file(l.lib.file_path(b.id, s.id, "master.flac")));
    EXPECT_EQ(sbtest::slurp_file(dir / "story.opus"), sbtest::slurp_file(l.lib.file_path(b.id, s.id, "story.opus")));

    const json m = json::parse(sbtest::slurp_file(dir / "metadata.json"));
    EXPECT_EQ(m["id"], s.id);
    EXPECT_EQ(m["code"], "MAIN-0007");
    EXPECT_EQ(m["title"], "River days");
    EXPECT_EQ(m["description"], "Told at the harvest fair");
    EXPECT_EQ(m["keywords"], json::array({"river", "harvest"}));
    EXPECT_EQ(m["booth"]["id"], b.id);
    EXPECT_EQ(m["booth"]["name"], "Main library");
    EXPECT_EQ(m["booth"]["code"], "MAIN");
    ASSERT_EQ(m["participants"].size(), 2u);
    EXPECT_EQ(m["participants"][0]["name"], "Ana");
    EXPECT_EQ(m["participants"][0]["consent"]["release_version"], "release-2026-03");
    EXPECT_EQ(m["participants"][0]["consent"]["choice"], "community");
    EXPECT_EQ(m["participants"][0]["consent"]["typed_name"], "Ana");
    EXPECT_EQ(m["participants"][0]["consent"]["agreed_at"], "2026-11-26T10:00:05Z");
    EXPECT_EQ(m["participants"][1]["consent"]["choice"], "private");
    ASSERT_EQ(m["files"].size(), 2u);
    for (const auto& f : m["files"]) {
        const std::string data = sbtest::slurp_file(out / f["path"].get<std::string>());
        EXPECT_EQ(f["size"], data.size());
        EXPECT_EQ(f["sha256"], sb::sha256_hex(data));
        EXPECT_EQ(f["sha512"], sb::sha512_hex(data));
    }
    EXPECT_EQ(m["files"][0]["name"], "master.flac");
    // The metadata survives as the booth's own STORY, readable by the same parser.
    EXPECT_EQ(sb::feed::story_from_json(m).participants[0].consent->release_version, "release-2026-03");
}

TEST(Bagit, AFlippedByteIsReportedNamingTheFileAndBothDigests) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    const auto s = l.add_story(b, "MAIN-0001", "River days");
    const fs::path out = l.t / "bag";
    write_bag(l.lib, l.lib.stories(), out, info());
    const std::string rel = "data/MAIN/MAIN-0001_" + s.id.substr(0, 8) + "/master.flac";
    std::string data = sbtest::slurp_file(out / rel);
    data[4000] = static_cast<char>(data[4000] ^ 0x01);
    write(out / rel, data);

    const auto problems = verify_bag(out);
    EXPECT_TRUE(any_mentions(problems, {rel, "SHA-256", "manifest-sha256.txt"})) << joined(problems);
    EXPECT_TRUE(any_mentions(problems, {rel, "SHA-512", "manifest-sha512.txt"})) << joined(problems);
    EXPECT_EQ(problems.size(), 2u) << joined(problems);  // size unchanged: Payload-Oxum still holds
}

TEST(Bagit, AMissingFileIsReported) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    const auto s = l.add_story(b, "MAIN-0001", "River days");
    const fs::path out = l.t / "bag";
    write_bag(l.lib, l.lib.stories(), out, info());
    const std::string rel = "data/MAIN/MAIN-0001_" + s.id.substr(0, 8) + "/story.opus";
    fs::remove(out / rel);

    const auto problems = verify_bag(out);
    EXPECT_TRUE(any_mentions(problems, {"missing file " + rel})) << joined(problems);
    EXPECT_TRUE(any_mentions(problems, {"Payload-Oxum"})) << joined(problems);
}

TEST(Bagit, AnExtraFileInDataIsReported) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    l.add_story(b, "MAIN-0001", "River days");
    const fs::path out = l.t / "bag";
    write_bag(l.lib, l.lib.stories(), out, info());
    write(out / "data" / "MAIN" / "notes.txt", "added later");

    const auto problems = verify_bag(out);
    EXPECT_TRUE(any_mentions(problems, {"extra file data/MAIN/notes.txt"})) << joined(problems);
}

TEST(Bagit, AnEditedTagFileIsReportedByTheTagManifests) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    l.add_story(b, "MAIN-0001", "River days");
    const fs::path out = l.t / "bag";
    write_bag(l.lib, l.lib.stories(), out, info());
    std::string text = sbtest::slurp_file(out / "bag-info.txt");
    text.replace(text.find("Riverside"), 9, "Lakeside!");
    write(out / "bag-info.txt", text);

    const auto problems = verify_bag(out);
    EXPECT_TRUE(any_mentions(problems, {"bag-info.txt", "tagmanifest-sha256.txt"})) << joined(problems);
    EXPECT_TRUE(any_mentions(problems, {"bag-info.txt", "tagmanifest-sha512.txt"})) << joined(problems);
}

TEST(Bagit, AWrongPayloadOxumOrBagitVersionIsReportedEvenWithMatchingTagManifests) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    l.add_story(b, "MAIN-0001", "River days");
    const fs::path out = l.t / "bag";
    const auto r = write_bag(l.lib, l.lib.stories(), out, info());
    std::string text = sbtest::slurp_file(out / "bag-info.txt");
    const std::string oxum = "Payload-Oxum: " + std::to_string(r.payload_bytes) + ".3";
    ASSERT_NE(text.find(oxum), std::string::npos);
    text.replace(text.find(oxum), oxum.size(), "Payload-Oxum: " + std::to_string(r.payload_bytes + 1) + ".3");
    write(out / "bag-info.txt", text);
    write(out / "bagit.txt", "BagIt-Version: 2.0\nTag-File-Character-Encoding: UTF-8\n");
    rehash_tag_files(out);

    const auto problems = verify_bag(out);
    EXPECT_TRUE(any_mentions(problems, {"Payload-Oxum", std::to_string(r.payload_bytes + 1)})) << joined(problems);
    EXPECT_TRUE(any_mentions(problems, {"bagit.txt", "2.0"})) << joined(problems);
    EXPECT_EQ(problems.size(), 2u) << joined(problems);
}

TEST(Bagit, AFolderThatIsNotABagIsReported) {
    TempDir t;
    fs::create_directories(t / "x" / "data");
    EXPECT_TRUE(any_mentions(verify_bag(t / "x"), {"bagit.txt is missing"}));
    EXPECT_TRUE(any_mentions(verify_bag(t / "nothing"), {"is not a folder"}));
}

TEST(Bagit, PathsWithPercentSignsAndLineBreaksAreEncodedInManifests) {
    EXPECT_EQ(encode_manifest_path("data/a%b\nc\rd.txt"), "data/a%25b%0Ac%0Dd.txt");
    EXPECT_EQ(decode_manifest_path("data/a%25b%0ac%0Dd.txt"), "data/a%b\nc\rd.txt");
    EXPECT_EQ(decode_manifest_path("data/100%"), "data/100%");

    // A bag from another tool with such a name verifies.
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    l.add_story(b, "MAIN-0001", "River days");
    const fs::path out = l.t / "bag";
    auto r = write_bag(l.lib, l.lib.stories(), out, info());
    const std::string name = "data/odd 100%\nname.txt", content = "notes";
    write(out / name, content);
    std::ofstream(out / "manifest-sha256.txt", std::ios::app) << sb::sha256_hex(content) << "  " << encode_manifest_path(name) << "\n";
    std::ofstream(out / "manifest-sha512.txt", std::ios::app) << sb::sha512_hex(content) << "\t" << encode_manifest_path(name) << "\n";
    std::string text = sbtest::slurp_file(out / "bag-info.txt");
    const std::string oxum = "Payload-Oxum: " + std::to_string(r.payload_bytes) + ".3";
    text.replace(text.find(oxum), oxum.size(), "Payload-Oxum: " + std::to_string(r.payload_bytes + content.size()) + ".4");
    write(out / "bag-info.txt", text);
    rehash_tag_files(out);
    const auto problems = verify_bag(out);
    EXPECT_TRUE(problems.empty()) << joined(problems);
}

TEST(Bagit, AnExistingTargetIsRefusedAndLeftAlone) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    l.add_story(b, "MAIN-0001", "River days");
    fs::create_directories(l.t / "bag");
    write(l.t / "bag" / "mine.txt", "keep");
    EXPECT_THROW(write_bag(l.lib, l.lib.stories(), l.t / "bag", info()), sb::Error);
    EXPECT_EQ(entries_of(l.t / "bag"), std::vector<std::string>{"mine.txt"});
    write(l.t / "file", "x");
    EXPECT_THROW(write_bag(l.lib, l.lib.stories(), l.t / "file", info()), sb::Error);
    EXPECT_THROW(write_bag(l.lib, l.lib.stories(), l.t / "no" / "such" / "bag", info()), sb::Error);
    EXPECT_THROW(write_bag(l.lib, {}, l.t / "empty", info()), sb::Error);
    EXPECT_EQ(entries_of(l.t.path()), (std::vector<std::string>{"bag", "file", "lib"}));
}

TEST(Bagit, ALibraryFileThatNoLongerMatchesItsRecordLeavesNoBagAndNoTempFolder) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    l.add_story(b, "MAIN-0001", "River days");
    const auto s = l.add_story(b, "MAIN-0002", "Factory years");
    std::string data = sbtest::slurp_file(l.lib.file_path(b.id, s.id, "master.flac"));
    data[10] = static_cast<char>(data[10] ^ 0x40);
    write(l.lib.file_path(b.id, s.id, "master.flac"), data);
    fs::create_directories(l.t / "out");

    try {
        write_bag(l.lib, l.lib.stories(), l.t / "out" / "bag", info());
        FAIL() << "a damaged library file was bagged";
    } catch (const sb::Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("MAIN-0002"), std::string::npos) << what;
        EXPECT_NE(what.find("master.flac"), std::string::npos) << what;
    }
    EXPECT_TRUE(entries_of(l.t / "out").empty());

    // A file missing from the library: the same.
    fs::remove(l.lib.file_path(b.id, s.id, "master.flac"));
    EXPECT_THROW(write_bag(l.lib, l.lib.stories(), l.t / "out" / "bag", info()), sb::IoError);
    EXPECT_TRUE(entries_of(l.t / "out").empty());
}

TEST(Bagit, AFullDiskMidWayLeavesNoBagAndNoTempFolder) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    for (int i = 0; i < 4; ++i)
        l.add_story(b, "MAIN-000" + std::to_string(i), "Story", {person("Ana", "private")}, "private", 100000,
                    i == 2 ? 400000 : 200000);
    const auto stories = l.lib.stories();
    fs::create_directories(l.t / "out");

    // A child with a 300 kB file-size limit: writing the 400 kB master fails with EFBIG, as on a full disk.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit lim{300000, 300000};
        ::setrlimit(RLIMIT_FSIZE, &lim);
        int code = 4;
        try {
            write_bag(l.lib, stories, l.t / "out" / "bag", info());
        } catch (const sb::IoError& e) {
            code = e.disk_full() && std::string(e.what()).find("no room") != std::string::npos ? 0 : 2;
        } catch (...) {
            code = 3;
        }
        ::_exit(code);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_TRUE(entries_of(l.t / "out").empty());
}

TEST(Bagit, OddTitlesNamesAndCodesStayInTheMetadataWhileFolderNamesStaySafe) {
    Lib l;
    const auto b = l.add_booth("Bibliothèque 📚", "../Ümlaut Booth");
    std::string long_title;
    while (long_title.size() < 500) long_title += "Ünïcode ";
    const std::string title = "🎙️ שלום עולם مرحبا " + long_title;
    const auto s = l.add_story(b, "../../etc/passwd", title, {person("אברהם 👵🏽", "private")});
    const fs::path out = l.t / "bag";
    write_bag(l.lib, l.lib.stories(), out, info());

    for (const auto& [p, size] : payload(out))
        EXPECT_TRUE(std::regex_match(p, std::regex("data/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[a-z.]+"))) << p;
    fs::path meta;
    for (const auto& [p, size] : payload(out))
        if (p.ends_with("metadata.json")) meta = out / p;
    const json m = json::parse(sbtest::slurp_file(meta));
    EXPECT_EQ(m["title"], title);
    EXPECT_EQ(m["participants"][0]["name"], "אברהם 👵🏽");
    EXPECT_EQ(m["booth"]["name"], "Bibliothèque 📚");
    EXPECT_EQ(m["code"], "../../etc/passwd");
    const auto problems = verify_bag(out);
    EXPECT_TRUE(problems.empty()) << joined(problems);
    (void)s;
}

TEST(Bagit, BoothsSharingACodeGetSeparateStoryFolders) {
    Lib l;
    const auto a = l.add_booth("Main library", "MAIN"), b = l.add_booth("Branch", "MAIN");
    l.add_story(a, "MAIN-0001", "River days");
    l.add_story(b, "MAIN-0001", "Factory years");
    const fs::path out = l.t / "bag";
    const auto r = write_bag(l.lib, l.lib.stories(), out, info());
    EXPECT_EQ(r.stories, 2);
    EXPECT_EQ(entries_of(out / "data" / "MAIN").size(), 2u);
    EXPECT_EQ(payload(out).size(), 6u);
    EXPECT_TRUE(verify_bag(out).empty());
}

TEST(Bagit, ASharedSelectionKeepsOnlyStoriesEveryParticipantAgreedToShare) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    const auto yes = l.add_story(b, "MAIN-0001", "Both agreed", {person("Ana", "community"), person("Luis", "community")}, "community");
    l.add_story(b, "MAIN-0002", "One declined", {person("Ana", "community"), person("Luis", "private")}, "community");
    l.add_story(b, "MAIN-0003", "Private", {person("Ana", "community")}, "private");
    const auto shared = shareable_stories(l.lib.stories());
    ASSERT_EQ(shared.size(), 1u);
    EXPECT_EQ(shared[0].id, yes.id);

    const fs::path out = l.t / "bag";
    const auto r = write_bag(l.lib, shared, out, info());
    EXPECT_EQ(r.stories, 1);
    EXPECT_EQ(sbtest::slurp_file(out / "bag-info.txt").find("MAIN-0002"), std::string::npos);
    EXPECT_EQ(payload(out).size(), 3u);
}

TEST(Bagit, ProgressCountsEveryByteOfWritingAndChecking) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    l.add_story(b, "MAIN-0001", "River days", {person("Ana", "private")}, "private", 3'000'000, 2'500'000);
    BagProgress last{};
    int calls = 0;
    write_bag(l.lib, l.lib.stories(), l.t / "bag", info(), [&](const BagProgress& p) {
        EXPECT_GE(p.bytes_done, last.bytes_done);
        last = p;
        ++calls;
    });
    EXPECT_EQ(last.bytes_done, 5'500'000u);
    EXPECT_EQ(last.bytes_total, 5'500'000u);
    EXPECT_GE(calls, 6);

    BagProgress v{};
    EXPECT_TRUE(verify_bag(l.t / "bag", [&](const BagProgress& p) { v = p; }).empty());
    EXPECT_EQ(v.bytes_done, v.bytes_total);
    EXPECT_GT(v.bytes_total, 5'500'000u);
}

TEST(Bagit, BagSizeIsHumanReadable) {
    EXPECT_EQ(human_size(0), "0 bytes");
    EXPECT_EQ(human_size(999), "999 bytes");
    EXPECT_EQ(human_size(1500), "1.5 KB");
    EXPECT_EQ(human_size(2'100'000'000), "2.1 GB");
    EXPECT_EQ(human_size(260'000'000'000), "260 GB");
}

TEST(Bagit, AFileListedInOnlyOneManifestIsReported) {
    Lib l;
    const auto b = l.add_booth("Main library", "MAIN");
    const auto s = l.add_story(b, "MAIN-0001", "River days");
    const fs::path out = l.t / "bag";
    write_bag(l.lib, l.lib.stories(), out, info());
    const std::string rel = "data/MAIN/MAIN-0001_" + s.id.substr(0, 8) + "/story.opus";
    std::istringstream in(sbtest::slurp_file(out / "manifest-sha512.txt"));
    std::string line, kept;
    while (std::getline(in, line))
        if (line.find(rel) == std::string::npos) kept += line + "\n";
    write(out / "manifest-sha512.txt", kept);
    rehash_tag_files(out);

    const auto problems = verify_bag(out);
    EXPECT_TRUE(any_mentions(problems, {rel, "not listed in manifest-sha512.txt"})) << joined(problems);
    EXPECT_EQ(problems.size(), 1u) << joined(problems);
}
