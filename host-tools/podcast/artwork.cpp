// The show's artwork, checked against Apple Podcasts' rules from the file's own header: a JPEG
// or PNG, named for what it is, RGB, square, 1400 to 3000 pixels on a side. Only the first few
// kilobytes are read (a JPEG's frame header may follow large EXIF or ICC blocks, which are
// skipped by their lengths).
#include "podcast/podcast.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>

namespace sb::storysync {

namespace {

constexpr int kMinSide = 1400;
constexpr int kMaxSide = 3000;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::uint32_t be32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
unsigned be16(const unsigned char* p) {
    return (unsigned{p[0]} << 8) | p[1];
}

struct Header {
    int width = 0, height = 0;
    bool rgb = false;
    std::string colour;  // what it is when not RGB
};

Header png_header(std::ifstream& in, const std::string& name) {
    // Signature (8), IHDR length (4), "IHDR" (4), width, height, bit depth, colour type.
    std::array<unsigned char, 26> b{};
    if (!in.read(reinterpret_cast<char*>(b.data()), b.size()) || std::string(b.begin() + 12, b.begin() + 16) != "IHDR")
        throw Error(name + " is a damaged PNG file (no IHDR header); artwork must be a JPEG or PNG image");
    Header h;
    h.width = static_cast<int>(std::min<std::uint32_t>(be32(&b[16]), 1u << 30));
    h.height = static_cast<int>(std::min<std::uint32_t>(be32(&b[20]), 1u << 30));
    int type = b[25];
    // 2 truecolour, 6 truecolour + alpha, 3 palette (entries are RGB); 0 and 4 are grey.
    h.rgb = type == 2 || type == 6 || type == 3;
    h.colour = "greyscale";
    return h;
}

Header jpeg_header(std::ifstream& in, const std::string& name) {
    auto damaged = [&] {
        return Error(name + " is a damaged JPEG file (no frame header found); artwork must be a JPEG or PNG image");
    };
    in.seekg(2);
    for (;;) {
        int c = in.get();
        if (c == EOF) throw damaged();
        if (c != 0xFF) throw damaged();
        int marker = in.get();
        while (marker == 0xFF) marker = in.get();  // fill bytes
        if (marker == EOF) throw damaged();
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
        if (marker == 0xD9 || marker == 0xDA) throw damaged();  // end of image or scan before any frame
        unsigned char lenb[2];
        if (!in.read(reinterpret_cast<char*>(lenb), 2)) throw damaged();
        unsigned len = be16(lenb);
        if (len < 2) throw damaged();
        bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (sof) {
            unsigned char f[6];  // precision, height, width, components
            if (len < 8 || !in.read(reinterpret_cast<char*>(f), 6)) throw damaged();
            Header h;
            h.height = static_cast<int>(be16(&f[1]));
            h.width = static_cast<int>(be16(&f[3]));
            h.rgb = f[5] == 3;
            h.colour = f[5] == 1 ? "greyscale" : f[5] == 4 ? "CMYK" : std::to_string(f[5]) + "-channel";
            return h;
        }
        in.seekg(static_cast<std::streamoff>(len) - 2, std::ios::cur);
        if (!in) throw damaged();
    }
}

}  // namespace

Artwork check_artwork(const std::filesystem::path& file) {
    const std::string name = file.filename().string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw Error("the artwork " + file.string() + " is missing; the podcast needs a JPEG or PNG image there");
    std::ifstream in(file, std::ios::binary);
    unsigned char magic[8] = {};
    if (!in || !in.read(reinterpret_cast<char*>(magic), 8)) {
        if (!in.is_open()) throw Error("the artwork " + file.string() + " cannot be read");
        throw Error(name + " is not a JPEG or PNG image; artwork must be one (Apple Podcasts)");
    }
    static constexpr unsigned char kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    Artwork a;
    Header h;
    in.seekg(0);
    if (std::equal(std::begin(kPng), std::end(kPng), magic)) {
        a.mime = "image/png";
        h = png_header(in, name);
    } else if (magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) {
        a.mime = "image/jpeg";
        h = jpeg_header(in, name);
    } else {
        throw Error(name + " is not a JPEG or PNG image; artwork must be one (Apple Podcasts)");
    }
    a.width = h.width;
    a.height = h.height;

    std::string ext = lower(file.extension().string());
    if (a.mime == "image/png" && ext != ".png")
        throw Error(name + " is a PNG image; its name must end in .png so the type in the URL matches the file (Apple Podcasts)");
    if (a.mime == "image/jpeg" && ext != ".jpg" && ext != ".jpeg")
        throw Error(name + " is a JPEG image; its name must end in .jpg or .jpeg so the type in the URL matches the file (Apple Podcasts)");
    if (!h.rgb)
        throw Error("artwork must be in the RGB colour space (Apple Podcasts); " + name + " is " + h.colour);
    if (a.width != a.height || a.width < kMinSide || a.width > kMaxSide)
        throw Error("artwork must be square, 1400 to 3000 pixels on a side (Apple Podcasts); " + name + " is " +
                    std::to_string(a.width) + "x" + std::to_string(a.height));
    return a;
}

}  // namespace sb::storysync
