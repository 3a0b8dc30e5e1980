#include "record/layout.hpp"

namespace sb::layout {

fs::path catalog_file(const fs::path& data_dir) { return data_dir / "catalog.db"; }
fs::path stories_dir(const fs::path& data_dir) { return data_dir / "stories"; }
fs::path story_dir(const fs::path& data_dir, const std::string& story_id) { return stories_dir(data_dir) / story_id; }
std::string relative(const std::string& story_id, const char* name) { return "stories/" + story_id + "/" + name; }

}  // namespace sb::layout
