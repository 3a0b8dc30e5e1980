// The pages people see: the touchscreen at "/", the librarian's pages at "/admin/", their
// files under "/ui/", and QR codes for story and pairing codes. All static files, no build step.
#include "api/context.hpp"

#include <qrencode.h>

#include <memory>

namespace sb::api {

using web::Access;
using web::HttpError;
using web::Request;
using web::Response;

namespace fs = std::filesystem;

fs::path ui_root(const Settings& s) {
    if (!s.ui.empty()) return s.ui;
    // An installed program finds the pages beside it: <prefix>/bin/storybooth, <prefix>/share/storybooth/ui.
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path().parent_path() / "share/storybooth/ui";
        if (fs::is_regular_file(installed / "booth/index.html", ec)) return installed;
    }
    return STORYBOOTH_UI_DIR;  // a build run in place: the source tree
}

std::string qr_svg(const std::string& text) {
    std::unique_ptr<QRcode, void (*)(QRcode*)> qr(QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M), QRcode_free);
    if (!qr) throw HttpError(422, "That text cannot be made into a QR code.");
    const int n = qr->width;
    constexpr int quiet = 4;  // the blank margin scanners need
    const int size = n + 2 * quiet;
    std::string path;
    path.reserve(static_cast<std::size_t>(n * n) * 4);
    for (int y = 0; y < n; ++y) {
        for (int x = 0; x < n; ++x) {
            if (!(qr->data[y * n + x] & 1)) continue;
            int run = 1;  // a run of dark modules on this row is one rectangle
            while (x + run < n && (qr->data[y * n + x + run] & 1)) ++run;
            path.append("M").append(std::to_string(x + quiet)).append(" ").append(std::to_string(y + quiet))
                .append("h").append(std::to_string(run)).append("v1h-").append(std::to_string(run)).append("z");
            x += run - 1;
        }
    }
    std::string escaped;
    for (char c : text) {
        switch (c) {
            case '&': escaped += "&amp;"; break;
            case '<': escaped += "&lt;"; break;
            case '>': escaped += "&gt;"; break;
            case '"': escaped += "&quot;"; break;
            default: escaped += c;
        }
    }
    const std::string dim = std::to_string(size);
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + dim + " " + dim +
           "\" shape-rendering=\"crispEdges\" role=\"img\"><title>QR code: " + escaped + "</title><rect width=\"" + dim +
           "\" height=\"" + dim + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

void add_page_routes(web::Router& r, Context& ctx) {
    // The `ui` setting comes only from the config file and flags, so the folder is found once.
    const fs::path root = ui_root(ctx.settings());
    // The touchscreen answers only on the booth itself; anyone else is shown the librarian's pages.
    r.add("GET", "/", Access::open, [root](const Request& req, Response& res) {
        if (!web::is_loopback(req.remote_addr)) {
            res.status = 302;
            res.set_header("Location", "/admin/");
            return;
        }
        web::serve_static(req, res, root, "booth/index.html");
    });
    r.add("GET", "/admin", Access::open, [](const Request&, Response& res) {
        res.status = 301;
        res.set_header("Location", "/admin/");
    });
    r.add("GET", "/admin/", Access::open,
          [root](const Request& req, Response& res) { web::serve_static(req, res, root, "admin/index.html"); });
    r.add("GET", R"(/ui/([A-Za-z0-9._/-]{1,200}))", Access::open,
          [root](const Request& req, Response& res) { web::serve_static(req, res, root, req.matches[1]); });
    r.add("GET", "/api/v1/qr.svg", Access::open, [](const Request& req, Response& res) {
        const std::string text = req.has_param("text") ? req.get_param_value("text") : "";
        if (text.empty() || web::utf8_length(text) > 256)
            throw HttpError(400, "A QR code needs text of 1 to 256 characters.");
        res.set_header("Cache-Control", "no-store");
        res.set_content(qr_svg(text), "image/svg+xml");
    });
}

}  // namespace sb::api
