// storysync when things go wrong: killed mid-pull, bytes corrupted in transit, a wrong or revoked
// token, the booth gone mid-transfer, the laptop's disk full. Every time: a clear message,
// nothing half-written among the stories, and the next pull completes.
#include "storysync_test.hpp"

#include <atomic>
#include <random>

using namespace sbtest;
using nlohmann::json;

namespace {

// A small HTTP proxy in front of a booth that can damage the bytes of file downloads.
class CorruptingProxy {
public:
    // corrupt(n): whether to flip a byte in the n-th file response (1-based).
    CorruptingProxy(int booth_port, std::function<bool(int)> corrupt) : booth_port_(booth_port), corrupt_(std::move(corrupt)) {
        auto forward = [this](const httplib::Request& req, httplib::Response& res) {
            httplib::Client c("127.0.0.1", booth_port_);
            c.set_read_timeout(20, 0);
            httplib::Headers h;
            for (const char* k : {"Authorization", "Range", "If-Range"})
                if (req.has_header(k)) h.emplace(k, req.get_header_value(k));
            const std::string path = req.target;
            auto r = req.method == "POST" ? c.Post(path, h, req.body, "application/json") : c.Get(path, h);
            if (!r) {
                res.status = 502;
                return;
            }
            std::string body = r->body;
            if (path.find("/sync/v1/files/") != std::string::npos && (r->status == 200 || r->status == 206)) {
                const int n = ++file_responses_;
                if (corrupt_(n) && !body.empty()) {
                    body[body.size() / 2] = static_cast<char>(body[body.size() / 2] ^ 0x40);
                    ++corrupted_;
                }
            }
            res.status = r->status;
            for (const char* k : {"ETag", "Content-Range", "Accept-Ranges", "WWW-Authenticate"})
                if (r->has_header(k)) res.set_header(k, r->get_header_value(k));
            res.set_content(body, r->get_header_value("Content-Type").empty() ? "application/octet-stream"
                                                                             : r->get_header_value("Content-Type"));
        };
        server_.Get(".*", forward);
        server_.Post(".*", forward);
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~CorruptingProxy() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int file_responses() const { return file_responses_; }
    int corrupted() const { return corrupted_; }

private:
    int booth_port_;
    std::function<bool(int)> corrupt_;
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::atomic<int> file_responses_{0}, corrupted_{0};
};

}  // namespace

TEST(StorysyncFaults, KilledAtRandomPointsMidPullThenRerunEverythingIsCompleteAndVerified) {
    TempDir t;
    Booth booth(t / "booth", 3);
    Laptop laptop;
    laptop.pair(booth);
    const std::string booth_id = laptop.booths_json()[0]["id"];
    const auto offered = booth.offered();

    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> delay_ms(30, 1500);
    int killed_mid_transfer = 0;
    for (int round = 0; round < 7; ++round) {
        const std::size_t partial_before = partial_bytes(laptop);
        // ~9 MB at 4 MB/s: the first round's kill cannot come after the whole pull.
        Process p(laptop.argv({"pull", "--rate-limit", "4000000"}), t / ("kill" + std::to_string(round) + ".log"));
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
        p.kill(SIGKILL);
        const int rc = p.wait();
        // It died while a file was arriving: killed, with a partial file that this run wrote to.
        const std::size_t partial_after = partial_bytes(laptop);
        if (rc == 128 + SIGKILL && partial_after > 0 && partial_after != partial_before) ++killed_mid_transfer;
        // Whatever moment it died at, the stories folder holds only whole, verified files.
        expect_library_holds_only_whole_files(laptop, booth_id, offered);
    }
    EXPECT_GT(killed_mid_transfer, 0);

    auto r = laptop.sync("pull");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(laptop.story_files().size(), 6u);
    expect_library_holds_only_whole_files(laptop, booth_id, offered);
    EXPECT_EQ(partial_bytes(laptop), 0u);
    EXPECT_EQ(laptop.list_json().size(), 3u);
    r = laptop.sync("verify");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    r = laptop.sync("pull");
    EXPECT_NE(r.out.find("nothing new"), std::string::npos) << r.out;
}

TEST(StorysyncFaults, AFileCorruptedInTransitIsDetectedAndFetchedAgain) {
    TempDir t;
    Booth booth(t / "booth", 1);
    CorruptingProxy proxy(booth.daemon->port(), [](int n) { return n == 1; });
    Laptop laptop;
    auto r = laptop.sync("pair " + q(proxy.url()) + " " + q(booth.code()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = laptop.sync("pull");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(proxy.corrupted(), 1);
    EXPECT_EQ(proxy.file_responses(), 3);  // two files, one of them twice
    expect_library_holds_only_whole_files(laptop, "", booth.offered());
    EXPECT_EQ(laptop.story_files().size(), 2u);
    EXPECT_EQ(laptop.sync("verify").exit_code, 0);
}

TEST(StorysyncFaults, AFileThatNeverArrivesIntactFailsTheStoryAndHoldsTheSequenceBack) {
    TempDir t;
    Booth booth(t / "booth", 2);
    std::atomic<bool> damage{true};
    CorruptingProxy proxy(booth.daemon->port(), [&](int) { return damage.load(); });
    Laptop laptop;
    auto r = laptop.sync("pair " + q(proxy.url()) + " " + q(booth.code()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = laptop.sync("pull");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.out.find("FAILED"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("SHA-256 did not match"), std::string::npos) << r.out;
    EXPECT_EQ(laptop.story_files().size(), 0u);
    EXPECT_EQ(laptop.list_json().size(), 0u);
    EXPECT_EQ(laptop.booths_json()[0]["last_seq"], 0);  // not advanced past the failed story
    EXPECT_EQ(proxy.file_responses(), 3 * 2);           // each story's first file tried three times

    damage = false;
    r = laptop.sync("pull");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("2 new"), std::string::npos) << r.out;
    expect_library_holds_only_whole_files(laptop, "", booth.offered());
    EXPECT_EQ(laptop.story_files().size(), 4u);
}

TEST(StorysyncFaults, AWrongOrRevokedTokenOrCodeGivesOneClearLineAndChangesNothing) {
    TempDir t;
    Booth booth(t / "booth", 1);
    Laptop laptop;

    auto r = laptop.sync("pair " + q(booth.url()) + " ZZZZ-ZZZZ");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("wrong, used or expired"), std::string::npos) << r.err;
    EXPECT_TRUE(laptop.booths_json().empty());

    laptop.pair(booth);
    // A token the booth never issued.
    const fs::path tokens = laptop.config_dir() / "tokens.json";
    const std::string good = slurp_file(tokens);
    json j = json::parse(good);
    for (auto& [k, v] : j.items()) v = "not-the-token";
    { std::ofstream(tokens) << j.dump(); }
    r = laptop.sync("pull");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("revoked on the booth (or never existed)"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(laptop.story_files().size(), 0u);

    // The real token, revoked by the librarian.
    { std::ofstream(tokens) << good; }
    Admin admin(booth.daemon->port());
    const auto id = admin.laptops()[0]["id"].get<std::int64_t>();
    ASSERT_EQ(admin.revoke(id), 200);
    r = laptop.sync("pull");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("revoked"), std::string::npos) << r.err;
    EXPECT_EQ(laptop.story_files().size(), 0u);
    EXPECT_EQ(laptop.booths_json()[0]["last_seq"], 0);

    // A booth that is switched off.
    booth.stop();
    r = laptop.sync("pull --timeout 2");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("cannot reach booth"), std::string::npos) << r.err;
}

TEST(StorysyncFaults, TheBoothStoppingMidTransferLeavesNothingHalfWrittenAndTheNextPullResumes) {
    TempDir t;
    // A story long enough (a master of ~11 MB) that the booth cannot have handed all of it to the
    // network before it stops.
    Booth booth(t / "booth", 0);
    booth.stop();
    booth.ids.push_back(record_story(booth.data, "A long afternoon", very_long_conversation()));
    booth.start();
    Laptop laptop;
    laptop.pair(booth);
    const auto offered = booth.offered();

    Process p(laptop.argv({"pull", "--rate-limit", "2000000"}), t / "pull.log", t / "pull.out");
    // Wait until the master is under way, then the booth loses power.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (partial_bytes(laptop, "master.flac") < 1000000 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_GE(partial_bytes(laptop, "master.flac"), 1000000u);
    booth.daemon->stop(SIGKILL);
    const int rc = p.wait();
    EXPECT_EQ(rc, 1);
    const std::string err = slurp_file(t / "pull.log");
    EXPECT_NE(err.find("lost the connection to booth"), std::string::npos) << err;
    expect_library_holds_only_whole_files(laptop, "", offered);
    const std::size_t kept = partial_bytes(laptop);
    EXPECT_GT(kept, 0u);

    // The booth is back (at a new address): pair again and pull; the partial file is resumed.
    booth.start();
    laptop.pair(booth);
    auto r = laptop.sync("pull");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(laptop.story_files().size(), 2u);
    expect_library_holds_only_whole_files(laptop, "", offered);
    EXPECT_EQ(partial_bytes(laptop), 0u);
    EXPECT_NE(r.out.find("resumed 1 file"), std::string::npos) << r.out;
}

TEST(StorysyncFaults, TheLaptopDiskFillingUpGivesAClearMessageAndTheLibraryStaysConsistent) {
    TempDir t;
    Booth booth(t / "booth", 1);
    Laptop laptop;
    laptop.pair(booth);
    const auto offered = booth.offered();

    // A file-size limit of 1 MB: the listening copy fits, the master does not.
    auto r = laptop.sync("pull", "bash -c 'ulimit -f 1024; exec \"$0\" \"$@\"' ");
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("disk is full"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    expect_library_holds_only_whole_files(laptop, "", offered);
    EXPECT_TRUE(laptop.list_json().empty());
    EXPECT_GT(partial_bytes(laptop), 0u);

    r = laptop.sync("pull");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(laptop.story_files().size(), 2u);
    expect_library_holds_only_whole_files(laptop, "", offered);
    EXPECT_EQ(laptop.sync("verify").exit_code, 0);
}
