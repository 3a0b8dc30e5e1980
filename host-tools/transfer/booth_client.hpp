#pragma once
// A booth over the network: sync protocol v1 (docs/sync-protocol.md) over HTTP.
//
// Every failure is a SyncError whose message a volunteer can act on: the booth cannot be
// reached, the connection broke, the pairing is wrong or revoked (the booth's own sentence),
// or the answer is not what the protocol promises.
#include "transfer/errors.hpp"
#include "transfer/source.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace sb::storysync {

struct ClientOptions {
    std::chrono::seconds connect_timeout{5};
    std::chrono::seconds read_timeout{20};  // silence longer than this mid-answer: interrupted
};

// "http://host:port" from what a volunteer typed ("booth.local:8080", "http://10.0.0.5:8080/"):
// http:// is added when no scheme is given, a trailing '/' dropped. Throws sb::Error with a
// plain reason for anything else (a path, an unknown scheme, no host).
std::string normalise_url(const std::string& typed);

struct PairResult {
    std::string token;
    std::int64_t laptop_id = 0;
    feed::BoothInfo booth;
};

// POST /sync/v1/pair: exchanges a one-time code for a token.
PairResult pair_with_booth(const std::string& url, const std::string& code, const std::string& host_name,
                           const ClientOptions& opts = {});

class BoothClient : public Source {
public:
    BoothClient(std::string url, std::string token, std::string booth_name, const ClientOptions& opts = {});
    ~BoothClient() override;

    std::string describe() const override;
    // GET /sync/v1/booth: the booth and its latest seq.
    feed::BoothInfo booth(std::int64_t* latest_seq = nullptr);
    feed::ChangesPage changes(std::int64_t since, int limit) override;
    void fetch(const std::string& story_id, const std::string& name, std::uint64_t offset, const std::string& sha256,
               FetchSink& sink) override;
    void ack(std::int64_t seq) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sb::storysync
