#include "repair/ogg.hpp"

#include "repair/in_place.hpp"
#include "common/error.hpp"
#include "common/fs.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

// Ogg framing per RFC 3533, Opus mapping per RFC 7845.
// Page header: "OggS" | version(1) | flags(1) | granule(8 LE) | serial(4 LE) | seqno(4 LE) |
//              crc(4 LE) | nsegs(1) | lacing[nsegs]; then the body (sum of lacing values).

namespace sb::ogg {
namespace {

constexpr std::size_t kHeaderFixed = 27;
constexpr std::size_t kMaxPage = kHeaderFixed + 255 + 255 * 255;
constexpr std::uint8_t kFlagContinued = 0x01;
constexpr std::uint8_t kFlagBos = 0x02;
constexpr std::uint8_t kFlagEos = 0x04;
constexpr std::size_t kMaxTagsPacket = 64u << 20;  // refuse absurd OpusTags (damaged file)

constexpr std::array<std::uint32_t, 256> make_crc_table() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t r = i << 24;
        for (int k = 0; k < 8; ++k) r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : (r << 1);
        t[i] = r;
    }
    return t;
}
constexpr auto kCrcTable = make_crc_table();

// Slicing-by-8: table k gives the CRC contribution of a byte followed by k zero bytes, so eight
// bytes are folded in per step (several times faster than a byte at a time, on any CPU).
constexpr std::array<std::array<std::uint32_t, 256>, 8> make_crc_slices() {
    std::array<std::array<std::uint32_t, 256>, 8> t{};
    t[0] = make_crc_table();
    for (std::size_t k = 1; k < 8; ++k)
        for (std::uint32_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] << 8) ^ t[0][t[k - 1][i] >> 24];
    return t;
}
constexpr auto kCrcSlices = make_crc_slices();

