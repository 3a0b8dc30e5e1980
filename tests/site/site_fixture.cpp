// site_fixture OUTDIR SPEECH.wav SPEECH.opus [ARTWORK.png] — writes a small published site for the browser
// test (tests/browser/site-render.test.mjs): two listed stories and one secret page, the
// stylesheet and script, a minimal feed, the artwork if given, and real audio (the Opus file as given, and an MP3
// made from the WAV with libsndfile). Prints the secret page's path on stdout.
#include "site/site.hpp"

#include <sndfile.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <vector>

namespace fs = std::filesystem;
using namespace sb::storysync;

namespace {

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
}

// The WAV as an MP3 (libsndfile's LAME encoder); returns its duration in ms.
std::int64_t wav_to_mp3(const fs::path& wav, const fs::path& mp3) {
    SF_INFO in_info{};
    SNDFILE* in = sf_open(wav.c_str(), SFM_READ, &in_info);
    if (!in) throw std::runtime_error("cannot read " + wav.string() + ": " + sf_strerror(nullptr));
    SF_INFO out_info{};
    out_info.samplerate = in_info.samplerate;
    out_info.channels = in_info.channels;
    out_info.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
    fs::create_directories(mp3.parent_path());
    SNDFILE* out = sf_open(mp3.c_str(), SFM_WRITE, &out_info);
    if (!out) {
        sf_close(in);
        throw std::runtime_error("cannot write " + mp3.string() + ": " + sf_strerror(nullptr));
    }
    std::vector<float> buf(4096 * static_cast<std::size_t>(in_info.channels));
    sf_count_t n;
    while ((n = sf_readf_float(in, buf.data(), 4096)) > 0) sf_writef_float(out, buf.data(), n);
    sf_close(out);
    sf_close(in);
    return in_info.frames * 1000 / in_info.samplerate;
}

sb::Participant person(const std::string& name, const std::string& role, const std::string& relationship) {
    sb::Participant p;
    p.name = name;
    p.role = role;
    p.relationship = relationship;
    return p;
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc != 4 && argc != 5) {
        std::cerr << "usage: site_fixture OUTDIR SPEECH.wav SPEECH.opus [ARTWORK.png]\n";
        return 2;
    }
    const fs::path root = argv[1];
    const fs::path wav = argv[2], opus = argv[3];

    SiteInfo info;
    info.title = "Riverside Library Stories";
    info.description = "Conversations recorded in the story booth at Riverside Library, shared by the people in them.";
    if (argc == 5) {
        info.image = "artwork.png";
        fs::create_directories(root);
        fs::copy_file(argv[4], root / info.image, fs::copy_options::overwrite_existing);
    }

    const std::vector<std::string> ids = {"3f9a1c52-7d44-4b8e-9a61-0c2b5e8d7f10", "8b2e4d17-1a9c-4f3b-b7d2-5e6a0c9f1234",
                                          "c0ffee00-5eed-4bad-a11e-0123456789ab"};
    std::int64_t duration_ms = 0;
    std::vector<SitePage> pages;
    for (const std::string& id : ids) {
        SitePage p;
        p.story.id = id;
        p.path = "stories/" + id + "/";
        p.mp3 = "media/" + id + ".mp3";
        p.opus = "media/" + id + ".opus";
        duration_ms = wav_to_mp3(wav, root / p.mp3);
        fs::copy_file(opus, root / p.opus, fs::copy_options::overwrite_existing);
        p.mp3_bytes = fs::file_size(root / p.mp3);
        p.opus_bytes = fs::file_size(root / p.opus);
        p.story.duration_ms = duration_ms;
        pages.push_back(p);
    }

    sb::Story& a = pages[0].story;
    a.code = "MAIN-0042";
    a.title = "La casa de mi abuela en Río Piedras";
    a.language = "es";
    a.created_at = "2026-11-28T15:20:00Z";
    a.description = "María José le cuenta a su nieto cómo era la casa de su abuela: el patio, las gallinas y la radio "
                    "que nunca se apagaba.\n\nGrabada en la biblioteca durante la semana de la familia.";
    a.participants = {person("María José Núñez", "storyteller", "abuela"), person("Tomás Ortega", "interviewer", "nieto")};
    a.markers = {{0, "¿Dónde creciste?"}, {6500, "¿Cómo era la casa?"}, {13000, "¿Qué le dirías a tu yo de niña?"}};
    a.keywords = {"familia", "Puerto Rico", "casa"};

    sb::Story& b = pages[1].story;
    b.code = "MAIN-0017";
    b.title = "Night shifts at the bakery";
    b.language = "en";
    b.created_at = "2026-10-03T19:05:00Z";
    b.description = "Yusuf remembers thirty years of night shifts: the ovens at 3 a.m., the first bus, and the "
                    "neighbours who came to the back door for warm bread.";
    b.participants = {person("Yusuf Haddad", "storyteller", "father"), person("ليلى حداد", "interviewer", "daughter")};
    b.markers = {{0, "When did you start at the bakery?"}, {7000, "What was the hardest night?"}};
    b.keywords = {"work", "bread", "night"};

    sb::Story& c = pages[2].story;
    c.code = "MAIN-0051";
    c.title = "A letter I never sent";
    c.language = "en";
    c.created_at = "2026-11-30T11:00:00Z";
    c.description = "Kept private; shared only with the family through this page.";
    c.participants = {person("Ruth Abernathy", "storyteller", "")};
    c.markers = {{0, "Who was the letter for?"}, {9000, "What would it say today?"}};
    c.secret_link = "5e1f0c2d9a8b7c6d5e4f3a2b1c0d9e8f";
    pages[2].path = "s/" + c.secret_link + "/";
    pages[2].secret = true;

    write(root / "index.html", index_html(info, {pages[0], pages[1]}));
    for (const SitePage& p : pages) write(root / p.path / "index.html", story_html(info, p));
    write(root / "assets" / "site.css", site_css());
    write(root / "assets" / "site.js", site_js());
    write(root / "feed.xml",
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>" + info.title +
              "</title><link>index.html</link><description>Test feed</description></channel></rss>\n");
    std::cout << pages[2].path << "\n";
    return 0;
} catch (const std::exception& e) {
    std::cerr << "site_fixture: " << e.what() << "\n";
    return 1;
}
