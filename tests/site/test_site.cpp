// The published site's pages as strings: what they list and in which order, how story text is
// escaped (in HTML and in the search data), that every link is relative and stays inside the
// site, what a secret page hides, the player, chapters and downloads, and the built-in assets.
#include "common/error.hpp"
#include "site/site.hpp"
#include "support/support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>

using namespace sb::storysync;

namespace {

sb::Story story(const std::string& id, const std::string& title, const std::string& created_at) {
    sb::Story s;
    s.id = id;
    s.code = "MAIN-" + id.substr(0, 4);
    s.title = title;
    s.description = "A story about " + title + ".";
    s.language = "en";
    s.created_at = created_at;
    s.duration_ms = 754'000;
    s.share_level = "community";
    sb::Participant teller;
    teller.name = "Ana Río";
    teller.role = "storyteller";
    teller.relationship = "grandmother";
    sb::Participant asker;
    asker.name = "Leo Park";
    asker.role = "interviewer";
    s.participants = {teller, asker};
    s.markers = {{0, "Where did you grow up?"}, {65'000, "What did you do for work?"}, {3'725'500, "What would you tell us?"}};
    s.keywords = {"family", "Puerto Rico"};
    return s;
}

SitePage page(const std::string& id, const std::string& title, const std::string& created_at) {
    SitePage p;
    p.story = story(id, title, created_at);
    p.path = "stories/" + id + "/";
    p.mp3 = "media/" + id + ".mp3";
    p.opus = "media/" + id + ".opus";
    p.mp3_bytes = 4'213'000;
    p.opus_bytes = 880'400;
    return p;
}

SitePage secret_page() {
    SitePage p = page("99990000-0000-4000-8000-000000000009", "The quiet one", "2026-11-01T10:00:00Z");
    p.story.secret_link = "0123456789abcdef0123456789abcdef";
    p.path = "s/0123456789abcdef0123456789abcdef/";
    p.secret = true;
    return p;
}

SiteInfo info() {
    SiteInfo i;
    i.title = "Riverside Library Stories";
    i.description = "Conversations recorded in the library's story booth.";
    return i;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

// Every value of the named attributes, as written in the page (still HTML-escaped).
std::vector<std::string> attribute_values(const std::string& html, const std::string& attr) {
    std::vector<std::string> out;
    const std::regex re("\\s" + attr + "=\"([^\"]*)\"");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it)
        out.push_back((*it)[1]);
    return out;
}

std::vector<std::string> links(const std::string& html) {
    std::vector<std::string> out = attribute_values(html, "href");
    for (const std::string& src : attribute_values(html, "src")) out.push_back(src);
    return out;
}

// Resolves a relative link against a page's folder (relative to the site's root); "" when the
// link would leave the root.
std::string resolve(const std::string& folder, const std::string& link) {
    std::vector<std::string> parts;
    auto push = [&](const std::string& path, bool last_is_file) {
        std::size_t start = 0;
        while (start <= path.size()) {
            std::size_t end = path.find('/', start);
            if (end == std::string::npos) end = path.size();
            const std::string seg = path.substr(start, end - start);
            const bool is_last = end == path.size();
            if (seg == "..") {
                if (parts.empty()) return false;
                parts.pop_back();
            } else if (!seg.empty() && seg != "." && (!is_last || last_is_file)) {
                parts.push_back(seg);
            }
            start = end + 1;
        }
        return true;
    };
    if (!push(folder, false) || !push(link, true)) return "";
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
    return out;
}

// The JSON in the index's search-data block.
nlohmann::json search_data(const std::string& html) {
    const std::string open = "<script type=\"application/json\" id=\"search-data\">";
    const std::size_t start = html.find(open);
    if (start == std::string::npos) return nullptr;
    const std::size_t end = html.find("</script>", start);
    return nlohmann::json::parse(html.substr(start + open.size(), end - start - open.size()));
}

bool valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        const int len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + static_cast<std::size_t>(len) > s.size()) return false;
        for (int k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += static_cast<std::size_t>(len);
    }
    return true;
}

const std::string id_a = "aaaa1111-0000-4000-8000-000000000001";
const std::string id_b = "bbbb2222-0000-4000-8000-000000000002";
const std::string id_c = "cccc3333-0000-4000-8000-000000000003";

}  // namespace

