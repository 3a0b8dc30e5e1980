// storysync publish and export --bagit --shared, run as the volunteer runs them, on real
// libraries: consent decides what is public, the feed follows the rules, publishing again is
// incremental and never leaves a broken feed behind.
#include "library_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

namespace {

using namespace sbtest;
using sb::storysync::Library;
using json = nlohmann::json;

const std::string kBase = "https://library.example.org/stories/";

std::string storysync() { return SB_STORYSYNC_BIN; }

// Spoken audio shared by every test (one MP3 encode per library, the rest reuse the cache).
const StoryAudio& audio() {
    static TempDir dir;
    static StoryAudio a = make_story_audio(dir.path(), 0);
    return a;
}

const fs::path& artwork() {
    static TempDir dir;
    static fs::path png = [] {
        fs::path p = dir / "art.png";
        auto r = run("ffmpeg -loglevel error -f lavfi -i color=c=0x23395d:s=1400x1400 -frames:v 1 " + q(p.string()));
        if (r.exit_code != 0) throw std::runtime_error("ffmpeg: " + r.err);
        return p;
    }();
    return png;
}

class Publishing : public ::testing::Test {
protected:
    void SetUp() override {
        lib_dir = t / "library";
        out = t / "site";
        conf = t / "storysync.conf";
        write_conf(artwork());
        booth = fixture_booth("Main library", "MAIN");
        auto lib = Library::open(lib_dir, false);
        lib.save_booth(booth);
    }

    void write_conf(const fs::path& art, const std::string& extra = "") {
        sb::write_file_atomic(conf, "library = " + lib_dir.string() + "\nbase-url = " + kBase +
                                        "\npodcast-title = Voices of Springfield\npodcast-author = Springfield Library\n"
                                        "podcast-email = stories@library.example.org\npodcast-artwork = " +
                                        art.string() + "\narchive-organization = Springfield Library\n"
                                        "archive-contact-email = archives@library.example.org\n" + extra);
    }

    RunResult sync(const std::string& args) {
        return run(q(storysync()) + " --config " + q(conf.string()) + " " + args + " 2>&1");
    }

    RunResult publish() { return sync("publish --out " + q(out.string())); }

    Library lib() { return Library::open(lib_dir, false); }

    TempDir t;
    fs::path lib_dir, out, conf;
    sb::storysync::BoothRecord booth;
};

// The feed as podcastparser (python3-podcastparser) reads it.
json parse_feed(const fs::path& feed) {
    const std::string py =
        "import json,sys,podcastparser\n"
        "d=podcastparser.parse('" + kBase + "feed.xml', open(sys.argv[1],'rb'))\n"
        "print(json.dumps({'title':d.get('title'),'episodes':[{'guid':e['guid'],'title':e['title'],"
        "'link':e.get('link'),'chapters':e.get('chapters'),'enclosures':e['enclosures'],"
        "'total_time':e.get('total_time')} for e in d['episodes']]}))\n";
    const auto r = run("/usr/bin/python3 -c " + q(py) + " " + q(feed.string()));
    if (r.exit_code != 0) throw std::runtime_error("podcastparser: " + r.err);
    return json::parse(r.out);
}

std::set<std::string> feed_guids(const fs::path& feed) {
    std::set<std::string> g;
    const json parsed = parse_feed(feed);
    for (const auto& e : parsed["episodes"]) g.insert(e["guid"].get<std::string>());
    return g;
}

// Every file under `dir` (relative paths).
std::vector<std::string> files_under(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).string());
    return out;
}

// Every href and src value in the public files: the index, the feed, the sitemap and the
// public story pages.
std::string public_text(const fs::path& out) {
    std::string all = slurp_file(out / "index.html") + slurp_file(out / "feed.xml") + slurp_file(out / "sitemap.xml") +
                      slurp_file(out / "robots.txt");
    if (fs::exists(out / "stories"))
        for (const auto& e : fs::recursive_directory_iterator(out / "stories"))
            if (e.is_regular_file()) all += slurp_file(e.path());
    return all;
}