std::uint32_t crc_update(std::uint32_t crc, const std::uint8_t* p, std::size_t n) {
    const auto& t = kCrcSlices;
    while (n >= 8) {
        crc ^= (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
               (static_cast<std::uint32_t>(p[2]) << 8) | p[3];
        crc = t[7][crc >> 24] ^ t[6][(crc >> 16) & 0xffu] ^ t[5][(crc >> 8) & 0xffu] ^ t[4][crc & 0xffu] ^
              t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
        p += 8;
        n -= 8;
    }
    for (std::size_t i = 0; i < n; ++i) crc = (crc << 8) ^ kCrcTable[((crc >> 24) ^ p[i]) & 0xffu];
    return crc;
}

// CRC of a whole page as if its CRC field were zero.
std::uint32_t page_crc(const std::uint8_t* p, std::size_t len) {
    static constexpr std::uint8_t zeros[4] = {0, 0, 0, 0};
    std::uint32_t crc = crc_update(0, p, 22);
    crc = crc_update(crc, zeros, 4);
    return crc_update(crc, p + 26, len - 26);
}

std::uint16_t get_u16le(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t get_u32le(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint64_t get_u64le(const std::uint8_t* p) {
    return static_cast<std::uint64_t>(get_u32le(p)) | (static_cast<std::uint64_t>(get_u32le(p + 4)) << 32);
}
void put_u32le(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put_u64le(std::uint8_t* p, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void append_u32le(std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

void set_page_crc(std::uint8_t* p, std::size_t len) {
    put_u32le(p + 22, 0);
    put_u32le(p + 22, page_crc(p, len));
}

enum class Parse { ok, incomplete, invalid };

// Parses the page at p[0..n). `offset` is its position in the file.
Parse parse_page(const std::uint8_t* p, std::size_t n, std::uint64_t offset, Page& pg) {
    static constexpr std::uint8_t magic[5] = {'O', 'g', 'g', 'S', 0};
    if (n < kHeaderFixed) {
        // Only the bytes there are, and at most the 5 of `magic`.
        return std::memcmp(p, magic, std::min<std::size_t>(n, sizeof magic)) == 0 ? Parse::incomplete : Parse::invalid;
    }
    if (std::memcmp(p, magic, 5) != 0) return Parse::invalid;
    const std::size_t nsegs = p[26];
    if (n < kHeaderFixed + nsegs) return Parse::incomplete;
    std::uint32_t body = 0;
    std::uint32_t ending = 0;
    for (std::size_t i = 0; i < nsegs; ++i) {
        body += p[kHeaderFixed + i];
        if (p[kHeaderFixed + i] < 255) ++ending;
    }
    const std::size_t total = kHeaderFixed + nsegs + body;
    if (n < total) return Parse::incomplete;
    if (page_crc(p, total) != get_u32le(p + 22)) return Parse::invalid;
    pg.offset = offset;
    pg.header_len = static_cast<std::uint32_t>(kHeaderFixed + nsegs);
    pg.body_len = body;
    pg.flags = p[5];
    pg.granule = static_cast<std::int64_t>(get_u64le(p + 6));
    pg.serial = get_u32le(p + 14);
    pg.seqno = get_u32le(p + 18);
    pg.packets_ending = ending;
    return Parse::ok;
}

std::uint64_t page_end(const Page& pg) { return pg.offset + pg.header_len + pg.body_len; }

std::uint64_t file_size_of(int fd, const std::string& name) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw_errno("cannot stat " + name, errno);
    return static_cast<std::uint64_t>(st.st_size);
}

// Reads an Ogg file page by page through a bounded window.
class PageReader {
public:
    PageReader(int fd, std::uint64_t size, std::string name)
        : fd_(fd), size_(size), name_(std::move(name)), buf_(4 * kMaxPage) {}

    // The next complete CRC-valid page (bytes valid until the next call), or nullptr.
    const std::uint8_t* next(Page& pg) {
        const std::uint64_t off = buf_off_ + pos_;
        const std::uint64_t want64 = std::min<std::uint64_t>(kMaxPage, size_ - std::min(size_, off));
        const auto want = static_cast<std::size_t>(want64);
        if (len_ - pos_ < want) refill(want);
        const std::uint8_t* p = buf_.data() + pos_;
        if (parse_page(p, len_ - pos_, off, pg) != Parse::ok) return nullptr;
        pos_ += pg.header_len + pg.body_len;
        return p;
    }

private:
    void refill(std::size_t want) {
        std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
        buf_off_ += pos_;
        len_ -= pos_;
        pos_ = 0;
        while (len_ < want) {
            ssize_t n = ::pread(fd_, buf_.data() + len_, buf_.size() - len_,
                                static_cast<off_t>(buf_off_ + len_));
            if (n < 0) {
                if (errno == EINTR) continue;
                throw_errno("cannot read " + name_, errno);
            }
            if (n == 0) break;  // the file shrank under us: treat as its end
            len_ += static_cast<std::size_t>(n);
        }
    }

    int fd_;
    std::uint64_t size_;
    std::string name_;
    std::vector<std::uint8_t> buf_;
    std::uint64_t buf_off_ = 0;  // file offset of buf_[0]
    std::size_t pos_ = 0;
    std::size_t len_ = 0;
};

bool parse_opus_head(const std::uint8_t* p, std::size_t n, OpusInfo& info) {
    if (n < 19 || std::memcmp(p, "OpusHead", 8) != 0) return false;
    if ((p[8] & 0xF0) != 0) return false;  // major version must be 0
    const int channels = p[9];
    if (channels < 1) return false;
    const int family = p[18];
    if (family == 0) {
        if (channels > 2) return false;
    } else {
        if (n < 21u + static_cast<std::size_t>(channels)) return false;
        const int streams = p[19];
        const int coupled = p[20];
        if (streams < 1 || coupled > streams || streams + coupled > 255) return false;
    }
    info.channels = channels;
    info.preskip = get_u16le(p + 10);
    info.input_rate = get_u32le(p + 12);
    info.output_gain_q78 = static_cast<std::int16_t>(get_u16le(p + 16));
    return true;
}

// Parses OpusTags; `binary_tail` receives what follows the comments.
bool parse_opus_tags(const std::string& pkt, OpusInfo& info, std::string& binary_tail) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(pkt.data());
    const std::size_t n = pkt.size();
    if (n < 16 || std::memcmp(p, "OpusTags", 8) != 0) return false;
    std::size_t at = 8;
    const std::uint32_t vlen = get_u32le(p + at);
    at += 4;
    if (vlen > n - at) return false;
    std::string vendor(pkt, at, vlen);
    at += vlen;
    if (n - at < 4) return false;
    const std::uint32_t count = get_u32le(p + at);
    at += 4;
    if (count > (n - at) / 4) return false;
    std::vector<std::pair<std::string, std::string>> comments;
    comments.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        if (n - at < 4) return false;
        const std::uint32_t len = get_u32le(p + at);
        at += 4;
        if (len > n - at) return false;
        std::string_view c(pkt.data() + at, len);
        at += len;
        const auto eq = c.find('=');
        if (eq == std::string_view::npos) {
            comments.emplace_back(std::string(c), std::string());
        } else {
            comments.emplace_back(std::string(c.substr(0, eq)), std::string(c.substr(eq + 1)));
        }
    }
    info.vendor = std::move(vendor);
    info.comments = std::move(comments);
    binary_tail.assign(pkt, at, std::string::npos);
    return true;
}

// What one pass over the file found, beyond OpusInfo.
struct Walk {
    OpusInfo info;
    std::vector<std::uint8_t> head_page;  // the OpusHead page, verbatim
    std::string tags_tail;                // bytes after the comments in OpusTags
    std::uint32_t serial = 0;
    std::uint32_t head_seqno = 0;
    bool have_granule_page = false;
    Page last_granule_page{};             // the page ending at valid_end
    bool more_valid_pages = false;        // a valid page follows the end of the stream
};

using AudioSink = std::function<void(const Walk&, const Page&, const std::uint8_t*)>;
using HeaderSink = std::function<void(const Walk&)>;

// One pass over the file. on_headers runs once the headers parsed; on_audio for each audio page.
Walk walk_file(int fd, const std::string& name, const HeaderSink& on_headers, const AudioSink& on_audio) {
    Walk w;
    w.info.file_size = file_size_of(fd, name);
    PageReader rd(fd, w.info.file_size, name);
    Page pg{};

    // Page 0: BOS, exactly one packet, OpusHead.
    const std::uint8_t* p = rd.next(pg);
    if (!p) return w;
    if (!(pg.flags & kFlagBos) || (pg.flags & kFlagContinued) || pg.packets_ending != 1 ||
        p[pg.header_len - 1] == 255)
        return w;
    if (!parse_opus_head(p + pg.header_len, pg.body_len, w.info)) return w;
    w.serial = pg.serial;
    w.head_seqno = pg.seqno;
    w.head_page.assign(p, p + pg.header_len + pg.body_len);

    // OpusTags: one packet from the start of page 1, possibly over several pages; the page that
    // ends it must hold nothing else (audio starts on a fresh page).
    std::string tags;
    bool first = true;
    for (;;) {
        p = rd.next(pg);
        if (!p || pg.serial != w.serial) return w;
        if (first == static_cast<bool>(pg.flags & kFlagContinued)) return w;
        if (pg.flags & (kFlagBos | kFlagEos)) return w;
        first = false;
        tags.append(reinterpret_cast<const char*>(p + pg.header_len), pg.body_len);
        if (tags.size() > kMaxTagsPacket) return w;
        if (pg.packets_ending == 0) continue;
        const std::uint32_t nsegs = pg.header_len - kHeaderFixed;
        if (pg.packets_ending != 1 || p[kHeaderFixed + nsegs - 1] == 255) return w;
        break;
    }
    if (!parse_opus_tags(tags, w.info, w.tags_tail)) return w;
    w.info.headers_ok = true;
    w.info.valid_end = page_end(pg);
    if (on_headers) on_headers(w);

    // Audio pages of the same stream, up to the first damaged page or the end of the stream.
    while ((p = rd.next(pg)) != nullptr) {
        if (pg.serial != w.serial || (pg.flags & kFlagBos)) {
            w.more_valid_pages = true;  // another stream (chained or multiplexed)
            break;
        }
        ++w.info.audio_pages;
        if (on_audio) on_audio(w, pg, p);
        if (pg.granule != -1) {
            w.have_granule_page = true;
            w.last_granule_page = pg;
            w.info.last_granule = pg.granule;
            w.info.valid_end = page_end(pg);
            w.info.eos = (pg.flags & kFlagEos) != 0;
        }
        if (pg.flags & kFlagEos) {
            Page extra{};
            w.more_valid_pages = rd.next(extra) != nullptr;
            break;
        }
    }
    w.info.samples_48k = std::max<std::int64_t>(0, w.info.last_granule - w.info.preskip);
    return w;
}

void pread_exact(int fd, std::uint8_t* buf, std::size_t len, std::uint64_t off, const std::string& name) {
    if (!pread_all(fd, buf, len, off, name)) throw IoError("cannot read " + name + ": file shrank while being repaired", EIO);
}

// Buffered sequential writer that throws IoError.
class Writer {
public:
    Writer(int fd, std::string name) : fd_(fd), name_(std::move(name)) { buf_.reserve(kCap); }
    void write(const void* data, std::size_t len) {
        const auto* p = static_cast<const std::uint8_t*>(data);
        if (buf_.size() + len > kCap) flush();
        if (len >= kCap) {
            put(p, len);
        } else {
            buf_.insert(buf_.end(), p, p + len);
        }
    }
    void flush() {
        if (!buf_.empty()) put(buf_.data(), buf_.size());
        buf_.clear();
    }

private:
    static constexpr std::size_t kCap = 1u << 16;
    void put(const std::uint8_t* p, std::size_t len) {
        if (int err = write_all(fd_, p, len)) throw_errno("cannot write " + name_, err);
    }
    int fd_;
    std::string name_;
    std::vector<std::uint8_t> buf_;
};

using repair_detail::open_for_repair;

bool valid_key(const std::string& key) {
    if (key.empty()) return false;
    for (unsigned char c : key) {
        if (c < 0x20 || c > 0x7D || c == '=') return false;
    }
    return true;
}

std::string build_tags_packet(const std::string& vendor,
                              const std::vector<std::pair<std::string, std::string>>& comments,
                              const std::string& tail) {
    std::string pkt = "OpusTags";
    append_u32le(pkt, static_cast<std::uint32_t>(vendor.size()));
    pkt += vendor;
    append_u32le(pkt, static_cast<std::uint32_t>(comments.size()));
    for (const auto& [k, v] : comments) {
        append_u32le(pkt, static_cast<std::uint32_t>(k.size() + 1 + v.size()));
        pkt += k;
        pkt += '=';
        pkt += v;
    }
    // RFC 7845 5.2: data after the comments whose first byte has its low bit set must be kept;
    // anything else there is padding and may be dropped.
    if (!tail.empty() && (static_cast<unsigned char>(tail[0]) & 1u)) pkt += tail;
    return pkt;
}

// Writes `pkt` as one packet over as many pages as needed; returns the next sequence number.
std::uint32_t write_packet_pages(Writer& out, const std::string& pkt, std::uint32_t serial, std::uint32_t seqno) {
    const std::size_t nsegs_total = pkt.size() / 255 + 1;  // last lacing value < 255 (may be 0)
    std::size_t seg = 0;
    std::size_t at = 0;
    std::vector<std::uint8_t> page;
    while (seg < nsegs_total) {
        const std::size_t n = std::min<std::size_t>(255, nsegs_total - seg);
        const bool last = seg + n == nsegs_total;
        page.assign(kHeaderFixed + n, 0);
        std::memcpy(page.data(), "OggS", 4);
        page[4] = 0;
        page[5] = seg == 0 ? 0 : kFlagContinued;
        put_u64le(page.data() + 6, last ? 0 : static_cast<std::uint64_t>(-1));
        put_u32le(page.data() + 14, serial);
        put_u32le(page.data() + 18, seqno++);
        page[26] = static_cast<std::uint8_t>(n);
        std::size_t body = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t lace = (seg + i + 1 == nsegs_total) ? pkt.size() % 255 : 255;
            page[kHeaderFixed + i] = static_cast<std::uint8_t>(lace);
            body += lace;
        }
        page.insert(page.end(), pkt.begin() + static_cast<std::ptrdiff_t>(at),
                    pkt.begin() + static_cast<std::ptrdiff_t>(at + body));
        set_page_crc(page.data(), page.size());
        out.write(page.data(), page.size());
        at += body;
        seg += n;
    }
    return seqno;
}

}  // namespace

std::uint32_t crc32(const std::uint8_t* data, std::size_t len) { return crc_update(0, data, len); }

std::vector<Page> scan(std::string_view bytes) {
    std::vector<Page> pages;
    const auto* base = reinterpret_cast<const std::uint8_t*>(bytes.data());
    std::size_t at = 0;
    Page pg{};
    while (at < bytes.size() && parse_page(base + at, bytes.size() - at, at, pg) == Parse::ok) {
        pages.push_back(pg);
        at += pg.header_len + pg.body_len;
    }
    return pages;
}

OpusInfo inspect(const std::filesystem::path& file) {
    Fd fd = open_file(file, O_RDONLY);
    return walk_file(fd.get(), file.string(), nullptr, nullptr).info;
}

RepairResult repair_opus_in_place(const std::filesystem::path& file) {
    const std::string name = file.string();
    int ro_errno = 0;
    Fd fd = open_for_repair(file, ro_errno);
    const Walk w = walk_file(fd.get(), name, nullptr, nullptr);
    RepairResult r;
    r.size = w.info.file_size;
    if (!w.info.headers_ok || !w.have_granule_page) return r;
    if (w.more_valid_pages)
        throw Error("cannot repair " + name + ": more than one Ogg stream (chained or multiplexed file)");
    r.has_audio = true;

    const Page& lp = w.last_granule_page;
    std::vector<std::uint8_t> page(lp.header_len + lp.body_len);
    pread_exact(fd.get(), page.data(), page.size(), lp.offset, name);
    std::vector<std::uint8_t> fixed = page;

    // A page ending inside a packet (the rest was on the lost next page): drop the unfinished part.
    const std::size_t nsegs = lp.header_len - kHeaderFixed;
    if (lp.packets_ending > 0 && fixed[kHeaderFixed + nsegs - 1] == 255) {
        std::size_t keep = nsegs;
        while (fixed[kHeaderFixed + keep - 1] == 255) --keep;
        std::size_t body = 0;
        for (std::size_t i = 0; i < keep; ++i) body += fixed[kHeaderFixed + i];
        std::vector<std::uint8_t> t(fixed.begin(), fixed.begin() + static_cast<std::ptrdiff_t>(kHeaderFixed + keep));
        t[26] = static_cast<std::uint8_t>(keep);
        const auto body_at = fixed.begin() + static_cast<std::ptrdiff_t>(lp.header_len);
        t.insert(t.end(), body_at, body_at + static_cast<std::ptrdiff_t>(body));
        fixed = std::move(t);
    }
    fixed[5] |= kFlagEos;
    set_page_crc(fixed.data(), fixed.size());

    const std::uint64_t new_end = lp.offset + fixed.size();
    if (ro_errno && (fixed != page || new_end != w.info.file_size))
        throw_errno("cannot repair " + name, ro_errno);
    if (fixed != page) {
        // Only the header changes unless the page was shortened; either way it fits where it was.
        const std::size_t n = fixed.size() == page.size() ? kHeaderFixed : fixed.size();
        pwrite_all(fd.get(), fixed.data(), n, lp.offset, name);
        r.changed = true;
    }
    if (new_end != w.info.file_size) {
        if (::ftruncate(fd.get(), static_cast<off_t>(new_end)) != 0) throw_errno("cannot truncate " + name, errno);
        r.changed = true;
    }
    if (r.changed && ::fsync(fd.get()) != 0) throw_errno("cannot sync " + name, errno);
    r.size = new_end;
    r.samples_48k = w.info.samples_48k;
    return r;
}

OpusInfo rewrite_tags(const std::filesystem::path& in, const std::filesystem::path& out,
                      const std::vector<std::pair<std::string, std::string>>& comments) {
    const std::string in_name = in.string();
    const std::string out_name = out.string();
    for (const auto& c : comments) {
        if (!valid_key(c.first)) throw Error("invalid comment key \"" + c.first + "\" for " + out_name);
    }
    Fd src = open_file(in, O_RDONLY);
    {
        struct stat a {}, b {};
        if (::fstat(src.get(), &a) == 0 && ::stat(out.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino)
            throw Error("cannot rewrite tags of " + in_name + " onto itself");
    }

    Fd dst;
    bool created = false;
    std::unique_ptr<Writer> wr;
    std::uint32_t seqno = 0;
    try {
        auto on_headers = [&](const Walk& w) {
            dst = open_file(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            created = true;
            wr = std::make_unique<Writer>(dst.get(), out_name);
            wr->write(w.head_page.data(), w.head_page.size());
            const std::string pkt = build_tags_packet(w.info.vendor, comments, w.tags_tail);
            seqno = write_packet_pages(*wr, pkt, w.serial, w.head_seqno + 1);
        };
        std::vector<std::uint8_t> page;
        auto on_audio = [&](const Walk&, const Page& pg, const std::uint8_t* p) {
            if (pg.seqno == seqno) {
                // The new tags took as many pages as the old: the page is copied as it is.
                ++seqno;
                wr->write(p, pg.header_len + pg.body_len);
                return;
            }
            page.assign(p, p + pg.header_len + pg.body_len);
            put_u32le(page.data() + 18, seqno++);
            set_page_crc(page.data(), page.size());
            wr->write(page.data(), page.size());
        };
        const Walk w = walk_file(src.get(), in_name, on_headers, on_audio);
        if (!w.info.headers_ok) throw Error("cannot rewrite tags: " + in_name + " has no valid Ogg Opus headers");
        wr->flush();
        if (::fsync(dst.get()) != 0) throw_errno("cannot sync " + out_name, errno);
        if (::close(dst.release()) != 0) throw_errno("cannot close " + out_name, errno);
        return w.info;
    } catch (...) {
        if (created) {
            dst.reset();
            ::unlink(out.c_str());
        }
        throw;
    }
}

}  // namespace sb::ogg