TEST(SiteIndex, ListsThePagesInTheOrderGivenEachLinkingItsIndexHtml) {
    const std::vector<SitePage> pages = {page(id_c, "Newest", "2026-11-30T09:00:00Z"),
                                         page(id_a, "Middle", "2026-10-02T09:00:00Z"),
                                         page(id_b, "Oldest", "2025-01-15T09:00:00Z")};
    const std::string html = index_html(info(), pages);
    const auto c = html.find("href=\"stories/" + id_c + "/index.html\"");
    const auto a = html.find("href=\"stories/" + id_a + "/index.html\"");
    const auto b = html.find("href=\"stories/" + id_b + "/index.html\"");
    ASSERT_NE(c, std::string::npos);
    ASSERT_NE(a, std::string::npos);
    ASSERT_NE(b, std::string::npos);
    EXPECT_LT(c, a);
    EXPECT_LT(a, b);
    EXPECT_EQ(count(html, "<li class=\"story-card\""), 3u);
    EXPECT_NE(html.find("3 stories"), std::string::npos);
    EXPECT_NE(html.find("<time datetime=\"2026-11-30\">30 November 2026</time>"), std::string::npos);
    EXPECT_NE(html.find("<time datetime=\"PT12M34S\">12 min 34 s</time>"), std::string::npos);

    const nlohmann::json data = search_data(html);
    ASSERT_EQ(data.size(), 3u);
    EXPECT_EQ(data[0]["t"], "Newest");
    EXPECT_EQ(data[2]["t"], "Oldest");
    EXPECT_EQ(data[0]["p"], nlohmann::json::array({"Ana Río", "Leo Park"}));
    EXPECT_EQ(data[0]["k"], nlohmann::json::array({"family", "Puerto Rico"}));
}

TEST(SiteIndex, RefusesASecretPageAndNeverMentionsOne) {
    EXPECT_THROW(index_html(info(), {page(id_a, "Public", "2026-11-30T09:00:00Z"), secret_page()}), sb::Error);
    const std::string html = index_html(info(), {page(id_a, "Public", "2026-11-30T09:00:00Z")});
    EXPECT_EQ(html.find("s/0123456789abcdef"), std::string::npos);
    EXPECT_EQ(html.find("0123456789abcdef0123456789abcdef"), std::string::npos);
    EXPECT_EQ(html.find("noindex"), std::string::npos);
}

TEST(SiteIndex, WithNoStoriesSaysSoAndCarriesNoSearchData) {
    const std::string html = index_html(info(), {});
    EXPECT_NE(html.find("No stories have been published yet."), std::string::npos);
    EXPECT_EQ(html.find("search-data\">"), std::string::npos);
    EXPECT_EQ(html.find("story-card"), std::string::npos);
}

TEST(SiteIndex, TheSearchFormWaitsForTheScriptSoTheListIsThePageWithoutIt) {
    const std::string html = index_html(info(), {page(id_a, "One", "2026-11-30T09:00:00Z")});
    EXPECT_NE(html.find("<form class=\"search\" role=\"search\" id=\"search\" hidden>"), std::string::npos);
    EXPECT_NE(html.find("<label for=\"q\">"), std::string::npos);
    // The list itself is never hidden by the page's own markup.
    EXPECT_EQ(html.find("story-card\" data-index=\"0\" hidden"), std::string::npos);
    EXPECT_NE(html.find("<script src=\"assets/site.js\" defer></script>"), std::string::npos);
    EXPECT_EQ(html.find("type=\"module\""), std::string::npos);
}