// The consent rule, checked against everything a publish (and a --shared bag) produced.
void expect_only_consented(const fs::path& out, const fs::path& bag, const std::vector<sb::Story>& in_library,
                           const std::string& seed) {
    SCOPED_TRACE("seed " + seed);
    std::set<std::string> shareable;
    for (const auto& s : in_library)
        if (sb::feed::is_shareable(s)) shareable.insert(s.id);
    EXPECT_EQ(feed_guids(out / "feed.xml"), shareable);
    const std::string pub = public_text(out);
    const std::string index = slurp_file(out / "index.html");
    const auto files = files_under(out);
    const std::string bag_files = fs::exists(bag) ? [&] {
        std::string s;
        for (const auto& f : files_under(bag)) s += f + "\n" + slurp_file(bag / f);
        return s;
    }() : std::string();
    for (const auto& s : in_library) {
        const bool share = shareable.count(s.id) > 0;
        SCOPED_TRACE(s.code + " share_level=" + s.share_level + " state=" + s.state);
        EXPECT_EQ(index.find("stories/" + s.id + "/index.html") != std::string::npos, share);
        EXPECT_EQ(fs::exists(out / "stories" / s.id / "index.html"), share);
        bool media = false;
        for (const auto& f : files) media = media || f.find("media/" + s.id) == 0;
        EXPECT_EQ(media, share);
        if (!share) {
            EXPECT_EQ(pub.find(s.id), std::string::npos) << "a private story's id is in a public file";
            if (!s.secret_link.empty()) {
                EXPECT_EQ(pub.find(s.secret_link), std::string::npos) << "a secret link is in a public file";
                EXPECT_EQ(fs::exists(out / "s" / s.secret_link / "index.html"), sb::feed::has_secret_page(s));
            }
            if (!bag_files.empty()) {
                EXPECT_EQ(bag_files.find(s.id), std::string::npos) << "private story in --shared bag";
            }
        } else if (!bag_files.empty()) {
            EXPECT_NE(bag_files.find(s.id), std::string::npos) << "shared story missing from --shared bag";
        }
    }
    // Secret pages: asked not to be indexed, and reachable only by their own address.
    if (fs::exists(out / "s")) {
        for (const auto& e : fs::recursive_directory_iterator(out / "s")) {
            if (e.path().filename() == "index.html") {
                EXPECT_NE(slurp_file(e.path()).find("noindex"), std::string::npos) << e.path();
            }
        }
    }
}

