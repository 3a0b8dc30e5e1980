#include "transfer/booth_client.hpp"

#include "transfer/http_get.hpp"

#include <exception>
#include <httplib.h>
#include <regex>

namespace sb::storysync {

namespace {

using nlohmann::json;

std::string booth_sentence(const std::string& body) {
    json j = json::parse(body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_string())
        return j["error"].get<std::string>();
    return "";
}

// The error for a response that is not 2xx.
SyncError status_error(const std::string& who, int status, const std::string& body) {
    std::string said = booth_sentence(body);
    if (status == 401)
        return SyncError(SyncError::Reason::unauthorized,
                         who + " refused this laptop: " +
                             (said.empty() ? "the pairing is wrong or was revoked; pair again with 'storysync pair'" : said));
    if (said.empty()) said = "it answered HTTP " + std::to_string(status);
    if (status == 404) return SyncError(SyncError::Reason::not_found, who + ": " + said);
    return SyncError(SyncError::Reason::refused, who + ": " + said);
}

// No connection could be made.
SyncError unreachable(const std::string& who, const std::string& url, const std::string& detail) {
    return SyncError(SyncError::Reason::unreachable, "cannot reach " + who + " at " + url +
                                                         ": is it switched on and on the same network as this laptop? (" +
                                                         detail + ")");
}

// The connection broke after it was made.
SyncError interrupted(const std::string& who, const std::string& url, const std::string& detail) {
    return SyncError(SyncError::Reason::interrupted, "lost the connection to " + who + " at " + url +
                                                         " in the middle of a transfer (" + detail +
                                                         "); what arrived is kept and the next pull resumes it");
}

SyncError transport_error(const std::string& who, const std::string& url, httplib::Error e, bool mid_answer) {
    using httplib::Error;
    if (!mid_answer && (e == Error::Connection || e == Error::ConnectionTimeout || e == Error::BindIPAddress))
        return unreachable(who, url, httplib::to_string(e));
    if (e == Error::SSLConnection || e == Error::SSLServerVerification || e == Error::SSLLoadingCerts)
        return SyncError(SyncError::Reason::unreachable, "cannot open a secure connection to " + who + " at " + url +
                                                             " (" + httplib::to_string(e) + ")");
    return interrupted(who, url, httplib::to_string(e));
}

std::unique_ptr<httplib::Client> make_client(const std::string& url, const ClientOptions& o) {
    auto c = std::make_unique<httplib::Client>(url);
    if (!c->is_valid()) throw Error("not a booth address: '" + url + "'");
    c->set_connection_timeout(o.connect_timeout);
    c->set_read_timeout(o.read_timeout);
    c->set_write_timeout(std::chrono::seconds(10));
    c->set_keep_alive(true);
    c->set_follow_location(false);
    return c;
}

json parse_body(const std::string& who, const std::string& body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) throw SyncError(SyncError::Reason::protocol, who + " sent an answer that is not JSON");
    return j;
}

}  // namespace

std::string normalise_url(const std::string& typed) {
    std::string u = typed;
    while (!u.empty() && (u.back() == ' ')) u.pop_back();
    while (!u.empty() && u.front() == ' ') u.erase(u.begin());
    if (u.find("://") == std::string::npos) u = "http://" + u;
    while (!u.empty() && u.back() == '/') u.pop_back();
    static const std::regex re(R"(^(https?)://([A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$)");
    if (!std::regex_match(u, re))
        throw Error("'" + typed + "' is not a booth address; give it as http://HOST:PORT (as the booth's admin page shows it)");
    return u;
}

PairResult pair_with_booth(const std::string& url, const std::string& code, const std::string& host_name,
                           const ClientOptions& opts) {
    auto c = make_client(url, opts);
    const std::string who = "the booth";
    json body = {{"code", code}, {"host_name", host_name}};
    auto r = c->Post(std::string(feed::kApiPrefix) + "/pair", body.dump(), "application/json");
    if (!r) throw transport_error(who, url, r.error(), false);
    if (r->status == 403) {
        std::string said = booth_sentence(r->body);
        throw SyncError(SyncError::Reason::refused,
                        said.empty() ? "that pairing code is wrong, used or expired; make a new one on the booth's admin page" : said);
    }
    if (r->status != 200) throw status_error(who, r->status, r->body);
    json j = parse_body(who, r->body);
    PairResult p;
    try {
        p.token = j.at("token").get<std::string>();
        p.laptop_id = j.at("laptop_id").get<std::int64_t>();
        p.booth = feed::booth_from_json(j.at("booth"));
    } catch (const json::exception& e) {
        throw SyncError(SyncError::Reason::protocol, "the booth's answer to pairing is not what storysync expects (" +
                                                         std::string(e.what()) + ")");
    } catch (const Error& e) {
        throw SyncError(SyncError::Reason::protocol, std::string("the booth's answer to pairing: ") + e.what());
    }
    if (p.token.empty()) throw SyncError(SyncError::Reason::protocol, "the booth answered pairing without a token");
    return p;
}

struct BoothClient::Impl {
    std::string url, token, name;
    std::unique_ptr<httplib::Client> client;
    std::unique_ptr<HttpGet> files;  // plain http:// booths: file downloads in large reads

    std::string who() const { return "booth '" + name + "'"; }
    httplib::Headers auth() const { return {{"Authorization", "Bearer " + token}}; }

    json get_json(const std::string& path) {
        auto r = client->Get(path, auth());
        if (!r) throw transport_error(who(), url, r.error(), false);
        if (r->status != 200) throw status_error(who(), r->status, r->body);
        return parse_body(who(), r->body);
    }
};

