#pragma once
// JSON shapes the API returns (documented in docs/api.md).
#include "catalog/catalog.hpp"
#include "dsp/meter.hpp"
#include "session/session.hpp"

#include <nlohmann/json.hpp>

namespace sb::api {

nlohmann::json story_summary_json(const Story& s);
nlohmann::json story_json(const Story& s);
nlohmann::json session_json(const SessionSnapshot& s);
nlohmann::json levels_json(const Levels& l, std::int64_t elapsed_ms);

}  // namespace sb::api