TEST_F(Publishing, OnlyStoriesEveryParticipantChoseToShareAreEverPublicAcrossRandomLibraries) {
    for (unsigned seed = 1; seed <= 4; ++seed) {
        std::mt19937 rng(seed);
        TempDir round;
        lib_dir = round / "library";
        out = round / "site";
        write_conf(artwork());
        auto l = Library::open(lib_dir, false);
        l.save_booth(booth);
        std::vector<sb::Story> stories;
        for (int i = 0; i < 12; ++i) {
            stories.push_back(random_story(rng, static_cast<int>(seed) * 100 + i));
            add_story(l, booth.id, stories.back(), audio());
        }
        auto r = publish();
        ASSERT_EQ(r.exit_code, 0) << r.out;
        const fs::path bag = round / "bag";
        r = sync("export --bagit " + q(bag.string()) + " --shared");
        const bool any_shared = std::any_of(stories.begin(), stories.end(), [](auto& s) { return sb::feed::is_shareable(s); });
        ASSERT_EQ(r.exit_code, any_shared ? 0 : 1) << r.out;
        expect_only_consented(out, bag, stories, std::to_string(seed));
        if (seed == 1) {  // an archive bag of everything keeps every story but no secret link
            const fs::path all = round / "bag-all";
            r = sync("export --bagit " + q(all.string()) + " --all");
            ASSERT_EQ(r.exit_code, 0) << r.out;
            std::string everything;
            for (const auto& f : files_under(all))
                if (f.ends_with(".json") || f.ends_with(".txt")) everything += slurp_file(all / f);
            for (const auto& s : stories) {
                EXPECT_NE(everything.find(s.id), std::string::npos);
                if (!s.secret_link.empty()) {
                    EXPECT_EQ(everything.find(s.secret_link), std::string::npos);
                }
            }
            EXPECT_EQ(sync("export --verify " + q(all.string())).exit_code, 0);
        }
        r = sync("publish --check " + q(out.string()));
        EXPECT_EQ(r.exit_code, 0) << r.out;

        // Then the booth's librarians change things: some stories are withdrawn (the pull
        // removes them from the library), some made private, some get or lose a secret link.
        for (auto it = stories.begin(); it != stories.end();) {
            const int what = static_cast<int>(rng() % 4);
            if (what == 0) {
                l.remove_story(booth.id, it->id);
                it = stories.erase(it);
                continue;
            }
            if (what == 1) it->share_level = "private";
            if (what == 2) it->secret_link = it->secret_link.empty() ? sb::new_secret_link() : "";
            update_story(l, booth.id, *it);
            ++it;
        }
        r = publish();
        ASSERT_EQ(r.exit_code, 0) << r.out;
        expect_only_consented(out, fs::path(), stories, std::to_string(seed) + " after changes");
        r = sync("publish --check " + q(out.string()));
        EXPECT_EQ(r.exit_code, 0) << r.out;
    }
}

TEST_F(Publishing, TheFeedParsesWithPodcastparserAndItsChaptersAreTheMarkers) {
    auto l = lib();
    sb::Story a = fixture_story("MAIN-0001", "River days", "community", "2026-11-02T10:00:00Z");
    sb::Story b = fixture_story("MAIN-0002", "The bakery <on Main & 5th> 🥖 מאפייה", "community", "2026-11-03T10:00:00Z");
    b.markers = {{0, "Intro"}, {2500, "Bread"}, {6000, "Songs"}};
    add_story(l, booth.id, a, audio());
    add_story(l, booth.id, b, audio());
    auto r = publish();
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const json feed = parse_feed(out / "feed.xml");
    EXPECT_EQ(feed["title"], "Voices of Springfield");
    ASSERT_EQ(feed["episodes"].size(), 2u);
    const json& newest = feed["episodes"][0];
    EXPECT_EQ(newest["guid"], b.id);
    EXPECT_EQ(newest["title"], b.title);
    ASSERT_EQ(newest["enclosures"].size(), 1u);
    const json& enc = newest["enclosures"][0];
    EXPECT_EQ(enc["mime_type"], "audio/mpeg");
    const std::string url = enc["url"];
    ASSERT_EQ(url.rfind(kBase, 0), 0u) << url;
    EXPECT_EQ(enc["file_size"].get<std::uint64_t>(), fs::file_size(out / url.substr(kBase.size())));
    // The chapters file the feed points at holds the markers, in seconds.
    const std::string feed_xml = slurp_file(out / "feed.xml");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(feed_xml, m, std::regex("podcast:chapters url=\"" + kBase + "(chapters/" + b.id + "[^\"]*)\"")));
    const json ch = json::parse(slurp_file(out / m[1].str()));
    EXPECT_EQ(ch["version"], "1.2.0");
    ASSERT_EQ(ch["chapters"].size(), 3u);
    EXPECT_DOUBLE_EQ(ch["chapters"][1]["startTime"].get<double>(), 2.5);
    EXPECT_EQ(ch["chapters"][2]["title"], "Songs");
    EXPECT_EQ(run("xmllint --noout " + q((out / "feed.xml").string())).exit_code, 0);
    r = sync("publish --check " + q(out.string()));
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(Publishing, GuidsStayTheSameAcrossRepublishesAndTitleChangesAndATitleChangeOnlyRetags) {
    auto l = lib();
    sb::Story a = fixture_story("MAIN-0001", "River days", "community");
    add_story(l, booth.id, a, audio());
    ASSERT_EQ(publish().exit_code, 0);
    const auto before = feed_guids(out / "feed.xml");
    a.title = "Days by the river";
    a.updated_at = "2026-11-20T10:00:00Z";
    update_story(l, booth.id, a);
    auto r = publish();
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("0 new MP3s made"), std::string::npos) << r.out;
    EXPECT_EQ(feed_guids(out / "feed.xml"), before);
    EXPECT_EQ(parse_feed(out / "feed.xml")["episodes"][0]["title"], "Days by the river");
    // The re-tagged MP3 carries the new title; the old one is gone.
    int mp3s = 0;
    for (const auto& f : files_under(out / "media"))
        if (f.ends_with(".mp3")) {
            ++mp3s;
            auto p = run("ffprobe -v error -show_entries format_tags=title -of default=nw=1:nk=1 " + q((out / "media" / f).string()));
            EXPECT_EQ(p.out, "Days by the river\n");
        }
    EXPECT_EQ(mp3s, 1);
}

