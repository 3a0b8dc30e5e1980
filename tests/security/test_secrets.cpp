// Secrets: the PIN, session and CSRF tokens, the sync token and the pairing code never appear
// in the daemon's log or in any answer meant for someone else; at rest the booth keeps only
// hashes; the booth's data and the laptop's token file are not readable by other users.
#include "security/security.hpp"

#include "library/tokens.hpp"

#include <sys/stat.h>

using namespace sbtest;
using sb::web::Access;

namespace {

mode_t mode_of(const fs::path& p) {
    struct stat st{};
    if (::stat(p.c_str(), &st) != 0) throw std::runtime_error("cannot stat " + p.string());
    return st.st_mode & 07777;
}

}  // namespace

TEST(Secrets, NoAnswerToAnyGetRouteAndNoLogLineHoldsAPinTokenOrUsedCode) {
    SecuredBooth b;
    b.login();
    b.pair();
    httplib::Headers creds = b.admin_headers();
    creds.emplace("Authorization", "Bearer " + b.token);
    auto c = b.client();
    int checked = 0;
    for (const auto& r : booth_routes()) {
        if (r.method != "GET" || r.pattern == "/api/v1/events") continue;  // the event stream never ends
        const std::string path = sample_path(r.pattern);
        auto res = c.Get(path, creds);
        ASSERT_TRUE(res) << path;
        const std::string all = res->body + [&] {
            std::string h;
            for (const auto& [k, v] : res->headers) h += k + ": " + v + "\n";
            return h;
        }();
        EXPECT_EQ(all.find(kPin), std::string::npos) << path;
        EXPECT_EQ(all.find(b.session), std::string::npos) << path;
        EXPECT_EQ(all.find(b.token), std::string::npos) << path;
        EXPECT_EQ(all.find(b.code), std::string::npos) << path;
        // /admin/me hands the page its own CSRF token: the one answer allowed to hold it.
        if (r.pattern != "/api/v1/admin/me") {
            EXPECT_EQ(all.find(b.csrf), std::string::npos) << path;
        }
        ++checked;
    }
    EXPECT_GE(checked, 15);
    // A wrong PIN, a wrong token and a wrong code are not logged either.
    post_json(c, "/api/v1/admin/login", {{"pin", "86420975"}});
    c.Get("/sync/v1/booth", {{"Authorization", "Bearer WRONG-TOKEN-31415926"}});
    post_json(c, "/sync/v1/pair", {{"code", "ZZZZ9999"}, {"host_name", "x"}});
    b.daemon->stop();
    const std::string log = b.daemon->log();
    EXPECT_FALSE(log.empty());
    for (const std::string& secret :
         {std::string(kPin), b.session, b.csrf, b.token, b.code, std::string("86420975"), std::string("WRONG-TOKEN-31415926"),
          std::string("ZZZZ9999")})
        EXPECT_EQ(log.find(secret), std::string::npos) << "the log holds a secret: " << secret;
}

TEST(Secrets, NoFileInTheDataFolderHoldsAPinOrTokenInClear) {
    SecuredBooth b;
    b.login();
    b.pair();
    auto l = b.laptop();
    ASSERT_TRUE(l.Get("/sync/v1/changes"));
    b.daemon->stop();  // everything written and the WAL checkpointed
    int files = 0;
    for (const auto& e : fs::recursive_directory_iterator(b.data)) {
        if (!e.is_regular_file()) continue;
        const std::string bytes = slurp_file(e.path());
        for (const std::string& secret : {std::string(kPin), b.session, b.csrf, b.token, b.code})
            EXPECT_EQ(bytes.find(secret), std::string::npos) << e.path() << " holds a secret in clear";
        ++files;
    }
    EXPECT_GE(files, 1);
}

TEST(FileModes, TheBoothsDataFolderAndCatalogAreNotReadableByOtherUsers) {
    SecuredBooth b;  // set-pin creates the data folder, the daemon fills it
    b.login();
    b.pair();
    b.daemon->stop();
    EXPECT_EQ(mode_of(b.data) & 07, 0u) << std::oct << mode_of(b.data);
    for (const auto& e : fs::recursive_directory_iterator(b.data)) {
        const auto m = mode_of(e.path());
        const bool catalog = e.path().filename().string().rfind("catalog.db", 0) == 0;
        if (e.is_directory() || catalog) {
            EXPECT_EQ(m & 07, 0u) << e.path() << " " << std::oct << m;
        }
    }
}

TEST(FileModes, TheLaptopsTokenFileIsCreatedReadableByItsOwnerOnly) {
    TempDir t;
    const fs::path file = t / "storysync" / "tokens.json";
    sb::storysync::TokenStore store(file);
    store.put("booth-1", "secret-token-value");
    EXPECT_EQ(mode_of(file), 0600u) << std::oct << mode_of(file);
    EXPECT_EQ(mode_of(file.parent_path()) & 077, 0u) << std::oct << mode_of(file.parent_path());
    // A file someone made readable is put back to 0600 before it is read.
    ::chmod(file.c_str(), 0644);
    EXPECT_EQ(store.get("booth-1").value_or(""), "secret-token-value");
    EXPECT_EQ(mode_of(file), 0600u);
    // Replacing a token keeps the mode.
    store.put("booth-2", "another");
    EXPECT_EQ(mode_of(file), 0600u);
}
