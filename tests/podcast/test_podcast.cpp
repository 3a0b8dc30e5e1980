// The podcast feed as the outside world reads it: podcastparser (the parser gPodder uses) and
// xmllint on what feed_xml writes; the folder checker on a good published folder and on each
// kind of damage; podcast:guid and date known answers; artwork made by ffmpeg.
#include "podcast/podcast.hpp"
#include "support/support.hpp"

#include "common/fs.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using sb::storysync::Channel;
using sb::storysync::Episode;
using sbtest::q;
using sbtest::run;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kBase = "https://stories.example.org/library/";
const std::string kBuild = "2026-12-01T10:00:00.000Z";

Channel channel() {
    Channel c;
    c.title = "Voices of Riverside";
    c.description = "Stories recorded in the Riverside library's story booth.";
    c.author = "Riverside Public Library";
    c.owner_name = "Maria Lopez";
    c.owner_email = "stories@riverside.example.org";
    c.copyright = "CC BY-NC 4.0";
    c.base_url = "https://stories.example.org/library";  // normalised by feed_xml
    c.image_name = "artwork.png";
    return c;
}

sb::Participant person(const std::string& name, const std::string& role, const std::string& relationship) {
    sb::Participant p;
    p.name = name;
    p.role = role;
    p.relationship = relationship;
    p.consent = sb::Consent{"1", "community", name, "", "2026-11-30T10:00:00Z"};
    return p;
}

Episode episode(const std::string& id, const std::string& title, const std::string& created_at) {
    Episode e;
    e.story.id = id;
    e.story.code = "MAIN-0001";
    e.story.state = "complete";
    e.story.share_level = "community";
    e.story.title = title;
    e.story.description = "How the river flooded in 1964 and the town rebuilt the bridge.";
    e.story.language = "en";
    e.story.created_at = created_at;
    e.story.duration_ms = 754'400;
    e.story.keywords = {"flood", "bridge"};
    e.story.participants = {person("Ana Díaz", "interviewer", "granddaughter"),
                            person("Rosa Díaz", "storyteller", "grandmother")};
    e.story.markers = {{12'000, "Where did you grow up?"}, {95'500, "What happened in 1964?"}};
    e.files.mp3 = "media/" + id + ".mp3";
    e.files.opus = "media/" + id + ".opus";
    e.files.chapters = "chapters/" + id + ".json";
    e.files.page = "stories/" + id + "/index.html";
    e.files.mp3_bytes = 12'070'400;
    e.files.opus_bytes = 3'201'111;
    e.files.duration_s = 754.4;
    return e;
}

std::vector<Episode> three_episodes() {
    return {episode("3f1c2a9e-6b1d-4c55-9a57-0d2b8a1e4f01", "The flood of 1964", "2026-11-30T18:05:00.000Z"),
            episode("8c0e7d44-2f3a-4b8e-b1d9-5e6f7a8b9c02", "Grandpa's bakery", "2026-11-29T09:30:15.250Z"),
            episode("d2b6f1a0-9e8c-4d7b-a6f5-4e3d2c1b0a03", "First day at the mill", "2026-11-28T14:00:00Z")};
}

void make_sparse(const fs::path& p, std::uint64_t bytes) {
    fs::create_directories(p.parent_path());
    { std::ofstream out(p, std::ios::binary); }
    fs::resize_file(p, bytes);
}

void write_text(const fs::path& p, const std::string& s) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << s;
}