TEST_F(Publishing, PublishingAgainWithNothingNewWritesNothing) {
    auto l = lib();
    add_story(l, booth.id, fixture_story("MAIN-0001", "River days", "community"), audio());
    add_story(l, booth.id, fixture_story("MAIN-0002", "Factory years", "community"), audio());
    ASSERT_EQ(publish().exit_code, 0);
    const auto feed_time = fs::last_write_time(out / "feed.xml");
    auto r = publish();
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("0 files written"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("0 removed"), std::string::npos) << r.out;
    EXPECT_EQ(fs::last_write_time(out / "feed.xml"), feed_time);
}

TEST_F(Publishing, AStoryWithdrawnOnTheBoothDisappearsAtTheNextPullAndPublish) {
    auto l = lib();
    sb::Story a = fixture_story("MAIN-0001", "River days", "community");
    sb::Story b = fixture_story("MAIN-0002", "Factory years", "community");
    add_story(l, booth.id, a, audio());
    add_story(l, booth.id, b, audio());
    ASSERT_EQ(publish().exit_code, 0);
    ASSERT_EQ(feed_guids(out / "feed.xml").size(), 2u);
    l.remove_story(booth.id, a.id);  // what a pull does with the booth's tombstone
    auto r = publish();
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(feed_guids(out / "feed.xml"), std::set<std::string>{b.id});
    for (const auto& f : files_under(out)) EXPECT_EQ(f.find(a.id), std::string::npos) << f;
    EXPECT_EQ(slurp_file(out / "index.html").find(a.id), std::string::npos);
    EXPECT_FALSE(fs::exists(out / "stories" / a.id));
}

