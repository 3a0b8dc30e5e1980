#pragma once
// What the API handlers work on: the booth's parts, owned by the daemon (daemon/booth.hpp).
#include "auth/auth.hpp"
#include "capture/microphone.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "config/settings.hpp"
#include "session/session.hpp"
#include "web/events.hpp"
#include "web/http.hpp"

#include <functional>
#include <memory>
#include <mutex>

namespace sb::api {

struct Context {
    Catalog* catalog = nullptr;
    std::shared_ptr<const Clock> clock;
    Microphone* mic = nullptr;
    SessionManager* session = nullptr;
    auth::PinStore* pins = nullptr;
    auth::Sessions* librarians = nullptr;
    auth::Pairing* pairing = nullptr;
    web::EventHub* events = nullptr;
    // The booth settings now in force (config file defaults + what the librarian saved).
    std::function<Settings()> settings;
    // Saves booth settings a librarian changed; applies them to the next session (never the current recording).
    std::function<void(const Settings&)> save_settings;
    std::string version;
    // Whether the microphone is there, as last seen by the daemon's clock thread (probing a
    // device list is slow and must not happen while a stream is open, so requests never probe).
    std::function<bool()> mic_present;
};

// Free space where the stories go, and how many seconds of recording it holds at the current
// settings (the reserve kept back). A folder that cannot be read counts as full.
struct DiskBudget {
    std::uint64_t free_bytes = 0;
    std::int64_t seconds_left = 0;
};
DiskBudget disk_budget(const Settings& s);

// Kiosk (touchscreen) and open routes: /api/v1/health, /api/v1/session..., /api/v1/events, /api/v1/questions.
void add_kiosk_routes(web::Router& router, Context& ctx);
// The pages: the touchscreen at "/", the librarian's pages at "/admin/", static files under
// "/ui/" (from the `ui` setting's folder, else the one built in), and /api/v1/qr.svg?text=.
void add_page_routes(web::Router& router, Context& ctx);
// The folder the pages are served from.
std::filesystem::path ui_root(const Settings& s);
// An SVG QR code of `text` (error correction M, with its quiet zone).
std::string qr_svg(const std::string& text);
// Librarian routes under /api/v1/admin/.
void add_admin_routes(web::Router& router, Context& ctx);
// The admin guard: a valid librarian session cookie, and the CSRF header on state-changing requests.
bool admin_guard(Context& ctx, const web::Request& req, web::Response& res);

// Sync routes under /sync/v1/ (docs/sync-protocol.md); creates the booth id if it has none yet.
void add_sync_routes(web::Router& router, Context& ctx);
// The sync guard: "Authorization: Bearer <token>" of a paired, unrevoked laptop; 401 with a
// plain reason otherwise (not paired at all, or revoked/unknown).
bool sync_guard(Context& ctx, const web::Request& req, web::Response& res);

inline constexpr const char* kSessionCookie = "sb_admin";
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";

}  // namespace sb::api