BoothClient::BoothClient(std::string url, std::string token, std::string booth_name, const ClientOptions& opts)
    : impl_(std::make_unique<Impl>()) {
    impl_->url = std::move(url);
    impl_->token = std::move(token);
    impl_->name = std::move(booth_name);
    impl_->client = make_client(impl_->url, opts);
    static const std::regex plain(R"(^http://([^/:]+|\[[^\]]+\])(:([0-9]+))?$)");
    std::smatch m;
    if (std::regex_match(impl_->url, m, plain))
        impl_->files = std::make_unique<HttpGet>(m[1], m[3].matched ? std::stoi(m[3]) : 80, opts.connect_timeout,
                                                 opts.read_timeout);
}

BoothClient::~BoothClient() = default;

std::string BoothClient::describe() const { return impl_->who() + " at " + impl_->url; }

feed::BoothInfo BoothClient::booth(std::int64_t* latest_seq) {
    json j = impl_->get_json(std::string(feed::kApiPrefix) + "/booth");
    try {
        if (latest_seq) *latest_seq = j.at("latest_seq").get<std::int64_t>();
        return feed::booth_from_json(j.at("booth"));
    } catch (const json::exception& e) {
        throw SyncError(SyncError::Reason::protocol, impl_->who() + " sent a malformed answer (" + e.what() + ")");
    } catch (const Error& e) {
        throw SyncError(SyncError::Reason::protocol, impl_->who() + " sent a malformed answer: " + e.what());
    }
}

feed::ChangesPage BoothClient::changes(std::int64_t since, int limit) {
    json j = impl_->get_json(std::string(feed::kApiPrefix) + "/changes?since=" + std::to_string(since) +
                             "&limit=" + std::to_string(limit));
    try {
        return feed::changes_from_json(j);
    } catch (const json::exception& e) {
        throw SyncError(SyncError::Reason::protocol, impl_->who() + " sent a malformed list of changes (" + e.what() + ")");
    } catch (const Error& e) {
        throw SyncError(SyncError::Reason::protocol, impl_->who() + " sent a malformed list of changes: " + e.what());
    }
}

void BoothClient::fetch(const std::string& story_id, const std::string& name, std::uint64_t offset,
                        const std::string& sha256, FetchSink& sink) {
    std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + impl_->token}};
    if (offset > 0) {
        headers["Range"] = "bytes=" + std::to_string(offset) + "-";
        headers["If-Range"] = "\"" + sha256 + "\"";
    }
    const std::string path = std::string(feed::kApiPrefix) + "/files/" + story_id + "/" + name;
    int status = 0;
    bool streaming = false;
    std::string error_body;
    // What the status says about the bytes that follow (the same for both HTTP clients).
    auto on_status = [&](int st, const std::string& content_range) {
        status = st;
        if (st == 206) {
            // "bytes A-B/N": the part must start where we asked.
            static const std::regex cr(R"(^bytes ([0-9]+)-([0-9]+)/([0-9]+|\*)$)");
            std::smatch m;
            if (!std::regex_match(content_range, m, cr) || std::stoull(m[1]) != offset)
                throw SyncError(SyncError::Reason::protocol, impl_->who() + " sent a different part of " + name + " than asked for");
            sink.begin(offset);
            streaming = true;
        } else if (st == 200) {
            sink.begin(0);
            streaming = true;
        }
    };
    auto on_data = [&](const char* data, std::size_t n) {
        if (streaming) sink.data(data, n);
        else if (error_body.size() < 65536) error_body.append(data, n);
    };

    if (impl_->files) {
        try {
            impl_->files->get(
                path, headers, [&](const HttpGet::Response& r) { on_status(r.status, r.header("content-range")); }, on_data,
                [&]() { return streaming ? sink.receive_buffer() : std::pair<char*, std::size_t>{nullptr, 0}; },
                [&](std::size_t n) { sink.received(n); });
        } catch (const HttpGet::Failure& f) {
            if (!f.connected) throw unreachable(impl_->who(), impl_->url, f.what);
            throw interrupted(impl_->who(), impl_->url, f.what);
        }
    } else {
        httplib::Headers h(headers.begin(), headers.end());
        std::exception_ptr failure;
        auto r = impl_->client->Get(
            path, h,
            [&](const httplib::Response& res) {
                try {
                    on_status(res.status, res.get_header_value("Content-Range"));
                } catch (...) {
                    failure = std::current_exception();
                    return false;
                }
                return true;
            },
            [&](const char* data, std::size_t n) {
                try {
                    on_data(data, n);
                } catch (...) {
                    failure = std::current_exception();
                    return false;
                }
                return true;
            });
        if (failure) std::rethrow_exception(failure);
        if (!r) throw transport_error(impl_->who(), impl_->url, r.error(), streaming);
    }
    if (status != 200 && status != 206) {
        if (status == 404)
            throw SyncError(SyncError::Reason::not_found, impl_->who() + " no longer offers " + name + " of story " + story_id);
        throw status_error(impl_->who(), status, error_body);
    }
}

void BoothClient::ack(std::int64_t seq) {
    json body = {{"seq", seq}};
    auto r = impl_->client->Post(std::string(feed::kApiPrefix) + "/ack", impl_->auth(), body.dump(), "application/json");
    if (!r) throw transport_error(impl_->who(), impl_->url, r.error(), false);
    if (r->status != 200) throw status_error(impl_->who(), r->status, r->body);
}

}  // namespace sb::storysync
