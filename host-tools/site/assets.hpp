#pragma once
// The files under host-tools/site/assets/, built into the library by embed.cmake.
#include <string_view>

namespace sb::storysync::assets {
extern const std::string_view site_css;
extern const std::string_view site_js;
}  // namespace sb::storysync::assets
