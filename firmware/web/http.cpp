#include "web/http.hpp"

#include <arpa/inet.h>
#include <charconv>

namespace sb::web {

const char* to_string(Access a) {
    switch (a) {
        case Access::open: return "open";
        case Access::kiosk: return "kiosk";
        case Access::admin: return "admin";
        case Access::sync: return "sync";
    }
    return "?";
}

bool is_loopback(const std::string& address) {
    in_addr v4{};
    if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
        if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
    }
    return false;
}

Router::Router(Guards guards) : guards_(std::move(guards)) {
    if (!guards_.is_booth) guards_.is_booth = is_loopback;
    auto refuse = [](const Request&, Response& res) {
        send_error(res, 401, "Please log in.");
        return false;
    };
    if (!guards_.admin) guards_.admin = refuse;
    if (!guards_.sync) guards_.sync = refuse;
}

void Router::add(const std::string& method, const std::string& pattern, Access access, Handler handler) {
    routes_.push_back({method, pattern, access});
    entries_.push_back({{method, pattern, access}, std::move(handler)});
}

bool Router::admits(std::size_t i, const Request& req, Response& res) const {
    switch (entries_.at(i).info.access) {
        case Access::open: return true;
        case Access::kiosk:
            if (guards_.is_booth(req.remote_addr)) return true;
            send_error(res, 403, "This part of the booth answers only on the booth's own screen.");
            return false;
        case Access::admin: return guards_.admin(req, res);
        case Access::sync: return guards_.sync(req, res);
    }
    return false;
}

void Router::handle(std::size_t i, const Request& req, Response& res) const {
    if (!admits(i, req, res)) return;
    try {
        entries_.at(i).handler(req, res);
    } catch (const HttpError& err) {
        send_error(res, err.status(), err.what());
    } catch (const json::exception&) {
        send_error(res, 400, "The request is not in the expected form.");
    } catch (const std::exception& err) {
        send_error(res, 500, err.what());
    }
}

void Router::install(httplib::Server& server) const {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const Entry& e = entries_[i];
        auto wrapped = [this, i](const Request& req, Response& res) { handle(i, req, res); };
        if (e.info.method == "GET") server.Get(e.info.pattern, wrapped);
        else if (e.info.method == "POST") server.Post(e.info.pattern, wrapped);
        else if (e.info.method == "PUT") server.Put(e.info.pattern, wrapped);
        else if (e.info.method == "PATCH") server.Patch(e.info.pattern, wrapped);
        else if (e.info.method == "DELETE") server.Delete(e.info.pattern, wrapped);
        else throw Error("unsupported HTTP method " + e.info.method);
    }
}

void send_json(Response& res, const json& body, int status) {
    res.status = status;
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(Response& res, int status, const std::string& message) { send_json(res, json{{"error", message}}, status); }

namespace {

json parse_body(const Request& req) {
    if (req.body.empty()) throw HttpError(400, "The request needs a JSON body.");
    try {
        return json::parse(req.body);
    } catch (const json::parse_error&) {
        throw HttpError(400, "The request body is not valid JSON (or not valid UTF-8).");
    }
}

}  // namespace

json parse_object(const Request& req) {
    json j = parse_body(req);
    if (!j.is_object()) throw HttpError(400, "The request body must be a JSON object.");
    return j;
}

json parse_array(const Request& req) {
    json j = parse_body(req);
    if (!j.is_array()) throw HttpError(400, "The request body must be a JSON array.");
    return j;
}

std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::string text_field(const json& obj, const char* key, std::size_t max_chars, bool required) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
        if (required) throw HttpError(400, std::string("'") + key + "' is missing.");
        return "";
    }
    if (!it->is_string()) throw HttpError(400, std::string("'") + key + "' must be text.");
    std::string v = it->get<std::string>();
    if (utf8_length(v) > max_chars)
        throw HttpError(400, std::string("'") + key + "' is too long (at most " + std::to_string(max_chars) + " characters).");
    if (v.find('\0') != std::string::npos) throw HttpError(400, std::string("'") + key + "' contains a NUL character.");
    return v;
}