// An image made by ffmpeg (PNG or JPEG from the name), e.g. image(dir/"a.png", 1400, 1400).
fs::path image(const fs::path& p, int w, int h, const std::string& pix_fmt = "") {
    std::string cmd = "ffmpeg -nostdin -loglevel error -y -f lavfi -i color=c=blue:s=" + std::to_string(w) + "x" +
                      std::to_string(h) + " -frames:v 1 " + (pix_fmt.empty() ? "" : "-pix_fmt " + pix_fmt + " ");
    if (p.extension() == ".jpg" || p.extension() == ".jpeg") cmd += "-f mjpeg ";
    if (p.extension() == ".png") cmd += "-f image2 -c:v png ";
    auto r = run(cmd + q(p.string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return p;
}

// One 1400x1400 PNG for every folder, made once.
const fs::path& artwork_png() {
    static sbtest::TempDir dir;
    static fs::path p = image(dir / "artwork.png", 1400, 1400);
    return p;
}

// A complete published folder: feed.xml, the artwork, media files of the declared sizes (their
// contents do not matter to the checker), chapters and pages.
void publish(const fs::path& dir, const Channel& c, const std::vector<Episode>& eps) {
    fs::copy_file(artwork_png(), dir / c.image_name, fs::copy_options::overwrite_existing);
    for (const auto& e : eps) {
        make_sparse(dir / e.files.mp3, e.files.mp3_bytes);
        if (!e.files.opus.empty()) make_sparse(dir / e.files.opus, e.files.opus_bytes);
        if (!e.files.chapters.empty()) write_text(dir / e.files.chapters, sb::storysync::chapters_json(e.story));
        if (!e.files.page.empty()) write_text(dir / e.files.page, "<!doctype html><title>x</title>");
    }
    write_text(dir / "feed.xml", sb::storysync::feed_xml(c, eps, kBuild));
}

void replace_in(const fs::path& file, const std::string& from, const std::string& to) {
    std::string s = sbtest::slurp_file(file);
    auto at = s.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    write_text(file, s);
}

// podcastparser's reading of a feed file, as JSON.
json podcastparser(const fs::path& feed) {
    sbtest::TempDir t;
    write_text(t / "parse.py",
               "import json, sys, podcastparser\n"
               "with open(sys.argv[1], 'rb') as f:\n"
               "    print(json.dumps(podcastparser.parse('" + kBase + "feed.xml', f)))\n");
    auto r = run("/usr/bin/python3 " + q((t / "parse.py").string()) + " " + q(feed.string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
}

std::vector<std::string> problems_for(const fs::path& dir) {
    return sb::storysync::check_feed_folder(dir);
}

}  // namespace

// ---- the feed, read by others ----

TEST(PodcastFeed, PodcastparserReadsTitlesEnclosuresAndGuidsOfThreeStories) {
    sbtest::TempDir t;
    auto eps = three_episodes();
    write_text(t / "feed.xml", sb::storysync::feed_xml(channel(), eps, kBuild));
    json p = podcastparser(t / "feed.xml");

    EXPECT_EQ(p["title"], "Voices of Riverside");
    EXPECT_EQ(p["cover_url"], kBase + "artwork.png");
    EXPECT_EQ(p["link"], kBase);
    ASSERT_EQ(p["episodes"].size(), 3u);
    // podcastparser sorts by date, newest first: the order the feed gives.
    for (std::size_t i = 0; i < 3; ++i) {
        const json& e = p["episodes"][i];
        EXPECT_EQ(e["title"], eps[i].story.title);
        EXPECT_EQ(e["guid"], eps[i].story.id);
        EXPECT_EQ(e["link"], kBase + "stories/" + eps[i].story.id + "/index.html");
        EXPECT_EQ(e["total_time"], 754);
        ASSERT_EQ(e["enclosures"].size(), 1u);
        EXPECT_EQ(e["enclosures"][0]["url"], kBase + "media/" + eps[i].story.id + ".mp3");
        EXPECT_EQ(e["enclosures"][0]["file_size"], 12'070'400);
        EXPECT_EQ(e["enclosures"][0]["mime_type"], "audio/mpeg");
    }
    EXPECT_EQ(p["episodes"][0]["published"], 1796061900);  // 2026-11-30T18:05:00Z
    EXPECT_EQ(p["episodes"][1]["published"], 1795944615);  // 2026-11-29T09:30:15Z
    EXPECT_THAT(p["episodes"][0]["description"].get<std::string>(),
                AllOf(HasSubstr("How the river flooded in 1964"), HasSubstr("Ana Díaz (interviewer, granddaughter)"),
                      HasSubstr("Rosa Díaz (storyteller, grandmother)"), HasSubstr("Keywords: flood, bridge")));
}

TEST(PodcastFeed, XmllintAcceptsTheFeed) {
    sbtest::TempDir t;
    write_text(t / "feed.xml", sb::storysync::feed_xml(channel(), three_episodes(), kBuild));
    auto r = run("xmllint --noout " + q((t / "feed.xml").string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
}

TEST(PodcastFeed, ChannelCarriesTheTagsDirectoriesRequire) {
    std::string x = sb::storysync::feed_xml(channel(), three_episodes(), kBuild);
    EXPECT_THAT(x, HasSubstr("xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\""));
    EXPECT_THAT(x, HasSubstr("xmlns:podcast=\"https://podcastindex.org/namespace/1.0\""));
    EXPECT_THAT(x, HasSubstr("xmlns:atom=\"http://www.w3.org/2005/Atom\""));
    EXPECT_THAT(x, HasSubstr("<link>" + kBase + "</link>"));
    EXPECT_THAT(x, HasSubstr("<itunes:image href=\"" + kBase + "artwork.png\"/>"));
    EXPECT_THAT(x, HasSubstr("<itunes:category text=\"Society &amp; Culture\">\n"
                             "      <itunes:category text=\"Documentary\"/>\n"
                             "    </itunes:category>"));
    EXPECT_THAT(x, HasSubstr("<itunes:explicit>false</itunes:explicit>"));
    EXPECT_THAT(x, HasSubstr("<itunes:type>episodic</itunes:type>"));
    EXPECT_THAT(x, HasSubstr("<atom:link href=\"" + kBase + "feed.xml\" rel=\"self\" type=\"application/rss+xml\"/>"));
    EXPECT_THAT(x, HasSubstr("<podcast:guid>" + sb::storysync::podcast_guid(kBase + "feed.xml") + "</podcast:guid>"));
    EXPECT_THAT(x, HasSubstr("<podcast:locked owner=\"stories@riverside.example.org\">yes</podcast:locked>"));
    EXPECT_THAT(x, HasSubstr("<lastBuildDate>Tue, 01 Dec 2026 10:00:00 +0000</lastBuildDate>"));
    // Items: guid is the story id, persons by role, the Opus copy and the chapters.
    EXPECT_THAT(x, HasSubstr("<guid isPermaLink=\"false\">3f1c2a9e-6b1d-4c55-9a57-0d2b8a1e4f01</guid>"));
    EXPECT_THAT(x, HasSubstr("<podcast:person role=\"host\">Ana Díaz</podcast:person>"));
    EXPECT_THAT(x, HasSubstr("<podcast:person role=\"guest\">Rosa Díaz</podcast:person>"));
    EXPECT_THAT(x, HasSubstr("<podcast:chapters url=\"" + kBase +
                             "chapters/3f1c2a9e-6b1d-4c55-9a57-0d2b8a1e4f01.json\" type=\"application/json+chapters\"/>"));
    EXPECT_THAT(x, HasSubstr("<podcast:alternateEnclosure type=\"audio/ogg; codecs=opus\" length=\"3201111\""));
    EXPECT_THAT(x, HasSubstr("<podcast:source uri=\"" + kBase + "media/3f1c2a9e-6b1d-4c55-9a57-0d2b8a1e4f01.opus\"/>"));
    EXPECT_THAT(x, HasSubstr("<itunes:duration>754</itunes:duration>"));
}

TEST(PodcastFeed, GuidsStayTheSameWhenATitleChanges) {
    auto eps = three_episodes();
    sbtest::TempDir t;
    write_text(t / "a.xml", sb::storysync::feed_xml(channel(), eps, kBuild));
    eps[1].story.title = "Grandpa's bakery on Main Street";
    Channel c = channel();
    c.title = "Riverside Voices";
    write_text(t / "b.xml", sb::storysync::feed_xml(c, eps, "2026-12-02T10:00:00Z"));
    json a = podcastparser(t / "a.xml"), b = podcastparser(t / "b.xml");
    EXPECT_EQ(b["episodes"][1]["title"], "Grandpa's bakery on Main Street");
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(a["episodes"][i]["guid"], b["episodes"][i]["guid"]);
    auto guid_line = [](const std::string& xml) {
        auto at = xml.find("<podcast:guid>");
        return xml.substr(at, xml.find('\n', at) - at);
    };
    EXPECT_EQ(guid_line(sbtest::slurp_file(t / "a.xml")), guid_line(sbtest::slurp_file(t / "b.xml")));
}

TEST(PodcastFeed, OddNamesAndTitlesRoundTripThroughPodcastparser) {
    auto eps = three_episodes();
    const std::string emoji = "Abuela's kitchen \xF0\x9F\x8D\xB2\xF0\x9F\x91\xB5\xF0\x9F\x8F\xBD";  // 🍲👵🏽
    const std::string hebrew_arabic = "סבתא وجدتي 1948";
    const std::string specials = "Tom & Jerry <b>\"quoted\"</b> 'it's' ]]> &amp;";
    std::string long_title;
    while (long_title.size() < 500) long_title += "A very long story title, ";
    long_title.resize(499);
    long_title += "!";
    eps[0].story.title = emoji;
    eps[1].story.title = hebrew_arabic + " \x01\x1F control";  // control characters are dropped
    eps[2].story.title = specials;
    eps.push_back(episode("e5a4b3c2-1d0e-4f9a-8b7c-6d5e4f3a2b04", long_title, "2026-11-27T10:00:00Z"));
    eps[0].story.participants[1].name = "Zoë 🌻 O'Brien & \"Sons\" <Ltd>";
    eps[1].story.description = "Line one\nLine two with \xFF bad byte";

    sbtest::TempDir t;
    write_text(t / "feed.xml", sb::storysync::feed_xml(channel(), eps, kBuild));
    auto lint = run("xmllint --noout " + q((t / "feed.xml").string()));
    EXPECT_EQ(lint.exit_code, 0) << lint.err;

    json p = podcastparser(t / "feed.xml");
    ASSERT_EQ(p["episodes"].size(), 4u);
    EXPECT_EQ(p["episodes"][0]["title"], emoji);
    EXPECT_EQ(p["episodes"][1]["title"], hebrew_arabic + " control");
    EXPECT_EQ(p["episodes"][2]["title"], specials);
    EXPECT_EQ(p["episodes"][3]["title"], long_title);
    EXPECT_THAT(p["episodes"][0]["description"].get<std::string>(),
                HasSubstr("Zoë 🌻 O'Brien & \"Sons\" <Ltd> (storyteller, grandmother)"));
    EXPECT_THAT(p["episodes"][1]["description"].get<std::string>(), HasSubstr("Line two with \xEF\xBF\xBD bad byte"));

    // The checker agrees with the folder built from these stories.
    publish(t.path(), channel(), eps);
    EXPECT_THAT(problems_for(t.path()), IsEmpty());
}

TEST(PodcastFeed, LongDescriptionsAreCutToAppleLimit) {
    auto eps = three_episodes();
    std::string summary;
    while (summary.size() < 9000) summary += "ñandú 🌻 & <more> words ";
    eps[0].story.description = summary;
    sbtest::TempDir t;
    write_text(t / "feed.xml", sb::storysync::feed_xml(channel(), eps, kBuild));
    json p = podcastparser(t / "feed.xml");
    std::string d = p["episodes"][0]["description"];
    EXPECT_GT(d.size(), 2500u);
    EXPECT_THAT(d, HasSubstr("…"));
    EXPECT_THAT(d, HasSubstr("Rosa Díaz (storyteller, grandmother)"));  // the people survive the cut
    std::string html = p["episodes"][0]["description_html"];
    EXPECT_LE(html.size(), 4000u);
    EXPECT_GT(html.size(), 3900u);
    publish(t.path(), channel(), eps);
    EXPECT_THAT(problems_for(t.path()), IsEmpty());
}

TEST(PodcastFeed, RefusesWhatWouldMakeABrokenFeed) {
    auto eps = three_episodes();
    Channel c = channel();
    c.title = "  ";
    EXPECT_THROW(sb::storysync::feed_xml(c, eps, kBuild), sb::Error);
    c = channel();
    c.owner_email = "";
    EXPECT_THROW(sb::storysync::feed_xml(c, eps, kBuild), sb::Error);
    c = channel();
    c.base_url = "ftp://example.org/";
    EXPECT_THROW(sb::storysync::feed_xml(c, eps, kBuild), sb::Error);
    c.base_url = "stories.example.org";
    EXPECT_THROW(sb::storysync::feed_xml(c, eps, kBuild), sb::Error);
    EXPECT_THROW(sb::storysync::feed_xml(channel(), eps, "last tuesday"), sb::Error);
    auto bad = eps;
    bad[1].story.created_at = "2026-11-31T10:00:00Z";
    EXPECT_THROW(sb::storysync::feed_xml(channel(), bad, kBuild), sb::Error);
    bad = eps;
    bad[2].files.mp3 = "";
    EXPECT_THROW(sb::storysync::feed_xml(channel(), bad, kBuild), sb::Error);
    bad = eps;
    bad[2].files.chapters = "chapters/../../etc/x.json";
    EXPECT_THROW(sb::storysync::feed_xml(channel(), bad, kBuild), sb::Error);
    bad = eps;
    bad[2].files.page = "/var/www/index.html";
    EXPECT_THROW(sb::storysync::feed_xml(channel(), bad, kBuild), sb::Error);
    bad = eps;
    bad[2].story.id = bad[0].story.id;
    EXPECT_THROW(sb::storysync::feed_xml(channel(), bad, kBuild), sb::Error);
    EXPECT_EQ(sb::storysync::normalise_base_url("HTTPS://a.example/x"), "HTTPS://a.example/x/");
}

TEST(PodcastFeed, AnEmptyFeedIsStillValid) {
    sbtest::TempDir t;
    publish(t.path(), channel(), {});
    EXPECT_THAT(problems_for(t.path()), IsEmpty());
    EXPECT_EQ(podcastparser(t / "feed.xml")["episodes"].size(), 0u);
}

TEST(PodcastFeed, AStoryWithOnlyAnMp3LeavesTheOptionalTagsOut) {
    auto e = episode("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "", "2026-11-30T18:05:00Z");
    e.story.description.clear();
    e.story.keywords.clear();
    e.story.participants.clear();
    e.files.opus.clear();
    e.files.chapters.clear();
    e.files.page.clear();
    e.files.duration_s = 0;  // falls back to the story's duration_ms (754.4 s)
    sbtest::TempDir t;
    publish(t.path(), channel(), {e});
    std::string x = sbtest::slurp_file(t / "feed.xml");
    EXPECT_THAT(x, HasSubstr("<title>Story MAIN-0001</title>"));
    EXPECT_THAT(x, HasSubstr("<itunes:duration>754</itunes:duration>"));
    for (const char* absent : {"podcast:chapters", "podcast:alternateEnclosure", "podcast:person", "itunes:keywords",
                               "<link>https://stories.example.org/library/stories"})
        EXPECT_THAT(x, Not(HasSubstr(absent))) << absent;
    EXPECT_THAT(problems_for(t.path()), IsEmpty());
    json p = podcastparser(t / "feed.xml");
    ASSERT_EQ(p["episodes"].size(), 1u);
    EXPECT_EQ(p["episodes"][0]["guid"], "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
}

// ---- chapters ----

TEST(PodcastChapters, MarkersBecomeChaptersWithAnOpeningOneFromTheTitle) {
    auto e = episode("3f1c2a9e-6b1d-4c55-9a57-0d2b8a1e4f01", "The flood", "2026-11-30T18:05:00Z");
    e.story.markers = {{95'500, "What happened in 1964?"}, {12'000, "Where did you grow up?"}, {200'000, ""}};
    json j = json::parse(sb::storysync::chapters_json(e.story));
    EXPECT_EQ(j["version"], "1.2.0");
    ASSERT_EQ(j["chapters"].size(), 4u);
    EXPECT_EQ(j["chapters"][0], json({{"startTime", 0}, {"title", "The flood"}}));
    EXPECT_EQ(j["chapters"][1], json({{"startTime", 12}, {"title", "Where did you grow up?"}}));
    EXPECT_EQ(j["chapters"][2]["startTime"].get<double>(), 95.5);
    EXPECT_EQ(j["chapters"][2]["title"], "What happened in 1964?");
    EXPECT_EQ(j["chapters"][3]["title"], "Chapter 3");

    e.story.markers = {{0, "Tell me your name"}, {30'000, "Next"}};
    j = json::parse(sb::storysync::chapters_json(e.story));
    ASSERT_EQ(j["chapters"].size(), 2u);
    EXPECT_EQ(j["chapters"][0]["title"], "Tell me your name");

    e.story.markers.clear();
    j = json::parse(sb::storysync::chapters_json(e.story));
    ASSERT_EQ(j["chapters"].size(), 1u);
    EXPECT_EQ(j["chapters"][0]["startTime"], 0);
}

// ---- podcast:guid and dates ----

TEST(PodcastGuid, MatchesThePodcastingNamespaceExamples) {
    EXPECT_EQ(sb::storysync::podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml"),
              "917393e3-1b1e-5cef-ace4-edaa54e1f810");
    EXPECT_EQ(sb::storysync::podcast_guid("https://podnews.net/rss"), "9b024349-ccf0-5f69-a609-6b82873eab3c");
}

TEST(PodcastGuid, IgnoresSchemeAndTrailingSlashes) {
    const std::string g = sb::storysync::podcast_guid("mp3s.nashownotes.com/pc20rss.xml");
    EXPECT_EQ(g, "917393e3-1b1e-5cef-ace4-edaa54e1f810");
    EXPECT_EQ(sb::storysync::podcast_guid("http://mp3s.nashownotes.com/pc20rss.xml//"), g);
    EXPECT_NE(sb::storysync::podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml2"), g);
}

TEST(PodcastDates, Rfc2822KnownAnswers) {
    using sb::storysync::rfc2822_date;
    EXPECT_EQ(rfc2822_date("2026-12-01T10:00:00Z"), "Tue, 01 Dec 2026 10:00:00 +0000");
    EXPECT_EQ(rfc2822_date("2026-11-26T05:02:22.123Z"), "Thu, 26 Nov 2026 05:02:22 +0000");
    EXPECT_EQ(rfc2822_date("2024-02-29T23:59:59Z"), "Thu, 29 Feb 2024 23:59:59 +0000");
    EXPECT_EQ(rfc2822_date("1970-01-01T00:00:00Z"), "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(rfc2822_date("2027-01-01T01:30:00+02:00"), "Thu, 31 Dec 2026 23:30:00 +0000");
    EXPECT_EQ(rfc2822_date("2000-03-05T12:00:00-0500"), "Sun, 05 Mar 2000 17:00:00 +0000");
    for (const char* bad : {"", "yesterday", "2026-12-01", "2026-12-01T10:00:00", "2026-13-01T10:00:00Z",
                            "2026-02-29T10:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T10:00:00Zjunk",
                            "2026-12-01T10:00Z"})
        EXPECT_THROW(rfc2822_date(bad), sb::Error) << bad;
}

// ---- artwork ----

TEST(PodcastArtwork, AcceptsSquarePngAndJpegWithinAppleSizes) {
    sbtest::TempDir t;
    auto a = sb::storysync::check_artwork(image(t / "a.png", 1400, 1400));
    EXPECT_EQ(a.width, 1400);
    EXPECT_EQ(a.height, 1400);
    EXPECT_EQ(a.mime, "image/png");
    a = sb::storysync::check_artwork(image(t / "b.jpg", 3000, 3000));
    EXPECT_EQ(a.width, 3000);
    EXPECT_EQ(a.mime, "image/jpeg");
    a = sb::storysync::check_artwork(image(t / "c.jpeg", 2048, 2048));
    EXPECT_EQ(a.width, 2048);
}

TEST(PodcastArtwork, RefusesWithASentenceNamingTheRule) {
    sbtest::TempDir t;
    auto message = [](const fs::path& p) {
        try {
            sb::storysync::check_artwork(p);
        } catch (const sb::Error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(message(image(t / "artwork.png", 1200, 1200)),
              "artwork must be square, 1400 to 3000 pixels on a side (Apple Podcasts); artwork.png is 1200x1200");
    // (lavfi's colour source makes even sizes only)
    EXPECT_EQ(message(image(t / "big.jpg", 3002, 3002)),
              "artwork must be square, 1400 to 3000 pixels on a side (Apple Podcasts); big.jpg is 3002x3002");
    EXPECT_EQ(message(image(t / "wide.png", 1500, 1400)),
              "artwork must be square, 1400 to 3000 pixels on a side (Apple Podcasts); wide.png is 1500x1400");
    write_text(t / "notes.png", "this is not an image at all");
    EXPECT_THAT(message(t / "notes.png"), HasSubstr("notes.png is not a JPEG or PNG image"));
    write_text(t / "tiny.jpg", "");
    EXPECT_THAT(message(t / "tiny.jpg"), HasSubstr("tiny.jpg is not a JPEG or PNG image"));
    EXPECT_THAT(message(t / "missing.png"), HasSubstr("is missing"));
    fs::copy_file(image(t / "real.png", 1400, 1400), t / "named.jpg");
    EXPECT_THAT(message(t / "named.jpg"), HasSubstr("named.jpg is a PNG image; its name must end in .png"));
    EXPECT_THAT(message(image(t / "grey.png", 1400, 1400, "gray")), HasSubstr("RGB"));
    // A JPEG cut off before its frame header.
    std::string jpeg = sbtest::slurp_file(image(t / "whole.jpg", 1400, 1400));
    write_text(t / "cut.jpg", jpeg.substr(0, 30));
    EXPECT_THAT(message(t / "cut.jpg"), HasSubstr("cut.jpg is a damaged JPEG file"));
}

// ---- the folder checker ----

TEST(PodcastCheck, AGoodFolderHasNoProblems) {
    sbtest::TempDir t;
    publish(t.path(), channel(), three_episodes());
    EXPECT_THAT(problems_for(t.path()), IsEmpty());
}

TEST(PodcastCheck, ReportsAnEnclosureWhoseSizeIsNotTheDeclaredLength) {
    sbtest::TempDir t;
    auto eps = three_episodes();
    publish(t.path(), channel(), eps);
    make_sparse(t / eps[1].files.mp3, 12'070'401);
    make_sparse(t / eps[2].files.opus, 5);
    auto p = problems_for(t.path());
    ASSERT_EQ(p.size(), 2u) << testing::PrintToString(p);
    EXPECT_EQ(p[0], "item \"Grandpa's bakery\": the enclosure media/8c0e7d44-2f3a-4b8e-b1d9-5e6f7a8b9c02.mp3 is "
                    "12070401 bytes, but the feed says 12070400");
    EXPECT_THAT(p[1], AllOf(HasSubstr("First day at the mill"), HasSubstr("alternate enclosure"),
                            HasSubstr(".opus is 5 bytes, but the feed says 3201111")));
}

TEST(PodcastCheck, ReportsMissingFiles) {
    sbtest::TempDir t;
    auto eps = three_episodes();
    publish(t.path(), channel(), eps);
    fs::remove(t / eps[0].files.mp3);
    fs::remove(t / eps[1].files.chapters);
    fs::remove(t / "artwork.png");
    auto p = problems_for(t.path());
    EXPECT_THAT(p, Contains(HasSubstr("the artwork artwork.png is missing from the folder")));
    EXPECT_THAT(p, Contains("item \"The flood of 1964\": the enclosure media/3f1c2a9e-6b1d-4c55-9a57-0d2b8a1e4f01.mp3 "
                            "is missing from the folder"));
    EXPECT_THAT(p, Contains(AllOf(HasSubstr("Grandpa's bakery"), HasSubstr("chapters file"), HasSubstr("missing"))));
    EXPECT_EQ(p.size(), 3u) << testing::PrintToString(p);

    fs::remove(t / "feed.xml");
    EXPECT_THAT(problems_for(t.path()), Contains(HasSubstr("feed.xml is missing")));
}

TEST(PodcastCheck, ReportsMissingRequiredTags) {
    sbtest::TempDir t;
    auto eps = three_episodes();
    publish(t.path(), channel(), eps);
    const fs::path feed = t / "feed.xml";
    replace_in(feed, "<itunes:author>Riverside Public Library</itunes:author>", "");
    replace_in(feed, "<guid isPermaLink=\"false\">8c0e7d44-2f3a-4b8e-b1d9-5e6f7a8b9c02</guid>", "");
    replace_in(feed, "<pubDate>Sat, 28 Nov 2026 14:00:00 +0000</pubDate>", "<pubDate>28/11/2026</pubDate>");
    replace_in(feed, "<itunes:explicit>false</itunes:explicit>", "<itunes:explicit>no</itunes:explicit>");
    auto p = problems_for(t.path());
    EXPECT_THAT(p, Contains("the channel has no <itunes:author>"));
    EXPECT_THAT(p, Contains("item \"Grandpa's bakery\" has no <guid>"));
    EXPECT_THAT(p, Contains("item \"First day at the mill\": <pubDate> \"28/11/2026\" is not an RFC 2822 date"));
    EXPECT_THAT(p, Contains(HasSubstr("<itunes:explicit> is \"no\"")));
    EXPECT_EQ(p.size(), 4u) << testing::PrintToString(p);

    // An undeclared namespace: the itunes tags are no longer itunes tags.
    replace_in(feed, " xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"", "");
    p = problems_for(t.path());
    EXPECT_THAT(p, Contains(HasSubstr("does not declare the itunes namespace")));
    EXPECT_THAT(p, Contains("the channel has no <itunes:image>"));
}

TEST(PodcastCheck, ReportsDuplicateGuidsAndAWrongFeedGuid) {
    sbtest::TempDir t;
    auto eps = three_episodes();
    publish(t.path(), channel(), eps);
    replace_in(t / "feed.xml", "<guid isPermaLink=\"false\">d2b6f1a0-9e8c-4d7b-a6f5-4e3d2c1b0a03</guid>",
               "<guid isPermaLink=\"false\">3f1c2a9e-6b1d-4c55-9a57-0d2b8a1e4f01</guid>");
    replace_in(t / "feed.xml", sb::storysync::podcast_guid(kBase + "feed.xml"), "917393e3-1b1e-5cef-ace4-edaa54e1f810");
    auto p = problems_for(t.path());
    EXPECT_THAT(p, Contains("item \"First day at the mill\" has the same guid as item \"The flood of 1964\" "
                            "(3f1c2a9e-6b1d-4c55-9a57-0d2b8a1e4f01); every episode needs its own"));
    EXPECT_THAT(p, Contains(HasSubstr("<podcast:guid> is 917393e3-1b1e-5cef-ace4-edaa54e1f810, but the one for " +
                                      kBase + "feed.xml is")));
    EXPECT_EQ(p.size(), 2u) << testing::PrintToString(p);
}

TEST(PodcastCheck, ReportsBadChaptersFiles) {
    sbtest::TempDir t;
    auto eps = three_episodes();
    publish(t.path(), channel(), eps);
    write_text(t / eps[0].files.chapters, "{\"version\": \"1.2.0\", \"chapters\": [");
    write_text(t / eps[1].files.chapters,
               R"({"version": "1.2.0", "chapters": [{"startTime": 0}, {"startTime": 50}, {"startTime": 20}]})");
    write_text(t / eps[2].files.chapters, R"({"version": "1.0", "chapters": [{"startTime": -1, "title": 5}]})");
    auto p = problems_for(t.path());
    EXPECT_THAT(p, Contains(AllOf(HasSubstr("The flood of 1964"), HasSubstr("is not valid JSON"))));
    EXPECT_THAT(p, Contains(AllOf(HasSubstr("Grandpa's bakery"), HasSubstr("chapter 3 starts at 20"))));
    EXPECT_THAT(p, Contains(AllOf(HasSubstr("First day at the mill"), HasSubstr("\"version\": \"1.2.0\""))));
    EXPECT_THAT(p, Contains(AllOf(HasSubstr("First day at the mill"), HasSubstr("chapter 1 starts before 0"))));
    EXPECT_EQ(p.size(), 4u) << testing::PrintToString(p);
}

TEST(PodcastCheck, ReportsArtworkThatIsNotSquare) {
    sbtest::TempDir t;
    publish(t.path(), channel(), three_episodes());
    image(t / "artwork.png", 1400, 1600);
    auto p = problems_for(t.path());
    ASSERT_EQ(p.size(), 1u) << testing::PrintToString(p);
    EXPECT_EQ(p[0], "artwork must be square, 1400 to 3000 pixels on a side (Apple Podcasts); artwork.png is 1400x1600");
}

TEST(PodcastCheck, ReportsAFeedThatIsNotWellFormed) {
    sbtest::TempDir t;
    publish(t.path(), channel(), three_episodes());
    replace_in(t / "feed.xml", "<title>The flood of 1964</title>", "<title>The flood & 1964</title>");
    auto p = problems_for(t.path());
    ASSERT_EQ(p.size(), 1u);
    EXPECT_THAT(p[0], HasSubstr("feed.xml is not well-formed XML (line "));
}

TEST(PodcastCheck, ReportsUrlsThatLeaveTheFolder) {
    sbtest::TempDir t;
    auto eps = three_episodes();
    publish(t.path(), channel(), eps);
    replace_in(t / "feed.xml", kBase + "media/3f1c2a9e-6b1d-4c55-9a57-0d2b8a1e4f01.mp3", kBase + "media/../../secret.mp3");
    auto p = problems_for(t.path());
    EXPECT_THAT(p, Contains(AllOf(HasSubstr("The flood of 1964"), HasSubstr("does not name a file in the folder"))));

    // Artwork elsewhere cannot be checked, and a directory would refuse what it cannot fetch.
    replace_in(t / "feed.xml", "<itunes:image href=\"" + kBase + "artwork.png\"/>",
               "<itunes:image href=\"https://cdn.example.net/art.png\"/>");
    EXPECT_THAT(problems_for(t.path()),
                Contains("the channel's <itunes:image> https://cdn.example.net/art.png is not in the published folder, "
                         "so it was not checked"));
}

TEST(PodcastCheck, ReportsTheSameEnclosureTwiceAndOneAppleWouldNotList) {
    sbtest::TempDir t;
    auto eps = three_episodes();
    eps[2].files.mp3 = "media/" + eps[2].story.id + ".mpga";
    publish(t.path(), channel(), eps);
    replace_in(t / "feed.xml", kBase + eps[1].files.mp3, kBase + eps[0].files.mp3);
    auto p = problems_for(t.path());
    EXPECT_THAT(p, Contains("item \"Grandpa's bakery\" has the same enclosure URL as item \"The flood of 1964\" (" + kBase +
                            eps[0].files.mp3 + ")"));
    EXPECT_THAT(p, Contains(AllOf(HasSubstr("First day at the mill"), HasSubstr(".mpga must end in .mp3"))));
    EXPECT_EQ(p.size(), 2u) << testing::PrintToString(p);
}

TEST(PodcastCheck, AFeedCutOffAnywhereIsReportedNotTrustedOrCrashedOn) {
    sbtest::TempDir t;
    publish(t.path(), channel(), three_episodes());
    const std::string whole = sbtest::slurp_file(t / "feed.xml");
    for (std::size_t cut = 0; cut < whole.size(); cut += whole.size() / 97 + 1) {
        write_text(t / "feed.xml", whole.substr(0, cut));
        auto p = problems_for(t.path());
        ASSERT_FALSE(p.empty()) << "cut at byte " << cut;
        EXPECT_THAT(p[0], HasSubstr("feed.xml")) << "cut at byte " << cut;
    }
}
