#include "transfer/export_source.hpp"

#include "common/fs.hpp"

#include <cerrno>
#include <fcntl.h>
#include <vector>

namespace sb::storysync {

ExportSource::ExportSource(const std::filesystem::path& booth_folder) : export_(feed::read_export(booth_folder)) {}

std::string ExportSource::describe() const {
    return "the USB export of booth '" + export_.booth.name + "' at " + export_.folder.string();
}

feed::ChangesPage ExportSource::changes(std::int64_t since, int) {
    feed::ChangesPage p;
    p.booth = export_.booth;
    for (const auto& e : export_.changes.changes)
        if (e.seq > since) p.changes.push_back(e);
    p.next = std::max(since, export_.changes.next);
    p.more = false;
    return p;
}

void ExportSource::fetch(const std::string& story_id, const std::string& name, std::uint64_t offset, const std::string&,
                         FetchSink& sink) {
    const auto path = export_.file(story_id, name);
    Fd fd;
    try {
        fd = open_file(path, O_RDONLY);
    } catch (const IoError& e) {
        if (e.code() == ENOENT)
            throw SyncError(SyncError::Reason::not_found, "the USB export lacks " + path.string() + "; export again");
        throw;
    }
    sink.begin(offset);
    std::vector<char> buf(1 << 20);
    for (;;) {
        ssize_t n = ::pread(fd.get(), buf.data(), buf.size(), static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("cannot read " + path.string(), errno);
        }
        if (n == 0) break;
        sink.data(buf.data(), static_cast<std::size_t>(n));
        offset += static_cast<std::uint64_t>(n);
    }
}

}  // namespace sb::storysync
