// The ID3v2.4 tag in front of the episode MP3 (id3.org, "ID3 tag version 2.4.0 - Main
// Structure" and "Native Frames"): a 10-byte header whose size is syncsafe (7 bits a byte), then
// text frames (TIT2 title, TPE1 artist, TALB album, TDRC recording time), each with a syncsafe
// size and encoding byte 3 (UTF-8). No unsynchronisation, no extended header, no padding.
#include "common/error.hpp"
#include "common/fs.hpp"
#include "common/utf8.hpp"
#include "episode_audio/episode_audio.hpp"
#include "common/temp_file.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace sb::storysync {

namespace {

constexpr std::uint32_t kMaxSyncsafe = (1u << 28) - 1;

void put_syncsafe(std::string& out, std::uint32_t v) {
    out.push_back(static_cast<char>((v >> 21) & 0x7f));
    out.push_back(static_cast<char>((v >> 14) & 0x7f));
    out.push_back(static_cast<char>((v >> 7) & 0x7f));
    out.push_back(static_cast<char>(v & 0x7f));
}

bool valid_date(std::string_view d) {
    auto digits = [&](std::size_t from, std::size_t n) {
        for (std::size_t i = from; i < from + n; ++i)
            if (d[i] < '0' || d[i] > '9') return false;
        return true;
    };
    auto number = [&](std::size_t from) { return (d[from] - '0') * 10 + (d[from + 1] - '0'); };
    if (d.size() != 4 && d.size() != 7 && d.size() != 10) return false;
    if (!digits(0, 4)) return false;
    if (d.size() >= 7) {
        if (d[4] != '-' || !digits(5, 2) || number(5) < 1 || number(5) > 12) return false;
    }
    if (d.size() == 10) {
        if (d[7] != '-' || !digits(8, 2) || number(8) < 1 || number(8) > 31) return false;
    }
    return true;
}

void add_text_frame(std::string& frames, const char* id, std::string_view field, const std::string& text) {
    if (text.empty()) return;
    if (!sb::is_valid_utf8(text)) throw Error("the ID3 " + std::string(field) + " is not valid UTF-8");
    if (text.find('\0') != std::string::npos) throw Error("the ID3 " + std::string(field) + " contains a NUL character");
    if (text.size() + 1 > kMaxSyncsafe) throw Error("the ID3 " + std::string(field) + " is too long");
    frames.append(id, 4);
    put_syncsafe(frames, static_cast<std::uint32_t>(text.size() + 1));
    frames.append(2, '\0');  // flags
    frames.push_back('\x03'); // UTF-8
    frames.append(text);
}

// Size of an ID3v2 tag at the start of a file (header, body, footer), or 0 if there is none.
std::uint64_t existing_tag_size(const unsigned char* h, std::size_t n) {
    if (n < 10 || h[0] != 'I' || h[1] != 'D' || h[2] != '3' || h[3] == 0xff || h[4] == 0xff) return 0;
    for (int i = 6; i < 10; ++i)
        if (h[i] & 0x80) return 0;
    std::uint64_t size = (std::uint64_t{h[6]} << 21) | (std::uint64_t{h[7]} << 14) | (std::uint64_t{h[8]} << 7) | h[9];
    return 10 + size + ((h[5] & 0x10) ? 10 : 0);
}

}  // namespace

std::string id3v2_tag(const Id3Tags& tags) {
    if (!tags.date.empty() && !valid_date(tags.date))
        throw Error("the ID3 date \"" + tags.date + "\" is not YYYY, YYYY-MM or YYYY-MM-DD");
    std::string frames;
    add_text_frame(frames, "TIT2", "title", tags.title);
    add_text_frame(frames, "TPE1", "artist", tags.artist);
    add_text_frame(frames, "TALB", "album", tags.album);
    add_text_frame(frames, "TDRC", "date", tags.date);
    if (frames.size() > kMaxSyncsafe) throw Error("the ID3 tag is too large");
    std::string tag("ID3\x04\x00\x00", 6);
    put_syncsafe(tag, static_cast<std::uint32_t>(frames.size()));
    return tag + frames;
}

std::uint64_t write_tagged_mp3(const fs::path& untagged, const fs::path& out, const Id3Tags& tags) {
    const std::string tag = id3v2_tag(tags);
    Fd in = open_file(untagged, O_RDONLY);
    std::error_code ec;
    if (fs::exists(out, ec) && fs::equivalent(untagged, out, ec))
        throw Error("cannot tag " + untagged.string() + " onto itself");

    std::vector<unsigned char> buf(1 << 16);
    ssize_t got;
    do got = ::read(in.get(), buf.data(), buf.size());
    while (got < 0 && errno == EINTR);
    if (got < 0) throw_errno("cannot read " + untagged.string(), errno);
    std::uint64_t skip = existing_tag_size(buf.data(), static_cast<std::size_t>(got));
    if (::lseek(in.get(), static_cast<off_t>(skip), SEEK_SET) < 0) throw_errno("cannot read " + untagged.string(), errno);

    TempFile tmp(out);
    if (int err = write_all(tmp.fd(), tag.data(), tag.size())) throw_errno("cannot write " + out.string(), err);
    std::uint64_t audio = 0;
    for (;;) {
        ssize_t n = ::read(in.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("cannot read " + untagged.string(), errno);
        if (n == 0) break;
        if (int err = write_all(tmp.fd(), buf.data(), static_cast<std::size_t>(n))) throw_errno("cannot write " + out.string(), err);
        audio += static_cast<std::uint64_t>(n);
    }
    if (audio == 0) throw Error(untagged.string() + " holds no MP3 audio");
    return tmp.commit();
}

}  // namespace sb::storysync