TEST(SiteEscaping, ScriptInATitleNameOrKeywordStaysText) {
    SitePage p = page(id_a, "</script><script>alert(1)</script>", "2026-11-30T09:00:00Z");
    p.story.participants[0].name = "<img src=x onerror=alert(2)>";
    p.story.keywords = {"\"quoted\" & 'single'", "<!--", "</SCRIPT>"};
    p.story.description = "<b>bold</b>\n\nSee https://example.org/";
    p.story.markers[1].text = "<script>x</script>";
    const std::string index = index_html(info(), {p});
    const std::string story = story_html(info(), p);
    for (const std::string* html : {&index, &story}) {
        EXPECT_EQ(html->find("<script>alert"), std::string::npos);
        EXPECT_EQ(html->find("<img src=x"), std::string::npos);
        EXPECT_EQ(html->find("<b>"), std::string::npos);
        EXPECT_EQ(html->find("<!--"), std::string::npos);
        EXPECT_EQ(html->find("</SCRIPT>"), std::string::npos);
        EXPECT_EQ(html->find("<script>x"), std::string::npos);
    }
    EXPECT_NE(story.find("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(story.find("&quot;quoted&quot; &amp; &#39;single&#39;"), std::string::npos);
    // The search data is one script element whose JSON gives the text back exactly.
    EXPECT_EQ(count(index, "</script>"), 2u);  // site.js and the data block
    const nlohmann::json data = search_data(index);
    EXPECT_EQ(data[0]["t"], "</script><script>alert(1)</script>");
    EXPECT_EQ(data[0]["p"][0], "<img src=x onerror=alert(2)>");
    EXPECT_EQ(data[0]["k"][1], "<!--");
}

TEST(SiteEscaping, LineSeparatorsAreEscapedInTheSearchData) {
    SitePage p = page(id_a, "Line\u2028Para\u2029End", "2026-11-30T09:00:00Z");
    const std::string html = index_html(info(), {p});
    const std::string block = html.substr(html.find("id=\"search-data\">"));
    EXPECT_EQ(block.find("\u2028"), std::string::npos);
    EXPECT_EQ(block.find("\u2029"), std::string::npos);
    EXPECT_NE(block.find("\\u2028"), std::string::npos);
    EXPECT_EQ(search_data(html)[0]["t"], "Line\u2028Para\u2029End");
}

TEST(SiteEscaping, EmojiRightToLeftAndVeryLongNamesArriveWholeAndMarkedDirAuto) {
    std::string long_name;
    for (int i = 0; i < 50; ++i) long_name += "Bartholomew";  // 550 characters, no spaces
    long_name = long_name.substr(0, 500);
    SitePage p = page(id_a, "قصة جدتي 👵🏽", "2026-11-30T09:00:00Z");
    p.story.language = "ar";
    p.story.participants[0].name = "فاطمة الزهراء";
    p.story.participants[1].name = "👩‍👧 Zoë";
    sb::Participant third;
    third.name = long_name;
    third.role = "storyteller";
    p.story.participants.push_back(third);
    const std::string index = index_html(info(), {p});
    const std::string story = story_html(info(), p);
    for (const std::string* html : {&index, &story}) {
        EXPECT_NE(html->find("dir=\"auto\">فاطمة الزهراء</span>"), std::string::npos);
        EXPECT_NE(html->find("dir=\"auto\">👩‍👧 Zoë</span>"), std::string::npos);
        EXPECT_NE(html->find(long_name), std::string::npos);
        EXPECT_TRUE(valid_utf8(*html));
    }
    EXPECT_NE(story.find("<h1 id=\"story-title\" lang=\"ar\" dir=\"auto\">قصة جدتي 👵🏽</h1>"), std::string::npos);
    const nlohmann::json data = search_data(index);
    EXPECT_EQ(data[0]["p"][2], long_name);
    EXPECT_EQ(data[0]["t"], "قصة جدتي 👵🏽");
}

TEST(SiteEscaping, BrokenUtf8AndControlCharactersBecomeReplacementCharacters) {
    SitePage p = page(id_a, std::string("Bad \xC3 byte \x01 and \xED\xA0\x80 surrogate"), "2026-11-30T09:00:00Z");
    const std::string index = index_html(info(), {p});
    const std::string story = story_html(info(), p);
    EXPECT_TRUE(valid_utf8(index));
    EXPECT_TRUE(valid_utf8(story));
    EXPECT_NE(story.find("Bad \uFFFD byte \uFFFD and \uFFFD\uFFFD\uFFFD surrogate"), std::string::npos);
    EXPECT_NO_THROW(search_data(index));
}

TEST(SiteEscaping, ALanguageTagThatIsNotOneIsLeftOut) {
    SitePage p = page(id_a, "Title", "2026-11-30T09:00:00Z");
    p.story.language = "en\"><script>";
    const std::string story = story_html(info(), p);
    EXPECT_EQ(story.find("<script>"), std::string::npos);
    EXPECT_NE(story.find("<h1 id=\"story-title\" dir=\"auto\">Title</h1>"), std::string::npos);
    SiteInfo odd = info();
    odd.language = "<x>";
    EXPECT_NE(index_html(odd, {}).find("<html lang=\"en\">"), std::string::npos);
}

TEST(SiteLinks, EveryLinkIsRelativeStaysInsideTheSiteAndNamesAFile) {
    SitePage p = page(id_a, "See https://example.org/", "2026-11-30T09:00:00Z");
    p.story.description = "Visit http://example.com or //cdn.example.com";
    SiteInfo i = info();
    i.image = "artwork.jpg";
    const std::vector<std::pair<std::string, std::string>> pages = {
        {"", index_html(i, {p})}, {p.path, story_html(i, p)}, {"s/0123456789abcdef0123456789abcdef/", story_html(i, secret_page())}};
    const std::set<std::string> site_files = {
        "index.html", "assets/site.css", "assets/site.js", "feed.xml", "artwork.jpg", "stories/" + id_a + "/index.html",
        "media/" + id_a + ".mp3", "media/" + id_a + ".opus", "media/99990000-0000-4000-8000-000000000009.mp3",
        "media/99990000-0000-4000-8000-000000000009.opus", "s/0123456789abcdef0123456789abcdef/index.html"};
    for (const auto& [folder, html] : pages) {
        const auto all = links(html);
        EXPECT_GE(all.size(), 4u);
        for (const std::string& link : all) {
            if (link == "#main") continue;
            EXPECT_EQ(link.find("://"), std::string::npos) << link;
            EXPECT_NE(link.front(), '/') << link;
            EXPECT_NE(link.back(), '/') << link << " (file:// does not open a folder's index.html)";
            const std::string target = resolve(folder, link);
            EXPECT_TRUE(site_files.count(target)) << link << " from '" << folder << "' resolves to '" << target << "'";
        }
        // No link reaches outside the site, even where the story's own text holds addresses.
        EXPECT_FALSE(std::regex_search(html, std::regex("\\s(href|src|srcset|poster|action|data)=\"[^\"]*(https?:|//)"))) << folder;
    }
}

TEST(SiteLinks, AStoryPageLinksBackToTheRootFromItsOwnDepth) {
    const SitePage p = page(id_a, "Title", "2026-11-30T09:00:00Z");
    const std::string html = story_html(info(), p);
    EXPECT_NE(html.find("href=\"../../assets/site.css\""), std::string::npos);
    EXPECT_NE(html.find("src=\"../../assets/site.js\""), std::string::npos);
    EXPECT_NE(html.find("href=\"../../index.html\""), std::string::npos);
    EXPECT_NE(html.find("href=\"../../feed.xml\""), std::string::npos);
    EXPECT_NE(html.find("src=\"../../media/" + id_a + ".mp3\" type=\"audio/mpeg\""), std::string::npos);
    EXPECT_NE(html.find("src=\"../../media/" + id_a + ".opus\" type=\"audio/ogg; codecs=opus\""), std::string::npos);

    SitePage deep = p;
    deep.path = "a/b/c/";
    EXPECT_NE(story_html(info(), deep).find("href=\"../../../index.html\""), std::string::npos);
}

TEST(SiteLinks, OddFileNamesArePercentEncoded) {
    SitePage p = page(id_a, "Title", "2026-11-30T09:00:00Z");
    p.mp3 = "media/my story #1 & \"more\".mp3";
    p.opus = "media/río.opus";
    const std::string html = story_html(info(), p);
    EXPECT_NE(html.find("href=\"../../media/my%20story%20%231%20%26%20%22more%22.mp3\""), std::string::npos);
    EXPECT_NE(html.find("../../media/r%C3%ADo.opus"), std::string::npos);
}

TEST(SiteLinks, PathsThatCouldLeaveTheSiteAreRefused) {
    const SitePage good = page(id_a, "Title", "2026-11-30T09:00:00Z");
    for (const std::string bad : {"", "stories/x", "/stories/x/", "../x/", "stories/../../x/", "stories//x/", "./x/",
                                  "stories\\x\\"}) {
        SitePage p = good;
        p.path = bad;
        EXPECT_THROW(story_html(info(), p), sb::Error) << bad;
        EXPECT_THROW(index_html(info(), {p}), sb::Error) << bad;
    }
    for (const std::string bad : {"../media/x.mp3", "/etc/passwd", "https://cdn.example/x.mp3", "media/"}) {
        SitePage p = good;
        p.mp3 = bad;
        EXPECT_THROW(story_html(info(), p), sb::Error) << bad;
    }
    SiteInfo i = info();
    i.feed = "http://example.org/feed.xml";
    EXPECT_THROW(index_html(i, {}), sb::Error);
}

TEST(SiteSecret, ASecretPageIsNoindexUnlistedAndCarriesNoSearchData) {
    const std::string html = story_html(info(), secret_page());
    EXPECT_NE(html.find("<meta name=\"robots\" content=\"noindex, nofollow\">"), std::string::npos);
    EXPECT_EQ(html.find("search-data"), std::string::npos);
    EXPECT_EQ(html.find("application/json"), std::string::npos);
    EXPECT_NE(html.find("This page is unlisted"), std::string::npos);
    EXPECT_NE(html.find("href=\"../../index.html\""), std::string::npos);
    EXPECT_NE(html.find("<meta name=\"referrer\" content=\"no-referrer\">"), std::string::npos);

    const std::string open = story_html(info(), page(id_a, "Public", "2026-11-30T09:00:00Z"));
    EXPECT_EQ(open.find("noindex"), std::string::npos);
    EXPECT_EQ(open.find("unlisted"), std::string::npos);
}

TEST(SiteStoryPage, HasThePlayerChaptersPeopleKeywordsDurationAndDownloads) {
    const std::string html = story_html(info(), page(id_a, "Growing up by the river", "2026-11-30T09:00:00Z"));
    EXPECT_NE(html.find("<audio id=\"player\" controls preload=\"metadata\" aria-label=\"Listen to: Growing up by the river\">"),
              std::string::npos);
    EXPECT_EQ(count(html, "<source "), 2u);
    EXPECT_NE(html.find("data-start=\"0.000\"><span class=\"time\">0:00</span>"), std::string::npos);
    EXPECT_NE(html.find("data-start=\"65.000\"><span class=\"time\">1:05</span>"), std::string::npos);
    EXPECT_NE(html.find("data-start=\"3725.500\"><span class=\"time\">1:02:05</span>"), std::string::npos);
    EXPECT_EQ(count(html, "<button type=\"button\" class=\"chapter\""), 3u);
    EXPECT_NE(html.find("Ana Río</span> <span class=\"role\">(storyteller, <span dir=\"auto\">grandmother</span>)"),
              std::string::npos);
    EXPECT_NE(html.find("Leo Park</span> <span class=\"role\">(interviewer)"), std::string::npos);
    EXPECT_NE(html.find("<li dir=\"auto\">Puerto Rico</li>"), std::string::npos);
    EXPECT_NE(html.find("<dt>Duration</dt><dd><time datetime=\"PT12M34S\">12 min 34 s</time></dd>"), std::string::npos);
    EXPECT_NE(html.find("<dt>Story code</dt><dd>MAIN-aaaa</dd>"), std::string::npos);
    EXPECT_NE(html.find("type=\"audio/mpeg\" download>MP3 audio</a> <span class=\"size\">4.2 MB</span>"), std::string::npos);
    EXPECT_NE(html.find("type=\"audio/ogg\" download>Opus audio</a> <span class=\"size\">880 kB</span>"),
              std::string::npos);
    EXPECT_NE(html.find("<title>Growing up by the river — Riverside Library Stories</title>"), std::string::npos);
    EXPECT_NE(html.find("<p dir=\"auto\">A story about Growing up by the river.</p>"), std::string::npos);
}

TEST(SiteStoryPage, WithoutAudioTheChaptersAreAListAndNothingOffersADownload) {
    SitePage p = page(id_a, "Title", "2026-11-30T09:00:00Z");
    p.mp3.clear();
    p.opus.clear();
    const std::string html = story_html(info(), p);
    EXPECT_EQ(html.find("<audio"), std::string::npos);
    EXPECT_EQ(html.find("<button"), std::string::npos);
    EXPECT_EQ(html.find("download"), std::string::npos);
    EXPECT_NE(html.find("<span class=\"time\">1:05</span>"), std::string::npos);
}

TEST(SitePages, EveryPageForbidsRequestsOutsideTheSite) {
    const SitePage p = page(id_a, "Title", "2026-11-30T09:00:00Z");
    for (const std::string& html : {index_html(info(), {p}), story_html(info(), p), story_html(info(), secret_page())}) {
        EXPECT_NE(html.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'; "
                            "style-src 'self'; img-src 'self'; media-src 'self';"),
                  std::string::npos);
        EXPECT_EQ(html.find(" style=\""), std::string::npos);
        EXPECT_EQ(html.find(" onclick="), std::string::npos);
        EXPECT_NE(html.find("<main id=\"main\""), std::string::npos);
        EXPECT_NE(html.find("<a class=\"skip\" href=\"#main\">"), std::string::npos);
    }
}

TEST(SitePages, SpanishSitesSpeakSpanishAndStoriesKeepTheirOwnLanguage) {
    SiteInfo i = info();
    i.language = "es-PR";
    SitePage p = page(id_a, "La casa", "2026-03-05T09:00:00Z");
    p.story.language = "es";
    const std::string story = story_html(i, p);
    EXPECT_NE(story.find("<html lang=\"es-PR\">"), std::string::npos);
    EXPECT_NE(story.find("Capítulos"), std::string::npos);
    EXPECT_NE(story.find("<time datetime=\"2026-03-05\">5 de marzo de 2026</time>"), std::string::npos);
    EXPECT_NE(story.find("4,2 MB"), std::string::npos);
    EXPECT_NE(story.find("lang=\"es\" dir=\"auto\">La casa</h1>"), std::string::npos);
    EXPECT_NE(index_html(i, {p}).find("1 historia"), std::string::npos);
}

TEST(SiteAssets, TheBuiltInStylesheetAndScriptAreTheFilesInTheSourceTree) {
    const auto dir = sbtest::fs::path(SB_SOURCE_DIR) / "host-tools" / "site" / "assets";
    EXPECT_EQ(site_css(), sbtest::slurp_file(dir / "site.css"));
    EXPECT_EQ(site_js(), sbtest::slurp_file(dir / "site.js"));
    EXPECT_GT(site_js().size(), 1000u);
    // Nothing that cannot work from file:// or that reaches outside the site.
    for (const std::string& text : {site_css(), site_js()}) {
        EXPECT_EQ(text.find("http://"), std::string::npos);
        EXPECT_EQ(text.find("https://"), std::string::npos);
        EXPECT_EQ(text.find("@import"), std::string::npos);
        EXPECT_EQ(text.find("url("), std::string::npos);
    }
    EXPECT_EQ(site_js().find("fetch("), std::string::npos);
    EXPECT_EQ(site_js().find("XMLHttpRequest"), std::string::npos);
    EXPECT_EQ(site_js().find("import "), std::string::npos);
}
