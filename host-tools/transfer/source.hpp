#pragma once
// Where stories come from: a booth over the network (BoothClient) or a USB export folder
// (ExportSource). Both answer with the same sync protocol v1 objects (feed/feed.hpp), so a pull
// treats them exactly alike, keyed by the booth id.
#include "feed/feed.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace sb::storysync {

// Receives one file's bytes as they arrive.
class FetchSink {
public:
    virtual ~FetchSink() = default;
    // The bytes that follow start at `offset`: the offset asked for, or 0 when the source sends
    // the whole file instead (its ETag no longer matches). Called once, before any data().
    virtual void begin(std::uint64_t offset) = 0;
    // Throwing stops the transfer; the exception reaches the caller of fetch().
    virtual void data(const char* bytes, std::size_t n) = 0;
    // Optionally, where the source may put the next bytes itself (saves a copy): a buffer and its
    // room, or {nullptr, 0}. After filling part of it the source calls received(n) instead of data().
    virtual std::pair<char*, std::size_t> receive_buffer() { return {nullptr, 0}; }
    virtual void received(std::size_t /*n*/) {}
};

class Source {
public:
    virtual ~Source() = default;
    // "booth 'Story booth' at http://..." or "the USB export at /media/...": for messages.
    virtual std::string describe() const = 0;
    // Up to `limit` entries after `since` (protocol: GET /sync/v1/changes).
    virtual feed::ChangesPage changes(std::int64_t since, int limit) = 0;
    // The story's file from `offset` on (Range + If-Range with `sha256` as the ETag).
    virtual void fetch(const std::string& story_id, const std::string& name, std::uint64_t offset,
                       const std::string& sha256, FetchSink& sink) = 0;
    // Tells the source every change up to `seq` is safe on the laptop (no-op for an export).
    virtual void ack(std::int64_t seq) = 0;
};

}  // namespace sb::storysync