std::int64_t int_field(const json& obj, const char* key, std::int64_t lo, std::int64_t hi, bool required, std::int64_t fallback) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
        if (required) throw HttpError(400, std::string("'") + key + "' is missing.");
        return fallback;
    }
    if (!it->is_number_integer()) throw HttpError(400, std::string("'") + key + "' must be a whole number.");
    const auto v = it->get<std::int64_t>();
    if (v < lo || v > hi)
        throw HttpError(400, std::string("'") + key + "' must be from " + std::to_string(lo) + " to " + std::to_string(hi) + ".");
    return v;
}

bool bool_field(const json& obj, const char* key, bool required, bool fallback) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
        if (required) throw HttpError(400, std::string("'") + key + "' is missing.");
        return fallback;
    }
    if (!it->is_boolean()) throw HttpError(400, std::string("'") + key + "' must be true or false.");
    return it->get<bool>();
}

std::vector<std::string> text_list_field(const json& obj, const char* key, std::size_t max_items, std::size_t max_chars,
                                         bool required) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
        if (required) throw HttpError(400, std::string("'") + key + "' is missing.");
        return {};
    }
    if (!it->is_array()) throw HttpError(400, std::string("'") + key + "' must be a list of text.");
    if (it->size() > max_items)
        throw HttpError(400, std::string("'") + key + "' has too many items (at most " + std::to_string(max_items) + ").");
    std::vector<std::string> out;
    for (const auto& v : *it) {
        if (!v.is_string()) throw HttpError(400, std::string("'") + key + "' must be a list of text.");
        std::string s = v.get<std::string>();
        if (utf8_length(s) > max_chars)
            throw HttpError(400, std::string("an item of '") + key + "' is too long (at most " + std::to_string(max_chars) + " characters).");
        out.push_back(std::move(s));
    }
    return out;
}

std::int64_t query_int(const Request& req, const char* key, std::int64_t lo, std::int64_t hi, std::int64_t fallback) {
    if (!req.has_param(key)) return fallback;
    const std::string v = req.get_param_value(key);
    std::int64_t out = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || p != v.data() + v.size() || out < lo || out > hi)
        throw HttpError(400, std::string("'") + key + "' must be a whole number from " + std::to_string(lo) + " to " +
                                 std::to_string(hi) + ".");
    return out;
}

namespace {
const char* static_content_type(const std::string& name) {
    const auto dot = name.rfind('.');
    const std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
    if (ext == "html") return "text/html; charset=utf-8";
    if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
    if (ext == "css") return "text/css; charset=utf-8";
    if (ext == "json") return "application/json";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "png") return "image/png";
    if (ext == "woff2") return "font/woff2";
    if (ext == "ogg" || ext == "opus") return "audio/ogg";
    if (ext == "txt") return "text/plain; charset=utf-8";
    return nullptr;
}
}  // namespace

void serve_static(const Request& req, Response& res, const std::filesystem::path& root, const std::string& relative) {
    const auto not_found = [] { return HttpError(404, "There is no such page."); };
    if (relative.empty() || relative.front() == '/') throw not_found();
    std::size_t start = 0;
    while (start <= relative.size()) {
        std::size_t end = relative.find('/', start);
        if (end == std::string::npos) end = relative.size();
        const std::string part = relative.substr(start, end - start);
        if (part.empty() || part.front() == '.') throw not_found();  // "", ".", "..", hidden files
        start = end + 1;
    }
    const char* type = static_content_type(relative);
    if (!type) throw not_found();
    const auto file = root / relative;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) throw not_found();
    res.set_header("Cache-Control", "no-cache");
    serve_file(req, res, file, type);
}

std::string cookie(const Request& req, const std::string& name) {
    const std::string header = req.get_header_value("Cookie");
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t end = header.find(';', pos);
        if (end == std::string::npos) end = header.size();
        std::string part = header.substr(pos, end - pos);
        const auto b = part.find_first_not_of(' ');
        if (b != std::string::npos) part = part.substr(b);
        if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 && part[name.size()] == '=')
            return part.substr(name.size() + 1);
        pos = end + 1;
    }
    return "";
}

}  // namespace sb::web