TEST_F(Publishing, AFailedPublishLeavesTheOldFeedAndSiteWholeAndTheNextOneFinishes) {
    auto l = lib();
    add_story(l, booth.id, fixture_story("MAIN-0001", "River days", "community"), audio());
    ASSERT_EQ(publish().exit_code, 0);
    const std::string old_feed = slurp_file(out / "feed.xml");

    // A new story whose listening copy is damaged: the publish stops with a reason.
    TempDir bad;
    StoryAudio broken{bad / "story.opus", audio().flac};
    sb::write_file_atomic(broken.opus, "OggS this is not an opus stream at all");
    sb::Story c = fixture_story("MAIN-0003", "Broken", "community", "2026-11-05T10:00:00Z");
    add_story(l, booth.id, c, broken);
    auto r = publish();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.out.find("story.opus"), std::string::npos) << r.out;
    EXPECT_EQ(slurp_file(out / "feed.xml"), old_feed);
    r = sync("publish --check " + q(out.string()));
    EXPECT_EQ(r.exit_code, 0) << r.out;

    // Once the story is gone (or fixed), publishing finishes and tidies up.
    l.remove_story(booth.id, c.id);
    r = publish();
    ASSERT_EQ(r.exit_code, 0) << r.out;
    for (const auto& f : files_under(out)) EXPECT_EQ(f.find(".tmp"), std::string::npos) << f;
    r = sync("publish --check " + q(out.string()));
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(Publishing, SecretPagesAreUnlistedNoindexAndPlayable) {
    auto l = lib();
    sb::Story p = fixture_story("MAIN-0001", "Just for the family", "private");
    p.secret_link = sb::new_secret_link();
    add_story(l, booth.id, p, audio());
    add_story(l, booth.id, fixture_story("MAIN-0002", "Factory years", "community"), audio());
    auto r = publish();
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find(kBase + "s/" + p.secret_link + "/index.html"), std::string::npos) << r.out;
    const fs::path page = out / "s" / p.secret_link / "index.html";
    ASSERT_TRUE(fs::exists(page));
    const std::string html = slurp_file(page);
    EXPECT_NE(html.find("noindex"), std::string::npos);
    EXPECT_NE(html.find("Just for the family"), std::string::npos);
    // Its audio sits beside it, not in the public media folder.
    int audio_files = 0;
    for (const auto& f : files_under(out / "s" / p.secret_link)) audio_files += f.ends_with(".mp3") || f.ends_with(".opus");
    EXPECT_EQ(audio_files, 2);
    EXPECT_TRUE(fs::exists(out / "s" / "index.html"));  // no folder listing of s/
    EXPECT_EQ(public_text(out).find(p.secret_link), std::string::npos);
    EXPECT_EQ(feed_guids(out / "feed.xml").count(p.id), 0u);
}

TEST_F(Publishing, ClearReasonsForBadArtworkNoAddressAndAFolderOfOtherFiles) {
    auto l = lib();
    add_story(l, booth.id, fixture_story("MAIN-0001", "River days", "community"), audio());
    const fs::path small = t / "small.png";
    ASSERT_EQ(run("ffmpeg -loglevel error -f lavfi -i color=c=red:s=1400x1000 -frames:v 1 " + q(small.string())).exit_code, 0);
    write_conf(small);
    auto r = publish();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.out.find("square"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(out / "feed.xml"));

    write_conf(t / "missing.png");
    r = publish();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.out.find("missing.png"), std::string::npos) << r.out;

    write_conf(artwork());
    r = sync("--base-url ftp://nowhere publish --out " + q(out.string()));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.out.find("base-url"), std::string::npos) << r.out;

    const fs::path foreign = t / "documents";
    fs::create_directories(foreign);
    sb::write_file_atomic(foreign / "thesis.txt", "keep me");
    r = sync("publish --out " + q(foreign.string()));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.out.find("other files"), std::string::npos) << r.out;
    EXPECT_EQ(slurp_file(foreign / "thesis.txt"), "keep me");
}

TEST_F(Publishing, CheckReportsAnEnclosureWhoseFileChangedAndAnMp3OutOfLoudnessRange) {
    auto l = lib();
    add_story(l, booth.id, fixture_story("MAIN-0001", "River days", "community"), audio());
    ASSERT_EQ(publish().exit_code, 0);
    std::string mp3;
    for (const auto& f : files_under(out / "media"))
        if (f.ends_with(".mp3")) mp3 = (out / "media" / f).string();
    ASSERT_FALSE(mp3.empty());
    // A quiet copy of the same length class: loudness out of range, and a length that no longer matches.
    ASSERT_EQ(run("ffmpeg -loglevel error -y -i " + q(mp3) + " -af volume=-20dB -b:a 96k " + q(mp3 + ".q.mp3") +
                  " && mv " + q(mp3 + ".q.mp3") + " " + q(mp3)).exit_code, 0);
    auto r = sync("publish --check " + q(out.string()));
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.out.find("LUFS"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("bytes"), std::string::npos) << r.out;  // its size is not the feed's
}

}  // namespace
